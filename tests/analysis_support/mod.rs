//! Synthetic stick figures with known joint angles, for analysis tests.
#![allow(dead_code)]

use hipflex::pose::{Landmark, Pose, PoseFrame, Roi, RoiSource, idx};

/// Segment orientation of one frame, in the body frame of a person facing image-right with
/// y up: angles in degrees.
#[derive(Clone, Copy, Debug)]
pub struct Body {
    /// Whole-body rotation (0 standing, 90 lying on the back head-left for facing right).
    pub rho: f64,
    /// Trunk lean forward from the body vertical.
    pub trunk: f64,
    /// Thigh forward from the body vertical (down).
    pub thigh: f64,
    /// Knee flexion.
    pub knee: f64,
}

impl Body {
    /// Expected trunk–thigh hip flexion.
    pub fn hip(&self) -> f64 {
        self.trunk + self.thigh
    }
    pub fn standing(hip: f64, thigh: f64, knee: f64) -> Body {
        Body {
            rho: 0.0,
            trunk: hip - thigh,
            thigh,
            knee,
        }
    }
    /// Supine bridge: shoulders on the floor, trunk rises by `lift` degrees towards the
    /// hips, hip flexion `hip`, knee flexion `knee`.
    pub fn bridge(hip: f64, lift: f64, knee: f64) -> Body {
        Body {
            rho: 90.0,
            trunk: -lift,
            thigh: hip + lift,
            knee,
        }
    }
    /// Nordic: kneeling, shank on the floor behind; the body (trunk + thigh in line plus
    /// `hip` flexion) tilts forward as the knee opens from 90 towards 0.
    pub fn nordic(knee: f64, hip: f64) -> Body {
        // Shank direction fixed horizontal pointing back: thigh_dir - knee = 180 (in degrees,
        // standing frame thigh_dir = 270 + thigh) -> thigh = knee - 90.
        Body {
            rho: 0.0,
            trunk: hip - (knee - 90.0),
            thigh: knee - 90.0,
            knee,
        }
    }
}

fn dir(deg: f64) -> (f64, f64) {
    let r = deg.to_radians();
    (r.cos(), r.sin())
}

/// Where the figure holds its arms.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Arms {
    /// Turning with the trunk, a little forward of it (the default figure).
    #[default]
    AlongTrunk,
    /// Hanging straight down whatever the trunk does: holding a bar or kettlebell.
    Hanging,
    /// Held in front of the chest, elbows bent, turning with the trunk: a Nordic curl.
    Forward,
    /// Hands on a bar across the upper back, elbows pointing back: a good morning.
    OnBack,
}

/// Options of the rendering.
#[derive(Clone, Copy, Debug)]
pub struct Render {
    /// +1 facing image-right, -1 facing image-left.
    pub facing: f64,
    /// Pixels per metre.
    pub scale: f64,
    pub arms: Arms,
}

impl Default for Render {
    fn default() -> Self {
        Render {
            facing: 1.0,
            scale: 400.0,
            arms: Arms::AlongTrunk,
        }
    }
}

fn lm(x: f64, y: f64, z: f64, v: f64) -> Landmark {
    Landmark {
        x: x as f32,
        y: y as f32,
        z: z as f32,
        visibility: v as f32,
        presence: 1.0,
    }
}

