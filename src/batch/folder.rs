//! Per-folder settings, like Pose2Sim's session/trial configs: a `hipflex.toml` in a
//! folder applies to every video in it and below. A deeper file overrides the keys it
//! sets; a manifest row overrides both; `--phase` is the fallback.
//!
//! ```toml
//! patient = "patient-a"   # default: the first sub-folder under the input folder
//! phase = 2
//! exercise = "nordic"     # or bridge, deadlift, auto
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::manifest::parse_exercise;
use crate::common::Exercise;
use crate::error::{Error, Result};

/// Name of the per-folder settings file.
pub const FOLDER_CONFIG: &str = "hipflex.toml";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    patient: Option<String>,
    phase: Option<u8>,
    exercise: Option<String>,
}

/// The settings that apply to one video from the folders above it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FolderSettings {
    pub patient: Option<String>,
    pub phase: Option<u8>,
    /// `Some(None)` when a folder says `auto`.
    pub exercise: Option<Option<Exercise>>,
}

/// Reads and caches the `hipflex.toml` files of a batch's folders.
#[derive(Default)]
pub struct FolderConfigs {
    cache: HashMap<PathBuf, Option<FolderSettings>>,
}

impl FolderConfigs {
    fn load(&mut self, dir: &Path) -> Result<Option<FolderSettings>> {
        if let Some(c) = self.cache.get(dir) {
            return Ok(c.clone());
        }
        let path = dir.join(FOLDER_CONFIG);
        let parsed = if path.is_file() {
            let origin = path.display().to_string();
            let cfg = |reason: String| Error::Config {
                origin: origin.clone(),
                reason,
            };
            let text = std::fs::read_to_string(&path).map_err(|e| Error::Read {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let f: FileSettings = toml::from_str(&text).map_err(|e| cfg(e.to_string()))?;
            let exercise = f
                .exercise
                .as_deref()
                .map(parse_exercise)
                .transpose()
                .map_err(cfg)?;
            Some(FolderSettings {
                patient: f.patient.filter(|p| !p.trim().is_empty()),
                phase: f.phase,
                exercise,
            })
        } else {
            None
        };
        self.cache.insert(dir.to_path_buf(), parsed.clone());
        Ok(parsed)
    }

    /// The settings for `video`: its folder and every folder above it up to the input
    /// folder it was found in (just its own folder when it was named on its own).
    pub fn for_video(&mut self, video: &Path, roots: &[PathBuf]) -> Result<FolderSettings> {
        let Some(parent) = video.parent() else {
            return Ok(FolderSettings::default());
        };
        let root = roots
            .iter()
            .filter(|r| r.is_dir() && video.starts_with(r))
            .max_by_key(|r| r.components().count());
        // Folders from the top down, so deeper files override.
        let mut dirs: Vec<&Path> = parent
            .ancestors()
            .take_while(|d| root.is_some_and(|r| d.starts_with(r)))
            .collect();
        if dirs.is_empty() {
            dirs.push(parent);
        }
        dirs.reverse();
        let mut out = FolderSettings::default();
        for d in dirs {
            if let Some(s) = self.load(d)? {
                out.patient = s.patient.or(out.patient);
                out.phase = s.phase.or(out.phase);
                out.exercise = s.exercise.or(out.exercise);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeper_folders_override_and_bad_files_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("clinic");
        let a = root.join("patient-a");
        let s = a.join("session-2");
        std::fs::create_dir_all(&s).unwrap();
        std::fs::write(root.join(FOLDER_CONFIG), "phase = 1\n").unwrap();
        std::fs::write(
            a.join(FOLDER_CONFIG),
            "patient = \"A. Person\"\nexercise = \"nordic\"\n",
        )
        .unwrap();
        std::fs::write(s.join(FOLDER_CONFIG), "phase = 3\n").unwrap();
        let mut c = FolderConfigs::default();
        let roots = vec![root.clone()];
        let v = c.for_video(&s.join("x.mp4"), &roots).unwrap();
        assert_eq!(v.patient.as_deref(), Some("A. Person"));
        assert_eq!(v.phase, Some(3));
        assert_eq!(v.exercise, Some(Some(Exercise::Nordic)));
        let v = c.for_video(&a.join("y.mp4"), &roots).unwrap();
        assert_eq!(v.phase, Some(1));
        let v = c.for_video(&root.join("z.mp4"), &roots).unwrap();
        assert_eq!((v.patient, v.phase, v.exercise), (None, Some(1), None));

        let b = root.join("patient-b");
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join(FOLDER_CONFIG), "phase = 2\nphse = 3\n").unwrap();
        let e = c
            .for_video(&b.join("w.mp4"), &roots)
            .unwrap_err()
            .to_string();
        assert!(e.contains("patient-b") && e.contains("phse"), "{e}");
    }
}
