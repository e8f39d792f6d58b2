//! `--cross-check`: each rep's peak loaded hip flexion measured again on the landmarks of
//! the other model size (found on the same region of the same frames), fed to the
//! uncertainty model, and a rep whose two peaks disagree by more than its interval marked
//! uncertain (so its flags are amber, never a confident colour).
//!
//! The second model's angle is taken on the side and with the facing the first model's
//! frame was given, gated by the second model's own hip confidence and cleaned exactly as
//! the primary hip angle is, in the same plane (2D or 3D). Its peak is the largest value in
//! the frames of the rep the first model found loaded (all the rep's frames when none was).

use crate::common::Exercise;
use crate::error::Result;
use crate::frame_store::Frames;
use crate::kinematics::{self, RawKinematics, ViewQuality};
use crate::pose::CrossCheckTrack;
use crate::signal;

use super::{AnalysisConfig, FrameRows, Rep, nan};

/// The second model's primary hip angle per frame, cleaned like the first's (NaN where it
/// is missing or not confidently seen).
pub fn cross_hip_series<F: Frames + ?Sized>(
    frames: &F,
    kin: &[RawKinematics],
    t: &[f64],
    track: &CrossCheckTrack,
    use_3d: bool,
    cfg: &AnalysisConfig,
) -> Result<Vec<f64>> {
    let kp = &cfg.kinematics;
    let mut seen: Vec<(f64, bool)> = Vec::with_capacity(frames.len());
    frames.visit(&mut |_, f| seen.push((f.timestamp_s, f.pose.is_some())))?;
    let mut poses = track.poses.iter().peekable();
    let raw: Vec<f64> = seen
        .iter()
        .zip(kin)
        .map(|(&(ts, posed), k)| {
            while poses.peek().is_some_and(|p| p.timestamp_s < ts) {
                poses.next();
            }
            let cross = poses
                .peek()
                .filter(|p| p.timestamp_s == ts && posed && k.present);
            let Some(c) = cross else {
                return f64::NAN;
            };
            let ck = kinematics::cross_check_hip(k, c, kp);
            let v = if use_3d {
                ck.hip_flexion_3d
            } else {
                ck.hip_flexion_2d
            };
            if ck.conf_hip >= kp.min_confidence {
                nan(v)
            } else {
                f64::NAN
            }
        })
        .collect();
    Ok(signal::clean_series(t, &raw, &cfg.signal).values)
}

/// The second model's peak over `rep`'s loaded frames (all its frames when none is
/// loaded), from `cross` (one value per analysis frame row).
pub fn cross_peak(rep: &Rep, rows: &FrameRows, cross: &[f64]) -> Option<f64> {
    let in_rep: Vec<(bool, f64)> = (0..rows.len().min(cross.len()))
        .filter(|&i| {
            rows.t(i)
                .is_some_and(|t| t >= rep.start_s && t <= rep.end_s)
        })
        .filter_map(|i| rows.get(i).map(|f| (f.loaded, cross[i])))
        .collect();
    let any_loaded = in_rep.iter().any(|x| x.0);
    in_rep
        .iter()
        .filter(|x| x.0 || !any_loaded)
        .map(|x| x.1)
        .filter(|v| v.is_finite())
        .max_by(f64::total_cmp)
}

/// The first model's peak the cross-check is compared with: the loaded peak, else the
/// rep's peak.
pub fn primary_peak(rep: &Rep) -> Option<f64> {
    rep.loaded_peak().map(|p| p.0).or(rep.peak_hip_flexion_deg)
}

/// Puts the second model's peak on each rep, widens the interval with it, and marks a rep
/// uncertain (with the reason) when the two peaks are further apart than the interval.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    reps: &mut [Rep],
    rows: &FrameRows,
    cross: &[f64],
    model: &str,
    view: &ViewQuality,
    exercise: Exercise,
    cfg: &AnalysisConfig,
) {
    let series = super::EvidenceSeries::of(rows, view, cfg);
    for r in reps {
        let other = cross_peak(r, rows, cross);
        r.peak_loaded_hip_flexion_cross_check_deg = other.map(|x| (x * 10.0).round() / 10.0);
        let Some(mut e) = series.evidence(view, exercise, r, cfg) else {
            continue;
        };
        e.peak_deg = primary_peak(r);
        e.cross_check_peak_deg = other;
        let half = kinematics::uncertainty::rounded_half_width(&e, &cfg.uncertainty);
        r.peak_hip_flexion_uncertainty_deg = Some(half);
        if let Some(reason) = disagreement_reason(e.peak_deg, other, half, model) {
            r.uncertain = true;
            r.uncertain_reasons.push(reason);
        }
    }
}

/// The reason a rep is uncertain when the `model` model's peak `other` lies outside
/// `peak ± half`.
pub fn disagreement_reason(
    peak: Option<f64>,
    other: Option<f64>,
    half: f64,
    model: &str,
) -> Option<String> {
    let (p, o) = (peak?, other?);
    ((p - o).abs() > half).then(|| {
        format!(
            "the {model} model puts the peak at {o:.0}°, {:.0}° from this one's: more than the ±{half:.0}° interval",
            (p - o).abs()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disagreement_beyond_the_interval_is_a_reason() {
        assert!(disagreement_reason(Some(50.0), Some(60.0), 12.0, "lite").is_none());
        let r = disagreement_reason(Some(35.0), Some(55.0), 19.0, "lite").unwrap();
        assert!(
            r.contains("lite model") && r.contains("55°") && r.contains("±19°"),
            "{r}"
        );
        assert!(disagreement_reason(Some(35.0), None, 10.0, "lite").is_none());
    }
}
