//! The figure in 3D, seen through a perspective camera from any direction.
//!
//! The sagittal skeleton of [`super::figure`] is placed in 3D: x forward, y up, z towards
//! the figure's left; the left limbs lie in the plane z = +half-width, the right ones in
//! z = -half-width (the exercises are symmetric). The trunk–thigh angle is then the same
//! in 3D as in the sagittal model, exactly. Each body part is a tapered capsule (limbs),
//! a convex solid (torso, pelvis) or a sphere with a face (head), drawn far to near.
//!
//! Camera: `yaw` 0 looks at the figure's left side (the 2D generator's default view), 90
//! from in front of it, 180 from its right side, 270 (or -90) from behind; `pitch` is
//! the camera's elevation, positive above the subject looking down; `distance` is metres
//! from the subject's centre for a 1.75 m person. The lens is a phone's: 50° vertical
//! field of view in landscape, zoomed out if the figure would not fit.

use opencv::core::{self, Mat, Point, Scalar, Vector};
use opencv::imgproc;
use serde::{Deserialize, Serialize};

use super::draw::Style;
use super::figure::{P2, Skeleton};
use crate::common::Exercise;

type CvResult<T> = opencv::Result<T>;

const SHIFT: i32 = 4;
const SUB: f64 = (1 << SHIFT) as f64;
/// Stature the figure's unit length stands for, metres.
pub const STATURE_M: f64 = 1.75;
/// Half the distance between the hip joint centres, body heights (Winter: ~0.191 H hip
/// width over the trochanters; joint centres about half of that apart).
pub const HIP_HALF: f64 = 0.052;
/// Half the distance between the shoulder joint centres (biacromial ~0.23 H).
pub const SHOULDER_HALF: f64 = 0.105;

/// Where the camera is, as given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CameraSpec {
    pub yaw_deg: f64,
    pub pitch_deg: f64,
    pub distance_m: f64,
}

pub use crate::kinematics::geom::V3;

/// A point of the sagittal model at lateral offset `z`.
pub fn from2(p: P2, z: f64) -> V3 {
    V3::new(p.x, p.y, z)
}

/// A pinhole camera: position, right/up/forward axes, focal length and principal point in
/// pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerspectiveCamera {
    pub pos: V3,
    pub right: V3,
    pub up: V3,
    pub fwd: V3,
    pub focal: f64,
    pub cx: f64,
    pub cy: f64,
    pub width: f64,
    pub height: f64,
}

