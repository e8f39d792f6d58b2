//! The landmarks file written by `hipflex pose` and read by `analyze --from-landmarks`.
//!
//! Two layouts share one header:
//! - JSON: `{"header": {...}, "frames": [PoseFrame, ...]}`
//! - CSV: a first line `# hipflex-landmarks {header as JSON}`, then the column names and one
//!   row per frame, written and read through the `csv` crate.
//!
//! Frames are streamed to disk as they are produced, so memory stays flat.

use std::io::{BufRead, BufReader, Write};

use crate::csvfmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::models::ModelSize;
use crate::output::AtomicFile;
use crate::pose::{
    LANDMARK_NAMES, Landmark, MirrorMode, NUM_LANDMARKS, Pose, PoseFrame, Roi, RoiSource,
};
use crate::video::VideoInfo;

pub const SCHEMA: &str = "hipflex-landmarks";
pub const SCHEMA_VERSION: u32 = 1;

/// What produced the landmarks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LandmarksHeader {
    pub schema: String,
    pub schema_version: u32,
    pub tool_version: String,
    pub video: VideoInfo,
    pub model: ModelSize,
    pub smoothing: bool,
    /// sha256 of the source video, so a session re-analysed from this file is filed under
    /// its video without the video's path (which the header no longer carries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_sha256: Option<String>,
    /// How the landmark model read each crop (`face-one-way` by default, `mirror-average`
    /// with `--mirror-average`); left out for one pass on the crop as seen (`--as-seen`),
    /// which is how every file written before 2026-12-03 was made, so older files read as
    /// that.
    #[serde(default, skip_serializing_if = "is_single_pass")]
    pub mirror: MirrorMode,
}

fn is_single_pass(m: &MirrorMode) -> bool {
    *m == MirrorMode::Off
}

impl LandmarksHeader {
    pub fn new(video: VideoInfo, model: ModelSize, smoothing: bool) -> Self {
        LandmarksHeader {
            schema: SCHEMA.into(),
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            video,
            model,
            smoothing,
            video_sha256: None,
            mirror: MirrorMode::Off,
        }
    }
}

/// File layout, chosen from the extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Json,
    Csv,
}

impl Layout {
    pub fn from_path(path: &Path) -> Result<Layout> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => Ok(Layout::Json),
            Some("csv") => Ok(Layout::Csv),
            _ => Err(Error::Config {
                origin: path.display().to_string(),
                reason: "landmark files must end in .json or .csv".into(),
            }),
        }
    }
}

/// Streams frames into a landmarks file; the file appears only on `finish`.
pub struct LandmarksWriter {
    file: AtomicFile,
    layout: Layout,
    frames: u64,
    /// Formats one CSV row at a time.
    csv: csv::Writer<Vec<u8>>,
}

