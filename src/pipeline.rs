//! Video in, tracked landmarks out: the decode -> pose stage every command shares.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use opencv::prelude::MatTraitConst;

use crate::error::{Error, Result};
use crate::person::{Candidate, Follow, PersonChoice, associate, choose};
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

/// A decoded frame handed from the decoding thread to the tracking thread.
struct Decoded {
    index: u64,
    timestamp_s: f64,
    timestamp_estimated: bool,
    image: opencv::core::Mat,
    decode_ms: f64,
}

/// Frames decoded ahead of tracking. Small, so memory stays flat for any length.
const DECODE_AHEAD: usize = 3;

/// Decodes `video` and tracks the pose frame by frame, handing each result (and the
/// upright frame) to `on_frame`. Decoding runs on its own thread, a few frames ahead
/// of the model; nothing else is kept between frames.
pub fn track_video(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    on_frame: impl FnMut(&PoseFrame, &Frame<'_>) -> Result<()>,
) -> Result<PoseRunSummary> {
    track_video_following(video, rotate, tracker, None, on_frame)
}

/// Like [`track_video`], but keeps to the person `follow` describes (updated as the
/// person moves): whenever the detector has to run it picks the detection nearest to
/// them instead of the top-ranked one, and when the tracked landmarks jump away from
/// them (onto someone whose body overlaps theirs) it detects again and re-associates.
/// A frame in which the followed person cannot be found has no pose.
pub fn track_video_following(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    mut follow: Option<Follow>,
    mut on_frame: impl FnMut(&PoseFrame, &Frame<'_>) -> Result<()>,
) -> Result<PoseRunSummary> {
    let start = Instant::now();
    let mut reader = VideoReader::open(video, rotate)?;
    let info = reader.info().clone();
    tracker.reset();
    let mut totals = StageTimes::default();
    let mut with_person = 0u64;
    let mut last_ts: Option<f64> = None;
    let mut intervals = Vec::new();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Decoded>>(DECODE_AHEAD);
    let decoded = std::thread::scope(|scope| -> Result<(u64, u64)> {
        let decoder = scope.spawn(move || -> Result<(u64, u64)> {
            loop {
                let item = match reader.next_frame() {
                    Ok(Some(f)) => f
                        .image
                        .try_clone()
                        .map_err(Error::from)
                        .map(|image| Decoded {
                            index: f.index,
                            timestamp_s: f.timestamp_s,
                            timestamp_estimated: f.timestamp_estimated,
                            image,
                            decode_ms: f.decode_ms,
                        }),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    // The tracker stopped (error downstream) or decoding failed.
                    return Ok((reader.frames_decoded(), reader.estimated_timestamps()));
                }
            }
            reader.check_complete()?;
            Ok((reader.frames_decoded(), reader.estimated_timestamps()))
        });
        let mut outcome = Ok(());
        for item in rx.iter() {
            let d = match item {
                Ok(d) => d,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            };
            let step = (|| -> Result<()> {
                let (w, h) = (d.image.cols() as f32, d.image.rows() as f32);
                let ts = d.timestamp_s;
                let (mut pose, mut times) = match &follow {
                    None => tracker.process(&d.image, ts)?,
                    Some(f) => tracker
                        .process_with(&d.image, ts, |dets| f.rank(dets, w, h).first().copied())?,
                };
                if let Some(f) = follow.as_mut() {
                    if pose.as_ref().is_some_and(|p| !f.accepts(p, ts)) {
                        let (p, t) = tracker.redetect(&d.image, ts, |p| f.mismatch(p, ts))?;
                        times.add(&t);
                        pose = p;
                    }
                    if let Some(p) = pose.as_ref() {
                        f.update(p, ts);
                    }
                }
                times.decode_ms = d.decode_ms;
                totals.add(&times);
                if pose.is_some() {
                    with_person += 1;
                }
                if let Some(t) = last_ts {
                    intervals.push(d.timestamp_s - t);
                }
                last_ts = Some(d.timestamp_s);
                let pf = PoseFrame {
                    index: d.index,
                    timestamp_s: d.timestamp_s,
                    pose,
                };
                let frame = Frame {
                    index: d.index,
                    timestamp_s: d.timestamp_s,
                    timestamp_estimated: d.timestamp_estimated,
                    image: &d.image,
                    decode_ms: d.decode_ms,
                };
                on_frame(&pf, &frame)
            })();
            if let Err(e) = step {
                outcome = Err(e);
                break;
            }
        }
        drop(rx);
        let counts = decoder
            .join()
            .map_err(|_| Error::Other("the video decoding thread panicked".into()))??;
        outcome.map(|_| counts)
    })?;
    let (frames, estimated) = decoded;
    Ok(PoseRunSummary {
        video: info,
        frames,
        frames_with_person: with_person,
        estimated_timestamps: estimated,
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

/// The outcome of scouting a clip for people.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PersonScout {
    /// How many distinct people were seen.
    pub people: usize,
    /// Where the chosen person was first seen, if a choice was needed (more than one
    /// person, or a non-default choice).
    pub follow: Option<Follow>,
    /// Movement score (degrees of hip + knee angle range) of each person seen.
    pub movement_deg: Vec<f32>,
}

/// Seconds of video scouted for people, and the sampling interval.
pub const SCOUT_SECONDS: f64 = 10.0;
pub const SCOUT_STEP_S: f64 = 0.25;

/// Looks at the first seconds of `video`, follows everyone the detector finds, and
/// picks the person to analyse according to `choice`.
pub fn scout_people(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    choice: PersonChoice,
) -> Result<PersonScout> {
    let mut reader = VideoReader::open(video, rotate)?;
    let mut cands: Vec<Candidate> = Vec::new();
    let mut next_t = f64::NEG_INFINITY;
    let mut scouted = 0usize;
    let mut first_t = None;
    while let Some(f) = reader.next_frame()? {
        let t0 = *first_t.get_or_insert(f.timestamp_s);
        if f.timestamp_s - t0 > SCOUT_SECONDS {
            break;
        }
        if f.timestamp_s < next_t {
            continue;
        }
        next_t = f.timestamp_s + SCOUT_STEP_S;
        scouted += 1;
        let (w, h) = (f.image.cols() as f32, f.image.rows() as f32);
        let dets = tracker.detect(f.image)?;
        let mut poses = Vec::new();
        for d in &dets {
            let roi = d.to_rect(w, h).to_roi(w, h);
            if let Some(p) = tracker.landmarks_in_roi(f.image, &roi)? {
                poses.push(p);
            }
        }
        associate(&mut cands, f.timestamp_s, poses);
    }
    tracker.reset();
    let movement_deg = cands.iter().map(Candidate::movement_deg).collect();
    let people = cands.len();
    let needs_choice = people > 1 || (people == 1 && choice != PersonChoice::Auto);
    let follow = if needs_choice && choice != PersonChoice::First {
        choose(&cands, choice, scouted).and_then(|i| Follow::from_candidates(&cands, i, scouted))
    } else {
        None
    };
    Ok(PersonScout {
        people,
        follow,
        movement_deg,
    })
}
