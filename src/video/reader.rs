//! Streaming video decoder. Holds one frame at a time, so memory stays flat for
//! any length of video.

use std::path::{Path, PathBuf};
use std::time::Instant;

use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};
use serde::{Deserialize, Serialize};

use super::rotation::{RotateMode, rotate_into};
use crate::error::{Error, Result};

/// Facts about an opened video.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub path: PathBuf,
    /// Size of the frames hipflex analyses (after rotation).
    pub width: u32,
    pub height: u32,
    /// Size as stored in the file (before rotation).
    pub stored_width: u32,
    pub stored_height: u32,
    /// Nominal frame rate the container declares (may be wrong for VFR clips).
    pub nominal_fps: f64,
    /// Frame count the container declares, if any (webm often has none).
    pub frame_count_hint: Option<u64>,
    /// Clockwise rotation declared by the container's display matrix.
    pub rotation_metadata_deg: u16,
    /// Clockwise rotation hipflex applied to each frame.
    pub rotation_applied_deg: u16,
    /// Four-character codec code, e.g. `h264`, `vp90`.
    pub codec: String,
    /// Brightness and sharpness measured on a few frames (set by the analysis, not by
    /// `open`; absent in landmark files written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_quality: Option<super::probe::ImageQuality>,
}

/// One decoded, upright frame.
pub struct Frame<'a> {
    pub index: u64,
    /// Presentation timestamp from the container, in seconds.
    pub timestamp_s: f64,
    /// True when the container gave no usable timestamp and it was estimated.
    pub timestamp_estimated: bool,
    /// Upright BGR image.
    pub image: &'a Mat,
    pub decode_ms: f64,
}

/// Decodes a video file frame by frame.
pub struct VideoReader {
    cap: VideoCapture,
    info: VideoInfo,
    raw: Mat,
    upright: Mat,
    next_index: u64,
    last_ts: Option<f64>,
    last_interval: Option<f64>,
    peeked: bool,
    peeked_ms: f64,
    estimated_timestamps: u64,
}

fn fourcc_string(v: f64) -> String {
    let code = v as i64 as u32;
    let s: String = code
        .to_le_bytes()
        .iter()
        .filter(|b| b.is_ascii_graphic())
        .map(|&b| b as char)
        .collect();
    if s.is_empty() { "unknown".into() } else { s }
}

impl VideoReader {
    /// Opens `path` and decodes its first frame, so a file that opens but holds no
    /// video fails here with a clear error.
    pub fn open(path: &Path, rotate: RotateMode) -> Result<VideoReader> {
        let meta = std::fs::metadata(path).map_err(|_| Error::InputMissing {
            path: path.to_path_buf(),
        })?;
        if meta.is_dir() {
            return Err(Error::VideoOpen {
                path: path.to_path_buf(),
                reason: "it is a directory".into(),
            });
        }
        if meta.len() == 0 {
            return Err(Error::InputEmpty {
                path: path.to_path_buf(),
            });
        }
        super::probe::reject_still(path)?;
        let path_str = path.to_str().ok_or_else(|| Error::VideoOpen {
            path: path.to_path_buf(),
            reason: "the path is not valid UTF-8".into(),
        })?;
        let open_err = |reason: String| Error::VideoOpen {
            path: path.to_path_buf(),
            reason,
        };
        let mut cap = VideoCapture::from_file(path_str, videoio::CAP_FFMPEG)
            .map_err(|e| open_err(e.to_string()))?;
        if !cap.is_opened().map_err(|e| open_err(e.to_string()))? {
            return Err(open_err(
                "FFmpeg found no readable video stream".to_string(),
            ));
        }
        // We rotate ourselves so `--rotate` can override the metadata.
        let _ = cap.set(videoio::CAP_PROP_ORIENTATION_AUTO, 0.0);
        let get = |cap: &VideoCapture, prop: i32| cap.get(prop).unwrap_or(0.0);
        let meta_rot = get(&cap, videoio::CAP_PROP_ORIENTATION_META);
        let meta_deg = super::rotation::normalize(meta_rot.round() as i32);
        let applied = rotate.resolve(meta_deg as i32);
        let nominal_fps = get(&cap, videoio::CAP_PROP_FPS);
        let count = get(&cap, videoio::CAP_PROP_FRAME_COUNT);
        let frame_count_hint = (1.0..1e9).contains(&count).then_some(count as u64);
        let codec = fourcc_string(get(&cap, videoio::CAP_PROP_FOURCC));
        super::probe::reject_single_frame(path, frame_count_hint)?;

        let mut reader = VideoReader {
            cap,
            info: VideoInfo {
                path: path.to_path_buf(),
                width: 0,
                height: 0,
                stored_width: 0,
                stored_height: 0,
                nominal_fps: if nominal_fps.is_finite() && nominal_fps > 0.0 && nominal_fps < 1000.0
                {
                    nominal_fps
                } else {
                    0.0
                },
                frame_count_hint,
                rotation_metadata_deg: meta_deg,
                rotation_applied_deg: applied,
                codec,
                image_quality: None,
            },
            raw: Mat::default(),
            upright: Mat::default(),
            next_index: 0,
            last_ts: None,
            last_interval: None,
            peeked: false,
            peeked_ms: 0.0,
            estimated_timestamps: 0,
        };
        let t0 = Instant::now();
        let got = reader.cap.read(&mut reader.raw).unwrap_or(false);
        if !got || reader.raw.empty() {
            return Err(Error::VideoNoFrames {
                path: path.to_path_buf(),
                reason: "the first frame could not be decoded".into(),
            });
        }
        reader.peeked = true;
        reader.peeked_ms = t0.elapsed().as_secs_f64() * 1e3;
        let (w, h) = (reader.raw.cols() as u32, reader.raw.rows() as u32);
        reader.info.stored_width = w;
        reader.info.stored_height = h;
        (reader.info.width, reader.info.height) = if applied == 90 || applied == 270 {
            (h, w)
        } else {
            (w, h)
        };
        Ok(reader)
    }

    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    /// Frames whose timestamp had to be estimated so far.
    pub fn estimated_timestamps(&self) -> u64 {
        self.estimated_timestamps
    }

