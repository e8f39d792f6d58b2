//! `oblique_view`: the set was filmed at an angle, so angles are foreshortened.

use super::poor_view::view_is_poor;
use super::words::view_reason;
use super::{Check, Class, Doubt, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, Severity, ViewVerdict};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::ObliqueView,
    class: Class::Quality,
    max_severity: Severity::Amber,
    summary: "the set was filmed at an oblique angle; angles may be off",
    what: "A set whose view verdict is oblique (and that is not already `poor_view`). Amber, \
quality. Every angle flag of the set is then marked uncertain and shown amber rather than red, \
but for a red `early_compression` or `nordic_hip_pike` whose whole interval lies beyond the \
limit by more than the amber band (peak − h above limit + band): that interval already carries \
the camera-angle error, so the flag stays red. So does a red `time_under_compression` to \
which such a rep contributed time beyond cap + band. Timing flags are kept as they are.",
    why: "Filmed at an angle, the thigh and trunk are foreshortened and the measured hip angle \
can be off by more than 10°, so a flag about tendon compression may not be real, or a real \
one may be missed. A side-on, hip-height view confirms it.",
    keys: &["measurement.max_low_confidence_fraction"],
    evidence: "P (hipflex proposal; `[sources.confidence]`): when a view is trusted for angles.",
    doubt: Doubt::AngleFlagsUnlessClear("the set was filmed at an oblique angle"),
    check: Check::Set(check),
};

fn check(ctx: &SetContext) -> Option<Flag> {
    let set = ctx.set;
    if set.view_verdict != ViewVerdict::Oblique || view_is_poor(set, ctx.measurement) {
        return None;
    }
    Some(Flag {
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
            "The set was filmed at an oblique angle{}, so angles may be off by more than 10°. Angle flags are marked uncertain and shown amber, unless a peak's whole interval is far beyond the limit; film side-on at hip height to confirm.",
            view_reason(&set.view_reason)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{run, set};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn oblique_unless_already_poor() {
        let mut s = set(Exercise::Deadlift, vec![]);
        s.view_verdict = ViewVerdict::Oblique;
        s.view_reason = "camera at 40°".into();
        let f = run(&RULE, 2, &s);
        assert_eq!(
            f[0].message,
            "The set was filmed at an oblique angle (camera at 40°), so angles may be off by more than 10°. Angle flags are marked uncertain and shown amber, unless a peak's whole interval is far beyond the limit; film side-on at hip height to confirm."
        );
        s.low_confidence_fraction = 0.4;
        assert!(run(&RULE, 2, &s).is_empty());
    }
}
