//! Measured set in, flags and verdicts out.
//!
//! The input types describe what was measured and nothing else; they do not depend on the
//! kinematics or segmentation code. All angles are trunk–thigh hip flexion in degrees
//! (0 = in line, + flexion, - extension).

use serde::{Deserialize, Serialize};

use super::config::{Protocol, Rules};
use super::rules::{self, Check, Class, Doubt, RepContext, SetContext, Totals};
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
    pub(crate) fn word(self) -> &'static str {
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
    /// Half-width of the interval around the peak, degrees (`peak ± h`; see
    /// `kinematics::uncertainty`). A peak whose interval straddles a limit is amber.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_hip_uncertainty_deg: Option<f64>,
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

/// A movement the analysis found but did not count as a rep (partial, cut off by the clip,
/// mostly unseen, or not a set at all): the hip was loaded there all the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UncountedMovement {
    pub start_s: f64,
    pub end_s: f64,
    pub hip_samples: Vec<HipSample>,
}

/// What was measured for one filmed set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetMeasurement {
    pub exercise: Exercise,
    /// Confidence of the exercise label, 0..1.
    pub exercise_confidence: f64,
    pub reps: Vec<RepMeasurement>,
    /// The movements not counted as reps.
    #[serde(default)]
    pub uncounted: Vec<UncountedMovement>,
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
    /// Movements not counted as reps that went beyond the cap under load (set).
    UncountedCompression,
}

