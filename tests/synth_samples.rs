//! The committed sample set in `videos/`: every clip has its truth file, the truth's spec is
//! what the documented command produces, and the video decodes with the truth's frame count.
//!
//! `cargo test --test synth_samples -- --ignored regenerate_samples` rewrites the set.

use std::path::{Path, PathBuf};

use clap::Parser;
use hipflex::synth::{self, SynthArgs};
use opencv::prelude::*;
use opencv::videoio;

/// (file stem, `hipflex synth` arguments without `-o`). Keep in step with videos/README.md.
const SAMPLES: &[(&str, &str)] = &[
    (
        "sample_bridge",
        "--exercise bridge --reps 3 --tempo 1.5-0.5-1-0.5 --peak-hip 40 --lead-out 0.5 --seed 1",
    ),
    (
        "bridge_too_deep",
        "--exercise bridge --reps 3 --tempo 1.5-0.5-1-0.5 --peak-hip 55 --lead-out 0.5 --seed 2",
    ),
    (
        "bridge_partial",
        "--exercise bridge --reps 4 --tempo 1-0.5-1-0.5 --peak-hip 40 --partial-last --lead-out 0.5 --facing left --seed 8",
    ),
    (
        "deadlift_good",
        "--exercise deadlift --reps 3 --tempo 1.5-0.5-1-0.5 --peak-hip 40 --knee-bottom 15 --lead-out 0.5 --seed 3",
    ),
    (
        "deadlift_too_deep",
        "--exercise deadlift --reps 3 --tempo 1.5-0.5-1-0.5 --peak-hip 70,80,90 --lead-out 0.5 --seed 4",
    ),
    (
        "deadlift_fast_eccentric",
        "--exercise deadlift --reps 3 --tempo 2-0.5-1-0.5,0.6-0.5-1-0.5,0.5-0.5-1-0.5 --peak-hip 40 --knee-bottom 15 --lead-out 0.5 --seed 5",
    ),
    (
        "nordic_good",
        "--exercise nordic --reps 3 --tempo 2-0.5-1-0.5 --knee-bottom 20 --lead-out 0.5 --seed 6",
    ),
    (
        "nordic_hip_pike",
        "--exercise nordic --reps 3 --tempo 2-0.5-1-0.5 --hip-pike 35 --knee-bottom 30 --lead-out 0.5 --seed 7",
    ),
];

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    synth: SynthArgs,
}

fn videos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("videos")
}

fn args(stem: &str, line: &str, force: bool) -> SynthArgs {
    let out = format!("videos/{stem}.mp4");
    let mut v: Vec<&str> = std::iter::once("synth")
        .chain(line.split_whitespace())
        .collect();
    v.extend(["-o", &out]);
    if force {
        v.push("--force");
    }
    Cli::try_parse_from(v).unwrap().synth
}

fn frame_count(path: &Path) -> usize {
    let mut cap = videoio::VideoCapture::from_file(path, videoio::CAP_ANY).unwrap();
    let mut m = opencv::core::Mat::default();
    let mut n = 0;
    while cap.read(&mut m).unwrap() && !m.empty() {
        n += 1;
    }
    n
}

#[test]
fn sample_set_matches_its_commands() {
    let readme = std::fs::read_to_string(videos().join("README.md")).unwrap();
    let mut total = 0;
    for (stem, line) in SAMPLES {
        let video = videos().join(format!("{stem}.mp4"));
        let truth = synth::read_truth(&synth::truth_path_for(&video)).unwrap();
        let spec = args(stem, line, false).to_spec().unwrap();
        assert_eq!(
            truth.spec, spec,
            "{stem}: truth spec differs from its command"
        );
        assert!(
            readme.contains(&format!("hipflex synth {line} -o videos/{stem}.mp4")),
            "{stem}: README does not list its command"
        );
        assert_eq!(frame_count(&video), truth.video.frame_count, "{stem}");
        assert_eq!(truth.frames.len(), truth.video.frame_count);
        total += std::fs::metadata(&video).unwrap().len();
        total += std::fs::metadata(synth::truth_path_for(&video))
            .unwrap()
            .len();
    }
    assert!(total < 8_000_000, "sample set is {total} bytes");
}

#[test]
#[ignore = "rewrites videos/; run on purpose"]
fn regenerate_samples() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    for (stem, line) in SAMPLES {
        let t = synth::run(&args(stem, line, true)).unwrap();
        println!(
            "{stem}: {} frames, {} reps counted",
            t.video.frame_count, t.rep_count
        );
    }
}
