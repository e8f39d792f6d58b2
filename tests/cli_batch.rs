//! `hipflex batch` and `batch-merge` through the command line: bad files do not stop a
//! batch, re-runs skip finished videos, shards merge to the unsharded result, and a
//! manifest gives each patient their own phase.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// The binary with its history database in the test's own folder `root` (never the
/// user's, and never shared with the other tests running at the same time).
fn hipflex(root: &Path) -> Command {
    let mut c = Command::cargo_bin("hipflex").unwrap();
    c.env("HIPFLEX_DB", root.join("history.sqlite"));
    c
}

/// A folder with two good clips (one dated in its name, one in a patient's sub-folder),
/// a corrupt `.mp4` (a text file) and a non-video file.
fn mixed_folder(root: &Path) -> std::path::PathBuf {
    let dir = root.join("in");
    std::fs::create_dir_all(dir.join("patient-b")).unwrap();
    let v = common::videos_dir();
    std::fs::copy(
        v.join("sample_bridge.mp4"),
        dir.join("bridge_2026-11-20.mp4"),
    )
    .unwrap();
    std::fs::copy(
        v.join("nordic_good.mp4"),
        dir.join("patient-b/nordic_good.mp4"),
    )
    .unwrap();
    std::fs::write(dir.join("broken.mp4"), "this is a text file, not a video\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a video").unwrap();
    dir
}

/// summary.csv rows as (file name, status, reps, worst, phase, error).
fn rows(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let recs = hipflex::batch::csv::parse_summary(&text).unwrap();
    let mut v: Vec<Vec<String>> = recs
        .into_iter()
        .map(|r| {
            vec![
                Path::new(&r.video)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                r.status,
                r.reps,
                r.worst_severity,
                r.phase,
                r.error,
                r.report,
            ]
        })
        .collect();
    v.sort();
    v
}

