//! Per-clip view quality: how side-on the camera is, how big the subject is, how often the
//! joints that matter are visible, and whether hip numbers should come from 3D landmarks.

use serde::{Deserialize, Serialize};

use super::RawKinematics;
use super::geom::V3;
use crate::error::Result;
use crate::frame_store::Frames;
use crate::pose::idx;
use crate::signal::median;

/// Thresholds of the view verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViewParams {
    /// Camera offset from a true side view up to which the view is "good" and 2D angles are
    /// used, degrees (default 25).
    pub side_on_max_deg: f64,
    /// Offset beyond which the view is "poor", degrees (default 60).
    pub oblique_max_deg: f64,
    /// Apparent shoulder width / trunk length of a person seen from the front, used to turn
    /// the 2D width ratio into an angle (default 0.75: biacromial ~0.39 m over a ~0.5 m
    /// hip-to-shoulder trunk).
    pub frontal_shoulder_ratio: f64,
    /// Same for the hip landmarks (default 0.4).
    pub frontal_hip_ratio: f64,
    /// Smallest subject size (trunk + thigh + shank, pixels) for a good view (default 150).
    pub min_subject_px: f64,
    /// Smallest fraction of frames with hip, knee and shoulder visible (default 0.7).
    pub min_visible_fraction: f64,
    /// Shortest stretch of one camera angle listed as a part of the clip, seconds
    /// (default 2); the per-frame angle is a majority over +-`min_part_s`/2.
    pub min_part_s: f64,
    /// Shortest clip analysed, seconds (default 0.5: the fastest complete repetition, a
    /// 0.2 s lowering and a 0.2 s lift with a frame either side, takes about half a second;
    /// anything shorter cannot hold a repetition). Shorter clips are refused.
    pub min_clip_s: f64,
    /// Largest fraction of the frames with a person in which the head or both feet may lie
    /// outside the picture (default 0.3: a person cut off for more than about a third of
    /// the set is cut off through the reps, and the hip and knee landmarks are then
    /// guessed from a partial body).
    pub max_cut_off_fraction: f64,
    /// A landmark this many pixels or more outside the frame edge counts as out of frame
    /// (default 2); one with `presence` under `min_presence` counts too.
    pub out_of_frame_margin_px: f64,
    /// BlazePose `presence` (probability the landmark is inside the image) below which a
    /// landmark counts as out of frame (default 0.3).
    pub min_presence: f64,
    /// Mean luma (0-255) inside the person's box below which the person is in the dark
    /// (default 25: about 10% of full scale; the 33 shared real clips measure 31-207, the
    /// darkest a lit person in a black studio) ...
    pub min_luma: f64,
    /// ... when the brightest 5% of the box also stay below this (default 60; the real
    /// clips measure 103-255, a clip darkened to 15% measures 12).
    pub min_p95_luma: f64,
    /// Blur effect inside the person's box (Crete et al. 2007; 0 sharp, 1 featureless)
    /// above which the picture is too blurred to place joints (default 0.6; the real clips
    /// measure 0.34-0.53, a Gaussian blur of 2 px on a 480-px clip 0.62, of 4 px 0.76).
    pub max_blur: f64,
    /// Frames sampled for brightness and sharpness (default 9).
    pub image_samples: usize,
}

