//! Real clip shapes (issue 9, section 2): a clip that starts mid-lift or mid-lowering, or
//! ends mid-lift or mid-lowering, is counted by the counting rule of `../shared/README.md`
//! (a rep counts when its lift is complete; a lowering cut off by the end does not remove
//! it; a lift already under way when the clip starts does not count).
//!
//! The clips are the shared real clips whose `LABELS.tsv` notes give each rep's bottom and
//! top times. Each is tracked once with the real model (or its landmarks are read from
//! `$HIPFLEX_LANDMARKS_DIR/<stem>.json` when set, as `tests/analysis_real.rs` does), then
//! cut in the middle of each lift and each lowering the notes give, at the start and at the
//! end, as a phone trimmed there would be (times and frame numbers start again at 0), and
//! faded there instead (the frames stay, the person is gone from them, as in a fade from or
//! to black or a title card). Each clip is also given a long rest ([`REST_S`]) in the middle
//! of each top and at each bottom (the frame there held), which must not change its count. Each shape is analysed with the labelled
//! exercise, so the counting is tested on its own, and must count what the rule says for
//! it. Every shape is printed (a rest as the seconds it fills). And each set, the Nordics
//! too, is played faster and slower ([`SPEEDS`], the landmarks interpolated between frames
//! at the clip's own frame rate), which must not change its count either (with
//! `HIPFLEX_LANDMARKS_DIR` every counted clip is played so).
//!
//! The notes' times are hand estimates, so cuts are made only in phases of at least 0.6 s,
//! at their middle (a start mid-lift two thirds of the way up, see [`START_CUT_IN_LIFT`]),
//! and only where at least 2 s of the clip remain.

mod common;

use std::path::Path;

use hipflex::common::Exercise;
use hipflex::exercise::{AnalysisConfig, analyze_landmarks};
use hipflex::models::ModelSize;
use hipflex::pipeline;
use hipflex::pose::{PoseFrame, PoseOptions, PoseTracker};
use hipflex::video::RotateMode;

/// Clips held out of all rule tuning (`tests/analysis_real.rs`): their cuts are tallied
/// apart.
const HELD_OUT: [&str; 3] = ["deadlift_tby_3", "deadlift_kbtrainer_2", "rdl_sebitzu_1"];

/// Cuts that do not yet count by the rule, with what this code counted when the entry was
/// written. Printed loudly on every run (and a listed cut that counts right is printed too:
/// the pose model's landmarks differ a little between CPUs). Issue 9 empties this list.
const EXPECTED_FAILURES: &[(&str, &str)] = &[
    (
        "hipthrust_pygif_1 starts mid-lift 5",
        "2 reps, rule 1: a 0.6 s lift filmed from the front; the cut clip's first frames read 70-72 \
     deg, within the cut-start margin (15% of its 90 deg range) of the set's bottom, and barely \
     moving (72 -> 70 in the first 0.1 s); flagged 'the clip starts mid-rep' but counted (measured 2026-12-02)",
    ),
    (
        "hipthrust_pygif_1 fades in mid-lift 5",
        "2 reps, rule 1: the same cut faded in instead of trimmed, the same reading (measured 2026-12-02)",
    ),
];

/// The shortest phase cut, and the least clip left after a cut, seconds.
const MIN_PHASE_S: f64 = 0.6;
/// Where in a lift, from the noted bottom to the noted top, a clip that starts mid-lift is
/// cut. Not the middle: the notes' bottoms are early (the frames show the weight still
/// coming down or resting on the floor there: `deadlift_kbtrainer_2` lifts from about 7.1 s
/// after its noted 6.5 s, `deadlift_tby_3` from about 15.0 s after 14.6 s), so a cut at
/// the middle of a 0.9-1.3 s lift fell at the moment the weight leaves the floor, where a
/// clip starts at the bottom and lifts at once (which counts). Two thirds of the way the
/// weight is well off the floor in those frames. Every other cut is at the middle.
const START_CUT_IN_LIFT: f64 = 2.0 / 3.0;
const MIN_LEFT_S: f64 = 2.0;
/// A long rest inserted at each top and each bottom, seconds.
const REST_S: f64 = 8.0;
/// Each set played this many times slower (under 1: faster), its frame rate kept: 2 and 1.6
/// times faster (a 2.4 s rep in 1.2 and 1.5 s, lifts at 400-950 deg/s over two frames), 1.6
/// and 2 times slower (a 2-3 s Nordic lowering in 3-6 s, a grinding lift).
const SPEEDS: [f64; 4] = [0.5, 0.625, 1.6, 2.0];

