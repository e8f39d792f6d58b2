//! The flag rules, one unit per flag code.
//!
//! Each file declares one [`Rule`]: its code, its doc in fixed sections (what it flags, why it
//! matters for the tendon, the protocol keys it reads, the evidence grade), the function that
//! measures it, and its own tests. [`RULES`] lists them; `evaluate` walks the table.
//! `hipflex protocol rules`, `hipflex protocol explain CODE` and the rule section of
//! `docs/protocol.md` are all rendered from the same table (see [`docs`]).
//!
//! Flags come out in this order: the set-level rules that look at the set before its reps (in
//! table order), the set-level rules over all measured reps, then each rep's flags (in table
//! order). See "How to add a flag rule" in `docs/protocol.md`.

pub mod docs;
mod measure;
pub(crate) mod words;

mod early_compression;
mod fast_concentric;
mod fast_eccentric;
mod hold_drift;
mod incomplete_extension;
mod long_pause;
mod low_confidence;
mod nordic_hip_pike;
mod oblique_view;
mod over_extension;
mod poor_view;
mod short_hold;
mod time_under_compression;
mod uncertain_exercise;
mod uncounted_compression;

pub(crate) use measure::loaded_peak;
pub(crate) use time_under_compression::Totals;
pub(crate) use uncertain_exercise::label_is_uncertain;

use super::config::{Measurement, Protocol, Rules};
use super::eval::{Flag, FlagCode, HipSample, RepMeasurement, SetMeasurement, Severity, Unit};
use crate::common::Exercise;
use crate::error::Result;

/// Every flag rule, in the order its flags are listed (see the module doc).
pub static RULES: &[&Rule] = &[
    &early_compression::RULE,
    &time_under_compression::RULE,
    &uncounted_compression::RULE,
    &nordic_hip_pike::RULE,
    &fast_eccentric::RULE,
    &fast_concentric::RULE,
    &long_pause::RULE,
    &short_hold::RULE,
    &hold_drift::RULE,
    &incomplete_extension::RULE,
    &over_extension::RULE,
    &low_confidence::RULE,
    &uncertain_exercise::RULE,
    &poor_view::RULE,
    &oblique_view::RULE,
];

/// One flag rule: what it is called, what it means, and how it is measured.
pub struct Rule {
    pub code: FlagCode,
    /// What kind of finding it is; decides how doubt about the measurement qualifies it.
    pub class: Class,
    /// The worst severity it can raise (before an uncertain flag is capped at amber).
    pub max_severity: Severity,
    /// One line, for `hipflex protocol rules`.
    pub summary: &'static str,
    /// *What it flags*: exactly when it fires, and its severity.
    pub what: &'static str,
    /// *Why it matters for the tendon*.
    pub why: &'static str,
    /// *Protocol keys it reads*: keys of the protocol file (`phase.cap_deg`, ...).
    pub keys: &'static [&'static str],
    /// *Evidence grade*: the grade of the numbers it checks, and the `[sources]` table citing them.
    pub evidence: &'static str,
    /// Whether the flag, when raised, makes other flags uncertain.
    pub doubt: Doubt,
    /// The function that measures it.
    pub check: Check,
}

/// What kind of finding a flag is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A hip angle against a limit: doubtful when the view is poor or oblique.
    Angle,
    /// A duration against a limit: the camera view does not change it.
    Timing,
    /// The measurement itself is doubtful; does not colour a rep's verdict.
    Quality,
}

