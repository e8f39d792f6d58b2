//! Drawing the scene: background, props and the shaded articulated figure.

use opencv::core::{self, Mat, Point, Scalar, Size, Vector};
use opencv::imgproc;
use opencv::prelude::*;

use super::figure::{FOOT_OUTLINE, P2, Skeleton, foot_point};
use super::rng::Rng;
use crate::common::Exercise;

type CvResult<T> = opencv::Result<T>;

const SHIFT: i32 = 4;
const SUB: f64 = (1 << SHIFT) as f64;

/// Maps world coordinates (body heights, y up) to pixels (y down), optionally mirrored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    pub scale: f64,
    pub ox: f64,
    pub oy: f64,
    pub width: f64,
    pub mirror: bool,
}

impl Camera {
    /// Fixes a camera that keeps every point of every frame in view with margin, the floor
    /// line a little above the bottom edge.
    pub fn framing(points: &[P2], width: u32, height: u32, mirror: bool) -> Camera {
        let (w, h) = (width as f64, height as f64);
        let pad = 0.045; // limb half-widths beyond the joint points
        let (mut xmin, mut xmax, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY, 0.1f64);
        for p in points {
            xmin = xmin.min(p.x - pad);
            xmax = xmax.max(p.x + pad);
            ymax = ymax.max(p.y + pad);
        }
        let floor_v = 0.86 * h;
        let top_margin = 0.08 * h;
        let scale = ((floor_v - top_margin) / ymax).min(0.84 * w / (xmax - xmin));
        Camera {
            scale,
            ox: 0.5 * w - scale * 0.5 * (xmin + xmax),
            oy: floor_v,
            width: w,
            mirror,
        }
    }

    /// Pixel coordinates (sub-pixel) of a world point.
    pub fn px(&self, p: P2) -> (f64, f64) {
        let u = self.ox + self.scale * p.x;
        let u = if self.mirror { self.width - u } else { u };
        (u, self.oy - self.scale * p.y)
    }

    fn pt(&self, p: P2) -> Point {
        let (u, v) = self.px(p);
        Point::new((u * SUB).round() as i32, (v * SUB).round() as i32)
    }
}

/// Colours of one clip (BGR).
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub skin: [f64; 3],
    pub hair: [f64; 3],
    pub shirt: [f64; 3],
    pub pants: [f64; 3],
    pub shoe: [f64; 3],
    pub wall_top: [f64; 3],
    pub wall_bottom: [f64; 3],
    pub floor: [f64; 3],
    pub mat: [f64; 3],
}

