//! Butterworth low-pass design (bilinear transform) and zero-lag forward-backward filtering.

/// One second-order section `b0 + b1 z^-1 + b2 z^-2 / (1 + a1 z^-1 + a2 z^-2)`.
/// A first-order section has `b2 = a2 = 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Biquad {
    pub b: [f64; 3],
    pub a: [f64; 2],
}

impl Biquad {
    /// Gain at 0 Hz.
    pub fn dc_gain(&self) -> f64 {
        (self.b[0] + self.b[1] + self.b[2]) / (1.0 + self.a[0] + self.a[1])
    }

    /// Complex gain magnitude at normalised angular frequency `w` (rad/sample).
    pub fn magnitude(&self, w: f64) -> f64 {
        let (c1, s1) = (w.cos(), -w.sin());
        let (c2, s2) = ((2.0 * w).cos(), -(2.0 * w).sin());
        let nr = self.b[0] + self.b[1] * c1 + self.b[2] * c2;
        let ni = self.b[1] * s1 + self.b[2] * s2;
        let dr = 1.0 + self.a[0] * c1 + self.a[1] * c2;
        let di = self.a[0] * s1 + self.a[1] * s2;
        ((nr * nr + ni * ni) / (dr * dr + di * di)).sqrt()
    }
}

/// A cascade of sections (a digital filter in SOS form).
#[derive(Clone, Debug, PartialEq)]
pub struct Sos {
    pub sections: Vec<Biquad>,
}

impl Sos {
    /// Magnitude response at `f_hz` for sample rate `fs_hz` (single pass).
    pub fn magnitude_at(&self, f_hz: f64, fs_hz: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * f_hz / fs_hz;
        self.sections.iter().map(|s| s.magnitude(w)).product()
    }
}

/// Designs an `order`-th order Butterworth low-pass with cutoff `cutoff_hz` (-3 dB for a
/// single pass) at sample rate `fs_hz`, via the bilinear transform with frequency
/// pre-warping so the cutoff is exact. Returns `None` when the cutoff is not below the
/// Nyquist frequency or the arguments are not usable.
pub fn butter_lowpass(order: usize, cutoff_hz: f64, fs_hz: f64) -> Option<Sos> {
    let usable =
        cutoff_hz.is_finite() && fs_hz.is_finite() && cutoff_hz > 0.0 && cutoff_hz < 0.5 * fs_hz;
    if order == 0 || !usable {
        return None;
    }
    let fs2 = 2.0 * fs_hz;
    // Pre-warped analogue cutoff (rad/s).
    let wc = fs2 * (std::f64::consts::PI * cutoff_hz / fs_hz).tan();
    let n = order as f64;
    let mut sections = Vec::new();
    // Conjugate pole pairs: analogue prototype poles exp(j*pi*(2k+n+1)/(2n)), k < n/2.
    for k in 0..order / 2 {
        let theta = std::f64::consts::PI * (2.0 * k as f64 + n + 1.0) / (2.0 * n);
        let (pr, pi) = (wc * theta.cos(), wc * theta.sin());
        // z = (fs2 + s) / (fs2 - s)
        let (nr, ni) = (fs2 + pr, pi);
        let (dr, di) = (fs2 - pr, -pi);
        let d2 = dr * dr + di * di;
        let zr = (nr * dr + ni * di) / d2;
        let zi = (ni * dr - nr * di) / d2;
        let a1 = -2.0 * zr;
        let a2 = zr * zr + zi * zi;
        // Zeros at z = -1 (double); normalise to unit DC gain.
        let g = (1.0 + a1 + a2) / 4.0;
        sections.push(Biquad {
            b: [g, 2.0 * g, g],
            a: [a1, a2],
        });
    }
    if order % 2 == 1 {
        // Real pole at s = -wc.
        let z = (fs2 - wc) / (fs2 + wc);
        let a1 = -z;
        let g = (1.0 + a1) / 2.0;
        sections.push(Biquad {
            b: [g, g, 0.0],
            a: [a1, 0.0],
        });
    }
    Some(Sos { sections })
}

