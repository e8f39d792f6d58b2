//! `hipflex analyze VIDEO --phase N [--out DIR]` and `--from-landmarks FILE`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use hipflex::analyze::{
    AnalyzeOptions, VideoJob, analyze_landmarks_file_to_dir, analyze_video_to_dir, load_protocol,
};
use hipflex::common::Exercise;
use hipflex::exercise::AnalysisConfig;
use hipflex::output::check_writable;
use hipflex::pipeline;
use hipflex::report::Report;

use super::EngineArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Amber,
    Red,
}

/// How a recording is judged and what is written: shared by `analyze` and `record`.
#[derive(Debug, Clone, clap::Args)]
pub struct JudgeArgs {
    /// Rehab phase to judge against (see `hipflex protocol show`).
    #[arg(long)]
    pub phase: u8,
    /// Protocol file (TOML); default: the built-in PHT protocol.
    #[arg(long, value_name = "FILE")]
    pub protocol: Option<PathBuf>,
    /// Exercise: auto-detect, or say which.
    #[arg(long, default_value = "auto")]
    pub exercise: String,
    /// Analysis settings override (TOML; see docs/report-schema.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit with code 1 when flags of this severity (or worse) are raised (for CI).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Overwrite existing outputs in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Print report.json to stdout instead of the summary table.
    #[arg(long)]
    pub json: bool,
    /// Skip the annotated video (`annotated.mp4`), which costs a second decoding pass.
    #[arg(long)]
    pub no_video: bool,
    #[command(flatten)]
    pub session: super::history::SessionArgs,
    /// Leave faces unblurred in the annotated video and keyframes (for a patient's own
    /// use; they are blurred by default).
    #[arg(long)]
    pub show_faces: bool,
}