impl PerspectiveCamera {
    /// A camera at `spec`'s direction and distance from `target`, aimed at it, framed so
    /// that `extent` (every point the figure reaches in the clip) fits the picture.
    pub fn aimed(spec: &CameraSpec, target: V3, extent: &[V3], width: u32, height: u32) -> Self {
        let (yaw, pitch) = (spec.yaw_deg.to_radians(), spec.pitch_deg.to_radians());
        let d = spec.distance_m / STATURE_M;
        let dir = V3::new(
            yaw.sin() * pitch.cos(),
            pitch.sin(),
            yaw.cos() * pitch.cos(),
        );
        let pos = target.plus(dir.scale(d));
        let fwd = target.minus(pos).unit().unwrap_or_default();
        let right = fwd.cross(V3::new(0.0, 1.0, 0.0)).unit().unwrap_or_default();
        let up = right.cross(fwd);
        let (w, h) = (width as f64, height as f64);
        let mut cam = PerspectiveCamera {
            pos,
            right,
            up,
            fwd,
            focal: 0.5 * h.min(w * 0.75) / 25f64.to_radians().tan(),
            cx: 0.5 * w,
            cy: 0.5 * h,
            width: w,
            height: h,
        };
        // Fit: centre the figure's extent and zoom out until it fills at most 84% x 84%.
        let pad = 0.07;
        let (mut u0, mut v0, mut u1, mut v1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in extent {
            let q = p.minus(pos);
            let z = q.dot(fwd).max(1e-3);
            let (x, y) = (q.dot(right) / z, q.dot(up) / z);
            let r = pad / z;
            u0 = u0.min(x - r);
            u1 = u1.max(x + r);
            v0 = v0.min(-y - r);
            v1 = v1.max(-y + r);
        }
        let need = ((u1 - u0) / (0.84 * w)).max((v1 - v0) / (0.84 * h));
        if cam.focal * need > 1.0 {
            cam.focal = 1.0 / need;
        }
        cam.cx = 0.5 * w - cam.focal * 0.5 * (u0 + u1);
        cam.cy = 0.5 * h - cam.focal * 0.5 * (v0 + v1);
        cam
    }

    /// Pixel position and depth (along the optical axis) of `p`.
    pub fn project(&self, p: V3) -> (f64, f64, f64) {
        let q = p.minus(self.pos);
        let z = q.dot(self.fwd).max(1e-3);
        (
            self.cx + self.focal * q.dot(self.right) / z,
            self.cy - self.focal * q.dot(self.up) / z,
            z,
        )
    }

    /// Depth of `p` along the optical axis.
    pub fn depth(&self, p: V3) -> f64 {
        p.minus(self.pos).dot(self.fwd)
    }

    /// The image row of the wall-floor junction behind the figure.
    pub fn floor_row(&self, target: V3) -> f64 {
        let h = V3::new(self.fwd.x, 0.0, self.fwd.z)
            .unit()
            .unwrap_or_default();
        let behind = V3::new(target.x, 0.0, target.z).plus(h.scale(1.2));
        self.project(behind)
            .1
            .clamp(0.3 * self.height, 0.95 * self.height)
    }
}

/// The joints of both sides in 3D.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Side3 {
    pub shoulder: V3,
    pub elbow: V3,
    pub wrist: V3,
    pub hand: V3,
    pub hip: V3,
    pub knee: V3,
    pub ankle: V3,
    pub heel: V3,
    pub toe: V3,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Body3 {
    pub left: Side3,
    pub right: Side3,
    pub head: V3,
    /// Unit vectors from the head centre to the crown and to the face.
    pub head_up: V3,
    pub head_fwd: V3,
}

impl Body3 {
    pub fn from_skeleton(sk: &Skeleton) -> Body3 {
        let side = |s: f64| {
            let leg = |p: P2| from2(p, s * HIP_HALF);
            let arm = |p: P2| from2(p, s * SHOULDER_HALF);
            Side3 {
                shoulder: arm(sk.shoulder),
                elbow: arm(sk.elbow).plus(V3::new(0.0, 0.0, s * 0.02)),
                wrist: arm(sk.wrist),
                hand: arm(sk.hand).minus(V3::new(0.0, 0.0, s * 0.01)),
                hip: leg(sk.hip),
                knee: leg(sk.knee),
                ankle: leg(sk.ankle),
                heel: leg(sk.heel),
                toe: leg(sk.toe),
            }
        };
        let up = P2::dir(sk.head_up_deg);
        let fwd = up.cw();
        Body3 {
            left: side(1.0),
            right: side(-1.0),
            head: from2(sk.head, 0.0),
            head_up: from2(up, 0.0),
            head_fwd: from2(fwd, 0.0),
        }
    }

    pub fn hip_centre(&self) -> V3 {
        self.left.hip.plus(self.right.hip).scale(0.5)
    }
    pub fn shoulder_centre(&self) -> V3 {
        self.left.shoulder.plus(self.right.shoulder).scale(0.5)
    }

