//! Bad input through the command line: each failure is one paragraph naming the
//! file and the fix, exit code 2, and no output file left behind.

mod common;

use std::path::Path;

use assert_cmd::Command;

fn hipflex() -> Command {
    Command::cargo_bin("hipflex").unwrap()
}

/// A tiny valid clip (no person in it) for tests that need a decodable video.
fn testsrc(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("pattern.mp4");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=10:duration=1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        p.to_str().unwrap(),
    ]);
    p
}

/// Runs `hipflex pose INPUT -o OUT` with extra args, expects exit 2, an error that
/// mentions `needle`, and no output file (nor temporary file) in `dir`.
fn expect_failure(dir: &Path, input: &Path, extra: &[&str], needle: &str) -> String {
    let out = dir.join("out").join("landmarks.csv");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let assert = hipflex()
        .arg("pose")
        .arg(input)
        .arg("-o")
        .arg(&out)
        .args(extra)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains(needle),
        "stderr should mention {needle:?}: {stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one paragraph: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
    assert!(left.is_empty(), "no output may be left behind: {left:?}");
    stderr
}

#[test]
fn bad_videos_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let text = d.join("notes.mp4");
    std::fs::write(&text, "not a video\n".repeat(100)).unwrap();
    let e = expect_failure(d, &text, &[], "notes.mp4");
    assert!(e.contains("re-export"), "{e}");

    let empty = d.join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    expect_failure(d, &empty, &[], "empty.mp4");

    expect_failure(d, &d.join("nope.mp4"), &[], "nope.mp4");

    let audio = d.join("voice.m4a");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=1",
        "-c:a",
        "aac",
        audio.to_str().unwrap(),
    ]);
    expect_failure(d, &audio, &[], "voice.m4a");

    let cut = common::truncated_mp4(d);
    expect_failure(d, &cut, &[], "cut.mp4");

    // A decodable video with nobody in it.
    let pattern = testsrc(d);
    let e = expect_failure(d, &pattern, &["--model", "lite"], "no person");
    assert!(e.contains("pattern.mp4"), "{e}");
}

#[test]
fn missing_or_corrupt_models_and_runtime_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clip = testsrc(d);
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");

    // Missing model: an empty models folder.
    let empty_models = d.join("no-models");
    std::fs::create_dir_all(&empty_models).unwrap();
    let e = expect_failure(
        d,
        &clip,
        &["--models-dir", empty_models.to_str().unwrap()],
        "pose_detection.onnx",
    );
    assert!(e.contains("missing"), "{e}");

    // Corrupt model: one byte changed.
    let bad_models = d.join("bad-models");
    std::fs::create_dir_all(&bad_models).unwrap();
    for f in ["pose_detection.onnx", "pose_landmark_full.onnx"] {
        std::fs::copy(models.join(f), bad_models.join(f)).unwrap();
    }
    let p = bad_models.join("pose_landmark_full.onnx");
    let mut b = std::fs::read(&p).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0xff;
    std::fs::write(&p, b).unwrap();
    let e = expect_failure(
        d,
        &clip,
        &["--models-dir", bad_models.to_str().unwrap()],
        "pose_landmark_full.onnx",
    );
    assert!(e.contains("sha256"), "{e}");

    // Missing ONNX Runtime library.
    let e = expect_failure(
        d,
        &clip,
        &["--ort-lib", "/nonexistent/libonnxruntime.so"],
        "ONNX Runtime",
    );
    assert!(e.contains("scripts/setup"), "{e}");

    // A file that is not a shared library.
    let fake = d.join("libonnxruntime.so");
    std::fs::write(&fake, b"garbage").unwrap();
    let e = expect_failure(
        d,
        &clip,
        &["--ort-lib", fake.to_str().unwrap()],
        "libonnxruntime.so",
    );
    assert!(e.contains("scripts/setup"), "{e}");
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clip = testsrc(d);
    let out = d.join("keep.csv");
    std::fs::write(&out, "precious").unwrap();
    let a = hipflex()
        .arg("pose")
        .arg(&clip)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
}
