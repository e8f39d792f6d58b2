//! Walking: the two thighs swinging in turn.
//!
//! Every exercise hipflex knows moves both thighs together: a bridge lifts the pelvis off
//! both feet, a hinge tilts the trunk over both legs, a Nordic lowers the body off both
//! knees; even a single-leg variant keeps the free leg held still or swinging with the
//! standing one. Someone walking (into the frame, around the room, on a treadmill) swings
//! one thigh forward while the other goes back, stride after stride, and their hip angle
//! rises and falls like small repetitions. So when a clip is none of the three exercises
//! and its thighs take turns like this, its movements are strides: they are shown, not
//! counted, and the reason says so. The thighs' pitches come from the world landmarks
//! (gravity-referenced, in the body's sagittal plane), so this holds from any camera yaw.

use super::config::ClassifyParams;
use crate::signal::percentile;

/// The two thighs seen swinging in turn.
#[derive(Clone, Debug, PartialEq)]
pub struct LegsTakingTurns {
    /// Correlation of the two thighs' pitches (-1: exactly in turn).
    pub correlation: f64,
    /// Each thigh's swing (10th to 90th percentile of its pitch), degrees: near, far.
    pub swing_deg: [f64; 2],
    /// The knee's bend (90th percentile of its flexion), degrees.
    pub knee_deg: f64,
}

impl LegsTakingTurns {
    /// One sentence for the reasons: what was measured and what follows from it.
    pub fn reason(&self) -> String {
        format!(
            "the thighs swing in turn, as in walking (pitch correlation {:.2}, swings {:.0} and {:.0} deg, knee bent to {:.0} deg): its movements are strides, not repetitions, and are not counted",
            self.correlation, self.swing_deg[0], self.swing_deg[1], self.knee_deg
        )
    }
}

/// The per-frame series [`legs_taking_turns`] reads (degrees, NaN where unseen).
#[derive(Clone, Copy, Debug)]
pub struct Legs<'a> {
    /// Near- and far-side thigh pitches (world landmarks, sagittal plane).
    pub near_thigh: &'a [f64],
    pub far_thigh: &'a [f64],
    /// Knee flexion (the primary angle).
    pub knee: &'a [f64],
}

/// Whether the legs take turns as in walking, by `p`'s `gait_*` limits: the thighs swing
/// in turn and alike, and the knees stay under a lunge's bend. `None` also when fewer than
/// half the frames (or fewer than ten) see both thighs.
pub fn legs_taking_turns(legs: Legs<'_>, p: &ClassifyParams) -> Option<LegsTakingTurns> {
    let (near, far) = (legs.near_thigh, legs.far_thigh);
    let pairs: Vec<(f64, f64)> = near
        .iter()
        .zip(far)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    if pairs.len() < 10 || 2 * pairs.len() < near.len() {
        return None;
    }
    let (a, b): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    let swing = |v: &[f64]| percentile(v, 90.0) - percentile(v, 10.0);
    let swing_deg = [swing(&a), swing(&b)];
    let (lo, hi) = (
        swing_deg[0].min(swing_deg[1]),
        swing_deg[0].max(swing_deg[1]),
    );
    let correlation = pearson(&a, &b)?;
    let knees: Vec<f64> = legs
        .knee
        .iter()
        .copied()
        .filter(|k| k.is_finite())
        .collect();
    let knee_deg = (!knees.is_empty()).then(|| percentile(&knees, 90.0))?;
    let turns = knee_deg <= p.gait_knee_max_deg
        && correlation <= p.gait_correlation_max
        && lo >= p.gait_swing_min_deg
        && hi <= p.gait_swing_max_deg
        && lo >= p.gait_swing_balance_min * hi;
    turns.then_some(LegsTakingTurns {
        correlation,
        swing_deg,
        knee_deg,
    })
}

