//! Golden files for the plot SVG and the report page, from the synthetic deadlift set
//! of `report_html.rs` (no video): the markup is compared as a stream of tags,
//! attributes and text (whitespace between tags dropped, entities decoded), so the
//! pictures and words stay the same whichever way the markup is produced. Set
//! `HIPFLEX_UPDATE_GOLDEN=1` to rewrite the files after an intended change, and review
//! the diff.

mod analysis_support;
mod common;

use std::path::Path;

use analysis_support::*;
use hipflex::analyze::{AnalyzeOptions, analyze_frames};
use hipflex::exercise::AnalysisConfig;
use hipflex::protocol::Protocol;
use hipflex::report::html::report_html;
use hipflex::report::plot::hip_flexion_svg;

fn analyse() -> (hipflex::report::Report, hipflex::exercise::Analysis) {
    let mut segs = vec![(1.0, 0.0)];
    for _ in 0..3 {
        segs.extend([(2.0, 80.0), (0.5, 80.0), (1.5, 0.0), (1.0, 0.0)]);
    }
    let frames = clip(30.0, total(&segs), &Render::default(), |t| {
        Body::standing(piecewise(0.0, &segs, t), 5.0, 15.0)
    });
    let prov = common::synthetic_provenance("deadlift.mp4", 1280, 1080, frames.len());
    let opts = AnalyzeOptions {
        phase: 2,
        protocol: Protocol::default_pht(),
        protocol_source: "built-in pht-default".into(),
        config: AnalysisConfig::default(),
        exercise: None,
    };
    analyze_frames(&prov, &frames, &opts).unwrap()
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// One line per tag (`<name attr="value" ...>` / `</name>`) and per non-blank text run.
fn tokens(doc: &str) -> String {
    let mut out = String::new();
    let mut rest = doc;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => {
                let end = rest.find('>').expect("unclosed tag") + 1;
                let tag = &rest[..end];
                let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
                out.push_str(&decode(&tag.replace(" />", "/>")));
                out.push('\n');
                rest = &rest[end..];
            }
            Some(i) => {
                let text = rest[..i].trim();
                if !text.is_empty() {
                    out.push_str(&decode(
                        &text.split_whitespace().collect::<Vec<_>>().join(" "),
                    ));
                    out.push('\n');
                }
                rest = &rest[i..];
            }
            None => {
                let text = rest.trim();
                if !text.is_empty() {
                    out.push_str(&decode(text));
                    out.push('\n');
                }
                break;
            }
        }
    }
    collapse_empty(&out)
}

/// `<x ...>` directly followed by `</x>` is the same element as `<x .../>`.
fn collapse_empty(stream: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for l in stream.lines() {
        if let (Some(name), Some(prev)) = (l.strip_prefix("</"), lines.last()) {
            let name = name.trim_end_matches('>');
            let opens = prev.starts_with(&format!("<{name} ")) || prev == &format!("<{name}>");
            if opens && !prev.ends_with("/>") {
                let open = lines.pop().unwrap();
                lines.push(format!("{}/>", open.trim_end_matches('>')));
                continue;
            }
        }
        lines.push(l.to_string());
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn check(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/report_golden")
        .join(name);
    if std::env::var_os("HIPFLEX_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (HIPFLEX_UPDATE_GOLDEN=1 writes it)",
            path.display()
        )
    });
    let want = collapse_empty(&want);
    if want != got {
        let first = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(got.lines().count()));
        panic!(
            "{name} differs from its golden file at token {first}:\n  want: {:?}\n  got:  {:?}",
            want.lines().nth(first),
            got.lines().nth(first)
        );
    }
}

#[test]
fn plot_svg_matches_its_golden_file() {
    let (report, analysis) = analyse();
    check(
        "plot.svg.tokens",
        &tokens(&hip_flexion_svg(&report, &analysis)),
    );
}

#[test]
fn report_page_matches_its_golden_file() {
    let (report, analysis) = analyse();
    let svg = hip_flexion_svg(&report, &analysis);
    // The CSS is compared as text too, so a change of the print layout shows up here.
    check("report.html.tokens", &tokens(&report_html(&report, &svg)));
}

/// The terminal summary says whom hipflex followed when several people were in view,
/// and how to choose another; with one person it says nothing of it.
#[test]
fn terminal_summary_says_whom_it_followed_among_several_people() {
    let (mut report, _) = analyse();
    let one = hipflex::report::terminal::render(&report, false);
    assert!(!one.contains("people were in view"), "{one}");
    report.clip.people_seen = Some(2);
    let two = hipflex::report::terminal::render(&report, false);
    assert!(
        two.contains("2 people were in view; hipflex followed the one chosen by --person")
            && two.contains("--person left, right or largest"),
        "{two}"
    );
}

