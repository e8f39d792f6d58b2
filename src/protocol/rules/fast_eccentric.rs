//! `fast_eccentric`: the lowering (eccentric) phase of a rep was quicker than the phase asks.

use super::words::{eccentric_words, secs};
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, RepKind, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::FastEccentric,
    class: Class::Timing,
    max_severity: Severity::Amber,
    summary: "a rep's lowering (eccentric) phase was shorter than the phase's floor",
    what: "A rep (not a hold) whose eccentric (lowering) time is below `eccentric_min_s`: bridge \
hips down, Nordic lowering forward, deadlift hinge down. Amber. A time exactly at the floor is \
allowed.",
    why: "Slow, controlled loading is what remodels a tendon; a quick drop turns a controlled \
eccentric into a stretch-shortening bounce that stores and releases energy in the tendon, \
which belongs to the last (energy-storage) phase, not to the strengthening phases.",
    keys: &["phase.eccentric_min_s", "phase.<exercise>.eccentric_min_s"],
    evidence: "E, extrapolated (`[sources.tempo]`): heavy slow resistance protocols (> 6 s per \
rep) in patellar and Achilles tendinopathy; the 2 s floor is a hipflex proposal [P].",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    let t = r.rep.tempo.filter(|_| r.rep.kind == RepKind::Rep)?;
    let floor = ctx.rules.eccentric_min_s?;
    let too_fast = t.eccentric_s < floor; // false for a NaN time
    if !too_fast {
        return None;
    }
    let (ecc, _) = eccentric_words(ctx.exercise);
    Some(r.flag(
        FlagCode::FastEccentric,
        Severity::Amber,
        t.eccentric_s,
        floor,
        Unit::S,
        format!(
            "{} {}: the {ecc} took {}; {} asks for at least {}.",
            r.word(),
            r.rep.number,
            secs(t.eccentric_s),
            ctx.phase_name,
            secs(floor)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{hold, rep, run, set, tempo};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn below_the_floor_is_amber_and_the_floor_itself_is_allowed() {
        let mut quick = rep(2, 10.0);
        quick.tempo = Some(tempo(1.2, 0.0, 3.0));
        let mut exact = rep(3, 10.0);
        exact.tempo = Some(tempo(2.0, 0.0, 3.0));
        let f = run(
            &RULE,
            2,
            &set(Exercise::Bridge, vec![rep(1, 10.0), quick, exact]),
        );
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].rep, f[0].severity), (Some(2), Severity::Amber));
        assert_eq!(
            f[0].message,
            "Rep 2: the lowering (eccentric) took 1.2 s; phase 2 asks for at least 2.0 s."
        );
    }

    #[test]
    fn not_checked_on_holds_or_in_phases_without_tempo() {
        let mut quick = rep(1, 10.0);
        quick.tempo = Some(tempo(0.5, 0.0, 0.5));
        assert!(run(&RULE, 1, &set(Exercise::Bridge, vec![quick.clone()])).is_empty());
        let mut h = hold(2, 40.0, 0.0);
        h.tempo = quick.tempo;
        assert!(run(&RULE, 2, &set(Exercise::Bridge, vec![h])).is_empty());
    }
}