impl Style {
    pub fn from_rng(rng: &mut Rng) -> Style {
        let skins = [
            [150.0, 180.0, 225.0],
            [120.0, 155.0, 205.0],
            [95.0, 130.0, 180.0],
            [70.0, 100.0, 145.0],
            [140.0, 170.0, 215.0],
        ];
        let hairs = [
            [30.0, 35.0, 45.0],
            [40.0, 70.0, 110.0],
            [20.0, 20.0, 22.0],
            [60.0, 100.0, 150.0],
        ];
        let shirts = [
            [170.0, 90.0, 40.0],
            [60.0, 60.0, 190.0],
            [70.0, 150.0, 60.0],
            [200.0, 200.0, 200.0],
            [60.0, 140.0, 220.0],
            [140.0, 60.0, 120.0],
        ];
        let pants = [
            [50.0, 45.0, 40.0],
            [90.0, 60.0, 40.0],
            [70.0, 70.0, 75.0],
            [35.0, 35.0, 35.0],
        ];
        let shoes = [
            [235.0, 235.0, 235.0],
            [40.0, 40.0, 40.0],
            [60.0, 90.0, 200.0],
        ];
        let walls = [
            ([215.0, 220.0, 222.0], [185.0, 195.0, 200.0]),
            ([200.0, 215.0, 225.0], [170.0, 185.0, 200.0]),
            ([225.0, 215.0, 200.0], [190.0, 180.0, 170.0]),
            ([205.0, 215.0, 210.0], [175.0, 185.0, 180.0]),
        ];
        let floors = [
            [90.0, 120.0, 150.0],
            [120.0, 120.0, 125.0],
            [70.0, 95.0, 125.0],
        ];
        let mats = [
            [120.0, 80.0, 40.0],
            [80.0, 80.0, 160.0],
            [90.0, 130.0, 90.0],
            [60.0, 60.0, 60.0],
        ];
        let wall = walls[rng.pick(walls.len())];
        Style {
            skin: skins[rng.pick(skins.len())],
            hair: hairs[rng.pick(hairs.len())],
            shirt: shirts[rng.pick(shirts.len())],
            pants: pants[rng.pick(pants.len())],
            shoe: shoes[rng.pick(shoes.len())],
            wall_top: wall.0,
            wall_bottom: wall.1,
            floor: floors[rng.pick(floors.len())],
            mat: mats[rng.pick(mats.len())],
        }
    }
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

/// Static background: wall with a soft gradient and blotches, a door frame, skirting board,
/// floor with planks, and the floor line.
pub fn background(
    width: u32,
    height: u32,
    cam: &Camera,
    style: &Style,
    rng: &mut Rng,
) -> CvResult<Mat> {
    let (w, h) = (width as i32, height as i32);
    let floor_v = cam.oy.round() as i32;
    let mut img = Mat::new_rows_cols_with_default(h, w, core::CV_8UC3, Scalar::all(0.0))?;
    // Low-frequency blotches.
    let (bw, bh) = (8, 6);
    let mut small = Mat::new_rows_cols_with_default(bh, bw, core::CV_32FC1, Scalar::all(0.0))?;
    for y in 0..bh {
        for x in 0..bw {
            *small.at_2d_mut::<f32>(y, x)? = rng.range(-1.0, 1.0) as f32;
        }
    }
    let mut blot = Mat::default();
    imgproc::resize(
        &small,
        &mut blot,
        Size::new(w, h),
        0.0,
        0.0,
        imgproc::INTER_CUBIC,
    )?;
    {
        let data = img.data_bytes_mut()?;
        for y in 0..h {
            let fy = y as f64 / h as f64;
            let (base, amp) = if y < floor_v {
                let k = y as f64 / floor_v.max(1) as f64;
                let c = [
                    style.wall_top[0] + (style.wall_bottom[0] - style.wall_top[0]) * k,
                    style.wall_top[1] + (style.wall_bottom[1] - style.wall_top[1]) * k,
                    style.wall_top[2] + (style.wall_bottom[2] - style.wall_top[2]) * k,
                ];
                (c, 10.0)
            } else {
                (shade(style.floor, 0.85 + 0.3 * (fy - 0.86)), 8.0)
            };
            for x in 0..w {
                let b = *blot.at_2d::<f32>(y, x)? as f64 * amp;
                let i = ((y * w + x) * 3) as usize;
                for c in 0..3 {
                    data[i + c] = (base[c] + b).clamp(0.0, 255.0) as u8;
                }
            }
        }
    }
    // A door frame on the wall, somewhere behind or beside the figure.
    let door_w = (0.16 * w as f64) as i32;
    let door_x = (rng.range(0.05, 0.8) * w as f64) as i32;
    let door_top = (0.18 * h as f64) as i32;
    let frame_col = shade(style.wall_bottom, 0.82);
    imgproc::rectangle(
        &mut img,
        core::Rect::new(door_x, door_top, door_w, floor_v - door_top),
        sc(frame_col),
        (0.012 * w as f64).max(2.0) as i32,
        imgproc::LINE_AA,
        0,
    )?;
    // A picture frame.
    let pic_x = (rng.range(0.1, 0.8) * w as f64) as i32;
    let pic_y = (rng.range(0.08, 0.3) * h as f64) as i32;
    imgproc::rectangle(
        &mut img,
        core::Rect::new(
            pic_x,
            pic_y,
            (0.1 * w as f64) as i32,
            (0.08 * h as f64) as i32,
        ),
        sc(shade(style.wall_bottom, 0.7)),
        -1,
        imgproc::LINE_AA,
        0,
    )?;
    // Skirting board.
    let skirt = (0.018 * h as f64).max(3.0) as i32;
    imgproc::rectangle(
        &mut img,
        core::Rect::new(0, floor_v - skirt, w, skirt),
        sc(shade(style.wall_top, 0.95)),
        -1,
        imgproc::LINE_8,
        0,
    )?;
    // Floor planks.
    let mut v = floor_v as f64 + 0.02 * h as f64;
    let mut gap = 0.02 * h as f64;
    while (v as i32) < h {
        imgproc::line(
            &mut img,
            Point::new(0, v as i32),
            Point::new(w, v as i32),
            sc(shade(style.floor, 0.75)),
            1,
            imgproc::LINE_AA,
            0,
        )?;
        gap *= 1.35;
        v += gap;
    }
    imgproc::line(
        &mut img,
        Point::new(0, floor_v),
        Point::new(w, floor_v),
        sc(shade(style.floor, 0.6)),
        2,
        imgproc::LINE_AA,
        0,
    )?;
    Ok(img)
}

/// Half-widths along a limb: (position 0..1 from the proximal joint, half-width on the side
/// counter-clockwise of the limb direction, half-width clockwise of it).
type Profile<'a> = &'a [(f64, f64, f64)];

struct Painter<'a> {
    img: &'a mut Mat,
    cam: &'a Camera,
}

