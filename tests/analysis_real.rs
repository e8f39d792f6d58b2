//! Real clips: per-clip classification and rep counts against hand-counted labels.
//!
//! Needs landmark JSON per clip (`{"fps": .., "frames": [PoseFrame, ..]}` or a bare
//! `[PoseFrame, ..]`) in `$HIPFLEX_LANDMARKS_DIR` and `LABELS.tsv` in
//! `$HIPFLEX_LABELS` (default `/work/shared/videos-real/LABELS.tsv`). Skipped (passes)
//! when the landmarks are absent. Run with `--nocapture` to see the table.

use std::path::PathBuf;

use hipflex::exercise::{AnalysisConfig, analyze_landmarks};
use hipflex::pose::PoseFrame;

#[derive(serde::Deserialize)]
struct Dump {
    fps: Option<f64>,
    frames: Vec<PoseFrame>,
}

fn load(path: &std::path::Path) -> (Vec<PoseFrame>, Option<f64>) {
    let text = std::fs::read_to_string(path).unwrap();
    if let Ok(d) = serde_json::from_str::<Dump>(&text) {
        return (d.frames, d.fps);
    }
    (serde_json::from_str(&text).unwrap(), None)
}

#[test]
fn real_clips_against_labels() {
    let Ok(dir) = std::env::var("HIPFLEX_LANDMARKS_DIR") else {
        eprintln!("HIPFLEX_LANDMARKS_DIR not set: skipped");
        return;
    };
    let labels = std::env::var("HIPFLEX_LABELS")
        .unwrap_or_else(|_| "/work/shared/videos-real/LABELS.tsv".into());
    let labels = std::fs::read_to_string(labels).unwrap();
    let cfg = AnalysisConfig::default();
    let (mut class_ok, mut class_n, mut reps_ok, mut reps_n) = (0, 0, 0, 0);
    for line in labels.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 {
            continue;
        }
        let stem = cols[0].trim_end_matches(".mp4");
        let path = PathBuf::from(&dir).join(format!("{stem}.json"));
        if !path.exists() {
            continue;
        }
        let (frames, fps) = load(&path);
        let a = analyze_landmarks(&frames, fps, &cfg, None).unwrap();
        let want_class = match cols[1] {
            "other" => "unknown",
            c => c,
        };
        let got = a.classification.exercise.name();
        class_n += 1;
        class_ok += (got == want_class) as usize;
        let want_reps: Option<usize> = cols[3].parse().ok();
        // Count reps with the labelled exercise so counting is judged on its own.
        let ex = match want_class {
            "bridge" => Some(hipflex::common::Exercise::Bridge),
            "nordic" => Some(hipflex::common::Exercise::Nordic),
            "deadlift" => Some(hipflex::common::Exercise::Deadlift),
            _ => None,
        };
        let b = analyze_landmarks(&frames, fps, &cfg, ex).unwrap();
        if let Some(w) = want_reps {
            reps_n += 1;
            reps_ok += (b.rep_count == w) as usize;
        }
        let tempos: Vec<String> = b
            .reps
            .iter()
            .map(|r| {
                format!(
                    "{}{}[{}|pk{:.0}{}]",
                    if r.counted { "" } else { "p" },
                    r.number.map(|n| n.to_string()).unwrap_or_default(),
                    r.tempo,
                    r.peak_hip_flexion_deg.unwrap_or(f64::NAN),
                    if r.uncertain { "?" } else { "" }
                )
            })
            .collect();
        println!(
            "{stem:38} class {got:8} (want {want_class:8} conf {:.2}) view {:?} off3d {:.0} off2d {:.0} src {} | reps {} want {} range {:.0} | holds {} | {}",
            a.classification.confidence,
            a.view.verdict,
            a.view.offset_3d_deg.unwrap_or(f64::NAN),
            a.view.offset_2d_deg.unwrap_or(f64::NAN),
            b.angle_source,
            b.rep_count,
            cols[3],
            b.set_range_deg,
            b.holds.len(),
            tempos.join(" ")
        );
        if std::env::var("HIPFLEX_VERBOSE").is_ok() {
            println!("   reasons: {}", a.classification.reasons.join(" / "));
        }
    }
    println!("classification {class_ok}/{class_n}, rep counts {reps_ok}/{reps_n}");
}
