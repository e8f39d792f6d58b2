//! `over_extension`: a bridge arched beyond neutral at the top.

use super::words::deg;
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::OverExtension,
    class: Class::Angle,
    max_severity: Severity::Amber,
    summary: "a bridge's top went beyond neutral into extension (arching)",
    what: "A bridge rep whose most extended hip angle (the top) is below `bridge_top.min_deg`. \
Amber.",
    why: "Pushing the top of a bridge past neutral is usually the lower back arching rather \
than the hips extending: the load moves off the hamstrings to the spine, and the anterior \
pelvic tilt that comes with it is thought to be the more compressive pattern for the proximal \
tendon.",
    keys: &["bridge_top.min_deg"],
    evidence: "C (clinical technique norm; `[sources.bridge_top]`); flagging it is a hipflex \
proposal [P].",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    let ((lo, hi), top) = (ctx.rules.bridge_top_deg?, r.rep.top_hip_deg?);
    // Above the range is incomplete_extension.
    let arched = top <= hi && top < lo; // false for a NaN top
    if !arched {
        return None;
    }
    Some(r.flag(
        FlagCode::OverExtension,
        Severity::Amber,
        top,
        lo,
        Unit::Deg,
        format!(
            "{} {}: at the top the hips went to {} (extension beyond {}), which usually means the lower back is arching.",
            r.word(),
            r.rep.number,
            deg(top),
            deg(lo)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, set};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn a_bridge_top_below_the_limit() {
        let mut arch = rep(1, 30.0);
        arch.top_hip_deg = Some(-20.0);
        let mut edge = rep(2, 30.0);
        edge.top_hip_deg = Some(-15.0);
        let f = run(&RULE, 2, &set(Exercise::Bridge, vec![arch, edge]));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "Rep 1: at the top the hips went to -20° (extension beyond -15°), which usually means the lower back is arching."
        );
    }
}
