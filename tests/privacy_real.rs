//! Faces blurred in what hipflex writes, measured on real clips (a side view, a lying
//! bridge, a Nordic with two people, a view from behind, and the side view at half size for
//! a small face): inside the face the detail (variance of the
//! Laplacian) of the annotated video is under a quarter of the source's on every sampled
//! frame, and with `--show-faces` it is kept; outside the heads the blurred and the
//! `--show-faces` videos are the same picture (same overlay, same encoder); the keyframes
//! and thumbnail are blurred too. And the annotated video carries none of the source's
//! metadata (location, device). Real clips: `HIPFLEX_REAL_VIDEOS`; skipped loudly when
//! absent.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use hipflex::landmarks_file::read_landmarks;
use hipflex::pose::{Landmark, PoseFrame};
use hipflex::privacy::{Region, head_region};
use opencv::core::{Mat, Rect, Vector};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc, videoio};

fn hipflex(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_hipflex"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hipflex {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn frames_of(path: &Path) -> Vec<Mat> {
    let mut cap =
        videoio::VideoCapture::from_file(path.to_str().unwrap(), videoio::CAP_ANY).unwrap();
    let mut out = Vec::new();
    let mut m = Mat::default();
    while cap.read(&mut m).unwrap() && !m.empty() {
        out.push(m.try_clone().unwrap());
    }
    out
}

/// Variance of the Laplacian of the grey picture inside `r`.
fn detail(img: &Mat, r: Rect) -> f64 {
    let roi = Mat::roi(img, r).unwrap().try_clone().unwrap();
    let mut grey = Mat::default();
    imgproc::cvt_color_def(&roi, &mut grey, imgproc::COLOR_BGR2GRAY).unwrap();
    let mut lap = Mat::default();
    imgproc::laplacian_def(&grey, &mut lap, opencv::core::CV_64F).unwrap();
    let (mut mean, mut sd) = (Mat::default(), Mat::default());
    opencv::core::mean_std_dev_def(&lap, &mut mean, &mut sd).unwrap();
    let s = *sd.at::<f64>(0).unwrap();
    s * s
}

/// The pixels of `r` clear of the drawn overlay (`None` where it covers most of `r`): the
/// overlay is where the `--show-faces` picture `shown` differs from the source `src` by
/// more than 40 grey levels in some channel, grown by 3 pixels (the Laplacian's reach
/// and the encoder's ringing). The skeleton is drawn sharp over a blurred face by
/// design, so the face's own detail is measured beside it.
fn clear_of_overlay(src: &Mat, shown: &Mat, r: Rect) -> Option<Mat> {
    let (a, b) = (
        Mat::roi(src, r).unwrap().try_clone().unwrap(),
        Mat::roi(shown, r).unwrap().try_clone().unwrap(),
    );
    let mut d = Mat::default();
    opencv::core::absdiff(&a, &b, &mut d).unwrap();
    let mut chans: Vector<Mat> = Vector::new();
    opencv::core::split(&d, &mut chans).unwrap();
    let mut m = chans.get(0).unwrap();
    for c in 1..chans.len() {
        let mut t = Mat::default();
        opencv::core::max(&m, &chans.get(c).unwrap(), &mut t).unwrap();
        m = t;
    }
    let mut drawn = Mat::default();
    imgproc::threshold(&m, &mut drawn, 40.0, 255.0, imgproc::THRESH_BINARY).unwrap();
    let kernel =
        imgproc::get_structuring_element_def(imgproc::MORPH_RECT, opencv::core::Size::new(7, 7))
            .unwrap();
    let mut grown = Mat::default();
    imgproc::dilate_def(&drawn, &mut grown, &kernel).unwrap();
    let mut clear = Mat::default();
    opencv::core::bitwise_not_def(&grown, &mut clear).unwrap();
    let n = opencv::core::count_non_zero(&clear).unwrap();
    (n as f64 >= 0.3 * (r.width * r.height) as f64).then_some(clear)
}

/// Mean absolute grey difference of `a` and `b` over the pixels of `r` that `mask` keeps.
fn grey_diff_in(a: &Mat, b: &Mat, r: Rect, mask: &Mat) -> f64 {
    let grey = |img: &Mat| {
        let roi = Mat::roi(img, r).unwrap().try_clone().unwrap();
        let mut g = Mat::default();
        imgproc::cvt_color_def(&roi, &mut g, imgproc::COLOR_BGR2GRAY).unwrap();
        g
    };
    let mut d = Mat::default();
    opencv::core::absdiff(&grey(a), &grey(b), &mut d).unwrap();
    opencv::core::mean(&d, mask).unwrap()[0]
}

/// [`detail`] over the pixels of `r` that `mask` (the size of `r`) keeps.
fn detail_in(img: &Mat, r: Rect, mask: &Mat) -> f64 {
    let roi = Mat::roi(img, r).unwrap().try_clone().unwrap();
    let mut grey = Mat::default();
    imgproc::cvt_color_def(&roi, &mut grey, imgproc::COLOR_BGR2GRAY).unwrap();
    let mut lap = Mat::default();
    imgproc::laplacian_def(&grey, &mut lap, opencv::core::CV_64F).unwrap();
    let (mut mean, mut sd) = (Mat::default(), Mat::default());
    opencv::core::mean_std_dev(&lap, &mut mean, &mut sd, mask).unwrap();
    let s = *sd.at::<f64>(0).unwrap();
    s * s
}

/// The face itself (the box around landmarks 0-10, a quarter larger), clear of the
/// overlay's header bar and flag banner, in a `w` x `h` frame.
fn face_box(lm: &[Landmark], w: i32, h: i32) -> Option<Rect> {
    let f = &lm[0..=10];
    let x0 = f.iter().map(|l| l.x).fold(f32::MAX, f32::min);
    let x1 = f.iter().map(|l| l.x).fold(f32::MIN, f32::max);
    let y0 = f.iter().map(|l| l.y).fold(f32::MAX, f32::min);
    let y1 = f.iter().map(|l| l.y).fold(f32::MIN, f32::max);
    let side = (x1 - x0).max(y1 - y0).max(16.0) * 1.25;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let scale = (h.min(w) as f32 / 720.0).max(0.4);
    let top = 44.0 * scale;
    let bottom = h as f32 - 48.0 * scale;
    let r = Region {
        x0: cx - side / 2.0,
        y0: (cy - side / 2.0).max(top),
        x1: cx + side / 2.0,
        y1: (cy + side / 2.0).min(bottom),
    };
    r.clamp(w, h).filter(|r| r.width * r.height >= 150)
}

