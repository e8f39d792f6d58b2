//! MediaPipe's BlazeFace full-range face detector (`face_detection_full_range.onnx`), for
//! the privacy scan: faces too small for the person detector (a bystander far behind the
//! lifter is a dozen pixels in its 224-px input) are looked for in the whole frame and in
//! overlapping windows of it, each letterboxed to the model's 192x192 input.
//!
//! Decoding as MediaPipe's `face_detection_full_range_common.pbtxt` and
//! `face_detection.pbtxt` configure it: `ImageToTensorCalculator` 192x192,
//! `keep_aspect_ratio`, range [-1, 1], `BORDER_ZERO`; `SsdAnchorsCalculator` one layer,
//! stride 4, aspect ratio 1.0 only (`interpolated_scale_aspect_ratio: 0`), fixed anchor
//! size, offset 0.5 (48 x 48 = 2304 anchors); `TensorsToDetectionsCalculator` 16 coordinates
//! (box, then 6 keypoints), `reverse_output_order` (x before y), scale 192, sigmoid scores
//! clipped at ±100; weighted non-max suppression at IoU 0.3. MediaPipe keeps scores of
//! 0.6 or more ([`MEDIAPIPE_MIN_SCORE`]); the scan keeps lower ones ([`SCAN_MIN_SCORE`]) and
//! confirms them otherwise (see `crate::privacy::find_faces`).

use std::path::Path;

use opencv::core::Mat;
use opencv::prelude::*;
use ort::session::Session;

use super::PoseOptions;
use super::anchors::{self, Anchor, AnchorOptions};
use super::detector::{Detection, SsdIo, decode_scaled, run_ssd, weighted_nms};
use super::image_tensor::warp_for_detector;
use crate::error::Result;

pub const INPUT_SIZE: i32 = 192;
pub const NUM_BOXES: usize = 2304;
pub const NUM_KEYPOINTS: usize = 6;
const NUM_COORDS: usize = 4 + 2 * NUM_KEYPOINTS;
/// MediaPipe's `min_score_thresh` for the full-range model.
pub const MEDIAPIPE_MIN_SCORE: f32 = 0.6;
/// The scan's score threshold. On `rdl_sebitzu_1` (a man half hidden behind the bars of
/// a rack, his face about 30 px in a 1920 x 926 frame) the model scores his face 0.40 to
/// 0.62 in windows half the frame's height and never over 0.6 in the whole frame; what
/// this lets through that is not a face is dropped by the landmark check in
/// `crate::privacy::find_faces`.
pub const SCAN_MIN_SCORE: f32 = 0.4;
/// Windows are squares of this fraction of the frame's short side (measured on the man
/// above, 16 scans, scores of 0.4 or more: found on 8 with half the height, 7 with 1/2.2,
/// 5 with 1/2.5, 4 with 1/1.8; at 0.5, none with 1/3: the model finds faces best at 12-15 px
/// of its input).
pub const WINDOW_FRACTION: f32 = 0.5;
/// Neighbouring windows overlap by this fraction of their side (a face on the seam is
/// whole in one of them).
pub const WINDOW_OVERLAP: f32 = 0.15;

/// MediaPipe's anchors for the full-range face model.
pub fn anchor_options() -> AnchorOptions {
    AnchorOptions {
        input_size: INPUT_SIZE as u32,
        strides: vec![4],
        anchors_per_layer: 1,
        offset: 0.5,
    }
}

/// A square part of the frame, in frame pixels (it may reach past the frame's edges,
/// which are padded black, as the letterbox is).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub x0: f32,
    pub y0: f32,
    pub side: f32,
}

impl Window {
    /// The whole `w` x `h` frame, letterboxed.
    pub fn whole(w: f32, h: f32) -> Window {
        let side = w.max(h);
        Window {
            x0: (w - side) / 2.0,
            y0: (h - side) / 2.0,
            side,
        }
    }

