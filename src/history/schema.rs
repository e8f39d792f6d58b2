//! The database schema and its migrations. `PRAGMA user_version` holds the schema
//! version; migration N takes a database from version N-1 to N. A new database gets
//! every migration in order; an older one is upgraded in place after a backup copy.
//!
//! Released versions (a fixture of each is in `tests/fixtures/`):
//! - 1: sessions, reps, flags.
//! - 2: pain (`sessions.pain`, `sessions.pain_acceptable_max`) and the per-rep peak's
//!   uncertainty (`reps.peak_hip_flexion_uncertainty_deg`).

/// The schema version this hipflex writes.
pub const CURRENT: i64 = 2;

/// Version 1.
pub const V1: &str = "
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    patient TEXT NOT NULL,
    video_sha256 TEXT NOT NULL,
    video_path TEXT NOT NULL,
    recorded_date TEXT,
    recorded_time TEXT,
    analysed_at TEXT NOT NULL,
    exercise TEXT NOT NULL,
    phase INTEGER NOT NULL,
    phase_name TEXT NOT NULL,
    protocol_name TEXT NOT NULL,
    protocol_version TEXT NOT NULL,
    cap_deg REAL,
    amber_band_deg REAL,
    eccentric_min_s REAL,
    concentric_min_s REAL,
    view_verdict TEXT NOT NULL,
    reps_counted INTEGER NOT NULL,
    peak_hip_flexion_deg REAL,
    typical_tempo TEXT,
    worst_severity TEXT NOT NULL,
    flags_red INTEGER NOT NULL,
    flags_amber INTEGER NOT NULL,
    report_path TEXT NOT NULL,
    hipflex_version TEXT NOT NULL,
    UNIQUE (patient, video_sha256)
);
CREATE TABLE reps (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    number INTEGER,
    counted INTEGER NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    peak_hip_flexion_deg REAL,
    eccentric_s REAL,
    bottom_pause_s REAL,
    concentric_s REAL,
    top_pause_s REAL,
    tempo TEXT NOT NULL,
    severity TEXT NOT NULL,
    uncertain INTEGER NOT NULL
);
CREATE TABLE flags (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    rep INTEGER,
    value REAL,
    limit_value REAL,
    unit TEXT NOT NULL,
    message TEXT NOT NULL,
    uncertain INTEGER NOT NULL
);
CREATE INDEX reps_by_session ON reps (session_id);
CREATE INDEX flags_by_session ON flags (session_id);
CREATE INDEX sessions_by_patient ON sessions (patient, recorded_date);
";

/// Version 2: pain monitoring and the peak's uncertainty.
pub const V2: &str = "
ALTER TABLE sessions ADD COLUMN pain INTEGER;
ALTER TABLE sessions ADD COLUMN pain_acceptable_max REAL;
ALTER TABLE reps ADD COLUMN peak_hip_flexion_uncertainty_deg REAL;
";

/// Migration `i` takes the database from version `i` to `i + 1`.
pub const MIGRATIONS: [&str; CURRENT as usize] = [V1, V2];

/// Applies the migrations from `from` up to `to` inside the caller's transaction and
/// sets `user_version`.
pub fn migrate(tx: &rusqlite::Transaction<'_>, from: i64, to: i64) -> rusqlite::Result<()> {
    for sql in &MIGRATIONS[from as usize..to as usize] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_builds_and_the_latest_has_the_new_columns() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        let tx = c.transaction().unwrap();
        migrate(&tx, 0, 1).unwrap();
        migrate(&tx, 1, CURRENT).unwrap();
        tx.commit().unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, CURRENT);
        c.execute(
            "UPDATE sessions SET pain = 1, pain_acceptable_max = 3 WHERE 0",
            [],
        )
        .unwrap();
    }
}
