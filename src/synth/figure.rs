//! The articulated side-view figure: segment proportions and 2D forward kinematics in the
//! sagittal plane.
//!
//! World coordinates are in units of body height (1.0 = standing height), x to the right,
//! y up, floor at y = 0. The figure is modelled facing +x (its anterior side is +x when it
//! stands); mirroring to face left happens only when the frame is drawn, so every angle here
//! is anatomical. Angle conventions (degrees):
//! - hip flexion: signed trunk–thigh angle, 0 when trunk and thigh are in line, + flexion
//!   (thigh in front of the trunk line), − extension;
//! - knee flexion: 0 with the leg straight, + flexion;
//! - trunk inclination: hip→shoulder vector against vertical-up, + leaning towards the face
//!   side (forwards), − backwards (−90 lying supine, +90 lying prone).

use std::ops::{Add, Mul, Neg, Sub};

use crate::common::Exercise;

/// A point or vector in the sagittal plane.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct P2 {
    pub x: f64,
    pub y: f64,
}

impl P2 {
    pub const fn new(x: f64, y: f64) -> Self {
        P2 { x, y }
    }
    /// Unit vector at `deg` degrees counter-clockwise from +x.
    pub fn dir(deg: f64) -> Self {
        let r = deg.to_radians();
        P2::new(r.cos(), r.sin())
    }
    /// Direction of this vector in degrees counter-clockwise from +x, in (-180, 180].
    pub fn angle(self) -> f64 {
        self.y.atan2(self.x).to_degrees()
    }
    pub fn norm(self) -> f64 {
        self.x.hypot(self.y)
    }
    /// Rotated 90° counter-clockwise.
    pub fn ccw(self) -> Self {
        P2::new(-self.y, self.x)
    }
    /// Rotated 90° clockwise.
    pub fn cw(self) -> Self {
        P2::new(self.y, -self.x)
    }
    pub fn unit(self) -> Self {
        let n = self.norm();
        if n > 0.0 { self * (1.0 / n) } else { self }
    }
}

impl Add for P2 {
    type Output = P2;
    fn add(self, o: P2) -> P2 {
        P2::new(self.x + o.x, self.y + o.y)
    }
}
impl Sub for P2 {
    type Output = P2;
    fn sub(self, o: P2) -> P2 {
        P2::new(self.x - o.x, self.y - o.y)
    }
}
impl Mul<f64> for P2 {
    type Output = P2;
    fn mul(self, k: f64) -> P2 {
        P2::new(self.x * k, self.y * k)
    }
}
impl Neg for P2 {
    type Output = P2;
    fn neg(self) -> P2 {
        P2::new(-self.x, -self.y)
    }
}

/// Wraps an angle in degrees to (-180, 180].
pub fn wrap_deg(a: f64) -> f64 {
    let mut x = a % 360.0;
    if x <= -180.0 {
        x += 360.0;
    } else if x > 180.0 {
        x -= 360.0;
    }
    x
}

// Segment lengths in units of body height (after Winter, Biomechanics and Motor Control of
// Human Movement, segment-length fractions of stature).
pub const SHANK: f64 = 0.246;
pub const THIGH: f64 = 0.245;
pub const TRUNK: f64 = 0.288;
pub const UPPER_ARM: f64 = 0.186;
pub const FOREARM: f64 = 0.146;
pub const HAND: f64 = 0.100;
pub const ANKLE_HEIGHT: f64 = 0.039;
/// Shoulder joint centre to head centre.
pub const NECK_TO_HEAD: f64 = 0.118;
/// Half the head's front-to-back depth (back of the skull to the forehead).
pub const HEAD_HALF_DEPTH: f64 = 0.056;
/// Height of the hip and shoulder joint centres above the floor when lying supine.
pub const SUPINE_JOINT_HEIGHT: f64 = 0.075;
/// Height of the knee joint centre above the floor when kneeling.
pub const KNEEL_KNEE_HEIGHT: f64 = 0.035;

/// Angles that drive one frame of the figure.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Drive {
    /// Hip flexion (bridge, deadlift) or knee flexion (Nordic), degrees.
    pub primary: f64,
    /// Knee flexion (deadlift) or hip flexion (Nordic); unused for bridges.
    pub secondary: f64,
    /// 0 at rest, 1 at the deepest position of the set (used for the arms and head).
    pub depth: f64,
}

/// Fixed geometry of one clip (what does not move between frames).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setup {
    pub exercise: Exercise,
    /// Bridge: x of the ankle joint (the shoulder joint sits at x = 0).
    pub bridge_ankle_x: f64,
}

