//! Choosing the person to analyse when more than one is in view (a partner holding
//! the ankles in a Nordic, someone walking past).
//!
//! The scout pass tracks every detected person over the first seconds; each
//! candidate is scored by how much its hip and knee angles move on the side the
//! model sees (an exercising person bends; a partner holding ankles or a bystander
//! mostly does not, and the guessed landmarks of a hidden far leg are not movement)
//! and by how consistently it is present. Angles are used, not positions, so walking
//! across the frame does not count as exercising.
//!
//! While tracking, the chosen person is kept by position ([`Follow`]): when the
//! landmarks jump to someone else (two bodies overlapping in the image), the
//! detector runs again and the detection nearest to the chosen person is taken.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::pose::{Pose, idx};

/// How to pick the person to analyse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PersonChoice {
    /// The person whose movement fits an exercise best.
    #[default]
    Auto,
    /// The leftmost person in the frame.
    Left,
    /// The rightmost person.
    Right,
    /// The person who appears largest.
    Largest,
    /// Whoever the detector ranks first (MediaPipe's own behaviour).
    First,
}

impl FromStr for PersonChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "auto" => PersonChoice::Auto,
            "left" => PersonChoice::Left,
            "right" => PersonChoice::Right,
            "largest" => PersonChoice::Largest,
            "first" => PersonChoice::First,
            o => {
                return Err(format!(
                    "person `{o}` is not one of auto, left, right, largest, first"
                ));
            }
        })
    }
}

impl fmt::Display for PersonChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PersonChoice::Auto => "auto",
            PersonChoice::Left => "left",
            PersonChoice::Right => "right",
            PersonChoice::Largest => "largest",
            PersonChoice::First => "first",
        })
    }
}

/// One person followed through the scout pass.
#[derive(Clone, Debug, Default)]
pub struct Candidate {
    /// (timestamp, pose) for each scouted frame in which this person was found.
    pub samples: Vec<(f64, Pose)>,
}

/// Centre of the hips and a body scale (shoulder-centre to hip-centre distance).
fn anchor(p: &Pose) -> ([f32; 2], f32) {
    let m = |a: usize, b: usize| {
        [
            (p.image[a].x + p.image[b].x) / 2.0,
            (p.image[a].y + p.image[b].y) / 2.0,
        ]
    };
    let hip = m(idx::LEFT_HIP, idx::RIGHT_HIP);
    let sh = m(idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER);
    let scale = ((hip[0] - sh[0]).powi(2) + (hip[1] - sh[1]).powi(2))
        .sqrt()
        .max(1.0);
    (hip, scale)
}

/// Interior angle (degrees) at `b` of the 2D points a-b-c.
fn interior(p: &Pose, a: usize, b: usize, c: usize) -> f32 {
    let (pa, pb, pc) = (p.image[a], p.image[b], p.image[c]);
    let u = [pa.x - pb.x, pa.y - pb.y];
    let v = [pc.x - pb.x, pc.y - pb.y];
    let cross = u[0] * v[1] - u[1] * v[0];
    let dot = u[0] * v[0] + u[1] * v[1];
    cross.abs().atan2(dot).to_degrees()
}

