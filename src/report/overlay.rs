//! The annotated video: skeleton, the hip-flexion angle drawn as an arc at the hip
//! with its value, the phase zone colour, rep counter and tempo phase, and a banner
//! while a flag is active. Drawn on a second decoding pass, after the analysis, so
//! every frame shows the final (filtered) numbers.

use std::path::Path;

use opencv::core::{Mat, Point, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::html::Keyframe;
use super::{FlagOut, Report, plain_words};
use crate::error::{Error, Result};
use crate::exercise::{Analysis, FrameKinematics};
use crate::kinematics::Side;
use crate::pose::{Landmark, Pose, PoseFrame, idx};
use crate::privacy::{self, Blur, OtherFaces};
use crate::video::{DEFAULT_CODECS, VideoReader, open_writer};

/// Body connections drawn as the skeleton.
const BONES: [(usize, usize); 14] = [
    (idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER),
    (idx::LEFT_HIP, idx::RIGHT_HIP),
    (idx::LEFT_SHOULDER, idx::LEFT_HIP),
    (idx::RIGHT_SHOULDER, idx::RIGHT_HIP),
    (idx::LEFT_SHOULDER, idx::LEFT_ELBOW),
    (idx::LEFT_ELBOW, idx::LEFT_WRIST),
    (idx::RIGHT_SHOULDER, idx::RIGHT_ELBOW),
    (idx::RIGHT_ELBOW, idx::RIGHT_WRIST),
    (idx::LEFT_HIP, idx::LEFT_KNEE),
    (idx::LEFT_KNEE, idx::LEFT_ANKLE),
    (idx::RIGHT_HIP, idx::RIGHT_KNEE),
    (idx::RIGHT_KNEE, idx::RIGHT_ANKLE),
    (idx::LEFT_ANKLE, idx::LEFT_FOOT_INDEX),
    (idx::RIGHT_ANKLE, idx::RIGHT_FOOT_INDEX),
];
/// Landmarks less visible than this are not drawn.
const MIN_VISIBILITY: f32 = 0.5;

/// BGR colours.
fn colour(severity: &str) -> Scalar {
    match severity {
        "red" => Scalar::new(40.0, 40.0, 220.0, 0.0),
        "amber" => Scalar::new(0.0, 170.0, 255.0, 0.0),
        "green" => Scalar::new(60.0, 180.0, 60.0, 0.0),
        _ => Scalar::new(170.0, 170.0, 170.0, 0.0),
    }
}

/// Zone of a loaded hip angle against the phase cap: green, amber or red (grey when
/// unloaded or unmeasured, or when the phase has no cap).
pub fn zone(hip: Option<f64>, loaded: bool, cap: Option<f64>, band: Option<f64>) -> &'static str {
    match (hip, cap) {
        (Some(h), Some(c)) if loaded => {
            if h <= c {
                "green"
            } else if h <= c + band.unwrap_or(0.0) {
                "amber"
            } else {
                "red"
            }
        }
        (Some(_), None) if loaded => "green",
        _ => "grey",
    }
}

/// Arc radius: a third of the thigh length, within sensible pixel bounds.
fn r_guess(hip: &Landmark, knee: &Landmark) -> i32 {
    (0.35 * ((knee.x - hip.x).hypot(knee.y - hip.y)) as f64).clamp(12.0, 200.0) as i32
}

fn pt(l: &Landmark) -> Point {
    Point::new(l.x.round() as i32, l.y.round() as i32)
}

fn text(img: &mut Mat, s: &str, at: Point, scale: f64, fg: Scalar) -> Result<()> {
    let thick = (scale * 2.0).max(1.0) as i32;
    imgproc::put_text(
        img,
        s,
        at,
        imgproc::FONT_HERSHEY_SIMPLEX,
        scale,
        Scalar::all(0.0),
        thick + 3,
        imgproc::LINE_AA,
        false,
    )?;
    imgproc::put_text(
        img,
        s,
        at,
        imgproc::FONT_HERSHEY_SIMPLEX,
        scale,
        fg,
        thick,
        imgproc::LINE_AA,
        false,
    )?;
    Ok(())
}

