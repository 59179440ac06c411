//! Shared machinery: storage, migrations, audit chain, authentication and authorisation,
//! errors, HTTP helpers and the web layout. Domain modules use these; none repeats them.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod db;
pub mod error;
pub mod http;
pub mod i18n;
pub mod limit;
pub mod migrate;
pub mod pdf;
pub mod sheet;
pub mod text;
pub mod web;
