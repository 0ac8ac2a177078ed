//! Evidence for an auditor that pricing is fair: group outcome metrics (as fairlearn defines
//! them) and the occupation parity of every intimacy profession against its comparator.

pub mod attribution;
pub mod html;
pub mod metrics;
pub mod outcomes;
pub mod parity;
pub mod proxies;
pub mod report;
