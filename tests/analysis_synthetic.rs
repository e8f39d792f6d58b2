//! End-to-end analysis on synthetic stick figures with known angles and tempo.

mod analysis_support;

use analysis_support::*;
use hipflex::common::Exercise;
use hipflex::exercise::{AnalysisConfig, Phase, analyze_landmarks};
use hipflex::kinematics::{self, KinematicsParams};
use hipflex::pose::PoseFrame;

fn cfg() -> AnalysisConfig {
    AnalysisConfig::default()
}

fn facings() -> [Render; 2] {
    [
        Render {
            facing: 1.0,
            ..Default::default()
        },
        Render {
            facing: -1.0,
            ..Default::default()
        },
    ]
}

#[test]
fn angles_exact_on_clean_data_both_facings() {
    let bodies = [
        Body::standing(0.0, 0.0, 5.0),
        Body::standing(60.0, 10.0, 20.0),
        Body::standing(-10.0, -5.0, 5.0),
        Body::standing(110.0, 40.0, 60.0),
        Body::bridge(45.0, 0.0, 100.0),
        Body::bridge(-10.0, 25.0, 80.0),
        Body::bridge(5.0, 20.0, 70.0),
        Body::nordic(90.0, 0.0),
        Body::nordic(40.0, 20.0),
    ];
    for r in facings() {
        let frames: Vec<PoseFrame> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| PoseFrame {
                index: i as u64,
                timestamp_s: i as f64 * 2.0, // far apart: facing evidence not smoothed across
                pose: Some(pose(b, &r)),
            })
            .collect();
        let t: Vec<f64> = frames.iter().map(|f| f.timestamp_s).collect();
        let k = kinematics::compute(&frames, &t, &KinematicsParams::default());
        for (b, k) in bodies.iter().zip(&k) {
            let h2 = k.hip_flexion_2d.unwrap();
            let h3 = k.hip_flexion_3d.unwrap();
            assert!(
                (h2 - b.hip()).abs() < 1e-3,
                "facing {} {b:?}: 2D {h2}",
                r.facing
            );
            assert!(
                (h3 - b.hip()).abs() < 1e-3,
                "facing {} {b:?}: 3D {h3}",
                r.facing
            );
            assert!((k.knee_flexion_2d.unwrap() - b.knee).abs() < 1e-3);
            assert!((k.knee_flexion_3d.unwrap() - b.knee).abs() < 1e-3);
            assert_eq!(k.side, Some(hipflex::kinematics::Side::Left));
            assert!(!k.low_confidence);
        }
    }
}

/// Hinge set: (duration, hip flexion) segments with a known tempo.
fn hinge_segments(
    reps: usize,
    ecc: f64,
    bot: f64,
    con: f64,
    top: f64,
    depth: f64,
) -> Vec<(f64, f64)> {
    let mut s = vec![(1.0, 0.0)];
    for _ in 0..reps {
        s.extend([(ecc, depth), (bot, depth), (con, 0.0), (top, 0.0)]);
    }
    s
}

