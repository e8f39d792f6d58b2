//! Measured set in, flags and verdicts out.
//!
//! The input types describe what was measured and nothing else; they do not depend on the
//! kinematics or segmentation code. All angles are trunk–thigh hip flexion in degrees
//! (0 = in line, + flexion, - extension).

use serde::{Deserialize, Serialize};

use super::config::{Protocol, Rules};
use crate::common::{Exercise, Tempo};
use crate::error::Result;

/// Fixed caveats carried by every evaluation and printed by `protocol show`.
pub const CAVEATS: [&str; 5] = [
    "Angles are trunk–thigh angles (thigh against the trunk line), not true hip (femur–pelvis) angles: pelvic tilt cannot be seen on video. A rounded back overstates hip flexion; an arched lower back, thought the more compressive pattern, understates it.",
    "Measured angles carry an error of about ±10° even on side-on, hip-height, 30 fps video (more when filmed obliquely, beyond ~90° of flexion, or lying down). Amber flags lie inside that error.",
    "Pain, effort and the load used (weight, band, lever) cannot be seen on video: ask the patient and record them alongside these results.",
    "The hip-flexion caps are clinical convention, not evidence: no study has measured the angle at which the tendon becomes compressed. The treating clinician sets them.",
    "hipflex never advises changing phase: progression is the clinician's decision, based on pain and function, not on these flags.",
];

/// A repetition (moving) or an isometric hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepKind {
    Rep,
    Hold,
}

impl RepKind {
    fn word(self) -> &'static str {
        match self {
            RepKind::Rep => "Rep",
            RepKind::Hold => "Hold",
        }
    }
}

/// How well the camera sees the movement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewVerdict {
    /// Side-on, about hip height.
    Good,
    /// Usable but angled: angles are foreshortened.
    Oblique,
    /// Angles are not trustworthy.
    Poor,
}

/// Whether hip angles came from 2D image keypoints or 3D world landmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HipSource {
    #[serde(rename = "2d")]
    TwoD,
    #[serde(rename = "3d")]
    ThreeD,
}

/// One hip-angle sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HipSample {
    /// Seconds from the start of the video.
    pub t_s: f64,
    /// Trunk–thigh hip flexion, degrees.
    pub hip_deg: f64,
    /// True when the hamstrings are under load (inside the rep or hold), false at rest
    /// (e.g. pelvis lying on the floor between bridges). Only loaded samples are checked.
    pub loaded: bool,
}

/// What was measured for one repetition or hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepMeasurement {
    /// 1-based, in order of the set.
    pub number: usize,
    pub kind: RepKind,
    pub start_s: f64,
    pub end_s: f64,
    /// Rep tempo; `eccentric_s` is the lowering phase for every supported exercise.
    pub tempo: Option<Tempo>,
    /// Peak LOADED hip flexion. Used only when `hip_samples` is empty.
    pub peak_hip_deg: Option<f64>,
    pub peak_hip_time_s: Option<f64>,
    /// Most extended hip angle of the rep (bridge top).
    pub top_hip_deg: Option<f64>,
    /// Hip-angle samples of the rep; when present they decide the loaded peak and the time
    /// beyond the cap.
    #[serde(default)]
    pub hip_samples: Vec<HipSample>,
    pub hold_duration_s: Option<f64>,
    /// Largest change of hip angle during a hold, degrees (absolute).
    pub hold_drift_deg: Option<f64>,
    /// Nordic: time from upright to the catch, reported only.
    pub nordic_lowering_s: Option<f64>,
    /// Nordic: knee angle at the break point, reported only.
    pub break_point_knee_deg: Option<f64>,
    /// Tracking confidence of the rep, 0..1.
    pub confidence: f64,
    /// Why the measurement stage doubts this rep, if it does.
    pub uncertain: Option<String>,
}

