//! Input checks made before any pose work: is the file a video at all (by its content, not
//! its name), is it long enough to hold a repetition, and is the picture bright and sharp
//! enough to trust the landmarks.

use std::io::Read;
use std::path::Path;

use opencv::core::{self, Mat, Size};
use opencv::prelude::*;
use opencv::{imgproc, videoio};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What the first bytes of a file say it is, when it is a picture format rather than a video.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StillKind {
    /// A still picture in the named format.
    Image(&'static str),
    /// A GIF with this many frames (1 = a still GIF).
    Gif { frames: usize },
}

impl StillKind {
    /// Plain words for the error message.
    pub fn describe(&self) -> String {
        match self {
            StillKind::Image(f) => format!("a {f} still image"),
            StillKind::Gif { frames } if *frames > 1 => {
                format!("an animated GIF ({frames} frames, no reliable timing or colour)")
            }
            StillKind::Gif { .. } => "a GIF still image".into(),
        }
    }
}

/// Recognises picture formats by their signature bytes, whatever the file is called.
pub fn sniff_still(head: &[u8]) -> Option<StillKind> {
    let starts = |sig: &[u8]| head.starts_with(sig);
    if starts(b"\xFF\xD8\xFF") {
        return Some(StillKind::Image("JPEG"));
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(StillKind::Image("PNG"));
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(StillKind::Gif { frames: 0 });
    }
    if starts(b"BM") && head.len() >= 14 && head[6..10] == [0, 0, 0, 0] {
        return Some(StillKind::Image("BMP"));
    }
    if starts(b"RIFF") && head.len() >= 12 && &head[8..12] == b"WEBP" {
        return Some(StillKind::Image("WebP"));
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Some(StillKind::Image("TIFF"));
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        // ISO-BMFF still-image brands (HEIF/HEIC photos from phones, AVIF); image
        // sequences (`msf1`, `hevs`, `avis`) and every video brand fall through.
        return match &head[8..12] {
            b"heic" | b"heix" | b"mif1" | b"heim" | b"heis" => Some(StillKind::Image("HEIC")),
            b"avif" => Some(StillKind::Image("AVIF")),
            _ => None,
        };
    }
    None
}

/// Counts the image frames of a GIF by walking its blocks (stops at the trailer or at the
/// first malformed block).
pub fn gif_frame_count(data: &[u8]) -> usize {
    let mut i = 13usize;
    let Some(&flags) = data.get(10) else {
        return 0;
    };
    if flags & 0x80 != 0 {
        i += 3 << ((flags & 7) + 1);
    }
    let skip_sub_blocks = |mut i: usize| -> Option<usize> {
        loop {
            let n = *data.get(i)? as usize;
            i += 1;
            if n == 0 {
                return Some(i);
            }
            i += n;
        }
    };
    let mut frames = 0;
    while let Some(&b) = data.get(i) {
        match b {
            0x2C => {
                frames += 1;
                let Some(&f) = data.get(i + 9) else { break };
                i += 10;
                if f & 0x80 != 0 {
                    i += 3 << ((f & 7) + 1);
                }
                i += 1; // LZW minimum code size
                match skip_sub_blocks(i) {
                    Some(j) => i = j,
                    None => break,
                }
            }
            0x21 => match skip_sub_blocks(i + 2) {
                Some(j) => i = j,
                None => break,
            },
            _ => break,
        }
    }
    frames
}

fn not_a_video(path: &Path, what: String) -> Error {
    Error::NotAVideo {
        path: path.to_path_buf(),
        what,
    }
}

/// Refuses still pictures and GIFs before FFmpeg gets to them (FFmpeg happily opens a JPEG
/// called `clip.mp4` as a one-frame video).
pub fn reject_still(path: &Path) -> Result<()> {
    let mut head = [0u8; 32];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Error::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let Some(mut kind) = sniff_still(&head[..n]) else {
        return Ok(());
    };
    if let StillKind::Gif { frames } = &mut kind {
        *frames = std::fs::read(path)
            .map(|d| gif_frame_count(&d))
            .unwrap_or(0);
    }
    Err(not_a_video(path, kind.describe()))
}

/// Refuses a file that decodes to a single frame: a still picture in a video container or
/// a picture format the signature check does not know.
pub fn reject_single_frame(path: &Path, frame_count_hint: Option<u64>) -> Result<()> {
    if frame_count_hint == Some(1) {
        return Err(not_a_video(
            path,
            "a single picture (it holds one frame)".into(),
        ));
    }
    Ok(())
}

/// Refuses a clip too short to hold one repetition. `min_s` comes from the analysis
/// configuration (`view.min_clip_s`).
pub fn check_clip_length(path: &Path, frames: usize, duration_s: f64, min_s: f64) -> Result<()> {
    if frames <= 1 {
        return Err(not_a_video(
            path,
            "a single picture (it holds one frame)".into(),
        ));
    }
    if duration_s.is_nan() || duration_s < min_s {
        return Err(Error::ClipTooShort {
            path: path.to_path_buf(),
            frames,
            duration_s,
            min_s,
        });
    }
    Ok(())
}

/// Brightness and sharpness of the person in a clip, from a few frames spread over it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageQuality {
    /// Frames sampled.
    pub frames_sampled: usize,
    /// Median over the sampled frames of the mean luma (0-255) inside the person's box
    /// (the landmarks' bounding box, 10% larger), so a dark studio around a lit person
    /// is not "dark".
    pub median_luma: f64,
    /// Median of the 95th-percentile luma inside the box: how bright the brightest parts
    /// of the person get.
    pub median_p95_luma: f64,
    /// Median blur effect inside the box (Crete et al. 2007, "The blur effect: perception
    /// and estimation with a new no-reference perceptual blur metric"): the share of edge
    /// contrast a 9-pixel re-blur takes away, 0 = sharp, 1 = featureless. The box is
    /// scaled to at most 320 px on its long side first, so the figure is comparable
    /// across resolutions.
    pub median_blur: f64,
}

