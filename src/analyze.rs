//! Landmarks in, report out: the glue between the analysis (angles, reps) and the
//! protocol (phase rules, flags). Every step is a plain-data transformation, so a
//! clinician can re-run it from a landmarks file with another phase instantly.

use std::path::Path;

use crate::common::Exercise;
use crate::error::Result;
use crate::exercise::{Analysis, AnalysisConfig};
use crate::frame_store::{FrameSpill, FrameStore, Frames};
use crate::kinematics::ViewVerdict as KinView;
use crate::pose::PoseFrame;
use crate::progress::{Progress, Stage};
use crate::protocol::{
    self, HipSample, HipSource, Protocol, RepKind, RepMeasurement, SetMeasurement, ViewVerdict,
};
use crate::report::{self, ClipFacts, FlagOut, ProtocolUsed, Report};
use crate::video::{VideoInfo, timing_stats};

/// What to judge the clip against, and how to analyse it.
#[derive(Clone, Debug)]
pub struct AnalyzeOptions {
    pub phase: u8,
    pub protocol: Protocol,
    /// Where the protocol came from (file path or "built-in").
    pub protocol_source: String,
    pub config: AnalysisConfig,
    pub exercise: Option<Exercise>,
}

/// How the landmarks were obtained (for the report's clip facts).
#[derive(Clone, Debug)]
pub struct Provenance {
    pub video: VideoInfo,
    pub model: String,
    pub person: String,
    pub people_seen: Option<usize>,
}

