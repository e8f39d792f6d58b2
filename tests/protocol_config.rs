//! The protocol file: the default parses and validates; bad files are rejected with clear messages.

use hipflex::Error;
use hipflex::common::Exercise;
use hipflex::protocol::{DEFAULT_PHT_TOML, Limit, Protocol};

fn parse(text: &str) -> Result<Protocol, String> {
    Protocol::from_toml_str(text, "test.toml").map_err(|e| e.to_string())
}

/// The default file with `from` replaced by `to` (exactly once).
fn edited(from: &str, to: &str) -> String {
    assert_eq!(
        DEFAULT_PHT_TOML.matches(from).count(),
        1,
        "`{from}` must occur once in the default file"
    );
    DEFAULT_PHT_TOML.replacen(from, to, 1)
}

fn rejects(text: &str, needles: &[&str]) {
    let err = match parse(text) {
        Ok(_) => panic!("should be rejected (expected {needles:?})"),
        Err(e) => e,
    };
    assert!(err.contains("test.toml"), "origin missing from: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` missing from: {err}");
    }
}

#[test]
fn default_parses_and_validates() {
    let p = Protocol::default_pht();
    assert_eq!(p.schema_version, 1);
    assert_eq!(p.name, "PHT default");
    assert!(!p.protocol_version.is_empty());
    assert_eq!(p.phases.len(), 4);
    let caps: Vec<Limit> = p.phases.iter().map(|ph| ph.cap_deg).collect();
    assert_eq!(
        caps,
        vec![
            Limit::Value(30.0),
            Limit::Value(45.0),
            Limit::Value(70.0),
            Limit::Off
        ]
    );
    assert_eq!(p.measurement.amber_band_deg, 10.0);
    assert_eq!(p.measurement.nordic_break_point_deg_per_s, 10.0);
    assert_eq!((p.bridge_top.min_deg, p.bridge_top.max_deg), (-15.0, 10.0));
    assert!(p.phases[3].report_only);
    p.validate().unwrap();
    // Every source family is cited in the default.
    let s = &p.sources;
    for src in [
        &s.caps,
        &s.amber_band,
        &s.tempo,
        &s.pause,
        &s.holds,
        &s.nordic_hip_pike,
        &s.nordic_break_point,
        &s.bridge_top,
        &s.confidence,
    ] {
        assert!(src.is_some());
    }
}

#[test]
fn default_effective_rules() {
    let p = Protocol::default_pht();
    let r1 = p.rules(1, Exercise::Bridge).unwrap();
    assert_eq!(r1.cap_deg, Some(30.0));
    assert_eq!(r1.hold_min_s, Some(30.0));
    assert_eq!(r1.hold_target_s, Some(45.0));
    assert_eq!(r1.hold_max_drift_deg, Some(10.0));
    assert_eq!(r1.eccentric_min_s, None);
    assert_eq!(r1.bridge_top_deg, Some((-15.0, 10.0)));

    let r2 = p.rules(2, Exercise::Deadlift).unwrap();
    assert_eq!(r2.cap_deg, Some(45.0));
    assert_eq!(r2.eccentric_min_s, Some(2.0));
    assert_eq!(r2.concentric_min_s, Some(2.0));
    assert_eq!(r2.max_bottom_pause_s, Some(1.0));
    assert_eq!(r2.hip_pike_limit_deg, None);
    assert_eq!(r2.bridge_top_deg, None);

    let b2 = p.rules(2, Exercise::Bridge).unwrap();
    assert_eq!(b2.max_bottom_pause_s, None, "bridge bottom is rest");

    let n2 = p.rules(2, Exercise::Nordic).unwrap();
    assert_eq!(n2.hip_pike_limit_deg, Some(20.0));
    assert_eq!(n2.concentric_min_s, None);
    assert_eq!(n2.eccentric_min_s, Some(2.0));

    let n3 = p.rules(3, Exercise::Nordic).unwrap();
    assert_eq!(n3.cap_deg, Some(70.0));
    assert_eq!(n3.hip_pike_limit_deg, Some(70.0));

    let u2 = p.rules(2, Exercise::Unknown).unwrap();
    assert_eq!(u2.cap_deg, Some(45.0));
    assert_eq!(u2.eccentric_min_s, None);
    assert_eq!(u2.max_bottom_pause_s, None);

    for ex in [
        Exercise::Bridge,
        Exercise::Nordic,
        Exercise::Deadlift,
        Exercise::Unknown,
    ] {
        let r4 = p.rules(4, ex).unwrap();
        assert!(r4.report_only);
        assert_eq!(r4.cap_deg, None);
        assert_eq!(r4.eccentric_min_s, None);
        assert_eq!(r4.concentric_min_s, None);
        assert_eq!(r4.hip_pike_limit_deg, None);
        assert_eq!(r4.bridge_top_deg, None);
    }
}