impl Painter<'_> {
    fn poly(&mut self, pts: &[P2], color: [f64; 3]) -> CvResult<()> {
        let v: Vector<Point> = pts.iter().map(|p| self.cam.pt(*p)).collect();
        let mut vv: Vector<Vector<Point>> = Vector::new();
        vv.push(v);
        imgproc::fill_poly(
            self.img,
            &vv,
            sc(color),
            imgproc::LINE_AA,
            SHIFT,
            Point::new(0, 0),
        )
    }

    fn line(&mut self, a: P2, b: P2, width_world: f64, color: [f64; 3]) -> CvResult<()> {
        let t = (width_world * self.cam.scale).round().max(1.0) as i32;
        imgproc::line(
            self.img,
            self.cam.pt(a),
            self.cam.pt(b),
            sc(color),
            t,
            imgproc::LINE_AA,
            SHIFT,
        )
    }

    fn ellipse(
        &mut self,
        c: P2,
        ax: P2,
        ay: P2,
        rx: f64,
        ry: f64,
        color: [f64; 3],
    ) -> CvResult<()> {
        let pts: Vec<P2> = (0..36)
            .map(|i| {
                let t = i as f64 * std::f64::consts::TAU / 36.0;
                c + ax * (rx * t.cos()) + ay * (ry * t.sin())
            })
            .collect();
        self.poly(&pts, color)
    }

    /// A limb with a round cap at each end, shaded: a shadow band on the side facing away
    /// from the overhead light and a highlight band on the lit side.
    fn limb(&mut self, p0: P2, p1: P2, prof: Profile, color: [f64; 3]) -> CvResult<()> {
        let d = (p1 - p0).unit();
        let n = d.ccw();
        let len = (p1 - p0).norm();
        let at = |s: f64| p0 + d * (s * len);
        let mut pts = Vec::new();
        for &(s, wl, _) in prof {
            pts.push(at(s) + n * wl);
        }
        let (_, wl1, wr1) = prof[prof.len() - 1];
        let r1 = 0.5 * (wl1 + wr1);
        let c1 = p1 + n * (0.5 * (wl1 - wr1));
        for i in 1..12 {
            let a = std::f64::consts::FRAC_PI_2 - std::f64::consts::PI * i as f64 / 12.0;
            pts.push(c1 + (n * a.sin() + d * a.cos()) * r1);
        }
        for &(s, _, wr) in prof.iter().rev() {
            pts.push(at(s) - n * wr);
        }
        let (_, wl0, wr0) = prof[0];
        let r0 = 0.5 * (wl0 + wr0);
        let c0 = p0 + n * (0.5 * (wl0 - wr0));
        for i in 1..12 {
            let a = -std::f64::consts::FRAC_PI_2 - std::f64::consts::PI * i as f64 / 12.0;
            pts.push(c0 + (n * a.sin() + d * a.cos()) * r0);
        }
        self.poly(&pts, color)?;
        // Shading bands.
        let lit_side = if n.y >= 0.0 { 1.0 } else { -1.0 };
        let band = |side: f64, a: f64, b: f64| -> Vec<P2> {
            let mut v = Vec::new();
            for &(s, wl, wr) in prof {
                let wd = if side > 0.0 { wl } else { wr };
                v.push(at(s) + n * (side * wd * a));
            }
            for &(s, wl, wr) in prof.iter().rev() {
                let wd = if side > 0.0 { wl } else { wr };
                v.push(at(s) + n * (side * wd * b));
            }
            v
        };
        self.poly(&band(-lit_side, 0.25, 0.97), shade(color, 0.8))?;
        self.poly(&band(lit_side, 0.3, 0.75), shade(color, 1.12))?;
        Ok(())
    }
}