/// Fraction of the pixels outside `heads` (each grown by `grow` px) where the two
/// pictures differ by more than 40 grey levels in some channel.
fn changed_outside(a: &Mat, b: &Mat, heads: &[Region], grow: f32) -> f64 {
    let mut diff = Mat::default();
    opencv::core::absdiff(a, b, &mut diff).unwrap();
    let (w, h) = (a.cols(), a.rows());
    let (mut changed, mut total) = (0usize, 0usize);
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let inside = heads.iter().any(|r| {
                let (xf, yf) = (x as f32, y as f32);
                xf >= r.x0 - grow && xf <= r.x1 + grow && yf >= r.y0 - grow && yf <= r.y1 + grow
            });
            if inside {
                continue;
            }
            total += 1;
            let p = diff.at_2d::<opencv::core::Vec3b>(y, x).unwrap().0;
            if p.iter().any(|&c| c > 40) {
                changed += 1;
            }
        }
    }
    changed as f64 / total.max(1) as f64
}

fn pose_at(frames: &[PoseFrame], i: usize) -> Option<&[Landmark]> {
    frames.get(i)?.pose.as_ref().map(|p| p.image.as_slice())
}

/// The pose of frame `i`, or of the nearest frame within 15 (0.5 s at 30 fps) that has one.
fn pose_near(frames: &[PoseFrame], i: usize) -> Option<&[Landmark]> {
    (0..=15).find_map(|d| pose_at(frames, i + d).or_else(|| pose_at(frames, i.checked_sub(d)?)))
}

/// A 4-second excerpt of a real clip (re-encoded, so the test stays short).
fn excerpt(src: &Path, start: f64, dir: &Path) -> PathBuf {
    excerpt_scaled(src, start, None, dir)
}

/// [`excerpt`], scaled to `width` pixels wide when given (a small, far-away person).
fn excerpt_scaled(src: &Path, start: f64, width: Option<u32>, dir: &Path) -> PathBuf {
    let name = src.file_name().unwrap().to_string_lossy();
    let out = match width {
        Some(w) => dir.join(format!("w{w}-{name}")),
        None => dir.join(&*name),
    };
    let scale = width
        .map(|w| format!("scale={w}:-2"))
        .unwrap_or("null".into());
    common::ffmpeg(&[
        "-ss",
        &format!("{start}"),
        "-i",
        &src.to_string_lossy(),
        "-t",
        "4",
        "-vf",
        &scale,
        "-an",
        "-c:v",
        "libx264",
        "-crf",
        "16",
        "-pix_fmt",
        "yuv420p",
        &out.to_string_lossy(),
    ]);
    out
}

struct Clip {
    file: &'static str,
    start: f64,
    phase: &'static str,
    /// `--person` choice that follows the second person, when there is one.
    other: Option<&'static str>,
    /// Scaled to this width (a small face), when given.
    width: Option<u32>,
}

