//! The landmark model is not mirror-symmetric, and `--mirror-average` (issue 9, section 3:
//! a mirrored clip gives the same peaks).
//!
//! Frame by frame, on the crop the tracker committed: the model's reading of the crop
//! (`off`), of its mirror image flipped back with left and right swapped (`mirror-only`)
//! and their mean (`average`); and the same clip mirrored with ffmpeg (`hflip`), tracked
//! on its own, read back in the original's terms. Hip flexion (2D and 3D) is compared
//! between them and, on the bundled synthetic clips, with the exact truth.
//!
//! `bundled_mirrored_excerpt_reads_the_same_with_mirror_average` is the gate: on a
//! mirrored excerpt of a bundled synthetic clip the per-frame hip angle stays within a
//! bound with `--mirror-average` (it does not with one pass). The measurement over real
//! clips, `mirrored_crops_measured_on_real_clips`, prints only: `HIPFLEX_MIRROR_CLIPS`
//! (comma-separated file names in HIPFLEX_REAL_VIDEOS) chooses the clips.

mod common;

use std::path::{Path, PathBuf};

use hipflex::kinematics::{self, KinematicsParams, RawKinematics};
use hipflex::pipeline;
use hipflex::pose::{MirrorMode, PoseFrame, PoseOptions, PoseTracker};
use hipflex::video::RotateMode;

fn tracker(mirror: MirrorMode) -> PoseTracker {
    let opts = PoseOptions {
        mirror,
        ..Default::default()
    };
    pipeline::tracker(&opts, None).expect("run scripts/setup first")
}

/// The three readings of each frame's committed crop (the `off` tracker's), in frame order.
struct SameCrop {
    off: Vec<PoseFrame>,
    mirror_only: Vec<PoseFrame>,
    average: Vec<PoseFrame>,
}

/// The trackers a measurement needs, loaded once.
struct Trackers {
    off: PoseTracker,
    mirror_only: PoseTracker,
    average: PoseTracker,
}

impl Trackers {
    fn new() -> Trackers {
        Trackers {
            off: tracker(MirrorMode::Off),
            mirror_only: tracker(MirrorMode::MirrorOnly),
            average: tracker(MirrorMode::Average),
        }
    }

    /// Tracks `video` with one pass per frame and reads each committed crop again as its
    /// mirror image and as the average.
    fn same_crop(&mut self, video: &Path) -> SameCrop {
        let mut out = SameCrop {
            off: Vec::new(),
            mirror_only: Vec::new(),
            average: Vec::new(),
        };
        let (mo, av) = (&mut self.mirror_only, &mut self.average);
        pipeline::track_video(video, RotateMode::Auto, &mut self.off, |f, frame| {
            let again = |t: &mut PoseTracker| -> hipflex::Result<PoseFrame> {
                let pose = match &f.pose {
                    Some(p) => t.landmarks_in_roi(frame.image, &p.roi)?,
                    None => None,
                };
                Ok(PoseFrame { pose, ..f.clone() })
            };
            out.mirror_only.push(again(mo)?);
            out.average.push(again(av)?);
            out.off.push(f.clone());
            Ok(())
        })
        .expect("tracking");
        out
    }
}

/// Tracks `video` on its own (one decoding pass, first person).
fn track(t: &mut PoseTracker, video: &Path) -> Vec<PoseFrame> {
    let mut frames = Vec::new();
    pipeline::track_video(video, RotateMode::Auto, t, |f, _| {
        frames.push(f.clone());
        Ok(())
    })
    .expect("tracking");
    frames
}

fn angles(frames: &[PoseFrame]) -> Vec<RawKinematics> {
    let times: Vec<f64> = frames.iter().map(|f| f.timestamp_s).collect();
    kinematics::compute(frames, &times, &KinematicsParams::default())
}

