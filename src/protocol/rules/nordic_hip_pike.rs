//! `nordic_hip_pike`: the hips pike (flex) during a Nordic beyond the phase's pike limit.

use super::words::{Against, against, band_note, deg, plus_minus, straddle_note};
use super::{Check, Class, Doubt, RepContext, Rule, SetContext};
use crate::common::Exercise;
use crate::protocol::eval::{Flag, FlagCode, Severity, Unit};

pub(super) const RULE: Rule = Rule {
    code: FlagCode::NordicHipPike,
    class: Class::Angle,
    max_severity: Severity::Red,
    summary: "a Nordic's peak loaded hip flexion is beyond the phase's pike limit",
    what: "A Nordic rep or hold whose peak loaded hip flexion is above the phase's pike limit \
(`hip_pike_limit_deg`, at most the Nordic cap; the cap itself when left out). Amber up to \
limit + amber band, red beyond; the sentence also names the cap when the peak exceeds it. \
A peak carrying an interval (peak ± h) whose interval straddles the limit is amber with the \
reason: red only when peak − h is above the limit, green only when peak + h is at or below it. \
Replaces `early_compression` for Nordics.",
    why: "A Nordic loads the hamstrings eccentrically with the hip meant to stay straight. \
Piking (flexing at the hips) shortens the lever and dodges the eccentric load, and at the same \
time moves the hip into flexion, compressing the proximal tendon: the one compensation that is \
both less useful and more provocative.",
    keys: &[
        "phase.nordic.hip_pike_limit_deg",
        "phase.cap_deg",
        "phase.nordic.cap_deg",
        "measurement.amber_band_deg",
    ],
    evidence: "C (clinical convention; `[sources.nordic_hip_pike]`): the technique norm keeps \
the hip neutral; hip-flexed Nordics belong to phase 3+ (Šarabon 2019 [E]). Per-phase limits \
are convention.",
    doubt: Doubt::None,
    check: Check::Rep(check),
};

fn check(ctx: &SetContext, r: &RepContext) -> Option<Flag> {
    let cap = ctx.rules.cap_deg;
    let pike = match cap {
        Some(cap) if ctx.exercise == Exercise::Nordic => {
            ctx.rules.hip_pike_limit_deg.unwrap_or(cap)
        }
        Some(_) => return None,
        // A Nordic pike limit in a phase without a cap.
        None => ctx.rules.hip_pike_limit_deg?,
    };
    let (p, _) = r.peak?;
    let band = ctx.band();
    let h = r.rep.peak_hip_uncertainty_deg;
    let judged = against(p, h, pike, band);
    let (sev, note) = match judged {
        Against::Within => return None,
        Against::Straddles => (Severity::Amber, straddle_note(p, h, pike, "pike limit")),
        Against::Beyond(sev) => (sev, band_note(sev, band)),
    };
    let also = match cap {
        Some(cap) if p > cap => format!(" and the loaded hip-flexion cap is {}", deg(cap)),
        _ => String::new(),
    };
    let mut f = r.flag_between(
        FlagCode::NordicHipPike,
        sev,
        r.range_above(pike),
        p,
        pike,
        Unit::Deg,
        format!(
            "{} {}: the hips piked to {}{} of flexion during the Nordic; {} allows up to {}{also}.{note}",
            r.word(),
            r.rep.number,
            deg(p),
            plus_minus(h),
            ctx.phase_name,
            deg(pike),
        ),
    );
    f.uncertain = judged == Against::Straddles;
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{rep, run, set};
    use super::*;

    #[test]
    fn pike_beyond_the_limit_and_the_cap_named_when_exceeded() {
        let s = set(
            Exercise::Nordic,
            vec![rep(1, 20.0), rep(2, 25.0), rep(3, 50.0)],
        );
        let f = run(&RULE, 2, &s);
        assert_eq!(f.len(), 2);
        assert_eq!(
            (f[0].rep, f[0].severity, f[0].limit),
            (Some(2), Severity::Amber, Some(20.0))
        );
        assert_eq!(
            f[0].message,
            "Rep 2: the hips piked to 25° of flexion during the Nordic; phase 2 allows up to 20°. That is within 10° of it, inside the measurement error."
        );
        assert_eq!(f[1].severity, Severity::Red);
        assert!(
            f[1].message
                .contains("and the loaded hip-flexion cap is 45°.")
        );
    }

    #[test]
    fn only_for_nordics_and_the_cap_is_the_default_limit() {
        assert!(run(&RULE, 2, &set(Exercise::Bridge, vec![rep(1, 50.0)])).is_empty());
        let f = run(
            &RULE,
            3,
            &set(Exercise::Nordic, vec![rep(1, 70.0), rep(2, 75.0)]),
        );
        assert_eq!((f.len(), f[0].limit), (1, Some(70.0)));
    }

    #[test]
    fn a_pike_whose_interval_straddles_the_limit_is_amber() {
        let mut a = rep(1, 16.0);
        a.peak_hip_uncertainty_deg = Some(8.0);
        let mut b = rep(2, 35.0);
        b.peak_hip_uncertainty_deg = Some(8.0);
        let f = run(&RULE, 2, &set(Exercise::Nordic, vec![a, b]));
        assert_eq!(
            f.iter()
                .map(|f| (f.severity, f.uncertain))
                .collect::<Vec<_>>(),
            vec![(Severity::Amber, true), (Severity::Red, false)]
        );
        assert!(
            f[0].message
                .contains("16° ± 8° straddles the 20° pike limit"),
            "{}",
            f[0].message
        );
    }
}