fn check_clip(dir: &Path, tmp: &Path, c: &Clip) -> Vec<String> {
    let src = excerpt_scaled(&dir.join(c.file), c.start, c.width, tmp);
    let tag = src.file_name().unwrap().to_string_lossy().into_owned();
    let blur = tmp.join(format!("{tag}-blur"));
    let show = tmp.join(format!("{tag}-show"));
    let s = src.to_string_lossy().into_owned();
    let common_args = ["--phase", c.phase, "--model", "lite"];
    hipflex(
        &[
            &["analyze", &s, "--out", &blur.to_string_lossy()][..],
            &common_args,
        ]
        .concat(),
    );
    hipflex(
        &[
            &[
                "analyze",
                &s,
                "--show-faces",
                "--out",
                &show.to_string_lossy(),
            ][..],
            &common_args,
        ]
        .concat(),
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(blur.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["faces_shown"], false);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(show.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["faces_shown"], true);
    let (_, own) = read_landmarks(&blur.join("landmarks.json")).unwrap();
    let partner = c.other.map(|p| {
        let o = tmp.join(format!("{}-other", c.file));
        hipflex(
            &[
                &[
                    "analyze",
                    &s,
                    "--show-faces",
                    "--no-video",
                    "--person",
                    p,
                    "--out",
                    &o.to_string_lossy(),
                ][..],
                &common_args,
            ]
            .concat(),
        );
        read_landmarks(&o.join("landmarks.json")).unwrap().1
    });
    let (vs, vb, vw) = (
        frames_of(&src),
        frames_of(&blur.join("annotated.mp4")),
        frames_of(&show.join("annotated.mp4")),
    );
    assert_eq!(vs.len(), vb.len());
    let mut ratios = Vec::new();
    // Per sampled face: mean grey difference from the source, shown and blurred.
    let mut shown_diff: Vec<(usize, f64, f64)> = Vec::new();
    let mut changed = Vec::new();
    for i in (0..vs.len()).step_by(12) {
        let (w, h) = (vs[i].cols(), vs[i].rows());
        let mut faces: Vec<&[Landmark]> = pose_at(&own, i).into_iter().collect();
        if let Some(p) = partner.as_ref().and_then(|p| pose_at(p, i)) {
            faces.push(p);
        }
        for lm in &faces {
            let Some(r) = face_box(lm, w, h) else {
                continue;
            };
            let Some(clear) = clear_of_overlay(&vs[i], &vw[i], r) else {
                continue; // the skeleton covers the face here
            };
            let (ds, db, dw) = (
                detail_in(&vs[i], r, &clear),
                detail_in(&vb[i], r, &clear),
                detail_in(&vw[i], r, &clear),
            );
            if ds < 20.0 {
                continue; // a flat patch has no detail to remove
            }
            ratios.push((i, db / ds, dw / ds));
            shown_diff.push((
                i,
                grey_diff_in(&vs[i], &vw[i], r, &clear),
                grey_diff_in(&vs[i], &vb[i], r, &clear),
            ));
        }
        // Where the followed person was not found the test does not know where their head
        // is, so it cannot say what lies outside it.
        let heads: Vec<Region> = faces.iter().filter_map(|lm| head_region(lm)).collect();
        if pose_at(&own, i).is_some() && heads.len() == faces.len() {
            let bystanders = BYSTANDER_HEADS.iter().filter(|(f, _, _)| *f == c.file).map(
                |&(_, [x0, y0, x1, y1], h)| Region {
                    x0: x0 - h,
                    y0: y0 - h,
                    x1: x1 + h,
                    y1: y1 + h,
                },
            );
            let known: Vec<Region> = heads.iter().copied().chain(bystanders).collect();
            changed.push((i, changed_outside(&vb[i], &vw[i], &known, 12.0)));
        }
    }
    // Heads were marked by eye on three of the excerpts, at their own size only; the
    // others are checked on their landmarks' face boxes above.
    let marked_here = MARKED_HEADS.iter().any(|(f, _, _)| *f == c.file);
    let mut marked = match c.width {
        None if marked_here => check_marked_heads(c.file, (&vs, &vb, &vw)),
        _ => Vec::new(),
    };
    if c.width.is_none() {
        marked.extend(check_scene_patches(c.file, (&vs, &vb, &vw)));
    }
    eprintln!(
        "{}: face detail blurred/source, shown/source per sampled frame: {:?}",
        tag,
        ratios
            .iter()
            .map(|(i, b, s)| format!("{i}: {b:.3} {s:.2}"))
            .collect::<Vec<_>>()
    );
    eprintln!(
        "{}: changed outside the heads: {:?}",
        tag,
        changed
            .iter()
            .map(|(i, f)| format!("{i}: {:.4}", f))
            .collect::<Vec<_>>()
    );
    assert!(
        ratios.len() >= 5,
        "{}: too few faces measured: {ratios:?}",
        tag
    );
    for (i, b, s) in &ratios {
        assert!(
            *b < 0.25,
            "{} frame {i}: blurred face keeps {b:.2} of the detail",
            tag
        );
        assert!(
            *s > 0.5,
            "{} frame {i}: --show-faces keeps only {s:.2} of the detail",
            tag
        );
    }
    eprintln!(
        "{}: face grey difference from the source, shown / blurred: {:?}",
        tag,
        shown_diff
            .iter()
            .map(|(i, s, b)| format!("{i}: {s:.1} {b:.1}"))
            .collect::<Vec<_>>()
    );
    // With --show-faces the face is the source's, apart from the annotated video's own
    // encoding (measured 2.1-3.7 grey levels on average; blurred 12.6-52.2).
    for (i, shown, _) in &shown_diff {
        assert!(
            *shown < 5.0,
            "{} frame {i}: --show-faces changes the face by {shown:.1} grey levels",
            tag
        );
    }
    for (i, f) in &changed {
        assert!(
            *f < 0.01,
            "{} frame {i}: {:.1}% changed outside the heads",
            tag,
            f * 100.0
        );
    }
    check_pictures(
        &blur,
        &show,
        (&vs, &vw),
        (&own, partner.as_deref()),
        c.file,
        &tag,
    );
    if c.file == "deadlift_formfit_1.mp4" && c.width.is_none() {
        check_batch_pictures(tmp, &src, (&vs, &vw), c, &tag);
    }
    marked
}

/// The batch's pictures of the clip: each video's thumbnail and keyframes are checked as
/// `analyze`'s are (see [`check_pictures`]), and `index.html` shows exactly that blurred
/// (or, with `--show-faces`, shown) thumbnail.
fn check_batch_pictures(tmp: &Path, src: &Path, (vs, vw): (&[Mat], &[Mat]), c: &Clip, tag: &str) {
    let run = |name: &str, extra: &[&str]| -> PathBuf {
        let out = tmp.join(format!("{tag}-batch-{name}"));
        hipflex(
            &[
                &[
                    "batch",
                    &src.to_string_lossy(),
                    "--out",
                    &out.to_string_lossy(),
                ][..],
                &[
                    "--phase",
                    c.phase,
                    "--model",
                    "lite",
                    "--no-video",
                    "--no-db",
                ],
                extra,
            ]
            .concat(),
        );
        out
    };
    let (blur, show) = (run("blur", &[]), run("show", &["--show-faces"]));
    let stem = src.file_stem().unwrap().to_string_lossy().into_owned();
    let folder = |out: &Path| -> PathBuf {
        let report = walk_for(out, "report.html");
        assert!(
            report.iter().any(|p| p.to_string_lossy().contains(&stem)),
            "{tag}: no batch report for {stem}: {report:?}"
        );
        report[0].parent().unwrap().to_path_buf()
    };
    let (vb, vsh) = (folder(&blur), folder(&show));
    for (out, dir) in [(&blur, &vb), (&show, &vsh)] {
        use base64::Engine as _;
        let index = std::fs::read_to_string(out.join("index.html")).unwrap();
        let thumb = std::fs::read(dir.join("thumbnail.jpg")).unwrap();
        let embedded = format!(
            "data:image/jpeg;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&thumb)
        );
        assert!(
            index.contains(&embedded),
            "{tag}: {}'s index.html does not show the video's thumbnail.jpg",
            out.display()
        );
    }
    let (_, own) = read_landmarks(&vb.join("landmarks.json")).unwrap();
    check_pictures(
        &vb,
        &vsh,
        (vs, vw),
        (&own, None),
        c.file,
        &format!("{tag} batch"),
    );
}

/// Every file named `name` under `dir`.
fn walk_for(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == name) {
                out.push(p);
            }
        }
    }
    out
}

/// People in view whom no landmarks of the test describe, for "changed outside the heads":
/// the box their head moves within over the excerpt (placed by eye on its frames), and
/// their head height in pixels, by which it is grown each way as [`head_region`] grows the
/// landmark heads. The man behind the rack in the rear-view deadlift stands (head about
/// x 152-262, y 305-400) and bends low (down to y 470); his blur is kept where he was found
/// before and after (`privacy::BRIDGE_OTHERS_S`), grown where the scans nearest a frame
/// missed him (`privacy::MISSED_GROW_DOWN`).
const BYSTANDER_HEADS: &[(&str, [f32; 4], f32)] =
    &[("rdl_sebitzu_1.mp4", [152.0, 305.0, 262.0, 470.0], 60.0)];

/// Whole heads (hair, crown, back of the head, chin) measured by eye on the excerpts'
/// frames, as (clip, frame, x0, y0, x1, y1) in pixels: a standing and a bent deadlifter,
/// a lying bridge and both people of the Nordic: the partner bent over and looking down
/// (frame 96, where the partner's crown hair once stayed sharp above a head box sized
/// from his foreshortened trunk), and the athlete rising from the floor at the frame's
/// edge before the tracker finds him (frame 24, once left sharp by the lead-in); and a
/// man in the background of the rear-view deadlift, half hidden behind the bars of a
/// rack at the left (his face some 30 px in the 1920 x 926 frame, too small for the person
/// detector: sharp before the face detector, detail kept 0.86-0.97 on these frames),
/// standing (60, 120, 210), bent over (150), bent low with his head below every place he
/// was found at (165, 180: missed by both detectors from frame 150 to 195, once sharp
/// there below the kept boxes) and rising again (195).
const MARKED_HEADS: &[(&str, usize, [i32; 4])] = &[
    ("deadlift_formfit_1.mp4", 0, [308, 205, 402, 307]),
    ("deadlift_formfit_1.mp4", 24, [236, 24, 320, 124]),
    ("bridge_darebee_1.mp4", 12, [970, 515, 1054, 628]),
    ("bridge_darebee_1.mp4", 48, [972, 515, 1058, 628]),
    ("nordic_fittransformer_1.mp4", 24, [0, 585, 55, 682]),
    ("nordic_fittransformer_1.mp4", 48, [275, 378, 360, 482]),
    ("nordic_fittransformer_1.mp4", 48, [390, 510, 470, 604]),
    ("nordic_fittransformer_1.mp4", 96, [283, 390, 362, 497]),
    ("nordic_fittransformer_1.mp4", 96, [408, 517, 500, 612]),
    ("rdl_sebitzu_1.mp4", 60, [212, 340, 272, 412]),
    ("rdl_sebitzu_1.mp4", 120, [198, 323, 258, 402]),
    ("rdl_sebitzu_1.mp4", 150, [203, 390, 262, 447]),
    ("rdl_sebitzu_1.mp4", 165, [190, 402, 256, 460]),
    ("rdl_sebitzu_1.mp4", 180, [184, 398, 252, 456]),
    ("rdl_sebitzu_1.mp4", 195, [174, 354, 238, 420]),
    ("rdl_sebitzu_1.mp4", 210, [152, 305, 218, 390]),
];

