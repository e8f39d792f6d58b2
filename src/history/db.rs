//! Opening the database safely and reading and writing sessions.
//!
//! - A file that is not SQLite (or is damaged) is never written to: [`Error::NotADatabase`].
//! - A database from a newer hipflex is refused: [`Error::Newer`].
//! - An older one is copied to `<file>.v<N>-backup` beside it, then upgraded in one
//!   transaction.
//! - WAL journal and a busy timeout: parallel batch workers and shards on one disk wait
//!   for each other; each session is one `BEGIN IMMEDIATE` transaction.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

use super::schema::{self, CURRENT};
use super::session::{FlagRecord, RepRecord, Session};
use super::{BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT_MS, Error, Result};

/// An open history database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    timeout_ms: u64,
    /// Set when this open upgraded an older database: (from version, backup file).
    pub upgraded: Option<(i64, PathBuf)>,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Pause between two tries at opening a busy database.
const OPEN_RETRY_MS: u64 = 50;

fn timeout_ms() -> u64 {
    std::env::var(BUSY_TIMEOUT_ENV)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_BUSY_TIMEOUT_MS)
}

/// Refuses, before SQLite sees it, a non-empty file that does not start like SQLite.
fn check_header(path: &Path) -> Result<()> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::Read {
                path: path.into(),
                reason: e.to_string(),
            });
        }
    };
    let mut head = Vec::with_capacity(16);
    f.by_ref()
        .take(16)
        .read_to_end(&mut head)
        .map_err(|e| Error::Read {
            path: path.into(),
            reason: e.to_string(),
        })?;
    if head.is_empty() || head.as_slice() == SQLITE_MAGIC {
        Ok(())
    } else {
        Err(Error::NotADatabase {
            path: path.into(),
            reason: "its first bytes are not the SQLite header".into(),
        })
    }
}

impl Db {
    /// Opens (creating it and its folder when missing) and upgrades the database at
    /// `path`, waiting for other writers up to `HIPFLEX_DB_TIMEOUT_MS` (default 10 s).
    pub fn open(path: &Path) -> Result<Db> {
        Db::open_with_timeout(path, timeout_ms())
    }

    /// [`open`](Self::open) with another busy timeout.
    ///
    /// SQLite does not always wait on its busy handler (it returns "busy" at once where
    /// waiting could deadlock, and while a new database's journal mode is being set), so
    /// an open that finds the database busy is tried again until `timeout_ms` has passed.
    pub fn open_with_timeout(path: &Path, timeout_ms: u64) -> Result<Db> {
        let start = std::time::Instant::now();
        loop {
            let left = timeout_ms.saturating_sub(start.elapsed().as_millis() as u64);
            match Db::open_once(path, timeout_ms, left) {
                Err(Error::Locked { .. }) if left > 0 => {
                    std::thread::sleep(Duration::from_millis(OPEN_RETRY_MS.min(left)));
                }
                other => return other,
            }
        }
    }

