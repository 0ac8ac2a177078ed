//! fairquote: fair, transparent insurance quotes for intimacy professionals.
//!
//! See `ARCHITECTURE.md` for the map. Dependencies point inward: `grpc` and `cli` are adapters
//! over the capabilities (`rating`, `registry`, `audit`, `fairness`, `impact`) through the
//! conversions of `contract`; `rating` knows only `domain` and its rate books; `domain` knows
//! nothing else.
#![forbid(unsafe_code)]

pub mod actuarial;
pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod contract;
pub mod domain;
pub mod experience;
pub mod fairness;
pub mod grpc;
pub mod impact;
pub mod portfolio;
pub mod rating;
pub mod registry;
pub mod tables;
pub mod telemetry;