/// Mean of the hip confidence over a time range.
fn mean_conf(a: &Analysis, start: f64, end: f64) -> f64 {
    let v: Vec<f64> = a
        .frames
        .iter()
        .filter(|f| f.t >= start && f.t <= end && f.present)
        .map(|f| f.conf_hip)
        .collect();
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Describes what the analysis measured in the protocol's terms.
pub fn measurement(a: &Analysis) -> SetMeasurement {
    let samples = |s: &[crate::exercise::RepSample]| -> Vec<HipSample> {
        s.iter()
            .filter_map(|x| {
                x.hip_flexion_deg.map(|h| HipSample {
                    t_s: x.t,
                    hip_deg: h,
                    loaded: x.loaded,
                })
            })
            .collect()
    };
    let mut reps: Vec<RepMeasurement> = a
        .counted_reps()
        .map(|r| RepMeasurement {
            number: r.number.unwrap_or(0),
            kind: RepKind::Rep,
            start_s: r.start_s,
            end_s: r.end_s,
            // Phases the clip does not show (e.g. the lowering before a set that starts
            // on the floor) are not measured, so they must not be judged as 0 s.
            tempo: Some(crate::common::Tempo {
                eccentric_s: r.eccentric_s.unwrap_or(f64::NAN),
                bottom_pause_s: r.bottom_pause_s.unwrap_or(f64::NAN),
                concentric_s: r.concentric_s.unwrap_or(f64::NAN),
                top_pause_s: r.top_pause_s.unwrap_or(f64::NAN),
            }),
            peak_hip_deg: r.peak_hip_flexion_deg,
            peak_hip_time_s: r.peak_hip_flexion_s,
            peak_hip_uncertainty_deg: r.peak_hip_flexion_uncertainty_deg,
            top_hip_deg: r.min_hip_flexion_deg,
            hip_samples: samples(&r.series),
            hold_duration_s: None,
            hold_drift_deg: None,
            nordic_lowering_s: r.lowering_s,
            break_point_knee_deg: r.break_point_knee_deg,
            confidence: mean_conf(a, r.start_s, r.end_s),
            uncertain: r.uncertain.then(|| r.uncertain_reasons.join("; ")),
        })
        .collect();
    // A set of isometric holds (phase 1) has no moving reps: judge the loaded holds.
    if reps.is_empty() {
        reps = a
            .holds
            .iter()
            .filter(|h| h.loaded)
            .enumerate()
            .map(|(i, h)| RepMeasurement {
                number: i + 1,
                kind: RepKind::Hold,
                start_s: h.start_s,
                end_s: h.end_s,
                tempo: None,
                peak_hip_deg: h
                    .series
                    .iter()
                    .filter_map(|s| s.hip_flexion_deg)
                    .max_by(f64::total_cmp),
                peak_hip_time_s: None,
                peak_hip_uncertainty_deg: None,
                top_hip_deg: None,
                hip_samples: samples(&h.series),
                hold_duration_s: Some(h.duration_s),
                hold_drift_deg: h.hip_drift_deg.map(f64::abs),
                nordic_lowering_s: None,
                break_point_knee_deg: None,
                confidence: mean_conf(a, h.start_s, h.end_s),
                uncertain: h
                    .truncated
                    .then(|| "the hold runs into the start or end of the clip".to_string()),
            })
            .collect();
    }
    let present = a.frames.iter().filter(|f| f.present).count().max(1);
    let low = a
        .frames
        .iter()
        .filter(|f| f.present && f.low_confidence)
        .count();
    let uncounted = a
        .reps
        .iter()
        .filter(|r| !r.counted)
        .map(|r| crate::protocol::UncountedMovement {
            start_s: r.start_s,
            end_s: r.end_s,
            hip_samples: samples(&r.series),
        })
        .collect();
    SetMeasurement {
        exercise: a.classification.exercise,
        exercise_confidence: a.classification.confidence,
        reps,
        uncounted,
        view_verdict: match a.view.verdict {
            KinView::Good => ViewVerdict::Good,
            KinView::Oblique => ViewVerdict::Oblique,
            KinView::Poor => ViewVerdict::Poor,
        },
        view_reason: a.view.reasons.join("; "),
        hip_source: if a.angle_source == "3d" {
            HipSource::ThreeD
        } else {
            HipSource::TwoD
        },
        low_confidence_fraction: low as f64 / present as f64,
    }
}

/// What the analysis reads about a clip's frames besides their landmarks.
struct ClipTimes {
    frames: usize,
    /// Last timestamp minus the first (0 without frames).
    span: f64,
    /// Time from each frame to the next.
    intervals: Vec<f64>,
    with_person: usize,
}

impl ClipTimes {
    fn of<F: Frames + ?Sized>(frames: &F) -> Result<ClipTimes> {
        let mut first = None;
        let mut last = None;
        let mut intervals = Vec::with_capacity(frames.len().saturating_sub(1));
        let mut with_person = 0;
        frames.visit(&mut |_, f| {
            if let Some(t) = last {
                intervals.push(f.timestamp_s - t);
            }
            first.get_or_insert(f.timestamp_s);
            last = Some(f.timestamp_s);
            with_person += usize::from(f.pose.is_some());
        })?;
        Ok(ClipTimes {
            frames: frames.len(),
            span: match (first, last) {
                (Some(a), Some(b)) => b - a,
                _ => 0.0,
            },
            intervals,
            with_person,
        })
    }
}

/// Refuses a clip shorter than `view.min_clip_s` (or a single frame) before analysing it.
fn check_clip_length(
    prov: &Provenance,
    clip: &ClipTimes,
    fps_hint: Option<f64>,
    cfg: &AnalysisConfig,
) -> Result<()> {
    let span = clip.span;
    let per_frame = if clip.frames > 1 && span.is_finite() && span > 0.0 {
        span / (clip.frames - 1) as f64
    } else {
        1.0 / fps_hint.unwrap_or(30.0)
    };
    let duration = if span.is_finite() { span.max(0.0) } else { 0.0 } + per_frame;
    crate::video::probe::check_clip_length(
        &prov.video.path,
        clip.frames,
        duration,
        cfg.view.min_clip_s,
    )
}

/// A person cut off by the frame, a dark or a blurred picture: the view is poor, with the
/// reason, and every rep's numbers are uncertain.
fn flag_picture_problems<F: Frames + ?Sized>(
    prov: &Provenance,
    frames: &F,
    a: &mut Analysis,
    cfg: &AnalysisConfig,
) -> Result<()> {
    let problems = crate::kinematics::view::picture_problems(
        frames,
        prov.video.width as f64,
        prov.video.height as f64,
        prov.video.image_quality.as_ref(),
        &cfg.view,
    )?;
    if problems.is_empty() {
        return Ok(());
    }
    crate::kinematics::view::apply_picture_problems(&mut a.view, problems);
    for r in &mut a.reps {
        if !r.uncertain_reasons.iter().any(|x| x == "poor camera view") {
            r.uncertain = true;
            r.uncertain_reasons.push("poor camera view".into());
        }
    }
    Ok(())
}

/// Analyses landmarks and judges them against the protocol phase.
pub fn analyze_frames<F: Frames + ?Sized>(
    prov: &Provenance,
    frames: &F,
    opts: &AnalyzeOptions,
) -> Result<(Report, Analysis)> {
    analyze_frames_cross_checked(prov, frames, None, opts)
}

/// [`analyze_frames`], each rep's peak also measured on `cross` (the second model size's
/// landmarks of the same frames, `--cross-check`) when given.
pub fn analyze_frames_cross_checked<F: Frames + ?Sized>(
    prov: &Provenance,
    frames: &F,
    cross: Option<&crate::pose::CrossCheckTrack>,
    opts: &AnalyzeOptions,
) -> Result<(Report, Analysis)> {
    let fps_hint = (prov.video.nominal_fps > 0.0).then_some(prov.video.nominal_fps);
    let times = ClipTimes::of(frames)?;
    check_clip_length(prov, &times, fps_hint, &opts.config)?;
    let mut analysis = crate::exercise::analyze_landmarks_cross_checked(
        frames,
        cross,
        fps_hint,
        &opts.config,
        opts.exercise,
    )?;
    flag_picture_problems(prov, frames, &mut analysis, &opts.config)?;
    let set = measurement(&analysis);
    let eval = protocol::evaluate(&opts.protocol, opts.phase, &set)?;
    let flags: Vec<FlagOut> = eval
        .flags
        .iter()
        .map(|f| FlagOut {
            code: f.code.as_str().to_string(),
            severity: f.severity.name().to_string(),
            rep: f.rep,
            start_s: f.start_s,
            end_s: f.end_s,
            value: f.value,
            limit: f.limit,
            unit: f
                .unit
                .and_then(|u| serde_json::to_value(u).ok())
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            message: f.message.clone(),
            uncertain: f.uncertain,
        })
        .collect();
    let timing = timing_stats(&times.intervals);
    let clip = ClipFacts {
        file: prov
            .video
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        duration_s: analysis.duration_s,
        frames: times.frames,
        frames_with_person: times.with_person,
        width: prov.video.width,
        height: prov.video.height,
        nominal_fps: prov.video.nominal_fps,
        measured_fps: timing.mean_fps,
        variable_frame_rate: analysis.variable_frame_rate || timing.variable,
        rotation_applied_deg: prov.video.rotation_applied_deg,
        codec: prov.video.codec.clone(),
        capture_fps: opts.config.capture_fps,
        time_scale: analysis.time_scale,
        model: prov.model.clone(),
        cross_check_model: cross.map(|c| c.model.name().to_string()),
        person: prov.person.clone(),
        people_seen: prov.people_seen,
    };
    let used = ProtocolUsed {
        name: eval.protocol_name.clone(),
        version: eval.protocol_version.clone(),
        source: opts.protocol_source.clone(),
        phase: eval.phase,
        phase_name: eval.phase_name.clone(),
        cap_deg: eval.rules.cap_deg,
        amber_band_deg: eval.rules.cap_deg.map(|_| eval.rules.amber_band_deg),
    };
    let mut notes = eval.summary.notes.clone();
    notes.extend(eval.caveats.iter().cloned());
    let report = report::build(clip, &analysis, used, flags, notes);
    Ok((report, analysis))
}

/// Loads a protocol file, or the built-in one.
pub fn load_protocol(path: Option<&Path>) -> Result<(Protocol, String)> {
    match path {
        Some(p) => Ok((Protocol::from_file(p)?, p.display().to_string())),
        None => Ok((Protocol::default_pht(), "built-in pht-default".to_string())),
    }
}

/// Runs the pose model over `video`, following the right person, and returns the frames
/// with their provenance. The tracker is reset first, so one tracker can serve many clips.
pub fn track_clip(
    tracker: &mut crate::pose::PoseTracker,
    video: &Path,
    rotate: crate::video::RotateMode,
    person: crate::person::PersonChoice,
    progress: &dyn Progress,
) -> Result<(Provenance, Vec<PoseFrame>)> {
    track_clip_finding_faces(tracker, video, rotate, person, false, progress)
        .map(|(p, f, _)| (p, f))
}

/// [`track_clip`], and, when `faces` is set, everyone's faces found on sampled frames
/// of the same pass (for blurring; see [`crate::privacy`]).
pub fn track_clip_finding_faces(
    tracker: &mut crate::pose::PoseTracker,
    video: &Path,
    rotate: crate::video::RotateMode,
    person: crate::person::PersonChoice,
    faces: bool,
    progress: &dyn Progress,
) -> Result<(Provenance, Vec<PoseFrame>, crate::privacy::OtherFaces)> {
    let mut frames = Vec::new();
    let (prov, others) = track_clip_into(tracker, video, rotate, person, faces, progress, |f| {
        frames.push(f.clone());
        Ok(())
    })?;
    Ok((prov, frames, others))
}

/// [`track_clip_finding_faces`], keeping the landmarks in a [`FrameStore`] in `dir` (the
/// outputs' folder) instead of memory.
pub fn track_clip_to_store(
    tracker: &mut crate::pose::PoseTracker,
    video: &Path,
    rotate: crate::video::RotateMode,
    person: crate::person::PersonChoice,
    faces: bool,
    progress: &dyn Progress,
    dir: &Path,
) -> Result<(Provenance, FrameStore, crate::privacy::OtherFaces)> {
    let mut spill = FrameSpill::create(dir)?;
    let (prov, others) = track_clip_into(tracker, video, rotate, person, faces, progress, |f| {
        spill.push(f)
    })?;
    Ok((prov, spill.finish()?, others))
}

/// Tracks the clip, handing each frame's landmarks to `keep` in order.
fn track_clip_into(
    tracker: &mut crate::pose::PoseTracker,
    video: &Path,
    rotate: crate::video::RotateMode,
    person: crate::person::PersonChoice,
    faces: bool,
    progress: &dyn Progress,
    mut keep: impl FnMut(&PoseFrame) -> Result<()>,
) -> Result<(Provenance, crate::privacy::OtherFaces)> {
    use crate::pipeline;
    tracker.start_video();
    tracker.take_cross_checks();
    // One decoding pass whenever the person choice allows (see `track_people`).
    let mut kept = 0u64;
    let each = |pf: &PoseFrame, info: &crate::video::VideoInfo| {
        keep(pf)?;
        kept += 1;
        progress.frames(Stage::Tracking, kept, info.frame_count_hint);
        Ok(())
    };
    let (scout, summary, others) = if faces {
        pipeline::track_people_finding_faces(video, rotate, tracker, person, each)?
    } else {
        let (s, r) = pipeline::track_people(video, rotate, tracker, person, each)?;
        (s, r, crate::privacy::OtherFaces::default())
    };
    if summary.frames_with_person == 0 {
        return Err(pipeline::no_person(video, summary.frames));
    }
    Ok((
        Provenance {
            video: summary.video.clone(),
            model: tracker.options().model.name().to_string(),
            person: person.to_string(),
            people_seen: Some(scout.people),
        },
        others,
    ))
}

/// The files [`write_outputs`] writes into its folder.
pub const OUTPUTS: [&str; 7] = [
    "report.json",
    "reps.csv",
    "frames.csv",
    "landmarks.json",
    "hip_flexion.svg",
    "hip_flexion.png",
    "report.html",
];

/// A small picture of the person, written when the video is at hand (batch listings
/// embed it).
pub const THUMBNAIL_FILE: &str = "thumbnail.jpg";

/// The source video, for the outputs drawn on its frames (defined by the report, which
/// draws them; re-exported here for callers of [`write_outputs`]).
pub use crate::report::VideoSource;

/// Writes the report, tables, plot, page and (when `landmarks` is given) the landmarks
/// into `out`, each file atomically. With a `source`, a second decoding pass draws the
/// annotated video (if asked) and the per-rep keyframes the page embeds.
pub fn write_outputs<F: Frames + ?Sized>(
    out: &Path,
    report: &Report,
    analysis: &Analysis,
    frames: &F,
    landmarks: Option<&crate::landmarks_file::LandmarksHeader>,
    source: Option<VideoSource<'_>>,
    force: bool,
) -> Result<()> {
    let drawn = write_analysis_outputs(out, report, analysis, frames, source, force)?;
    write_plot_and_page(out, report, &drawn, force)?;
    write_landmarks(out, frames, landmarks, force)
}

/// [`write_outputs`], the analysis dropped as soon as the files drawn from it are
/// written: the plot's PNG and the page, the largest things drawn, are made without the
/// per-frame rows of a long clip beside them.
pub fn write_outputs_from<F: Frames + ?Sized>(
    out: &Path,
    report: &Report,
    analysis: Analysis,
    frames: &F,
    landmarks: Option<&crate::landmarks_file::LandmarksHeader>,
    source: Option<VideoSource<'_>>,
    force: bool,
) -> Result<()> {
    let drawn = write_analysis_outputs(out, report, &analysis, frames, source, force)?;
    drop(analysis);
    write_plot_and_page(out, report, &drawn, force)?;
    write_landmarks(out, frames, landmarks, force)
}

/// What the page is made of once the analysis has been read: the plot, the drawn
/// keyframes and the review player's timeline.
struct Drawn {
    svg: String,
    annotated: report::overlay::Annotated,
    review: Option<report::html::Review>,
}

/// The report, the tables, the annotated video, keyframes and thumbnail, and the plot's
/// SVG: every output read from the analysis.
fn write_analysis_outputs<F: Frames + ?Sized>(
    out: &Path,
    report: &Report,
    analysis: &Analysis,
    frames: &F,
    source: Option<VideoSource<'_>>,
    force: bool,
) -> Result<Drawn> {
    use crate::output::write_atomic;
    std::fs::create_dir_all(out).map_err(|e| crate::Error::Write {
        path: out.to_path_buf(),
        source: e,
    })?;
    let mut json = crate::output::AtomicFile::create(&out.join("report.json"), force)?;
    serde_json::to_writer_pretty(&mut json, report)
        .map_err(|e| crate::Error::Other(format!("could not serialise the report: {e}")))?;
    json.commit()?;
    write_atomic(
        &out.join("reps.csv"),
        report::csv::reps_csv(report).as_bytes(),
        force,
    )?;
    let mut frames_csv = crate::output::AtomicFile::create(&out.join("frames.csv"), force)?;
    report::csv::write_frames_csv(&mut frames_csv, analysis).map_err(|e| crate::Error::Write {
        path: out.join("frames.csv"),
        source: e,
    })?;
    frames_csv.commit()?;
    let annotated = match source {
        Some(src) => {
            let video = out.join("annotated.mp4");
            report::overlay::annotate(
                src,
                frames,
                analysis,
                report,
                src.annotated_video.then_some(video.as_path()),
                out,
                force,
            )?
        }
        None => report::overlay::Annotated::default(),
    };
    if let Some(jpeg) = &annotated.thumbnail {
        write_atomic(&out.join(THUMBNAIL_FILE), jpeg, force)?;
    }
    let mut svg = report::plot::hip_flexion_svg(report, analysis);
    // Built by appending, a long clip's plot has up to twice its length in capacity.
    svg.shrink_to_fit();
    write_atomic(&out.join("hip_flexion.svg"), svg.as_bytes(), force)?;
    let review = annotated
        .codec
        .map(|_| report::html::Review::new("annotated.mp4", report, analysis));
    Ok(Drawn {
        svg,
        annotated,
        review,
    })
}

/// The plot's PNG and the page.
fn write_plot_and_page(out: &Path, report: &Report, drawn: &Drawn, force: bool) -> Result<()> {
    crate::output::write_atomic(
        &out.join("hip_flexion.png"),
        &report::plot::svg_to_png(&drawn.svg, 2.0)?,
        force,
    )?;
    let mut page = crate::output::AtomicFile::create(&out.join("report.html"), force)?;
    report::html::write_report_page(
        &mut page,
        report,
        &drawn.svg,
        &drawn.annotated.keyframes,
        drawn.review.as_ref(),
    )?;
    page.commit()
}

/// `landmarks.json`, when a header is given.
fn write_landmarks<F: Frames + ?Sized>(
    out: &Path,
    frames: &F,
    landmarks: Option<&crate::landmarks_file::LandmarksHeader>,
    force: bool,
) -> Result<()> {
    let Some(header) = landmarks else {
        return Ok(());
    };
    let mut w =
        crate::landmarks_file::LandmarksWriter::create(&out.join("landmarks.json"), header, force)?;
    let mut frames = frames.cursor()?;
    while let Some(f) = frames.next_frame()? {
        w.write_frame(f)?;
    }
    w.finish()?;
    Ok(())
}

/// One video to analyse into a folder, and how.
#[derive(Clone, Copy)]
pub struct VideoJob<'a> {
    pub video: &'a Path,
    pub rotate: crate::video::RotateMode,
    pub person: crate::person::PersonChoice,
    pub out: &'a Path,
    /// Write `annotated.mp4`.
    pub annotated_video: bool,
    /// Leave faces unblurred in the pictures (`--show-faces`).
    pub show_faces: bool,
    /// Replace existing outputs.
    pub force: bool,
    pub progress: &'a dyn Progress,
    /// The video's sha256 when the caller already hashed it (a batch stamp), so the file
    /// is read for it only once.
    pub known_sha256: Option<&'a str>,
}

