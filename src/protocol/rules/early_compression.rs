//! `early_compression`: loaded hip flexion beyond the phase cap, in one rep.

use super::words::{Against, against, band_note, deg, plus_minus, straddle_note};
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::common::Exercise;
use crate::protocol::eval::{Flag, FlagCode, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::EarlyCompression,
    class: Class::Angle,
    max_severity: Severity::Red,
    summary: "a rep's peak loaded hip flexion is beyond the phase's cap",
    what: "A rep or hold whose peak loaded hip flexion is above the phase's cap (for that \
exercise). Amber up to cap + amber band, red beyond. A peak carrying an interval (peak ± h, \
from the uncertainty model) is judged on the whole interval: amber, with the reason, whenever \
the interval straddles the cap (peak − h at or below it, peak + h above it), so red only when \
peak − h is above the cap and green only when peak + h is at or below it. Not raised for \
Nordics: during a Nordic the hip flexion is the pike, checked by `nordic_hip_pike`. A value \
exactly at the cap is allowed.",
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
    if ctx.exercise == Exercise::Nordic {
        return None;
    }
    let band = ctx.band();
    let h = r.rep.peak_hip_uncertainty_deg;
    let judged = against(p, h, cap, band);
    let (sev, note) = match judged {
        Against::Within => return None,
        Against::Straddles => (Severity::Amber, straddle_note(p, h, cap, "cap")),
        Against::Beyond(sev) => (sev, band_note(sev, band)),
    };
    let mut f = r.flag_between(
        FlagCode::EarlyCompression,
        sev,
        r.range_above(cap),
        p,
        cap,
        Unit::Deg,
        format!(
            "{} {} reached {}{} of hip flexion under load; {} allows up to {}.{note}",
            r.word(),
            r.rep.number,
            deg(p),
            plus_minus(h),
            ctx.phase_name,
            deg(cap),
        ),
    );
    f.uncertain = judged == Against::Straddles;
    Some(f)
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
            "Rep 3 reached 56° of hip flexion under load; phase 2 allows up to 45°. That is more than 10° beyond it, outside the usual measurement error."
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

    #[test]
    fn a_peak_whose_interval_straddles_the_cap_is_amber_with_the_reason() {
        let with = |n, p, h| {
            let mut r = rep(n, p);
            r.peak_hip_uncertainty_deg = Some(h);
            r
        };
        // 40 ± 9 (was green), 48 ± 9, 60 ± 9 (was red): straddle; 36 ± 9: green; 56 ± 9: red.
        let s = set(
            Exercise::Deadlift,
            vec![
                with(1, 40.0, 9.0),
                with(2, 48.0, 9.0),
                with(3, 60.0, 16.0),
                with(4, 36.0, 9.0),
                with(5, 56.0, 9.0),
            ],
        );
        let f = run(&RULE, 2, &s);
        let got: Vec<_> = f.iter().map(|f| (f.rep, f.severity, f.uncertain)).collect();
        assert_eq!(
            got,
            vec![
                (Some(1), Severity::Amber, true),
                (Some(2), Severity::Amber, true),
                (Some(3), Severity::Amber, true),
                (Some(5), Severity::Red, false),
            ]
        );
        assert_eq!(
            f[1].message,
            "Rep 2 reached 48° ± 9° of hip flexion under load; phase 2 allows up to 45°. Peak 48° ± 9° straddles the 45° cap: the true peak may be on either side, so this is amber, not a confident red or green."
        );
        assert!(
            f[3].message.contains("56° ± 9°")
                && f[3].message.contains("outside the usual measurement error")
        );
    }
}