#[test]
fn deadlift_reps_and_tempo_exact_both_facings() {
    let segs = hinge_segments(3, 2.0, 0.5, 1.5, 1.0, 80.0);
    let dur = total(&segs);
    for r in facings() {
        let frames = clip(30.0, dur, &r, |t| {
            Body::standing(piecewise(0.0, &segs, t), 5.0, 15.0)
        });
        let a = analyze_landmarks(&frames, Some(30.0), &cfg(), None).unwrap();
        assert_eq!(
            a.classification.exercise,
            Exercise::Deadlift,
            "{:?}",
            a.classification.reasons
        );
        assert_eq!(a.rep_count, 3, "facing {}", r.facing);
        assert_eq!(a.angle_source, "2d");
        let frame = 1.0 / 30.0 + 1e-9;
        for (i, rep) in a.counted_reps().enumerate() {
            if i > 0 {
                assert!(
                    (rep.eccentric_s.unwrap() - 2.0).abs() <= frame,
                    "{}",
                    rep.tempo
                );
            }
            assert!(
                (rep.bottom_pause_s.unwrap() - 0.5).abs() <= frame,
                "{}",
                rep.tempo
            );
            assert!(
                (rep.concentric_s.unwrap() - 1.5).abs() <= frame,
                "{}",
                rep.tempo
            );
            if i < 2 {
                assert!(
                    (rep.top_pause_s.unwrap() - 1.0).abs() <= frame,
                    "{}",
                    rep.tempo
                );
            }
            assert!((rep.peak_hip_flexion_deg.unwrap() - 80.0).abs() < 1.0);
            assert!((rep.peak_hip_flexion_3d_deg.unwrap() - 80.0).abs() < 1.0);
            assert!((rep.peak_knee_flexion_deg.unwrap() - 15.0).abs() < 0.5);
            assert!((rep.range_of_motion_deg - 80.0).abs() < 1.5);
            // Phase labels agree with the tempo.
            let bottom = a
                .frames
                .iter()
                .filter(|f| {
                    f.rep == Some(a.reps.iter().position(|x| x == rep).unwrap())
                        && f.phase == Some(Phase::BottomPause)
                })
                .count();
            assert!((bottom as f64 / 30.0 - 0.5).abs() <= 2.0 * frame);
        }
        // Time above a cap: 80 deg peak, ramps of 2 s and 1.5 s, pause 0.5 s: above 40 deg
        // for 1 + 0.5 + 0.75 s.
        let rep = a.counted_reps().nth(1).unwrap();
        assert!(
            (rep.time_above(40.0) - 2.25).abs() < 0.05,
            "{}",
            rep.time_above(40.0)
        );
    }
}

#[test]
fn bridge_with_setup_partial_and_pause() {
    // Setup: small wiggle, then 3 full reps (lower-and-lift from a raised start is not the
    // case: starts at the bottom), one partial lift in the middle, a 3 s top hold.
    let segs = vec![
        (0.8, 50.0),
        (0.4, 44.0), // setup wiggle
        (0.4, 50.0),
        (1.0, 50.0),
        (1.5, 0.0), // lift 1
        (1.0, 0.0),
        (2.0, 50.0),
        (0.5, 50.0),
        (1.5, 0.0), // lift 2
        (3.5, 0.0), // top hold
        (2.0, 50.0),
        (0.5, 50.0),
        (0.8, 35.0), // partial lift (30% of range)
        (0.8, 50.0),
        (0.5, 50.0),
        (1.5, 0.0), // lift 3
        (1.0, 0.0),
        (1.2, 30.0), // clip ends during the lowering
    ];
    let dur = total(&segs);
    for r in facings() {
        let frames = clip(30.0, dur, &r, |t| {
            Body::bridge(piecewise(50.0, &segs, t), 0.0, 90.0)
        });
        let a = analyze_landmarks(&frames, None, &cfg(), None).unwrap();
        assert_eq!(
            a.classification.exercise,
            Exercise::Bridge,
            "{:?}",
            a.classification.reasons
        );
        assert_eq!(
            a.rep_count,
            3,
            "facing {}: {:?}",
            r.facing,
            a.reps
                .iter()
                .map(|r| (r.counted, r.tempo.to_string()))
                .collect::<Vec<_>>()
        );
        assert!(a.reps.iter().any(|r| !r.counted), "partial rep reported");
        let second = a.counted_reps().nth(1).unwrap();
        assert!(
            (second.top_pause_s.unwrap() - 3.5).abs() < 0.07,
            "{}",
            second.tempo
        );
        assert!((second.concentric_s.unwrap() - 1.5).abs() < 0.07);
        let hold = a.holds.iter().find(|h| h.loaded).expect("top hold found");
        assert!((hold.duration_s - 3.5).abs() < 0.3, "{hold:?}");
        assert!(hold.hip_drift_deg.unwrap().abs() < 1.0);
        // Pelvis resting on the floor is unloaded.
        assert!(!a.frames.get(0).unwrap().loaded);
        assert!(a.frames.iter().any(|f| f.loaded));
    }
}

