//! Where recorded frames come from: a camera by index, a V4L2 device path, or a video
//! file standing in for a camera (for tests, and for re-recording a clip).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

use crate::error::{Error, Result};
use crate::video::{RotateMode, VideoReader};

/// A camera given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraSource {
    /// A camera number (`0` is the first webcam).
    Index(i32),
    /// A device node such as `/dev/video2`.
    Device(PathBuf),
    /// A video file played as if it were a camera.
    File(PathBuf),
}

impl FromStr for CameraSource {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.is_empty() {
            return Err(
                "the camera is empty: give a number (0), a device (/dev/video0) or a video file"
                    .into(),
            );
        }
        if let Ok(i) = s.parse::<i32>() {
            return if i >= 0 {
                Ok(CameraSource::Index(i))
            } else {
                Err(format!("camera number {i} is negative"))
            };
        }
        let p = PathBuf::from(s);
        Ok(if s.starts_with("/dev/") {
            CameraSource::Device(p)
        } else {
            CameraSource::File(p)
        })
    }
}

impl fmt::Display for CameraSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CameraSource::Index(i) => write!(f, "camera {i}"),
            CameraSource::Device(p) => write!(f, "camera {}", p.display()),
            CameraSource::File(p) => write!(f, "video file {}", p.display()),
        }
    }
}

/// What to ask a camera for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CameraMode {
    /// Frame width and height in pixels.
    pub size: Option<(u32, u32)>,
    pub fps: Option<f64>,
}

/// Parses `1280x720`.
pub fn parse_size(s: &str) -> std::result::Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{s}` is not WIDTHxHEIGHT (e.g. 1280x720)"))?;
    let n = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (16..=8192).contains(n))
            .ok_or_else(|| format!("`{s}` is not WIDTHxHEIGHT (e.g. 1280x720)"))
    };
    Ok((n(w)?, n(h)?))
}

/// An opened source of frames.
pub enum Input {
    Live {
        cap: VideoCapture,
        name: String,
        first: Option<Instant>,
    },
    File {
        reader: Box<VideoReader>,
        /// Deliver frames at the file's own pace, as a camera would.
        pace: bool,
        started: Option<Instant>,
        first_ts: f64,
    },
}

fn camera_error(name: &str, reason: &str) -> Error {
    Error::VideoOpen {
        path: PathBuf::from(name),
        reason: format!(
            "{reason}. Check that the camera is connected and not in use by another program (`v4l2-ctl --list-devices` lists cameras), or pass a video file to --camera"
        ),
    }
}

impl Input {
    /// Opens the source. For cameras, `mode` asks for a frame size and rate (the camera
    /// may pick the nearest it supports; what it delivers is measured and recorded).
    pub fn open(
        source: &CameraSource,
        rotate: RotateMode,
        pace: bool,
        mode: CameraMode,
    ) -> Result<Input> {
        let (cap, name) = match source {
            CameraSource::File(p) => {
                return Ok(Input::File {
                    reader: Box::new(VideoReader::open(p, rotate)?),
                    pace,
                    started: None,
                    first_ts: 0.0,
                });
            }
            CameraSource::Index(i) => (VideoCapture::new(*i, videoio::CAP_V4L2), i.to_string()),
            CameraSource::Device(p) => {
                let name = p.display().to_string();
                if !p.exists() {
                    return Err(camera_error(&name, "there is no such device"));
                }
                (VideoCapture::from_file(&name, videoio::CAP_V4L2), name)
            }
        };
        let mut cap = cap.map_err(|e| camera_error(&name, &e.to_string()))?;
        if !cap.is_opened().unwrap_or(false) {
            return Err(camera_error(&name, "it could not be opened"));
        }
        if let Some((w, h)) = mode.size {
            // Compressed frames let USB webcams deliver large sizes at full rate.
            let mjpg = opencv::videoio::VideoWriter::fourcc('M', 'J', 'P', 'G')?;
            let _ = cap.set(videoio::CAP_PROP_FOURCC, mjpg as f64);
            let _ = cap.set(videoio::CAP_PROP_FRAME_WIDTH, w as f64);
            let _ = cap.set(videoio::CAP_PROP_FRAME_HEIGHT, h as f64);
        }
        if let Some(f) = mode.fps {
            let _ = cap.set(videoio::CAP_PROP_FPS, f);
        }
        Ok(Input::Live {
            cap,
            name,
            first: None,
        })
    }

    pub fn is_file(&self) -> bool {
        matches!(self, Input::File { .. })
    }

    /// The file's frame rate for file inputs; `None` for cameras (measured instead,
    /// because what a webcam reports is often not what it delivers).
    pub fn nominal_fps(&self) -> Option<f64> {
        match self {
            Input::File { reader, .. } => {
                let f = reader.info().nominal_fps;
                Some(if f > 0.0 { f } else { 30.0 })
            }
            Input::Live { .. } => None,
        }
    }

    /// Reads the next frame into `out`; returns its time in seconds since the first
    /// frame, or `None` when the source has ended.
    pub fn next(&mut self, out: &mut Mat) -> Result<Option<f64>> {
        match self {
            Input::Live { cap, name, first } => {
                let got = cap.read(out).unwrap_or(false);
                if !got || out.empty() {
                    if first.is_none() {
                        return Err(camera_error(name, "it delivered no frame"));
                    }
                    return Ok(None);
                }
                let now = Instant::now();
                let t0 = *first.get_or_insert(now);
                Ok(Some(now.duration_since(t0).as_secs_f64()))
            }
            Input::File {
                reader,
                pace,
                started,
                first_ts,
            } => {
                let Some(f) = reader.next_frame()? else {
                    return Ok(None);
                };
                f.image.copy_to(out)?;
                if started.is_none() {
                    *first_ts = f.timestamp_s;
                }
                let t = f.timestamp_s - *first_ts;
                let t0 = *started.get_or_insert_with(Instant::now);
                if *pace {
                    let due = t0 + Duration::from_secs_f64(t.max(0.0));
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                }
                Ok(Some(t))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_arguments_parse() {
        assert_eq!("0".parse(), Ok(CameraSource::Index(0)));
        assert_eq!(
            "/dev/video2".parse(),
            Ok(CameraSource::Device("/dev/video2".into()))
        );
        assert_eq!(
            "clip.mp4".parse(),
            Ok(CameraSource::File("clip.mp4".into()))
        );
        assert!("-1".parse::<CameraSource>().is_err());
        assert!("".parse::<CameraSource>().is_err());
        assert_eq!(parse_size("1280x720"), Ok((1280, 720)));
        assert!(parse_size("1280").is_err() && parse_size("0x0").is_err());
    }
}
