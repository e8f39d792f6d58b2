//! Video input: decoding with OpenCV's FFmpeg backend, per-frame container
//! timestamps, and rotation metadata.

mod reader;
mod rotation;

pub use reader::{Frame, VideoInfo, VideoReader};
pub use rotation::RotateMode;
