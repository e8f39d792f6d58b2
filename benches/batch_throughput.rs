//! Batch throughput benchmark: videos per minute of `hipflex batch` over the bundled
//! sample clips (`videos/*.mp4`), with and without the annotated video, and the peak
//! memory of the process.
//!
//!   cargo bench --bench batch_throughput
//!   HIPFLEX_BENCH_DIR=folder HIPFLEX_BENCH_MODEL=lite HIPFLEX_BENCH_JOBS=2 cargo bench --bench batch_throughput
//!
//! Prints one JSON line per configuration. Runs the release binary, so build it first
//! (`cargo build --release`; `cargo bench` does not build binaries for benches).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn peak_child_rss_mib() -> f64 {
    // SAFETY: getrusage only writes the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    ru.ru_maxrss as f64 / 1024.0
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("batch_throughput: run with `cargo bench --bench batch_throughput`");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("target/release/hipflex");
    if !bin.is_file() {
        eprintln!("SKIPPED batch_throughput: build the release binary first");
        return;
    }
    let input = std::env::var_os("HIPFLEX_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("videos"));
    let videos = std::fs::read_dir(&input)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "mp4"))
                .count()
        })
        .unwrap_or(0);
    if videos == 0 {
        eprintln!("SKIPPED batch_throughput: no .mp4 in {}", input.display());
        return;
    }
    let model = std::env::var("HIPFLEX_BENCH_MODEL").unwrap_or_else(|_| "full".into());
    let jobs = std::env::var("HIPFLEX_BENCH_JOBS").ok();
    for annotated in [false, true] {
        let out = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(&bin);
        cmd.env("HIPFLEX_DB", out.path().join("history.sqlite"))
            .arg("batch")
            .arg(&input)
            .args(["--phase", "2", "--model", &model, "--out"])
            .arg(out.path());
        if !annotated {
            cmd.arg("--no-video");
        }
        if let Some(j) = &jobs {
            cmd.args(["--jobs", j]);
        }
        let t0 = Instant::now();
        let status = cmd.output().expect("run hipflex batch");
        let wall = t0.elapsed().as_secs_f64();
        assert!(
            status.status.success(),
            "batch failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        println!(
            "{{\"bench\":\"batch_throughput\",\"videos\":{videos},\"model\":\"{model}\",\"annotated_video\":{annotated},\"jobs\":\"{}\",\"wall_s\":{wall:.1},\"videos_per_min\":{:.2},\"peak_rss_mib_so_far\":{:.0}}}",
            jobs.as_deref().unwrap_or("default"),
            videos as f64 * 60.0 / wall,
            peak_child_rss_mib()
        );
    }
}
