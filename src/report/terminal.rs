//! The summary a person reads at a glance in the terminal.

use std::fmt::Write as _;

use super::Report;

/// ANSI colour for a severity (only used when writing to a terminal).
fn paint(s: &str, severity: &str, colour: bool) -> String {
    if !colour {
        return s.to_string();
    }
    let code = match severity {
        "red" => "31",
        "amber" => "33",
        _ => "32",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

fn deg(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.0}°")).unwrap_or_else(|| "–".into())
}

/// Renders the summary; `colour` adds ANSI colours.
pub fn render(r: &Report, colour: bool) -> String {
    let mut s = String::new();
    let p = &r.protocol;
    let _ = writeln!(
        s,
        "{} — {} ({:.0}% confident), {:.1} s, view: {:?}{}",
        r.clip.file,
        r.exercise.exercise,
        r.exercise.confidence * 100.0,
        r.clip.duration_s,
        r.view.verdict,
        if r.angle_source == "3d" {
            " (hip angles from 3D landmarks)"
        } else {
            ""
        }
    );
    let cap = p
        .cap_deg
        .map(|c| {
            format!(
                "cap {c:.0}° (amber to {:.0}°)",
                c + p.amber_band_deg.unwrap_or(0.0)
            )
        })
        .unwrap_or_else(|| "no angle cap (report only)".into());
    let _ = writeln!(
        s,
        "Protocol {} v{}, phase {} ({}): {cap}",
        p.name, p.version, p.phase, p.phase_name
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:>5}  {:>13}  {:>25}  {:>11}  {:>8}  {:>9}  flags",
        "rep", "time (s)", "tempo ecc-p-con-p", "peak hip", "hip 3D", "above cap"
    );
    for rep in &r.reps {
        let label = rep
            .number
            .map(|n| n.to_string())
            .unwrap_or_else(|| "part".into());
        let row = format!(
            "{:>5}  {:>6.1}-{:<6.1}  {:>25}  {:>11}  {:>8}  {:>9}  {}{}",
            label,
            rep.start_s,
            rep.end_s,
            super::tempo_with_uncertainty(rep),
            super::peak_with_interval(
                rep.peak_hip_flexion_deg,
                rep.peak_hip_flexion_uncertainty_deg
            ),
            deg(rep.peak_hip_flexion_3d_deg),
            rep.time_above_cap_s
                .map(|t| format!("{t:.1} s"))
                .unwrap_or_else(|| "–".into()),
            if rep.flags.is_empty() {
                "–".to_string()
            } else {
                rep.flags.join(", ")
            },
            if rep.uncertain { " (uncertain)" } else { "" }
        );
        let _ = writeln!(s, "{}", paint(&row, &rep.severity, colour));
    }
    if r.reps.is_empty() {
        let _ = writeln!(s, "  (no repetitions found)");
    }
    if let Some(line) = cross_check_line(r) {
        let _ = writeln!(s, "{line}");
    }
    for h in &r.holds {
        let _ = writeln!(
            s,
            " hold  {:>6.1}-{:<6.1}  {:.1} s at the {}{}",
            h.start_s,
            h.end_s,
            h.duration_s,
            h.position,
            h.hip_drift_deg
                .map(|d| format!(", drift {d:+.0}°"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s);
    for f in &r.flags {
        let _ = writeln!(
            s,
            "{}",
            paint(
                &format!("[{}] {}", f.severity, f.message),
                &f.severity,
                colour
            )
        );
    }
    let sum = &r.summary;
    let _ = writeln!(s, "{}", paint(&sum.verdict, &sum.worst_severity, colour));
    let _ = writeln!(
        s,
        "Angles are trunk–thigh angles with about ±10° measurement error; pain and load cannot be seen on video."
    );
    let _ = writeln!(s, "{}", faces_line(r));
    if let Some(line) = people_line(r) {
        let _ = writeln!(s, "{line}");
    }
    s
}

/// When several people were in view: whom hipflex followed and how to choose another (a
/// partner holding a Nordic's ankles can be taken for the exerciser; then the exercise
/// often reads `unknown`).
pub fn people_line(r: &Report) -> Option<String> {
    let seen = r.clip.people_seen.filter(|k| *k > 1)?;
    Some(format!(
        "{seen} people were in view; hipflex followed the one chosen by --person {}. If that is not the person exercising, run again with --person left, right or largest.",
        r.clip.person
    ))
}

/// Whether the pictures show faces, in words (report.json's `faces_shown`).
pub fn faces_line(r: &Report) -> &'static str {
    if !r.pictures_written {
        "No picture of the person was written (analysis from landmarks)."
    } else if r.faces_shown {
        "Faces are shown in the annotated video and keyframes (--show-faces)."
    } else {
        "Faces are blurred in the annotated video, keyframes and thumbnail (--show-faces shows them)."
    }
}

/// With `--cross-check`: each rep's peak loaded hip flexion from both model sizes.
pub fn cross_check_line(r: &Report) -> Option<String> {
    let other = r.clip.cross_check_model.as_deref()?;
    let peaks: Vec<String> = r
        .reps
        .iter()
        .filter(|p| p.counted)
        .map(|p| {
            format!(
                "rep {}: {} / {}",
                p.number.unwrap_or(0),
                deg(p.peak_loaded_hip_flexion_deg),
                deg(p.peak_loaded_hip_flexion_cross_check_deg)
            )
        })
        .collect();
    Some(format!(
        "Cross-check, peak loaded hip flexion {} / {other} model: {}",
        r.clip.model,
        if peaks.is_empty() {
            "no counted reps".to_string()
        } else {
            peaks.join(", ")
        }
    ))
}
