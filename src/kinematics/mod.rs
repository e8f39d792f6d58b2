//! Per-frame joint angles from BlazePose landmarks, with confidences, the near-side choice,
//! the facing direction, and a per-clip view-quality verdict.
//!
//! Conventions (see `shared/design/clinical.md`):
//! * hip flexion = signed trunk–thigh angle: the angle from the continuation of the trunk
//!   line (mid-shoulder -> mid-hip, carried on past the hip) to the thigh (hip -> knee);
//!   0 when in line, positive in flexion, negative in extension, whichever way the person
//!   faces;
//! * knee flexion = angle between thigh and shank, 0 straight;
//! * trunk inclination = angle of hip -> mid-shoulder from image vertical, 0 upright, 90 lying.

pub mod geom;
pub mod uncertainty;
pub mod view;

use serde::{Deserialize, Serialize};

use crate::pose::{Landmark, Pose, PoseFrame, idx};
use geom::{IMAGE_NORMAL, V3, angle_deg, in_plane, signed_angle_deg, signed_sin};
pub use view::{ViewAngle, ViewParams, ViewPart, ViewQuality, ViewVerdict, view_quality};

/// Body side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

/// Parameters of the per-frame kinematics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KinematicsParams {
    /// A value whose landmarks have a visibility below this is low-confidence and is
    /// treated as missing before cleaning (default 0.5).
    pub min_confidence: f64,
    /// Window for smoothing the near-side and facing evidence, seconds (default 0.5).
    pub smoothing_s: f64,
    /// The near side switches only when the smoothed evidence for the other side exceeds
    /// this margin (visibility units, default 0.2).
    pub side_hysteresis: f64,
    /// The facing direction switches only when the smoothed evidence for the other
    /// direction exceeds this margin (mean signed sine of the cues, default 0.2).
    pub facing_hysteresis: f64,
}

impl Default for KinematicsParams {
    fn default() -> Self {
        KinematicsParams {
            min_confidence: 0.5,
            smoothing_s: 0.5,
            side_hysteresis: 0.2,
            facing_hysteresis: 0.2,
        }
    }
}

