//! Slow-motion detection: phones that record high-speed video and store it for
//! slower playback write the real capture rate into the container's metadata
//! (Android: the `com.android.capture.fps` key in `moov/meta`). When present and
//! higher than the playback rate, timestamps must be scaled to real seconds.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const KEY: &[u8] = b"com.android.capture.fps";

/// Reads the capture frame rate an Android phone recorded in an MP4/MOV file.
/// Returns `None` for any other file or when the key is absent or malformed.
pub fn android_capture_fps(path: &Path) -> Option<f64> {
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let (moov_start, moov_len) = find_box(&mut f, 0, len, b"moov")?;
    // moov is small (kilobytes to a few MB); read it whole, capped for safety.
    if moov_len > 64 << 20 {
        return None;
    }
    let mut moov = vec![0u8; moov_len as usize];
    f.seek(SeekFrom::Start(moov_start)).ok()?;
    f.read_exact(&mut moov).ok()?;
    parse_moov(&moov)
}

/// Finds a top-level box by type between `start` and `end`; returns (payload start, payload length).
pub(super) fn find_box(f: &mut File, mut pos: u64, end: u64, kind: &[u8; 4]) -> Option<(u64, u64)> {
    while pos + 8 <= end {
        f.seek(SeekFrom::Start(pos)).ok()?;
        let mut h = [0u8; 16];
        f.read_exact(&mut h[..8]).ok()?;
        let mut size = u32::from_be_bytes(h[0..4].try_into().ok()?) as u64;
        let mut header = 8;
        if size == 1 {
            f.read_exact(&mut h[8..16]).ok()?;
            size = u64::from_be_bytes(h[8..16].try_into().ok()?);
            header = 16;
        } else if size == 0 {
            size = end - pos;
        }
        if size < header {
            return None;
        }
        if &h[4..8] == kind {
            return Some((pos + header, size - header));
        }
        pos += size;
    }
    None
}

/// Iterates child boxes of a payload: (type, payload).
pub(super) fn children(buf: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut p = 0usize;
    while p + 8 <= buf.len() {
        let size = u32::from_be_bytes(buf[p..p + 4].try_into().unwrap()) as usize;
        if size < 8 || p + size > buf.len() {
            break;
        }
        let kind: [u8; 4] = buf[p + 4..p + 8].try_into().unwrap();
        out.push((kind, &buf[p + 8..p + size]));
        p += size;
    }
    out
}

fn parse_moov(moov: &[u8]) -> Option<f64> {
    // `meta` can sit in moov directly or in moov/udta.
    let mut metas: Vec<&[u8]> = Vec::new();
    for (k, payload) in children(moov) {
        match &k {
            b"meta" => metas.push(payload),
            b"udta" => metas.extend(
                children(payload)
                    .into_iter()
                    .filter(|(k, _)| k == b"meta")
                    .map(|(_, p)| p),
            ),
            _ => {}
        }
    }
    metas.into_iter().find_map(parse_meta)
}

fn parse_meta(meta: &[u8]) -> Option<f64> {
    // QuickTime-style meta has no version/flags; ISO-style has 4 bytes of them.
    let boxes = {
        let c = children(meta);
        if c.iter().any(|(k, _)| k == b"keys") {
            c
        } else {
            children(meta.get(4..)?)
        }
    };
    let keys = boxes.iter().find(|(k, _)| k == b"keys")?.1;
    let ilst = boxes.iter().find(|(k, _)| k == b"ilst")?.1;
    // keys: version/flags(4) count(4) then [size(4) namespace(4) name]
    let count = u32::from_be_bytes(keys.get(4..8)?.try_into().ok()?) as usize;
    let mut p = 8;
    let mut index = None;
    for i in 0..count {
        let size = u32::from_be_bytes(keys.get(p..p + 4)?.try_into().ok()?) as usize;
        if size < 8 {
            return None;
        }
        if keys.get(p + 8..p + size)? == KEY {
            index = Some(i as u32 + 1);
        }
        p += size;
    }
    let index = index?;
    for (k, item) in children(ilst) {
        if u32::from_be_bytes(k) != index {
            continue;
        }
        let (_, data) = children(item).into_iter().find(|(k, _)| k == b"data")?;
        let kind = u32::from_be_bytes(data.get(0..4)?.try_into().ok()?) & 0x00ff_ffff;
        let value = data.get(8..)?;
        let fps = match kind {
            1 => std::str::from_utf8(value)
                .ok()?
                .trim_end_matches('\0')
                .trim()
                .parse::<f64>()
                .ok()?,
            23 => f32::from_be_bytes(value.get(0..4)?.try_into().ok()?) as f64,
            24 => f64::from_be_bytes(value.get(0..8)?.try_into().ok()?),
            _ => return None,
        };
        return (fps.is_finite() && fps > 0.0 && fps < 10_000.0).then_some(fps);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(payload);
        v
    }

    fn moov_with(value_type: u32, value: &[u8]) -> Vec<u8> {
        let mut keys = vec![0, 0, 0, 0, 0, 0, 0, 2];
        for name in [&b"com.apple.x"[..], KEY] {
            keys.extend_from_slice(&((name.len() + 8) as u32).to_be_bytes());
            keys.extend_from_slice(b"mdta");
            keys.extend_from_slice(name);
        }
        let mut data = value_type.to_be_bytes().to_vec();
        data.extend_from_slice(&[0, 0, 0, 0]);
        data.extend_from_slice(value);
        let item = bx(&2u32.to_be_bytes(), &bx(b"data", &data));
        let meta = [bx(b"keys", &keys), bx(b"ilst", &item)].concat();
        bx(b"meta", &meta)
    }

    #[test]
    fn reads_float_and_string_values() {
        assert_eq!(
            parse_moov(&moov_with(23, &240f32.to_be_bytes())),
            Some(240.0)
        );
        assert_eq!(parse_moov(&moov_with(1, b"120.000000")), Some(120.0));
        assert_eq!(parse_moov(&moov_with(1, b"fast")), None);
        assert_eq!(parse_moov(&bx(b"free", b"xx")), None);
    }
}