const THIGH_PROFILE: Profile = &[
    (0.0, 0.052, 0.058),
    (0.45, 0.045, 0.047),
    (1.0, 0.031, 0.031),
];
const SHANK_PROFILE: Profile = &[
    (0.0, 0.031, 0.029),
    (0.3, 0.026, 0.043),
    (0.7, 0.021, 0.027),
    (1.0, 0.018, 0.02),
];
const UPPER_ARM_PROFILE: Profile = &[
    (0.0, 0.031, 0.033),
    (0.5, 0.027, 0.028),
    (1.0, 0.022, 0.022),
];
const FOREARM_PROFILE: Profile = &[
    (0.0, 0.021, 0.021),
    (0.3, 0.024, 0.024),
    (1.0, 0.016, 0.016),
];
const HAND_PROFILE: Profile = &[
    (0.0, 0.016, 0.016),
    (0.5, 0.018, 0.017),
    (1.0, 0.012, 0.012),
];

/// Torso outline in trunk coordinates (u along hip→shoulder from the hip joint, v towards
/// the front), body heights.
const TORSO: [(f64, f64); 16] = [
    (-0.03, -0.072),
    (0.03, -0.078),
    (0.08, -0.062),
    (0.13, -0.052),
    (0.20, -0.062),
    (0.26, -0.070),
    (0.30, -0.055),
    (0.317, -0.025),
    (0.322, 0.012),
    (0.305, 0.045),
    (0.265, 0.078),
    (0.215, 0.086),
    (0.165, 0.070),
    (0.10, 0.064),
    (0.03, 0.062),
    (-0.04, 0.04),
];
const PELVIS: [(f64, f64); 9] = [
    (-0.045, -0.072),
    (0.0, -0.083),
    (0.075, -0.066),
    (0.085, 0.0),
    (0.075, 0.060),
    (0.03, 0.058),
    (-0.025, 0.050),
    (-0.065, 0.015),
    (-0.065, -0.035),
];

