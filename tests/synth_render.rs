//! `hipflex synth`: rendered clips decode with the promised frames, the truth matches the
//! figure that was drawn, and outputs are never overwritten by accident.

use std::path::Path;

use clap::Parser;
use hipflex::Error;
use hipflex::common::{Exercise, Tempo};
use hipflex::synth::{self, Clip, Facing, GroundTruth, SynthArgs, SynthSpec};
use opencv::prelude::*;
use opencv::videoio;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    synth: SynthArgs,
}

fn args(line: &str) -> SynthArgs {
    Cli::try_parse_from(std::iter::once("synth").chain(line.split_whitespace()))
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .synth
}

fn small(exercise: Exercise) -> SynthSpec {
    let mut s = SynthSpec::new(exercise);
    s.reps = 2;
    s.tempo = vec!["0.6-0.2-0.5-0.2".parse().unwrap()];
    s.fps = 10.0;
    s.width = 192;
    s.height = 144;
    s.lead_in_s = 0.3;
    s.lead_out_s = 0.3;
    s
}

fn wrap(a: f64) -> f64 {
    let mut x = a % 360.0;
    if x <= -180.0 {
        x += 360.0;
    } else if x > 180.0 {
        x -= 360.0;
    }
    x
}

/// Hip, knee flexion and trunk inclination recomputed from the truth's pixel landmarks.
fn angles_from_pixels(t: &GroundTruth, f: &synth::FrameTruth) -> (f64, f64, f64) {
    let m = if t.spec.facing == Facing::Left {
        -1.0
    } else {
        1.0
    };
    let w = |p: [f64; 2]| (m * p[0], -p[1]);
    let ang = |a: (f64, f64), b: (f64, f64)| (b.1 - a.1).atan2(b.0 - a.0).to_degrees();
    let (s, h, k, a) = (w(f.px.shoulder), w(f.px.hip), w(f.px.knee), w(f.px.ankle));
    (
        wrap(ang(h, k) - ang(h, s) + 180.0),
        wrap(ang(h, k) - ang(k, a)),
        wrap(90.0 - ang(h, s)),
    )
}

fn decode(path: &Path) -> (usize, i32, i32) {
    let mut cap = videoio::VideoCapture::from_file(path, videoio::CAP_ANY).unwrap();
    assert!(cap.is_opened().unwrap());
    let mut n = 0;
    let (mut w, mut h) = (0, 0);
    let mut m = opencv::core::Mat::default();
    while cap.read(&mut m).unwrap() && !m.empty() {
        n += 1;
        w = m.cols();
        h = m.rows();
    }
    (n, w, h)
}

#[test]
fn written_video_decodes_with_expected_frames_and_size() {
    let dir = tempfile::tempdir().unwrap();
    for ex in [Exercise::Bridge, Exercise::Nordic, Exercise::Deadlift] {
        let out = dir.path().join(format!("{ex}.mp4"));
        let truth = synth::generate(&small(ex), &out, false).unwrap();
        // 0.3 + 2 * 1.5 + 0.3 s at 10 fps.
        assert_eq!(truth.video.frame_count, 36);
        assert_eq!(truth.frames.len(), 36);
        let (n, w, h) = decode(&out);
        assert_eq!((n, w, h), (36, 192, 144), "{ex}");
        let back = synth::read_truth(&dir.path().join(format!("{ex}.truth.json"))).unwrap();
        assert_eq!(back.video.frame_count, truth.video.frame_count);
        assert_eq!(back.reps.len(), 2);
        assert_eq!(back.spec, truth.spec);
    }
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    assert_eq!(names.len(), 6);
}

