//! Many videos at once: find the clips, give each its patient and phase (manifest),
//! analyse them with a bounded pool of workers, skip those already done, and write one
//! `summary.csv` and `index.html` for the whole batch (see `docs/scaling.md`).

pub mod csv;
pub mod folder;
pub mod html;
pub mod manifest;
pub mod stamp;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crate::analyze::{AnalyzeOptions, VideoJob, analyze_video_to_dir};
use crate::common::Exercise;
use crate::error::{Error, Result};
use crate::exercise::AnalysisConfig;
use crate::person::PersonChoice;
use crate::pose::{PoseOptions, PoseTracker};
use crate::progress::{Progress, Stage};
use crate::protocol::Protocol;
use crate::report::Report;
use crate::video::RotateMode;

pub use manifest::{Manifest, ManifestEntry};
pub use stamp::Stamp;

/// File extensions (lower case) taken from folders.
pub const VIDEO_EXTENSIONS: [&str; 5] = ["mp4", "mov", "mkv", "avi", "webm"];

/// Name of the per-video stamp that makes a batch resumable.
pub const STAMP_FILE: &str = "batch-stamp.json";

fn is_video(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn walk(dir: &Path, out: &mut BTreeSet<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::Read {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::Read {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_video(&p) {
            out.insert(p);
        }
    }
    Ok(())
}

fn take(p: &Path, set: &mut BTreeSet<PathBuf>) -> Result<()> {
    if p.is_dir() {
        walk(p, set)
    } else {
        set.insert(p.to_path_buf());
        Ok(())
    }
}

/// Expands the inputs into a sorted, de-duplicated list of files: folders are searched
/// recursively for video extensions; files named explicitly are always taken; a path
/// that does not exist but holds `*`, `?` or `[` is a glob pattern (quoted, so the shell
/// left it alone: `'clinic/*/2026-11-*.mp4'`), and must match something.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut set = BTreeSet::new();
    for i in inputs {
        if i.exists() {
            take(i, &mut set)?;
            continue;
        }
        let pattern = i.to_string_lossy();
        if !pattern.contains(['*', '?', '[']) {
            return Err(Error::InputMissing { path: i.clone() });
        }
        let bad = |reason: String| Error::Config {
            origin: format!("pattern {pattern}"),
            reason,
        };
        let mut matched = 0;
        for m in glob::glob(&pattern).map_err(|e| bad(e.to_string()))? {
            let p = m.map_err(|e| bad(e.to_string()))?;
            if p.is_dir() || is_video(&p) {
                take(&p, &mut set)?;
                matched += 1;
            }
        }
        if matched == 0 {
            return Err(bad("it matches no videos or folders".into()));
        }
    }
    Ok(set.into_iter().collect())
}

/// `--shard K/N` (1-based K).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not K/N (e.g. 2/8)"))?;
        let k: usize = k.trim().parse().map_err(|_| format!("bad K in `{s}`"))?;
        let n: usize = n.trim().parse().map_err(|_| format!("bad N in `{s}`"))?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("shard `{s}` needs 1 <= K <= N"));
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// Whether the video at `index` of the sorted list belongs to this shard.
    pub fn owns(&self, index: usize) -> bool {
        index % self.n == self.k - 1
    }
}

/// One video to analyse, with everything needed to judge it.
#[derive(Clone, Debug)]
pub struct Job {
    pub video: PathBuf,
    pub patient: Option<String>,
    /// Recording date (`YYYY-MM-DD`) when the file or its name says.
    pub date: Option<String>,
    pub exercise: Option<Exercise>,
    pub phase: u8,
    /// Pain 0-10 for the set (manifest `pain` column).
    pub pain: Option<u8>,
    /// Output folder, relative to the batch folder.
    pub rel_out: PathBuf,
}

/// Makes a name safe as one folder component.
pub fn sanitize(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let t = t.trim_matches('.').to_string();
    if t.is_empty() { "_".into() } else { t }
}

/// The patient a folder layout implies: for a video inside one of the input folders,
/// the first sub-folder under it (`clinic/patient-a/2026-11-20.mp4` with input `clinic`
/// gives `patient-a`). `None` for videos directly in an input folder or named on their own.
pub fn folder_patient(video: &Path, roots: &[PathBuf]) -> Option<String> {
    roots.iter().filter(|r| r.is_dir()).find_map(|r| {
        let rel = video.strip_prefix(r).ok()?;
        let mut parts = rel.components();
        let first = parts.next()?;
        parts.next()?;
        Some(first.as_os_str().to_string_lossy().into_owned())
    })
}

