//! The 3D synthetic figure from many camera directions (issue 9, sections 3 and 4):
//! detection rate and hip-angle error per view and exercise against the exact truth, and
//! the coverage and width of each rep's peak-hip-flexion interval.
//!
//! Two disjoint sets of clips, fixed before the model's coefficients were fitted:
//! - **calibration** (seeds 100+, deadlift peaks 85°/60°, bridge 45°, Nordic pike 10° with the
//!   knee to 35°, tempo 1-0.2-1-0.2, camera 3.0 m, yaw as named);
//! - **held-out** (seeds 900+, deadlift peaks 95°/50°, bridge 55°, Nordic pike 25° with the
//!   knee to 50°, tempo 1.4-0.3-0.8-0.3, camera 3.6 m, yaw 6° further round).
//!
//! By default the held-out clips of a small subset run (deadlift side, 45° front, front,
//! rear; bridge side; Nordic side, 45° front: the bridge off the side is found or lost
//! depending on the seed, see the known failures below) and the interval must cover the truth
//! for at least 90% of reps in each view family (side, oblique, front, rear).
//! `HIPFLEX_VIEWS=all` runs both sets for every exercise x view (48 clips; about 15 min on 2
//! cores) and prints the table `docs/camera-views.md` holds, coverage asserted on the
//! held-out set. `HIPFLEX_SYNTH_CACHE=DIR` keeps each clip's landmarks there (re-runs then
//! skip the pose model; `HIPFLEX_SYNTH_CACHE_ONLY=1` fails on a clip not cached, for
//! analysis-only re-runs); `HIPFLEX_UNC_DUMP=FILE` writes each rep's evidence as JSON lines.
//! Each family's coverage and median width is printed for the model and for the same model
//! with the `sin` offset term for every angle (before the 2D offset term).
//! `HIPFLEX_VIEWS=subset-both` runs the default subset's views from both sets.
//! `HIPFLEX_CROSS_CHECK=1` also runs the lite model on the same regions (`--cross-check`)
//! and prints each family's coverage and median width with and without it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hipflex::analyze::{AnalyzeOptions, Provenance, analyze_frames, analyze_frames_cross_checked};
use hipflex::common::Exercise;
use hipflex::exercise::{AnalysisConfig, peak_evidence};
use hipflex::kinematics::uncertainty::{RepEvidence, UncertaintyParams, peak_half_width_deg};
use hipflex::pipeline;
use hipflex::pose::{CrossCheckTrack, PoseFrame, PoseOptions, PoseTracker};
use hipflex::protocol::Protocol;
use hipflex::synth::{self, CameraSpec, GroundTruth, SynthSpec};
use hipflex::video::{RotateMode, VideoInfo};
use serde::{Deserialize, Serialize};

struct View {
    name: &'static str,
    family: &'static str,
    yaw: f64,
    pitch: f64,
}

const VIEWS: [View; 8] = [
    View {
        name: "side",
        family: "side",
        yaw: 0.0,
        pitch: 5.0,
    },
    View {
        name: "side-right",
        family: "side",
        yaw: 180.0,
        pitch: 5.0,
    },
    View {
        name: "low side",
        family: "side",
        yaw: 10.0,
        pitch: -12.0,
    },
    View {
        name: "45 front",
        family: "oblique",
        yaw: 45.0,
        pitch: 5.0,
    },
    View {
        name: "45 rear",
        family: "oblique",
        yaw: 315.0,
        pitch: 5.0,
    },
    View {
        name: "elevated 45",
        family: "oblique",
        yaw: 30.0,
        pitch: 35.0,
    },
    View {
        name: "front",
        family: "front",
        yaw: 90.0,
        pitch: 5.0,
    },
    View {
        name: "rear",
        family: "rear",
        yaw: 270.0,
        pitch: 5.0,
    },
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Set {
    Calibration,
    HeldOut,
}

impl Set {
    fn name(self) -> &'static str {
        match self {
            Set::Calibration => "calibration",
            Set::HeldOut => "held-out",
        }
    }
}