/// Analyses one video into a folder: pose model, analysis, judgement against the phase,
/// and every output file (see [`OUTPUTS`]). Refuses to overwrite existing outputs unless
/// `job.force`. When `opts.config.capture_fps` is unset, slow-motion Android clips are
/// detected from their metadata.
pub fn analyze_video_to_dir(
    tracker: &mut crate::pose::PoseTracker,
    job: &VideoJob<'_>,
    opts: &AnalyzeOptions,
) -> Result<Report> {
    let (out, force) = (job.out, job.force);
    for f in OUTPUTS {
        crate::output::check_writable(&out.join(f), force)?;
    }
    crate::output::check_writable(&out.join(THUMBNAIL_FILE), force)?;
    if job.annotated_video {
        crate::output::check_writable(&out.join("annotated.mp4"), force)?;
    }
    let made = !out.exists();
    let done = analyze_tracked(tracker, job, opts);
    if done.is_err() && made {
        // Only the empty folder made for the landmarks goes; a folder with files stays.
        let _ = std::fs::remove_dir(out);
    }
    done
}

/// [`analyze_video_to_dir`] once the outputs may be written.
fn analyze_tracked(
    tracker: &mut crate::pose::PoseTracker,
    job: &VideoJob<'_>,
    opts: &AnalyzeOptions,
) -> Result<Report> {
    // The landmarks wait on the outputs' disk, not in memory (see `frame_store`).
    std::fs::create_dir_all(job.out).map_err(|e| crate::Error::Write {
        path: job.out.to_path_buf(),
        source: e,
    })?;
    let mut t = track_and_analyze(tracker, job, job.person, opts)?;
    if let Some(other) = another_person_exercising(tracker, job, opts, &t) {
        t = other;
    }
    let Tracked {
        frames,
        others,
        header,
        mut report,
        analysis,
    } = t;
    report.faces_shown = job.show_faces;
    report.pictures_written = true;
    let source = VideoSource {
        video: job.video,
        rotate: job.rotate,
        annotated_video: job.annotated_video,
        show_faces: job.show_faces,
        other_faces: Some(&others),
        progress: job.progress,
    };
    write_outputs_from(
        job.out,
        &report,
        analysis,
        &frames,
        Some(&header),
        Some(source),
        job.force,
    )?;
    Ok(report)
}

