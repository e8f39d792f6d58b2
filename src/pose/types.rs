//! Plain landmark types: the output of the pose stage and the input of kinematics.

use serde::{Deserialize, Serialize};

/// Number of body landmarks BlazePose reports (the model has 39; the last 6 are
/// auxiliary ROI points and are not exposed).
pub const NUM_LANDMARKS: usize = 33;

/// BlazePose landmark indices (same order as MediaPipe).
pub mod idx {
    pub const NOSE: usize = 0;
    pub const LEFT_EYE: usize = 2;
    pub const RIGHT_EYE: usize = 5;
    pub const LEFT_EAR: usize = 7;
    pub const RIGHT_EAR: usize = 8;
    pub const LEFT_SHOULDER: usize = 11;
    pub const RIGHT_SHOULDER: usize = 12;
    pub const LEFT_ELBOW: usize = 13;
    pub const RIGHT_ELBOW: usize = 14;
    pub const LEFT_WRIST: usize = 15;
    pub const RIGHT_WRIST: usize = 16;
    pub const LEFT_HIP: usize = 23;
    pub const RIGHT_HIP: usize = 24;
    pub const LEFT_KNEE: usize = 25;
    pub const RIGHT_KNEE: usize = 26;
    pub const LEFT_ANKLE: usize = 27;
    pub const RIGHT_ANKLE: usize = 28;
    pub const LEFT_HEEL: usize = 29;
    pub const RIGHT_HEEL: usize = 30;
    pub const LEFT_FOOT_INDEX: usize = 31;
    pub const RIGHT_FOOT_INDEX: usize = 32;
    /// The 12 limb landmarks used for parity checks and most kinematics.
    pub const LIMBS: [usize; 12] = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28];
}

/// Landmark names in index order (as MediaPipe spells them).
pub const LANDMARK_NAMES: [&str; NUM_LANDMARKS] = [
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
];

/// One landmark.
///
/// For image landmarks `x`, `y` are pixels of the upright frame (after rotation
/// metadata is applied), origin top-left; `z` is depth relative to the hips in the
/// same pixel scale as `x` (smaller = closer to the camera).
/// For world landmarks `x`, `y`, `z` are metres, origin at the hip centre, y down.
/// `visibility` and `presence` are probabilities in [0, 1].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Landmark {
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub visibility: f32,
    pub presence: f32,
}

/// A rotated rectangle in image pixels (centre, size, rotation in radians, clockwise
/// positive as in MediaPipe's NormalizedRect).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Roi {
    pub cx: f32,
    pub cy: f32,
    pub width: f32,
    pub height: f32,
    pub rotation: f32,
}

/// How the ROI for a frame was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoiSource {
    /// The person detector ran on this frame.
    Detection,
    /// The ROI came from the previous frame's landmarks.
    Tracking,
}

/// A pose found in one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    /// Pose presence score from the landmark model, in [0, 1].
    pub score: f32,
    /// 33 image landmarks (pixels of the upright frame).
    #[serde(deserialize_with = "exact_vec")]
    pub image: Vec<Landmark>,
    /// 33 world landmarks (metres, hip-centred).
    #[serde(deserialize_with = "exact_vec")]
    pub world: Vec<Landmark>,
    /// The region the landmark model looked at.
    pub roi: Roi,
    pub roi_source: RoiSource,
}

/// A landmark list read at its exact length: a vector grown while parsing holds room for
/// 64, and a long clip's landmarks file keeps every frame in memory.
fn exact_vec<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Landmark>, D::Error> {
    let mut v = Vec::<Landmark>::deserialize(d)?;
    v.shrink_to_fit();
    Ok(v)
}

/// Landmarks for one decoded frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoseFrame {
    /// 0-based index of the decoded frame.
    pub index: u64,
    /// Presentation timestamp from the container, seconds.
    pub timestamp_s: f64,
    /// `None` when no person was found.
    pub pose: Option<Pose>,
}

/// Per-stage wall time for one frame, milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimes {
    pub decode_ms: f64,
    pub preprocess_ms: f64,
    pub inference_ms: f64,
    pub postprocess_ms: f64,
}

impl StageTimes {
    pub fn add(&mut self, o: &StageTimes) {
        self.decode_ms += o.decode_ms;
        self.preprocess_ms += o.preprocess_ms;
        self.inference_ms += o.inference_ms;
        self.postprocess_ms += o.postprocess_ms;
    }
    pub fn total_ms(&self) -> f64 {
        self.decode_ms + self.preprocess_ms + self.inference_ms + self.postprocess_ms
    }
}
