//! `hipflex record --camera 0 --exercise nordic --phase 2 [--seconds N]`: record a set
//! from a webcam with live feedback, then analyse it like `analyze`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use hipflex::analyze::OUTPUTS;
use hipflex::output::{check_writable, write_atomic};
use hipflex::pipeline;
use hipflex::record::live::{self, LiveFeedback, LiveLimits};
use hipflex::record::{
    self, CameraSource, Input, RECORDING_FACTS_FILE, RECORDING_FILE, RecordOptions, StopReason,
};
use hipflex::video::RotateMode;
use opencv::core::Mat;
use opencv::prelude::*;

use super::EngineArgs;
use super::analyze::JudgeArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PreviewMode {
    /// A window when a display is available, a status line in the terminal otherwise.
    Auto,
    /// Always a window (fails without a display).
    On,
    /// Never a window.
    Off,
}

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Camera: a number (0 is the first webcam), a device (/dev/video2), or a video
    /// file played as if it were a camera.
    #[arg(long, default_value = "0")]
    pub camera: CameraSource,
    /// Ask the camera for this frame size, e.g. 1280x720 (default: the camera's own).
    #[arg(long, value_name = "WxH", value_parser = record::parse_size)]
    pub resolution: Option<(u32, u32)>,
    /// Ask the camera for this frame rate (what it delivers is measured either way).
    #[arg(long, value_name = "FPS")]
    pub camera_fps: Option<f64>,
    /// Stop after this many seconds (otherwise: Enter, q/Esc in the preview, or Ctrl-C).
    #[arg(long, value_name = "N")]
    pub seconds: Option<f64>,
    /// Output folder (default: `hipflex-recording-<UTC date and time>`).
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Live preview window with skeleton, angle and zone colour.
    #[arg(long, value_enum, default_value_t = PreviewMode::Auto)]
    pub preview: PreviewMode,
    /// No live pose model while recording (lighter; the analysis afterwards still runs).
    #[arg(long)]
    pub no_live: bool,
    /// A video file given to --camera is delivered at its own frame rate, as a camera
    /// would, instead of as fast as it decodes.
    #[arg(long)]
    pub pace: bool,
    /// Only record; do not analyse the recording afterwards.
    #[arg(long)]
    pub no_analyze: bool,
    /// Analyse the recording with the cross-check of `analyze --cross-check` (the other
    /// landmark model size on the same region of every frame). The live preview uses one
    /// model only.
    #[arg(long, conflicts_with = "no_analyze")]
    pub cross_check: bool,
    #[command(flatten)]
    pub judge: JudgeArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

static STOP: AtomicBool = AtomicBool::new(false);
static PRESSES: AtomicU32 = AtomicU32::new(0);
static ANALYSING: AtomicBool = AtomicBool::new(false);
static KEPT: OnceLock<PathBuf> = OnceLock::new();

/// Ctrl-C stops the recording (which is then kept and analysed); a second Ctrl-C during
/// the analysis ends the program, still keeping the recording.
fn install_interrupt_handler() -> anyhow::Result<()> {
    ctrlc::set_handler(|| {
        let n = PRESSES.fetch_add(1, Ordering::SeqCst) + 1;
        STOP.store(true, Ordering::SeqCst);
        if n >= 2 && ANALYSING.load(Ordering::SeqCst) {
            if let Some(p) = KEPT.get() {
                eprintln!(
                    "\nanalysis stopped; the recording is kept at {} (run `hipflex analyze` on it later)",
                    p.display()
                );
            }
            std::process::exit(130);
        }
    })
    .context("could not install the Ctrl-C handler")
}

