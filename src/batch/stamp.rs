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
    /// sha256 of everything else the outputs depend on (see `batch::settings_sha256`):
    /// the analysis settings, the person followed, how the model reads each crop, the
    /// cross-check, the annotated video, the face setting and the hipflex build itself.
    /// A stamp written before it was kept reads as empty, so its video is redone.
    #[serde(default)]
    pub settings_sha256: String,
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