/// A deadlift from the floor after 4 s of setting up at the bottom, ending at the top: the
/// setup and the final stand run into the clip's start and end, so they are not timed as
/// pauses (a long setup must not read as a long pause in the bottom position).
#[test]
fn pauses_at_the_clip_edges_are_not_timed() {
    let segs = [
        (4.0, 80.0),
        (1.5, 0.0),
        (1.0, 0.0),
        (2.0, 80.0),
        (0.5, 80.0),
        (1.5, 0.0),
        (2.0, 0.0),
    ];
    let dur = total(&segs);
    let r = Render::default();
    let frames = clip(30.0, dur, &r, |t| {
        Body::standing(piecewise(80.0, &segs, t), 5.0, 15.0)
    });
    let a = analyze_landmarks(&frames, Some(30.0), &cfg(), None).unwrap();
    assert_eq!(a.rep_count, 2);
    let reps: Vec<_> = a.counted_reps().collect();
    let frame = 1.0 / 30.0 + 1e-9;
    assert_eq!(reps[0].eccentric_s, None, "{}", reps[0].tempo);
    assert_eq!(reps[0].bottom_pause_s, None, "{}", reps[0].tempo);
    assert!(
        (reps[0].top_pause_s.unwrap() - 1.0).abs() <= frame,
        "{}",
        reps[0].tempo
    );
    assert!(
        (reps[1].bottom_pause_s.unwrap() - 0.5).abs() <= frame,
        "{}",
        reps[1].tempo
    );
    assert_eq!(reps[1].top_pause_s, None, "{}", reps[1].tempo);
}

#[test]
fn noisy_dropouts_and_variable_frame_rate() {
    let segs = hinge_segments(4, 1.5, 0.3, 1.5, 0.8, 70.0);
    let dur = total(&segs);
    let r = Render::default();
    let mut frames = clip(30.0, dur, &r, |t| {
        Body::standing(piecewise(0.0, &segs, t), 5.0, 10.0)
    });
    // Variable frame rate: jitter the timestamps and re-render at them.
    let mut rng = Lcg(7);
    let mut t = 0.0;
    for f in frames.iter_mut() {
        f.timestamp_s = t;
        f.pose = Some(pose(
            &Body::standing(piecewise(0.0, &segs, t), 5.0, 10.0),
            &r,
        ));
        t += (1.0 + 0.45 * rng.next()) / 30.0;
    }
    add_noise(&mut frames, 2.0, 3, r.scale);
    // Short dropouts (under 0.3 s) and a spike.
    for k in [40, 41, 42, 100, 101, 160] {
        frames[k].pose = None;
    }
    if let Some(p) = frames[70].pose.as_mut() {
        p.image[hipflex::pose::idx::LEFT_KNEE].x += 120.0;
    }
    let a = analyze_landmarks(&frames, Some(30.0), &cfg(), None).unwrap();
    assert!(a.variable_frame_rate);
    assert_eq!(a.rep_count, 4);
    for rep in a.counted_reps().skip(1) {
        assert!(
            (rep.eccentric_s.unwrap() - 1.5).abs() < 0.1,
            "{}",
            rep.tempo
        );
        assert!(
            (rep.concentric_s.unwrap() - 1.5).abs() < 0.1,
            "{}",
            rep.tempo
        );
        assert!((rep.peak_hip_flexion_deg.unwrap() - 70.0).abs() < 3.0);
    }
    assert!(a.frames.get(41).unwrap().filled);
    assert!(a.frames.get(41).unwrap().hip_flexion.is_some());
    assert!(
        a.frames.get(70).unwrap().outlier
            || (a.frames.get(70).unwrap().hip_flexion.unwrap()
                - a.frames.get(69).unwrap().hip_flexion.unwrap())
            .abs()
                < 5.0
    );
}

