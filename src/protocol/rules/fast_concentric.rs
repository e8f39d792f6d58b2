//! `fast_concentric`: the lifting (concentric) phase of a rep was quicker than the phase asks.

use super::words::{eccentric_words, secs};
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, RepKind, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::FastConcentric,
    class: Class::Timing,
    max_severity: Severity::Amber,
    summary: "a rep's lifting (concentric) phase was shorter than the phase's floor",
    what: "A rep (not a hold) whose concentric (lifting) time is below `concentric_min_s`. \
Amber. Not checked for Nordics in the default protocol: their return is usually \
hand-assisted.",
    why: "A fast lift swaps slow tendon loading for momentum: the hamstrings and their tendon \
see a short spike of force rather than the sustained, controlled load that rehab in the \
strengthening phases is built on.",
    keys: &[
        "phase.concentric_min_s",
        "phase.<exercise>.concentric_min_s",
    ],
    evidence: "E, extrapolated (`[sources.tempo]`): heavy slow resistance protocols in patellar \
and Achilles tendinopathy; the 2 s floor is a hipflex proposal [P].",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    let t = r.rep.tempo.filter(|_| r.rep.kind == RepKind::Rep)?;
    let floor = ctx.rules.concentric_min_s?;
    let too_fast = t.concentric_s < floor; // false for a NaN time
    if !too_fast {
        return None;
    }
    let (_, con) = eccentric_words(ctx.exercise);
    Some(r.flag(
        FlagCode::FastConcentric,
        Severity::Amber,
        t.concentric_s,
        floor,
        Unit::S,
        format!(
            "{} {}: the {con} took {}; {} asks for at least {}.",
            r.word(),
            r.rep.number,
            secs(t.concentric_s),
            ctx.phase_name,
            secs(floor)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, set, tempo};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn below_the_floor_is_amber_with_the_exercise_words() {
        let mut quick = rep(2, 10.0);
        quick.tempo = Some(tempo(3.0, 0.0, 1.9));
        let f = run(
            &RULE,
            2,
            &set(Exercise::Deadlift, vec![rep(1, 10.0), quick]),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "Rep 2: the stand up (concentric) took 1.9 s; phase 2 asks for at least 2.0 s."
        );
    }

    #[test]
    fn the_nordic_return_is_not_timed() {
        let mut quick = rep(1, 10.0);
        quick.tempo = Some(tempo(3.0, 0.0, 0.5));
        assert!(run(&RULE, 2, &set(Exercise::Nordic, vec![quick])).is_empty());
    }
}