    /// One try at opening: SQLite's busy handler waits up to `wait_ms`; errors name
    /// `timeout_ms`, the whole wait.
    fn open_once(path: &Path, timeout_ms: u64, wait_ms: u64) -> Result<Db> {
        check_header(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Write {
                path: path.into(),
                reason: format!("could not create the folder {}: {e}", dir.display()),
            })?;
        }
        let conn = Connection::open(path).map_err(|e| Error::Write {
            path: path.into(),
            reason: e.to_string(),
        })?;
        let mut db = Db {
            conn,
            path: path.to_path_buf(),
            timeout_ms,
            upgraded: None,
        };
        db.conn
            .busy_timeout(Duration::from_millis(wait_ms))
            .map_err(|e| db.err(e))?;
        // Refuse what is not ours before anything (even the journal mode) is written.
        db.check_ours()?;
        db.conn
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(|e| db.err(e))?;
        db.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(|e| db.err(e))?;
        db.upgrade()?;
        // Later writes wait the whole timeout again.
        db.conn
            .busy_timeout(Duration::from_millis(timeout_ms))
            .map_err(|e| db.err(e))?;
        Ok(db)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        map_static(&self.path, self.timeout_ms, e)
    }

    fn version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The schema version and the number of tables, indexes and views, read in one
    /// statement (one snapshot): read apart, another process creating the database could
    /// commit between the two, and the tables it made would be seen without its version.
    fn version_and_objects(&self) -> Result<(i64, i64)> {
        self.conn
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version), \
                        (SELECT count(*) FROM sqlite_master)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }

    /// A database from a newer hipflex, or another program's, is refused.
    fn check_ours(&self) -> Result<()> {
        let (v, objects) = self.version_and_objects()?;
        if v > CURRENT {
            return Err(self.newer(v));
        }
        if v == 0 && objects > 0 {
            return Err(Error::NotADatabase {
                path: self.path.clone(),
                reason: "it is an SQLite database, but not one hipflex wrote (it has tables and no hipflex schema version)".into(),
            });
        }
        Ok(())
    }

    /// Creates or upgrades the schema. Several processes may do this at once: the
    /// version is read again inside the write transaction.
    fn upgrade(&mut self) -> Result<()> {
        let v = self.version()?;
        if v == CURRENT {
            return Ok(());
        }
        if v > 0 {
            let backup = self.backup_path(v);
            self.backup_to(&backup)?;
            self.upgraded = Some((v, backup));
        }
        let path = self.path.clone();
        let timeout_ms = self.timeout_ms;
        let map = |e: rusqlite::Error| map_static(&path, timeout_ms, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(map)?;
        let now: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(map)?;
        if now > CURRENT {
            return Err(Error::Newer {
                path: path.clone(),
                found: now,
                supported: CURRENT,
            });
        }
        if now < CURRENT {
            schema::migrate(&tx, now, CURRENT).map_err(map)?;
        }
        tx.commit().map_err(map)
    }

    fn newer(&self, found: i64) -> Error {
        Error::Newer {
            path: self.path.clone(),
            found,
            supported: CURRENT,
        }
    }

    fn backup_path(&self, v: i64) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(format!(".v{v}-backup"));
        let base = PathBuf::from(s);
        if !base.exists() {
            return base;
        }
        (2..)
            .map(|n| {
                let mut s = base.clone().into_os_string();
                s.push(format!("-{n}"));
                PathBuf::from(s)
            })
            .find(|p| !p.exists())
            .expect("a free name")
    }

    /// A consistent copy of the database (SQLite's online backup), never overwriting.
    fn backup_to(&self, backup: &Path) -> Result<()> {
        let fail = |reason: String| Error::Backup {
            path: self.path.clone(),
            backup: backup.to_path_buf(),
            reason,
        };
        let mut dst = Connection::open(backup).map_err(|e| fail(e.to_string()))?;
        let b =
            rusqlite::backup::Backup::new(&self.conn, &mut dst).map_err(|e| fail(e.to_string()))?;
        b.run_to_completion(256, Duration::from_millis(10), None)
            .map_err(|e| fail(e.to_string()))?;
        Ok(())
    }

    /// Writes `s`, replacing the session with the same patient and video, in one transaction.
    pub fn upsert(&mut self, s: &Session) -> Result<()> {
        self.upsert_all(std::slice::from_ref(s))
    }

    /// Writes several sessions in one transaction.
    pub fn upsert_all(&mut self, sessions: &[Session]) -> Result<()> {
        let path = self.path.clone();
        let timeout_ms = self.timeout_ms;
        let map = |e: rusqlite::Error| map_static(&path, timeout_ms, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(map)?;
        for s in sessions {
            write_session(&tx, s).map_err(map)?;
        }
        tx.commit().map_err(map)
    }

    /// Every patient's name, sorted.
    pub fn patients(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT patient FROM sessions ORDER BY patient")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| r.get(0))
            .and_then(|it| it.collect::<rusqlite::Result<Vec<String>>>())
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// A patient's sessions, oldest first (by recording date, else analysis date).
    pub fn sessions(&self, patient: &str) -> Result<Vec<Session>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT id, {SESSION_COLUMNS} FROM sessions WHERE patient = ?1
                 ORDER BY coalesce(recorded_date, substr(analysed_at, 1, 10)), recorded_time, analysed_at, id"
            ))
            .map_err(|e| self.err(e))?;
        let heads = st
            .query_map([patient], |r| Ok((r.get::<_, i64>(0)?, read_session(r)?)))
            .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(heads.len());
        for (id, mut s) in heads {
            s.reps = self.reps(id)?;
            s.flags = self.flags(id)?;
            out.push(s);
        }
        Ok(out)
    }

    /// Like [`sessions`](Self::sessions), but an unknown patient is an error.
    pub fn sessions_of_known(&self, patient: &str) -> Result<Vec<Session>> {
        let s = self.sessions(patient)?;
        if s.is_empty() {
            return Err(Error::UnknownPatient {
                patient: patient.into(),
                path: self.path.clone(),
            });
        }
        Ok(s)
    }

    fn reps(&self, id: i64) -> Result<Vec<RepRecord>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT number, counted, start_s, end_s, peak_hip_flexion_deg,
                        peak_hip_flexion_uncertainty_deg, eccentric_s, bottom_pause_s,
                        concentric_s, top_pause_s, tempo, severity, uncertain
                 FROM reps WHERE session_id = ?1 ORDER BY rowid",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([id], |r| {
            Ok(RepRecord {
                number: r.get(0)?,
                counted: r.get(1)?,
                start_s: r.get(2)?,
                end_s: r.get(3)?,
                peak_hip_flexion_deg: r.get(4)?,
                peak_hip_flexion_uncertainty_deg: r.get(5)?,
                eccentric_s: r.get(6)?,
                bottom_pause_s: r.get(7)?,
                concentric_s: r.get(8)?,
                top_pause_s: r.get(9)?,
                tempo: r.get(10)?,
                severity: r.get(11)?,
                uncertain: r.get(12)?,
            })
        })
        .and_then(|it| it.collect())
        .map_err(|e| self.err(e))
    }

    fn flags(&self, id: i64) -> Result<Vec<FlagRecord>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT code, severity, rep, value, limit_value, unit, message, uncertain
                 FROM flags WHERE session_id = ?1 ORDER BY rowid",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([id], |r| {
            Ok(FlagRecord {
                code: r.get(0)?,
                severity: r.get(1)?,
                rep: r.get(2)?,
                value: r.get(3)?,
                limit: r.get(4)?,
                unit: r.get(5)?,
                message: r.get(6)?,
                uncertain: r.get(7)?,
            })
        })
        .and_then(|it| it.collect())
        .map_err(|e| self.err(e))
    }

    /// Number of sessions stored.
    pub fn count(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// Copies every session of the database at `other` into this one (one transaction;
    /// a session already here for the same patient and video is replaced when the other
    /// copy was analysed later). Returns how many sessions were taken.
    pub fn merge_from(&mut self, other: &Path) -> Result<usize> {
        let src = Db::open(other)?;
        let mut taken = Vec::new();
        for p in src.patients()? {
            let mine = self.sessions(&p)?;
            for s in src.sessions(&p)? {
                let newer = mine
                    .iter()
                    .find(|m| m.video_sha256 == s.video_sha256)
                    .is_none_or(|m| m.analysed_at <= s.analysed_at);
                if newer {
                    taken.push(s);
                }
            }
        }
        self.upsert_all(&taken)?;
        Ok(taken.len())
    }

    /// `PRAGMA integrity_check`'s answer (`ok` when sound).
    pub fn integrity_check(&self) -> Result<String> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

/// Maps an SQLite error to the error a person can act on.
fn map_static(path: &Path, timeout_ms: u64, e: rusqlite::Error) -> Error {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            Error::Locked { path, timeout_ms }
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::NotADatabase {
            path,
            reason: e.to_string(),
        },
        Some(ErrorCode::ReadOnly) => Error::Write {
            path,
            reason: "the file or its folder is read-only".into(),
        },
        Some(ErrorCode::DiskFull) => Error::Write {
            path,
            reason: "the disk is full".into(),
        },
        // SQLite reports a full disk as a plain I/O error when it is the shared-memory or
        // journal file that cannot grow: ask the disk itself.
        Some(ErrorCode::SystemIoFailure) if disk_is_full(&path) => Error::Write {
            path,
            reason: "the disk is full".into(),
        },
        _ => Error::Write {
            path,
            reason: e.to_string(),
        },
    }
}

