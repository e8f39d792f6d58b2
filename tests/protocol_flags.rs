//! Each flag fires exactly when it should, with the numbers in its sentence.

mod common;

use common::protocol::{hold, rep, samples, set, tempo};
use hipflex::common::Exercise;
use hipflex::protocol::{
    Evaluation, Flag, FlagCode, Protocol, SetMeasurement, Severity, Unit, ViewVerdict, evaluate,
};

fn eval(phase: u8, s: &SetMeasurement) -> Evaluation {
    evaluate(&Protocol::default_pht(), phase, s).unwrap()
}

fn with(e: &Evaluation, code: FlagCode) -> Vec<&Flag> {
    e.flags.iter().filter(|f| f.code == code).collect()
}

fn codes(e: &Evaluation) -> Vec<FlagCode> {
    e.flags.iter().map(|f| f.code).collect()
}

fn one(e: &Evaluation, code: FlagCode) -> &Flag {
    let v = with(e, code);
    assert_eq!(v.len(), 1, "expected one {code}, got {:?}", codes(e));
    v[0]
}

#[test]
fn clean_set_is_green_with_caveats() {
    let e = eval(
        2,
        &set(Exercise::Deadlift, vec![rep(1, 40.0), rep(2, 44.9)]),
    );
    assert!(e.flags.is_empty(), "{:?}", codes(&e));
    assert_eq!(e.summary.severity, Severity::Green);
    assert_eq!((e.summary.green, e.summary.amber, e.summary.red), (2, 0, 0));
    assert_eq!(e.summary.max_loaded_hip_deg, Some(44.9));
    assert!(!e.summary.uncertain);
    assert_eq!(e.caveats.len(), 5);
    let all = e.caveats.join(" ");
    assert!(all.contains("pelvic tilt"));
    assert!(all.contains("±10°"));
    assert!(all.contains("Pain"));
    assert!(all.contains("never advises changing phase"));
    // Nothing in the output suggests advancing.
    let text = serde_json::to_string(&e).unwrap().to_lowercase();
    for bad in [
        "advance to",
        "progress to phase",
        "move to phase",
        "ready for",
    ] {
        assert!(!text.contains(bad), "`{bad}` in evaluation");
    }
}

#[test]
fn early_compression_boundaries() {
    // Exactly at the cap: allowed.
    let e = eval(2, &set(Exercise::Deadlift, vec![rep(1, 45.0)]));
    assert!(with(&e, FlagCode::EarlyCompression).is_empty());

    // Inside the amber band (cap < x <= cap + 10).
    for peak in [45.1, 50.0, 55.0] {
        let e = eval(2, &set(Exercise::Deadlift, vec![rep(3, peak)]));
        let f = one(&e, FlagCode::EarlyCompression);
        assert_eq!(f.severity, Severity::Amber, "peak {peak}");
        assert_eq!(f.rep, Some(3));
        assert_eq!(f.value, Some(peak));
        assert_eq!(f.limit, Some(45.0));
        assert_eq!(f.unit, Some(Unit::Deg));
        assert!(!f.uncertain);
        assert_eq!(e.reps[0].severity, Severity::Amber);
    }

    // Beyond the band: red.
    let e = eval(2, &set(Exercise::Deadlift, vec![rep(3, 58.0)]));
    let f = one(&e, FlagCode::EarlyCompression);
    assert_eq!(f.severity, Severity::Red);
    assert!(
        f.message
            .starts_with("Rep 3 reached 58° of hip flexion under load; phase 2 allows up to 45°."),
        "{}",
        f.message
    );
    assert_eq!(e.summary.severity, Severity::Red);
    assert_eq!(e.summary.red, 1);

    // Other phases use their caps.
    let e = eval(1, &set(Exercise::Bridge, vec![rep(1, 30.0), rep(2, 31.0)]));
    let f = one(&e, FlagCode::EarlyCompression);
    assert_eq!((f.rep, f.limit), (Some(2), Some(30.0)));
    let e = eval(
        3,
        &set(Exercise::Deadlift, vec![rep(1, 70.0), rep(2, 81.0)]),
    );
    let f = one(&e, FlagCode::EarlyCompression);
    assert_eq!((f.rep, f.severity), (Some(2), Severity::Red));
    assert!(f.message.contains("81°") && f.message.contains("70°"));
}

