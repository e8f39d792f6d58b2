//! `index.html`: one self-contained page (no network) for a batch, built with maud
//! (escaped by default). Videos are grouped by patient; each patient's group shows
//! their trend (a sparkline of the peak loaded hip flexion against the cap over the
//! recorded sessions), what changed since their previous session, and their videos in
//! a sortable table. Videos without a patient come last.

use std::collections::BTreeMap;

use base64::Engine;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Row;
use crate::history::svg::{SparkPoint, sparkline};

/// A patient's course, for the group header.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatientTrend {
    /// One point per recorded session, oldest first.
    pub points: Vec<SparkPoint>,
    /// What changed from the previous session to the latest, in short phrases.
    pub changes: Vec<String>,
    /// Date of the previous session the changes compare against.
    pub previous_date: Option<String>,
    /// Where the trend comes from (`history database` or `this batch`).
    pub source: &'static str,
    /// The patient's progress page, relative to `index.html`, when written.
    pub progress: Option<String>,
}

fn sev_rank(s: &str) -> u8 {
    match s {
        "red" => 3,
        "amber" => 2,
        "green" => 1,
        _ => 0,
    }
}

const STYLE: &str = r#"
body{font-family:system-ui,sans-serif;margin:1.2em auto;max-width:1180px;padding:0 .6em;color:#222}
h2{font-size:1.15em;margin:1.6em 0 .3em;display:flex;flex-wrap:wrap;align-items:center;gap:.2em .8em}
h2 svg{width:120px;height:32px}
.changes{margin:.1em 0 .4em;color:#333;font-size:.95em}.changes b{color:#c62828}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;table-layout:auto}
th,td{border-bottom:1px solid #ddd;padding:.3em .4em;text-align:left;font-size:.92em}
th{cursor:pointer;background:#f4f4f4;user-select:none}
th:after{content:" \2195";color:#aaa}
th.thumb:after{content:""}
td.num{text-align:right}
td.video{max-width:16em;overflow-wrap:anywhere}
.sev{padding:.1em .5em;border-radius:.6em;color:#fff}
.sev-red{background:#c62828}.sev-amber{background:#e08a00}.sev-green{background:#2e7d32}
tr.failed td{color:#a00}
td.thumb img{max-height:64px;max-width:96px;width:auto;border-radius:4px;display:block}
td.nowrap{white-space:nowrap}
@media (max-width:700px){table,thead,tbody,tr,td{display:block}thead{display:none}tr{border-bottom:2px solid #ccc;padding:.4em 0}td{border:none;padding:.15em .3em}td.num{text-align:left}td:empty{display:none}td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#555}td.video{max-width:none}}
@media print{th:after{content:""}a{color:#000;text-decoration:none}section{break-inside:avoid-page}}
"#;

const SORT_SCRIPT: &str = r#"
document.querySelectorAll('table.videos th').forEach(function(th){
  th.addEventListener('click', function(){
    var col = th.cellIndex, tb = th.closest('table').tBodies[0], rows = Array.from(tb.rows);
    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir > 0 ? 'asc' : 'desc';
    var key = function(r){ var c = r.cells[col]; return c.dataset.sort || c.textContent.trim(); };
    rows.sort(function(a, b){
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
      return x.localeCompare(y) * dir;
    });
    rows.forEach(function(r){ tb.appendChild(r); });
  });
});
"#;

fn file_name(r: &Row) -> String {
    std::path::Path::new(&r.video)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| r.video.clone())
}

fn peak_vs_cap(r: &Row) -> String {
    let pm = match r.peak_hip_flexion_uncertainty_deg.parse::<f64>() {
        Ok(h) => format!(" ± {h:.0}°"),
        Err(_) => String::new(),
    };
    match (r.peak_hip_flexion_deg.is_empty(), r.cap_deg.is_empty()) {
        (true, _) => String::new(),
        (false, true) => format!("{}°{pm}", r.peak_hip_flexion_deg),
        (false, false) => format!("{}°{pm} / {}°", r.peak_hip_flexion_deg, r.cap_deg),
    }
}

fn video_row(r: &Row, thumb: Option<&[u8]>) -> Markup {
    html! {
        tr class=(r.status) {
            td.thumb {
                @if let Some(jpeg) = thumb {
                    img src=(format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))) alt="";
                }
            }
            td.nowrap data-label="Date" { (r.date) }
            td.video title=(r.video) { (file_name(r)) }
            td data-label="Status" { (r.status) }
            td data-label="Exercise" { (r.exercise) }
            td.num data-label="Phase" { (r.phase) }
            td.num data-label="Reps" { (r.reps) }
            td data-sort=(sev_rank(&r.worst_severity)) data-label="Worst flag" {
                @if !r.worst_severity.is_empty() {
                    span class=(format!("sev sev-{}", r.worst_severity)) { (r.worst_severity) }
                }
            }
            td.num.nowrap data-sort=(r.peak_hip_flexion_deg) data-label="Peak hip flexion / cap" { (peak_vs_cap(r)) }
            td.nowrap data-label="Typical tempo" { (r.typical_tempo) }
            td {
                @if r.report.is_empty() {
                    a href="#failed" { "error below" }
                } @else {
                    a href=(r.report) { "report" }
                }
            }
        }
    }
}

fn videos_table(rows: &[(usize, &Row)], thumbs: &[Option<Vec<u8>>]) -> Markup {
    html! {
        div.wrap { table.videos {
            thead { tr {
                th.thumb {} th { "Date" } th { "Video" } th { "Status" } th { "Exercise" } th { "Phase" } th { "Reps" }
                th { "Worst flag" } th { "Peak hip ° / cap" } th { "Typical tempo" } th { "Report" }
            } }
            tbody {
                @for (i, r) in rows {
                    (video_row(r, thumbs.get(*i).and_then(|t| t.as_deref())))
                }
            }
        } }
    }
}

fn patient_header(patient: &str, trend: Option<&PatientTrend>) -> Markup {
    html! {
        h2 {
            span { (patient) }
            @if let Some(t) = trend {
                @if t.points.len() > 1 {
                    span title=(format!("peak loaded hip flexion per session against the cap ({} sessions, from the {})", t.points.len(), t.source)) { (sparkline(&t.points)) }
                }
                @if let Some(p) = &t.progress {
                    a href=(p) style="font-size:.8em;font-weight:normal" { "progress" }
                }
            }
        }
        @if let Some(t) = trend {
            @if let Some(prev) = &t.previous_date {
                p.changes {
                    "Since " (prev) ": "
                    @if t.changes.is_empty() { "no change in peak, lowering or flags." }
                    @for (k, c) in t.changes.iter().enumerate() {
                        @if k > 0 { "; " }
                        @if c.starts_with("new red") || c.starts_with("deeper") || c.starts_with("faster") || c.contains("above acceptable") { b { (c) } } @else { (c) }
                    }
                }
            }
        }
    }
}

/// The page; `thumbs[i]` is row `i`'s thumbnail JPEG (embedded as a data URI), and
/// `trends` each patient's course.
pub fn index_html(
    rows: &[Row],
    title: &str,
    thumbs: &[Option<Vec<u8>>],
    trends: &BTreeMap<String, PatientTrend>,
) -> String {
    let mut groups: BTreeMap<&str, Vec<(usize, &Row)>> = BTreeMap::new();
    let mut unassigned = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.patient.is_empty() {
            unassigned.push((i, r));
        } else {
            groups.entry(r.patient.as_str()).or_default().push((i, r));
        }
    }
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    let failed: Vec<&Row> = rows.iter().filter(|r| r.status == "failed").collect();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (title) }
                p { (rows.len()) " videos of " (groups.len()) " patient(s), " (count("ok")) " analysed, " (count("skipped")) " up to date (skipped), " (failed.len()) " failed. Click a column header to sort." }
                @for (patient, list) in &groups {
                    section { (patient_header(patient, trends.get(*patient))) (videos_table(list, thumbs)) }
                }
                @if !unassigned.is_empty() {
                    section {
                        h2 { "No patient" }
                        p.changes { "Not filed under a patient (give one with a manifest `patient` column, `patient = \"...\"` in the folder's hipflex.toml, or a sub-folder per patient), so not in the history." }
                        (videos_table(&unassigned, thumbs))
                    }
                }
                @if !failed.is_empty() {
                    h2 id="failed" { "Failed videos" }
                    ul { @for r in &failed { li { b { (r.video) } ": " (r.error) } } }
                }
                script { (PreEscaped(SORT_SCRIPT)) }
            }
        }
    };
    page.into_string()
}

/// A trend from this batch's own rows (when there is no history database): one point
/// per analysed video of the patient, by date.
pub fn trend_from_rows(rows: &[&Row]) -> PatientTrend {
    let mut ok: Vec<&&Row> = rows.iter().filter(|r| r.status != "failed").collect();
    ok.sort_by(|a, b| a.date.cmp(&b.date));
    let base = ok
        .iter()
        .find_map(|r| crate::history::summary::day_number(&r.date));
    let points: Vec<SparkPoint> = ok
        .iter()
        .enumerate()
        .map(|(i, r)| SparkPoint {
            day: match (base, crate::history::summary::day_number(&r.date)) {
                (Some(b), Some(d)) => (d - b) as f64 + i as f64 * 0.01,
                _ => i as f64,
            },
            peak: r.peak_hip_flexion_deg.parse().ok(),
            cap: r.cap_deg.parse().ok(),
            severity: r.worst_severity.clone(),
        })
        .collect();
    let mut changes = Vec::new();
    let previous_date = (ok.len() >= 2).then(|| {
        let (a, b) = (ok[ok.len() - 2], ok[ok.len() - 1]);
        if b.worst_severity == "red" && a.worst_severity != "red" {
            changes.push("new red flag(s)".to_string());
        }
        if let (Ok(x), Ok(y)) = (
            a.peak_hip_flexion_deg.parse::<f64>(),
            b.peak_hip_flexion_deg.parse::<f64>(),
        ) {
            if y - x >= 0.5 {
                changes.push(format!("deeper peak {x:.0}°→{y:.0}°"));
            } else if x - y >= 0.5 {
                changes.push(format!("shallower peak {x:.0}°→{y:.0}°"));
            }
        }
        a.date.clone()
    });
    PatientTrend {
        points,
        changes,
        previous_date,
        source: "this batch",
        progress: None,
    }
}

/// A trend from the patient's sessions in the history database.
pub fn trend_from_sessions(sessions: &[crate::history::Session]) -> PatientTrend {
    let days = crate::history::progress::session_days(sessions);
    let points = sessions
        .iter()
        .zip(days)
        .map(|(s, day)| SparkPoint {
            day,
            peak: crate::history::summary::figures(s).peak_max_deg,
            cap: s.cap_deg,
            severity: s.worst_severity.clone(),
        })
        .collect();
    let (changes, previous_date) = match sessions {
        [.., a, b] => (
            crate::history::summary::changes(a, b),
            Some(a.date().to_string()),
        ),
        _ => (Vec::new(), None),
    };
    PatientTrend {
        points,
        changes,
        previous_date,
        source: "history database",
        progress: None,
    }
}