impl Default for ViewParams {
    fn default() -> Self {
        ViewParams {
            side_on_max_deg: 25.0,
            oblique_max_deg: 60.0,
            frontal_shoulder_ratio: 0.75,
            frontal_hip_ratio: 0.4,
            min_subject_px: 150.0,
            min_visible_fraction: 0.7,
            min_part_s: 2.0,
            min_clip_s: 0.5,
            max_cut_off_fraction: 0.3,
            out_of_frame_margin_px: 2.0,
            min_presence: 0.3,
            min_luma: 25.0,
            min_p95_luma: 60.0,
            max_blur: 0.6,
            image_samples: 9,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewVerdict {
    Good,
    Oblique,
    Poor,
}

/// View quality of a clip (medians over frames with a pose).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewQuality {
    /// Camera offset from a pure side view estimated from world landmarks (angle of the
    /// shoulder and hip axes out of the camera's depth axis), degrees.
    pub offset_3d_deg: Option<f64>,
    /// Same estimated from the apparent 2D shoulder and hip widths relative to trunk length.
    pub offset_2d_deg: Option<f64>,
    /// Apparent shoulder width / trunk length in the image.
    pub shoulder_width_ratio_2d: Option<f64>,
    /// Apparent hip width / trunk length in the image.
    pub hip_width_ratio_2d: Option<f64>,
    /// Trunk + thigh + shank length, pixels.
    pub subject_size_px: Option<f64>,
    /// Fraction of all frames with a pose.
    pub pose_fraction: f64,
    /// Fraction of all frames with near-side hip, knee and a shoulder visible.
    pub visible_fraction: f64,
    pub verdict: ViewVerdict,
    /// Whether the primary hip and knee angles should come from world (3D) landmarks.
    pub use_3d: bool,
    pub reasons: Vec<String>,
    /// Where the camera angle changes within the clip (the person turns, or the camera
    /// moves): each stretch of at least `min_part_s` with its own view. Empty when the
    /// whole clip is seen from one angle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<ViewPart>,
    /// Fraction of the frames with a pose seen from behind (beyond `oblique_max_deg` off a
    /// side view with the body facing away); absent when none is. The peak-angle interval
    /// widens with it: BlazePose's world landmarks from behind miss the hip angle by up to
    /// 67° on the synthetic figure (`docs/camera-views.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rear_fraction: Option<f64>,
}

/// The camera angle relative to the person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewAngle {
    Side,
    Oblique,
    Front,
    Rear,
}

/// One stretch of a clip seen from one camera angle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewPart {
    pub start_s: f64,
    pub end_s: f64,
    pub angle: ViewAngle,
    /// Median camera offset from a side view over the stretch, degrees.
    pub offset_deg: f64,
}

/// Per-frame measurements the view verdict is a median of, gathered in one pass.
#[derive(Default)]
struct ViewSamples {
    /// Camera offset of the shoulder and of the hip axis from the world landmarks, degrees.
    off3: Vec<f64>,
    /// Apparent shoulder and hip widths / trunk length in the image.
    shoulder_ratio: Vec<f64>,
    hip_ratio: Vec<f64>,
    /// Trunk + thigh + shank, pixels.
    size: Vec<f64>,
    /// Frames with a pose, and those with the hip and knee confidently seen.
    present: usize,
    visible: usize,
    /// Per frame: time, camera angle and offset (see `frame_angle`).
    per_frame: Vec<(f64, Option<ViewAngle>, f64)>,
}

impl ViewSamples {
    /// Reads every frame of the clip.
    fn of<F: Frames + ?Sized>(
        frames: &F,
        kin: &[RawKinematics],
        min_conf: f64,
        p: &ViewParams,
    ) -> Result<Self> {
        let mut s = ViewSamples {
            per_frame: Vec::with_capacity(kin.len()),
            ..ViewSamples::default()
        };
        frames.visit(&mut |i, f| {
            let Some(k) = kin.get(i) else {
                return;
            };
            s.per_frame.push((k.t, None, f64::NAN));
            if let Some(pose) = f.pose.as_ref().filter(|_| k.present) {
                s.add_pose(k, pose, min_conf, p);
            }
        })?;
        Ok(s)
    }