#[test]
fn only_loaded_samples_count() {
    // A bridge: lying flat-ish at rest between reps is unloaded (the pelvis is on the floor)
    // and may read beyond the cap; only the loaded part of the rep counts.
    let mut r = rep(1, 99.0); // peak_hip_deg ignored when samples exist
    r.hip_samples = samples(10.0, &[80.0, 80.0, 80.0], false);
    r.hip_samples
        .extend(samples(10.3, &[40.0, 20.0, 0.0, 20.0, 40.0], true));
    r.hip_samples.extend(samples(10.8, &[85.0, 85.0], false));
    let e = eval(2, &set(Exercise::Bridge, vec![r.clone()]));
    assert!(with(&e, FlagCode::EarlyCompression).is_empty());
    assert!(with(&e, FlagCode::TimeUnderCompression).is_empty());
    assert_eq!(e.reps[0].peak_loaded_hip_deg, Some(40.0));

    // The same rep with a loaded sample beyond the cap does fire.
    r.hip_samples[4].hip_deg = 50.0;
    let e = eval(2, &set(Exercise::Bridge, vec![r]));
    let f = one(&e, FlagCode::EarlyCompression);
    assert_eq!(f.value, Some(50.0));
    assert_eq!(f.severity, Severity::Amber);
    assert_eq!(f.start_s, Some(10.4));
}

#[test]
fn time_under_compression_is_set_level_and_interpolated() {
    // Rep 1: 0.1 s steps, 40 -> 50 -> 50 -> 40 with cap 45: above the cap from the crossing
    // halfway between samples 0 and 1 to halfway between 2 and 3 -> 0.05 + 0.1 + 0.05 = 0.2 s.
    let mut r1 = rep(1, 0.0);
    r1.hip_samples = samples(10.0, &[40.0, 50.0, 50.0, 40.0], true);
    // Rep 2: above the red line (55) for a while: 60 for 3 samples.
    let mut r2 = rep(2, 0.0);
    r2.hip_samples = samples(20.0, &[45.0, 60.0, 60.0, 60.0, 45.0], true);
    // Rep 3: within the cap.
    let mut r3 = rep(3, 0.0);
    r3.hip_samples = samples(30.0, &[10.0, 45.0, 10.0], true);
    let e = eval(2, &set(Exercise::Deadlift, vec![r1, r2, r3]));
    let f = one(&e, FlagCode::TimeUnderCompression);
    assert_eq!(f.rep, None);
    assert_eq!(f.unit, Some(Unit::S));
    assert_eq!(f.severity, Severity::Red);
    let v = f.value.unwrap();
    // rep 2: 0.1 (45->60 all above 45 except the endpoint) + 0.2 + 0.1 = 0.4 s.
    assert!((v - 0.6).abs() < 1e-9, "{v}");
    assert!((e.summary.time_beyond_cap_s - 0.6).abs() < 1e-9);
    // Red part of rep 2: 55 crossed at 2/3 of the first step and 1/3 of the last:
    // (1/3 + 2 + 1/3) * 0.1 = 0.2667 s.
    assert!((e.summary.time_in_red_s - 0.26667).abs() < 1e-4);
    assert!(f.message.contains("0.6 s"), "{}", f.message);
    assert!(f.message.contains("45°"), "{}", f.message);
    assert!(f.message.contains("reps 1 and 2"), "{}", f.message);
    assert_eq!(f.start_s, Some(10.1));
    assert_eq!(f.end_s, Some(20.3));
    assert_eq!(e.reps[0].severity, Severity::Amber);
    assert_eq!(e.reps[1].severity, Severity::Red);
    assert_eq!(e.reps[2].severity, Severity::Green);

    // Only in the amber band: amber.
    let mut r = rep(1, 0.0);
    r.hip_samples = samples(10.0, &[40.0, 50.0, 40.0], true);
    let e = eval(2, &set(Exercise::Deadlift, vec![r]));
    assert_eq!(
        one(&e, FlagCode::TimeUnderCompression).severity,
        Severity::Amber
    );

    // Exactly at the cap: no time beyond it.
    let mut r = rep(1, 0.0);
    r.hip_samples = samples(10.0, &[45.0, 45.0, 45.0], true);
    let e = eval(2, &set(Exercise::Deadlift, vec![r]));
    assert!(e.flags.is_empty(), "{:?}", codes(&e));

    // A gap between an unloaded and a loaded sample is not counted.
    let mut r = rep(1, 0.0);
    r.hip_samples = samples(10.0, &[80.0], false);
    r.hip_samples.extend(samples(10.1, &[50.0], true));
    let e = eval(2, &set(Exercise::Deadlift, vec![r]));
    assert!(with(&e, FlagCode::TimeUnderCompression).is_empty());
    assert_eq!(with(&e, FlagCode::EarlyCompression).len(), 1);
}

