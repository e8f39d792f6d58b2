//! Weak and wrong input (issue 9, section 5), through `hipflex analyze`:
//! - a still picture (whatever its extension), an animated GIF, a one-frame video and a clip
//!   shorter than `view.min_clip_s`: one-paragraph error naming the file and what hipflex
//!   needs, exit code 2, nothing written;
//! - a person in the dark, blurred, too small or cut off by the frame: the view is `poor`
//!   with that reason, every rep uncertain, the `poor_view` flag set, every angle flag
//!   uncertain, and the terminal summary says so on its first line.
//!
//! The inputs are made at test time with `hipflex synth` and ffmpeg.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn hipflex() -> Command {
    Command::cargo_bin("hipflex").unwrap()
}

/// Runs `hipflex analyze INPUT --out DIR`, expects exit 2 with a one-paragraph error that
/// mentions every needle, and nothing written.
fn expect_refused(dir: &Path, input: &Path, needles: &[&str]) -> String {
    let out = dir.join(format!(
        "out-{}",
        input.file_name().unwrap().to_string_lossy()
    ));
    let assert = hipflex()
        .args(["analyze", "--phase", "2"])
        .arg(input)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for n in needles {
        assert!(stderr.contains(n), "stderr should mention {n:?}: {stderr}");
    }
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains(&input.display().to_string()),
        "names the file: {stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one paragraph: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing may be written: {left:?}");
    stderr
}

fn testsrc(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let p = dir.join(name);
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=10:duration=2",
    ];
    args.extend_from_slice(extra);
    args.push(p.to_str().unwrap());
    common::ffmpeg(&args);
    p
}

#[test]
fn still_pictures_and_gifs_are_refused_by_content_whatever_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A JPEG renamed .mp4, a PNG renamed .mov, a WebP renamed .mkv.
    for (made, renamed, what) in [
        ("a.jpg", "holiday.mp4", "JPEG still image"),
        ("b.png", "clip.mov", "PNG still image"),
        ("c.bmp", "clip.avi", "BMP still image"),
    ] {
        let src = testsrc(d, made, &["-frames:v", "1"]);
        let p = d.join(renamed);
        std::fs::rename(&src, &p).unwrap();
        let e = expect_refused(d, &p, &[what, "not a video", "needs a video"]);
        assert!(e.contains("Nothing was written"), "{e}");
    }
    // An animated GIF, under its own name and renamed .mp4.
    let gif = testsrc(d, "loop.gif", &["-frames:v", "12"]);
    expect_refused(d, &gif, &["animated GIF (12 frames", "not a video"]);
    let renamed = d.join("loop.mp4");
    std::fs::copy(&gif, &renamed).unwrap();
    expect_refused(d, &renamed, &["animated GIF"]);
    // A one-frame video in a real video container.
    let one = testsrc(
        d,
        "one.mp4",
        &["-frames:v", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
    );
    expect_refused(d, &one, &["single picture", "one frame"]);
}

/// A 3-rep synthetic deadlift (about 5.5 s) to derive the other inputs from.
fn synth_deadlift(dir: &Path) -> PathBuf {
    let p = dir.join("dl.mp4");
    hipflex()
        .args([
            "synth",
            "--exercise",
            "deadlift",
            "--reps",
            "3",
            "--tempo",
            "1-0.2-1-0.2",
            "--peak-hip",
            "80",
            "--lead-in",
            "0.5",
            "--lead-out",
            "0.5",
            "-o",
        ])
        .arg(&p)
        .assert()
        .success();
    p
}

fn variant(src: &Path, dir: &Path, name: &str, filters: &[&str]) -> PathBuf {
    let p = dir.join(name);
    let mut args = vec!["-i", src.to_str().unwrap()];
    args.extend_from_slice(filters);
    args.extend_from_slice(&["-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p"]);
    args.push(p.to_str().unwrap());
    common::ffmpeg(&args);
    p
}

#[test]
fn clips_too_short_for_a_rep_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = synth_deadlift(d);
    let short = variant(&src, d, "short.mp4", &["-ss", "1", "-t", "0.3"]);
    expect_refused(d, &short, &["only 9 frames", "0.30 s", "0.5 s"]);
    let two = variant(&src, d, "two.mp4", &["-ss", "1", "-frames:v", "2"]);
    expect_refused(d, &two, &["only 2 frames"]);
}

/// Analyses `video` and returns (report.json, terminal output).
fn analyse(video: &Path, out: &Path) -> (serde_json::Value, String) {
    let assert = hipflex()
        .args(["analyze", "--phase", "2"])
        .arg(video)
        .arg("--out")
        .arg(out)
        .arg("--no-video")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let text = std::fs::read_to_string(out.join("report.json")).unwrap();
    (serde_json::from_str(&text).unwrap(), stdout)
}

fn expect_poor(video: &Path, out: &Path, reason: &str) {
    let (r, stdout) = analyse(video, out);
    let name = video.file_name().unwrap().to_string_lossy();
    assert_eq!(r["view"]["verdict"], "poor", "{name}: {}", r["view"]);
    let reasons = r["view"]["reasons"].to_string();
    assert!(reasons.contains(reason), "{name}: reasons {reasons}");
    let first = stdout.lines().next().unwrap_or("");
    assert!(
        first.starts_with("VIEW POOR") && first.contains(reason),
        "{name}: terminal must say so first: {stdout}"
    );
    let flags = r["flags"].as_array().unwrap();
    assert!(
        flags.iter().any(|f| f["code"] == "poor_view"),
        "{name}: poor_view flag: {flags:?}"
    );
    for f in flags {
        assert_eq!(f["uncertain"], true, "{name}: every flag uncertain: {f}");
    }
    let reps = r["reps"].as_array().unwrap();
    for rep in reps {
        assert_eq!(rep["uncertain"], true, "{name}: every rep uncertain: {rep}");
    }
}

#[test]
fn dark_blurred_small_and_cut_off_people_give_a_poor_view() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = synth_deadlift(d);
    // The clean clip is not poor (so the checks below can fail).
    let (clean, stdout) = analyse(&src, &d.join("clean"));
    assert_ne!(clean["view"]["verdict"], "poor", "{}", clean["view"]);
    assert!(!stdout.starts_with("VIEW POOR"), "{stdout}");

    let dark = variant(&src, d, "dark.mp4", &["-vf", "lutyuv=y=val*0.12"]);
    expect_poor(&dark, &d.join("o-dark"), "too dark");
    let blur = variant(&src, d, "blur.mp4", &["-vf", "gblur=sigma=4"]);
    expect_poor(&blur, &d.join("o-blur"), "blurred");
    // The scene shrunk and padded: trunk + leg about 120 px.
    let small = variant(
        &src,
        d,
        "small.mp4",
        &["-vf", "scale=288:216,pad=400:300:56:84:gray"],
    );
    expect_poor(&small, &d.join("o-small"), "too small");
    // The bottom of the picture cropped away: feet out of frame all through the set.
    let cut = variant(&src, d, "cut.mp4", &["-vf", "crop=iw:ih*0.72:0:0"]);
    expect_poor(&cut, &d.join("o-cut"), "cut off");
}
