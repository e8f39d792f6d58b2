//! `--cross-check` (issue 9): each rep's peak loaded hip flexion measured again on a second
//! model size's landmarks of the same frames and fed to the interval.
//!
//! - the feeding, on synthetic figures whose "second model" landmarks are known (the same
//!   figure, or one hinging further): identical landmarks change nothing, a small
//!   disagreement widens the interval, one beyond the interval makes the rep uncertain and
//!   its flags amber;
//! - end to end: `hipflex analyze --cross-check` on a bundled clip runs both model sizes in
//!   one pass and reports both peaks (report.json, reps.csv, terminal), with the interval
//!   holding the disagreement.

mod analysis_support;
mod common;

use analysis_support::{Body, Render, clip};
use assert_cmd::Command;
use hipflex::analyze::{AnalyzeOptions, analyze_frames, analyze_frames_cross_checked};
use hipflex::exercise::{AnalysisConfig, analyze_landmarks, analyze_landmarks_cross_checked};
use hipflex::models::ModelSize;
use hipflex::pose::tracker::CROSS_CHECK_LANDMARKS;
use hipflex::pose::{CrossCheckPose, CrossCheckTrack, PoseFrame};

/// Hinges to `peak`° at 30 fps: two reps of 3 s.
fn hinges(peak: f64) -> Vec<PoseFrame> {
    let r = Render {
        facing: 1.0,
        ..Default::default()
    };
    clip(30.0, 7.0, &r, |t| {
        let hip = if !(0.5..=6.5).contains(&t) {
            0.0
        } else {
            0.5 * peak * (1.0 - (std::f64::consts::TAU * (t - 0.5) / 3.0).cos())
        };
        Body::standing(hip, 5.0, 15.0)
    })
}

/// The landmarks of `frames` as a second model would report them.
fn track(frames: &[PoseFrame]) -> CrossCheckTrack {
    let poses = frames
        .iter()
        .filter_map(|f| {
            let p = f.pose.as_ref()?;
            Some(CrossCheckPose {
                timestamp_s: f.timestamp_s,
                score: p.score,
                image: CROSS_CHECK_LANDMARKS.map(|i| p.image[i]),
                world: CROSS_CHECK_LANDMARKS.map(|i| p.world[i]),
            })
        })
        .collect();
    CrossCheckTrack {
        model: ModelSize::Lite,
        poses,
    }
}

fn cfg() -> AnalysisConfig {
    AnalysisConfig::default()
}

#[test]
fn identical_landmarks_leave_the_interval_and_the_verdict_alone() {
    let frames = hinges(60.0);
    let plain = analyze_landmarks(&frames, Some(30.0), &cfg(), None).unwrap();
    let cross = track(&frames);
    let a =
        analyze_landmarks_cross_checked(&frames, Some(&cross), Some(30.0), &cfg(), None).unwrap();
    assert_eq!(a.rep_count, 2);
    for (p, c) in plain.reps.iter().zip(&a.reps) {
        let peak = c.loaded_peak().unwrap().0;
        let other = c.peak_loaded_hip_flexion_cross_check_deg.unwrap();
        assert!((peak - other).abs() < 0.1, "{peak} vs {other}");
        assert_eq!(
            p.peak_hip_flexion_uncertainty_deg,
            c.peak_hip_flexion_uncertainty_deg
        );
        assert_eq!(p.uncertain_reasons, c.uncertain_reasons);
        assert!(p.peak_loaded_hip_flexion_cross_check_deg.is_none());
    }
}

#[test]
fn a_disagreement_widens_the_interval_and_one_beyond_it_makes_the_rep_uncertain() {
    let frames = hinges(60.0);
    let plain = analyze_landmarks(&frames, Some(30.0), &cfg(), None).unwrap();
    let coeff = cfg().uncertainty.cross_check;
    for (other_peak, beyond) in [(66.0, false), (95.0, true)] {
        // Some frames the second model did not return: the rest still measure the peak.
        let mut cross = track(&hinges(other_peak));
        cross
            .poses
            .retain(|p| (p.timestamp_s * 30.0).round() as i64 % 7 != 3);
        let a = analyze_landmarks_cross_checked(&frames, Some(&cross), Some(30.0), &cfg(), None)
            .unwrap();
        assert_eq!(a.rep_count, 2, "the primary reps do not change");
        for (p, c) in plain.reps.iter().zip(a.counted_reps()) {
            let peak = c.loaded_peak().unwrap().0;
            let other = c.peak_loaded_hip_flexion_cross_check_deg.unwrap();
            let d = (other - peak).abs();
            assert!(
                (d - (other_peak - 60.0)).abs() < 2.0,
                "second peak {other} for a {other_peak}° figure (primary {peak})"
            );
            let (h0, h) = (
                p.peak_hip_flexion_uncertainty_deg.unwrap(),
                c.peak_hip_flexion_uncertainty_deg.unwrap(),
            );
            assert!(h > h0 && h >= coeff * d - 0.05, "{h0} -> {h} for {d}");
            let said = c
                .uncertain_reasons
                .iter()
                .any(|r| r.contains("lite model puts the peak"));
            assert_eq!(said, beyond, "{d}° apart, ±{h}: {:?}", c.uncertain_reasons);
            assert_eq!(c.uncertain, beyond || p.uncertain);
        }
    }
}