#[test]
fn missing_phase_is_an_error_naming_the_phases() {
    let p = Protocol::default_pht();
    let e = p.rules(5, Exercise::Bridge).unwrap_err();
    assert!(matches!(e, Error::PhaseMissing { phase: 5, .. }));
    let msg = e.to_string();
    assert!(msg.contains("phase 5") && msg.contains("1-4"), "{msg}");
    assert!(p.rules(0, Exercise::Bridge).is_err());
}

#[test]
fn from_file_reads_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("clinic.toml");
    std::fs::write(&good, edited("cap_deg = 70.0", "cap_deg = 90.0")).unwrap();
    let p = Protocol::from_file(&good).unwrap();
    assert_eq!(p.phases[2].cap_deg, Limit::Value(90.0));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        edited("amber_band_deg = 10.0", "amber_band_deg = -1.0"),
    )
    .unwrap();
    let msg = Protocol::from_file(&bad).unwrap_err().to_string();
    assert!(msg.contains("bad.toml"), "{msg}");
    assert!(msg.contains("amber_band_deg"), "{msg}");

    let missing = dir.path().join("nope.toml");
    let msg = Protocol::from_file(&missing).unwrap_err().to_string();
    assert!(msg.contains("nope.toml"), "{msg}");
}

#[test]
fn unknown_key_is_rejected_with_key_and_line() {
    // Top level.
    let text = edited(
        "name = \"PHT default\"",
        "name = \"PHT default\"\ncolour = \"blue\"",
    );
    let line = text.lines().position(|l| l.starts_with("colour")).unwrap() + 1;
    rejects(
        &text,
        &["unknown field", "`colour`", &format!("line {line}")],
    );
    // Inside a phase (typo of cap_deg).
    rejects(
        &edited("cap_deg = 45.0", "cap_degs = 45.0"),
        &["unknown field", "`cap_degs`"],
    );
    // Inside a per-exercise override.
    rejects(
        &edited(
            "hip_pike_limit_deg = 20.0\n# The return",
            "hip_pike_limt_deg = 20.0\n# The return",
        ),
        &["`hip_pike_limt_deg`"],
    );
    // Unknown exercise table inside a phase.
    rejects(
        &edited(
            "[phase.bridge]\n# Bridge bottom",
            "[phase.squat]\n# Bridge bottom",
        ),
        &["`squat`"],
    );
    // Measurement and sources.
    rejects(
        &edited("amber_band_deg = 10.0", "amber_band_deg = 10.0\nfoo = 1"),
        &["`foo`"],
    );
    rejects(
        &edited("[sources.confidence]", "[sources.confidance]"),
        &["`confidance`"],
    );
}

#[test]
fn bad_types_are_rejected() {
    rejects(
        &edited("cap_deg = 45.0", "cap_deg = \"forty\""),
        &["\"none\"", "forty"],
    );
    rejects(
        &edited(
            "[sources.caps]\ngrade = \"C\"",
            "[sources.caps]\ngrade = \"Z\"",
        ),
        &["Z"],
    );
    rejects(&edited("schema_version = 1", ""), &["schema_version"]);
    rejects(
        &edited("cap_deg = 45.0", "# no cap"),
        &["missing field", "cap_deg"],
    );
}