/// `video` mirrored left to right with ffmpeg (`hflip`, near-lossless), first `frames`
/// frames (all when `None`).
fn mirrored(video: &Path, dir: &Path, frames: Option<usize>) -> PathBuf {
    let out = dir.join(format!(
        "{}.hflip.mp4",
        video.file_stem().unwrap().to_string_lossy()
    ));
    let n = frames.map(|n| n.to_string());
    let mut a = vec!["-i", video.to_str().unwrap(), "-an"];
    if let Some(n) = &n {
        a.extend_from_slice(&["-frames:v", n]);
    }
    a.extend_from_slice(&[
        "-vf",
        "hflip",
        "-c:v",
        "libx264",
        "-crf",
        "12",
        "-pix_fmt",
        "yuv420p",
        out.to_str().unwrap(),
    ]);
    common::ffmpeg(&a);
    out
}

/// `video`'s first `frames` frames, re-encoded the same way as [`mirrored`] but not
/// flipped, so that the two differ only by the mirror.
fn excerpt(video: &Path, dir: &Path, frames: usize) -> PathBuf {
    let out = dir.join(format!(
        "{}.excerpt.mp4",
        video.file_stem().unwrap().to_string_lossy()
    ));
    let n = frames.to_string();
    common::ffmpeg(&[
        "-i",
        video.to_str().unwrap(),
        "-an",
        "-frames:v",
        &n,
        "-c:v",
        "libx264",
        "-crf",
        "12",
        "-pix_fmt",
        "yuv420p",
        out.to_str().unwrap(),
    ]);
    out
}

/// Summary of absolute per-frame differences.
#[derive(Debug, Clone, Copy)]
struct Spread {
    n: usize,
    median: f64,
    p90: f64,
    max: f64,
    /// Mean signed difference (a - b).
    bias: f64,
}

fn spread(d: &[f64]) -> Spread {
    let mut a: Vec<f64> = d.iter().map(|x| x.abs()).collect();
    a.sort_by(f64::total_cmp);
    let q = |p: f64| {
        if a.is_empty() {
            f64::NAN
        } else {
            a[((a.len() - 1) as f64 * p).round() as usize]
        }
    };
    Spread {
        n: a.len(),
        median: q(0.5),
        p90: q(0.9),
        max: q(1.0),
        bias: d.iter().sum::<f64>() / d.len().max(1) as f64,
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1} / {:.1} / {:.1} (bias {:+.1}, n {})",
            self.median, self.p90, self.max, self.bias, self.n
        )
    }
}

type Pick = fn(&RawKinematics) -> Option<f64>;
const HIP_2D: Pick = |k| k.hip_flexion_2d;
const HIP_3D: Pick = |k| k.hip_flexion_3d;

/// Per-frame differences of `pick` between two readings of the same frames (frames
/// where both have a value).
fn diffs(a: &[RawKinematics], b: &[RawKinematics], pick: Pick) -> Vec<f64> {
    a.iter()
        .zip(b)
        .filter_map(|(x, y)| Some(pick(x)? - pick(y)?))
        .collect()
}

/// Per-frame errors of `pick` against the truth's hip flexion, frame by frame.
fn errors(k: &[RawKinematics], truth: &[f64], pick: Pick) -> Vec<f64> {
    k.iter()
        .zip(truth)
        .filter_map(|(x, t)| Some(pick(x)? - t))
        .collect()
}

fn truth_hip(video: &Path) -> Vec<f64> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(video.with_extension("truth.json")).unwrap())
            .unwrap();
    v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["hip_flexion_deg"].as_f64().unwrap())
        .collect()
}

