//! Two-stage tracking as MediaPipe's `pose_landmark_cpu` graph runs it: the person
//! detector runs only when there is no region of interest from the previous frame;
//! otherwise the ROI comes from the previous frame's (smoothed) auxiliary landmarks.

use std::path::{Path, PathBuf};
use std::time::Instant;

use opencv::core::Mat;
use opencv::prelude::*;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use super::detector::{Detection, Detector, ROI_SCALE};
use super::geometry::{NormRect, alignment_rect, square_long_scaled};
use super::landmarker::{Landmarker, MirrorMode, RoiLandmarks};
use super::smoothing::{self, PointsSmoother};
use super::{Pose, Roi, RoiSource, StageTimes};
use crate::error::{Error, Result};
use crate::models::{ModelFiles, ModelSize};

/// Settings of the pose engine.
#[derive(Clone, Debug)]
pub struct PoseOptions {
    pub model: ModelSize,
    pub models_dir: Option<PathBuf>,
    /// MediaPipe's landmark smoothing on the output (the ROI landmarks are always
    /// smoothed, as in MediaPipe).
    pub smoothing: bool,
    /// Inference threads; 0 = one per available core.
    pub threads: usize,
    /// Detector score threshold (MediaPipe `min_detection_confidence`).
    pub min_detection_confidence: f32,
    /// Pose presence threshold below which tracking is lost (`min_tracking_confidence`).
    pub min_tracking_confidence: f32,
    /// Also run the other landmark model size ([`cross_check_size`]) on each frame's
    /// region (`--cross-check`); see [`PoseTracker::take_cross_checks`].
    pub cross_check: bool,
    /// How the landmark model reads each crop: by default as it is or as its mirror image,
    /// whichever shows the person facing one way ([`MirrorMode::FaceOneWay`]); `--as-seen`
    /// reads it as it is (MediaPipe's one pass), `--mirror-average` both ways.
    pub mirror: MirrorMode,
}

impl Default for PoseOptions {
    fn default() -> Self {
        PoseOptions {
            model: ModelSize::Full,
            models_dir: None,
            smoothing: false,
            threads: 0,
            min_detection_confidence: 0.5,
            min_tracking_confidence: 0.5,
            cross_check: false,
            mirror: MirrorMode::FaceOneWay,
        }
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Builds an ONNX Runtime session for a verified model file.
pub(crate) fn session(path: &Path, threads: usize) -> Result<Session> {
    let err = |e: &dyn std::fmt::Display| Error::ModelLoad {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    Session::builder(crate::runtime::environment()?)
        .map_err(|e| err(&e))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| err(&e))?
        .with_intra_threads(threads)
        .map_err(|e| err(&e))?
        .with_inter_threads(1)
        .map_err(|e| err(&e))?
        // No busy-waiting: on small machines the spinning threads would steal the
        // core the decoding thread needs (measured: 94 vs 84 fps on 2 cores).
        .with_intra_op_spinning(false)
        .map_err(|e| err(&e))?
        .commit_from_file(path)
        .map_err(|e| err(&e))
}

/// The inference threads `opts` asks for (0 = one per available core).
pub(crate) fn inference_threads(opts: &PoseOptions) -> usize {
    if opts.threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        opts.threads
    }
}

/// The model size that cross-checks `main`: lite for full and heavy, full for lite.
pub fn cross_check_size(main: ModelSize) -> ModelSize {
    match main {
        ModelSize::Lite => ModelSize::Full,
        ModelSize::Full | ModelSize::Heavy => ModelSize::Lite,
    }
}

/// The landmarks the cross-check keeps per frame: what a hip-flexion angle needs
/// (shoulders, hips, knees, both sides), in this order.
pub const CROSS_CHECK_LANDMARKS: [usize; 6] = [
    super::idx::LEFT_SHOULDER,
    super::idx::RIGHT_SHOULDER,
    super::idx::LEFT_HIP,
    super::idx::RIGHT_HIP,
    super::idx::LEFT_KNEE,
    super::idx::RIGHT_KNEE,
];

/// What the second model size found in the region the first one tracked, one frame.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CrossCheckPose {
    /// The frame's timestamp (as passed to the tracker), seconds.
    pub timestamp_s: f64,
    /// Pose presence score of the second model.
    pub score: f32,
    /// [`CROSS_CHECK_LANDMARKS`] in frame pixels ...
    pub image: [super::Landmark; 6],
    /// ... and in metres (world).
    pub world: [super::Landmark; 6],
}

