//! Golden tests of every CSV hipflex writes (reps.csv, frames.csv, summary.csv, landmarks
//! .csv) and of reading them back (summary.csv, manifests, landmarks), on fixed data.
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test --release --test csv_golden` and review the diff.

mod analysis_support;

use std::path::{Path, PathBuf};

use analysis_support::{Body, Render, clip};
use hipflex::batch::{Manifest, Row};
use hipflex::exercise::{AnalysisConfig, analyze_landmarks};
use hipflex::landmarks_file::{LandmarksHeader, LandmarksWriter, read_landmarks};
use hipflex::report::{self, ClipFacts, FlagOut, ProtocolUsed};

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/csv_golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()));
    for (i, (a, b)) in expected.split('\n').zip(actual.split('\n')).enumerate() {
        assert_eq!(
            a,
            b,
            "{} differs at line {} (UPDATE_GOLDEN=1 to accept)",
            path.display(),
            i + 1
        );
    }
    assert!(
        expected == actual,
        "{} differs (UPDATE_GOLDEN=1 to accept)",
        path.display()
    );
}

/// Two hinges of 60° on a standing figure, 30 fps.
fn frames() -> Vec<hipflex::pose::PoseFrame> {
    let r = Render {
        facing: 1.0,
        ..Default::default()
    };
    clip(30.0, 7.0, &r, |t| {
        let hip = if !(0.5..=6.5).contains(&t) {
            0.0
        } else {
            30.0 * (1.0 - (std::f64::consts::TAU * (t - 0.5) / 3.0).cos())
        };
        Body::standing(hip, 5.0, 15.0)
    })
}

fn flag(code: &str, rep: usize) -> FlagOut {
    FlagOut {
        code: code.into(),
        severity: "amber".into(),
        rep: Some(rep),
        start_s: None,
        end_s: None,
        value: None,
        limit: None,
        unit: String::new(),
        message: format!("{code} on rep {rep}"),
        uncertain: false,
    }
}

#[test]
fn reps_and_frames_csv() {
    let frames = frames();
    let a = analyze_landmarks(&frames, Some(30.0), &AnalysisConfig::default(), None).unwrap();
    golden("frames.csv", &report::csv::frames_csv(&a));
    let clip = ClipFacts {
        file: "hinge.mp4".into(),
        duration_s: a.duration_s,
        frames: frames.len(),
        frames_with_person: frames.len(),
        width: 640,
        height: 480,
        nominal_fps: 30.0,
        measured_fps: 30.0,
        variable_frame_rate: false,
        rotation_applied_deg: 0,
        codec: "h264".into(),
        capture_fps: None,
        time_scale: 1.0,
        model: "full".into(),
        cross_check_model: None,
        person: "auto".into(),
        people_seen: Some(1),
    };
    let used = ProtocolUsed {
        name: "PHT default".into(),
        version: "1.0.0".into(),
        source: "built-in".into(),
        phase: 2,
        phase_name: "isotonic".into(),
        cap_deg: Some(45.0),
        amber_band_deg: Some(10.0),
    };
    let flags = vec![flag("early_compression", 1), flag("fast_eccentric", 1)];
    let r = report::build(clip, &a, used, flags, vec![]);
    assert!(!r.reps.is_empty(), "the synthetic hinges must give reps");
    golden("reps.csv", &report::csv::reps_csv(&r));
}

fn awkward_rows() -> Vec<Row> {
    vec![
        Row {
            video: "a,b.mp4".into(),
            patient: "O'Neil \"Jo\"".into(),
            date: "2026-11-20".into(),
            status: "failed".into(),
            error: "said \"no\"\nthen stopped, twice".into(),
            ..Default::default()
        },
        Row {
            video: "patient-b/nordic good.mp4".into(),
            status: "ok".into(),
            exercise: "nordic".into(),
            phase: "2".into(),
            reps: "5".into(),
            worst_severity: "amber".into(),
            peak_hip_flexion_deg: "38.2".into(),
            cap_deg: "45".into(),
            typical_tempo: "3-0-2-1".into(),
            seconds: "12.5".into(),
            report: "patient-b/nordic good/report.html".into(),
            error: "line\r\nbreak".into(),
            ..Default::default()
        },
        Row::default(),
    ]
}

#[test]
fn summary_csv_writes_and_reads_back() {
    let rows = awkward_rows();
    let text = hipflex::batch::csv::summary_csv(&rows);
    golden("summary.csv", &text);
    let back = hipflex::batch::csv::parse_summary(&text).unwrap();
    // The all-empty row is skipped on reading.
    assert_eq!(back, rows[..2].to_vec());
    // Columns are found by name, in any order, and extra columns are ignored.
    let moved = "status,extra,video\r\nok,x,\"v,1.mp4\"\r\n\r\n";
    let back = hipflex::batch::csv::parse_summary(moved).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(
        (back[0].video.as_str(), back[0].status.as_str()),
        ("v,1.mp4", "ok")
    );
    assert!(hipflex::batch::csv::parse_summary("a,b\n1,2\n").is_err());
    assert!(hipflex::batch::csv::parse_summary("").is_err());
}

fn manifest(dir: &Path, text: &str) -> Result<Manifest, String> {
    let p = dir.join("m.csv");
    std::fs::write(&p, text).unwrap();
    Manifest::load(&p).map_err(|e| e.to_string().replace(&p.display().to_string(), "m.csv"))
}

#[test]
fn manifest_csv_reading() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(
        dir.path(),
        "Video , Patient,exercise,phase\r\n\"a, b.mp4\",\"Jo \"\"J\"\"\" ,Nordic, 2\r\n,,,\r\nc.mp4,,,\n\nd.mp4,P,,3",
    )
    .unwrap();
    let mut out = String::new();
    for v in m.videos() {
        out.push_str(&format!("{:?} {:?}\n", v.file_name().unwrap(), m.lookup(v)));
    }
    golden("manifest_entries.txt", &out);
    let errs = [
        manifest(dir.path(), "").unwrap_err(),
        manifest(dir.path(), "patient\nx\n").unwrap_err(),
        manifest(dir.path(), "video,phase\na.mp4,two\n").unwrap_err(),
        manifest(dir.path(), "video,exercise\na.mp4,squat\n").unwrap_err(),
        manifest(dir.path(), "video\n\"a.mp4\n").unwrap_err(),
    ];
    golden("manifest_errors.txt", &(errs.join("\n") + "\n"));
}

#[test]
fn landmarks_csv_writes_and_reads_back() {
    let mut frames: Vec<_> = frames().into_iter().take(4).collect();
    frames[2].pose = None;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.csv");
    let video = hipflex::video::VideoInfo {
        path: "clip.mp4".into(),
        width: 640,
        height: 480,
        stored_width: 640,
        stored_height: 480,
        nominal_fps: 30.0,
        frame_count_hint: Some(4),
        rotation_metadata_deg: 0,
        rotation_applied_deg: 0,
        codec: "h264".into(),
        image_quality: None,
    };
    let header = LandmarksHeader::new(video, hipflex::models::ModelSize::Full, true);
    let mut w = LandmarksWriter::create(&path, &header, false).unwrap();
    for f in &frames {
        w.write_frame(f).unwrap();
    }
    w.finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    // The first line carries the tool version; pin the rest.
    let (first, rest) = text.split_once('\n').unwrap();
    assert!(first.starts_with("# hipflex-landmarks {"), "{first}");
    golden("landmarks.csv", rest);
    let (h, back) = read_landmarks(&path).unwrap();
    assert_eq!(h, header);
    assert_eq!(back.len(), frames.len());
    assert!(back[2].pose.is_none() && back[3].pose.is_some());
    // What was written is what is read, at the written precision.
    let again = dir.path().join("again.csv");
    let mut w = LandmarksWriter::create(&again, &h, false).unwrap();
    for f in &back {
        w.write_frame(f).unwrap();
    }
    w.finish().unwrap();
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text);
}
