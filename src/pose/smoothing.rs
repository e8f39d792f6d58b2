//! MediaPipe's landmark smoothing (`pose_landmark_filtering.pbtxt`): a one-euro
//! filter per coordinate, scaled by the object's size, plus low-pass filtered
//! visibility. The auxiliary (ROI) landmarks are always smoothed, as MediaPipe
//! does; the body landmarks only when smoothing is asked for.

use std::f64::consts::PI;

/// One-euro filter settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OneEuroParams {
    pub min_cutoff: f64,
    pub beta: f64,
    pub derivate_cutoff: f64,
    /// Scale velocities by 1 / object size (off for world landmarks in metres).
    pub scale_by_object: bool,
}

/// Body landmarks (`min_cutoff 0.05, beta 80, derivate_cutoff 1`, the values in the
/// `pose_landmark_cpu` graph that mediapipe 0.10.14 ships; older published graph files
/// say 0.1 / 40).
pub const LANDMARKS: OneEuroParams = OneEuroParams {
    min_cutoff: 0.05,
    beta: 80.0,
    derivate_cutoff: 1.0,
    scale_by_object: true,
};
/// Auxiliary ROI landmarks: heavier, so the crop stays steady when the person is
/// still but follows fast movement (`min_cutoff 0.01, beta 10, derivate_cutoff 1`).
pub const AUX_LANDMARKS: OneEuroParams = OneEuroParams {
    min_cutoff: 0.01,
    beta: 10.0,
    derivate_cutoff: 1.0,
    scale_by_object: true,
};
/// World landmarks (metres; no object scaling).
pub const WORLD_LANDMARKS: OneEuroParams = OneEuroParams {
    min_cutoff: 0.1,
    beta: 40.0,
    derivate_cutoff: 1.0,
    scale_by_object: false,
};
/// Visibility low-pass weight of the new value.
pub const VISIBILITY_ALPHA: f32 = 0.1;
/// Frequency assumed before two timestamps have been seen.
const DEFAULT_FREQUENCY: f64 = 30.0;
const MIN_OBJECT_SCALE: f64 = 1e-6;

#[derive(Clone, Debug, Default)]
struct LowPass {
    raw: Option<f64>,
    stored: f64,
}

impl LowPass {
    fn apply(&mut self, v: f64, alpha: f64) -> f64 {
        let out = if self.raw.is_some() {
            alpha * v + (1.0 - alpha) * self.stored
        } else {
            v
        };
        self.raw = Some(v);
        self.stored = out;
        out
    }
}

/// A one-euro filter for one value.
#[derive(Clone, Debug)]
pub struct OneEuro {
    p: OneEuroParams,
    frequency: f64,
    /// Like MediaPipe, 0 means "no timestamp yet", and a first frame stamped 0 is
    /// passed through without starting the filter.
    last_time: f64,
    x: LowPass,
    dx: LowPass,
}

impl OneEuro {
    pub fn new(p: OneEuroParams) -> Self {
        OneEuro {
            p,
            frequency: DEFAULT_FREQUENCY,
            last_time: 0.0,
            x: LowPass::default(),
            dx: LowPass::default(),
        }
    }

    fn alpha(&self, cutoff: f64) -> f64 {
        let te = 1.0 / self.frequency;
        let tau = 1.0 / (2.0 * PI * cutoff);
        1.0 / (1.0 + tau / te)
    }

    /// Filters `v` observed at time `t` (seconds); `value_scale` multiplies the
    /// velocity (1 / object size in pixels for image landmarks).
    pub fn apply(&mut self, t: f64, value_scale: f64, v: f64) -> f64 {
        if self.last_time >= t {
            return v;
        }
        if self.last_time != 0.0 && t != 0.0 {
            self.frequency = 1.0 / (t - self.last_time);
        }
        self.last_time = t;
        let dv = match self.x.raw {
            Some(prev) => (v - prev) * value_scale * self.frequency,
            None => 0.0,
        };
        let edv = self.dx.apply(dv, self.alpha(self.p.derivate_cutoff));
        let cutoff = self.p.min_cutoff + self.p.beta * edv.abs();
        self.x.apply(v, self.alpha(cutoff))
    }
}

