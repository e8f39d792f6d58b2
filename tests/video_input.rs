//! Video decoding: rotation metadata, webm without duration, variable frame rate,
//! container timestamps, and bad files.

mod common;

use std::path::Path;

use hipflex::Error;
use hipflex::video::{RotateMode, VideoReader, timing_stats};
use opencv::core::{self, Mat};
use opencv::prelude::*;

/// An asymmetric test pattern, upright, 320x240 at 25 fps for 2 s.
fn make_upright(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("upright.mp4");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25:duration=2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-crf",
        "12",
        p.to_str().unwrap(),
    ]);
    p
}

fn frames(path: &Path, rotate: RotateMode) -> (Vec<Mat>, Vec<f64>, hipflex::video::VideoInfo) {
    let mut r = VideoReader::open(path, rotate).unwrap();
    let mut mats = Vec::new();
    let mut ts = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        mats.push(f.image.try_clone().unwrap());
        ts.push(f.timestamp_s);
    }
    r.check_complete().unwrap();
    (mats, ts, r.info().clone())
}

fn mean_abs_diff(a: &Mat, b: &Mat) -> f64 {
    let mut d = Mat::default();
    core::absdiff(a, b, &mut d).unwrap();
    let m = core::mean(&d, &core::no_array()).unwrap();
    (m[0] + m[1] + m[2]) / 3.0
}

#[test]
fn portrait_phone_clip_with_rotation_metadata_comes_out_upright() {
    let dir = tempfile::tempdir().unwrap();
    let upright = make_upright(dir.path());
    // A phone stores the sensor image turned and says "rotate 90° clockwise to display".
    let phone = common::phone_rotated(dir.path(), &upright);
    let (a, _, ia) = frames(&upright, RotateMode::Auto);
    let (b, _, ib) = frames(&phone, RotateMode::Auto);
    assert_eq!(ib.rotation_metadata_deg, 90);
    assert_eq!(ib.rotation_applied_deg, 90);
    assert_eq!((ib.stored_width, ib.stored_height), (240, 320));
    assert_eq!((ib.width, ib.height), (ia.width, ia.height));
    assert_eq!(a.len(), b.len());
    for k in [0, a.len() / 2, a.len() - 1] {
        let d = mean_abs_diff(&a[k], &b[k]);
        assert!(d < 6.0, "frame {k} differs from upright source by {d}");
    }
    // The override wins over metadata: no rotation leaves the stored (sideways) frame.
    let (c, _, ic) = frames(&phone, RotateMode::Fixed(0));
    assert_eq!((ic.width, ic.height), (240, 320));
    assert_eq!(c[0].cols(), 240);
    // And an unrotated clip is left alone in auto mode.
    assert_eq!(ia.rotation_applied_deg, 0);
}

#[test]
fn webm_vp9_without_frame_count_decodes_every_frame_with_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let webm = dir.path().join("cam.webm");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=30:duration=2",
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-b:v",
        "500k",
        webm.to_str().unwrap(),
    ]);
    let (m, ts, info) = frames(&webm, RotateMode::Auto);
    assert_eq!(m.len(), 60, "{info:?}");
    let want = common::ffprobe_frame_times(&webm);
    assert_eq!(want.len(), ts.len());
    for (a, b) in ts.iter().zip(&want) {
        assert!((a - b).abs() < 0.002, "timestamp {a} vs container {b}");
    }
}

#[test]
fn variable_frame_rate_uses_container_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let vfr = dir.path().join("vfr.mp4");
    // 30 frames at 30 fps, then 30 frames at 10 fps.
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=30:duration=2",
        "-vf",
        "setpts='if(lt(N,30),N/30,1+(N-30)/10)/TB'",
        "-fps_mode",
        "vfr",
        "-c:v",
        "libx264",
        vfr.to_str().unwrap(),
    ]);
    let (_, ts, _) = frames(&vfr, RotateMode::Auto);
    let want = common::ffprobe_frame_times(&vfr);
    assert_eq!(ts.len(), want.len());
    for (a, b) in ts.iter().zip(&want) {
        assert!((a - b).abs() < 0.002, "timestamp {a} vs container {b}");
    }
    // index / fps would put the last frame near 2 s; the container says about 3.9 s.
    assert!(*ts.last().unwrap() > 3.5, "{ts:?}");
    let d: Vec<f64> = ts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(timing_stats(&d).variable);
}

#[test]
fn bad_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "this is not a video\n".repeat(50)).unwrap();
    assert!(matches!(
        VideoReader::open(&text, RotateMode::Auto),
        Err(Error::VideoOpen { .. })
    ));

    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        VideoReader::open(&empty, RotateMode::Auto),
        Err(Error::InputEmpty { .. })
    ));

    assert!(matches!(
        VideoReader::open(&dir.path().join("missing.mp4"), RotateMode::Auto),
        Err(Error::InputMissing { .. })
    ));

    let audio = dir.path().join("audio.m4a");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-c:a",
        "aac",
        audio.to_str().unwrap(),
    ]);
    let e = VideoReader::open(&audio, RotateMode::Auto)
        .err()
        .expect("audio-only must fail");
    assert!(
        matches!(e, Error::VideoOpen { .. } | Error::VideoNoFrames { .. }),
        "{e}"
    );

    // A truncated mp4 (moov atom at the front, data cut in half).
    let cut = common::truncated_mp4(dir.path());
    let full = dir.path().join("full.mp4");
    let r = VideoReader::open(&cut, RotateMode::Auto);
    let err = match r {
        Err(e) => e,
        Ok(mut r) => {
            while r.next_frame().map(|f| f.is_some()).unwrap_or(false) {}
            r.check_complete()
                .expect_err("a half file must be reported as truncated")
        }
    };
    let msg = err.to_string();
    assert!(msg.contains("cut.mp4"), "{msg}");
    // Truncated at the end (moov at the back): cannot even be opened.
    let tail = dir.path().join("tail.mp4");
    common::ffmpeg(&[
        "-i",
        full.to_str().unwrap(),
        "-c",
        "copy",
        tail.to_str().unwrap(),
    ]);
    let b = std::fs::read(&tail).unwrap();
    std::fs::write(&tail, &b[..b.len() - 2000]).unwrap();
    assert!(VideoReader::open(&tail, RotateMode::Auto).is_err());
}

#[test]
fn android_slow_motion_capture_rate_is_read_from_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_upright(dir.path());
    let slo = dir.path().join("slomo.mp4");
    common::ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-c",
        "copy",
        "-metadata",
        "com.android.capture.fps=240.000000",
        "-movflags",
        "use_metadata_tags",
        slo.to_str().unwrap(),
    ]);
    assert_eq!(hipflex::video::android_capture_fps(&slo), Some(240.0));
    assert_eq!(hipflex::video::android_capture_fps(&src), None);
}

#[test]
fn common_containers_decode() {
    let dir = tempfile::tempdir().unwrap();
    for (name, codec) in [
        ("a.mov", "libx264"),
        ("a.mkv", "libx264"),
        ("a.avi", "mpeg4"),
    ] {
        let p = dir.path().join(name);
        common::ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25:duration=1",
            "-c:v",
            codec,
            "-pix_fmt",
            "yuv420p",
            p.to_str().unwrap(),
        ]);
        let (m, ts, info) = frames(&p, RotateMode::Auto);
        assert_eq!(m.len(), 25, "{name}: {info:?}");
        assert!(
            ts.windows(2).all(|w| w[1] > w[0]),
            "{name}: timestamps increase"
        );
        assert_eq!((info.width, info.height), (320, 240));
    }
}