/// What was measured for one filmed set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetMeasurement {
    pub exercise: Exercise,
    /// Confidence of the exercise label, 0..1.
    pub exercise_confidence: f64,
    pub reps: Vec<RepMeasurement>,
    pub view_verdict: ViewVerdict,
    pub view_reason: String,
    pub hip_source: HipSource,
    /// Fraction of frames with low landmark confidence, 0..1.
    pub low_confidence_fraction: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Green,
    Amber,
    Red,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Green => "green",
            Severity::Amber => "amber",
            Severity::Red => "red",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    /// Loaded hip flexion beyond the phase cap (rep).
    EarlyCompression,
    /// Seconds of loaded hip flexion beyond the cap (set).
    TimeUnderCompression,
    FastEccentric,
    FastConcentric,
    /// Pause in the loaded bottom position longer than allowed.
    LongPause,
    ShortHold,
    HoldDrift,
    /// Hip flexion during a Nordic beyond the phase's pike limit.
    NordicHipPike,
    /// Bridge top short of neutral.
    IncompleteExtension,
    /// Bridge top arched beyond neutral.
    OverExtension,
    /// Rep measured with low confidence (quality).
    LowConfidence,
    /// View or tracking too poor for confident angles (set, quality).
    PoorView,
    /// Filmed at an angle (set, quality).
    ObliqueView,
    /// Exercise label too uncertain for exercise rules (set, quality).
    UncertainExercise,
}

impl FlagCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagCode::EarlyCompression => "early_compression",
            FlagCode::TimeUnderCompression => "time_under_compression",
            FlagCode::FastEccentric => "fast_eccentric",
            FlagCode::FastConcentric => "fast_concentric",
            FlagCode::LongPause => "long_pause",
            FlagCode::ShortHold => "short_hold",
            FlagCode::HoldDrift => "hold_drift",
            FlagCode::NordicHipPike => "nordic_hip_pike",
            FlagCode::IncompleteExtension => "incomplete_extension",
            FlagCode::OverExtension => "over_extension",
            FlagCode::LowConfidence => "low_confidence",
            FlagCode::PoorView => "poor_view",
            FlagCode::ObliqueView => "oblique_view",
            FlagCode::UncertainExercise => "uncertain_exercise",
        }
    }

    /// Quality flags say the measurement is doubtful; they do not colour a rep's verdict.
    pub fn is_quality(self) -> bool {
        matches!(
            self,
            FlagCode::LowConfidence
                | FlagCode::PoorView
                | FlagCode::ObliqueView
                | FlagCode::UncertainExercise
        )
    }

    /// Angle flags depend on the camera view; timing flags do not.
    pub fn is_angle(self) -> bool {
        matches!(
            self,
            FlagCode::EarlyCompression
                | FlagCode::TimeUnderCompression
                | FlagCode::HoldDrift
                | FlagCode::NordicHipPike
                | FlagCode::IncompleteExtension
                | FlagCode::OverExtension
        )
    }
}

impl std::fmt::Display for FlagCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Deg,
    S,
    Fraction,
}

/// One finding, for one rep (`rep` set) or for the set (`rep` = None).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub code: FlagCode,
    pub severity: Severity,
    pub rep: Option<usize>,
    pub start_s: Option<f64>,
    pub end_s: Option<f64>,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    pub unit: Option<Unit>,
    /// The measurement behind this flag is doubtful (poor/oblique view, low-confidence rep).
    /// An uncertain flag is never red.
    pub uncertain: bool,
    /// One plain sentence with the numbers.
    pub message: String,
}

/// The verdict for one rep or hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepVerdict {
    pub rep: usize,
    pub kind: RepKind,
    pub start_s: f64,
    pub end_s: f64,
    /// Worst load/technique flag (quality flags excluded); green = nothing found.
    pub severity: Severity,
    /// Any of the rep's measurements is doubtful.
    pub uncertain: bool,
    pub flags: Vec<FlagCode>,
    /// Peak loaded hip flexion used for the checks.
    pub peak_loaded_hip_deg: Option<f64>,
    pub top_hip_deg: Option<f64>,
    pub time_beyond_cap_s: f64,
    pub tempo: Option<Tempo>,
    pub hold_duration_s: Option<f64>,
    pub nordic_lowering_s: Option<f64>,
    pub break_point_knee_deg: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetSummary {
    /// The exercise the measurement stage reported.
    pub exercise_measured: Exercise,
    /// The exercise whose rules were applied (`unknown` when the label was too uncertain).
    pub exercise_evaluated: Exercise,
    pub reps: usize,
    pub holds: usize,
    pub green: usize,
    pub amber: usize,
    pub red: usize,
    /// Worst severity over reps and set-level load flags.
    pub severity: Severity,
    /// Angle flags are qualified because of the view or tracking.
    pub uncertain: bool,
    pub view_verdict: ViewVerdict,
    pub hip_source: HipSource,
    pub report_only: bool,
    pub cap_deg: Option<f64>,
    pub max_loaded_hip_deg: Option<f64>,
    pub time_beyond_cap_s: f64,
    /// Of which beyond cap + amber band.
    pub time_in_red_s: f64,
    /// Plain sentences about what was and was not checked.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub protocol_name: String,
    pub protocol_version: String,
    pub schema_version: u32,
    pub phase: u8,
    pub phase_name: String,
    pub rules: Rules,
    /// All flags, set-level first, then by rep.
    pub flags: Vec<Flag>,
    pub reps: Vec<RepVerdict>,
    pub summary: SetSummary,
    pub caveats: Vec<String>,
}

