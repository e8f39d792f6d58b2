//! Golden test of `render_protocol` (`hipflex protocol show`).
//! Regenerate after an intended change with `UPDATE_GOLDEN=1 cargo test --test protocol_render`
//! and review the diff.

use std::path::PathBuf;

use hipflex::protocol::{Protocol, render_protocol};

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/protocol_golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        for (i, (a, b)) in expected.lines().zip(actual.lines()).enumerate() {
            if a != b {
                panic!(
                    "{} differs at line {}:\nexpected: {a}\nactual:   {b}\n(UPDATE_GOLDEN=1 to accept)",
                    path.display(),
                    i + 1
                );
            }
        }
        panic!(
            "{} differs in length (UPDATE_GOLDEN=1 to accept)",
            path.display()
        );
    }
}

#[test]
fn render_all_phases() {
    let out = render_protocol(&Protocol::default_pht(), None).unwrap();
    golden("show_all.txt", &out);
    for needle in [
        "Phase 1: isometric",
        "Hip-flexion cap: 30°",
        "Hip-flexion cap: 45°",
        "Hip-flexion cap: 70°",
        "Report only",
        "at least 30.0 s (target 45.0 s)",
        "hip pike at most 20°",
        "[C: caps]",
        "clinical convention, no primary data",
        "pelvic tilt",
        "never advises changing phase",
    ] {
        assert!(out.contains(needle), "`{needle}` missing");
    }
}

#[test]
fn render_one_phase() {
    let out = render_protocol(&Protocol::default_pht(), Some(2)).unwrap();
    golden("show_phase2.txt", &out);
    assert!(out.contains("Phase 2:"));
    assert!(!out.contains("Phase 1:") && !out.contains("Phase 3:"));
    assert!(out.contains("Caveats"));
}

#[test]
fn render_missing_phase_is_an_error() {
    let e = render_protocol(&Protocol::default_pht(), Some(7)).unwrap_err();
    assert!(e.to_string().contains("phase 7"));
}

#[test]
fn render_without_sources_says_so() {
    let text = hipflex::protocol::DEFAULT_PHT_TOML;
    let cut = text.find("[sources.caps]").unwrap();
    let p = Protocol::from_toml_str(&text[..cut], "test").unwrap();
    let out = render_protocol(&p, Some(1)).unwrap();
    assert!(out.contains("[no source: caps]"));
    assert!(out.contains("caps: no source given"));
}

#[test]
fn render_without_band_or_sources_golden() {
    let text = hipflex::protocol::DEFAULT_PHT_TOML.replacen(
        "amber_band_deg = 10.0",
        "amber_band_deg = 0",
        1,
    );
    let cut = text.find("[sources.caps]").unwrap();
    let text = text[..cut].replacen(
        "[phase.bridge]\nmax_bottom_pause_s = \"none\"\n\n[phase.nordic]\n# Hip-flexed",
        "[phase.bridge]\nmax_bottom_pause_s = \"none\"\neccentric_min_s = 3.0\n\n[phase.deadlift]\ncap_deg = 80.0\n\n[phase.nordic]\n# Hip-flexed",
        1,
    );
    assert!(text.contains("cap_deg = 80.0"), "the edit must apply");
    let p = Protocol::from_toml_str(&text, "test").unwrap();
    golden(
        "show_no_band_no_sources.txt",
        &render_protocol(&p, None).unwrap(),
    );
}