/// What one clip measured, printed as table rows.
fn measure(t: &mut Trackers, video: &Path, dir: &Path, truth: Option<&[f64]>) {
    let name = video.file_name().unwrap().to_string_lossy().to_string();
    let same = t.same_crop(video);
    let (off, mo, av) = (
        angles(&same.off),
        angles(&same.mirror_only),
        angles(&same.average),
    );
    let flipped = mirrored(video, dir, None);
    let flip_off = angles(&track(&mut t.off, &flipped));
    let flip_av = angles(&track(&mut t.average, &flipped));
    let orig_av = angles(&track(&mut t.average, video));
    for (label, pick) in [("2D", HIP_2D), ("3D", HIP_3D)] {
        println!(
            "| {name} | {label} | {} | {} | {} | {} | {} |",
            spread(&diffs(&off, &mo, pick)),
            spread(&diffs(&flip_off, &mo, pick)),
            spread(&diffs(&off, &flip_off, pick)),
            spread(&diffs(&orig_av, &flip_av, pick)),
            truth.map_or(String::new(), |tr| format!(
                "off {} · mirror-only {} · average {}",
                spread(&errors(&off, tr, pick)),
                spread(&errors(&mo, tr, pick)),
                spread(&errors(&av, tr, pick))
            )),
        );
    }
}

const HEADER: &str = "\n| clip | angle | crop vs its mirror (same crop) | mirrored video vs mirror of the crop | original vs mirrored video, one pass | original vs mirrored video, average | error against truth |\n|---|---|---|---|---|---|---|\n(each cell: median / p90 / max absolute difference, degrees)";