#[test]
fn tempo_flags() {
    let mut r = rep(2, 30.0);
    r.tempo = Some(tempo(1.2, 0.5, 1.9, 0.0));
    let e = eval(2, &set(Exercise::Deadlift, vec![r.clone()]));
    let f = one(&e, FlagCode::FastEccentric);
    assert_eq!(
        (f.severity, f.value, f.limit, f.unit),
        (Severity::Amber, Some(1.2), Some(2.0), Some(Unit::S))
    );
    assert!(
        f.message.contains("1.2 s") && f.message.contains("2.0 s"),
        "{}",
        f.message
    );
    assert!(f.message.starts_with("Rep 2"));
    let f = one(&e, FlagCode::FastConcentric);
    assert!(f.message.contains("1.9 s"), "{}", f.message);

    // Exactly at the floor: fine.
    r.tempo = Some(tempo(2.0, 1.0, 2.0, 0.0));
    let e = eval(2, &set(Exercise::Deadlift, vec![r.clone()]));
    assert!(e.flags.is_empty(), "{:?}", codes(&e));

    // Phase 1 (isometric) and phase 4 (report only) have no tempo rules.
    r.tempo = Some(tempo(0.5, 0.0, 0.5, 0.0));
    for phase in [1, 4] {
        let e = eval(phase, &set(Exercise::Deadlift, vec![r.clone()]));
        assert!(with(&e, FlagCode::FastEccentric).is_empty());
        assert!(with(&e, FlagCode::FastConcentric).is_empty());
    }
    // Phase 3 has them.
    let e = eval(3, &set(Exercise::Deadlift, vec![r.clone()]));
    assert_eq!(with(&e, FlagCode::FastEccentric).len(), 1);

    // Nordic: the return is not checked, the lowering is.
    let e = eval(2, &set(Exercise::Nordic, vec![r.clone()]));
    assert_eq!(with(&e, FlagCode::FastEccentric).len(), 1);
    assert!(with(&e, FlagCode::FastConcentric).is_empty());
    assert!(
        one(&e, FlagCode::FastEccentric)
            .message
            .contains("lowering towards the floor")
    );

    // No tempo measured: nothing to flag.
    r.tempo = None;
    let e = eval(2, &set(Exercise::Deadlift, vec![r]));
    assert!(e.flags.is_empty());
}

#[test]
fn long_pause_only_where_the_bottom_is_loaded() {
    let mut r = rep(1, 30.0);
    r.tempo = Some(tempo(3.0, 1.5, 3.0, 2.0));
    let e = eval(2, &set(Exercise::Deadlift, vec![r.clone()]));
    let f = one(&e, FlagCode::LongPause);
    assert_eq!((f.value, f.limit), (Some(1.5), Some(1.0)));
    assert!(f.message.contains("1.5 s") && f.message.contains("1.0 s"));
    // Bridge bottom = lying on the floor; Nordic bottom = on the hands.
    for ex in [Exercise::Bridge, Exercise::Nordic] {
        let e = eval(2, &set(ex, vec![r.clone()]));
        assert!(with(&e, FlagCode::LongPause).is_empty(), "{ex}");
    }
    r.tempo = Some(tempo(3.0, 1.0, 3.0, 2.0));
    let e = eval(2, &set(Exercise::Deadlift, vec![r]));
    assert!(e.flags.is_empty());
}

