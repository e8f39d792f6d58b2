//! `poor_view`: the camera view or the tracking is too poor for confident angles.

use super::words::view_reason;
use super::{Check, Class, Doubt, Rule, SetContext};
use crate::protocol::config::Measurement;
use crate::protocol::eval::{Flag, FlagCode, SetMeasurement, Severity, Unit, ViewVerdict};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::PoorView,
    class: Class::Quality,
    max_severity: Severity::Amber,
    summary: "the view or tracking is too poor for confident angles",
    what: "A set whose view verdict is poor, or in which more than \
`measurement.max_low_confidence_fraction` of the frames were tracked with low confidence. \
Amber, quality. Every angle flag of the set is then marked uncertain and never shown red; \
timing flags are kept as they are.",
    why: "A hip angle seen from the front, from above or through occlusion can be off by far \
more than the amber band, in either direction: a cap breach may be an artefact and a real \
breach may be hidden. The flag asks for a side-on, hip-height re-film before the angles are \
used to judge tendon load.",
    keys: &["measurement.max_low_confidence_fraction"],
    evidence: "P (hipflex proposal; `[sources.confidence]`): the fraction of low-confidence \
frames tolerated.",
    doubt: Doubt::AngleFlags("the camera view is poor"),
    check: Check::Set(check),
};

/// The view verdict is poor, or too many frames were tracked with low confidence.
pub(super) fn view_is_poor(set: &SetMeasurement, m: &Measurement) -> bool {
    set.view_verdict == ViewVerdict::Poor
        || set.low_confidence_fraction > m.max_low_confidence_fraction
}

fn check(ctx: &SetContext) -> Option<Flag> {
    let (set, m) = (ctx.set, ctx.measurement);
    if !view_is_poor(set, m) {
        return None;
    }
    let what = if set.view_verdict == ViewVerdict::Poor {
        format!("The camera view is poor{}", view_reason(&set.view_reason))
    } else {
        "Tracking was unreliable".to_string()
    };
    Some(Flag {
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
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{run, set};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn a_poor_verdict_or_too_many_low_confidence_frames() {
        let mut s = set(Exercise::Deadlift, vec![]);
        s.view_verdict = ViewVerdict::Poor;
        s.view_reason = "camera in front of the patient.".into();
        let f = run(&RULE, 2, &s);
        assert_eq!(
            f[0].message,
            "The camera view is poor (camera in front of the patient): 5% of frames were tracked with low confidence (limit 30%). Angle flags are marked uncertain and never shown red; re-film side-on at hip height to confirm."
        );
        s.view_verdict = ViewVerdict::Good;
        assert!(run(&RULE, 2, &s).is_empty());
        s.low_confidence_fraction = 0.31;
        assert!(
            run(&RULE, 2, &s)[0]
                .message
                .starts_with("Tracking was unreliable: 31%")
        );
    }
}