/// The speeds to play: [`SPEEDS`], or `HIPFLEX_SHAPES_SPEEDS` (comma-separated factors, for
/// measuring others, e.g. `0.5` for twice as fast).
fn speeds() -> Vec<f64> {
    match std::env::var("HIPFLEX_SHAPES_SPEEDS") {
        Ok(v) if !v.trim().is_empty() => v
            .split(',')
            .map(|x| x.trim().parse().expect("HIPFLEX_SHAPES_SPEEDS: numbers"))
            .collect(),
        _ => SPEEDS.to_vec(),
    }
}

/// One labelled rep: the start of its lift (the bottom before it, when the notes give
/// one) and its top (the lift's end), and where the lowering after it ends, seconds.
#[derive(Clone, Copy, Debug)]
struct LabelledRep {
    lift_from: Option<f64>,
    top_from: f64,
    top_to: f64,
    lowered_at: Option<f64>,
}

/// Where the list of times after the word `word` starts: the word on its own (not inside
/// "stops"), then up to 40 characters of description without a `;` (e.g. "tops (hips up) ~",
/// "bottoms between ~"), then `~`. Every such place.
fn lists_after(notes: &str, word: &str) -> Vec<usize> {
    notes
        .match_indices(word)
        .filter(|(at, _)| {
            let before = notes[..*at].chars().next_back();
            let after = notes[at + word.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && after == Some(' ')
        })
        .filter_map(|(at, _)| {
            let rest = &notes[at + word.len()..];
            let tilde = rest.find('~')?;
            (tilde <= 40 && !rest[..tilde].contains(';')).then_some(at + word.len() + tilde + 1)
        })
        .collect()
}

/// The times of the one list after `word` (see [`lists_after`]) up to " s", a range "a-b"
/// as (a, b); `None` unless there is exactly one such list.
fn times_after(notes: &str, word: &str) -> Option<Vec<(f64, f64)>> {
    let [at] = lists_after(notes, word)[..] else {
        return None;
    };
    let list = notes[at..].split(" s").next().unwrap_or("");
    list.split(',')
        .map(|t| {
            let t = t.trim();
            let (a, b) = t.split_once('-').unwrap_or((t, t));
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .collect()
}

/// The labelled reps of a hinge or bridge clip from its notes: `tops ~...` and `bottoms ~...`
/// (or `bottoms between ~...`), one bottom before each top or one between each pair of tops
/// (a clip that starts at the bottom). `None` when the notes give no such times, give them
/// for several parts of the clip, or the two lists do not pair up with the labelled count.
fn labelled_reps(notes: &str, reps: usize) -> Option<Vec<LabelledRep>> {
    let tops = times_after(notes, "tops")?;
    let bottoms: Vec<f64> = times_after(notes, "bottoms")?
        .into_iter()
        .map(|b| b.0)
        .collect();
    if tops.len() != reps || reps == 0 {
        return None;
    }
    let before_each = bottoms.len() == reps && bottoms.iter().zip(&tops).all(|(b, t)| *b < t.0);
    let between = bottoms.len() + 1 == reps
        && bottoms
            .iter()
            .enumerate()
            .all(|(i, b)| tops[i].1 < *b && *b < tops[i + 1].0);
    if !before_each && !between {
        return None;
    }
    Some(
        (0..reps)
            .map(|i| {
                let (lift_from, lowered_at) = if before_each {
                    (Some(bottoms[i]), bottoms.get(i + 1).copied())
                } else {
                    (
                        i.checked_sub(1).map(|j| bottoms[j]),
                        bottoms.get(i).copied(),
                    )
                };
                LabelledRep {
                    lift_from,
                    top_from: tops[i].0,
                    top_to: tops[i].1,
                    lowered_at,
                }
            })
            .collect(),
    )
}

/// A cut of a clip and the count the counting rule gives it.
#[derive(Clone, Debug)]
struct Cut {
    what: String,
    from_s: f64,
    to_s: f64,
    want: usize,
}

/// Each cut in the middle of a lift or a lowering, at the start and at the end.
fn cuts(reps: &[LabelledRep], duration: f64) -> Vec<Cut> {
    let n = reps.len();
    let mut out = Vec::new();
    let mut add = |what: String, from_s: f64, to_s: f64, want: usize| {
        if to_s - from_s >= MIN_LEFT_S {
            out.push(Cut {
                what,
                from_s,
                to_s,
                want,
            });
        }
    };
    for (i, r) in reps.iter().enumerate() {
        let k = i + 1;
        if let Some(b) = r.lift_from.filter(|b| r.top_from - b >= MIN_PHASE_S) {
            let lift = r.top_from - b;
            // Rep k's lift is under way at the start: not counted.
            let under_way = b + START_CUT_IN_LIFT * lift;
            add(format!("starts mid-lift {k}"), under_way, duration, n - k);
            // Rep k's lift is not complete at the end.
            add(format!("ends mid-lift {k}"), 0.0, b + 0.5 * lift, k - 1);
        }
        if let Some(b) = r.lowered_at.filter(|b| b - r.top_to >= MIN_PHASE_S) {
            let mid = 0.5 * (r.top_to + b);
            // The next rep's lift is whole.
            add(
                format!("starts mid-lowering after {k}"),
                mid,
                duration,
                n - k,
            );
            // A lowering cut off by the end does not remove rep k.
            add(format!("ends mid-lowering after {k}"), 0.0, mid, k);
        }
    }
    out
}

/// The frames of `[from_s, to_s)`, numbered and timed from 0 as a trimmed file would be.
fn trimmed(frames: &[PoseFrame], from_s: f64, to_s: f64) -> Vec<PoseFrame> {
    let kept: Vec<&PoseFrame> = frames
        .iter()
        .filter(|f| f.timestamp_s >= from_s && f.timestamp_s < to_s)
        .collect();
    let t0 = kept.first().map_or(0.0, |f| f.timestamp_s);
    kept.iter()
        .enumerate()
        .map(|(i, f)| PoseFrame {
            index: i as u64,
            timestamp_s: f.timestamp_s - t0,
            pose: f.pose.clone(),
        })
        .collect()
}

/// The whole clip with the person gone outside `[from_s, to_s)`, as a fade from or to black
/// or a title card leaves it: the frames are there, the pose is not.
fn faded(frames: &[PoseFrame], from_s: f64, to_s: f64) -> Vec<PoseFrame> {
    frames
        .iter()
        .map(|f| PoseFrame {
            pose: f
                .pose
                .clone()
                .filter(|_| f.timestamp_s >= from_s && f.timestamp_s < to_s),
            ..f.clone()
        })
        .collect()
}

/// The clip's frame interval, seconds (the shortest between two frames).
fn frame_step(frames: &[PoseFrame]) -> f64 {
    frames
        .windows(2)
        .map(|w| w[1].timestamp_s - w[0].timestamp_s)
        .fold(f64::INFINITY, f64::min)
        .max(1e-3)
}

/// The clip with a rest of [`REST_S`] inserted at `at_s`: the frame there held (a person
/// holding still), the rest of the clip after it.
fn rested(frames: &[PoseFrame], at_s: f64) -> Vec<PoseFrame> {
    let split = frames.partition_point(|f| f.timestamp_s < at_s);
    let Some(held) = frames.get(split) else {
        return frames.to_vec();
    };
    let dt = frame_step(frames);
    let inserted = (REST_S / dt).round() as usize;
    let shift = inserted as f64 * dt;
    let rest = (0..inserted).map(|j| PoseFrame {
        timestamp_s: held.timestamp_s + j as f64 * dt,
        ..held.clone()
    });
    let after = frames[split..].iter().map(|f| PoseFrame {
        timestamp_s: f.timestamp_s + shift,
        ..f.clone()
    });
    frames[..split]
        .iter()
        .cloned()
        .chain(rest)
        .chain(after)
        .enumerate()
        .map(|(i, f)| PoseFrame {
            index: i as u64,
            ..f
        })
        .collect()
}

/// The clip played `factor` times slower at the same frame rate: each new frame's landmarks
/// interpolated between the two source frames around its time (the nearer one's where either
/// has no pose).
fn slowed(frames: &[PoseFrame], factor: f64) -> Vec<PoseFrame> {
    let dt = frame_step(frames);
    let end = frames.last().map_or(0.0, |f| f.timestamp_s) * factor;
    let n = (end / dt).floor() as usize + 1;
    (0..n)
        .map(|i| {
            let t = i as f64 * dt / factor;
            let j = frames.partition_point(|f| f.timestamp_s <= t).max(1) - 1;
            let (a, b) = (&frames[j], &frames[(j + 1).min(frames.len() - 1)]);
            let span = b.timestamp_s - a.timestamp_s;
            let w = if span > 0.0 {
                ((t - a.timestamp_s) / span).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let pose = match (&a.pose, &b.pose) {
                (Some(pa), Some(pb)) => {
                    let mix = |la: &[hipflex::pose::Landmark], lb: &[hipflex::pose::Landmark]| {
                        la.iter()
                            .zip(lb)
                            .map(|(x, y)| {
                                let m = |p: f32, q: f32| p + (q - p) * w as f32;
                                hipflex::pose::Landmark {
                                    x: m(x.x, y.x),
                                    y: m(x.y, y.y),
                                    z: m(x.z, y.z),
                                    visibility: m(x.visibility, y.visibility),
                                    presence: m(x.presence, y.presence),
                                }
                            })
                            .collect()
                    };
                    let mut p = if w < 0.5 { pa.clone() } else { pb.clone() };
                    p.image = mix(&pa.image, &pb.image);
                    p.world = mix(&pa.world, &pb.world);
                    Some(p)
                }
                _ => {
                    if w < 0.5 {
                        a.pose.clone()
                    } else {
                        b.pose.clone()
                    }
                }
            };
            PoseFrame {
                index: i as u64,
                timestamp_s: i as f64 * dt,
                pose,
            }
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct Dump {
    fps: Option<f64>,
    frames: Vec<PoseFrame>,
}

/// The clip's landmarks and frame rate: from the dump folder when given, else tracked with
/// the real model as `hipflex analyze` does by default (`--person auto`).
fn landmarks(tracker: &mut Option<PoseTracker>, clip: &Path) -> (Vec<PoseFrame>, Option<f64>) {
    let stem = clip.file_stem().unwrap().to_string_lossy().to_string();
    if let Ok(dir) = std::env::var("HIPFLEX_LANDMARKS_DIR") {
        let text = std::fs::read_to_string(Path::new(&dir).join(format!("{stem}.json"))).unwrap();
        let d: Dump = serde_json::from_str(&text).unwrap();
        return (d.frames, d.fps);
    }
    let tracker = tracker.get_or_insert_with(|| {
        let opts = PoseOptions {
            model: ModelSize::Full,
            ..Default::default()
        };
        pipeline::tracker(&opts, None).expect("run scripts/setup first")
    });
    let mut frames = Vec::new();
    let (_, s) = pipeline::track_people(
        clip,
        RotateMode::Auto,
        tracker,
        hipflex::person::PersonChoice::Auto,
        |f, _| {
            frames.push(f.clone());
            Ok(())
        },
    )
    .unwrap();
    (frames, Some(s.video.nominal_fps))
}

#[test]
fn clips_cut_mid_lift_or_mid_lowering_count_by_the_counting_rule() {
    let Some(dir) = common::real_videos_dir("clip_shapes_real") else {
        return;
    };
    let labels = std::fs::read_to_string(dir.join("LABELS.tsv")).unwrap();
    let cfg = AnalysisConfig::default();
    let mut tracker = None;
    let (mut ok, mut n, mut held_ok, mut held_n) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut run = std::collections::HashSet::new();
    for line in labels.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 5 {
            continue;
        }
        let exercise = match cols[1] {
            "bridge" => Exercise::Bridge,
            "deadlift" => Exercise::Deadlift,
            "nordic" => Exercise::Nordic,
            _ => continue,
        };
        let Ok(count) = cols[3].parse::<usize>() else {
            continue;
        };
        // Cut, faded and rested where the notes give the rep times (lifts: bridges and
        // hinges); played faster and slower those and the Nordics, or with the landmarks at
        // hand every counted clip.
        let reps = (exercise != Exercise::Nordic)
            .then(|| labelled_reps(cols[4], count))
            .flatten()
            .unwrap_or_default();
        let dumps = std::env::var_os("HIPFLEX_LANDMARKS_DIR").is_some();
        if reps.is_empty() && exercise != Exercise::Nordic && !dumps {
            continue;
        }
        let clip = dir.join(cols[0]);
        let stem = clip.file_stem().unwrap().to_string_lossy().to_string();
        let (frames, fps) = landmarks(&mut tracker, &clip);
        let duration = frames.last().map_or(0.0, |f| f.timestamp_s) + 1e-6;
        let held = HELD_OUT.contains(&stem.as_str());
        let shapes = cuts(&reps, duration).into_iter().flat_map(|cut| {
            let trim = trimmed(&frames, cut.from_s, cut.to_s);
            let fade = faded(&frames, cut.from_s, cut.to_s);
            let fade_cut = Cut {
                what: cut
                    .what
                    .replacen("starts", "fades in", 1)
                    .replacen("ends", "fades out", 1),
                ..cut.clone()
            };
            [(cut, trim), (fade_cut, fade)]
        });
        let rest_at = |what: String, at_s: f64| {
            let cut = Cut {
                what,
                from_s: at_s,
                to_s: at_s + REST_S,
                want: reps.len(),
            };
            (cut, rested(&frames, at_s))
        };
        let rests = reps.iter().enumerate().flat_map(|(i, r)| {
            let k = i + 1;
            let top = 0.5 * (r.top_from + r.top_to);
            let mut out = vec![rest_at(
                format!("rests {REST_S:.0} s at the top of {k}"),
                top,
            )];
            if let Some(b) = r.lift_from {
                out.push(rest_at(
                    format!("rests {REST_S:.0} s at the bottom before {k}"),
                    b,
                ));
            }
            out
        });
        let speeds = speeds().into_iter().map(|factor| {
            let what = if factor < 1.0 {
                format!("played {:.1}x faster", 1.0 / factor)
            } else {
                format!("played {factor:.1}x slower")
            };
            let cut = Cut {
                what,
                from_s: 0.0,
                to_s: duration * factor,
                want: count,
            };
            (cut, slowed(&frames, factor))
        });
        for (cut, part) in shapes.chain(rests).chain(speeds) {
            let a = analyze_landmarks(&part, fps, &cfg, Some(exercise)).unwrap();
            let got = a.counted_reps().count();
            let key = format!("{stem} {}", cut.what);
            run.insert(key.clone());
            let line = format!(
                "{key} ({:.2}-{:.2} s): {got} reps, rule {}",
                cut.from_s, cut.to_s, cut.want
            );
            println!("{}{line}", if held { "H " } else { "  " });
            n += 1;
            held_n += usize::from(held);
            if got == cut.want {
                ok += 1;
                held_ok += usize::from(held);
            } else {
                for r in &a.reps {
                    println!(
                        "      rep at {:.2}-{:.2} s{}: {}",
                        r.start_s,
                        r.end_s,
                        if r.counted { "" } else { " (not counted)" },
                        r.uncertain_reasons.join("; ")
                    );
                }
                failures.push((key, line));
            }
        }
    }
    if n == 0 {
        eprintln!("\n*** SKIPPED clip_shapes_real: no clip's notes give rep times ***\n");
        return;
    }
    println!(
        "shapes counted by the rule: {ok}/{n} (held-out clips {held_ok}/{held_n}, tuning clips {}/{})",
        ok - held_ok,
        n - held_n
    );
    let mut verdict = Vec::new();
    for (key, recorded) in EXPECTED_FAILURES {
        match failures.iter().find(|(k, _)| k == key) {
            Some((_, now)) => {
                eprintln!("*** EXPECTED FAILURE {now}\n      when listed: {recorded}")
            }
            None if !run.contains(*key) => {
                eprintln!("*** EXPECTED FAILURE {key}: not run (its landmarks are not at hand)")
            }
            None => eprintln!(
                "*** EXPECTED FAILURE {key} now counts by the rule on this machine (when listed: {recorded}); remove its entry once it does on every machine"
            ),
        }
    }
    for (key, line) in &failures {
        if !EXPECTED_FAILURES.iter().any(|(k, _)| k == key) {
            verdict.push(line.clone());
        }
    }
    assert!(verdict.is_empty(), "{}", verdict.join("\n"));
}

#[test]
fn rep_times_are_read_from_the_labels_notes() {
    let notes = "starts at top; bottoms ~3.5, 6.25 s; tops ~4.9, 7.5 s; ends at top";
    let r = labelled_reps(notes, 2).unwrap();
    assert_eq!(r[0].lift_from, Some(3.5));
    assert_eq!(r[0].top_from, 4.9);
    assert_eq!(r[0].lowered_at, Some(6.25));
    assert_eq!(r[1].lowered_at, None);
    // A clip that starts at the bottom: one bottom between each pair of tops, tops as ranges.
    let notes = "stops at 9 s ~ then; tops (hips up) ~0.5-1.8, 3.2-4.4 s; bottoms between ~2.4 s";
    let r = labelled_reps(notes, 2).unwrap();
    assert_eq!(r[0].lift_from, None);
    assert_eq!((r[0].top_from, r[0].top_to), (0.5, 1.8));
    assert_eq!(r[0].lowered_at, Some(2.4));
    assert_eq!(r[1].lift_from, Some(2.4));
    // Lists that do not pair with the count are not guessed at.
    assert!(labelled_reps("bottoms ~1, 2, 3 s; tops ~1.5 s", 1).is_none());
    assert!(labelled_reps("tops ~1, 2 s", 3).is_none());
    // Times given part by part are not joined.
    let parts = "front: bottoms ~1, 3 s, tops ~2, 4 s; side: bottoms ~5 s, tops ~6 s";
    assert!(labelled_reps(parts, 3).is_none());
}

#[test]
fn each_cut_counts_what_the_rule_says() {
    let reps = labelled_reps("bottoms ~1.0, 4.0 s; tops ~2.0, 5.0 s", 2).unwrap();
    let c = cuts(&reps, 8.0);
    let want = |what: &str| c.iter().find(|c| c.what == what).map(|c| c.want);
    assert_eq!(want("starts mid-lift 1"), Some(1));
    assert_eq!(want("starts mid-lowering after 1"), Some(1));
    assert_eq!(want("ends mid-lift 2"), Some(1));
    assert_eq!(want("ends mid-lowering after 1"), Some(1));
    // Too little left: 1.5 s before rep 1's mid-lift.
    assert_eq!(want("ends mid-lift 1"), None);
}