/// How a raised flag qualifies the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doubt {
    None,
    /// Every angle flag of the set is marked uncertain, with this reason.
    AngleFlags(&'static str),
    /// As [`Doubt::AngleFlags`], but for a doubt the peak's interval already carries (the
    /// camera-angle term of the uncertainty model): a red flag judged on the peak's
    /// interval stays red, and certain, when even the low end of the interval
    /// (peak − h) is beyond the limit by more than the amber band.
    AngleFlagsUnlessClear(&'static str),
    /// Every load/technique flag of the same rep is marked uncertain: "this rep {reason}".
    WholeRep(&'static str),
}

/// The function that measures a rule, by what it looks at.
#[derive(Clone, Copy)]
pub enum Check {
    /// The set as a whole, before its reps (view, exercise label).
    Set(fn(&SetContext) -> Option<Flag>),
    /// One rep or hold.
    Rep(fn(&SetContext, &RepContext) -> Option<Flag>),
    /// The set, after every rep was measured.
    AfterReps(fn(&SetContext, &[RepContext]) -> Option<Flag>),
}

impl Rule {
    /// `set` or `rep`: where its flags sit.
    pub fn level(&self) -> &'static str {
        match self.check {
            Check::Rep(_) => "rep",
            Check::Set(_) | Check::AfterReps(_) => "set",
        }
    }

    /// `amber`, `amber to red`; `(quality)` for quality flags.
    pub fn severity_range(&self) -> String {
        let range = match self.max_severity {
            Severity::Red => "amber to red",
            Severity::Amber => "amber",
            Severity::Green => "green",
        };
        if self.class == Class::Quality {
            format!("{range} (quality)")
        } else {
            range.to_string()
        }
    }
}

/// The rule that raises `code`.
pub fn rule(code: FlagCode) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.code == code)
        .expect("every flag code has a rule (tested)")
}

/// The rule whose code is spelled `name` (`early_compression`), if any.
pub fn find_rule(name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.code.as_str() == name)
}

/// What every rule may read about the set being judged.
pub struct SetContext<'a> {
    pub set: &'a SetMeasurement,
    pub measurement: &'a Measurement,
    /// The effective rules for the phase and the evaluated exercise.
    pub rules: Rules,
    /// The exercise whose rules apply (`unknown` when the label was too uncertain).
    pub exercise: Exercise,
    pub phase: u8,
    /// "phase N", as sentences name it.
    pub phase_name: String,
}

impl<'a> SetContext<'a> {
    pub fn new(protocol: &'a Protocol, phase: u8, set: &'a SetMeasurement) -> Result<Self> {
        let measurement = &protocol.measurement;
        let exercise = if label_is_uncertain(set, measurement) {
            Exercise::Unknown
        } else {
            set.exercise
        };
        Ok(SetContext {
            set,
            measurement,
            rules: protocol.rules(phase, exercise)?,
            exercise,
            phase,
            phase_name: format!("phase {phase}"),
        })
    }

    pub fn band(&self) -> f64 {
        self.rules.amber_band_deg
    }
}

/// One rep as the rules see it: the measurement plus what was derived from its samples.
pub struct RepContext<'a> {
    pub rep: &'a RepMeasurement,
    /// Finite samples sorted by time.
    pub samples: Vec<HipSample>,
    /// Peak loaded hip flexion and its time.
    pub peak: Option<(f64, f64)>,
    /// Loaded seconds beyond the cap (0 without a cap).
    pub beyond_cap_s: f64,
    /// Loaded seconds beyond cap + amber band (0 without a cap).
    pub beyond_red_s: f64,
}

impl<'a> RepContext<'a> {
    pub fn measure(ctx: &SetContext, rep: &'a RepMeasurement) -> Self {
        let samples = measure::loaded_sorted(rep);
        let (beyond_cap_s, beyond_red_s) = match ctx.rules.cap_deg {
            Some(cap) => (
                measure::time_above(&samples, cap),
                measure::time_above(&samples, cap + ctx.band()),
            ),
            None => (0.0, 0.0),
        };
        RepContext {
            rep,
            peak: loaded_peak(rep),
            samples,
            beyond_cap_s,
            beyond_red_s,
        }
    }