    /// The affine taking frame pixels into the model's input.
    fn to_input(self) -> [[f64; 3]; 2] {
        let s = INPUT_SIZE as f64 / self.side as f64;
        [[s, 0.0, -self.x0 as f64 * s], [0.0, s, -self.y0 as f64 * s]]
    }

    /// A point normalised to the window's input -> frame pixels.
    pub fn to_frame(self, p: [f32; 2]) -> [f32; 2] {
        [self.x0 + p[0] * self.side, self.y0 + p[1] * self.side]
    }

    /// A detection normalised to the window's input -> frame pixels.
    pub fn detection_to_frame<const K: usize>(self, d: &Detection<K>) -> Detection<K> {
        let [x0, y0] = self.to_frame([d.bbox[0], d.bbox[1]]);
        Detection {
            score: d.score,
            bbox: [x0, y0, d.bbox[2] * self.side, d.bbox[3] * self.side],
            keypoints: d.keypoints.map(|k| self.to_frame(k)),
        }
    }
}

/// Where the scan runs the model on a `w` x `h` frame: the whole frame, then squares of
/// [`WINDOW_FRACTION`] of the short side overlapping by [`WINDOW_OVERLAP`], evenly spread
/// from edge to edge. No windows when they would be smaller than the model's input (the
/// whole frame is then seen at nearly its own resolution).
pub fn scan_windows(w: f32, h: f32) -> Vec<Window> {
    let mut out = vec![Window::whole(w, h)];
    let side = coarse_side(w, h);
    if side < w.max(h) {
        out.extend(tiled(w, h, side));
    }
    out
}

/// The side of [`scan_windows`]' windows on a `w` x `h` frame (the whole frame's, when
/// it has none).
fn coarse_side(w: f32, h: f32) -> f32 {
    let side = (w.min(h) * WINDOW_FRACTION).floor();
    if side < INPUT_SIZE as f32 {
        w.max(h)
    } else {
        side
    }
}

/// A tier of [`fine_windows`] is added only where its side is at least this many times
/// smaller than the coarse windows' (closer, it would find little they do not). A tier
/// finds faces over a range of about 2.5 in size (heads of 16-40 px at the model's own
/// resolution, measured with a real face pasted at 6-40 px into a 1340 x 838 frame at six
/// places: found 6/6 from 20 px to 40 px, 5/6 at 16 px, 2/6 at 12 px), and the tiers
/// double in side, so no head size between tiers is left unlooked for.
pub const FINE_TIER_MIN_GAP: f32 = 1.5;

/// The windows of the fine scan: squares of the model's own input size (faces seen at the
/// frame's resolution), and of twice, four times that, ..., while they are smaller than
/// the [`scan_windows`] windows' side by [`FINE_TIER_MIN_GAP`], each tier overlapping by
/// [`WINDOW_OVERLAP`]. The coarse windows see the frame at a fraction of its resolution
/// (0.36 on a 1920 x 1080 frame, 0.3 for the whole of a 640 x 360 one, which has no
/// windows): a face under about 40 px there is too small for the model (heads of 24 px
/// were found on 1 of 6 places, of 30 px on 2, in a 1340 x 838 frame); the fine windows
/// find heads from about 20 px (faces from [`FINE_MIN_FACE_PX`]). Empty on frames whose coarse windows already see them
/// that way.
pub fn fine_windows(w: f32, h: f32) -> Vec<Window> {
    let coarse = coarse_side(w, h);
    let mut out = Vec::new();
    let mut side = INPUT_SIZE as f32;
    while side * FINE_TIER_MIN_GAP <= coarse {
        out.extend(tiled(w, h, side));
        side *= 2.0;
    }
    out
}

