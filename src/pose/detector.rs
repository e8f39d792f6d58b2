//! The BlazePose person detector: letterboxed 224x224 input in [-1, 1], SSD box and
//! keypoint decoding, sigmoid scores, weighted non-max suppression and letterbox
//! removal, as in MediaPipe's `pose_detection_cpu.pbtxt`.

use opencv::core::Mat;
use opencv::prelude::*;
use ort::session::Session;
use ort::value::TensorRef;

use super::anchors::{self, Anchor, AnchorOptions};
use super::geometry::{NormRect, alignment_rect, square_long_scaled};
use super::image_tensor::warp_for_detector;
use crate::error::{Error, Result};

pub const INPUT_SIZE: i32 = 224;
const NUM_BOXES: usize = 2254;
const NUM_COORDS: usize = 12;
const NUM_KEYPOINTS: usize = 4;
/// Box and keypoint regressors are in input pixels.
const SCALE: f32 = 224.0;
const SCORE_CLIP: f32 = 100.0;
/// IoU above which detections are merged (weighted NMS).
const NMS_IOU: f32 = 0.3;
/// The detection's box is expanded by this factor into the landmark ROI
/// (`pose_detection_to_roi.pbtxt`).
pub const ROI_SCALE: f32 = 1.25;

/// One detected person, in normalised frame coordinates. `K` keypoints: the person
/// detector's 4 (the default); the face detector (`face_detector`) has 6.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection<const K: usize = NUM_KEYPOINTS> {
    pub score: f32,
    /// xmin, ymin, width, height (of the face box the detector regresses).
    pub bbox: [f32; 4],
    /// Hip centre, full-body scale point, shoulder centre, upper-body scale point.
    pub keypoints: [[f32; 2]; K],
}

impl Detection {
    /// The landmark model's region of interest for this person
    /// (`PoseDetectionToRoi`: keypoints 0 -> 1, target angle 90°, scale 1.25, square).
    pub fn to_rect(&self, w: f32, h: f32) -> NormRect {
        let r = alignment_rect(self.keypoints[0], self.keypoints[1], 90.0, w, h);
        square_long_scaled(r, ROI_SCALE, w, h)
    }
}

/// Letterbox padding as fractions of the padded square: left, top, right, bottom.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Letterbox {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

