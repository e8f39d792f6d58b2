//! Pose throughput benchmark: frames per second end to end and per stage (decode,
//! preprocess, inference, postprocess) for each model size on a real clip.
//!
//!   cargo bench --bench pose_throughput                 # default clip
//!   HIPFLEX_BENCH_VIDEO=clip.mp4 HIPFLEX_BENCH_MODELS=lite,full cargo bench --bench pose_throughput
//!
//! Default clip: `squat_fittransformer_1.mp4` (1080x1920) from the real clips folder
//! (HIPFLEX_REAL_VIDEOS or ../shared/videos-real). Prints one JSON line per model.
//! `tools/bench_pose.sh` runs this and MediaPipe's Python pipeline on the same clip.

use std::path::PathBuf;

use hipflex::models::ModelSize;
use hipflex::pipeline;
use hipflex::pose::PoseOptions;
use hipflex::video::RotateMode;

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --all-targets` only check it builds.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("pose_throughput: run with `cargo bench --bench pose_throughput`");
        return;
    }
    let video = std::env::var_os("HIPFLEX_BENCH_VIDEO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let dir = std::env::var_os("HIPFLEX_REAL_VIDEOS")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/videos-real")
                });
            dir.join("squat_fittransformer_1.mp4")
        });
    if !video.is_file() {
        eprintln!(
            "SKIPPED pose_throughput: {} not found (set HIPFLEX_BENCH_VIDEO)",
            video.display()
        );
        return;
    }
    let models = std::env::var("HIPFLEX_BENCH_MODELS").unwrap_or_else(|_| "lite,full".into());
    for m in models.split(',') {
        let size = match m.trim() {
            "lite" => ModelSize::Lite,
            "full" => ModelSize::Full,
            "heavy" => ModelSize::Heavy,
            other => panic!("unknown model {other}"),
        };
        let opts = PoseOptions {
            model: size,
            ..Default::default()
        };
        let mut tracker = match pipeline::tracker(&opts, None) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("SKIPPED {m}: {e}");
                continue;
            }
        };
        let s = pipeline::track_video(&video, RotateMode::Auto, &mut tracker, |_, _| Ok(()))
            .expect("benchmark clip must decode");
        let p = s.per_frame();
        println!(
            "{{\"tool\":\"hipflex\",\"model\":\"{m}\",\"video\":\"{}\",\"size\":\"{}x{}\",\"frames\":{},\"with_person\":{},\"fps\":{:.2},\"decode_ms\":{:.2},\"preprocess_ms\":{:.2},\"inference_ms\":{:.2},\"postprocess_ms\":{:.2}}}",
            video.file_name().unwrap().to_string_lossy(),
            s.video.width,
            s.video.height,
            s.frames,
            s.frames_with_person,
            s.frames as f64 / s.wall_s,
            p.decode_ms,
            p.preprocess_ms,
            p.inference_ms,
            p.postprocess_ms
        );
    }
}
