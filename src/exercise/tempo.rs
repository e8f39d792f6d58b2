//! Phase boundaries (pauses at turning points) and the Nordic break point.

/// The still region around turning point `i`: the contiguous samples where the speed is
/// below `vthr` and the value stays within `band` of the turning value (towards the inside
/// of the movement). Returns inclusive (first, last) sample indices.
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
            && v[k].is_finite()
            && v[k].abs() < vthr
            && if bottom {
                e[k] >= e[i] - band
            } else {
                e[k] <= e[i] + band
            }
    };
    let mut lo = i;
    while lo > 0 && inside(lo - 1) {
        lo -= 1;
    }
    let mut hi = i;
    while hi + 1 < e.len() && inside(hi + 1) {
        hi += 1;
    }
    (lo, hi)
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
        assert_eq!(
            first_exceeding(&[1.0, 2.0, 12.0, 20.0], 0, 3, 10.0),
            Some(2)
        );
    }
}