fn spread(mut v: Vec<f32>) -> f32 {
    if v.len() < 2 {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    let q = |f: f32| v[((v.len() - 1) as f32 * f).round() as usize];
    q(0.9) - q(0.1)
}

/// Window of the running median applied to scouted angle series (samples).
pub const MEDIAN_SAMPLES: usize = 3;

/// Running median over [`MEDIAN_SAMPLES`] samples (shorter at the ends).
fn running_median(v: &[f32]) -> Vec<f32> {
    let half = MEDIAN_SAMPLES / 2;
    (0..v.len())
        .map(|i| {
            let mut w: Vec<f32> = v[i.saturating_sub(half)..(i + half + 1).min(v.len())].to_vec();
            w.sort_by(f32::total_cmp);
            w[w.len() / 2]
        })
        .collect()
}

impl Candidate {
    fn last_anchor(&self) -> Option<([f32; 2], f32)> {
        self.samples.last().map(|(_, p)| anchor(p))
    }

    /// How much the hip and knee angles move (degrees: 10th to 90th percentile of each,
    /// summed), on the body side the model sees better.
    ///
    /// The far side of a person seen side-on is mostly hidden, and its guessed landmarks
    /// jump (a kneeling partner's hidden leg can flip between bent and straight from one
    /// frame to the next): scoring it would reward noise. So the side with the higher
    /// landmark visibility is scored (the mean of both when they are seen alike, so that
    /// no side is preferred and a mirrored clip scores the same), and each angle series is
    /// first passed through a running median of [`MEDIAN_SAMPLES`] scouted samples, which
    /// removes isolated jumps but keeps a real movement (a lowering lasts several samples).
    pub fn movement_deg(&self) -> f32 {
        let vis = |h: usize, k: usize, a: usize| -> f32 {
            self.samples
                .iter()
                .map(|(_, p)| p.image[h].visibility + p.image[k].visibility + p.image[a].visibility)
                .sum()
        };
        let side = |s: usize, h: usize, k: usize, a: usize| {
            let hip: Vec<f32> = self
                .samples
                .iter()
                .map(|(_, p)| interior(p, s, h, k))
                .collect();
            let knee: Vec<f32> = self
                .samples
                .iter()
                .map(|(_, p)| interior(p, h, k, a))
                .collect();
            spread(running_median(&hip)) + spread(running_median(&knee))
        };
        let left = (
            idx::LEFT_SHOULDER,
            idx::LEFT_HIP,
            idx::LEFT_KNEE,
            idx::LEFT_ANKLE,
        );
        let right = (
            idx::RIGHT_SHOULDER,
            idx::RIGHT_HIP,
            idx::RIGHT_KNEE,
            idx::RIGHT_ANKLE,
        );
        let seen = |(_, h, k, a): (usize, usize, usize, usize)| vis(h, k, a);
        let score = |(s, h, k, a): (usize, usize, usize, usize)| side(s, h, k, a);
        match seen(left).total_cmp(&seen(right)) {
            std::cmp::Ordering::Greater => score(left),
            std::cmp::Ordering::Less => score(right),
            // Both sides seen alike (a front or rear view): neither is the near side, so
            // both are scored (a mirrored clip scores the same).
            std::cmp::Ordering::Equal => (score(left) + score(right)) / 2.0,
        }
    }

    /// Mean horizontal position of the hips (pixels).
    pub fn mean_x(&self) -> f32 {
        let n = self.samples.len().max(1) as f32;
        self.samples
            .iter()
            .map(|(_, p)| anchor(p).0[0])
            .sum::<f32>()
            / n
    }

    /// Mean apparent size (ROI area in pixels²).
    pub fn mean_area(&self) -> f32 {
        let n = self.samples.len().max(1) as f32;
        self.samples
            .iter()
            .map(|(_, p)| p.roi.width * p.roi.height)
            .sum::<f32>()
            / n
    }

    /// The most recent pose.
    pub fn last(&self) -> Option<&Pose> {
        self.samples.last().map(|(_, p)| p)
    }
}

/// Body scales the hip centre of the followed person may move from where it was last
/// seen before a pose is taken to be someone else's (a partner whose body overlaps
/// the followed one in the image). A person's hips move well under a body scale
/// between frames even in a fast Nordic fall; a partner kneeling behind a Nordic
/// athlete has the hips about 1.5 body scales away.
pub const SWITCH_SCALES: f32 = 0.75;

/// Growth of that allowance, body scales per second since the person was last seen
/// (a person not found for a while may have moved on), up to [`SWITCH_MAX_SCALES`].
pub const SWITCH_GROWTH_PER_S: f32 = 1.0;

/// The largest allowance, body scales: beyond it a pose is someone else however long
/// the followed person has been out of sight.
pub const SWITCH_MAX_SCALES: f32 = 1.5;

/// Seconds either side of a time over which another person's scouted hip positions are
/// pooled (median) to say where they are then.
pub const OTHERS_WINDOW_S: f64 = 1.0;

/// The person being followed through a clip: where their hip centre was last seen,
/// when, and their body scale (pixels, shoulder-centre to hip-centre); and where the
/// other people seen in the scout pass were (hip centres over time), so that a pose
/// lying on one of them is not taken for the followed person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Follow {
    pub hip: [f32; 2],
    pub scale: f32,
    pub t: f64,
    /// The followed person's own scouted hip centres (time, pixels).
    pub track: Vec<(f64, [f32; 2])>,
    /// Each other person's scouted hip centres.
    pub others: Vec<Vec<(f64, [f32; 2])>>,
}

