//! How the rules' sentences write numbers and grade an angle against a limit.

use crate::common::Exercise;
use crate::protocol::eval::Severity;

pub(super) fn deg(v: f64) -> String {
    format!("{v:.0}°")
}

pub(super) fn secs(v: f64) -> String {
    format!("{v:.1} s")
}

/// Amber up to `limit + band`, red beyond (the value is already beyond `limit`).
pub(super) fn grade(value: f64, limit: f64, band: f64) -> Severity {
    if value > limit + band {
        Severity::Red
    } else {
        Severity::Amber
    }
}

/// Where a peak's interval `value ± half` lies against `limit`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Against {
    /// The whole interval is at or below the limit: green.
    Within,
    /// The interval has the limit inside it: amber, the true value may be either side.
    Straddles,
    /// The whole interval is above the limit: graded by the amber band as before.
    Beyond(Severity),
}

/// Judges `value ± half` against `limit` (`half` 0 when the measurement has no interval):
/// green only when `value + half <= limit`, beyond only when `value - half > limit`.
pub(super) fn against(value: f64, half: Option<f64>, limit: f64, band: f64) -> Against {
    let h = half.filter(|h| h.is_finite() && *h > 0.0).unwrap_or(0.0);
    if value + h <= limit {
        Against::Within
    } else if value - h > limit {
        Against::Beyond(grade(value, limit, band))
    } else {
        Against::Straddles
    }
}

/// " ± 9°" for a peak with an interval, or nothing.
pub(super) fn plus_minus(half: Option<f64>) -> String {
    half.filter(|h| h.is_finite() && *h > 0.0)
        .map(|h| format!(" ± {}", deg(h)))
        .unwrap_or_default()
}

/// The sentence for a peak whose interval straddles `limit` (named `what`, e.g. "cap").
pub(super) fn straddle_note(value: f64, half: Option<f64>, limit: f64, what: &str) -> String {
    format!(
        " Peak {}{} straddles the {} {what}: the true peak may be on either side, so this is amber, not a confident red or green.",
        deg(value),
        plus_minus(half),
        deg(limit)
    )
}

/// The sentence saying whether an angle lies inside the measurement error.
pub(super) fn band_note(sev: Severity, band: f64) -> String {
    if band <= 0.0 {
        String::new()
    } else if sev == Severity::Red {
        format!(
            " That is more than {} beyond it, outside the usual measurement error.",
            deg(band)
        )
    } else {
        format!(
            " That is within {} of it, inside the measurement error.",
            deg(band)
        )
    }
}

/// The names of the lowering and the lifting phase of `ex`.
pub(super) fn eccentric_words(ex: Exercise) -> (&'static str, &'static str) {
    match ex {
        Exercise::Bridge => ("lowering (eccentric)", "lifting (concentric)"),
        Exercise::Nordic => (
            "lowering towards the floor (eccentric)",
            "return to upright (concentric)",
        ),
        Exercise::Deadlift => ("hinge down (eccentric)", "stand up (concentric)"),
        Exercise::Unknown => ("eccentric phase", "concentric phase"),
    }
}

/// "1", "1 and 2", "1, 2 and 3".
pub(super) fn list(ns: &[usize]) -> String {
    let s: Vec<String> = ns.iter().map(|n| n.to_string()).collect();
    match s.len() {
        0 => String::new(),
        1 => s[0].clone(),
        _ => format!("{} and {}", s[..s.len() - 1].join(", "), s[s.len() - 1]),
    }
}

/// "rep 3", "reps 1 and 2".
pub(crate) fn reps_phrase(ns: &[usize]) -> String {
    let word = if ns.len() == 1 { "rep" } else { "reps" };
    format!("{word} {}", list(ns))
}

/// " (reason)" from a free-text view reason, or nothing.
pub(super) fn view_reason(reason: &str) -> String {
    if reason.trim().is_empty() {
        String::new()
    } else {
        format!(" ({})", reason.trim().trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_grades() {
        assert_eq!(list(&[]), "");
        assert_eq!(list(&[4]), "4");
        assert_eq!(list(&[1, 2, 3]), "1, 2 and 3");
        assert_eq!(grade(55.0, 45.0, 10.0), Severity::Amber);
        assert_eq!(grade(55.1, 45.0, 10.0), Severity::Red);
        assert_eq!(band_note(Severity::Red, 0.0), "");
        assert_eq!(view_reason("  camera low. "), " (camera low)");
        assert_eq!(view_reason(" "), "");
    }

    #[test]
    fn an_interval_is_green_only_below_and_beyond_only_above_the_limit() {
        assert_eq!(against(45.0, None, 45.0, 10.0), Against::Within);
        assert_eq!(against(36.0, Some(9.0), 45.0, 10.0), Against::Within);
        assert_eq!(against(40.0, Some(9.0), 45.0, 10.0), Against::Straddles);
        assert_eq!(against(54.0, Some(9.0), 45.0, 10.0), Against::Straddles);
        assert_eq!(
            against(60.0, Some(9.0), 45.0, 10.0),
            Against::Beyond(Severity::Red)
        );
        assert_eq!(
            against(50.0, Some(2.0), 45.0, 10.0),
            Against::Beyond(Severity::Amber)
        );
        assert_eq!(
            against(46.0, Some(f64::NAN), 45.0, 10.0),
            Against::Beyond(Severity::Amber)
        );
        assert_eq!(
            straddle_note(48.0, Some(9.0), 45.0, "cap"),
            " Peak 48° ± 9° straddles the 45° cap: the true peak may be on either side, so this is amber, not a confident red or green."
        );
    }
}
