//! Exercise classification from posture over the clip.
//!
//! Per frame a posture is named from segment orientations (camera assumed level):
//! * supine, knees bent: trunk lying (far from vertical) with its front facing up, knees bent
//!   (bridge, single-leg bridge, hip thrust with the shoulders on a bench, frog pump);
//! * kneeling: shank lying (near horizontal), hip above the knee, not supine (Nordic curl);
//! * standing: shank near vertical, hip above the knee, not supine.
//!
//! The clip takes the posture most frames share. Standing clips are a hip hinge (deadlift,
//! RDL, good morning) only when the hip flexion is driven mostly by the trunk tilting, the
//! trunk leans well forward at the bottom and the knee stays less bent than in a squat;
//! squats and lunges (large knee flexion with a fairly upright trunk) are `unknown`.

use serde::{Deserialize, Serialize};

use super::config::ClassifyParams;
use crate::common::Exercise;
use crate::signal::{median, percentile};

/// Per-frame inputs (filtered where possible; NaN when missing).
#[derive(Clone, Debug, Default)]
pub struct PostureSeries {
    pub hip_flexion: Vec<f64>,
    pub knee_flexion: Vec<f64>,
    pub trunk_inclination: Vec<f64>,
    pub thigh_inclination: Vec<f64>,
    pub shank_inclination: Vec<f64>,
    pub trunk_anterior_up: Vec<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Posture {
    SupineKneesBent,
    Kneeling,
    Standing,
    Other,
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
}

/// Names the posture of one frame.
pub fn posture(s: &PostureSeries, i: usize, p: &ClassifyParams) -> Posture {
    let (trunk, thigh, shank, ant, knee) = (
        s.trunk_inclination[i],
        s.thigh_inclination[i],
        s.shank_inclination[i],
        s.trunk_anterior_up[i],
        s.knee_flexion[i],
    );
    if !(trunk.is_finite() && thigh.is_finite() && shank.is_finite() && ant.is_finite()) {
        return Posture::Other;
    }
    let supine = trunk >= p.lying_trunk_min_deg && ant >= p.supine_anterior_min;
    if supine {
        return if knee >= p.bent_knee_min_deg {
            Posture::SupineKneesBent
        } else {
            Posture::Other
        };
    }
    if thigh > p.hip_above_knee_max_deg {
        return Posture::Other;
    }
    if shank >= p.kneeling_shank_min_deg {
        return Posture::Kneeling;
    }
    if shank <= p.standing_shank_max_deg {
        return Posture::Standing;
    }
    Posture::Other
}

/// Classifies a clip from its posture series.
pub fn classify(s: &PostureSeries, p: &ClassifyParams) -> Classification {
    let n = s.hip_flexion.len();
    let postures: Vec<Posture> = (0..n).map(|i| posture(s, i, p)).collect();
    let valid = (0..n)
        .filter(|&i| s.trunk_inclination[i].is_finite())
        .count()
        .max(1) as f64;
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
    };
    let best = sup.max(kne).max(sta);
    if best < p.min_posture_fraction {
        reasons.push(format!(
            "no posture in at least {:.0}% of frames",
            100.0 * p.min_posture_fraction
        ));
        out.confidence = 1.0 - best;
        out.reasons = reasons;
        return out;
    }
    if sup == best {
        out.exercise = Exercise::Bridge;
        out.confidence = sup;
        reasons.push("lying on the back with knees bent: bridge family".into());
    } else if kne == best {
        out.exercise = Exercise::Nordic;
        out.confidence = kne;
        reasons.push("kneeling with the shins on the floor: Nordic hamstring curl".into());
    } else {
        let idx: Vec<usize> = (0..n)
            .filter(|&i| postures[i] == Posture::Standing && s.hip_flexion[i].is_finite())
            .collect();
        let pick = |v: &Vec<f64>, ii: &[usize]| -> Vec<f64> { ii.iter().map(|&i| v[i]).collect() };
        let hip = pick(&s.hip_flexion, &idx);
        let (lo, hi) = (percentile(&hip, 5.0), percentile(&hip, 95.0));
        let range = hi - lo;
        let top: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| s.hip_flexion[i] <= lo + 0.1 * range)
            .collect();
        let bottom: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| s.hip_flexion[i] >= hi - 0.1 * range)
            .collect();
        let m = |v: &Vec<f64>, ii: &[usize]| median(&pick(v, ii));
        let trunk_bottom = m(&s.trunk_inclination, &bottom);
        let trunk_top = m(&s.trunk_inclination, &top);
        let knee_bottom = m(&s.knee_flexion, &bottom);
        let hip_change = m(&s.hip_flexion, &bottom) - m(&s.hip_flexion, &top);
        let share = (trunk_bottom - trunk_top) / hip_change;
        reasons.push(format!(
            "standing; hip flexion range {range:.0} deg, at the bottom trunk {trunk_bottom:.0} deg from vertical and knee {knee_bottom:.0} deg; trunk tilt gives {:.0}% of the hip flexion",
            100.0 * share
        ));
        let mut fails = Vec::new();
        if !at_least(range, p.hinge_min_range_deg) {
            fails.push("too little hip movement for a hinge".to_string());
        }
        if !at_least(trunk_bottom, p.hinge_trunk_min_deg) {
            fails.push("trunk stays fairly upright".to_string());
        }
        let share_min = if at_least(trunk_bottom, p.hinge_deep_trunk_deg) {
            p.hinge_deep_trunk_share_min
        } else {
            p.hinge_trunk_share_min
        };
        if !at_least(share, share_min) {
            fails
                .push("hip flexion comes mostly from the thighs (squat/lunge pattern)".to_string());
        }
        if !at_least(p.hinge_knee_max_deg, knee_bottom) {
            fails.push("knees bend deeply (squat/lunge pattern)".to_string());
        }
        if fails.is_empty() {
            out.exercise = Exercise::Deadlift;
            let margin = ((share - share_min) / share_min)
                .min((trunk_bottom - p.hinge_trunk_min_deg) / p.hinge_trunk_min_deg)
                .clamp(0.0, 1.0);
            out.confidence = sta * (0.5 + 0.5 * margin);
            reasons.push("standing hip hinge: deadlift / RDL / good morning".into());
        } else {
            out.confidence = sta;
            reasons.push(format!("standing but not a hinge: {}", fails.join("; ")));
        }
    }
    out.reasons = reasons;
    out
}

/// `a >= b`, false when either is NaN.
fn at_least(a: f64, b: f64) -> bool {
    a >= b
}