impl FlagCode {
    /// Every code, in declaration order.
    pub const ALL: [FlagCode; 15] = [
        FlagCode::EarlyCompression,
        FlagCode::TimeUnderCompression,
        FlagCode::FastEccentric,
        FlagCode::FastConcentric,
        FlagCode::LongPause,
        FlagCode::ShortHold,
        FlagCode::HoldDrift,
        FlagCode::NordicHipPike,
        FlagCode::IncompleteExtension,
        FlagCode::OverExtension,
        FlagCode::LowConfidence,
        FlagCode::PoorView,
        FlagCode::ObliqueView,
        FlagCode::UncertainExercise,
        FlagCode::UncountedCompression,
    ];

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
            FlagCode::UncountedCompression => "uncounted_compression",
        }
    }

    /// Quality flags say the measurement is doubtful; they do not colour a rep's verdict.
    pub fn is_quality(self) -> bool {
        rules::rule(self).class == Class::Quality
    }

    /// Angle flags depend on the camera view; timing flags do not.
    pub fn is_angle(self) -> bool {
        rules::rule(self).class == Class::Angle
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

/// Judge one measured set against phase `phase` of `protocol`.
///
/// The steps: decide which exercise's rules apply, run the set-level rules (view, label), note
/// what is not checked, measure each rep and run the per-rep rules on it, run the rules over
/// all reps (time under compression), then summarise. Each rule lives in `rules/`.
pub fn evaluate(protocol: &Protocol, phase: u8, set: &SetMeasurement) -> Result<Evaluation> {
    let phase_def = protocol.phase(phase)?;
    let ctx = SetContext::new(protocol, phase, set)?;
    let mut set_flags = set_rule_flags(&ctx);
    let view_doubt = view_doubt(&set_flags);
    let reps: Vec<RepContext> = set
        .reps
        .iter()
        .map(|r| RepContext::measure(&ctx, r))
        .collect();
    let mut rep_flags = Vec::new();
    let mut verdicts = Vec::new();
    for r in &reps {
        let flags = rep_rule_flags(&ctx, r, view_doubt);
        verdicts.push(verdict(r, &flags, view_doubt.is_some()));
        rep_flags.extend(flags);
    }
    let clear = reps_red_clear_of_doubt(&rep_flags);
    set_flags.extend(after_reps_flags(&ctx, &reps, view_doubt, &clear));
    let summary = summarise(&ctx, &reps, &verdicts, &set_flags, view_doubt.is_some());
    set_flags.extend(rep_flags);
    Ok(Evaluation {
        protocol_name: protocol.name.clone(),
        protocol_version: protocol.protocol_version.clone(),
        schema_version: protocol.schema_version,
        phase,
        phase_name: phase_def.name.clone(),
        rules: ctx.rules,
        flags: set_flags,
        reps: verdicts,
        summary,
        caveats: CAVEATS.iter().map(|c| c.to_string()).collect(),
    })
}

/// The flags of the rules that look at the set before its reps, in table order.
fn set_rule_flags(ctx: &SetContext) -> Vec<Flag> {
    rules::RULES
        .iter()
        .filter_map(|rule| match rule.check {
            Check::Set(check) => check(ctx),
            _ => None,
        })
        .collect()
}

/// Why the set's angle flags are doubtful, if a raised set flag says they are.
#[derive(Clone, Copy, Debug)]
struct ViewDoubt {
    reason: &'static str,
    /// The peak's interval carries this doubt's error ([`Doubt::AngleFlagsUnlessClear`]).
    in_interval: bool,
}

fn view_doubt(set_flags: &[Flag]) -> Option<ViewDoubt> {
    set_flags
        .iter()
        .find_map(|f| match rules::rule(f.code).doubt {
            Doubt::AngleFlags(reason) => Some(ViewDoubt {
                reason,
                in_interval: false,
            }),
            Doubt::AngleFlagsUnlessClear(reason) => Some(ViewDoubt {
                reason,
                in_interval: true,
            }),
            _ => None,
        })
}

/// Whether a red flag judged on the rep's peak interval is clear of a doubt that interval
/// already carries: even the interval's low end is beyond the limit plus the amber band.
/// A peak without an interval (none, or of zero width, as the rules read it) carries no
/// camera-angle error, so it stays doubtful.
fn clear_of_doubt(ctx: &SetContext, r: &RepContext, f: &Flag) -> bool {
    let on_peak = matches!(f.code, FlagCode::EarlyCompression | FlagCode::NordicHipPike);
    let h = r
        .rep
        .peak_hip_uncertainty_deg
        .filter(|h| h.is_finite() && *h > 0.0);
    match (on_peak, f.severity, f.value, f.limit, h) {
        (true, Severity::Red, Some(v), Some(l), Some(h)) => v - h > l + ctx.band(),
        _ => false,
    }
}

/// One rep's flags, in table order, with doubtful ones qualified.
fn rep_rule_flags(ctx: &SetContext, r: &RepContext, view_doubt: Option<ViewDoubt>) -> Vec<Flag> {
    let mut flags: Vec<Flag> = rules::RULES
        .iter()
        .filter_map(|rule| match rule.check {
            Check::Rep(check) => check(ctx, r),
            _ => None,
        })
        .collect();
    // A flag that doubts the whole rep (low confidence) qualifies all its load flags.
    let rep_doubt = flags.iter().find_map(|f| match rules::rule(f.code).doubt {
        Doubt::WholeRep(reason) => Some(format!("this {} {reason}", r.word().to_lowercase())),
        _ => None,
    });
    for f in flags.iter_mut().filter(|f| !f.code.is_quality()) {
        let reason = match (&rep_doubt, f.code.is_angle(), view_doubt) {
            (Some(reason), _, _) => Some(reason.as_str()),
            (None, true, Some(d)) if d.in_interval && clear_of_doubt(ctx, r, f) => {
                f.message.push_str(&format!(
                    " Although {}, even the low end of the interval is more than {:.0}° beyond the limit, so this stays red.",
                    d.reason,
                    ctx.band()
                ));
                None
            }
            (None, true, Some(d)) => Some(d.reason),
            (None, _, _) => None,
        };
        if let Some(reason) = reason {
            soften(f, reason);
        }
    }
    flags
}

/// The reps whose peak flag stayed red and certain under the view's doubt.
fn reps_red_clear_of_doubt(rep_flags: &[Flag]) -> Vec<usize> {
    rep_flags
        .iter()
        .filter(|f| {
            matches!(f.code, FlagCode::EarlyCompression | FlagCode::NordicHipPike)
                && f.severity == Severity::Red
                && !f.uncertain
        })
        .filter_map(|f| f.rep)
        .collect()
}

/// Whether the set's time beyond cap + band comes in part from reps that are red clear of
/// the view's doubt (their whole peak interval lies beyond cap + band, so some of their time
/// does too): those reps, else none.
fn red_time_clear_of_doubt(reps: &[RepContext], clear: &[usize]) -> Vec<usize> {
    reps.iter()
        .filter(|r| r.beyond_red_s > 0.0 && clear.contains(&r.rep.number))
        .map(|r| r.rep.number)
        .collect()
}

/// The flags of the rules over all reps, with angle flags qualified by the view. A red
/// time under compression stays red where reps that stayed red (`clear`) spent some of it.
fn after_reps_flags(
    ctx: &SetContext,
    reps: &[RepContext],
    view_doubt: Option<ViewDoubt>,
    clear: &[usize],
) -> Vec<Flag> {
    let mut flags: Vec<Flag> = rules::RULES
        .iter()
        .filter_map(|rule| match rule.check {
            Check::AfterReps(check) => check(ctx, reps),
            _ => None,
        })
        .collect();
    for f in flags
        .iter_mut()
        .filter(|f| !f.code.is_quality() && f.code.is_angle())
    {
        let Some(d) = view_doubt else { continue };
        let sure = match f.code {
            FlagCode::TimeUnderCompression if d.in_interval && f.severity == Severity::Red => {
                red_time_clear_of_doubt(reps, clear)
            }
            _ => Vec::new(),
        };
        if sure.is_empty() {
            soften(f, d.reason);
        } else {
            f.message.push_str(&format!(
                " Although {}, {} stayed red beyond the measurement error, so this stays red.",
                d.reason,
                rules::words::reps_phrase(&sure)
            ));
        }
    }
    flags
}

/// The verdict of one rep: its worst load/technique flag, and whether it is doubtful.
fn verdict(r: &RepContext, flags: &[Flag], view_doubt: bool) -> RepVerdict {
    let rep = r.rep;
    let doubted = flags
        .iter()
        .any(|f| matches!(rules::rule(f.code).doubt, Doubt::WholeRep(_)));
    RepVerdict {
        rep: rep.number,
        kind: rep.kind,
        start_s: rep.start_s,
        end_s: rep.end_s,
        severity: worst(flags.iter()),
        // A red flag clear of the view's doubt makes the rep certainly red.
        uncertain: doubted
            || (view_doubt
                && !flags
                    .iter()
                    .any(|f| f.severity == Severity::Red && !f.uncertain)),
        flags: flags.iter().map(|f| f.code).collect(),
        peak_loaded_hip_deg: r.peak.map(|p| p.0),
        top_hip_deg: rep.top_hip_deg,
        time_beyond_cap_s: r.beyond_cap_s,
        tempo: rep.tempo,
        hold_duration_s: rep.hold_duration_s,
        nordic_lowering_s: rep.nordic_lowering_s,
        break_point_knee_deg: rep.break_point_knee_deg,
    }
}

/// The worst severity of the load/technique flags (quality flags excluded), green when none.
fn worst<'a>(flags: impl Iterator<Item = &'a Flag>) -> Severity {
    flags
        .filter(|f| !f.code.is_quality())
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Green)
}

