//! The hip-flexion SVG plot and the self-contained HTML report, built from a synthetic
//! deadlift set (no video): structure, self-containment and escaping.

mod analysis_support;
mod common;

use analysis_support::*;
use hipflex::analyze::{AnalyzeOptions, analyze_frames};
use hipflex::exercise::{Analysis, AnalysisConfig};
use hipflex::landmarks_file::{LandmarksHeader, LandmarksWriter};
use hipflex::models::ModelSize;
use hipflex::pose::PoseFrame;
use hipflex::protocol::Protocol;
use hipflex::report::Report;
use hipflex::report::html::report_html;
use hipflex::report::plot::{self, hip_flexion_svg};
use hipflex::video::VideoInfo;

/// Hinge set: (duration, hip flexion) segments.
fn hinge_segments(reps: usize, depth: f64) -> Vec<(f64, f64)> {
    let mut s = vec![(1.0, 0.0)];
    for _ in 0..reps {
        s.extend([(2.0, depth), (0.5, depth), (1.5, 0.0), (1.0, 0.0)]);
    }
    s
}

fn deadlift_frames() -> Vec<PoseFrame> {
    let segs = hinge_segments(3, 80.0);
    clip(30.0, total(&segs), &Render::default(), |t| {
        Body::standing(piecewise(0.0, &segs, t), 5.0, 15.0)
    })
}

// 1080 high: the synthetic figure stands with its feet near y = 760 px, so a 720-high
// frame would cut them off (and the view would rightly be poor).
fn video_info(file: &str, frames: usize) -> VideoInfo {
    common::synthetic_provenance(file, 1280, 1080, frames).video
}

fn analyse(file: &str, phase: u8) -> (Report, Analysis) {
    let frames = deadlift_frames();
    let prov = common::synthetic_provenance(file, 1280, 1080, frames.len());
    let opts = AnalyzeOptions {
        phase,
        protocol: Protocol::default_pht(),
        protocol_source: "built-in pht-default".into(),
        config: AnalysisConfig::default(),
        exercise: None,
    };
    analyze_frames(&prov, &frames, &opts).unwrap()
}

/// HTML escaping as the page's templates (maud) do it.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const VOID: [&str; 6] = ["meta", "br", "hr", "img", "input", "link"];