/// A frame to sample and the person's box in it (upright pixels x0, y0, x1, y1).
pub type PersonBox = (u64, [f64; 4]);

/// Picks up to `samples` frames spread over the clip that have a pose, with the box around
/// its landmarks (10% margin).
pub fn person_boxes<F: crate::frame_store::Frames + ?Sized>(
    frames: &F,
    samples: usize,
) -> Result<Vec<PersonBox>> {
    let mut with: Vec<(u64, [f64; 4])> = Vec::new();
    frames.visit(&mut |_, f| with.extend(person_box(f)))?;
    if with.is_empty() || samples == 0 {
        return Ok(Vec::new());
    }
    let n = samples.min(with.len());
    Ok((0..n)
        .map(|i| with[(i * with.len() + with.len() / 2) / n.max(1) % with.len()])
        .collect())
}

/// The frame's index and the box round its visible landmarks, with a margin.
fn person_box(f: &crate::pose::PoseFrame) -> Option<PersonBox> {
    let p = f.pose.as_ref()?;
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for l in p.image.iter().filter(|l| l.visibility >= 0.5) {
        x0 = x0.min(l.x as f64);
        y0 = y0.min(l.y as f64);
        x1 = x1.max(l.x as f64);
        y1 = y1.max(l.y as f64);
    }
    if !(x1 > x0 && y1 > y0) {
        return None;
    }
    let (mx, my) = (0.1 * (x1 - x0), 0.1 * (y1 - y0));
    Some((f.index, [x0 - mx, y0 - my, x1 + mx, y1 + my]))
}