    /// "Rep" or "Hold", as sentences start.
    pub fn word(&self) -> &'static str {
        self.rep.kind.word()
    }

    /// First and last loaded time above `thr` (the rep's span when only a peak is known).
    pub fn range_above(&self, thr: f64) -> (f64, f64) {
        measure::range_above(self.rep, &self.samples, thr)
    }

    /// A flag on this rep, between `start` and `end`.
    #[allow(clippy::too_many_arguments)]
    pub fn flag_between(
        &self,
        code: FlagCode,
        severity: Severity,
        (start, end): (f64, f64),
        value: f64,
        limit: f64,
        unit: Unit,
        message: String,
    ) -> Flag {
        Flag {
            code,
            severity,
            rep: Some(self.rep.number),
            start_s: Some(start),
            end_s: Some(end),
            value: Some(value),
            limit: Some(limit),
            unit: Some(unit),
            uncertain: false,
            message,
        }
    }

    /// A flag on the whole rep.
    pub fn flag(
        &self,
        code: FlagCode,
        severity: Severity,
        value: f64,
        limit: f64,
        unit: Unit,
        message: String,
    ) -> Flag {
        let span = (self.rep.start_s, self.rep.end_s);
        self.flag_between(code, severity, span, value, limit, unit, message)
    }
}

/// Runs one rule on a set as `evaluate` would, without qualifying doubtful flags.
#[cfg(test)]
pub(crate) fn raised_by(
    rule: &Rule,
    protocol: &Protocol,
    phase: u8,
    set: &SetMeasurement,
) -> Vec<Flag> {
    let ctx = SetContext::new(protocol, phase, set).unwrap();
    let reps: Vec<RepContext> = set
        .reps
        .iter()
        .map(|r| RepContext::measure(&ctx, r))
        .collect();
    match rule.check {
        Check::Set(f) => f(&ctx).into_iter().collect(),
        Check::Rep(f) => reps.iter().filter_map(|r| f(&ctx, r)).collect(),
        Check::AfterReps(f) => f(&ctx, &reps).into_iter().collect(),
    }
}

/// Measured sets for the rules' own tests.
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;
    use crate::common::Tempo;
    use crate::protocol::{HipSource, RepKind, ViewVerdict};

    pub fn tempo(ecc: f64, bottom: f64, con: f64) -> Tempo {
        Tempo {
            eccentric_s: ecc,
            bottom_pause_s: bottom,
            concentric_s: con,
            top_pause_s: 0.5,
        }
    }

    /// A clean rep: good tempo, peak given directly, reaches neutral at the top.
    pub fn rep(number: usize, peak: f64) -> RepMeasurement {
        let start = number as f64 * 10.0;
        RepMeasurement {
            number,
            kind: RepKind::Rep,
            start_s: start,
            end_s: start + 7.0,
            tempo: Some(tempo(3.0, 0.5, 3.0)),
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
            hold_duration_s: Some(duration),
            hold_drift_deg: Some(drift),
            ..rep(number, 5.0)
        }
    }

    /// Loaded samples every 0.1 s from `t0`.
    pub fn samples(t0: f64, degs: &[f64]) -> Vec<HipSample> {
        degs.iter()
            .enumerate()
            .map(|(i, d)| HipSample {
                t_s: t0 + i as f64 * 0.1,
                hip_deg: *d,
                loaded: true,
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

    /// The flags `rule` raises on `set` in `phase` of the default protocol.
    pub fn run(rule: &Rule, phase: u8, set: &SetMeasurement) -> Vec<Flag> {
        raised_by(rule, &Protocol::default_pht(), phase, set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_exactly_one_rule_with_a_full_doc() {
        for r in RULES {
            assert_eq!(RULES.iter().filter(|o| o.code == r.code).count(), 1);
            assert!(
                !r.summary.is_empty() && !r.summary.contains('\n'),
                "{}",
                r.code
            );
            for text in [r.what, r.why, r.evidence] {
                assert!(text.trim().len() > 20, "{}: doc section too short", r.code);
            }
            assert!(!r.keys.is_empty(), "{}: no protocol keys", r.code);
            assert_eq!(find_rule(r.code.as_str()).map(|f| f.code), Some(r.code));
        }
        assert!(find_rule("no_such_rule").is_none());
    }

    #[test]
    fn quality_rules_are_never_red_and_say_why_they_doubt() {
        for r in RULES {
            if r.class == Class::Quality {
                assert_eq!(r.max_severity, Severity::Amber, "{}", r.code);
            } else {
                assert_eq!(r.doubt, Doubt::None, "{}", r.code);
            }
        }
    }
}
