//! The rules' docs as text (`hipflex protocol rules`, `hipflex protocol explain CODE`) and as
//! the markdown section of `docs/protocol.md`, all rendered from [`RULES`].

use std::fmt::Write;

use super::{RULES, Rule};

/// Marks the start of the generated section in `docs/protocol.md`.
pub const DOC_BEGIN: &str = "<!-- BEGIN flag rules: generated from src/protocol/rules by `HIPFLEX_UPDATE_DOCS=1 cargo test --release --test protocol_rules_doc`; do not edit -->";
/// Marks the end of the generated section in `docs/protocol.md`.
pub const DOC_END: &str = "<!-- END flag rules -->";

/// One line per rule: code, level, severity range, summary.
pub fn rules_table() -> String {
    let width = RULES
        .iter()
        .map(|r| r.code.as_str().len())
        .max()
        .unwrap_or(0);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:width$}  {:5}  {:22}  summary",
        "code", "level", "severity"
    );
    for r in RULES {
        let _ = writeln!(
            o,
            "{:width$}  {:5}  {:22}  {}",
            r.code.as_str(),
            r.level(),
            r.severity_range(),
            r.summary
        );
    }
    o
}

/// One rule's doc in its fixed sections, as plain text.
pub fn explain(rule: &Rule) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {}-level, {}",
        rule.code,
        rule.level(),
        rule.severity_range()
    );
    let _ = writeln!(o, "{}", rule.summary);
    for (title, text) in [
        ("What it flags", rule.what),
        ("Why it matters for the tendon", rule.why),
    ] {
        let _ = writeln!(o, "\n{title}\n{}", wrapped(text, "  "));
    }
    let _ = writeln!(o, "\nProtocol keys it reads");
    for k in rule.keys {
        let _ = writeln!(o, "  - {k}");
    }
    let _ = writeln!(o, "\nEvidence grade\n{}", wrapped(rule.evidence, "  "));
    o
}

/// The codes, for an error naming an unknown one: "`a`, `b`, ...".
pub fn codes() -> String {
    let codes: Vec<String> = RULES.iter().map(|r| format!("`{}`", r.code)).collect();
    codes.join(", ")
}

/// The generated markdown section, markers included.
pub fn markdown() -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{DOC_BEGIN}");
    let _ = writeln!(o);
    let _ = writeln!(o, "| code | level | severity | summary |");
    let _ = writeln!(o, "|---|---|---|---|");
    for r in RULES {
        let _ = writeln!(
            o,
            "| [`{0}`](#{0}) | {1} | {2} | {3} |",
            r.code,
            r.level(),
            r.severity_range(),
            r.summary
        );
    }
    for r in RULES {
        let _ = writeln!(o);
        let _ = writeln!(o, "#### `{}`", r.code);
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{}-level, {}. {}.",
            capitalised(r.level()),
            r.severity_range(),
            capitalised(r.summary)
        );
        let _ = writeln!(o);
        let _ = writeln!(o, "- *What it flags*: {}", r.what);
        let _ = writeln!(o, "- *Why it matters for the tendon*: {}", r.why);
        let keys: Vec<String> = r.keys.iter().map(|k| format!("`{k}`")).collect();
        let _ = writeln!(o, "- *Protocol keys it reads*: {}", keys.join(", "));
        let _ = writeln!(o, "- *Evidence grade*: {}", r.evidence);
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{DOC_END}");
    o
}

/// `text` in lines of at most 92 characters (long words stay whole), each after `indent`.
fn wrapped(text: &str, indent: &str) -> String {
    let mut lines: Vec<String> = vec![indent.to_string()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if line.len() > indent.len() && line.chars().count() + 1 + word.chars().count() > 92 {
            lines.push(format!("{indent}{word}"));
        } else {
            if line.len() > indent.len() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.join("\n")
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `doc` with its generated section replaced by [`markdown`]; `None` when the markers are missing.
pub fn with_generated_section(doc: &str) -> Option<String> {
    let start = doc.find(DOC_BEGIN)?;
    let end = doc[start..].find(DOC_END)? + start + DOC_END.len();
    let rest = doc[end..].strip_prefix('\n').unwrap_or(&doc[end..]);
    Some(format!("{}{}{rest}", &doc[..start], markdown()))
}

#[cfg(test)]
mod tests {
    use super::super::rule;
    use super::*;
    use crate::protocol::FlagCode;

    #[test]
    fn explain_prints_the_fixed_sections_in_order() {
        let t = explain(rule(FlagCode::EarlyCompression));
        assert!(
            t.starts_with("early_compression: rep-level, amber to red\n"),
            "{t}"
        );
        let at = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(at("What it flags") < at("Why it matters for the tendon"));
        assert!(at("Why it matters") < at("Protocol keys it reads"));
        assert!(at("Protocol keys") < at("Evidence grade"));
        assert!(t.contains("  - phase.cap_deg\n"));
        assert!(t.lines().all(|l| l.chars().count() <= 92), "{t}");
    }

    #[test]
    fn the_table_lists_every_rule_once() {
        let t = rules_table();
        assert_eq!(t.lines().count(), RULES.len() + 1);
        assert!(t.contains("poor_view") && t.contains("amber (quality)"));
    }

    #[test]
    fn the_generated_section_replaces_only_what_is_between_the_markers() {
        let doc = format!("intro\n{DOC_BEGIN}\nOLD SECTION\n{DOC_END}\nafter\n");
        let new = with_generated_section(&doc).unwrap();
        assert!(new.starts_with("intro\n") && new.ends_with(&format!("{DOC_END}\nafter\n")));
        assert!(!new.contains("OLD SECTION") && new.contains("#### `hold_drift`"));
        assert_eq!(with_generated_section(&new).unwrap(), new);
        assert!(with_generated_section("no markers").is_none());
    }
}
