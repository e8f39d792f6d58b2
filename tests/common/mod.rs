//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod protocol;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Folder of real exercise clips: `HIPFLEX_REAL_VIDEOS`, else `../shared/videos-real`
/// beside the project. `None` (with a loud message) when absent.
pub fn real_videos_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("HIPFLEX_REAL_VIDEOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/videos-real"));
    if dir.join("LABELS.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "\n*** SKIPPED {test}: real clips not found at {} (set HIPFLEX_REAL_VIDEOS) ***\n",
            dir.display()
        );
        None
    }
}

/// Runs ffmpeg quietly; panics with its stderr on failure.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Presentation timestamps (seconds) of every video frame, from ffprobe.
pub fn ffprobe_frame_times(path: &Path) -> Vec<f64> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=pts_time,best_effort_timestamp_time",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe must be installed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(',').find_map(|f| f.trim().parse::<f64>().ok()))
        .collect()
}

/// The bundled sample clips folder.
pub fn videos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("videos")
}

/// Path of the built `hipflex` binary.
pub fn hipflex_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hipflex"))
}

/// A 4 s test-pattern mp4 with its moov atom at the front, cut to half its bytes: what
/// an interrupted copy looks like. Returns the cut file.
pub fn truncated_mp4(dir: &Path) -> PathBuf {
    let full = dir.join("full.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25:duration=4",
        "-c:v",
        "libx264",
        "-movflags",
        "+faststart",
        full.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    cut
}

/// What a phone writes for a portrait clip: the frames of `upright` stored turned a
/// quarter turn anticlockwise, with metadata saying "rotate 90° clockwise to display".
pub fn phone_rotated(dir: &Path, upright: &Path) -> PathBuf {
    let sideways = dir.join("sideways.mp4");
    ffmpeg(&[
        "-i",
        upright.to_str().unwrap(),
        "-vf",
        "transpose=2",
        "-c:v",
        "libx264",
        "-crf",
        "14",
        sideways.to_str().unwrap(),
    ]);
    let phone = dir.join("phone.mp4");
    ffmpeg(&[
        "-i",
        sideways.to_str().unwrap(),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        phone.to_str().unwrap(),
    ]);
    phone
}

/// Provenance of a synthetic clip of `frames` frames at 30 fps and `width`x`height`,
/// as the full model and `--person auto` would record it with one person seen: the
/// fixture of the tests that analyse landmarks made without a video.
pub fn synthetic_provenance(
    path: &str,
    width: u32,
    height: u32,
    frames: usize,
) -> hipflex::analyze::Provenance {
    hipflex::analyze::Provenance {
        video: hipflex::video::VideoInfo {
            path: PathBuf::from(path),
            width,
            height,
            stored_width: width,
            stored_height: height,
            nominal_fps: 30.0,
            frame_count_hint: Some(frames as u64),
            rotation_metadata_deg: 0,
            rotation_applied_deg: 0,
            codec: "h264".into(),
            image_quality: None,
        },
        model: "full".into(),
        person: "auto".into(),
        people_seen: Some(1),
    }
}