    /// Every point the outline reaches (for framing).
    pub fn extent(&self) -> Vec<V3> {
        let mut v = vec![
            self.head.plus(self.head_up.scale(0.07)),
            self.head.minus(self.head_up.scale(0.07)),
            self.head.plus(self.head_fwd.scale(0.08)),
            self.head.minus(self.head_fwd.scale(0.07)),
        ];
        for s in [&self.left, &self.right] {
            v.extend([
                s.shoulder, s.elbow, s.wrist, s.hand, s.hip, s.knee, s.ankle, s.heel, s.toe,
            ]);
            v.push(
                s.shoulder
                    .plus(V3::new(0.0, 0.0, s.shoulder.z.signum() * 0.04)),
            );
        }
        v
    }
}

/// Unsigned angle at `b` between `a` and `c`, degrees.
fn angle_at(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> f64 {
    let (ux, uy) = (a.0 - b.0, a.1 - b.1);
    let (vx, vy) = (c.0 - b.0, c.1 - b.1);
    let n = (ux.hypot(uy) * vx.hypot(vy)).max(1e-12);
    ((ux * vx + uy * vy) / n)
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees()
}

/// The trunk–thigh angle as the picture shows it on the side nearer the camera: 180° minus
/// the image angle between hip→shoulder and hip→knee (unsigned), and that side's name.
pub fn projected_hip_flexion(cam: &PerspectiveCamera, b: &Body3) -> (f64, &'static str) {
    let near_left = cam.pos.minus(b.hip_centre()).z >= 0.0;
    let s = if near_left { &b.left } else { &b.right };
    let p = |x: V3| {
        let (u, v, _) = cam.project(x);
        (u, v)
    };
    (
        180.0 - angle_at(p(s.shoulder), p(s.hip), p(s.knee)),
        if near_left { "left" } else { "right" },
    )
}

enum Shape {
    Capsule { a: V3, b: V3, ra: f64, rb: f64 },
    Solid(Vec<V3>),
    Head,
}

struct Part {
    shape: Shape,
    colour: [f64; 3],
    depth: f64,
}

fn sc(c: [f64; 3]) -> Scalar {
    Scalar::new(c[0], c[1], c[2], 0.0)
}

fn shade(c: [f64; 3], k: f64) -> [f64; 3] {
    [
        (c[0] * k).min(255.0),
        (c[1] * k).min(255.0),
        (c[2] * k).min(255.0),
    ]
}

struct Painter<'a> {
    img: &'a mut Mat,
    cam: &'a PerspectiveCamera,
}

impl Painter<'_> {
    fn fill(&mut self, pts: &[(f64, f64)], colour: [f64; 3]) -> CvResult<()> {
        let v: Vector<Point> = pts
            .iter()
            .map(|(u, v)| Point::new((u * SUB).round() as i32, (v * SUB).round() as i32))
            .collect();
        let mut vv: Vector<Vector<Point>> = Vector::new();
        vv.push(v);
        imgproc::fill_poly(
            self.img,
            &vv,
            sc(colour),
            imgproc::LINE_AA,
            SHIFT,
            Point::new(0, 0),
        )
    }

    fn hull(&mut self, pts: &[(f64, f64)], colour: [f64; 3]) -> CvResult<()> {
        let v: Vector<core::Point2f> = pts
            .iter()
            .map(|(u, v)| core::Point2f::new(*u as f32, *v as f32))
            .collect();
        let mut h: Vector<core::Point2f> = Vector::new();
        imgproc::convex_hull(&v, &mut h, false, true)?;
        let hp: Vec<(f64, f64)> = h.iter().map(|p| (p.x as f64, p.y as f64)).collect();
        self.fill(&hp, colour)
    }

    /// A tapered capsule between two projected discs.
    fn capsule(&mut self, a: V3, b: V3, ra: f64, rb: f64, colour: [f64; 3]) -> CvResult<()> {
        let (ua, va, za) = self.cam.project(a);
        let (ub, vb, zb) = self.cam.project(b);
        let (pa, pb) = (ra * self.cam.focal / za, rb * self.cam.focal / zb);
        let disc = |u: f64, v: f64, r: f64| -> Vec<(f64, f64)> {
            (0..20)
                .map(|i| {
                    let t = i as f64 * std::f64::consts::TAU / 20.0;
                    (u + r * t.cos(), v + r * t.sin())
                })
                .collect()
        };
        let mut pts = disc(ua, va, pa);
        pts.extend(disc(ub, vb, pb));
        self.hull(&pts, colour)?;
        // Lit band towards the top of the picture (light from above).
        let k = 0.45;
        let (oa, ob) = (pa * 0.35, pb * 0.35);
        let mut lit = disc(ua, va - oa, pa * k);
        lit.extend(disc(ub, vb - ob, pb * k));
        self.hull(&lit, shade(colour, 1.1))
    }

