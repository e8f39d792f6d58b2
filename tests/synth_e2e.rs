//! End to end on the bundled synthetic clips, whose truth is exact: the real model
//! on real decoded video, then the analysis and the phase-2 protocol, compared with
//! each clip's `.truth.json` (rep count, peak hip flexion, tempo per phase, the flags the
//! truth implies).

mod common;

use hipflex::analyze::{AnalyzeOptions, Provenance, analyze_frames};
use hipflex::exercise::AnalysisConfig;
use hipflex::pipeline;
use hipflex::pose::PoseOptions;
use hipflex::protocol::Protocol;
use hipflex::video::RotateMode;
use serde_json::Value;

/// Measurement error allowed on peak angles (the published 2D error band).
const ANGLE_TOL_DEG: f64 = 10.0;

/// Error allowed on each tempo phase of the bundled clips, seconds (issue #3's acceptance
/// figure). The largest error measured is 0.16 s; 81 of the 85 phases are within 0.15 s.
const TEMPO_TOL_S: f64 = 0.25;

/// Error allowed on each tempo phase of the clips made afresh by
/// [`unseen_synthetic_clips_match_their_ground_truth`], seconds: a check that the tempo
/// rule carries over to tempos, frame rates and poses other than the bundled clips'. The
/// largest errors measured are 0.44 s: a bridge whose measured angle drifts 2° while
/// resting on the floor (the floor pause reads long), and slow 3-1-2-1 bridges and 40°
/// deadlifts, where 1° of model error near a turning point is 0.2-0.3 s of a slowly eased
/// movement; 85 of the 114 phases are within 0.15 s, 106 within 0.25 s.
const UNSEEN_TEMPO_TOL_S: f64 = 0.5;

/// A truth phase (movement or pause) with its kind and times; the lead-in and lead-out
/// are rests that run into the clip's start and end.
struct TruthPhase {
    kind: String,
    start_s: f64,
    end_s: f64,
}

fn truth_phases(truth: &Value) -> Vec<TruthPhase> {
    let reps = truth["reps"].as_array().unwrap();
    let f = |v: &Value| v.as_f64().unwrap();
    let mut out = vec![TruthPhase {
        kind: "lead_in".into(),
        start_s: 0.0,
        end_s: f(&reps[0]["start_s"]),
    }];
    for r in reps {
        for p in r["phases"].as_array().unwrap() {
            out.push(TruthPhase {
                kind: p["kind"].as_str().unwrap().into(),
                start_s: f(&p["start_s"]),
                end_s: f(&p["end_s"]),
            });
        }
    }
    out.push(TruthPhase {
        kind: "lead_out".into(),
        start_s: f(&reps[reps.len() - 1]["end_s"]),
        end_s: f(&truth["video"]["duration_s"]),
    });
    out
}

/// The truth phases a measured rep's tempo compares with, as (name, measured, truth):
/// the rep's bottom lies in a truth bottom pause (or in the lead-in, a bridge resting on
/// the floor); its eccentric is the movement before, its concentric and top pause the
/// phases after. Pauses that run into the lead-in or lead-out are left out (the
/// measured pause includes the rest).
fn tempo_pairs(
    rep: &hipflex::report::RepOut,
    phases: &[TruthPhase],
) -> Vec<(&'static str, f64, f64)> {
    let Some(k) = phases.iter().position(|p| {
        matches!(p.kind.as_str(), "bottom_pause" | "lead_in" | "lead_out")
            && rep.bottom_s >= p.start_s - 0.4
            && rep.bottom_s <= p.end_s + 0.4
    }) else {
        return Vec::new();
    };
    let rest = |i: usize| phases.get(i).is_none_or(|p| p.kind.starts_with("lead"));
    let dur = |i: usize| phases[i].end_s - phases[i].start_s;
    let mut out = Vec::new();
    let mut add = |name, got: Option<f64>, i: Option<usize>, want_kind: &str| {
        if let (Some(g), Some(i)) = (got, i)
            && phases.get(i).is_some_and(|p| p.kind == want_kind)
        {
            out.push((name, g, dur(i)));
        }
    };
    if phases[k].kind == "bottom_pause" && !rest(k - 1) && !rest(k + 1) {
        add("bottom pause", rep.bottom_pause_s, Some(k), "bottom_pause");
    }
    add("eccentric", rep.eccentric_s, k.checked_sub(1), "eccentric");
    add("concentric", rep.concentric_s, Some(k + 1), "concentric");
    if !rest(k + 3) {
        add("top pause", rep.top_pause_s, Some(k + 2), "top_pause");
    }
    out
}

