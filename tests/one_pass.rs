//! The default path decodes each frame once: `track_people` (what `pose` and
//! `analyze` run) scouts for people in the same pass as the tracking, and gives the
//! same person and the same landmarks as scouting in a pass of its own and then
//! tracking (`scout_people` + `track_video_following`).

mod common;

use std::path::Path;

use hipflex::models::ModelSize;
use hipflex::person::PersonChoice;
use hipflex::pipeline::{self, PoseRunSummary};
use hipflex::pose::{PoseFrame, PoseOptions, PoseTracker};
use hipflex::video::RotateMode;

fn tracker() -> PoseTracker {
    let opts = PoseOptions {
        model: ModelSize::Lite,
        ..Default::default()
    };
    pipeline::tracker(&opts, None).expect("run scripts/setup first")
}

fn one_pass(
    t: &mut PoseTracker,
    clip: &Path,
    choice: PersonChoice,
) -> (usize, Vec<PoseFrame>, PoseRunSummary) {
    let mut frames = Vec::new();
    let (scout, s) = pipeline::track_people(clip, RotateMode::Auto, t, choice, |f, _| {
        frames.push(f.clone());
        Ok(())
    })
    .unwrap();
    (scout.people, frames, s)
}

fn two_passes(t: &mut PoseTracker, clip: &Path, choice: PersonChoice) -> (usize, Vec<PoseFrame>) {
    let scout = pipeline::scout_people(clip, RotateMode::Auto, t, choice).unwrap();
    let mut frames = Vec::new();
    pipeline::track_video_following(clip, RotateMode::Auto, t, scout.follow, |f, _| {
        frames.push(f.clone());
        Ok(())
    })
    .unwrap();
    (scout.people, frames)
}

fn assert_same(clip: &Path, a: &[PoseFrame], b: &[PoseFrame]) {
    assert_eq!(a.len(), b.len(), "{}", clip.display());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x, y, "{} frame {}", clip.display(), x.index);
    }
}

#[test]
fn one_person_clips_are_decoded_once_with_the_same_landmarks() {
    let mut t = tracker();
    let mut clips = vec![common::videos_dir().join("deadlift_good.mp4")];
    if let Some(dir) = common::real_videos_dir("one_pass (real single-person clip)") {
        clips.push(dir.join("deadlift_formfit_1.mp4"));
    }
    for clip in clips {
        let declared = common::ffprobe_frame_times(&clip).len() as u64;
        for choice in [PersonChoice::Auto, PersonChoice::First] {
            let (people, frames, s) = one_pass(&mut t, &clip, choice);
            assert_eq!(people, 1, "{}", clip.display());
            assert_eq!(s.frames, declared, "{}", clip.display());
            assert_eq!(
                s.frames_decoded,
                s.frames,
                "{} ({choice}): each frame decoded once",
                clip.display()
            );
            assert_eq!(frames.len() as u64, s.frames);
            assert!(frames.iter().enumerate().all(|(i, f)| f.index == i as u64));
            let (people2, frames2) = two_passes(&mut t, &clip, choice);
            assert_eq!(people2, people);
            assert_same(&clip, &frames, &frames2);
        }
    }
}

#[test]
fn a_second_person_gets_the_same_choice_as_a_separate_scouting_pass() {
    let Some(dir) = common::real_videos_dir("one_pass (multi-person clip)") else {
        return;
    };
    let clip = dir.join("nordic_fittransformer_1.mp4");
    let mut t = tracker();
    let (people, frames, s) = one_pass(&mut t, &clip, PersonChoice::Auto);
    assert!(people > 1, "athlete and partner are both seen");
    // Only the scouted stretch is decoded twice (10 s of this 12.3 s clip at most).
    assert!(s.frames_decoded > s.frames, "{s:?}");
    assert!(s.frames_decoded <= s.frames + 310, "{s:?}");
    let (people2, frames2) = two_passes(&mut t, &clip, PersonChoice::Auto);
    assert_eq!(people2, people);
    assert_same(&clip, &frames, &frames2);
}