/// Draws the skeleton, and the hip-flexion arc with its value on `side` in the zone
/// colour, in place.
pub fn draw_body(img: &mut Mat, p: &Pose, side: Side, hip: Option<f64>, zone: &str) -> Result<()> {
    let (w, h) = (img.cols(), img.rows());
    let scale = (h.min(w) as f64 / 720.0).max(0.4);
    let line = (3.0 * scale).max(2.0) as i32;
    let white = Scalar::new(235.0, 235.0, 235.0, 0.0);
    for (a, b) in BONES {
        let (la, lb) = (&p.image[a], &p.image[b]);
        if la.visibility >= MIN_VISIBILITY && lb.visibility >= MIN_VISIBILITY {
            imgproc::line(img, pt(la), pt(lb), white, line, imgproc::LINE_AA, 0)?;
        }
    }
    // The hip angle as an arc between the trunk and the thigh on the measured side.
    let (s, hp, kn) = match side {
        Side::Left => (idx::LEFT_SHOULDER, idx::LEFT_HIP, idx::LEFT_KNEE),
        Side::Right => (idx::RIGHT_SHOULDER, idx::RIGHT_HIP, idx::RIGHT_KNEE),
    };
    let (ls, lh, lk) = (&p.image[s], &p.image[hp], &p.image[kn]);
    let c = colour(zone);
    let ang = |a: &Landmark| {
        ((a.y - lh.y) as f64)
            .atan2((a.x - lh.x) as f64)
            .to_degrees()
    };
    // Flexion is measured from the trunk's continuation through the hip (0 = thigh
    // in line with the trunk), so the arc starts there.
    let (a0, a1) = (ang(ls) + 180.0, ang(lk));
    let reach = (lh.x - ls.x).hypot(lh.y - ls.y).max(1.0);
    let ext = Point::new(
        (lh.x + (lh.x - ls.x) / reach * (r_guess(lh, lk) as f32 * 1.4)).round() as i32,
        (lh.y + (lh.y - ls.y) / reach * (r_guess(lh, lk) as f32 * 1.4)).round() as i32,
    );
    imgproc::line(
        img,
        pt(lh),
        ext,
        Scalar::new(200.0, 200.0, 200.0, 0.0),
        1,
        imgproc::LINE_AA,
        0,
    )?;
    // Sweep the smaller way round from the trunk to the thigh.
    let mut d = a1 - a0;
    while d > 180.0 {
        d -= 360.0;
    }
    while d < -180.0 {
        d += 360.0;
    }
    let r = r_guess(lh, lk);
    imgproc::ellipse(
        img,
        pt(lh),
        Size::new(r, r),
        0.0,
        a0,
        a0 + d,
        c,
        line,
        imgproc::LINE_AA,
        0,
    )?;
    imgproc::line(img, pt(lh), pt(ls), c, line, imgproc::LINE_AA, 0)?;
    imgproc::line(img, pt(lh), pt(lk), c, line, imgproc::LINE_AA, 0)?;
    imgproc::circle(img, pt(lh), line * 2, c, -1, imgproc::LINE_AA, 0)?;
    if let Some(hv) = hip {
        let at = Point::new(pt(lh).x + r + 6, pt(lh).y - 6);
        text(img, &format!("{hv:.0} deg"), at, 0.9 * scale, c)?;
    }
    Ok(())
}

/// A bar across the top of the frame in the zone colour, with `label` in white.
pub fn header_bar(img: &mut Mat, label: &str, zone: &str) -> Result<()> {
    let w = img.cols();
    let scale = (img.rows().min(w) as f64 / 720.0).max(0.4);
    imgproc::rectangle_points(
        img,
        Point::new(0, 0),
        Point::new(w, (40.0 * scale) as i32),
        colour(zone),
        -1,
        imgproc::LINE_8,
        0,
    )?;
    text(
        img,
        label,
        Point::new((10.0 * scale) as i32, (28.0 * scale) as i32),
        0.8 * scale,
        Scalar::all(255.0),
    )
}

