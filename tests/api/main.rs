//! The one integration test binary: it starts the real server on 127.0.0.1:0 and calls it
//! with the generated client, as an insurer's system would; and it checks the tables and the
//! engine through the library where a property must hold over many inputs.

mod actuarial;
mod audit;
mod audit_cli;
mod auth;
mod bad_input;
mod bad_tables;
mod catalogue;
mod crash;
mod criteria;
mod deploy;
mod disk;
mod expected_premiums;
mod experience;
mod fairness;
mod fairness_report;
mod fuzz_corpus;
mod helpers;
mod impact;
mod language;
mod model_diff;
mod models;
mod operations;
mod postgres;
mod product_information;
mod properties;
mod quote;
mod start;
mod statutory;
mod stream;
mod telemetry;
mod tls;
mod torn;
mod transparency;
mod undecodable;
mod workbook;
