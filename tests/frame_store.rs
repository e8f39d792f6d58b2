//! The landmarks kept on disk for a whole clip (`frame_store`) read back bit for bit, and
//! the analysis and every output file are the same whether the frames are in memory or
//! in the store.

mod analysis_support;
mod common;

use std::path::Path;

use analysis_support::*;
use hipflex::analyze::{AnalyzeOptions, OUTPUTS, Provenance, analyze_frames, write_outputs};
use hipflex::exercise::AnalysisConfig;
use hipflex::frame_store::{FrameAt, FrameSpill, FrameStore, Frames};
use hipflex::landmarks_file::LandmarksHeader;
use hipflex::models::ModelSize;
use hipflex::pose::{Landmark, PoseFrame, RoiSource};
use hipflex::protocol::Protocol;

/// A synthetic deadlift set (three reps), with a stretch in which nobody is found, one
/// frame tracked rather than detected and a landmark carrying a NaN and a negative zero.
fn clip_frames() -> Vec<PoseFrame> {
    let mut segs = vec![(1.0, 0.0)];
    for _ in 0..3 {
        segs.extend([(2.0, 80.0), (0.5, 80.0), (1.5, 0.0), (1.0, 0.0)]);
    }
    let mut frames = clip(30.0, total(&segs), &Render::default(), |t| {
        Body::standing(piecewise(0.0, &segs, t), 5.0, 15.0)
    });
    for f in &mut frames[40..46] {
        f.pose = None;
    }
    let p = frames[50].pose.as_mut().unwrap();
    p.roi_source = RoiSource::Tracking;
    p.image[0].z = f32::NAN;
    p.world[3].x = -0.0;
    frames
}

fn store_of(frames: &[PoseFrame], dir: &Path) -> FrameStore {
    let mut spill = FrameSpill::create(dir).unwrap();
    for f in frames {
        spill.push(f).unwrap();
    }
    assert_eq!(spill.len(), frames.len());
    spill.finish().unwrap()
}

fn bits(l: &[Landmark]) -> Vec<[u32; 5]> {
    l.iter()
        .map(|l| [l.x, l.y, l.z, l.visibility, l.presence].map(f32::to_bits))
        .collect()
}

/// Equal to the bit (NaN and signed zeros included).
fn assert_same_frame(a: &PoseFrame, b: &PoseFrame) {
    assert_eq!(a.index, b.index);
    assert_eq!(a.timestamp_s.to_bits(), b.timestamp_s.to_bits());
    match (&a.pose, &b.pose) {
        (None, None) => {}
        (Some(p), Some(q)) => {
            assert_eq!(p.score.to_bits(), q.score.to_bits());
            assert_eq!(p.roi, q.roi);
            assert_eq!(p.roi_source, q.roi_source);
            assert_eq!(bits(&p.image), bits(&q.image), "frame {}", a.index);
            assert_eq!(bits(&p.world), bits(&q.world), "frame {}", a.index);
        }
        _ => panic!("frame {}: pose presence differs", a.index),
    }
}

#[test]
fn store_reads_back_every_frame_bit_for_bit() {
    let frames = clip_frames();
    let dir = tempfile::tempdir().unwrap();
    let store = store_of(&frames, dir.path());
    assert_eq!(store.len(), frames.len());
    // Two readers at once keep their own places.
    let mut a = store.cursor().unwrap();
    let mut b = store.cursor().unwrap();
    for f in &frames {
        assert_same_frame(f, a.next_frame().unwrap().unwrap());
        assert_same_frame(f, b.next_frame().unwrap().unwrap());
    }
    assert!(a.next_frame().unwrap().is_none());
    let mut seen = 0;
    store
        .visit(&mut |i, f| {
            assert_same_frame(&frames[i], f);
            seen += 1;
        })
        .unwrap();
    assert_eq!(seen, frames.len());
    // The store's file has no name: nothing appears in the folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn frame_at_skips_forward_and_refuses_to_go_back() {
    let frames = clip_frames();
    let dir = tempfile::tempdir().unwrap();
    let store = store_of(&frames, dir.path());
    let mut at = FrameAt::new(&store).unwrap();
    for i in [0, 1, 7, 44, 50, frames.len() - 1] {
        assert_same_frame(&frames[i], at.get(i).unwrap().unwrap());
    }
    assert!(at.get(frames.len()).unwrap().is_none());
    let mut at = FrameAt::new(&store).unwrap();
    at.get(10).unwrap();
    assert!(at.get(3).is_err());
}

fn provenance(n: usize) -> Provenance {
    common::synthetic_provenance("deadlift.mp4", 1280, 1080, n)
}

#[test]
fn analysis_and_outputs_from_the_store_match_memory() {
    let frames = clip_frames();
    let prov = provenance(frames.len());
    let opts = AnalyzeOptions {
        phase: 2,
        protocol: Protocol::default_pht(),
        protocol_source: "built-in pht-default".into(),
        config: AnalysisConfig::default(),
        exercise: None,
    };
    let header = LandmarksHeader::new(prov.video.clone(), ModelSize::Full, false);
    let root = tempfile::tempdir().unwrap();
    let (mem_dir, disk_dir) = (root.path().join("memory"), root.path().join("store"));
    std::fs::create_dir_all(&disk_dir).unwrap();

    let (report, analysis) = analyze_frames(&prov, &frames, &opts).unwrap();
    assert_eq!(
        analysis.counted_reps().count(),
        3,
        "the fixture is a three-rep set"
    );
    write_outputs(
        &mem_dir,
        &report,
        &analysis,
        &frames,
        Some(&header),
        None,
        false,
    )
    .unwrap();

    let store = store_of(&frames, &disk_dir);
    let (report_s, analysis_s) = analyze_frames(&prov, &store, &opts).unwrap();
    assert_eq!(
        serde_json::to_string(&report).unwrap(),
        serde_json::to_string(&report_s).unwrap()
    );
    assert_eq!(
        serde_json::to_string(&analysis).unwrap(),
        serde_json::to_string(&analysis_s).unwrap()
    );
    write_outputs(
        &disk_dir,
        &report_s,
        &analysis_s,
        &store,
        Some(&header),
        None,
        false,
    )
    .unwrap();
    drop(store);
    for name in OUTPUTS {
        let a = std::fs::read(mem_dir.join(name)).unwrap();
        let b = std::fs::read(disk_dir.join(name)).unwrap();
        assert!(a == b, "{name} differs between memory and store");
    }
    let mut left: Vec<String> = std::fs::read_dir(&disk_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut want: Vec<String> = OUTPUTS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(left, want, "only the outputs are left in the folder");
}