/// Builds the jobs for the sorted video list: manifest entry (or defaults) per video and
/// a unique output folder `<patient or stem>/<stem>` (`-2`, `-3`... on collisions).
/// Settings come from the manifest row, else the folders' `hipflex.toml` files (see
/// [`folder`]), else `default_phase` and, for the patient, the folder layout under
/// `roots` (see [`folder_patient`]). Fails when a video ends up with no phase.
pub fn plan(
    videos: &[PathBuf],
    roots: &[PathBuf],
    manifest: Option<&Manifest>,
    default_phase: Option<u8>,
) -> Result<Vec<Job>> {
    let mut used: HashMap<PathBuf, usize> = HashMap::new();
    let mut jobs = Vec::with_capacity(videos.len());
    let mut folders = folder::FolderConfigs::default();
    for v in videos {
        let entry = manifest.and_then(|m| m.lookup(v));
        let here = folders.for_video(v, roots)?;
        let phase = entry
            .and_then(|e| e.phase)
            .or(here.phase)
            .or(default_phase)
            .ok_or_else(|| Error::Config {
                origin: v.display().to_string(),
                reason: "no phase for this video: give --phase, a manifest row with a phase, or a hipflex.toml with `phase = N` in its folder"
                    .into(),
            })?;
        let patient = entry
            .and_then(|e| e.patient.clone())
            .or(here.patient)
            .or_else(|| folder_patient(v, roots));
        let exercise = entry.and_then(|e| e.exercise).or(here.exercise.flatten());
        let stem = sanitize(
            &v.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "clip".into()),
        );
        let top = patient
            .as_deref()
            .map(sanitize)
            .unwrap_or_else(|| stem.clone());
        let base = PathBuf::from(&top).join(&stem);
        let n = used.entry(base.clone()).or_insert(0);
        *n += 1;
        let rel_out = if *n == 1 {
            base
        } else {
            PathBuf::from(&top).join(format!("{stem}-{n}"))
        };
        jobs.push(Job {
            video: v.clone(),
            patient,
            date: crate::video::recorded_date(v),
            exercise,
            phase,
            pain: entry.and_then(|e| e.pain),
            rel_out,
        });
    }
    Ok(jobs)
}

/// How one video ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

/// One row of `summary.csv`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub video: String,
    pub patient: String,
    /// Recording date `YYYY-MM-DD`, empty when unknown.
    pub date: String,
    pub status: String,
    pub error: String,
    pub exercise: String,
    pub phase: String,
    pub reps: String,
    pub worst_severity: String,
    pub peak_hip_flexion_deg: String,
    /// Half-width of the peak's interval, degrees (empty when unknown).
    pub peak_hip_flexion_uncertainty_deg: String,
    pub cap_deg: String,
    pub typical_tempo: String,
    pub seconds: String,
    /// `report.html`, relative to the folder holding `summary.csv` ('/' separators).
    pub report: String,
    /// Whether the session went into the history database (not in `summary.csv`).
    pub history: Recorded,
}

/// Whether a video's session was recorded in the history database.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Recorded {
    /// No database for this run (`--no-db`, or it could not be opened).
    #[default]
    Off,
    /// The video has no patient, so there is nothing to file it under.
    NoPatient,
    Yes,
    Failed(String),
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_default()
}

fn rel_str(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

impl Row {
    fn base(job: &Job, status: Status) -> Row {
        Row {
            video: job.video.display().to_string(),
            patient: job.patient.clone().unwrap_or_default(),
            date: job.date.clone().unwrap_or_default(),
            status: status.as_str().into(),
            phase: job.phase.to_string(),
            ..Default::default()
        }
    }

    pub fn from_report(job: &Job, status: Status, r: &Report, seconds: f64) -> Row {
        Row {
            exercise: r.exercise.exercise.name().to_string(),
            reps: r.summary.reps_counted.to_string(),
            worst_severity: r.summary.worst_severity.clone(),
            peak_hip_flexion_deg: fmt_opt(r.summary.peak_hip_flexion_deg),
            peak_hip_flexion_uncertainty_deg: fmt_opt(r.summary.peak_hip_flexion_uncertainty_deg),
            cap_deg: fmt_opt(r.protocol.cap_deg),
            typical_tempo: r.summary.typical_tempo.clone().unwrap_or_default(),
            seconds: format!("{seconds:.1}"),
            report: rel_str(&job.rel_out.join("report.html")),
            phase: r.protocol.phase.to_string(),
            ..Row::base(job, status)
        }
    }

    pub fn failed(job: &Job, error: String, seconds: f64) -> Row {
        Row {
            error,
            seconds: format!("{seconds:.1}"),
            ..Row::base(job, Status::Failed)
        }
    }

    /// `[3/12] patient-a/clip.mp4: 5 reps, worst amber (4.1 s)`.
    pub fn progress_line(&self, done: usize, total: usize) -> String {
        let name = Path::new(&self.video)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.video.clone());
        let name = if self.patient.is_empty() {
            name
        } else {
            format!("{}/{name}", self.patient)
        };
        let what = match self.status.as_str() {
            "ok" => format!(
                "{} reps, worst {} ({} s)",
                self.reps, self.worst_severity, self.seconds
            ),
            "skipped" => "skipped (up to date)".to_string(),
            _ => format!("FAILED: {}", self.error),
        };
        format!("[{done}/{total}] {name}: {what}")
    }
}