/// Smooths a list of points (x, y, z) and their visibility over time.
#[derive(Clone, Debug)]
pub struct PointsSmoother {
    params: OneEuroParams,
    filters: Vec<[OneEuro; 3]>,
    visibility: Vec<LowPass>,
}

impl PointsSmoother {
    pub fn new(params: OneEuroParams) -> Self {
        PointsSmoother {
            params,
            filters: Vec::new(),
            visibility: Vec::new(),
        }
    }

    /// Forgets the past (call when the person is lost).
    pub fn reset(&mut self) {
        self.filters.clear();
        self.visibility.clear();
    }

    /// Filters `pts` in place: `[x, y, z, visibility]` per point, in pixels (image) or
    /// metres (world). `object_scale` (pixels) is the size velocities are divided by;
    /// `None` takes it from the points' bounding box.
    pub fn apply(&mut self, t: f64, pts: &mut [[f32; 4]], object_scale: Option<f64>) {
        let scale = if let (true, Some(s)) = (self.params.scale_by_object, object_scale) {
            if s < MIN_OBJECT_SCALE {
                self.reset();
                return;
            }
            1.0 / s
        } else if self.params.scale_by_object {
            let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
            for p in pts.iter() {
                x0 = x0.min(p[0]);
                x1 = x1.max(p[0]);
                y0 = y0.min(p[1]);
                y1 = y1.max(p[1]);
            }
            let s = ((x1 - x0) + (y1 - y0)) as f64 / 2.0;
            if s < MIN_OBJECT_SCALE {
                self.reset();
                return;
            }
            1.0 / s
        } else {
            1.0
        };
        if self.filters.len() != pts.len() {
            self.filters = (0..pts.len())
                .map(|_| std::array::from_fn(|_| OneEuro::new(self.params)))
                .collect();
            self.visibility = vec![LowPass::default(); pts.len()];
        }
        for ((p, f), vis) in pts
            .iter_mut()
            .zip(&mut self.filters)
            .zip(&mut self.visibility)
        {
            for k in 0..3 {
                p[k] = f[k].apply(t, scale, p[k] as f64) as f32;
            }
            p[3] = vis.apply(p[3] as f64, VISIBILITY_ALPHA as f64) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn still_value_passes_and_noise_is_damped() {
        let mut f = OneEuro::new(LANDMARKS);
        for k in 0..30 {
            let v = f.apply(k as f64 / 30.0, 0.01, 100.0);
            assert!((v - 100.0).abs() < 1e-9);
        }
        // Alternating jitter of +-0.5 px on a still point of a 100 px body is reduced.
        let mut worst: f64 = 0.0;
        for k in 30..90 {
            let noisy = 100.0 + if k % 2 == 0 { 0.5 } else { -0.5 };
            let v = f.apply(k as f64 / 30.0, 0.01, noisy);
            worst = worst.max((v - 100.0).abs());
        }
        assert!(worst < 0.35, "jitter left: {worst}");
    }

    #[test]
    fn fast_motion_is_followed() {
        let mut f = OneEuro::new(LANDMARKS);
        let mut v = 0.0;
        for k in 0..60 {
            v = f.apply(k as f64 / 30.0, 0.01, 10.0 * k as f64);
        }
        // Lag under 10% of the step after a second of steady motion.
        assert!((590.0 - v).abs() < 60.0, "{v}");
    }

    #[test]
    fn repeated_timestamp_is_passed_through() {
        let mut f = OneEuro::new(AUX_LANDMARKS);
        f.apply(1.0, 1.0, 5.0);
        assert_eq!(f.apply(1.0, 1.0, 7.0), 7.0);
    }
}
