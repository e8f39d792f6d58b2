//! Joint-angle trajectories: lead-in rest, repetitions made of eccentric / bottom pause /
//! concentric / top pause phases with cosine easing and exact durations, lead-out rest.

use serde::{Deserialize, Serialize};

use crate::common::{Exercise, Tempo};

/// What the figure is doing during one segment of the clip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    LeadIn,
    Eccentric,
    BottomPause,
    Concentric,
    TopPause,
    LeadOut,
}

impl PhaseKind {
    pub fn is_pause(self) -> bool {
        !matches!(self, PhaseKind::Eccentric | PhaseKind::Concentric)
    }
}

/// Two driven channels (see `figure::Drive`): primary and secondary angle, degrees.
pub type Channels = [f64; 2];

/// One segment: the channels move from `from` to `to` between `t0` and `t1` with cosine easing
/// (constant for pauses).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub kind: PhaseKind,
    /// Repetition index (0-based), None for lead-in and lead-out.
    pub rep: Option<usize>,
    pub t0: f64,
    pub t1: f64,
    pub from: Channels,
    pub to: Channels,
}

impl Segment {
    pub fn duration(&self) -> f64 {
        self.t1 - self.t0
    }
    fn at(&self, t: f64) -> Channels {
        let d = self.duration();
        let s = if d <= 0.0 {
            1.0
        } else {
            ((t - self.t0) / d).clamp(0.0, 1.0)
        };
        let e = 0.5 - 0.5 * (std::f64::consts::PI * s).cos();
        [
            self.from[0] + (self.to[0] - self.from[0]) * e,
            self.from[1] + (self.to[1] - self.from[1]) * e,
        ]
    }
}

/// Where one repetition rests and where it turns, per channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RepTargets {
    pub rest: Channels,
    pub turn: Channels,
}

/// A whole clip's motion.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub segments: Vec<Segment>,
    pub duration: f64,
    /// Which repetitions are complete (the partial last one is not).
    pub complete: Vec<bool>,
    /// Whether the rep begins with the concentric (bridge: rest on the floor, lift first).
    pub lift_first: bool,
}

/// True when the working phase of `exercise` is the first movement of a rep (bridge: lift;
/// Nordic: lowering); false when it is the second (deadlift: the lift back up).
pub fn working_phase_first(exercise: Exercise) -> bool {
    matches!(exercise, Exercise::Bridge | Exercise::Nordic)
}

