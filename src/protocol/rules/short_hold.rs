//! `short_hold`: an isometric hold ended before the phase's minimum.

use super::words::secs;
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, RepKind, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::ShortHold,
    class: Class::Timing,
    max_severity: Severity::Amber,
    summary: "an isometric hold was shorter than the phase's minimum",
    what: "A hold whose duration is below `hold_min_s`. Amber. The sentence names the target \
(`hold_target_s`) when it is above the minimum; the target itself is not flagged.",
    why: "Early-phase isometrics are meant to settle tendon pain by holding a sustained, \
moderate load; the effect is tied to the time under load, so a hold cut short may not give \
the relief or the loading the phase is built on.",
    keys: &["phase.hold_min_s", "phase.hold_target_s"],
    evidence: "E, small (`[sources.holds]`): Rio et al. 2015 (5 x 45 s isometrics, n=6, \
patellar), not confirmed by Holden et al. 2020; the 30 s minimum is a hipflex proposal [P].",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    if r.rep.kind != RepKind::Hold {
        return None;
    }
    let (min, d) = (ctx.rules.hold_min_s?, r.rep.hold_duration_s?);
    let too_short = d < min; // false for a NaN duration
    if !too_short {
        return None;
    }
    let target = ctx
        .rules
        .hold_target_s
        .filter(|t| *t > min)
        .map(|t| format!(" (target {})", secs(t)))
        .unwrap_or_default();
    Some(r.flag(
        FlagCode::ShortHold,
        Severity::Amber,
        d,
        min,
        Unit::S,
        format!(
            "{} {} lasted {}; {} asks for at least {}{target}.",
            r.word(),
            r.rep.number,
            secs(d),
            ctx.phase_name,
            secs(min)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{hold, rep, run, set};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn a_short_hold_is_amber_and_names_the_target() {
        let s = set(
            Exercise::Bridge,
            vec![hold(1, 20.0, 0.0), hold(2, 30.0, 0.0), rep(3, 10.0)],
        );
        let f = run(&RULE, 1, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "Hold 1 lasted 20.0 s; phase 1 asks for at least 30.0 s (target 45.0 s)."
        );
        assert!(run(&RULE, 2, &s).is_empty());
    }
}