/// The marked whole heads of `file` (see [`MARKED_HEADS`]): the whole box and each of its
/// four edge bands (a quarter of the box deep: crown, chin, front and back of the head)
/// keep under a quarter of the source's detail in the blurred video, clear of the drawn
/// overlay, wherever the source has detail there; with `--show-faces`, over a half.
fn check_marked_heads(file: &str, (vs, vb, vw): (&[Mat], &[Mat], &[Mat])) -> Vec<String> {
    let mut measured = Vec::new();
    let mut failed = Vec::new();
    for &(_, i, [x0, y0, x1, y1]) in MARKED_HEADS.iter().filter(|m| m.0 == file) {
        let (w, h) = (x1 - x0, y1 - y0);
        let (bw, bh) = (w / 4, h / 4);
        let parts = [
            ("head", Rect::new(x0, y0, w, h)),
            ("top", Rect::new(x0, y0, w, bh)),
            ("bottom", Rect::new(x0, y1 - bh, w, bh)),
            ("left", Rect::new(x0, y0, bw, h)),
            ("right", Rect::new(x1 - bw, y0, bw, h)),
        ];
        for (name, r) in parts {
            let Some(clear) = clear_of_overlay(&vs[i], &vw[i], r) else {
                continue;
            };
            let ds = detail_in(&vs[i], r, &clear);
            if ds < 20.0 {
                continue;
            }
            let (rb, rs) = (
                detail_in(&vb[i], r, &clear) / ds,
                detail_in(&vw[i], r, &clear) / ds,
            );
            measured.push(format!("{i} {name}: {rb:.3} {rs:.2}"));
            if rb >= 0.25 {
                failed.push(format!(
                    "{file} frame {i}: the marked head's {name} keeps {rb:.2} of the detail"
                ));
            }
            if rs <= 0.5 {
                failed.push(format!(
                    "{file} frame {i}: --show-faces keeps only {rs:.2} of the head's {name}"
                ));
            }
        }
    }
    eprintln!("{file}: marked heads, detail blurred/source, shown/source: {measured:?}");
    if measured.len() < 4 {
        failed.push(format!(
            "{file}: too few marked head parts measured: {measured:?}"
        ));
    }
    failed
}

/// Places of the scene with nobody in them, marked by eye on the excerpts' frames, as
/// (clip, first frame, last frame, [x0, y0, x1, y1]) in pixels: the weight plate beside
/// the rear-view lifter's right knee, where the landmark model once read a person into
/// the lifter's legs with the head on the plate (one scan, at frame 165) and a patch of
/// plate stayed blurred over frames 129-201; and the plate beside an oblique lifter's shins
/// and the floor below it, which the fine face windows once scored 0.46 as an 81-px face
/// with a giant pose read below it (frame 10 of a 3-s excerpt at 1 s).
const SCENE_PATCHES: &[(&str, usize, usize, [i32; 4])] = &[
    ("rdl_sebitzu_1.mp4", 120, 216, [1165, 565, 1265, 720]),
    ("deadlift_bichraix_2.mp4", 0, 110, [360, 580, 500, 715]),
];

/// The marked places of the scene of `file` (see [`SCENE_PATCHES`]) are not blurred: on
/// every 12th frame with some texture there, clear of the drawn overlay, the blurred video keeps the detail of the
/// `--show-faces` one there (the same overlay, the same encoder), over 0.75 of it.
fn check_scene_patches(file: &str, (vs, vb, vw): (&[Mat], &[Mat], &[Mat])) -> Vec<String> {
    let mut measured = Vec::new();
    let mut failed = Vec::new();
    for &(_, first, last, [x0, y0, x1, y1]) in SCENE_PATCHES.iter().filter(|m| m.0 == file) {
        let r = Rect::new(x0, y0, x1 - x0, y1 - y0);
        for i in (first..=last.min(vb.len() - 1)).step_by(12) {
            let Some(clear) = clear_of_overlay(&vs[i], &vw[i], r) else {
                continue;
            };
            let dw = detail_in(&vw[i], r, &clear);
            if dw < 10.0 {
                continue;
            }
            let ratio = detail_in(&vb[i], r, &clear) / dw;
            measured.push(format!("{i}: {ratio:.2}"));
            if ratio < 0.75 {
                failed.push(format!(
                    "{file} frame {i}: the scene at {r:?} (nobody there) keeps only {ratio:.2} of the detail"
                ));
            }
        }
    }
    if !measured.is_empty() {
        eprintln!("{file}: scene with nobody in it, detail blurred/shown: {measured:?}");
    }
    if SCENE_PATCHES.iter().any(|m| m.0 == file) && measured.len() < 5 {
        failed.push(format!(
            "{file}: too few scene frames measured: {measured:?}"
        ));
    }
    failed
}

/// The part of a frame hipflex crops around the person for a keyframe or thumbnail (its
/// rule: the landmarks seen, visibility 0.5 or more, plus a fifth of the larger side).
fn person_crop(lm: Option<&[Landmark]>, w: i32, h: i32) -> Rect {
    let vis: Vec<&Landmark> = lm
        .unwrap_or(&[])
        .iter()
        .filter(|l| l.visibility >= 0.5)
        .collect();
    if vis.is_empty() {
        return Rect::new(0, 0, w, h);
    }
    let x0 = vis.iter().map(|l| l.x).fold(f32::MAX, f32::min);
    let x1 = vis.iter().map(|l| l.x).fold(f32::MIN, f32::max);
    let y0 = vis.iter().map(|l| l.y).fold(f32::MAX, f32::min);
    let y1 = vis.iter().map(|l| l.y).fold(f32::MIN, f32::max);
    let m = 0.2 * (x1 - x0).max(y1 - y0);
    let xa = ((x0 - m).max(0.0) as i32).min(w - 1);
    let ya = ((y0 - m).max(0.0) as i32).min(h - 1);
    let xb = ((x1 + m) as i32).clamp(xa + 1, w);
    let yb = ((y1 + m) as i32).clamp(ya + 1, h);
    Rect::new(xa, ya, xb - xa, yb - ya)
}