/// The header line: rep counter, tempo phase, phase and cap.
fn header_text(k: Option<&FrameKinematics>, analysis: &Analysis, report: &Report) -> String {
    let rep = k.and_then(|k| k.rep).and_then(|i| analysis.reps.get(i));
    let counted = analysis.counted_reps().count();
    let rep_text = match rep {
        Some(r) => match r.number {
            Some(n) => format!("rep {n}/{counted}"),
            None => "partial rep".to_string(),
        },
        None => format!("{counted} reps"),
    };
    let phase = k
        .and_then(|k| k.phase)
        .and_then(|p| serde_json::to_value(p).ok())
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default();
    let cap_text = report
        .protocol
        .cap_deg
        .map(|c| format!("cap {c:.0} deg"))
        .unwrap_or_else(|| "no cap".into());
    format!(
        "{rep_text}  {phase}  | phase {} {cap_text}",
        report.protocol.phase
    )
}

/// The zone colour name of a frame.
fn frame_zone(k: Option<&FrameKinematics>, report: &Report) -> &'static str {
    let hip = k.and_then(|k| k.hip_flexion);
    zone(
        hip,
        k.is_some_and(|k| k.loaded),
        report.protocol.cap_deg,
        report.protocol.amber_band_deg,
    )
}

/// The text of a flag banner.
fn flag_text(f: &FlagOut) -> String {
    format!("{}: {}", f.severity.to_uppercase(), plain_words(&f.code))
}

/// Draws the skeleton and the hip arc of a frame's pose, if it has one.
fn draw_pose(
    img: &mut Mat,
    pose: Option<&PoseFrame>,
    k: Option<&FrameKinematics>,
    report: &Report,
) -> Result<()> {
    if let Some(p) = pose.and_then(|f| f.pose.as_ref()) {
        let side = k.and_then(|k| k.side).unwrap_or(Side::Left);
        draw_body(
            img,
            p,
            side,
            k.and_then(|k| k.hip_flexion),
            frame_zone(k, report),
        )?;
    }
    Ok(())
}

/// Draws one frame's overlay in place.
pub fn draw(
    img: &mut Mat,
    pose: Option<&PoseFrame>,
    k: Option<&FrameKinematics>,
    analysis: &Analysis,
    report: &Report,
    active: &[&FlagOut],
) -> Result<()> {
    let (w, h) = (img.cols(), img.rows());
    let scale = (h.min(w) as f64 / 720.0).max(0.4);
    draw_pose(img, pose, k, report)?;
    header_bar(
        img,
        &header_text(k, analysis, report),
        frame_zone(k, report),
    )?;
    // Banner while a flag is active (worst first).
    if let Some(f) = active.first() {
        let y0 = h - (44.0 * scale) as i32;
        imgproc::rectangle_points(
            img,
            Point::new(0, y0),
            Point::new(w, h),
            colour(&f.severity),
            -1,
            imgproc::LINE_8,
            0,
        )?;
        text(
            img,
            &flag_text(f),
            Point::new((10.0 * scale) as i32, h - (14.0 * scale) as i32),
            0.75 * scale,
            Scalar::all(255.0),
        )?;
    }
    Ok(())
}

