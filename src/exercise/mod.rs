//! From landmarks to repetitions: kinematics, cleaning, classification, reps, tempo, holds.
//!
//! Entry point: [`analyze_landmarks`].

pub mod classify;
pub mod config;
pub mod cross_check;
pub mod gait;
pub mod reps;
pub mod rows;
pub mod tempo;

use serde::{Deserialize, Serialize};

use crate::common::Exercise;
use crate::error::{Error, Result};
use crate::frame_store::Frames;
use crate::kinematics::{self, RawKinematics, Side, ViewQuality};
use crate::pose::PoseFrame;
use crate::signal::{self, Cleaned, median_dt, percentile};
pub use classify::{Classification, Posture, PostureSeries, classify};
pub use config::{AnalysisConfig, ClassifyParams, RepParams};
pub use reps::{Hold, HoldPosition, Phase, Rep, RepSample};
pub use rows::FrameRows;

/// Kinematics of one frame: raw and filtered angles (degrees), confidences and labels.
/// Filtered values are `None` inside gaps longer than the fill limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameKinematics {
    pub index: u64,
    /// Seconds (real time: slow motion rescaled).
    pub t: f64,
    pub present: bool,
    pub side: Option<Side>,
    pub low_confidence: bool,
    pub hip_flexion_2d_raw: Option<f64>,
    pub hip_flexion_3d_raw: Option<f64>,
    pub knee_flexion_2d_raw: Option<f64>,
    pub knee_flexion_3d_raw: Option<f64>,
    pub trunk_inclination_raw: Option<f64>,
    pub hip_flexion_2d: Option<f64>,
    pub hip_flexion_3d: Option<f64>,
    /// Primary hip flexion (2D for side-on views, 3D for oblique ones).
    pub hip_flexion: Option<f64>,
    pub knee_flexion_2d: Option<f64>,
    pub knee_flexion_3d: Option<f64>,
    pub knee_flexion: Option<f64>,
    pub trunk_inclination: Option<f64>,
    /// Hip height above the feet in trunk lengths (clip-median trunk length).
    pub hip_height: Option<f64>,
    pub conf_hip: f64,
    pub conf_knee: f64,
    pub conf_trunk: f64,
    /// The driving signal was interpolated here (missing or low-confidence frame).
    pub filled: bool,
    /// The driving signal's raw value was rejected as an outlier here.
    pub outlier: bool,
    /// Hamstrings under load: bridges exclude frames with the pelvis resting on the floor;
    /// other exercises count every frame with a pose.
    pub loaded: bool,
    pub posture: Posture,
    /// Index into `Analysis::reps`.
    pub rep: Option<usize>,
    pub phase: Option<Phase>,
    /// Inside `Analysis::holds[k]`.
    pub hold: Option<usize>,
}

/// Everything the analysis finds in one clip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub frame_count: usize,
    pub duration_s: f64,
    /// Median frame rate of the (rescaled) timestamps.
    pub fps: f64,
    /// Factor applied to timestamps (playback fps / capture fps for slow motion, else 1).
    pub time_scale: f64,
    pub variable_frame_rate: bool,
    pub view: ViewQuality,
    pub classification: Classification,
    /// `hip_flexion`, `knee_flexion` (Nordic) or `trunk_pitch` (a hinge filmed from in
    /// front or behind: its pitch from foreshortening, see `foreshortened_trunk`).
    pub driving_signal: String,
    /// `2d` or `3d`.
    pub angle_source: String,
    /// Typical range of the driving signal over the set, degrees.
    pub set_range_deg: f64,
    pub rep_count: usize,
    /// Why the clip's movements are not a set of repetitions at all: walking strides
    /// ([`gait`]), or a movement the classification recognised as none of the three (a
    /// squat or lunge, a sit-up, a push-up); `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_a_set: Option<String>,
    pub reps: Vec<Rep>,
    pub holds: Vec<Hold>,
    /// One row per frame, packed (see [`rows`]).
    pub frames: FrameRows,
    pub notes: Vec<String>,
}

impl Analysis {
    /// Counted repetitions.
    pub fn counted_reps(&self) -> impl Iterator<Item = &Rep> {
        self.reps.iter().filter(|r| r.counted)
    }
}

fn nan(x: Option<f64>) -> f64 {
    x.unwrap_or(f64::NAN)
}

