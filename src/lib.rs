//! snoka finds personal data in file shares: Swedish personnummer and
//! samordningsnummer, Danish CPR numbers, e-mail addresses, IPv4/IPv6
//! addresses and phone numbers, each validated (Luhn, modulus 11, real
//! dates, number plans) so that look-alikes are not reported.
//!
//! The pipeline: [`walk`] lists the files, [`extract`] turns each into text
//! with locations, [`detect`] finds validated values in the text, [`scan`]
//! runs this in parallel with per-file isolation, and [`report`] writes
//! CSV or JSON Lines with values masked by default.

#![warn(missing_docs)]

pub mod cache;
pub mod cli;
pub mod config;
pub mod detect;
pub mod error;
pub mod exit;
pub mod extract;
pub mod find;
pub mod model;
pub mod report;
pub mod scan;
pub mod shard;
pub mod stream;
pub mod suppress;
pub mod walk;

pub use detect::Engine;
pub use model::{Confidence, FileReport, FileStatus, Finding, Kind, Location};