/// Draws one frame of the figure (and exercise props) onto `img`.
pub fn figure(
    img: &mut Mat,
    cam: &Camera,
    style: &Style,
    exercise: Exercise,
    sk: &Skeleton,
) -> CvResult<()> {
    let mut p = Painter { img, cam };
    // Props behind the figure.
    if matches!(exercise, Exercise::Bridge | Exercise::Nordic) {
        let (x0, x1) = match exercise {
            Exercise::Bridge => (-0.30, sk.ankle.x + 0.20),
            _ => (sk.ankle.x - 0.15, 0.25),
        };
        p.poly(
            &[
                P2::new(x0, 0.0),
                P2::new(x1, 0.0),
                P2::new(x1, -0.014),
                P2::new(x0, -0.014),
            ],
            style.mat,
        )?;
        p.poly(
            &[
                P2::new(x0, 0.006),
                P2::new(x1, 0.006),
                P2::new(x1, 0.0),
                P2::new(x0, 0.0),
            ],
            shade(style.mat, 1.15),
        )?;
    }
    if exercise == Exercise::Nordic {
        // Ankle-hold post and pad behind the heels.
        let post = sk.ankle.x - 0.12;
        p.poly(
            &[
                P2::new(post - 0.015, 0.0),
                P2::new(post + 0.015, 0.0),
                P2::new(post + 0.015, 0.1),
                P2::new(post - 0.015, 0.1),
            ],
            [70.0, 70.0, 70.0],
        )?;
        p.line(
            P2::new(post, 0.09),
            sk.ankle + P2::new(0.0, 0.06),
            0.02,
            [70.0, 70.0, 70.0],
        )?;
    }

    let far = P2::new(0.022, 0.008);
    let dark = 0.72;
    // Far arm and leg.
    arm(
        &mut p,
        sk,
        far,
        shade(style.skin, dark),
        shade(style.shirt, dark),
    )?;
    leg(
        &mut p,
        sk,
        far,
        shade(style.pants, dark),
        shade(style.shoe, dark),
    )?;
    // Torso and pelvis.
    let u = (sk.shoulder - sk.hip).unit();
    let v = u.cw();
    let tp = |(a, b): (f64, f64)| sk.hip + u * a + v * b;
    let torso: Vec<P2> = TORSO.iter().map(|&x| tp(x)).collect();
    p.poly(&torso, style.shirt)?;
    // Back shadow and chest highlight.
    let back: Vec<P2> = TORSO[..8]
        .iter()
        .map(|&x| tp(x))
        .chain(TORSO[..8].iter().rev().map(|&(a, b)| tp((a, b * 0.55))))
        .collect();
    let front: Vec<P2> = TORSO[9..15]
        .iter()
        .map(|&(a, b)| tp((a, b * 0.8)))
        .chain(TORSO[9..15].iter().rev().map(|&(a, b)| tp((a, b * 0.35))))
        .collect();
    let lit_front = v.y >= u.y.min(0.0) - 0.3;
    p.poly(&back, shade(style.shirt, if lit_front { 0.8 } else { 1.1 }))?;
    p.poly(
        &front,
        shade(style.shirt, if lit_front { 1.1 } else { 0.85 }),
    )?;
    let pelvis: Vec<P2> = PELVIS.iter().map(|&x| tp(x)).collect();
    p.poly(&pelvis, style.pants)?;
    // Near leg.
    leg(&mut p, sk, P2::default(), style.pants, style.shoe)?;
    if exercise == Exercise::Nordic {
        // The pad over the near ankle.
        p.ellipse(
            sk.ankle + P2::new(0.0, 0.058),
            P2::new(1.0, 0.0),
            P2::new(0.0, 1.0),
            0.05,
            0.028,
            [55.0, 55.0, 60.0],
        )?;
    }
    // Neck and head.
    let up = P2::dir(sk.head_up_deg);
    let fwd = up.cw();
    let neck0 = sk.shoulder + u * 0.01 + v * 0.004;
    let neck1 = sk.head - up * 0.035 - fwd * 0.012;
    p.limb(
        neck0,
        neck1,
        &[(0.0, 0.032, 0.032), (1.0, 0.026, 0.026)],
        shade(style.skin, 0.92),
    )?;
    head(&mut p, sk.head, up, style)?;
    // Near arm over everything.
    arm(&mut p, sk, P2::default(), style.skin, style.shirt)?;
    Ok(())
}

fn leg(p: &mut Painter, sk: &Skeleton, off: P2, pants: [f64; 3], shoe: [f64; 3]) -> CvResult<()> {
    p.limb(sk.hip + off, sk.knee + off, THIGH_PROFILE, pants)?;
    p.limb(sk.knee + off, sk.ankle + off, SHANK_PROFILE, pants)?;
    let foot: Vec<P2> = FOOT_OUTLINE
        .iter()
        .map(|&q| foot_point(sk.ankle + off, sk.foot_deg, q))
        .collect();
    p.poly(&foot, shoe)?;
    let sole: Vec<P2> = [
        P2::new(-0.05, -0.028),
        P2::new(0.118, -0.028),
        P2::new(0.122, -0.033),
        P2::new(0.112, -0.039),
        P2::new(-0.045, -0.039),
        P2::new(-0.055, -0.025),
    ]
    .iter()
    .map(|&q| foot_point(sk.ankle + off, sk.foot_deg, q))
    .collect();
    p.poly(&sole, shade(shoe, 0.55))?;
    Ok(())
}

