//! Exit codes: 0 nothing reported, 1 findings reported, 2 an error (fatal,
//! or any file that could not be read: an inventory with holes must not
//! look clean to CI). Errors win over findings.

use crate::report::summary::Summary;

/// The process exit status of a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Scan complete, nothing reported.
    Clean = 0,
    /// Scan complete, findings reported.
    Findings = 1,
    /// A fatal error, or at least one file failed.
    Error = 2,
}

impl Exit {
    /// The exit status for a finished scan.
    pub fn of(summary: &Summary) -> Exit {
        Exit::failing_on(summary, &[])
    }

    /// The exit status when only findings of `fail_on` kinds (all when
    /// empty) count, and failed files the baseline accepts do not.
    pub fn failing_on(summary: &Summary, fail_on: &[crate::model::Kind]) -> Exit {
        let counted = summary.findings.iter().filter(|(k, _)| fail_on.is_empty() || fail_on.contains(k));
        if summary.failed > summary.accepted_failed {
            Exit::Error
        } else if counted.map(|(_, n)| n).sum::<usize>() > 0 {
            Exit::Findings
        } else {
            Exit::Clean
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    #[test]
    fn precedence() {
        let mut s = Summary::default();
        assert_eq!(Exit::of(&s), Exit::Clean);
        s.findings.insert(Kind::Email, 1);
        assert_eq!(Exit::of(&s), Exit::Findings);
        s.failed = 1;
        assert_eq!(Exit::of(&s), Exit::Error);
        s.skipped = 3;
        s.findings.clear();
        assert_eq!(Exit::of(&s), Exit::Error);
        s.accepted_failed = 1;
        assert_eq!(Exit::of(&s), Exit::Clean, "a failure the baseline accepts");
        s.findings.insert(Kind::Email, 2);
        assert_eq!(Exit::failing_on(&s, &[Kind::Personnummer]), Exit::Clean);
        assert_eq!(Exit::failing_on(&s, &[Kind::Email]), Exit::Findings);
    }
}
