//! `hipflex batch` and `batch-merge` through the command line: bad files do not stop a
//! batch, re-runs skip finished videos, shards merge to the unsharded result, and a
//! manifest gives each patient their own phase.

mod common;

use std::path::Path;

use assert_cmd::Command;

fn hipflex() -> Command {
    Command::cargo_bin("hipflex").unwrap()
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
    let o = hipflex()
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
    assert!(
        index.contains("data-label=\"Patient\">patient-b</td>")
            && index.contains("data-label=\"Date\">2026-11-20</td>"),
        "patient and date cells in index.html"
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
    let o = hipflex()
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
    assert!(out.join("patient-a/a/report.html").is_file());
    assert!(out.join("patient-b/b/report.html").is_file());

    // Without a manifest or --phase: usage error.
    let (code, _) = batch(&input, &tmp.path().join("none"), &[]);
    assert_eq!(code, 2);
}