/// The second model size's landmarks of one tracked clip, frame by frame (frames where
/// the first model found no pose have none).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CrossCheckTrack {
    pub model: ModelSize,
    pub poses: Vec<CrossCheckPose>,
}

/// The second landmark session and what it found since the last
/// [`PoseTracker::take_cross_checks`].
struct CrossCheck {
    size: ModelSize,
    landmarker: Landmarker,
    poses: Vec<CrossCheckPose>,
}

impl CrossCheck {
    /// Runs the second model on `rect`, the region the first model's committed pose
    /// came from. A frame seen again (a redetection on it) replaces its entry; an earlier
    /// timestamp starts a new tracking pass, so the log starts again.
    fn run(
        &mut self,
        frame: &Mat,
        rect: &NormRect,
        timestamp_s: f64,
        times: &mut StageTimes,
    ) -> Result<()> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        infer_timed(&mut self.landmarker, frame, rect, times)?;
        let r = self.landmarker.postprocess(rect, w, h);
        self.landmarker.observe_facing(r.facing);
        let pick = |l: &[super::Landmark]| CROSS_CHECK_LANDMARKS.map(|i| l[i]);
        let pose = CrossCheckPose {
            timestamp_s,
            score: r.score,
            image: pick(&r.image),
            world: pick(&r.world),
        };
        match self.poses.last() {
            Some(last) if timestamp_s < last.timestamp_s => self.poses.clear(),
            Some(last) if timestamp_s == last.timestamp_s => {
                self.poses.pop();
            }
            _ => {}
        }
        self.poses.push(pose);
        Ok(())
    }
}

/// Runs `landmarker` on `rect` of `frame`, adding its preprocessing and inference times
/// to `times`.
fn infer_timed(
    landmarker: &mut Landmarker,
    frame: &Mat,
    rect: &NormRect,
    times: &mut StageTimes,
) -> Result<()> {
    let t = Instant::now();
    landmarker.preprocess(frame, rect)?;
    times.preprocess_ms += ms(t);
    let t = Instant::now();
    landmarker.infer()?;
    times.inference_ms += ms(t);
    Ok(())
}

/// Tracks one person's pose through consecutive frames.
pub struct PoseTracker {
    opts: PoseOptions,
    detector: Detector,
    landmarker: Landmarker,
    cross: Option<CrossCheck>,
    prev_rect: Option<NormRect>,
    aux_smoother: PointsSmoother,
    lm_smoother: PointsSmoother,
    world_smoother: PointsSmoother,
}

impl PoseTracker {
    /// Loads and verifies the models. ONNX Runtime must be loaded already
    /// (`runtime::ensure_loaded`), else the default locations are tried.
    pub fn new(opts: &PoseOptions) -> Result<Self> {
        crate::runtime::ensure_loaded(None)?;
        let files = ModelFiles::resolve(opts.model, opts.models_dir.as_deref())?;
        let threads = inference_threads(opts);
        let cross_size = opts.cross_check.then(|| cross_check_size(opts.model));
        let cross_files = cross_size
            .map(|c| ModelFiles::resolve(c, opts.models_dir.as_deref()))
            .transpose()?;
        // The sessions are built side by side (graph loading and optimisation is
        // single-threaded, and start-up is most of a short clip's run).
        let (detector, landmark, cross) = std::thread::scope(|s| {
            let det = s.spawn(|| session(&files.detector, threads));
            let cross = cross_files
                .as_ref()
                .map(|c| s.spawn(|| session(&c.landmark, threads)));
            let lm = session(&files.landmark, threads);
            let panicked = |what: &str| Err(Error::Other(format!("loading the {what} panicked")));
            let det = det.join().unwrap_or_else(|_| panicked("detector"));
            let cross = cross.map(|c| c.join().unwrap_or_else(|_| panicked("second model")));
            (det, lm, cross)
        });
        let cross = match (cross_size, cross) {
            (Some(size), Some(session)) => Some(CrossCheck {
                size,
                landmarker: Landmarker::new(session?, opts.mirror),
                poses: Vec::new(),
            }),
            _ => None,
        };
        Ok(PoseTracker {
            opts: opts.clone(),
            detector: Detector::new(detector?),
            landmarker: Landmarker::new(landmark?, opts.mirror),
            cross,
            prev_rect: None,
            aux_smoother: PointsSmoother::new(smoothing::AUX_LANDMARKS),
            lm_smoother: PointsSmoother::new(smoothing::LANDMARKS),
            world_smoother: PointsSmoother::new(smoothing::WORLD_LANDMARKS),
        })
    }