/// Everything the workers share.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub out: PathBuf,
    pub protocol: Protocol,
    pub protocol_source: String,
    pub config: AnalysisConfig,
    pub pose: PoseOptions,
    pub ort_lib: Option<PathBuf>,
    pub rotate: RotateMode,
    pub person: PersonChoice,
    pub jobs: usize,
    pub force: bool,
    /// Write each video's `annotated.mp4`.
    pub annotated_video: bool,
    /// History database to record each patient's session in (`None`: not recorded).
    pub history: Option<PathBuf>,
    /// Leave faces unblurred in the pictures (`--show-faces`).
    pub show_faces: bool,
}

/// Most workers by default: each holds a pose engine and one video's frames (about
/// 170-250 MiB measured), so memory stays under 2 GiB on big machines unless `--jobs`
/// asks for more.
pub const MAX_DEFAULT_JOBS: usize = 8;

/// Default worker count: one per core (up to [`MAX_DEFAULT_JOBS`]), each with one
/// inference thread. Decoding, pre- and post-processing and drawing run on the worker's
/// own threads, so whole videos in parallel beat more inference threads per video:
/// on 2 cores, 2 workers analysed the sample clips at 18.4 videos per minute against
/// 13.1 for 1 worker with 2 inference threads (12.7 against 8.5 with annotated videos).
pub fn default_jobs() -> usize {
    cores().clamp(1, MAX_DEFAULT_JOBS)
}

pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn stamp_for(job: &Job, o: &BatchOptions) -> Result<Stamp> {
    Ok(Stamp {
        input_sha256: crate::hash::sha256_file(&job.video)?,
        protocol_name: o.protocol.name.clone(),
        protocol_version: o.protocol.protocol_version.clone(),
        phase: job.phase,
        exercise: job
            .exercise
            .map(|e| e.name().to_string())
            .unwrap_or_else(|| "auto".into()),
        model: o.pose.model.name().to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        settings_sha256: settings_sha256(o),
    })
}

/// sha256 of the batch's settings that a video's outputs depend on besides the stamp's
/// named fields: the analysis settings (`--config`), the person followed, the rotation,
/// how the model reads each crop, the cross-check, smoothing, the annotated video, the
/// face setting, and the running hipflex build (a rebuilt hipflex may measure, count or
/// blur differently, and the version number alone does not change with it). A re-run
/// with any of them changed redoes the video instead of keeping outputs made otherwise.
pub fn settings_sha256(o: &BatchOptions) -> String {
    let settings = serde_json::json!({
        "config": o.config,
        "person": o.person.to_string(),
        "rotate": o.rotate,
        "mirror": o.pose.mirror,
        "cross_check": o.pose.cross_check,
        "smoothing": o.pose.smoothing,
        "annotated_video": o.annotated_video,
        "show_faces": o.show_faces,
        "build": build_id(),
    });
    crate::hash::sha256_bytes(settings.to_string().as_bytes())
}

/// sha256 of the running executable, read once ("unknown" when it cannot be read).
fn build_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| crate::hash::sha256_file(&p).ok())
            .unwrap_or_else(|| "unknown".into())
    })
}