/// Splits `s` into lines no wider than `width` pixels at `scale`.
fn wrap(s: &str, width: i32, scale: f64, thick: i32) -> Result<Vec<String>> {
    let fits = |t: &str| -> Result<bool> {
        let mut base = 0;
        let size =
            imgproc::get_text_size(t, imgproc::FONT_HERSHEY_SIMPLEX, scale, thick, &mut base)?;
        Ok(size.width <= width)
    };
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if fits(&cand)? {
            cur = cand;
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        // A word wider than the line on its own is broken where it reaches the edge.
        for ch in word.chars() {
            let mut next = cur.clone();
            next.push(ch);
            if !cur.is_empty() && !fits(&next)? {
                lines.push(std::mem::replace(&mut cur, ch.to_string()));
            } else {
                cur = next;
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    Ok(lines)
}

/// `img` with a band above it holding each `(text, colour)` label in full, wrapped to
/// the picture's width (a keyframe's crop is narrower than the frame the video's
/// banners span).
fn with_labels(img: &Mat, labels: &[(String, &str)]) -> Result<Mat> {
    let w = img.cols().max(1);
    let scale = (w as f64 / 520.0).clamp(0.4, 0.9);
    let thick = (scale * 2.0).max(1.0) as i32;
    let pad = (8.0 * scale).max(4.0) as i32;
    let line_h = (30.0 * scale) as i32 + 2;
    let mut rows: Vec<(String, &str)> = Vec::new();
    for (t, c) in labels {
        for l in wrap(t, w - 2 * pad, scale, thick)? {
            rows.push((l, c));
        }
    }
    let band = rows.len() as i32 * line_h + pad;
    let mut out = Mat::default();
    opencv::core::copy_make_border(
        img,
        &mut out,
        band,
        0,
        0,
        0,
        opencv::core::BORDER_CONSTANT,
        Scalar::all(30.0),
    )?;
    for (i, (t, c)) in rows.iter().enumerate() {
        let y0 = i as i32 * line_h;
        imgproc::rectangle_points(
            &mut out,
            Point::new(0, y0),
            Point::new(w, y0 + line_h),
            colour(c),
            -1,
            imgproc::LINE_8,
            0,
        )?;
        text(
            &mut out,
            t,
            Point::new(pad, y0 + line_h - pad),
            scale,
            Scalar::all(255.0),
        )?;
    }
    Ok(out)
}

fn rank(s: &str) -> u8 {
    match s {
        "red" => 2,
        "amber" => 1,
        _ => 0,
    }
}

/// Crops the person (visible landmarks plus a margin) out of an annotated frame.
fn crop_person(img: &Mat, pose: Option<&PoseFrame>) -> Result<Mat> {
    let (w, h) = (img.cols(), img.rows());
    let mut rect = opencv::core::Rect::new(0, 0, w, h);
    if let Some(p) = pose.and_then(|f| f.pose.as_ref()) {
        let vis: Vec<&Landmark> = p
            .image
            .iter()
            .filter(|l| l.visibility >= MIN_VISIBILITY)
            .collect();
        if !vis.is_empty() {
            let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for l in vis {
                x0 = x0.min(l.x);
                y0 = y0.min(l.y);
                x1 = x1.max(l.x);
                y1 = y1.max(l.y);
            }
            let m = 0.2 * (x1 - x0).max(y1 - y0);
            let xa = ((x0 - m).max(0.0) as i32).min(w - 1);
            let ya = ((y0 - m).max(0.0) as i32).min(h - 1);
            let xb = ((x1 + m) as i32).clamp(xa + 1, w);
            let yb = ((y1 + m) as i32).clamp(ya + 1, h);
            rect = opencv::core::Rect::new(xa, ya, xb - xa, yb - ya);
        }
    }
    Ok(Mat::roi(img, rect)?.try_clone()?)
}

fn encode(ext: &str, img: &Mat, params: &[i32]) -> Result<Vec<u8>> {
    let mut buf = opencv::core::Vector::<u8>::new();
    let params: opencv::core::Vector<i32> = params.iter().copied().collect();
    opencv::imgcodecs::imencode(ext, img, &mut buf, &params)?;
    Ok(buf.to_vec())
}

/// Height of the thumbnails in a batch index, pixels.
pub const THUMBNAIL_HEIGHT: i32 = 160;

/// A small JPEG of the person for listings.
fn thumbnail_jpeg(img: &Mat, pose: Option<&PoseFrame>) -> Result<Vec<u8>> {
    let crop = crop_person(img, pose)?;
    let h = THUMBNAIL_HEIGHT.min(crop.rows()).max(1);
    let w = ((crop.cols() as f64 * h as f64 / crop.rows().max(1) as f64).round() as i32).max(1);
    let mut small = Mat::default();
    imgproc::resize(
        &crop,
        &mut small,
        Size::new(w, h),
        0.0,
        0.0,
        imgproc::INTER_AREA,
    )?;
    encode(
        ".jpg",
        &small,
        &[opencv::imgcodecs::IMWRITE_JPEG_QUALITY, 80],
    )
}

/// What [`annotate`] produced besides the video file.
#[derive(Debug, Default)]
pub struct Annotated {
    /// Codec of `annotated.mp4`, when it was written.
    pub codec: Option<&'static str>,
    /// One keyframe per counted rep (its deepest point), its PNG in `keyframe_dir`.
    pub keyframes: Vec<Keyframe>,
    /// The temporary folder holding the keyframes' PNG files (removed when dropped).
    pub keyframe_dir: Option<tempfile::TempDir>,
    /// A small JPEG of the person at the set's deepest point (the middle of the clip
    /// when no rep was counted), for batch listings.
    pub thumbnail: Option<Vec<u8>>,
}

/// Frame rate of the annotated copy: the measured mean, else the nominal one (the
/// review page maps video time to frames with it).
pub fn video_fps(clip: &super::ClipFacts) -> f64 {
    if clip.measured_fps > 0.0 {
        clip.measured_fps
    } else if clip.nominal_fps > 0.0 {
        clip.nominal_fps
    } else {
        30.0
    }
}

/// A counted rep's keyframe to take: frame position, rep number, time, peak angle.
#[derive(Clone, Copy)]
struct KeyTarget {
    frame: usize,
    rep: usize,
    t: f64,
    hip: Option<f64>,
}

/// The frame nearest each counted rep's deepest point.
fn keyframe_targets(analysis: &Analysis) -> Vec<KeyTarget> {
    let mut wanted = Vec::new();
    for r in analysis.counted_reps() {
        let (Some(n), Some(t)) = (r.number, r.peak_hip_flexion_s.or(Some(r.bottom_s))) else {
            continue;
        };
        if let Some((i, _)) = analysis
            .frames
            .iter()
            .enumerate()
            .min_by(|a, b| (a.1.t - t).abs().total_cmp(&(b.1.t - t).abs()))
        {
            wanted.push(KeyTarget {
                frame: i,
                rep: n,
                t,
                hip: r.peak_hip_flexion_deg,
            });
        }
    }
    wanted
}

/// The amber and red flags active at time `t`: rep flags before set-level ones, worst first.
fn active_flags(report: &Report, t: f64) -> Vec<&FlagOut> {
    let mut active: Vec<&FlagOut> = report
        .flags
        .iter()
        .filter(|fl| matches!(fl.severity.as_str(), "amber" | "red"))
        .filter(|fl| match (fl.start_s, fl.end_s) {
            (Some(a), Some(b)) => t >= a && t <= b,
            _ => false,
        })
        .collect();
    active.sort_by_key(|fl| std::cmp::Reverse((fl.rep.is_some(), rank(&fl.severity))));
    active
}

/// The annotated video being written to a temporary file beside its destination.
struct PendingVideo<'a> {
    writer: opencv::videoio::VideoWriter,
    codec: &'static str,
    tmp: tempfile::NamedTempFile,
    out: &'a Path,
}

impl<'a> PendingVideo<'a> {
    fn open(out: &'a Path, fps: f64, size: Size) -> Result<Self> {
        let dir = out
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".annotated.")
            .suffix(".mp4")
            .tempfile_in(dir)
            .map_err(|e| Error::Write {
                path: out.into(),
                source: e,
            })?;
        let (writer, codec) = open_writer(tmp.path(), fps, size, &DEFAULT_CODECS)?;
        Ok(PendingVideo {
            writer,
            codec,
            tmp,
            out,
        })
    }

    /// Closes the file and moves it into place.
    fn finish(mut self) -> Result<&'static str> {
        self.writer.release()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ =
                std::fs::set_permissions(self.tmp.path(), std::fs::Permissions::from_mode(0o644));
        }
        self.tmp.persist(self.out).map_err(|e| Error::Write {
            path: self.out.into(),
            source: e.error,
        })?;
        Ok(self.codec)
    }
}

