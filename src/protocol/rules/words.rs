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

/// The sentence saying whether an angle lies inside the measurement error.
pub(super) fn band_note(sev: Severity, band: f64) -> String {
    if band <= 0.0 {
        String::new()
    } else if sev == Severity::Red {
        format!(
            " That is more than {} beyond it, outside the measurement error.",
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
}
