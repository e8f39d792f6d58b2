//! Signal cleaning for per-frame angle series on real (possibly variable) timestamps:
//! Hampel outlier rejection, short-gap filling, resampling of variable-frame-rate series
//! onto a uniform grid, zero-lag Butterworth low-pass, and derivatives.
//!
//! Missing samples are `f64::NAN` throughout this module.

pub mod butterworth;

use serde::{Deserialize, Serialize};

pub use butterworth::{Biquad, Sos, butter_lowpass, default_padlen, filtfilt};

/// Parameters of [`clean_series`]. Defaults follow the offline-filtering norm for
/// markerless kinematics (Sports2D: 4th-order zero-lag Butterworth at 6 Hz).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CleanParams {
    /// Low-pass cutoff, Hz (default 6). Clamped to 0.4 x the sample rate for slow clips.
    pub cutoff_hz: f64,
    /// Butterworth order of one pass (default 4; forward-backward doubles the attenuation).
    pub order: usize,
    /// Hampel filter half-window, seconds (default 0.2 s, about 6 frames each side at 30 fps).
    pub hampel_half_window_s: f64,
    /// Hampel threshold in robust standard deviations (default 3).
    pub hampel_n_sigma: f64,
    /// Smallest deviation from the local median that may count as an outlier, degrees
    /// (default 5): keeps the Hampel filter from "correcting" still, noise-free stretches.
    pub hampel_min_deviation: f64,
    /// Longest gap (missing or low-confidence stretch) that is filled by interpolation,
    /// seconds (default 0.3). Longer gaps stay gaps.
    pub max_gap_s: f64,
    /// Relative deviation of a frame interval from the median interval beyond which the
    /// series is treated as variable frame rate and resampled (default 0.25).
    pub vfr_tolerance: f64,
}

impl Default for CleanParams {
    fn default() -> Self {
        CleanParams {
            cutoff_hz: 6.0,
            order: 4,
            hampel_half_window_s: 0.2,
            hampel_n_sigma: 3.0,
            hampel_min_deviation: 5.0,
            max_gap_s: 0.3,
            vfr_tolerance: 0.25,
        }
    }
}

/// Result of [`clean_series`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cleaned {
    /// Filtered values; NaN inside unfilled gaps and before/after the first/last valid sample.
    pub values: Vec<f64>,
    /// Samples that were missing (or rejected) and interpolated.
    pub filled: Vec<bool>,
    /// Samples replaced by the Hampel filter.
    pub outlier: Vec<bool>,
    /// Whether the series was resampled because the timestamps are irregular.
    pub resampled: bool,
}

