//! `hipflex batch INPUT... --out DIR` and `hipflex batch-merge DIR... --out DIR`.
//!
//! Exit codes: 0 every video analysed or up to date; 3 some videos failed (listed in
//! summary.csv / index.html); 2 usage errors (bad arguments, no videos, no phase).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use hipflex::analyze::load_protocol;
use hipflex::batch::{self, BatchOptions, Manifest, Shard};
use hipflex::exercise::AnalysisConfig;

use super::EngineArgs;

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Folders (searched recursively for .mp4 .mov .mkv .avi .webm), video files, or
    /// quoted glob patterns ('clinic/*/2026-11-*.mp4'). Optional with --manifest: then
    /// the manifest's videos are analysed.
    #[arg(required_unless_present = "manifest")]
    pub inputs: Vec<PathBuf>,
    /// Output folder: one sub-folder per video, plus summary.csv and index.html.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Rehab phase for videos the manifest does not give one.
    #[arg(long)]
    pub phase: Option<u8>,
    /// Manifest (CSV `video,patient,exercise,phase` or TOML `[[video]]` tables).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Videos analysed at once (default: one per core, up to 8; each with one inference thread).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Re-analyse videos even when their outputs are up to date.
    #[arg(long)]
    pub force: bool,
    /// Skip each video's annotated video (faster).
    #[arg(long)]
    pub no_video: bool,
    /// Leave faces unblurred in the annotated videos, keyframes and thumbnails (they are
    /// blurred by default).
    #[arg(long)]
    pub show_faces: bool,
    /// Cross-check each rep's peak with the other landmark model size (see `analyze
    /// --cross-check`; videos analysed without it are redone).
    #[arg(long)]
    pub cross_check: bool,
    /// Only the videos whose index in the sorted list is K-1 modulo N (e.g. 2/8).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Protocol file (TOML); default: the built-in PHT protocol.
    #[arg(long, value_name = "FILE")]
    pub protocol: Option<PathBuf>,
    /// Analysis settings override (TOML; see docs/report-schema.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub db: super::history::DbArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, clap::Args)]
pub struct BatchMergeArgs {
    /// Output folders of `hipflex batch --shard` runs.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Folder for the merged summary.csv and index.html.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// History database the shards' own databases (`<shard>/history.sqlite`) are merged
    /// into (default: HIPFLEX_DB, else ~/.local/share/hipflex/history.sqlite).
    #[command(flatten)]
    pub db: super::history::DbArgs,
}

fn exit_for(rows: &[batch::Row]) -> ExitCode {
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    if failed > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn run(a: BatchArgs) -> anyhow::Result<ExitCode> {
    let (protocol, protocol_source) = load_protocol(a.protocol.as_deref())?;
    let config = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("could not read {}", p.display()))?;
            AnalysisConfig::from_toml(&text, &p.display().to_string())?
        }
        None => AnalysisConfig::default(),
    };
    let manifest = a.manifest.as_deref().map(Manifest::load).transpose()?;
    if let Some(p) = a.phase {
        protocol.phase(p)?;
    }
    let videos = match (&manifest, a.inputs.is_empty()) {
        (Some(m), true) => {
            let mut v = m.videos().to_vec();
            v.sort();
            v.dedup();
            v
        }
        _ => batch::discover(&a.inputs)?,
    };
    if videos.is_empty() {
        bail!("no videos found in the inputs (looked for .mp4 .mov .mkv .avi .webm)");
    }
    let all = batch::plan(&videos, &a.inputs, manifest.as_ref(), a.phase)?;
    for j in &all {
        protocol
            .phase(j.phase)
            .with_context(|| format!("{}", j.video.display()))?;
    }
    let jobs: Vec<_> = all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| a.shard.is_none_or(|s| s.owns(*i)))
        .map(|(_, j)| j)
        .collect();
    if jobs.is_empty() {
        eprintln!("this shard has no videos");
    }
    let n_jobs = a.jobs.unwrap_or_else(batch::default_jobs);
    if n_jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("could not create {}", a.out.display()))?;
    let (history, db_error) = a.db.open_for_batch();
    let opts = BatchOptions {
        out: a.out.clone(),
        protocol,
        protocol_source,
        config,
        pose: hipflex::pose::PoseOptions {
            cross_check: a.cross_check,
            ..a.engine.pose_options(false)
        },
        ort_lib: a.engine.ort_lib.clone(),
        rotate: a.engine.rotate,
        person: a.engine.person,
        jobs: n_jobs,
        force: a.force,
        annotated_video: !a.no_video,
        history: history.clone(),
        show_faces: a.show_faces,
    };
    eprintln!(
        "{} videos, {} at a time, outputs in {}",
        jobs.len(),
        n_jobs.min(jobs.len().max(1)),
        a.out.display()
    );
    let bars = super::bars::BatchBars::new(jobs.len(), n_jobs.min(jobs.len().max(1)));
    let rows = batch::run(&jobs, &opts, &bars, |row, done, total| {
        bars.done(&row.progress_line(done, total));
    });
    bars.finish();
    let title = match a.shard {
        Some(s) => format!("hipflex batch (shard {}/{})", s.k, s.n),
        None => "hipflex batch".to_string(),
    };
    batch::write_summary(&a.out, &rows, &title, history.as_deref())?;
    let db_error = super::history::report_batch(&rows, history.as_deref(), db_error);
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    let skipped = rows.iter().filter(|r| r.status == "skipped").count();
    eprintln!(
        "done: {} analysed, {skipped} up to date, {failed} failed; see {}",
        rows.len() - failed - skipped,
        a.out.join("index.html").display()
    );
    if let Some(e) = db_error {
        return Err(e);
    }
    Ok(exit_for(&rows))
}

pub fn run_merge(a: BatchMergeArgs) -> anyhow::Result<ExitCode> {
    let history = super::history::merge_shard_dbs(&a.shards, &a.db)?;
    let rows = batch::merge(&a.shards, &a.out, history.as_deref())?;
    eprintln!(
        "merged {} videos from {} folders into {}",
        rows.len(),
        a.shards.len(),
        a.out.display()
    );
    Ok(exit_for(&rows))
}