#[test]
fn long_gap_at_turning_point_is_uncertain_and_unfilled() {
    let segs = hinge_segments(3, 2.0, 0.2, 2.0, 1.0, 80.0);
    let dur = total(&segs);
    let r = Render::default();
    let mut frames = clip(30.0, dur, &r, |t| {
        Body::standing(piecewise(0.0, &segs, t), 5.0, 10.0)
    });
    // Bottom of rep 2 at t = 1 + 5.2 + 2 = 8.2 .. 8.4 s; drop 0.6 s around it.
    for f in frames.iter_mut() {
        if (f.timestamp_s - 8.3).abs() < 0.3 {
            f.pose = None;
        }
    }
    let a = analyze_landmarks(&frames, Some(30.0), &cfg(), None).unwrap();
    let gap: Vec<_> = a
        .frames
        .iter()
        .filter(|f| (f.t - 8.3).abs() < 0.25)
        .collect();
    assert!(
        gap.iter().all(|f| f.hip_flexion.is_none()),
        "long gap stays a gap"
    );
    assert_eq!(a.rep_count, 3);
    let rep2 = a.counted_reps().nth(1).unwrap();
    assert!(rep2.uncertain, "{:?}", rep2.uncertain_reasons);
    assert!(rep2.uncertain_reasons.iter().any(|s| s.contains("gap")));
    assert!(
        !a.counted_reps()
            .nth(2)
            .unwrap()
            .uncertain_reasons
            .iter()
            .any(|s| s.contains("gap"))
    );
}

#[test]
fn clip_end_rules() {
    // Starts at the bottom (conventional deadlift from the floor), lift, lower, lift, then a
    // lowering cut off by the clip end: 2 reps; the trailing lowering is a partial rep.
    let segs = vec![
        (0.5, 90.0),
        (1.5, 0.0),
        (0.8, 0.0),
        (1.8, 90.0),
        (0.3, 90.0),
        (1.5, 0.0),
        (0.6, 0.0),
        (1.0, 60.0),
    ];
    let r = Render::default();
    let frames = clip(30.0, total(&segs), &r, |t| {
        Body::standing(piecewise(90.0, &segs, t), 10.0, 20.0)
    });
    let a = analyze_landmarks(&frames, None, &cfg(), Some(Exercise::Deadlift)).unwrap();
    assert_eq!(a.rep_count, 2);
    assert!(a.classification.overridden);
    let first = a.counted_reps().next().unwrap();
    assert!(first.eccentric_s.is_none());
    // Resting at the bottom is the normal start of the set, not a cut-off rep.
    assert!(
        !first
            .uncertain_reasons
            .iter()
            .any(|s| s.contains("starts mid-rep"))
    );
    let last = a.reps.last().unwrap();
    assert!(!last.counted);

    // A clip that starts while the person is already lowering: that rep is uncertain.
    let segs = vec![
        (1.0, 90.0),
        (1.5, 0.0),
        (0.8, 0.0),
        (1.8, 90.0),
        (0.3, 90.0),
        (1.5, 0.0),
        (0.6, 0.0),
    ];
    let frames = clip(30.0, total(&segs), &r, |t| {
        Body::standing(piecewise(30.0, &segs, t), 10.0, 20.0)
    });
    let a = analyze_landmarks(&frames, None, &cfg(), Some(Exercise::Deadlift)).unwrap();
    let first = a.reps.first().unwrap();
    assert!(
        first
            .uncertain_reasons
            .iter()
            .any(|s| s.contains("starts mid-rep")),
        "{:?}",
        first.uncertain_reasons
    );
}

