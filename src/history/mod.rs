//! The rehab course: every analysed session of every patient in one SQLite database
//! (`history.sqlite`), and what is read back from it (`hipflex history`, the progress
//! page, the batch index's trends). See `docs/history.md`.
//!
//! A session is one video of one patient, keyed by (patient, video sha256): analysing the
//! same video again replaces its session. Each session is written in one transaction.

pub mod db;
pub mod export;
pub mod progress;
pub mod schema;
pub mod session;
pub mod summary;
pub mod svg;

use std::path::{Path, PathBuf};

pub use db::Db;
pub use session::{FlagRecord, RepRecord, Session, SessionContext};

/// Environment variable naming the database file (after `--db`).
pub const DB_ENV: &str = "HIPFLEX_DB";
/// Milliseconds a writer waits for another to finish (default [`DEFAULT_BUSY_TIMEOUT_MS`]).
pub const BUSY_TIMEOUT_ENV: &str = "HIPFLEX_DB_TIMEOUT_MS";
pub const DEFAULT_BUSY_TIMEOUT_MS: u64 = 10_000;

/// Errors of the history database. Each renders as one paragraph naming the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{path} is not a hipflex history database (it is not an SQLite file, or it is damaged: {reason}). hipflex did not change it. Move it aside (e.g. `mv {path} {path}.broken`) so a new one is created, restore it from a backup (upgrades leave a `.v<N>-backup` copy beside it), or point --db / HIPFLEX_DB at another file."
    )]
    NotADatabase { path: PathBuf, reason: String },

    #[error(
        "{path} was written by a newer hipflex (history schema {found}; this hipflex reads up to {supported}). It was not changed. Upgrade hipflex, or point --db / HIPFLEX_DB at another file."
    )]
    Newer {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "the history database {path} is locked by another program for longer than {timeout_ms} ms (another hipflex run or an open database browser). The analysis outputs are written; close the other program and re-run (a re-run skips finished videos), or raise {BUSY_TIMEOUT_ENV}."
    )]
    Locked { path: PathBuf, timeout_ms: u64 },

    #[error(
        "could not write the history database {path}: {reason}. The analysis outputs are written, but this session is not in the history. Check that the disk is writable and has free space (or use --db FILE elsewhere, or --no-db), then re-run."
    )]
    Write { path: PathBuf, reason: String },

    #[error(
        "could not back up {path} to {backup} before upgrading it: {reason}. The database was not changed; free some disk space or check permissions, then re-run."
    )]
    Backup {
        path: PathBuf,
        backup: PathBuf,
        reason: String,
    },

    #[error("could not read the history database {path}: {reason}")]
    Read { path: PathBuf, reason: String },

    #[error(
        "no patient called \"{patient}\" in the history database {path}. `hipflex history` lists the patients it holds."
    )]
    UnknownPatient { patient: String, path: PathBuf },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where the database lives: `--db FILE`, else `HIPFLEX_DB`, else
/// `$XDG_DATA_HOME/hipflex/history.sqlite` (`~/.local/share/hipflex/history.sqlite`).
pub fn location(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os(DB_ENV).filter(|s| !s.is_empty()) {
        return PathBuf::from(p);
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("hipflex").join("history.sqlite")
}

/// Checks a pain rating given as text: a whole number 0-10.
pub fn parse_pain(s: &str) -> std::result::Result<u8, String> {
    let t = s.trim();
    match t.parse::<u8>() {
        Ok(n) if n <= 10 => Ok(n),
        Ok(n) => Err(format!(
            "pain {n} is out of range: rate pain 0-10 (0 = none, 10 = worst imaginable)"
        )),
        Err(_) => Err(format!(
            "pain `{t}` is not a whole number 0-10 (0 = none, 10 = worst imaginable)"
        )),
    }
}

/// A patient name made safe as one folder name: letters (any script), digits, `-`, `_`
/// and `.` kept, everything else `_`; never `.`/`..` or empty, so it cannot leave the
/// folder it is joined to.
pub fn safe_name(patient: &str) -> String {
    crate::batch::sanitize(patient)
}

/// The session of an analysis whose outputs are in `report_dir`: recording date and
/// time from `video`, the phase's tempo floors and acceptable pain from `protocol`.
pub fn session_for(
    report: &crate::report::Report,
    protocol: &crate::protocol::Protocol,
    patient: &str,
    video: &Path,
    video_sha256: String,
    pain: Option<u8>,
    report_dir: &Path,
) -> Session {
    let rules = protocol
        .rules(report.protocol.phase, report.exercise.exercise)
        .ok();
    let abs = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    Session::from_report(
        report,
        &SessionContext {
            patient: patient.to_string(),
            video_sha256,
            video_path: abs(video),
            recorded_date: crate::video::recorded_date(video),
            recorded_time: crate::video::recorded_time(video),
            pain,
            pain_acceptable_max: Some(protocol.pain_acceptable_max),
            eccentric_min_s: rules.as_ref().and_then(|r| r.eccentric_min_s),
            concentric_min_s: rules.as_ref().and_then(|r| r.concentric_min_s),
            report_path: abs(&report_dir.join("report.html")),
        },
    )
}

/// Opens the database at `path` and writes `session` (one transaction).
pub fn record(path: &Path, session: &Session) -> Result<()> {
    Db::open(path)?.upsert(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pain_is_a_whole_number_0_to_10() {
        assert_eq!(parse_pain(" 3 "), Ok(3));
        assert_eq!(parse_pain("0"), Ok(0));
        assert_eq!(parse_pain("10"), Ok(10));
        assert!(parse_pain("11").unwrap_err().contains("out of range"));
        assert!(parse_pain("-1").unwrap_err().contains("not a whole number"));
        assert!(
            parse_pain("two")
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(
            parse_pain("2.5")
                .unwrap_err()
                .contains("not a whole number")
        );
    }

    #[test]
    fn patient_names_cannot_escape_a_folder() {
        for (name, want) in [
            ("Ana María López", "Ana_María_López"),
            ("../../etc", "_.._etc"),
            ("..", "_"),
            ("a/b\\c", "a_b_c"),
            ("", "_"),
        ] {
            let s = safe_name(name);
            assert_eq!(s, want, "{name}");
            let p = Path::new("out").join(&s);
            assert_eq!(p.components().count(), 2, "{name} -> {s}");
            assert!(!s.contains('/') && s != "." && s != "..");
        }
    }
}
