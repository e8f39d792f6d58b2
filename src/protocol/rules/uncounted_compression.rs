//! `uncounted_compression`: movements not counted as reps that went beyond the cap under load.

use super::measure::loaded_sample_peak;
use super::words::deg;
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::common::Exercise;
use crate::protocol::eval::{Flag, FlagCode, Severity, UncountedMovement, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::UncountedCompression,
    class: Class::Angle,
    max_severity: Severity::Amber,
    summary: "movements not counted as reps went beyond the cap under load",
    what: "A set with movements that are not counted as reps (a partial rep, a lift the clip \
cuts off, a lowering with no lift after it, a rep mostly unseen, or movements that are not a \
set at all) whose loaded hip flexion went beyond the phase's cap. One flag for the set, amber \
and marked uncertain (such a movement is by nature measured worse than a rep): value = the \
deepest of them, times = from the first to the last. The other flags judge counted reps only. \
Not raised for Nordics (their hip flexion is the pike, `nordic_hip_pike`).",
    why: "The tendon is compressed whenever the hip flexes under load, whether or not the \
movement completes a repetition: a lift from the bottom that the clip cuts off, or a last \
lowering without a lift, loads it in the same deep position. Without this flag such a set \
could read green.",
    keys: &["phase.cap_deg", "phase.<exercise>.cap_deg"],
    evidence: "C (clinical convention; `[sources.caps]`), like the cap it checks against.",
    doubt: Doubt::None,
    check: Check::AfterReps(check),
};

fn check(ctx: &SetContext, _reps: &[RepContext]) -> Option<Flag> {
    let cap = ctx.rules.cap_deg?;
    if ctx.exercise == Exercise::Nordic {
        return None;
    }
    let beyond: Vec<(&UncountedMovement, f64)> = ctx
        .set
        .uncounted
        .iter()
        .filter_map(|m| loaded_sample_peak(&m.hip_samples).map(|(p, _)| (m, p)))
        .filter(|(_, p)| *p > cap)
        .collect();
    let deepest = beyond.iter().map(|b| b.1).reduce(f64::max)?;
    let start = beyond.iter().map(|b| b.0.start_s).reduce(f64::min)?;
    let end = beyond.iter().map(|b| b.0.end_s).reduce(f64::max)?;
    let when: Vec<String> = beyond
        .iter()
        .map(|(m, _)| format!("{:.1}-{:.1} s", m.start_s, m.end_s))
        .collect();
    Some(Flag {
        code: FlagCode::UncountedCompression,
        severity: Severity::Amber,
        rep: None,
        start_s: Some(start),
        end_s: Some(end),
        value: Some(deepest),
        limit: Some(cap),
        unit: Some(Unit::Deg),
        uncertain: true,
        message: format!(
            "{} movement(s) not counted as reps went beyond the {} cap of {} under load (deepest {}, at {}): they load the tendon all the same; check them on the video.",
            beyond.len(),
            deg(cap),
            ctx.phase_name,
            deg(deepest),
            when.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, samples, set};
    use super::*;

    fn movement(t0: f64, degs: &[f64]) -> UncountedMovement {
        let hip_samples = samples(t0, degs);
        UncountedMovement {
            start_s: t0,
            end_s: hip_samples.last().map_or(t0, |s| s.t_s),
            hip_samples,
        }
    }

    #[test]
    fn uncounted_movements_beyond_the_cap_raise_one_amber_flag() {
        let mut s = set(Exercise::Deadlift, vec![rep(1, 30.0)]);
        s.uncounted = vec![
            movement(5.0, &[20.0, 40.0, 30.0]),
            movement(0.0, &[129.0, 100.0, 60.0]),
            movement(9.0, &[30.0, 50.0]),
        ];
        let f = run(&RULE, 2, &s);
        assert_eq!(f.len(), 1);
        let f = &f[0];
        assert_eq!(
            (f.severity, f.uncertain, f.rep),
            (Severity::Amber, true, None)
        );
        assert_eq!((f.value, f.limit), (Some(129.0), Some(45.0)));
        assert_eq!((f.start_s, f.end_s), (Some(0.0), Some(9.1)));
        assert_eq!(
            f.message,
            "2 movement(s) not counted as reps went beyond the 45° cap of phase 2 under load (deepest 129°, at 0.0-0.2 s, 9.0-9.1 s): they load the tendon all the same; check them on the video."
        );
    }

    #[test]
    fn nothing_within_the_cap_unloaded_for_nordics_or_without_a_cap() {
        let mut s = set(Exercise::Deadlift, vec![rep(1, 30.0)]);
        s.uncounted = vec![movement(0.0, &[20.0, 45.0, 30.0])];
        assert!(run(&RULE, 2, &s).is_empty(), "the cap itself is allowed");
        let mut unloaded = movement(0.0, &[129.0]);
        unloaded.hip_samples[0].loaded = false;
        s.uncounted = vec![unloaded];
        assert!(run(&RULE, 2, &s).is_empty());
        s.uncounted = vec![movement(0.0, &[129.0])];
        assert_eq!(run(&RULE, 2, &s).len(), 1);
        assert!(run(&RULE, 4, &s).is_empty(), "phase 4 has no cap");
        s.exercise = Exercise::Nordic;
        assert!(run(&RULE, 2, &s).is_empty());
    }
}