fn batch(input: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let root = out.parent().expect("outputs inside the test's folder");
    let o = hipflex(root)
        .arg("batch")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--model", "lite", "--jobs", "2", "--no-video"])
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn batch_reports_good_and_bad_skips_on_rerun_and_forces() {
    let tmp = tempfile::tempdir().unwrap();
    let input = mixed_folder(tmp.path());
    let out = tmp.path().join("out");

    let (code, err) = batch(&input, &out, &["--phase", "2"]);
    assert_eq!(code, 3, "some failed -> exit 3: {err}");
    let r = rows(&out);
    assert_eq!(
        r.len(),
        3,
        "two clips + the corrupt mp4, not notes.txt: {r:?}"
    );
    let broken = r.iter().find(|x| x[0] == "broken.mp4").unwrap();
    assert_eq!(broken[1], "failed");
    assert!(broken[5].contains("could not be opened"), "{broken:?}");
    for good in r.iter().filter(|x| x[0] != "broken.mp4") {
        assert_eq!(good[1], "ok", "{good:?}");
        assert!(good[2].parse::<usize>().unwrap() > 0, "{good:?}");
        assert!(out.join(&good[6]).is_file(), "{good:?}");
        let stamp = out.join(&good[6]).with_file_name("batch-stamp.json");
        assert!(stamp.is_file());
    }
    assert!(err.contains("[3/3]"), "{err}");
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("broken.mp4") && index.contains("report.html"));
    assert!(!index.contains("http://") && !index.contains("https://"));
    // Every analysed video has its thumbnail embedded (JPEG data URI), and nothing else
    // is loaded from anywhere.
    let thumbs: Vec<&str> = index
        .split("<img src=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(thumbs.len(), 2, "one thumbnail per analysed video");
    for t in &thumbs {
        assert!(t.starts_with("data:image/jpeg;base64,/9j/"), "{}", &t[..40]);
    }
    // Patient from the folder layout, date from the file name.
    let text = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let summary = hipflex::batch::csv::parse_summary(&text).unwrap();
    let nordic = summary
        .iter()
        .find(|r| r.video.ends_with("nordic_good.mp4"))
        .unwrap();
    assert_eq!(nordic.patient, "patient-b");
    assert!(nordic.report.starts_with("patient-b/"), "{}", nordic.report);
    let bridge = summary
        .iter()
        .find(|r| r.video.ends_with("bridge_2026-11-20.mp4"))
        .unwrap();
    assert_eq!(
        (bridge.patient.as_str(), bridge.date.as_str()),
        ("", "2026-11-20")
    );
    // Videos are grouped under their patient; those without one come last.
    assert!(
        index.contains("<h2><span>patient-b</span>")
            && index.contains("<h2>No patient</h2>")
            && index.contains(r#"data-label="Date">2026-11-20</td>"#)
    );

    // Second run: everything good is up to date.
    let (code, err) = batch(&input, &out, &["--phase", "2"]);
    assert_eq!(code, 3);
    assert_eq!(err.matches("skipped (up to date)").count(), 2, "{err}");
    let r2 = rows(&out);
    let ok_reps = |r: &Vec<Vec<String>>| {
        r.iter()
            .filter(|x| x[0] != "broken.mp4")
            .map(|x| (x[0].clone(), x[2].clone(), x[3].clone()))
            .collect::<Vec<_>>()
    };
    assert!(
        r2.iter()
            .filter(|x| x[0] != "broken.mp4")
            .all(|x| x[1] == "skipped")
    );
    assert_eq!(ok_reps(&r), ok_reps(&r2), "skipped rows keep their results");

    // Changed analysis settings redo the videos (outputs made otherwise are not kept),
    // and the same settings again find them up to date.
    let cfg = tmp.path().join("settings.toml");
    std::fs::write(&cfg, "[view]\nmin_part_s = 3.0\n").unwrap();
    let with_cfg = ["--phase", "2", "--config", cfg.to_str().unwrap()];
    let (_, err) = batch(&input, &out, &with_cfg);
    assert!(!err.contains("skipped"), "{err}");
    assert_eq!(rows(&out).iter().filter(|x| x[1] == "ok").count(), 2);
    let (_, err) = batch(&input, &out, &with_cfg);
    assert_eq!(err.matches("skipped (up to date)").count(), 2, "{err}");
    // So does the other face setting.
    let (_, err) = batch(&input, &out, &[&with_cfg[..], &["--show-faces"]].concat());
    assert!(!err.contains("skipped"), "{err}");
    let stamp: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            out.join(&r.iter().find(|x| x[0] != "broken.mp4").unwrap()[6])
                .with_file_name("batch-stamp.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        stamp["settings_sha256"].as_str().map(str::len),
        Some(64),
        "{stamp}"
    );

    // --force redoes them.
    let (_, err) = batch(&input, &out, &["--phase", "2", "--force"]);
    assert!(!err.contains("skipped"), "{err}");
    assert_eq!(rows(&out).iter().filter(|x| x[1] == "ok").count(), 2);
}

#[test]
fn shards_merge_to_the_unsharded_result() {
    let tmp = tempfile::tempdir().unwrap();
    let input = mixed_folder(tmp.path());
    let full = tmp.path().join("full");
    batch(&input, &full, &["--phase", "2"]);
    let (s1, s2, merged) = (
        tmp.path().join("s1"),
        tmp.path().join("s2"),
        tmp.path().join("merged"),
    );
    batch(&input, &s1, &["--phase", "2", "--shard", "1/2"]);
    batch(&input, &s2, &["--phase", "2", "--shard", "2/2"]);
    assert!(rows(&s1).len() < 3 && rows(&s2).len() < 3);
    let o = hipflex(tmp.path())
        .arg("batch-merge")
        .arg(&s1)
        .arg(&s2)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "a failed video survives the merge"
    );
    let key = |r: Vec<Vec<String>>| {
        r.into_iter()
            .map(|x| (x[0].clone(), x[1].clone(), x[2].clone(), x[3].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(rows(&full)), key(rows(&merged)));
    for r in rows(&merged).iter().filter(|x| !x[6].is_empty()) {
        assert!(
            merged.join(&r[6]).is_file(),
            "relative link resolves: {r:?}"
        );
    }
}

#[test]
fn manifest_gives_each_patient_their_phase() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let v = common::videos_dir();
    std::fs::copy(v.join("sample_bridge.mp4"), input.join("a.mp4")).unwrap();
    std::fs::copy(v.join("sample_bridge.mp4"), input.join("b.mp4")).unwrap();
    // A folder's hipflex.toml sets the phase and patient for the videos in it.
    let c = input.join("clinic-c");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::copy(v.join("sample_bridge.mp4"), c.join("c.mp4")).unwrap();
    std::fs::write(
        c.join("hipflex.toml"),
        "patient = \"patient-c\"\nphase = 4\n",
    )
    .unwrap();
    let manifest = tmp.path().join("m.csv");
    std::fs::write(
        &manifest,
        "video,patient,exercise,phase\nin/a.mp4,patient-a,bridge,1\nin/b.mp4,patient-b,auto,3\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, err) = batch(&input, &out, &["--manifest", manifest.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r = rows(&out);
    assert_eq!(r[0][0], "a.mp4");
    assert_eq!(r[0][4], "1");
    assert_eq!(r[1][4], "3");
    assert_eq!((r[2][0].as_str(), r[2][4].as_str()), ("c.mp4", "4"));
    assert!(out.join("patient-a/a/report.html").is_file());
    assert!(out.join("patient-b/b/report.html").is_file());
    assert!(out.join("patient-c/c/report.html").is_file());

    // A misspelt key in a folder's settings is a clear usage error.
    std::fs::write(c.join("hipflex.toml"), "phse = 4\n").unwrap();
    let (code, err) = batch(
        &input,
        &tmp.path().join("bad"),
        &["--manifest", manifest.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("hipflex.toml") && err.contains("phse"),
        "{err}"
    );
    std::fs::remove_file(c.join("hipflex.toml")).unwrap();

    // Without a manifest or --phase: usage error.
    let (code, _) = batch(&input, &tmp.path().join("none"), &[]);
    assert_eq!(code, 2);
}

#[test]
fn quoted_globs_and_manifest_only_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("deeper")).unwrap();
    let v = common::videos_dir();
    std::fs::copy(v.join("sample_bridge.mp4"), input.join("a.mp4")).unwrap();
    std::fs::copy(v.join("sample_bridge.mp4"), input.join("deeper/b.mp4")).unwrap();
    std::fs::write(input.join("notes.txt"), "not a video").unwrap();

    // A quoted pattern is expanded by hipflex: only the top-level clip matches.
    let out = tmp.path().join("glob");
    let pattern = input.join("*.mp4");
    let (code, err) = batch(&pattern, &out, &["--phase", "2"]);
    assert_eq!(code, 0, "{err}");
    let r = rows(&out);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0][0], "a.mp4");
    // A pattern that matches nothing is a usage error naming it.
    let (code, err) = batch(
        &input.join("*.mov"),
        &tmp.path().join("none"),
        &["--phase", "2"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("*.mov"), "{err}");

    // With only a manifest, its videos are the batch; a listed file that is missing is
    // reported as failed, and the others are analysed.
    let manifest = tmp.path().join("m.toml");
    std::fs::write(
        &manifest,
        "[[video]]\nvideo = \"in/deeper/b.mp4\"\npatient = \"p1\"\nphase = 1\n\n[[video]]\nvideo = \"in/gone.mp4\"\npatient = \"p2\"\nphase = 2\n",
    )
    .unwrap();
    let out = tmp.path().join("manifest-only");
    let o = hipflex(tmp.path())
        .args(["batch", "--manifest"])
        .arg(&manifest)
        .args(["--model", "lite", "--no-video", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    let r = rows(&out);
    assert_eq!(r.len(), 2, "{r:?}");
    let b = r.iter().find(|x| x[0] == "b.mp4").unwrap();
    assert_eq!((b[1].as_str(), b[4].as_str()), ("ok", "1"));
    let gone = r.iter().find(|x| x[0] == "gone.mp4").unwrap();
    assert_eq!(gone[1], "failed");
    assert!(gone[5].contains("does not exist"), "{gone:?}");
}

/// Progress bars are drawn when stderr is a terminal (here a pseudo-terminal from
/// util-linux `script`) and never in plain output, where each finished video is one line.
#[test]
fn progress_bars_only_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        common::videos_dir().join("sample_bridge.mp4"),
        dir.join("a.mp4"),
    )
    .unwrap();
    let (code, plain) = batch(&dir, &tmp.path().join("plain"), &["--phase", "2"]);
    assert_eq!(code, 0, "{plain}");
    assert!(plain.contains("a.mp4"), "{plain}");
    assert!(
        !plain.contains("elapsed"),
        "no bars without a terminal: {plain}"
    );

    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("SKIPPED: the terminal half needs util-linux `script`, which is not installed");
        return;
    }
    let cmd = format!(
        "{} batch {} --out {} --phase 2 --model lite --jobs 1 --no-video",
        common::hipflex_bin().display(),
        dir.display(),
        tmp.path().join("tty").display()
    );
    let o = std::process::Command::new("script")
        .args(["-qefc", &cmd, "/dev/null"])
        .env("COLUMNS", "160")
        .env("HIPFLEX_DB", tmp.path().join("history.sqlite"))
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{tty}");
    // The overall bar and the worker's frame bar, then the finished video's line.
    assert!(tty.contains("videos,") && tty.contains("elapsed"), "{tty}");
    assert!(tty.contains("frames"), "{tty}");
    assert!(tty.contains("a.mp4"), "{tty}");
}