/// Plain sentences about what was not checked.
fn notes(ctx: &SetContext) -> Vec<String> {
    let rules = &ctx.rules;
    if rules.report_only {
        vec![format!(
            "Phase {} ({}) is report only: angles and timing are reported, no limits are checked.",
            ctx.phase, rules.phase_name
        )]
    } else if ctx.exercise == Exercise::Unknown {
        vec![match rules.cap_deg {
            Some(c) => format!(
                "Exercise not recognised: only the {c:.0}° hip-flexion cap was checked; tempo, hold and technique rules were not."
            ),
            None => "Exercise not recognised: no exercise rules were checked.".to_string(),
        }]
    } else {
        Vec::new()
    }
}

fn summarise(
    ctx: &SetContext,
    reps: &[RepContext],
    verdicts: &[RepVerdict],
    set_flags: &[Flag],
    view_doubt: bool,
) -> SetSummary {
    let set = ctx.set;
    let count = |s: Severity| verdicts.iter().filter(|v| v.severity == s).count();
    let max_loaded = reps
        .iter()
        .filter_map(|r| r.peak)
        .fold(None, |m: Option<f64>, (p, _)| {
            Some(m.map_or(p, |m| m.max(p)))
        });
    let totals = Totals::over(ctx, reps);
    SetSummary {
        exercise_measured: set.exercise,
        exercise_evaluated: ctx.exercise,
        reps: set.reps.iter().filter(|r| r.kind == RepKind::Rep).count(),
        holds: set.reps.iter().filter(|r| r.kind == RepKind::Hold).count(),
        green: count(Severity::Green),
        amber: count(Severity::Amber),
        red: count(Severity::Red),
        severity: worst(set_flags.iter()).max(
            verdicts
                .iter()
                .map(|v| v.severity)
                .max()
                .unwrap_or(Severity::Green),
        ),
        uncertain: view_doubt || verdicts.iter().any(|v| v.uncertain),
        view_verdict: set.view_verdict,
        hip_source: set.hip_source,
        report_only: ctx.rules.report_only,
        cap_deg: ctx.rules.cap_deg,
        max_loaded_hip_deg: max_loaded,
        time_beyond_cap_s: totals.beyond_s,
        time_in_red_s: totals.red_s,
        notes: notes(ctx),
    }
}

/// Mark a flag uncertain, cap it at amber, and say why in its sentence.
fn soften(f: &mut Flag, reason: &str) {
    f.uncertain = true;
    if f.severity == Severity::Red {
        f.severity = Severity::Amber;
        f.message.push_str(&format!(
            " Uncertain: {reason}, so the error can be larger than usual and this is shown amber rather than red."
        ));
    } else {
        f.message.push_str(&format!(" Uncertain: {reason}."));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_code_has_a_rule() {
        assert_eq!(FlagCode::ALL.len(), rules::RULES.len());
        for code in FlagCode::ALL {
            assert_eq!(rules::rule(code).code, code);
        }
    }
}
