//! `reps.csv` (one row per repetition) and `frames.csv` (one row per frame), written through
//! the `csv` crate.

use super::Report;
use crate::csvfmt::{finish, take, write, writer};
use crate::exercise::Analysis;

fn o(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.2}"))
        .unwrap_or_default()
}

const REPS_HEADER: [&str; 27] = [
    "rep",
    "counted",
    "start_s",
    "end_s",
    "bottom_s",
    "tempo",
    "eccentric_s",
    "bottom_pause_s",
    "concentric_s",
    "top_pause_s",
    "phase_uncertainty_s",
    "range_of_motion_deg",
    "peak_hip_flexion_deg",
    "peak_hip_flexion_uncertainty_deg",
    "peak_hip_flexion_s",
    "peak_hip_flexion_2d_deg",
    "peak_hip_flexion_3d_deg",
    "peak_loaded_hip_flexion_cross_check_deg",
    "min_hip_flexion_deg",
    "peak_knee_flexion_deg",
    "min_knee_flexion_deg",
    "time_above_cap_s",
    "lowering_s",
    "break_point_knee_deg",
    "uncertain",
    "severity",
    "flags",
];

/// One row per repetition (counted and partial).
pub fn reps_csv(r: &Report) -> String {
    let mut w = writer();
    write(&mut w, REPS_HEADER);
    for p in &r.reps {
        write(
            &mut w,
            [
                p.number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "partial".into()),
                p.counted.to_string(),
                format!("{:.3}", p.start_s),
                format!("{:.3}", p.end_s),
                format!("{:.3}", p.bottom_s),
                p.tempo.to_string(),
                o(p.eccentric_s),
                o(p.bottom_pause_s),
                o(p.concentric_s),
                o(p.top_pause_s),
                o(p.phase_uncertainty_s),
                format!("{:.1}", p.range_of_motion_deg),
                o(p.peak_hip_flexion_deg),
                o(p.peak_hip_flexion_uncertainty_deg),
                o(p.peak_hip_flexion_s),
                o(p.peak_hip_flexion_2d_deg),
                o(p.peak_hip_flexion_3d_deg),
                o(p.peak_loaded_hip_flexion_cross_check_deg),
                o(p.min_hip_flexion_deg),
                o(p.peak_knee_flexion_deg),
                o(p.min_knee_flexion_deg),
                o(p.time_above_cap_s),
                o(p.lowering_s),
                o(p.break_point_knee_deg),
                p.uncertain.to_string(),
                p.severity.to_string(),
                p.flags.join(" "),
            ],
        );
    }
    finish(w)
}

const FRAMES_HEADER: [&str; 27] = [
    "frame",
    "t_s",
    "present",
    "side",
    "low_confidence",
    "hip_flexion_2d_raw",
    "hip_flexion_3d_raw",
    "hip_flexion_2d",
    "hip_flexion_3d",
    "hip_flexion",
    "knee_flexion_2d_raw",
    "knee_flexion_2d",
    "knee_flexion_3d",
    "knee_flexion",
    "trunk_inclination_raw",
    "trunk_inclination",
    "hip_height",
    "conf_hip",
    "conf_knee",
    "conf_trunk",
    "filled",
    "outlier",
    "loaded",
    "posture",
    "rep",
    "phase",
    "hold",
];

/// A serde enum's snake_case name, or empty.
fn name_of<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// One row per frame: timestamp, raw and filtered angles, confidences, labels.
pub fn frames_csv(a: &Analysis) -> String {
    let mut text = Vec::new();
    write_frames_csv(&mut text, a).expect("writing CSV into memory cannot fail");
    String::from_utf8(text).expect("CSV of strings is UTF-8")
}

/// [`frames_csv`] written to `out` a block of rows at a time (a long clip's table is
/// never held whole in memory).
pub fn write_frames_csv(out: &mut dyn std::io::Write, a: &Analysis) -> std::io::Result<()> {
    let mut w = writer();
    write(&mut w, FRAMES_HEADER);
    for (n, f) in a.frames.iter().enumerate() {
        if n % 1024 == 1023 {
            out.write_all(&take(&mut w))?;
        }
        let rep = f
            .rep
            .and_then(|i| a.reps.get(i))
            .map(|r| {
                r.number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "partial".into())
            })
            .unwrap_or_default();
        write(
            &mut w,
            [
                f.index.to_string(),
                format!("{:.4}", f.t),
                f.present.to_string(),
                f.side
                    .map(|x| format!("{x:?}").to_lowercase())
                    .unwrap_or_default(),
                f.low_confidence.to_string(),
                o(f.hip_flexion_2d_raw),
                o(f.hip_flexion_3d_raw),
                o(f.hip_flexion_2d),
                o(f.hip_flexion_3d),
                o(f.hip_flexion),
                o(f.knee_flexion_2d_raw),
                o(f.knee_flexion_2d),
                o(f.knee_flexion_3d),
                o(f.knee_flexion),
                o(f.trunk_inclination_raw),
                o(f.trunk_inclination),
                o(f.hip_height),
                format!("{:.3}", f.conf_hip),
                format!("{:.3}", f.conf_knee),
                format!("{:.3}", f.conf_trunk),
                f.filled.to_string(),
                f.outlier.to_string(),
                f.loaded.to_string(),
                name_of(f.posture),
                rep,
                f.phase.map(name_of).unwrap_or_default(),
                f.hold.map(|h| (h + 1).to_string()).unwrap_or_default(),
            ],
        );
    }
    out.write_all(&take(&mut w))
}
