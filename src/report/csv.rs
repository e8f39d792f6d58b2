//! `reps.csv` (one row per repetition) and `frames.csv` (one row per frame).

use std::fmt::Write as _;

use super::Report;
use crate::exercise::Analysis;

fn o(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.2}"))
        .unwrap_or_default()
}

fn q(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per repetition (counted and partial).
pub fn reps_csv(r: &Report) -> String {
    let mut s = String::from(
        "rep,counted,start_s,end_s,bottom_s,tempo,eccentric_s,bottom_pause_s,concentric_s,top_pause_s,range_of_motion_deg,peak_hip_flexion_deg,peak_hip_flexion_s,peak_hip_flexion_2d_deg,peak_hip_flexion_3d_deg,min_hip_flexion_deg,peak_knee_flexion_deg,min_knee_flexion_deg,time_above_cap_s,lowering_s,break_point_knee_deg,uncertain,severity,flags\n",
    );
    for p in &r.reps {
        let _ = writeln!(
            s,
            "{},{},{:.3},{:.3},{:.3},{},{},{},{},{},{:.1},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            p.number
                .map(|n| n.to_string())
                .unwrap_or_else(|| "partial".into()),
            p.counted,
            p.start_s,
            p.end_s,
            p.bottom_s,
            p.tempo,
            o(p.eccentric_s),
            o(p.bottom_pause_s),
            o(p.concentric_s),
            o(p.top_pause_s),
            p.range_of_motion_deg,
            o(p.peak_hip_flexion_deg),
            o(p.peak_hip_flexion_s),
            o(p.peak_hip_flexion_2d_deg),
            o(p.peak_hip_flexion_3d_deg),
            o(p.min_hip_flexion_deg),
            o(p.peak_knee_flexion_deg),
            o(p.min_knee_flexion_deg),
            o(p.time_above_cap_s),
            o(p.lowering_s),
            o(p.break_point_knee_deg),
            p.uncertain,
            p.severity,
            q(&p.flags.join(" ")),
        );
    }
    s
}

/// One row per frame: timestamp, raw and filtered angles, confidences, labels.
pub fn frames_csv(a: &Analysis) -> String {
    let mut s = String::from(
        "frame,t_s,present,side,low_confidence,hip_flexion_2d_raw,hip_flexion_3d_raw,hip_flexion_2d,hip_flexion_3d,hip_flexion,knee_flexion_2d_raw,knee_flexion_2d,knee_flexion_3d,knee_flexion,trunk_inclination_raw,trunk_inclination,hip_height,conf_hip,conf_knee,conf_trunk,filled,outlier,loaded,posture,rep,phase,hold\n",
    );
    for f in &a.frames {
        let rep = f
            .rep
            .and_then(|i| a.reps.get(i))
            .map(|r| {
                r.number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "partial".into())
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{},{:.4},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.3},{:.3},{:.3},{},{},{},{},{},{},{}",
            f.index,
            f.t,
            f.present,
            f.side
                .map(|x| format!("{x:?}").to_lowercase())
                .unwrap_or_default(),
            f.low_confidence,
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
            f.conf_hip,
            f.conf_knee,
            f.conf_trunk,
            f.filled,
            f.outlier,
            f.loaded,
            serde_json::to_value(f.posture)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            rep,
            f.phase
                .and_then(|p| serde_json::to_value(p).ok())
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            f.hold.map(|h| (h + 1).to_string()).unwrap_or_default(),
        );
    }
    s
}
