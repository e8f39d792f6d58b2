//! Writing video with OpenCV: H.264 (`avc1`) where the local FFmpeg build can encode
//! it, MPEG-4 Part 2 (`mp4v`) otherwise.

use std::path::Path;

use opencv::core::Size;
use opencv::prelude::*;
use opencv::videoio::VideoWriter;

use crate::error::{Error, Result};

/// Codecs tried in order when the caller has no preference.
pub const DEFAULT_CODECS: [&str; 2] = ["avc1", "mp4v"];

/// Opens a writer for `path`, trying `codecs` in order; returns it with the codec used.
pub fn open_writer(
    path: &Path,
    fps: f64,
    size: Size,
    codecs: &[&'static str],
) -> Result<(VideoWriter, &'static str)> {
    let name = path.to_string_lossy().into_owned();
    for cc in codecs {
        let c: Vec<char> = cc.chars().collect();
        if c.len() != 4 {
            continue;
        }
        let fourcc = VideoWriter::fourcc(c[0], c[1], c[2], c[3])?;
        let w = VideoWriter::new(&name, fourcc, fps, size, true)?;
        if w.is_opened()? {
            return Ok((w, cc));
        }
    }
    Err(Error::Write {
        path: path.into(),
        source: std::io::Error::other(format!(
            "the OpenCV video writer could not open it with codec {codecs:?}; use an .mp4 name and check that OpenCV was built with FFmpeg"
        )),
    })
}