/// Steady-state initial conditions (transposed direct form II) for a unit step, per section.
fn sos_zi(sos: &Sos) -> Vec<[f64; 2]> {
    let mut scale = 1.0;
    sos.sections
        .iter()
        .map(|s| {
            let g = s.dc_gain();
            let z2 = s.b[2] - s.a[1] * g;
            let z1 = s.b[1] - s.a[0] * g + z2;
            let zi = [z1 * scale, z2 * scale];
            scale *= g;
            zi
        })
        .collect()
}

/// Filters `x` once through the cascade, starting from `zi` scaled by `x0`.
fn sosfilt(sos: &Sos, x: &[f64], zi: &[[f64; 2]], x0: f64) -> Vec<f64> {
    let mut y = x.to_vec();
    for (s, z) in sos.sections.iter().zip(zi) {
        let (mut z1, mut z2) = (z[0] * x0, z[1] * x0);
        for v in y.iter_mut() {
            let xin = *v;
            let out = s.b[0] * xin + z1;
            z1 = s.b[1] * xin - s.a[0] * out + z2;
            z2 = s.b[2] * xin - s.a[1] * out;
            *v = out;
        }
    }
    y
}

/// Zero-phase forward-backward filtering (like SciPy's `sosfiltfilt`): odd-reflection
/// padding at both ends, steady-state initial conditions, forward pass, backward pass.
/// The magnitude response is squared (a Butterworth cutoff becomes -6 dB) and the lag is 0.
/// `padlen` is clamped to `x.len() - 1`. Signals shorter than 2 samples are returned as is.
pub fn filtfilt(sos: &Sos, x: &[f64], padlen: usize) -> Vec<f64> {
    let n = x.len();
    if n < 2 || sos.sections.is_empty() {
        return x.to_vec();
    }
    let p = padlen.min(n - 1);
    let mut ext = Vec::with_capacity(n + 2 * p);
    for i in (1..=p).rev() {
        ext.push(2.0 * x[0] - x[i]);
    }
    ext.extend_from_slice(x);
    for i in 1..=p {
        ext.push(2.0 * x[n - 1] - x[n - 1 - i]);
    }
    let zi = sos_zi(sos);
    let fwd = sosfilt(sos, &ext, &zi, ext[0]);
    let mut rev: Vec<f64> = fwd.into_iter().rev().collect();
    let r0 = rev[0];
    rev = sosfilt(sos, &rev, &zi, r0);
    rev.reverse();
    rev[p..p + n].to_vec()
}

/// Padding used by [`filtfilt`] callers: at least 3 x (2 x sections + 1) samples (SciPy's
/// default) and at least two cutoff periods.
pub fn default_padlen(sos: &Sos, cutoff_hz: f64, fs_hz: f64) -> usize {
    let scipy = 3 * (2 * sos.sections.len() + 1);
    let periods = (2.0 * fs_hz / cutoff_hz).ceil() as usize;
    scipy.max(periods)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_is_minus_3db_single_pass() {
        for fs in [24.0, 30.0, 60.0, 240.0] {
            let sos = butter_lowpass(4, 6.0, fs).unwrap();
            let m = sos.magnitude_at(6.0, fs);
            assert!(
                (m - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-9,
                "fs {fs}: {m}"
            );
            assert!((sos.magnitude_at(0.0, fs) - 1.0).abs() < 1e-12);
        }
        let sos = butter_lowpass(3, 5.0, 50.0).unwrap();
        assert!((sos.magnitude_at(5.0, 50.0) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-9);
        assert!(butter_lowpass(4, 16.0, 30.0).is_none());
    }

    #[test]
    fn constant_passes_unchanged() {
        let sos = butter_lowpass(4, 6.0, 30.0).unwrap();
        let y = filtfilt(&sos, &[5.0; 40], 15);
        assert!(y.iter().all(|v| (v - 5.0).abs() < 1e-9));
    }
}
