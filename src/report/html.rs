//! `report.html`: one self-contained page (inline CSS, inline SVG plot, no scripts,
//! no network requests) that reads well on a phone and prints well. Every string
//! from the report is HTML-escaped.

use std::fmt::Write as _;

use super::{FlagOut, Report};

/// Escapes text for HTML and SVG (element content and quoted attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

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
ol.flags { padding-left: 1.4em; }
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
@media print {
  body { background: none; font-size: 11pt; }
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

fn badge(s: &str) -> String {
    format!(
        r#"<span class="badge {}">{}</span>"#,
        sev_class(s),
        escape(s)
    )
}

fn fact(s: &mut String, k: &str, v: &str) {
    let _ = writeln!(
        s,
        r#"<li><span class="k">{}</span><span class="v">{}</span></li>"#,
        escape(k),
        escape(v)
    );
}

fn kv(s: &mut String, k: &str, v_html: &str) {
    let _ = writeln!(s, "<dt>{}</dt><dd>{v_html}</dd>", escape(k));
}

fn list(s: &mut String, class: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(s, r#"<ul class="{class}">"#);
    for i in items {
        let _ = writeln!(s, "<li>{}</li>", escape(i));
    }
    let _ = writeln!(s, "</ul>");
}

/// Where a flag applies, in words.
fn flag_where(f: &FlagOut) -> String {
    let mut w = match f.rep {
        Some(r) => format!("Rep {r}"),
        None => "Whole set".into(),
    };
    match (f.start_s, f.end_s) {
        (Some(a), Some(b)) if b > a => {
            let _ = write!(w, ", {a:.1}–{b:.1} s");
        }
        (Some(a), _) => {
            let _ = write!(w, ", {a:.1} s");
        }
        _ => {}
    }
    w
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

/// Renders the report page with the plot `svg` (from [`super::plot::hip_flexion_svg`]).
pub fn report_html(report: &Report, svg: &str) -> String {
    report_html_with(report, svg, &[])
}

/// The frame at the deepest point of a rep, cropped around the person with the
/// skeleton and angle drawn (PNG bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct Keyframe {
    pub rep: usize,
    pub t_s: f64,
    pub hip_deg: Option<f64>,
    pub png: Vec<u8>,
}

/// Standard base64 (for embedding images as data URIs).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(A[(n >> 18) as usize & 63] as char);
        out.push(A[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

fn keyframes_section(s: &mut String, keyframes: &[Keyframe]) {
    if keyframes.is_empty() {
        return;
    }
    let _ = writeln!(s, "<h2>Deepest point of each rep</h2>");
    let _ = writeln!(s, r#"<div class="keyframes">"#);
    for k in keyframes {
        let caption = format!(
            "Rep {} at {:.1} s{}",
            k.rep,
            k.t_s,
            k.hip_deg
                .map(|h| format!(": {h:.0}° hip flexion"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            s,
            r#"<figure class="keyframe"><img alt="{}" src="data:image/png;base64,{}"><figcaption>{}</figcaption></figure>"#,
            escape(&caption),
            base64(&k.png),
            escape(&caption)
        );
    }
    let _ = writeln!(s, "</div>");
}

/// [`report_html`] with the per-rep keyframes embedded as images.
pub fn report_html_with(report: &Report, svg: &str, keyframes: &[Keyframe]) -> String {
    let r = report;
    let c = &r.clip;
    let p = &r.protocol;
    let sm = &r.summary;
    let mut s = String::new();
    let _ = writeln!(s, "<!DOCTYPE html>");
    let _ = writeln!(s, r#"<html lang="en">"#);
    let _ = writeln!(s, "<head>");
    let _ = writeln!(s, r#"<meta charset="utf-8">"#);
    let _ = writeln!(
        s,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    );
    let _ = writeln!(
        s,
        r#"<meta name="generator" content="{} {}">"#,
        escape(&r.tool),
        escape(&r.tool_version)
    );
    let _ = writeln!(
        s,
        "<title>{}</title>",
        escape(&format!("hipflex report — {}", c.file))
    );
    let _ = writeln!(s, "<style>{CSS}</style>");
    let _ = writeln!(s, "</head>");
    let _ = writeln!(s, "<body>");
    let _ = writeln!(s, "<main>");

    // Header and verdict.
    let _ = writeln!(s, "<header>");
    let _ = writeln!(s, "<h1>{}</h1>", escape(&c.file));
    let _ = writeln!(
        s,
        r#"<p class="sub">{} — phase {} ({}) of {} v{}</p>"#,
        escape(&format!(
            "{} ({:.0}% confident)",
            r.exercise.exercise,
            r.exercise.confidence * 100.0
        )),
        p.phase,
        escape(&p.phase_name),
        escape(&p.name),
        escape(&p.version)
    );
    let _ = writeln!(s, "</header>");
    let worst = sev_class(&sm.worst_severity);
    let _ = writeln!(
        s,
        r#"<section class="verdict sev-{worst}" aria-label="Verdict">"#
    );
    let _ = writeln!(
        s,
        "<p>{} <strong>{}</strong></p>",
        badge(&sm.worst_severity),
        escape(&sm.verdict)
    );
    let _ = writeln!(s, "</section>");

    // Set summary.
    let _ = writeln!(s, "<section>");
    let _ = writeln!(s, "<h2>Set summary</h2>");
    let _ = writeln!(s, r#"<ul class="facts">"#);
    fact(&mut s, "Reps counted", &sm.reps_counted.to_string());
    fact(&mut s, "Partial reps", &sm.partial_reps.to_string());
    if sm.holds > 0 {
        fact(&mut s, "Holds", &sm.holds.to_string());
    }
    fact(
        &mut s,
        "Peak loaded hip flexion",
        &deg(sm.peak_hip_flexion_deg),
    );
    fact(
        &mut s,
        "Time above the cap",
        &match sm.time_above_cap_s {
            Some(t) => format!("{t:.1} s"),
            None => "no cap in this phase".into(),
        },
    );
    fact(
        &mut s,
        "Typical tempo (ecc-pause-con-pause)",
        &sm.typical_tempo.clone().unwrap_or_else(|| "–".into()),
    );
    fact(&mut s, "Red flags", &sm.flags_red.to_string());
    fact(&mut s, "Amber flags", &sm.flags_amber.to_string());
    let _ = writeln!(s, "</ul>");
    let _ = writeln!(s, "</section>");

    // Plot.
    let _ = writeln!(s, "<section>");
    let _ = writeln!(s, "<h2>Hip and knee flexion over time</h2>");
    let _ = writeln!(s, "<figure>");
    let _ = writeln!(s, r#"<div class="scroll">"#);
    s.push_str(&inline_svg(svg));
    let _ = writeln!(s);
    let _ = writeln!(s, "</div>");
    let _ = writeln!(
        s,
        r#"<p class="hint">Swipe sideways to see the whole plot.</p>"#
    );
    let _ = writeln!(
        s,
        "<figcaption>{}</figcaption>",
        escape(&format!(
            "Top: trunk–thigh hip flexion ({} angle is the primary one), reps shaded and numbered, flags marked at their time. Bottom: knee flexion.",
            r.angle_source.to_uppercase()
        ))
    );
    let _ = writeln!(s, "</figure>");
    let _ = writeln!(s, "</section>");

    // Reps.
    let _ = writeln!(s, "<section>");
    let _ = writeln!(s, "<h2>Repetitions</h2>");
    if r.reps.is_empty() {
        let _ = writeln!(s, "<p>No repetitions were found.</p>");
    } else {
        let _ = writeln!(s, r#"<div class="scroll">"#);
        let _ = writeln!(s, r#"<table class="reps">"#);
        let _ = writeln!(
            s,
            r#"<thead><tr><th>Rep</th><th class="num">Time (s)</th><th>Tempo</th><th class="num">Peak hip 2D</th><th class="num">Peak hip 3D</th><th class="num">Above cap</th><th>Flags</th></tr></thead>"#
        );
        let _ = writeln!(s, "<tbody>");
        for rep in &r.reps {
            let (label, class) = match rep.number {
                Some(k) if rep.counted => {
                    (k.to_string(), format!("row-{}", sev_class(&rep.severity)))
                }
                _ => ("partial".to_string(), "partial".to_string()),
            };
            let mut flags = if rep.flags.is_empty() {
                "–".to_string()
            } else {
                format!("{} {}", badge(&rep.severity), escape(&rep.flags.join(", ")))
            };
            if rep.uncertain {
                let _ = write!(
                    flags,
                    r#" <span class="badge muted" title="{}">uncertain</span>"#,
                    escape(&rep.uncertain_reasons.join("; "))
                );
            }
            let _ = writeln!(
                s,
                r#"<tr class="{class}"><td>{}</td><td class="num">{:.1}–{:.1}</td><td class="tempo">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{flags}</td></tr>"#,
                escape(&label),
                rep.start_s,
                rep.end_s,
                escape(&rep.tempo),
                deg(rep.peak_hip_flexion_2d_deg),
                deg(rep.peak_hip_flexion_3d_deg),
                secs(rep.time_above_cap_s, 1),
            );
        }
        let _ = writeln!(s, "</tbody>");
        let _ = writeln!(s, "</table>");
        let _ = writeln!(s, "</div>");
        let _ = writeln!(
            s,
            r#"<p class="where">Tempo is eccentric–bottom pause–concentric–top pause in seconds. Partial reps are not counted or numbered.</p>"#
        );
    }
    if !r.holds.is_empty() {
        let _ = writeln!(s, "<h3>Holds</h3>");
        let _ = writeln!(s, r#"<div class="scroll">"#);
        let _ = writeln!(s, r#"<table class="holds">"#);
        let _ = writeln!(
            s,
            r#"<thead><tr><th class="num">Time (s)</th><th class="num">Duration</th><th>Position</th><th>Loaded</th><th class="num">Mean hip</th><th class="num">Drift</th></tr></thead>"#
        );
        let _ = writeln!(s, "<tbody>");
        for h in &r.holds {
            let _ = writeln!(
                s,
                r#"<tr><td class="num">{:.1}–{:.1}</td><td class="num">{:.1} s{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                h.start_s,
                h.end_s,
                h.duration_s,
                if h.truncated { " (cut off)" } else { "" },
                escape(&h.position),
                if h.loaded { "yes" } else { "no" },
                deg(h.hip_mean_deg),
                deg(h.hip_drift_deg),
            );
        }
        let _ = writeln!(s, "</tbody>");
        let _ = writeln!(s, "</table>");
        let _ = writeln!(s, "</div>");
    }
    let _ = writeln!(s, "</section>");

    // Flags.
    let _ = writeln!(s, "<section>");
    keyframes_section(&mut s, keyframes);
    let _ = writeln!(s, "<h2>Flags</h2>");
    if r.flags.is_empty() {
        let _ = writeln!(
            s,
            "<p>No flags: everything measured is within the phase.</p>"
        );
    } else {
        let _ = writeln!(s, r#"<ol class="flags">"#);
        for f in &r.flags {
            let _ = writeln!(
                s,
                r#"<li class="flag-{}">{} <span class="where">{}{}</span><br>{}</li>"#,
                sev_class(&f.severity),
                badge(&f.severity),
                escape(&flag_where(f)),
                if f.uncertain {
                    " · uncertain measurement"
                } else {
                    ""
                },
                escape(&f.message)
            );
        }
        let _ = writeln!(s, "</ol>");
    }
    let _ = writeln!(s, "</section>");

    // Clip, view and exercise.
    let _ = writeln!(s, "<section>");
    let _ = writeln!(s, "<h2>Clip and camera view</h2>");
    let view = format!("{:?}", r.view.verdict).to_lowercase();
    let view_sev = match view.as_str() {
        "good" => "green",
        "oblique" => "amber",
        _ => "red",
    };
    let _ = writeln!(
        s,
        r#"<p>View: <span class="badge {view_sev}">{}</span> — hip angles from {} landmarks.</p>"#,
        escape(&view),
        escape(&r.angle_source.to_uppercase())
    );
    list(&mut s, "reasons", &r.view.reasons);
    let _ = writeln!(s, r#"<dl class="kv">"#);
    kv(&mut s, "File", &escape(&c.file));
    kv(
        &mut s,
        "Duration",
        &escape(&format!(
            "{:.1} s, {} frames ({} with a person)",
            c.duration_s, c.frames, c.frames_with_person
        )),
    );
    kv(
        &mut s,
        "Frame size",
        &escape(&format!(
            "{}×{} (rotated {}°)",
            c.width, c.height, c.rotation_applied_deg
        )),
    );
    let mut fps = format!(
        "{:.1} fps nominal, {:.1} measured",
        c.nominal_fps, c.measured_fps
    );
    if c.variable_frame_rate {
        fps.push_str(", variable frame rate");
    }
    if let Some(cf) = c.capture_fps {
        let _ = write!(
            fps,
            "; slow motion captured at {cf:.0} fps (time ×{:.3})",
            c.time_scale
        );
    }
    kv(&mut s, "Frame rate", &escape(&fps));
    kv(&mut s, "Codec", &escape(&c.codec));
    kv(&mut s, "Pose model", &escape(&c.model));
    kv(
        &mut s,
        "Person",
        &escape(&match c.people_seen {
            Some(k) => format!("{} ({k} seen)", c.person),
            None => c.person.clone(),
        }),
    );
    if let Some(o) = r.view.offset_3d_deg.or(r.view.offset_2d_deg) {
        kv(
            &mut s,
            "Camera off side-on",
            &escape(&format!("about {o:.0}°")),
        );
    }
    let _ = writeln!(s, "</dl>");
    let _ = writeln!(s, "<h3>Exercise</h3>");
    let _ = writeln!(
        s,
        "<p><strong>{}</strong> — {}</p>",
        escape(&r.exercise.exercise.to_string()),
        escape(&if r.exercise.overridden {
            "given on the command line".to_string()
        } else {
            format!("detected, {:.0}% confident", r.exercise.confidence * 100.0)
        })
    );
    list(&mut s, "reasons", &r.exercise.reasons);
    let _ = writeln!(s, "</section>");

    // Protocol.
    let _ = writeln!(s, "<section>");
    let _ = writeln!(s, "<h2>Protocol and phase</h2>");
    let _ = writeln!(s, r#"<dl class="kv">"#);
    kv(
        &mut s,
        "Protocol",
        &escape(&format!("{} v{}", p.name, p.version)),
    );
    kv(&mut s, "Source", &escape(&p.source));
    kv(
        &mut s,
        "Phase",
        &escape(&format!("{} — {}", p.phase, p.phase_name)),
    );
    kv(
        &mut s,
        "Hip flexion cap",
        &escape(&match p.cap_deg {
            Some(cap) => format!("{cap:.0}° under load"),
            None => "none (report only)".into(),
        }),
    );
    if let (Some(cap), Some(b)) = (p.cap_deg, p.amber_band_deg) {
        kv(
            &mut s,
            "Amber band",
            &escape(&format!(
                "{cap:.0}–{:.0}° (+{b:.0}°): amber; above: red",
                cap + b
            )),
        );
    }
    kv(&mut s, "Angle", &escape(&r.angle_definition));
    let _ = writeln!(s, "</dl>");
    let _ = writeln!(s, "</section>");

    if !r.notes.is_empty() {
        let _ = writeln!(s, "<section>");
        let _ = writeln!(s, "<h2>Notes</h2>");
        list(&mut s, "notes", &r.notes);
        let _ = writeln!(s, "</section>");
    }

    let _ = writeln!(s, "<section>");
    let _ = writeln!(s, "<h2>Please read</h2>");
    list(&mut s, "caveats", &r.caveats);
    let _ = writeln!(s, "</section>");

    let _ = writeln!(
        s,
        "<footer>{}</footer>",
        escape(&format!(
            "{} {} — {} v{}. Measurements from video only; not medical advice.",
            r.tool, r.tool_version, r.schema, r.schema_version
        ))
    );
    let _ = writeln!(s, "</main>");
    let _ = writeln!(s, "</body>");
    let _ = writeln!(s, "</html>");
    s
}

#[cfg(test)]
mod keyframe_tests {
    use super::base64;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
        assert_eq!(escape("45° – ok"), "45° – ok");
    }

    #[test]
    fn inline_svg_drops_namespace_and_prolog() {
        let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"></svg>\n";
        assert_eq!(inline_svg(svg), "<svg viewBox=\"0 0 1 1\"></svg>");
    }
}