/// One tracking pass over a video and its analysis, not yet written.
struct Tracked {
    frames: FrameStore,
    others: crate::privacy::OtherFaces,
    header: crate::landmarks_file::LandmarksHeader,
    report: Report,
    analysis: Analysis,
}

/// Tracks `job.video` following `person` and analyses it.
fn track_and_analyze(
    tracker: &mut crate::pose::PoseTracker,
    job: &VideoJob<'_>,
    person: crate::person::PersonChoice,
    opts: &AnalyzeOptions,
) -> Result<Tracked> {
    let VideoJob {
        video,
        rotate,
        out,
        show_faces,
        progress,
        known_sha256,
        ..
    } = *job;
    let (mut prov, frames, others) =
        track_clip_to_store(tracker, video, rotate, person, !show_faces, progress, out)?;
    let boxes = crate::video::probe::person_boxes(&frames, opts.config.view.image_samples)?;
    prov.video.image_quality =
        crate::video::probe::image_quality(video, prov.video.rotation_applied_deg, &boxes).ok();
    // The file's name only: a full path can name the machine's owner.
    let mut named = prov.video.clone();
    named.path = named.path.file_name().map(Into::into).unwrap_or_default();
    let mut header =
        crate::landmarks_file::LandmarksHeader::new(named, tracker.options().model, false);
    header.mirror = tracker.options().mirror;
    header.video_sha256 = match known_sha256 {
        Some(sha) => Some(sha.to_string()),
        None => crate::hash::sha256_file(video).ok(),
    };
    let mut opts = opts.clone();
    if opts.config.capture_fps.is_none() {
        opts.config.capture_fps =
            crate::video::android_capture_fps(video).filter(|c| *c > prov.video.nominal_fps * 1.5);
    }
    let cross = tracker.take_cross_checks();
    let (mut report, analysis) =
        analyze_frames_cross_checked(&prov, &frames, cross.as_ref(), &opts)?;
    report.video_sha256 = header.video_sha256.clone();
    Ok(Tracked {
        frames,
        others,
        header,
        report,
        analysis,
    })
}