#[test]
fn truth_angles_equal_angles_of_the_drawn_joints() {
    for (ex, facing) in [
        (Exercise::Bridge, Facing::Right),
        (Exercise::Nordic, Facing::Left),
        (Exercise::Deadlift, Facing::Right),
        (Exercise::Deadlift, Facing::Left),
    ] {
        let mut spec = small(ex);
        spec.facing = facing;
        spec.width = 640;
        spec.height = 480;
        let clip = Clip::new(&spec).unwrap();
        let t = clip.truth("x.mp4", "avc1", Path::new("x.mp4"));
        let mut max_err: f64 = 0.0;
        for f in &t.frames {
            let (h, k, tr) = angles_from_pixels(&t, f);
            max_err = max_err
                .max((h - f.hip_flexion_deg).abs())
                .max((k - f.knee_flexion_deg).abs())
                .max((tr - f.trunk_inclination_deg).abs());
        }
        assert!(max_err < 0.1, "{ex} {facing:?}: {max_err}");
        // The figure is drawn where the truth says: the joints are not background pixels.
        let bg = clip.background();
        for i in [0, t.frames.len() / 2] {
            let img = clip.frame(i).unwrap();
            let px = &t.frames[i].px;
            for (name, p) in [
                ("hip", px.hip),
                ("knee", px.knee),
                ("shoulder", px.shoulder),
                ("ear", px.ear),
            ] {
                let (x, y) = (p[0].round() as i32, p[1].round() as i32);
                let a = img.at_2d::<opencv::core::Vec3b>(y, x).unwrap();
                let b = bg.at_2d::<opencv::core::Vec3b>(y, x).unwrap();
                let diff: i32 = (0..3).map(|c| (a[c] as i32 - b[c] as i32).abs()).sum();
                assert!(
                    diff > 30,
                    "{ex} frame {i}: {name} at {x},{y} looks like background"
                );
            }
        }
    }
}

#[test]
fn truth_reps_follow_the_tempo_and_counting_rule() {
    let mut spec = small(Exercise::Deadlift);
    spec.reps = 3;
    spec.tempo = vec![
        "1-0.5-1.5-0.5".parse().unwrap(),
        "0.5-0-1-0.25".parse().unwrap(),
        "1-0.5-1.5-0.5".parse().unwrap(),
    ];
    spec.peak_hip_deg = vec![40.0, 60.0, 80.0];
    let clip = Clip::new(&spec).unwrap();
    let t = clip.truth("x.mp4", "avc1", Path::new("x.mp4"));
    assert_eq!(t.rep_count, 3);
    for (r, tempo) in t.reps.iter().zip(&spec.tempo) {
        assert_eq!(&r.tempo, tempo);
        assert!((r.turn_s - r.start_s - tempo.eccentric_s).abs() < 1e-9);
        assert!((r.end_s - r.return_s - tempo.top_pause_s).abs() < 1e-9);
        assert_eq!(r.counted_at_s, Some(r.return_s));
    }
    assert!((t.reps[1].start_s - t.reps[0].end_s).abs() < 1e-9);
    assert!((t.reps[0].start_s - 0.3).abs() < 1e-9);
    let peaks: Vec<f64> = t.reps.iter().map(|r| r.peak_hip_deg).collect();
    for (p, want) in peaks.iter().zip([40.0, 60.0, 80.0]) {
        assert!((p - want).abs() < 1e-6, "{peaks:?}");
    }
    // The deepest frame of each rep is within one frame's motion of the peak.
    for r in &t.reps {
        let deepest = t
            .frames
            .iter()
            .filter(|f| f.rep == Some(r.index))
            .map(|f| f.hip_flexion_deg)
            .fold(f64::MIN, f64::max);
        assert!(deepest <= r.peak_hip_deg + 1e-6 && deepest > r.peak_hip_deg - 1.0);
    }

    // Bridge: lift first, counted at the top; the partial last rep does not count.
    let mut b = small(Exercise::Bridge);
    b.reps = 3;
    b.partial_last = true;
    let t = Clip::new(&b)
        .unwrap()
        .truth("b.mp4", "avc1", Path::new("b.mp4"));
    assert_eq!(t.rep_count, 2);
    assert_eq!(t.reps[2].counted_at_s, None);
    assert!(!t.reps[2].complete);
    let r0 = &t.reps[0];
    assert_eq!(r0.phases[0].kind, synth::trajectory::PhaseKind::Concentric);
    assert_eq!(r0.counted_at_s, Some(r0.turn_s));
    assert!((r0.peak_hip_deg - 40.0).abs() < 1e-6 && r0.min_hip_deg.abs() < 1e-6);
    // The partial rep only gets half way up.
    assert!(
        (t.reps[2].min_hip_deg - 20.0).abs() < 1e-6,
        "{}",
        t.reps[2].min_hip_deg
    );

    // Nordic: counted when the lowering completes.
    let t = Clip::new(&small(Exercise::Nordic))
        .unwrap()
        .truth("n.mp4", "avc1", Path::new("n.mp4"));
    assert_eq!(t.reps[0].counted_at_s, Some(t.reps[0].turn_s));
    assert!((t.reps[0].min_knee_deg - 20.0).abs() < 1e-6);
    assert!((t.reps[0].peak_knee_deg - 90.0).abs() < 1e-6);
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    let spec = small(Exercise::Deadlift);
    synth::generate(&spec, &out, false).unwrap();
    let before = std::fs::read(&out).unwrap();
    match synth::generate(&spec, &out, false) {
        Err(Error::OutputExists { path }) => assert_eq!(path, out),
        other => panic!("expected OutputExists, got {other:?}"),
    }
    assert_eq!(std::fs::read(&out).unwrap(), before);
    // A stray truth file alone also blocks.
    let out2 = dir.path().join("y.mp4");
    std::fs::write(dir.path().join("y.truth.json"), "{}").unwrap();
    assert!(matches!(
        synth::generate(&spec, &out2, false),
        Err(Error::OutputExists { .. })
    ));
    assert!(!out2.exists());
    // --force overwrites.
    let mut spec2 = spec.clone();
    spec2.reps = 1;
    let t = synth::generate(&spec2, &out, true).unwrap();
    assert_eq!(
        synth::read_truth(&dir.path().join("x.truth.json"))
            .unwrap()
            .spec
            .reps,
        1
    );
    assert_eq!(t.reps.len(), 1);
}

