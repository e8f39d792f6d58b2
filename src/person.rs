//! Choosing the person to analyse when more than one is in view (a partner holding
//! the ankles in a Nordic, someone walking past).
//!
//! The scout pass tracks every detected person over the first seconds; each
//! candidate is scored by how much its hip and knee angles move (an exercising
//! person bends; a partner holding ankles or a bystander mostly does not) and by
//! how consistently it is present. Angles are used, not positions, so walking
//! across the frame does not count as exercising.

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

impl Candidate {
    fn last_anchor(&self) -> Option<([f32; 2], f32)> {
        self.samples.last().map(|(_, p)| anchor(p))
    }

    /// How much the hip and knee angles move (degrees, 10th to 90th percentile),
    /// taking the more mobile side.
    pub fn movement_deg(&self) -> f32 {
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
            spread(hip) + spread(knee)
        };
        side(
            idx::LEFT_SHOULDER,
            idx::LEFT_HIP,
            idx::LEFT_KNEE,
            idx::LEFT_ANKLE,
        )
        .max(side(
            idx::RIGHT_SHOULDER,
            idx::RIGHT_HIP,
            idx::RIGHT_KNEE,
            idx::RIGHT_ANKLE,
        ))
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

/// Normalised hip centre of a pose on a `w` x `h` frame.
pub fn hip_centre_normalised(p: &Pose, w: f32, h: f32) -> [f32; 2] {
    let (a, _) = anchor(p);
    [a[0] / w, a[1] / h]
}

/// Index of the detection whose hip-centre keypoint is nearest to `target`
/// (normalised coordinates).
pub fn nearest_detection(dets: &[crate::pose::Detection], target: [f32; 2]) -> Option<usize> {
    dets.iter()
        .enumerate()
        .min_by(|a, b| {
            let d = |k: &[f32; 2]| (k[0] - target[0]).powi(2) + (k[1] - target[1]).powi(2);
            d(&a.1.keypoints[0]).total_cmp(&d(&b.1.keypoints[0]))
        })
        .map(|(i, _)| i)
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
                c.movement_deg() * presence
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