impl Setup {
    /// Geometry for `exercise`; `bridge_floor_hip` is the hip flexion with the pelvis resting
    /// on the floor (the deepest bridge position), which fixes where the feet are planted.
    pub fn new(exercise: Exercise, bridge_floor_hip: f64) -> Result<Self, String> {
        let mut s = Setup {
            exercise,
            bridge_ankle_x: 0.0,
        };
        if exercise == Exercise::Bridge {
            let hip = P2::new(TRUNK, SUPINE_JOINT_HEIGHT);
            let knee = hip + P2::dir(bridge_floor_hip) * THIGH;
            let dy = knee.y - ANKLE_HEIGHT;
            if !(bridge_floor_hip > 5.0 && dy < SHANK * 0.995) {
                return Err(format!(
                    "a bridge whose deepest hip flexion is {bridge_floor_hip:.0}° cannot be drawn with the feet flat on the floor; use 10 to 58°"
                ));
            }
            s.bridge_ankle_x = knee.x + (SHANK * SHANK - dy * dy).sqrt();
        }
        Ok(s)
    }
}

/// Joint positions of the near side of the figure, in world coordinates.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Skeleton {
    pub toe: P2,
    pub heel: P2,
    pub ankle: P2,
    pub knee: P2,
    pub hip: P2,
    pub shoulder: P2,
    pub elbow: P2,
    pub wrist: P2,
    pub hand: P2,
    pub head: P2,
    /// Direction from the neck to the crown of the head, degrees CCW from +x.
    pub head_up_deg: f64,
    /// Orientation of the foot, degrees CCW; 0 is standing with the sole flat on the floor.
    pub foot_deg: f64,
}

/// Foot outline in foot-local coordinates (x forward, y up, ankle joint at the origin),
/// standing flat: the sole lies at y = -ANKLE_HEIGHT.
pub const FOOT_OUTLINE: [P2; 9] = [
    P2::new(-0.032, 0.012),
    P2::new(-0.052, -0.002),
    P2::new(-0.055, -0.025),
    P2::new(-0.045, -0.039),
    P2::new(0.112, -0.039),
    P2::new(0.122, -0.030),
    P2::new(0.110, -0.018),
    P2::new(0.045, 0.004),
    P2::new(0.022, 0.014),
];

pub fn foot_point(ankle: P2, foot_deg: f64, local: P2) -> P2 {
    let (s, c) = foot_deg.to_radians().sin_cos();
    ankle + P2::new(local.x * c - local.y * s, local.x * s + local.y * c)
}

impl Skeleton {
    pub fn hip_flexion(&self) -> f64 {
        wrap_deg((self.knee - self.hip).angle() - (self.shoulder - self.hip).angle() + 180.0)
    }
    pub fn knee_flexion(&self) -> f64 {
        wrap_deg((self.knee - self.hip).angle() - (self.ankle - self.knee).angle())
    }
    pub fn trunk_inclination(&self) -> f64 {
        wrap_deg(90.0 - (self.shoulder - self.hip).angle())
    }

    /// Trunk direction (hip to shoulder), degrees CCW.
    pub fn trunk_deg(&self) -> f64 {
        (self.shoulder - self.hip).angle()
    }

    /// All outline-relevant points (for framing the camera).
    pub fn extent_points(&self) -> Vec<P2> {
        let mut v = vec![
            self.ankle,
            self.knee,
            self.hip,
            self.shoulder,
            self.elbow,
            self.wrist,
            self.hand,
        ];
        for p in FOOT_OUTLINE {
            v.push(foot_point(self.ankle, self.foot_deg, p));
        }
        let up = P2::dir(self.head_up_deg);
        let fwd = up.cw();
        for (a, b) in [
            (0.0, 0.075),
            (0.075, 0.0),
            (-0.065, 0.0),
            (0.05, -0.065),
            (0.0, -0.07),
        ] {
            v.push(self.head + fwd * a + up * b);
        }
        v
    }

    /// The skeleton for one frame.
    pub fn pose(setup: &Setup, d: Drive) -> Skeleton {
        match setup.exercise {
            Exercise::Bridge => bridge(setup, d),
            Exercise::Nordic => nordic(d),
            Exercise::Deadlift | Exercise::Unknown => deadlift(d),
        }
    }
}

fn arm(s: &mut Skeleton, upper_deg: f64, fore_deg: f64, hand_deg: f64) {
    s.elbow = s.shoulder + P2::dir(upper_deg) * UPPER_ARM;
    s.wrist = s.elbow + P2::dir(fore_deg) * FOREARM;
    s.hand = s.wrist + P2::dir(hand_deg) * HAND;
}

