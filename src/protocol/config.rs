//! The protocol file: parsing, validation and the effective rules for one phase and exercise.

use std::fmt;
use std::path::Path;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::common::Exercise;
use crate::error::{Error, Result};

/// The only `schema_version` this build understands.
pub const SCHEMA_VERSION: u32 = 1;

/// The default PHT protocol, embedded in the binary.
pub const DEFAULT_PHT_TOML: &str = include_str!("../../protocols/pht-default.toml");

/// Where the embedded default is said to come from in error messages.
pub const DEFAULT_PHT_ORIGIN: &str = "built-in protocols/pht-default.toml";

/// A number, or `"none"` in the file: the rule is off.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Limit {
    #[default]
    Off,
    Value(f64),
}

impl Limit {
    pub fn value(self) -> Option<f64> {
        match self {
            Limit::Off => None,
            Limit::Value(v) => Some(v),
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Off => f.write_str("none"),
            Limit::Value(v) => write!(f, "{v}"),
        }
    }
}

impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Limit::Off => s.serialize_str("none"),
            Limit::Value(v) => s.serialize_f64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Limit;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or the string \"none\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Limit, E> {
                Ok(Limit::Value(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Limit, E> {
                Ok(Limit::Value(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Limit, E> {
                Ok(Limit::Value(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Limit, E> {
                if v == "none" {
                    Ok(Limit::Off)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Evidence grade of a source, as in `shared/design/clinical.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grade {
    /// Measured in a study.
    E,
    /// Expert review or survey.
    X,
    /// Clinical convention (handouts, no primary data).
    C,
    /// hipflex proposal.
    P,
}

impl Grade {
    pub fn describe(self) -> &'static str {
        match self {
            Grade::E => "measured in a study",
            Grade::X => "expert review or survey",
            Grade::C => "clinical convention, no primary data",
            Grade::P => "hipflex proposal",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Grade::E => "E",
            Grade::X => "X",
            Grade::C => "C",
            Grade::P => "P",
        };
        f.write_str(s)
    }
}

/// Where a family of numbers comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub grade: Grade,
    pub text: String,
}

/// Sources per rule family. Each is optional; `protocol show` says when one is missing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    #[serde(default)]
    pub caps: Option<Source>,
    #[serde(default)]
    pub amber_band: Option<Source>,
    #[serde(default)]
    pub tempo: Option<Source>,
    #[serde(default)]
    pub pause: Option<Source>,
    #[serde(default)]
    pub holds: Option<Source>,
    #[serde(default)]
    pub nordic_hip_pike: Option<Source>,
    #[serde(default)]
    pub nordic_break_point: Option<Source>,
    #[serde(default)]
    pub bridge_top: Option<Source>,
    #[serde(default)]
    pub confidence: Option<Source>,
    #[serde(default)]
    pub pain: Option<Source>,
}

/// Measurement-trust settings shared by every phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// Cap to cap + this is amber; beyond is red. 0 = everything beyond the cap is red.
    pub amber_band_deg: f64,
    /// A rep with confidence below this is flagged `low_confidence`.
    pub min_rep_confidence: f64,
    /// `poor_view` fires when more than this fraction of frames is low confidence.
    pub max_low_confidence_fraction: f64,
    /// Below this exercise-recognition confidence the set is evaluated as `unknown`.
    pub min_exercise_confidence: f64,
    /// Knee-extension velocity defining the Nordic break point (for the measurement stage).
    pub nordic_break_point_deg_per_s: f64,
}

/// The range a bridge's top (most extended) angle should reach.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeTop {
    /// Below this: `over_extension` (arching).
    pub min_deg: f64,
    /// Above this: `incomplete_extension`.
    pub max_deg: f64,
}

/// Per-exercise overrides inside one phase. A key left out uses the phase's value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_deg: Option<Limit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eccentric_min_s: Option<Limit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concentric_min_s: Option<Limit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bottom_pause_s: Option<Limit>,
    /// Nordic only: hip flexion limit during the Nordic. Left out or "none" = the phase cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hip_pike_limit_deg: Option<Limit>,
}

/// One rehab phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub number: u8,
    pub name: String,
    #[serde(default)]
    pub goal: String,
    /// Loaded hip-flexion cap in degrees, or "none". Required so that no cap is never an accident.
    pub cap_deg: Limit,
    /// Report angles and timing only: no load or technique flags.
    #[serde(default)]
    pub report_only: bool,
    #[serde(default)]
    pub eccentric_min_s: Limit,
    #[serde(default)]
    pub concentric_min_s: Limit,
    #[serde(default)]
    pub max_bottom_pause_s: Limit,
    #[serde(default)]
    pub hold_min_s: Limit,
    /// Shown in `protocol show` and in sentences; not itself flagged.
    #[serde(default)]
    pub hold_target_s: Limit,
    #[serde(default)]
    pub hold_max_drift_deg: Limit,
    #[serde(default)]
    pub bridge: ExerciseOverride,
    #[serde(default)]
    pub nordic: ExerciseOverride,
    #[serde(default)]
    pub deadlift: ExerciseOverride,
}

impl Phase {
    pub fn override_for(&self, exercise: Exercise) -> Option<&ExerciseOverride> {
        match exercise {
            Exercise::Bridge => Some(&self.bridge),
            Exercise::Nordic => Some(&self.nordic),
            Exercise::Deadlift => Some(&self.deadlift),
            Exercise::Unknown => None,
        }
    }
}

/// Acceptable pain when a protocol file leaves `pain_acceptable_max` out: the
/// pain-monitoring model's 3/10 (Goom et al. 2016).
fn default_pain_acceptable_max() -> f64 {
    3.0
}

/// A complete, validated rehab protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub schema_version: u32,
    pub protocol_version: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Pain (0-10, during or after the set) up to which a session is acceptable, if it
    /// settles within 24 h; above it the session is flagged in the history.
    #[serde(default = "default_pain_acceptable_max")]
    pub pain_acceptable_max: f64,
    pub measurement: Measurement,
    pub bridge_top: BridgeTop,
    #[serde(rename = "phase")]
    pub phases: Vec<Phase>,
    #[serde(default)]
    pub sources: Sources,
}

/// The rules that apply to one exercise in one phase, after overrides. `None` = not checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    pub phase: u8,
    pub phase_name: String,
    pub exercise: Exercise,
    pub report_only: bool,
    pub cap_deg: Option<f64>,
    pub amber_band_deg: f64,
    pub eccentric_min_s: Option<f64>,
    pub concentric_min_s: Option<f64>,
    pub max_bottom_pause_s: Option<f64>,
    pub hold_min_s: Option<f64>,
    pub hold_target_s: Option<f64>,
    pub hold_max_drift_deg: Option<f64>,
    /// Nordic only.
    pub hip_pike_limit_deg: Option<f64>,
    /// Bridge only: (min, max) top angle.
    pub bridge_top_deg: Option<(f64, f64)>,
}

const EXERCISES: [Exercise; 4] = [
    Exercise::Bridge,
    Exercise::Nordic,
    Exercise::Deadlift,
    Exercise::Unknown,
];

impl Protocol {
    /// The embedded default PHT protocol.
    pub fn default_pht() -> Protocol {
        Protocol::from_toml_str(DEFAULT_PHT_TOML, DEFAULT_PHT_ORIGIN)
            .expect("the built-in protocol is valid (tested)")
    }

    /// Read, parse and validate a protocol file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Protocol> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Error::InputMissing {
                path: path.to_path_buf(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Protocol::from_toml_str(&text, &path.display().to_string())
    }

    /// Parse and validate protocol text. `origin` names it in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Protocol> {
        let protocol: Protocol = toml::from_str(text).map_err(|e| Error::Config {
            origin: origin.to_string(),
            reason: describe_toml_error(text, &e),
        })?;
        protocol.validate().map_err(|reason| Error::Config {
            origin: origin.to_string(),
            reason,
        })?;
        Ok(protocol)
    }

    /// The phase numbered `number`, or an error listing the phases there are.
    pub fn phase(&self, number: u8) -> Result<&Phase> {
        self.phases
            .iter()
            .find(|p| p.number == number)
            .ok_or_else(|| Error::PhaseMissing {
                phase: number,
                protocol: self.name.clone(),
                available: format!("1-{}", self.phases.len()),
            })
    }

    /// The effective rules for `exercise` in phase `number`.
    pub fn rules(&self, number: u8, exercise: Exercise) -> Result<Rules> {
        Ok(self.rules_for(self.phase(number)?, exercise))
    }

    fn rules_for(&self, phase: &Phase, exercise: Exercise) -> Rules {
        let ov = phase.override_for(exercise);
        let pick = |base: Limit, f: fn(&ExerciseOverride) -> Option<Limit>| -> Option<f64> {
            ov.and_then(f).unwrap_or(base).value()
        };
        let cap = pick(phase.cap_deg, |o| o.cap_deg);
        let specific = exercise != Exercise::Unknown && !phase.report_only;
        let only = |v: Option<f64>| if specific { v } else { None };
        Rules {
            phase: phase.number,
            phase_name: phase.name.clone(),
            exercise,
            report_only: phase.report_only,
            cap_deg: if phase.report_only { None } else { cap },
            amber_band_deg: self.measurement.amber_band_deg,
            eccentric_min_s: only(pick(phase.eccentric_min_s, |o| o.eccentric_min_s)),
            concentric_min_s: only(pick(phase.concentric_min_s, |o| o.concentric_min_s)),
            max_bottom_pause_s: only(pick(phase.max_bottom_pause_s, |o| o.max_bottom_pause_s)),
            hold_min_s: only(phase.hold_min_s.value()),
            hold_target_s: only(phase.hold_target_s.value()),
            hold_max_drift_deg: only(phase.hold_max_drift_deg.value()),
            hip_pike_limit_deg: if specific && exercise == Exercise::Nordic {
                phase
                    .nordic
                    .hip_pike_limit_deg
                    .and_then(Limit::value)
                    .or(cap)
            } else {
                None
            },
            bridge_top_deg: if specific && exercise == Exercise::Bridge {
                Some((self.bridge_top.min_deg, self.bridge_top.max_deg))
            } else {
                None
            },
        }
    }

    /// Check everything serde cannot. Returns one sentence naming the key and the fix.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "schema_version = {} is not supported; this hipflex reads schema_version = {SCHEMA_VERSION}",
                self.schema_version
            ));
        }
        if self.name.trim().is_empty() {
            return Err("name must not be empty".into());
        }
        if self.protocol_version.trim().is_empty() {
            return Err("protocol_version must not be empty".into());
        }
        if !(0.0..=10.0).contains(&self.pain_acceptable_max) {
            return Err(format!(
                "pain_acceptable_max must be between 0 and 10 (a 0-10 pain rating); it is {}",
                self.pain_acceptable_max
            ));
        }
        let m = &self.measurement;
        nonneg("measurement.amber_band_deg", m.amber_band_deg)?;
        unit_interval("measurement.min_rep_confidence", m.min_rep_confidence)?;
        unit_interval(
            "measurement.max_low_confidence_fraction",
            m.max_low_confidence_fraction,
        )?;
        unit_interval(
            "measurement.min_exercise_confidence",
            m.min_exercise_confidence,
        )?;
        positive(
            "measurement.nordic_break_point_deg_per_s",
            m.nordic_break_point_deg_per_s,
        )?;
        angle("bridge_top.min_deg", self.bridge_top.min_deg)?;
        angle("bridge_top.max_deg", self.bridge_top.max_deg)?;
        if self.bridge_top.min_deg >= self.bridge_top.max_deg {
            return Err(format!(
                "bridge_top.min_deg ({}) must be below bridge_top.max_deg ({})",
                self.bridge_top.min_deg, self.bridge_top.max_deg
            ));
        }

        if self.phases.is_empty() {
            return Err("no [[phase]] tables: a protocol needs at least phase 1".into());
        }
        if self.phases.len() > 50 {
            return Err("more than 50 phases".into());
        }
        for (i, p) in self.phases.iter().enumerate() {
            let want = i + 1;
            if usize::from(p.number) != want {
                return Err(format!(
                    "the [[phase]] tables must be numbered 1, 2, 3... in order: table {want} has number = {} (expected {want})",
                    p.number
                ));
            }
            self.validate_phase(p)?;
        }

        // Caps ascend (never decrease) from phase to phase, per exercise; "none" = no cap, and
        // once a phase has no cap the later ones cannot have one.
        for ex in EXERCISES {
            let mut prev: Option<(u8, Option<f64>)> = None;
            for p in &self.phases {
                let cap = self.rules_for(p, ex).cap_deg;
                let cap = if p.report_only { None } else { cap };
                if let Some((pn, pcap)) = prev {
                    let bad = match (pcap, cap) {
                        (Some(a), Some(b)) => b < a,
                        (None, Some(_)) => true,
                        _ => false,
                    };
                    if bad {
                        let show =
                            |c: Option<f64>| c.map_or("none".to_string(), |c| format!("{c}°"));
                        let scope = if ex == Exercise::Unknown {
                            String::new()
                        } else {
                            format!(" for {ex}")
                        };
                        return Err(format!(
                            "caps must ascend from phase to phase: phase {} cap{scope} is {} but phase {pn} allows {}",
                            p.number,
                            show(cap),
                            show(pcap)
                        ));
                    }
                }
                prev = Some((p.number, cap));
            }
        }
        Ok(())
    }

    fn validate_phase(&self, p: &Phase) -> std::result::Result<(), String> {
        let n = p.number;
        let key = |k: &str| format!("phase {n}: {k}");
        if p.name.trim().is_empty() {
            return Err(key("name must not be empty"));
        }
        if let Limit::Value(c) = p.cap_deg {
            angle(&key("cap_deg"), c)?;
            if c < 0.0 {
                return Err(format!("{} must be 0 or more (it is {c})", key("cap_deg")));
            }
        }
        if p.report_only {
            let mut set = vec![];
            if p.cap_deg != Limit::Off {
                set.push("cap_deg");
            }
            for (k, ov) in [
                ("bridge.cap_deg", &p.bridge),
                ("deadlift.cap_deg", &p.deadlift),
                ("nordic.cap_deg", &p.nordic),
            ] {
                if matches!(ov.cap_deg, Some(Limit::Value(_))) {
                    set.push(k);
                }
            }
            if !set.is_empty() {
                return Err(format!(
                    "phase {n} is report_only = true but sets {}: a report-only phase checks no limits; set them to \"none\" or report_only = false",
                    set.join(", ")
                ));
            }
        }
        for (k, v) in [
            ("eccentric_min_s", p.eccentric_min_s),
            ("concentric_min_s", p.concentric_min_s),
            ("max_bottom_pause_s", p.max_bottom_pause_s),
            ("hold_min_s", p.hold_min_s),
            ("hold_target_s", p.hold_target_s),
            ("hold_max_drift_deg", p.hold_max_drift_deg),
        ] {
            if let Limit::Value(v) = v {
                nonneg(&key(k), v)?;
            }
        }
        if let (Limit::Value(min), Limit::Value(target)) = (p.hold_min_s, p.hold_target_s) {
            if target < min {
                return Err(format!(
                    "{} ({target}) is below hold_min_s ({min})",
                    key("hold_target_s")
                ));
            }
        }
        for (ex, ov) in [
            (Exercise::Bridge, &p.bridge),
            (Exercise::Nordic, &p.nordic),
            (Exercise::Deadlift, &p.deadlift),
        ] {
            let k = |f: &str| format!("phase {n}: [phase.{ex}] {f}");
            if let Some(Limit::Value(c)) = ov.cap_deg {
                angle(&k("cap_deg"), c)?;
                nonneg(&k("cap_deg"), c)?;
            }
            for (f, v) in [
                ("eccentric_min_s", ov.eccentric_min_s),
                ("concentric_min_s", ov.concentric_min_s),
                ("max_bottom_pause_s", ov.max_bottom_pause_s),
            ] {
                if let Some(Limit::Value(v)) = v {
                    nonneg(&k(f), v)?;
                }
            }
            if let Some(pike) = ov.hip_pike_limit_deg {
                if ex != Exercise::Nordic {
                    return Err(format!(
                        "{} only applies to Nordics: move it to [phase.nordic]",
                        k("hip_pike_limit_deg")
                    ));
                }
                if let Limit::Value(v) = pike {
                    angle(&k("hip_pike_limit_deg"), v)?;
                    nonneg(&k("hip_pike_limit_deg"), v)?;
                    let cap = ov.cap_deg.unwrap_or(p.cap_deg).value();
                    if let (Some(cap), false) = (cap, p.report_only) {
                        if v > cap {
                            return Err(format!(
                                "{} ({v}°) is above the phase's Nordic cap ({cap}°); the pike limit must be at or below the cap",
                                k("hip_pike_limit_deg")
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn finite(key: &str, v: f64) -> std::result::Result<(), String> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(format!("{key} must be a finite number (it is {v})"))
    }
}

fn nonneg(key: &str, v: f64) -> std::result::Result<(), String> {
    finite(key, v)?;
    if v < 0.0 {
        return Err(format!("{key} must be 0 or more (it is {v})"));
    }
    Ok(())
}

fn positive(key: &str, v: f64) -> std::result::Result<(), String> {
    finite(key, v)?;
    if v <= 0.0 {
        return Err(format!("{key} must be more than 0 (it is {v})"));
    }
    Ok(())
}

fn unit_interval(key: &str, v: f64) -> std::result::Result<(), String> {
    finite(key, v)?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("{key} must be between 0 and 1 (it is {v})"));
    }
    Ok(())
}

fn angle(key: &str, v: f64) -> std::result::Result<(), String> {
    finite(key, v)?;
    if !(-90.0..=180.0).contains(&v) {
        return Err(format!(
            "{key} must be an angle in degrees between -90 and 180 (it is {v})"
        ));
    }
    Ok(())
}

/// "line L, column C: message" from a toml error (toml's own text has a multi-line snippet).
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let snippet = text.lines().nth(line - 1).unwrap_or("").trim();
            if snippet.is_empty() {
                format!("line {line}, column {col}: {msg}")
            } else {
                format!("line {line}, column {col} (`{snippet}`): {msg}")
            }
        }
        None => msg,
    }
}
