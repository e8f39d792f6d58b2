//! The flag rules' docs: `docs/protocol.md`'s rule section is generated from the rule table
//! and must be up to date; `hipflex protocol rules` and `protocol explain CODE` are pinned by
//! golden files.
//! Regenerate the doc section with
//! `HIPFLEX_UPDATE_DOCS=1 cargo test --release --test protocol_rules_doc`, the golden files with
//! `UPDATE_GOLDEN=1 cargo test --release --test protocol_rules_doc`, and review the diff.

use std::path::PathBuf;

use assert_cmd::Command;
use hipflex::protocol::rules::docs;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden(name: &str, actual: &str) {
    let path = root().join("tests/protocol_golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "{} differs (UPDATE_GOLDEN=1 to accept):\n{actual}",
        path.display()
    );
}

fn hipflex(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("hipflex")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn docs_protocol_md_rule_section_is_up_to_date() {
    let path = root().join("docs/protocol.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let fresh = docs::with_generated_section(&doc).unwrap_or_else(|| {
        panic!(
            "{} has no generated rule section: add the lines\n{}\n{}\nand run HIPFLEX_UPDATE_DOCS=1 cargo test --release --test protocol_rules_doc",
            path.display(),
            docs::DOC_BEGIN,
            docs::DOC_END
        )
    });
    if std::env::var_os("HIPFLEX_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    assert!(
        doc == fresh,
        "{} is out of date with the flag rules in src/protocol/rules: regenerate it with\n  HIPFLEX_UPDATE_DOCS=1 cargo test --release --test protocol_rules_doc\nand commit the result",
        path.display()
    );
}

#[test]
fn protocol_rules_lists_every_rule() {
    let (code, out, err) = hipflex(&["protocol", "rules"]);
    assert_eq!(code, Some(0), "{err}");
    golden("rules.txt", &out);
    for r in hipflex::protocol::RULES {
        assert!(out.contains(r.code.as_str()) && out.contains(r.summary));
    }
}

#[test]
fn protocol_explain_prints_one_rule() {
    let (code, out, err) = hipflex(&["protocol", "explain", "early_compression"]);
    assert_eq!(code, Some(0), "{err}");
    golden("explain_early_compression.txt", &out);
    let (code, out, _) = hipflex(&["protocol", "explain", "low_confidence"]);
    assert_eq!(code, Some(0));
    golden("explain_low_confidence.txt", &out);
}

#[test]
fn protocol_explain_an_unknown_code_fails_and_lists_the_codes() {
    let (code, out, err) = hipflex(&["protocol", "explain", "early_compresion"]);
    assert_eq!(code, Some(2));
    assert!(out.is_empty(), "{out}");
    assert!(
        err.starts_with("error: `early_compresion` is not a hipflex flag rule"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    for r in hipflex::protocol::RULES {
        assert!(err.contains(&format!("`{}`", r.code)), "{err}");
    }
    assert!(err.contains("hipflex protocol rules"), "{err}");
}