    pub fn options(&self) -> &PoseOptions {
        &self.opts
    }

    /// The second model size's landmarks found since the last call, on the regions of
    /// the poses the tracker committed (`None` without `cross_check`). Call before
    /// tracking a clip to start afresh, and after it to take its track.
    pub fn take_cross_checks(&mut self) -> Option<CrossCheckTrack> {
        self.cross.as_mut().map(|c| CrossCheckTrack {
            model: c.size,
            poses: std::mem::take(&mut c.poses),
        })
    }

    /// Starts a new video (or a new pass over one): forgets the tracked person and which
    /// way they faced ([`MirrorMode::FaceOneWay`]), which [`reset`](Self::reset) alone keeps
    /// through a lost pose.
    pub fn start_video(&mut self) {
        self.reset();
        self.landmarker.reset();
        if let Some(c) = self.cross.as_mut() {
            c.landmarker.reset();
        }
    }

    /// Forgets the tracked person (when the pose is lost; between videos, [`start_video`](Self::start_video)).
    pub fn reset(&mut self) {
        self.prev_rect = None;
        self.aux_smoother.reset();
        self.lm_smoother.reset();
        self.world_smoother.reset();
    }

    /// Continues tracking from a chosen region (e.g. a person picked among several).
    pub fn track_from(&mut self, roi: &Roi, frame_w: f32, frame_h: f32) {
        self.reset();
        self.prev_rect = Some(NormRect::from_roi(roi, frame_w, frame_h));
    }

    /// All people the detector finds in `frame`, best first.
    pub fn detect(&mut self, frame: &Mat) -> Result<Vec<Detection>> {
        let lb = self.detector.preprocess(frame)?;
        self.detector.infer(&lb, self.opts.min_detection_confidence)
    }