fn spec(ex: Exercise, v: &View, set: Set, k: u64) -> SynthSpec {
    let held = set == Set::HeldOut;
    let mut s = SynthSpec::new(ex);
    s.reps = 2;
    s.tempo = vec![
        if held {
            "1.4-0.3-0.8-0.3"
        } else {
            "1-0.2-1-0.2"
        }
        .parse()
        .unwrap(),
    ];
    s.lead_in_s = 0.4;
    s.lead_out_s = 0.4;
    s.seed = if held { 900 } else { 100 } + k;
    match ex {
        Exercise::Deadlift => {
            s.peak_hip_deg = if held {
                vec![95.0, 50.0]
            } else {
                vec![85.0, 60.0]
            }
        }
        Exercise::Bridge => s.peak_hip_deg = vec![if held { 55.0 } else { 45.0 }],
        _ => {
            s.peak_hip_deg = vec![if held { 25.0 } else { 10.0 }];
            s.knee_bottom_deg = vec![if held { 50.0 } else { 35.0 }];
        }
    }
    s.camera = Some(CameraSpec {
        yaw_deg: v.yaw + if held { 6.0 } else { 0.0 },
        pitch_deg: v.pitch,
        distance_m: if held { 3.6 } else { 3.0 },
    });
    s
}

/// What the pose model found in one clip (cached under `HIPFLEX_SYNTH_CACHE`).
#[derive(Serialize, Deserialize)]
struct Tracked {
    video: VideoInfo,
    frames: Vec<PoseFrame>,
    frames_with_person: u64,
    truth: GroundTruth,
    /// The lite model's landmarks of the same regions (`HIPFLEX_CROSS_CHECK`).
    #[serde(default)]
    cross: Option<CrossCheckTrack>,
}

fn cross_checking() -> bool {
    std::env::var_os("HIPFLEX_CROSS_CHECK").is_some()
}

fn cache_key(s: &SynthSpec) -> String {
    // FNV-1a of the spec: a changed spec never reads a stale clip.
    let text = serde_json::to_string(s).unwrap();
    let h = text.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    let cross = if cross_checking() { "-xc" } else { "" };
    format!("{h:016x}{cross}.json")
}

fn track(s: &SynthSpec, dir: &Path, k: usize, tracker: &mut Option<PoseTracker>) -> Tracked {
    let cache =
        std::env::var_os("HIPFLEX_SYNTH_CACHE").map(|d| PathBuf::from(d).join(cache_key(s)));
    if let Some(Ok(text)) = cache.as_ref().map(std::fs::read_to_string) {
        return serde_json::from_str(&text).unwrap();
    }
    // `HIPFLEX_SYNTH_CACHE_ONLY=1`: analysis-only re-runs never start the pose model.
    assert!(
        std::env::var_os("HIPFLEX_SYNTH_CACHE_ONLY").is_none(),
        "HIPFLEX_SYNTH_CACHE_ONLY: clip not in the cache: {cache:?}"
    );
    let path = dir.join(format!("c{k}.mp4"));
    let truth = synth::generate(s, &path, false).unwrap();
    let tracker = tracker.get_or_insert_with(|| {
        let opts = PoseOptions {
            cross_check: cross_checking(),
            ..Default::default()
        };
        pipeline::tracker(&opts, None).expect("pose model")
    });
    tracker.take_cross_checks();
    let mut frames = Vec::new();
    let run = pipeline::track_video(&path, RotateMode::Auto, tracker, |f, _| {
        frames.push(f.clone());
        Ok(())
    })
    .unwrap();
    let t = Tracked {
        video: run.video,
        frames,
        frames_with_person: run.frames_with_person,
        truth,
        cross: tracker.take_cross_checks(),
    };
    if let Some(c) = cache {
        std::fs::create_dir_all(c.parent().unwrap()).unwrap();
        let tmp = c.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_string(&t).unwrap()).unwrap();
        std::fs::rename(tmp, c).unwrap();
    }
    t
}