/// How a written picture sits on a source frame: the frame, the crop, its scale in the
/// picture and the rows above it (a keyframe's label band).
struct Placed {
    frame: usize,
    crop: Rect,
    scale: f64,
    top: i32,
}

impl Placed {
    /// The source frame's crop as the picture shows it (same scale, same place).
    fn source(&self, frames: &[Mat], pic: &Mat) -> Mat {
        let crop = Mat::roi(&frames[self.frame], self.crop)
            .unwrap()
            .try_clone()
            .unwrap();
        let mut scaled = Mat::default();
        let size = opencv::core::Size::new(pic.cols(), pic.rows() - self.top);
        imgproc::resize(&crop, &mut scaled, size, 0.0, 0.0, imgproc::INTER_AREA).unwrap();
        let mut out = pic.try_clone().unwrap();
        let mut dst =
            Mat::roi_mut(&mut out, Rect::new(0, self.top, size.width, size.height)).unwrap();
        scaled.copy_to(&mut dst).unwrap();
        out
    }

    /// The region `r` (frame pixels) in the picture's pixels, where it shows there.
    fn map_region(&self, r: &Region, pic: &Mat) -> Option<Region> {
        let s = self.scale as f32;
        let (cx, cy, top) = (self.crop.x as f32, self.crop.y as f32, self.top as f32);
        let q = Region {
            x0: (r.x0 - cx) * s,
            y0: (r.y0 - cy) * s + top,
            x1: (r.x1 - cx) * s,
            y1: (r.y1 - cy) * s + top,
        };
        (q.x1 > 0.0 && q.y1 > top && q.x0 < pic.cols() as f32 && q.y0 < pic.rows() as f32)
            .then_some(q)
    }

    /// `r` (frame pixels) in the picture, at least `min` pixels each way.
    fn map(&self, r: Rect, min: i32, pic: &Mat) -> Option<Rect> {
        let s = self.scale;
        let cx = (r.x as f64 + r.width as f64 / 2.0 - self.crop.x as f64) * s;
        let cy = (r.y as f64 + r.height as f64 / 2.0 - self.crop.y as f64) * s + self.top as f64;
        let half_w = (r.width as f64 * s / 2.0).max(min as f64 / 2.0);
        let half_h = (r.height as f64 * s / 2.0).max(min as f64 / 2.0);
        let reg = Region {
            x0: (cx - half_w) as f32,
            y0: (cy - half_h).max(self.top as f64) as f32,
            x1: (cx + half_w) as f32,
            y1: (cy + half_h) as f32,
        };
        reg.clamp(pic.cols(), pic.rows())
            .filter(|q| q.width >= min && q.height >= min)
    }
}

/// Mean absolute grey difference of two pictures of one size.
fn mean_diff(a: &Mat, b: &Mat) -> f64 {
    let mut d = Mat::default();
    opencv::core::absdiff(a, b, &mut d).unwrap();
    let m = opencv::core::mean_def(&d).unwrap();
    (m[0] + m[1] + m[2]) / 3.0
}

/// Finds the frame and crop a picture was made from: of the frames whose person crop
/// gives the picture's size (scaled to `height`, or unscaled below a label band), the
/// one whose crop looks most like it, in the source or in the `--show-faces` annotated
/// video `drawn` (a thumbnail shows the whole overlay, a keyframe only the skeleton).
/// Panics when none looks like it.
fn place(
    pic: &Mat,
    frames: &[Mat],
    drawn: &[Mat],
    own: &[PoseFrame],
    height: Option<i32>,
) -> Placed {
    let mut best: Option<(f64, Placed)> = None;
    for (i, f) in frames.iter().enumerate() {
        let crop = person_crop(pose_at(own, i), f.cols(), f.rows());
        let placed = match height {
            Some(th) => {
                let h = th.min(crop.height).max(1);
                let w = ((crop.width as f64 * h as f64 / crop.height.max(1) as f64).round() as i32)
                    .max(1);
                if (w, h) != (pic.cols(), pic.rows()) {
                    continue;
                }
                Placed {
                    frame: i,
                    crop,
                    scale: h as f64 / crop.height as f64,
                    top: 0,
                }
            }
            None => {
                if crop.width != pic.cols() || crop.height > pic.rows() {
                    continue;
                }
                Placed {
                    frame: i,
                    crop,
                    scale: 1.0,
                    top: pic.rows() - crop.height,
                }
            }
        };
        let d = mean_diff(&placed.source(frames, pic), pic)
            .min(mean_diff(&placed.source(drawn, pic), pic));
        if best.as_ref().is_none_or(|b| d < b.0) {
            best = Some((d, placed));
        }
    }
    let (d, placed) = best.expect("no frame gives the picture's size");
    assert!(
        d < 12.0,
        "no frame looks like the picture (closest: frame {}, {d:.1} grey levels)",
        placed.frame
    );
    placed
}

fn decode(bytes: &[u8]) -> Mat {
    let v: Vector<u8> = bytes.iter().copied().collect();
    imgcodecs::imdecode(&v, imgcodecs::IMREAD_COLOR).unwrap()
}

fn keyframes(dir: &Path) -> Vec<Mat> {
    use base64::Engine;
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    page.split("data:image/png;base64,")
        .skip(1)
        .map(|s| {
            let b64 = s.split('"').next().unwrap();
            decode(
                &base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            )
        })
        .collect()
}

