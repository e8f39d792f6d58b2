//! `DIR/<patient>/progress.html`: one self-contained page (no network) per patient with
//! the course of their rehab: peak loaded hip flexion per rep against the cap in force
//! at each session, tempo against the phase's floors, reps, flags and pain per session,
//! a plain-words evidence summary, and a link to each session's report.

use std::path::Path;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::session::Session;
use super::summary::{self, day_number};
use super::svg::{AMBER, Frame, GREEN, INK, RED, severity_colour};

const W: f64 = 720.0;
const H: f64 = 230.0;

/// Each session's x position in days since the first; sessions on the same day are
/// spread a little so they do not sit on top of each other.
pub fn session_days(sessions: &[Session]) -> Vec<f64> {
    let base = sessions.iter().find_map(|s| day_number(s.date()));
    let mut out: Vec<f64> = Vec::with_capacity(sessions.len());
    for (i, s) in sessions.iter().enumerate() {
        let d = match (base, day_number(s.date())) {
            (Some(b), Some(d)) => (d - b) as f64,
            _ => out.last().map(|x| x + 1.0).unwrap_or(i as f64),
        };
        let d = match out.last() {
            Some(&prev) if d <= prev => prev + 0.35,
            _ => d,
        };
        out.push(d);
    }
    out
}

fn short_date(s: &Session) -> String {
    s.date().get(5..10).unwrap_or(s.date()).to_string()
}

struct Ctx<'a> {
    sessions: &'a [Session],
    days: Vec<f64>,
    dates: Vec<(f64, String)>,
}

impl Ctx<'_> {
    fn span(&self) -> (f64, f64) {
        let a = self.days.first().copied().unwrap_or(0.0);
        let b = self.days.last().copied().unwrap_or(1.0);
        (a, b.max(a + 1.0))
    }
}

fn peak_chart(c: &Ctx) -> Markup {
    let mut hi: f64 = 10.0;
    let mut lo: f64 = 0.0;
    for s in c.sessions {
        for r in &s.reps {
            if let Some(p) = r.peak_hip_flexion_deg {
                hi = hi.max(p);
                lo = lo.min(p);
            }
        }
        if let Some(cap) = s.cap_deg {
            hi = hi.max(cap + s.amber_band_deg.unwrap_or(0.0));
        }
    }
    let f = Frame::new(
        W,
        H,
        c.span(),
        ((lo / 10.0).floor() * 10.0, (hi / 10.0).ceil() * 10.0 + 5.0),
    );
    let caps: Vec<_> = c
        .sessions
        .iter()
        .zip(&c.days)
        .map(|(s, &d)| (d, s.cap_deg, s.amber_band_deg))
        .collect();
    let step = if hi - lo > 60.0 { 20.0 } else { 10.0 };
    f.svg(
        "peak loaded hip flexion per rep against the phase cap",
        html! {
            (f.axes(step, "°", &c.dates))
            (f.steps(&caps, INK, false))
            @for (s, &d) in c.sessions.iter().zip(&c.days) {
                @let n = s.reps.iter().filter(|r| r.counted).count().max(1) as f64;
                @for (k, r) in s.reps.iter().filter(|r| r.counted).enumerate() {
                    @if let Some(p) = r.peak_hip_flexion_deg {
                        @let dx = (k as f64 - (n - 1.0) / 2.0) * (0.5 / n);
                        (f.dot(d + dx, p, severity_colour(&r.severity), &format!("{} rep {}: {p:.0}°", s.date(), r.number.unwrap_or(0))))
                    }
                }
            }
        },
    )
}

fn tempo_chart(c: &Ctx) -> Markup {
    let mut hi: f64 = 4.0;
    for s in c.sessions {
        for r in s.reps.iter().filter(|r| r.counted) {
            hi = hi
                .max(r.eccentric_s.unwrap_or(0.0))
                .max(r.concentric_s.unwrap_or(0.0));
        }
    }
    let f = Frame::new(W, H, c.span(), (0.0, hi.ceil() + 0.5));
    let ecc_floor: Vec<_> = c
        .sessions
        .iter()
        .zip(&c.days)
        .map(|(s, &d)| (d, s.eccentric_min_s, None))
        .collect();
    let con_floor: Vec<_> = c
        .sessions
        .iter()
        .zip(&c.days)
        .map(|(s, &d)| (d, s.concentric_min_s, None))
        .collect();
    f.svg(
        "eccentric and concentric seconds per rep against the phase's floors",
        html! {
            (f.axes(1.0, " s", &c.dates))
            (f.steps(&ecc_floor, "#1565c0", true))
            (f.steps(&con_floor, "#6a1b9a", true))
            @for (s, &d) in c.sessions.iter().zip(&c.days) {
                @for r in s.reps.iter().filter(|r| r.counted) {
                    @if let Some(e) = r.eccentric_s {
                        (f.dot(d - 0.12, e, "#1565c0", &format!("{} rep {}: lowering {e:.1} s", s.date(), r.number.unwrap_or(0))))
                    }
                    @if let Some(x) = r.concentric_s {
                        (f.dot(d + 0.12, x, "#6a1b9a", &format!("{} rep {}: lifting {x:.1} s", s.date(), r.number.unwrap_or(0))))
                    }
                }
            }
        },
    )
}

