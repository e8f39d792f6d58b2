//! The landmark model on one region of interest: affine crop to 256x256, inference,
//! decoding of 39 landmarks, heatmap refinement, projection back to the frame, and
//! world landmarks rotated with the ROI (`pose_landmark_by_roi_cpu.pbtxt`).

use opencv::core::{BORDER_REPLICATE, Mat, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use ort::session::Session;
use ort::value::TensorRef;

use super::detector::inference;
use super::geometry::{NormRect, crop_to_frame_matrix};
use super::image_tensor::{Range, mat_to_tensor};
use crate::error::{Error, Result};
use crate::pose::{Landmark, NUM_LANDMARKS};

pub const INPUT_SIZE: i32 = 256;
/// Landmarks the model outputs: 33 body points and 6 auxiliary ones.
pub const MODEL_LANDMARKS: usize = 39;
const HEATMAP_SIZE: usize = 64;
/// Heatmap refinement window (`RefineLandmarksFromHeatmapCalculator`). The graph file
/// says 7, but MediaPipe's Python `solutions.pose` (the reference hipflex is checked
/// against) re-parses the expanded graph without that calculator's options, so the
/// calculator's default of 9 is what actually runs; intermediate streams confirm it.
const REFINE_KERNEL: usize = 9;
const REFINE_MIN_CONFIDENCE: f32 = 0.5;

/// Raw result for one ROI, in frame pixels (image) and metres (world).
#[derive(Clone, Debug)]
pub struct RoiLandmarks {
    /// Pose presence probability.
    pub score: f32,
    /// 33 body landmarks in frame pixels.
    pub image: Vec<Landmark>,
    /// The two auxiliary points (hip centre, scale point) that give the next ROI,
    /// normalised to the frame.
    pub aux: [[f32; 2]; 2],
    /// 33 world landmarks.
    pub world: Vec<Landmark>,
    /// Which way the person faces in the crop ([`facing_in_crop`]); the tracker passes it
    /// back through [`Landmarker::observe_facing`] for the pose it keeps.
    pub facing: Option<f32>,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Landmarks in normalised crop coordinates: x, y in [0, 1], z scaled like x.
#[derive(Clone, Copy, Debug, Default)]
pub struct CropPoint {
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub visibility: f32,
    pub presence: f32,
}

/// Decodes the 1x195 landmark tensor.
pub fn decode_landmarks(raw: &[f32]) -> Vec<CropPoint> {
    let s = INPUT_SIZE as f32;
    raw.chunks_exact(5)
        .take(MODEL_LANDMARKS)
        .map(|c| CropPoint {
            x: c[0] / s,
            y: c[1] / s,
            z: c[2] / s,
            visibility: sigmoid(c[3]),
            presence: sigmoid(c[4]),
        })
        .collect()
}

/// Moves each landmark to the confidence-weighted centre of its heatmap around it,
/// when the heatmap is confident enough there. Heatmap layout: 64x64x39 (HWC), logits.
pub fn refine_with_heatmap(pts: &mut [CropPoint], heatmap: &[f32]) {
    let n = HEATMAP_SIZE;
    let ch = pts.len();
    if heatmap.len() != n * n * ch {
        return;
    }
    let off = (REFINE_KERNEL - 1) / 2;
    for (i, p) in pts.iter_mut().enumerate() {
        let col = (p.x * n as f32) as i64;
        let row = (p.y * n as f32) as i64;
        if col < 0 || row < 0 || col >= n as i64 || row >= n as i64 {
            continue;
        }
        let (col, row) = (col as usize, row as usize);
        let (c0, c1) = (col.saturating_sub(off), (col + off + 1).min(n));
        let (r0, r1) = (row.saturating_sub(off), (row + off + 1).min(n));
        let (mut sum, mut wc, mut wr, mut max) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for r in r0..r1 {
            for c in c0..c1 {
                let conf = sigmoid(heatmap[(r * n + c) * ch + i]);
                sum += conf;
                max = max.max(conf);
                wc += c as f32 * conf;
                wr += r as f32 * conf;
            }
        }
        if max >= REFINE_MIN_CONFIDENCE && sum > 0.0 {
            p.x = wc / n as f32 / sum;
            p.y = wr / n as f32 / sum;
        }
    }
}

/// Projects a crop point onto the frame (`LandmarkProjectionCalculator`), in pixels.
pub fn project(p: &CropPoint, rect: &NormRect, w: f32, h: f32) -> (f32, f32, f32) {
    let (x, y) = (p.x - 0.5, p.y - 0.5);
    let (s, c) = rect.rotation.sin_cos();
    let nx = (c * x - s * y) * rect.width + rect.x_center;
    let ny = (s * x + c * y) * rect.height + rect.y_center;
    (nx * w, ny * h, p.z * rect.width * w)
}

/// The landmark model's raw outputs for one crop.
#[derive(Clone, Debug, Default)]
pub struct RawOutputs {
    /// 39 x (x, y, z, visibility logit, presence logit), crop pixels.
    pub landmarks: Vec<f32>,
    /// Pose presence probability.
    pub score: f32,
    /// 64x64x39 heatmap logits.
    pub heatmap: Vec<f32>,
    /// 39 x (x, y, z) metres.
    pub world: Vec<f32>,
}

/// How the landmark model reads a crop. BlazePose is not mirror-symmetric: the same
/// person facing left and facing right gives hip angles a few degrees apart (measured in
/// `tests/mirror_average.rs`), so a mirrored video can give other peaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MirrorMode {
    /// One pass on the crop, as MediaPipe runs it (`--as-seen`). The serde default, so a
    /// landmarks file without the field (every file before 2026-12-03) reads as this.
    #[default]
    Off,
    /// Test-time flip averaging: the model also runs on the crop's mirror image, whose
    /// landmarks are flipped back with left and right swapped; positions, world
    /// landmarks, visibility, presence and the pose score are the mean of the two passes
    /// (`--mirror-average`; twice the landmark inference).
    Average,
    /// Only the mirror image's pass, flipped back: what the model reads in the mirrored
    /// person (for measuring the model's asymmetry).
    MirrorOnly,
    /// One pass, on the crop or on its mirror image, whichever shows the person facing the
    /// same way in the crop (`+x`, from the head in the frames kept so far), so a
    /// mirrored video is read as its original was, at no extra inference. hipflex's
    /// default ([`PoseOptions`](super::PoseOptions)).
    FaceOneWay,
}

/// The index each landmark takes in a mirror image: left and right swap, the nose and
/// the 6 auxiliary points keep theirs.
pub fn mirrored_index(i: usize) -> usize {
    match i {
        0 | NUM_LANDMARKS.. => i,
        // Eyes: 1-3 left, 4-6 right.
        1..=3 => i + 3,
        4..=6 => i - 3,
        // From the ears (7, 8) on, left and right alternate.
        _ if i % 2 == 1 => i + 1,
        _ => i - 1,
    }
}

/// One pass's landmarks in crop coordinates, heatmap-refined, and its world landmarks.
struct Reading {
    score: f32,
    pts: Vec<CropPoint>,
    world: Vec<[f32; 3]>,
}

impl Reading {
    fn of(raw: &RawOutputs) -> Reading {
        let mut pts = decode_landmarks(&raw.landmarks);
        refine_with_heatmap(&mut pts, &raw.heatmap);
        let world = raw
            .world
            .chunks_exact(3)
            .take(MODEL_LANDMARKS)
            .map(|v| [v[0], v[1], v[2]])
            .collect();
        Reading {
            score: raw.score,
            pts,
            world,
        }
    }

    /// The reading of a mirrored crop in the unmirrored crop's terms: x flipped (about the
    /// crop centre, world x about the hips), left and right swapped. Depth is unchanged by
    /// a horizontal mirror.
    fn unmirrored(self) -> Reading {
        let pts = (0..self.pts.len())
            .map(|i| {
                let p = self.pts[mirrored_index(i)];
                CropPoint { x: 1.0 - p.x, ..p }
            })
            .collect();
        let world = (0..self.world.len())
            .map(|i| {
                let [x, y, z] = self.world[mirrored_index(i)];
                [-x, y, z]
            })
            .collect();
        Reading {
            score: self.score,
            pts,
            world,
        }
    }

    fn mean(a: Reading, b: Reading) -> Reading {
        let m = |x: f32, y: f32| 0.5 * (x + y);
        Reading {
            score: m(a.score, b.score),
            pts: a
                .pts
                .iter()
                .zip(&b.pts)
                .map(|(p, q)| CropPoint {
                    x: m(p.x, q.x),
                    y: m(p.y, q.y),
                    z: m(p.z, q.z),
                    visibility: m(p.visibility, q.visibility),
                    presence: m(p.presence, q.presence),
                })
                .collect(),
            world: a
                .world
                .iter()
                .zip(&b.world)
                .map(|(p, q)| [m(p[0], q[0]), m(p[1], q[1]), m(p[2], q[2])])
                .collect(),
        }
    }
}

/// Writes the horizontal mirror image of an `n` x `n` x 3 (HWC) tensor into `dst`.
fn mirror_tensor(src: &[f32], dst: &mut Vec<f32>, n: usize) {
    dst.clear();
    for row in src.chunks_exact(n * 3) {
        for px in row.chunks_exact(3).rev() {
            dst.extend_from_slice(px);
        }
    }
}

/// Runs the model on `input`, keeping its outputs in `raw`.
fn run_model(session: &mut Session, input: &[f32], raw: &mut RawOutputs) -> Result<()> {
    let n = INPUT_SIZE as usize;
    let input = TensorRef::from_array_view(([1usize, n, n, 3], input))
        .map_err(|e| inference("landmark input", e))?;
    let out = session
        .run(ort::inputs!["input_1" => input])
        .map_err(|e| inference("landmark model", e))?;
    let get = |name: &str, dst: &mut Vec<f32>| -> Result<()> {
        let (_, v) = out[name]
            .try_extract_tensor::<f32>()
            .map_err(|e| inference("landmark outputs", e))?;
        dst.clear();
        dst.extend_from_slice(v);
        Ok(())
    };
    let mut flag = Vec::with_capacity(1);
    get("Identity", &mut raw.landmarks)?;
    get("Identity_1", &mut flag)?;
    get("Identity_3", &mut raw.heatmap)?;
    get("Identity_4", &mut raw.world)?;
    if raw.landmarks.len() != MODEL_LANDMARKS * 5
        || raw.world.len() != MODEL_LANDMARKS * 3
        || flag.is_empty()
    {
        return Err(Error::Inference {
            stage: "landmark model",
            reason: format!(
                "unexpected output sizes {} / {}",
                raw.landmarks.len(),
                raw.world.len()
            ),
        });
    }
    raw.score = flag[0];
    Ok(())
}

/// Which way the person faces in the crop: how far the nose is ahead of the ears, in crop
/// widths (`+` facing `+x`). `None` when a point is missing. The crop is turned upright
/// along the trunk, so the head tells the same way standing, lying on the back (the nose
/// points at the ceiling) and kneeling forward; the feet do not (a kneeling Nordic's toes
/// point back, a bridge's along the body). On the 33 real clips the head reads 0.02-0.04
/// side-on and 0-0.02 from in front or behind.
fn facing_in_crop(pts: &[CropPoint]) -> Option<f32> {
    let x = |i: usize| pts.get(i).map(|p| p.x).filter(|x| x.is_finite());
    // Nose 0, ears 7-8.
    Some(x(0)? - 0.5 * (x(7)? + x(8)?))
}

/// [`MirrorMode::FaceOneWay`]'s state: whether the crop is read mirrored, and how many
/// frames in a row the person has faced the other way in the model's view.
#[derive(Clone, Copy, Debug, Default)]
struct FacingState {
    mirrored: bool,
    against: u32,
    /// Whether the video's first clear facing has set the orientation: until then one frame
    /// decides (a set that starts at its deepest point is read the same way from its first
    /// frames), after it only a turn held for [`FACING_TURN_FRAMES`].
    decided: bool,
}

/// How far (crop widths) the person must face the other way, and for how many frames in a
/// row, before [`MirrorMode::FaceOneWay`] turns the crop over: a person seen from in front
/// or behind (about 0) keeps the orientation they had, and a head that reads past the
/// margin now and then does not turn it; a person filmed from the side reads past it on
/// nearly every frame. (A front-view hip thrust, 0.01-0.023, still turns: README.)
const FACING_TURN_MIN: f32 = 0.01;
const FACING_TURN_FRAMES: u32 = 10;

impl FacingState {
    /// Takes one frame's facing (unmirrored crop terms) into account.
    fn update(&mut self, facing: Option<f32>) {
        if !self.decided {
            if let Some(f) = facing.filter(|f| f.abs() > FACING_TURN_MIN) {
                self.mirrored = f < 0.0;
                self.decided = true;
            }
            return;
        }
        let in_view = facing.map(|f| if self.mirrored { -f } else { f });
        if in_view.is_some_and(|f| f < -FACING_TURN_MIN) {
            self.against += 1;
        } else {
            self.against = 0;
        }
        if self.against >= FACING_TURN_FRAMES {
            self.mirrored = !self.mirrored;
            self.against = 0;
        }
    }
}

/// Runs the landmark model.
pub struct Landmarker {
    session: Session,
    mirror: MirrorMode,
    facing: FacingState,
    crop: Mat,
    input: Vec<f32>,
    mirrored_input: Vec<f32>,
    raw: RawOutputs,
    mirrored_raw: RawOutputs,
}

impl Landmarker {
    pub fn new(session: Session, mirror: MirrorMode) -> Self {
        let len = (INPUT_SIZE * INPUT_SIZE * 3) as usize;
        Landmarker {
            session,
            mirror,
            facing: FacingState::default(),
            crop: Mat::default(),
            input: vec![0.0; len],
            mirrored_input: Vec::with_capacity(len),
            raw: RawOutputs::default(),
            mirrored_raw: RawOutputs::default(),
        }
    }

    /// Crops `rect` out of `frame` (BGR) into the input tensor (and its mirror image when
    /// the mirror is read).
    pub fn preprocess(&mut self, frame: &Mat, rect: &NormRect) -> Result<()> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        let roi = rect.to_roi(w, h);
        let s = INPUT_SIZE as f32;
        let m = crop_to_frame_matrix(&roi, s, s);
        let mm = Mat::from_slice_2d(&m)?;
        imgproc::warp_affine(
            frame,
            &mut self.crop,
            &mm,
            Size::new(INPUT_SIZE, INPUT_SIZE),
            imgproc::INTER_LINEAR | imgproc::WARP_INVERSE_MAP,
            BORDER_REPLICATE,
            Scalar::all(0.0),
        )?;
        mat_to_tensor(&self.crop, &mut self.input, Range::ZeroToOne)?;
        if self.pass() != MirrorMode::Off {
            mirror_tensor(&self.input, &mut self.mirrored_input, INPUT_SIZE as usize);
        }
        Ok(())
    }

    /// Runs the model on the prepared crop (and on its mirror image); the outputs are
    /// reused between frames.
    pub fn infer(&mut self) -> Result<()> {
        let pass = self.pass();
        if pass != MirrorMode::MirrorOnly {
            run_model(&mut self.session, &self.input, &mut self.raw)?;
        }
        if pass != MirrorMode::Off {
            run_model(
                &mut self.session,
                &self.mirrored_input,
                &mut self.mirrored_raw,
            )?;
        }
        Ok(())
    }

    /// Forgets which way the last person faced (call between videos).
    pub fn reset(&mut self) {
        self.facing = FacingState::default();
    }

    /// The passes this frame runs: the mode's own, or for [`MirrorMode::FaceOneWay`] the
    /// one pass that shows the person facing `+x`.
    fn pass(&self) -> MirrorMode {
        match self.mirror {
            MirrorMode::FaceOneWay if self.facing.mirrored => MirrorMode::MirrorOnly,
            MirrorMode::FaceOneWay => MirrorMode::Off,
            m => m,
        }
    }

    /// The last [`infer`](Self::infer)'s landmarks for `rect` on a `w` x `h` frame.
    pub fn postprocess(&self, rect: &NormRect, w: f32, h: f32) -> RoiLandmarks {
        let reading = match self.pass() {
            MirrorMode::MirrorOnly => Reading::of(&self.mirrored_raw).unmirrored(),
            MirrorMode::Average => Reading::mean(
                Reading::of(&self.raw),
                Reading::of(&self.mirrored_raw).unmirrored(),
            ),
            _ => Reading::of(&self.raw),
        };
        RoiLandmarks {
            facing: facing_in_crop(&reading.pts),
            ..project_reading(&reading, rect, w, h)
        }
    }

    /// Takes the facing of the pose the tracker kept for this frame into account (with
    /// [`MirrorMode::FaceOneWay`], the next frames' orientation follows from it). Only kept
    /// poses count: a frame where several detections are each read says nothing about the
    /// tracked person from the others.
    pub fn observe_facing(&mut self, facing: Option<f32>) {
        if self.mirror == MirrorMode::FaceOneWay {
            self.facing.update(facing);
        }
    }
}