fn werr(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// CSV column names (after the header comment line).
pub fn csv_columns() -> Vec<String> {
    let mut cols: Vec<String> = [
        "frame",
        "timestamp_s",
        "present",
        "score",
        "roi_source",
        "roi_cx",
        "roi_cy",
        "roi_width",
        "roi_height",
        "roi_rotation",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in LANDMARK_NAMES {
        for c in ["x", "y", "z", "visibility", "presence"] {
            cols.push(format!("{n}_{c}"));
        }
    }
    for n in LANDMARK_NAMES {
        for c in ["x", "y", "z"] {
            cols.push(format!("world_{n}_{c}"));
        }
    }
    cols
}

impl LandmarksWriter {
    pub fn create(path: &Path, header: &LandmarksHeader, force: bool) -> Result<Self> {
        let layout = Layout::from_path(path)?;
        let mut file = AtomicFile::create(path, force)?;
        let mut csv = csvfmt::writer();
        let h = serde_json::to_string(header).map_err(|e| Error::Other(e.to_string()))?;
        match layout {
            Layout::Json => writeln!(file, "{{\"header\":{h},\"frames\":["),
            Layout::Csv => writeln!(file, "# {SCHEMA} {h}").and_then(|_| {
                csvfmt::write(&mut csv, csv_columns());
                file.write_all(&csvfmt::take(&mut csv))
            }),
        }
        .map_err(werr(path))?;
        Ok(LandmarksWriter {
            file,
            layout,
            frames: 0,
            csv,
        })
    }

    pub fn write_frame(&mut self, frame: &PoseFrame) -> Result<()> {
        let path = self.file.target().to_path_buf();
        match self.layout {
            Layout::Json => {
                if self.frames > 0 {
                    self.file.write_all(b",\n").map_err(werr(&path))?;
                }
                serde_json::to_writer(&mut self.file, frame)
                    .map_err(|e| Error::Other(e.to_string()))?;
            }
            Layout::Csv => {
                csvfmt::write(&mut self.csv, csv_row(frame));
                self.file
                    .write_all(&csvfmt::take(&mut self.csv))
                    .map_err(werr(&path))?;
            }
        }
        self.frames += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<PathBuf> {
        let path = self.file.target().to_path_buf();
        if self.layout == Layout::Json {
            self.file.write_all(b"\n]}\n").map_err(werr(&path))?;
        }
        self.file.commit()?;
        Ok(path)
    }
}

/// The fields of one frame's row.
fn csv_row(f: &PoseFrame) -> Vec<String> {
    let mut row = vec![f.index.to_string(), format!("{:.6}", f.timestamp_s)];
    match &f.pose {
        None => {
            row.push("0".into());
            row.resize(csv_columns_len(), String::new());
        }
        Some(p) => {
            let src = match p.roi_source {
                RoiSource::Detection => "detection",
                RoiSource::Tracking => "tracking",
            };
            let r = p.roi;
            row.extend([
                "1".to_string(),
                format!("{:.4}", p.score),
                src.to_string(),
                format!("{:.2}", r.cx),
                format!("{:.2}", r.cy),
                format!("{:.2}", r.width),
                format!("{:.2}", r.height),
                format!("{:.5}", r.rotation),
            ]);
            for l in &p.image {
                row.extend([
                    format!("{:.2}", l.x),
                    format!("{:.2}", l.y),
                    format!("{:.2}", l.z),
                    format!("{:.4}", l.visibility),
                    format!("{:.4}", l.presence),
                ]);
            }
            for l in &p.world {
                row.extend([
                    format!("{:.5}", l.x),
                    format!("{:.5}", l.y),
                    format!("{:.5}", l.z),
                ]);
            }
        }
    }
    row
}

fn csv_columns_len() -> usize {
    10 + NUM_LANDMARKS * 5 + NUM_LANDMARKS * 3
}

/// Reads a landmarks file written by `hipflex pose` (JSON or CSV).
pub fn read_landmarks(path: &Path) -> Result<(LandmarksHeader, Vec<PoseFrame>)> {
    let mut frames = Vec::new();
    let header = read_landmarks_each(path, |f| {
        frames.push(f);
        Ok(())
    })?;
    Ok((header, frames))
}

/// Reads a landmarks file frame by frame, handing each to `each` in order (nothing of the
/// file is held), and returns its header.
pub fn read_landmarks_each(
    path: &Path,
    mut each: impl FnMut(PoseFrame) -> Result<()>,
) -> Result<LandmarksHeader> {
    let rerr = |reason: String| Error::Read {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| rerr(e.to_string()))?;
    match Layout::from_path(path)? {
        Layout::Json => {
            let mut failed = None;
            let mut de =
                serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, file));
            let read = serde::de::DeserializeSeed::deserialize(
                JsonSeed {
                    each: &mut each,
                    failed: &mut failed,
                },
                &mut de,
            )
            .and_then(|h| de.end().map(|_| h));
            if let Some(e) = failed {
                return Err(e);
            }
            let header = read.map_err(|e| {
                rerr(format!("not a hipflex landmarks JSON file ({e}); produce one with `hipflex pose VIDEO -o FILE.json`"))
            })?;
            check_header(&header, path)?;
            Ok(header)
        }
        Layout::Csv => {
            let mut reader = BufReader::new(file);
            let mut first = String::new();
            reader
                .read_line(&mut first)
                .map_err(|e| rerr(e.to_string()))?;
            let json = first
                .trim_end_matches(['\n', '\r'])
                .strip_prefix(&format!("# {SCHEMA} "))
                .ok_or_else(|| rerr("the first line is not a hipflex landmarks header; produce the file with `hipflex pose VIDEO -o FILE.csv`".into()))?;
            let header: LandmarksHeader =
                serde_json::from_str(json).map_err(|e| rerr(format!("bad header: {e}")))?;
            check_header(&header, path)?;
            let mut rows = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(reader);
            let cols = rows.headers().map_err(|e| rerr(e.to_string()))?;
            if cols.len() != csv_columns_len() {
                return Err(rerr("unexpected column layout".into()));
            }
            for record in rows.records() {
                let record = record.map_err(|e| rerr(e.to_string()))?;
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                // Line 1 holds the column names; rows count from the line after it.
                let row = record.position().map_or(0, |p| p.line().saturating_sub(1));
                each(parse_row(&record).map_err(|e| rerr(format!("row {row}: {e}")))?)?;
            }
            Ok(header)
        }
    }
}

/// Reads `{"header": ..., "frames": [...]}`, handing each frame on as it is parsed; an
/// error of the receiver is kept in `failed` (the parse stops there).
struct JsonSeed<'a, E> {
    each: &'a mut E,
    failed: &'a mut Option<Error>,
}

