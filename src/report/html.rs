//! `report.html`: one self-contained page (inline CSS, inline SVG plot, no network
//! requests) that reads well on a phone and prints to a clean A4 report. Rendered
//! through `maud`, which escapes every string from the report.
//!
//! With the annotated video next to it ([`report_page`] with a video), the page is
//! also the review player: the video plays beside the plot, whose cursor follows it;
//! clicks on the plot, a rep row, a flag or a keyframe seek there; keys step frames and
//! reps; the current rep, tempo phase and angle are shown as it plays. The only
//! script is inline, and the only file it reads is the video, by relative path.

use base64::Engine as _;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{FlagOut, Report};
use crate::exercise::Analysis;

const CSS: &str = r#"
.keyframes{display:flex;flex-wrap:wrap;gap:12px}
.keyframe{margin:0;flex:1 1 200px;max-width:320px;break-inside:avoid}
.keyframe img{width:100%;height:auto;border:1px solid #ccc;border-radius:6px}
.keyframe figcaption{font-size:.9em;color:#444}
:root { --red:#b91c1c; --red-bg:#fef2f2; --amber:#b45309; --amber-bg:#fffbeb; --green:#15803d; --green-bg:#f0fdf4; --ink:#0f172a; --muted:#475569; --line:#e2e8f0; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #f8fafc; line-height: 1.45; font-size: 16px; }
main { max-width: 1000px; margin: 0 auto; padding: 16px; background: #fff; }
h1 { font-size: 1.5rem; margin: 0.2em 0; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.6em 0 0.5em; padding-bottom: 0.2em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1em 0 0.3em; }
p, li { overflow-wrap: anywhere; }
.sub { color: var(--muted); margin: 0; }
.verdict { border: 2px solid; border-left-width: 8px; border-radius: 6px; padding: 12px 14px; margin: 16px 0; }
.verdict p { margin: 0.2em 0; font-size: 1.1rem; }
.sev-red { border-color: var(--red); background: var(--red-bg); }
.sev-amber { border-color: var(--amber); background: var(--amber-bg); }
.sev-green { border-color: var(--green); background: var(--green-bg); }
.badge { display: inline-block; border: 1px solid; border-radius: 999px; padding: 0 0.6em; font-size: 0.8rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.03em; white-space: nowrap; }
.badge.red { color: var(--red); } .badge.amber { color: var(--amber); } .badge.green { color: var(--green); }
.badge.muted { color: var(--muted); }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin: 12px 0; padding: 0; list-style: none; }
.facts li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.facts .k { display: block; color: var(--muted); font-size: 0.8rem; }
.facts .v { font-weight: 600; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f1f5f9; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.tempo { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.partial td { color: var(--muted); font-style: italic; }
tr.row-red td:first-child { border-left: 4px solid var(--red); }
tr.row-amber td:first-child { border-left: 4px solid var(--amber); }
tr.row-green td:first-child { border-left: 4px solid var(--green); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 8px 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
figure { margin: 12px 0; }
figure .scroll svg { display: block; width: 100%; min-width: 640px; height: auto; }
.hint { display: none; color: var(--muted); font-size: 0.85rem; margin: 4px 0 0; }
table.reps td:last-child { min-width: 15em; }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 6px; }
ol.flags { padding-left: 2.2em; }
ol.flags li { margin: 0.5em 0; }
.where { color: var(--muted); font-size: 0.9rem; }
ul.caveats li { margin: 0.4em 0; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 2em; border-top: 1px solid var(--line); padding-top: 8px; }
@media (max-width: 600px) {
  main { padding: 10px; }
  h1 { font-size: 1.25rem; }
  dl.kv { grid-template-columns: 1fr; gap: 0 0; }
  dl.kv dd { margin-bottom: 6px; }
  .hint { display: block; }
}
.review .player { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.review video { flex: 1 1 420px; max-width: 100%; max-height: 70vh; background: #000; border-radius: 6px; }
.readout { flex: 0 1 240px; margin: 0; font-variant-numeric: tabular-nums; }
.readout .big { font-size: 1.3rem; font-weight: 700; }
.keys { color: var(--muted); font-size: 0.85rem; }
kbd { border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; font-size: 0.85em; }
main:has(#review) [data-t] { cursor: pointer; }
tr.current td { background: #e0f2fe; }
.plot-cursor { pointer-events: none; }
@page { size: A4; margin: 12mm; }
@media print {
  body { background: none; font-size: 11pt; }
  .review, .no-print { display: none !important; }
  tr.current td { background: none; }
  .keyframes { display: grid; grid-template-columns: repeat(3, 1fr); }
  .keyframe { max-width: none; }
  main { max-width: none; padding: 0; }
  .verdict, th, .sev-red, .sev-amber, .sev-green { background: none !important; }
  .scroll { overflow: visible; }
  figure .scroll svg { min-width: 0; }
  .hint { display: none !important; }
  tr, li, .verdict, figure { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
}
"#;

/// The review player's script (see the module docs).
const REVIEW_JS: &str = include_str!("assets/review.js");

fn deg(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.0}°"))
        .unwrap_or_else(|| "–".into())
}

fn secs(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.decimals$} s"))
        .unwrap_or_else(|| "–".into())
}

fn sev_class(s: &str) -> &'static str {
    match s {
        "red" => "red",
        "amber" => "amber",
        _ => "green",
    }
}

fn badge(s: &str) -> Markup {
    html! { span class={"badge " (sev_class(s))} { (s) } }
}

fn fact(k: &str, v: &str) -> Markup {
    html! { li { span.k { (k) } span.v { (v) } } }
}

fn kv(k: &str, v: &str) -> Markup {
    html! { dt { (k) } dd { (v) } }
}

fn list(class: &str, items: &[String]) -> Markup {
    html! {
        @if !items.is_empty() {
            ul class=(class) { @for i in items { li { (i) } } }
        }
    }
}

/// Where a flag applies, in words.
fn flag_where(f: &FlagOut) -> String {
    let w = match f.rep {
        Some(r) => format!("Rep {r}"),
        None => "Whole set".into(),
    };
    match (f.start_s, f.end_s) {
        (Some(a), Some(b)) if b > a => format!("{w}, {a:.1}–{b:.1} s"),
        (Some(a), _) => format!("{w}, {a:.1} s"),
        _ => w,
    }
}

/// When a flag starts, for seeking: its start, else its rep's start.
fn flag_seek_time(r: &Report, f: &FlagOut) -> Option<f64> {
    f.start_s.filter(|t| t.is_finite()).or_else(|| {
        r.reps
            .iter()
            .find(|x| x.number.is_some() && x.number == f.rep)
            .map(|x| x.start_s)
    })
}

/// The inline SVG without the XML namespace declaration (not needed inside HTML, and
/// it keeps the page free of any URL).
fn inline_svg(svg: &str) -> String {
    let s = svg.trim().trim_start_matches(|c| c != '<').replacen(
        r#" xmlns="http://www.w3.org/2000/svg""#,
        "",
        1,
    );
    match s.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map(|(_, r)| r.trim().to_string())
            .unwrap_or_default(),
        None => s,
    }
}

/// The frame at the deepest point of a rep, cropped around the person with the
/// skeleton and angle drawn and its labels above. The PNG waits in a file (a temporary
/// one beside the outputs) until the page is written, so a long clip's keyframes are
/// never all in memory at once.
#[derive(Clone, Debug, PartialEq)]
pub struct Keyframe {
    pub rep: usize,
    pub t_s: f64,
    pub hip_deg: Option<f64>,
    pub png_file: std::path::PathBuf,
}

/// Stands in the rendered page for each keyframe's base64 PNG until [`write_report_page`]
/// streams the file there. It starts with a raw `<`, which maud never leaves in escaped
/// text, and holds NUL bytes, which the plot, styles and script never contain.
const KEYFRAME_MARK: &str = "<\u{0}hipflex-keyframe\u{0}>";

/// Standard base64 (for embedding images as data URIs).
pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One video frame for the review player: time (s), rep number (0 partial, `None` outside
/// reps), tempo phase, hip angle.
/// A phase name is one of four fixed words, so a long clip keeps no string per frame.
pub type ReviewFrame = (f64, Option<usize>, Option<&'static str>, Option<f64>);

/// A tempo phase in the page's words.
fn phase_words(p: crate::exercise::Phase) -> &'static str {
    use crate::exercise::Phase;
    match p {
        Phase::Eccentric => "eccentric",
        Phase::BottomPause => "bottom pause",
        Phase::Concentric => "concentric",
        Phase::TopPause => "top pause",
    }
}

/// The annotated video the page plays, and each of its frames' report time, rep,
/// tempo phase and hip angle (frame k of the video is frame k of the analysis).
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// Path of the video relative to the page (`annotated.mp4`).
    pub video: String,
    /// Frame rate the video was written at.
    pub fps: f64,
    /// Per frame: time (s), rep number (0 partial, `None` outside reps), phase, hip.
    pub frames: Vec<ReviewFrame>,
    /// Start of every rep, seconds.
    pub rep_starts: Vec<f64>,
}

impl Review {
    /// The review data of `analysis`, for the video written next to the page.
    pub fn new(video: &str, report: &Report, analysis: &Analysis) -> Review {
        let frames = analysis
            .frames
            .iter()
            .map(|f| {
                let rep = f
                    .rep
                    .and_then(|i| analysis.reps.get(i))
                    .map(|r| r.number.unwrap_or(0));
                let phase = f.phase.map(phase_words);
                let r1 = |v: f64| (v * 10.0).round() / 10.0;
                (
                    (f.t * 1000.0).round() / 1000.0,
                    rep,
                    phase,
                    f.hip_flexion.filter(|h| h.is_finite()).map(r1),
                )
            })
            .collect();
        Review {
            video: video.to_string(),
            fps: super::overlay::video_fps(&report.clip),
            frames,
            rep_starts: report.reps.iter().map(|r| r.start_s).collect(),
        }
    }

    /// The timeline as JSON for the page's script (safe inside `<script>`).
    fn timeline_json(&self) -> String {
        serde_json::json!({
            "fps": self.fps,
            "frames": self.frames,
            "reps": self.rep_starts,
        })
        .to_string()
        .replace("</", "<\\/")
    }
}

fn head(r: &Report) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="generator" content={(r.tool) " " (r.tool_version)};
            title { "hipflex report — " (r.clip.file) }
            style { (PreEscaped(CSS)) }
        }
    }
}

fn header_and_verdict(r: &Report) -> Markup {
    let p = &r.protocol;
    let sm = &r.summary;
    html! {
        header {
            h1 { (r.clip.file) }
            p.sub {
                (format!("{} ({:.0}% confident)", r.exercise.exercise, r.exercise.confidence * 100.0))
                " — phase " (p.phase) " (" (p.phase_name) ") of " (p.name) " v" (p.version)
            }
        }
        section class={"verdict sev-" (sev_class(&sm.worst_severity))} aria-label="Verdict" {
            p { (badge(&sm.worst_severity)) " " strong { (sm.verdict) } }
        }
    }
}

fn summary_section(r: &Report) -> Markup {
    let sm = &r.summary;
    let above = match sm.time_above_cap_s {
        Some(t) => format!("{t:.1} s"),
        None => "no cap in this phase".into(),
    };
    html! {
        section {
            h2 { "Set summary" }
            ul.facts {
                (fact("Reps counted", &sm.reps_counted.to_string()))
                (fact("Partial reps", &sm.partial_reps.to_string()))
                @if sm.holds > 0 { (fact("Holds", &sm.holds.to_string())) }
                (fact("Peak loaded hip flexion", &super::peak_with_interval(sm.peak_hip_flexion_deg, sm.peak_hip_flexion_uncertainty_deg)))
                (fact("Time above the cap", &above))
                (fact("Typical tempo (ecc-pause-con-pause)", sm.typical_tempo.as_deref().unwrap_or("–")))
                (fact("Red flags", &sm.flags_red.to_string()))
                (fact("Amber flags", &sm.flags_amber.to_string()))
            }
        }
    }
}

/// The player beside its readout, or a line saying there is none.
fn review_section(review: Option<&Review>) -> Markup {
    let Some(rv) = review else {
        return html! {
            p.where.no-print.no-video {
                "No annotated video was written with this report (--no-video or --from-landmarks), so the page has no player; the plot, rep table, keyframes and flags are below."
            }
        };
    };
    html! {
        section.review #review data-video="loading" {
            h2 { "Review the set" }
            div.player #player-box {
                video #player src=(rv.video) controls preload="auto" muted playsinline {}
                div.readout aria-live="polite" {
                    p { "Time " span.big #now-time { "–" } }
                    p { "Frame " span #now-frame { "–" } }
                    p { "Rep " span.big #now-rep { "–" } }
                    p { "Tempo phase " span.big #now-phase { "–" } }
                    p { "Hip flexion " span.big #now-hip { "–" } }
                    p.keys {
                        kbd { "," } " " kbd { "." } " (or arrows) one frame back / forward · "
                        kbd { "[" } " " kbd { "]" } " previous / next rep · click the plot, a rep, a flag or a keyframe to go there"
                    }
                }
            }
            p.where #video-missing hidden {
                (rv.video) " is not next to this page, so there is no player; the report below is complete without it."
            }
            script #timeline type="application/json" { (PreEscaped(rv.timeline_json())) }
        }
    }
}

fn plot_section(r: &Report, svg: &str) -> Markup {
    html! {
        section {
            h2 { "Hip and knee flexion over time" }
            figure {
                div.scroll { (PreEscaped(inline_svg(svg))) }
                p.hint { "Swipe sideways to see the whole plot." }
                figcaption {
                    "Top: trunk–thigh hip flexion (" (r.angle_source.to_uppercase())
                    " angle is the primary one), reps shaded and numbered, flags marked at their time. Bottom: knee flexion."
                }
            }
        }
    }
}

fn rep_row(rep: &super::RepOut) -> Markup {
    let (label, class) = match rep.number {
        Some(k) if rep.counted => (k.to_string(), format!("row-{}", sev_class(&rep.severity))),
        _ => ("partial".to_string(), "partial".to_string()),
    };
    html! {
        tr class=(class) data-t=(format!("{:.3}", rep.start_s)) data-end=(format!("{:.3}", rep.end_s)) data-rep=[rep.number.filter(|_| rep.counted)] {
            td { (label) }
            td.num { (format!("{:.1}–{:.1}", rep.start_s, rep.end_s)) }
            td.tempo { (super::tempo_with_uncertainty(rep)) }
            td.num { (super::peak_with_interval(rep.peak_hip_flexion_deg, rep.peak_hip_flexion_uncertainty_deg)) }
            td.num { (deg(rep.peak_hip_flexion_2d_deg)) }
            td.num { (deg(rep.peak_hip_flexion_3d_deg)) }
            td.num { (secs(rep.time_above_cap_s, 1)) }
            td {
                @if rep.flags.is_empty() { "–" } @else { (badge(&rep.severity)) " " (rep.flags.join(", ")) }
                @if rep.uncertain {
                    " " span.badge.muted title=(rep.uncertain_reasons.join("; ")) { "uncertain" }
                }
            }
        }
    }
}

fn holds_table(r: &Report) -> Markup {
    html! {
        @if !r.holds.is_empty() {
            h3 { "Holds" }
            div.scroll { table.holds {
                thead { tr {
                    th.num { "Time (s)" } th.num { "Duration" } th { "Position" } th { "Loaded" }
                    th.num { "Mean hip" } th.num { "Drift" }
                } }
                tbody { @for h in &r.holds { tr {
                    td.num { (format!("{:.1}–{:.1}", h.start_s, h.end_s)) }
                    td.num { (format!("{:.1} s", h.duration_s)) @if h.truncated { " (cut off)" } }
                    td { (h.position) }
                    td { @if h.loaded { "yes" } @else { "no" } }
                    td.num { (deg(h.hip_mean_deg)) }
                    td.num { (deg(h.hip_drift_deg)) }
                } } }
            } }
        }
    }
}

fn reps_section(r: &Report) -> Markup {
    html! {
        section {
            h2 { "Repetitions" }
            @if r.reps.is_empty() {
                p { "No repetitions were found." }
            } @else {
                div.scroll { table.reps {
                    thead { tr {
                        th { "Rep" } th.num { "Time (s)" } th { "Tempo" } th.num { "Peak hip" } th.num { "Peak hip 2D" }
                        th.num { "Peak hip 3D" } th.num { "Above cap" } th { "Flags" }
                    } }
                    tbody { @for rep in &r.reps { (rep_row(rep)) } }
                } }
                p.where {
                    "Tempo is eccentric–bottom pause–concentric–top pause in seconds. Peak hip is the primary angle with its interval (peak ± h: the true peak lies inside it for at least 90% of reps in the calibration); a rep whose interval straddles the cap is amber. Partial reps are not counted or numbered."
                }
            }
            (holds_table(r))
        }
    }
}

fn keyframes_section(keyframes: &[Keyframe]) -> Markup {
    html! {
        @if !keyframes.is_empty() {
            h2 { "Deepest point of each rep" }
            div.keyframes { @for k in keyframes {
                @let caption = format!(
                    "Rep {} at {:.1} s{}",
                    k.rep,
                    k.t_s,
                    k.hip_deg.map(|h| format!(": {h:.0}° hip flexion")).unwrap_or_default()
                );
                figure.keyframe data-t=(format!("{:.3}", k.t_s)) {
                    img alt=(caption) src={"data:image/png;base64," (PreEscaped(KEYFRAME_MARK))};
                    figcaption { (caption) }
                }
            } }
        }
    }
}

fn flags_section(r: &Report, keyframes: &[Keyframe]) -> Markup {
    html! {
        section {
            (keyframes_section(keyframes))
            h2 { "Flags" }
            @if r.flags.is_empty() {
                p { "No flags: everything measured is within the phase." }
            } @else {
                ol.flags { @for f in &r.flags {
                    li class={"flag-" (sev_class(&f.severity))} data-t=[flag_seek_time(r, f).map(|t| format!("{t:.3}"))] {
                        (badge(&f.severity)) " "
                        span.where { (flag_where(f)) @if f.uncertain { " · uncertain measurement" } }
                        br;
                        (f.message)
                    }
                } }
            }
        }
    }
}

fn frame_rate_text(r: &Report) -> String {
    let c = &r.clip;
    let mut fps = format!(
        "{:.1} fps nominal, {:.1} measured",
        c.nominal_fps, c.measured_fps
    );
    if c.variable_frame_rate {
        fps.push_str(", variable frame rate");
    }
    if let Some(cf) = c.capture_fps {
        fps.push_str(&format!(
            "; slow motion captured at {cf:.0} fps (time ×{:.3})",
            c.time_scale
        ));
    }
    fps
}

fn clip_section(r: &Report) -> Markup {
    let c = &r.clip;
    let view = format!("{:?}", r.view.verdict).to_lowercase();
    let view_sev = match view.as_str() {
        "good" => "green",
        "oblique" => "amber",
        _ => "red",
    };
    let person = match c.people_seen {
        Some(k) => format!("{} ({k} seen)", c.person),
        None => c.person.clone(),
    };
    let faces = if !r.pictures_written {
        "no picture of the person was written (analysis from landmarks)"
    } else if r.faces_shown {
        "shown in the annotated video and keyframes (--show-faces)"
    } else {
        "blurred in the annotated video, keyframes and thumbnail"
    };
    html! {
        section {
            h2 { "Clip and camera view" }
            p { "View: " span class={"badge " (view_sev)} { (view) } " — hip angles from " (r.angle_source.to_uppercase()) " landmarks." }
            (list("reasons", &r.view.reasons))
            dl.kv {
                (kv("File", &c.file))
                (kv("Duration", &format!("{:.1} s, {} frames ({} with a person)", c.duration_s, c.frames, c.frames_with_person)))
                (kv("Frame size", &format!("{}×{} (rotated {}°)", c.width, c.height, c.rotation_applied_deg)))
                (kv("Frame rate", &frame_rate_text(r)))
                (kv("Codec", &c.codec))
                (kv("Pose model", &c.model))
                (kv("Person", &person))
                (kv("Faces", faces))
                @if let Some(o) = r.view.offset_3d_deg.or(r.view.offset_2d_deg) {
                    (kv("Camera off side-on", &format!("about {o:.0}°")))
                }
            }
            h3 { "Exercise" }
            p {
                strong { (r.exercise.exercise.to_string()) } " — "
                @if r.exercise.overridden { "given on the command line" }
                @else { (format!("detected, {:.0}% confident", r.exercise.confidence * 100.0)) }
            }
            (list("reasons", &r.exercise.reasons))
        }
    }
}

fn protocol_section(r: &Report) -> Markup {
    let p = &r.protocol;
    let cap = match p.cap_deg {
        Some(cap) => format!("{cap:.0}° under load"),
        None => "none (report only)".into(),
    };
    html! {
        section {
            h2 { "Protocol and phase" }
            dl.kv {
                (kv("Protocol", &format!("{} v{}", p.name, p.version)))
                (kv("Source", &p.source))
                (kv("Phase", &format!("{} — {}", p.phase, p.phase_name)))
                (kv("Hip flexion cap", &cap))
                @if let (Some(cap), Some(b)) = (p.cap_deg, p.amber_band_deg) {
                    (kv("Amber band", &format!("{cap:.0}–{:.0}° (+{b:.0}°): amber; above: red", cap + b)))
                }
                (kv("Angle", &r.angle_definition))
            }
        }
    }
}

fn closing_sections(r: &Report) -> Markup {
    html! {
        @if !r.notes.is_empty() {
            section { h2 { "Notes" } (list("notes", &r.notes)) }
        }
        section { h2 { "Please read" } (list("caveats", &r.caveats)) }
        footer {
            (format!(
                "{} {} — {} v{}. Measurements from video only; not medical advice.",
                r.tool, r.tool_version, r.schema, r.schema_version
            ))
        }
    }
}

/// Renders the report page with the plot `svg` (from [`super::plot::hip_flexion_svg`]).
pub fn report_html(report: &Report, svg: &str) -> String {
    page_markup(report, svg, &[], None)
}

/// [`report_html`] with the per-rep keyframes embedded as images.
pub fn report_html_with(
    report: &Report,
    svg: &str,
    keyframes: &[Keyframe],
) -> crate::error::Result<String> {
    report_page(report, svg, keyframes, None)
}

/// The page without its keyframe images (a [`KEYFRAME_MARK`] stands for each).
fn page_markup(
    report: &Report,
    svg: &str,
    keyframes: &[Keyframe],
    review: Option<&Review>,
) -> String {
    let r = report;
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(r))
            body {
                main {
                    (header_and_verdict(r))
                    (review_section(review))
                    (summary_section(r))
                    (plot_section(r, svg))
                    (reps_section(r))
                    (flags_section(r, keyframes))
                    (clip_section(r))
                    (protocol_section(r))
                    (closing_sections(r))
                }
                @if review.is_some() {
                    script { (PreEscaped(REVIEW_JS)) }
                }
            }
        }
    }
    .into_string()
}

/// The page; with a `review`, the player of its annotated video comes first. Reads the
/// keyframes' PNG files (see [`write_report_page`] to stream a long clip's page instead).
pub fn report_page(
    report: &Report,
    svg: &str,
    keyframes: &[Keyframe],
    review: Option<&Review>,
) -> crate::error::Result<String> {
    let mut page = Vec::new();
    write_report_page(&mut page, report, svg, keyframes, review)?;
    Ok(String::from_utf8(page).expect("the page is UTF-8"))
}

/// Writes the page to `out`, streaming each keyframe's PNG from its file as base64, so
/// only one image at a time is in memory.
pub fn write_report_page(
    out: &mut dyn std::io::Write,
    report: &Report,
    svg: &str,
    keyframes: &[Keyframe],
    review: Option<&Review>,
) -> crate::error::Result<()> {
    let page = page_markup(report, svg, keyframes, review);
    let io = |e: std::io::Error| {
        crate::error::Error::Other(format!("could not write the report page: {e}"))
    };
    let mut parts = page.split(KEYFRAME_MARK);
    out.write_all(parts.next().unwrap_or_default().as_bytes())
        .map_err(io)?;
    for (k, part) in keyframes.iter().zip(parts.by_ref()) {
        let mut png = std::fs::File::open(&k.png_file).map_err(|e| crate::error::Error::Write {
            path: k.png_file.clone(),
            source: e,
        })?;
        {
            let mut enc = base64::write::EncoderWriter::new(
                &mut *out,
                &base64::engine::general_purpose::STANDARD,
            );
            std::io::copy(&mut png, &mut enc).map_err(io)?;
            enc.finish().map_err(io)?;
        }
        out.write_all(part.as_bytes()).map_err(io)?;
    }
    debug_assert!(parts.next().is_none(), "one keyframe per mark");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn phase_words_are_the_serde_names_in_words() {
        use crate::exercise::Phase;
        for p in [
            Phase::Eccentric,
            Phase::BottomPause,
            Phase::Concentric,
            Phase::TopPause,
        ] {
            let name = serde_json::to_value(p).unwrap();
            assert_eq!(phase_words(p), name.as_str().unwrap().replace('_', " "));
        }
    }

    #[test]
    fn inline_svg_drops_namespace_and_prolog() {
        let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"></svg>\n";
        assert_eq!(inline_svg(svg), "<svg viewBox=\"0 0 1 1\"></svg>");
    }

    #[test]
    fn timeline_cannot_close_its_script() {
        let rv = Review {
            video: "annotated.mp4".into(),
            fps: 30.0,
            frames: vec![(0.0, None, Some("</script><b>"), None)],
            rep_starts: vec![],
        };
        assert!(!rv.timeline_json().contains("</"));
    }
}