/// A keyframe's picture (PNG): the (already face-blurred) frame with the skeleton and arc
/// drawn, cropped around the person, with its labels in full above it.
fn keyframe_png(
    img: &Mat,
    pose: Option<&PoseFrame>,
    k: Option<&FrameKinematics>,
    analysis: &Analysis,
    report: &Report,
    active: &[&FlagOut],
) -> Result<Vec<u8>> {
    let mut drawn = img.try_clone()?;
    draw_pose(&mut drawn, pose, k, report)?;
    let crop = crop_person(&drawn, pose)?;
    let mut labels = vec![(header_text(k, analysis, report), frame_zone(k, report))];
    labels.extend(active.iter().map(|f| (flag_text(f), f.severity.as_str())));
    encode(".png", &with_labels(&crop, &labels)?, &[])
}

/// Writes a keyframe's PNG into `dir` (the page streams it from there).
fn spill_keyframe(dir: &Path, target: KeyTarget, png: &[u8]) -> Result<Keyframe> {
    let png_file = dir.join(format!("rep{}-{}.png", target.rep, target.frame));
    std::fs::write(&png_file, png).map_err(|e| Error::Write {
        path: png_file.clone(),
        source: e,
    })?;
    Ok(Keyframe {
        rep: target.rep,
        t_s: target.t,
        hip_deg: target.hip,
        png_file,
    })
}