/// Median of the hip centres of `track` within [`OTHERS_WINDOW_S`] of `t`.
fn track_at(track: &[(f64, [f32; 2])], t: f64) -> Option<[f32; 2]> {
    let near: Vec<[f32; 2]> = track
        .iter()
        .filter(|(ts, _)| (ts - t).abs() <= OTHERS_WINDOW_S)
        .map(|(_, h)| *h)
        .collect();
    median2(&near)
}

fn median2(pts: &[[f32; 2]]) -> Option<[f32; 2]> {
    if pts.is_empty() {
        return None;
    }
    let med = |mut v: Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    Some([
        med(pts.iter().map(|p| p[0]).collect()),
        med(pts.iter().map(|p| p[1]).collect()),
    ])
}

impl Follow {
    /// Where scouted candidate `chosen` starts: the median hip centre of its first few
    /// samples (robust to one pose that mixes two overlapping bodies) and its median
    /// body scale. The other candidates that were present in at least a sixth of the
    /// `scouted_frames` and are clearly elsewhere (their median hip centre more than
    /// [`SWITCH_SCALES`] away: not a fragment of the chosen person) become the others.
    pub fn from_candidates(
        cands: &[Candidate],
        chosen: usize,
        scouted_frames: usize,
    ) -> Option<Follow> {
        let c = cands.get(chosen)?;
        let t = c.samples.first()?.0;
        let hips = |c: &Candidate| -> Vec<[f32; 2]> {
            c.samples.iter().map(|(_, p)| anchor(p).0).collect()
        };
        let mut scales: Vec<f32> = c.samples.iter().map(|(_, p)| anchor(p).1).collect();
        scales.sort_by(f32::total_cmp);
        let scale = scales[scales.len() / 2];
        let hip = median2(&hips(c)[..c.samples.len().min(5)])?;
        let centre = median2(&hips(c))?;
        let n = scouted_frames.max(1) as f32;
        let track_of = |c: &Candidate| c.samples.iter().map(|(t, p)| (*t, anchor(p).0)).collect();
        let others = cands
            .iter()
            .enumerate()
            .filter(|&(i, o)| {
                let far = median2(&hips(o)).is_some_and(|m| {
                    ((m[0] - centre[0]).powi(2) + (m[1] - centre[1]).powi(2)).sqrt()
                        > SWITCH_SCALES * scale
                });
                i != chosen && o.samples.len() as f32 / n >= 1.0 / 6.0 && far
            })
            .map(|(_, o)| track_of(o))
            .collect();
        Some(Follow {
            hip,
            scale,
            t,
            track: track_of(c),
            others,
        })
    }

    /// Where each other person was around time `t` (median of their scouted hip
    /// centres within [`OTHERS_WINDOW_S`]; after the scouted stretch, of its end).
    pub fn others_at(&self, t: f64) -> Vec<[f32; 2]> {
        self.others
            .iter()
            .filter_map(|track| track_at(track, t.min(track.last()?.0)))
            .collect()
    }

    /// Largest hip-centre distance (pixels) at time `t` that is still this person.
    pub fn gate(&self, t: f64) -> f32 {
        let unseen = (t - self.t).max(0.0) as f32;
        self.scale * (SWITCH_SCALES + SWITCH_GROWTH_PER_S * unseen).min(SWITCH_MAX_SCALES)
    }

    fn distance(&self, q: [f32; 2]) -> f32 {
        ((q[0] - self.hip[0]).powi(2) + (q[1] - self.hip[1]).powi(2)).sqrt()
    }

    /// How far pose `p` is from the followed person, in units of the allowance at
    /// time `t`: at most 1 when it can be them. A pose whose hip centre is nearer to
    /// another person's than to where the followed person was scouted around then
    /// (or last seen) is someone else's (infinite): this stops the tracked landmarks
    /// from sliding frame by frame onto an overlapping partner.
    pub fn mismatch(&self, p: &Pose, t: f64) -> f32 {
        let h = anchor(p).0;
        let d2 = |q: [f32; 2]| ((q[0] - h[0]).powi(2) + (q[1] - h[1]).powi(2)).sqrt();
        let own = d2(track_at(&self.track, t).unwrap_or(self.hip));
        if self.others_at(t).into_iter().any(|o| d2(o) < own) {
            return f32::INFINITY;
        }
        d2(self.hip) / self.gate(t).max(1.0)
    }

