//! Pose estimation: MediaPipe BlazePose (person detector + landmark model) run
//! through ONNX Runtime, ported from MediaPipe's `pose_landmark_cpu` graph.

pub mod anchors;
pub mod detector;
pub mod face_detector;
pub mod geometry;
pub mod image_tensor;
pub mod landmarker;
pub mod smoothing;
pub mod tracker;
pub mod types;

pub use detector::Detection;
pub use landmarker::MirrorMode;
pub use tracker::{CrossCheckPose, CrossCheckTrack, PoseOptions, PoseTracker};
pub use types::*;
