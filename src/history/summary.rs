//! What a clinician reads off a patient's sessions: per-session figures (peak median
//! and max against the cap, tempo, flags, pain), what changed since the previous
//! session, and the plain-words evidence summary. hipflex never advances a phase.

use super::session::Session;

/// Per-session figures shown in tables, JSON and pages.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SessionFigures {
    pub peak_median_deg: Option<f64>,
    pub peak_max_deg: Option<f64>,
    /// Counted reps whose peak is above the cap.
    pub reps_above_cap: usize,
    pub eccentric_median_s: Option<f64>,
    pub concentric_median_s: Option<f64>,
    pub eccentric_range_s: Option<(f64, f64)>,
    pub concentric_range_s: Option<(f64, f64)>,
    pub pain_above_acceptable: bool,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn range(v: &[f64]) -> Option<(f64, f64)> {
    let lo = v.iter().copied().min_by(f64::total_cmp)?;
    let hi = v.iter().copied().max_by(f64::total_cmp)?;
    Some((lo, hi))
}

/// The counted reps' values of one measure.
fn counted(s: &Session, f: impl Fn(&super::RepRecord) -> Option<f64>) -> Vec<f64> {
    s.reps.iter().filter(|r| r.counted).filter_map(f).collect()
}

pub fn figures(s: &Session) -> SessionFigures {
    let peaks = counted(s, |r| r.peak_hip_flexion_deg);
    let ecc = counted(s, |r| r.eccentric_s);
    let con = counted(s, |r| r.concentric_s);
    SessionFigures {
        peak_median_deg: median(peaks.clone()),
        peak_max_deg: peaks.iter().copied().max_by(f64::total_cmp),
        reps_above_cap: s
            .cap_deg
            .map(|c| peaks.iter().filter(|&&p| p > c).count())
            .unwrap_or(0),
        eccentric_median_s: median(ecc.clone()),
        concentric_median_s: median(con.clone()),
        eccentric_range_s: range(&ecc),
        concentric_range_s: range(&con),
        pain_above_acceptable: s.pain_above_acceptable(),
    }
}

