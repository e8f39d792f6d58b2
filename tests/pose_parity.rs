//! Parity with MediaPipe: on the real clips, the Rust port's landmarks agree with
//! MediaPipe's own Python pipeline (mediapipe 0.10.14, legacy `solutions.pose`,
//! smoothing off) run on the same frames with the same weights. The reference
//! numbers were made by `tools/mediapipe_reference.py` and live in
//! `tests/fixtures/parity/`; the clips themselves are never committed.
//!
//! Required: over all clips together and for every clip, frames with a person
//! within 1%, and over the 12 limb landmarks a median distance under 1% of the
//! frame height and a 95th percentile under 3%.
//!
//! One clip is a documented exception with a wider per-clip bound: in
//! `squat_formfit_1` (barbell back squat, arms up and hands hidden behind the bar)
//! the landmark model's answer is unstable from frame to frame, and the tiny
//! numerical differences between ONNX Runtime and TFLite/XNNPACK (about 0.01 px on
//! the 256 px crop, see models/README.md) are amplified through the tracking loop:
//! measured median 0.87%, 95th percentile 4.0% (full). MediaPipe itself moves by as
//! much on this clip when every frame is brightened by one grey level (median 0.98%,
//! p95 4.6% against its own unperturbed output). Its frames still count in the
//! pooled figures.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hipflex::models::ModelSize;
use hipflex::pipeline;
use hipflex::pose::{PoseOptions, idx};
use hipflex::video::{RotateMode, VideoReader};

struct Reference {
    sha256: String,
    height: f64,
    /// frame -> 12 limb landmarks (x, y) in pixels, `None` when MediaPipe found nobody.
    frames: HashMap<u64, Option<Vec<(f64, f64)>>>,
}