/// A face the fine windows find is kept only when its box is at most this share of the
/// window's side (38 px of the model's 192): larger faces are the coarse windows' to find
/// (a 40-px head is 18 px of their input on a 1340 x 838 frame, found 6/6), and what the
/// fine windows alone score as a large face is a patch of scene (a barbell plate beside a
/// lifter's shins scored 0.46 as an 81-px face in a 1280 x 720 frame, and the landmark
/// model read a giant pose below it).
pub const FINE_MAX_FACE_SHARE: f32 = 0.2;

/// The fine windows' score threshold, above [`SCAN_MIN_SCORE`]: looking at the frame at its
/// own resolution, the model scores bits of the scene as small faces more often (a rack's
/// bolt holes 0.44 and 0.45, a spot on a seated man's knee 0.41, behind three lifters of
/// the shared clips, each with a small pose read below it by the landmark model), while
/// real faces of 13-25 px it finds there scored 0.60-0.75 (a person cut from a real clip
/// and pasted small into another; the man between the racks of a 1280 x 720 gym clip
/// 0.64).
pub const FINE_MIN_SCORE: f32 = 0.5;

/// The smallest face box (px) the fine windows keep: the model's smallest boxes (9 px) are
/// where the scene passes for a face most (a rack upright scored 0.53-0.58 and got a pose
/// read into it), and a 9-px face (a head of 12-16 px) shows too little to recognise
/// anyone. Heads from about 20 px (face boxes of 13 px) are found.
pub const FINE_MIN_FACE_PX: f32 = 10.0;

/// Squares of `side` overlapping by [`WINDOW_OVERLAP`] and spread evenly from edge to
/// edge of a `w` x `h` frame (centred along a length shorter than `side`).
fn tiled(w: f32, h: f32, side: f32) -> Vec<Window> {
    let starts = |len: f32| -> Vec<f32> {
        let step = side * (1.0 - WINDOW_OVERLAP);
        let n = ((len - side) / step).ceil().max(0.0) as usize + 1;
        if n == 1 {
            return vec![(len - side) / 2.0];
        }
        (0..n)
            .map(|i| i as f32 * (len - side) / (n - 1) as f32)
            .collect()
    };
    let mut out = Vec::new();
    for y0 in starts(h) {
        for &x0 in &starts(w) {
            out.push(Window { x0, y0, side });
        }
    }
    out
}

/// One face, in frame pixels: the box (xmin, ymin, width, height) and 6 keypoints (right
/// eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion).
pub type Face = Detection<NUM_KEYPOINTS>;

/// Runs the face model on windows of frames.
pub struct FaceDetector {
    session: Session,
    anchors: Vec<Anchor>,
    warped: Mat,
    input: Vec<f32>,
}

impl FaceDetector {
    /// Loads the model from the models folder `opts` names (verified against
    /// `models/SHA256SUMS`), with the pose engine's threads.
    pub fn for_options(opts: &PoseOptions) -> Result<Self> {
        let path = crate::models::face_detector_file(opts.models_dir.as_deref())?;
        Self::load(&path, super::tracker::inference_threads(opts))
    }

    /// Loads `path` (not verified) with `threads` inference threads.
    pub fn load(path: &Path, threads: usize) -> Result<Self> {
        Ok(Self::new(super::tracker::session(path, threads)?))
    }

    pub fn new(session: Session) -> Self {
        FaceDetector {
            session,
            anchors: anchors::generate(&anchor_options()),
            warped: Mat::default(),
            input: vec![0.0; (INPUT_SIZE * INPUT_SIZE * 3) as usize],
        }
    }