#[test]
fn nordic_lowering_and_break_point() {
    // Upright kneeling (knee 90) for 1 s; slow controlled start at 5 deg/s for 2 s (to 80),
    // then a 1 s fall to 10 deg; 1 s at the floor; push back up in 1.5 s; 1 s rest. x2.
    let one = [
        (2.0, 80.0),
        (1.0, 10.0),
        (1.0, 10.0),
        (1.5, 90.0),
        (1.0, 90.0),
    ];
    let mut segs = vec![(1.0, 90.0)];
    segs.extend(one);
    segs.extend(one);
    for r in facings() {
        let frames = clip(30.0, total(&segs), &r, |t| {
            Body::nordic(piecewise(90.0, &segs, t), 0.0)
        });
        let a = analyze_landmarks(&frames, None, &cfg(), None).unwrap();
        assert_eq!(
            a.classification.exercise,
            Exercise::Nordic,
            "{:?}",
            a.classification.reasons
        );
        assert_eq!(a.driving_signal, "knee_flexion");
        assert_eq!(a.rep_count, 2);
        for rep in a.counted_reps() {
            assert_eq!(rep.working_phase, Phase::Eccentric);
            let bp = rep.break_point_knee_deg.unwrap();
            assert!((bp - 80.0).abs() < 2.5, "break point {bp}");
            // The slow controlled start is part of the lowering (a stopwatch from the
            // first motion reads 3 s; the 1 s fall alone is 1 s): the movement's start is
            // fitted to a blend of eased and constant-speed movements, which places it
            // inside the creep.
            let low = rep.lowering_s.unwrap();
            assert!(low > 2.0 && low < 3.1, "lowering {low}");
            assert!((rep.peak_knee_flexion_deg.unwrap() - 90.0).abs() < 1.0);
            assert!(rep.peak_hip_flexion_deg.unwrap().abs() < 1.0);
        }
    }
}

/// The exercise recognised in two standing reps whose hip flexion, thigh rotation and
/// knee flexion reach `hip`, `thigh` and `knee` degrees at the bottom.
fn standing_class(hip: f64, thigh: f64, knee: f64) -> (Exercise, Vec<String>) {
    let segs = vec![
        (1.0, 0.0),
        (1.5, 1.0),
        (1.5, 0.0),
        (1.0, 0.0),
        (1.5, 1.0),
        (1.5, 0.0),
    ];
    let frames = clip(30.0, total(&segs), &Render::default(), |t| {
        let s = piecewise(0.0, &segs, t);
        Body::standing(s * hip, s * thigh, s * knee)
    });
    let a = analyze_landmarks(&frames, None, &cfg(), None).unwrap();
    (a.classification.exercise, a.classification.reasons)
}

#[test]
fn squat_is_not_a_deadlift() {
    // Squat: thigh rotates to ~95 deg forward, trunk leans 35, knee flexes 120.
    let (class, reasons) = standing_class(130.0, 95.0, 120.0);
    assert_eq!(class, Exercise::Unknown, "{reasons:?}");
}

#[test]
fn deadlift_from_the_floor_with_bent_knees_is_a_deadlift() {
    // Conventional deadlift from the floor: the thighs rotate 85 deg, the knees bend 90,
    // the trunk pitches 65 deg forward (a squat stays near 35): a hinge, although the
    // trunk gives only about 43% of the hip flexion.
    let (class, reasons) = standing_class(150.0, 85.0, 90.0);
    assert_eq!(class, Exercise::Deadlift, "{reasons:?}");
}

#[test]
fn isometric_bridge_hold_with_drift() {
    // Lift in 1 s, hold 30 s while sagging from 0 to 12 deg, lower.
    let segs = vec![
        (1.0, 50.0),
        (1.0, 0.0),
        (30.0, 12.0),
        (1.0, 50.0),
        (1.0, 50.0),
    ];
    let frames = clip(30.0, total(&segs), &Render::default(), |t| {
        Body::bridge(piecewise(50.0, &segs, t), 0.0, 90.0)
    });
    let a = analyze_landmarks(&frames, None, &cfg(), None).unwrap();
    let h = a.holds.iter().find(|h| h.loaded).expect("hold");
    assert!((h.duration_s - 30.0).abs() < 0.5, "{}", h.duration_s);
    assert!(
        (h.hip_drift_deg.unwrap() - 12.0).abs() < 1.0,
        "{:?}",
        h.hip_drift_deg
    );
    assert!(h.time_above(6.0) > 14.0 && h.time_above(6.0) < 16.0);
}

