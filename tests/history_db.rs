//! The history database against real SQLite files: sessions keyed by patient and video,
//! migrations from the committed schema-1 fixture, corrupt / foreign / newer / locked /
//! unwritable databases refused with their errors and never changed, parallel writers
//! losing nothing, and `hipflex history` JSON and CSV against golden files
//! (`UPDATE_GOLDEN=1` rewrites them).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use hipflex::history::{self, Db, FlagRecord, RepRecord, Session, schema};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/history/history-v1.sqlite")
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/history_golden")
        .join(name)
}

fn check_golden(name: &str, actual: &str) {
    let p = golden(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&p, actual).unwrap();
    }
    let want = std::fs::read_to_string(&p).unwrap_or_default();
    assert_eq!(
        actual,
        want,
        "{} differs (UPDATE_GOLDEN=1 rewrites it)",
        p.display()
    );
}

fn hipflex() -> Command {
    Command::cargo_bin("hipflex").unwrap()
}

fn rep(n: u32, peak: f64, ecc: f64, con: f64, sev: &str) -> RepRecord {
    RepRecord {
        number: Some(n),
        counted: true,
        start_s: f64::from(n) * 6.0,
        end_s: f64::from(n) * 6.0 + 5.5,
        peak_hip_flexion_deg: Some(peak),
        peak_hip_flexion_uncertainty_deg: if n == 1 { Some(4.0) } else { None },
        eccentric_s: Some(ecc),
        bottom_pause_s: Some(0.4),
        concentric_s: Some(con),
        top_pause_s: Some(0.5),
        tempo: format!("{ecc:.1}-0.4-{con:.1}-0.5"),
        severity: sev.into(),
        uncertain: false,
    }
}

/// A session on `date` in `phase` with reps of the given peaks.
fn session(
    patient: &str,
    sha: &str,
    date: &str,
    phase: u8,
    peaks: &[f64],
    pain: Option<u8>,
) -> Session {
    let cap = if phase == 2 { 45.0 } else { 70.0 };
    let reps: Vec<RepRecord> = peaks
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let sev = if p > cap + 10.0 {
                "red"
            } else if p > cap {
                "amber"
            } else {
                "green"
            };
            rep(i as u32 + 1, p, 2.6 + 0.1 * i as f64, 2.9, sev)
        })
        .collect();
    let flags: Vec<FlagRecord> = reps
        .iter()
        .filter(|r| r.severity != "green")
        .map(|r| FlagRecord {
            code: "early_compression".into(),
            severity: r.severity.clone(),
            rep: r.number,
            value: r.peak_hip_flexion_deg,
            limit: Some(cap),
            unit: "deg".into(),
            message: format!(
                "rep {} above the cap, with \"quotes\", commas",
                r.number.unwrap()
            ),
            uncertain: false,
        })
        .collect();
    let red = flags.iter().filter(|f| f.severity == "red").count() as u32;
    let amber = flags.len() as u32 - red;
    Session {
        patient: patient.into(),
        video_sha256: sha.into(),
        video_path: format!("/clinic/{patient}/{date}.mp4"),
        recorded_date: Some(date.into()),
        recorded_time: None,
        analysed_at: format!("{date}T20:00:00Z"),
        exercise: "bridge".into(),
        phase,
        phase_name: if phase == 2 {
            "isotonic, minimal hip flexion"
        } else {
            "isotonic into hip flexion"
        }
        .into(),
        protocol_name: "PHT default".into(),
        protocol_version: "1.0.0".into(),
        cap_deg: Some(cap),
        amber_band_deg: Some(10.0),
        eccentric_min_s: Some(2.0),
        concentric_min_s: Some(2.0),
        view_verdict: "good".into(),
        reps_counted: reps.len() as u32,
        peak_hip_flexion_deg: peaks.iter().copied().max_by(f64::total_cmp),
        typical_tempo: Some("2.7-0.4-2.9-0.5".into()),
        worst_severity: if red > 0 {
            "red"
        } else if amber > 0 {
            "amber"
        } else {
            "green"
        }
        .into(),
        flags_red: red,
        flags_amber: amber,
        pain,
        pain_acceptable_max: Some(3.0),
        report_path: format!("/out/{patient}/{date}/report.html"),
        hipflex_version: "0.1.0".into(),
        reps,
        flags,
    }
}

