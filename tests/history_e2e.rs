//! The history database end to end, with the real model on the bundled clips: a batch
//! over a clinic folder records each dated video once (re-runs and re-analyses replace,
//! never duplicate), analyze files sessions by --patient, bad pain and unusable
//! databases exit 2 with the outputs written, a batch killed with SIGKILL leaves a sound
//! database that the re-run completes, and shards share one database or merge theirs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn hipflex() -> Command {
    Command::cargo_bin("hipflex").unwrap()
}

/// The first 7 s of a bundled clip, copied to `to` (distinct clips: distinct videos).
fn clip(name: &str, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let src = common::videos_dir().join(name);
    common::ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-t",
        "7",
        "-c",
        "copy",
        to.to_str().unwrap(),
    ]);
}

fn sessions(db: &Path) -> usize {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize
}

/// Sessions stored so far, while a batch may still be creating the database: the
/// file exists from the moment SQLite opens it, and its tables appear only when the
/// schema transaction commits, so an empty file counts as none stored yet.
fn sessions_so_far(db: &Path) -> usize {
    if !db.is_file() {
        return 0;
    }
    let c = rusqlite::Connection::open(db).unwrap();
    match c.query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0)) {
        Ok(n) => n as usize,
        Err(e) if e.to_string().contains("no such table") => 0,
        Err(e) => panic!("reading {} while the batch runs: {e}", db.display()),
    }
}