/// Builds the trajectory. `targets` and `tempi` hold one entry per rep. When
/// `partial_fraction` is Some(f), the last rep's working phase covers only the fraction f of
/// its range and then reverses, so that rep does not count.
pub fn build(
    exercise: Exercise,
    targets: &[RepTargets],
    tempi: &[Tempo],
    lead_in_s: f64,
    lead_out_s: f64,
    partial_fraction: Option<f64>,
) -> Trajectory {
    assert_eq!(targets.len(), tempi.len());
    let lift_first = exercise == Exercise::Bridge;
    let mut segs: Vec<Segment> = Vec::new();
    let mut t = 0.0;
    let mut cur = targets.first().map(|r| r.rest).unwrap_or([0.0, 0.0]);
    let push = |segs: &mut Vec<Segment>,
                kind,
                rep,
                dur: f64,
                to: Channels,
                cur: &mut Channels,
                t: &mut f64| {
        segs.push(Segment {
            kind,
            rep,
            t0: *t,
            t1: *t + dur,
            from: *cur,
            to,
        });
        *t += dur;
        *cur = to;
    };
    push(
        &mut segs,
        PhaseKind::LeadIn,
        None,
        lead_in_s,
        cur,
        &mut cur,
        &mut t,
    );
    let n = targets.len();
    let mut complete = vec![true; n];
    for (i, (tg, tp)) in targets.iter().zip(tempi).enumerate() {
        let r = Some(i);
        let partial = if i + 1 == n { partial_fraction } else { None };
        let lerp =
            |a: Channels, b: Channels, f: f64| [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
        // Phase order: first movement (to the turn), pause at the turn, second movement (back
        // to rest), pause at rest.
        let (k1, p1, k2, p2, d1, dp1, d2, dp2) = if lift_first {
            (
                PhaseKind::Concentric,
                PhaseKind::TopPause,
                PhaseKind::Eccentric,
                PhaseKind::BottomPause,
                tp.concentric_s,
                tp.top_pause_s,
                tp.eccentric_s,
                tp.bottom_pause_s,
            )
        } else {
            (
                PhaseKind::Eccentric,
                PhaseKind::BottomPause,
                PhaseKind::Concentric,
                PhaseKind::TopPause,
                tp.eccentric_s,
                tp.bottom_pause_s,
                tp.concentric_s,
                tp.top_pause_s,
            )
        };
        match partial {
            None => {
                push(&mut segs, k1, r, d1, tg.turn, &mut cur, &mut t);
                push(&mut segs, p1, r, dp1, tg.turn, &mut cur, &mut t);
                push(&mut segs, k2, r, d2, tg.rest, &mut cur, &mut t);
                push(&mut segs, p2, r, dp2, tg.rest, &mut cur, &mut t);
            }
            Some(f) => {
                complete[i] = false;
                if working_phase_first(exercise) {
                    // The working phase stalls part-way and reverses back to rest.
                    let stall = lerp(cur, tg.turn, f);
                    push(&mut segs, k1, r, d1, stall, &mut cur, &mut t);
                    push(&mut segs, p1, r, dp1, stall, &mut cur, &mut t);
                    push(&mut segs, k2, r, d2, tg.rest, &mut cur, &mut t);
                    push(&mut segs, p2, r, dp2, tg.rest, &mut cur, &mut t);
                } else {
                    // Full lowering, then the lift stalls part-way and the weight goes back
                    // down; the set ends at the bottom.
                    push(&mut segs, k1, r, d1, tg.turn, &mut cur, &mut t);
                    push(&mut segs, p1, r, dp1, tg.turn, &mut cur, &mut t);
                    let stall = lerp(tg.turn, tg.rest, f);
                    push(&mut segs, k2, r, d2, stall, &mut cur, &mut t);
                    push(&mut segs, p2, r, dp2, stall, &mut cur, &mut t);
                    push(&mut segs, k1, r, d1, tg.turn, &mut cur, &mut t);
                }
            }
        }
    }
    push(
        &mut segs,
        PhaseKind::LeadOut,
        None,
        lead_out_s,
        cur,
        &mut cur,
        &mut t,
    );
    Trajectory {
        segments: segs,
        duration: t,
        complete,
        lift_first,
    }
}

impl Trajectory {
    /// Channel values at time `t` seconds.
    pub fn at(&self, t: f64) -> Channels {
        let i = self.segments.partition_point(|s| s.t1 <= t);
        match self.segments.get(i) {
            Some(s) => s.at(t),
            None => self.segments.last().map(|s| s.to).unwrap_or([0.0, 0.0]),
        }
    }

    /// Segments of repetition `rep`, in order.
    pub fn rep_segments(&self, rep: usize) -> Vec<&Segment> {
        self.segments
            .iter()
            .filter(|s| s.rep == Some(rep))
            .collect()
    }

    /// Number of frames in a clip of this trajectory at `fps`.
    pub fn frame_count(&self, fps: f64) -> usize {
        ((self.duration * fps) - 1e-9).ceil().max(1.0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempo(s: &str) -> Tempo {
        s.parse().unwrap()
    }

    #[test]
    fn durations_are_exact_and_continuous() {
        let tg = RepTargets {
            rest: [0.0, 5.0],
            turn: [70.0, 20.0],
        };
        let tr = build(
            Exercise::Deadlift,
            &[tg; 3],
            &[tempo("3-1-2-1"); 3],
            1.0,
            1.5,
            None,
        );
        assert!((tr.duration - (1.0 + 3.0 * 7.0 + 1.5)).abs() < 1e-12);
        for w in tr.segments.windows(2) {
            assert_eq!(w[0].t1, w[1].t0);
            assert_eq!(w[0].to, w[1].from);
        }
        let r1 = tr.rep_segments(1);
        let kinds: Vec<_> = r1.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                PhaseKind::Eccentric,
                PhaseKind::BottomPause,
                PhaseKind::Concentric,
                PhaseKind::TopPause
            ]
        );
        let durs: Vec<_> = r1.iter().map(|s| s.duration()).collect();
        assert_eq!(durs, [3.0, 1.0, 2.0, 1.0]);
        assert!((r1[0].t0 - 8.0).abs() < 1e-12);
        // Extremes are reached exactly at the phase boundaries and eased in between.
        assert_eq!(tr.at(r1[0].t1), [70.0, 20.0]);
        let mid = tr.at(r1[0].t0 + 1.5);
        assert!((mid[0] - 35.0).abs() < 1e-9 && (mid[1] - 12.5).abs() < 1e-9);
        // Cosine easing: a quarter of the way through, (1 - cos 45°) / 2 of the range.
        let q = tr.at(r1[0].t0 + 0.75)[0];
        assert!((q - 70.0 * (1.0 - std::f64::consts::FRAC_1_SQRT_2) / 2.0).abs() < 1e-9);
        assert_eq!(tr.at(0.5), [0.0, 5.0]);
        assert_eq!(tr.at(100.0), [0.0, 5.0]);
    }

    #[test]
    fn bridge_lifts_first_and_partial_last_rep_stalls() {
        let tg = RepTargets {
            rest: [45.0, 0.0],
            turn: [0.0, 0.0],
        };
        let tr = build(
            Exercise::Bridge,
            &[tg; 2],
            &[tempo("2-1-1-0.5"); 2],
            1.0,
            1.0,
            Some(0.5),
        );
        let r0 = tr.rep_segments(0);
        assert_eq!(r0[0].kind, PhaseKind::Concentric);
        assert_eq!(r0[0].duration(), 1.0);
        assert_eq!(r0[1].kind, PhaseKind::TopPause);
        assert_eq!(r0[1].duration(), 0.5);
        assert_eq!(r0[2].duration(), 2.0);
        let r1 = tr.rep_segments(1);
        assert_eq!(r1[0].to, [22.5, 0.0]);
        assert_eq!(tr.complete, vec![true, false]);
    }

    #[test]
    fn partial_deadlift_ends_at_the_bottom() {
        let tg = RepTargets {
            rest: [0.0, 5.0],
            turn: [60.0, 15.0],
        };
        let tr = build(
            Exercise::Deadlift,
            &[tg; 2],
            &[tempo("2-0-2-0"); 2],
            0.5,
            0.5,
            Some(0.5),
        );
        let last = tr.segments.last().unwrap();
        assert_eq!(last.kind, PhaseKind::LeadOut);
        assert_eq!(last.to, [60.0, 15.0]);
        assert_eq!(tr.rep_segments(1)[2].to, [30.0, 10.0]);
    }
}
