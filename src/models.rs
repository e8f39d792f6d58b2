//! Locating the ONNX model files and verifying them against `models/SHA256SUMS`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::hash::sha256_file;

/// Expected checksums, embedded at build time (`sha256  file` lines).
const SHA256SUMS: &str = include_str!("../models/SHA256SUMS");

/// The landmark model size. Larger is more accurate and slower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ModelSize {
    Lite,
    #[default]
    Full,
    Heavy,
}

impl ModelSize {
    pub fn name(self) -> &'static str {
        match self {
            ModelSize::Lite => "lite",
            ModelSize::Full => "full",
            ModelSize::Heavy => "heavy",
        }
    }
    pub fn landmark_file(self) -> String {
        format!("pose_landmark_{}.onnx", self.name())
    }
}

pub const DETECTOR_FILE: &str = "pose_detection.onnx";
/// BlazeFace full-range, for the privacy scan (`crate::pose::face_detector`).
pub const FACE_DETECTOR_FILE: &str = "face_detection_full_range.onnx";

/// The verified face detector in `dir` (or the default dir).
pub fn face_detector_file(dir: Option<&Path>) -> Result<PathBuf> {
    let path = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(default_models_dir)
        .join(FACE_DETECTOR_FILE);
    verify(&path)?;
    Ok(path)
}

/// Paths of a verified detector + landmark model pair.
#[derive(Clone, Debug)]
pub struct ModelFiles {
    pub size: ModelSize,
    pub detector: PathBuf,
    pub landmark: PathBuf,
}

/// Where models are looked for when no directory is given: `HIPFLEX_MODELS`, the
/// `models/` folder next to the executable's project, then the source tree's.
pub fn default_models_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("HIPFLEX_MODELS").filter(|s| !s.is_empty()) {
        return PathBuf::from(d);
    }
    if let Ok(exe) = std::env::current_exe() {
        for anc in exe.ancestors().skip(1).take(4) {
            let cand = anc.join("models");
            if cand.join(DETECTOR_FILE).is_file() {
                return cand;
            }
        }
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// Expected sha256 for a model file name, from the embedded `SHA256SUMS`.
pub fn expected_sha256(file_name: &str) -> Option<&'static str> {
    SHA256SUMS.lines().find_map(|l| {
        let l = l.trim();
        if l.starts_with('#') {
            return None;
        }
        let mut it = l.split_whitespace();
        let sum = it.next()?;
        let name = it.next()?.trim_start_matches('*');
        (name == file_name).then_some(sum)
    })
}

/// Checks that `path` exists and matches its recorded checksum. The file is hashed
/// only when it changed since it was last hashed (`checksum_cache`).
pub fn verify(path: &Path) -> Result<()> {
    if !path.is_file() {
        return Err(Error::ModelMissing {
            path: path.to_path_buf(),
        });
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let Some(expected) = expected_sha256(name) else {
        return Err(Error::ModelChecksum {
            path: path.to_path_buf(),
            expected: "(no entry in models/SHA256SUMS)".into(),
            actual: sha256_file(path)?,
        });
    };
    // Hashed once per file version; see `checksum_cache` for what counts as unchanged.
    let actual = crate::checksum_cache::sha256_cached(path, sha256_file)?;
    if actual != expected {
        return Err(Error::ModelChecksum {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}

impl ModelFiles {
    /// Resolves and verifies the model pair for `size` in `dir` (or the default dir).
    pub fn resolve(size: ModelSize, dir: Option<&Path>) -> Result<ModelFiles> {
        let dir = dir
            .map(Path::to_path_buf)
            .unwrap_or_else(default_models_dir);
        let detector = dir.join(DETECTOR_FILE);
        let landmark = dir.join(size.landmark_file());
        verify(&detector)?;
        verify(&landmark)?;
        Ok(ModelFiles {
            size,
            detector,
            landmark,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_lookup_ignores_comments_and_star() {
        assert!(expected_sha256("# filled").is_none());
        assert!(expected_sha256("nonexistent.onnx").is_none());
    }
}