fn counts_chart(c: &Ctx) -> Markup {
    let hi = c
        .sessions
        .iter()
        .map(|s| s.reps_counted.max(s.flags_red + s.flags_amber))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let f = Frame::new(W, H * 0.8, c.span(), (0.0, hi + 1.0));
    let step = (hi / 5.0).ceil().max(1.0);
    f.svg(
        "reps and red and amber flags per session",
        html! {
            (f.axes(step, "", &c.dates))
            @for (s, &d) in c.sessions.iter().zip(&c.days) {
                @let reps = f64::from(s.reps_counted);
                @let red = f64::from(s.flags_red);
                @let amber = f64::from(s.flags_amber);
                (f.bar(d - 0.18, 0.0, reps, 9.0, "#90a4ae", &format!("{}: {} reps", s.date(), s.reps_counted)))
                (f.bar(d + 0.18, 0.0, red, 9.0, RED, &format!("{}: {} red flags", s.date(), s.flags_red)))
                (f.bar(d + 0.18, red, red + amber, 9.0, AMBER, &format!("{}: {} amber flags", s.date(), s.flags_amber)))
            }
        },
    )
}

fn pain_chart(c: &Ctx) -> Markup {
    let f = Frame::new(W, H * 0.8, c.span(), (0.0, 10.0));
    let limit: Vec<_> = c
        .sessions
        .iter()
        .zip(&c.days)
        .map(|(s, &d)| (d, s.pain_acceptable_max, None))
        .collect();
    let pts: Vec<(f64, f64)> = c
        .sessions
        .iter()
        .zip(&c.days)
        .filter_map(|(s, &d)| s.pain.map(|p| (d, f64::from(p))))
        .collect();
    f.svg(
        "pain 0-10 per session against the acceptable level",
        html! {
            (f.axes(2.0, "", &c.dates))
            (f.steps(&limit, AMBER, true))
            (f.polyline(&pts, INK))
            @for (s, &d) in c.sessions.iter().zip(&c.days) {
                @if let Some(p) = s.pain {
                    (f.dot(d, f64::from(p), if s.pain_above_acceptable() { RED } else { GREEN }, &format!("{}: pain {p}/10", s.date())))
                }
            }
        },
    )
}

fn link_to(page_dir: &Path, report: &str) -> String {
    if report.is_empty() {
        return String::new();
    }
    let rel = crate::batch::relative_path(page_dir, Path::new(report));
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn opt_deg(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.0}°")).unwrap_or_else(|| "–".into())
}

