//! Measured sets for the protocol tests (`protocol_flags`, `protocol_eval_golden`): a clean
//! rep, a hold, hip samples and a set around them.

use hipflex::common::{Exercise, Tempo};
use hipflex::protocol::{
    HipSample, HipSource, RepKind, RepMeasurement, SetMeasurement, ViewVerdict,
};

pub fn tempo(ecc: f64, bottom: f64, con: f64, top: f64) -> Tempo {
    Tempo {
        eccentric_s: ecc,
        bottom_pause_s: bottom,
        concentric_s: con,
        top_pause_s: top,
    }
}

/// A clean rep: good tempo, peak given directly (no samples), reaches neutral at the top.
pub fn rep(number: usize, peak: f64) -> RepMeasurement {
    let start = number as f64 * 10.0;
    RepMeasurement {
        number,
        kind: RepKind::Rep,
        start_s: start,
        end_s: start + 7.0,
        tempo: Some(tempo(3.0, 0.5, 3.0, 0.5)),
        peak_hip_deg: Some(peak),
        peak_hip_time_s: Some(start + 3.0),
        peak_hip_uncertainty_deg: None,
        top_hip_deg: Some(0.0),
        hip_samples: vec![],
        hold_duration_s: None,
        hold_drift_deg: None,
        nordic_lowering_s: None,
        break_point_knee_deg: None,
        confidence: 0.9,
        uncertain: None,
    }
}

pub fn hold(number: usize, duration: f64, drift: f64) -> RepMeasurement {
    RepMeasurement {
        kind: RepKind::Hold,
        tempo: None,
        peak_hip_deg: Some(5.0),
        hold_duration_s: Some(duration),
        hold_drift_deg: Some(drift),
        ..rep(number, 5.0)
    }
}

/// Samples every 0.1 s from `t0`, one per angle.
pub fn samples(t0: f64, degs: &[f64], loaded: bool) -> Vec<HipSample> {
    degs.iter()
        .enumerate()
        .map(|(i, d)| HipSample {
            t_s: t0 + i as f64 * 0.1,
            hip_deg: *d,
            loaded,
        })
        .collect()
}

pub fn set(exercise: Exercise, reps: Vec<RepMeasurement>) -> SetMeasurement {
    SetMeasurement {
        exercise,
        exercise_confidence: 0.9,
        reps,
        uncounted: Vec::new(),
        view_verdict: ViewVerdict::Good,
        view_reason: "side-on".into(),
        hip_source: HipSource::TwoD,
        low_confidence_fraction: 0.05,
    }
}
