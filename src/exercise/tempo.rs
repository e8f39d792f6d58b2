//! Phase boundaries (pauses at turning points) and the Nordic break point.

/// The pause around turning point `i`: the contiguous samples within `band` of the turning
/// value (towards the inside of the movement), trimmed at each end while the speed is at or
/// above `vthr`. The band makes the pause robust to velocity noise; the trimming puts its
/// ends where the movement starts or stops. Returns inclusive (first, last) sample indices.
pub fn pause_region(
    e: &[f64],
    v: &[f64],
    i: usize,
    bottom: bool,
    band: f64,
    vthr: f64,
) -> (usize, usize) {
    let inside = |k: usize| {
        e[k].is_finite()
            && if bottom {
                e[k] >= e[i] - band
            } else {
                e[k] <= e[i] + band
            }
    };
    let moving = |k: usize| !v[k].is_finite() || v[k].abs() >= vthr;
    let mut lo = i;
    while lo > 0 && inside(lo - 1) {
        lo -= 1;
    }
    let mut hi = i;
    while hi + 1 < e.len() && inside(hi + 1) {
        hi += 1;
    }
    while hi > i && moving(hi) {
        hi -= 1;
    }
    while lo < i && moving(lo) {
        lo += 1;
    }
    (lo, hi)
}

/// Time of a pause boundary between the last pause sample `inside` and its neighbour
/// `outside` (one step away): where the speed crosses `vthr` by linear interpolation, or
/// half-way when the speed does not cross there. At a clip edge (`outside` missing) the
/// pause sample's own time.
/// The flag tells whether the speed crossed the threshold there.
pub fn boundary_time(
    t: &[f64],
    v: &[f64],
    inside: usize,
    outside: Option<usize>,
    vthr: f64,
) -> (f64, bool) {
    let Some(o) = outside.filter(|&o| o < t.len()) else {
        return (t[inside], false);
    };
    let (a, b) = (v[inside].abs(), v[o].abs());
    if a.is_finite() && b.is_finite() && a < vthr && b >= vthr && b > a {
        let f = (vthr - a) / (b - a);
        (t[inside] + f * (t[o] - t[inside]), true)
    } else {
        (0.5 * (t[inside] + t[o]), false)
    }
}

/// How the zero-lag low-pass blurs a sharp start of movement: the filtered speed of a ramp
/// that starts at time 0 reaches a fraction `r` of the ramp speed at `offset(r)` seconds
/// (negative below one half: the filtered speed rises before the true start). Used to put
/// a pause boundary found by a speed threshold back where an abrupt start would be.
#[derive(Clone, Debug)]
pub struct StepBlur {
    t: Vec<f64>,
    s: Vec<f64>,
}

impl StepBlur {
    /// Simulates the cleaning low-pass at sample rate `fs` on a ramp.
    pub fn new(p: &crate::signal::CleanParams, fs: f64) -> Option<StepBlur> {
        if !(fs.is_finite() && fs > 0.0) {
            return None;
        }
        let m = (fs.ceil() as usize).max(8);
        let x: Vec<f64> = (0..2 * m)
            .map(|k| if k > m { (k - m) as f64 } else { 0.0 })
            .collect();
        let t: Vec<f64> = (0..2 * m).map(|k| (k as f64 - m as f64) / fs).collect();
        let (y, _) = crate::signal::lowpass_segment(&t, &x, p);
        // Speed in units of the ramp speed (1 per sample).
        let s = crate::signal::derivative(&t, &y)
            .iter()
            .map(|d| d / fs)
            .collect();
        Some(StepBlur { t, s })
    }

    /// Time from the true start to where the filtered speed first reaches `r` of the ramp
    /// speed; 0 when `r` is outside (0, 1).
    pub fn offset(&self, r: f64) -> f64 {
        if !(r > 0.0 && r < 1.0) {
            return 0.0;
        }
        for k in 1..self.s.len() {
            if self.s[k] >= r && self.s[k - 1] < r {
                let f = (r - self.s[k - 1]) / (self.s[k] - self.s[k - 1]);
                return self.t[k - 1] + f * (self.t[k] - self.t[k - 1]);
            }
        }
        0.0
    }
}

/// First sample after `from` (up to `to`) where `speed` exceeds `thr`.
pub fn first_exceeding(speed: &[f64], from: usize, to: usize, thr: f64) -> Option<usize> {
    (from..=to.min(speed.len().saturating_sub(1))).find(|&k| speed[k].is_finite() && speed[k] > thr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_region_spans_plateau() {
        let e = [0.0, 5.0, 10.0, 10.0, 10.0, 5.0, 0.0];
        let v = [5.0, 10.0, 5.0, 0.0, -5.0, -10.0, -5.0];
        assert_eq!(pause_region(&e, &v, 3, true, 2.0, 6.0), (2, 4));
        assert_eq!(pause_region(&e, &v, 3, true, 6.0, 6.0), (2, 4));
        assert!((boundary_time(&[0.0, 1.0], &[0.0, 10.0], 0, Some(1), 5.0).0 - 0.5).abs() < 1e-12);
        let b = StepBlur::new(&crate::signal::CleanParams::default(), 30.0).unwrap();
        assert!(b.offset(0.5).abs() < 0.01, "{}", b.offset(0.5));
        assert!(b.offset(0.25) < 0.0 && b.offset(0.25) > -0.1);
        assert_eq!(
            first_exceeding(&[1.0, 2.0, 12.0, 20.0], 0, 3, 10.0),
            Some(2)
        );
    }
}
