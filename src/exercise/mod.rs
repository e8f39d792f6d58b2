//! From landmarks to repetitions: kinematics, cleaning, classification, reps, tempo, holds.
//!
//! Entry point: [`analyze_landmarks`].

pub mod classify;
pub mod config;
pub mod reps;
pub mod tempo;

use serde::{Deserialize, Serialize};

use crate::common::Exercise;
use crate::error::{Error, Result};
use crate::kinematics::{self, RawKinematics, Side, ViewQuality};
use crate::pose::PoseFrame;
use crate::signal::{self, Cleaned, median_dt, percentile};
pub use classify::{Classification, Posture, PostureSeries, classify};
pub use config::{AnalysisConfig, ClassifyParams, RepParams};
pub use reps::{Hold, HoldPosition, Phase, Rep, RepSample};

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
    /// `hip_flexion` or `knee_flexion` (Nordic).
    pub driving_signal: String,
    /// `2d` or `3d`.
    pub angle_source: String,
    /// Typical range of the driving signal over the set, degrees.
    pub set_range_deg: f64,
    pub rep_count: usize,
    pub reps: Vec<Rep>,
    pub holds: Vec<Hold>,
    pub frames: Vec<FrameKinematics>,
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
fn frame_times(frames: &[PoseFrame], fps_hint: Option<f64>, notes: &mut Vec<String>) -> Vec<f64> {
    let ts: Vec<f64> = frames.iter().map(|f| f.timestamp_s).collect();
    let ok = ts.iter().all(|t| t.is_finite()) && ts.windows(2).all(|w| w[1] > w[0]);
    if ok {
        return ts;
    }
    let fps = fps_hint.filter(|f| *f > 0.0).unwrap_or(30.0);
    notes.push(format!(
        "timestamps missing or not increasing: using frame index / {fps:.2} fps"
    ));
    frames
        .iter()
        .enumerate()
        .map(|(i, _)| i as f64 / fps)
        .collect()
}