fn batch(inputs: &[&Path], out: &Path, db: &Path, extra: &[&str]) -> (i32, String) {
    let o = hipflex()
        .arg("batch")
        .args(inputs)
        .arg("--out")
        .arg(out)
        .arg("--db")
        .arg(db)
        .args(["--model", "lite", "--no-video", "--phase", "2"])
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const ANA: &str = "Ana María López";

#[test]
fn batch_and_analyze_record_each_session_once() {
    let tmp = tempfile::tempdir().unwrap();
    let clinic = tmp.path().join("clinic");
    let dir = clinic.join(ANA);
    for (src, date) in [
        ("bridge_too_deep.mp4", "2026-11-02"),
        ("sample_bridge.mp4", "2026-11-09"),
        ("bridge_partial.mp4", "2026-11-16"),
    ] {
        clip(src, &dir.join(format!("{date}.mp4")));
    }
    // Pain from the manifest; the patient from the folder layout.
    let manifest = clinic.join("manifest.csv");
    std::fs::write(
        &manifest,
        format!(
            "video,pain\n{ANA}/2026-11-02.mp4,2\n{ANA}/2026-11-09.mp4,5\n{ANA}/2026-11-16.mp4,\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let db = tmp.path().join("db/history.sqlite");
    let (code, err) = batch(
        &[&clinic],
        &out,
        &db,
        &["--manifest", manifest.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("history: 3 session(s) recorded"), "{err}");
    assert_eq!(sessions(&db), 3);

    let json = |args: &[&str]| -> serde_json::Value {
        let o = hipflex()
            .arg("history")
            .arg("--db")
            .arg(&db)
            .args(args)
            .arg("--json")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let v = json(&[ANA]);
    let s = v["sessions"].as_array().unwrap();
    let dates: Vec<&str> = s.iter().map(|x| x["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-11-02", "2026-11-09", "2026-11-16"]);
    let pains: Vec<Option<u64>> = s.iter().map(|x| x["pain"].as_u64()).collect();
    assert_eq!(pains, [Some(2), Some(5), None]);
    assert_eq!(s[1]["pain_above_acceptable"], true);
    for x in s {
        assert!(x["reps"].as_u64().unwrap() > 0, "{x}");
        assert_eq!(x["cap_deg"], 45.0);
        assert!(x["report"].as_str().unwrap().ends_with("report.html"));
        assert!(Path::new(x["report"].as_str().unwrap()).is_file());
    }
    // The index groups the videos under the patient with a trend and what changed; the
    // patient's progress page is beside their videos.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains(&format!("<h2><span>{ANA}</span>")),
        "grouped by patient"
    );
    assert!(
        index.contains("<svg") && index.contains("Since 2026-11-09"),
        "trend"
    );
    let progress = out.join("Ana_María_López/progress.html");
    assert!(progress.is_file());
    assert!(index.contains("href=\"Ana_María_López/progress.html\""));
    let page = std::fs::read_to_string(&progress).unwrap();
    assert!(page.contains("5/10 above acceptable") && page.contains("never advances"));
    assert!(
        page.contains("href=\"2026-11-02/report.html\""),
        "links each report"
    );

    // A re-run skips the videos and keeps three sessions.
    let (code, err) = batch(
        &[&clinic],
        &out,
        &db,
        &["--manifest", manifest.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("skipped (up to date)").count(), 3, "{err}");
    assert_eq!(sessions(&db), 3);

    // One of them analysed again elsewhere, against another phase: replaced.
    let lm = out.join("Ana_María_López/2026-11-09/landmarks.json");
    let analyze = |extra: &[&str], db: &Path, to: &Path| {
        hipflex()
            .arg("analyze")
            .arg("--from-landmarks")
            .arg(&lm)
            .args(["--phase", "3", "--out"])
            .arg(to)
            .arg("--db")
            .arg(db)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = analyze(
        &["--patient", ANA, "--pain", "1"],
        &db,
        &tmp.path().join("again"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Recorded in the history of"));
    assert_eq!(sessions(&db), 3);
    let v = json(&[ANA]);
    assert_eq!(v["sessions"][1]["phase"], 3);
    assert_eq!(v["sessions"][1]["pain"], 1);
    assert!(
        v["sessions"][1]["report"]
            .as_str()
            .unwrap()
            .contains("again")
    );
    // The same video for another patient: a session of its own.
    let o = analyze(&["--patient", "Bo"], &db, &tmp.path().join("bo"));
    assert!(o.status.success());
    assert_eq!(sessions(&db), 4);
    // No patient: nothing recorded, and the run says how to give one.
    let o = analyze(&[], &db, &tmp.path().join("anon"));
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--patient NAME"));
    assert_eq!(sessions(&db), 4);
    // Pain out of range or not a number: exit 2 before any work.
    for bad in ["11", "two", "2.5"] {
        let o = analyze(
            &["--patient", "Bo", "--pain", bad],
            &db,
            &tmp.path().join("bad"),
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("0-10"), "{bad}");
        assert!(!tmp.path().join("bad").exists());
    }
    // A bad pain in the manifest is a usage error too.
    std::fs::write(&manifest, format!("video,pain\n{ANA}/2026-11-02.mp4,12\n")).unwrap();
    let (code, err) = batch(
        &[&clinic],
        &out,
        &db,
        &["--manifest", manifest.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("row 2") && err.contains("out of range"),
        "{err}"
    );

    // A database locked past the timeout, or on a disk that takes no files: exit 2, and
    // the analysis outputs are still written.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let locked_out = tmp.path().join("locked");
    let o = hipflex()
        .env(hipflex::history::BUSY_TIMEOUT_ENV, "300")
        .arg("analyze")
        .arg("--from-landmarks")
        .arg(&lm)
        .args(["--phase", "2", "--patient", "Cy", "--out"])
        .arg(&locked_out)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("locked by another program") && err.contains(&*db.to_string_lossy()),
        "{err}"
    );
    assert!(locked_out.join("report.json").is_file());
    holder.execute_batch("COMMIT").unwrap();
    let ro_out = tmp.path().join("ro");
    let o = hipflex()
        .arg("analyze")
        .arg("--from-landmarks")
        .arg(&lm)
        .args([
            "--phase",
            "2",
            "--patient",
            "Cy",
            "--db",
            "/proc/hipflex/history.sqlite",
            "--out",
        ])
        .arg(&ro_out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("could not write the history database"));
    assert!(ro_out.join("report.json").is_file());
}

/// `n` distinct trimmed clips of two patients under `clinic/`.
fn clinic_of(root: &Path, n: usize) -> PathBuf {
    let clinic = root.join("clinic");
    let clips = [
        "sample_bridge.mp4",
        "bridge_too_deep.mp4",
        "bridge_partial.mp4",
        "deadlift_good.mp4",
    ];
    for (i, c) in clips.iter().take(n).enumerate() {
        let patient = if i % 2 == 0 { "pa" } else { "pb" };
        clip(
            c,
            &clinic
                .join(patient)
                .join(format!("2026-11-{:02}.mp4", 2 + i)),
        );
    }
    clinic
}

#[test]
fn a_batch_killed_mid_run_leaves_a_sound_database_and_the_rerun_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let clinic = clinic_of(tmp.path(), 4);
    let (out, db) = (tmp.path().join("out"), tmp.path().join("history.sqlite"));
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_hipflex"))
        .arg("batch")
        .arg(&clinic)
        .arg("--out")
        .arg(&out)
        .arg("--db")
        .arg(&db)
        .args([
            "--model",
            "lite",
            "--no-video",
            "--phase",
            "2",
            "--jobs",
            "1",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while sessions_so_far(&db) < 1 {
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "no session within 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGKILL: no chance to clean up.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let before = sessions(&db);
    assert!((1..4).contains(&before), "{before} sessions when killed");
    // Every session is whole: its reps are there.
    let orphans: i64 = c
        .query_row("SELECT count(*) FROM sessions s WHERE reps_counted > (SELECT count(*) FROM reps r WHERE r.session_id = s.id)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(orphans, 0);
    drop(c);
    let (code, err) = batch(&[&clinic], &out, &db, &["--jobs", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sessions(&db), 4);
}

#[test]
fn two_shards_share_one_database_or_merge_their_own() {
    let tmp = tempfile::tempdir().unwrap();
    let clinic = clinic_of(tmp.path(), 4);
    let shared = tmp.path().join("shared.sqlite");
    let outs = [tmp.path().join("s1"), tmp.path().join("s2")];
    // Both shards at once, on one database file.
    let children: Vec<_> = ["1/2", "2/2"]
        .iter()
        .zip(&outs)
        .map(|(k, out)| {
            StdCommand::new(env!("CARGO_BIN_EXE_hipflex"))
                .arg("batch")
                .arg(&clinic)
                .arg("--out")
                .arg(out)
                .arg("--db")
                .arg(&shared)
                .args([
                    "--model",
                    "lite",
                    "--no-video",
                    "--phase",
                    "2",
                    "--jobs",
                    "1",
                    "--shard",
                    k,
                ])
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(sessions(&shared), 4);

    // Shards on different machines: each its own database, merged by batch-merge.
    for (k, out) in ["1/2", "2/2"].iter().zip(&outs) {
        let own = out.join("history.sqlite");
        let (code, err) = batch(&[&clinic], out, &own, &["--shard", k]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(sessions(&own), 2);
    }
    let merged_db = tmp.path().join("merged.sqlite");
    let merged = tmp.path().join("merged");
    let o = hipflex()
        .arg("batch-merge")
        .args(&outs)
        .arg("--out")
        .arg(&merged)
        .arg("--db")
        .arg(&merged_db)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(sessions(&merged_db), 4);
    let index = std::fs::read_to_string(merged.join("index.html")).unwrap();
    assert!(
        index.contains("href=\"pa/progress.html\"") && merged.join("pb/progress.html").is_file()
    );
}

/// Runs `script` (POSIX sh) with a fresh, private 256 KiB tmpfs mounted at `$MNT`, in a
/// mount namespace of its own, so nothing outside the test sees the small disk and it goes
/// away with the process. `None` when this machine cannot mount one (no root, no user
/// namespaces); the caller then says SKIPPED.
fn with_small_disk(script: &str, env: &[(&str, &Path)]) -> Option<std::process::Output> {
    let mnt = tempfile::tempdir().unwrap();
    let full = format!("mount -t tmpfs -o size=256k hipflex-test \"$MNT\" || exit 97\n{script}");
    // As root a mount namespace is enough; otherwise a user namespace may allow it.
    for unshare in [&["-m"][..], &["-rm"][..]] {
        let mut cmd = StdCommand::new("unshare");
        cmd.args(unshare)
            .args(["sh", "-c", &full])
            .env("MNT", mnt.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().ok()?;
        let refused = o.status.code() == Some(97)
            || String::from_utf8_lossy(&o.stderr).starts_with("unshare:");
        if !refused {
            return Some(o);
        }
    }
    None
}

#[test]
fn a_database_on_a_full_disk_is_a_clear_error_and_the_outputs_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    let video = tmp.path().join("clip.mp4");
    clip("sample_bridge.mp4", &video);
    let lm = tmp.path().join("clip.landmarks.json");
    let o = hipflex()
        .arg("pose")
        .arg(&video)
        .args(["--model", "lite", "-o"])
        .arg(&lm)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = tmp.path().join("out");
    // The database is made on the small disk with one session, the disk is then filled to
    // the last byte, and a second patient's session is recorded: SQLite answers "full".
    let script = r#"
set -e
"$HIPFLEX" analyze --from-landmarks "$LM" --phase 2 --patient Ann --no-video --db "$MNT/history.sqlite" --out "$OUT/first" >/dev/null 2>&1
dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null || true
dd if=/dev/zero of="$MNT/filler2" bs=1 2>/dev/null || true
set +e
"$HIPFLEX" analyze --from-landmarks "$LM" --phase 2 --patient "Bea Ortiz" --no-video --db "$MNT/history.sqlite" --out "$OUT/second"
echo "exit=$?"
# What is left on the small disk, copied out before it goes away.
for f in "$MNT"/history.sqlite*; do cp "$f" "$OUT/after.sqlite${f##*history.sqlite}"; done
"#;
    let bin = assert_cmd::cargo::cargo_bin("hipflex");
    std::fs::create_dir_all(&out).unwrap();
    let Some(o) = with_small_disk(script, &[("HIPFLEX", &bin), ("LM", &lm), ("OUT", &out)]) else {
        eprintln!(
            "\n*** SKIPPED a_database_on_a_full_disk_...: this machine cannot mount a small tmpfs (needs root or user namespaces) ***\n"
        );
        return;
    };
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    eprintln!("{stderr}");
    assert!(out.join("first/report.json").is_file(), "{stderr}");
    assert!(
        stdout.contains("exit=2"),
        "exit code 2 expected: {stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("could not write the history database")
            && stderr.contains("history.sqlite")
            && stderr.contains("full"),
        "{stderr}"
    );
    // The analysis outputs are written all the same, and the database keeps its one session.
    assert!(out.join("second/report.json").is_file());
    let after = out.join("after.sqlite");
    assert_eq!(sessions(&after), 1);
    let c = rusqlite::Connection::open(&after).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

/// A database another program holds when the batch starts is tried again for each video
/// as it finishes: the session is recorded once the other program lets go (it used to be
/// given up for the whole batch at the start).
#[test]
fn a_database_busy_when_the_batch_starts_still_gets_the_sessions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic/Ann");
    clip("sample_bridge.mp4", &dir.join("2026-11-02.mp4"));
    // A new, still empty database (rollback journal) that another program holds with an
    // exclusive lock: even reading it waits, so the batch's first open gives up.
    let db = tmp.path().join("history.sqlite");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch("CREATE TABLE x(a); DROP TABLE x; BEGIN EXCLUSIVE;")
        .unwrap();
    let child = StdCommand::new(assert_cmd::cargo::cargo_bin("hipflex"))
        .arg("batch")
        .arg(tmp.path().join("clinic"))
        .arg("--out")
        .arg(tmp.path().join("out"))
        .arg("--db")
        .arg(&db)
        .args(["--model", "lite", "--no-video", "--phase", "2"])
        .env(hipflex::history::BUSY_TIMEOUT_ENV, "300")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Longer than the timeout, much shorter than analysing the clip.
    std::thread::sleep(Duration::from_millis(1000));
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("locked by another program"), "said so: {err}");
    assert!(err.contains("tried again"), "{err}");
    assert_eq!(sessions(&db), 1, "{err}");
}