fn sessions_table(sessions: &[Session], page_dir: &Path) -> Markup {
    html! {
        table {
            thead { tr {
                th { "Date" } th { "Exercise" } th { "Phase" } th { "Reps" }
                th { "Peak median / max" } th { "Cap" } th { "Tempo" } th { "Flags" } th { "Pain" } th { "Changes" } th { "Report" }
            } }
            tbody {
                @for (i, s) in sessions.iter().enumerate() {
                    @let f = summary::figures(s);
                    @let changes = i.checked_sub(1).map(|j| summary::changes(&sessions[j], s)).unwrap_or_default();
                    tr {
                        td data-label="Date" { (s.date()) }
                        td data-label="Exercise" { (s.exercise) }
                        td data-label="Phase" { (s.phase) " " small { (s.phase_name) } }
                        td data-label="Reps" { (s.reps_counted) }
                        td data-label="Peak median / max" { (opt_deg(f.peak_median_deg)) " / " (opt_deg(f.peak_max_deg)) }
                        td data-label="Cap" { (opt_deg(s.cap_deg)) @if f.reps_above_cap > 0 { " " span.sev.sev-red { (f.reps_above_cap) " above" } } }
                        td data-label="Tempo" { (s.typical_tempo.as_deref().unwrap_or("–")) }
                        td data-label="Flags" {
                            @if s.flags_red > 0 { span.sev.sev-red { (s.flags_red) " red" } " " }
                            @if s.flags_amber > 0 { span.sev.sev-amber { (s.flags_amber) " amber" } }
                            @if s.flags_red + s.flags_amber == 0 { span.sev.sev-green { "none" } }
                        }
                        td data-label="Pain" {
                            @match s.pain {
                                Some(p) if s.pain_above_acceptable() => span.sev.sev-red title="above the protocol's acceptable level" { (p) "/10 above acceptable" },
                                Some(p) => { (p) "/10" },
                                None => "–",
                            }
                        }
                        td data-label="Changes" { (changes.join("; ")) }
                        td data-label="Report" {
                            @let href = link_to(page_dir, &s.report_path);
                            @if href.is_empty() { "–" } @else { a href=(href) { "report" } }
                        }
                    }
                }
            }
        }
    }
}

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:1.2em auto;max-width:1100px;padding:0 .8em;color:#222;line-height:1.4}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .3em}
.evidence{background:#f3f6fa;border-left:4px solid #1565c0;padding:.6em .9em;font-size:1.05em}
.never{color:#444;font-size:.95em}
figure{margin:.4em 0 1em;break-inside:avoid}figure svg{width:100%;height:auto;max-height:320px}
figcaption{font-size:.9em;color:#555}
.key span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:.9em;height:.9em;border-radius:50%;vertical-align:-.1em;margin-right:.3em}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #ddd;padding:.3em .4em;text-align:left;vertical-align:top}
th{background:#f4f4f4}
.sev{padding:.05em .45em;border-radius:.6em;color:#fff;white-space:nowrap}
.sev-red{background:#c62828}.sev-amber{background:#e08a00}.sev-green{background:#2e7d32}
@media (max-width:700px){table,thead,tbody,tr,td{display:block}thead{display:none}tr{border-bottom:2px solid #ccc;padding:.4em 0}td{border:none;padding:.12em .2em}td[data-label]::before{content:attr(data-label) \": \";font-weight:600;color:#555}}
@media print{body{max-width:none;margin:0}a{color:#000}figure,tr{break-inside:avoid}.evidence{border-left-color:#000}}
";

fn key(items: &[(&str, &str)]) -> Markup {
    html! {
        p.key { @for (colour, label) in items { span { span.sw style=(format!("background:{colour}")) {} (label) } } }
    }
}

/// The page for `patient`'s sessions (oldest first); `page_dir` is the folder it is
/// written to, for the relative links to each report.
pub fn progress_html(patient: &str, sessions: &[Session], page_dir: &Path) -> String {
    let days = session_days(sessions);
    let dates = sessions
        .iter()
        .zip(&days)
        .map(|(s, &d)| (d, short_date(s)))
        .collect();
    let c = Ctx {
        sessions,
        days,
        dates,
    };
    let first = sessions.first().map(|s| s.date()).unwrap_or("");
    let last = sessions.last().map(|s| s.date()).unwrap_or("");
    let pain_limit = sessions.iter().rev().find_map(|s| s.pain_acceptable_max);
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Progress: " (patient) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Progress: " (patient) }
                p { (sessions.len()) " session(s), " (first) " to " (last) ". Angles are the loaded trunk–thigh hip flexion measured on video (about ±10° against lab measurement)." }
                p.evidence { (summary::evidence_summary(sessions)) "." }
                p.never { (summary::NEVER_ADVANCES) }
                h2 { "Peak loaded hip flexion per rep" }
                figure {
                    (peak_chart(&c))
                    figcaption { "Each dot is one counted rep (green within the cap, amber within the amber band above it, red beyond). The line is the cap of the phase in force at each session; it steps where the phase changed. The shaded band is the amber band." }
                }
                h2 { "Tempo" }
                figure {
                    (tempo_chart(&c))
                    (key(&[("#1565c0", "lowering (eccentric) s, dashed: its floor"), ("#6a1b9a", "lifting (concentric) s, dashed: its floor")]))
                }
                h2 { "Reps and flags per session" }
                figure {
                    (counts_chart(&c))
                    (key(&[("#90a4ae", "reps counted"), (RED, "red flags"), (AMBER, "amber flags")]))
                }
                h2 { "Pain" }
                figure {
                    (pain_chart(&c))
                    figcaption {
                        "Pain 0-10 the patient gave for the set (blank when not asked). "
                        @if let Some(l) = pain_limit { "Dashed: the acceptable level (" (format!("{l:.0}")) "/10, settling within 24 h; Goom et al. 2016); a red dot is above it." }
                    }
                }
                h2 { "Sessions" }
                (sessions_table(sessions, page_dir))
                p.never { "Generated by hipflex " (env!("CARGO_PKG_VERSION")) " from its history database; nothing on this page is loaded from the network." }
            }
        }
    };
    page.into_string()
}