/// With `--person auto` and several people in view, when the person followed does none of
/// the three exercises and no other movement hipflex can name (a partner kneeling to hold
/// a Nordic athlete's ankles), the clip is tracked again following the leftmost and then
/// the rightmost person; the first whose movement names an exercise is taken instead, and
/// the report's `person` says so. `None` keeps the first reading (also when a pass fails).
fn another_person_exercising(
    tracker: &mut crate::pose::PoseTracker,
    job: &VideoJob<'_>,
    opts: &AnalyzeOptions,
    first: &Tracked,
) -> Option<Tracked> {
    use crate::person::PersonChoice;
    let c = &first.analysis.classification;
    let several = first.report.clip.people_seen.is_some_and(|k| k > 1);
    let unnamed = c.exercise == Exercise::Unknown && first.analysis.not_a_set.is_none();
    if job.person != PersonChoice::Auto || !several || !unnamed || opts.exercise.is_some() {
        return None;
    }
    for other in [PersonChoice::Left, PersonChoice::Right] {
        let Ok(mut t) = track_and_analyze(tracker, job, other, opts) else {
            continue;
        };
        if t.analysis.classification.exercise != Exercise::Unknown {
            t.report.clip.person = format!(
                "auto ({other}: the person followed first did none of the three exercises)"
            );
            return Some(t);
        }
    }
    None
}