/// Four sessions over three weeks, a phase change, pain above acceptable once.
fn course(patient: &str) -> Vec<Session> {
    vec![
        session(patient, "s1", "2026-11-02", 2, &[41.0, 43.5, 47.0], Some(2)),
        session(patient, "s2", "2026-11-09", 2, &[40.0, 42.0, 44.0], Some(4)),
        session(patient, "s3", "2026-11-16", 2, &[38.5, 41.0, 42.5], Some(2)),
        session(patient, "s4", "2026-11-23", 3, &[55.0, 62.0, 81.0], Some(1)),
    ]
}

#[test]
fn a_session_is_one_patient_and_one_video() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("sub/history.sqlite");
    let mut db = Db::open(&path).unwrap();
    let mut s = session("Ana", "v1", "2026-11-02", 2, &[40.0], None);
    db.upsert(&s).unwrap();
    // The same video again (another phase, another report folder): replaced.
    s.phase = 3;
    s.report_path = "/elsewhere/report.html".into();
    s.reps.push(rep(2, 50.0, 3.0, 3.0, "green"));
    db.upsert(&s).unwrap();
    assert_eq!(db.count().unwrap(), 1);
    let back = db.sessions("Ana").unwrap();
    assert_eq!(back, vec![s.clone()], "stored and read back unchanged");
    // The same file for another patient (a copied file): a second session.
    let mut other = s.clone();
    other.patient = "Bo / Ré".into();
    db.upsert(&other).unwrap();
    assert_eq!(db.count().unwrap(), 2);
    assert_eq!(
        db.patients().unwrap(),
        vec!["Ana".to_string(), "Bo / Ré".to_string()]
    );
    assert_eq!(db.integrity_check().unwrap(), "ok");
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn the_schema_1_fixture_upgrades_in_place_keeping_its_sessions() {
    // The fixture really is what schema 1 creates.
    let fresh = rusqlite::Connection::open_in_memory().unwrap();
    fresh.execute_batch(schema::V1).unwrap();
    let ddl = |c: &rusqlite::Connection| -> Vec<String> {
        let mut st = c
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let fx = rusqlite::Connection::open(fixture()).unwrap();
    assert_eq!(ddl(&fx), ddl(&fresh));
    drop(fx);

    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.sqlite");
    std::fs::copy(fixture(), &path).unwrap();
    let db = Db::open(&path).unwrap();
    let (from, backup) = db.upgraded.clone().expect("upgraded");
    assert_eq!(from, 1);
    assert_eq!(backup, tmp.path().join("history.sqlite.v1-backup"));
    let v: i64 = rusqlite::Connection::open(&backup)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 1, "the backup is the old database");
    assert_eq!(db.count().unwrap(), 3);
    let ana = db.sessions("Ana María").unwrap();
    assert_eq!(ana.len(), 2);
    assert_eq!(ana[1].reps.len(), 3);
    assert_eq!(ana[1].reps[1].peak_hip_flexion_deg, Some(49.5));
    assert_eq!(ana[1].flags[0].code, "early_compression");
    assert_eq!(
        (ana[1].pain, ana[1].reps[0].peak_hip_flexion_uncertainty_deg),
        (None, None)
    );
    // Same video, two patients: both kept.
    assert_eq!(
        db.sessions("bob").unwrap()[0].video_sha256,
        ana[0].video_sha256
    );
    drop(db);
    // Opening again does not upgrade (or back up) again.
    let db = Db::open(&path).unwrap();
    assert!(db.upgraded.is_none());
    assert!(!tmp.path().join("history.sqlite.v1-backup-2").exists());
    // `hipflex history` reads the upgraded file.
    let o = hipflex()
        .arg("history")
        .arg("--db")
        .arg(&path)
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Ana María") && out.contains("bob"), "{out}");
}