impl<'de, E: FnMut(PoseFrame) -> Result<()>> serde::de::DeserializeSeed<'de> for JsonSeed<'_, E> {
    type Value = LandmarksHeader;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, E: FnMut(PoseFrame) -> Result<()>> serde::de::Visitor<'de> for JsonSeed<'_, E> {
    type Value = LandmarksHeader;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with a header and frames")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        use serde::de::Error as _;
        let mut header = None;
        let mut frames = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "header" => header = Some(map.next_value::<LandmarksHeader>()?),
                "frames" => {
                    map.next_value_seed(FramesSeed {
                        each: &mut *self.each,
                        failed: &mut *self.failed,
                    })?;
                    frames = true;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if !frames {
            return Err(A::Error::missing_field("frames"));
        }
        header.ok_or_else(|| A::Error::missing_field("header"))
    }
}

struct FramesSeed<'a, E> {
    each: &'a mut E,
    failed: &'a mut Option<Error>,
}

impl<'de, E: FnMut(PoseFrame) -> Result<()>> serde::de::DeserializeSeed<'de> for FramesSeed<'_, E> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, E: FnMut(PoseFrame) -> Result<()>> serde::de::Visitor<'de> for FramesSeed<'_, E> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of frames")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        use serde::de::Error as _;
        while let Some(f) = seq.next_element::<PoseFrame>()? {
            if let Err(e) = (self.each)(f) {
                *self.failed = Some(e);
                return Err(A::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

fn check_header(h: &LandmarksHeader, path: &Path) -> Result<()> {
    if h.schema != SCHEMA || h.schema_version > SCHEMA_VERSION {
        return Err(Error::Read {
            path: path.to_path_buf(),
            reason: format!(
                "schema {} v{} is not supported (this hipflex reads {SCHEMA} v{SCHEMA_VERSION})",
                h.schema, h.schema_version
            ),
        });
    }
    Ok(())
}

fn parse_row(f: &csv::StringRecord) -> std::result::Result<PoseFrame, String> {
    if f.len() != csv_columns_len() {
        return Err(format!(
            "expected {} fields, found {}",
            csv_columns_len(),
            f.len()
        ));
    }
    let f: Vec<&str> = f.iter().collect();
    let num = |i: usize| -> std::result::Result<f32, String> {
        f[i].parse::<f32>()
            .map_err(|_| format!("field {} `{}` is not a number", i + 1, f[i]))
    };
    let index: u64 = f[0].parse().map_err(|_| "bad frame index".to_string())?;
    let timestamp_s: f64 = f[1].parse().map_err(|_| "bad timestamp".to_string())?;
    if f[2] != "1" {
        return Ok(PoseFrame {
            index,
            timestamp_s,
            pose: None,
        });
    }
    let roi_source = match f[4] {
        "detection" => RoiSource::Detection,
        _ => RoiSource::Tracking,
    };
    let roi = Roi {
        cx: num(5)?,
        cy: num(6)?,
        width: num(7)?,
        height: num(8)?,
        rotation: num(9)?,
    };
    let mut image = Vec::with_capacity(NUM_LANDMARKS);
    let mut world = Vec::with_capacity(NUM_LANDMARKS);
    for k in 0..NUM_LANDMARKS {
        let b = 10 + k * 5;
        image.push(Landmark {
            x: num(b)?,
            y: num(b + 1)?,
            z: num(b + 2)?,
            visibility: num(b + 3)?,
            presence: num(b + 4)?,
        });
    }
    for (k, im) in image.iter().enumerate() {
        let b = 10 + NUM_LANDMARKS * 5 + k * 3;
        world.push(Landmark {
            x: num(b)?,
            y: num(b + 1)?,
            z: num(b + 2)?,
            visibility: im.visibility,
            presence: im.presence,
        });
    }
    Ok(PoseFrame {
        index,
        timestamp_s,
        pose: Some(Pose {
            score: num(3)?,
            image,
            world,
            roi,
            roi_source,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_frames() -> Vec<PoseFrame> {
        let lm = |k: usize| Landmark {
            x: 10.0 + k as f32,
            y: 20.5 + k as f32,
            z: -1.25,
            visibility: 0.9,
            presence: 0.8,
        };
        let wl = |k: usize| Landmark {
            x: 0.125 * k as f32,
            y: -0.5,
            z: 0.125,
            visibility: 0.9,
            presence: 0.8,
        };
        vec![
            PoseFrame {
                index: 0,
                timestamp_s: 0.0,
                pose: None,
            },
            PoseFrame {
                index: 1,
                timestamp_s: 0.033367,
                pose: Some(Pose {
                    score: 0.99,
                    image: (0..NUM_LANDMARKS).map(lm).collect(),
                    world: (0..NUM_LANDMARKS).map(wl).collect(),
                    roi: Roi {
                        cx: 100.0,
                        cy: 200.0,
                        width: 300.0,
                        height: 300.0,
                        rotation: 0.5,
                    },
                    roi_source: RoiSource::Tracking,
                }),
            },
        ]
    }

    fn header() -> LandmarksHeader {
        LandmarksHeader::new(
            VideoInfo {
                path: "x.mp4".into(),
                width: 640,
                height: 480,
                stored_width: 640,
                stored_height: 480,
                nominal_fps: 30.0,
                frame_count_hint: Some(2),
                rotation_metadata_deg: 0,
                rotation_applied_deg: 0,
                codec: "avc1".into(),
                image_quality: None,
            },
            ModelSize::Full,
            false,
        )
    }

    #[test]
    fn json_and_csv_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["l.json", "l.csv"] {
            let p = dir.path().join(name);
            let mut w = LandmarksWriter::create(&p, &header(), false).unwrap();
            for f in sample_frames() {
                w.write_frame(&f).unwrap();
            }
            w.finish().unwrap();
            let (h, frames) = read_landmarks(&p).unwrap();
            assert_eq!(h, header());
            assert_eq!(frames, sample_frames(), "{name}");
        }
    }

    #[test]
    fn rejects_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "a,b,c\n1,2,3\n").unwrap();
        assert!(read_landmarks(&p).is_err());
        let p = dir.path().join("x.txt");
        std::fs::write(&p, "{}").unwrap();
        assert!(read_landmarks(&p).is_err());
    }
}