fn read_report(dir: &Path) -> Option<Report> {
    let text = std::fs::read_to_string(dir.join("report.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Progress of a batch, per worker, for progress bars. Called from the worker threads.
pub trait BatchProgress: Sync {
    /// Worker `worker` starts on `job`.
    fn started(&self, worker: usize, job: &Job);
    /// Worker `worker` is `done` frames into `stage` of its current video.
    fn frames(&self, worker: usize, stage: Stage, done: u64, total: Option<u64>);
}

/// Reports nothing.
impl BatchProgress for crate::progress::Silent {
    fn started(&self, _: usize, _: &Job) {}
    fn frames(&self, _: usize, _: Stage, _: u64, _: Option<u64>) {}
}

struct WorkerProgress<'a> {
    worker: usize,
    progress: &'a dyn BatchProgress,
}

impl Progress for WorkerProgress<'_> {
    fn frames(&self, stage: Stage, done: u64, total: Option<u64>) {
        self.progress.frames(self.worker, stage, done, total);
    }
}

/// Records the video's session in the history database, when the run has one and the
/// video has a patient. Skipped (up-to-date) videos are recorded too, so a batch killed
/// between writing a report and its session completes on the re-run.
fn record_session(job: &Job, o: &BatchOptions, sha256: &str, r: &Report, dir: &Path) -> Recorded {
    let (Some(db), Some(patient)) = (&o.history, &job.patient) else {
        return match o.history {
            Some(_) => Recorded::NoPatient,
            None => Recorded::Off,
        };
    };
    let s = crate::history::session_for(
        r,
        &o.protocol,
        patient,
        &job.video,
        sha256.to_string(),
        job.pain,
        dir,
    );
    match crate::history::record(db, &s) {
        Ok(()) => Recorded::Yes,
        Err(e) => Recorded::Failed(e.to_string()),
    }
}

/// Analyses (or skips) one video; never panics the batch, returns its row.
fn process(
    job: &Job,
    o: &BatchOptions,
    tracker: &mut Option<PoseTracker>,
    worker: usize,
    progress: &dyn BatchProgress,
) -> Row {
    progress.started(worker, job);
    let t0 = Instant::now();
    let dir = o.out.join(&job.rel_out);
    let res = (|| -> Result<Row> {
        if !job.video.exists() {
            return Err(Error::InputMissing {
                path: job.video.clone(),
            });
        }
        let stamp = stamp_for(job, o)?;
        if !o.force && Stamp::read(&dir.join(STAMP_FILE)).as_ref() == Some(&stamp) {
            // The stamp covers the face setting too (`settings_sha256`); a report that
            // cannot be read is redone.
            if let Some(r) = read_report(&dir) {
                let mut row = Row::from_report(job, Status::Skipped, &r, 0.0);
                row.history = record_session(job, o, &stamp.input_sha256, &r, &dir);
                return Ok(row);
            }
        }
        if tracker.is_none() {
            *tracker = Some(crate::pipeline::tracker(&o.pose, o.ort_lib.as_deref())?);
        }
        let tr = tracker.as_mut().expect("just created");
        // A stale stamp must not survive a failed re-run.
        let _ = std::fs::remove_file(dir.join(STAMP_FILE));
        let opts = AnalyzeOptions {
            phase: job.phase,
            protocol: o.protocol.clone(),
            protocol_source: o.protocol_source.clone(),
            config: o.config.clone(),
            exercise: job.exercise,
        };
        // The batch owns its per-video folders: stale outputs are replaced.
        let report = analyze_video_to_dir(
            tr,
            &VideoJob {
                video: &job.video,
                rotate: o.rotate,
                person: o.person,
                out: &dir,
                annotated_video: o.annotated_video,
                show_faces: o.show_faces,
                force: true,
                progress: &WorkerProgress { worker, progress },
                known_sha256: Some(&stamp.input_sha256),
            },
            &opts,
        )?;
        stamp.write(&dir.join(STAMP_FILE))?;
        let mut row = Row::from_report(job, Status::Ok, &report, t0.elapsed().as_secs_f64());
        row.history = record_session(job, o, &stamp.input_sha256, &report, &dir);
        Ok(row)
    })();
    match res {
        Ok(r) => r,
        Err(e) => Row::failed(job, e.to_string(), t0.elapsed().as_secs_f64()),
    }
}

/// Runs the jobs with `o.jobs` workers pulling from a shared queue. `on_done` is called
/// on the calling thread as each video finishes; `progress` hears from the workers as
/// they go. Returns the rows in job order.
pub fn run(
    jobs: &[Job],
    o: &BatchOptions,
    progress: &dyn BatchProgress,
    mut on_done: impl FnMut(&Row, usize, usize),
) -> Vec<Row> {
    let workers = o.jobs.max(1).min(jobs.len().max(1));
    let mut pose = o.pose.clone();
    if pose.threads == 0 {
        pose.threads = (cores() / workers).max(1);
    }
    let o = BatchOptions { pose, ..o.clone() };
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<Option<Row>>> = Mutex::new(vec![None; jobs.len()]);
    let (tx, rx) = mpsc::channel::<usize>();
    std::thread::scope(|s| {
        for worker in 0..workers {
            let tx = tx.clone();
            let (next, rows, o) = (&next, &rows, &o);
            s.spawn(move || {
                let mut tracker = None;
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= jobs.len() {
                        break;
                    }
                    let row = process(&jobs[i], o, &mut tracker, worker, progress);
                    rows.lock().expect("rows lock")[i] = Some(row);
                    if tx.send(i).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for i in rx {
            done += 1;
            let row = rows.lock().expect("rows lock")[i].clone();
            if let Some(row) = row {
                on_done(&row, done, jobs.len());
            }
        }
    });
    rows.into_inner()
        .expect("rows lock")
        .into_iter()
        .zip(jobs)
        .map(|(r, j)| r.unwrap_or_else(|| Row::failed(j, "worker stopped".into(), 0.0)))
        .collect()
}

/// Each patient's trend for the index: from the history database when there is one
/// (then each patient's `progress.html` is written beside their videos), else from
/// this batch's rows.
fn patient_trends(
    dir: &Path,
    rows: &[Row],
    history: Option<&Path>,
) -> Result<BTreeMap<String, html::PatientTrend>> {
    let db = history.and_then(|p| crate::history::Db::open(p).ok());
    let mut out = BTreeMap::new();
    let patients: BTreeSet<&str> = rows
        .iter()
        .map(|r| r.patient.as_str())
        .filter(|p| !p.is_empty())
        .collect();
    for p in patients {
        let sessions = db
            .as_ref()
            .and_then(|db| db.sessions(p).ok())
            .unwrap_or_default();
        let trend = if sessions.is_empty() {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.patient == p).collect();
            html::trend_from_rows(&mine)
        } else {
            let folder = crate::history::safe_name(p);
            let page_dir = dir.join(&folder);
            std::fs::create_dir_all(&page_dir).map_err(|e| Error::Write {
                path: page_dir.clone(),
                source: e,
            })?;
            let page = crate::history::progress::progress_html(p, &sessions, &page_dir);
            crate::output::write_atomic(&page_dir.join("progress.html"), page.as_bytes(), true)?;
            html::PatientTrend {
                progress: Some(format!("{folder}/progress.html")),
                ..html::trend_from_sessions(&sessions)
            }
        };
        out.insert(p.to_string(), trend);
    }
    Ok(out)
}

/// Writes `summary.csv` and `index.html` into `dir`, atomically; with a history
/// database, also each patient's `progress.html`.
pub fn write_summary(dir: &Path, rows: &[Row], title: &str, history: Option<&Path>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Write {
        path: dir.to_path_buf(),
        source: e,
    })?;
    crate::output::write_atomic(
        &dir.join("summary.csv"),
        csv::summary_csv(rows).as_bytes(),
        true,
    )?;
    // Each analysed video's thumbnail sits beside its report.
    let thumbs: Vec<Option<Vec<u8>>> = rows
        .iter()
        .map(|r| {
            let report = Path::new(&r.report);
            let folder = dir.join(report.parent()?);
            (!r.report.is_empty())
                .then(|| std::fs::read(folder.join(crate::analyze::THUMBNAIL_FILE)).ok())
                .flatten()
        })
        .collect();
    crate::output::write_atomic(
        &dir.join("index.html"),
        html::index_html(rows, title, &thumbs, &patient_trends(dir, rows, history)?).as_bytes(),
        true,
    )?;
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    let p = std::fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    });
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Path of `to` relative to the folder `from` (both made absolute first).
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let (f, t) = (absolute(from), absolute(to));
    let fc: Vec<_> = f.components().collect();
    let tc: Vec<_> = t.components().collect();
    let common = fc.iter().zip(&tc).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..fc.len() {
        out.push("..");
    }
    for c in &tc[common..] {
        out.push(c);
    }
    out
}

/// `hipflex batch-merge`: reads each shard folder's `summary.csv` and writes one
/// `summary.csv` + `index.html` into `out`, linking to the shards' reports by relative
/// path (nothing is copied). Rows are sorted by video.
pub fn merge(shards: &[PathBuf], out: &Path, history: Option<&Path>) -> Result<Vec<Row>> {
    std::fs::create_dir_all(out).map_err(|e| Error::Write {
        path: out.to_path_buf(),
        source: e,
    })?;
    let mut rows = Vec::new();
    for d in shards {
        let path = d.join("summary.csv");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Read {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        for mut r in csv::parse_summary(&text).map_err(|reason| Error::Read {
            path: path.clone(),
            reason,
        })? {
            if !r.report.is_empty() {
                r.report = rel_str(&relative_path(out, &d.join(&r.report)));
            }
            rows.push(r);
        }
    }
    rows.sort_by(|a, b| a.video.cmp(&b.video));
    write_summary(out, &rows, "hipflex batch (merged)", history)?;
    Ok(rows)
}