fn load_reference(path: &Path) -> Reference {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let field = |k: &str| {
        header
            .split_whitespace()
            .find_map(|t| t.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("{k} missing in {header}"))
            .to_string()
    };
    let landmarks: Vec<usize> = field("landmarks")
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(landmarks, idx::LIMBS.to_vec());
    lines.next(); // column names
    let mut frames = HashMap::new();
    for l in lines {
        let v: Vec<&str> = l.split(',').collect();
        let frame: u64 = v[0].parse().unwrap();
        let pts = (v[2] == "1").then(|| {
            (0..12)
                .map(|k| (v[3 + 3 * k].parse().unwrap(), v[4 + 3 * k].parse().unwrap()))
                .collect()
        });
        frames.insert(frame, pts);
    }
    Reference {
        sha256: field("sha256"),
        height: field("height").parse().unwrap(),
        frames,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Clips with their own (wider) 95th-percentile bound, and why: see the module docs.
const SENSITIVE: &[(&str, f64)] = &[("squat_formfit_1", 0.06)];

fn check_model(model: ModelSize, only: Option<&[&str]>) {
    let Some(dir) = common::real_videos_dir("pose_parity") else {
        return;
    };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity");
    let suffix = format!(".{}.csv", model.name());
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(&suffix))
        .collect();
    cases.sort();
    // `HIPFLEX_PARITY_MIRROR_AVERAGE=1` measures `--mirror-average` against MediaPipe's
    // one pass (the bounds are for the default; the README gives what it measured).
    let opts = PoseOptions {
        model,
        mirror: if std::env::var("HIPFLEX_PARITY_MIRROR_AVERAGE").is_ok_and(|v| v == "1") {
            hipflex::pose::MirrorMode::Average
        } else {
            hipflex::pose::MirrorMode::Off
        },
        ..Default::default()
    };
    let mut tracker = pipeline::tracker(&opts, None).expect("run scripts/setup first");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut pooled = Vec::new();
    let (mut pooled_ours, mut pooled_ref) = (0u64, 0u64);
    for fixture in cases {
        let name = fixture.file_name().unwrap().to_string_lossy().to_string();
        let stem = name.trim_end_matches(&suffix).to_string();
        if only.is_some_and(|o| !o.contains(&stem.as_str())) {
            continue;
        }
        let clip = dir.join(format!("{stem}.mp4"));
        let reference = load_reference(&fixture);
        if !clip.is_file() {
            eprintln!("*** SKIPPED {stem}: clip not found");
            continue;
        }
        let sha = hipflex::hash::sha256_file(&clip).unwrap();
        if sha != reference.sha256 {
            eprintln!("*** SKIPPED {stem}: clip differs from the one the reference was made from");
            continue;
        }
        let mut dists = Vec::new();
        let (mut ours_present, mut ref_present) = (0u64, 0u64);
        // MediaPipe's legacy Python API stamps frame i at (i + 1) x 33333 µs whatever
        // the clip's rate, and the ROI smoothing depends on timestamps: feed the same.
        let mut reader = VideoReader::open(&clip, RotateMode::Auto).unwrap();
        tracker.reset();
        while let Some(frame) = reader.next_frame().unwrap() {
            let ts = (frame.index + 1) as f64 * 0.033333;
            let (pose, _) = tracker.process(frame.image, ts).unwrap();
            let r = reference.frames.get(&frame.index).cloned().flatten();
            ours_present += pose.is_some() as u64;
            ref_present += r.is_some() as u64;
            if let (Some(p), Some(r)) = (&pose, r) {
                for (k, &i) in idx::LIMBS.iter().enumerate() {
                    let (x, y) = (p.image[i].x as f64, p.image[i].y as f64);
                    dists.push(
                        ((x - r[k].0).powi(2) + (y - r[k].1).powi(2)).sqrt() / reference.height,
                    );
                }
            }
        }
        pooled.extend_from_slice(&dists);
        pooled_ours += ours_present;
        pooled_ref += ref_present;
        dists.sort_by(f64::total_cmp);
        let (median, p95) = (percentile(&dists, 0.5), percentile(&dists, 0.95));
        let p95_bound = SENSITIVE
            .iter()
            .find(|(n, _)| *n == stem)
            .map(|(_, b)| *b)
            .unwrap_or(0.03);
        let presence_gap =
            (ours_present as f64 - ref_present as f64).abs() / ref_present.max(1) as f64;
        eprintln!(
            "parity {stem} ({}): person in {ours_present} frames (MediaPipe {ref_present}), median {:.2}% p95 {:.2}% of frame height",
            model.name(),
            median * 100.0,
            p95 * 100.0
        );
        if presence_gap > 0.01 || median >= 0.01 || p95 >= p95_bound {
            failures.push(format!(
                "{stem}: presence gap {presence_gap:.3}, median {median:.4}, p95 {p95:.4}"
            ));
        }
        checked += 1;
    }
    assert!(checked > 0, "no parity fixture could be checked");
    pooled.sort_by(f64::total_cmp);
    let (median, p95) = (percentile(&pooled, 0.5), percentile(&pooled, 0.95));
    let gap = (pooled_ours as f64 - pooled_ref as f64).abs() / pooled_ref.max(1) as f64;
    eprintln!(
        "parity pooled ({}, {checked} clips): person in {pooled_ours} frames (MediaPipe {pooled_ref}), median {:.2}% p95 {:.2}%",
        model.name(),
        median * 100.0,
        p95 * 100.0
    );
    if gap > 0.01 || median >= 0.01 || p95 >= 0.03 {
        failures.push(format!(
            "pooled: presence gap {gap:.3}, median {median:.4}, p95 {p95:.4}"
        ));
    }
    assert!(
        failures.is_empty(),
        "parity failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn full_model_matches_mediapipe_on_every_real_clip() {
    check_model(ModelSize::Full, None);
}

#[test]
fn lite_model_matches_mediapipe_on_a_sample_of_clips() {
    check_model(
        ModelSize::Lite,
        Some(&[
            "deadlift_formfit_1",
            "bridge_darebee_1",
            "nordic_fittransformer_2",
            "lunge_rnhrn_1",
        ]),
    );
}
