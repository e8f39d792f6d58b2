//! `incomplete_extension`: a bridge did not reach full hip extension at the top.

use super::words::deg;
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::IncompleteExtension,
    class: Class::Angle,
    max_severity: Severity::Amber,
    summary: "a bridge's top stayed short of neutral (hips not fully up)",
    what: "A bridge rep whose most extended hip angle (the top) is above `bridge_top.max_deg`. \
Amber.",
    why: "The bridge loads the hamstrings near hip extension, away from the compressive \
flexed position; stopping short of neutral leaves the hips flexed through the whole rep, so \
the rep does less of the low-compression strengthening it is prescribed for.",
    keys: &["bridge_top.max_deg"],
    evidence: "C (clinical technique norm; `[sources.bridge_top]`): a bridge should reach about \
neutral; the range was chosen to sit outside the ~10° measurement error [P].",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    let ((_, hi), top) = (ctx.rules.bridge_top_deg?, r.rep.top_hip_deg?);
    let short = top > hi; // false for a NaN top
    if !short {
        return None;
    }
    Some(r.flag(
        FlagCode::IncompleteExtension,
        Severity::Amber,
        top,
        hi,
        Unit::Deg,
        format!(
            "{} {} did not reach full extension: at the top the hips stayed at {} of flexion; a bridge should reach {} or less (about 0°).",
            r.word(),
            r.rep.number,
            deg(top),
            deg(hi)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, set};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn a_bridge_top_above_the_limit() {
        let mut low = rep(2, 30.0);
        low.top_hip_deg = Some(25.0);
        let mut edge = rep(3, 30.0);
        edge.top_hip_deg = Some(10.0);
        let s = set(Exercise::Bridge, vec![rep(1, 30.0), low.clone(), edge]);
        let f = run(&RULE, 2, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "Rep 2 did not reach full extension: at the top the hips stayed at 25° of flexion; a bridge should reach 10° or less (about 0°)."
        );
        assert!(run(&RULE, 2, &set(Exercise::Deadlift, vec![low])).is_empty());
    }
}