    fn solid(&mut self, pts: &[V3], colour: [f64; 3]) -> CvResult<()> {
        let p: Vec<(f64, f64)> = pts
            .iter()
            .map(|x| {
                let (u, v, _) = self.cam.project(*x);
                (u, v)
            })
            .collect();
        self.hull(&p, colour)
    }

    fn faces_camera(&self, at: V3, normal: V3) -> bool {
        normal.dot(self.cam.pos.minus(at)) > 0.0
    }

    /// An ellipse lying on the surface at `c` with normal `n`, drawn when it faces the camera.
    fn patch(&mut self, c: V3, n: V3, ax: V3, rx: f64, ry: f64, colour: [f64; 3]) -> CvResult<()> {
        if !self.faces_camera(c, n) {
            return Ok(());
        }
        let ay = n.cross(ax).unit().unwrap_or_default();
        let pts: Vec<V3> = (0..16)
            .map(|i| {
                let t = i as f64 * std::f64::consts::TAU / 16.0;
                c.plus(ax.scale(rx * t.cos())).plus(ay.scale(ry * t.sin()))
            })
            .collect();
        self.solid(&pts, colour)
    }

    fn head(&mut self, b: &Body3, style: &Style) -> CvResult<()> {
        let (c, up, f) = (b.head, b.head_up, b.head_fwd);
        let lat = f.cross(up).unit().unwrap_or_default(); // towards the figure's left
        let r = 0.062;
        // Hair: the whole sphere, slightly larger towards the back and crown.
        let (u, v, z) = self
            .cam
            .project(c.plus(up.scale(0.006)).minus(f.scale(0.004)));
        let pr = (r + 0.004) * self.cam.focal / z;
        let disc: Vec<(f64, f64)> = (0..32)
            .map(|i| {
                let t = i as f64 * std::f64::consts::TAU / 32.0;
                (u + pr * t.cos(), v + pr * t.sin())
            })
            .collect();
        self.fill(&disc, style.hair)?;
        // Face: the visible part of the front cap of the sphere (skin), below the hairline.
        let mut cap = Vec::new();
        let view_dir = |p: V3| self.cam.pos.minus(p);
        for i in 0..=10 {
            for j in 0..24 {
                let polar = (i as f64 / 10.0) * 80f64.to_radians();
                let az = j as f64 * std::f64::consts::TAU / 24.0;
                let dir = f
                    .scale(polar.cos())
                    .plus(up.scale(polar.sin() * az.sin()))
                    .plus(lat.scale(polar.sin() * az.cos()));
                if dir.dot(up) > 0.45 {
                    continue; // hairline
                }
                let p = c.plus(dir.scale(r));
                if dir.dot(view_dir(p)) > 0.0 {
                    let (u, v, _) = self.cam.project(p);
                    cap.push((u, v));
                }
            }
        }
        if cap.len() >= 3 {
            self.hull(&cap, style.skin)?;
        }
        // Ears, eyes, brows, nose, mouth.
        for s in [1.0, -1.0] {
            let side = lat.scale(s);
            self.patch(
                c.plus(side.scale(r * 0.98)),
                side,
                up,
                0.018,
                0.011,
                shade(style.skin, 0.85),
            )?;
            let eye_dir = f
                .scale(0.9)
                .plus(side.scale(0.38))
                .plus(up.scale(0.12))
                .unit()
                .unwrap_or_default();
            let eye = c.plus(eye_dir.scale(r * 1.01));
            self.patch(eye, eye_dir, side, 0.011, 0.006, [235.0, 240.0, 240.0])?;
            self.patch(
                c.plus(eye_dir.scale(r * 1.02)),
                eye_dir,
                side,
                0.005,
                0.005,
                [40.0, 40.0, 50.0],
            )?;
            let brow_dir = f
                .scale(0.85)
                .plus(side.scale(0.38))
                .plus(up.scale(0.33))
                .unit()
                .unwrap_or_default();
            self.patch(
                c.plus(brow_dir.scale(r * 1.01)),
                brow_dir,
                side,
                0.014,
                0.003,
                shade(style.hair, 1.0),
            )?;
        }
        let mouth_dir = f
            .scale(0.9)
            .minus(up.scale(0.42))
            .unit()
            .unwrap_or_default();
        self.patch(
            c.plus(mouth_dir.scale(r * 1.01)),
            mouth_dir,
            lat,
            0.014,
            0.004,
            [80.0, 80.0, 150.0],
        )?;
        let nose_root = c.plus(f.scale(r * 0.95));
        let nose_tip = c.plus(f.scale(r * 1.25)).minus(up.scale(0.018));
        let tip_dir = nose_tip.minus(c).unit().unwrap_or_default();
        if self.faces_camera(nose_tip, tip_dir)
            || self.faces_camera(nose_root, lat)
            || self.faces_camera(nose_root, lat.scale(-1.0))
        {
            self.capsule(nose_root, nose_tip, 0.008, 0.009, shade(style.skin, 0.93))?;
        }
        Ok(())
    }
}