/// Median of finite values (NaN when there are none).
pub fn median(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(|a, b| a.total_cmp(b));
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

/// Percentile (0..=100, linear interpolation) of finite values (NaN when there are none).
pub fn percentile(v: &[f64], p: f64) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(|a, b| a.total_cmp(b));
    let pos = (p / 100.0).clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

/// Median frame interval of increasing timestamps (NaN with fewer than 2 samples).
pub fn median_dt(t: &[f64]) -> f64 {
    let d: Vec<f64> = t
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .collect();
    median(&d)
}

/// Whether the timestamps deviate from a uniform grid by more than `tol` x median interval.
pub fn is_variable_rate(t: &[f64], tol: f64) -> bool {
    let dt = median_dt(t);
    if !dt.is_finite() {
        return false;
    }
    t.windows(2).any(|w| ((w[1] - w[0]) - dt).abs() > tol * dt)
}

/// Hampel filter: a sample further than `n_sigma` robust standard deviations (1.4826 x MAD)
/// and further than `min_dev` from the median of its `half` neighbours on each side is
/// replaced by that median. NaNs are ignored and kept. Returns the outlier mask.
pub fn hampel(x: &mut [f64], half: usize, n_sigma: f64, min_dev: f64) -> Vec<bool> {
    let n = x.len();
    let src = x.to_vec();
    let mut out = vec![false; n];
    let mut win = Vec::with_capacity(2 * half + 1);
    for i in 0..n {
        if !src[i].is_finite() {
            continue;
        }
        win.clear();
        let lo = i.saturating_sub(half);
        let hi = (i + half + 1).min(n);
        win.extend(src[lo..hi].iter().copied().filter(|v| v.is_finite()));
        if win.len() < 3 {
            continue;
        }
        let m = median(&win);
        let dev: Vec<f64> = win.iter().map(|v| (v - m).abs()).collect();
        let s = 1.4826 * median(&dev);
        let d = (src[i] - m).abs();
        if d > n_sigma * s && d > min_dev {
            x[i] = m;
            out[i] = true;
        }
    }
    out
}

/// Linearly interpolates interior NaN runs whose missing time (next valid time - previous
/// valid time - one median interval) is below `max_gap_s`. Leading and trailing runs and
/// longer gaps stay NaN. Returns the mask of filled samples.
pub fn fill_gaps(t: &[f64], x: &mut [f64], max_gap_s: f64) -> Vec<bool> {
    let n = x.len();
    let mut filled = vec![false; n];
    let dt = median_dt(t);
    let mut prev: Option<usize> = None;
    let mut i = 0;
    while i < n {
        if x[i].is_finite() {
            prev = Some(i);
            i += 1;
            continue;
        }
        let start = i;
        while i < n && !x[i].is_finite() {
            i += 1;
        }
        if let (Some(p), true) = (prev, i < n) {
            let missing = t[i] - t[p] - if dt.is_finite() { dt } else { 0.0 };
            if missing < max_gap_s - 1e-9 {
                for k in start..i {
                    let f = (t[k] - t[p]) / (t[i] - t[p]);
                    x[k] = x[p] + f * (x[i] - x[p]);
                    filled[k] = true;
                }
            }
        }
    }
    filled
}

/// Linear interpolation of (`t`, `x`) at `tq` (clamped at the ends). `t` increasing.
pub fn interp(t: &[f64], x: &[f64], tq: &[f64]) -> Vec<f64> {
    let mut j = 0;
    tq.iter()
        .map(|&q| {
            if q <= t[0] {
                return x[0];
            }
            if q >= t[t.len() - 1] {
                return x[x.len() - 1];
            }
            while j + 1 < t.len() && t[j + 1] < q {
                j += 1;
            }
            while j > 0 && t[j] > q {
                j -= 1;
            }
            let f = (q - t[j]) / (t[j + 1] - t[j]);
            x[j] + f * (x[j + 1] - x[j])
        })
        .collect()
}

/// Zero-lag low-pass of one contiguous, finite segment sampled at `t` (uniform or not).
/// Irregular timestamps are resampled to a uniform grid at the median rate, filtered and
/// mapped back. Returns the filtered values and whether resampling happened.
pub fn lowpass_segment(t: &[f64], x: &[f64], p: &CleanParams) -> (Vec<f64>, bool) {
    let n = x.len();
    if n < 4 {
        return (x.to_vec(), false);
    }
    let dt = median_dt(t);
    if !dt.is_finite() || dt <= 0.0 {
        return (x.to_vec(), false);
    }
    let fs = 1.0 / dt;
    let cutoff = p.cutoff_hz.min(0.4 * fs);
    let Some(sos) = butter_lowpass(p.order, cutoff, fs) else {
        return (x.to_vec(), false);
    };
    let pad = default_padlen(&sos, cutoff, fs);
    if !is_variable_rate(t, p.vfr_tolerance) {
        return (filtfilt(&sos, x, pad), false);
    }
    let m = ((t[n - 1] - t[0]) / dt).round() as usize + 1;
    let grid: Vec<f64> = (0..m).map(|k| t[0] + k as f64 * dt).collect();
    let xu = interp(t, x, &grid);
    let yu = filtfilt(&sos, &xu, pad);
    (interp(&grid, &yu, t), true)
}

/// Full cleaning of one per-frame series: Hampel, short-gap filling, then a zero-lag
/// low-pass on each contiguous run (runs separated by unfilled gaps are filtered apart).
pub fn clean_series(t: &[f64], raw: &[f64], p: &CleanParams) -> Cleaned {
    assert_eq!(t.len(), raw.len());
    let n = raw.len();
    let mut x = raw.to_vec();
    let dt = median_dt(t);
    let half = if dt.is_finite() {
        ((p.hampel_half_window_s / dt).round() as usize).max(2)
    } else {
        3
    };
    let outlier = hampel(&mut x, half, p.hampel_n_sigma, p.hampel_min_deviation);
    let filled = fill_gaps(t, &mut x, p.max_gap_s);
    let mut values = vec![f64::NAN; n];
    let mut resampled = false;
    let mut i = 0;
    while i < n {
        if !x[i].is_finite() {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && x[i].is_finite() {
            i += 1;
        }
        let (y, r) = lowpass_segment(&t[s..i], &x[s..i], p);
        resampled |= r;
        values[s..i].copy_from_slice(&y);
    }
    Cleaned {
        values,
        filled,
        outlier,
        resampled,
    }
}

/// Time derivative by central differences on the actual timestamps (one-sided at run
/// ends); NaN where a neighbour is missing on both sides.
pub fn derivative(t: &[f64], x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|i| {
            let ok = |k: usize| x[k].is_finite();
            if !ok(i) {
                return f64::NAN;
            }
            let l = if i > 0 && ok(i - 1) { i - 1 } else { i };
            let r = if i + 1 < n && ok(i + 1) { i + 1 } else { i };
            if l == r || t[r] <= t[l] {
                f64::NAN
            } else {
                (x[r] - x[l]) / (t[r] - t[l])
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_and_median() {
        assert_eq!(median(&[3.0, 1.0, f64::NAN, 2.0]), 2.0);
        assert_eq!(percentile(&[0.0, 10.0], 50.0), 5.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn interp_is_linear() {
        let y = interp(&[0.0, 1.0, 3.0], &[0.0, 2.0, 6.0], &[-1.0, 0.5, 2.0, 9.0]);
        assert_eq!(y, vec![0.0, 1.0, 4.0, 6.0]);
    }
}