fn arm(p: &mut Painter, sk: &Skeleton, off: P2, skin: [f64; 3], sleeve: [f64; 3]) -> CvResult<()> {
    let (s, e, w, h) = (
        sk.shoulder + off,
        sk.elbow + off,
        sk.wrist + off,
        sk.hand + off,
    );
    p.limb(s, e, UPPER_ARM_PROFILE, skin)?;
    // Short sleeve over the top half of the upper arm, with a rounded deltoid centred on the
    // shoulder joint.
    let mid = s + (e - s) * 0.5;
    p.limb(s, mid, &[(0.0, 0.036, 0.038), (1.0, 0.031, 0.032)], sleeve)?;
    let ax = (e - s).unit();
    p.ellipse(s + ax * 0.008, ax, ax.ccw(), 0.045, 0.04, sleeve)?;
    p.ellipse(
        s + ax * 0.004 + ax.ccw() * 0.012,
        ax,
        ax.ccw(),
        0.024,
        0.016,
        shade(sleeve, 1.1),
    )?;
    p.limb(e, w, FOREARM_PROFILE, skin)?;
    p.limb(w, h, HAND_PROFILE, shade(skin, 0.95))?;
    Ok(())
}

/// A profile head: skull, hair, jaw, nose, eye, brow, ear and mouth. `up` points to the crown,
/// the face looks along `up` rotated clockwise.
fn head(p: &mut Painter, c: P2, up: P2, style: &Style) -> CvResult<()> {
    let f = up.cw();
    let at = |x: f64, y: f64| c + f * x + up * y;
    let skin = style.skin;
    // Skull and face outline.
    let outline: Vec<P2> = [
        (0.040, 0.052),
        (0.052, 0.030),
        (0.056, 0.012),
        (0.060, 0.004),
        (0.075, -0.012),
        (0.070, -0.018),
        (0.058, -0.021),
        (0.059, -0.030),
        (0.056, -0.036),
        (0.058, -0.044),
        (0.052, -0.058),
        (0.036, -0.066),
        (0.010, -0.064),
        (-0.015, -0.045),
        (-0.035, -0.035),
        (-0.052, -0.012),
        (-0.058, 0.015),
        (-0.050, 0.045),
        (-0.025, 0.066),
        (0.010, 0.070),
    ]
    .iter()
    .map(|&(x, y)| at(x, y))
    .collect();
    p.poly(&outline, skin)?;
    // Cheek shading under the cheekbone and a lit forehead.
    p.ellipse(at(0.012, -0.035), f, up, 0.03, 0.02, shade(skin, 0.9))?;
    p.ellipse(at(0.03, 0.03), f, up, 0.018, 0.014, shade(skin, 1.08))?;
    // Hair over the top and back of the skull.
    let hair: Vec<P2> = [
        (0.046, 0.046),
        (0.030, 0.064),
        (0.005, 0.075),
        (-0.028, 0.071),
        (-0.052, 0.050),
        (-0.063, 0.018),
        (-0.060, -0.012),
        (-0.046, -0.030),
        (-0.036, -0.008),
        (-0.030, 0.020),
        (-0.010, 0.044),
        (0.020, 0.050),
    ]
    .iter()
    .map(|&(x, y)| at(x, y))
    .collect();
    p.poly(&hair, style.hair)?;
    // Ear.
    p.ellipse(at(0.0, 0.0), f, up, 0.011, 0.018, shade(skin, 0.85))?;
    p.ellipse(at(0.002, 0.0), f, up, 0.005, 0.01, shade(skin, 0.6))?;
    // Eye: white, iris, upper lid; brow above.
    p.ellipse(
        at(0.043, 0.010),
        f,
        up,
        0.009,
        0.0048,
        [235.0, 240.0, 240.0],
    )?;
    p.ellipse(at(0.047, 0.010), f, up, 0.0045, 0.0045, [40.0, 40.0, 50.0])?;
    p.line(at(0.034, 0.015), at(0.053, 0.014), 0.003, shade(skin, 0.5))?;
    p.line(
        at(0.030, 0.024),
        at(0.056, 0.022),
        0.005,
        shade(style.hair, 1.0),
    )?;
    // Nostril and mouth.
    p.ellipse(at(0.060, -0.015), f, up, 0.004, 0.0025, shade(skin, 0.55))?;
    p.line(
        at(0.044, -0.034),
        at(0.058, -0.032),
        0.004,
        [80.0, 80.0, 150.0],
    )?;
    Ok(())
}