/// The affine taking frame pixels into the letterboxed input, and the padding.
pub fn letterbox(w: f32, h: f32) -> ([[f64; 3]; 2], Letterbox) {
    let side = w.max(h);
    let s = INPUT_SIZE as f64 / side as f64;
    let pad_x = (side - w) / 2.0;
    let pad_y = (side - h) / 2.0;
    let m = [[s, 0.0, pad_x as f64 * s], [0.0, s, pad_y as f64 * s]];
    let lb = Letterbox {
        left: pad_x / side,
        right: pad_x / side,
        top: pad_y / side,
        bottom: pad_y / side,
    };
    (m, lb)
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Decodes raw regressors and score logits into detections above `min_score`
/// (coordinates normalised to the letterboxed input).
pub fn decode(boxes: &[f32], scores: &[f32], anchors: &[Anchor], min_score: f32) -> Vec<Detection> {
    debug_assert_eq!(NUM_COORDS, 4 + 2 * NUM_KEYPOINTS);
    decode_scaled(boxes, scores, anchors, min_score, SCALE)
}

/// [`decode`] for any SSD detector of MediaPipe's kind (`TensorsToDetectionsCalculator`
/// with `reverse_output_order`, fixed anchor sizes, sigmoid scores clipped at
/// ±[`SCORE_CLIP`]): per anchor, box centre x, y, width, height, then `K` keypoints (x, y),
/// all in input pixels (`scale`) relative to the anchor centre.
pub fn decode_scaled<const K: usize>(
    boxes: &[f32],
    scores: &[f32],
    anchors: &[Anchor],
    min_score: f32,
    scale: f32,
) -> Vec<Detection<K>> {
    let coords = 4 + 2 * K;
    let mut out = Vec::new();
    for (i, a) in anchors.iter().enumerate() {
        let score = sigmoid(scores[i].clamp(-SCORE_CLIP, SCORE_CLIP));
        if score < min_score {
            continue;
        }
        let r = &boxes[i * coords..(i + 1) * coords];
        let xc = r[0] / scale + a.x_center;
        let yc = r[1] / scale + a.y_center;
        let w = r[2] / scale;
        let h = r[3] / scale;
        let mut keypoints = [[0.0; 2]; K];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            let o = 4 + 2 * k;
            *kp = [r[o] / scale + a.x_center, r[o + 1] / scale + a.y_center];
        }
        out.push(Detection {
            score,
            bbox: [xc - w / 2.0, yc - h / 2.0, w, h],
            keypoints,
        });
    }
    out
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let (ax1, ay1) = (a[0] + a[2], a[1] + a[3]);
    let (bx1, by1) = (b[0] + b[2], b[1] + b[3]);
    let iw = (ax1.min(bx1) - a[0].max(b[0])).max(0.0);
    let ih = (ay1.min(by1) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let union = a[2] * a[3] + b[2] * b[3] - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

/// Weighted non-max suppression: each kept detection's box and keypoints become the
/// score-weighted mean of every detection overlapping it by more than `NMS_IOU`
/// (itself included); its score stays the highest. Output is sorted by score.
pub fn weighted_nms<const K: usize>(mut dets: Vec<Detection<K>>) -> Vec<Detection<K>> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while !dets.is_empty() {
        let top = dets[0].clone();
        let (cands, rest): (Vec<Detection<K>>, Vec<Detection<K>>) = dets
            .into_iter()
            .partition(|d| iou(&top.bbox, &d.bbox) > NMS_IOU);
        let total: f32 = cands.iter().map(|d| d.score).sum();
        let mut merged = top.clone();
        if total > 0.0 {
            let mut bbox = [0.0f32; 4];
            let mut kps = [[0.0f32; 2]; K];
            for d in &cands {
                let (x1, y1) = (d.bbox[0] + d.bbox[2], d.bbox[1] + d.bbox[3]);
                bbox[0] += d.bbox[0] * d.score;
                bbox[1] += d.bbox[1] * d.score;
                bbox[2] += x1 * d.score;
                bbox[3] += y1 * d.score;
                for (k, kp) in kps.iter_mut().enumerate() {
                    kp[0] += d.keypoints[k][0] * d.score;
                    kp[1] += d.keypoints[k][1] * d.score;
                }
            }
            let b: Vec<f32> = bbox.iter().map(|v| v / total).collect();
            merged.bbox = [b[0], b[1], b[2] - b[0], b[3] - b[1]];
            for (k, kp) in kps.iter().enumerate() {
                merged.keypoints[k] = [kp[0] / total, kp[1] / total];
            }
        }
        out.push(merged);
        dets = rest;
    }
    out
}

/// Maps a detection from letterboxed-input coordinates back to the frame.
pub fn remove_letterbox(d: &mut Detection, lb: &Letterbox) {
    let sx = 1.0 - lb.left - lb.right;
    let sy = 1.0 - lb.top - lb.bottom;
    d.bbox = [
        (d.bbox[0] - lb.left) / sx,
        (d.bbox[1] - lb.top) / sy,
        d.bbox[2] / sx,
        d.bbox[3] / sy,
    ];
    for kp in d.keypoints.iter_mut() {
        *kp = [(kp[0] - lb.left) / sx, (kp[1] - lb.top) / sy];
    }
}

/// Runs the detector on frames.
pub struct Detector {
    session: Session,
    anchors: Vec<Anchor>,
    warped: Mat,
    input: Vec<f32>,
}

impl Detector {
    pub fn new(session: Session) -> Self {
        Detector {
            session,
            anchors: anchors::generate(&AnchorOptions::default()),
            warped: Mat::default(),
            input: vec![0.0; (INPUT_SIZE * INPUT_SIZE * 3) as usize],
        }
    }

    /// Letterboxes `frame` (BGR) into the input tensor. Returns the padding.
    pub fn preprocess(&mut self, frame: &Mat) -> Result<Letterbox> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        let (m, lb) = letterbox(w, h);
        warp_for_detector(frame, &m, INPUT_SIZE, &mut self.warped, &mut self.input)?;
        Ok(lb)
    }

    /// Runs the model on the prepared input; returns detections in frame coordinates,
    /// best first.
    pub fn infer(&mut self, lb: &Letterbox, min_score: f32) -> Result<Vec<Detection>> {
        let io = SsdIo {
            stage: "detector",
            input: "input_1",
            boxes: "Identity",
            scores: "Identity_1",
            shape: (NUM_BOXES, NUM_COORDS),
        };
        let found = run_ssd(
            &mut self.session,
            &io,
            INPUT_SIZE as usize,
            &self.input,
            |b, s| decode(b, s, &self.anchors, min_score),
        )?;
        let mut dets = weighted_nms(found);
        for d in dets.iter_mut() {
            remove_letterbox(d, lb);
        }
        Ok(dets)
    }
}

/// The names of an SSD model's tensors and the shape of its box output (boxes, values per box).
pub(crate) struct SsdIo {
    pub stage: &'static str,
    pub input: &'static str,
    pub boxes: &'static str,
    pub scores: &'static str,
    pub shape: (usize, usize),
}

