//! Video in, tracked landmarks out: the decode -> pose stage every command shares.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pose::{PoseFrame, PoseOptions, PoseTracker, StageTimes};
use crate::video::{Frame, RotateMode, TimingStats, VideoInfo, VideoReader, timing_stats};

/// What a pose run did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PoseRunSummary {
    pub video: VideoInfo,
    pub frames: u64,
    pub frames_with_person: u64,
    /// Frames whose timestamp the container did not give and hipflex estimated.
    pub estimated_timestamps: u64,
    pub timing: TimingStats,
    /// Summed time per stage over all frames.
    pub stage_totals: StageTimes,
    pub wall_s: f64,
}

impl PoseRunSummary {
    /// Mean milliseconds per frame for each stage.
    pub fn per_frame(&self) -> StageTimes {
        let n = self.frames.max(1) as f64;
        StageTimes {
            decode_ms: self.stage_totals.decode_ms / n,
            preprocess_ms: self.stage_totals.preprocess_ms / n,
            inference_ms: self.stage_totals.inference_ms / n,
            postprocess_ms: self.stage_totals.postprocess_ms / n,
        }
    }

    /// One line for a person at a terminal.
    pub fn one_line(&self) -> String {
        let p = self.per_frame();
        format!(
            "{} frames, {} with a person ({:.0}%), {:.1} fps end to end; per frame: decode {:.1} ms, preprocess {:.1} ms, inference {:.1} ms, postprocess {:.1} ms",
            self.frames,
            self.frames_with_person,
            100.0 * self.frames_with_person as f64 / self.frames.max(1) as f64,
            self.frames as f64 / self.wall_s.max(1e-9),
            p.decode_ms,
            p.preprocess_ms,
            p.inference_ms,
            p.postprocess_ms
        )
    }
}

/// Decodes `video` and tracks the pose frame by frame, handing each result (and the
/// upright frame) to `on_frame`. Nothing is kept in memory between frames.
pub fn track_video(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    mut on_frame: impl FnMut(&PoseFrame, &Frame<'_>) -> Result<()>,
) -> Result<PoseRunSummary> {
    let start = Instant::now();
    let mut reader = VideoReader::open(video, rotate)?;
    tracker.reset();
    let mut totals = StageTimes::default();
    let mut with_person = 0u64;
    let mut last_ts: Option<f64> = None;
    let mut intervals = Vec::new();
    while let Some(frame) = reader.next_frame()? {
        let (pose, mut times) = tracker.process(frame.image, frame.timestamp_s)?;
        times.decode_ms = frame.decode_ms;
        totals.add(&times);
        if pose.is_some() {
            with_person += 1;
        }
        if let Some(t) = last_ts {
            intervals.push(frame.timestamp_s - t);
        }
        last_ts = Some(frame.timestamp_s);
        let pf = PoseFrame {
            index: frame.index,
            timestamp_s: frame.timestamp_s,
            pose,
        };
        on_frame(&pf, &frame)?;
    }
    reader.check_complete()?;
    Ok(PoseRunSummary {
        video: reader.info().clone(),
        frames: reader.frames_decoded(),
        frames_with_person: with_person,
        estimated_timestamps: reader.estimated_timestamps(),
        timing: timing_stats(&intervals),
        stage_totals: totals,
        wall_s: start.elapsed().as_secs_f64(),
    })
}

/// Convenience: creates a tracker for `opts` (loading ONNX Runtime from `ort_lib`
/// or the default places first).
pub fn tracker(opts: &PoseOptions, ort_lib: Option<&Path>) -> Result<PoseTracker> {
    crate::runtime::ensure_loaded(ort_lib)?;
    PoseTracker::new(opts)
}

/// Error for a clip in which nobody was found.
pub fn no_person(video: &Path, frames: u64) -> Error {
    Error::NoPerson {
        path: video.to_path_buf(),
        frames,
    }
}
