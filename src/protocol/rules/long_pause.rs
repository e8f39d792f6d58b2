//! `long_pause`: a rep paused in the loaded bottom position longer than allowed.

use super::words::secs;
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, RepKind, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::LongPause,
    class: Class::Timing,
    max_severity: Severity::Amber,
    summary: "a rep paused in the loaded bottom position longer than allowed",
    what: "A rep (not a hold) whose pause in the bottom (most flexed, loaded) position is above \
`max_bottom_pause_s`. Amber. In the default protocol only deadlifts are checked: the bottom of \
a bridge is lying on the floor, and of a Nordic is on the hands.",
    why: "The bottom of a hinge is the most flexed position of the rep, where the tendon is \
compressed most; resting there adds compressive time without adding useful strengthening \
load. Continuous tension through the bottom is the rehab convention.",
    keys: &[
        "phase.max_bottom_pause_s",
        "phase.<exercise>.max_bottom_pause_s",
    ],
    evidence: "C (clinical convention; `[sources.pause]`): keep tension continuous, pause at most \
1 s in the loaded bottom position.",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    let t = r.rep.tempo.filter(|_| r.rep.kind == RepKind::Rep)?;
    let max = ctx.rules.max_bottom_pause_s?;
    let too_long = t.bottom_pause_s > max; // false for a NaN time
    if !too_long {
        return None;
    }
    Some(r.flag(
        FlagCode::LongPause,
        Severity::Amber,
        t.bottom_pause_s,
        max,
        Unit::S,
        format!(
            "{} {} paused {} in the bottom (most flexed) position; {} allows at most {}.",
            r.word(),
            r.rep.number,
            secs(t.bottom_pause_s),
            ctx.phase_name,
            secs(max)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, set, tempo};
    use super::*;
    use crate::common::Exercise;

    #[test]
    fn deadlift_bottom_pause_beyond_the_limit() {
        let mut long = rep(1, 30.0);
        long.tempo = Some(tempo(3.0, 1.5, 3.0));
        let mut exact = rep(2, 30.0);
        exact.tempo = Some(tempo(3.0, 1.0, 3.0));
        let s = set(Exercise::Deadlift, vec![long.clone(), exact]);
        let f = run(&RULE, 2, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "Rep 1 paused 1.5 s in the bottom (most flexed) position; phase 2 allows at most 1.0 s."
        );
        // A bridge lying on the floor is resting, not loaded.
        assert!(run(&RULE, 2, &set(Exercise::Bridge, vec![long])).is_empty());
    }
}