fn history_err(db: &Path) -> (i32, String) {
    let o = hipflex()
        .arg("history")
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn corrupt_foreign_and_newer_databases_are_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    // Not SQLite at all.
    let text = tmp.path().join("notes.sqlite");
    std::fs::write(&text, "patient notes, not a database\n").unwrap();
    assert!(matches!(
        Db::open(&text),
        Err(history::Error::NotADatabase { .. })
    ));
    let (code, err) = history_err(&text);
    assert_eq!(code, 2);
    assert!(
        err.contains(&*text.to_string_lossy()) && err.contains("Move it aside"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "patient notes, not a database\n"
    );

    // SQLite, but damaged past its header.
    let broken = tmp.path().join("broken.sqlite");
    std::fs::copy(fixture(), &broken).unwrap();
    let mut bytes = std::fs::read(&broken).unwrap();
    for b in &mut bytes[100..4096] {
        *b = 0xA5;
    }
    std::fs::write(&broken, &bytes).unwrap();
    let e = Db::open(&broken).err().expect("refused");
    assert!(matches!(e, history::Error::NotADatabase { .. }), "{e}");
    assert_eq!(std::fs::read(&broken).unwrap(), bytes, "never overwritten");

    // Another program's SQLite database.
    let foreign = tmp.path().join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER); INSERT INTO invoices VALUES (7);")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let e = Db::open(&foreign).err().expect("refused");
    assert!(e.to_string().contains("not one hipflex wrote"), "{e}");
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    // From a newer hipflex.
    let newer = tmp.path().join("newer.sqlite");
    std::fs::copy(fixture(), &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let before = std::fs::read(&newer).unwrap();
    let (code, err) = history_err(&newer);
    assert_eq!(code, 2);
    assert!(
        err.contains("newer hipflex") && err.contains("schema 99"),
        "{err}"
    );
    assert_eq!(std::fs::read(&newer).unwrap(), before);
    assert!(!tmp.path().join("newer.sqlite.v99-backup").exists());
}

#[test]
fn a_database_locked_past_the_timeout_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.sqlite");
    Db::open(&path).unwrap();
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let t0 = std::time::Instant::now();
    let e = Db::open_with_timeout(&path, 300)
        .and_then(|mut d| d.upsert(&session("A", "x", "2026-11-02", 2, &[40.0], None)))
        .expect_err("locked");
    assert!(
        matches!(
            e,
            history::Error::Locked {
                timeout_ms: 300,
                ..
            }
        ),
        "{e}"
    );
    assert!(t0.elapsed().as_millis() >= 250, "waited for the timeout");
    assert!(e.to_string().contains("locked by another program"));
    holder.execute_batch("COMMIT").unwrap();
    let mut db = Db::open(&path).unwrap();
    db.upsert(&session("A", "x", "2026-11-02", 2, &[40.0], None))
        .unwrap();
}

#[test]
fn an_unwritable_location_is_a_clear_error() {
    // /proc accepts no new files, even for root: a read-only disk as far as SQLite sees.
    let e = Db::open(Path::new("/proc/hipflex-test/history.sqlite"))
        .err()
        .expect("unwritable");
    assert!(matches!(e, history::Error::Write { .. }), "{e}");
    assert!(
        e.to_string().contains("/proc/hipflex-test/history.sqlite"),
        "{e}"
    );
}

#[test]
fn parallel_writers_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.sqlite");
    // Eight writers, each opening the database on its own (the first ones create it).
    std::thread::scope(|s| {
        for w in 0..8 {
            let path = &path;
            s.spawn(move || {
                for i in 0..15 {
                    let mut db = Db::open(path).unwrap();
                    let sess = session(
                        &format!("p{w}"),
                        &format!("v{i}"),
                        "2026-11-02",
                        2,
                        &[40.0, 41.0],
                        None,
                    );
                    db.upsert(&sess).unwrap();
                }
            });
        }
    });
    let db = Db::open(&path).unwrap();
    assert_eq!(db.count().unwrap(), 120);
    assert_eq!(db.integrity_check().unwrap(), "ok");
    assert!(db.sessions("p3").unwrap().iter().all(|s| s.reps.len() == 2));
}

#[test]
fn shard_databases_merge_into_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, t) = (
        tmp.path().join("a.sqlite"),
        tmp.path().join("b.sqlite"),
        tmp.path().join("t.sqlite"),
    );
    let c = course("Ana");
    Db::open(&a).unwrap().upsert_all(&c[..2]).unwrap();
    Db::open(&b).unwrap().upsert_all(&c[2..]).unwrap();
    let mut old = c[0].clone();
    old.analysed_at = "2026-01-01T00:00:00Z".into();
    old.phase = 1;
    let mut target = Db::open(&t).unwrap();
    target.upsert(&old).unwrap();
    assert_eq!(target.merge_from(&a).unwrap(), 2);
    assert_eq!(target.merge_from(&b).unwrap(), 2);
    assert_eq!(
        target.merge_from(&b).unwrap(),
        2,
        "same analysis again: replaced, not added"
    );
    assert_eq!(
        target.sessions("Ana").unwrap(),
        c,
        "the later analysis wins"
    );
}