fn deg(v: f64) -> String {
    format!("{v:.0}°")
}

fn secs(v: f64) -> String {
    format!("{v:.1} s")
}

/// Peak over loaded samples (or the given peak when there are no samples) and its time.
fn loaded_peak(rep: &RepMeasurement) -> Option<(f64, f64)> {
    if rep.hip_samples.is_empty() {
        let p = rep.peak_hip_deg.filter(|p| p.is_finite())?;
        return Some((p, rep.peak_hip_time_s.unwrap_or(rep.start_s)));
    }
    rep.hip_samples
        .iter()
        .filter(|s| s.loaded && s.hip_deg.is_finite())
        .map(|s| (s.hip_deg, s.t_s))
        .fold(None, |best: Option<(f64, f64)>, (d, t)| match best {
            Some((bd, _)) if bd >= d => best,
            _ => Some((d, t)),
        })
}

/// Loaded samples sorted by time.
fn loaded_sorted(rep: &RepMeasurement) -> Vec<HipSample> {
    let mut v: Vec<HipSample> = rep
        .hip_samples
        .iter()
        .filter(|s| s.hip_deg.is_finite() && s.t_s.is_finite())
        .copied()
        .collect();
    v.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    v
}

/// Seconds during which the loaded angle is above `thr`, interpolating linearly between
/// consecutive samples that are both loaded.
fn time_above(samples: &[HipSample], thr: f64) -> f64 {
    let mut total = 0.0;
    for w in samples.windows(2) {
        let (a, b) = (w[0], w[1]);
        if !(a.loaded && b.loaded) {
            continue;
        }
        let dt = b.t_s - a.t_s;
        if dt <= 0.0 {
            continue;
        }
        let (ea, eb) = (a.hip_deg - thr, b.hip_deg - thr);
        total += if ea > 0.0 && eb > 0.0 {
            dt
        } else if ea <= 0.0 && eb <= 0.0 {
            0.0
        } else if ea > 0.0 {
            dt * ea / (ea - eb)
        } else {
            dt * eb / (eb - ea)
        };
    }
    total
}

/// First and last loaded time above `thr`, or the rep's span when only a peak is known.
fn range_above(rep: &RepMeasurement, samples: &[HipSample], thr: f64) -> (f64, f64) {
    let mut it = samples.iter().filter(|s| s.loaded && s.hip_deg > thr);
    match it.next() {
        Some(first) => {
            let last = it.next_back().unwrap_or(first);
            (first.t_s, last.t_s)
        }
        None => (rep.start_s, rep.end_s),
    }
}

fn grade(value: f64, limit: f64, band: f64) -> Severity {
    if value > limit + band {
        Severity::Red
    } else {
        Severity::Amber
    }
}

fn band_note(sev: Severity, band: f64) -> String {
    if band <= 0.0 {
        String::new()
    } else if sev == Severity::Red {
        format!(
            " That is more than {} beyond it, outside the measurement error.",
            deg(band)
        )
    } else {
        format!(
            " That is within {} of it, inside the measurement error.",
            deg(band)
        )
    }
}

fn eccentric_words(ex: Exercise) -> (&'static str, &'static str) {
    match ex {
        Exercise::Bridge => ("lowering (eccentric)", "lifting (concentric)"),
        Exercise::Nordic => (
            "lowering towards the floor (eccentric)",
            "return to upright (concentric)",
        ),
        Exercise::Deadlift => ("hinge down (eccentric)", "stand up (concentric)"),
        Exercise::Unknown => ("eccentric phase", "concentric phase"),
    }
}