/// The model as it stood before the held-out calibration (one offset coefficient, RMS
/// jitter), to print the before/after widths of the same reps.
fn params_before() -> UncertaintyParams {
    UncertaintyParams {
        base_deg: 8.0,
        offset_deg: 48.0,
        offset_bridge_deg: None,
        offset_deadlift_deg: None,
        offset_nordic_deg: None,
        offset_2d_deg: 0.0,
        disagreement: 0.6,
        visibility_deg: 20.0,
        size_ref_px: 250.0,
        size_deg: 6.0,
        jitter: 2.0,
        rear_deg: 0.0,
        rear_full_fraction: 0.1,
        cross_check: 0.8,
        window_s: 0.3,
    }
}

/// RMS of raw − filtered primary hip angle within the window (the old jitter measure).
fn rms_jitter(
    a: &hipflex::exercise::Analysis,
    peak_s: f64,
    window_s: f64,
    min_conf: f64,
) -> Option<f64> {
    let d: Vec<f64> = a
        .frames
        .iter()
        .filter(|f| (f.t - peak_s).abs() <= window_s && f.conf_hip >= min_conf)
        .filter_map(|f| {
            let raw = if a.view.use_3d {
                f.hip_flexion_3d_raw
            } else {
                f.hip_flexion_2d_raw
            };
            Some(raw? - f.hip_flexion?)
        })
        .collect();
    (!d.is_empty()).then(|| (d.iter().map(|x| x * x).sum::<f64>() / d.len() as f64).sqrt())
}

#[derive(Serialize)]
struct RepRow {
    exercise: String,
    view: &'static str,
    family: &'static str,
    set: &'static str,
    truth_deg: f64,
    peak_deg: f64,
    half_width_deg: f64,
    half_width_before_deg: f64,
    /// The model before the 2D offset term (`off[exercise] · sin(offset)` whatever the
    /// angle), same coefficients otherwise.
    half_width_sin_deg: f64,
    /// With `HIPFLEX_CROSS_CHECK`: the lite model's peak and the half-width fed with it
    /// (`half_width_deg` is then the interval without it).
    cross_peak_deg: Option<f64>,
    cross_diff_deg: Option<f64>,
    half_width_cross_deg: Option<f64>,
    evidence: RepEvidence,
    rms_jitter_deg: Option<f64>,
}

#[derive(Default)]
struct Row {
    frames: usize,
    detected: usize,
    errors: Vec<f64>,
    reps: Vec<RepRow>,
}

fn pct(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return f64::NAN;
    }
    s[((q * (s.len() - 1) as f64).round() as usize).min(s.len() - 1)]
}

fn covered(r: &[&RepRow]) -> usize {
    r.iter()
        .filter(|r| (r.peak_deg - r.truth_deg).abs() <= r.half_width_deg)
        .count()
}

fn median_width(r: &[&RepRow], before: bool) -> f64 {
    let w: Vec<f64> = r
        .iter()
        .map(|r| {
            2.0 * if before {
                r.half_width_before_deg
            } else {
                r.half_width_deg
            }
        })
        .collect();
    pct(&w, 0.5)
}