/// Blur effect of one 8-bit gray image (Crete et al. 2007), 0 sharp to 1 featureless.
pub fn blur_effect(gray: &Mat) -> Result<f64> {
    let mut f = Mat::default();
    gray.convert_to(&mut f, core::CV_32F, 1.0, 0.0)?;
    let mut worst = 0.0f64;
    for horizontal in [true, false] {
        let k = if horizontal {
            Size::new(9, 1)
        } else {
            Size::new(1, 9)
        };
        let mut b = Mat::default();
        imgproc::blur(
            &f,
            &mut b,
            k,
            core::Point::new(-1, -1),
            core::BORDER_REFLECT,
        )?;
        let (dx, dy) = if horizontal { (1, 0) } else { (0, 1) };
        let diff = |m: &Mat| -> Result<Mat> {
            let mut d = Mat::default();
            imgproc::sobel(
                m,
                &mut d,
                core::CV_32F,
                dx,
                dy,
                1,
                1.0,
                0.0,
                core::BORDER_REFLECT,
            )?;
            let mut a = Mat::default();
            core::absdiff(&d, &core::Scalar::all(0.0), &mut a)?;
            Ok(a)
        };
        let df = diff(&f)?;
        let db = diff(&b)?;
        let mut v = Mat::default();
        core::subtract(&df, &db, &mut v, &core::no_array(), -1)?;
        let mut vpos = Mat::default();
        imgproc::threshold(&v, &mut vpos, 0.0, 0.0, imgproc::THRESH_TOZERO)?;
        let s_f = core::sum_elems(&df)?[0];
        let s_v = core::sum_elems(&vpos)?[0];
        let b = if s_f > 1e-9 { (s_f - s_v) / s_f } else { 1.0 };
        worst = worst.max(b);
    }
    Ok(worst)
}

fn luma_stats(gray: &Mat) -> Result<(f64, f64)> {
    let mean = core::mean(gray, &core::no_array())?[0];
    let mut hist = [0usize; 256];
    let bytes = gray.data_bytes()?;
    for &b in bytes {
        hist[b as usize] += 1;
    }
    let target = (bytes.len() as f64 * 0.95) as usize;
    let mut acc = 0;
    let mut p95 = 255.0;
    for (v, c) in hist.iter().enumerate() {
        acc += c;
        if acc >= target {
            p95 = v as f64;
            break;
        }
    }
    Ok((mean, p95))
}