/// A movement not counted as a rep whose loaded hip flexion went beyond the cap raises the
/// set's `uncounted_compression` flag (amber): the other flags judge counted reps only.
#[test]
fn uncounted_movements_beyond_the_cap_are_flagged() {
    let (report, mut analysis) = analyse();
    let flags = |a: &hipflex::exercise::Analysis| {
        let set = hipflex::analyze::measurement(a);
        hipflex::protocol::evaluate(&Protocol::default_pht(), 2, &set)
            .unwrap()
            .flags
            .into_iter()
            .filter(|f| f.code.as_str() == "uncounted_compression")
            .collect::<Vec<_>>()
    };
    assert!(flags(&analysis).is_empty());
    // With no rep counted, the time above the cap is 0 s, not "-0.0 s" (an empty float sum).
    let mut none_counted = analysis.clone();
    for r in &mut none_counted.reps {
        r.counted = false;
    }
    none_counted.holds.clear();
    let summary = hipflex::report::build(
        report.clip.clone(),
        &none_counted,
        report.protocol.clone(),
        Vec::new(),
        Vec::new(),
    )
    .summary;
    let t = summary.time_above_cap_s.unwrap();
    assert!(t == 0.0 && t.is_sign_positive(), "{t:?}");
    let last = analysis.reps.iter_mut().rfind(|r| r.counted).unwrap();
    last.counted = false;
    last.number = None;
    let (start, end) = (last.start_s, last.end_s);
    let peak = last.loaded_peak().unwrap().0;
    assert!(peak > 45.0, "the synthetic set goes to 80 deg: {peak}");
    let f = flags(&analysis);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity.name(), "amber");
    assert!(
        f[0].message.starts_with(&format!(
            "1 movement(s) not counted as reps went beyond the 45° cap of phase 2 under load (deepest {peak:.0}°, at {start:.1}-{end:.1} s)"
        )),
        "{}",
        f[0].message
    );
}

/// A squat is recognised as none of the three exercises: no rep is counted, and the
/// verdict says why and still points at the amber flag its deep loaded movements raise.
#[test]
fn a_squat_set_has_no_reps_and_its_verdict_says_why_and_what_to_review() {
    let mut segs = vec![(1.0, 0.0)];
    for _ in 0..3 {
        segs.extend([(1.5, 1.0), (0.3, 1.0), (1.2, 0.0), (0.8, 0.0)]);
    }
    let frames = clip(30.0, total(&segs), &Render::default(), |t| {
        let s = piecewise(0.0, &segs, t);
        Body::standing(125.0 * s, 90.0 * s, 115.0 * s)
    });
    let prov = common::synthetic_provenance("squat.mp4", 1280, 1080, frames.len());
    let opts = AnalyzeOptions {
        phase: 2,
        protocol: Protocol::default_pht(),
        protocol_source: "built-in pht-default".into(),
        config: AnalysisConfig::default(),
        exercise: None,
    };
    let (report, analysis) = analyze_frames(&prov, &frames, &opts).unwrap();
    assert_eq!(analysis.rep_count, 0);
    assert!(analysis.reps.len() >= 3, "the movements are listed");
    let codes: Vec<&str> = report.flags.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["uncounted_compression"], "{codes:?}");
    let verdict = &report.summary.verdict;
    assert!(
        verdict.starts_with("No repetitions: the movement is a squat or lunge: at the bottom"),
        "{verdict}"
    );
    assert!(
        verdict
            .ends_with("1 flag(s) to review — movements not counted as reps went beyond the cap."),
        "{verdict}"
    );
}

/// Every key `report.json` can hold names a documented field of `docs/report-schema.md`,
/// and every flag code is listed there: the file keeps only what it documents (issue 12).
/// The report of the deadlift set above is given a camera change, a rear share, a
/// cross-check model and a hold, the fields written only when a clip has them.
#[test]
fn every_report_json_key_and_flag_code_is_documented() {
    let (mut report, _) = analyse();
    report.view.parts.push(hipflex::kinematics::ViewPart {
        start_s: 0.0,
        end_s: 1.0,
        angle: hipflex::kinematics::ViewAngle::Side,
        offset_deg: 5.0,
    });
    report.view.rear_fraction = Some(0.5);
    report.clip.cross_check_model = Some("lite".into());
    report.holds.push(hipflex::report::HoldOut {
        start_s: 1.0,
        end_s: 4.0,
        duration_s: 3.0,
        position: "top".into(),
        loaded: true,
        hip_mean_deg: Some(10.0),
        hip_drift_deg: Some(1.0),
        truncated: false,
    });
    let value = serde_json::to_value(&report).unwrap();
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-schema.md"),
    )
    .unwrap();
    fn keys(v: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    out.push((k.clone(), format!("{path}.{k}")));
                    keys(x, &format!("{path}.{k}"), out);
                }
            }
            serde_json::Value::Array(a) => {
                for x in a {
                    keys(x, &format!("{path}[]"), out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    keys(&value, "", &mut found);
    assert!(found.len() > 80, "{} keys", found.len());
    let mut missing: Vec<String> = found
        .into_iter()
        .filter(|(k, _)| !doc.contains(&format!("`{k}`")))
        .map(|(_, p)| p)
        .collect();
    missing.dedup();
    for code in hipflex::protocol::FlagCode::ALL {
        if !doc.contains(&format!("`{}`", code.as_str())) {
            missing.push(format!("flag code {}", code.as_str()));
        }
    }
    assert!(
        missing.is_empty(),
        "report.json fields not in docs/report-schema.md: {missing:?}"
    );
}