/// Unfiltered kinematics of one frame. Angles in degrees; `None` where the pose is
/// missing or the geometry is degenerate (low confidence is reported, not removed here).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RawKinematics {
    pub index: u64,
    /// Time in seconds (after slow-motion rescaling).
    pub t: f64,
    pub present: bool,
    /// Side facing the camera, used for 2D angles.
    pub side: Option<Side>,
    /// Facing sign in the image: +1 when the person faces image-left ... in practice the
    /// rotation sense from the trunk line to the anterior direction (see module docs).
    pub facing_2d: i8,
    /// Same for world landmarks about the body's lateral axis.
    pub facing_3d: i8,
    pub hip_flexion_2d: Option<f64>,
    pub hip_flexion_3d: Option<f64>,
    pub knee_flexion_2d: Option<f64>,
    pub knee_flexion_3d: Option<f64>,
    /// Hip flexion in the body's sagittal plane from the world landmarks: the signed angle
    /// from the trunk-line continuation to the thigh, both projected onto the plane across
    /// the left-right axis (see [`sagittal_angle_deg`]); positive in flexion. Unlike
    /// `hip_flexion_3d` (the full 3D angle, signed) it carries no out-of-plane part, so it
    /// passes through 0 at full extension instead of bottoming out at the size of that
    /// part (15-20° of landmark noise and abduction read off one camera). Used to time
    /// phases only.
    pub hip_flexion_sagittal_3d: Option<f64>,
    /// Knee flexion in the same plane: the signed angle from the thigh to the shank,
    /// positive in flexion. Used to time phases only.
    pub knee_flexion_sagittal_3d: Option<f64>,
    pub trunk_inclination: Option<f64>,
    /// Near-side thigh (knee -> hip) angle from image up.
    pub thigh_inclination: Option<f64>,
    /// Near-side shank (ankle -> knee) angle from image up.
    pub shank_inclination: Option<f64>,
    /// Cosine between the trunk's anterior direction and image up: +1 lying supine,
    /// -1 prone or hinged forward, about 0 upright.
    pub trunk_anterior_up: Option<f64>,
    /// Gravity-referenced sagittal angles from the world (3D) landmarks, degrees, whatever
    /// the camera's yaw (the camera is assumed level: world "up" is the image's up). The
    /// sagittal plane is the vertical plane across the body's left-right axis; "forward" is
    /// the horizontal direction the person faces in it (sign from the facing cues).
    /// Trunk (mid-hip -> mid-shoulder) from vertical: 0 upright, +90 pitched forward
    /// (hinge, prone), -90 lying on the back.
    pub trunk_pitch_3d: Option<f64>,
    /// Near-side thigh (hip -> knee) from straight down: 0 standing, +90 thigh forward
    /// horizontal, beyond 90 knee above the hip (bridge).
    pub thigh_pitch_3d: Option<f64>,
    /// The far-side thigh's pitch, measured the same way (see [`crate::exercise::gait`]:
    /// walking swings the two thighs in turn).
    pub far_thigh_pitch_3d: Option<f64>,
    /// Near-side shank (knee -> ankle) from straight down: 0 vertical, -90 ankle straight
    /// behind the knee (kneeling on the shins).
    pub shank_pitch_3d: Option<f64>,
    /// Horizontal direction the body faces relative to the camera, degrees: 0 facing the
    /// camera (front view), +-90 side view, 180 facing away (rear view).
    pub body_yaw_deg: Option<f64>,
    /// How far the lower of the two wrists hangs below its shoulder, in arm lengths
    /// (shoulder -> elbow -> wrist), from the world landmarks: about 1 with the arms hanging
    /// straight (holding a bar, kettlebell or band), 0 at shoulder height, negative above
    /// (a bar on the back, hands behind the head). Whatever the camera's yaw and the
    /// trunk's pitch: gravity pulls a held weight straight down.
    pub arm_hang_3d: Option<f64>,
    /// Near hip above the lowest near-side foot point, pixels.
    pub hip_height_px: Option<f64>,
    /// Trunk length (mid-hip to mid-shoulder), pixels.
    pub trunk_px: Option<f64>,
    /// Confidence (minimum landmark visibility) of the hip angle, knee angle and trunk.
    pub conf_hip: f64,
    pub conf_knee: f64,
    pub conf_trunk: f64,
    /// Any of the hip or knee confidences below `min_confidence`.
    pub low_confidence: bool,
}

fn vis(l: &[Landmark], i: usize) -> f64 {
    l.get(i).map(|p| p.visibility as f64).unwrap_or(0.0)
}

pub(crate) fn ids(side: Side) -> (usize, usize, usize, usize, usize, usize) {
    // shoulder, hip, knee, ankle, heel, foot index
    match side {
        Side::Left => (
            idx::LEFT_SHOULDER,
            idx::LEFT_HIP,
            idx::LEFT_KNEE,
            idx::LEFT_ANKLE,
            idx::LEFT_HEEL,
            idx::LEFT_FOOT_INDEX,
        ),
        Side::Right => (
            idx::RIGHT_SHOULDER,
            idx::RIGHT_HIP,
            idx::RIGHT_KNEE,
            idx::RIGHT_ANKLE,
            idx::RIGHT_HEEL,
            idx::RIGHT_FOOT_INDEX,
        ),
    }
}

/// Visibility-weighted midpoint of a left/right pair.
fn mid(p: &[V3], l: &[Landmark], a: usize, b: usize) -> V3 {
    let (wa, wb) = (vis(l, a).max(1e-3), vis(l, b).max(1e-3));
    p[a].scale(wa / (wa + wb)).plus(p[b].scale(wb / (wa + wb)))
}