/// Pearson correlation; `None` when either series does not vary.
fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    (saa > 1e-9 && sbb > 1e-9).then(|| sab / (saa * sbb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` frames at 30 fps of an angle swinging `amp` degrees either side of `mid` at
    /// `hz`, starting at `phase` (radians).
    fn swing(n: usize, mid: f64, amp: f64, hz: f64, phase: f64) -> Vec<f64> {
        (0..n)
            .map(|i| mid + amp * (2.0 * std::f64::consts::PI * hz * i as f64 / 30.0 + phase).sin())
            .collect()
    }

    const TURN: f64 = std::f64::consts::PI;

    fn turns(near: &[f64], far: &[f64], knee: &[f64]) -> Option<LegsTakingTurns> {
        let legs = Legs {
            near_thigh: near,
            far_thigh: far,
            knee,
        };
        legs_taking_turns(legs, &ClassifyParams::default())
    }

    #[test]
    fn walking_thighs_take_turns() {
        // Strides at 0.9 Hz, each thigh 20 deg either side of slightly forward, the knee
        // bending to 60 deg in each swing.
        let near = swing(270, 5.0, 20.0, 0.9, 0.0);
        let far = swing(270, 5.0, 18.0, 0.9, TURN);
        let knee = swing(270, 30.0, 30.0, 1.8, 0.0);
        let w = turns(&near, &far, &knee).expect("walking");
        assert!(w.correlation < -0.95, "{w:?}");
        assert!(w.reason().contains("walking"));
    }

    #[test]
    fn exercises_move_the_thighs_together_or_one_at_a_time() {
        let n = 270;
        let knee = swing(n, 30.0, 30.0, 0.3, 0.0);
        // A bridge or hinge: both thighs together.
        let a = swing(n, 40.0, 30.0, 0.3, 0.0);
        assert_eq!(turns(&a, &a, &knee), None);
        // A single-leg hinge: the free thigh swings back 70 deg, the standing one 25 deg the
        // other way (in turn, but not alike).
        let free = swing(n, -35.0, 35.0, 0.3, 0.0);
        let stand = swing(n, 12.0, 12.0, 0.3, TURN);
        assert_eq!(turns(&free, &stand, &knee), None);
        // Alternating lunges: in turn and alike, but each thigh swings 90 deg.
        let l = swing(n, 20.0, 45.0, 0.3, 0.0);
        let r = swing(n, 20.0, 45.0, 0.3, TURN);
        assert_eq!(turns(&l, &r, &knee), None);
        // Standing still (noise only).
        let still = swing(n, 2.0, 3.0, 1.1, 0.0);
        let still2 = swing(n, 2.0, 3.0, 1.1, TURN);
        assert_eq!(turns(&still, &still2, &knee), None);
    }

    #[test]
    fn a_lunge_whose_thighs_read_in_turn_is_not_walking() {
        // Thighs in turn and alike, as walking's, but the front knee bends to 100 deg.
        let near = swing(270, 5.0, 20.0, 0.5, 0.0);
        let far = swing(270, 5.0, 18.0, 0.5, TURN);
        let knee = swing(270, 55.0, 50.0, 0.5, 0.0);
        assert_eq!(turns(&near, &far, &knee), None);
        let walking_knee = swing(270, 30.0, 30.0, 1.0, 0.0);
        assert!(turns(&near, &far, &walking_knee).is_some());
    }

    #[test]
    fn too_few_frames_with_both_thighs_say_nothing() {
        let near = swing(100, 5.0, 20.0, 0.9, 0.0);
        let mut far = swing(100, 5.0, 20.0, 0.9, TURN);
        for x in far.iter_mut().skip(40) {
            *x = f64::NAN;
        }
        let knee = swing(100, 30.0, 30.0, 1.8, 0.0);
        assert_eq!(turns(&near, &far, &knee), None);
        far = swing(100, 5.0, 20.0, 0.9, TURN);
        assert!(turns(&near, &far, &knee).is_some());
    }
}