/// Analyses a clip's landmarks: per-frame angles, view quality, exercise, reps and holds.
///
/// `fps_hint` is the container frame rate (used when timestamps are unusable and for
/// slow-motion rescaling); `exercise_override` skips classification.
pub fn analyze_landmarks(
    frames: &[PoseFrame],
    fps_hint: Option<f64>,
    cfg: &AnalysisConfig,
    exercise_override: Option<Exercise>,
) -> Result<Analysis> {
    if frames.is_empty() {
        return Err(Error::NoLandmarks {
            reason: "the clip has no frames".into(),
        });
    }
    if frames.iter().all(|f| f.pose.is_none()) {
        return Err(Error::NoLandmarks {
            reason: format!("no person was found in any of the {} frames", frames.len()),
        });
    }
    let mut notes = Vec::new();
    let mut t = frame_times(frames, fps_hint, &mut notes);
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
    let kp = &cfg.kinematics;
    let kin = kinematics::compute(frames, &t, kp);
    let view = kinematics::view_quality(frames, &kin, kp.min_confidence, &cfg.view);

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
    let hip2_raw = gate(|k| k.hip_flexion_2d, |k| k.conf_hip);
    let hip3_raw = gate(|k| k.hip_flexion_3d, |k| k.conf_hip);
    let knee2_raw = gate(|k| k.knee_flexion_2d, |k| k.conf_knee);
    let knee3_raw = gate(|k| k.knee_flexion_3d, |k| k.conf_knee);
    let trunk_raw = gate(|k| k.trunk_inclination, |k| k.conf_trunk);
    let thigh_raw = gate(|k| k.thigh_inclination, |k| k.conf_hip);
    let shank_raw = gate(|k| k.shank_inclination, |k| k.conf_knee);
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
    let sp = &cfg.signal;
    let clean = |x: &[f64]| signal::clean_series(&t, x, sp);
    let hip2 = clean(&hip2_raw);
    let hip3 = clean(&hip3_raw);
    let knee2 = clean(&knee2_raw);
    let knee3 = clean(&knee3_raw);
    let trunk = clean(&trunk_raw);
    let thigh = clean(&thigh_raw);
    let shank = clean(&shank_raw);
    let height = clean(&height_raw);
    let variable_frame_rate = signal::is_variable_rate(&t, sp.vfr_tolerance);
    if variable_frame_rate {
        notes.push("variable frame rate: signals resampled to a uniform grid for filtering".into());
    }
    let (hip, knee, angle_source): (&Cleaned, &Cleaned, &str) = if view.use_3d {
        (&hip3, &knee3, "3d")
    } else {
        (&hip2, &knee2, "2d")
    };

    let posture_series = PostureSeries {
        hip_flexion: hip.values.clone(),
        knee_flexion: knee.values.clone(),
        trunk_inclination: trunk.values.clone(),
        thigh_inclination: thigh.values.clone(),
        shank_inclination: shank.values.clone(),
        trunk_anterior_up: kin.iter().map(|k| nan(k.trunk_anterior_up)).collect(),
    };
    let mut classification = classify(&posture_series, &cfg.classify);
    if let Some(ex) = exercise_override {
        classification.reasons.push(format!(
            "exercise set by the user to {ex} (detected: {})",
            classification.exercise
        ));
        classification.exercise = ex;
        classification.confidence = 1.0;
        classification.overridden = true;
    }
    let exercise = classification.exercise;
    let nordic = exercise == Exercise::Nordic;
    let (drive, driving_name): (Vec<f64>, &str) = if nordic {
        (knee.values.iter().map(|x| -x).collect(), "knee_flexion")
    } else {
        (hip.values.clone(), "hip_flexion")
    };
    let drive_clean = if nordic { knee } else { hip };
    let v = signal::derivative(&t, &drive);

    let rp = &cfg.reps;
    let hv = &hip.values;
    let hip_lo = percentile(hv, 100.0 - rp.range_percentile);
    let hip_hi = percentile(hv, rp.range_percentile);
    let hip_range = hip_hi - hip_lo;
    let loaded: Vec<bool> = hv
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if exercise == Exercise::Bridge && hip_range >= rp.min_range_deg {
                h.is_finite() && *h < hip_hi - rp.bridge_rest_band_fraction * hip_range
            } else {
                kin[i].present
            }
        })
        .collect();
    let filled: Vec<bool> = (0..kin.len())
        .map(|i| drive_clean.filled[i] || kin[i].low_confidence)
        .collect();
    let input = reps::SegmentInput {
        t: &t,
        e: &drive,
        filled: &filled,
        hip: hv,
        hip_2d: &hip2.values,
        hip_3d: &hip3.values,
        knee: &knee.values,
        loaded: &loaded,
        working_eccentric: nordic,
        nordic,
    };
    let mut seg = reps::segment(&input, &v, rp);
    let holds = reps::holds(&input, &v, seg.range, seg.top_level, rp, sp.max_gap_s);
    let series = kinematics::uncertainty::ClipSeries {
        t: &t,
        hip_raw: if view.use_3d { &hip3_raw } else { &hip2_raw },
        hip_filtered: hv,
        conf: &kin
            .iter()
            .map(|k| k.conf_hip.min(k.conf_knee))
            .collect::<Vec<_>>(),
    };
    for r in &mut seg.reps {
        r.peak_hip_flexion_uncertainty_deg = kinematics::uncertainty::rep_half_width(
            r.peak_hip_flexion_s,
            [r.peak_hip_flexion_2d_deg, r.peak_hip_flexion_3d_deg],
            &view,
            &series,
            &cfg.uncertainty,
        );
    }
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

    let frames_out = kin
        .iter()
        .enumerate()
        .map(|(i, k)| FrameKinematics {
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
            hip_flexion_2d: opt(hip2.values[i]),
            hip_flexion_3d: opt(hip3.values[i]),
            hip_flexion: opt(hv[i]),
            knee_flexion_2d: opt(knee2.values[i]),
            knee_flexion_3d: opt(knee3.values[i]),
            knee_flexion: opt(knee.values[i]),
            trunk_inclination: opt(trunk.values[i]),
            hip_height: opt(height.values[i]),
            conf_hip: k.conf_hip,
            conf_knee: k.conf_knee,
            conf_trunk: k.conf_trunk,
            filled: drive_clean.filled[i],
            outlier: drive_clean.outlier[i],
            loaded: loaded[i],
            posture: classify::posture(&posture_series, i, &cfg.classify),
            rep: seg.labels[i].map(|l| l.0),
            phase: seg.labels[i].map(|l| l.1),
            hold: holds
                .iter()
                .position(|h| t[i] >= h.start_s && t[i] <= h.end_s),
        })
        .collect();
    let dt = median_dt(&t);
    Ok(Analysis {
        frame_count: frames.len(),
        duration_s: t[t.len() - 1] - t[0] + if dt.is_finite() { dt } else { 0.0 },
        fps: if dt.is_finite() { 1.0 / dt } else { 0.0 },
        time_scale,
        variable_frame_rate,
        view,
        classification,
        driving_signal: driving_name.into(),
        angle_source: angle_source.into(),
        set_range_deg: seg.range,
        rep_count: seg.reps.iter().filter(|r| r.counted).count(),
        reps: seg.reps,
        holds,
        frames: frames_out,
        notes,
    })
}
