//! `hold_drift`: the hip angle wandered during an isometric hold.

use super::words::deg;
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, RepKind, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::HoldDrift,
    class: Class::Angle,
    max_severity: Severity::Amber,
    summary: "the hip angle drifted during a hold by more than allowed",
    what: "A hold whose largest change of hip angle (absolute) is above `hold_max_drift_deg`. \
Amber.",
    why: "An isometric is meant to load the tendon at one chosen, tolerable angle. A hold whose \
hips sag or creep changes the angle (and with sagging into flexion, the compression) during \
the hold, so the load the clinician prescribed is not the load the tendon got.",
    keys: &["phase.hold_max_drift_deg"],
    evidence: "P (hipflex proposal; `[sources.holds]`): the 10° limit is about the measurement \
error.",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    if r.rep.kind != RepKind::Hold {
        return None;
    }
    let (max, d) = (ctx.rules.hold_max_drift_deg?, r.rep.hold_drift_deg?.abs());
    let too_much = d > max; // false for a NaN drift
    if !too_much {
        return None;
    }
    Some(r.flag(
        FlagCode::HoldDrift,
        Severity::Amber,
        d,
        max,
        Unit::Deg,
        format!(
            "{} {}: the hip angle drifted by {} during the hold; {} allows up to {}.",
            r.word(),
            r.rep.number,
            deg(d),
            ctx.phase_name,
            deg(max)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{hold, run, set};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn drift_either_way_beyond_the_limit() {
        let s = set(
            Exercise::Bridge,
            vec![hold(1, 40.0, -12.0), hold(2, 40.0, 10.0)],
        );
        let f = run(&RULE, 1, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].value, Some(12.0));
        assert_eq!(
            f[0].message,
            "Hold 1: the hip angle drifted by 12° during the hold; phase 1 allows up to 10°."
        );
    }
}
