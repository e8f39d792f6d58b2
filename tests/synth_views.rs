//! The 3D synthetic figure from many camera directions (issue 9, sections 3 and 4):
//! detection rate and hip-angle error per view and exercise against the exact truth, and
//! the coverage and width of each rep's peak-hip-flexion interval.
//!
//! `HIPFLEX_VIEWS=all` runs every view x exercise (about 20 clips; slow on 2 cores) and
//! prints the table `docs/camera-views.md` holds; the default subset (side, 45°, front,
//! rear for the deadlift and side/45° for the bridge and Nordic) is asserted.

mod common;

use hipflex::analyze::{AnalyzeOptions, Provenance, analyze_frames};
use hipflex::common::Exercise;
use hipflex::exercise::AnalysisConfig;
use hipflex::pipeline;
use hipflex::pose::PoseOptions;
use hipflex::protocol::Protocol;
use hipflex::synth::{self, CameraSpec, SynthSpec};
use hipflex::video::RotateMode;

struct View {
    name: &'static str,
    yaw: f64,
    pitch: f64,
}

const VIEWS: [View; 7] = [
    View {
        name: "side",
        yaw: 0.0,
        pitch: 5.0,
    },
    View {
        name: "side-right",
        yaw: 180.0,
        pitch: 5.0,
    },
    View {
        name: "45 front",
        yaw: 45.0,
        pitch: 5.0,
    },
    View {
        name: "45 rear",
        yaw: 315.0,
        pitch: 5.0,
    },
    View {
        name: "front",
        yaw: 90.0,
        pitch: 5.0,
    },
    View {
        name: "rear",
        yaw: 270.0,
        pitch: 5.0,
    },
    View {
        name: "elevated 45",
        yaw: 30.0,
        pitch: 35.0,
    },
];
const LOW: View = View {
    name: "low side",
    yaw: 10.0,
    pitch: -12.0,
};

fn spec(ex: Exercise, v: &View, seed: u64) -> SynthSpec {
    let mut s = SynthSpec::new(ex);
    s.reps = 2;
    s.tempo = vec!["1-0.2-1-0.2".parse().unwrap()];
    s.lead_in_s = 0.4;
    s.lead_out_s = 0.4;
    s.seed = seed;
    match ex {
        Exercise::Deadlift => s.peak_hip_deg = vec![85.0, 60.0],
        Exercise::Bridge => s.peak_hip_deg = vec![45.0],
        _ => {
            s.peak_hip_deg = vec![10.0];
            s.knee_bottom_deg = vec![35.0];
        }
    }
    s.camera = Some(CameraSpec {
        yaw_deg: v.yaw,
        pitch_deg: v.pitch,
        distance_m: 3.0,
    });
    s
}

#[derive(Default)]
struct Row {
    frames: usize,
    detected: usize,
    errors: Vec<f64>,
    peak_errors: Vec<f64>,
    covered: usize,
    reps: usize,
    widths: Vec<f64>,
}

fn pct(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return f64::NAN;
    }
    s[((q * (s.len() - 1) as f64).round() as usize).min(s.len() - 1)]
}

#[test]
fn figure_from_every_camera_is_tracked_and_peak_intervals_cover_the_truth() {
    let all = std::env::var("HIPFLEX_VIEWS").is_ok_and(|v| v == "all");
    let mut cases: Vec<(Exercise, &View)> = Vec::new();
    for ex in [Exercise::Deadlift, Exercise::Bridge, Exercise::Nordic] {
        for v in VIEWS.iter().chain([&LOW]) {
            let subset = match ex {
                Exercise::Deadlift => matches!(v.name, "side" | "45 front" | "front" | "rear"),
                _ => matches!(v.name, "side" | "45 front"),
            };
            if all || subset {
                cases.push((ex, v));
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut tracker = pipeline::tracker(&PoseOptions::default(), None).expect("pose model");
    let protocol = Protocol::default_pht();
    let mut rows = Vec::new();
    for (k, (ex, v)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("c{k}.mp4"));
        let truth = synth::generate(&spec(*ex, v, 3 + k as u64), &path, false).unwrap();
        let mut frames = Vec::new();
        let s = pipeline::track_video(&path, RotateMode::Auto, &mut tracker, |f, _| {
            frames.push(f.clone());
            Ok(())
        })
        .unwrap();
        let mut row = Row {
            frames: s.frames as usize,
            detected: s.frames_with_person as usize,
            ..Default::default()
        };
        let prov = Provenance {
            video: s.video.clone(),
            model: "full".into(),
            person: "auto".into(),
            people_seen: None,
        };
        let opts = AnalyzeOptions {
            phase: 2,
            protocol: protocol.clone(),
            protocol_source: "built-in".into(),
            config: AnalysisConfig::default(),
            exercise: Some(*ex),
        };
        if let Ok((_, a)) = analyze_frames(&prov, &frames, &opts) {
            for (f, t) in a.frames.iter().zip(&truth.frames) {
                if let Some(h) = f.hip_flexion {
                    row.errors.push((h - t.hip_flexion_deg).abs());
                }
            }
            let truth_reps: Vec<_> = truth.reps.iter().filter(|r| r.complete).collect();
            for (r, t) in a.counted_reps().zip(&truth_reps) {
                let (Some(p), Some(w)) =
                    (r.peak_hip_flexion_deg, r.peak_hip_flexion_uncertainty_deg)
                else {
                    continue;
                };
                let e = (p - t.peak_hip_deg).abs();
                row.peak_errors.push(e);
                row.reps += 1;
                row.widths.push(2.0 * w);
                if e <= w {
                    row.covered += 1;
                }
            }
        }
        eprintln!(
            "row {ex} {}: detected {}/{} hip error p50 {:.1} p90 {:.1} max {:.1}; peaks err {:?} half-widths {:?}",
            v.name,
            row.detected,
            row.frames,
            pct(&row.errors, 0.5),
            pct(&row.errors, 0.9),
            pct(&row.errors, 1.0),
            row.peak_errors,
            row.widths.iter().map(|w| w / 2.0).collect::<Vec<_>>()
        );
        rows.push((format!("{ex}"), v.name, row));
    }
    println!(
        "\n| exercise | view | detected | hip error median / p90 / max (°) | peak error max (°) | interval covers truth | median width (°) |\n|---|---|---|---|---|---|---|"
    );
    let (mut cov, mut n) = (0, 0);
    for (ex, v, r) in &rows {
        println!(
            "| {ex} | {v} | {}/{} | {:.1} / {:.1} / {:.1} | {:.1} | {}/{} | {:.0} |",
            r.detected,
            r.frames,
            pct(&r.errors, 0.5),
            pct(&r.errors, 0.9),
            pct(&r.errors, 1.0),
            pct(&r.peak_errors, 1.0),
            r.covered,
            r.reps,
            pct(&r.widths, 0.5)
        );
        cov += r.covered;
        n += r.reps;
    }
    println!("coverage over all reps: {cov}/{n}");
    for (ex, v, r) in &rows {
        // Side views: every frame. Off the side the figure is lost on some frames (a bridge
        // at 45° loses 17 of 168, measured 2026-12-01): at least 85%.
        let need = if *v == "side" { 1.0 } else { 0.85 };
        assert!(
            r.detected as f64 >= need * r.frames as f64,
            "{ex} {v}: the figure must be found on {:.0}% of frames ({}/{})",
            100.0 * need,
            r.detected,
            r.frames
        );
    }
    assert!(n > 0, "no reps measured");
    assert!(
        cov as f64 >= 0.9 * n as f64,
        "intervals must cover the truth for at least 90% of reps: {cov}/{n}"
    );
}