fn pts(l: &[Landmark], world: bool) -> Vec<V3> {
    l.iter()
        .map(|p| if world { V3::world(p) } else { V3::image(p) })
        .collect()
}

/// Evidence for the facing sign from the head, feet and knee bend, in a plane with normal
/// `n`: positive means the anterior direction lies counter-clockwise (about `n`) from the
/// trunk-line continuation. Each cue is a signed sine weighted by visibility.
fn facing_evidence(p: &[V3], l: &[Landmark], n: V3) -> f64 {
    let mut e = 0.0;
    let sh = mid(p, l, idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER);
    let hip = mid(p, l, idx::LEFT_HIP, idx::RIGHT_HIP);
    let down_trunk = hip.minus(sh);
    // Head: nose in front of the ears.
    let ear = mid(p, l, idx::LEFT_EAR, idx::RIGHT_EAR);
    let w_head = vis(l, idx::NOSE).min(vis(l, idx::LEFT_EAR).max(vis(l, idx::RIGHT_EAR)));
    e += w_head * signed_sin(down_trunk, p[idx::NOSE].minus(ear), n);
    for side in [Side::Left, Side::Right] {
        let (_, h, k, a, he, ft) = ids(side);
        let thigh = p[k].minus(p[h]);
        let shank = p[a].minus(p[k]);
        // Foot: toes point anteriorly from the shank.
        let w_foot = vis(l, he).min(vis(l, ft)).min(vis(l, a));
        e += w_foot * signed_sin(shank, p[ft].minus(p[he]), n);
        // Knee bend: the shank rotates posteriorly from the thigh.
        let w_knee = vis(l, h).min(vis(l, k)).min(vis(l, a));
        e -= w_knee * signed_sin(thigh, shank, n);
    }
    e
}

/// Evidence that the left side is nearer the camera (positive) from visibility and depth.
fn side_evidence(l: &[Landmark]) -> f64 {
    let pairs = [
        (idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER),
        (idx::LEFT_HIP, idx::RIGHT_HIP),
        (idx::LEFT_KNEE, idx::RIGHT_KNEE),
        (idx::LEFT_ANKLE, idx::RIGHT_ANKLE),
    ];
    let dv: f64 = pairs
        .iter()
        .map(|&(a, b)| vis(l, a) - vis(l, b))
        .sum::<f64>()
        / 4.0;
    let sh = V3::image(&l[idx::LEFT_SHOULDER])
        .plus(V3::image(&l[idx::RIGHT_SHOULDER]))
        .scale(0.5);
    let hp = V3::image(&l[idx::LEFT_HIP])
        .plus(V3::image(&l[idx::RIGHT_HIP]))
        .scale(0.5);
    let scale = sh.minus(hp).norm().max(1.0);
    let dz: f64 = pairs
        .iter()
        .map(|&(a, b)| (l[b].z as f64 - l[a].z as f64) / scale)
        .sum::<f64>()
        / 4.0;
    dv + dz.clamp(-1.0, 1.0)
}

/// Moving mean of `x` over a window of +-`half_s` seconds (finite values only).
fn moving_mean(t: &[f64], x: &[f64], half_s: f64) -> Vec<f64> {
    let n = x.len();
    let mut out = vec![f64::NAN; n];
    let (mut lo, mut hi) = (0usize, 0usize);
    let (mut sum, mut cnt) = (0.0, 0usize);
    for i in 0..n {
        while hi < n && t[hi] <= t[i] + half_s {
            if x[hi].is_finite() {
                sum += x[hi];
                cnt += 1;
            }
            hi += 1;
        }
        while t[lo] < t[i] - half_s {
            if x[lo].is_finite() {
                sum -= x[lo];
                cnt -= 1;
            }
            lo += 1;
        }
        if cnt > 0 {
            out[i] = sum / cnt as f64;
        }
    }
    out
}