impl JudgeArgs {
    /// The protocol, phase, analysis settings and exercise, checked before any work.
    pub fn options(&self) -> anyhow::Result<AnalyzeOptions> {
        let exercise = parse_exercise(&self.exercise)?;
        let (protocol, protocol_source) = load_protocol(self.protocol.as_deref())?;
        protocol.phase(self.phase)?;
        let config = match &self.config {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("could not read {}", p.display()))?;
                AnalysisConfig::from_toml(&text, &p.display().to_string())?
            }
            None => AnalysisConfig::default(),
        };
        Ok(AnalyzeOptions {
            phase: self.phase,
            protocol,
            protocol_source,
            config,
            exercise,
        })
    }

    /// Runs the model and the analysis on `video` into `out`, with a progress bar
    /// labelled `label` on a terminal.
    #[allow(clippy::too_many_arguments)]
    pub fn analyze_video(
        &self,
        tracker: &mut hipflex::pose::PoseTracker,
        video: &Path,
        rotate: hipflex::video::RotateMode,
        person: hipflex::person::PersonChoice,
        out: &Path,
        opts: &AnalyzeOptions,
        label: &str,
    ) -> hipflex::Result<Report> {
        let bar = super::bars::VideoBar::new(label);
        let report = analyze_video_to_dir(
            tracker,
            &VideoJob {
                video,
                rotate,
                person,
                out,
                annotated_video: !self.no_video,
                show_faces: self.show_faces,
                force: self.force,
                progress: &bar,
                known_sha256: None,
            },
            opts,
        );
        bar.finish();
        report
    }

    /// Prints the report (summary table or JSON) and turns `--fail-on` into the exit code.
    pub fn finish(&self, report: &Report, out: &Path) -> anyhow::Result<ExitCode> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(report)?);
        } else {
            let colour = std::io::stdout().is_terminal();
            if let Some(line) = poor_view_line(report) {
                println!("{line}");
            }
            print!("{}", hipflex::report::terminal::render(report, colour));
            println!("Outputs in {}", out.display());
        }
        let worst = report.summary.worst_severity.as_str();
        let fail = match self.fail_on {
            Some(FailOn::Amber) => worst == "amber" || worst == "red",
            Some(FailOn::Red) => worst == "red",
            None => false,
        };
        Ok(if fail {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    }
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Video file (mp4, mov, mkv, avi, webm). Not needed with --from-landmarks.
    #[arg(required_unless_present = "from_landmarks")]
    pub video: Option<PathBuf>,
    /// Output folder (default: `hipflex-<video name>` in the current folder).
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Re-run the analysis from a `hipflex pose` / `analyze` landmarks file, without the model.
    #[arg(long, value_name = "FILE")]
    pub from_landmarks: Option<PathBuf>,
    /// Also run the other landmark model size (lite for full, full for lite) on the same
    /// region of every frame, and report each rep's peak from both; the interval widens with
    /// their disagreement, and a disagreement beyond it makes the rep uncertain.
    #[arg(long, conflicts_with = "from_landmarks")]
    pub cross_check: bool,
    /// Slow-motion clips: the frame rate the camera captured at (default: from metadata).
    #[arg(long, value_name = "FPS")]
    pub capture_fps: Option<f64>,
    #[command(flatten)]
    pub judge: JudgeArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

fn parse_exercise(s: &str) -> anyhow::Result<Option<Exercise>> {
    Ok(match s {
        "auto" => None,
        "bridge" => Some(Exercise::Bridge),
        "nordic" => Some(Exercise::Nordic),
        "deadlift" => Some(Exercise::Deadlift),
        o => bail!("--exercise `{o}` is not one of auto, bridge, nordic, deadlift"),
    })
}

pub use hipflex::analyze::OUTPUTS;

/// The first line of the summary when the view cannot support the angle numbers.
fn poor_view_line(report: &Report) -> Option<String> {
    (report.view.verdict == hipflex::kinematics::ViewVerdict::Poor).then(|| {
        format!(
            "VIEW POOR: {}. Every angle below is uncertain; film again to measure it.",
            report.view.reasons.join("; ")
        )
    })
}

pub fn run(a: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let mut opts = a.judge.options()?;
    let source_name = a
        .video
        .as_ref()
        .or(a.from_landmarks.as_ref())
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "clip".into());
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("hipflex-{source_name}")));
    let force = a.judge.force;
    for f in OUTPUTS {
        check_writable(&out.join(f), force)?;
    }
    if let Some(c) = a.capture_fps {
        if !(c.is_finite() && c > 0.0) {
            bail!("--capture-fps must be a positive frame rate");
        }
        opts.config.capture_fps = Some(c);
    }
    let (report, video, video_sha256) = match &a.from_landmarks {
        Some(path) => {
            let (report, header) = analyze_landmarks_file_to_dir(path, &out, &opts, force)?;
            // The session is filed under the video the landmarks came from, when it is here
            // or beside the landmarks file (which names it by its file name only).
            let beside = path.parent().map(|d| d.join(&header.video.path));
            let video = [Some(header.video.path.clone()), beside]
                .into_iter()
                .flatten()
                .find(|v| v.is_file())
                .unwrap_or_else(|| path.clone());
            (report, video, header.video_sha256.clone())
        }
        None => {
            let video = a
                .video
                .clone()
                .expect("clap requires VIDEO without --from-landmarks");
            let pose = hipflex::pose::PoseOptions {
                cross_check: a.cross_check,
                ..a.engine.pose_options(false)
            };
            let mut tracker = pipeline::tracker(&pose, a.engine.ort_lib.as_deref())?;
            let report = a.judge.analyze_video(
                &mut tracker,
                &video,
                a.engine.rotate,
                a.engine.person,
                &out,
                &opts,
                &source_name,
            )?;
            let sha = report.video_sha256.clone();
            (report, video, sha)
        }
    };
    let code = a.judge.finish(&report, &out)?;
    let s = &a.judge.session;
    s.record(&report, &opts.protocol, &video, video_sha256, &out, s.pain)?;
    Ok(code)
}