    /// One frame with a pose (its row already pushed to `per_frame`).
    fn add_pose(
        &mut self,
        k: &RawKinematics,
        pose: &crate::pose::Pose,
        min_conf: f64,
        p: &ViewParams,
    ) {
        self.present += 1;
        if k.conf_hip >= min_conf && k.conf_knee >= min_conf {
            self.visible += 1;
        }
        let w = |i: usize| V3::world(&pose.world[i]);
        let im = |i: usize| V3::image(&pose.image[i]);
        for (a, b) in [
            (idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER),
            (idx::LEFT_HIP, idx::RIGHT_HIP),
        ] {
            let v = w(a).minus(w(b));
            let n = v.norm();
            if n > 1e-6 {
                self.off3
                    .push((v.x.hypot(v.y) / n).clamp(0.0, 1.0).asin().to_degrees());
            }
        }
        if let Some(last) = self.per_frame.last_mut() {
            *last = frame_angle(k, pose, p);
        }
        let trunk = k.trunk_px.unwrap_or(0.0);
        if trunk > 1.0 {
            self.shoulder_ratio
                .push(im(idx::LEFT_SHOULDER).minus(im(idx::RIGHT_SHOULDER)).norm() / trunk);
            self.hip_ratio
                .push(im(idx::LEFT_HIP).minus(im(idx::RIGHT_HIP)).norm() / trunk);
            let side = k.side.unwrap_or(super::Side::Left);
            let (_, h, kn, a, _, _) = super::ids(side);
            self.size
                .push(trunk + im(kn).minus(im(h)).norm() + im(a).minus(im(kn)).norm());
        }
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The camera offset from a side view: the mean of the world-landmark and the 2D-width
/// estimates, or whichever of them there is.
fn combined_offset(offset_3d: Option<f64>, offset_2d: Option<f64>) -> Option<f64> {
    match (offset_3d, offset_2d) {
        (Some(a), Some(b)) => Some(0.5 * (a + b)),
        (a, b) => a.or(b),
    }
}

impl ViewQuality {
    /// The clip's camera offset from a side view (see [`combined_offset`]), degrees.
    pub fn offset_deg(&self) -> Option<f64> {
        combined_offset(self.offset_3d_deg, self.offset_2d_deg)
    }
}

/// The camera offset from a side view read off the apparent shoulder and hip widths.
fn offset_from_widths(
    shoulder_ratio: Option<f64>,
    hip_ratio: Option<f64>,
    p: &ViewParams,
) -> Option<f64> {
    let (s, h) = (shoulder_ratio?, hip_ratio?);
    let a = (s / p.frontal_shoulder_ratio).clamp(0.0, 1.0).asin();
    let b = (h / p.frontal_hip_ratio).clamp(0.0, 1.0).asin();
    Some((0.5 * (a + b)).to_degrees())
}

/// The verdict from the camera offset, the subject's size and how often the joints are
/// seen, with its reasons (what makes a view poor first).
fn verdict_of(
    offset: Option<f64>,
    subject_size_px: Option<f64>,
    visible_fraction: f64,
    p: &ViewParams,
) -> (ViewVerdict, Vec<String>) {
    let mut reasons = Vec::new();
    let mut verdict = ViewVerdict::Good;
    match offset {
        Some(o) if o > p.oblique_max_deg => {
            verdict = ViewVerdict::Poor;
            reasons.push(format!(
                "camera about {o:.0} degrees off a side view (more than {:.0}): film from the side",
                p.oblique_max_deg
            ));
        }
        Some(o) if o > p.side_on_max_deg => {
            verdict = ViewVerdict::Oblique;
            reasons.push(format!(
                "camera about {o:.0} degrees off a side view: hip angles from 3D landmarks"
            ));
        }
        Some(o) => reasons.push(format!("side-on view (about {o:.0} degrees off)")),
        None => {
            verdict = ViewVerdict::Poor;
            reasons.push("no usable pose".into());
        }
    }
    if let Some(s) = subject_size_px
        && s < p.min_subject_px
    {
        verdict = ViewVerdict::Poor;
        reasons.push(format!(
            "person too small in frame ({s:.0} px trunk+leg, at least {:.0} needed): move the camera closer",
            p.min_subject_px
        ));
    }
    if visible_fraction < p.min_visible_fraction {
        verdict = ViewVerdict::Poor;
        reasons.push(format!(
            "hip, knee or shoulder hidden or unsure in {:.0}% of frames",
            100.0 * (1.0 - visible_fraction)
        ));
    }
    if verdict == ViewVerdict::Poor {
        // What makes the view poor comes first; "side-on" is then only context.
        reasons.sort_by_key(|r| r.starts_with("side-on view"));
    }
    (verdict, reasons)
}

/// The reason naming each camera angle's stretch, when the clip has more than one.
fn camera_change_reason(parts: &[ViewPart]) -> Option<String> {
    if parts.len() <= 1 {
        return None;
    }
    let list: Vec<String> = parts
        .iter()
        .map(|x| {
            format!(
                "{} {:.1}-{:.1} s (about {:.0} degrees off a side view)",
                x.angle.name(),
                x.start_s,
                x.end_s,
                x.offset_deg
            )
        })
        .collect();
    Some(format!("the camera angle changes: {}", list.join(", ")))
}

/// Assesses the view of a clip.
pub fn view_quality<F: Frames + ?Sized>(
    frames: &F,
    kin: &[RawKinematics],
    min_conf: f64,
    p: &ViewParams,
) -> Result<ViewQuality> {
    let s = ViewSamples::of(frames, kin, min_conf, p)?;
    let offset_3d_deg = finite(median(&s.off3));
    let shoulder_width_ratio_2d = finite(median(&s.shoulder_ratio));
    let hip_width_ratio_2d = finite(median(&s.hip_ratio));
    let offset_2d_deg = offset_from_widths(shoulder_width_ratio_2d, hip_width_ratio_2d, p);
    let subject_size_px = finite(median(&s.size));
    let total = frames.len().max(1) as f64;
    let pose_fraction = s.present as f64 / total;
    let visible_fraction = s.visible as f64 / total;
    let offset = combined_offset(offset_3d_deg, offset_2d_deg);
    let (verdict, mut reasons) = verdict_of(offset, subject_size_px, visible_fraction, p);
    let use_3d = offset.is_some_and(|o| o > p.side_on_max_deg);
    let parts = view_parts(&s.per_frame, p);
    let rear = s
        .per_frame
        .iter()
        .filter(|f| f.1 == Some(ViewAngle::Rear))
        .count();
    let rear_fraction = (rear > 0).then(|| rear as f64 / s.present.max(1) as f64);
    reasons.extend(camera_change_reason(&parts));
    Ok(ViewQuality {
        parts: if parts.len() > 1 { parts } else { Vec::new() },
        offset_3d_deg,
        offset_2d_deg,
        shoulder_width_ratio_2d,
        hip_width_ratio_2d,
        subject_size_px,
        pose_fraction,
        visible_fraction,
        verdict,
        use_3d,
        reasons,
        rear_fraction,
    })
}

impl ViewAngle {
    pub fn name(self) -> &'static str {
        match self {
            ViewAngle::Side => "side",
            ViewAngle::Oblique => "oblique",
            ViewAngle::Front => "front",
            ViewAngle::Rear => "rear",
        }
    }
}

/// One frame's camera angle: the offset from a side view (mean of the world-landmark and
/// apparent-width estimates, as for the clip) and, beyond `oblique_max_deg`, front or
/// rear from the direction the body faces. Returns (time, angle, offset).
fn frame_angle(
    k: &RawKinematics,
    pose: &crate::pose::Pose,
    p: &ViewParams,
) -> (f64, Option<ViewAngle>, f64) {
    let w = |i: usize| V3::world(&pose.world[i]);
    let im = |i: usize| V3::image(&pose.image[i]);
    let mut o3 = Vec::new();
    for (a, b) in [
        (idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER),
        (idx::LEFT_HIP, idx::RIGHT_HIP),
    ] {
        let v = w(a).minus(w(b));
        if v.norm() > 1e-6 {
            o3.push(
                (v.x.hypot(v.y) / v.norm())
                    .clamp(0.0, 1.0)
                    .asin()
                    .to_degrees(),
            );
        }
    }
    let trunk = k.trunk_px.unwrap_or(0.0);
    let o2 = (trunk > 1.0).then(|| {
        let sh = im(idx::LEFT_SHOULDER).minus(im(idx::RIGHT_SHOULDER)).norm() / trunk;
        let hp = im(idx::LEFT_HIP).minus(im(idx::RIGHT_HIP)).norm() / trunk;
        let a = (sh / p.frontal_shoulder_ratio).clamp(0.0, 1.0).asin();
        let b = (hp / p.frontal_hip_ratio).clamp(0.0, 1.0).asin();
        (0.5 * (a + b)).to_degrees()
    });
    let o3 = (!o3.is_empty()).then(|| o3.iter().sum::<f64>() / o3.len() as f64);
    let Some(offset) = combined_offset(o3, o2) else {
        return (k.t, None, f64::NAN);
    };
    let angle = if offset <= p.side_on_max_deg {
        ViewAngle::Side
    } else if offset <= p.oblique_max_deg {
        ViewAngle::Oblique
    } else if k.body_yaw_deg.is_some_and(|y| y.abs() > 90.0) {
        ViewAngle::Rear
    } else {
        ViewAngle::Front
    };
    (k.t, Some(angle), offset)
}

/// Stretches of one camera angle: each frame takes the angle most frames within
/// +-`min_part_s`/2 share, runs shorter than `min_part_s` join the previous stretch.
fn view_parts(per_frame: &[(f64, Option<ViewAngle>, f64)], p: &ViewParams) -> Vec<ViewPart> {
    let all = [
        ViewAngle::Side,
        ViewAngle::Oblique,
        ViewAngle::Front,
        ViewAngle::Rear,
    ];
    let half = 0.5 * p.min_part_s;
    let (mut lo, mut hi) = (0usize, 0usize);
    let mut counts = [0usize; 4];
    let slot = |a: ViewAngle| all.iter().position(|&x| x == a).unwrap_or(0);
    let mut voted: Vec<Option<ViewAngle>> = Vec::with_capacity(per_frame.len());
    for i in 0..per_frame.len() {
        let t = per_frame[i].0;
        while hi < per_frame.len() && per_frame[hi].0 <= t + half {
            if let Some(a) = per_frame[hi].1 {
                counts[slot(a)] += 1;
            }
            hi += 1;
        }
        while per_frame[lo].0 < t - half {
            if let Some(a) = per_frame[lo].1 {
                counts[slot(a)] -= 1;
            }
            lo += 1;
        }
        let best = (0..4).max_by_key(|&j| counts[j]).unwrap_or(0);
        voted.push((counts[best] > 0).then_some(all[best]));
    }
    let mut parts: Vec<(usize, usize, ViewAngle)> = Vec::new();
    for (i, a) in voted.iter().enumerate() {
        let Some(a) = *a else { continue };
        match parts.last_mut() {
            Some(last) if last.2 == a => last.1 = i,
            _ => parts.push((i, i, a)),
        }
    }
    let mut merged: Vec<(usize, usize, ViewAngle)> = Vec::new();
    for x in parts {
        let long = per_frame[x.1].0 - per_frame[x.0].0 >= p.min_part_s;
        match merged.last_mut() {
            Some(last) if !long || last.2 == x.2 => last.1 = x.1,
            _ => merged.push(x),
        }
    }
    if merged.len() > 1 && per_frame[merged[0].1].0 - per_frame[merged[0].0].0 < p.min_part_s {
        merged[1].0 = merged[0].0;
        merged.remove(0);
    }
    merged
        .into_iter()
        .map(|(a, b, angle)| ViewPart {
            start_s: per_frame[a].0,
            end_s: per_frame[b].0,
            angle,
            offset_deg: median(&per_frame[a..=b].iter().map(|x| x.2).collect::<Vec<_>>()),
        })
        .collect()
}

/// Fraction of the frames with a pose in which the head (nose and both ears) or both feet
/// (ankles and heels) lie outside a `width` x `height` picture or are marked absent.
pub fn cut_off_fraction<F: Frames + ?Sized>(
    frames: &F,
    width: f64,
    height: f64,
    p: &ViewParams,
) -> Result<(f64, f64)> {
    let m = p.out_of_frame_margin_px;
    let out = |l: &crate::pose::Landmark| {
        (l.presence as f64) < p.min_presence
            || (l.x as f64) < -m
            || (l.y as f64) < -m
            || (l.x as f64) > width + m
            || (l.y as f64) > height + m
    };
    let (mut n, mut head, mut feet) = (0usize, 0usize, 0usize);
    frames.visit(&mut |_, f| {
        let Some(pose) = f.pose.as_ref() else {
            return;
        };
        n += 1;
        let all_out = |ids: &[usize]| ids.iter().all(|&i| out(&pose.image[i]));
        if all_out(&[idx::NOSE, idx::LEFT_EAR, idx::RIGHT_EAR]) {
            head += 1;
        }
        if all_out(&[
            idx::LEFT_ANKLE,
            idx::RIGHT_ANKLE,
            idx::LEFT_HEEL,
            idx::RIGHT_HEEL,
        ]) {
            feet += 1;
        }
    })?;
    let d = n.max(1) as f64;
    Ok((head as f64 / d, feet as f64 / d))
}

/// Reasons the picture itself (not the camera angle) cannot support angle numbers: the
/// person cut off by the frame edge, a dark clip, a blurred clip. Empty when it can.
pub fn picture_problems<F: Frames + ?Sized>(
    frames: &F,
    width: f64,
    height: f64,
    image: Option<&crate::video::ImageQuality>,
    p: &ViewParams,
) -> Result<Vec<String>> {
    let mut why = Vec::new();
    if width > 0.0 && height > 0.0 {
        let (head, feet) = cut_off_fraction(frames, width, height, p)?;
        for (what, f) in [("head", head), ("feet", feet)] {
            if f > p.max_cut_off_fraction {
                why.push(format!(
                    "person cut off: the {what} is out of the picture in {:.0}% of frames: step back or tilt the camera so the whole body is in frame",
                    100.0 * f
                ));
            }
        }
    }
    if let Some(q) = image.filter(|q| q.frames_sampled > 0) {
        if q.median_luma < p.min_luma && q.median_p95_luma < p.min_p95_luma {
            why.push(format!(
                "too dark (mean brightness {:.0} of 255, at least {:.0} needed): film in better light",
                q.median_luma, p.min_luma
            ));
        }
        if q.median_blur > p.max_blur {
            why.push(format!(
                "picture blurred (blur {:.2}, at most {:.2}): hold the camera still or prop it, and film in more light so the shutter is faster",
                q.median_blur, p.max_blur
            ));
        }
    }
    Ok(why)
}

/// Marks the view poor for each picture problem, with its reason first.
pub fn apply_picture_problems(view: &mut ViewQuality, problems: Vec<String>) {
    if problems.is_empty() {
        return;
    }
    view.verdict = ViewVerdict::Poor;
    let mut reasons = problems;
    reasons.append(&mut view.reasons);
    view.reasons = reasons;
}

impl ViewVerdict {
    fn rank(self) -> u8 {
        match self {
            ViewVerdict::Good => 0,
            ViewVerdict::Oblique => 1,
            ViewVerdict::Poor => 2,
        }
    }
    /// The worse of two verdicts.
    pub fn max(self, o: ViewVerdict) -> ViewVerdict {
        if o.rank() > self.rank() { o } else { self }
    }
}