/// Turns smoothed evidence into a sign with hysteresis; starts from the clip-wide sign.
fn hysteresis_sign(ev: &[f64], margin: f64) -> Vec<i8> {
    let total: f64 = ev.iter().filter(|v| v.is_finite()).sum();
    let mut cur: i8 = if total >= 0.0 { 1 } else { -1 };
    ev.iter()
        .map(|&v| {
            if v.is_finite() && v * (cur as f64) < 0.0 && v.abs() > margin {
                cur = -cur;
            }
            cur
        })
        .collect()
}

fn lateral_axis(w: &[V3]) -> V3 {
    w[idx::LEFT_HIP]
        .minus(w[idx::RIGHT_HIP])
        .plus(w[idx::LEFT_SHOULDER].minus(w[idx::RIGHT_SHOULDER]))
}

/// The horizontal forward direction of the body in world coordinates (y down): across the
/// horizontal part of the left-right axis, on the side the facing cues give (`facing_3d`
/// is the sense of rotation about that axis from the trunk line to the front, see
/// [`facing_evidence`]). `None` when the left-right axis is near vertical (lying on the
/// side), where no sagittal plane is defined.
fn sagittal_forward(w: &[V3], facing_3d: i8) -> Option<V3> {
    let lat = lateral_axis(w);
    let horizontal = V3::new(lat.x, 0.0, lat.z);
    if horizontal.norm() < 0.5 * lat.norm() {
        return None;
    }
    let down = V3::new(0.0, 1.0, 0.0);
    horizontal
        .unit()?
        .cross(down)
        .unit()
        .map(|f| f.scale(facing_3d as f64))
}

/// Smallest share of a segment's length that must lie in the sagittal plane for its angle
/// there to be read: a segment seen along the left-right axis has no direction in it.
const MIN_IN_PLANE_SHARE: f64 = 0.3;

/// Signed angle from `a` to `b` about the unit normal `n`, both projected onto the plane
/// across `n`, degrees; `None` when either lies too close to `n` (see
/// [`MIN_IN_PLANE_SHARE`]).
fn sagittal_angle_deg(a: V3, b: V3, n: V3) -> Option<f64> {
    let (ap, bp) = (in_plane(a, n), in_plane(b, n));
    let enough = |v: V3, p: V3| p.norm() >= MIN_IN_PLANE_SHARE * v.norm() && p.norm() > 1e-12;
    if !enough(a, ap) || !enough(b, bp) {
        return None;
    }
    let x = signed_angle_deg(ap, bp, n);
    x.is_finite().then_some(x)
}

fn usable(p: &Pose) -> bool {
    p.image.len() >= crate::pose::NUM_LANDMARKS && p.world.len() >= crate::pose::NUM_LANDMARKS
}

/// Computes per-frame kinematics. `times` are the (rescaled) frame times, one per frame.
pub fn compute(frames: &[PoseFrame], times: &[f64], p: &KinematicsParams) -> Vec<RawKinematics> {
    let mut out = Vec::with_capacity(frames.len());
    let (side_ev, face2, face3) = evidence(frames.iter());
    let signs = Signs::new(times, &side_ev, &face2, &face3, p);
    out.extend(
        frames
            .iter()
            .enumerate()
            .map(|(i, f)| frame_kinematics(i, f, times, &signs, p)),
    );
    out
}

/// [`compute`] for frames read in order (two passes: side and facing evidence, then angles).
pub fn compute_from<F: crate::frame_store::Frames + ?Sized>(
    frames: &F,
    times: &[f64],
    p: &KinematicsParams,
) -> crate::Result<Vec<RawKinematics>> {
    let n = frames.len();
    let (mut side_ev, mut face2, mut face3) =
        (vec![f64::NAN; n], vec![f64::NAN; n], vec![f64::NAN; n]);
    frames.visit(&mut |i, f| {
        if let Some(e) = frame_evidence(f) {
            (side_ev[i], face2[i], face3[i]) = e;
        }
    })?;
    let signs = Signs::new(times, &side_ev, &face2, &face3, p);
    let mut out = Vec::with_capacity(n);
    frames.visit(&mut |i, f| out.push(frame_kinematics(i, f, times, &signs, p)))?;
    Ok(out)
}

