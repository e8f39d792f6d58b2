//! Frame-interval statistics: measured frame rate and variable-frame-rate detection.

use serde::{Deserialize, Serialize};

/// Summary of the intervals between consecutive frame timestamps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimingStats {
    pub mean_fps: f64,
    pub min_interval_s: f64,
    pub max_interval_s: f64,
    /// Coefficient of variation of the intervals.
    pub interval_cv: f64,
    /// True when intervals vary by more than [`VFR_CV_THRESHOLD`].
    pub variable: bool,
}

/// Interval variation above which a clip counts as variable frame rate. Constant
/// frame rate clips measure well under 1% (timestamp rounding only).
pub const VFR_CV_THRESHOLD: f64 = 0.05;

pub fn timing_stats(intervals: &[f64]) -> TimingStats {
    let v: Vec<f64> = intervals
        .iter()
        .copied()
        .filter(|d| d.is_finite() && *d > 0.0)
        .collect();
    if v.is_empty() {
        return TimingStats::default();
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n;
    let cv = var.sqrt() / mean;
    TimingStats {
        mean_fps: 1.0 / mean,
        min_interval_s: v.iter().copied().fold(f64::INFINITY, f64::min),
        max_interval_s: v.iter().copied().fold(0.0, f64::max),
        interval_cv: cv,
        variable: cv > VFR_CV_THRESHOLD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_and_variable() {
        let c = timing_stats(&[1.0 / 30.0; 10]);
        assert!((c.mean_fps - 30.0).abs() < 1e-9);
        assert!(!c.variable);
        let v = timing_stats(&[0.033, 0.05, 0.02, 0.04, 0.033]);
        assert!(v.variable);
    }
}