    /// The faces in `win` of `frame` (BGR) scoring `min_score` or more, in frame pixels,
    /// before non-max suppression.
    pub fn detect_raw(&mut self, frame: &Mat, win: Window, min_score: f32) -> Result<Vec<Face>> {
        warp_for_detector(
            frame,
            &win.to_input(),
            INPUT_SIZE,
            &mut self.warped,
            &mut self.input,
        )?;
        let io = SsdIo {
            stage: "face detector",
            input: "input",
            boxes: "reshaped_regressor_face_4",
            scores: "reshaped_classifier_face_4",
            shape: (NUM_BOXES, NUM_COORDS),
        };
        let dets = run_ssd(
            &mut self.session,
            &io,
            INPUT_SIZE as usize,
            &self.input,
            |b, s| {
                decode_scaled::<NUM_KEYPOINTS>(b, s, &self.anchors, min_score, INPUT_SIZE as f32)
            },
        )?;
        Ok(dets.iter().map(|d| win.detection_to_frame(d)).collect())
    }

    /// The faces in every window of [`scan_windows`], and with `fine` of
    /// [`fine_windows`] too, merged by weighted non-max suppression across windows, best
    /// first.
    pub fn scan(&mut self, frame: &Mat, min_score: f32, fine: bool) -> Result<Vec<Face>> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        let mut all = Vec::new();
        for win in scan_windows(w, h) {
            all.extend(self.detect_raw(frame, win, min_score)?);
        }
        let fine = if fine { fine_windows(w, h) } else { Vec::new() };
        for win in fine {
            let side = |f: &Face| f.bbox[2].max(f.bbox[3]);
            let kept =
                |f: &Face| side(f) <= FINE_MAX_FACE_SHARE * win.side && side(f) >= FINE_MIN_FACE_PX;
            let found = self.detect_raw(frame, win, min_score.max(FINE_MIN_SCORE))?;
            all.extend(found.into_iter().filter(kept));
        }
        Ok(weighted_nms(all))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_mediapipes_48_by_48_grid() {
        let a = anchors::generate(&anchor_options());
        assert_eq!(a.len(), NUM_BOXES);
        assert_eq!(
            a[0],
            Anchor {
                x_center: 0.5 / 48.0,
                y_center: 0.5 / 48.0
            }
        );
        // One anchor per location, row by row.
        assert_eq!(a[1].x_center, 1.5 / 48.0);
        assert_eq!(a[48].y_center, 1.5 / 48.0);
        assert_eq!(
            *a.last().unwrap(),
            Anchor {
                x_center: 47.5 / 48.0,
                y_center: 47.5 / 48.0
            }
        );
    }

    #[test]
    fn a_face_box_decodes_and_maps_back_to_the_frame() {
        // A face 30 px wide at (220, 380) of a 1920 x 926 frame, seen in a window of side
        // 463 at (100, 300): 192 / 463 input pixels per frame pixel.
        let win = Window {
            x0: 100.0,
            y0: 300.0,
            side: 463.0,
        };
        let s = INPUT_SIZE as f32 / win.side;
        let (cx, cy) = ((220.0 - win.x0) * s, (380.0 - win.y0) * s); // input pixels
        let anchors = anchors::generate(&anchor_options());
        // The anchor whose cell holds the centre; the regressors are offsets from it.
        let (ix, iy) = ((cx / 4.0) as usize, (cy / 4.0) as usize);
        let i = iy * 48 + ix;
        let a = anchors[i];
        let mut boxes = vec![0.0f32; NUM_BOXES * NUM_COORDS];
        let mut scores = vec![-10.0f32; NUM_BOXES];
        let r = &mut boxes[i * NUM_COORDS..(i + 1) * NUM_COORDS];
        r[0] = cx - a.x_center * 192.0;
        r[1] = cy - a.y_center * 192.0;
        r[2] = 30.0 * s;
        r[3] = 30.0 * s;
        // Keypoint 2 (nose tip) 4 frame px right of the centre.
        r[8] = cx + 4.0 * s - a.x_center * 192.0;
        r[9] = cy - a.y_center * 192.0;
        scores[i] = 0.0; // probability 0.5
        let dets = decode_scaled::<NUM_KEYPOINTS>(&boxes, &scores, &anchors, 0.4, 192.0);
        assert_eq!(dets.len(), 1);
        let f = win.detection_to_frame(&dets[0]);
        assert!((f.score - 0.5).abs() < 1e-6);
        let [x0, y0, bw, bh] = f.bbox;
        assert!(
            (x0 - 205.0).abs() < 0.01 && (y0 - 365.0).abs() < 0.01,
            "{f:?}"
        );
        assert!((bw - 30.0).abs() < 0.01 && (bh - 30.0).abs() < 0.01);
        assert!(
            (f.keypoints[2][0] - 224.0).abs() < 0.01 && (f.keypoints[2][1] - 380.0).abs() < 0.01
        );
        // Below the threshold: nothing.
        assert!(decode_scaled::<NUM_KEYPOINTS>(&boxes, &scores, &anchors, 0.6, 192.0).is_empty());
        // The whole-frame window is the letterbox: the frame's centre is the input's.
        let whole = Window::whole(1920.0, 926.0);
        assert_eq!(whole.to_frame([0.5, 0.5]), [960.0, 463.0]);
        let m = whole.to_input();
        assert!((m[1][1] * 463.0 + m[1][2] - 96.0).abs() < 1e-6);
    }