/// `YYYYMMDD-HHMMSS` (UTC) for a Unix time.
fn utc_stamp(unix_s: u64) -> String {
    let (y, m, d, secs) = hipflex::common::utc_civil(unix_s as i64);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn display_available() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

const WINDOW: &str = "hipflex record";

pub fn run(a: RecordArgs) -> anyhow::Result<ExitCode> {
    // Everything that can be wrong is checked before the person performs their set.
    let opts = a.judge.options()?;
    if let Some(s) = a.seconds
        && !(s.is_finite() && s > 0.0)
    {
        bail!("--seconds must be a positive number of seconds");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("hipflex-recording-{}", utc_stamp(now))));
    let force = a.judge.force;
    let rec_path = out.join(RECORDING_FILE);
    for f in [RECORDING_FILE, RECORDING_FACTS_FILE]
        .into_iter()
        .chain(OUTPUTS)
        .chain(["annotated.mp4", hipflex::analyze::THUMBNAIL_FILE])
    {
        check_writable(&out.join(f), force)?;
    }
    let tracker = pipeline::tracker(&a.engine.pose_options(false), a.engine.ort_lib.as_deref())?;
    let preview = match a.preview {
        PreviewMode::Off => false,
        PreviewMode::On => {
            if !display_available() {
                bail!("--preview on needs a display (DISPLAY or WAYLAND_DISPLAY is not set)");
            }
            true
        }
        PreviewMode::Auto => display_available(),
    };
    if let Some(f) = a.camera_fps
        && !(f.is_finite() && f > 0.0)
    {
        bail!("--camera-fps must be a positive frame rate");
    }
    let mode = record::CameraMode {
        size: a.resolution,
        fps: a.camera_fps,
    };
    let mut input = Input::open(&a.camera, a.engine.rotate, a.pace, mode)?;
    let preview =
        preview && opencv::highgui::named_window(WINDOW, opencv::highgui::WINDOW_NORMAL).is_ok();
    install_interrupt_handler()?;
    let _ = KEPT.set(rec_path.clone());
    // On a terminal, Enter stops the recording; later lines answer the pain question.
    let (line_tx, lines) = std::sync::mpsc::channel::<String>();
    if std::io::stdin().is_terminal() {
        std::thread::spawn(move || {
            loop {
                let mut line = String::new();
                match std::io::stdin().read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if !STOP.swap(true, Ordering::SeqCst) => {}
                    Ok(_) => {
                        if line_tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
    } else {
        drop(line_tx);
    }

    let rules = opts.protocol.rules(
        opts.phase,
        opts.exercise.unwrap_or(hipflex::common::Exercise::Unknown),
    )?;
    let limits = LiveLimits {
        cap_deg: rules.cap_deg,
        amber_band_deg: rules.cap_deg.map(|_| rules.amber_band_deg),
    };
    let (feedback, mut spare_tracker) = if a.no_live {
        (None, Some(tracker))
    } else {
        (Some(LiveFeedback::start(tracker, limits)), None)
    };
    let tty = std::io::stderr().is_terminal();
    let how_to_stop = match (a.seconds, std::io::stdin().is_terminal()) {
        (Some(s), _) => format!("for {s} s, or until Ctrl-C"),
        (None, true) => "press Enter or Ctrl-C to stop".to_string(),
        (None, false) => "Ctrl-C to stop".to_string(),
    };
    eprintln!(
        "Recording from {} into {} ({how_to_stop}{})",
        a.camera,
        rec_path.display(),
        if preview {
            "; q or Esc in the window"
        } else {
            ""
        }
    );
    let ropts = RecordOptions {
        source: a.camera.clone(),
        seconds: a.seconds,
        pace: a.pace,
    };
    let mut shown = Mat::default();
    let mut last_status = Instant::now();
    let status_every = if tty { 0.25 } else { 5.0 };
    let result = record::record(&mut input, &ropts, &rec_path, force, &STOP, |c| {
        let view = match &feedback {
            Some(f) => {
                f.offer(c.image, c.t_s)?;
                f.latest()
            }
            None => live::LiveView {
                zone: "grey",
                ..Default::default()
            },
        };
        if preview {
            if c.index == 0 {
                // Show the frame at its size, shrunk to fit ordinary screens.
                let k = (1280.0 / c.image.cols().max(1) as f64)
                    .min(720.0 / c.image.rows().max(1) as f64)
                    .min(1.0);
                let _ = opencv::highgui::resize_window(
                    WINDOW,
                    (c.image.cols() as f64 * k) as i32,
                    (c.image.rows() as f64 * k) as i32,
                );
            }
            c.image.copy_to(&mut shown)?;
            live::draw_preview(&mut shown, c.t_s, &view, opts.phase)?;
            opencv::highgui::imshow(WINDOW, &shown)?;
            let key = opencv::highgui::wait_key(1)?;
            if key == 'q' as i32 || key == 27 {
                return Ok(false);
            }
        } else if last_status.elapsed().as_secs_f64() >= status_every {
            last_status = Instant::now();
            let line = live::status_line(c.t_s, c.index + 1, &view);
            if tty {
                eprint!("\r{line}   ");
                let _ = std::io::stderr().flush();
            } else {
                eprintln!("{line}");
            }
        }
        Ok(true)
    });
    // However the recording ended, lines typed from now on answer the pain question (the
    // first one must not be taken for "stop").
    STOP.store(true, Ordering::SeqCst);
    if preview {
        let _ = opencv::highgui::destroy_all_windows();
    }
    if tty && !preview {
        eprintln!();
    }
    if let Some(f) = feedback {
        spare_tracker = Some(f.finish()?);
    }
    let facts = result?;
    let json = serde_json::to_string_pretty(&facts)?;
    write_atomic(&out.join(RECORDING_FACTS_FILE), json.as_bytes(), force)?;
    let why = match facts.stop_reason {
        StopReason::Seconds => "time up",
        StopReason::Interrupted => "stopped",
        StopReason::EndOfInput => "end of the video",
        StopReason::CameraLost => "the camera stopped delivering frames",
    };
    eprintln!(
        "Recorded {:.1} s ({} frames at {} fps, {}) to {} [{why}]",
        facts.duration_s,
        facts.frames_written,
        facts.written_fps,
        facts.codec,
        rec_path.display()
    );
    if a.no_analyze {
        println!(
            "Recording in {}; analyse it with: hipflex analyze {} --phase {}",
            out.display(),
            rec_path.display(),
            opts.phase
        );
        return Ok(ExitCode::SUCCESS);
    }
    ANALYSING.store(true, Ordering::SeqCst);
    let mut tracker = match spare_tracker.filter(|_| !a.cross_check) {
        Some(t) => t,
        None => {
            let pose = hipflex::pose::PoseOptions {
                cross_check: a.cross_check,
                ..a.engine.pose_options(false)
            };
            pipeline::tracker(&pose, a.engine.ort_lib.as_deref())?
        }
    };
    // The recording holds upright frames, so no rotation is applied again.
    let report = a
        .judge
        .analyze_video(
            &mut tracker,
            &rec_path,
            RotateMode::Fixed(0),
            a.engine.person,
            &out,
            &opts,
            "recording",
        )
        .with_context(|| {
            format!(
                "the recording is kept at {}, but analysing it failed",
                rec_path.display()
            )
        })?;
    let code = a.judge.finish(&report, Path::new(&out))?;
    let s = &a.judge.session;
    let pain = match (s.pain, &s.patient, s.db.no_db) {
        (Some(p), _, _) => Some(p),
        (None, Some(_), false) => super::history::ask_pain(&lines),
        _ => None,
    };
    s.record(
        &report,
        &opts.protocol,
        &rec_path,
        report.video_sha256.clone(),
        &out,
        pain,
    )?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_stamps_are_calendar_dates() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(951_782_400), "20000229-000000");
        assert_eq!(utc_stamp(1_795_000_000), "20261118-110640");
    }
}