#[test]
fn rendering_is_deterministic_given_the_seed() {
    let spec = small(Exercise::Nordic);
    let a = Clip::new(&spec).unwrap();
    let b = Clip::new(&spec).unwrap();
    for i in [0, 10, 20] {
        let (fa, fb) = (a.frame(i).unwrap(), b.frame(i).unwrap());
        assert_eq!(fa.data_bytes().unwrap(), fb.data_bytes().unwrap());
    }
    let mut other = spec.clone();
    other.seed = 99;
    let c = Clip::new(&other).unwrap();
    assert_ne!(
        a.frame(0).unwrap().data_bytes().unwrap(),
        c.frame(0).unwrap().data_bytes().unwrap()
    );
}

#[test]
fn cli_arguments_map_to_the_spec() {
    let a = args(
        "--exercise nordic --reps 5 --tempo 3-1-2-1 --hip-pike 30 --knee-bottom 35 -o videos/x.mp4",
    );
    let s = a.to_spec().unwrap();
    assert_eq!(s.exercise, Exercise::Nordic);
    assert_eq!(s.reps, 5);
    assert_eq!(s.tempo, vec!["3-1-2-1".parse::<Tempo>().unwrap()]);
    assert_eq!(s.peak_hip_deg, vec![30.0]);
    assert_eq!(s.knee_bottom_deg, vec![35.0]);
    assert_eq!((s.width, s.height, s.fps), (640, 480, 30.0));

    let s = args(
        "--exercise deadlift --reps 3 --peak-hip 40,40,60 --tempo 3-1-2-1,1-1-2-1,1-1-2-1 --size 320x240 --fps 25 --seed 9 --partial-last --lead-in 0.5 --facing left -o a.mp4 --force",
    )
    .to_spec()
    .unwrap();
    assert_eq!(s.peak_hip_deg, vec![40.0, 40.0, 60.0]);
    assert_eq!(s.tempo.len(), 3);
    assert_eq!((s.width, s.height, s.fps, s.seed), (320, 240, 25.0, 9));
    assert!(s.partial_last);
    assert_eq!(s.facing, Facing::Left);
    // The recorded command reproduces the spec.
    let again = args(
        s.command(Path::new("a.mp4"))
            .trim_start_matches("hipflex synth"),
    )
    .to_spec()
    .unwrap();
    assert_eq!(again, s);

    for bad in [
        "--exercise deadlift --hip-pike 20 -o a.mp4",
        "--exercise deadlift --reps 3 --peak-hip 40,50 -o a.mp4",
        "--exercise bridge --peak-hip 75 -o a.mp4",
        "--exercise deadlift --size 641x480 -o a.mp4",
        "--exercise unknown -o a.mp4",
        "--exercise deadlift --tempo 0.1-1-2-1 -o a.mp4",
    ] {
        assert!(args(bad).to_spec().is_err(), "{bad}");
    }
    assert!(
        Cli::try_parse_from([
            "synth",
            "--exercise",
            "deadlift",
            "--size",
            "640",
            "-o",
            "a.mp4"
        ])
        .is_err()
    );
    // Poses that would go through the floor are refused with a reason.
    let s = args("--exercise nordic --peak-hip 70 -o a.mp4")
        .to_spec()
        .unwrap();
    match Clip::new(&s) {
        Err(e) => assert!(e.to_string().contains("through the floor"), "{e}"),
        Ok(_) => panic!("a 70° pike at 20° knee should hit the floor"),
    }
}
