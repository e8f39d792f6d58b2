//! `time_under_compression`: seconds of loaded hip flexion beyond the cap, over the set.

use super::words::{deg, reps_phrase, secs};
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::protocol::eval::{Flag, FlagCode, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::TimeUnderCompression,
    class: Class::Angle,
    max_severity: Severity::Red,
    summary: "the set spent loaded time beyond the cap (seconds, summed over reps)",
    what: "A set in which any loaded time was spent beyond the cap; value = seconds beyond the \
cap summed over the reps, interpolated between consecutive loaded hip samples. Red if any of \
that time was beyond cap + amber band, else amber. Needs hip samples: a rep known only by its \
peak counts no time.",
    why: "Compression loads the tendon for as long as the hip stays flexed: a slow rep that \
lingers beyond the cap loads it longer than one that touches the cap and comes back. The \
seconds beyond the cap are the dose the clinician weighs against the patient's response.",
    keys: &[
        "phase.cap_deg",
        "phase.<exercise>.cap_deg",
        "measurement.amber_band_deg",
    ],
    evidence: "C (clinical convention; `[sources.caps]`), like the cap it counts against; the \
amber band is E (`[sources.amber_band]`).",
    doubt: Doubt::None,
    check: Check::AfterReps(check),
};

/// Loaded time beyond the cap over the reps that spent any.
pub(crate) struct Totals {
    pub beyond_s: f64,
    pub red_s: f64,
    pub reps: Vec<usize>,
    /// First to last loaded time beyond the cap.
    pub range: Option<(f64, f64)>,
}

impl Totals {
    pub fn over(ctx: &SetContext, reps: &[RepContext]) -> Totals {
        let mut t = Totals {
            beyond_s: 0.0,
            red_s: 0.0,
            reps: Vec::new(),
            range: None,
        };
        let Some(cap) = ctx.rules.cap_deg else {
            return t;
        };
        for r in reps.iter().filter(|r| r.beyond_cap_s > 0.0) {
            t.beyond_s += r.beyond_cap_s;
            t.red_s += r.beyond_red_s;
            t.reps.push(r.rep.number);
            let (a, b) = r.range_above(cap);
            t.range = Some(t.range.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
        }
        t
    }
}

fn check(ctx: &SetContext, reps: &[RepContext]) -> Option<Flag> {
    let cap = ctx.rules.cap_deg?;
    let t = Totals::over(ctx, reps);
    if t.beyond_s <= 0.0 {
        return None;
    }
    let red = t.red_s > 0.0;
    let (a, b) = t.range.unwrap_or((0.0, 0.0));
    let red_part = if red {
        format!(
            " ({} of it more than {} beyond)",
            secs(t.red_s),
            deg(ctx.band())
        )
    } else {
        String::new()
    };
    Some(Flag {
        code: FlagCode::TimeUnderCompression,
        severity: if red { Severity::Red } else { Severity::Amber },
        rep: None,
        start_s: Some(a),
        end_s: Some(b),
        value: Some(t.beyond_s),
        limit: Some(0.0),
        unit: Some(Unit::S),
        uncertain: false,
        message: format!(
            "The set spent {} under load beyond the {} cap of {}{red_part}, in {}.",
            secs(t.beyond_s),
            deg(cap),
            ctx.phase_name,
            reps_phrase(&t.reps)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, samples, set};
    use super::*;
    use crate::common::Exercise;

    fn sampled(n: usize, degs: &[f64]) -> crate::protocol::RepMeasurement {
        let mut r = rep(n, 0.0);
        r.hip_samples = samples(r.start_s, degs);
        r
    }

    #[test]
    fn sums_the_time_beyond_the_cap_over_reps() {
        let s = set(
            Exercise::Deadlift,
            vec![
                sampled(1, &[40.0, 50.0, 40.0]),
                sampled(2, &[40.0, 50.0, 40.0]),
            ],
        );
        let f = run(&RULE, 2, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Amber);
        assert_eq!(
            (f[0].rep, f[0].start_s, f[0].end_s),
            (None, Some(10.1), Some(20.1))
        );
        assert!((f[0].value.unwrap() - 0.2).abs() < 1e-9);
        assert_eq!(
            f[0].message,
            "The set spent 0.2 s under load beyond the 45° cap of phase 2, in reps 1 and 2."
        );
    }

    #[test]
    fn red_when_any_time_is_beyond_the_band_and_silent_without_samples() {
        let s = set(
            Exercise::Deadlift,
            vec![sampled(1, &[40.0, 60.0, 60.0, 40.0])],
        );
        let f = run(&RULE, 2, &s);
        assert_eq!(f[0].severity, Severity::Red);
        assert!(
            f[0].message.contains("of it more than 10° beyond)"),
            "{}",
            f[0].message
        );
        assert!(run(&RULE, 2, &set(Exercise::Deadlift, vec![rep(1, 90.0)])).is_empty());
        assert!(run(&RULE, 4, &s).is_empty());
    }
}