/// Runs an SSD detector on an `n` x `n` RGB input and hands its box and score outputs,
/// checked against `io.shape`, to `read`.
pub(crate) fn run_ssd<T>(
    session: &mut Session,
    io: &SsdIo,
    n: usize,
    input: &[f32],
    read: impl FnOnce(&[f32], &[f32]) -> T,
) -> Result<T> {
    let tensor = TensorRef::from_array_view(([1usize, n, n, 3], input))
        .map_err(|e| inference(io.stage, format!("input: {e}")))?;
    let outputs = session
        .run(ort::inputs![io.input => tensor])
        .map_err(|e| inference(io.stage, e))?;
    let (_, boxes) = outputs[io.boxes]
        .try_extract_tensor::<f32>()
        .map_err(|e| inference(io.stage, format!("boxes: {e}")))?;
    let (_, scores) = outputs[io.scores]
        .try_extract_tensor::<f32>()
        .map_err(|e| inference(io.stage, format!("scores: {e}")))?;
    let (count, coords) = io.shape;
    if boxes.len() != count * coords || scores.len() != count {
        return Err(Error::Inference {
            stage: io.stage,
            reason: format!(
                "unexpected output sizes {} and {}",
                boxes.len(),
                scores.len()
            ),
        });
    }
    Ok(read(boxes, scores))
}

pub(crate) fn inference(stage: &'static str, e: impl std::fmt::Display) -> Error {
    Error::Inference {
        stage,
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_relative_to_anchor() {
        let anchors = vec![Anchor {
            x_center: 0.5,
            y_center: 0.25,
        }];
        let mut boxes = vec![0.0f32; NUM_COORDS];
        boxes[0] = 22.4; // +0.1
        boxes[1] = -22.4; // -0.1
        boxes[2] = 44.8; // w 0.2
        boxes[3] = 22.4; // h 0.1
        boxes[4] = 11.2; // kp0 x +0.05
        boxes[5] = 0.0;
        let d = decode(&boxes, &[0.0], &anchors, 0.5);
        assert_eq!(d.len(), 1);
        assert!((d[0].score - 0.5).abs() < 1e-6);
        let b = d[0].bbox;
        assert!((b[0] - 0.5).abs() < 1e-6 && (b[1] - 0.1).abs() < 1e-6);
        assert!((b[2] - 0.2).abs() < 1e-6 && (b[3] - 0.1).abs() < 1e-6);
        assert!((d[0].keypoints[0][0] - 0.55).abs() < 1e-6);
        assert!(decode(&boxes, &[-3.0], &anchors, 0.5).is_empty());
        // Logits beyond the clipping threshold do not overflow.
        assert!((decode(&boxes, &[1e6], &anchors, 0.5)[0].score - 1.0).abs() < 1e-6);
    }

    fn det(score: f32, x: f32, kp: f32) -> Detection {
        Detection {
            score,
            bbox: [x, 0.0, 0.2, 0.2],
            keypoints: [[kp, kp]; 4],
        }
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_separate_people() {
        let out = weighted_nms(vec![
            det(0.6, 0.02, 0.4),
            det(0.9, 0.0, 0.1),
            det(0.8, 0.7, 0.9),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        // Box and keypoints are score-weighted between the two overlapping ones.
        let want_kp = (0.9 * 0.1 + 0.6 * 0.4) / 1.5;
        assert!((out[0].keypoints[0][0] - want_kp).abs() < 1e-6);
        let want_x = (0.9 * 0.0 + 0.6 * 0.02) / 1.5;
        assert!((out[0].bbox[0] - want_x).abs() < 1e-6);
        assert!((out[0].bbox[2] - 0.2).abs() < 1e-6);
        assert_eq!(out[1].score, 0.8);
    }

    #[test]
    fn letterbox_round_trip() {
        // A 400x200 frame: padded to 400x400, 100 px bars top and bottom.
        let (m, lb) = letterbox(400.0, 200.0);
        assert!((lb.top - 0.25).abs() < 1e-6 && lb.left == 0.0);
        // Frame point (200, 50) -> input pixels -> normalised input -> back.
        let (ix, iy) = (m[0][0] * 200.0 + m[0][2], m[1][1] * 50.0 + m[1][2]);
        let mut d = Detection {
            score: 1.0,
            bbox: [0.0; 4],
            keypoints: [[(ix / 224.0) as f32, (iy / 224.0) as f32]; 4],
        };
        remove_letterbox(&mut d, &lb);
        assert!((d.keypoints[0][0] - 0.5).abs() < 1e-6);
        assert!((d.keypoints[0][1] - 0.25).abs() < 1e-6);
    }
}
