//! `hipflex protocol show [--phase N]`: the effective rules in plain text, with sources.

use std::fmt::Write;

use super::config::{Limit, Phase, Protocol, Source, Sources};
use super::eval::CAVEATS;
use crate::common::Exercise;
use crate::error::Result;

fn d(v: f64) -> String {
    format!("{v}°")
}

fn s(v: f64) -> String {
    format!("{v:.1} s")
}

fn tag(src: &Option<Source>, key: &str) -> String {
    match src {
        Some(src) => format!("[{}: {key}]", src.grade),
        None => format!("[no source: {key}]"),
    }
}

fn cap_line(cap: Option<f64>, band: f64) -> String {
    match cap {
        None => "none".to_string(),
        Some(c) if band > 0.0 => format!(
            "{} (amber {}-{}, red above {})",
            d(c),
            d(c),
            d(c + band),
            d(c + band)
        ),
        Some(c) => format!("{} (red above {})", d(c), d(c)),
    }
}

fn min_s(v: Option<f64>) -> String {
    v.map_or("not checked".to_string(), |v| format!("at least {}", s(v)))
}

fn max_s(v: Option<f64>) -> String {
    v.map_or("not checked".to_string(), |v| format!("at most {}", s(v)))
}

/// The rules of `phase` (or every phase), with sources and the fixed caveats.
pub fn render_protocol(protocol: &Protocol, phase: Option<u8>) -> Result<String> {
    let phases: Vec<&Phase> = match phase {
        Some(n) => vec![protocol.phase(n)?],
        None => protocol.phases.iter().collect(),
    };
    let mut o = String::new();
    write_header(&mut o, protocol);
    for p in phases {
        write_phase(&mut o, protocol, p)?;
    }
    write_measurement_trust(&mut o, protocol);
    write_sources(&mut o, &protocol.sources);
    write_caveats(&mut o);
    Ok(o)
}

/// Name and version, what the angles mean, what the colours mean.
fn write_header(w: &mut String, protocol: &Protocol) {
    let band = protocol.measurement.amber_band_deg;
    let src = &protocol.sources;
    let _ = writeln!(
        w,
        "{} (protocol {}, schema {})",
        protocol.name, protocol.protocol_version, protocol.schema_version
    );
    if !protocol.description.trim().is_empty() {
        let _ = writeln!(w, "{}", protocol.description.trim());
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "Angles: loaded trunk–thigh hip flexion in degrees (0° = trunk and thigh in line, + = flexion). Only loaded time counts (inside a rep or hold), not rest between reps."
    );
    if band > 0.0 {
        let _ = writeln!(
            w,
            "Colours: green = within the limit; amber = up to {} beyond it (inside the measurement error); red = more than {} beyond it. {}",
            d(band),
            d(band),
            tag(&src.amber_band, "amber_band")
        );
    } else {
        let _ = writeln!(
            w,
            "Colours: green = within the limit; red = beyond it (no amber band). {}",
            tag(&src.amber_band, "amber_band")
        );
    }
}

/// One phase: its goal, then its limits and the per-exercise rules (or "report only").
fn write_phase(w: &mut String, protocol: &Protocol, p: &Phase) -> Result<()> {
    let _ = writeln!(w);
    let _ = writeln!(w, "Phase {}: {}", p.number, p.name);
    if !p.goal.trim().is_empty() {
        let _ = writeln!(w, "  Goal: {}", p.goal.trim());
    }
    if p.report_only {
        let _ = writeln!(
            w,
            "  Report only: angles, tempo and speed are reported; no cap, tempo, hold or technique flags."
        );
        return Ok(());
    }
    write_phase_limits(w, protocol, p);
    write_per_exercise(w, protocol, p)
}

/// The phase-level cap, tempo, pause and hold limits.
fn write_phase_limits(w: &mut String, protocol: &Protocol, p: &Phase) {
    let src = &protocol.sources;
    let band = protocol.measurement.amber_band_deg;
    let _ = writeln!(
        w,
        "  Hip-flexion cap: {} {}",
        cap_line(p.cap_deg.value(), band),
        tag(&src.caps, "caps")
    );
    let (ecc, con) = (p.eccentric_min_s.value(), p.concentric_min_s.value());
    if ecc.is_none() && con.is_none() {
        let _ = writeln!(w, "  Tempo: not checked");
    } else {
        let _ = writeln!(
            w,
            "  Tempo: eccentric (lowering) {}; concentric {} {}",
            min_s(ecc),
            min_s(con),
            tag(&src.tempo, "tempo")
        );
    }
    if let Some(v) = p.max_bottom_pause_s.value() {
        let _ = writeln!(
            w,
            "  Pause in the loaded bottom position: {} {}",
            max_s(Some(v)),
            tag(&src.pause, "pause")
        );
    }
    let (hmin, htarget) = (p.hold_min_s.value(), p.hold_target_s.value());
    let hdrift = p.hold_max_drift_deg.value();
    if hmin.is_none() && hdrift.is_none() {
        let _ = writeln!(w, "  Holds: not checked");
    } else {
        let hold = match (hmin, htarget) {
            (Some(min), Some(t)) if t > min => {
                format!("{} (target {})", min_s(Some(min)), s(t))
            }
            (min, _) => min_s(min),
        };
        let drift = hdrift.map_or("not checked".to_string(), |v| format!("at most {}", d(v)));
        let _ = writeln!(
            w,
            "  Holds: {hold}; drift during a hold: {drift} {}",
            tag(&src.holds, "holds")
        );
    }
}