/// Checks that every element is closed, in order (a small stack-based tag checker for
/// the markup hipflex writes). Returns the element names seen, in order.
fn balanced(doc: &str) -> Result<Vec<String>, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("<!--") {
            let e = r.find("-->").ok_or("unclosed comment")?;
            rest = &r[e + 3..];
            continue;
        }
        let end = rest.find('>').ok_or("unclosed tag")?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            return Err(format!("bad tag <{tag}>"));
        }
        seen.push(name.clone());
        if tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "style" {
            let e = rest.find("</style>").ok_or("unclosed style")?;
            rest = &rest[e + "</style>".len()..];
            continue;
        }
        stack.push(name);
    }
    if stack.is_empty() {
        Ok(seen)
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn svg_structure_reps_cap_and_axes() {
    let (report, analysis) = analyse("deadlift.mp4", 2);
    assert_eq!(report.summary.reps_counted, 3);
    assert_eq!(report.protocol.cap_deg, Some(45.0));
    let svg = hip_flexion_svg(&report, &analysis);
    balanced(&svg).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    // One shaded region per rep (counted or partial) in each panel, counted reps numbered.
    assert_eq!(count(&svg, r#"class="rep-band""#), report.reps.len());
    assert_eq!(count(&svg, r#"class="rep-band-knee""#), report.reps.len());
    assert_eq!(count(&svg, r#"class="rep-label""#), report.reps.len());
    for k in 1..=3 {
        assert!(
            svg.contains(&format!(r#"font-weight="bold">{k}</text>"#)),
            "rep {k}"
        );
    }
    // Cap line, amber band and red zone once each.
    assert_eq!(count(&svg, r#"class="cap-line""#), 1);
    assert_eq!(count(&svg, r#"class="amber-band""#), 1);
    assert_eq!(count(&svg, r#"class="red-zone""#), 1);
    assert!(svg.contains("cap 45°"));
    // Filtered 2D and 3D hip lines, the knee line, raw points.
    for c in [
        "line hip-2d",
        "line hip-3d",
        "line knee",
        "raw raw-2d",
        "raw raw-knee",
    ] {
        assert_eq!(count(&svg, &format!(r#"class="{c}""#)), 1, "{c}");
    }
    // Titles and axis labels with units.
    for t in [
        plot::TITLE,
        plot::HIP_AXIS,
        plot::KNEE_AXIS,
        plot::TIME_AXIS,
    ] {
        assert!(svg.contains(&format!(">{}</text>", escape(t))), "{t}");
    }
    assert!(svg.contains(r#"class="legend""#));
    // Every flag with a time (or a rep) is marked, coloured by severity.
    let timed = report
        .flags
        .iter()
        .filter(|f| f.start_s.is_some() || f.rep.is_some())
        .count();
    assert!(timed > 0, "{:?}", report.flags);
    assert_eq!(count(&svg, r#"<g class="flag flag-"#), timed);
    assert!(report.flags.iter().any(|f| f.severity == "red"));
    assert!(svg.contains(r#"class="flag flag-red""#));
    // Deterministic.
    assert_eq!(svg, hip_flexion_svg(&report, &analysis));
}

#[test]
fn svg_without_cap_has_no_cap_line() {
    let (report, analysis) = analyse("deadlift.mp4", 4);
    assert_eq!(report.protocol.cap_deg, None);
    let svg = hip_flexion_svg(&report, &analysis);
    balanced(&svg).unwrap();
    for c in ["cap-line", "amber-band", "red-zone"] {
        assert!(!svg.contains(&format!(r#"class="{c}""#)), "{c}");
    }
    assert!(svg.contains("no angle cap (report only)"));
    assert_eq!(count(&svg, r#"class="rep-band""#), report.reps.len());
    let html = report_html(&report, &svg);
    assert!(html.contains("none (report only)"));
}

#[test]
fn html_is_self_contained_and_well_formed() {
    let (report, analysis) = analyse("deadlift.mp4", 2);
    let svg = hip_flexion_svg(&report, &analysis);
    let html = report_html(&report, &svg);
    assert!(html.starts_with("<!DOCTYPE html>"));
    let tags = balanced(&html).unwrap();
    for t in [
        "html", "head", "body", "main", "style", "section", "table", "thead", "tbody", "tr", "th",
        "td", "svg", "figure", "ol", "ul", "li",
    ] {
        assert!(tags.iter().any(|x| x == t), "no <{t}>");
    }
    // No network: no URLs, no external resources, no scripts.
    for bad in [
        "http://", "https://", "src=", "href=", "<link", "<script", "@import", "<img", "//cdn",
    ] {
        assert!(!html.contains(bad), "found {bad}");
    }
    // Only local fragment references (the SVG clip paths).
    assert_eq!(count(&html, "url("), count(&html, "url(#"));
    // Phone and print.
    assert!(
        html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    assert!(html.contains(r#"<meta charset="utf-8">"#));
    assert!(html.contains("@media print"));
    assert!(html.contains("break-inside: avoid"));
    assert!(html.contains("overflow-x: auto"));
    assert!(html.contains("max-width:"));
    // Exactly one inline plot.
    assert_eq!(count(&html, "<svg"), 1);
    assert_eq!(count(&html, r#"class="rep-band""#), report.reps.len());
}

#[test]
fn html_has_every_rep_flag_caveat_and_protocol() {
    let (report, analysis) = analyse("deadlift.mp4", 2);
    let html = report_html(&report, &hip_flexion_svg(&report, &analysis));
    // The verdict, coloured by the worst severity.
    assert_eq!(report.summary.worst_severity, "red");
    assert!(html.contains(r#"class="verdict sev-red""#));
    assert!(html.contains(&escape(&report.summary.verdict)));
    // One table row per rep, numbered; partial reps marked.
    let rows = html
        .split(r#"<table class="reps">"#)
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    assert_eq!(count(rows, "<tr class="), report.reps.len());
    for r in &report.reps {
        let label = match r.number {
            Some(k) => k.to_string(),
            None => "partial".into(),
        };
        assert!(rows.contains(&format!("<td>{label}</td>")), "rep {label}");
        assert!(rows.contains(&escape(&r.tempo)));
        if let Some(p) = r.peak_hip_flexion_2d_deg {
            assert!(rows.contains(&format!("{p:.0}°")));
        }
    }
    // Every flag explained with its message, escaped.
    assert!(!report.flags.is_empty());
    for f in &report.flags {
        assert!(html.contains(&escape(&f.message)), "{}", f.message);
    }
    assert_eq!(count(&html, "<li class=\"flag-"), report.flags.len());
    // Caveats, protocol and phase, clip facts, view verdict, exercise.
    for c in &report.caveats {
        assert!(html.contains(&escape(c)), "{c}");
    }
    let p = &report.protocol;
    assert!(html.contains(&escape(&format!("{} v{}", p.name, p.version))));
    assert!(html.contains(&escape(&format!("{} — {}", p.phase, p.phase_name))));
    assert!(html.contains("45° under load"));
    assert!(html.contains("45–55° (+10°)"));
    assert!(html.contains("deadlift.mp4"));
    assert!(html.contains("1280×1080"));
    assert!(html.contains(r#"<span class="badge green">good</span>"#));
    assert!(html.contains("<strong>deadlift</strong>"));
    for reason in &report.view.reasons {
        assert!(html.contains(&escape(reason)));
    }
}

#[test]
fn html_escapes_every_report_string() {
    // A file name cannot hold `/`, so the analysed name has no closing tag; the report's
    // string is then set directly to the worst case.
    let (mut report, analysis) = analyse("<script>x.mp4", 2);
    assert_eq!(report.clip.file, "<script>x.mp4");
    report.clip.file = "<script>alert('x')</script>.mp4".into();
    report.flags[0].message = "peak <b>80°</b> & \"more\"".into();
    report
        .notes
        .push("note <img src=x onerror=alert(1)>".into());
    report.protocol.phase_name = "phase </td></tr></table>".into();
    let svg = hip_flexion_svg(&report, &analysis);
    balanced(&svg).unwrap();
    let html = report_html(&report, &svg);
    balanced(&html).unwrap();
    assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt;.mp4"));
    assert!(html.contains("peak &lt;b&gt;80°&lt;/b&gt; &amp; &quot;more&quot;"));
    assert!(html.contains("note &lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("<b>"));
    assert!(!html.contains("<img"));
    assert!(svg.contains("phase &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;"));
}

#[test]
fn analyze_writes_svg_and_html_from_landmarks() {
    let tmp = tempfile::tempdir().unwrap();
    let frames = deadlift_frames();
    let lm = tmp.path().join("landmarks.json");
    let header = LandmarksHeader::new(
        video_info("synthetic_deadlift.mp4", frames.len()),
        ModelSize::Full,
        false,
    );
    let mut w = LandmarksWriter::create(&lm, &header, false).unwrap();
    for f in &frames {
        w.write_frame(f).unwrap();
    }
    w.finish().unwrap();
    let out = tmp.path().join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_hipflex"))
        .arg("analyze")
        .arg("--from-landmarks")
        .arg(&lm)
        .args(["--phase", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let svg = std::fs::read_to_string(out.join("hip_flexion.svg")).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    balanced(&svg).unwrap();
    balanced(&html).unwrap();
    assert!(svg.starts_with("<svg xmlns="));
    assert_eq!(count(&html, "<svg"), 1);
    assert!(!html.contains("http"));
    assert!(html.contains("synthetic_deadlift.mp4"));
    // Both count as outputs: a second run refuses to overwrite them without --force.
    std::fs::remove_file(out.join("report.json")).unwrap();
    std::fs::remove_file(out.join("reps.csv")).unwrap();
    std::fs::remove_file(out.join("frames.csv")).unwrap();
    std::fs::remove_file(out.join("hip_flexion.svg")).unwrap();
    std::fs::remove_file(out.join("hip_flexion.png")).unwrap();
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_hipflex"))
        .arg("analyze")
        .arg("--from-landmarks")
        .arg(&lm)
        .args(["--phase", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("report.html"),
        "{again:?}"
    );
}

#[test]
fn png_plot_is_the_svg_drawn_with_its_text() {
    let (report, analysis) = analyse("deadlift.mp4", 2);
    let svg = hip_flexion_svg(&report, &analysis);
    let png = plot::svg_to_png(&svg, 2.0).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    let width: u32 = svg
        .split("width=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(img.width(), 2 * width);
    // The title is dark text in the top band: drawn only when fonts were found.
    let dark = (0..img.width())
        .flat_map(|x| (0..80).map(move |y| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 90))
        .count();
    assert!(
        dark > 500,
        "the plot's title did not render: {dark} dark pixels"
    );
}

/// A long set (60 reps in about 5 minutes at phase 1, so every rep is flagged): the
/// plot numbers only the reps whose labels do not overlap their neighbour's, keeps every
/// rep's band, and stacks flag markers at most four deep instead of far above the plot.
#[test]
fn a_long_set_draws_numbers_that_do_not_overlap_and_flags_four_deep() {
    let segs = hinge_segments(60, 80.0);
    let frames = clip(30.0, total(&segs), &Render::default(), |t| {
        Body::standing(piecewise(0.0, &segs, t), 5.0, 15.0)
    });
    let prov = common::synthetic_provenance("long.mp4", 1280, 1080, frames.len());
    let opts = AnalyzeOptions {
        phase: 1,
        protocol: Protocol::default_pht(),
        protocol_source: "built-in pht-default".into(),
        config: AnalysisConfig::default(),
        exercise: None,
    };
    let (report, analysis) = analyze_frames(&prov, &frames, &opts).unwrap();
    let counted = report.reps.iter().filter(|r| r.counted).count();
    assert!(counted >= 55, "{counted} reps counted");
    assert!(report.flags.len() > 40, "{} flags", report.flags.len());
    let svg = hip_flexion_svg(&report, &analysis);
    // Every rep keeps its band (rect with a tooltip).
    assert_eq!(svg.matches("class=\"rep-band\"").count(), report.reps.len());
    // Labels: fewer than the reps, and no two closer than two digits' width.
    // (centre x, characters) of each rep number drawn.
    let labels: Vec<(f64, usize)> = svg
        .match_indices("class=\"rep-label\"")
        .map(|(i, _)| {
            let before = svg[..i].rsplit("<text x=\"").next().unwrap();
            let x = before.split('"').next().unwrap().parse().unwrap();
            let text = svg[i..]
                .split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap();
            (x, text.trim().chars().count())
        })
        .collect();
    assert!(
        !labels.is_empty() && labels.len() < report.reps.len(),
        "{} labels",
        labels.len()
    );
    // A bold 12-13 px digit is about 8 px wide; labels keep 3 px either side.
    let half = |chars: usize| (8.0 * chars as f64 + 6.0) / 2.0;
    for w in labels.windows(2) {
        let ((a, na), (b, nb)) = (w[0], w[1]);
        assert!(
            b - a >= half(na) + half(nb) - 1e-9,
            "labels at {a} and {b} overlap"
        );
    }
    // Flags: every flag has its marker; none above the fourth lane.
    // The flags layer comes after the legend (whose flag symbol is the same triangle).
    let flags = &svg[svg.find("class=\"flags\"").unwrap()..];
    let markers: Vec<f64> = flags
        .match_indices("l-7 12h14z")
        .map(|(i, _)| {
            let d = flags[..i].rsplit("d=\"M").next().unwrap();
            d.split(' ').nth(1).unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(markers.len(), flags.matches("data-flag=").count());
    assert_eq!(markers.len(), report.flags.len());
    let lowest_top = markers.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let highest_top = markers.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(
        lowest_top - highest_top <= 3.0 * 16.0 + 1e-9,
        "markers span {} px: more than four lanes",
        lowest_top - highest_top
    );
}

/// Each rep's tempo carries how far its phase times may be off, in the JSON, the CSV and
/// beside the tempo on the page.
#[test]
fn the_phase_uncertainty_is_reported_with_the_tempo() {
    let (report, analysis) = analyse("deadlift.mp4", 2);
    let (k, rep) = report
        .reps
        .iter()
        .enumerate()
        .find(|(_, r)| r.counted)
        .unwrap();
    let u = rep
        .phase_uncertainty_s
        .expect("a fitted rep has a phase uncertainty");
    assert!((0.0..0.25).contains(&u), "{u} s on a clean synthetic set");
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert!(json["reps"][k]["phase_uncertainty_s"].is_f64());
    let csv = hipflex::report::csv::reps_csv(&report);
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains(",phase_uncertainty_s,")
    );
    let html = report_html(&report, &hip_flexion_svg(&report, &analysis));
    assert!(
        html.contains(&format!("{} ±{u:.2} s", rep.tempo)),
        "the tempo cell shows the uncertainty"
    );
}
