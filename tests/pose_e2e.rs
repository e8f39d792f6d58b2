//! End to end: the real model on real decoded video, through format variants a
//! phone or browser produces (rotation metadata, webm, variable frame rate).

mod common;

use std::path::{Path, PathBuf};

use hipflex::models::ModelSize;
use hipflex::pipeline;
use hipflex::pose::{PoseFrame, PoseOptions, idx};
use hipflex::video::RotateMode;

/// A clip with a person: a real one when available, else the bundled sample.
fn person_clip() -> PathBuf {
    if let Some(dir) = common::real_videos_dir("pose_e2e (falls back to the bundled sample)") {
        return dir.join("deadlift_formfit_1.mp4");
    }
    common::videos_dir().join("sample_bridge.mp4")
}

fn track(path: &Path, rotate: RotateMode) -> (Vec<PoseFrame>, pipeline::PoseRunSummary) {
    let opts = PoseOptions {
        model: ModelSize::Lite,
        ..Default::default()
    };
    let mut t = pipeline::tracker(&opts, None).expect("run scripts/setup first");
    let mut frames = Vec::new();
    let s = pipeline::track_video(path, rotate, &mut t, |f, _| {
        frames.push(f.clone());
        Ok(())
    })
    .unwrap();
    (frames, s)
}

fn hip_centre(f: &PoseFrame) -> Option<(f32, f32)> {
    let p = f.pose.as_ref()?;
    let (l, r) = (p.image[idx::LEFT_HIP], p.image[idx::RIGHT_HIP]);
    Some(((l.x + r.x) / 2.0, (l.y + r.y) / 2.0))
}

/// Cuts the first `secs` seconds of `src` re-encoded with extra ffmpeg args.
fn variant(dir: &Path, src: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut a = vec!["-i", src.to_str().unwrap(), "-t", "3", "-an"];
    a.extend_from_slice(args);
    a.push(out.to_str().unwrap());
    common::ffmpeg(&a);
    out
}

#[test]
fn phone_rotation_gives_upright_landmarks_and_override_wins() {
    let dir = tempfile::tempdir().unwrap();
    let src = person_clip();
    let upright = variant(
        dir.path(),
        &src,
        "upright.mp4",
        &["-c:v", "libx264", "-crf", "16"],
    );
    let phone = common::phone_rotated(dir.path(), &upright);

    let (a, sa) = track(&upright, RotateMode::Auto);
    let (b, sb) = track(&phone, RotateMode::Auto);
    assert_eq!(
        (sa.video.width, sa.video.height),
        (sb.video.width, sb.video.height)
    );
    assert_eq!(sb.video.rotation_applied_deg, 90);
    assert!(sb.frames_with_person as f64 >= 0.95 * sb.frames as f64);
    let diag = ((sa.video.width.pow(2) + sa.video.height.pow(2)) as f32).sqrt();
    let mut errs: Vec<f32> = a
        .iter()
        .zip(&b)
        .filter_map(|(x, y)| {
            let (p, q) = (hip_centre(x)?, hip_centre(y)?);
            Some(((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt() / diag)
        })
        .collect();
    errs.sort_by(f32::total_cmp);
    assert!(!errs.is_empty());
    let median = errs[errs.len() / 2];
    assert!(
        median < 0.02,
        "rotated clip hips differ from upright by {median} of the diagonal"
    );

    // Upright: shoulders above hips on average for a standing deadlift/bridge clip
    // is not guaranteed, so check orientation through the override instead: with
    // --rotate 0 the frame stays sideways (width and height swapped).
    let (_, sc) = track(&phone, RotateMode::Fixed(0));
    assert_eq!(
        (sc.video.width, sc.video.height),
        (sa.video.height, sa.video.width)
    );
}

#[test]
fn webm_and_variable_frame_rate_variants_track_with_container_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let src = person_clip();
    let webm = variant(
        dir.path(),
        &src,
        "cam.webm",
        &["-c:v", "libvpx", "-b:v", "2M", "-deadline", "realtime"],
    );
    let (f, s) = track(&webm, RotateMode::Auto);
    assert!(s.frames > 30);
    assert!(
        s.frames_with_person as f64 >= 0.95 * s.frames as f64,
        "{}",
        s.one_line()
    );
    let want = common::ffprobe_frame_times(&webm);
    assert_eq!(want.len() as u64, s.frames);
    for (fr, t) in f.iter().zip(&want) {
        assert!((fr.timestamp_s - t).abs() < 0.002);
    }

    // Drop every third frame and keep the original timestamps: a VFR clip.
    let vfr = variant(
        dir.path(),
        &src,
        "vfr.mp4",
        &[
            "-vf",
            "select='not(eq(mod(n\\,3)\\,2))'",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
        ],
    );
    let (f, s) = track(&vfr, RotateMode::Auto);
    assert!(s.timing.variable, "{:?}", s.timing);
    let want = common::ffprobe_frame_times(&vfr);
    assert_eq!(want.len(), f.len());
    // Frames drained from the decoder at the very end carry no timestamp in OpenCV;
    // they are estimated from the last interval and counted as such.
    assert!(
        s.estimated_timestamps <= 3,
        "{} estimated",
        s.estimated_timestamps
    );
    let exact = f.len() - s.estimated_timestamps as usize;
    for (fr, t) in f[..exact].iter().zip(&want) {
        assert!(
            (fr.timestamp_s - t).abs() < 0.002,
            "{} vs {t}",
            fr.timestamp_s
        );
    }
    assert!(s.frames_with_person as f64 >= 0.95 * s.frames as f64);
}
