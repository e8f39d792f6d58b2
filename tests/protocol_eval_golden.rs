//! Golden test of `evaluate`: every flag rule, its order, message, severity and the softening
//! of doubtful flags, pinned byte for byte as JSON over a fixed set of measured sets.
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test --release --test protocol_eval_golden` and review the diff.

mod common;

use std::path::PathBuf;

use common::protocol::{samples, set, tempo};
use hipflex::common::Exercise;
use hipflex::protocol::{Protocol, RepMeasurement, SetMeasurement, ViewVerdict, evaluate};

/// The shared clean rep, with a Nordic's lowering and break point filled in.
fn rep(number: usize, peak: f64) -> RepMeasurement {
    RepMeasurement {
        nordic_lowering_s: Some(2.5),
        break_point_knee_deg: Some(55.0),
        ..common::protocol::rep(number, peak)
    }
}

fn hold(number: usize, duration: f64, drift: f64) -> RepMeasurement {
    RepMeasurement {
        nordic_lowering_s: Some(2.5),
        break_point_knee_deg: Some(55.0),
        ..common::protocol::hold(number, duration, drift)
    }
}

fn with_samples(mut r: RepMeasurement, degs: &[f64]) -> RepMeasurement {
    r.hip_samples = samples(r.start_s, degs, true);
    r
}

/// Every branch of every rule, on the default protocol and two edited ones.
fn cases() -> Vec<(String, Protocol, u8, SetMeasurement)> {
    let pht = Protocol::default_pht();
    let no_band = Protocol::from_toml_str(
        &hipflex::protocol::DEFAULT_PHT_TOML.replacen(
            "amber_band_deg = 10.0",
            "amber_band_deg = 0",
            1,
        ),
        "no-band",
    )
    .unwrap();
    let low_target = Protocol::from_toml_str(
        &hipflex::protocol::DEFAULT_PHT_TOML.replacen(
            "hold_target_s = 45.0",
            "hold_target_s = 30.0",
            1,
        ),
        "low-target",
    )
    .unwrap();
    let no_cap = Protocol::from_toml_str(
        r#"
schema_version = 1
protocol_version = "t"
name = "no cap"
[measurement]
amber_band_deg = 5.0
min_rep_confidence = 0.5
max_low_confidence_fraction = 0.3
min_exercise_confidence = 0.5
nordic_break_point_deg_per_s = 10.0
[bridge_top]
min_deg = -15.0
max_deg = 10.0
[[phase]]
number = 1
name = "uncapped"
cap_deg = "none"
eccentric_min_s = 2.0
[phase.nordic]
hip_pike_limit_deg = 20.0
"#,
        "no-cap",
    )
    .unwrap();
    let mut v: Vec<(String, Protocol, u8, SetMeasurement)> = Vec::new();
    let mut add = |name: &str, p: &Protocol, phase: u8, s: SetMeasurement| {
        v.push((name.to_string(), p.clone(), phase, s));
    };

    // Bridge, phase 2: green/amber/red peaks, tempo, bridge top both ways, confidence.
    let mut fast = rep(2, 50.0);
    fast.tempo = Some(tempo(1.2, 2.0, 1.9, 0.0));
    fast.top_hip_deg = Some(25.0);
    let mut arch = rep(3, 60.0);
    arch.top_hip_deg = Some(-20.0);
    let mut low = rep(4, 60.0);
    low.confidence = 0.32;
    low.tempo = Some(tempo(1.0, 0.0, 3.0, 0.0));
    let mut doubt = rep(5, 20.0);
    doubt.uncertain = Some("hip keypoint occluded by the bar.".into());
    let mut both = rep(6, 58.0);
    both.confidence = 0.2;
    both.uncertain = Some("  the person left the frame  ".into());
    add(
        "bridge_phase2_mixed",
        &pht,
        2,
        set(
            Exercise::Bridge,
            vec![rep(1, 40.0), fast, arch, low, doubt, both],
        ),
    );

    // Time under compression from samples: one rep, then three reps (red part).
    add(
        "deadlift_phase2_tuc_one_rep",
        &pht,
        2,
        set(
            Exercise::Deadlift,
            vec![with_samples(
                rep(1, 0.0),
                &[30.0, 44.0, 50.0, 52.0, 46.0, 40.0],
            )],
        ),
    );
    let mut unloaded = rep(3, 0.0);
    unloaded.hip_samples = samples(30.0, &[80.0, 90.0], false);
    unloaded
        .hip_samples
        .extend(samples(30.2, &[40.0, 60.0, 40.0], true));
    add(
        "deadlift_phase2_tuc_three_reps",
        &pht,
        2,
        set(
            Exercise::Deadlift,
            vec![
                with_samples(rep(1, 0.0), &[40.0, 60.0, 60.0, 40.0]),
                with_samples(rep(2, 0.0), &[45.0, 50.0, 45.0]),
                unloaded,
                with_samples(rep(4, 0.0), &[10.0, 20.0, 10.0]),
            ],
        ),
    );

    // Peaks with intervals against the 45° cap (deadlift) and the 20° pike limit (Nordic):
    // straddling from below and from above is amber with the reason; wholly below is green,
    // wholly above graded as before (amber within the band, red beyond).
    let pm = |n, p, h| {
        let mut r = rep(n, p);
        r.peak_hip_uncertainty_deg = Some(h);
        r
    };
    add(
        "deadlift_phase2_interval_straddles_cap",
        &pht,
        2,
        set(
            Exercise::Deadlift,
            vec![
                pm(1, 36.0, 9.0),
                pm(2, 40.0, 9.0),
                pm(3, 48.0, 9.0),
                pm(4, 62.0, 20.0),
                pm(5, 50.0, 3.0),
                pm(6, 60.0, 9.0),
            ],
        ),
    );
    add(
        "nordic_phase2_interval_straddles_pike_limit",
        &pht,
        2,
        set(
            Exercise::Nordic,
            vec![pm(1, 10.0, 8.0), pm(2, 16.0, 8.0), pm(3, 35.0, 8.0)],
        ),
    );

    // Deadlift phase 3: long pause, fast both ways.
    let mut pause = rep(1, 65.0);
    pause.tempo = Some(tempo(1.5, 1.5, 1.0, 0.0));
    add(
        "deadlift_phase3_tempo",
        &pht,
        3,
        set(Exercise::Deadlift, vec![pause, rep(2, 75.0), rep(3, 85.0)]),
    );

    // Nordics in phases 1, 2, 3: pike under and over the cap, holds.
    add(
        "nordic_phase1_holds",
        &pht,
        1,
        set(
            Exercise::Nordic,
            vec![
                hold(1, 20.0, 12.0),
                hold(2, 40.0, -4.0),
                rep(3, 25.0),
                rep(4, 45.0),
            ],
        ),
    );
    let mut nfast = rep(3, 10.0);
    nfast.tempo = Some(tempo(1.0, 3.0, 0.5, 0.0));
    add(
        "nordic_phase2_pike",
        &pht,
        2,
        set(Exercise::Nordic, vec![rep(1, 25.0), rep(2, 50.0), nfast]),
    );
    add(
        "nordic_phase3_pike_at_cap",
        &pht,
        3,
        set(
            Exercise::Nordic,
            vec![
                rep(1, 70.0),
                with_samples(rep(2, 0.0), &[60.0, 75.0, 85.0, 70.0]),
            ],
        ),
    );
    add(
        "nordic_phase1_low_target",
        &low_target,
        1,
        set(Exercise::Nordic, vec![hold(1, 20.0, 0.0)]),
    );

    // Views.
    let mut poor = set(
        Exercise::Deadlift,
        vec![
            {
                let mut r = with_samples(rep(1, 0.0), &[40.0, 60.0, 60.0, 40.0]);
                r.tempo = Some(tempo(1.0, 0.0, 3.0, 0.0));
                r
            },
            rep(2, 50.0),
        ],
    );
    poor.view_verdict = ViewVerdict::Poor;
    poor.view_reason = "camera in front of the patient.".into();
    add("deadlift_poor_view", &pht, 2, poor);
    let mut poor_blank = set(Exercise::Bridge, vec![rep(1, 60.0)]);
    poor_blank.view_verdict = ViewVerdict::Poor;
    poor_blank.view_reason = "  ".into();
    poor_blank.low_confidence_fraction = 0.5;
    add("bridge_poor_view_blank_reason", &pht, 2, poor_blank);
    let mut lowframes = set(Exercise::Deadlift, vec![rep(1, 60.0)]);
    lowframes.low_confidence_fraction = 0.31;
    add("deadlift_too_many_low_frames", &pht, 2, lowframes);
    let mut oblique = set(Exercise::Deadlift, vec![rep(1, 50.0), rep(2, 60.0)]);
    oblique.view_verdict = ViewVerdict::Oblique;
    oblique.view_reason = "camera at 40°".into();
    add("deadlift_oblique", &pht, 2, oblique.clone());
    oblique.view_reason = String::new();
    oblique.low_confidence_fraction = 0.4;
    add("deadlift_oblique_and_low_frames", &pht, 2, oblique);

    // Exercise label.
    let mut r = rep(1, 50.0);
    r.tempo = Some(tempo(0.5, 3.0, 0.5, 0.0));
    r.top_hip_deg = Some(40.0);
    add(
        "unknown_phase2",
        &pht,
        2,
        set(Exercise::Unknown, vec![r.clone(), hold(2, 1.0, 40.0)]),
    );
    add(
        "unknown_phase4",
        &pht,
        4,
        set(Exercise::Unknown, vec![r.clone()]),
    );
    let mut unsure = set(Exercise::Nordic, vec![r.clone()]);
    unsure.exercise_confidence = 0.3;
    unsure.view_verdict = ViewVerdict::Oblique;
    add("uncertain_exercise_oblique", &pht, 2, unsure);

    // Report only, with quality flags.
    let mut r4 = rep(1, 120.0);
    r4.confidence = 0.1;
    r4.tempo = Some(tempo(0.2, 3.0, 0.2, 0.0));
    add(
        "deadlift_phase4_report_only",
        &pht,
        4,
        set(Exercise::Deadlift, vec![r4, hold(2, 1.0, 50.0)]),
    );

    // No amber band: beyond the cap is red.
    add(
        "deadlift_no_band",
        &no_band,
        2,
        set(
            Exercise::Deadlift,
            vec![rep(1, 45.5), with_samples(rep(2, 0.0), &[40.0, 50.0, 40.0])],
        ),
    );
    add(
        "nordic_no_band",
        &no_band,
        2,
        set(Exercise::Nordic, vec![rep(1, 30.0)]),
    );

    // No peak at all, and NaN samples.
    let mut nopeak = rep(1, 0.0);
    nopeak.peak_hip_deg = None;
    nopeak.top_hip_deg = None;
    nopeak.tempo = None;
    let mut nan = rep(2, 0.0);
    nan.hip_samples = samples(20.0, &[f64::NAN, 50.0, f64::NAN, 40.0], true);
    add(
        "bridge_missing_values",
        &pht,
        2,
        set(Exercise::Bridge, vec![nopeak, nan]),
    );
    add(
        "nordic_no_cap_pike",
        &no_cap,
        1,
        set(
            Exercise::Nordic,
            vec![rep(1, 22.0), rep(2, 30.0), rep(3, 15.0)],
        ),
    );
    add("empty_set", &pht, 2, set(Exercise::Bridge, vec![]));
    v
}

#[test]
fn evaluations_match_golden() {
    let mut out = String::new();
    for (name, p, phase, s) in cases() {
        let e = evaluate(&p, phase, &s).unwrap();
        let mut e = serde_json::to_value(&e).unwrap();
        // The protocol text and caveats are pinned elsewhere; keep the flags readable.
        e.as_object_mut().unwrap().remove("caveats");
        out.push_str(&format!("## {name}\n"));
        out.push_str(&serde_json::to_string_pretty(&e).unwrap());
        out.push('\n');
    }
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/protocol_golden/evaluations.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &out).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()));
    for (i, (a, b)) in expected.lines().zip(out.lines()).enumerate() {
        assert_eq!(
            a,
            b,
            "{} differs at line {} (UPDATE_GOLDEN=1 to accept)",
            path.display(),
            i + 1
        );
    }
    assert_eq!(
        expected.lines().count(),
        out.lines().count(),
        "{} differs in length (UPDATE_GOLDEN=1 to accept)",
        path.display()
    );
}