/// Whether the folder holding `db` takes no more data: a 64 KiB probe file (what SQLite
/// would need for its shared-memory index) cannot be written there. The probe is removed.
fn disk_is_full(db: &Path) -> bool {
    use std::io::Write;
    let dir = match db.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    let probe = dir.join(format!(".hipflex-space-probe-{}", std::process::id()));
    let written = std::fs::File::create_new(&probe).and_then(|mut f| {
        f.write_all(&[0u8; 64 * 1024])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    matches!(written, Err(e) if e.kind() == std::io::ErrorKind::StorageFull)
}

const SESSION_COLUMNS: &str = "patient, video_sha256, video_path, recorded_date, recorded_time,
    analysed_at, exercise, phase, phase_name, protocol_name, protocol_version, cap_deg,
    amber_band_deg, eccentric_min_s, concentric_min_s, view_verdict, reps_counted,
    peak_hip_flexion_deg, typical_tempo, worst_severity, flags_red, flags_amber, pain,
    pain_acceptable_max, report_path, hipflex_version";

fn read_session(r: &rusqlite::Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        patient: r.get(1)?,
        video_sha256: r.get(2)?,
        video_path: r.get(3)?,
        recorded_date: r.get(4)?,
        recorded_time: r.get(5)?,
        analysed_at: r.get(6)?,
        exercise: r.get(7)?,
        phase: r.get(8)?,
        phase_name: r.get(9)?,
        protocol_name: r.get(10)?,
        protocol_version: r.get(11)?,
        cap_deg: r.get(12)?,
        amber_band_deg: r.get(13)?,
        eccentric_min_s: r.get(14)?,
        concentric_min_s: r.get(15)?,
        view_verdict: r.get(16)?,
        reps_counted: r.get(17)?,
        peak_hip_flexion_deg: r.get(18)?,
        typical_tempo: r.get(19)?,
        worst_severity: r.get(20)?,
        flags_red: r.get(21)?,
        flags_amber: r.get(22)?,
        pain: r.get(23)?,
        pain_acceptable_max: r.get(24)?,
        report_path: r.get(25)?,
        hipflex_version: r.get(26)?,
        reps: Vec::new(),
        flags: Vec::new(),
    })
}

