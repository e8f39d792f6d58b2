//! Exercise classification from posture over the clip.
//!
//! Per frame a posture is named from segment orientations relative to gravity (camera
//! assumed level), taken from the world (3D) landmarks so that any camera yaw gives the same
//! answer, or from the image where the world landmarks give no sagittal plane:
//! * supine, knees bent: trunk lying (far from vertical) with its front facing up, knees bent
//!   (bridge, single-leg bridge, hip thrust with the shoulders on a bench, frog pump);
//! * kneeling: shank lying (near horizontal), hip above the knee, not supine (Nordic curl);
//! * standing: shank near vertical, hip above the knee, not supine.
//!
//! The clip takes the posture most frames share, and that family's movement test confirms it
//! (`docs/classification.md`): a bridge's hips extend at the top (a sit-up's do not), a
//! Nordic's thighs come up to vertical and its knees open (a push-up's do not), and a
//! standing set is a hip hinge (deadlift, RDL, good morning) only when the trunk tilting
//! drives enough of the hip flexion and the trunk leans well forward at the bottom; squats
//! and lunges (thighs to horizontal with a fairly upright trunk) are `unknown`. Filmed from
//! behind, where the pose model reads a kneeling Nordic curl as standing, a hinge must also
//! hold its arms as one does (hanging with a weight, or a bar on the back).

use serde::{Deserialize, Serialize};

use super::config::ClassifyParams;
use crate::common::Exercise;
use crate::signal::{median, percentile};

/// Per-frame inputs (filtered where possible; NaN when missing).
#[derive(Clone, Debug, Default)]
pub struct PostureSeries {
    pub hip_flexion: Vec<f64>,
    pub knee_flexion: Vec<f64>,
    /// Image-plane (2D) segment angles from image vertical, used where the world
    /// landmarks give no sagittal plane.
    pub trunk_inclination: Vec<f64>,
    pub thigh_inclination: Vec<f64>,
    pub shank_inclination: Vec<f64>,
    pub trunk_anterior_up: Vec<f64>,
    /// Gravity-referenced sagittal pitches from the world landmarks (see
    /// [`RawKinematics`](crate::kinematics::RawKinematics)): the same whatever the camera's yaw.
    pub trunk_pitch: Vec<f64>,
    pub thigh_pitch: Vec<f64>,
    /// The far-side thigh's pitch (see [`super::gait`]).
    pub far_thigh_pitch: Vec<f64>,
    pub shank_pitch: Vec<f64>,
    /// The lower wrist's drop below its shoulder in arm lengths (world landmarks, see
    /// [`RawKinematics::arm_hang_3d`](crate::kinematics::RawKinematics)).
    pub arm_hang: Vec<f64>,
    /// The camera's offset from a side view (the view verdict's 3D estimate), degrees.
    pub view_offset_deg: Option<f64>,
    /// Share of the frames seen from behind (`ViewQuality::rear_fraction`).
    pub rear_fraction: Option<f64>,
}

/// Segment angles of one frame: trunk from vertical (forward positive in 3D), thigh and
/// shank from straight down, and the trunk-thigh hip flexion they make.
#[derive(Clone, Copy, Debug)]
struct Segments {
    trunk: f64,
    thigh: f64,
    shank: f64,
    hip: f64,
    /// From world landmarks (signed sagittal pitches) rather than the image.
    world: bool,
}