    /// One landmark pass on a given region, without touching the tracking state.
    pub fn landmarks_in_roi(&mut self, frame: &Mat, roi: &Roi) -> Result<Option<Pose>> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        let rect = NormRect::from_roi(roi, w, h);
        let (r, _) = self.run_landmarks(frame, &rect)?;
        if r.score < self.opts.min_tracking_confidence {
            return Ok(None);
        }
        Ok(Some(Pose {
            score: r.score,
            image: r.image,
            world: r.world,
            roi: *roi,
            roi_source: RoiSource::Detection,
        }))
    }

    fn run_landmarks(
        &mut self,
        frame: &Mat,
        rect: &NormRect,
    ) -> Result<(RoiLandmarks, StageTimes)> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        let mut times = StageTimes::default();
        infer_timed(&mut self.landmarker, frame, rect, &mut times)?;
        let t = Instant::now();
        let r = self.landmarker.postprocess(rect, w, h);
        times.postprocess_ms += ms(t);
        Ok((r, times))
    }

    /// MediaPipe's behaviour: when a detection is needed, the top-ranked person.
    pub fn process(&mut self, frame: &Mat, timestamp_s: f64) -> Result<(Option<Pose>, StageTimes)> {
        self.process_with(frame, timestamp_s, |_| Some(0))
    }

    /// Like [`process`](Self::process), but `choose` picks which detection to follow
    /// when the detector has to run (index into the detections, best first).
    pub fn process_with(
        &mut self,
        frame: &Mat,
        timestamp_s: f64,
        choose: impl FnOnce(&[Detection]) -> Option<usize>,
    ) -> Result<(Option<Pose>, StageTimes)> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        let mut times = StageTimes::default();
        let (rect, source) = match self.prev_rect {
            Some(r) => (r, RoiSource::Tracking),
            None => {
                let dets = self.detect_timed(frame, &mut times)?;
                match choose(&dets).and_then(|i| dets.get(i)) {
                    Some(d) => (d.to_rect(w, h), RoiSource::Detection),
                    None => {
                        self.reset();
                        return Ok((None, times));
                    }
                }
            }
        };
        let (r, t2) = self.run_landmarks(frame, &rect)?;
        times.add(&t2);
        if r.score < self.opts.min_tracking_confidence {
            self.reset();
            return Ok((None, times));
        }
        let pose = self.commit(r, &rect, source, timestamp_s, w, h, &mut times);
        if let Some(c) = self.cross.as_mut() {
            c.run(frame, &rect, timestamp_s, &mut times)?;
        }
        Ok((Some(pose), times))
    }

    /// Drops the tracked region and runs the detector, then a landmark pass on each
    /// detection; tracks on from the pose with the lowest `cost` at or below 1 (the
    /// landmarks found in one person's detection can belong to another whose body
    /// overlaps theirs, so every detection is tried). `None` when no pose qualifies
    /// (the next frame detects again). Used when the tracked landmarks have left the
    /// person being followed.
    pub fn redetect(
        &mut self,
        frame: &Mat,
        timestamp_s: f64,
        cost: impl Fn(&Pose) -> f32,
    ) -> Result<(Option<Pose>, StageTimes)> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        self.reset();
        let mut times = StageTimes::default();
        let dets = self.detect_timed(frame, &mut times)?;
        let mut best: Option<(f32, RoiLandmarks, NormRect)> = None;
        for d in &dets {
            let rect = d.to_rect(w, h);
            let (r, t2) = self.run_landmarks(frame, &rect)?;
            times.add(&t2);
            if r.score < self.opts.min_tracking_confidence {
                continue;
            }
            let probe = Pose {
                score: r.score,
                image: r.image.clone(),
                world: Vec::new(),
                roi: rect.to_roi(w, h),
                roi_source: RoiSource::Detection,
            };
            let c = cost(&probe);
            if c <= 1.0 && best.as_ref().is_none_or(|b| c < b.0) {
                best = Some((c, r, rect));
            }
        }
        Ok(match best {
            Some((_, r, rect)) => {
                let pose = self.commit(
                    r,
                    &rect,
                    RoiSource::Detection,
                    timestamp_s,
                    w,
                    h,
                    &mut times,
                );
                if let Some(c) = self.cross.as_mut() {
                    c.run(frame, &rect, timestamp_s, &mut times)?;
                }
                (Some(pose), times)
            }
            None => (None, times),
        })
    }

    fn detect_timed(&mut self, frame: &Mat, times: &mut StageTimes) -> Result<Vec<Detection>> {
        let t = Instant::now();
        let lb = self.detector.preprocess(frame)?;
        times.preprocess_ms += ms(t);
        let t = Instant::now();
        let dets = self
            .detector
            .infer(&lb, self.opts.min_detection_confidence)?;
        times.inference_ms += ms(t);
        Ok(dets)
    }

    /// Takes landmarks `r` found in `rect` as this frame's pose: the next frame's
    /// region comes from them, and the output smoothing runs.
    #[allow(clippy::too_many_arguments)]
    fn commit(
        &mut self,
        r: RoiLandmarks,
        rect: &NormRect,
        source: RoiSource,
        timestamp_s: f64,
        w: f32,
        h: f32,
        times: &mut StageTimes,
    ) -> Pose {
        let t = Instant::now();
        self.landmarker.observe_facing(r.facing);
        // MediaPipe scales the smoothing by the alignment box of the raw auxiliary
        // points (OBJECT_SCALE_ROI): its side is twice their distance.
        let raw_box = alignment_rect(r.aux[0], r.aux[1], 90.0, w, h);
        let object_scale = ((raw_box.width * w + raw_box.height * h) / 2.0) as f64;
        // Next frame's ROI from the smoothed auxiliary landmarks.
        let mut aux = [
            [r.aux[0][0] * w, r.aux[0][1] * h, 0.0, 1.0],
            [r.aux[1][0] * w, r.aux[1][1] * h, 0.0, 1.0],
        ];
        self.aux_smoother
            .apply(timestamp_s, &mut aux, Some(object_scale));
        let next = alignment_rect(
            [aux[0][0] / w, aux[0][1] / h],
            [aux[1][0] / w, aux[1][1] / h],
            90.0,
            w,
            h,
        );
        self.prev_rect = Some(square_long_scaled(next, ROI_SCALE, w, h));
        let mut pose = Pose {
            score: r.score,
            image: r.image,
            world: r.world,
            roi: rect.to_roi(w, h),
            roi_source: source,
        };
        if self.opts.smoothing {
            smooth(
                &mut self.lm_smoother,
                timestamp_s,
                &mut pose.image,
                Some(object_scale),
            );
            smooth(&mut self.world_smoother, timestamp_s, &mut pose.world, None);
        }
        times.postprocess_ms += ms(t);
        pose
    }
}

fn smooth(s: &mut PointsSmoother, t: f64, lms: &mut [super::Landmark], scale: Option<f64>) {
    let mut pts: Vec<[f32; 4]> = lms.iter().map(|l| [l.x, l.y, l.z, l.visibility]).collect();
    s.apply(t, &mut pts, scale);
    for (l, p) in lms.iter_mut().zip(&pts) {
        l.x = p[0];
        l.y = p[1];
        l.z = p[2];
        l.visibility = p[3];
    }
}