/// Per frame: evidence for the side seen and for facing in 2D and 3D (NaN without a pose).
fn evidence<'a>(frames: impl Iterator<Item = &'a PoseFrame>) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut side_ev, mut face2, mut face3) = (Vec::new(), Vec::new(), Vec::new());
    for f in frames {
        let (s, a, b) = frame_evidence(f).unwrap_or((f64::NAN, f64::NAN, f64::NAN));
        side_ev.push(s);
        face2.push(a);
        face3.push(b);
    }
    (side_ev, face2, face3)
}

fn frame_evidence(f: &PoseFrame) -> Option<(f64, f64, f64)> {
    let pose = f.pose.as_ref().filter(|p| usable(p))?;
    let side = side_evidence(&pose.image);
    let ip = pts(&pose.image, false);
    let face2 = facing_evidence(&ip, &pose.image, IMAGE_NORMAL);
    let wp = pts(&pose.world, true);
    let face3 = lateral_axis(&wp)
        .unit()
        .map_or(f64::NAN, |nrm| facing_evidence(&wp, &pose.image, nrm));
    Some((side, face2, face3))
}

/// The side and facing signs of every frame, smoothed and with hysteresis.
struct Signs {
    side: Vec<i8>,
    f2: Vec<i8>,
    f3: Vec<i8>,
}

impl Signs {
    fn new(
        times: &[f64],
        side_ev: &[f64],
        face2: &[f64],
        face3: &[f64],
        p: &KinematicsParams,
    ) -> Signs {
        let half = 0.5 * p.smoothing_s;
        Signs {
            side: hysteresis_sign(&moving_mean(times, side_ev, half), p.side_hysteresis),
            f2: hysteresis_sign(&moving_mean(times, face2, half), p.facing_hysteresis),
            f3: hysteresis_sign(&moving_mean(times, face3, half), p.facing_hysteresis),
        }
    }
}

fn frame_kinematics(
    i: usize,
    f: &PoseFrame,
    times: &[f64],
    signs: &Signs,
    p: &KinematicsParams,
) -> RawKinematics {
    let mut k = RawKinematics {
        index: f.index,
        t: times[i],
        ..Default::default()
    };
    let Some(pose) = f.pose.as_ref().filter(|p| usable(p)) else {
        k.low_confidence = true;
        return k;
    };
    k.present = true;
    let side = if signs.side[i] > 0 {
        Side::Left
    } else {
        Side::Right
    };
    k.side = Some(side);
    k.facing_2d = signs.f2[i];
    k.facing_3d = signs.f3[i];
    fill_angles(&mut k, pose, side, p);
    k
}

/// The frame's hip flexion (2D, 3D) and hip confidence measured on a second model's
/// landmarks (`--cross-check`), on the side and with the facing the first model's frame
/// `k` was given, so only the landmarks differ. `k` as it was when the frame had no pose.
pub fn cross_check_hip(
    k: &RawKinematics,
    cross: &crate::pose::CrossCheckPose,
    p: &KinematicsParams,
) -> RawKinematics {
    let mut out = k.clone();
    let Some(side) = k.side else {
        return out;
    };
    let mut pose = Pose {
        score: cross.score,
        image: vec![Landmark::default(); crate::pose::NUM_LANDMARKS],
        world: vec![Landmark::default(); crate::pose::NUM_LANDMARKS],
        roi: Default::default(),
        roi_source: crate::pose::RoiSource::Tracking,
    };
    for (j, &i) in crate::pose::tracker::CROSS_CHECK_LANDMARKS
        .iter()
        .enumerate()
    {
        pose.image[i] = cross.image[j];
        pose.world[i] = cross.world[j];
    }
    let mut c = RawKinematics {
        side: k.side,
        facing_2d: k.facing_2d,
        facing_3d: k.facing_3d,
        ..Default::default()
    };
    fill_angles(&mut c, &pose, side, p);
    out.hip_flexion_2d = c.hip_flexion_2d;
    out.hip_flexion_3d = c.hip_flexion_3d;
    out.conf_hip = c.conf_hip;
    out
}