/// Decodes `video` again, blurs the faces (unless `src.show_faces`; see
/// [`crate::privacy`]), draws the overlay on every frame, writes the annotated copy to
/// `out` when given (atomically; refuses to overwrite unless `force`), and returns the
/// codec used, one keyframe per counted rep (its deepest point; its PNG in a temporary
/// folder made in `spill_dir`, the outputs' folder) and a thumbnail. Frames
/// keep the orientation the person saw (rotation metadata applied, as in the analysis).
/// The copy is encoded from the pixels alone: none of the source's metadata (location,
/// device, owner) is carried over.
pub fn annotate<F: crate::frame_store::Frames + ?Sized>(
    src: super::VideoSource<'_>,
    frames: &F,
    analysis: &Analysis,
    report: &Report,
    out: Option<&Path>,
    spill_dir: &Path,
    force: bool,
) -> Result<Annotated> {
    if let Some(o) = out {
        crate::output::check_writable(o, force)?;
    }
    let keyframe_dir = tempfile::Builder::new()
        .prefix(".keyframes.")
        .tempdir_in(spill_dir)
        .map_err(|e| Error::Write {
            path: spill_dir.into(),
            source: e,
        })?;
    let mut reader = VideoReader::open(src.video, src.rotate)?;
    let info = reader.info().clone();
    let size = Size::new(info.width as i32, info.height as i32);
    let fps = video_fps(&report.clip);
    let wanted = keyframe_targets(analysis);
    let no_others = OtherFaces::default();
    let blur = (!src.show_faces)
        .then(|| privacy::plan_frames(frames, src.other_faces.unwrap_or(&no_others)))
        .transpose()?;
    let mut writer = out.map(|o| PendingVideo::open(o, fps, size)).transpose()?;
    // The thumbnail: the deepest rep's keyframe, else the middle of the clip.
    let thumb_index = wanted
        .iter()
        .max_by(|a, b| {
            a.hip
                .unwrap_or(f64::MIN)
                .total_cmp(&b.hip.unwrap_or(f64::MIN))
        })
        .map(|w| w.frame)
        .unwrap_or(frames.len() / 2);
    // Without the annotated video, the pass ends at the last frame a picture needs.
    let last_needed = wanted
        .iter()
        .map(|w| w.frame)
        .chain([thumb_index])
        .max()
        .unwrap_or(0);
    let mut done = Annotated::default();
    let kdir = keyframe_dir.path().to_path_buf();
    done.keyframe_dir = Some(keyframe_dir);
    let mut img = Mat::default();
    let mut count = 0usize;
    let mut landmarks = crate::frame_store::FrameAt::new(frames)?;
    while let Some(f) = reader.next_frame()? {
        let i = f.index as usize;
        let key = wanted.iter().find(|w| w.frame == i).copied();
        if writer.is_some() {
            src.progress.frames(
                crate::progress::Stage::Drawing,
                i as u64 + 1,
                info.frame_count_hint,
            );
        }
        if writer.is_none() && i > last_needed {
            break;
        }
        if writer.is_none() && key.is_none() && i != thumb_index {
            continue;
        }
        let pose = landmarks.get(i)?;
        f.image.copy_to(&mut img)?;
        if let Some(plan) = &blur {
            privacy::apply(&mut img, plan.get(i).unwrap_or(&Blur::Whole))?;
        }
        let row = analysis.frames.get(i);
        let kin = row.as_ref();
        let active = active_flags(report, kin.map(|x| x.t).unwrap_or(f.timestamp_s));
        if let Some(target) = key {
            let png = keyframe_png(&img, pose, kin, analysis, report, &active)?;
            done.keyframes.push(spill_keyframe(&kdir, target, &png)?);
        }
        if i == thumb_index {
            // The person and their skeleton, without the header and flag bars (a crop
            // would cut their text short).
            let mut drawn = img.try_clone()?;
            draw_pose(&mut drawn, pose, kin, report)?;
            done.thumbnail = Some(thumbnail_jpeg(&drawn, pose)?);
        }
        draw(&mut img, pose, kin, analysis, report, &active)?;
        if let Some(w) = writer.as_mut() {
            w.writer.write(&img)?;
        }
        count += 1;
    }
    if count == 0 && writer.is_some() {
        return Err(Error::VideoNoFrames {
            path: src.video.into(),
            reason: "nothing to annotate".into(),
        });
    }
    done.codec = writer.map(PendingVideo::finish).transpose()?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns of `row` (of a BGR label band) holding the text's ink: its white fill or
    /// its black outline.
    fn ink_columns(img: &Mat, rows: std::ops::Range<i32>) -> Vec<i32> {
        let mut cols = Vec::new();
        for x in 0..img.cols() {
            let inked = rows.clone().any(|y| {
                let p = img.at_2d::<opencv::core::Vec3b>(y, x).unwrap();
                p.0.iter().all(|&c| c > 235) || p.0.iter().all(|&c| c < 15)
            });
            if inked {
                cols.push(x);
            }
        }
        cols
    }

    #[test]
    fn keyframe_labels_wrap_to_the_crop_and_are_shown_in_full() {
        let long =
            "AMBER: the set spent 2.1 s under load beyond the 45° cap of phase 2".to_string();
        let unbroken = "time_under_compression_beyond_the_cap".to_string();
        for w in [90, 140, 260] {
            let img =
                Mat::new_rows_cols_with_default(100, w, opencv::core::CV_8UC3, Scalar::all(128.0))
                    .unwrap();
            let out =
                with_labels(&img, &[(long.clone(), "amber"), (unbroken.clone(), "red")]).unwrap();
            let scale = (w as f64 / 520.0).clamp(0.4, 0.9);
            let thick = (scale * 2.0).max(1.0) as i32;
            let pad = (8.0 * scale).max(4.0) as i32;
            let lines: Vec<String> = [&long, &unbroken]
                .iter()
                .flat_map(|t| wrap(t, w - 2 * pad, scale, thick).unwrap())
                .collect();
            // Every character is kept, in order.
            let kept: String = lines.concat();
            let want: String = format!("{long}{unbroken}").split_whitespace().collect();
            assert_eq!(kept.replace(' ', ""), want, "width {w}: {lines:?}");
            assert!(lines.len() >= 3, "width {w}: {lines:?}");
            // Each line's ink lies inside the picture, clear of its right edge: nothing is
            // cut off at the crop's edge.
            let line_h = (30.0 * scale) as i32 + 2;
            assert_eq!(out.rows(), 100 + lines.len() as i32 * line_h + pad);
            for i in 0..lines.len() as i32 {
                let cols = ink_columns(&out, i * line_h + 1..(i + 1) * line_h - 1);
                assert!(!cols.is_empty(), "width {w}, line {i}: no text");
                let right = *cols.last().unwrap();
                assert!(
                    right < w - 2,
                    "width {w}, line {i} ({:?}) reaches the edge at {right}",
                    lines[i as usize]
                );
            }
        }
    }

    #[test]
    fn zones_follow_the_cap_and_load() {
        assert_eq!(zone(Some(40.0), true, Some(45.0), Some(10.0)), "green");
        assert_eq!(zone(Some(50.0), true, Some(45.0), Some(10.0)), "amber");
        assert_eq!(zone(Some(56.0), true, Some(45.0), Some(10.0)), "red");
        assert_eq!(zone(Some(80.0), false, Some(45.0), Some(10.0)), "grey");
        assert_eq!(zone(None, true, Some(45.0), Some(10.0)), "grey");
        assert_eq!(zone(Some(80.0), true, None, None), "green");
    }
}