/// The thumbnail and every keyframe in report.html, measured as the video is: each is
/// found on its source frame, and the face's detail in it is compared with the same
/// place of the source frame scaled the same way: under a quarter when blurred, and kept
/// (over a half) with `--show-faces`.
fn check_pictures(
    blur: &Path,
    show: &Path,
    (vs, vw): (&[Mat], &[Mat]),
    (own, partner): (&[PoseFrame], Option<&[PoseFrame]>),
    clip: &str,
    file: &str,
) {
    let thumb = |d: &Path| decode(&std::fs::read(d.join("thumbnail.jpg")).unwrap());
    let mut pictures = vec![("thumbnail".to_string(), thumb(blur), thumb(show), Some(160))];
    let (kb, ks) = (keyframes(blur), keyframes(show));
    assert_eq!(kb.len(), ks.len());
    for (n, (b, s)) in kb.into_iter().zip(ks).enumerate() {
        pictures.push((format!("keyframe {}", n + 1), b, s, None));
    }
    let mut measured = Vec::new();
    for (name, b, s, height) in &pictures {
        assert_eq!((b.cols(), b.rows()), (s.cols(), s.rows()), "{name}");
        let placed = place(s, vs, vw, own, *height);
        let src = placed.source(vs, s);
        // A picture cut from a frame where the pose was lost shows the whole frame, and its
        // face is where the nearest frame with the pose puts it (the region kept blurred).
        let lm = pose_near(own, placed.frame).unwrap_or_else(|| {
            panic!(
                "{file} {name}: no pose within 0.5 s of frame {}",
                placed.frame
            )
        });
        let (w, h) = (vs[0].cols(), vs[0].rows());
        let face = face_box(lm, w, h).expect("the face is in the frame");
        let r = placed.map(face, 8, s).expect("the face is in the picture");
        // The skeleton is drawn sharp over the blurred face by design: where it crosses
        // the face box (a rear view's shoulders touch the head at thumbnail size), the
        // face's own detail is measured beside it, as on the video frames.
        let (ds, db, dw) = match clear_of_overlay(&src, s, r) {
            Some(clear) => (
                detail_in(&src, r, &clear),
                detail_in(b, r, &clear),
                detail_in(s, r, &clear),
            ),
            None => (detail(&src, r), detail(b, r), detail(s, r)),
        };
        let (rb, rs) = (db / ds, dw / ds);
        // Outside the heads (the followed person's, the partner's and the known
        // bystanders', grown by a JPEG block) the blurred picture is the shown one: under
        // 0.1% of its pixels differ (a head-sized patch blurred elsewhere on a 160-px
        // thumbnail is about 1%; measured 0 on every picture).
        let heads: Vec<Region> = std::iter::once(lm)
            .chain(partner.and_then(|p| pose_near(p, placed.frame)))
            .filter_map(head_region)
            .chain(BYSTANDER_HEADS.iter().filter(|(f, _, _)| *f == clip).map(
                |&(_, [x0, y0, x1, y1], h)| Region {
                    x0: x0 - h,
                    y0: y0 - h,
                    x1: x1 + h,
                    y1: y1 + h,
                },
            ))
            .filter_map(|r| placed.map_region(&r, s))
            .collect();
        let outside = changed_outside(b, s, &heads, 16.0);
        measured.push(format!(
            "{name} (frame {}): {rb:.3} {rs:.2}, changed outside the heads {:.4}",
            placed.frame, outside
        ));
        assert!(
            outside < 0.001,
            "{file} {name}: {:.1}% changed outside the heads",
            outside * 100.0
        );
        assert!(
            ds > 5.0,
            "{file} {name}: the source face has no detail ({ds:.1})"
        );
        assert!(
            rb < 0.25,
            "{file} {name}: the blurred face keeps {rb:.2} of the detail"
        );
        assert!(
            rs > 0.5,
            "{file} {name}: --show-faces keeps only {rs:.2} of the detail"
        );
    }
    eprintln!("{file}: pictures, face detail blurred/source, shown/source: {measured:?}");
    let page = std::fs::read_to_string(blur.join("report.html")).unwrap();
    let page_shown = std::fs::read_to_string(show.join("report.html")).unwrap();
    assert!(page.contains("blurred in the annotated video"));
    assert!(page_shown.contains("shown in the annotated video"));
}