fn measure(ex: Exercise, v: &'static View, set: Set, t: &Tracked) -> Row {
    let mut row = Row {
        frames: t.frames.len(),
        detected: t.frames_with_person as usize,
        ..Default::default()
    };
    let prov = Provenance {
        video: t.video.clone(),
        model: "full".into(),
        person: "auto".into(),
        people_seen: None,
    };
    let cfg = AnalysisConfig::default();
    let opts = AnalyzeOptions {
        phase: 2,
        protocol: Protocol::default_pht(),
        protocol_source: "built-in".into(),
        config: cfg.clone(),
        exercise: Some(ex),
    };
    let Ok((_, a)) = analyze_frames(&prov, &t.frames, &opts) else {
        return row;
    };
    let crossed = t
        .cross
        .as_ref()
        .and_then(|c| analyze_frames_cross_checked(&prov, &t.frames, Some(c), &opts).ok())
        .map(|(_, x)| x);
    for (f, tf) in a.frames.iter().zip(&t.truth.frames) {
        if let Some(h) = f.hip_flexion {
            row.errors.push((h - tf.hip_flexion_deg).abs());
        }
    }
    let min_conf = cfg.kinematics.min_confidence;
    for (i, r) in a.reps.iter().enumerate().filter(|(_, r)| r.counted) {
        let xr = crossed.as_ref().and_then(|x| x.reps.get(i));
        // The true rep is the one whose span holds the measured peak (a missed or extra rep
        // then pairs nothing wrongly).
        let tr = r.peak_hip_flexion_s.and_then(|s| {
            t.truth
                .reps
                .iter()
                .find(|x| x.complete && s >= x.start_s && s <= x.end_s)
        });
        let (Some(tr), Some(p), Some(w), Some(e)) = (
            tr,
            r.peak_hip_flexion_deg,
            r.peak_hip_flexion_uncertainty_deg,
            peak_evidence(&a.frames, &a.view, a.classification.exercise, r, &cfg),
        ) else {
            continue;
        };
        let rms = r
            .peak_hip_flexion_s
            .and_then(|s| rms_jitter(&a, s, cfg.uncertainty.window_s, min_conf));
        // Both earlier models read every offset through the 3D (`sin`) term.
        let before = peak_half_width_deg(
            &RepEvidence {
                jitter_deg: rms,
                angle_3d: None,
                ..e
            },
            &params_before(),
        );
        let sin_only = peak_half_width_deg(
            &RepEvidence {
                angle_3d: None,
                ..e
            },
            &cfg.uncertainty,
        );
        row.reps.push(RepRow {
            exercise: ex.to_string(),
            view: v.name,
            family: v.family,
            set: set.name(),
            truth_deg: tr.peak_hip_deg,
            peak_deg: p,
            half_width_deg: w,
            half_width_before_deg: before,
            half_width_sin_deg: sin_only,
            cross_peak_deg: xr.and_then(|x| x.peak_loaded_hip_flexion_cross_check_deg),
            cross_diff_deg: xr.and_then(|x| {
                Some((x.peak_loaded_hip_flexion_cross_check_deg? - x.loaded_peak()?.0).abs())
            }),
            half_width_cross_deg: xr.and_then(|x| x.peak_hip_flexion_uncertainty_deg),
            evidence: e,
            rms_jitter_deg: rms,
        });
    }
    row
}

fn subset_both() -> bool {
    std::env::var("HIPFLEX_VIEWS").is_ok_and(|v| v == "subset-both")
}

fn cases(all: bool) -> Vec<(Exercise, &'static View, Set)> {
    // `HIPFLEX_VIEWS=subset-both`: the default subset's views from both sets.
    let both = subset_both();
    let mut out = Vec::new();
    for set in [Set::Calibration, Set::HeldOut] {
        for ex in [Exercise::Deadlift, Exercise::Bridge, Exercise::Nordic] {
            for v in &VIEWS {
                let subset = (set == Set::HeldOut || both)
                    && match ex {
                        Exercise::Deadlift => {
                            matches!(v.name, "side" | "45 front" | "front" | "rear")
                        }
                        Exercise::Bridge => v.name == "side",
                        _ => matches!(v.name, "side" | "45 front"),
                    };
                if all || subset {
                    out.push((ex, v, set));
                }
            }
        }
    }
    out
}