    /// Whether pose `p` at time `t` can be the followed person.
    pub fn accepts(&self, p: &Pose, t: f64) -> bool {
        self.mismatch(p, t) <= 1.0
    }

    /// Moves the followed position to pose `p`, seen at time `t`. The scale follows
    /// slowly: bending forward shortens the trunk in the image for a moment only.
    pub fn update(&mut self, p: &Pose, t: f64) {
        let (hip, scale) = anchor(p);
        self.hip = hip;
        self.scale = 0.9 * self.scale + 0.1 * scale;
        self.t = t;
    }

    /// Detections ordered by the distance of their hip-centre keypoint to the followed
    /// hip centre (a `w` x `h` frame), nearest first.
    pub fn rank(&self, dets: &[crate::pose::Detection], w: f32, h: f32) -> Vec<usize> {
        let mut order: Vec<(usize, f32)> = dets
            .iter()
            .enumerate()
            .map(|(i, d)| {
                (
                    i,
                    self.distance([d.keypoints[0][0] * w, d.keypoints[0][1] * h]),
                )
            })
            .collect();
        order.sort_by(|a, b| a.1.total_cmp(&b.1));
        order.into_iter().map(|(i, _)| i).collect()
    }
}

/// Adds the poses found in one scouted frame to the candidates: each pose joins the
/// nearest candidate (hip centre within one body scale), or starts a new one.
pub fn associate(cands: &mut Vec<Candidate>, t: f64, poses: Vec<Pose>) {
    // Two detections can yield landmarks on the same body (overlapping crops): keep
    // the more confident one.
    let mut unique: Vec<Pose> = Vec::new();
    for p in poses {
        let (h, s) = anchor(&p);
        let dup = unique.iter_mut().find(|q| {
            let (a, _) = anchor(q);
            ((a[0] - h[0]).powi(2) + (a[1] - h[1]).powi(2)).sqrt() < 0.5 * s
        });
        match dup {
            Some(q) if q.score < p.score => *q = p,
            Some(_) => {}
            None => unique.push(p),
        }
    }
    let mut taken = vec![false; cands.len()];
    for pose in unique {
        let (h, _) = anchor(&pose);
        let best = cands
            .iter()
            .enumerate()
            .filter(|(i, _)| !taken[*i])
            .filter_map(|(i, c)| {
                let (a, s) = c.last_anchor()?;
                let d = ((a[0] - h[0]).powi(2) + (a[1] - h[1]).powi(2)).sqrt() / s;
                (d < 1.0).then_some((i, d))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => {
                taken[i] = true;
                cands[i].samples.push((t, pose));
            }
            None => {
                cands.push(Candidate {
                    samples: vec![(t, pose)],
                });
                taken.push(true);
            }
        }
    }
}

/// Picks a candidate index. `scouted_frames` is how many frames were scouted (for
/// the presence fraction). `None` when there are no candidates.
pub fn choose(cands: &[Candidate], choice: PersonChoice, scouted_frames: usize) -> Option<usize> {
    if cands.is_empty() {
        return None;
    }
    let by = |f: &dyn Fn(&Candidate) -> f32| {
        cands
            .iter()
            .enumerate()
            .max_by(|a, b| f(a.1).total_cmp(&f(b.1)))
            .map(|(i, _)| i)
    };
    match choice {
        PersonChoice::First => Some(0),
        PersonChoice::Left => by(&|c| -c.mean_x()),
        PersonChoice::Right => by(&|c| c.mean_x()),
        PersonChoice::Largest => by(&|c| c.mean_area()),
        PersonChoice::Auto => {
            let n = scouted_frames.max(1) as f32;
            by(&|c| {
                let presence = c.samples.len() as f32 / n;
                // Someone seen in under a sixth of the scouted frames is passing by.
                if presence < 1.0 / 6.0 {
                    return -1.0 + presence;
                }
                // Presence counts less than movement: an exercising person is often
                // missed or split in the hardest poses (lying at the bottom of a
                // Nordic), while a still partner is found in every frame.
                c.movement_deg() * presence.sqrt()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{Landmark, NUM_LANDMARKS, Roi, RoiSource};

    /// A side-view stick figure at horizontal offset `x0` with the hip bent by `bend` degrees.
    fn figure(x0: f32, bend: f32) -> Pose {
        let mut image = vec![
            Landmark {
                visibility: 1.0,
                presence: 1.0,
                ..Default::default()
            };
            NUM_LANDMARKS
        ];
        let set = |v: &mut Vec<Landmark>, i: usize, x: f32, y: f32| {
            v[i].x = x;
            v[i].y = y;
        };
        let hip = (x0, 300.0);
        let r = bend.to_radians();
        let sh = (hip.0 + 150.0 * r.sin(), hip.1 - 150.0 * r.cos());
        for (s, h, k, a) in [
            (
                idx::LEFT_SHOULDER,
                idx::LEFT_HIP,
                idx::LEFT_KNEE,
                idx::LEFT_ANKLE,
            ),
            (
                idx::RIGHT_SHOULDER,
                idx::RIGHT_HIP,
                idx::RIGHT_KNEE,
                idx::RIGHT_ANKLE,
            ),
        ] {
            set(&mut image, s, sh.0, sh.1);
            set(&mut image, h, hip.0, hip.1);
            set(&mut image, k, hip.0, hip.1 + 150.0);
            set(&mut image, a, hip.0, hip.1 + 300.0);
        }
        Pose {
            score: 1.0,
            world: image.clone(),
            image,
            roi: Roi {
                cx: x0,
                cy: 300.0,
                width: 400.0,
                height: 400.0,
                rotation: 0.0,
            },
            roi_source: RoiSource::Detection,
        }
    }

    #[test]
    fn auto_prefers_the_person_who_bends_over_the_one_who_holds_still() {
        let mut cands = Vec::new();
        for k in 0..20 {
            let bend = 60.0 * ((k as f32) * 0.5).sin().abs();
            // Detector order puts the still partner first.
            associate(
                &mut cands,
                k as f64 * 0.2,
                vec![figure(900.0, 5.0), figure(300.0, bend)],
            );
        }
        assert_eq!(cands.len(), 2);
        let chosen = choose(&cands, PersonChoice::Auto, 20).unwrap();
        assert!((cands[chosen].mean_x() - 300.0).abs() < 1.0);
        assert_eq!(choose(&cands, PersonChoice::First, 20), Some(0));
        let r = choose(&cands, PersonChoice::Right, 20).unwrap();
        assert!((cands[r].mean_x() - 900.0).abs() < 1.0);
        let l = choose(&cands, PersonChoice::Left, 20).unwrap();
        assert!((cands[l].mean_x() - 300.0).abs() < 1.0);
    }

    /// A kneeling figure at `x0`: hip centre at (x0, 300), trunk up, thighs 30° from
    /// vertical, the near (left) knee interior angle `knee` degrees; the far (right)
    /// leg's landmarks are hidden (visibility `far_vis`) with knee angle `far_knee`.
    fn kneeling(x0: f32, knee: f32, far_knee: f32, far_vis: f32) -> Pose {
        let mut p = figure(x0, 0.0);
        let place = |p: &mut Pose, h: usize, k: usize, a: usize, knee: f32| {
            let th = 30f32.to_radians();
            let kp = (x0 - 150.0 * th.sin(), 300.0 + 150.0 * th.cos());
            // Shank direction: the thigh direction (knee -> hip) turned by the knee angle.
            let u = (th.sin(), -th.cos());
            let r = (-knee).to_radians();
            let s = (u.0 * r.cos() - u.1 * r.sin(), u.0 * r.sin() + u.1 * r.cos());
            p.image[h].x = x0;
            p.image[k].x = kp.0;
            p.image[k].y = kp.1;
            p.image[a].x = kp.0 + 150.0 * s.0;
            p.image[a].y = kp.1 + 150.0 * s.1;
        };
        place(&mut p, idx::LEFT_HIP, idx::LEFT_KNEE, idx::LEFT_ANKLE, knee);
        place(
            &mut p,
            idx::RIGHT_HIP,
            idx::RIGHT_KNEE,
            idx::RIGHT_ANKLE,
            far_knee,
        );
        for i in [idx::RIGHT_KNEE, idx::RIGHT_ANKLE] {
            p.image[i].visibility = far_vis;
        }
        p
    }

    #[test]
    fn a_still_partner_with_a_jumping_hidden_leg_is_not_chosen() {
        // The athlete (left) lowers once: the knee opens from 90° to 170° and back over
        // a few seconds. The partner (right) kneels still at 90°, but the landmarks of
        // the leg the camera cannot see flip between bent and straight.
        let mut cands = Vec::new();
        for k in 0..24 {
            let phase = (k as f32 / 23.0 * std::f32::consts::PI).sin();
            let athlete = kneeling(200.0, 90.0 + 80.0 * phase, 90.0 + 80.0 * phase, 0.9);
            let far = if k % 3 == 0 { 175.0 } else { 80.0 };
            let partner = kneeling(700.0, 90.0 + (k % 2) as f32, far, 0.4);
            // The athlete is missed in a third of the frames (lying on the floor).
            let poses = if k % 3 == 1 {
                vec![partner]
            } else {
                vec![partner, athlete]
            };
            associate(&mut cands, k as f64 * 0.25, poses);
        }
        assert_eq!(cands.len(), 2);
        assert!((cands[0].mean_x() - 700.0).abs() < 1.0);
        assert!(
            cands[0].movement_deg() < 10.0,
            "{}",
            cands[0].movement_deg()
        );
        assert!(
            cands[1].movement_deg() > 40.0,
            "{}",
            cands[1].movement_deg()
        );
        let chosen = choose(&cands, PersonChoice::Auto, 24).unwrap();
        assert!((cands[chosen].mean_x() - 200.0).abs() < 1.0);
    }

    #[test]
    fn following_keeps_to_the_chosen_person() {
        // Scouted: the chosen person around x = 300, a partner still at x = 600 (body
        // scale 150 px, so they are two scales apart).
        let mut cands = Vec::new();
        for k in 0..20 {
            associate(
                &mut cands,
                k as f64 * 0.25,
                vec![
                    figure(600.0, 5.0),
                    figure(300.0 + 5.0 * (k % 2) as f32, 30.0),
                ],
            );
        }
        let chosen = choose(&cands, PersonChoice::Left, 20).unwrap();
        let mut f = Follow::from_candidates(&cands, chosen, 20).unwrap();
        assert_eq!(f.others.len(), 1);
        assert!((f.hip[0] - 300.0).abs() < 10.0);
        // The person moves on smoothly, even fast (a Nordic fall): accepted.
        let mut x = 300.0;
        for k in 0..10 {
            x -= 15.0;
            let t = 1.0 + k as f64 / 30.0;
            let p = figure(x, 40.0);
            assert!(f.accepts(&p, t), "x {x}");
            f.update(&p, t);
        }
        let t = 1.5;
        // A jump onto the partner is rejected, and so is a landmark set that slid
        // part of the way onto the partner (nearer to them than to the person).
        assert!(!f.accepts(&figure(600.0, 5.0), t));
        assert!(f.mismatch(&figure(480.0, 5.0), t).is_infinite());
        // Re-detection picks the detection nearest to the followed person.
        let det = |x: f32| crate::pose::Detection {
            score: 0.9,
            bbox: [0.0, 0.0, 0.1, 0.1],
            keypoints: [[x / 1000.0, 0.3]; 4],
        };
        assert_eq!(
            f.rank(&[det(600.0), det(200.0)], 1000.0, 1000.0),
            vec![1, 0]
        );
        // After a while out of sight the allowance grows, but never onto the partner.
        assert!(f.gate(t + 0.3) > f.gate(t));
        assert!(f.gate(t + 10.0) <= SWITCH_MAX_SCALES * f.scale + 1e-3);
    }

    #[test]
    fn a_passer_by_is_not_chosen() {
        let mut cands = Vec::new();
        for k in 0..20 {
            let mut poses = vec![figure(300.0, 30.0 + 20.0 * (k as f32 * 0.7).sin())];
            if k < 3 {
                // Walks past, bending a lot, for three frames only.
                poses.push(figure(800.0 + 100.0 * k as f32, 70.0 * (k % 2) as f32));
            }
            associate(&mut cands, k as f64 * 0.2, poses);
        }
        let chosen = choose(&cands, PersonChoice::Auto, 20).unwrap();
        assert!((cands[chosen].mean_x() - 300.0).abs() < 1.0);
    }
}
