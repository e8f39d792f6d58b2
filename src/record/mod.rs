//! Recording a set: frames from a webcam (V4L2 through OpenCV), a device path, or a
//! video file standing in for a camera, written to a lossless file that `analyze`
//! can read again.
//!
//! The recording is written at a constant frame rate that follows the wall clock: a
//! camera that slows down in dim light has frames repeated, one that runs faster has
//! frames dropped, so times in the file are real times and tempo read from it is right.
//! It is written under a `.partial` name and renamed when the recording stops, so a
//! crash leaves a clearly named, still decodable file (Matroska needs no index).

pub mod live;
mod source;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use opencv::core::{Mat, Size};
use opencv::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::video::open_writer;
pub use source::{CameraMode, CameraSource, Input, parse_size};

/// Codecs for the raw recording, best first: FFV1 is lossless; Motion-JPEG at high
/// quality is the fallback where the local FFmpeg cannot encode FFV1.
pub const RECORDING_CODECS: [&str; 2] = ["FFV1", "MJPG"];

/// File name of the recording inside the output folder.
pub const RECORDING_FILE: &str = "recording.mkv";
/// File name of the facts about the recording.
pub const RECORDING_FACTS_FILE: &str = "recording.json";

/// How long a live camera is watched before the writer opens, to measure its frame rate.
const RATE_PROBE_S: f64 = 1.0;
/// Frame rates a measured camera rate snaps to when it is within 3% of one.
const COMMON_RATES: [f64; 8] = [10.0, 12.0, 15.0, 20.0, 24.0, 25.0, 30.0, 60.0];

/// Why the recording stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// `--seconds` elapsed.
    Seconds,
    /// Ctrl-C, a key press or the preview window's q/Esc.
    Interrupted,
    /// The video file standing in for a camera ended.
    EndOfInput,
    /// The camera stopped delivering frames (unplugged, or taken by another program).
    CameraLost,
}

/// What `record` needs besides the output path.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    pub source: CameraSource,
    /// Stop after this many seconds of recording.
    pub seconds: Option<f64>,
    /// A video file standing in for a camera is played at its own frame rate (as a
    /// camera would deliver it) instead of as fast as it decodes.
    pub pace: bool,
}

/// Facts about a finished recording, written next to it as `recording.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordingFacts {
    pub schema: String,
    pub file: String,
    pub source: String,
    pub codec: String,
    pub width: u32,
    pub height: u32,
    /// Constant frame rate of the written file.
    pub written_fps: f64,
    /// Rate the source actually delivered frames at.
    pub captured_fps: f64,
    pub frames_captured: u64,
    pub frames_written: u64,
    /// Frames written twice (or more) to keep up with the wall clock.
    pub frames_repeated: u64,
    /// Captured frames left out because the source ran faster than the file's rate.
    pub frames_dropped: u64,
    pub duration_s: f64,
    /// Start time, seconds since the Unix epoch (UTC).
    pub started_unix_s: u64,
    pub stop_reason: StopReason,
}

/// Everything the recording loop tells its caller about each captured frame.
pub struct Captured<'a> {
    pub image: &'a Mat,
    /// Seconds since the first frame.
    pub t_s: f64,
    pub index: u64,
}

/// Snaps a measured frame rate to a common camera rate when close, else rounds it.
pub fn snap_rate(measured: f64) -> f64 {
    COMMON_RATES
        .iter()
        .copied()
        .find(|r| (measured - r).abs() <= 0.03 * r)
        .unwrap_or((measured * 100.0).round() / 100.0)
}

/// How many copies of a frame captured at `t_s` keep a constant-rate file of `fps`
/// in step with the wall clock, given `written` frames so far: 0 drops it.
pub fn copies_for(t_s: f64, fps: f64, written: u64) -> u64 {
    let due = (t_s * fps).round() as u64 + 1;
    due.saturating_sub(written)
}

struct Writer {
    inner: opencv::videoio::VideoWriter,
    codec: &'static str,
    fps: f64,
    written: u64,
    repeated: u64,
    dropped: u64,
}

