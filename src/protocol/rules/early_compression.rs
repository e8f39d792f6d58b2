//! `early_compression`: loaded hip flexion beyond the phase cap, in one rep.

use super::words::{band_note, deg, grade};
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::common::Exercise;
use crate::protocol::eval::{Flag, FlagCode, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::EarlyCompression,
    class: Class::Angle,
    max_severity: Severity::Red,
    summary: "a rep's peak loaded hip flexion is beyond the phase's cap",
    what: "A rep or hold whose peak loaded hip flexion is above the phase's cap (for that \
exercise). Amber up to cap + amber band, red beyond. Not raised for Nordics: during a Nordic \
the hip flexion is the pike, checked by `nordic_hip_pike`. A value exactly at the cap is allowed.",
    why: "Hip flexion under load pulls the proximal hamstring tendon against the ischial \
tuberosity (compression), which irritates an insertional tendinopathy. Rehab keeps loaded \
flexion low early and raises it phase by phase, so a rep that goes deeper than the phase \
allows loads the tendon in the position it is not yet ready for.",
    keys: &[
        "phase.cap_deg",
        "phase.<exercise>.cap_deg",
        "measurement.amber_band_deg",
    ],
    evidence: "C (clinical convention; `[sources.caps]`): no study has measured the angle at \
which the tendon becomes compressed. The amber band is E (`[sources.amber_band]`: the error of \
2D markerless hip angles).",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    let cap = ctx.rules.cap_deg?;
    let (p, _) = r.peak?;
    if ctx.exercise == Exercise::Nordic || p <= cap {
        return None;
    }
    let band = ctx.band();
    let sev = grade(p, cap, band);
    Some(r.flag_between(
        FlagCode::EarlyCompression,
        sev,
        r.range_above(cap),
        p,
        cap,
        Unit::Deg,
        format!(
            "{} {} reached {} of hip flexion under load; {} allows up to {}.{}",
            r.word(),
            r.rep.number,
            deg(p),
            ctx.phase_name,
            deg(cap),
            band_note(sev, band)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, samples, set};
    use super::*;

    #[test]
    fn amber_inside_the_band_red_beyond_and_the_cap_itself_is_allowed() {
        let s = set(
            Exercise::Bridge,
            vec![rep(1, 45.0), rep(2, 55.0), rep(3, 55.5)],
        );
        let f = run(&RULE, 2, &s);
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].rep, f[0].severity), (Some(2), Severity::Amber));
        assert_eq!((f[1].rep, f[1].severity), (Some(3), Severity::Red));
        assert_eq!(
            f[1].message,
            "Rep 3 reached 56° of hip flexion under load; phase 2 allows up to 45°. That is more than 10° beyond it, outside the measurement error."
        );
    }

    #[test]
    fn spans_the_loaded_time_beyond_the_cap_and_skips_nordics_and_uncapped_phases() {
        let mut r = rep(1, 0.0);
        r.hip_samples = samples(10.0, &[40.0, 50.0, 52.0, 40.0]);
        let f = run(&RULE, 2, &set(Exercise::Deadlift, vec![r]));
        assert_eq!((f[0].start_s, f[0].end_s), (Some(10.1), Some(10.2)));
        assert_eq!(f[0].value, Some(52.0));
        assert!(run(&RULE, 2, &set(Exercise::Nordic, vec![rep(1, 60.0)])).is_empty());
        assert!(run(&RULE, 4, &set(Exercise::Deadlift, vec![rep(1, 120.0)])).is_empty());
    }
}