#[test]
fn faces_are_blurred_in_real_clips_and_nothing_else_is() {
    let Some(dir) = common::real_videos_dir("faces_are_blurred_in_real_clips_and_nothing_else_is")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut failed = Vec::new();
    for c in [
        Clip {
            file: "deadlift_formfit_1.mp4",
            start: 1.0,
            phase: "2",
            other: None,
            width: None,
        },
        Clip {
            file: "bridge_darebee_1.mp4",
            start: 2.0,
            phase: "2",
            other: None,
            width: None,
        },
        Clip {
            file: "nordic_fittransformer_1.mp4",
            start: 4.0,
            phase: "3",
            other: Some("right"),
            width: None,
        },
        // Filmed from behind: the head is the back of the head, placed from the landmarks.
        Clip {
            file: "rdl_sebitzu_1.mp4",
            start: 0.5,
            phase: "2",
            other: None,
            width: None,
        },
        // Oblique, a weight plate beside the shins (see SCENE_PATCHES).
        Clip {
            file: "deadlift_bichraix_2.mp4",
            start: 1.0,
            phase: "2",
            other: None,
            width: None,
        },
        // Far away: the side-view deadlift at half its size (246x360, a face of ~15 px).
        Clip {
            file: "deadlift_formfit_1.mp4",
            start: 1.0,
            phase: "2",
            other: None,
            width: Some(246),
        },
    ] {
        match EXPECTED_FAILURES.iter().find(|(f, _)| *f == c.file) {
            None => failed.extend(check_clip(&dir, tmp.path(), &c)),
            Some((file, recorded)) => {
                let r = std::panic::catch_unwind(|| {
                    let failed = check_clip(&dir, tmp.path(), &c);
                    assert!(failed.is_empty(), "{failed:?}");
                });
                match r {
                    Err(e) => eprintln!(
                        "\n*** EXPECTED FAILURE {file}: {}\n      when listed: {recorded}\n",
                        e.downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| e.downcast_ref::<&str>().copied())
                            .unwrap_or("panicked")
                    ),
                    Ok(()) => panic!(
                        "{file}: listed as an expected failure but now passes: remove its entry"
                    ),
                }
            }
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

/// A person who walks in, and is found late: a real side-view excerpt (a deadlifter
/// facing right) slides into a black frame from the left over [`SLIDE_FRAMES`] frames, so
/// that the face comes into view before enough of the body for the tracker. Where the person's face is (their
/// landmarks in the excerpt itself, moved as the picture was), it keeps under a quarter of
/// the detail on every sampled frame, before the tracker has found them and after.
#[test]
fn a_person_walking_in_is_blurred_before_and_after_they_are_found() {
    let Some(dir) =
        common::real_videos_dir("a_person_walking_in_is_blurred_before_and_after_they_are_found")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = excerpt(&dir.join("deadlift_formfit_1.mp4"), 1.0, tmp.path());
    let s = src.to_string_lossy().into_owned();
    let common_args = ["--phase", "2", "--model", "lite"];
    let still = tmp.path().join("still");
    let args = ["analyze", &s, "--show-faces", "--no-video", "--out"];
    hipflex(&[&args[..], &[&*still.to_string_lossy()], &common_args].concat());
    let (_, truth) = read_landmarks(&still.join("landmarks.json")).unwrap();
    let walk = tmp.path().join("walk.mp4");
    let w = frames_of(&src)[0].cols();
    let slide = format!(
        "color=c=black:s={w}x{}:r=24000/1001[bg];[bg][0:v]overlay=x='min(0\\,-{w}*(1-n/{SLIDE_FRAMES}))':y=0:shortest=1:eval=frame",
        frames_of(&src)[0].rows()
    );
    common::ffmpeg(&[
        "-i",
        &s,
        "-filter_complex",
        &slide,
        "-an",
        "-c:v",
        "libx264",
        "-crf",
        "16",
        "-pix_fmt",
        "yuv420p",
        &walk.to_string_lossy(),
    ]);
    let ws = walk.to_string_lossy().into_owned();
    let (blur, show) = (tmp.path().join("blur"), tmp.path().join("show"));
    hipflex(
        &[
            &["analyze", &ws, "--out", &*blur.to_string_lossy()][..],
            &common_args,
        ]
        .concat(),
    );
    hipflex(
        &[
            &[
                "analyze",
                &ws,
                "--show-faces",
                "--out",
                &*show.to_string_lossy(),
            ][..],
            &common_args,
        ]
        .concat(),
    );
    let (_, found) = read_landmarks(&blur.join("landmarks.json")).unwrap();
    let first = found.iter().position(|f| f.pose.is_some()).unwrap();
    let (vs, vb, vw) = (
        frames_of(&walk),
        frames_of(&blur.join("annotated.mp4")),
        frames_of(&show.join("annotated.mp4")),
    );
    assert_eq!(vs.len(), vb.len());
    let (fw, fh) = (vs[0].cols(), vs[0].rows());
    let mut ratios = Vec::new();
    for i in (0..vs.len().min(2 * SLIDE_FRAMES)).step_by(3) {
        let Some(lm) = pose_at(&truth, i) else {
            continue;
        };
        let dx = (-(fw as f32) * (1.0 - i as f32 / SLIDE_FRAMES as f32)).min(0.0);
        let moved: Vec<Landmark> = lm.iter().map(|l| Landmark { x: l.x + dx, ..*l }).collect();
        let Some(r) = face_box(&moved, fw, fh) else {
            continue; // the face is not in the frame yet
        };
        let Some(clear) = clear_of_overlay(&vs[i], &vw[i], r) else {
            continue;
        };
        let ds = detail_in(&vs[i], r, &clear);
        if ds < 20.0 {
            continue;
        }
        ratios.push((i, detail_in(&vb[i], r, &clear) / ds));
    }
    eprintln!(
        "walking in: first found on frame {first}; face detail blurred/source per sampled frame: {:?}",
        ratios
            .iter()
            .map(|(i, b)| format!("{i}: {b:.3}"))
            .collect::<Vec<_>>()
    );
    assert!(
        ratios.iter().any(|(i, _)| *i < first),
        "no face measured before the person was found (first found on frame {first}): {ratios:?}"
    );
    assert!(ratios.len() >= 5, "too few faces measured: {ratios:?}");
    for (i, b) in &ratios {
        assert!(
            *b < 0.25,
            "walking in, frame {i} (first found on {first}): the face keeps {b:.2} of the detail"
        );
    }
}

/// Frames over which the picture slides in (a second and a half).
const SLIDE_FRAMES: usize = 36;

/// Clips whose faces are not yet all blurred well enough, with what was measured when the
/// entry was written. Issue 12 empties this list; each is printed loudly on every run, and a
/// listed clip that passes fails the test until its entry is removed.
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

/// ffprobe's format and stream tags of `path`, as one lower-case JSON text.
fn tags(path: &Path) -> String {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format_tags:stream_tags",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe must be installed (scripts/setup installs it)");
    String::from_utf8_lossy(&out.stdout).to_lowercase()
}

#[test]
fn annotated_video_carries_no_source_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tagged.mp4");
    common::ffmpeg(&[
        "-i",
        &common::videos_dir()
            .join("bridge_too_deep.mp4")
            .to_string_lossy(),
        "-t",
        "3",
        "-c",
        "copy",
        "-metadata",
        "location=+52.3676+004.9041/",
        "-metadata",
        "com.apple.quicktime.make=Apple",
        "-metadata",
        "com.apple.quicktime.model=iPhone 15 Pro",
        "-metadata",
        "artist=Jane Patient",
        "-metadata",
        "make=Samsung",
        "-metadata",
        "model=SM-S918B",
        "-movflags",
        "use_metadata_tags",
        &src.to_string_lossy(),
    ]);
    let before = tags(&src);
    assert!(
        before.contains("+52.3676") && before.contains("jane patient"),
        "{before}"
    );
    let out = tmp.path().join("out");
    hipflex(&[
        "analyze",
        &src.to_string_lossy(),
        "--phase",
        "2",
        "--model",
        "lite",
        "--out",
        &out.to_string_lossy(),
    ]);
    let after = tags(&out.join("annotated.mp4"));
    for bad in [
        "52.3676", "location", "apple", "iphone", "jane", "samsung", "sm-s918b", "make", "model",
        "artist",
    ] {
        assert!(
            !after.contains(bad),
            "annotated.mp4 carries `{bad}`: {after}"
        );
    }
    for f in [
        "report.json",
        "report.html",
        "reps.csv",
        "frames.csv",
        "hip_flexion.svg",
    ] {
        let text = std::fs::read_to_string(out.join(f)).unwrap().to_lowercase();
        for bad in ["52.3676", "jane patient", "iphone", "sm-s918b"] {
            assert!(!text.contains(bad), "{f} carries `{bad}`");
        }
    }
}

/// The face detector (BlazeFace full range, the real model) on a real frame: the man
/// behind the rack in the rear-view deadlift excerpt (see [`MARKED_HEADS`], frame 120) is
/// found in a window of the scan, inside his marked head, and not in the whole frame at
/// MediaPipe's own threshold (his face is 6 px of the letterboxed input there); and the
/// excerpt's other frames give nobody else a face inside his head box.
#[test]
fn the_face_detector_finds_a_small_face_in_the_scan_windows() {
    use hipflex::pose::face_detector::{
        FaceDetector, MEDIAPIPE_MIN_SCORE, SCAN_MIN_SCORE, Window, scan_windows,
    };
    let Some(dir) =
        common::real_videos_dir("the_face_detector_finds_a_small_face_in_the_scan_windows")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = excerpt(&dir.join("rdl_sebitzu_1.mp4"), 0.5, tmp.path());
    let frames = frames_of(&src);
    let frame = &frames[120];
    let (w, h) = (frame.cols() as f32, frame.rows() as f32);
    hipflex::runtime::ensure_loaded(None).unwrap();
    let mut det = FaceDetector::for_options(&Default::default()).expect("run scripts/setup first");
    let [x0, y0, x1, y1] = [198.0, 323.0, 258.0, 402.0];
    let in_head = |f: &hipflex::pose::face_detector::Face| {
        let (cx, cy) = (f.bbox[0] + f.bbox[2] / 2.0, f.bbox[1] + f.bbox[3] / 2.0);
        cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1
    };
    let found = det.scan(frame, SCAN_MIN_SCORE, false).unwrap();
    eprintln!(
        "faces found on frame 120 (score, box): {:?}",
        found
            .iter()
            .map(|f| (f.score, f.bbox.map(|v| v.round())))
            .collect::<Vec<_>>()
    );
    let his: Vec<_> = found.iter().filter(|f| in_head(f)).collect();
    assert_eq!(his.len(), 1, "{found:?}");
    // His face box is face-sized: 20-50 px.
    assert!(
        his[0].bbox[2] > 20.0 && his[0].bbox[2] < 50.0,
        "{:?}",
        his[0]
    );
    assert_eq!(scan_windows(w, h).len(), 16);
    let whole = det
        .detect_raw(frame, Window::whole(w, h), MEDIAPIPE_MIN_SCORE)
        .unwrap();
    assert!(!whole.iter().any(in_head), "{whole:?}");
}

