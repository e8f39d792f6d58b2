//! Hip-angle measurements the rules share: the loaded peak and the time beyond a limit.

use crate::protocol::eval::{HipSample, RepMeasurement};

/// Peak over loaded samples (or the given peak when there are no samples) and its time.
pub(crate) fn loaded_peak(rep: &RepMeasurement) -> Option<(f64, f64)> {
    if rep.hip_samples.is_empty() {
        let p = rep.peak_hip_deg.filter(|p| p.is_finite())?;
        return Some((p, rep.peak_hip_time_s.unwrap_or(rep.start_s)));
    }
    loaded_sample_peak(&rep.hip_samples)
}

/// The deepest loaded sample (degrees, time), `None` when none is loaded.
pub(crate) fn loaded_sample_peak(samples: &[HipSample]) -> Option<(f64, f64)> {
    samples
        .iter()
        .filter(|s| s.loaded && s.hip_deg.is_finite())
        .map(|s| (s.hip_deg, s.t_s))
        .fold(None, |best: Option<(f64, f64)>, (d, t)| match best {
            Some((bd, _)) if bd >= d => best,
            _ => Some((d, t)),
        })
}

/// Finite samples sorted by time.
pub(super) fn loaded_sorted(rep: &RepMeasurement) -> Vec<HipSample> {
    let mut v: Vec<HipSample> = rep
        .hip_samples
        .iter()
        .filter(|s| s.hip_deg.is_finite() && s.t_s.is_finite())
        .copied()
        .collect();
    v.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    v
}

/// Seconds during which the loaded angle is above `thr`, interpolating linearly between
/// consecutive samples that are both loaded.
pub(super) fn time_above(samples: &[HipSample], thr: f64) -> f64 {
    let mut total = 0.0;
    for w in samples.windows(2) {
        let (a, b) = (w[0], w[1]);
        if !(a.loaded && b.loaded) {
            continue;
        }
        let dt = b.t_s - a.t_s;
        if dt <= 0.0 {
            continue;
        }
        let (ea, eb) = (a.hip_deg - thr, b.hip_deg - thr);
        total += if ea > 0.0 && eb > 0.0 {
            dt
        } else if ea <= 0.0 && eb <= 0.0 {
            0.0
        } else if ea > 0.0 {
            dt * ea / (ea - eb)
        } else {
            dt * eb / (eb - ea)
        };
    }
    total
}

/// First and last loaded time above `thr`, or the rep's span when only a peak is known.
pub(super) fn range_above(rep: &RepMeasurement, samples: &[HipSample], thr: f64) -> (f64, f64) {
    let mut it = samples.iter().filter(|s| s.loaded && s.hip_deg > thr);
    match it.next() {
        Some(first) => {
            let last = it.next_back().unwrap_or(first);
            (first.t_s, last.t_s)
        }
        None => (rep.start_s, rep.end_s),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, samples};
    use super::*;

    #[test]
    fn time_above_interpolates_crossings_and_skips_unloaded_pairs() {
        let s = samples(0.0, &[40.0, 50.0, 50.0, 40.0]);
        assert!((time_above(&s, 45.0) - 0.2).abs() < 1e-9);
        assert_eq!(time_above(&s, 50.0), 0.0);
        let mut s = s;
        s[1].loaded = false;
        assert!((time_above(&s, 45.0) - 0.05).abs() < 1e-9);
    }

    #[test]
    fn peak_comes_from_loaded_samples_when_there_are_any() {
        let mut r = rep(1, 99.0);
        assert_eq!(loaded_peak(&r), Some((99.0, 13.0)));
        r.hip_samples = samples(10.0, &[20.0, 60.0, 30.0]);
        r.hip_samples[1].loaded = false;
        assert_eq!(loaded_peak(&r), Some((30.0, 10.2)));
        let (a, b) = range_above(&r, &loaded_sorted(&r), 25.0);
        assert_eq!((a, b), (10.2, 10.2));
        assert_eq!(range_above(&r, &[], 25.0), (10.0, 17.0));
    }
}
