//! `hipflex pose VIDEO -o landmarks.csv|json`

use std::path::PathBuf;
use std::process::ExitCode;

use hipflex::landmarks_file::{LandmarksHeader, LandmarksWriter};
use hipflex::output::check_writable;
use hipflex::pipeline;

use super::EngineArgs;

#[derive(Debug, clap::Args)]
pub struct PoseArgs {
    /// Video file (mp4, mov, mkv, avi, webm).
    pub video: PathBuf,
    /// Output file: `.csv` or `.json` (default: VIDEO's name with `.landmarks.csv`).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the output if it exists.
    #[arg(long)]
    pub force: bool,
    /// Apply MediaPipe's landmark smoothing (off by default: the analysis filters offline).
    #[arg(long)]
    pub smooth: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn run(a: PoseArgs) -> anyhow::Result<ExitCode> {
    let output = a.output.clone().unwrap_or_else(|| {
        let stem = a
            .video
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        a.video.with_file_name(format!("{stem}.landmarks.csv"))
    });
    check_writable(&output, a.force)?;
    let opts = a.engine.pose_options(a.smooth);
    let mut tracker = pipeline::tracker(&opts, a.engine.ort_lib.as_deref())?;
    // Open the video first so a bad file fails before anything is created.
    let info = hipflex::video::VideoReader::open(&a.video, a.engine.rotate)?
        .info()
        .clone();
    // The file's name only, as `analyze` writes it: a full path can name the machine's
    // owner. The video's sha256 files a later `analyze --from-landmarks` under its video.
    let mut named = info;
    named.path = named.path.file_name().map(Into::into).unwrap_or_default();
    let mut header = LandmarksHeader::new(named, opts.model, a.smooth);
    header.mirror = opts.mirror;
    header.video_sha256 = hipflex::hash::sha256_file(&a.video).ok();
    let mut writer = LandmarksWriter::create(&output, &header, a.force)?;
    let (scout, summary) = pipeline::track_people(
        &a.video,
        a.engine.rotate,
        &mut tracker,
        a.engine.person,
        |pf, _| writer.write_frame(pf),
    )?;
    if scout.people > 1 {
        println!(
            "{} people in view; following the one chosen by --person {}",
            scout.people, a.engine.person
        );
    }
    if summary.frames_with_person == 0 {
        // Dropping the writer removes its temporary file: nothing is left behind.
        drop(writer);
        return Err(pipeline::no_person(&a.video, summary.frames).into());
    }
    writer.finish()?;
    println!("{}: {}", a.video.display(), summary.one_line());
    println!("landmarks written to {}", output.display());
    Ok(ExitCode::SUCCESS)
}