#[test]
fn hold_flags() {
    // Phase 1: hold >= 30 s, drift <= 10°.
    let e = eval(
        1,
        &set(
            Exercise::Bridge,
            vec![hold(1, 30.0, 10.0), hold(2, 29.5, 3.0), hold(3, 40.0, 12.0)],
        ),
    );
    let f = one(&e, FlagCode::ShortHold);
    assert_eq!((f.rep, f.value, f.limit), (Some(2), Some(29.5), Some(30.0)));
    assert_eq!(
        f.message,
        "Hold 2 lasted 29.5 s; phase 1 asks for at least 30.0 s (target 45.0 s)."
    );
    let f = one(&e, FlagCode::HoldDrift);
    assert_eq!((f.rep, f.value, f.limit), (Some(3), Some(12.0), Some(10.0)));
    assert!(f.message.contains("12°") && f.message.contains("10°"));
    assert_eq!(e.summary.holds, 3);
    assert_eq!(e.summary.reps, 0);

    // Reps are not holds: no hold flags on a rep.
    let mut r = rep(1, 10.0);
    r.hold_duration_s = Some(5.0);
    r.hold_drift_deg = Some(30.0);
    let e = eval(1, &set(Exercise::Bridge, vec![r]));
    assert!(e.flags.is_empty(), "{:?}", codes(&e));

    // Phase 2 has no hold rules in the default.
    let e = eval(2, &set(Exercise::Bridge, vec![hold(1, 5.0, 20.0)]));
    assert!(e.flags.is_empty(), "{:?}", codes(&e));
}

#[test]
fn nordic_hip_pike_replaces_early_compression() {
    // Phase 2: pike limit 20°, cap 45°.
    let e = eval(
        2,
        &set(
            Exercise::Nordic,
            vec![rep(1, 20.0), rep(2, 25.0), rep(3, 50.0)],
        ),
    );
    assert!(with(&e, FlagCode::EarlyCompression).is_empty());
    let pikes = with(&e, FlagCode::NordicHipPike);
    assert_eq!(pikes.len(), 2);
    assert_eq!(
        (pikes[0].rep, pikes[0].severity, pikes[0].limit),
        (Some(2), Severity::Amber, Some(20.0))
    );
    assert_eq!((pikes[1].rep, pikes[1].severity), (Some(3), Severity::Red));
    assert!(pikes[0].message.contains("25°") && pikes[0].message.contains("20°"));
    assert!(
        pikes[1].message.contains("cap is 45°"),
        "{}",
        pikes[1].message
    );

    // Phase 3: limit = cap 70°.
    let e = eval(3, &set(Exercise::Nordic, vec![rep(1, 60.0), rep(2, 75.0)]));
    let f = one(&e, FlagCode::NordicHipPike);
    assert_eq!(
        (f.rep, f.limit, f.severity),
        (Some(2), Some(70.0), Severity::Amber)
    );

    // Not a Nordic: no pike flag, early_compression instead.
    let e = eval(2, &set(Exercise::Bridge, vec![rep(1, 50.0)]));
    assert!(with(&e, FlagCode::NordicHipPike).is_empty());
    assert_eq!(with(&e, FlagCode::EarlyCompression).len(), 1);

    // Nordic break point and lowering time are reported, never flagged.
    let mut r = rep(1, 5.0);
    r.nordic_lowering_s = Some(2.6);
    r.break_point_knee_deg = Some(52.0);
    let e = eval(3, &set(Exercise::Nordic, vec![r]));
    assert!(e.flags.is_empty());
    assert_eq!(e.reps[0].break_point_knee_deg, Some(52.0));
    assert_eq!(e.reps[0].nordic_lowering_s, Some(2.6));
}

