//! Pose estimation: MediaPipe BlazePose (detector + landmark model) run through ONNX Runtime.

pub mod types;

pub use types::*;
