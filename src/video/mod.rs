//! Video input: decoding with OpenCV's FFmpeg backend, per-frame container
//! timestamps, and rotation metadata.

mod capture_rate;
mod metadata;
pub mod probe;
mod reader;
mod rotation;
mod timing;
mod writer;

pub use capture_rate::android_capture_fps;
pub use metadata::{date_in_name, recorded_date, recorded_time};
pub use probe::ImageQuality;
pub use reader::{Frame, VideoInfo, VideoReader};
pub use rotation::RotateMode;
pub use timing::{TimingStats, VFR_CV_THRESHOLD, timing_stats};
pub use writer::{DEFAULT_CODECS, open_writer};