    /// Frames decoded so far.
    pub fn frames_decoded(&self) -> u64 {
        self.next_index
    }

    /// Decodes the next frame; `Ok(None)` at the end of the stream.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>> {
        let decode_ms;
        if self.peeked {
            self.peeked = false;
            decode_ms = self.peeked_ms;
        } else {
            let t0 = Instant::now();
            let got = self
                .cap
                .read(&mut self.raw)
                .map_err(|e| Error::VideoDecode {
                    path: self.info.path.clone(),
                    frame: self.next_index,
                    reason: e.to_string(),
                })?;
            if !got || self.raw.empty() {
                return Ok(None);
            }
            decode_ms = t0.elapsed().as_secs_f64() * 1e3;
        }
        let pos_ms = self.cap.get(videoio::CAP_PROP_POS_MSEC).unwrap_or(f64::NAN);
        let (timestamp_s, estimated) = self.next_timestamp(pos_ms / 1e3);
        let t1 = Instant::now();
        let rotated = rotate_into(&self.raw, &mut self.upright, self.info.rotation_applied_deg)?;
        let decode_ms = decode_ms + t1.elapsed().as_secs_f64() * 1e3;
        let index = self.next_index;
        self.next_index += 1;
        Ok(Some(Frame {
            index,
            timestamp_s,
            timestamp_estimated: estimated,
            image: if rotated { &self.upright } else { &self.raw },
            decode_ms,
        }))
    }

    /// Uses the container timestamp when it is finite and increasing; otherwise
    /// estimates from the previous one and the nominal frame rate.
    fn next_timestamp(&mut self, ts: f64) -> (f64, bool) {
        // Frames drained from the decoder at the end of a file often carry no
        // timestamp: continue at the last measured interval.
        let step = match self.last_interval {
            Some(d) => d,
            None if self.info.nominal_fps > 0.0 => 1.0 / self.info.nominal_fps,
            None => 1.0 / 30.0,
        };
        let out = match self.last_ts {
            None if ts.is_finite() && ts >= 0.0 => (ts, false),
            None => (0.0, true),
            Some(last) if ts.is_finite() && ts > last => (ts, false),
            Some(last) => (last + step, true),
        };
        if out.1 {
            self.estimated_timestamps += 1;
        } else if let Some(last) = self.last_ts {
            self.last_interval = Some(out.0 - last);
        }
        self.last_ts = Some(out.0);
        out
    }

    /// After the last frame: fails when far fewer frames decoded than the container
    /// declared, which is what a truncated or damaged file looks like.
    pub fn check_complete(&self) -> Result<()> {
        if let Some(hint) = self.info.frame_count_hint {
            let got = self.next_index;
            let missing = hint.saturating_sub(got);
            if missing > 2 && (got as f64) < 0.9 * hint as f64 {
                return Err(Error::VideoTruncated {
                    path: self.info.path.clone(),
                    decoded: got,
                    declared: hint,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourcc_decodes_ascii() {
        let v = u32::from_le_bytes(*b"avc1") as f64;
        assert_eq!(fourcc_string(v), "avc1");
        assert_eq!(fourcc_string(0.0), "unknown");
    }
}