/// Torso cross-sections: (position along hip→shoulder in body heights, half-width,
/// half-depth front to back).
const TORSO: [(f64, f64, f64); 6] = [
    (0.04, 0.085, 0.062),
    (0.10, 0.080, 0.058),
    (0.16, 0.086, 0.064),
    (0.23, 0.100, 0.070),
    (0.28, 0.112, 0.060),
    (0.31, 0.095, 0.042),
];

fn ring(c: V3, lat: V3, front: V3, hw: f64, hd: f64, n: usize) -> Vec<V3> {
    (0..n)
        .map(|i| {
            let t = i as f64 * std::f64::consts::TAU / n as f64;
            c.plus(lat.scale(hw * t.cos()))
                .plus(front.scale(hd * t.sin()))
        })
        .collect()
}

fn parts(b: &Body3, style: &Style, cam: &PerspectiveCamera) -> Vec<Part> {
    let mut v = Vec::new();
    let mut cap = |a: V3, bb: V3, ra: f64, rb: f64, colour: [f64; 3]| {
        v.push(Part {
            depth: cam.depth(a.plus(bb).scale(0.5)),
            shape: Shape::Capsule { a, b: bb, ra, rb },
            colour,
        })
    };
    for s in [&b.left, &b.right] {
        cap(s.hip, s.knee, 0.06, 0.04, style.pants);
        cap(s.knee, s.ankle, 0.04, 0.024, style.pants);
        cap(s.heel, s.toe, 0.024, 0.02, style.shoe);
        cap(s.shoulder, s.elbow, 0.034, 0.027, style.skin);
        cap(
            s.shoulder,
            s.shoulder.plus(s.elbow.minus(s.shoulder).scale(0.45)),
            0.042,
            0.036,
            style.shirt,
        );
        cap(s.elbow, s.wrist, 0.026, 0.018, style.skin);
        cap(s.wrist, s.hand, 0.018, 0.013, shade(style.skin, 0.95));
    }
    let (hc, scn) = (b.hip_centre(), b.shoulder_centre());
    let u = scn.minus(hc).unit().unwrap_or_default();
    let lat = V3::new(0.0, 0.0, 1.0);
    let front = u.cross(lat).unit().unwrap_or_default();
    let mut torso = Vec::new();
    for (s, hw, hd) in TORSO {
        torso.extend(ring(hc.plus(u.scale(s)), lat, front, hw, hd, 16));
    }
    v.push(Part {
        depth: cam.depth(hc.plus(u.scale(0.17))),
        shape: Shape::Solid(torso),
        colour: style.shirt,
    });
    let mut pelvis = ring(hc.minus(u.scale(0.02)), lat, front, 0.1, 0.075, 16);
    pelvis.extend(ring(hc.plus(u.scale(0.06)), lat, front, 0.09, 0.066, 16));
    for s in [&b.left, &b.right] {
        let t = s.hip.plus(s.knee.minus(s.hip).scale(0.22));
        let ax = s.knee.minus(s.hip).unit().unwrap_or_default();
        let f2 = ax.cross(lat).unit().unwrap_or_default();
        pelvis.extend(ring(t, lat, f2, 0.062, 0.062, 12));
    }
    v.push(Part {
        depth: cam.depth(hc) - 0.001,
        shape: Shape::Solid(pelvis),
        colour: style.pants,
    });
    let neck_top = b
        .head
        .minus(b.head_up.scale(0.04))
        .minus(b.head_fwd.scale(0.012));
    v.push(Part {
        depth: cam.depth(scn.plus(neck_top).scale(0.5)),
        shape: Shape::Capsule {
            a: scn,
            b: neck_top,
            ra: 0.032,
            rb: 0.026,
        },
        colour: shade(style.skin, 0.92),
    });
    v.push(Part {
        depth: cam.depth(b.head),
        shape: Shape::Head,
        colour: style.skin,
    });
    v
}