/// Judge one measured set against phase `phase` of `protocol`.
pub fn evaluate(protocol: &Protocol, phase: u8, set: &SetMeasurement) -> Result<Evaluation> {
    let phase_def = protocol.phase(phase)?;
    let m = &protocol.measurement;
    let mut notes = Vec::new();
    let mut set_flags: Vec<Flag> = Vec::new();

    // Exercise: an uncertain label falls back to `unknown` (cap only).
    let exercise = if set.exercise != Exercise::Unknown
        && set.exercise_confidence < m.min_exercise_confidence
    {
        set_flags.push(Flag {
            code: FlagCode::UncertainExercise,
            severity: Severity::Amber,
            rep: None,
            start_s: None,
            end_s: None,
            value: Some(set.exercise_confidence),
            limit: Some(m.min_exercise_confidence),
            unit: Some(Unit::Fraction),
            uncertain: true,
            message: format!(
                "The exercise looked like a {} but only with confidence {:.2} (below {:.2}), so only the hip-flexion cap was checked, no {} rules.",
                set.exercise, set.exercise_confidence, m.min_exercise_confidence, set.exercise
            ),
        });
        Exercise::Unknown
    } else {
        set.exercise
    };
    let rules = protocol.rules(phase, exercise)?;
    let band = rules.amber_band_deg;
    let pname = format!("phase {phase}");

    // View quality.
    let mut view_doubt: Option<String> = None;
    let too_many_low = set.low_confidence_fraction > m.max_low_confidence_fraction;
    if set.view_verdict == ViewVerdict::Poor || too_many_low {
        let reason = if set.view_reason.trim().is_empty() {
            String::new()
        } else {
            format!(" ({})", set.view_reason.trim().trim_end_matches('.'))
        };
        let what = if set.view_verdict == ViewVerdict::Poor {
            format!("The camera view is poor{reason}")
        } else {
            "Tracking was unreliable".to_string()
        };
        set_flags.push(Flag {
            code: FlagCode::PoorView,
            severity: Severity::Amber,
            rep: None,
            start_s: None,
            end_s: None,
            value: Some(set.low_confidence_fraction),
            limit: Some(m.max_low_confidence_fraction),
            unit: Some(Unit::Fraction),
            uncertain: true,
            message: format!(
                "{what}: {:.0}% of frames were tracked with low confidence (limit {:.0}%). Angle flags are marked uncertain and never shown red; re-film side-on at hip height to confirm.",
                set.low_confidence_fraction * 100.0,
                m.max_low_confidence_fraction * 100.0
            ),
        });
        view_doubt = Some("the camera view is poor".to_string());
    } else if set.view_verdict == ViewVerdict::Oblique {
        let reason = if set.view_reason.trim().is_empty() {
            String::new()
        } else {
            format!(" ({})", set.view_reason.trim().trim_end_matches('.'))
        };
        set_flags.push(Flag {
            code: FlagCode::ObliqueView,
            severity: Severity::Amber,
            rep: None,
            start_s: None,
            end_s: None,
            value: None,
            limit: None,
            unit: None,
            uncertain: true,
            message: format!(
                "The set was filmed at an oblique angle{reason}, so angles may be off by more than 10°. Angle flags are marked uncertain and never shown red; film side-on at hip height to confirm."
            ),
        });
        view_doubt = Some("the set was filmed at an oblique angle".to_string());
    }

    if rules.report_only {
        notes.push(format!(
            "Phase {phase} ({}) is report only: angles and timing are reported, no limits are checked.",
            rules.phase_name
        ));
    } else if exercise == Exercise::Unknown {
        notes.push(match rules.cap_deg {
            Some(c) => format!(
                "Exercise not recognised: only the {} hip-flexion cap was checked; tempo, hold and technique rules were not.",
                deg(c)
            ),
            None => "Exercise not recognised: no exercise rules were checked.".to_string(),
        });
    }

    let mut all_flags: Vec<Flag> = Vec::new();
    let mut verdicts = Vec::new();
    let mut total_beyond = 0.0;
    let mut total_red = 0.0;
    let mut tuc_range: Option<(f64, f64)> = None;
    let mut tuc_reps: Vec<usize> = Vec::new();
    let mut max_loaded: Option<f64> = None;

    for rep in &set.reps {
        let word = rep.kind.word();
        let n = rep.number;
        let mut flags: Vec<Flag> = Vec::new();
        let samples = loaded_sorted(rep);
        let peak = loaded_peak(rep);
        if let Some((p, _)) = peak {
            max_loaded = Some(max_loaded.map_or(p, |m: f64| m.max(p)));
        }
        let mk = |code, severity, start: f64, end: f64, value, limit, unit, message| Flag {
            code,
            severity,
            rep: Some(n),
            start_s: Some(start),
            end_s: Some(end),
            value: Some(value),
            limit: Some(limit),
            unit: Some(unit),
            uncertain: false,
            message,
        };

        // Loaded hip flexion beyond the cap (for a Nordic: beyond the pike limit).
        let mut beyond = 0.0;
        if let Some(cap) = rules.cap_deg {
            beyond = time_above(&samples, cap);
            let red = time_above(&samples, cap + band);
            if beyond > 0.0 {
                total_beyond += beyond;
                total_red += red;
                tuc_reps.push(n);
                let (a, b) = range_above(rep, &samples, cap);
                tuc_range = Some(tuc_range.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
            }
            if let Some((p, _)) = peak {
                if exercise == Exercise::Nordic {
                    let pike = rules.hip_pike_limit_deg.unwrap_or(cap);
                    if p > pike {
                        let sev = grade(p, pike, band);
                        let (a, b) = range_above(rep, &samples, pike);
                        let also = if p > cap {
                            format!(" and the loaded hip-flexion cap is {}", deg(cap))
                        } else {
                            String::new()
                        };
                        flags.push(mk(
                            FlagCode::NordicHipPike,
                            sev,
                            a,
                            b,
                            p,
                            pike,
                            Unit::Deg,
                            format!(
                                "{word} {n}: the hips piked to {} of flexion during the Nordic; {pname} allows up to {}{also}.{}",
                                deg(p),
                                deg(pike),
                                band_note(sev, band)
                            ),
                        ));
                    }
                } else if p > cap {
                    let sev = grade(p, cap, band);
                    let (a, b) = range_above(rep, &samples, cap);
                    flags.push(mk(
                        FlagCode::EarlyCompression,
                        sev,
                        a,
                        b,
                        p,
                        cap,
                        Unit::Deg,
                        format!(
                            "{word} {n} reached {} of hip flexion under load; {pname} allows up to {}.{}",
                            deg(p),
                            deg(cap),
                            band_note(sev, band)
                        ),
                    ));
                }
            }
        } else if let (Some(pike), Some((p, _))) = (rules.hip_pike_limit_deg, peak) {
            // A Nordic pike limit in a phase without a cap.
            if p > pike {
                let sev = grade(p, pike, band);
                let (a, b) = range_above(rep, &samples, pike);
                flags.push(mk(
                    FlagCode::NordicHipPike,
                    sev,
                    a,
                    b,
                    p,
                    pike,
                    Unit::Deg,
                    format!(
                        "{word} {n}: the hips piked to {} of flexion during the Nordic; {pname} allows up to {}.{}",
                        deg(p),
                        deg(pike),
                        band_note(sev, band)
                    ),
                ));
            }
        }

        // Tempo (reps only).
        if let (RepKind::Rep, Some(t)) = (rep.kind, rep.tempo) {
            let (ecc, con) = eccentric_words(exercise);
            if let Some(floor) = rules.eccentric_min_s {
                if t.eccentric_s < floor {
                    flags.push(mk(
                        FlagCode::FastEccentric,
                        Severity::Amber,
                        rep.start_s,
                        rep.end_s,
                        t.eccentric_s,
                        floor,
                        Unit::S,
                        format!(
                            "{word} {n}: the {ecc} took {}; {pname} asks for at least {}.",
                            secs(t.eccentric_s),
                            secs(floor)
                        ),
                    ));
                }
            }
            if let Some(floor) = rules.concentric_min_s {
                if t.concentric_s < floor {
                    flags.push(mk(
                        FlagCode::FastConcentric,
                        Severity::Amber,
                        rep.start_s,
                        rep.end_s,
                        t.concentric_s,
                        floor,
                        Unit::S,
                        format!(
                            "{word} {n}: the {con} took {}; {pname} asks for at least {}.",
                            secs(t.concentric_s),
                            secs(floor)
                        ),
                    ));
                }
            }
            if let Some(max) = rules.max_bottom_pause_s {
                if t.bottom_pause_s > max {
                    flags.push(mk(
                        FlagCode::LongPause,
                        Severity::Amber,
                        rep.start_s,
                        rep.end_s,
                        t.bottom_pause_s,
                        max,
                        Unit::S,
                        format!(
                            "{word} {n} paused {} in the bottom (most flexed) position; {pname} allows at most {}.",
                            secs(t.bottom_pause_s),
                            secs(max)
                        ),
                    ));
                }
            }
        }

        // Isometric holds.
        if rep.kind == RepKind::Hold {
            if let (Some(min), Some(d)) = (rules.hold_min_s, rep.hold_duration_s) {
                if d < min {
                    let target = rules
                        .hold_target_s
                        .filter(|t| *t > min)
                        .map(|t| format!(" (target {})", secs(t)))
                        .unwrap_or_default();
                    flags.push(mk(
                        FlagCode::ShortHold,
                        Severity::Amber,
                        rep.start_s,
                        rep.end_s,
                        d,
                        min,
                        Unit::S,
                        format!(
                            "{word} {n} lasted {}; {pname} asks for at least {}{target}.",
                            secs(d),
                            secs(min)
                        ),
                    ));
                }
            }
            if let (Some(max), Some(d)) = (rules.hold_max_drift_deg, rep.hold_drift_deg) {
                if d.abs() > max {
                    flags.push(mk(
                        FlagCode::HoldDrift,
                        Severity::Amber,
                        rep.start_s,
                        rep.end_s,
                        d.abs(),
                        max,
                        Unit::Deg,
                        format!(
                            "{word} {n}: the hip angle drifted by {} during the hold; {pname} allows up to {}.",
                            deg(d.abs()),
                            deg(max)
                        ),
                    ));
                }
            }
        }

        // Bridge top.
        if let (Some((lo, hi)), Some(top)) = (rules.bridge_top_deg, rep.top_hip_deg) {
            if top > hi {
                flags.push(mk(
                    FlagCode::IncompleteExtension,
                    Severity::Amber,
                    rep.start_s,
                    rep.end_s,
                    top,
                    hi,
                    Unit::Deg,
                    format!(
                        "{word} {n} did not reach full extension: at the top the hips stayed at {} of flexion; a bridge should reach {} or less (about 0°).",
                        deg(top),
                        deg(hi)
                    ),
                ));
            } else if top < lo {
                flags.push(mk(
                    FlagCode::OverExtension,
                    Severity::Amber,
                    rep.start_s,
                    rep.end_s,
                    top,
                    lo,
                    Unit::Deg,
                    format!(
                        "{word} {n}: at the top the hips went to {} (extension beyond {}), which usually means the lower back is arching.",
                        deg(top),
                        deg(lo)
                    ),
                ));
            }
        }

        // Rep confidence.
        let low_conf = rep.confidence < m.min_rep_confidence || rep.uncertain.is_some();
        if low_conf {
            let why = rep
                .uncertain
                .as_deref()
                .map(|w| format!(": {}", w.trim().trim_end_matches('.')))
                .unwrap_or_default();
            flags.push(Flag {
                code: FlagCode::LowConfidence,
                severity: Severity::Amber,
                rep: Some(n),
                start_s: Some(rep.start_s),
                end_s: Some(rep.end_s),
                value: Some(rep.confidence),
                limit: Some(m.min_rep_confidence),
                unit: Some(Unit::Fraction),
                uncertain: true,
                message: if rep.confidence < m.min_rep_confidence {
                    format!(
                        "{word} {n} was tracked with confidence {:.2} (limit {:.2}){why}. Check it on the video.",
                        rep.confidence, m.min_rep_confidence
                    )
                } else {
                    format!("{word} {n} is uncertain{why}. Check it on the video.")
                },
            });
        }

        // Qualify doubtful flags: uncertain, never red.
        for f in flags.iter_mut().filter(|f| !f.code.is_quality()) {
            let reason = if low_conf {
                Some(format!(
                    "this {} was tracked with low confidence",
                    word.to_lowercase()
                ))
            } else if f.code.is_angle() {
                view_doubt.clone()
            } else {
                None
            };
            if let Some(reason) = reason {
                soften(f, &reason);
            }
        }
        // A report-only phase keeps only quality flags (none of the rules above are set, but a
        // clinic's file could still hold stray values: rules() already clears them).

        let severity = flags
            .iter()
            .filter(|f| !f.code.is_quality())
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Green);
        verdicts.push(RepVerdict {
            rep: n,
            kind: rep.kind,
            start_s: rep.start_s,
            end_s: rep.end_s,
            severity,
            uncertain: low_conf || view_doubt.is_some(),
            flags: flags.iter().map(|f| f.code).collect(),
            peak_loaded_hip_deg: peak.map(|p| p.0),
            top_hip_deg: rep.top_hip_deg,
            time_beyond_cap_s: beyond,
            tempo: rep.tempo,
            hold_duration_s: rep.hold_duration_s,
            nordic_lowering_s: rep.nordic_lowering_s,
            break_point_knee_deg: rep.break_point_knee_deg,
        });
        all_flags.extend(flags);
    }

    // Set-level time beyond the cap.
    if let (Some(cap), true) = (rules.cap_deg, total_beyond > 0.0) {
        let sev = if total_red > 0.0 {
            Severity::Red
        } else {
            Severity::Amber
        };
        let (a, b) = tuc_range.unwrap_or((0.0, 0.0));
        let red_part = if total_red > 0.0 {
            format!(
                " ({} of it more than {} beyond)",
                secs(total_red),
                deg(band)
            )
        } else {
            String::new()
        };
        let mut f = Flag {
            code: FlagCode::TimeUnderCompression,
            severity: sev,
            rep: None,
            start_s: Some(a),
            end_s: Some(b),
            value: Some(total_beyond),
            limit: Some(0.0),
            unit: Some(Unit::S),
            uncertain: false,
            message: format!(
                "The set spent {} under load beyond the {} cap of {pname}{red_part}, in {} {}.",
                secs(total_beyond),
                deg(cap),
                if tuc_reps.len() == 1 { "rep" } else { "reps" },
                list(&tuc_reps)
            ),
        };
        if let Some(reason) = &view_doubt {
            soften(&mut f, reason);
        }
        set_flags.push(f);
    }

    let count = |s: Severity| verdicts.iter().filter(|v| v.severity == s).count();
    let severity = verdicts
        .iter()
        .map(|v| v.severity)
        .chain(
            set_flags
                .iter()
                .filter(|f| !f.code.is_quality())
                .map(|f| f.severity),
        )
        .max()
        .unwrap_or(Severity::Green);
    let summary = SetSummary {
        exercise_measured: set.exercise,
        exercise_evaluated: exercise,
        reps: set.reps.iter().filter(|r| r.kind == RepKind::Rep).count(),
        holds: set.reps.iter().filter(|r| r.kind == RepKind::Hold).count(),
        green: count(Severity::Green),
        amber: count(Severity::Amber),
        red: count(Severity::Red),
        severity,
        uncertain: view_doubt.is_some() || verdicts.iter().any(|v| v.uncertain),
        view_verdict: set.view_verdict,
        hip_source: set.hip_source,
        report_only: rules.report_only,
        cap_deg: rules.cap_deg,
        max_loaded_hip_deg: max_loaded,
        time_beyond_cap_s: total_beyond,
        time_in_red_s: total_red,
        notes,
    };
    set_flags.extend(all_flags);
    Ok(Evaluation {
        protocol_name: protocol.name.clone(),
        protocol_version: protocol.protocol_version.clone(),
        schema_version: protocol.schema_version,
        phase,
        phase_name: phase_def.name.clone(),
        rules,
        flags: set_flags,
        reps: verdicts,
        summary,
        caveats: CAVEATS.iter().map(|c| c.to_string()).collect(),
    })
}

/// Mark a flag uncertain, cap it at amber, and say why in its sentence.
fn soften(f: &mut Flag, reason: &str) {
    f.uncertain = true;
    if f.severity == Severity::Red {
        f.severity = Severity::Amber;
        f.message.push_str(&format!(
            " Uncertain: {reason}, so this is shown amber rather than red."
        ));
    } else {
        f.message.push_str(&format!(" Uncertain: {reason}."));
    }
}

fn list(ns: &[usize]) -> String {
    let s: Vec<String> = ns.iter().map(|n| n.to_string()).collect();
    match s.len() {
        0 => String::new(),
        1 => s[0].clone(),
        _ => format!("{} and {}", s[..s.len() - 1].join(", "), s[s.len() - 1]),
    }
}