#[test]
fn invalid_values_are_rejected() {
    rejects(
        &edited("schema_version = 1", "schema_version = 2"),
        &["schema_version = 2"],
    );
    rejects(&edited("name = \"PHT default\"", "name = \"\""), &["name"]);
    rejects(
        &edited("amber_band_deg = 10.0", "amber_band_deg = -5.0"),
        &["amber_band_deg", "0 or more"],
    );
    rejects(
        &edited("amber_band_deg = 10.0", "amber_band_deg = nan"),
        &["amber_band_deg", "finite"],
    );
    rejects(
        &edited("min_rep_confidence = 0.5", "min_rep_confidence = 1.5"),
        &["min_rep_confidence", "between 0 and 1"],
    );
    rejects(
        &edited(
            "nordic_break_point_deg_per_s = 10.0",
            "nordic_break_point_deg_per_s = 0",
        ),
        &["nordic_break_point_deg_per_s"],
    );
    // Caps must ascend.
    rejects(
        &edited("cap_deg = 45.0", "cap_deg = 25.0"),
        &["ascend", "phase 2", "phase 1"],
    );
    rejects(
        &edited("cap_deg = 45.0", "cap_deg = \"none\""),
        &["ascend", "phase 3", "none"],
    );
    // Per-exercise caps must ascend too.
    rejects(
        &edited(
            "[phase.bridge]\nmax_bottom_pause_s = \"none\"\n\n[phase.nordic]\n# Hip-flexed",
            "[phase.bridge]\nmax_bottom_pause_s = \"none\"\ncap_deg = 40.0\n\n[phase.nordic]\n# Hip-flexed",
        ),
        &["ascend", "phase 3", "for bridge"],
    );
    rejects(
        &edited("cap_deg = 30.0", "cap_deg = 200.0"),
        &["cap_deg", "between -90 and 180"],
    );
    rejects(
        &edited("cap_deg = 30.0", "cap_deg = -5.0"),
        &["cap_deg", "0 or more"],
    );
    // Tempo floors and holds.
    rejects(
        &edited(
            "eccentric_min_s = 2.0\nconcentric_min_s = 2.0\n# Pause",
            "eccentric_min_s = -2.0\nconcentric_min_s = 2.0\n# Pause",
        ),
        &["phase 2: eccentric_min_s", "0 or more"],
    );
    rejects(
        &edited("hold_target_s = 45.0", "hold_target_s = 20.0"),
        &["hold_target_s", "hold_min_s"],
    );
    // Phases numbered 1..N in order.
    rejects(
        &edited("number = 3", "number = 5"),
        &["numbered", "number = 5"],
    );
    rejects(&edited("number = 2", "number = 1"), &["numbered"]);
    // Bridge top range.
    rejects(
        &edited("min_deg = -15.0", "min_deg = 20.0"),
        &["bridge_top.min_deg"],
    );
    // Report-only phase with a cap.
    rejects(
        &edited(
            "cap_deg = \"none\"\nreport_only = true",
            "cap_deg = 90.0\nreport_only = true",
        ),
        &["report_only", "cap_deg"],
    );
    // Pike limit only for Nordics, and not above the cap.
    rejects(
        &edited(
            "[phase.bridge]\n# Bridge bottom = pelvis resting on the floor: rest, not load. Not checked.\nmax_bottom_pause_s = \"none\"",
            "[phase.bridge]\nhip_pike_limit_deg = 10.0\nmax_bottom_pause_s = \"none\"",
        ),
        &["hip_pike_limit_deg", "[phase.nordic]"],
    );
    rejects(
        &edited("hip_pike_limit_deg = 70.0", "hip_pike_limit_deg = 80.0"),
        &["hip_pike_limit_deg", "cap"],
    );
    // No phases at all.
    let no_phases: String = {
        let start = DEFAULT_PHT_TOML.find("[[phase]]").unwrap();
        let end = DEFAULT_PHT_TOML.find("[sources.caps]").unwrap();
        format!("{}{}", &DEFAULT_PHT_TOML[..start], &DEFAULT_PHT_TOML[end..])
    };
    rejects(&no_phases, &["phase"]);
}

#[test]
fn a_clinic_protocol_can_be_minimal() {
    let text = r#"
schema_version = 1
protocol_version = "clinic-2"
name = "Our clinic"

[measurement]
amber_band_deg = 0
min_rep_confidence = 0.4
max_low_confidence_fraction = 0.5
min_exercise_confidence = 0.5
nordic_break_point_deg_per_s = 10

[bridge_top]
min_deg = -20
max_deg = 15

[[phase]]
number = 1
name = "early"
cap_deg = 60

[[phase]]
number = 2
name = "late"
cap_deg = "none"
"#;
    let p = parse(text).unwrap();
    assert_eq!(p.phases.len(), 2);
    assert!(p.sources.caps.is_none());
    let r = p.rules(2, Exercise::Deadlift).unwrap();
    assert_eq!(r.cap_deg, None);
    assert!(!r.report_only);
    let r = p.rules(1, Exercise::Nordic).unwrap();
    assert_eq!(
        r.hip_pike_limit_deg,
        Some(60.0),
        "pike limit defaults to the cap"
    );
}

#[test]
fn per_exercise_cap_override() {
    // docs/protocol.md: raise the phase 3 cap to 90° for RDLs only.
    let text = edited(
        "[[phase]]\nnumber = 4",
        "[phase.deadlift]\ncap_deg = 90.0\n\n[[phase]]\nnumber = 4",
    );
    let p = parse(&text).unwrap();
    assert_eq!(p.rules(3, Exercise::Deadlift).unwrap().cap_deg, Some(90.0));
    assert_eq!(p.rules(3, Exercise::Bridge).unwrap().cap_deg, Some(70.0));
    assert_eq!(p.rules(3, Exercise::Unknown).unwrap().cap_deg, Some(70.0));
}