/// Draws the figure (and the exercise's floor mat) onto `img`.
pub fn figure(
    img: &mut Mat,
    cam: &PerspectiveCamera,
    style: &Style,
    exercise: Exercise,
    sk: &Skeleton,
) -> CvResult<()> {
    let b = Body3::from_skeleton(sk);
    let mut p = Painter { img, cam };
    if matches!(exercise, Exercise::Bridge | Exercise::Nordic) {
        let (x0, x1) = match exercise {
            Exercise::Bridge => (-0.30, sk.ankle.x + 0.20),
            _ => (sk.ankle.x - 0.15, 0.25),
        };
        let mat: Vec<V3> = [(x0, -0.2), (x1, -0.2), (x1, 0.2), (x0, 0.2)]
            .iter()
            .map(|&(x, z)| V3::new(x, 0.002, z))
            .collect();
        p.solid(&mat, style.mat)?;
    }
    let mut list = parts(&b, style, cam);
    list.sort_by(|a, b| b.depth.total_cmp(&a.depth));
    for part in &list {
        match &part.shape {
            Shape::Capsule { a, b, ra, rb } => p.capsule(*a, *b, *ra, *rb, part.colour)?,
            Shape::Solid(pts) => {
                p.solid(pts, part.colour)?;
            }
            Shape::Head => p.head(&b, style)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cam(yaw: f64, pitch: f64) -> PerspectiveCamera {
        let spec = CameraSpec {
            yaw_deg: yaw,
            pitch_deg: pitch,
            distance_m: 3.0,
        };
        let ext = [V3::new(-0.2, 0.0, -0.1), V3::new(0.2, 1.0, 0.1)];
        PerspectiveCamera::aimed(&spec, V3::new(0.0, 0.5, 0.0), &ext, 640, 480)
    }

    #[test]
    fn yaw_zero_sees_the_left_side_with_forward_to_the_right() {
        let c = cam(0.0, 0.0);
        let (u0, _, _) = c.project(V3::new(0.0, 0.5, 0.0));
        let (u1, _, _) = c.project(V3::new(0.1, 0.5, 0.0));
        assert!(u1 > u0);
        let (_, v_hi, _) = c.project(V3::new(0.0, 0.9, 0.0));
        let (_, v_lo, _) = c.project(V3::new(0.0, 0.1, 0.0));
        assert!(v_hi < v_lo, "up is up");
        assert!(c.depth(V3::new(0.0, 0.5, 0.1)) < c.depth(V3::new(0.0, 0.5, -0.1)));
        // From the front, the figure's left is on the picture's right.
        let f = cam(90.0, 0.0);
        assert!(f.project(V3::new(0.0, 0.5, 0.1)).0 < f.project(V3::new(0.0, 0.5, -0.1)).0);
    }

    #[test]
    fn a_side_view_projects_the_hip_angle_almost_exactly() {
        let sk = Skeleton {
            hip: P2::new(0.0, 0.5),
            shoulder: P2::new(0.2, 0.7),
            knee: P2::new(0.0, 0.25),
            ..Default::default()
        };
        let b = Body3::from_skeleton(&sk);
        let (a, side) = projected_hip_flexion(&cam(0.0, 0.0), &b);
        assert_eq!(side, "left");
        assert!((a - 45.0).abs() < 1.5, "{a}");
        let (_, side) = projected_hip_flexion(&cam(180.0, 0.0), &b);
        assert_eq!(side, "right");
        // From the front the trunk and thigh overlap in the picture: the angle collapses.
        let (f, _) = projected_hip_flexion(&cam(90.0, 0.0), &b);
        assert!(!(20.0..=100.0).contains(&f), "{f}");
    }
}