impl Writer {
    fn put(&mut self, img: &Mat, t_s: f64, path: &Path) -> Result<()> {
        let n = copies_for(t_s, self.fps, self.written);
        if n == 0 {
            self.dropped += 1;
        }
        self.repeated += n.saturating_sub(1);
        for _ in 0..n {
            self.inner.write(img).map_err(|e| Error::Write {
                path: path.into(),
                source: std::io::Error::other(e.to_string()),
            })?;
            self.written += 1;
        }
        Ok(())
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The `.partial` name a recording is written under until it stops.
pub fn partial_path(target: &Path) -> PathBuf {
    target.with_extension("partial.mkv")
}

/// Records from `input` into `target` until `stop` is set, `--seconds` pass, or the
/// input ends. `on_frame` sees every captured frame (for a live view) and may ask to
/// stop by returning `Ok(false)`. Refuses to overwrite `target` unless `force`.
pub fn record(
    input: &mut Input,
    opts: &RecordOptions,
    target: &Path,
    force: bool,
    stop: &AtomicBool,
    mut on_frame: impl FnMut(&Captured<'_>) -> Result<bool>,
) -> Result<RecordingFacts> {
    crate::output::check_writable(target, force)?;
    let partial = partial_path(target);
    crate::output::check_writable(&partial, force)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::Write {
            path: dir.into(),
            source: e,
        })?;
    }
    let started_unix_s = unix_now();
    let mut frame = Mat::default();
    // Frames seen before the writer opens (a live camera's rate is measured first).
    let mut pending: Vec<(Mat, f64)> = Vec::new();
    let mut writer: Option<Writer> = None;
    let mut captured = 0u64;
    let mut last_t = 0.0;
    let mut size = Size::default();
    let open = |pending: &[(Mat, f64)], size: Size, input: &Input| -> Result<Writer> {
        let fps = match input.nominal_fps() {
            Some(f) => f,
            None => {
                let span = pending.last().map(|p| p.1).unwrap_or(0.0);
                if pending.len() >= 5 && span > 0.0 {
                    snap_rate((pending.len() - 1) as f64 / span)
                } else {
                    30.0
                }
            }
        };
        let (inner, codec) = open_writer(&partial, fps, size, &RECORDING_CODECS)?;
        Ok(Writer {
            inner,
            codec,
            fps,
            written: 0,
            repeated: 0,
            dropped: 0,
        })
    };
    let reason = loop {
        if stop.load(Ordering::SeqCst) {
            break StopReason::Interrupted;
        }
        let Some(t) = input.next(&mut frame)? else {
            break if input.is_file() {
                StopReason::EndOfInput
            } else {
                StopReason::CameraLost
            };
        };
        if opts.seconds.is_some_and(|s| t >= s) {
            break StopReason::Seconds;
        }
        if captured == 0 {
            size = frame.size()?;
        } else if frame.size()? != size {
            return Err(Error::Other(format!(
                "{} changed its frame size during the recording ({}x{} to {}x{})",
                opts.source,
                size.width,
                size.height,
                frame.cols(),
                frame.rows()
            )));
        }
        let keep_going = on_frame(&Captured {
            image: &frame,
            t_s: t,
            index: captured,
        })?;
        captured += 1;
        last_t = t;
        match writer.as_mut() {
            Some(w) => w.put(&frame, t, &partial)?,
            None => {
                pending.push((frame.try_clone()?, t));
                if input.nominal_fps().is_some() || t >= RATE_PROBE_S {
                    let mut w = open(&pending, size, input)?;
                    for (img, t) in pending.drain(..) {
                        w.put(&img, t, &partial)?;
                    }
                    writer = Some(w);
                }
            }
        }
        if !keep_going {
            break StopReason::Interrupted;
        }
    };
    if captured == 0 {
        return Err(Error::VideoNoFrames {
            path: PathBuf::from(opts.source.to_string()),
            reason: "the camera delivered no frames before the recording stopped".into(),
        });
    }
    if writer.is_none() {
        let mut w = open(&pending, size, input)?;
        for (img, t) in pending.drain(..) {
            w.put(&img, t, &partial)?;
        }
        writer = Some(w);
    }
    let mut w = writer.expect("opened above");
    w.inner.release()?;
    std::fs::rename(&partial, target).map_err(|e| Error::Write {
        path: target.into(),
        source: e,
    })?;
    let facts = RecordingFacts {
        schema: "hipflex-recording v1".into(),
        file: target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        source: opts.source.to_string(),
        codec: w.codec.to_string(),
        width: size.width as u32,
        height: size.height as u32,
        written_fps: w.fps,
        captured_fps: if last_t > 0.0 {
            (captured - 1) as f64 / last_t
        } else {
            w.fps
        },
        frames_captured: captured,
        frames_written: w.written,
        frames_repeated: w.repeated,
        frames_dropped: w.dropped,
        duration_s: w.written as f64 / w.fps,
        started_unix_s,
        stop_reason: reason,
    };
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_snap_to_common_camera_rates() {
        assert_eq!(snap_rate(29.4), 30.0);
        assert_eq!(snap_rate(14.8), 15.0);
        assert_eq!(snap_rate(24.9), 25.0);
        assert_eq!(snap_rate(41.234), 41.23);
    }

    #[test]
    fn a_slow_camera_has_frames_repeated_and_a_fast_one_dropped() {
        // A camera delivering 15 fps into a 30 fps file: every frame twice.
        let mut written = 0;
        for k in 0..30 {
            let n = copies_for(k as f64 / 15.0, 30.0, written);
            if k > 0 {
                assert_eq!(n, 2, "frame {k}");
            }
            written += n;
        }
        assert_eq!(written, 59);
        // 60 fps into a 30 fps file: every other frame dropped.
        let mut written = 0;
        let mut kept = 0;
        for k in 0..60 {
            let n = copies_for(k as f64 / 60.0, 30.0, written);
            assert!(n <= 1);
            kept += n;
            written += n;
        }
        // About one second of 30 fps video (rounding may keep one frame more).
        assert!((30..=31).contains(&kept), "{kept}");
        // In step: the written timeline never drifts by more than half a frame.
        let mut written = 0;
        for k in 0..200 {
            let t = k as f64 / 29.0 + 0.004 * ((k * 7) % 5) as f64;
            written += copies_for(t, 30.0, written);
            assert!(((written as f64 - 1.0) / 30.0 - t).abs() <= 0.5 / 30.0 + 1e-9);
        }
    }
}