/// `analyze --from-landmarks`: analyses a landmarks file into `out` (the report, tables,
/// plot and page; see [`write_outputs`]), the frames read one at a time into a
/// [`FrameStore`] in `out`. Returns the report and the file's header.
pub fn analyze_landmarks_file_to_dir(
    path: &Path,
    out: &Path,
    opts: &AnalyzeOptions,
    force: bool,
) -> Result<(Report, crate::landmarks_file::LandmarksHeader)> {
    let made = !out.exists();
    std::fs::create_dir_all(out).map_err(|e| crate::Error::Write {
        path: out.to_path_buf(),
        source: e,
    })?;
    let done = (|| {
        let mut spill = FrameSpill::create(out)?;
        let header = crate::landmarks_file::read_landmarks_each(path, |f| spill.push(&f))?;
        let frames = spill.finish()?;
        let prov = Provenance {
            video: header.video.clone(),
            model: header.model.name().to_string(),
            person: "from landmarks file".into(),
            people_seen: None,
        };
        let (report, analysis) = analyze_frames(&prov, &frames, opts)?;
        write_outputs_from(out, &report, analysis, &frames, None, None, force)?;
        Ok((report, header))
    })();
    if done.is_err() && made {
        let _ = std::fs::remove_dir(out);
    }
    done
}