/// Runs the real model on every clip in `dir` and compares the analysis with each clip's
/// truth: class, rep count, peak hip flexion, every tempo phase (within `tempo_tol`) and
/// the flags the truth implies. Prints every tempo error; panics listing the problems.
fn check_clips_against_truth(dir: &std::path::Path, min_clips: usize, tempo_tol: f64) {
    let protocol = Protocol::default_pht();
    let mut tracker =
        pipeline::tracker(&PoseOptions::default(), None).expect("run scripts/setup first");
    let mut clips: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    clips.sort();
    assert!(
        clips.len() >= min_clips,
        "clips are missing from {}",
        dir.display()
    );
    let mut problems = Vec::new();
    let mut worst: Vec<(String, f64)> = Vec::new();
    let mut errors: Vec<f64> = Vec::new();
    for clip in clips {
        let stem = clip.file_stem().unwrap().to_string_lossy().to_string();
        let truth: Value = serde_json::from_str(
            &std::fs::read_to_string(clip.with_extension("truth.json")).unwrap(),
        )
        .unwrap();
        let mut frames = Vec::new();
        let s = pipeline::track_video(&clip, RotateMode::Auto, &mut tracker, |f, _| {
            frames.push(f.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(
            s.frames_with_person, s.frames,
            "{stem}: the figure must be found on every frame"
        );
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
            exercise: None,
        };
        let (report, _) = analyze_frames(&prov, &frames, &opts).unwrap();
        let exercise = truth["spec"]["exercise"].as_str().unwrap().to_string();
        if report.exercise.exercise.name() != exercise {
            problems.push(format!(
                "{stem}: classified {} (truth {exercise})",
                report.exercise.exercise
            ));
        }
        let want_reps = truth["rep_count"].as_u64().unwrap() as usize;
        if report.summary.reps_counted != want_reps {
            problems.push(format!(
                "{stem}: {} reps counted (truth {want_reps})",
                report.summary.reps_counted
            ));
        }
        let cap = report.protocol.cap_deg.unwrap();
        let band = report.protocol.amber_band_deg.unwrap();
        let counted: Vec<_> = report.reps.iter().filter(|r| r.counted).collect();
        let truth_reps: Vec<&Value> = truth["reps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["complete"].as_bool().unwrap_or(false))
            .collect();
        for (k, (got, want)) in counted.iter().zip(&truth_reps).enumerate() {
            let n = k + 1;
            // Nordics: the driving signal is the knee; the hip check is the pike.
            let hip_truth = want["peak_hip_deg"].as_f64().unwrap();
            if let Some(h) = got.peak_hip_flexion_deg
                && (h - hip_truth).abs() > ANGLE_TOL_DEG
            {
                problems.push(format!(
                    "{stem} rep {n}: peak hip {h:.1}° vs truth {hip_truth:.1}°"
                ));
            }
            let angle_flag = if exercise == "nordic" {
                "nordic_hip_pike"
            } else {
                "early_compression"
            };
            let limit = if exercise == "nordic" { 20.0 } else { cap };
            let flagged = got.flags.iter().any(|f| f == angle_flag);
            if hip_truth > limit + band && !flagged {
                problems.push(format!("{stem} rep {n}: {hip_truth}° is beyond {limit}° + {band}° but {angle_flag} did not fire"));
            }
            // A rep whose stated interval straddles the limit is amber by design (issue 9):
            // that is right when the truth is inside the interval; a confident flag below
            // the limit, or an interval that misses the truth, is not.
            let interval = got
                .peak_hip_flexion_deg
                .zip(got.peak_hip_flexion_uncertainty_deg);
            let honest_straddle = interval.is_some_and(|(p, h)| {
                p - h <= limit && limit < p + h && (p - h..=p + h).contains(&hip_truth)
            });
            if hip_truth < limit - ANGLE_TOL_DEG && flagged && !honest_straddle {
                problems.push(format!(
                    "{stem} rep {n}: {angle_flag} fired at a true {hip_truth}° (limit {limit}°; measured {interval:?} as (peak, ±))"
                ));
            }
        }
        // Tempo: every phase against the truth phase it measures (bridge reps start on
        // the floor, so a measured bridge rep's lowering is the truth's previous rep's),
        // and the tempo flags the truth implies. A truth within the tolerance of a
        // protocol limit may go either way.
        let phases = truth_phases(&truth);
        let rules = protocol.rules(2, report.exercise.exercise).unwrap();
        for got in &counted {
            let n = got.number.unwrap_or(0);
            for (name, g, w) in tempo_pairs(got, &phases) {
                let err = g - w;
                errors.push(err);
                if let Some(x) = worst.iter_mut().find(|x| x.0 == name) {
                    x.1 = x.1.max(err.abs());
                } else {
                    worst.push((name.to_string(), err.abs()));
                }
                eprintln!("{stem} rep {n}: {name} {g:.2} s (truth {w} s, {err:+.2})");
                if err.abs() > tempo_tol {
                    problems.push(format!("{stem} rep {n}: {name} {g:.2} s vs truth {w} s"));
                }
                let (flag, limit, below) = match name {
                    "eccentric" => ("fast_eccentric", rules.eccentric_min_s, true),
                    "concentric" => ("fast_concentric", rules.concentric_min_s, true),
                    "bottom pause" => ("long_pause", rules.max_bottom_pause_s, false),
                    _ => continue,
                };
                let Some(limit) = limit else { continue };
                let flagged = got.flags.iter().any(|f| f == flag);
                let should = if below { w < limit } else { w > limit };
                if (w - limit).abs() > tempo_tol && flagged != should {
                    problems.push(format!(
                        "{stem} rep {n}: {name} truth {w} s, limit {limit} s, {flag} {}",
                        if flagged { "fired" } else { "did not fire" }
                    ));
                }
            }
        }
        eprintln!(
            "{stem}: {} {} reps, peaks {:?}, flags {:?}",
            report.exercise.exercise,
            report.summary.reps_counted,
            counted
                .iter()
                .map(|r| r.peak_hip_flexion_deg.map(|h| h.round()))
                .collect::<Vec<_>>(),
            report
                .flags
                .iter()
                .map(|f| format!("{}:{}", f.code, f.severity))
                .collect::<Vec<_>>()
        );
    }
    eprintln!("largest tempo errors (s): {worst:?}");
    let within = |x: f64| errors.iter().filter(|e| e.abs() <= x).count();
    eprintln!(
        "tempo phases within 0.15 s: {} of {n}, within 0.25 s: {} of {n}",
        within(0.15),
        within(0.25),
        n = errors.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn sample_clips_match_their_ground_truth() {
    check_clips_against_truth(&common::videos_dir(), 8, TEMPO_TOL_S);
}

/// Clips other than the bundled ones, made afresh by `hipflex synth`: other tempos (slow,
/// fast, no pauses, long holds), 25 and 60 fps, facing left, a bridge top in extension
/// (-10°), a shallow Nordic, other seeds (colours, background, noise).
#[test]
fn unseen_synthetic_clips_match_their_ground_truth() {
    // `hipflex synth` arguments, one clip a line.
    let specs = [
        "--exercise bridge --reps 3 --tempo 2-1-2-1 --peak-hip 45 --seed 11",
        "--exercise bridge --reps 4 --tempo 3-0.5-1.5-2 --peak-hip 35 --top-hip -10 --facing left --seed 12",
        "--exercise deadlift --reps 3 --tempo 3-1-2-1 --peak-hip 70 --seed 13",
        "--exercise deadlift --reps 3 --tempo 1-0-1-0 --peak-hip 60 --seed 14",
        "--exercise nordic --reps 3 --tempo 3-1-2-1 --seed 15",
        "--exercise nordic --reps 3 --tempo 1.5-0-1.5-1 --knee-bottom 40 --seed 16",
        "--exercise deadlift --reps 4 --tempo 2.5-0.5-1.5-1 --peak-hip 50 --knee-bottom 25 --fps 60 --seed 17",
        "--exercise bridge --reps 3 --tempo 1-0.3-1-0.3 --peak-hip 50 --fps 25 --seed 18",
        "--exercise bridge --reps 3 --tempo 3-1-2-1 --seed 21",
        "--exercise deadlift --reps 3 --tempo 3-1-2-1 --peak-hip 40 --knee-bottom 15 --seed 22",
    ];
    let tmp = tempfile::tempdir().unwrap();
    let children: Vec<_> = specs
        .iter()
        .enumerate()
        .map(|(k, args)| {
            let out = tmp.path().join(format!("unseen_{k}.mp4"));
            std::process::Command::new(common::hipflex_bin())
                .arg("synth")
                .args(args.split_whitespace())
                .arg("-o")
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "hipflex synth failed");
    }
    check_clips_against_truth(tmp.path(), specs.len(), UNSEEN_TEMPO_TOL_S);
}
