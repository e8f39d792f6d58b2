//! Nothing leaves the machine: ONNX Runtime's own builds (the PyPI wheel that
//! `scripts/setup` installs) keep a device id and a queue of usage events under
//! `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` and upload them to Microsoft when
//! online, unless `ORT_DISABLE_TELEMETRY=1` is set before the runtime starts. hipflex
//! sets it. Before it did, the first test below failed: a `hipflex pose` run with a
//! fresh home left `.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db}`.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// Every path under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_run_with_the_real_model_leaves_no_telemetry_queue_or_device_id() {
    let ort = hipflex::runtime::locate(None).expect("ONNX Runtime installed by scripts/setup");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let clip = tmp.path().join("short.mp4");
    common::ffmpeg(&[
        "-i",
        common::videos_dir()
            .join("sample_bridge.mp4")
            .to_str()
            .unwrap(),
        "-frames:v",
        "5",
        clip.to_str().unwrap(),
    ]);
    Command::cargo_bin("hipflex")
        .unwrap()
        .env("HOME", &home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove(hipflex::runtime::ORT_TELEMETRY_OFF.0)
        .arg("pose")
        .arg(&clip)
        .arg("--ort-lib")
        .arg(&ort)
        .arg("-o")
        .arg(tmp.path().join("landmarks.json"))
        .assert()
        .success();
    // The landmarks file names the video by its file name only (a full path can name the
    // machine's owner), with its checksum to file a later analysis under it.
    let text = std::fs::read_to_string(tmp.path().join("landmarks.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let header = &file["header"];
    assert_eq!(header["video"]["path"], "short.mp4", "{header}");
    assert_eq!(
        header["video_sha256"].as_str().map(str::len),
        Some(64),
        "{header}"
    );
    assert!(!text.contains(&tmp.path().display().to_string()));
    let written = files_under(&home);
    assert!(
        written
            .iter()
            .all(|f| !f.contains("Microsoft") && !f.contains("onnxruntime")),
        "the run wrote ONNX Runtime's telemetry files under the home folder: {written:?}"
    );
    // What it may write there: its own checksum cache, nothing else.
    assert!(
        written.iter().all(|f| f.starts_with(".cache")),
        "unexpected files in the home folder: {written:?}"
    );
}

#[test]
fn the_library_switches_the_telemetry_off_before_loading_the_runtime() {
    // SAFETY: the other test of this binary touches the environment only through std
    // (spawning its child), which takes std's environment lock, as this does.
    unsafe { std::env::remove_var(hipflex::runtime::ORT_TELEMETRY_OFF.0) };
    hipflex::runtime::ensure_loaded(None).unwrap();
    assert!(hipflex::runtime::ort_telemetry_off());
}