#[test]
fn bridge_top_extension() {
    let mut reps = vec![];
    for (i, top) in [10.0, 10.5, 25.0, -15.0, -20.0].iter().enumerate() {
        let mut r = rep(i + 1, 30.0);
        r.top_hip_deg = Some(*top);
        reps.push(r);
    }
    let e = eval(2, &set(Exercise::Bridge, reps.clone()));
    let inc = with(&e, FlagCode::IncompleteExtension);
    assert_eq!(
        inc.iter().map(|f| f.rep.unwrap()).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert!(inc[1].message.contains("25°") && inc[1].message.contains("10°"));
    assert_eq!(inc[1].severity, Severity::Amber);
    let over = one(&e, FlagCode::OverExtension);
    assert_eq!(
        (over.rep, over.value, over.limit),
        (Some(5), Some(-20.0), Some(-15.0))
    );
    assert!(over.message.contains("-20°"));

    // Only for bridges.
    let e = eval(2, &set(Exercise::Deadlift, reps.clone()));
    assert!(with(&e, FlagCode::IncompleteExtension).is_empty());
    assert!(with(&e, FlagCode::OverExtension).is_empty());
    // Bridge holds too.
    let mut h = hold(1, 40.0, 2.0);
    h.top_hip_deg = Some(20.0);
    let e = eval(1, &set(Exercise::Bridge, vec![h]));
    assert_eq!(with(&e, FlagCode::IncompleteExtension).len(), 1);
}

#[test]
fn phase_4_is_report_only() {
    let mut r = rep(1, 120.0);
    r.tempo = Some(tempo(0.3, 3.0, 0.2, 0.0));
    r.top_hip_deg = Some(40.0);
    r.hip_samples = samples(10.0, &[100.0, 120.0, 100.0], true);
    for ex in [Exercise::Bridge, Exercise::Nordic, Exercise::Deadlift] {
        let e = eval(4, &set(ex, vec![r.clone(), hold(2, 3.0, 40.0)]));
        assert!(e.flags.is_empty(), "{ex}: {:?}", codes(&e));
        assert!(e.summary.report_only);
        assert_eq!(e.summary.cap_deg, None);
        assert_eq!(e.summary.severity, Severity::Green);
        assert_eq!(e.reps[0].peak_loaded_hip_deg, Some(120.0));
        assert!(e.summary.notes[0].contains("report only"));
    }
    // Quality flags still fire.
    let mut r = r.clone();
    r.confidence = 0.1;
    let e = eval(4, &set(Exercise::Deadlift, vec![r]));
    assert_eq!(codes(&e), vec![FlagCode::LowConfidence]);
}

#[test]
fn unknown_exercise_gets_the_cap_only() {
    let mut r = rep(1, 50.0);
    r.tempo = Some(tempo(0.5, 3.0, 0.5, 0.0));
    r.top_hip_deg = Some(40.0);
    let e = eval(
        2,
        &set(Exercise::Unknown, vec![r.clone(), hold(2, 1.0, 40.0)]),
    );
    assert_eq!(codes(&e), vec![FlagCode::EarlyCompression]);
    assert!(e.summary.notes[0].contains("not recognised"));
    let e = eval(1, &set(Exercise::Unknown, vec![hold(1, 1.0, 40.0)]));
    assert!(e.flags.is_empty(), "{:?}", codes(&e));

    // A label below the confidence threshold is treated as unknown, and says so.
    let mut s = set(Exercise::Nordic, vec![r]);
    s.exercise_confidence = 0.3;
    let e = eval(2, &s);
    assert_eq!(
        codes(&e),
        vec![FlagCode::UncertainExercise, FlagCode::EarlyCompression]
    );
    assert_eq!(e.summary.exercise_measured, Exercise::Nordic);
    assert_eq!(e.summary.exercise_evaluated, Exercise::Unknown);
    let f = one(&e, FlagCode::UncertainExercise);
    assert!(f.message.contains("0.30") && f.message.contains("0.50"));
}

#[test]
fn low_confidence_rep_is_qualified() {
    let mut r = rep(4, 60.0);
    r.confidence = 0.32;
    r.tempo = Some(tempo(1.0, 0.0, 3.0, 0.0));
    let e = eval(2, &set(Exercise::Deadlift, vec![r.clone(), rep(5, 60.0)]));
    let lc = one(&e, FlagCode::LowConfidence);
    assert_eq!(
        (lc.rep, lc.value, lc.limit),
        (Some(4), Some(0.32), Some(0.5))
    );
    assert!(lc.message.contains("0.32") && lc.message.contains("0.50"));
    let ec = with(&e, FlagCode::EarlyCompression);
    // Rep 4: uncertain, red -> amber, sentence says why. Rep 5: confident red.
    assert!(ec[0].uncertain);
    assert_eq!(ec[0].severity, Severity::Amber);
    assert!(ec[0].message.contains("Uncertain") && ec[0].message.contains("amber rather than red"));
    assert!(!ec[1].uncertain);
    assert_eq!(ec[1].severity, Severity::Red);
    let fe = one(&e, FlagCode::FastEccentric);
    assert!(fe.uncertain);
    assert!(e.reps[0].uncertain && !e.reps[1].uncertain);
    // Quality flags do not colour the verdict.
    let mut clean = rep(1, 10.0);
    clean.confidence = 0.1;
    let e = eval(2, &set(Exercise::Deadlift, vec![clean.clone()]));
    assert_eq!(e.reps[0].severity, Severity::Green);
    assert!(e.reps[0].uncertain);
    // Exactly at the threshold is trusted; a reason from the measurement stage also counts.
    clean.confidence = 0.5;
    let e = eval(2, &set(Exercise::Deadlift, vec![clean.clone()]));
    assert!(e.flags.is_empty());
    clean.uncertain = Some("hip keypoint occluded by the bar".into());
    let e = eval(2, &set(Exercise::Deadlift, vec![clean]));
    assert!(
        one(&e, FlagCode::LowConfidence)
            .message
            .contains("hip keypoint occluded by the bar")
    );
}

#[test]
fn poor_view_softens_angle_flags_only() {
    let mut r = rep(1, 60.0);
    r.tempo = Some(tempo(1.0, 0.0, 3.0, 0.0));
    r.hip_samples = samples(10.0, &[40.0, 60.0, 60.0, 40.0], true);
    let mut s = set(Exercise::Deadlift, vec![r]);
    s.view_verdict = ViewVerdict::Poor;
    s.view_reason = "camera in front of the patient".into();
    let e = eval(2, &s);
    let pv = one(&e, FlagCode::PoorView);
    assert_eq!(pv.rep, None);
    assert!(pv.message.contains("camera in front of the patient"));
    let ec = one(&e, FlagCode::EarlyCompression);
    assert!(ec.uncertain);
    assert_eq!(ec.severity, Severity::Amber);
    assert!(ec.message.contains("60°") && ec.message.contains("camera view is poor"));
    let tuc = one(&e, FlagCode::TimeUnderCompression);
    assert!(tuc.uncertain);
    assert_eq!(tuc.severity, Severity::Amber);
    // Timing does not depend on the view.
    let fe = one(&e, FlagCode::FastEccentric);
    assert!(!fe.uncertain);
    assert_eq!(e.summary.severity, Severity::Amber);
    assert!(e.summary.uncertain);

    // Too many low-confidence frames also means poor_view.
    let mut s2 = set(Exercise::Deadlift, vec![rep(1, 60.0)]);
    s2.low_confidence_fraction = 0.31;
    let e = eval(2, &s2);
    assert!(one(&e, FlagCode::PoorView).message.contains("31%"));
    assert!(one(&e, FlagCode::EarlyCompression).uncertain);
    s2.low_confidence_fraction = 0.3;
    let e = eval(2, &s2);
    assert!(with(&e, FlagCode::PoorView).is_empty());
    assert!(!one(&e, FlagCode::EarlyCompression).uncertain);

    // Oblique: its own flag, angle flags uncertain.
    let mut s3 = set(Exercise::Deadlift, vec![rep(1, 50.0)]);
    s3.view_verdict = ViewVerdict::Oblique;
    let e = eval(2, &s3);
    assert_eq!(with(&e, FlagCode::ObliqueView).len(), 1);
    let ec = one(&e, FlagCode::EarlyCompression);
    assert!(ec.uncertain && ec.message.contains("oblique"));
    assert_eq!(ec.severity, Severity::Amber);
}

#[test]
fn oblique_view_keeps_red_a_peak_whose_whole_interval_is_far_beyond_the_cap() {
    // Cap 45°, band 10°: 130 ± 23 has its low end (107°) beyond 55°; 70 ± 23 (47°) does not;
    // a poor view keeps both doubtful (its interval is not to be trusted).
    let peak = |n: usize, p: f64, h: f64| {
        let mut r = rep(n, p);
        r.peak_hip_uncertainty_deg = Some(h);
        r
    };
    let mut s = set(
        Exercise::Deadlift,
        vec![
            peak(1, 130.0, 23.0),
            peak(2, 70.0, 23.0),
            peak(3, 66.0, 10.0),
            peak(4, 130.0, 0.0),
        ],
    );
    s.view_verdict = ViewVerdict::Oblique;
    let e = eval(2, &s);
    let ec = with(&e, FlagCode::EarlyCompression);
    assert_eq!(ec.len(), 4);
    // A zero-width interval carries no camera-angle error: doubtful like a bare peak.
    assert_eq!((ec[3].severity, ec[3].uncertain), (Severity::Amber, true));
    assert!(!ec[3].message.contains("even the low end"));
    assert_eq!((ec[0].severity, ec[0].uncertain), (Severity::Red, false));
    assert!(
        ec[0].message.contains("even the low end of the interval")
            && ec[0].message.contains("oblique"),
        "{}",
        ec[0].message
    );
    assert!(!ec[0].message.contains("Uncertain"));
    // 70 ± 23 straddles nothing (47 > 45) but its low end is inside the band: amber.
    assert_eq!((ec[1].severity, ec[1].uncertain), (Severity::Amber, true));
    assert!(
        ec[1]
            .message
            .contains("Uncertain: the set was filmed at an oblique angle")
    );
    // 66 ± 10: low end 56° is beyond 55°: red too.
    assert_eq!((ec[2].severity, ec[2].uncertain), (Severity::Red, false));
    assert_eq!(e.reps[0].severity, Severity::Red);
    assert!(!e.reps[0].uncertain && e.reps[1].uncertain);
    assert!(e.summary.uncertain);

    s.view_verdict = ViewVerdict::Poor;
    let e = eval(2, &s);
    let ec = with(&e, FlagCode::EarlyCompression);
    assert!(
        ec.iter()
            .all(|f| f.uncertain && f.severity == Severity::Amber)
    );
}

#[test]
fn oblique_time_under_compression_stays_red_where_reps_that_stayed_red_spent_it() {
    // Cap 45°, band 10°. A rep at 130 ± 23 stays red (low end 107° > 55°); one at 70 ± 23
    // is softened. Both spend time beyond cap + band.
    let sampled = |n: usize, p: f64, h: f64| {
        let mut r = rep(n, p);
        r.peak_hip_uncertainty_deg = Some(h);
        r.hip_samples = samples(n as f64 * 10.0, &[40.0, p, p, 40.0], true);
        r
    };
    // The set's time under compression: (severity, uncertain, message), and its worst.
    let tuc = |view: ViewVerdict, reps: Vec<hipflex::protocol::RepMeasurement>| {
        let mut s = set(Exercise::Deadlift, reps);
        s.view_verdict = view;
        let e = eval(2, &s);
        let f = one(&e, FlagCode::TimeUnderCompression);
        (
            f.severity,
            f.uncertain,
            f.message.clone(),
            e.summary.severity,
        )
    };
    let both = || vec![sampled(1, 130.0, 23.0), sampled(2, 70.0, 23.0)];

    let (sev, unsure, msg, worst) = tuc(ViewVerdict::Oblique, both());
    assert_eq!(
        (sev, unsure, worst),
        (Severity::Red, false, Severity::Red),
        "{msg}"
    );
    assert!(
        msg.contains("rep 1 stayed red") && !msg.contains("Uncertain"),
        "{msg}"
    );

    // Only the doubtful rep spends time beyond cap + band: amber and uncertain, as before.
    let (sev, unsure, msg, _) = tuc(ViewVerdict::Oblique, vec![sampled(2, 70.0, 23.0)]);
    assert_eq!((sev, unsure), (Severity::Amber, true), "{msg}");
    assert!(
        msg.contains("Uncertain: the set was filmed at an oblique angle"),
        "{msg}"
    );

    // A poor view trusts no interval: amber and uncertain however deep.
    let (sev, unsure, msg, _) = tuc(ViewVerdict::Poor, both());
    assert_eq!((sev, unsure), (Severity::Amber, true), "{msg}");
}

#[test]
fn amber_band_zero_makes_everything_red() {
    let text = hipflex::protocol::DEFAULT_PHT_TOML.replacen(
        "amber_band_deg = 10.0",
        "amber_band_deg = 0",
        1,
    );
    let p = Protocol::from_toml_str(&text, "test").unwrap();
    let e = evaluate(&p, 2, &set(Exercise::Deadlift, vec![rep(1, 45.5)])).unwrap();
    let f = one(&e, FlagCode::EarlyCompression);
    assert_eq!(f.severity, Severity::Red);
}

#[test]
fn missing_phase_is_an_error() {
    let err = evaluate(
        &Protocol::default_pht(),
        9,
        &set(Exercise::Bridge, vec![rep(1, 1.0)]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("phase 9"));
}

#[test]
fn evaluation_serialises_with_snake_case_codes() {
    let e = eval(2, &set(Exercise::Deadlift, vec![rep(3, 58.0)]));
    let v: serde_json::Value = serde_json::to_value(&e).unwrap();
    let f = &v["flags"][0];
    assert_eq!(f["code"], "early_compression");
    assert_eq!(f["severity"], "red");
    assert_eq!(f["unit"], "deg");
    assert_eq!(f["rep"], 3);
    // Set-level flag comes first, then rep flags.
    let s = set(Exercise::Deadlift, vec![rep(1, 58.0)]);
    let back: SetMeasurement = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}