fn write_session(tx: &rusqlite::Transaction<'_>, s: &Session) -> rusqlite::Result<()> {
    let old: Option<i64> = tx
        .query_row(
            "SELECT id FROM sessions WHERE patient = ?1 AND video_sha256 = ?2",
            params![s.patient, s.video_sha256],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = old {
        tx.execute("DELETE FROM reps WHERE session_id = ?1", [id])?;
        tx.execute("DELETE FROM flags WHERE session_id = ?1", [id])?;
        tx.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
    }
    tx.execute(
        &format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
             ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)"
        ),
        params![
            s.patient,
            s.video_sha256,
            s.video_path,
            s.recorded_date,
            s.recorded_time,
            s.analysed_at,
            s.exercise,
            s.phase,
            s.phase_name,
            s.protocol_name,
            s.protocol_version,
            s.cap_deg,
            s.amber_band_deg,
            s.eccentric_min_s,
            s.concentric_min_s,
            s.view_verdict,
            s.reps_counted,
            s.peak_hip_flexion_deg,
            s.typical_tempo,
            s.worst_severity,
            s.flags_red,
            s.flags_amber,
            s.pain,
            s.pain_acceptable_max,
            s.report_path,
            s.hipflex_version,
        ],
    )?;
    let id = tx.last_insert_rowid();
    let mut rep = tx.prepare_cached(
        "INSERT INTO reps (session_id, number, counted, start_s, end_s, peak_hip_flexion_deg,
         peak_hip_flexion_uncertainty_deg, eccentric_s, bottom_pause_s, concentric_s,
         top_pause_s, tempo, severity, uncertain)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for r in &s.reps {
        rep.execute(params![
            id,
            r.number,
            r.counted,
            r.start_s,
            r.end_s,
            r.peak_hip_flexion_deg,
            r.peak_hip_flexion_uncertainty_deg,
            r.eccentric_s,
            r.bottom_pause_s,
            r.concentric_s,
            r.top_pause_s,
            r.tempo,
            r.severity,
            r.uncertain,
        ])?;
    }
    let mut flag = tx.prepare_cached(
        "INSERT INTO flags (session_id, code, severity, rep, value, limit_value, unit, message, uncertain)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for f in &s.flags {
        flag.execute(params![
            id,
            f.code,
            f.severity,
            f.rep,
            f.value,
            f.limit,
            f.unit,
            f.message,
            f.uncertain,
        ])?;
    }
    Ok(())
}
