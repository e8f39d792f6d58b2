//! Command definitions and dispatch.

mod analyze;
mod bars;
mod batch;
mod history;
mod info;
mod pose;
mod protocol;
mod record;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Watches exercise videos and reports hip flexion, repetitions, tempo and
/// rehab-phase flags for proximal hamstring tendinopathy.
#[derive(Debug, Parser)]
#[command(name = "hipflex", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command that runs the pose model.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// Landmark model size.
    #[arg(long, value_enum, default_value_t = hipflex::models::ModelSize::Full)]
    pub model: hipflex::models::ModelSize,
    /// Faster, less accurate: the lite landmark model (its measured cost against the
    /// default is in the README's accuracy-and-speed section).
    #[arg(long, conflicts_with = "model")]
    pub fast: bool,
    /// Rotation: `auto` follows the video's metadata; 0/90/180/270 rotate clockwise.
    #[arg(long, default_value = "auto")]
    pub rotate: hipflex::video::RotateMode,
    /// Path to libonnxruntime.so (overrides ORT_DYLIB_PATH and the installed copy).
    #[arg(long, value_name = "FILE")]
    pub ort_lib: Option<PathBuf>,
    /// Folder holding the ONNX models (default: the project's models/).
    #[arg(long, value_name = "DIR")]
    pub models_dir: Option<PathBuf>,
    /// Threads for inference (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Who to follow when several people are in view: `auto` picks the one whose
    /// hips and knees move like an exercise; `first` is MediaPipe's own choice.
    #[arg(long, default_value = "auto")]
    pub person: hipflex::person::PersonChoice,
    /// Also run the landmark model on each crop's mirror image and average the two
    /// readings: a mirrored video then gives closer peaks (the model is not
    /// mirror-symmetric), at about twice the landmark inference (README, re-encoding).
    #[arg(long, conflicts_with = "as_seen")]
    pub mirror_average: bool,
    /// Read each crop as it is, as MediaPipe does (its landmarks exactly). By default each
    /// crop is read as it is or as its mirror image, whichever shows the person facing the
    /// same way for the model (from where the nose is against the ears), so a mirrored
    /// video gives the same peaks at no extra inference (README, re-encoding).
    #[arg(long)]
    pub as_seen: bool,
    /// The default since 2026-12-03 (kept so that scripts written for it still run).
    #[arg(long, hide = true, conflicts_with_all = ["mirror_average", "as_seen"])]
    pub face_one_way: bool,
}

impl EngineArgs {
    pub fn pose_options(&self, smoothing: bool) -> hipflex::pose::PoseOptions {
        hipflex::pose::PoseOptions {
            model: if self.fast {
                hipflex::models::ModelSize::Lite
            } else {
                self.model
            },
            models_dir: self.models_dir.clone(),
            smoothing,
            threads: self.threads,
            mirror: if self.mirror_average {
                hipflex::pose::MirrorMode::Average
            } else if self.as_seen {
                hipflex::pose::MirrorMode::Off
            } else {
                hipflex::pose::MirrorMode::FaceOneWay
            },
            ..Default::default()
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print what hipflex sees in a video file: size, rotation, frame rate, timestamps.
    Info(info::InfoArgs),
    /// Track body landmarks in a video with the pose model and write them per frame.
    Pose(pose::PoseArgs),
    /// Measure hip flexion, reps and tempo and flag reps against a rehab phase.
    Analyze(analyze::AnalyzeArgs),
    /// Analyse a folder of videos (parallel, resumable); write summary.csv and index.html.
    /// Exit code 3 when some videos failed.
    Batch(batch::BatchArgs),
    /// Merge the summary.csv of several `batch --shard` output folders into one.
    BatchMerge(batch::BatchMergeArgs),
    /// Record a set from a webcam (or a video file standing in for one) with live
    /// feedback, then analyse it like `analyze`. Ctrl-C stops and keeps the recording.
    Record(record::RecordArgs),
    /// A patient's sessions over time from the history database: a table, --json,
    /// --csv (one row per rep) or --out DIR (a progress page per patient).
    History(history::HistoryArgs),
    /// Show the rehab protocol (phases, caps, tempo rules and their sources).
    Protocol(protocol::ProtocolArgs),
    /// Render a synthetic exercise clip with exactly known angles, plus its ground truth.
    Synth(hipflex::synth::SynthArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Info(a) => info::run(a),
        Command::Pose(a) => pose::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Batch(a) => batch::run(a),
        Command::BatchMerge(a) => batch::run_merge(a),
        Command::History(a) => history::run(a),
        Command::Protocol(a) => protocol::run(a),
        Command::Record(a) => record::run(a),
        Command::Synth(a) => {
            let truth = hipflex::synth::run(&a)?;
            println!(
                "wrote {} ({} frames) and its ground truth",
                a.output.display(),
                truth.frames.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Renders an error chain as one paragraph.
pub fn describe(e: &anyhow::Error) -> String {
    let mut s = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
    }
    s
}