    #[test]
    fn windows_cover_the_frame_with_overlap() {
        let wins = scan_windows(1920.0, 926.0);
        assert_eq!(wins[0], Window::whole(1920.0, 926.0));
        let tiles = &wins[1..];
        // 463-px squares: 5 across, 3 down.
        assert_eq!(tiles.len(), 15, "{tiles:?}");
        assert!(tiles.iter().all(|t| t.side == 463.0));
        let (xs, ys) = (
            tiles.iter().map(|t| t.x0).collect::<Vec<_>>(),
            tiles.iter().map(|t| t.y0).collect::<Vec<_>>(),
        );
        assert_eq!(xs.iter().copied().fold(f32::MAX, f32::min), 0.0);
        assert_eq!(ys.iter().copied().fold(f32::MAX, f32::min), 0.0);
        assert!(tiles.iter().any(|t| t.x0 + t.side == 1920.0));
        assert!(tiles.iter().any(|t| t.y0 + t.side == 926.0));
        // Neighbours overlap by at least WINDOW_OVERLAP of a side.
        for pair in tiles[..5].windows(2) {
            assert!(pair[0].x0 + pair[0].side - pair[1].x0 >= WINDOW_OVERLAP * 463.0 - 0.5);
        }
        // A small frame is seen whole only.
        assert_eq!(scan_windows(246.0, 360.0).len(), 1);
    }

    #[test]
    fn fine_windows_see_the_frame_at_the_models_resolution_in_doubling_tiers() {
        // 1080p: coarse windows of 540 px; one fine tier of 192-px squares, edge to edge.
        let wins = fine_windows(1920.0, 1080.0);
        assert!(wins.iter().all(|t| t.side == 192.0), "{wins:?}");
        assert_eq!(wins.len(), 12 * 7);
        assert!(wins.iter().any(|t| t.x0 == 0.0 && t.y0 == 0.0));
        assert!(
            wins.iter()
                .any(|t| t.x0 + t.side == 1920.0 && t.y0 + t.side == 1080.0)
        );
        // 4K: coarse 1080 px; tiers of 192 and 384 (768 would be within 1.5x of 1080).
        let sides: std::collections::BTreeSet<u32> = fine_windows(3840.0, 2160.0)
            .iter()
            .map(|t| t.side as u32)
            .collect();
        assert_eq!(sides.into_iter().collect::<Vec<_>>(), vec![192, 384]);
        // A small clip with no coarse windows (seen whole at 0.3 of its resolution) gets
        // the fine tier; a frame whose coarse windows are near the model's size does not.
        assert_eq!(
            fine_windows(640.0, 270.0).len(),
            4 * 2 + 2,
            "and two of 384 px"
        );
        assert!(fine_windows(404.0, 720.0).is_empty());
    }
}
