//! The values that flow between the pipeline stages: what was found
//! ([`Finding`]), where ([`Location`]), how sure snoka is ([`Confidence`]),
//! and what happened to each file ([`FileReport`], [`FileStatus`]).

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// The kind of personal data a finding is.
///
/// The string forms (`personnummer`, `cpr`, ...) are what reports print in the
/// `kind` column and what `--kinds` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Swedish personnummer (personal identity number).
    Personnummer,
    /// Swedish samordningsnummer (coordination number: day + 60).
    Samordningsnummer,
    /// Danish CPR number.
    Cpr,
    /// E-mail address.
    Email,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// Telephone number (Swedish, Danish, or `+`-prefixed international).
    Phone,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 7] =
        [Kind::Personnummer, Kind::Samordningsnummer, Kind::Cpr, Kind::Email, Kind::Ipv4, Kind::Ipv6, Kind::Phone];

    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Personnummer => "personnummer",
            Kind::Samordningsnummer => "samordningsnummer",
            Kind::Cpr => "cpr",
            Kind::Email => "email",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Phone => "phone",
        }
    }

    /// Parses a report name back into a kind.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure snoka is that a finding is personal data.
///
/// Derived from a score in `0.0..=1.0`: high >= 0.8, medium >= 0.5, low
/// below. Reports show medium and above unless `--min-confidence low`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Score below 0.5: plausible but unconfirmed.
    Low,
    /// Score 0.5 to 0.79.
    Medium,
    /// Score 0.8 and above.
    High,
}

impl Confidence {
    /// Maps a score to its band.
    pub fn from_score(score: f32) -> Confidence {
        // Scores are sums of tenths; round so 0.6 - 0.1 is 0.5, not 0.4999.
        let points = (score * 100.0).round() as i32;
        if points >= 80 {
            Confidence::High
        } else if points >= 50 {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }

    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a file a finding is. Ordered so that sorting findings by
/// location follows the file from start to end.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// A position in plain text: 1-based line and 1-based column counted in
    /// characters (Unicode scalar values) of the decoded text.
    Line {
        /// 1-based line number.
        line: u64,
        /// 1-based column, in characters.
        column: u64,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { line, column } => write!(f, "line {line}, column {column}"),
        }
    }
}

/// One piece of personal data found in a file.
///
/// `value` and `normalized` hold the real value in memory; reporters mask
/// them unless the user asked for `--show-values`.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// What was found.
    pub kind: Kind,
    /// Id of the rule whose candidate this was.
    pub rule: std::sync::Arc<str>,
    /// Where it is.
    pub location: Location,
    /// The text exactly as written in the file.
    pub value: String,
    /// The canonical form (see [`Kind`] docs in the README): 12-digit
    /// personnummer, 10-digit CPR, lower-cased e-mail, E.164 phone, IP text.
    pub normalized: String,
    /// `value` with the identifying part hidden, as reports print it.
    pub masked_value: String,
    /// `normalized` with the identifying part hidden.
    pub masked_normalized: String,
    /// Score in `0.0..=1.0`, from which [`Finding::confidence`] is derived.
    pub score: f32,
    /// Why it was reported: `;`-separated reason codes such as
    /// `luhn;date;keyword:personnummer`.
    pub reason: String,
}

impl Finding {
    /// The confidence band of this finding's score.
    pub fn confidence(&self) -> Confidence {
        Confidence::from_score(self.score)
    }
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileStatus {
    /// Read and searched.
    Scanned,
    /// Deliberately not searched (policy: too large, binary, special file).
    Skipped(String),
    /// Could not be read or decoded; the inventory has a hole here.
    Failed(String),
}

/// The result of scanning one file: its status and its findings.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// Path of the file as walked (relative to the scan root argument).
    pub path: PathBuf,
    /// Member path inside a container; empty for plain files.
    pub member: String,
    /// Scanned, skipped or failed.
    pub status: FileStatus,
    /// Bytes read from disk.
    pub bytes: u64,
    /// Findings at or above the requested minimum confidence, in file order.
    pub findings: Vec<Finding>,
}
