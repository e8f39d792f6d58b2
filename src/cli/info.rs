//! `hipflex info VIDEO`

use std::path::PathBuf;
use std::process::ExitCode;

use hipflex::video::{RotateMode, VideoReader};

#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Video file.
    pub video: PathBuf,
    /// Rotation: `auto` follows the video's metadata; 0/90/180/270 rotate clockwise.
    #[arg(long, default_value = "auto")]
    pub rotate: RotateMode,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: InfoArgs) -> anyhow::Result<ExitCode> {
    let mut reader = VideoReader::open(&a.video, a.rotate)?;
    let mut first = None;
    let mut last = 0.0;
    let mut deltas = Vec::new();
    while let Some(f) = reader.next_frame()? {
        if first.is_none() {
            first = Some(f.timestamp_s);
        } else {
            deltas.push(f.timestamp_s - last);
        }
        last = f.timestamp_s;
    }
    reader.check_complete()?;
    let info = reader.info().clone();
    let frames = reader.frames_decoded();
    let stats = hipflex::video::timing_stats(&deltas);
    if a.json {
        let v = serde_json::json!({
            "video": info,
            "frames_decoded": frames,
            "first_timestamp_s": first,
            "last_timestamp_s": last,
            "estimated_timestamps": reader.estimated_timestamps(),
            "timing": stats,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "{}: {}x{} (stored {}x{}, rotation metadata {}°, applied {}°), codec {}, {} frames decoded ({} declared), nominal {:.2} fps, measured {:.2} fps, {}, timestamps {:.3}-{:.3} s",
            info.path.display(),
            info.width,
            info.height,
            info.stored_width,
            info.stored_height,
            info.rotation_metadata_deg,
            info.rotation_applied_deg,
            info.codec,
            frames,
            info.frame_count_hint
                .map(|n| n.to_string())
                .unwrap_or_else(|| "none".into()),
            info.nominal_fps,
            stats.mean_fps,
            if stats.variable {
                "variable frame rate"
            } else {
                "constant frame rate"
            },
            first.unwrap_or(0.0),
            last
        );
    }
    Ok(ExitCode::SUCCESS)
}
