//! `batch-stamp.json`: what a video's outputs were made from, so a re-run can skip it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub input_sha256: String,
    pub protocol_name: String,
    pub protocol_version: String,
    pub phase: u8,
    /// `auto` or the exercise given by the manifest.
    pub exercise: String,
    pub model: String,
    pub tool_version: String,
}

impl Stamp {
    /// The stamp at `path`, or `None` when absent or unreadable.
    pub fn read(path: &Path) -> Option<Stamp> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Other(format!("could not serialise the stamp: {e}")))?;
        crate::output::write_atomic(path, json.as_bytes(), true)
    }
}