#[test]
fn slow_motion_rescales_time() {
    let segs = hinge_segments(2, 2.0, 0.5, 2.0, 1.0, 80.0);
    // Captured at 240 fps, played back at 30: the clip runs 8x longer than real time.
    let frames = clip(30.0, total(&segs) * 8.0, &Render::default(), |t| {
        Body::standing(piecewise(0.0, &segs, t / 8.0), 5.0, 10.0)
    });
    let c = AnalysisConfig {
        capture_fps: Some(240.0),
        ..cfg()
    };
    let a = analyze_landmarks(&frames, Some(30.0), &c, Some(Exercise::Deadlift)).unwrap();
    assert!((a.time_scale - 0.125).abs() < 1e-12);
    assert_eq!(a.rep_count, 2);
    let rep = a.counted_reps().nth(1).unwrap();
    assert!(
        (rep.eccentric_s.unwrap() - 2.0).abs() < 0.05,
        "{}",
        rep.tempo
    );
}

#[test]
fn config_overrides_from_toml() {
    let c = AnalysisConfig::from_toml("capture_fps = 120.0\n[signal]\ncutoff_hz = 4.0\n", "test")
        .unwrap();
    assert_eq!(c.signal.cutoff_hz, 4.0);
    assert_eq!(c.signal.max_gap_s, 0.3);
    assert_eq!(c.capture_fps, Some(120.0));
    assert!(AnalysisConfig::from_toml("[signal]\ncutof_hz = 4.0\n", "test").is_err());
}

#[test]
fn no_pose_is_an_error() {
    let frames = vec![PoseFrame {
        index: 0,
        timestamp_s: 0.0,
        pose: None,
    }];
    assert!(analyze_landmarks(&frames, None, &cfg(), None).is_err());
    assert!(analyze_landmarks(&[], None, &cfg(), None).is_err());
}

/// A set whose hip, knee and shoulders are seen confidently on only a quarter of its
/// frames (a clip filmed in the dark: the model's readings in between are unsure) names no
/// exercise, with the reason, where the same set seen on every frame is a deadlift.
#[test]
fn a_set_whose_joints_are_seen_on_few_frames_names_no_exercise() {
    let segs = hinge_segments(3, 2.0, 0.5, 1.5, 1.0, 80.0);
    let seen = clip(30.0, total(&segs), &Render::default(), |t| {
        Body::standing(piecewise(0.0, &segs, t), 5.0, 15.0)
    });
    let a = analyze_landmarks(&seen, Some(30.0), &cfg(), None).unwrap();
    assert_eq!(a.classification.exercise, Exercise::Deadlift);
    let mut unsure = seen.clone();
    for f in unsure.iter_mut().filter(|f| f.index % 4 != 0) {
        let p = f.pose.as_mut().unwrap();
        for l in p.image.iter_mut().chain(p.world.iter_mut()) {
            l.visibility = 0.1;
        }
    }
    let a = analyze_landmarks(&unsure, Some(30.0), &cfg(), None).unwrap();
    let reasons = a.classification.reasons.join(" / ");
    assert_eq!(a.classification.exercise, Exercise::Unknown, "{reasons}");
    assert!(
        reasons.contains("seen confidently on only 25% of the frames with a person")
            && reasons.contains("so the deadlift the postures suggest is not taken"),
        "{reasons}"
    );
    // Given on the command line, the exercise is counted all the same.
    let a = analyze_landmarks(&unsure, Some(30.0), &cfg(), Some(Exercise::Deadlift)).unwrap();
    assert_eq!(a.classification.exercise, Exercise::Deadlift);
}
