//! Video in, tracked landmarks out: the decode -> pose stage every command shares.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use opencv::core::Mat;
use opencv::prelude::MatTraitConst;

use crate::error::{Error, Result};
use crate::person::{Candidate, Follow, PersonChoice, associate, choose};
use crate::pose::{Pose, PoseFrame, PoseOptions, PoseTracker, StageTimes};
use crate::privacy::{self, OtherFaces};
use crate::video::{Frame, RotateMode, TimingStats, VideoInfo, VideoReader, timing_stats};

/// What a pose run did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PoseRunSummary {
    pub video: VideoInfo,
    pub frames: u64,
    /// Frames decoded to produce this run, every pass counted (the scouting for
    /// people included): equal to `frames` when each frame was decoded once.
    #[serde(default)]
    pub frames_decoded: u64,
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
        let decoded = if self.frames_decoded > self.frames {
            format!(
                "; {} frames decoded (people scouted in a pass of their own)",
                self.frames_decoded
            )
        } else {
            String::new()
        };
        format!(
            "{} frames, {} with a person ({:.0}%), {:.1} fps end to end; per frame: decode {:.1} ms, preprocess {:.1} ms, inference {:.1} ms, postprocess {:.1} ms{decoded}",
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

/// Whether a per-frame consumer wants more frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    More,
    Stop,
}

/// What one decoding pass did.
struct Pass {
    info: VideoInfo,
    frames: u64,
    estimated: u64,
}

