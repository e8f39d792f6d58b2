//! `uncertain_exercise`: the exercise label is too uncertain for exercise rules.

use super::{Check, Class, Doubt, Rule, SetContext};
use crate::common::Exercise;
use crate::protocol::config::Measurement;
use crate::protocol::eval::{Flag, FlagCode, SetMeasurement, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::UncertainExercise,
    class: Class::Quality,
    max_severity: Severity::Amber,
    summary: "the exercise was recognised too uncertainly; only the cap is checked",
    what: "A set whose exercise was recognised with confidence below \
`measurement.min_exercise_confidence`. Amber, quality. The set is then evaluated as `unknown`: \
only the phase's hip-flexion cap is checked (`early_compression`, `time_under_compression`, \
`uncounted_compression`), no tempo, hold, pike or bridge rules.",
    why: "Tempo, pike and bridge-top limits only mean something for the exercise they were \
written for: judging a deadlift by bridge rules would raise flags about the tendon that are \
not there, and hide those that are. The hip-flexion cap holds whatever the exercise.",
    keys: &["measurement.min_exercise_confidence"],
    evidence: "P (hipflex proposal; `[sources.confidence]`): the confidence threshold for \
trusting the exercise label.",
    doubt: Doubt::None,
    check: Check::Set(check),
};

/// The measured label is too uncertain to apply its exercise's rules.
pub(crate) fn label_is_uncertain(set: &SetMeasurement, m: &Measurement) -> bool {
    set.exercise != Exercise::Unknown && set.exercise_confidence < m.min_exercise_confidence
}

fn check(ctx: &SetContext) -> Option<Flag> {
    let (set, m) = (ctx.set, ctx.measurement);
    if !label_is_uncertain(set, m) {
        return None;
    }
    Some(Flag {
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
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, set};
    use super::*;

    #[test]
    fn a_label_below_the_threshold_is_flagged_and_unknown_is_not() {
        let mut s = set(Exercise::Nordic, vec![rep(1, 10.0)]);
        s.exercise_confidence = 0.3;
        let f = run(&RULE, 2, &s);
        assert_eq!(
            f[0].message,
            "The exercise looked like a nordic but only with confidence 0.30 (below 0.50), so only the hip-flexion cap was checked, no nordic rules."
        );
        s.exercise_confidence = 0.5;
        assert!(run(&RULE, 2, &s).is_empty());
        let mut u = set(Exercise::Unknown, vec![]);
        u.exercise_confidence = 0.0;
        assert!(run(&RULE, 2, &u).is_empty());
    }
}