fn print_tables(rows: &[(Exercise, &View, Set, Row)]) {
    println!(
        "\n| exercise | view | set | detected | hip error median / p90 / max (°) | peak error max (°) | covers truth | median width (°) | before (°) |\n|---|---|---|---|---|---|---|---|---|"
    );
    for (ex, v, set, r) in rows {
        let reps: Vec<&RepRow> = r.reps.iter().collect();
        let pe: Vec<f64> = reps
            .iter()
            .map(|r| (r.peak_deg - r.truth_deg).abs())
            .collect();
        println!(
            "| {ex} | {} | {} | {}/{} | {:.1} / {:.1} / {:.1} | {:.1} | {}/{} | {:.0} | {:.0} |",
            v.name,
            set.name(),
            r.detected,
            r.frames,
            pct(&r.errors, 0.5),
            pct(&r.errors, 0.9),
            pct(&r.errors, 1.0),
            pct(&pe, 1.0),
            covered(&reps),
            reps.len(),
            median_width(&reps, false),
            median_width(&reps, true),
        );
    }
    // exercise x view: coverage on each set, median width over both.
    let mut by: BTreeMap<(String, &str), Vec<&RepRow>> = BTreeMap::new();
    for (_, _, _, r) in rows {
        for rep in &r.reps {
            by.entry((rep.exercise.clone(), rep.view))
                .or_default()
                .push(rep);
        }
    }
    println!(
        "\n| exercise | view | calibration covers | held-out covers | median width (°) | before (°) |\n|---|---|---|---|---|---|"
    );
    for ((ex, v), reps) in &by {
        let part =
            |s: &str| -> Vec<&RepRow> { reps.iter().copied().filter(|r| r.set == s).collect() };
        let (c, h) = (part("calibration"), part("held-out"));
        println!(
            "| {ex} | {v} | {}/{} | {}/{} | {:.0} | {:.0} |",
            covered(&c),
            c.len(),
            covered(&h),
            h.len(),
            median_width(reps, false),
            median_width(reps, true)
        );
    }
}

/// With `HIPFLEX_CROSS_CHECK`: per set and view family, coverage and median width without
/// and with the cross-check, and the median |full − lite| peak difference.
fn print_cross_check(rows: &[(Exercise, &View, Set, Row)]) {
    println!(
        "\n| set | family | reps | covers without | covers with | median width without / with (°) | median abs(full - lite) (°) |\n|---|---|---|---|---|---|---|"
    );
    for set in ["calibration", "held-out"] {
        for fam in ["side", "oblique", "front", "rear"] {
            let reps: Vec<&RepRow> = rows
                .iter()
                .flat_map(|r| &r.3.reps)
                .filter(|r| r.family == fam && r.set == set && r.half_width_cross_deg.is_some())
                .collect();
            if reps.is_empty() {
                continue;
            }
            let with = reps
                .iter()
                .filter(|r| (r.peak_deg - r.truth_deg).abs() <= r.half_width_cross_deg.unwrap())
                .count();
            let w: Vec<f64> = reps
                .iter()
                .map(|r| 2.0 * r.half_width_cross_deg.unwrap())
                .collect();
            let d: Vec<f64> = reps.iter().filter_map(|r| r.cross_diff_deg).collect();
            println!(
                "| {set} | {fam} | {} | {} | {with} | {:.0} / {:.0} | {:.1} |",
                reps.len(),
                covered(&reps),
                median_width(&reps, false),
                pct(&w, 0.5),
                pct(&d, 0.5)
            );
        }
    }
}

/// Per set and view family: coverage and median width of the model against the same
/// model with the `sin` offset term for every angle (before the 2D term).
fn print_family_tables(rows: &[(Exercise, &View, Set, Row)]) {
    println!(
        "\n| set | family | reps | covers (sin for every angle) | covers | median width (sin for every angle) (°) | median width (°) |\n|---|---|---|---|---|---|---|"
    );
    for set in ["calibration", "held-out"] {
        for fam in ["side", "oblique", "front", "rear"] {
            let reps: Vec<&RepRow> = rows
                .iter()
                .flat_map(|r| &r.3.reps)
                .filter(|r| r.family == fam && r.set == set)
                .collect();
            if reps.is_empty() {
                continue;
            }
            let sin_covers = reps
                .iter()
                .filter(|r| (r.peak_deg - r.truth_deg).abs() <= r.half_width_sin_deg)
                .count();
            let w: Vec<f64> = reps.iter().map(|r| 2.0 * r.half_width_sin_deg).collect();
            println!(
                "| {set} | {fam} | {} | {sin_covers} | {} | {:.0} | {:.0} |",
                reps.len(),
                covered(&reps),
                pct(&w, 0.5),
                median_width(&reps, false)
            );
        }
    }
}