/// A person cut out of a frame of a shared clip, to be pasted into another as a bystander.
struct CutOut {
    clip: &'static str,
    at_s: &'static str,
    /// x, y, width, height in the source frame.
    crop: (i32, i32, i32, i32),
    /// The head in the cut-out: x, y, width, height (a box with a margin).
    head: (f64, f64, f64, f64),
    /// The head's height in the cut-out, crown to chin, pixels.
    head_high: f64,
}

/// A real person standing and facing the camera, from `deadlift_kbtrainer_2` (face clear).
const FACING: CutOut = CutOut {
    clip: "deadlift_kbtrainer_2.mp4",
    at_s: "1",
    crop: (150, 10, 200, 520),
    head: (70.0, 10.0, 70.0, 85.0),
    head_high: 80.0,
};

/// A real person standing with the back three-quarters to the camera and a cap on, from
/// `rdl_sebitzu_1` (the lifter from behind; the ear and the side of the beard show).
const TURNED_AWAY: CutOut = CutOut {
    clip: "rdl_sebitzu_1.mp4",
    at_s: "2",
    crop: (840, 56, 300, 870),
    head: (60.0, 0.0, 155.0, 85.0),
    head_high: 75.0,
};

/// Pastes `rows` rows of `cut` with its head scaled to `head_px` high at the back of the
/// side-view deadlift `deadlift_rdlifts_1` (1340 x 838, 2.5 s), analyses it, and returns the
/// head's detail in the annotated video against the source's, per frame.
fn pasted_bystander_detail(
    dir: &Path,
    tmp: &Path,
    cut: &CutOut,
    head_px: f64,
    rows: i32,
) -> Vec<f64> {
    let s = head_px / cut.head_high;
    let (at_x, at_y) = (1100, 300);
    let name = format!("{}-{head_px}-{rows}", &cut.clip[..cut.clip.len() - 4]);
    let clip = tmp.join(format!("{name}.mp4"));
    let width = (cut.crop.2 as f64 * s / 2.0).round() as i32 * 2;
    let (cx, cy, cw, _) = cut.crop;
    common::ffmpeg(&[
        "-t",
        "2.5",
        "-i",
        &dir.join("deadlift_rdlifts_1.mp4").to_string_lossy(),
        "-ss",
        cut.at_s,
        "-i",
        &dir.join(cut.clip).to_string_lossy(),
        "-filter_complex",
        &format!(
            "[1]trim=end_frame=1,crop={cw}:{rows}:{cx}:{cy},scale={width}:-2[p];[0][p]overlay={at_x}:{at_y}:eof_action=repeat"
        ),
        "-an",
        "-c:v",
        "libx264",
        "-crf",
        "16",
        "-pix_fmt",
        "yuv420p",
        &clip.to_string_lossy(),
    ]);
    let out = tmp.join(format!("out-{name}"));
    hipflex(&[
        "analyze",
        &clip.to_string_lossy(),
        "--phase",
        "2",
        "--no-db",
        "-o",
        &out.to_string_lossy(),
    ]);
    let (hx, hy, hw, hh) = cut.head;
    let face = Rect::new(
        at_x + (hx * s) as i32,
        at_y + (hy * s) as i32,
        (hw * s).ceil() as i32 + 1,
        (hh * s).ceil() as i32 + 1,
    );
    let (src, shown) = (frames_of(&clip), frames_of(&out.join("annotated.mp4")));
    assert_eq!(src.len(), shown.len(), "{name}: frame counts");
    src.iter()
        .zip(&shown)
        .map(|(a, b)| detail(b, face) / detail(a, face).max(1e-9))
        .collect()
}

/// Bystanders too small for the coarse scan, or turned away (issue 12, very small faces, a
/// person facing away): real people pasted at the back of `deadlift_rdlifts_1`. Facing the
/// camera with a head of 20 px, whole and as head and shoulders only (the body hidden): the
/// coarse scan (whole frame and half-height windows) left both sharp on every frame (face
/// detail 0.98 and 1.02 of the source's); the fine windows, once a second, find them. Turned
/// away with a cap, heads of 25 and 40 px: first found on the fourth scan (0.84 s, by its face
/// box only) and, at 40 px, missed on the last two, so sharp on frames 1-5 (detail 0.82 and
/// 0.93) and at 40 px on the last 5 (0.9), until a person's first and last finds near the
/// clip's ends were held to them (`BRIDGE_OTHERS_S`, with the finds overlapping them within
/// `CONFIRM_OTHERS_S`: with the face box alone the 40-px head kept 0.25 on 12 frames). The head
/// must keep under a quarter of its detail on every frame of the annotated video. (Turned away
/// with a 22-px head it is found on fewer scans and stays sharp on 38 of the 63 frames, before
/// and after: not asserted, see the README.)
#[test]
fn small_and_turned_away_bystanders_are_blurred_on_every_frame() {
    let Some(dir) =
        common::real_videos_dir("small_and_turned_away_bystanders_are_blurred_on_every_frame")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut failed = Vec::new();
    // (who, head height px, rows of the cut-out kept: all of the body or the bust)
    for (cut, head, rows, what) in [
        (&FACING, 20.0, 520, "facing, whole body"),
        (&FACING, 20.0, 160, "facing, bust"),
        (&TURNED_AWAY, 25.0, 870, "turned away"),
        (&TURNED_AWAY, 40.0, 870, "turned away"),
    ] {
        let ratios = pasted_bystander_detail(&dir, tmp.path(), cut, head, rows);
        let worst = ratios.iter().copied().fold(0.0, f64::max);
        let sharp: Vec<usize> = (0..ratios.len()).filter(|&i| ratios[i] >= 0.25).collect();
        eprintln!(
            "bystander head {head} px ({what}): {} frames, head detail at most {worst:.3} of the source's, {} frames at a quarter or more {sharp:?}",
            ratios.len(),
            sharp.len()
        );
        if !sharp.is_empty() {
            failed.push(format!(
                "head {head} px ({what}): frames {sharp:?} of {} keep a quarter or more of the head's detail (worst {worst:.2})",
                ratios.len()
            ));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}
