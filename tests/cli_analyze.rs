//! `hipflex analyze` through the command line: outputs, re-running from landmarks
//! with another phase, CI exit codes, and bad configuration.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn hipflex() -> Command {
    Command::cargo_bin("hipflex").unwrap()
}

/// The bundled synthetic bridge clip (always in the repository).
fn sample() -> PathBuf {
    common::videos_dir().join("sample_bridge.mp4")
}

fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn analyze_writes_outputs_and_reruns_from_landmarks_with_another_phase() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let a = hipflex()
        .args(["analyze"])
        .arg(sample())
        .args(["--phase", "2", "--model", "lite", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(stdout.contains("bridge"), "{stdout}");
    for f in [
        "report.json",
        "reps.csv",
        "frames.csv",
        "landmarks.json",
        "hip_flexion.svg",
        "hip_flexion.png",
        "report.html",
        "annotated.mp4",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    annotated_video_matches_the_source(&sample(), &out.join("annotated.mp4"));
    let r = report(&out);
    assert_eq!(r["schema"], "hipflex-report");
    assert_eq!(r["protocol"]["phase"], 2);
    let reps = r["summary"]["reps_counted"].as_u64().unwrap();
    assert!(reps >= 1);
    let rows = std::fs::read_to_string(out.join("reps.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(rows, r["reps"].as_array().unwrap().len());

    // Refuses to overwrite without --force.
    hipflex()
        .args(["analyze"])
        .arg(sample())
        .args(["--phase", "2", "--out"])
        .arg(&out)
        .assert()
        .code(2);

    // Same landmarks, phase 1: no model run, same reps, a stricter cap.
    let out1 = tmp.path().join("phase1");
    hipflex()
        .args(["analyze", "--from-landmarks"])
        .arg(out.join("landmarks.json"))
        .args(["--phase", "1", "--out"])
        .arg(&out1)
        .assert()
        .success();
    let r1 = report(&out1);
    assert_eq!(r1["summary"]["reps_counted"].as_u64().unwrap(), reps);
    assert_eq!(r1["protocol"]["phase"], 1);
    assert!(
        r1["protocol"]["cap_deg"].as_f64().unwrap() < r["protocol"]["cap_deg"].as_f64().unwrap()
    );
    assert!(!out1.join("landmarks.json").exists());
}

#[test]
fn fail_on_sets_the_exit_code_for_ci() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a");
    hipflex()
        .args(["analyze"])
        .arg(sample())
        .args(["--phase", "2", "--model", "lite", "--out"])
        .arg(&out)
        .assert()
        .success();
    let lm = out.join("landmarks.json");
    // A phase-1 cap of 20° in a custom protocol makes the 40° bridges red.
    let strict = tmp.path().join("strict.toml");
    let text = String::from_utf8(
        hipflex()
            .args(["protocol", "default"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    std::fs::write(
        &strict,
        text.replacen("cap_deg = 30.0", "cap_deg = 20.0", 1),
    )
    .unwrap();
    let o = tmp.path().join("b");
    hipflex()
        .args(["analyze", "--from-landmarks"])
        .arg(&lm)
        .args(["--phase", "1", "--fail-on", "red", "--protocol"])
        .arg(&strict)
        .arg("--out")
        .arg(&o)
        .assert()
        .code(1);
    let o = tmp.path().join("c");
    hipflex()
        .args(["analyze", "--from-landmarks"])
        .arg(&lm)
        .args(["--phase", "4", "--fail-on", "amber", "--out"])
        .arg(&o)
        .assert()
        .success();
}

#[test]
fn bad_protocol_and_phase_fail_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    let text = String::from_utf8(
        hipflex()
            .args(["protocol", "default"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    std::fs::write(&bad, format!("{text}\nsurprise_key = 1\n")).unwrap();
    let a = hipflex()
        .args(["analyze"])
        .arg(sample())
        .args(["--phase", "2", "--protocol"])
        .arg(&bad)
        .arg("--out")
        .arg(tmp.path().join("x"))
        .assert()
        .code(2);
    let e = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(e.contains("surprise_key") && e.contains("bad.toml"), "{e}");
    let a = hipflex()
        .args(["analyze"])
        .arg(sample())
        .args(["--phase", "9", "--out"])
        .arg(tmp.path().join("y"))
        .assert()
        .code(2);
    let e = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(e.contains("phase 9"), "{e}");
    assert!(!tmp.path().join("x").exists() && !tmp.path().join("y").exists());
}

/// The annotated video decodes, has as many frames as the source and its (upright)
/// size, and carries the overlay: the header band differs from the source.
fn annotated_video_matches_the_source(source: &Path, annotated: &Path) {
    use hipflex::video::{RotateMode, VideoReader};
    use opencv::core::{Rect, absdiff, mean, no_array};
    use opencv::prelude::*;
    let mut a = VideoReader::open(source, RotateMode::Auto).unwrap();
    let mut b = VideoReader::open(annotated, RotateMode::Auto).unwrap();
    assert_eq!(
        (a.info().width, a.info().height),
        (b.info().width, b.info().height)
    );
    let (mut n, mut overlay_seen) = (0, 0);
    loop {
        let fa = a
            .next_frame()
            .unwrap()
            .map(|f| f.image.try_clone().unwrap());
        let fb = b
            .next_frame()
            .unwrap()
            .map(|f| f.image.try_clone().unwrap());
        match (fa, fb) {
            (Some(x), Some(y)) => {
                n += 1;
                if n % 15 == 1 {
                    let band = Rect::new(0, 0, x.cols(), 12);
                    let (xa, ya) = (Mat::roi(&x, band).unwrap(), Mat::roi(&y, band).unwrap());
                    let mut d = Mat::default();
                    absdiff(&xa, &ya, &mut d).unwrap();
                    let m = mean(&d, &no_array()).unwrap();
                    if m[0] + m[1] + m[2] > 60.0 {
                        overlay_seen += 1;
                    }
                }
            }
            (None, None) => break,
            other => panic!(
                "frame counts differ at {n}: {:?}",
                (other.0.is_some(), other.1.is_some())
            ),
        }
    }
    assert!(n > 0);
    assert!(
        overlay_seen >= n / 15,
        "overlay found on {overlay_seen} sampled frames of {n}"
    );
}