/// Held-out coverage per view family: (family, covered, reps, median width).
fn family_coverage(rows: &[(Exercise, &View, Set, Row)]) -> Vec<(&'static str, usize, usize, f64)> {
    ["side", "oblique", "front", "rear"]
        .iter()
        .filter_map(|fam| {
            let reps: Vec<&RepRow> = rows
                .iter()
                .flat_map(|r| &r.3.reps)
                .filter(|r| r.family == *fam && r.set == "held-out")
                .collect();
            (!reps.is_empty())
                .then(|| (*fam, covered(&reps), reps.len(), median_width(&reps, false)))
        })
        .collect()
}

#[test]
fn figure_from_every_camera_is_tracked_and_peak_intervals_cover_the_truth() {
    let all = std::env::var("HIPFLEX_VIEWS").is_ok_and(|v| v == "all");
    let dir = tempfile::tempdir().unwrap();
    let mut tracker = None;
    let mut rows = Vec::new();
    let cases = cases(all);
    let n_cal = cases.iter().filter(|c| c.2 == Set::Calibration).count();
    for (k, (ex, v, set)) in cases.into_iter().enumerate() {
        // `subset-both` keeps the default run's held-out clips (seeds) exactly.
        let seed_k = if subset_both() && set == Set::HeldOut {
            k - n_cal
        } else {
            k
        };
        let s = spec(ex, v, set, seed_k as u64);
        let t = track(&s, dir.path(), k, &mut tracker);
        let row = measure(ex, v, set, &t);
        eprintln!(
            "row {ex} {} {}: detected {}/{}; peak err/half {:?}",
            v.name,
            set.name(),
            row.detected,
            row.frames,
            row.reps
                .iter()
                .map(|r| ((r.peak_deg - r.truth_deg).abs().round(), r.half_width_deg))
                .collect::<Vec<_>>()
        );
        rows.push((ex, v, set, row));
    }
    if let Some(path) = std::env::var_os("HIPFLEX_UNC_DUMP") {
        let lines: Vec<String> = rows
            .iter()
            .flat_map(|r| &r.3.reps)
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }
    print_tables(&rows);
    print_family_tables(&rows);
    if cross_checking() {
        print_cross_check(&rows);
    }
    for (ex, v, _, r) in &rows {
        if *ex == Exercise::Bridge
            && matches!(v.name, "front" | "rear" | "45 front" | "45 rear")
            && all
        {
            // Known failure, not asserted: BlazePose loses the supine figure seen end-on (0
            // of 168-192 frames on bridge front, rear, 45° front (held-out) and 45° rear
            // (calibration; also the default subset's held-out seed), measured 2026-12-01).
            // The default subset asserts the bridge from the side and elevated 45° instead.
            eprintln!(
                "KNOWN FAILURE bridge {}: detected {}/{}",
                v.name, r.detected, r.frames
            );
            continue;
        }
        // Side views: every frame. Off the side the figure is lost on some frames (a bridge
        // at 45° loses 13 of 168, measured 2026-12-01): at least 85%.
        let need = if v.name == "side" { 1.0 } else { 0.85 };
        assert!(
            r.detected as f64 >= need * r.frames as f64,
            "{ex} {}: the figure must be found on {:.0}% of frames ({}/{})",
            v.name,
            100.0 * need,
            r.detected,
            r.frames
        );
    }
    let fams = family_coverage(&rows);
    for (fam, c, n, w) in &fams {
        println!("held-out {fam}: {c}/{n} reps covered, median width {w:.0}°");
    }
    assert!(!fams.is_empty(), "no held-out reps measured");
    for (fam, c, n, _) in &fams {
        assert!(
            *c as f64 >= 0.9 * *n as f64,
            "{fam} views: the interval must cover the truth for at least 90% of held-out reps: {c}/{n}"
        );
    }
}