fn set_foot(s: &mut Skeleton, foot_deg: f64) {
    s.foot_deg = foot_deg;
    s.heel = foot_point(s.ankle, foot_deg, P2::new(-0.045, -0.032));
    s.toe = foot_point(s.ankle, foot_deg, P2::new(0.118, -0.036));
}

/// Standing hip hinge. primary = hip flexion, secondary = knee flexion.
fn deadlift(d: Drive) -> Skeleton {
    let (h, k) = (d.primary, d.secondary);
    let mut s = Skeleton {
        ankle: P2::new(0.0, ANKLE_HEIGHT),
        ..Default::default()
    };
    // The shank tilts forward by a third of the knee bend; the thigh takes the rest.
    let shank = 90.0 - 0.35 * k;
    s.knee = s.ankle + P2::dir(shank) * SHANK;
    let thigh_up = shank + k; // knee -> hip
    s.hip = s.knee + P2::dir(thigh_up) * THIGH;
    let trunk = thigh_up - h; // hip -> shoulder
    s.shoulder = s.hip + P2::dir(trunk) * TRUNK;
    // Neutral spine with a slight neck extension to look ahead as the trunk inclines.
    s.head_up_deg = trunk + 0.2 * h.max(0.0);
    s.head = s.shoulder + P2::dir(trunk + 0.1 * h.max(0.0)) * NECK_TO_HEAD;
    // Arms hang plumb from the shoulders, a little forward of vertical, elbows soft.
    arm(&mut s, -86.0, -88.0, -90.0);
    set_foot(&mut s, 0.0);
    s
}

/// Nordic hamstring curl. primary = knee flexion (90 upright), secondary = hip flexion.
fn nordic(d: Drive) -> Skeleton {
    let (k, h) = (d.primary, d.secondary);
    let mut s = Skeleton {
        knee: P2::new(0.0, KNEEL_KNEE_HEIGHT),
        ..Default::default()
    };
    s.ankle = s.knee + P2::dir(180.0) * SHANK;
    s.hip = s.knee + P2::dir(k) * THIGH;
    let trunk = k - h;
    s.shoulder = s.hip + P2::dir(trunk) * TRUNK;
    // Head in line with the trunk, extending a little to look forward as the body lowers.
    let q = d.depth.clamp(0.0, 1.0);
    s.head_up_deg = trunk + 8.0 + 14.0 * q;
    s.head = s.shoulder + P2::dir(trunk + 4.0 + 6.0 * q) * NECK_TO_HEAD;
    // Hands held in front of the chest, reaching forward to catch as the body nears the floor.
    let flex = 35.0 + 65.0 * q; // shoulder flexion
    let elbow = 110.0 - 50.0 * q; // elbow flexion
    // If the hands would reach the floor (low positions, hip pike), raise the arms forward
    // just enough to keep them clear: the smallest extra shoulder flexion, found by bisection.
    let place = |s: &mut Skeleton, extra: f64| {
        let upper = trunk + 180.0 + flex + extra;
        arm(s, upper, upper + elbow, upper + elbow * 0.9);
    };
    let arm_clear = |s: &Skeleton| {
        (s.hand.y - 0.016)
            .min(s.wrist.y - 0.02)
            .min(s.elbow.y - 0.026)
    };
    place(&mut s, 0.0);
    if arm_clear(&s) < 0.0 {
        let (mut lo, mut hi) = (0.0, 120.0);
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            place(&mut s, mid);
            if arm_clear(&s) < 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        place(&mut s, hi);
    }
    // Feet plantar-flexed, lying along the floor behind the knees (ankles held by a pad).
    set_foot(&mut s, -160.0);
    s
}

/// Glute bridge. primary = hip flexion; the shoulders and feet stay on the floor and the
/// pelvis rises by rotating the trunk about the shoulder joint.
fn bridge(setup: &Setup, d: Drive) -> Skeleton {
    let shoulder = P2::new(0.0, SUPINE_JOINT_HEIGHT);
    let ankle = P2::new(setup.bridge_ankle_x, ANKLE_HEIGHT);
    let pose_at = |alpha: f64| -> Skeleton {
        let mut s = Skeleton {
            shoulder,
            ankle,
            ..Default::default()
        };
        s.hip = shoulder + P2::dir(alpha) * TRUNK;
        let v = ankle - s.hip;
        let dist = v.norm().min((THIGH + SHANK) * 0.99999);
        let cos_t = (THIGH * THIGH + dist * dist - SHANK * SHANK) / (2.0 * THIGH * dist);
        let theta = cos_t.clamp(-1.0, 1.0).acos().to_degrees();
        s.knee = s.hip + P2::dir(v.angle() + theta) * THIGH;
        s
    };
    // Hip flexion falls monotonically as the pelvis rises: bisect for the elevation.
    let target = d.primary;
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    // Highest elevation before the leg is fully stretched.
    let reach = THIGH + SHANK;
    let mut a = 0.0;
    while a < 80.0 {
        let hip = shoulder + P2::dir(a + 0.5) * TRUNK;
        if (ankle - hip).norm() >= reach * 0.999 {
            break;
        }
        a += 0.5;
        hi = a;
    }
    let mut s = pose_at(lo);
    if s.hip_flexion() > target {
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if pose_at(mid).hip_flexion() > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        s = pose_at(0.5 * (lo + hi));
    }
    // Head resting on the floor, face up; arms lying along the floor by the sides.
    s.head_up_deg = 180.0;
    s.head = P2::new(-NECK_TO_HEAD, HEAD_HALF_DEPTH + 0.004);
    let drop = (SUPINE_JOINT_HEIGHT - 0.028) / UPPER_ARM;
    let upper = -drop.asin().to_degrees();
    arm(&mut s, upper, 0.0, -3.0);
    set_foot(&mut s, 0.0);
    s
}

