//! `low_confidence`: a rep the pose model tracked poorly, or that the measurement doubts.

use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::LowConfidence,
    class: Class::Quality,
    max_severity: Severity::Amber,
    summary: "a rep was tracked with low confidence, or the measurement doubts it",
    what: "A rep or hold whose tracking confidence is below `measurement.min_rep_confidence`, or \
for which the measurement stage gave a reason to doubt it (the reason is quoted). Amber, \
quality: it does not colour the rep's verdict, but every other flag of that rep is marked \
uncertain and is never red.",
    why: "Every tendon-load flag rests on the measured hip angle and timing. When the model \
could not see the hip or knee well, a deep or fast rep may be a tracking error; the clinician \
should check that rep on the video before acting on it.",
    keys: &["measurement.min_rep_confidence"],
    evidence: "P (hipflex proposal; `[sources.confidence]`): the confidence threshold for \
trusting a rep.",
    doubt: Doubt::WholeRep("was tracked with low confidence"),
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    let (rep, min) = (r.rep, ctx.measurement.min_rep_confidence);
    let below = rep.confidence < min;
    if !below && rep.uncertain.is_none() {
        return None;
    }
    let why = rep
        .uncertain
        .as_deref()
        .map(|w| format!(": {}", w.trim().trim_end_matches('.')))
        .unwrap_or_default();
    let (word, n) = (r.word(), rep.number);
    Some(Flag {
        uncertain: true,
        message: if below {
            format!(
                "{word} {n} was tracked with confidence {:.2} (limit {min:.2}){why}. Check it on the video.",
                rep.confidence
            )
        } else {
            format!("{word} {n} is uncertain{why}. Check it on the video.")
        },
        ..r.flag(
            FlagCode::LowConfidence,
            Severity::Amber,
            rep.confidence,
            min,
            Unit::Fraction,
            String::new(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, set};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn below_the_threshold_or_doubted_by_the_measurement() {
        let mut low = rep(1, 10.0);
        low.confidence = 0.32;
        let mut edge = rep(2, 10.0);
        edge.confidence = 0.5;
        let mut doubted = rep(3, 10.0);
        doubted.uncertain = Some("hip keypoint occluded by the bar.".into());
        let f = run(&RULE, 2, &set(Exercise::Deadlift, vec![low, edge, doubted]));
        assert_eq!(f.len(), 2);
        assert!(
            f.iter()
                .all(|f| f.uncertain && f.severity == Severity::Amber)
        );
        assert_eq!(
            f[0].message,
            "Rep 1 was tracked with confidence 0.32 (limit 0.50). Check it on the video."
        );
        assert_eq!(
            f[1].message,
            "Rep 3 is uncertain: hip keypoint occluded by the bar. Check it on the video."
        );
    }
}