/// Builds one pose. Left side near the camera.
pub fn pose(b: &Body, r: &Render) -> Pose {
    let (lt, lh, ls) = (0.5, 0.42, 0.42);
    let trunk_dir = 90.0 - b.trunk + b.rho;
    let thigh_dir = 270.0 + b.thigh + b.rho;
    let shank_dir = thigh_dir - b.knee;
    let foot_dir = shank_dir + 90.0;
    let ant_dir = trunk_dir - 90.0;
    let add = |p: (f64, f64), d: f64, l: f64| {
        let (c, s) = dir(d);
        (p.0 + l * c, p.1 + l * s)
    };
    let hip = (0.0, 0.0);
    let sh = add(hip, trunk_dir, lt);
    let knee = add(hip, thigh_dir, lh);
    let ankle = add(knee, shank_dir, ls);
    let heel = add(ankle, foot_dir, -0.05);
    let toe = add(ankle, foot_dir, 0.18);
    let ear = add(sh, trunk_dir, 0.2);
    let nose = add(ear, ant_dir, 0.09);
    // Upper arm and forearm directions.
    let (upper, fore) = match r.arms {
        Arms::AlongTrunk => (trunk_dir + 200.0, trunk_dir + 220.0),
        Arms::Hanging => (270.0, 270.0),
        Arms::Forward => (trunk_dir + 210.0, trunk_dir + 310.0),
        Arms::OnBack => (trunk_dir + 110.0, trunk_dir + 10.0),
    };
    let elbow = add(sh, upper, 0.28);
    let wrist = add(elbow, fore, 0.25);
    let mut body = vec![(0.0, 0.0); 33];
    body[idx::NOSE] = nose;
    body[1..=10].fill(ear);
    body[idx::NOSE] = nose;
    for (l, rr, p) in [
        (idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER, sh),
        (idx::LEFT_ELBOW, idx::RIGHT_ELBOW, elbow),
        (idx::LEFT_WRIST, idx::RIGHT_WRIST, wrist),
        (17, 18, wrist),
        (19, 20, wrist),
        (21, 22, wrist),
        (idx::LEFT_HIP, idx::RIGHT_HIP, hip),
        (idx::LEFT_KNEE, idx::RIGHT_KNEE, knee),
        (idx::LEFT_ANKLE, idx::RIGHT_ANKLE, ankle),
        (idx::LEFT_HEEL, idx::RIGHT_HEEL, heel),
        (idx::LEFT_FOOT_INDEX, idx::RIGHT_FOOT_INDEX, toe),
    ] {
        body[l] = p;
        body[rr] = p;
    }
    let (cx, cy) = (640.0, 400.0);
    let mut image = Vec::with_capacity(33);
    let mut world = Vec::with_capacity(33);
    for (i, p) in body.iter().enumerate() {
        let right = i >= 11 && i % 2 == 0 || [4, 5, 6, 8, 10].contains(&i);
        let (side_z, vis) = if right { (0.1, 0.4) } else { (-0.1, 0.98) };
        let x = r.facing * p.0;
        image.push(lm(
            cx + x * r.scale,
            cy - p.1 * r.scale,
            side_z * r.scale,
            vis,
        ));
        world.push(lm(x, -p.1, side_z, vis));
    }
    Pose {
        score: 1.0,
        image,
        world,
        roi: Roi::default(),
        roi_source: RoiSource::Tracking,
    }
}

/// A piecewise-linear trajectory: (duration, end value) segments from `start`.
pub fn piecewise(start: f64, segs: &[(f64, f64)], t: f64) -> f64 {
    let mut t0 = 0.0;
    let mut v0 = start;
    for &(d, v1) in segs {
        if t <= t0 + d {
            return v0 + (v1 - v0) * (t - t0) / d;
        }
        t0 += d;
        v0 = v1;
    }
    v0
}

pub fn total(segs: &[(f64, f64)]) -> f64 {
    segs.iter().map(|s| s.0).sum()
}

/// Frames at `fps` over `duration` from a body-at-time function.
pub fn clip(fps: f64, duration: f64, r: &Render, f: impl Fn(f64) -> Body) -> Vec<PoseFrame> {
    let n = (duration * fps).round() as usize + 1;
    (0..n)
        .map(|i| {
            let t = i as f64 / fps;
            PoseFrame {
                index: i as u64,
                timestamp_s: t,
                pose: Some(pose(&f(t), r)),
            }
        })
        .collect()
}

/// Deterministic pseudo-random numbers in [-1, 1).
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// Adds uniform pixel noise of +-`px` to the image landmarks (world scaled to match).
pub fn add_noise(frames: &mut [PoseFrame], px: f64, seed: u64, scale: f64) {
    let mut rng = Lcg(seed);
    for f in frames {
        if let Some(p) = f.pose.as_mut() {
            for (a, w) in p.image.iter_mut().zip(p.world.iter_mut()) {
                let (dx, dy) = (rng.next() * px, rng.next() * px);
                a.x += dx as f32;
                a.y += dy as f32;
                w.x += (dx / scale) as f32;
                w.y += (dy / scale) as f32;
            }
        }
    }
}
