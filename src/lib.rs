//! Sinergi: the shared operating picture of everyone who runs and guards an Indonesian
//! election. One binary: the web service, its API and the admin CLI.

pub mod agencies;
pub mod cli;
pub mod coordination;
pub mod demo;
pub mod elections;
pub mod field;
pub mod logistics;
pub mod platform;
pub mod regions;
pub mod reports;
pub mod results;
pub mod situation;
pub mod startup;
pub mod vulnerability;
