//! When a clip was recorded, for batch listings: the creation time phones and cameras
//! write into MP4/MOV files (`moov/mvhd`), else a date in the file name.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::capture_rate::{children, find_box};
use crate::common::utc_civil;

/// Seconds from 1904-01-01 (the MP4 epoch) to 1970-01-01.
const MP4_EPOCH_OFFSET: i64 = 2_082_844_800;
/// 2000-01-01: earlier creation times are unset clocks (often 0 = 1904 or 1970).
const PLAUSIBLE_FROM: i64 = 946_684_800;

/// The recording date (`YYYY-MM-DD`, UTC) of a video, from its container's creation
/// time or, failing that, a date in its file name or its folder's name (a
/// `hipflex-recording-20261120-101500/recording.mkv`). `None` when none is known.
pub fn recorded_date(path: &Path) -> Option<String> {
    let name_of = |p: Option<&Path>| {
        p.and_then(|p| p.file_name())
            .and_then(|n| date_in_name(&n.to_string_lossy()))
    };
    mp4_creation_unix(path)
        .map(|t| {
            let (y, m, d, _) = utc_civil(t);
            format!("{y:04}-{m:02}-{d:02}")
        })
        .or_else(|| name_of(Some(path)))
        .or_else(|| name_of(path.parent()))
}

/// The recording time of day (`HH:MM:SS`, UTC) from the container's creation time.
pub fn recorded_time(path: &Path) -> Option<String> {
    let (_, _, _, secs) = utc_civil(mp4_creation_unix(path)?);
    Some(format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ))
}

fn mp4_creation_unix(path: &Path) -> Option<i64> {
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let (start, size) = find_box(&mut f, 0, len, b"moov")?;
    let size = size.min(1 << 20);
    let mut moov = vec![0u8; size as usize];
    f.seek(SeekFrom::Start(start)).ok()?;
    // mvhd comes first in moov in practice; a partial read still finds it.
    let n = f.read(&mut moov).ok()?;
    moov.truncate(n);
    let (_, mvhd) = children(&moov).into_iter().find(|(k, _)| k == b"mvhd")?;
    let secs = match mvhd.first()? {
        0 => u32::from_be_bytes(mvhd.get(4..8)?.try_into().ok()?) as i64,
        1 => i64::try_from(u64::from_be_bytes(mvhd.get(4..12)?.try_into().ok()?)).ok()?,
        _ => return None,
    };
    let unix = secs - MP4_EPOCH_OFFSET;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(i64::MAX);
    (PLAUSIBLE_FROM..=now.saturating_add(86_400))
        .contains(&unix)
        .then_some(unix)
}

/// A date written in a file name, as phones and people name clips:
/// `2026-11-20`, `2026_11_20` or `20261120` (years 2000-2099).
pub fn date_in_name(name: &str) -> Option<String> {
    let b = name.as_bytes();
    let digits = |s: &[u8]| -> Option<u32> {
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(s).ok()?.parse().ok())?
    };
    for i in 0..b.len() {
        // Not in the middle of a longer number.
        if i > 0 && b[i - 1].is_ascii_digit() {
            continue;
        }
        for sep in [Some(b'-'), Some(b'_'), None] {
            let w = if sep.is_some() { 10 } else { 8 };
            let Some(s) = b.get(i..i + w) else { continue };
            if b.get(i + w).is_some_and(u8::is_ascii_digit) {
                continue;
            }
            let (y, m, d) = match sep {
                Some(c) if s[4] == c && s[7] == c => (&s[0..4], &s[5..7], &s[8..10]),
                Some(_) => continue,
                None => (&s[0..4], &s[4..6], &s[6..8]),
            };
            let (Some(y), Some(m), Some(d)) = (digits(y), digits(m), digits(d)) else {
                continue;
            };
            if (2000..2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) {
                return Some(format!("{y:04}-{m:02}-{d:02}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_names() {
        assert_eq!(
            date_in_name("VID_20261120_101500.mp4").as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(
            date_in_name("bridge 2026-03-07.mov").as_deref(),
            Some("2026-03-07")
        );
        assert_eq!(
            date_in_name("2025_12_31-nordic.mp4").as_deref(),
            Some("2025-12-31")
        );
        assert_eq!(date_in_name("clip_123456789.mp4"), None);
        assert_eq!(date_in_name("bridge_20261340.mp4"), None);
        assert_eq!(date_in_name("sample_bridge.mp4"), None);
    }

    #[test]
    fn mp4_creation_time_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mp4");
        // ftyp, then moov with a version-0 mvhd created 2026-11-20 10:00 UTC.
        let created = (1_795_168_800i64 + MP4_EPOCH_OFFSET) as u32;
        let mut mvhd = vec![0u8; 4];
        mvhd.extend(created.to_be_bytes());
        mvhd.extend([0u8; 92]);
        let bx = |k: &[u8; 4], p: &[u8]| {
            let mut v = ((p.len() + 8) as u32).to_be_bytes().to_vec();
            v.extend(k);
            v.extend(p);
            v
        };
        let mut file = bx(b"ftyp", b"isom\0\0\0\0");
        file.extend(bx(b"moov", &bx(b"mvhd", &mvhd)));
        std::fs::write(&p, file).unwrap();
        assert_eq!(recorded_date(&p).as_deref(), Some("2026-11-20"));
        // An unset clock (0 = 1904) is not a date.
        let q = dir.path().join("y_2025-01-02.mp4");
        let mut file = bx(b"ftyp", b"isom\0\0\0\0");
        file.extend(bx(b"moov", &bx(b"mvhd", &[0u8; 100])));
        std::fs::write(&q, file).unwrap();
        assert_eq!(recorded_date(&q).as_deref(), Some("2025-01-02"));
        // A recording made by `hipflex record` is dated by its folder.
        let r = dir
            .path()
            .join("hipflex-recording-20261120-101500/recording.mkv");
        assert_eq!(recorded_date(&r).as_deref(), Some("2026-11-20"));
    }
}
