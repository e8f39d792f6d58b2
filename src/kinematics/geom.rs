//! Minimal 3-vector geometry. 2D image points use `z = 0` and the plane normal `(0, 0, 1)`,
//! so the same signed-angle code serves image and world landmarks.

use crate::pose::Landmark;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct V3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl V3 {
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        V3 { x, y, z }
    }
    /// Image landmark as a 2D point (depth dropped).
    pub fn image(l: &Landmark) -> Self {
        V3::new(l.x as f64, l.y as f64, 0.0)
    }
    /// World landmark as a 3D point.
    pub fn world(l: &Landmark) -> Self {
        V3::new(l.x as f64, l.y as f64, l.z as f64)
    }
    pub fn plus(self, o: V3) -> V3 {
        V3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
    pub fn minus(self, o: V3) -> V3 {
        V3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
    pub fn scale(self, k: f64) -> V3 {
        V3::new(self.x * k, self.y * k, self.z * k)
    }
    pub fn dot(self, o: V3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }
    pub fn cross(self, o: V3) -> V3 {
        V3::new(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }
    pub fn norm(self) -> f64 {
        self.dot(self).sqrt()
    }
    pub fn unit(self) -> Option<V3> {
        let n = self.norm();
        (n > 1e-12 && n.is_finite()).then(|| self.scale(1.0 / n))
    }
    pub fn negated(self) -> V3 {
        self.scale(-1.0)
    }
}

/// Unsigned angle between two vectors, degrees (NaN for a zero vector).
pub fn angle_deg(a: V3, b: V3) -> f64 {
    let d = a.norm() * b.norm();
    if d <= 1e-12 {
        return f64::NAN;
    }
    (a.dot(b) / d).clamp(-1.0, 1.0).acos().to_degrees()
}

/// Sine of the angle from `a` to `b` measured about the normal `n` (sign = rotation sense).
pub fn signed_sin(a: V3, b: V3, n: V3) -> f64 {
    let d = a.norm() * b.norm();
    if d <= 1e-12 {
        return 0.0;
    }
    a.cross(b).dot(n) / d
}

/// Signed angle from `a` to `b` about `n`, degrees, in (-180, 180]: atan2(cross . n, dot).
/// For image vectors (z = 0) with `n = (0, 0, 1)` this is atan2(a x b, a . b).
pub fn signed_angle_deg(a: V3, b: V3, n: V3) -> f64 {
    a.cross(b).dot(n).atan2(a.dot(b)).to_degrees()
}

/// `v` less its component along the unit normal `n`: its projection onto the plane across `n`.
pub fn in_plane(v: V3, n: V3) -> V3 {
    v.minus(n.scale(v.dot(n)))
}

/// Normal of the image plane.
pub const IMAGE_NORMAL: V3 = V3::new(0.0, 0.0, 1.0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_angles() {
        let a = V3::new(1.0, 0.0, 0.0);
        let b = V3::new(0.0, 1.0, 0.0);
        assert!((signed_angle_deg(a, b, IMAGE_NORMAL) - 90.0).abs() < 1e-12);
        assert!((signed_angle_deg(b, a, IMAGE_NORMAL) + 90.0).abs() < 1e-12);
        assert!((angle_deg(a, a.plus(b)) - 45.0).abs() < 1e-12);
    }
}
