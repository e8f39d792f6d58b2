//! End to end on the bundled synthetic clips, whose truth is exact: the real model
//! on real decoded video, then the analysis and the phase-2 protocol, compared with
//! each clip's `.truth.json` (rep count, peak hip flexion, the flags the truth implies).

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

#[test]
fn sample_clips_match_their_ground_truth() {
    let dir = common::videos_dir();
    let protocol = Protocol::default_pht();
    let mut tracker =
        pipeline::tracker(&PoseOptions::default(), None).expect("run scripts/setup first");
    let mut clips: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    clips.sort();
    assert!(clips.len() >= 8, "the sample set is missing clips");
    let mut problems = Vec::new();
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
            if hip_truth < limit - ANGLE_TOL_DEG && flagged {
                problems.push(format!(
                    "{stem} rep {n}: {angle_flag} fired at a true {hip_truth}° (limit {limit}°)"
                ));
            }
            let ecc_truth = want["tempo"]["eccentric_s"].as_f64().unwrap();
            let fast = got.flags.iter().any(|f| f == "fast_eccentric");
            // Bridge reps start on the floor, so the truth's lowering belongs to the next
            // measured rep; hinges and Nordics line up one to one.
            if exercise == "deadlift" && ecc_truth <= 1.0 && !fast {
                problems.push(format!(
                    "{stem} rep {n}: a {ecc_truth} s lowering was not flagged fast_eccentric"
                ));
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
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