/// One line per exercise: what differs from the phase, Nordic pike and break point, bridge top.
fn write_per_exercise(w: &mut String, protocol: &Protocol, p: &Phase) -> Result<()> {
    let _ = writeln!(w, "  Per exercise:");
    for ex in [Exercise::Bridge, Exercise::Nordic, Exercise::Deadlift] {
        let items = exercise_items(protocol, p, ex)?;
        let _ = writeln!(w, "    {ex}: {}", items.join("; "));
    }
    let _ = writeln!(
        w,
        "    unknown exercise: hip-flexion cap only, no tempo, hold or technique rules"
    );
    Ok(())
}

/// What applies to `ex` in phase `p` beyond the phase's own limits ("as the phase" if nothing).
fn exercise_items(protocol: &Protocol, p: &Phase, ex: Exercise) -> Result<Vec<String>> {
    let src = &protocol.sources;
    let m = &protocol.measurement;
    let band = m.amber_band_deg;
    let r = protocol.rules(p.number, ex)?;
    let ov = p.override_for(ex).cloned().unwrap_or_default();
    let mut items: Vec<String> = Vec::new();
    if let Some(c) = ov.cap_deg {
        items.push(format!(
            "cap {} {}",
            cap_line(c.value(), band),
            tag(&src.caps, "caps")
        ));
    }
    let diff = |o: Option<Limit>, base: Limit| o.is_some_and(|o| o != base);
    if diff(ov.eccentric_min_s, p.eccentric_min_s) {
        items.push(format!("eccentric {}", min_s(r.eccentric_min_s)));
    }
    if diff(ov.concentric_min_s, p.concentric_min_s) {
        items.push(format!("concentric {}", min_s(r.concentric_min_s)));
    }
    if diff(ov.max_bottom_pause_s, p.max_bottom_pause_s) {
        items.push(format!("bottom pause {}", max_s(r.max_bottom_pause_s)));
    }
    if ex == Exercise::Nordic {
        items.push(match r.hip_pike_limit_deg {
            Some(v) => format!(
                "hip pike at most {} {}",
                d(v),
                tag(&src.nordic_hip_pike, "nordic_hip_pike")
            ),
            None => "hip pike not checked".to_string(),
        });
        items.push(format!(
            "lowering time and break point (knee angle where knee extension first exceeds {}/s) reported {}",
            d(m.nordic_break_point_deg_per_s),
            tag(&src.nordic_break_point, "nordic_break_point")
        ));
    }
    if let Some((lo, hi)) = r.bridge_top_deg {
        items.push(format!(
            "top (most extended) between {} and {}: above is incomplete_extension, below is over_extension {}",
            d(lo),
            d(hi),
            tag(&src.bridge_top, "bridge_top")
        ));
    }
    if items.is_empty() {
        items.push("as the phase".to_string());
    }
    Ok(items)
}

/// When a rep, a view or the exercise label is not trusted.
fn write_measurement_trust(w: &mut String, protocol: &Protocol) {
    let m = &protocol.measurement;
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "Measurement trust {}",
        tag(&protocol.sources.confidence, "confidence")
    );
    let _ = writeln!(
        w,
        "  A rep tracked with confidence below {:.2} is flagged low_confidence; its flags are marked uncertain.",
        m.min_rep_confidence
    );
    let _ = writeln!(
        w,
        "  A poor view, or more than {:.0}% of frames tracked with low confidence, is flagged poor_view; an oblique view is flagged oblique_view. Angle flags are then marked uncertain.",
        m.max_low_confidence_fraction * 100.0
    );
    let _ = writeln!(
        w,
        "  An uncertain flag is never red: it is shown amber and its sentence says why."
    );
    let _ = writeln!(
        w,
        "  An exercise recognised with confidence below {:.2} is evaluated as unknown (cap only).",
        m.min_exercise_confidence
    );
}

/// Every source family with its grade and citation.
fn write_sources(w: &mut String, src: &Sources) {
    let _ = writeln!(w);
    let _ = writeln!(w, "Sources");
    for (key, sref) in [
        ("caps", &src.caps),
        ("amber_band", &src.amber_band),
        ("tempo", &src.tempo),
        ("pause", &src.pause),
        ("holds", &src.holds),
        ("nordic_hip_pike", &src.nordic_hip_pike),
        ("nordic_break_point", &src.nordic_break_point),
        ("bridge_top", &src.bridge_top),
        ("confidence", &src.confidence),
    ] {
        match sref {
            Some(sr) => {
                let _ = writeln!(
                    w,
                    "  {key} [{} = {}]: {}",
                    sr.grade,
                    sr.grade.describe(),
                    sr.text.trim()
                );
            }
            None => {
                let _ = writeln!(w, "  {key}: no source given in this protocol file");
            }
        }
    }
}

fn write_caveats(w: &mut String) {
    let _ = writeln!(w);
    let _ = writeln!(w, "Caveats");
    for c in CAVEATS {
        let _ = writeln!(w, "  - {c}");
    }
}