fn opt(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Frame times: container timestamps when strictly increasing, else index / fps.
fn frame_times<F: Frames + ?Sized>(
    frames: &F,
    fps_hint: Option<f64>,
    notes: &mut Vec<String>,
) -> Result<Vec<f64>> {
    let mut ts: Vec<f64> = Vec::with_capacity(frames.len());
    frames.visit(&mut |_, f| ts.push(f.timestamp_s))?;
    let ok = ts.iter().all(|t| t.is_finite()) && ts.windows(2).all(|w| w[1] > w[0]);
    if ok {
        return Ok(ts);
    }
    let fps = fps_hint.filter(|f| *f > 0.0).unwrap_or(30.0);
    notes.push(format!(
        "timestamps missing or not increasing: using frame index / {fps:.2} fps"
    ));
    Ok((0..ts.len()).map(|i| i as f64 / fps).collect())
}

/// The cleaned per-frame series of a clip (NaN in gaps).
struct Signals {
    hip2: Cleaned,
    hip3: Cleaned,
    knee2: Cleaned,
    knee3: Cleaned,
    /// The hip and knee angles in the body's sagittal plane (world landmarks), to time
    /// the phases on only.
    hip_sag: Cleaned,
    knee_sag: Cleaned,
    trunk: Cleaned,
    height: Cleaned,
    posture: PostureSeries,
}

fn check_input<F: Frames + ?Sized>(frames: &F) -> Result<()> {
    if frames.is_empty() {
        return Err(Error::NoLandmarks {
            reason: "the clip has no frames".into(),
        });
    }
    let mut any = false;
    frames.visit(&mut |_, f| any |= f.pose.is_some())?;
    if !any {
        return Err(Error::NoLandmarks {
            reason: format!("no person was found in any of the {} frames", frames.len()),
        });
    }
    Ok(())
}

/// Frame times, rescaled for slow motion, and the scale applied.
fn timeline<F: Frames + ?Sized>(
    frames: &F,
    fps_hint: Option<f64>,
    cfg: &AnalysisConfig,
    notes: &mut Vec<String>,
) -> Result<(Vec<f64>, f64)> {
    let mut t = frame_times(frames, fps_hint, notes)?;
    let dt0 = median_dt(&t);
    let mut time_scale = 1.0;
    if let Some(cap) = cfg.capture_fps.filter(|c| *c > 0.0) {
        let play =
            fps_hint
                .filter(|f| *f > 0.0)
                .unwrap_or(if dt0.is_finite() { 1.0 / dt0 } else { 30.0 });
        time_scale = play / cap;
        t.iter_mut().for_each(|x| *x *= time_scale);
        notes.push(format!(
            "slow motion: {play:.1} fps playback of {cap:.1} fps capture, times x {time_scale:.4}"
        ));
    }
    Ok((t, time_scale))
}

/// Puts each rep's peak hip-flexion half-width (`kinematics::uncertainty`) on the rep.
fn attach_uncertainty(
    reps: &mut [reps::Rep],
    frames: &FrameRows,
    view: &ViewQuality,
    exercise: Exercise,
    cfg: &AnalysisConfig,
) {
    let series = EvidenceSeries::of(frames, view, cfg);
    for r in reps {
        r.peak_hip_flexion_uncertainty_deg = series
            .evidence(view, exercise, r, cfg)
            .map(|e| kinematics::uncertainty::rounded_half_width(&e, &cfg.uncertainty));
    }
}

/// The per-frame series the uncertainty model reads, taken from the frame rows once for
/// all of a clip's reps.
pub(crate) struct EvidenceSeries {
    t: Vec<f64>,
    hip_raw: Vec<f64>,
    hip_filtered: Vec<f64>,
    conf: Vec<f64>,
}

impl EvidenceSeries {
    pub(crate) fn of(frames: &FrameRows, view: &ViewQuality, cfg: &AnalysisConfig) -> Self {
        let n = frames.len();
        let mut s = EvidenceSeries {
            t: Vec::with_capacity(n),
            hip_raw: Vec::with_capacity(n),
            hip_filtered: Vec::with_capacity(n),
            conf: Vec::with_capacity(n),
        };
        for f in frames.iter() {
            s.t.push(f.t);
            s.hip_raw
                .push(raw_hip(&f, view.use_3d, cfg.kinematics.min_confidence));
            s.hip_filtered.push(nan(f.hip_flexion));
            s.conf.push(f.conf_hip.min(f.conf_knee));
        }
        s
    }

    /// What the uncertainty model reads about `rep`'s peak hip flexion.
    pub(crate) fn evidence(
        &self,
        view: &ViewQuality,
        exercise: Exercise,
        rep: &Rep,
        cfg: &AnalysisConfig,
    ) -> Option<kinematics::uncertainty::RepEvidence> {
        let series = kinematics::uncertainty::ClipSeries {
            t: &self.t,
            hip_raw: &self.hip_raw,
            hip_filtered: &self.hip_filtered,
            conf: &self.conf,
        };
        kinematics::uncertainty::rep_evidence(
            rep.peak_hip_flexion_s,
            [rep.peak_hip_flexion_2d_deg, rep.peak_hip_flexion_3d_deg],
            exercise,
            view,
            &series,
            &cfg.uncertainty,
        )
    }
}

/// What the uncertainty model reads about `rep`'s peak hip flexion, from the analysis'
/// frame rows (public so the calibration test reads exactly what the analysis used).
pub fn peak_evidence(
    frames: &FrameRows,
    view: &ViewQuality,
    exercise: Exercise,
    rep: &Rep,
    cfg: &AnalysisConfig,
) -> Option<kinematics::uncertainty::RepEvidence> {
    EvidenceSeries::of(frames, view, cfg).evidence(view, exercise, rep, cfg)
}

/// One frame's hip flexion before cleaning (NaN where the hip is not confidently seen), in
/// the plane the analysis measures in: what the uncertainty model reads for steadiness.
fn raw_hip(f: &FrameKinematics, use_3d: bool, min_confidence: f64) -> f64 {
    let v = if use_3d {
        f.hip_flexion_3d_raw
    } else {
        f.hip_flexion_2d_raw
    };
    if f.conf_hip >= min_confidence {
        nan(v)
    } else {
        f64::NAN
    }
}

/// The driving signal before cleaning, oriented like the cleaned one (minus knee flexion
/// for Nordic curls): what pose jumps are judged on.
fn raw_drive(kin: &[RawKinematics], use_3d: bool, nordic: bool, min_confidence: f64) -> Vec<f64> {
    kin.iter()
        .map(|k| {
            let (v, conf, sign) = match (nordic, use_3d) {
                (false, true) => (k.hip_flexion_3d, k.conf_hip, 1.0),
                (false, false) => (k.hip_flexion_2d, k.conf_hip, 1.0),
                (true, true) => (k.knee_flexion_3d, k.conf_knee, -1.0),
                (true, false) => (k.knee_flexion_2d, k.conf_knee, -1.0),
            };
            if conf >= min_confidence {
                sign * nan(v)
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// A driving signal other than the default: its name, raw and cleaned values.
type Drive = (&'static str, Vec<f64>, Cleaned);

/// A hinge filmed from in front or behind (camera offset from the side view of at least
/// `RepParams::foreshortened_trunk_min_offset_deg`): the reps are found in the trunk's
/// pitch from vertical read off its foreshortening, `acos(vertical image extent / full
/// length)`, with the full length the trunk's longest image length in the clip (standing
/// upright). For a level camera the vertical extent of a segment is its length times the
/// cosine of its pitch whatever the camera's yaw, so this needs no depth; the world
/// landmarks' depth, which the hip angle needs in these views, flips between frames there.
/// A hinge's trunk pitch carries most of its hip flexion and moves with it (the thighs stay
/// near vertical), so its turning points and phases are the hip's. Raw and cleaned series;
/// `None` for other exercises and views.
fn foreshortened_trunk(
    kin: &[RawKinematics],
    t: &[f64],
    cfg: &AnalysisConfig,
    exercise: Exercise,
    view_offset_deg: Option<f64>,
) -> Option<Drive> {
    let offset = view_offset_deg?;
    if exercise != Exercise::Deadlift || offset < cfg.reps.foreshortened_trunk_min_offset_deg {
        return None;
    }
    let len: Vec<f64> = kin
        .iter()
        .map(|k| {
            if k.conf_trunk >= cfg.kinematics.min_confidence {
                nan(k.trunk_px)
            } else {
                f64::NAN
            }
        })
        .collect();
    let full = percentile(&len, 95.0);
    if !full.is_finite() || full <= 0.0 {
        return None;
    }
    let raw: Vec<f64> = kin
        .iter()
        .zip(&len)
        .map(|(k, l)| {
            let extent = l * nan(k.trunk_inclination).to_radians().cos().abs();
            (extent / full).min(1.0).acos().to_degrees()
        })
        .collect();
    let clean = signal::clean_series(t, &raw, &cfg.signal);
    Some(("trunk_pitch", raw, clean))
}

/// The hip angle from the world landmarks, unsigned, to find reps in (bridges and hinges
/// filmed off the side): near full extension the world landmarks' depth mirrors the thigh
/// through the trunk line from frame to frame (+18° to -18° and back on the synthetic 45°
/// bridge), a 30-40° step that is no movement of the body, while the angle between the two
/// segments stays put. The reported angles keep their sign. `None` for Nordic curls
/// (driven by the knee) and side views (the image angle).
fn unsigned_hip_3d(
    kin: &[RawKinematics],
    t: &[f64],
    cfg: &AnalysisConfig,
    nordic: bool,
    use_3d: bool,
) -> Option<Drive> {
    if nordic || !use_3d {
        return None;
    }
    let raw: Vec<f64> = raw_drive(kin, true, false, cfg.kinematics.min_confidence)
        .iter()
        .map(|x| x.abs())
        .collect();
    let clean = signal::clean_series(t, &raw, &cfg.signal);
    Some(("hip_flexion", raw, clean))
}

/// Gates each raw series by its confidence and cleans it; the primary hip and knee come
/// from 3D landmarks when the view says so.
fn clean_signals(kin: &[RawKinematics], t: &[f64], cfg: &AnalysisConfig, use_3d: bool) -> Signals {
    let kp = &cfg.kinematics;
    let gate = |f: fn(&RawKinematics) -> Option<f64>, c: fn(&RawKinematics) -> f64| -> Vec<f64> {
        kin.iter()
            .map(|k| {
                if c(k) >= kp.min_confidence {
                    nan(f(k))
                } else {
                    f64::NAN
                }
            })
            .collect()
    };
    let trunk_len = signal::median(&kin.iter().map(|k| nan(k.trunk_px)).collect::<Vec<_>>());
    let height_raw: Vec<f64> = kin
        .iter()
        .map(|k| {
            if k.conf_knee >= kp.min_confidence {
                nan(k.hip_height_px) / trunk_len
            } else {
                f64::NAN
            }
        })
        .collect();
    let clean = |x: &[f64]| signal::clean_series(t, x, &cfg.signal);
    let hip2 = clean(&gate(|k| k.hip_flexion_2d, |k| k.conf_hip));
    let hip3 = clean(&gate(|k| k.hip_flexion_3d, |k| k.conf_hip));
    let knee2 = clean(&gate(|k| k.knee_flexion_2d, |k| k.conf_knee));
    let knee3 = clean(&gate(|k| k.knee_flexion_3d, |k| k.conf_knee));
    let hip_sag = clean(&gate(|k| k.hip_flexion_sagittal_3d, |k| k.conf_hip));
    let knee_sag = clean(&gate(|k| k.knee_flexion_sagittal_3d, |k| k.conf_knee));
    let trunk = clean(&gate(|k| k.trunk_inclination, |k| k.conf_trunk));
    let (hip, knee) = if use_3d {
        (&hip3, &knee3)
    } else {
        (&hip2, &knee2)
    };
    let posture = PostureSeries {
        hip_flexion: hip.values.clone(),
        knee_flexion: knee.values.clone(),
        trunk_inclination: trunk.values.clone(),
        thigh_inclination: clean(&gate(|k| k.thigh_inclination, |k| k.conf_hip)).values,
        shank_inclination: clean(&gate(|k| k.shank_inclination, |k| k.conf_knee)).values,
        trunk_anterior_up: kin.iter().map(|k| nan(k.trunk_anterior_up)).collect(),
        trunk_pitch: clean(&gate(|k| k.trunk_pitch_3d, |k| k.conf_trunk)).values,
        thigh_pitch: clean(&gate(|k| k.thigh_pitch_3d, |k| k.conf_hip)).values,
        far_thigh_pitch: clean(&gate(|k| k.far_thigh_pitch_3d, |k| k.conf_trunk)).values,
        shank_pitch: clean(&gate(|k| k.shank_pitch_3d, |k| k.conf_knee)).values,
        arm_hang: kin.iter().map(|k| nan(k.arm_hang_3d)).collect(),
        view_offset_deg: None,
        rear_fraction: None,
    };
    Signals {
        height: clean(&height_raw),
        hip2,
        hip3,
        knee2,
        knee3,
        hip_sag,
        knee_sag,
        trunk,
        posture,
    }
}

/// The angles the phases may be timed on besides the driving signal, oriented like it:
/// the image, the 3D and the sagittal-plane 3D hip angle, each given as `[image, 3D,
/// sagittal]` (the knee's, negated, for Nordic curls), and for hinges the trunk's pitch
/// from vertical off the world landmarks (`trunk_pitch`). The sagittal angles and the
/// trunk pitch are signed and pass through their upright or straight value steadily,
/// where the 3D angle bottoms out at its out-of-plane part and the driving signal off the
/// side (the unsigned 3D hip, the trunk's foreshortened pitch) reads a magnitude.
fn timing_candidates(
    hip: [&Cleaned; 3],
    knee: [&Cleaned; 3],
    trunk_pitch: Vec<f64>,
    exercise: Exercise,
) -> Vec<(&'static str, Vec<f64>)> {
    if exercise == Exercise::Nordic {
        let neg = |c: &Cleaned| c.values.iter().map(|x| -x).collect();
        return vec![
            ("knee_flexion_2d", neg(knee[0])),
            ("knee_flexion_3d", neg(knee[1])),
            ("knee_flexion_sagittal_3d", neg(knee[2])),
        ];
    }
    let mut out = vec![
        ("hip_flexion_2d", hip[0].values.clone()),
        ("hip_flexion_3d", hip[1].values.clone()),
        ("hip_flexion_sagittal_3d", hip[2].values.clone()),
    ];
    // A hinge's trunk pitch carries most of its hip flexion (see `foreshortened_trunk`).
    if exercise == Exercise::Deadlift {
        out.push(("trunk_pitch_3d", trunk_pitch));
    }
    out
}

/// Detected (or given) exercise.
fn classify_clip(
    posture: &PostureSeries,
    kin: &[RawKinematics],
    cfg: &AnalysisConfig,
    exercise_override: Option<Exercise>,
) -> Classification {
    let mut classification = classify(posture, &cfg.classify);
    let seen = seen_share(kin, cfg.kinematics.min_confidence);
    seen_too_little(&mut classification, seen, &cfg.classify);
    if let Some(ex) = exercise_override {
        classification.reasons.push(format!(
            "exercise set by the user to {ex} (detected: {})",
            classification.exercise
        ));
        classification.exercise = ex;
        classification.confidence = 1.0;
        classification.overridden = true;
    }
    classification
}

/// Share of the frames with a pose whose shoulder, hip and knee (the trunk and thigh the
/// postures are read from) are seen confidently; `None` without a pose. The ankles do not
/// count: feet out of the frame leave the trunk and thigh to read.
fn seen_share(kin: &[RawKinematics], min_confidence: f64) -> Option<f64> {
    let present = kin.iter().filter(|k| k.present).count();
    let seen = kin
        .iter()
        .filter(|k| k.present && k.conf_hip >= min_confidence)
        .count();
    (present > 0).then(|| seen as f64 / present as f64)
}

/// A clip whose joints are confidently seen on too few of its frames with a pose (`seen`,
/// see [`ClassifyParams::min_seen_fraction`]) names no exercise, whatever its postures
/// read: they are mostly interpolated.
fn seen_too_little(c: &mut Classification, seen: Option<f64>, p: &ClassifyParams) {
    let Some(seen) = seen.filter(|&s| s < p.min_seen_fraction) else {
        return;
    };
    let taken = match c.exercise {
        Exercise::Unknown => String::new(),
        ex => format!(", so the {ex} the postures suggest is not taken"),
    };
    c.reasons.push(format!(
        "the shoulder, hip and knee are seen confidently on only {:.0}% of the frames with a person (at least {:.0}% needed to tell the exercise){taken}: give --exercise to count the movements as one",
        100.0 * seen,
        100.0 * p.min_seen_fraction,
    ));
    if c.exercise != Exercise::Unknown {
        c.exercise = Exercise::Unknown;
        c.confidence = 1.0 - seen;
    }
}

/// Hamstrings under load per frame: bridges exclude the pelvis resting on the floor.
fn loaded_frames(
    hv: &[f64],
    kin: &[RawKinematics],
    exercise: Exercise,
    rp: &RepParams,
) -> Vec<bool> {
    let hip_lo = percentile(hv, 100.0 - rp.range_percentile);
    let hip_hi = percentile(hv, rp.range_percentile);
    let hip_range = hip_hi - hip_lo;
    hv.iter()
        .enumerate()
        .map(|(i, h)| {
            if exercise == Exercise::Bridge && hip_range >= rp.min_range_deg {
                h.is_finite() && *h < hip_hi - rp.bridge_rest_band_fraction * hip_range
            } else {
                kin[i].present
            }
        })
        .collect()
}

/// Per frame: the person is in the exercise's own posture (all true when unknown).
fn in_position(posture: &PostureSeries, exercise: Exercise, p: &ClassifyParams) -> Vec<bool> {
    let want = match exercise {
        Exercise::Bridge => Posture::SupineKneesBent,
        Exercise::Nordic => Posture::Kneeling,
        Exercise::Deadlift => Posture::Standing,
        _ => return vec![true; posture.hip_flexion.len()],
    };
    (0..posture.hip_flexion.len())
        .map(|i| classify::posture(posture, i, p) == want)
        .collect()
}

/// Where the body is in the image, per frame, and the clip's typical leg length (pixels).
struct ImagePoints {
    ankles: Vec<reps::AnklePair>,
    body: Vec<reps::BodyPoints>,
    leg_px: f64,
}

/// The image positions of the left and right ankles and of the near shoulder, hip and
/// knee, where each is seen, and the clip's typical leg length.
fn image_points<F: Frames + ?Sized>(
    frames: &F,
    rows: &FrameRows,
    min_conf: f64,
) -> Result<ImagePoints> {
    let mut legs = Vec::new();
    let mut ankles = Vec::with_capacity(rows.len());
    let mut body = Vec::with_capacity(rows.len());
    frames.visit(&mut |i, f| {
        if let Some(k) = rows.get(i) {
            let (a, b) = frame_points(f, &k, min_conf, &mut legs);
            ankles.push(a);
            body.push(b);
        }
    })?;
    Ok(ImagePoints {
        ankles,
        body,
        leg_px: signal::median(&legs),
    })
}

/// One frame's ankle positions and near shoulder, hip and knee, adding its leg length to
/// `legs` when the knee is seen.
fn frame_points(
    f: &PoseFrame,
    k: &FrameKinematics,
    min_conf: f64,
    legs: &mut Vec<f64>,
) -> (reps::AnklePair, reps::BodyPoints) {
    let Some(pose) = f.pose.as_ref().filter(|_| k.present) else {
        return ([None, None], [None, None, None]);
    };
    let l = &pose.image;
    let at = |i: usize| (l[i].x as f64, l[i].y as f64);
    let seen = |i: usize| (l[i].visibility as f64 >= min_conf).then(|| at(i));
    let (sh, h, kn, a, _, _) = kinematics::ids(k.side.unwrap_or(Side::Left));
    let d = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
    if k.conf_knee >= min_conf {
        legs.push(d(at(h), at(kn)) + d(at(kn), at(a)));
    }
    let (la, ra) = (crate::pose::idx::LEFT_ANKLE, crate::pose::idx::RIGHT_ANKLE);
    ([la, ra].map(seen), [sh, h, kn].map(seen))
}

/// Analyses a clip's landmarks: per-frame angles, view quality, exercise, reps and holds.
///
/// `fps_hint` is the container frame rate (used when timestamps are unusable and for
/// slow-motion rescaling); `exercise_override` skips classification.
pub fn analyze_landmarks<F: Frames + ?Sized>(
    frames: &F,
    fps_hint: Option<f64>,
    cfg: &AnalysisConfig,
    exercise_override: Option<Exercise>,
) -> Result<Analysis> {
    analyze_landmarks_cross_checked(frames, None, fps_hint, cfg, exercise_override)
}

/// [`analyze_landmarks`], with each rep's peak also measured on a second model size's
/// landmarks of the same frames when `cross` is given (see [`cross_check`]).
pub fn analyze_landmarks_cross_checked<F: Frames + ?Sized>(
    frames: &F,
    cross: Option<&crate::pose::CrossCheckTrack>,
    fps_hint: Option<f64>,
    cfg: &AnalysisConfig,
    exercise_override: Option<Exercise>,
) -> Result<Analysis> {
    check_input(frames)?;
    let mut notes = Vec::new();
    let clip = measure_clip(frames, fps_hint, cfg, &mut notes)?;
    let mut classification = classify_clip(&clip.sig.posture, &clip.kin, cfg, exercise_override);
    let exercise = classification.exercise;
    let walking = walking_strides(&clip.sig.posture, &classification, cfg);
    classification.reasons.extend(walking.clone());
    let not_a_set = match walking {
        Some(strides) => Some(strides),
        None => {
            let other = movement_not_counted(&classification);
            classification.reasons.extend(other.clone());
            other
        }
    };
    let drive = driving_candidate(&clip, cfg, exercise);
    let cross_hip = cross
        .map(|track| {
            let (kin, t, use_3d) = (&clip.kin, &clip.t, clip.view.use_3d);
            cross_check::cross_hip_series(frames, kin, t, track, use_3d, cfg)
        })
        .transpose()?;
    let position = in_position(&clip.sig.posture, exercise, &cfg.classify);
    let (time_scale, variable_frame_rate) = (clip.time_scale, clip.variable_frame_rate);
    let reps_of = RepsOf {
        exercise,
        not_reps: not_a_set.as_deref(),
    };
    let mut found = find_reps(frames, clip, drive, position, reps_of, cfg, &mut notes)?;
    let cross = cross.zip(cross_hip.as_deref());
    let (reps, rows, view) = (&mut found.seg.reps, &found.frames, &found.view);
    peak_intervals(reps, rows, view, exercise, cfg, cross);
    let (duration_s, fps) = duration_and_rate(&found.t);
    Ok(Analysis {
        frame_count: frames.len(),
        duration_s,
        fps,
        time_scale,
        variable_frame_rate,
        view: found.view,
        classification,
        driving_signal: found.driving_signal.into(),
        angle_source: found.angle_source.into(),
        set_range_deg: found.seg.range,
        rep_count: found.seg.reps.iter().filter(|r| r.counted).count(),
        not_a_set,
        reps: found.seg.reps,
        holds: found.holds,
        frames: found.frames,
        notes,
    })
}

/// What [`find_reps`] finds, with the parts of the measured clip the analysis keeps.
struct FoundReps {
    t: Vec<f64>,
    view: ViewQuality,
    driving_signal: &'static str,
    angle_source: &'static str,
    seg: reps::Segmentation,
    holds: Vec<Hold>,
    /// The frame rows, labelled with their rep, phase and hold.
    frames: FrameRows,
}

/// Why a clip that is none of the three exercises has no repetitions at all: its thighs
/// swing in turn, as in walking ([`gait`]). `None` for the three exercises (named or
/// given) and for any other movement.
fn walking_strides(
    posture: &PostureSeries,
    classification: &Classification,
    cfg: &AnalysisConfig,
) -> Option<String> {
    if classification.exercise != Exercise::Unknown || classification.overridden {
        return None;
    }
    let legs = gait::Legs {
        near_thigh: &posture.thigh_pitch,
        far_thigh: &posture.far_thigh_pitch,
        knee: &posture.knee_flexion,
    };
    gait::legs_taking_turns(legs, &cfg.classify).map(|w| w.reason())
}

/// Why a clip the classification recognised as a movement other than the three (a squat,
/// lunge, sit-up or push-up) has no repetitions; `None` when the exercise was given.
fn movement_not_counted(classification: &Classification) -> Option<String> {
    let named = classification.exercise == Exercise::Unknown && !classification.overridden;
    named.then(|| classification.not_reps.clone()).flatten()
}

/// The exercise whose reps [`find_reps`] looks for, and why the movements are not reps
/// at all when they are not.
#[derive(Clone, Copy)]
struct RepsOf<'a> {
    exercise: Exercise,
    not_reps: Option<&'a str>,
}

/// Builds the frame rows from the clip's signals, then finds the reps and holds in the
/// driving signal and labels the rows with them.
fn find_reps<F: Frames + ?Sized>(
    frames: &F,
    clip: MeasuredClip,
    drive: DriveChoice,
    position: Vec<bool>,
    reps_of: RepsOf<'_>,
    cfg: &AnalysisConfig,
    notes: &mut Vec<String>,
) -> Result<FoundReps> {
    let exercise = reps_of.exercise;
    let nordic = exercise == Exercise::Nordic;
    let MeasuredClip {
        t, kin, view, sig, ..
    } = clip;
    // The rows take what they need of the raw kinematics and the posture series, which
    // then go: they are the largest per-frame things the analysis holds.
    let Signals {
        hip2,
        hip3,
        knee2,
        knee3,
        hip_sag,
        knee_sag,
        trunk,
        height,
        posture,
    } = sig;
    let (postures, trunk_pitch) = posture_labels(posture, t.len(), &cfg.classify);
    let (hip, knee, angle_source) = primary_angles(view.use_3d, [&hip2, &hip3], [&knee2, &knee3]);
    let (driving_signal, drive_clean) = driving_series(drive.other.as_ref(), nordic, hip, knee);
    let hv = &hip.values;
    let loaded = loaded_frames(hv, &kin, exercise, &cfg.reps);
    let filled = filled_frames(drive_clean, &kin);
    let series = RowSeries {
        hip2: &hip2,
        hip3: &hip3,
        hip: hv,
        knee2: &knee2,
        knee3: &knee3,
        knee: &knee.values,
        trunk: &trunk,
        height: &height,
        posture: &postures,
    };
    let mut rows = frame_rows(&kin, &t, &series, drive_clean, &loaded);
    let Cleaned {
        values: trunk_deg, ..
    } = trunk;
    drop((kin, height, postures));
    let points = image_points(frames, &rows, cfg.kinematics.min_confidence)?;
    // Nordic curls are driven by minus the knee flexion (a rep's bottom is its maximum).
    let e = drive_values(drive_clean, drive.other.is_none() && nordic);
    let timing = timing_candidates(
        [&hip2, &hip3, &hip_sag],
        [&knee2, &knee3, &knee_sag],
        trunk_pitch,
        exercise,
    );
    drop((hip_sag, knee_sag));
    let input = reps::SegmentInput {
        t: &t,
        e: &e,
        e_raw: &drive.raw,
        filled: &filled,
        hip: hv,
        hip_2d: &hip2.values,
        hip_3d: &hip3.values,
        knee: &knee.values,
        loaded: &loaded,
        in_position: &position,
        ankles: &points.ankles,
        body: &points.body,
        drive_is_3d_hip: driving_signal == "hip_flexion" && angle_source == "3d",
        leg_px: points.leg_px,
        working_eccentric: nordic,
        nordic,
        timing: &timing,
        trunk: &trunk_deg,
        hinge: exercise == Exercise::Deadlift,
        not_reps: reps_of.not_reps,
    };
    let (seg, holds) = segment_clip(&input, &view, driving_signal, cfg, notes);
    label_rows(&mut rows, &t, &seg, &holds);
    Ok(FoundReps {
        t,
        view,
        driving_signal,
        angle_source,
        seg,
        holds,
        frames: rows,
    })
}

/// A clip's timeline, raw kinematics, view and cleaned signals: all the analysis measures
/// before it knows the exercise.
struct MeasuredClip {
    t: Vec<f64>,
    time_scale: f64,
    variable_frame_rate: bool,
    kin: Vec<RawKinematics>,
    view: ViewQuality,
    sig: Signals,
}

/// Times the frames, computes their kinematics, judges the view and cleans the signals
/// (noting slow motion and a variable frame rate).
fn measure_clip<F: Frames + ?Sized>(
    frames: &F,
    fps_hint: Option<f64>,
    cfg: &AnalysisConfig,
    notes: &mut Vec<String>,
) -> Result<MeasuredClip> {
    let (t, time_scale) = timeline(frames, fps_hint, cfg, notes)?;
    let kp = &cfg.kinematics;
    let kin = kinematics::compute_from(frames, &t, kp)?;
    let view = kinematics::view_quality(frames, &kin, kp.min_confidence, &cfg.view)?;
    let mut sig = clean_signals(&kin, &t, cfg, view.use_3d);
    sig.posture.view_offset_deg = view.offset_3d_deg;
    sig.posture.rear_fraction = view.rear_fraction;
    let variable_frame_rate = signal::is_variable_rate(&t, cfg.signal.vfr_tolerance);
    if variable_frame_rate {
        notes.push("variable frame rate: signals resampled to a uniform grid for filtering".into());
    }
    Ok(MeasuredClip {
        t,
        time_scale,
        variable_frame_rate,
        kin,
        view,
        sig,
    })
}

/// The driving-signal candidate of [`driving_candidate`] and the raw driving series.
struct DriveChoice {
    other: Option<Drive>,
    raw: Vec<f64>,
}

/// The driving signal other than the default hip (or knee) angle that this exercise and
/// view call for, if any (see [`foreshortened_trunk`], [`unsigned_hip_3d`]), and the raw
/// driving series either way (the raw values moved out of the candidate).
fn driving_candidate(clip: &MeasuredClip, cfg: &AnalysisConfig, exercise: Exercise) -> DriveChoice {
    let nordic = exercise == Exercise::Nordic;
    let (kin, t, view) = (&clip.kin, &clip.t, &clip.view);
    let mut other = foreshortened_trunk(kin, t, cfg, exercise, view.offset_3d_deg)
        .or_else(|| unsigned_hip_3d(kin, t, cfg, nordic, view.use_3d));
    let raw = match other.as_mut() {
        Some((_, raw, _)) => std::mem::take(raw),
        None => raw_drive(kin, view.use_3d, nordic, cfg.kinematics.min_confidence),
    };
    DriveChoice { other, raw }
}

/// Each frame's posture label, and the world trunk pitch (a timing candidate); the rest
/// of the posture series goes.
fn posture_labels(
    mut posture: PostureSeries,
    n: usize,
    p: &ClassifyParams,
) -> (Vec<Posture>, Vec<f64>) {
    let labels = (0..n).map(|i| classify::posture(&posture, i, p)).collect();
    (labels, std::mem::take(&mut posture.trunk_pitch))
}

/// The primary hip and knee flexion (`[2D, 3D]`, as the view says) and which they are.
fn primary_angles<'a>(
    use_3d: bool,
    hip: [&'a Cleaned; 2],
    knee: [&'a Cleaned; 2],
) -> (&'a Cleaned, &'a Cleaned, &'static str) {
    if use_3d {
        (hip[1], knee[1], "3d")
    } else {
        (hip[0], knee[0], "2d")
    }
}

/// The driving signal's name and cleaned series: the candidate when there is one, else
/// the knee for Nordic curls and the hip for the others.
fn driving_series<'a>(
    other: Option<&'a Drive>,
    nordic: bool,
    hip: &'a Cleaned,
    knee: &'a Cleaned,
) -> (&'static str, &'a Cleaned) {
    match other {
        Some((name, _, clean)) => (*name, clean),
        None if nordic => ("knee_flexion", knee),
        None => ("hip_flexion", hip),
    }
}

/// Per frame: the driving signal was interpolated there or the pose was unsure.
fn filled_frames(drive_clean: &Cleaned, kin: &[RawKinematics]) -> Vec<bool> {
    (0..kin.len())
        .map(|i| drive_clean.filled[i] || kin[i].low_confidence)
        .collect()
}

/// The driving series the reps are found in: the cleaned values, negated when `negate`.
fn drive_values(drive_clean: &Cleaned, negate: bool) -> std::borrow::Cow<'_, [f64]> {
    if negate {
        std::borrow::Cow::Owned(drive_clean.values.iter().map(|x| -x).collect())
    } else {
        std::borrow::Cow::Borrowed(&drive_clean.values)
    }
}

/// Finds the reps and holds in the driving signal, then marks the reps of a poor view
/// uncertain, puts the camera angle's floor on their phase uncertainty and adds the
/// set's notes.
fn segment_clip(
    input: &reps::SegmentInput,
    view: &ViewQuality,
    driving_name: &str,
    cfg: &AnalysisConfig,
    notes: &mut Vec<String>,
) -> (reps::Segmentation, Vec<Hold>) {
    let rp = &cfg.reps;
    let v = signal::derivative(input.t, input.e);
    let mut seg = reps::segment(input, &v, rp);
    let holds = reps::holds(
        input,
        &v,
        seg.range,
        seg.top_level,
        rp,
        cfg.signal.max_gap_s,
    );
    if view.verdict == kinematics::ViewVerdict::Poor {
        for r in &mut seg.reps {
            r.uncertain = true;
            r.uncertain_reasons.push("poor camera view".into());
        }
    }
    if seg.range < rp.min_range_deg {
        notes.push(format!(
            "{driving_name} moves less than {:.0} degrees: no repetitions counted",
            rp.min_range_deg
        ));
    }
    notes.extend(reps::set_shape_notes(&seg.reps));
    let phase_floor = reps::view_phase_floor_s(rp, view.offset_deg());
    reps::apply_phase_floor(&mut seg.reps, phase_floor);
    notes.extend(reps::timing_notes(
        &seg,
        rp.phase_uncertainty_max_s,
        phase_floor,
    ));
    (seg, holds)
}

/// Puts each rep's peak uncertainty on it, then, given the other model size's track and
/// hip series, its cross-checked peak.
fn peak_intervals(
    reps: &mut [Rep],
    frames: &FrameRows,
    view: &ViewQuality,
    exercise: Exercise,
    cfg: &AnalysisConfig,
    cross: Option<(&crate::pose::CrossCheckTrack, &[f64])>,
) {
    attach_uncertainty(reps, frames, view, exercise, cfg);
    if let Some((track, hip)) = cross {
        let model = track.model.name();
        cross_check::apply(reps, frames, hip, model, view, exercise, cfg);
    }
}

/// The clip's duration (first to last frame plus one frame) and its median frame rate.
fn duration_and_rate(t: &[f64]) -> (f64, f64) {
    let dt = median_dt(t);
    let duration = t[t.len() - 1] - t[0] + if dt.is_finite() { dt } else { 0.0 };
    (duration, if dt.is_finite() { 1.0 / dt } else { 0.0 })
}

/// The cleaned series the frame rows carry.
struct RowSeries<'a> {
    hip2: &'a Cleaned,
    hip3: &'a Cleaned,
    /// Primary hip and knee flexion (2D or 3D, as the view says).
    hip: &'a [f64],
    knee2: &'a Cleaned,
    knee3: &'a Cleaned,
    knee: &'a [f64],
    trunk: &'a Cleaned,
    height: &'a Cleaned,
    posture: &'a [Posture],
}

/// The per-frame output rows, without their rep, phase and hold labels (see
/// [`label_rows`]).
fn frame_rows(
    kin: &[RawKinematics],
    t: &[f64],
    sig: &RowSeries,
    drive_clean: &Cleaned,
    loaded: &[bool],
) -> FrameRows {
    let mut rows = FrameRows::with_capacity(kin.len());
    for (i, k) in kin.iter().enumerate() {
        rows.push(&FrameKinematics {
            index: k.index,
            t: t[i],
            present: k.present,
            side: k.side,
            low_confidence: k.low_confidence,
            hip_flexion_2d_raw: k.hip_flexion_2d,
            hip_flexion_3d_raw: k.hip_flexion_3d,
            knee_flexion_2d_raw: k.knee_flexion_2d,
            knee_flexion_3d_raw: k.knee_flexion_3d,
            trunk_inclination_raw: k.trunk_inclination,
            hip_flexion_2d: opt(sig.hip2.values[i]),
            hip_flexion_3d: opt(sig.hip3.values[i]),
            hip_flexion: opt(sig.hip[i]),
            knee_flexion_2d: opt(sig.knee2.values[i]),
            knee_flexion_3d: opt(sig.knee3.values[i]),
            knee_flexion: opt(sig.knee[i]),
            trunk_inclination: opt(sig.trunk.values[i]),
            hip_height: opt(sig.height.values[i]),
            conf_hip: k.conf_hip,
            conf_knee: k.conf_knee,
            conf_trunk: k.conf_trunk,
            filled: drive_clean.filled[i],
            outlier: drive_clean.outlier[i],
            loaded: loaded[i],
            posture: sig.posture[i],
            rep: None,
            phase: None,
            hold: None,
        });
    }
    rows
}

/// Puts each frame's rep, phase and hold on its row.
fn label_rows(rows: &mut FrameRows, t: &[f64], seg: &reps::Segmentation, holds: &[Hold]) {
    for (i, label) in seg.labels.iter().enumerate() {
        let hold = holds
            .iter()
            .position(|h| t[i] >= h.start_s && t[i] <= h.end_s);
        if label.is_some() || hold.is_some() {
            rows.update(i, |f| {
                f.rep = label.map(|l| l.0);
                f.phase = label.map(|l| l.1);
                f.hold = hold;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames of a trunk of 100 px seen at `pitch` degrees from vertical, from a level
    /// camera at any yaw: its image length and its angle from image vertical.
    fn trunk_frames(pitch: &[f64], yaw_deg: f64) -> Vec<RawKinematics> {
        pitch
            .iter()
            .map(|p| {
                let (s, c) = p.to_radians().sin_cos();
                let (dx, dy) = (100.0 * s * yaw_deg.to_radians().cos(), 100.0 * c);
                RawKinematics {
                    trunk_px: Some(dx.hypot(dy)),
                    trunk_inclination: Some(dx.atan2(dy).abs().to_degrees()),
                    conf_trunk: 1.0,
                    ..Default::default()
                }
            })
            .collect()
    }

    #[test]
    fn a_clip_whose_joints_are_seen_on_few_frames_names_no_exercise() {
        let p = ClassifyParams::default();
        let named = || Classification {
            exercise: Exercise::Nordic,
            confidence: 0.57,
            overridden: false,
            supine_fraction: 0.0,
            kneeling_fraction: 0.57,
            standing_fraction: 0.28,
            reasons: Vec::new(),
            not_reps: None,
        };
        // Seen on 22% of the frames with a pose: not named.
        let mut c = named();
        seen_too_little(&mut c, Some(0.22), &p);
        assert_eq!(c.exercise, Exercise::Unknown);
        assert!(
            c.reasons[0].contains("only 22% of the frames"),
            "{:?}",
            c.reasons
        );
        // At the limit, or with no pose at all, it is named.
        for seen in [Some(p.min_seen_fraction), None] {
            let mut c = named();
            seen_too_little(&mut c, seen, &p);
            assert_eq!(c.exercise, Exercise::Nordic);
            assert!(c.reasons.is_empty());
        }
        // The share is of the frames with a pose, and the ankles do not count.
        let kin = |present: bool, hip: f64, knee: f64| RawKinematics {
            present,
            conf_hip: hip,
            conf_knee: knee,
            ..RawKinematics::default()
        };
        let frames = [
            kin(true, 0.9, 0.0),
            kin(true, 0.9, 0.0),
            kin(true, 0.1, 0.9),
            kin(false, 0.0, 0.0),
        ];
        let share = seen_share(&frames, 0.5).unwrap();
        assert!((share - 2.0 / 3.0).abs() < 1e-9, "{share}");
        assert_eq!(seen_share(&frames[3..], 0.5), None);
    }

    #[test]
    fn timing_candidates_are_the_signed_angles_of_the_exercise() {
        let c = |x: f64| Cleaned {
            values: vec![x],
            filled: vec![false],
            outlier: vec![false],
            resampled: false,
        };
        let (a, b, s) = (c(1.0), c(2.0), c(3.0));
        let names = |ex| {
            timing_candidates([&a, &b, &s], [&a, &b, &s], vec![4.0], ex)
                .into_iter()
                .map(|(n, x)| (n, x[0]))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(Exercise::Deadlift),
            [
                ("hip_flexion_2d", 1.0),
                ("hip_flexion_3d", 2.0),
                ("hip_flexion_sagittal_3d", 3.0),
                ("trunk_pitch_3d", 4.0)
            ]
        );
        assert_eq!(names(Exercise::Bridge).len(), 3);
        // Nordic curls are timed on minus the knee angle, like their driving signal.
        assert_eq!(
            names(Exercise::Nordic),
            [
                ("knee_flexion_2d", -1.0),
                ("knee_flexion_3d", -2.0),
                ("knee_flexion_sagittal_3d", -3.0)
            ]
        );
    }

    #[test]
    fn foreshortened_trunk_pitch_is_the_pitch_from_any_yaw() {
        let pitch: Vec<f64> = (0..60)
            .map(|i| 40.0 - 40.0 * (i as f64 * 0.2).cos())
            .collect();
        let t: Vec<f64> = (0..60).map(|i| i as f64 / 30.0).collect();
        let cfg = AnalysisConfig::default();
        for yaw in [0.0, 45.0, 90.0, 270.0] {
            let kin = trunk_frames(&pitch, yaw);
            let (name, raw, _) =
                foreshortened_trunk(&kin, &t, &cfg, Exercise::Deadlift, Some(80.0)).unwrap();
            assert_eq!(name, "trunk_pitch");
            for (got, want) in raw.iter().zip(&pitch) {
                // Within a degree: the full length is the 95th percentile of the image
                // lengths, a hair short of the upright one, and acos is steep near 1.
                assert!((got - want).abs() < 1.0, "yaw {yaw}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn foreshortened_trunk_only_for_hinges_far_off_the_side() {
        let t = [0.0, 0.1, 0.2];
        let kin = trunk_frames(&[0.0, 30.0, 60.0], 90.0);
        let cfg = AnalysisConfig::default();
        let near = cfg.reps.foreshortened_trunk_min_offset_deg - 1.0;
        assert!(foreshortened_trunk(&kin, &t, &cfg, Exercise::Deadlift, Some(near)).is_none());
        assert!(foreshortened_trunk(&kin, &t, &cfg, Exercise::Deadlift, None).is_none());
        assert!(foreshortened_trunk(&kin, &t, &cfg, Exercise::Bridge, Some(90.0)).is_none());
    }

    #[test]
    fn unsigned_hip_drive_does_not_step_when_the_depth_mirrors_the_thigh() {
        // A hip near extension whose sign flips every other frame, as the world landmarks'
        // depth does at the top of a bridge filmed at 45 degrees.
        let kin: Vec<RawKinematics> = (0..40)
            .map(|i| RawKinematics {
                hip_flexion_3d: Some(if i % 2 == 0 { 18.0 } else { -18.0 }),
                conf_hip: 1.0,
                ..Default::default()
            })
            .collect();
        let t: Vec<f64> = (0..40).map(|i| i as f64 / 30.0).collect();
        let cfg = AnalysisConfig::default();
        let (_, raw, _) = unsigned_hip_3d(&kin, &t, &cfg, false, true).unwrap();
        assert!(raw.iter().all(|x| (x - 18.0).abs() < 1e-9));
        assert!(unsigned_hip_3d(&kin, &t, &cfg, true, true).is_none());
        assert!(unsigned_hip_3d(&kin, &t, &cfg, false, false).is_none());
    }
}