fn fill_angles(k: &mut RawKinematics, pose: &Pose, side: Side, p: &KinematicsParams) {
    let l = &pose.image;
    let (s_i, h_i, k_i, a_i, he_i, ft_i) = ids(side);
    let ip = pts(l, false);
    let wp = pts(&pose.world, true);
    let up = V3::new(0.0, -1.0, 0.0);

    // 2D.
    let sh = mid(&ip, l, idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER);
    let hp = mid(&ip, l, idx::LEFT_HIP, idx::RIGHT_HIP);
    let trunk = sh.minus(hp);
    let thigh = ip[k_i].minus(ip[h_i]);
    let shank = ip[a_i].minus(ip[k_i]);
    let f2 = k.facing_2d as f64;
    let ok = |v: f64| v.is_finite().then_some(v);
    if trunk.norm() > 1e-9 && thigh.norm() > 1e-9 {
        k.hip_flexion_2d = ok(f2 * signed_angle_deg(trunk.negated(), thigh, IMAGE_NORMAL));
    }
    k.knee_flexion_2d = ok(angle_deg(thigh, shank));
    k.trunk_inclination = ok(angle_deg(trunk, up));
    k.thigh_inclination = ok(angle_deg(thigh.negated(), up));
    k.shank_inclination = ok(angle_deg(shank.negated(), up));
    if let Some(tu) = trunk.unit() {
        // Anterior = trunk direction rotated by 90 degrees towards the facing side.
        let perp = V3::new(-tu.y, tu.x, 0.0); // cross(tu, perp) . z = +1
        let ant = if f2 < 0.0 { perp } else { perp.negated() };
        k.trunk_anterior_up = Some(ant.dot(up));
        k.trunk_px = Some(trunk.norm());
    }
    let foot_y = [a_i, he_i, ft_i]
        .iter()
        .filter(|&&j| vis(l, j) > 0.0)
        .map(|&j| ip[j].y)
        .fold(ip[a_i].y, f64::max);
    k.hip_height_px = Some(foot_y - ip[h_i].y);

    // 3D.
    let wsh = wp[idx::LEFT_SHOULDER]
        .plus(wp[idx::RIGHT_SHOULDER])
        .scale(0.5);
    let whp = wp[idx::LEFT_HIP].plus(wp[idx::RIGHT_HIP]).scale(0.5);
    let wtrunk = wsh.minus(whp);
    let wthigh = wp[k_i].minus(wp[h_i]);
    let wshank = wp[a_i].minus(wp[k_i]);
    if let Some(nrm) = lateral_axis(&wp).unit() {
        let mag = angle_deg(wtrunk.negated(), wthigh);
        let sgn = signed_sin(wtrunk.negated(), wthigh, nrm) * k.facing_3d as f64;
        k.hip_flexion_3d = ok(if sgn < 0.0 { -mag } else { mag });
        let f3 = k.facing_3d as f64;
        k.hip_flexion_sagittal_3d =
            sagittal_angle_deg(wtrunk.negated(), wthigh, nrm).map(|a| f3 * a);
        // The shank rotates posteriorly from the thigh as the knee bends (see
        // `facing_evidence`).
        k.knee_flexion_sagittal_3d = sagittal_angle_deg(wthigh, wshank, nrm).map(|a| -f3 * a);
    }
    k.knee_flexion_3d = ok(angle_deg(wthigh, wshank));
    if let Some(fwd) = sagittal_forward(&wp, k.facing_3d) {
        let down = V3::new(0.0, 1.0, 0.0);
        let pitch = |v: V3, zero: V3| ok(v.dot(fwd).atan2(v.dot(zero)).to_degrees());
        k.trunk_pitch_3d = pitch(wtrunk, up);
        k.thigh_pitch_3d = pitch(wthigh, down);
        let (_, far_hip, far_knee, ..) = ids(side.other());
        k.far_thigh_pitch_3d = pitch(wp[far_knee].minus(wp[far_hip]), down);
        k.shank_pitch_3d = pitch(wshank, down);
        // Camera looks along +z: facing the camera is forward = -z.
        k.body_yaw_deg = ok(fwd.x.atan2(-fwd.z).to_degrees());
    }
    k.arm_hang_3d = arm_hang(&wp);

    let sh_vis = vis(l, idx::LEFT_SHOULDER).max(vis(l, idx::RIGHT_SHOULDER));
    let hip_vis = vis(l, idx::LEFT_HIP).max(vis(l, idx::RIGHT_HIP));
    k.conf_trunk = sh_vis.min(hip_vis);
    k.conf_hip = sh_vis.min(vis(l, h_i)).min(vis(l, k_i));
    k.conf_knee = vis(l, h_i).min(vis(l, k_i)).min(vis(l, a_i));
    let _ = s_i;
    k.low_confidence = k.conf_hip < p.min_confidence || k.conf_knee < p.min_confidence;
}