impl Skeleton {
    /// Ear, eye and nose tip (world), matching how `draw::head` draws the face.
    pub fn face_points(&self) -> (P2, P2, P2) {
        let up = P2::dir(self.head_up_deg);
        let f = up.cw();
        let at = |x: f64, y: f64| self.head + f * x + up * y;
        (at(0.0, 0.0), at(0.045, 0.010), at(0.075, -0.012))
    }

    /// Smallest distance between a body part's outline and the floor, and that part
    /// (negative when the pose would push a hand, the head or the trunk through the floor).
    pub fn floor_clearance(&self, exercise: Exercise) -> (f64, &'static str) {
        let mut parts = vec![
            (self.hand.y - 0.012, "hand"),
            (self.wrist.y - 0.016, "wrist"),
            (self.elbow.y - 0.022, "elbow"),
            (self.head.y - 0.055, "head"),
            (self.knee.y - 0.03, "knee"),
            (self.ankle.y - 0.017, "ankle"),
        ];
        if exercise != Exercise::Bridge {
            parts.push((self.shoulder.y - 0.06, "shoulder"));
            parts.push((self.hip.y - 0.07, "pelvis"));
        }
        parts
            .into_iter()
            .fold((f64::INFINITY, ""), |a, b| if b.0 < a.0 { b } else { a })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlift_angles_match_drive() {
        for (h, k) in [(0.0, 5.0), (45.0, 15.0), (90.0, 20.0), (-10.0, 0.0)] {
            let s = deadlift(Drive {
                primary: h,
                secondary: k,
                depth: 0.5,
            });
            assert!(
                (s.hip_flexion() - h).abs() < 1e-9,
                "{h} {}",
                s.hip_flexion()
            );
            assert!((s.knee_flexion() - k).abs() < 1e-9);
        }
        let s = deadlift(Drive::default());
        assert!(s.trunk_inclination().abs() < 1e-9);
    }

    #[test]
    fn nordic_angles_match_drive() {
        for (k, h) in [(90.0, 0.0), (40.0, 0.0), (20.0, 25.0)] {
            let s = nordic(Drive {
                primary: k,
                secondary: h,
                depth: 0.5,
            });
            assert!((s.knee_flexion() - k).abs() < 1e-9);
            assert!((s.hip_flexion() - h).abs() < 1e-9);
        }
        let up = nordic(Drive {
            primary: 90.0,
            secondary: 0.0,
            depth: 0.0,
        });
        assert!(up.trunk_inclination().abs() < 1e-9);
    }

    #[test]
    fn bridge_reaches_targets_and_keeps_contacts() {
        let setup = Setup::new(Exercise::Bridge, 50.0).unwrap();
        for h in [50.0, 30.0, 10.0, 0.0, -5.0] {
            let s = bridge(
                &setup,
                Drive {
                    primary: h,
                    ..Default::default()
                },
            );
            assert!(
                (s.hip_flexion() - h).abs() < 1e-6,
                "{h} -> {}",
                s.hip_flexion()
            );
            assert!((s.shoulder.y - SUPINE_JOINT_HEIGHT).abs() < 1e-12);
            assert!(((s.knee - s.ankle).norm() - SHANK).abs() < 1e-9);
            assert!(((s.knee - s.hip).norm() - THIGH).abs() < 1e-9);
        }
        let floor = bridge(
            &setup,
            Drive {
                primary: 50.0,
                ..Default::default()
            },
        );
        assert!((floor.hip.y - SUPINE_JOINT_HEIGHT).abs() < 1e-6);
        assert!(floor.trunk_inclination() < -89.0);
        assert!(Setup::new(Exercise::Bridge, 75.0).is_err());
    }
}