impl PostureSeries {
    fn segments(&self, i: usize) -> Option<Segments> {
        let (tr, th, sh) = (
            self.trunk_pitch[i],
            self.thigh_pitch[i],
            self.shank_pitch[i],
        );
        if tr.is_finite() && th.is_finite() && sh.is_finite() {
            return Some(Segments {
                trunk: tr,
                thigh: th,
                shank: sh,
                hip: tr + th,
                world: true,
            });
        }
        let (tr, th, sh) = (
            self.trunk_inclination[i],
            self.thigh_inclination[i],
            self.shank_inclination[i],
        );
        (tr.is_finite() && th.is_finite() && sh.is_finite()).then_some(Segments {
            trunk: tr,
            thigh: th,
            shank: sh,
            hip: self.hip_flexion[i],
            world: false,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Posture {
    SupineKneesBent,
    Kneeling,
    Standing,
    Other,
    /// Sitting on the floor with the knees drawn up (the top of a sit-up).
    SittingKneesUp,
}

/// Classification result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub exercise: Exercise,
    /// 0..1.
    pub confidence: f64,
    /// Whether the exercise was given by the caller rather than detected.
    pub overridden: bool,
    /// Fractions of frames with a pose in each posture.
    pub supine_fraction: f64,
    pub kneeling_fraction: f64,
    pub standing_fraction: f64,
    pub reasons: Vec<String>,
    /// Why the clip's movements are not repetitions of any exercise hipflex counts, when
    /// the classification recognised what they are instead (a squat or lunge); `None`
    /// when it is one of the three, or not recognised at all.
    #[serde(skip)]
    pub not_reps: Option<String>,
}

/// Names the posture of one frame: from the world landmarks' gravity-referenced pitches
/// where they exist (any camera yaw), else from the image (side views).
pub fn posture(s: &PostureSeries, i: usize, p: &ClassifyParams) -> Posture {
    match s.segments(i) {
        Some(g) if g.world => posture_world(g, s.knee_flexion[i], p),
        Some(g) => posture_image(g, s.trunk_anterior_up[i], s.knee_flexion[i], p),
        None => Posture::Other,
    }
}

fn posture_world(g: Segments, knee: f64, p: &ClassifyParams) -> Posture {
    if g.trunk <= -p.lying_trunk_min_deg {
        return if knee >= p.bent_knee_min_deg {
            Posture::SupineKneesBent
        } else {
            Posture::Other
        };
    }
    legs_posture(g, knee, p)
}

fn posture_image(g: Segments, ant: f64, knee: f64, p: &ClassifyParams) -> Posture {
    if !ant.is_finite() {
        return Posture::Other;
    }
    if g.trunk >= p.lying_trunk_min_deg && ant >= p.supine_anterior_min {
        return if knee >= p.bent_knee_min_deg {
            Posture::SupineKneesBent
        } else {
            Posture::Other
        };
    }
    legs_posture(g, knee, p)
}

/// Kneeling or standing from the thigh and shank (the hip above the knee), or sitting
/// with the knees drawn up (the knee above the hip, the trunk not lying).
fn legs_posture(g: Segments, knee: f64, p: &ClassifyParams) -> Posture {
    if g.thigh.abs() > p.hip_above_knee_max_deg {
        let sitting = g.trunk.abs() < p.lying_trunk_min_deg && knee >= p.bent_knee_min_deg;
        return if sitting {
            Posture::SittingKneesUp
        } else {
            Posture::Other
        };
    }
    if g.shank.abs() >= p.kneeling_shank_min_deg {
        return Posture::Kneeling;
    }
    if g.shank.abs() <= p.standing_shank_max_deg {
        return Posture::Standing;
    }
    Posture::Other
}

/// What one branch of the classification concluded.
struct Verdict {
    exercise: Exercise,
    confidence: f64,
    reasons: Vec<String>,
    not_reps: Option<String>,
}

/// Classifies a clip from its posture series: the posture most frames share names the
/// family, then that family's own movement test confirms it (see `docs/classification.md`).
pub fn classify(s: &PostureSeries, p: &ClassifyParams) -> Classification {
    let n = s.hip_flexion.len();
    let postures: Vec<Posture> = (0..n).map(|i| posture(s, i, p)).collect();
    let valid = (0..n).filter(|&i| s.segments(i).is_some()).count().max(1) as f64;
    let frac = |q: Posture| postures.iter().filter(|&&x| x == q).count() as f64 / valid;
    let (sup, kne, sta) = (
        frac(Posture::SupineKneesBent),
        frac(Posture::Kneeling),
        frac(Posture::Standing),
    );
    let mut reasons = vec![format!(
        "postures: {:.0}% lying on the back with knees bent, {:.0}% kneeling on the shins, {:.0}% standing",
        100.0 * sup,
        100.0 * kne,
        100.0 * sta
    )];
    let mut out = Classification {
        exercise: Exercise::Unknown,
        confidence: 0.0,
        overridden: false,
        supine_fraction: sup,
        kneeling_fraction: kne,
        standing_fraction: sta,
        reasons: Vec::new(),
        not_reps: None,
    };
    let best = sup.max(kne).max(sta);
    let frames_in = |q: Posture| -> Vec<usize> { (0..n).filter(|&i| postures[i] == q).collect() };
    if best < p.min_posture_fraction {
        reasons.push(format!(
            "no posture in at least {:.0}% of frames",
            100.0 * p.min_posture_fraction
        ));
        out.confidence = 1.0 - best;
        let sitting = frames_in(Posture::SittingKneesUp);
        if let Some(v) = sit_up_verdict(s, &frames_in(Posture::SupineKneesBent), &sitting, n, p) {
            reasons.extend(v.reasons);
            out.not_reps = v.not_reps;
        }
        out.reasons = reasons;
        return out;
    }
    let v = if sup == best {
        bridge_verdict(s, &frames_in(Posture::SupineKneesBent), sup, p)
    } else if kne == best {
        nordic_verdict(s, &frames_in(Posture::Kneeling), kne, p)
    } else {
        hinge_verdict(s, &frames_in(Posture::Standing), sta, p)
    };
    reasons.extend(v.reasons);
    out.exercise = v.exercise;
    out.confidence = v.confidence;
    out.reasons = reasons;
    out.not_reps = v.not_reps;
    out
}

fn pick(v: &[f64], ii: &[usize]) -> Vec<f64> {
    ii.iter().map(|&i| v[i]).collect()
}

/// Lying on the back with the knees bent is a bridge when the hips reach extension at the
/// top; a sit-up or crunch lies the same way but its hips stay flexed.
fn bridge_verdict(s: &PostureSeries, idx: &[usize], frac: f64, p: &ClassifyParams) -> Verdict {
    let top = percentile(&pick(&s.hip_flexion, idx), 5.0);
    if !at_least(p.bridge_top_hip_max_deg, top) {
        return Verdict {
            exercise: Exercise::Unknown,
            confidence: frac,
            reasons: vec![format!(
                "lying on the back with knees bent, but the hips never extend (hip flexion {top:.0} deg at its lowest, a bridge reaches {:.0} or less): sit-up/crunch pattern, not a bridge",
                p.bridge_top_hip_max_deg
            )],
            not_reps: Some(not_counted_as(
                "a sit-up or crunch",
                &format!("the hips never extend, {top:.0} deg at their lowest"),
            )),
        };
    }
    Verdict {
        exercise: Exercise::Bridge,
        confidence: frac,
        reasons: vec!["lying on the back with knees bent, hips extending: bridge family".into()],
        not_reps: None,
    }
}

/// A clip in no one posture that lies back and sits up with the knees bent, the hips never
/// extending, is a sit-up (see [`ClassifyParams::situp_posture_min_fraction`]); `None`
/// when it is not.
fn sit_up_verdict(
    s: &PostureSeries,
    lying: &[usize],
    sitting: &[usize],
    n: usize,
    p: &ClassifyParams,
) -> Option<Verdict> {
    let valid = (0..n).filter(|&i| s.segments(i).is_some()).count().max(1) as f64;
    let (lie, sit) = (lying.len() as f64 / valid, sitting.len() as f64 / valid);
    let each = lie.min(sit) >= p.situp_posture_min_fraction;
    if !each || lie + sit < p.min_posture_fraction {
        return None;
    }
    // The hip flexion the postures were named from (trunk and thigh pitches): the signed
    // 3D angle flips with the facing in these views.
    let hips: Vec<f64> = lying
        .iter()
        .chain(sitting)
        .filter_map(|&i| s.segments(i).map(|g| g.hip))
        .collect();
    let top = percentile(&hips, 5.0);
    if !at_least(top, p.bridge_top_hip_max_deg) {
        return None;
    }
    Some(Verdict {
        exercise: Exercise::Unknown,
        confidence: lie + sit,
        reasons: vec![format!(
            "lying on the back with knees bent ({:.0}% of frames) and sitting up with the knees drawn up ({:.0}%), the hips never extending (hip flexion {top:.0} deg at its lowest): sit-up/crunch pattern, not a bridge",
            100.0 * lie,
            100.0 * sit
        )],
        not_reps: Some(not_counted_as(
            "a sit-up or crunch",
            &format!(
                "it lies back and sits up, the hips never extending, {top:.0} deg at their lowest"
            ),
        )),
    })
}

/// Kneeling on the shins is a Nordic curl when the thighs come up to near vertical (the
/// start of the lowering) and the knees open and close; a push-up or plank on the toes or
/// knees keeps the thighs near horizontal and the knee angle fixed.
fn nordic_verdict(s: &PostureSeries, idx: &[usize], frac: f64, p: &ClassifyParams) -> Verdict {
    let thigh: Vec<f64> = idx
        .iter()
        .filter_map(|&i| s.segments(i).map(|g| g.thigh.abs()))
        .collect();
    let upright = percentile(&thigh, 10.0);
    let knee = pick(&s.knee_flexion, idx);
    let knee_range = percentile(&knee, 95.0) - percentile(&knee, 5.0);
    let mut fails = Vec::new();
    let prone = !at_least(p.nordic_upright_thigh_max_deg, upright);
    if prone {
        fails.push(format!(
            "the thighs never come up to vertical (closest {upright:.0} deg from it)"
        ));
    }
    if !at_least(knee_range, p.nordic_knee_range_min_deg) {
        fails.push(format!(
            "the knee angle hardly changes ({knee_range:.0} deg)"
        ));
    }
    if fails.is_empty() {
        return Verdict {
            exercise: Exercise::Nordic,
            confidence: frac,
            reasons: vec!["kneeling with the shins on the floor: Nordic hamstring curl".into()],
            not_reps: None,
        };
    }
    Verdict {
        exercise: Exercise::Unknown,
        confidence: frac,
        reasons: vec![format!(
            "shins near horizontal but not a Nordic curl ({}): {}",
            if prone {
                "push-up/plank pattern"
            } else {
                "kneeling, the knees still"
            },
            fails.join("; ")
        )],
        // Only a body held prone is named; kneeling upright with the knees still (a partner
        // holding the ankles) is not a movement hipflex can name.
        not_reps: prone.then(|| not_counted_as("a push-up or plank", &fails.join("; "))),
    }
}

/// The reason a recognised movement that is none of the three exercises has no
/// repetitions: `what` it looks like, and the measured sign of it.
fn not_counted_as(what: &str, sign: &str) -> String {
    format!(
        "the movement is {what}: {sign}; it is not one of the exercises hipflex counts (bridge, Nordic curl, hip hinge), so its movements are shown, not counted (give --exercise to count them as one)"
    )
}

/// Why a standing set that is not a hinge has no repetitions: its hip flexion comes from
/// the thighs or its knees bend past a hinge's, as in a squat or lunge. `None` when it is
/// neither (too little movement, or only an upright trunk: standing still, a calf raise).
fn squat_or_lunge(
    h: &HingeShape,
    thigh_led: bool,
    deep_knees: bool,
    p: &ClassifyParams,
) -> Option<String> {
    if !(thigh_led || deep_knees) || !at_least(h.range, p.hinge_min_range_deg) {
        return None;
    }
    Some(not_counted_as(
        "a squat or lunge",
        &format!(
            "at the bottom the trunk {:.0} deg from vertical, the thighs {:.0} deg, the knees bent {:.0} deg; the trunk gives {:.0}% of the hip flexion",
            h.trunk_bottom,
            h.thigh_bottom,
            h.knee_bottom,
            100.0 * h.share
        ),
    ))
}

/// Bottom-of-movement measures of a standing set.
struct HingeShape {
    range: f64,
    trunk_bottom: f64,
    thigh_bottom: f64,
    knee_bottom: f64,
    share: f64,
}

fn hinge_shape(s: &PostureSeries, idx: &[usize]) -> HingeShape {
    let seg: Vec<(usize, Segments)> = idx
        .iter()
        .filter_map(|&i| s.segments(i).map(|g| (i, g)))
        .filter(|(_, g)| g.hip.is_finite())
        .collect();
    let hip: Vec<f64> = seg.iter().map(|(_, g)| g.hip).collect();
    let (lo, hi) = (percentile(&hip, 5.0), percentile(&hip, 95.0));
    let range = hi - lo;
    let near = |bottom: bool| -> Vec<(usize, Segments)> {
        seg.iter()
            .copied()
            .filter(|(_, g)| {
                if bottom {
                    g.hip >= hi - 0.1 * range
                } else {
                    g.hip <= lo + 0.1 * range
                }
            })
            .collect()
    };
    let (bottom, top) = (near(true), near(false));
    let m = |v: &[(usize, Segments)], f: fn(&Segments) -> f64| -> f64 {
        median(&v.iter().map(|(_, g)| f(g)).collect::<Vec<_>>())
    };
    let trunk_bottom = m(&bottom, |g| g.trunk);
    let hip_change = m(&bottom, |g| g.hip) - m(&top, |g| g.hip);
    let bottom_idx: Vec<usize> = bottom.iter().map(|(i, _)| *i).collect();
    HingeShape {
        range,
        trunk_bottom,
        thigh_bottom: m(&bottom, |g| g.thigh.abs()),
        knee_bottom: median(&pick(&s.knee_flexion, &bottom_idx)),
        share: (trunk_bottom - m(&top, |g| g.trunk)) / hip_change,
    }
}

/// A standing set is a hip hinge (deadlift, RDL, good morning) when the trunk pitches
/// forward and gives a large share of the hip flexion. A smaller share is still a hinge
/// when the trunk pitches deep (a deadlift from the floor) or the thighs stay well short of
/// horizontal (a knee-dominant kettlebell deadlift); a squat or lunge takes its hip flexion
/// from the thighs, which reach horizontal with the trunk fairly upright.
fn hinge_verdict(s: &PostureSeries, idx: &[usize], frac: f64, p: &ClassifyParams) -> Verdict {
    let h = hinge_shape(s, idx);
    let mut reasons = vec![format!(
        "standing; hip flexion range {:.0} deg, at the bottom trunk {:.0} deg from vertical, thigh {:.0} deg, knee {:.0} deg; trunk tilt gives {:.0}% of the hip flexion",
        h.range,
        h.trunk_bottom,
        h.thigh_bottom,
        h.knee_bottom,
        100.0 * h.share
    )];
    let mut fails = Vec::new();
    if !at_least(h.range, p.hinge_min_range_deg) {
        fails.push("too little hip movement for a hinge".to_string());
    }
    if !at_least(h.trunk_bottom, p.hinge_trunk_min_deg) {
        fails.push("trunk stays fairly upright".to_string());
    }
    let clear = at_least(h.share, p.hinge_trunk_share_min);
    let deep = at_least(h.trunk_bottom, p.hinge_deep_trunk_deg);
    let short_thigh = at_least(p.hinge_knee_dominant_thigh_max_deg, h.thigh_bottom);
    let knee_dominant = !clear && at_least(h.share, p.hinge_deep_trunk_share_min);
    let thigh_led = !clear && !(knee_dominant && (deep || short_thigh));
    if thigh_led {
        fails.push("hip flexion comes mostly from the thighs (squat/lunge pattern)".to_string());
    }
    let deep_knees = !at_least(p.hinge_knee_max_deg, h.knee_bottom);
    if deep_knees {
        fails.push("knees bend deeply (squat/lunge pattern)".to_string());
    }
    if !fails.is_empty() {
        reasons.push(format!("standing but not a hinge: {}", fails.join("; ")));
        return Verdict {
            exercise: Exercise::Unknown,
            confidence: frac,
            reasons,
            not_reps: squat_or_lunge(&h, thigh_led, deep_knees, p),
        };
    }
    let share_min = if clear {
        p.hinge_trunk_share_min
    } else {
        p.hinge_deep_trunk_share_min
    };
    if !clear {
        reasons.push(format!(
            "knee-dominant hinge: the trunk gives under {:.0}% of the hip flexion, but {}, unlike a squat",
            100.0 * p.hinge_trunk_share_min,
            if deep {
                format!("it pitches {:.0} deg forward", h.trunk_bottom)
            } else {
                format!(
                    "the thighs stay {:.0} deg from vertical (a squat takes them to horizontal)",
                    h.thigh_bottom
                )
            }
        ));
    }
    let margin = ((h.share - share_min) / share_min)
        .min((h.trunk_bottom - p.hinge_trunk_min_deg) / p.hinge_trunk_min_deg)
        .clamp(0.0, 1.0);
    if let Some(why) = arms_contradict_hinge(s, idx, p) {
        reasons.push(why);
        return Verdict {
            exercise: Exercise::Unknown,
            confidence: frac,
            reasons,
            not_reps: None,
        };
    }
    reasons.push("standing hip hinge: deadlift / RDL / good morning".into());
    Verdict {
        exercise: Exercise::Deadlift,
        confidence: frac * (0.5 + 0.5 * margin),
        reasons,
        not_reps: None,
    }
}

/// Filmed from behind, a kneeling Nordic curl and a standing hinge look alike
/// to the pose model: it puts the shins under the knees, image and world alike, and the
/// trunk and thighs then turn as in a hinge. What still tells them apart is the arms: a
/// loaded hinge holds its weight with the arms hanging straight down whatever the trunk's
/// pitch (a bar, kettlebell or band), a good morning carries the bar on the back (wrists at
/// the shoulders or above), while a Nordic curl holds the arms in front, bent or crossed.
/// The reason the clip is `unknown` when, in such a view, the arms do neither.
fn arms_contradict_hinge(s: &PostureSeries, idx: &[usize], p: &ClassifyParams) -> Option<String> {
    let offset = s.view_offset_deg?;
    let behind = s.rear_fraction?;
    if !at_least(offset, p.arms_check_min_offset_deg)
        || !at_least(behind, p.arms_check_min_rear_fraction)
    {
        return None;
    }
    let hang: Vec<f64> = pick(&s.arm_hang, idx)
        .into_iter()
        .filter(|x| x.is_finite())
        .collect();
    if hang.is_empty() {
        return None;
    }
    let h = median(&hang);
    if at_least(h, p.hinge_arms_hang_min) || at_least(p.hinge_bar_on_back_max, h) {
        return None;
    }
    Some(format!(
        "not named a hinge: filmed from behind (camera {offset:.0} deg off the side view), where the pose model reads a kneeling Nordic curl as standing (it puts the shins under the knees), and the arms neither hang with a weight nor hold a bar on the back (wrists {h:.2} arm lengths below the shoulders; a loaded hinge hangs them {:.2} or more), as in a Nordic curl: film from the side to tell the two apart",
        p.hinge_arms_hang_min
    ))
}

/// `a >= b`, false when either is NaN.
fn at_least(a: f64, b: f64) -> bool {
    a >= b
}