#[test]
fn mirrored_crops_measured_on_real_clips() {
    let Some(dir) = common::real_videos_dir("mirrored_crops_measured_on_real_clips") else {
        return;
    };
    let Ok(list) = std::env::var("HIPFLEX_MIRROR_CLIPS") else {
        eprintln!(
            "\n*** SKIPPED mirrored_crops_measured_on_real_clips: set HIPFLEX_MIRROR_CLIPS ***\n"
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let mut t = Trackers::new();
    println!("{HEADER}");
    for clip in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        measure(&mut t, &dir.join(clip), work.path(), None);
    }
}

#[test]
fn bundled_synthetic_clips_measured_against_truth() {
    if std::env::var("HIPFLEX_MIRROR_SYNTHETIC").is_err() {
        eprintln!(
            "\n*** SKIPPED bundled_synthetic_clips_measured_against_truth: set HIPFLEX_MIRROR_SYNTHETIC=1 ***\n"
        );
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut t = Trackers::new();
    println!("{HEADER}");
    let mut clips: Vec<PathBuf> = std::fs::read_dir(common::videos_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    clips.sort();
    for clip in clips {
        let truth = truth_hip(&clip);
        measure(&mut t, &clip, work.path(), Some(&truth));
    }
}

/// Per-frame hip-flexion differences (2D, 3D) between a clip and its mirror image, each
/// tracked on its own with `t`.
fn mirror_difference(t: &mut PoseTracker, clip: &Path, flipped: &Path) -> (Spread, Spread) {
    let (a, b) = (angles(&track(t, clip)), angles(&track(t, flipped)));
    assert_eq!(a.len(), b.len());
    let of = |pick| {
        let d = diffs(&a, &b, pick);
        assert!(d.len() * 10 >= a.len() * 9, "angles on too few frames");
        spread(&d)
    };
    (of(HIP_2D), of(HIP_3D))
}

/// Largest difference allowed between a clip and its mirror image with `--mirror-average`,
/// degrees: the bar for a rep's peak, here on every frame's 2D angle and on 90% of
/// frames' 3D angle (the 3D angle is noisier frame to frame; measured over the whole clip:
/// 2D largest 1.0°, 3D p90 0.9° and largest 2.6°, against 7.7°, 4.2° and 6.4° with one pass).
const MIRROR_TOL_DEG: f64 = 3.0;

/// Largest median per-frame difference between a clip and its mirror image with the
/// default reading (the person turned to face one way for the model), degrees.
const FACE_ONE_WAY_MEDIAN_TOL_DEG: f64 = 1.0;

#[test]
fn bundled_mirrored_excerpt_reads_the_same_with_mirror_average() {
    // The first rep (1-5 s) of a bundled synthetic side-view deadlift, and its mirror
    // image, encoded alike.
    let clip = common::videos_dir().join("deadlift_fast_eccentric.mp4");
    let work = tempfile::tempdir().unwrap();
    let plain = excerpt(&clip, work.path(), 150);
    let flipped = mirrored(&clip, work.path(), Some(150));
    let (one_2d, one_3d) = mirror_difference(&mut tracker(MirrorMode::Off), &plain, &flipped);
    let (av_2d, av_3d) = mirror_difference(&mut tracker(MirrorMode::Average), &plain, &flipped);
    let (fw_2d, fw_3d) = mirror_difference(&mut tracker(MirrorMode::FaceOneWay), &plain, &flipped);
    println!(
        "clip vs its mirror image, per-frame hip flexion difference (median / p90 / max):\n  one pass as seen: 2D {one_2d}, 3D {one_3d}\n  --mirror-average: 2D {av_2d}, 3D {av_3d}\n  default (face one way): 2D {fw_2d}, 3D {fw_3d}"
    );
    // The model itself reads the mirrored person differently ...
    assert!(
        one_2d.max > MIRROR_TOL_DEG,
        "one pass is mirror-symmetric now (2D {one_2d}): update the README's re-encoding paragraph"
    );
    // ... and averaging the crop with its mirror image takes that out.
    assert!(
        av_2d.max <= MIRROR_TOL_DEG && av_3d.p90 <= MIRROR_TOL_DEG,
        "--mirror-average: 2D {av_2d}, 3D {av_3d} (tolerance {MIRROR_TOL_DEG}°)"
    );
    // The default reads both with the person facing one way for the model: the model's
    // asymmetry is gone from most frames (measured 2026-12-03: median 0.4° 2D and 0.5° 3D,
    // p90 2.7° and 1.7°, largest 5.8° and 4.8°, against 4.0°, 6.4°, 7.4° 2D for one pass as
    // seen), though not averaged away frame by frame as with `--mirror-average`.
    assert!(
        fw_2d.median <= FACE_ONE_WAY_MEDIAN_TOL_DEG
            && fw_3d.median <= FACE_ONE_WAY_MEDIAN_TOL_DEG
            && fw_2d.p90 <= one_2d.median,
        "face one way: 2D {fw_2d}, 3D {fw_3d} (median tolerance {FACE_ONE_WAY_MEDIAN_TOL_DEG}°, p90 under one pass's median)"
    );
}

#[test]
fn mirror_flags_reach_the_pose_model() {
    let clip = common::videos_dir().join("deadlift_fast_eccentric.mp4");
    let work = tempfile::tempdir().unwrap();
    let short = excerpt(&clip, work.path(), 30);
    let run = |name: &str, extra: &[&str]| {
        let out = work.path().join(name);
        let st = std::process::Command::new(common::hipflex_bin())
            .arg("pose")
            .arg(&short)
            .arg("-o")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        std::fs::read_to_string(out).unwrap()
    };
    let (one, two) = (
        run("one.csv", &["--as-seen"]),
        run("two.csv", &["--mirror-average"]),
    );
    assert_eq!(one.lines().count(), two.lines().count());
    assert_ne!(one, two, "--mirror-average gave the one-pass landmarks");
    // The landmarks file says how it was made, so a re-analysis from it can be traced.
    run("two.json", &["--mirror-average"]);
    run("one.json", &["--as-seen"]);
    run("default.json", &[]);
    let mode = |name: &str| {
        hipflex::landmarks_file::read_landmarks(&work.path().join(name))
            .unwrap()
            .0
            .mirror
    };
    assert_eq!(mode("two.json"), MirrorMode::Average);
    assert_eq!(mode("one.json"), MirrorMode::Off);
    assert_eq!(mode("default.json"), MirrorMode::FaceOneWay);
    let text = std::fs::read_to_string(work.path().join("one.json")).unwrap();
    assert!(
        !text.contains("\"mirror\""),
        "--as-seen writes no mirror field (as every file before it did)"
    );
}
