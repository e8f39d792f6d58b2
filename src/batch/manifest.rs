//! The batch manifest: which patient, exercise and phase each video belongs to.
//!
//! CSV with the header `video,patient,exercise,phase[,pain]`, or TOML with `[[video]]`
//! tables (`video`, `patient`, `exercise`, `phase`, `pain`). `pain` is the patient's
//! 0-10 rating of the set (empty: not asked). `video` paths are relative to the manifest's
//! folder (or absolute); a row whose path does not resolve matches by file name. Empty
//! `exercise` or `auto` means auto-detect; an empty `phase` falls back to `--phase`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::common::Exercise;
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct ManifestEntry {
    pub video: String,
    pub patient: Option<String>,
    pub exercise: Option<Exercise>,
    pub phase: Option<u8>,
    pub pain: Option<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct Manifest {
    /// Every listed video, resolved against the manifest's folder, in manifest order.
    listed: Vec<PathBuf>,
    by_path: HashMap<PathBuf, ManifestEntry>,
    by_name: HashMap<String, ManifestEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    video: Vec<TomlEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlEntry {
    video: String,
    patient: Option<String>,
    exercise: Option<String>,
    phase: Option<u8>,
    pain: Option<toml::Value>,
}

fn pain_of(v: &str, line: Option<usize>) -> std::result::Result<Option<u8>, String> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    crate::history::parse_pain(v)
        .map(Some)
        .map_err(|e| match line {
            Some(l) => format!("row {l}: {e}"),
            None => e,
        })
}

fn toml_pain(v: Option<&toml::Value>, video: &str) -> std::result::Result<Option<u8>, String> {
    let text = match v {
        None => return Ok(None),
        Some(toml::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    pain_of(&text, None).map_err(|e| format!("video {video}: {e}"))
}

pub fn parse_exercise(s: &str) -> std::result::Result<Option<Exercise>, String> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "" | "auto" => None,
        "bridge" => Some(Exercise::Bridge),
        "nordic" => Some(Exercise::Nordic),
        "deadlift" => Some(Exercise::Deadlift),
        o => {
            return Err(format!(
                "exercise `{o}` is not one of auto, bridge, nordic, deadlift"
            ));
        }
    })
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let origin = path.display().to_string();
        let cfg = |reason: String| Error::Config {
            origin: origin.clone(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let entries = if is_toml {
            let f: TomlFile = toml::from_str(&text).map_err(|e| cfg(e.to_string()))?;
            f.video
                .into_iter()
                .map(|e| {
                    let pain = toml_pain(e.pain.as_ref(), &e.video).map_err(&cfg)?;
                    Ok(ManifestEntry {
                        video: e.video,
                        patient: e.patient.as_deref().and_then(non_empty),
                        exercise: parse_exercise(e.exercise.as_deref().unwrap_or(""))
                            .map_err(&cfg)?,
                        phase: e.phase,
                        pain,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        } else {
            Self::parse_csv(&text).map_err(cfg)?
        };
        let base = path.parent().unwrap_or(Path::new("."));
        Ok(Self::from_entries(entries, base))
    }

    fn parse_csv(text: &str) -> std::result::Result<Vec<ManifestEntry>, String> {
        let records = super::csv::parse(text)?;
        let mut it = records.into_iter();
        let header = it.next().ok_or("the manifest is empty")?;
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let video = col("video").ok_or("the manifest has no `video` column")?;
        let (patient, exercise, phase) = (col("patient"), col("exercise"), col("phase"));
        let pain = col("pain");
        let get = |r: &[String], c: Option<usize>| {
            c.and_then(|c| r.get(c))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let mut out = Vec::new();
        for (n, r) in it.enumerate() {
            if r.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let line = n + 2;
            let ph = get(&r, phase);
            out.push(ManifestEntry {
                video: get(&r, Some(video)),
                patient: non_empty(&get(&r, patient)),
                exercise: parse_exercise(&get(&r, exercise))
                    .map_err(|e| format!("row {line}: {e}"))?,
                phase: if ph.is_empty() {
                    None
                } else {
                    Some(
                        ph.parse()
                            .map_err(|_| format!("row {line}: phase `{ph}` is not a number"))?,
                    )
                },
                pain: pain_of(&get(&r, pain), Some(line))?,
            });
        }
        Ok(out)
    }

    fn from_entries(entries: Vec<ManifestEntry>, base: &Path) -> Manifest {
        let mut m = Manifest::default();
        for e in entries {
            let p = base.join(&e.video);
            m.listed.push(p.clone());
            if let Ok(c) = std::fs::canonicalize(&p) {
                m.by_path.insert(c, e.clone());
            }
            if let Some(name) = Path::new(&e.video).file_name() {
                m.by_name.insert(name.to_string_lossy().into_owned(), e);
            }
        }
        m
    }

    /// The videos the manifest lists (paths resolved against its folder; some may not
    /// exist, which the batch reports per video).
    pub fn videos(&self) -> &[PathBuf] {
        &self.listed
    }

    /// The entry for a video: by resolved path, else by file name.
    pub fn lookup(&self, video: &Path) -> Option<&ManifestEntry> {
        std::fs::canonicalize(video)
            .ok()
            .and_then(|c| self.by_path.get(&c))
            .or_else(|| {
                video
                    .file_name()
                    .and_then(|n| self.by_name.get(&*n.to_string_lossy()))
            })
    }
}