/// Frame landmarks of a reading of `rect`, world landmarks rotated with the ROI.
fn project_reading(r: &Reading, rect: &NormRect, w: f32, h: f32) -> RoiLandmarks {
    let pts = &r.pts;
    let image: Vec<Landmark> = pts[..NUM_LANDMARKS]
        .iter()
        .map(|p| {
            let (x, y, z) = project(p, rect, w, h);
            Landmark {
                x,
                y,
                z,
                visibility: p.visibility,
                presence: p.presence,
            }
        })
        .collect();
    let aux_of = |i: usize| {
        let (x, y, _) = project(&pts[i], rect, w, h);
        [x / w, y / h]
    };
    let aux = [aux_of(NUM_LANDMARKS), aux_of(NUM_LANDMARKS + 1)];
    let (s, c) = rect.rotation.sin_cos();
    let world = r
        .world
        .iter()
        .take(NUM_LANDMARKS)
        .zip(pts)
        .map(|(v, p)| Landmark {
            x: c * v[0] - s * v[1],
            y: s * v[0] + c * v[1],
            z: v[2],
            visibility: p.visibility,
            presence: p.presence,
        })
        .collect();
    RoiLandmarks {
        facing: None,
        score: r.score,
        image,
        aux,
        world,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_of_crop_centre_and_rotation() {
        let rect = NormRect {
            x_center: 0.5,
            y_center: 0.5,
            width: 0.5,
            height: 0.5,
            rotation: std::f32::consts::FRAC_PI_2,
        };
        let centre = CropPoint {
            x: 0.5,
            y: 0.5,
            ..Default::default()
        };
        let (x, y, _) = project(&centre, &rect, 200.0, 200.0);
        assert!((x - 100.0).abs() < 1e-4 && (y - 100.0).abs() < 1e-4);
        // Top of the crop, rotated a quarter turn clockwise, lands right of centre.
        let top = CropPoint {
            x: 0.5,
            y: 0.0,
            ..Default::default()
        };
        let (x, y, _) = project(&top, &rect, 200.0, 200.0);
        assert!(
            (x - 150.0).abs() < 1e-3 && (y - 100.0).abs() < 1e-3,
            "{x},{y}"
        );
    }

    #[test]
    fn projection_agrees_with_the_crop_warp() {
        // A crop pixel (u, v) sampled by the warp comes from the same frame point the
        // projection gives for the normalised (u/256, v/256).
        for rot in [0.0f32, 0.7, -2.0] {
            let rect = NormRect {
                x_center: 0.4,
                y_center: 0.6,
                width: 0.3,
                height: 0.45,
                rotation: rot,
            };
            let (w, h) = (600.0, 400.0);
            let m = crop_to_frame_matrix(&rect.to_roi(w, h), 256.0, 256.0);
            for (u, v) in [(0.0f32, 0.0f32), (200.0, 31.0), (128.0, 255.0)] {
                let (fx, fy) = crate::pose::geometry::apply(&m, u as f64, v as f64);
                let p = CropPoint {
                    x: u / 256.0,
                    y: v / 256.0,
                    ..Default::default()
                };
                let (px, py, _) = project(&p, &rect, w, h);
                assert!(
                    (fx as f32 - px).abs() < 1e-2 && (fy as f32 - py).abs() < 1e-2,
                    "rot {rot} ({u},{v}): {fx},{fy} vs {px},{py}"
                );
            }
        }
    }

    #[test]
    fn mirror_swaps_left_and_right_names() {
        use crate::pose::LANDMARK_NAMES;
        for i in 0..MODEL_LANDMARKS {
            let j = mirrored_index(i);
            assert_eq!(mirrored_index(j), i, "{i}");
            if let Some(name) = LANDMARK_NAMES.get(i) {
                let want = name
                    .replace("left", "LEFT")
                    .replace("right", "left")
                    .replace("LEFT", "right");
                assert_eq!(LANDMARK_NAMES[j], want, "{i}");
            } else {
                assert_eq!(j, i);
            }
        }
    }

    #[test]
    fn a_mirrored_reading_read_back_is_the_reading() {
        let n = 4;
        let src: Vec<f32> = (0..n * n * 3).map(|v| v as f32).collect();
        let (mut once, mut twice) = (Vec::new(), Vec::new());
        mirror_tensor(&src, &mut once, n);
        mirror_tensor(&once, &mut twice, n);
        assert_eq!(twice, src);
        // First row's first pixel becomes its last.
        assert_eq!(&once[(n - 1) * 3..n * 3], &src[..3]);
        let r = Reading {
            score: 0.9,
            pts: (0..MODEL_LANDMARKS)
                .map(|i| CropPoint {
                    x: i as f32 / 50.0,
                    y: 0.3,
                    z: 0.1,
                    visibility: i as f32 / 40.0,
                    presence: 0.5,
                })
                .collect(),
            world: (0..MODEL_LANDMARKS).map(|i| [i as f32, 1.0, 2.0]).collect(),
        };
        let left_hip = crate::pose::idx::LEFT_HIP;
        let m = Reading {
            pts: r.pts.clone(),
            world: r.world.clone(),
            ..r
        }
        .unmirrored();
        // The mirror's left hip is the reading's right hip, at the mirrored x.
        let right = r.pts[left_hip + 1];
        assert!((m.pts[left_hip].x - (1.0 - right.x)).abs() < 1e-6);
        assert_eq!(m.pts[left_hip].visibility, right.visibility);
        assert_eq!(m.world[left_hip], [-r.world[left_hip + 1][0], 1.0, 2.0]);
        let back = m.unmirrored();
        for (a, b) in back.pts.iter().zip(&r.pts) {
            assert!((a.x - b.x).abs() < 1e-6 && a.visibility == b.visibility);
        }
        assert_eq!(back.world, r.world);
    }

    #[test]
    fn heatmap_refinement_moves_to_the_peak() {
        let ch = 1;
        let mut heat = vec![-10.0f32; HEATMAP_SIZE * HEATMAP_SIZE * ch];
        // A confident blob centred on cell (col 20, row 30).
        heat[(30 * HEATMAP_SIZE + 20) * ch] = 10.0;
        let mut pts = vec![CropPoint {
            x: 21.5 / 64.0,
            y: 31.2 / 64.0,
            ..Default::default()
        }];
        refine_with_heatmap(&mut pts, &heat);
        assert!((pts[0].x * 64.0 - 20.0).abs() < 0.05, "{}", pts[0].x * 64.0);
        assert!((pts[0].y * 64.0 - 30.0).abs() < 0.05);
        // Unconfident heatmap: unchanged.
        let heat = vec![-10.0f32; HEATMAP_SIZE * HEATMAP_SIZE];
        let mut pts = vec![CropPoint {
            x: 0.3,
            y: 0.3,
            ..Default::default()
        }];
        refine_with_heatmap(&mut pts, &heat);
        assert_eq!(pts[0].x, 0.3);
    }

    /// Crop points of a person facing `dir` (+1: `+x`, -1: `-x`, 0: the camera).
    fn facing_points(dir: f32) -> Vec<CropPoint> {
        let p = |x: f32| CropPoint {
            x,
            y: 0.5,
            z: 0.0,
            visibility: 1.0,
            presence: 1.0,
        };
        let mut pts = vec![p(0.5); MODEL_LANDMARKS];
        pts[0] = p(0.5 + 0.03 * dir);
        // Toes pointing back (a kneeling Nordic) do not change it.
        for i in [31, 32] {
            pts[i] = p(0.5 - 0.05 * dir);
        }
        pts
    }

    #[test]
    fn facing_is_read_from_the_nose_and_the_toes() {
        assert!(facing_in_crop(&facing_points(1.0)).unwrap() > FACING_TURN_MIN);
        assert!(facing_in_crop(&facing_points(-1.0)).unwrap() < -FACING_TURN_MIN);
        assert_eq!(facing_in_crop(&facing_points(0.0)), Some(0.0));
        let mut missing = facing_points(1.0);
        missing[7].x = f32::NAN;
        assert_eq!(facing_in_crop(&missing), None);
    }

    #[test]
    fn the_crop_turns_over_only_after_frames_facing_the_other_way() {
        let mut f = FacingState::default();
        let left = facing_in_crop(&facing_points(-1.0));
        let front = facing_in_crop(&facing_points(0.0));
        // Seen from in front, nothing is decided; the first clear frame decides.
        f.update(front);
        assert!(!f.mirrored && !f.decided);
        f.update(left);
        assert!(f.mirrored, "facing -x: read mirrored, so the model sees +x");
        let right = facing_in_crop(&facing_points(1.0));
        // Then a turn must last: a few frames facing +x, then one from the front, do not.
        for _ in 0..FACING_TURN_FRAMES - 1 {
            f.update(right);
        }
        f.update(front);
        assert!(f.mirrored);
        // Read mirrored, the same person still faces -x in unmirrored terms: it stays.
        for _ in 0..10 {
            f.update(left);
            f.update(front);
            f.update(None);
        }
        assert!(f.mirrored);
        for _ in 0..FACING_TURN_FRAMES {
            f.update(right);
        }
        assert!(!f.mirrored);
    }
}