fn box_to_gray(img: &Mat, b: &[f64; 4]) -> Result<Option<Mat>> {
    let (w, h) = (img.cols(), img.rows());
    let x0 = (b[0].floor() as i32).clamp(0, w);
    let y0 = (b[1].floor() as i32).clamp(0, h);
    let x1 = (b[2].ceil() as i32).clamp(0, w);
    let y1 = (b[3].ceil() as i32).clamp(0, h);
    if x1 - x0 < 8 || y1 - y0 < 8 {
        return Ok(None);
    }
    let roi = Mat::roi(img, core::Rect::new(x0, y0, x1 - x0, y1 - y0))?;
    let long = (x1 - x0).max(y1 - y0) as f64;
    let mut small = Mat::default();
    if long > 320.0 {
        let k = 320.0 / long;
        imgproc::resize(&roi, &mut small, Size::new(0, 0), k, k, imgproc::INTER_AREA)?;
    } else {
        roi.copy_to(&mut small)?;
    }
    if small.channels() == 1 {
        return Ok(Some(small));
    }
    let mut g = Mat::default();
    imgproc::cvt_color_def(&small, &mut g, imgproc::COLOR_BGR2GRAY)?;
    Ok(Some(g))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

/// Measures brightness and sharpness inside the person's box on the frames `boxes` names
/// (decoding sequentially, so no seeking is needed). `rotation_deg` is the clockwise
/// rotation the analysis applied, so the boxes (upright pixels) land on the person.
pub fn image_quality(path: &Path, rotation_deg: u16, boxes: &[PersonBox]) -> Result<ImageQuality> {
    let path_str = path.to_string_lossy().into_owned();
    let mut cap = videoio::VideoCapture::from_file(&path_str, videoio::CAP_FFMPEG)?;
    let _ = cap.set(videoio::CAP_PROP_ORIENTATION_AUTO, 0.0);
    let mut wanted: Vec<PersonBox> = boxes.to_vec();
    wanted.sort_by_key(|b| b.0);
    let (mut luma, mut p95, mut blur) = (Vec::new(), Vec::new(), Vec::new());
    let (mut raw, mut upright) = (Mat::default(), Mat::default());
    let mut i = 0u64;
    for (index, bx) in wanted {
        while i < index {
            if !cap.grab().unwrap_or(false) {
                break;
            }
            i += 1;
        }
        if i != index || !cap.read(&mut raw).unwrap_or(false) || raw.empty() {
            break;
        }
        i += 1;
        let img = if super::rotation::rotate_into(&raw, &mut upright, rotation_deg)? {
            &upright
        } else {
            &raw
        };
        if let Some(g) = box_to_gray(img, &bx)? {
            let (m, p) = luma_stats(&g)?;
            luma.push(m);
            p95.push(p);
            blur.push(blur_effect(&g)?);
        }
    }
    Ok(ImageQuality {
        frames_sampled: luma.len(),
        median_luma: median(luma),
        median_p95_luma: median(p95),
        median_blur: median(blur),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_name_still_formats() {
        assert_eq!(
            sniff_still(b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
            Some(StillKind::Image("JPEG"))
        );
        assert_eq!(
            sniff_still(b"\x89PNG\r\n\x1a\n\0\0"),
            Some(StillKind::Image("PNG"))
        );
        assert!(matches!(
            sniff_still(b"GIF89a\x01\0"),
            Some(StillKind::Gif { .. })
        ));
        assert_eq!(
            sniff_still(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Some(StillKind::Image("HEIC"))
        );
        // Videos are not stills.
        assert_eq!(sniff_still(b"\0\0\0\x20ftypisom\0\0\x02\0"), None);
        assert_eq!(sniff_still(b"\0\0\0\x14ftypqt  \0\0\0\0"), None);
        assert_eq!(sniff_still(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81"), None);
        assert_eq!(sniff_still(b"RIFF\0\0\0\0AVI LIST"), None);
    }

    #[test]
    fn gif_frames_are_counted() {
        // Header, 1x1 screen with a 2-colour global table, then `n` tiny frames.
        let mut gif = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
        gif.extend([0, 0, 0, 255, 255, 255]);
        for _ in 0..3 {
            gif.extend(b"\x21\xF9\x04\x00\x0A\x00\x00\x00"); // graphic control
            gif.extend(b"\x2C\0\0\0\0\x01\0\x01\0\0"); // image descriptor
            gif.extend(b"\x02\x02\x44\x01\x00"); // LZW data
        }
        gif.push(0x3B);
        assert_eq!(gif_frame_count(&gif), 3);
        assert!(
            StillKind::Gif { frames: 3 }
                .describe()
                .contains("animated GIF")
        );
    }

    #[test]
    fn blur_effect_rises_with_blur() {
        let mut img =
            Mat::new_rows_cols_with_default(120, 160, core::CV_8UC1, core::Scalar::all(0.0))
                .unwrap();
        for y in 0..120 {
            for x in 0..160 {
                *img.at_2d_mut::<u8>(y, x).unwrap() =
                    if (x / 7 + y / 11) % 2 == 0 { 30 } else { 220 };
            }
        }
        let sharp = blur_effect(&img).unwrap();
        let mut soft = Mat::default();
        imgproc::gaussian_blur_def(&img, &mut soft, Size::new(0, 0), 6.0).unwrap();
        let blurred = blur_effect(&soft).unwrap();
        assert!(sharp < 0.3, "sharp {sharp}");
        assert!(blurred > sharp + 0.3, "sharp {sharp} blurred {blurred}");
    }
}