fn course_db(dir: &Path) -> PathBuf {
    let path = dir.join("history.sqlite");
    let mut db = Db::open(&path).unwrap();
    db.upsert_all(&course("Ana María López")).unwrap();
    db.upsert(&session("bob", "b1", "2026-11-20", 2, &[30.0], None))
        .unwrap();
    path
}

#[test]
fn history_json_and_csv_match_their_golden_files() {
    let tmp = tempfile::tempdir().unwrap();
    let db = course_db(tmp.path());
    let run = |args: &[&str]| {
        let o = hipflex()
            .arg("history")
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    check_golden("patients.json", &run(&["--json"]));
    check_golden("patient.json", &run(&["Ana María López", "--json"]));
    check_golden("patient.txt", &run(&["Ana María López"]));
    let csv = tmp.path().join("reps.csv");
    run(&["Ana María López", "--csv", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    check_golden("reps.csv", &text);
    // The csv crate reads it back: one row per rep, quoted fields intact.
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(r.records().count(), 12);
    // An existing file is not overwritten without --force.
    let o = hipflex()
        .arg("history")
        .arg("--db")
        .arg(&db)
        .args(["Ana María López", "--csv"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));

    let v: serde_json::Value = serde_json::from_str(&run(&["Ana María López", "--json"])).unwrap();
    let s = v["sessions"].as_array().unwrap();
    assert_eq!(s.len(), 4);
    assert_eq!(s[1]["pain_above_acceptable"], true);
    assert_eq!(s[3]["cap_deg"], 70.0);
    assert!(
        v["evidence_summary"]
            .as_str()
            .unwrap()
            .starts_with("last 3 sessions (2 weeks), phases 2→2→3")
    );

    let o = hipflex()
        .arg("history")
        .arg("nobody")
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no patient called \"nobody\""));
}

#[test]
fn progress_pages_stay_inside_the_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.sqlite");
    let mut db = Db::open(&path).unwrap();
    for p in ["../../escape", "Zoë / Ünal", ".."] {
        db.upsert(&session(p, "v", "2026-11-02", 2, &[40.0], Some(5)))
            .unwrap();
    }
    let out = tmp.path().join("pages");
    hipflex()
        .arg("history")
        .arg("--db")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let mut made: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, vec!["Zoë___Ünal", "_", "_.._escape"]);
    let page = std::fs::read_to_string(out.join("Zoë___Ünal/progress.html")).unwrap();
    // The name is shown as given (escaped), pain above acceptable is flagged, nothing is
    // fetched from the network, and the page says it never advances a phase.
    assert!(page.contains("Progress: Zoë / Ünal"));
    assert!(page.contains("5/10 above acceptable"));
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    assert!(!page.contains("<script src") && !page.contains("<link"));
    assert!(page.contains("never advances a rehab phase"));
    assert!(!tmp.path().join("escape").exists());
}

#[test]
fn the_evidence_summary_reads_like_a_clinician_would_say_it() {
    let c = course("Ana");
    let s = history::summary::evidence_summary(&c[..3]);
    assert_eq!(
        s,
        "last 3 sessions (2 weeks), phase 2: 1 of 9 reps above the 45° cap (deepest 47°), lowering 2.6-2.8 s, lifting 2.9 s, no red flags, 1 amber flag(s), pain up to 4/10, above the acceptable 3/10 in 1 session(s)"
    );
    let ok = vec![
        session("A", "1", "2026-11-02", 2, &[40.0, 42.0], Some(2)),
        session("A", "2", "2026-11-06", 2, &[41.0, 44.0], Some(1)),
    ];
    assert_eq!(
        history::summary::evidence_summary(&ok),
        "last 2 sessions (4 days), phase 2: every rep within the 45° cap, lowering 2.6-2.7 s, lifting 2.9 s, no red or amber flags, pain 2/10 or less"
    );
    let ch = history::summary::changes(&c[2], &c[3]);
    assert_eq!(
        ch,
        vec![
            "new red flag(s): early_compression".to_string(),
            "deeper peak 42°→81°".to_string(),
            "phase 2→3".to_string()
        ]
    );
}