#[test]
fn a_rep_the_models_disagree_on_is_never_a_confident_colour() {
    let frames = hinges(60.0);
    let cross = track(&hinges(95.0));
    let prov = common::synthetic_provenance("hinge.mp4", 640, 480, frames.len());
    let (protocol, protocol_source) = hipflex::analyze::load_protocol(None).unwrap();
    let opts = AnalyzeOptions {
        phase: 3,
        protocol,
        protocol_source,
        config: cfg(),
        exercise: None,
    };
    let (plain, _) = analyze_frames(&prov, &frames, &opts).unwrap();
    let (report, _) = analyze_frames_cross_checked(&prov, &frames, Some(&cross), &opts).unwrap();
    assert_eq!(report.clip.cross_check_model.as_deref(), Some("lite"));
    assert!(plain.clip.cross_check_model.is_none());
    for r in report.reps.iter().filter(|r| r.counted) {
        assert!(r.uncertain, "{r:?}");
        assert_eq!(r.severity, "amber", "{r:?}");
        assert!(r.peak_loaded_hip_flexion_cross_check_deg.is_some());
    }
    let said = report
        .flags
        .iter()
        .filter(|f| f.message.contains("lite model puts the peak"))
        .count();
    assert_eq!(said, 2, "{:#?}", report.flags);
    assert!(report.flags.iter().all(|f| f.severity != "red"));
    let json = serde_json::to_value(&plain).unwrap();
    assert!(
        json["reps"][0]
            .get("peak_loaded_hip_flexion_cross_check_deg")
            .is_none(),
        "without --cross-check the field is left out"
    );
}

fn read_json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The real model on a bundled clip: both sizes in one pass, both peaks reported, the
/// interval holding the disagreement, the primary measurement unchanged.
#[test]
fn analyze_cross_check_reports_both_peaks_on_a_bundled_clip() {
    let video = common::videos_dir().join("nordic_hip_pike.mp4");
    let tmp = tempfile::tempdir().unwrap();
    let (with, without) = (tmp.path().join("with"), tmp.path().join("without"));
    let run = |out: &std::path::Path, cross: bool| {
        let mut c = Command::cargo_bin("hipflex").unwrap();
        c.arg("analyze")
            .arg(&video)
            .args(["--phase", "3", "--no-video", "--no-db", "--out"])
            .arg(out);
        if cross {
            c.arg("--cross-check");
        }
        let a = c.assert().success();
        String::from_utf8_lossy(&a.get_output().stdout).into_owned()
    };
    let stdout = run(&with, true);
    run(&without, false);
    assert!(
        stdout.contains("Cross-check, peak loaded hip flexion full / lite model: rep 1:"),
        "{stdout}"
    );
    let (r, p) = (
        read_json(&with.join("report.json")),
        read_json(&without.join("report.json")),
    );
    assert_eq!(r["clip"]["cross_check_model"], "lite");
    assert!(p["clip"].get("cross_check_model").is_none());
    let coeff = AnalysisConfig::default().uncertainty.cross_check;
    let reps = r["reps"].as_array().unwrap();
    assert_eq!(reps.len(), p["reps"].as_array().unwrap().len());
    assert!(reps.iter().any(|x| x["counted"] == true));
    let csv = std::fs::read_to_string(with.join("reps.csv")).unwrap();
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "peak_loaded_hip_flexion_cross_check_deg")
        .expect("reps.csv column");
    for (x, plain) in reps.iter().zip(p["reps"].as_array().unwrap()) {
        let row: Vec<&str> = rows.next().unwrap().split(',').collect();
        if x["counted"] != true {
            continue;
        }
        let peak = x["peak_loaded_hip_flexion_deg"].as_f64().unwrap();
        let other = x["peak_loaded_hip_flexion_cross_check_deg"]
            .as_f64()
            .unwrap();
        assert_eq!(peak, plain["peak_loaded_hip_flexion_deg"].as_f64().unwrap());
        assert!(
            (row[col].parse::<f64>().unwrap() - other).abs() < 0.01,
            "{row:?}"
        );
        let h = x["peak_hip_flexion_uncertainty_deg"].as_f64().unwrap();
        let h0 = plain["peak_hip_flexion_uncertainty_deg"].as_f64().unwrap();
        let d = (peak - other).abs();
        assert!(
            h >= h0 && h >= coeff * d - 0.05,
            "±{h0} -> ±{h}, {d}° apart"
        );
        let said = x["uncertain_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("lite model puts the peak"));
        assert_eq!(said, d > h, "{x}");
        if d > h {
            assert_ne!(x["severity"], "green");
            assert_ne!(x["severity"], "red");
        }
        println!(
            "rep {}: full {peak:.1}°, lite {other:.1}°, ±{h0} -> ±{h}",
            x["number"]
        );
    }
}