/// Whole days between two `YYYY-MM-DD` dates (`b - a`); `None` when either is not a date.
pub fn days_between(a: &str, b: &str) -> Option<i64> {
    Some(day_number(b)? - day_number(a)?)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD...` date.
pub fn day_number(d: &str) -> Option<i64> {
    let y: i64 = d.get(0..4)?.parse().ok()?;
    let m: i64 = d.get(5..7)?.parse().ok()?;
    let day: i64 = d.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn span_words(days: i64) -> String {
    match days {
        0 => "the same day".into(),
        1 => "1 day".into(),
        d if d < 14 => format!("{d} days"),
        d => format!("{} weeks", (d as f64 / 7.0).round() as i64),
    }
}

fn deg(x: f64) -> String {
    format!("{x:.0}°")
}

fn secs_range((lo, hi): (f64, f64)) -> String {
    if (hi - lo).abs() < 0.05 {
        format!("{lo:.1} s")
    } else {
        format!("{lo:.1}-{hi:.1} s")
    }
}

/// How many recent sessions the evidence summary looks at.
pub const RECENT_SESSIONS: usize = 3;

fn caps_words(recent: &[&Session]) -> String {
    let caps: Vec<f64> = recent.iter().filter_map(|s| s.cap_deg).collect();
    let peaks: Vec<(f64, Option<f64>)> = recent
        .iter()
        .flat_map(|s| {
            s.reps
                .iter()
                .filter(|r| r.counted)
                .filter_map(move |r| r.peak_hip_flexion_deg.map(|p| (p, s.cap_deg)))
        })
        .collect();
    if peaks.is_empty() {
        return "no counted reps with a measured peak".into();
    }
    if caps.is_empty() {
        let max = peaks.iter().map(|p| p.0).fold(f64::MIN, f64::max);
        return format!("no hip-flexion cap in force (deepest rep {})", deg(max));
    }
    let above: Vec<f64> = peaks
        .iter()
        .filter_map(|&(p, c)| c.filter(|&c| p > c).map(|_| p))
        .collect();
    let cap_text = match range(&caps) {
        Some((lo, hi)) if (hi - lo).abs() < 0.05 => format!("the {} cap", deg(lo)),
        Some((lo, hi)) => format!("the phase caps of {}-{}", deg(lo), deg(hi)),
        None => unreachable!("caps is not empty"),
    };
    if above.is_empty() {
        format!("every rep within {cap_text}")
    } else {
        let max = above.iter().copied().fold(f64::MIN, f64::max);
        format!(
            "{} of {} reps above {cap_text} (deepest {})",
            above.len(),
            peaks.len(),
            deg(max)
        )
    }
}

fn tempo_words(recent: &[&Session]) -> String {
    let all = |f: fn(&super::RepRecord) -> Option<f64>| -> Vec<f64> {
        recent
            .iter()
            .flat_map(|s| s.reps.iter().filter(|r| r.counted).filter_map(f))
            .collect()
    };
    let mut parts = Vec::new();
    if let Some(r) = range(&all(|r| r.eccentric_s)) {
        parts.push(format!("lowering {}", secs_range(r)));
    }
    if let Some(r) = range(&all(|r| r.concentric_s)) {
        parts.push(format!("lifting {}", secs_range(r)));
    }
    if parts.is_empty() {
        "tempo not measured".into()
    } else {
        parts.join(", ")
    }
}

fn pain_words(recent: &[&Session]) -> String {
    let pains: Vec<u8> = recent.iter().filter_map(|s| s.pain).collect();
    let Some(&max) = pains.iter().max() else {
        return "pain not recorded".into();
    };
    let above = recent.iter().filter(|s| s.pain_above_acceptable()).count();
    let limit = recent.iter().find_map(|s| s.pain_acceptable_max);
    let missing = recent.len() - pains.len();
    let mut t = format!("pain {max}/10 or less");
    if let (true, Some(l)) = (above > 0, limit) {
        t = format!("pain up to {max}/10, above the acceptable {l:.0}/10 in {above} session(s)");
    }
    if missing > 0 {
        t.push_str(&format!(" (not recorded for {missing})"));
    }
    t
}

fn flag_words(recent: &[&Session]) -> String {
    let red: u32 = recent.iter().map(|s| s.flags_red).sum();
    let amber: u32 = recent.iter().map(|s| s.flags_amber).sum();
    match (red, amber) {
        (0, 0) => "no red or amber flags".into(),
        (0, a) => format!("no red flags, {a} amber flag(s)"),
        (r, 0) => format!("{r} red flag(s), no amber"),
        (r, a) => format!("{r} red and {a} amber flag(s)"),
    }
}

/// "last 3 sessions (2 weeks): every rep within the 45° cap, lowering 2.6-3.1 s, pain
/// 2/10 or less" for the most recent sessions (oldest first in `sessions`).
pub fn evidence_summary(sessions: &[Session]) -> String {
    if sessions.is_empty() {
        return "no sessions recorded".into();
    }
    let recent: Vec<&Session> = sessions.iter().rev().take(RECENT_SESSIONS).rev().collect();
    let first = recent.first().expect("not empty").date();
    let last = recent.last().expect("not empty").date();
    let head = match (recent.len(), days_between(first, last)) {
        (1, _) => format!("last session ({last})"),
        (n, Some(d)) => format!("last {n} sessions ({})", span_words(d)),
        (n, None) => format!("last {n} sessions"),
    };
    let phases: Vec<u8> = recent.iter().map(|s| s.phase).collect();
    let phase = if phases.windows(2).all(|w| w[0] == w[1]) {
        format!("phase {}", phases[0])
    } else {
        format!(
            "phases {}",
            phases
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("→")
        )
    };
    format!(
        "{head}, {phase}: {}, {}, {}, {}",
        caps_words(&recent),
        tempo_words(&recent),
        flag_words(&recent),
        pain_words(&recent)
    )
}

/// The sentence every progress view carries.
pub const NEVER_ADVANCES: &str = "hipflex never advances a rehab phase: whether to load more hip flexion is the patient's and their clinician's decision, weighing pain over the following 24 h, function and what these measurements cannot see.";

/// What changed from `prev` to `cur`, in short phrases (empty when nothing to say).
pub fn changes(prev: &Session, cur: &Session) -> Vec<String> {
    let (a, b) = (figures(prev), figures(cur));
    let mut out = Vec::new();
    let prev_red: Vec<&str> = prev
        .flags
        .iter()
        .filter(|f| f.severity == "red")
        .map(|f| f.code.as_str())
        .collect();
    let mut new_red: Vec<&str> = cur
        .flags
        .iter()
        .filter(|f| f.severity == "red" && !prev_red.contains(&f.code.as_str()))
        .map(|f| f.code.as_str())
        .collect();
    new_red.dedup();
    if !new_red.is_empty() {
        out.push(format!("new red flag(s): {}", new_red.join(", ")));
    }
    if let (Some(x), Some(y)) = (a.peak_max_deg, b.peak_max_deg) {
        let d = y - x;
        let err = cur.amber_band_deg.unwrap_or(0.0);
        let within = if d.abs() < err {
            " (within measurement error)"
        } else {
            ""
        };
        if d >= 0.5 {
            out.push(format!("deeper peak {}→{}{within}", deg(x), deg(y)));
        } else if d <= -0.5 {
            out.push(format!("shallower peak {}→{}{within}", deg(x), deg(y)));
        }
    }
    if let (Some(x), Some(y)) = (a.eccentric_median_s, b.eccentric_median_s) {
        if y < x - 0.05 {
            out.push(format!("faster lowering {x:.1}→{y:.1} s"));
        } else if y > x + 0.05 {
            out.push(format!("slower lowering {x:.1}→{y:.1} s"));
        }
    }
    if prev.phase != cur.phase {
        out.push(format!("phase {}→{}", prev.phase, cur.phase));
    }
    if cur.pain_above_acceptable() && !prev.pain_above_acceptable() {
        out.push(format!(
            "pain {}/10 above acceptable",
            cur.pain.unwrap_or(0)
        ));
    }
    out
}

/// Worst severity among the most recent sessions (`red`, `amber`, `green`).
pub fn worst_recent(sessions: &[Session]) -> &'static str {
    sessions
        .iter()
        .rev()
        .take(RECENT_SESSIONS)
        .fold("green", |acc, s| {
            let w = if s.pain_above_acceptable() {
                crate::report::worse(&s.worst_severity, "amber")
            } else {
                crate::report::worse(&s.worst_severity, "green")
            };
            crate::report::worse(acc, w)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_are_calendar_days() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(days_between("2026-02-27", "2026-03-01"), Some(2));
        assert_eq!(days_between("2024-02-27", "2024-03-01"), Some(3));
        assert_eq!(day_number("not a date"), None);
        assert_eq!(span_words(15), "2 weeks");
    }
}