/// Decodes `video` on its own thread, a few frames ahead, handing each upright frame
/// to `each` until the end or until it returns [`Flow::Stop`]. The frame buffers go
/// back to the decoder and are reused, so no frame-sized memory is allocated per
/// frame once the first few are in flight.
fn decode_pass(
    mut reader: VideoReader,
    mut each: impl FnMut(&Decoded) -> Result<Flow>,
) -> Result<Pass> {
    let info = reader.info().clone();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Decoded>>(DECODE_AHEAD);
    let (back_tx, back_rx) = std::sync::mpsc::channel::<opencv::core::Mat>();
    let counts = std::thread::scope(|scope| -> Result<(u64, u64)> {
        let decoder = scope.spawn(move || -> Result<(u64, u64)> {
            loop {
                let item = match reader.next_frame() {
                    Ok(Some(f)) => {
                        let mut image = back_rx.try_recv().unwrap_or_default();
                        f.image
                            .copy_to(&mut image)
                            .map_err(Error::from)
                            .map(|_| Decoded {
                                index: f.index,
                                timestamp_s: f.timestamp_s,
                                timestamp_estimated: f.timestamp_estimated,
                                image,
                                decode_ms: f.decode_ms,
                            })
                    }
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    // The consumer stopped (done, or an error downstream) or decoding failed.
                    return Ok((reader.frames_decoded(), reader.estimated_timestamps()));
                }
            }
            reader.check_complete()?;
            Ok((reader.frames_decoded(), reader.estimated_timestamps()))
        });
        let mut outcome = Ok(());
        for item in rx.iter() {
            let step = item.and_then(|d| {
                let flow = each(&d);
                let _ = back_tx.send(d.image);
                flow
            });
            match step {
                Ok(Flow::More) => {}
                Ok(Flow::Stop) => break,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        drop(rx);
        let counts = decoder
            .join()
            .map_err(|_| Error::Other("the video decoding thread panicked".into()))??;
        outcome.map(|_| counts)
    })?;
    Ok(Pass {
        info,
        frames: counts.0,
        estimated: counts.1,
    })
}

/// Tracks frame after frame, following `follow` when given, and keeps the run's
/// statistics.
struct FrameTracker<'t> {
    tracker: &'t mut PoseTracker,
    follow: Option<Follow>,
    /// The faces of everyone in view, looked for on sampled frames when asked.
    faces: Option<FaceScan>,
    totals: StageTimes,
    with_person: u64,
    last_ts: Option<f64>,
    intervals: Vec<f64>,
}

impl<'t> FrameTracker<'t> {
    fn new(tracker: &'t mut PoseTracker, follow: Option<Follow>, scan: bool) -> Self {
        tracker.start_video();
        FrameTracker {
            tracker,
            follow,
            faces: scan.then(FaceScan::default),
            totals: StageTimes::default(),
            with_person: 0,
            last_ts: None,
            intervals: Vec::new(),
        }
    }

    /// The pose in one decoded frame.
    fn step(&mut self, d: &Decoded) -> Result<PoseFrame> {
        let (w, h) = (d.image.cols() as f32, d.image.rows() as f32);
        let ts = d.timestamp_s;
        let tracker = &mut *self.tracker;
        let (mut pose, mut times) = match &self.follow {
            None => tracker.process(&d.image, ts)?,
            Some(f) => {
                tracker.process_with(&d.image, ts, |dets| f.rank(dets, w, h).first().copied())?
            }
        };
        if let Some(f) = self.follow.as_mut() {
            if pose.as_ref().is_some_and(|p| !f.accepts(p, ts)) {
                let (p, t) = tracker.redetect(&d.image, ts, |p| f.mismatch(p, ts))?;
                times.add(&t);
                pose = p;
            }
            if let Some(p) = pose.as_ref() {
                f.update(p, ts);
            }
        }
        if let Some(scan) = self.faces.as_mut() {
            scan.offer(tracker, d, pose.as_ref())?;
        }
        times.decode_ms = d.decode_ms;
        self.totals.add(&times);
        if pose.is_some() {
            self.with_person += 1;
        }
        if let Some(t) = self.last_ts {
            self.intervals.push(ts - t);
        }
        self.last_ts = Some(ts);
        Ok(PoseFrame {
            index: d.index,
            timestamp_s: ts,
            pose,
        })
    }

    fn summary(&self, pass: &Pass, frames_decoded: u64, start: Instant) -> PoseRunSummary {
        PoseRunSummary {
            video: pass.info.clone(),
            frames: pass.frames,
            frames_decoded,
            frames_with_person: self.with_person,
            estimated_timestamps: pass.estimated,
            timing: timing_stats(&self.intervals),
            stage_totals: self.totals,
            wall_s: start.elapsed().as_secs_f64(),
        }
    }
}

/// The other people's faces (see [`privacy::find_faces`]), looked for on the frames of
/// the tracking pass every [`privacy::SCAN_STEP_S`]: no extra decoding pass, no copy of
/// the frame, and the tracking state is not touched. The face detector is loaded at the
/// first scan.
#[derive(Default)]
struct FaceScan {
    next_t: f64,
    tracks: Vec<crate::pose::Roi>,
    found: OtherFaces,
    face_detector: Option<crate::pose::face_detector::FaceDetector>,
}

impl FaceScan {
    fn offer(&mut self, tracker: &mut PoseTracker, d: &Decoded, own: Option<&Pose>) -> Result<()> {
        if d.timestamp_s < self.next_t && !self.found.samples.is_empty() {
            return Ok(());
        }
        self.next_t = d.timestamp_s + privacy::SCAN_STEP_S;
        let own = own.map(|p| p.image.as_slice());
        let face_detector =
            match &mut self.face_detector {
                Some(f) => f,
                None => self.face_detector.insert(
                    crate::pose::face_detector::FaceDetector::for_options(tracker.options())?,
                ),
            };
        let recent = self.found.samples.last().map_or(&[][..], |s| &s.faces[..]);
        let faces = privacy::find_faces(
            tracker,
            face_detector,
            &d.image,
            own,
            recent,
            &mut self.tracks,
            self.found.samples.len() % privacy::FINE_SCAN_EVERY == 0,
        )?;
        self.found.samples.push(privacy::FaceSample {
            index: d.index as usize,
            t: d.timestamp_s,
            faces,
        });
        Ok(())
    }
}

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
    follow: Option<Follow>,
    on_frame: impl FnMut(&PoseFrame, &Frame<'_>) -> Result<()>,
) -> Result<PoseRunSummary> {
    track_video_scanning(video, rotate, tracker, follow, false, on_frame).map(|(s, _)| s)
}

/// [`track_video_following`], looking for everyone's faces too when `scan` is set.
fn track_video_scanning(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    follow: Option<Follow>,
    scan: bool,
    mut on_frame: impl FnMut(&PoseFrame, &Frame<'_>) -> Result<()>,
) -> Result<(PoseRunSummary, Option<OtherFaces>)> {
    let start = Instant::now();
    let reader = VideoReader::open(video, rotate)?;
    let mut ft = FrameTracker::new(tracker, follow, scan);
    let pass = decode_pass(reader, |d| {
        let pf = ft.step(d)?;
        let frame = Frame {
            index: d.index,
            timestamp_s: d.timestamp_s,
            timestamp_estimated: d.timestamp_estimated,
            image: &d.image,
            decode_ms: d.decode_ms,
        };
        on_frame(&pf, &frame)?;
        Ok(Flow::More)
    })?;
    Ok((
        ft.summary(&pass, pass.frames, start),
        ft.faces.map(|f| f.found),
    ))
}

/// Finds the people in the first [`SCOUT_SECONDS`] and tracks the one `choice` picks,
/// handing each frame's landmarks (and the video's facts) to `on_frame` in order. The same choice and the
/// same landmarks as [`scout_people`] followed by [`track_video_following`], but with
/// one decoding pass whenever the scouting leaves nobody to follow (one person in
/// view with `auto`, or `first`): tracking runs from the first frame alongside the
/// scouting (which never touches the tracking state), and the tracked landmarks of
/// the scouted stretch are held (landmarks only) until the scouting is done. As soon
/// as `auto` sees a second person, tracking stops, the scouting finishes and the
/// chosen person is tracked in a second pass from the start, as are `left`, `right`
/// and `largest`, which follow the chosen person from the first frame.
pub fn track_people(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    choice: PersonChoice,
    on_frame: impl FnMut(&PoseFrame, &VideoInfo) -> Result<()>,
) -> Result<(PersonScout, PoseRunSummary)> {
    track_people_scanning(video, rotate, tracker, choice, false, on_frame).map(|(p, s, _)| (p, s))
}

/// [`track_people`], and everyone's faces on sampled frames of the tracking pass (see
/// [`crate::privacy`]): the same landmarks, no extra decoding pass.
pub fn track_people_finding_faces(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    choice: PersonChoice,
    on_frame: impl FnMut(&PoseFrame, &VideoInfo) -> Result<()>,
) -> Result<(PersonScout, PoseRunSummary, OtherFaces)> {
    track_people_scanning(video, rotate, tracker, choice, true, on_frame)
        .map(|(p, s, f)| (p, s, f.unwrap_or_default()))
}

type Tracked = (PersonScout, PoseRunSummary, Option<OtherFaces>);

fn track_people_scanning(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    choice: PersonChoice,
    scan: bool,
    mut on_frame: impl FnMut(&PoseFrame, &VideoInfo) -> Result<()>,
) -> Result<Tracked> {
    let start = Instant::now();
    let reader = VideoReader::open(video, rotate)?;
    let info = reader.info().clone();
    let mut on_frame = |pf: &PoseFrame| on_frame(pf, &info);
    if !matches!(choice, PersonChoice::Auto | PersonChoice::First) {
        drop(reader);
        return track_in_two_passes(video, rotate, tracker, choice, scan, on_frame, start);
    }
    let mut scout = Scout::default();
    let mut held: Vec<PoseFrame> = Vec::new();
    let mut tracking = true;
    let mut ft = FrameTracker::new(tracker, None, scan);
    let pass = decode_pass(reader, |d| {
        if scout.scouting {
            scout.offer(ft.tracker, &d.image, d.timestamp_s)?;
            if choice == PersonChoice::Auto && scout.cands.len() > 1 {
                tracking = false;
                held = Vec::new();
            }
            if scout.scouting {
                if tracking {
                    held.push(ft.step(d)?);
                }
                return Ok(Flow::More);
            }
            if !tracking {
                return Ok(Flow::Stop);
            }
            for pf in held.drain(..) {
                on_frame(&pf)?;
            }
        }
        on_frame(&ft.step(d)?)?;
        Ok(Flow::More)
    })?;
    let found = scout.finish(choice);
    if tracking {
        for pf in held.drain(..) {
            on_frame(&pf)?;
        }
        let summary = ft.summary(&pass, pass.frames, start);
        return Ok((found, summary, ft.faces.map(|f| f.found)));
    }
    let scouted = pass.frames;
    let follow = found.follow.clone();
    let (mut summary, faces) =
        track_video_scanning(video, rotate, ft.tracker, follow, scan, |pf, _| {
            on_frame(pf)
        })?;
    summary.frames_decoded += scouted;
    summary.wall_s = start.elapsed().as_secs_f64();
    Ok((found, summary, faces))
}

/// [`scout_people`], then [`track_video_following`] from the start.
fn track_in_two_passes(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    choice: PersonChoice,
    scan: bool,
    mut on_frame: impl FnMut(&PoseFrame) -> Result<()>,
    start: Instant,
) -> Result<Tracked> {
    let (found, scouted) = scout_people_counted(video, rotate, tracker, choice)?;
    let follow = found.follow.clone();
    let (mut summary, faces) =
        track_video_scanning(video, rotate, tracker, follow, scan, |pf, _| on_frame(pf))?;
    summary.frames_decoded += scouted;
    summary.wall_s = start.elapsed().as_secs_f64();
    Ok((found, summary, faces))
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

/// The people seen so far in the scouted stretch of a clip.
struct Scout {
    cands: Vec<Candidate>,
    next_t: f64,
    scouted: usize,
    first_t: Option<f64>,
    /// False once a frame past the scouted stretch was offered.
    scouting: bool,
}

impl Default for Scout {
    fn default() -> Self {
        Scout {
            cands: Vec::new(),
            next_t: f64::NEG_INFINITY,
            scouted: 0,
            first_t: None,
            scouting: true,
        }
    }
}

impl Scout {
    /// Looks for people in the frame at `ts` when it is due (every [`SCOUT_STEP_S`]);
    /// a frame past [`SCOUT_SECONDS`] ends the scouting. Uses the detector and the
    /// landmark model but not the tracker's tracking state.
    fn offer(&mut self, tracker: &mut PoseTracker, image: &Mat, ts: f64) -> Result<()> {
        let t0 = *self.first_t.get_or_insert(ts);
        if ts - t0 > SCOUT_SECONDS {
            self.scouting = false;
            return Ok(());
        }
        if ts < self.next_t {
            return Ok(());
        }
        self.next_t = ts + SCOUT_STEP_S;
        self.scouted += 1;
        let (w, h) = (image.cols() as f32, image.rows() as f32);
        let dets = tracker.detect(image)?;
        let mut poses = Vec::new();
        for d in &dets {
            let roi = d.to_rect(w, h).to_roi(w, h);
            if let Some(p) = tracker.landmarks_in_roi(image, &roi)? {
                poses.push(p);
            }
        }
        associate(&mut self.cands, ts, poses);
        Ok(())
    }

    /// The person `choice` picks among those seen.
    fn finish(self, choice: PersonChoice) -> PersonScout {
        let movement_deg = self.cands.iter().map(Candidate::movement_deg).collect();
        let people = self.cands.len();
        let needs_choice = people > 1 || (people == 1 && choice != PersonChoice::Auto);
        let follow = if needs_choice && choice != PersonChoice::First {
            choose(&self.cands, choice, self.scouted)
                .and_then(|i| Follow::from_candidates(&self.cands, i, self.scouted))
        } else {
            None
        };
        PersonScout {
            people,
            follow,
            movement_deg,
        }
    }
}

/// Looks at the first seconds of `video`, follows everyone the detector finds, and
/// picks the person to analyse according to `choice`.
pub fn scout_people(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    choice: PersonChoice,
) -> Result<PersonScout> {
    scout_people_counted(video, rotate, tracker, choice).map(|(s, _)| s)
}

/// [`scout_people`], and how many frames it decoded.
fn scout_people_counted(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
    choice: PersonChoice,
) -> Result<(PersonScout, u64)> {
    let (scout, decoded) = scout_pass(video, rotate, tracker)?;
    Ok((scout.finish(choice), decoded))
}

/// The people the scouting of `video` sees, as [`crate::person::choose`] is given them:
/// the candidates and how many frames were scouted (for tests of the choice).
pub fn scouted_people(
    video: &Path,
    rotate: RotateMode,
    tracker: &mut PoseTracker,
) -> Result<(Vec<Candidate>, usize)> {
    let (scout, _) = scout_pass(video, rotate, tracker)?;
    Ok((scout.cands, scout.scouted))
}

fn scout_pass(video: &Path, rotate: RotateMode, tracker: &mut PoseTracker) -> Result<(Scout, u64)> {
    let mut reader = VideoReader::open(video, rotate)?;
    let mut scout = Scout::default();
    while let Some(f) = reader.next_frame()? {
        scout.offer(tracker, f.image, f.timestamp_s)?;
        if !scout.scouting {
            break;
        }
    }
    tracker.start_video();
    Ok((scout, reader.frames_decoded()))
}
