//! The rehab protocol (phases, caps, tempo and hold rules, with sources) and the flags it
//! raises on a measured set.
//!
//! - [`Protocol`]: one TOML file (`protocols/pht-default.toml` is embedded), validated.
//! - [`evaluate`]: a [`SetMeasurement`] (plain data describing what was measured) in,
//!   an [`Evaluation`] (flags, per-rep verdicts, set summary, caveats) out.
//! - [`rules`]: one unit per flag (code, doc, check, tests); `evaluate` walks [`rules::RULES`].
//! - [`render_protocol`]: the effective rules as text, for `hipflex protocol show`.
//!
//! hipflex never suggests changing phase; see [`CAVEATS`].

mod config;
mod eval;
mod render;
pub mod rules;

pub use config::{
    BridgeTop, DEFAULT_PHT_ORIGIN, DEFAULT_PHT_TOML, ExerciseOverride, Grade, Limit, Measurement,
    Phase, Protocol, Rules, SCHEMA_VERSION, Source, Sources,
};
pub use eval::{
    CAVEATS, Evaluation, Flag, FlagCode, HipSample, HipSource, RepKind, RepMeasurement, RepVerdict,
    SetMeasurement, SetSummary, Severity, UncountedMovement, Unit, ViewVerdict, evaluate,
};
pub use render::render_protocol;
pub use rules::{RULES, Rule, find_rule};