/// The lower wrist's drop below its shoulder in arm lengths (see
/// [`RawKinematics::arm_hang_3d`]), from world points.
fn arm_hang(wp: &[V3]) -> Option<f64> {
    [
        (idx::LEFT_SHOULDER, idx::LEFT_ELBOW, idx::LEFT_WRIST),
        (idx::RIGHT_SHOULDER, idx::RIGHT_ELBOW, idx::RIGHT_WRIST),
    ]
    .iter()
    .filter_map(|&(s, e, w)| {
        let len = wp[e].minus(wp[s]).norm() + wp[w].minus(wp[e]).norm();
        // World y points down.
        let drop = (wp[w].y - wp[s].y) / len;
        (len > 1e-6 && drop.is_finite()).then_some(drop)
    })
    .reduce(f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// World coordinates (y down) with the left-right axis along x: the trunk-line
    /// continuation straight down, the thigh `flex` degrees forward and `abd` degrees out
    /// of the sagittal plane.
    fn thigh(flex: f64, abd: f64) -> V3 {
        let (f, a) = (flex.to_radians(), abd.to_radians());
        V3::new(a.sin(), a.cos() * f.cos(), a.cos() * f.sin())
    }

    #[test]
    fn the_sagittal_angle_passes_through_extension_where_the_3d_one_bottoms_out() {
        let lateral = V3::new(1.0, 0.0, 0.0);
        let down = V3::new(0.0, 1.0, 0.0);
        let mut last = f64::NEG_INFINITY;
        for flex in [-10.0, -5.0, -1.0, 0.0, 1.0, 5.0, 10.0] {
            let s = sagittal_angle_deg(down, thigh(flex, 15.0), lateral).unwrap();
            assert!((s - flex).abs() < 1e-9, "{flex}: {s}");
            assert!(s > last);
            last = s;
            // The full 3D angle carries the 15 degrees out of the plane.
            assert!(angle_deg(down, thigh(flex, 15.0)) >= 15.0 - 1e-9);
        }
        // A thigh along the left-right axis has no direction in the plane.
        assert_eq!(sagittal_angle_deg(down, thigh(5.0, 80.0), lateral), None);
        assert!(sagittal_angle_deg(down, thigh(5.0, 60.0), lateral).is_some());
    }
}
