//! The HTML report and the batch index rendered by headless Chromium (installed by
//! `scripts/setup --with-test-tools`), on a phone-sized and a desktop-sized window and
//! printed to PDF: the pages must render to real pictures, every embedded image must
//! decode in the browser, and printing must carry the pictures. Skipped loudly without Chromium.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::Command as Cmd;

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(o) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            && o.status.success()
        {
            return Some(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        }
    }
    eprintln!(
        "\n*** SKIPPED: chromium not found (scripts/setup --with-test-tools installs it) ***\n"
    );
    None
}

fn headless(bin: &Path, profile: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Screenshot of `page` at `w` x `h`; returns the decoded picture.
fn screenshot(bin: &Path, page: &Path, w: u32, h: u32) -> image::RgbImage {
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("shot.png");
    let out = headless(bin, &tmp.path().join("profile"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={w},{h}"))
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .output()
        .unwrap();
    assert!(
        png.is_file(),
        "chromium made no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    image::open(&png).unwrap().to_rgb8()
}

/// Fraction of pixels that are not (nearly) white, and the number of distinct colours.
fn ink(img: &image::RgbImage) -> (f64, usize) {
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0usize;
    for p in img.pixels() {
        if p.0.iter().any(|&c| c < 235) {
            inked += 1;
        }
        colours.insert(p.0);
    }
    (
        inked as f64 / (img.width() * img.height()) as f64,
        colours.len(),
    )
}

/// The DOM after scripts ran, with each image's decoded width written into it.
fn dom_with_image_sizes(bin: &Path, page: &Path) -> String {
    let tmp = tempfile::tempdir().unwrap();
    // A copy of the page that records, once loaded, how wide each image decoded.
    let probe = tmp.path().join("probe.html");
    let html = std::fs::read_to_string(page).unwrap().replace(
        "</body>",
        "<script>window.addEventListener('load',function(){document.querySelectorAll('img').forEach(function(i){i.setAttribute('data-decoded',i.naturalWidth);});});</script></body>",
    );
    std::fs::write(&probe, html).unwrap();
    let out = headless(bin, &tmp.path().join("profile"))
        .args(["--virtual-time-budget=3000", "--dump-dom"])
        .arg(format!("file://{}", probe.display()))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Prints `page` to PDF; returns the PDF's size in bytes.
fn pdf_bytes(bin: &Path, page: &Path) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    let pdf = tmp.path().join("page.pdf");
    headless(bin, &tmp.path().join("profile"))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .output()
        .unwrap();
    let bytes = std::fs::read(&pdf).expect("chromium printed no PDF");
    assert!(bytes.starts_with(b"%PDF"));
    bytes.len()
}

fn check_page(bin: &Path, page: &Path, images: usize) {
    for (w, h) in [(390, 1600), (1280, 900)] {
        let img = screenshot(bin, page, w, h);
        assert_eq!((img.width(), img.height()), (w, h));
        let (inked, colours) = ink(&img);
        assert!(
            inked > 0.01 && colours > 200,
            "{} at {w}x{h} looks blank: {inked:.3} inked, {colours} colours",
            page.display()
        );
    }
    let dom = dom_with_image_sizes(bin, page);
    let decoded: Vec<u32> = dom
        .split("data-decoded=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(decoded.len(), images, "{}", page.display());
    assert!(
        decoded.iter().all(|&w| w > 0),
        "an image did not decode in {}: {decoded:?}",
        page.display()
    );
    // Printed, the pictures come along (a text-only PDF would be a few kilobytes).
    let size = pdf_bytes(bin, page);
    assert!(
        size > 20_000,
        "{} printed to only {size} bytes",
        page.display()
    );
}

/// Whether this Chromium can render anything here at all (a sandbox or shared-memory
/// restriction of the machine makes it exit without a picture): a tiny page must render.
fn chromium_works(bin: &Path) -> bool {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("probe.html");
    std::fs::write(
        &page,
        "<html><body style=\"background:#c00\">x</body></html>",
    )
    .unwrap();
    let png = tmp.path().join("probe.png");
    let _ = headless(bin, &tmp.path().join("profile"))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=64,64")
        .arg(format!("file://{}", page.display()))
        .output();
    let ok = image::open(&png).is_ok_and(|i| i.to_rgb8().get_pixel(32, 32).0[0] > 150);
    if !ok {
        eprintln!("\n*** SKIPPED: chromium is installed but cannot render on this machine ***\n");
    }
    ok
}

#[test]
fn report_and_index_render_in_chromium() {
    let Some(bin) = chromium() else { return };
    if !chromium_works(&bin) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in/patient-a");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        common::videos_dir().join("bridge_too_deep.mp4"),
        input.join("bridge.mp4"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let db = tmp.path().join("history.sqlite");
    let run_batch = || {
        Cmd::cargo_bin("hipflex")
            .unwrap()
            .arg("batch")
            .arg(tmp.path().join("in"))
            .args(["--phase", "2", "--model", "lite", "--no-video", "--out"])
            .arg(&out)
            .arg("--db")
            .arg(&db)
            .assert()
            .success();
    };
    run_batch();
    let report = out.join("patient-a/bridge/report.html");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("patient-a/bridge/report.json")).unwrap(),
    )
    .unwrap();
    let reps = json["summary"]["reps_counted"].as_u64().unwrap() as usize;
    assert!(reps > 0);
    // The report embeds one keyframe per rep; the index one thumbnail per video.
    check_page(&bin, &report, reps);
    check_page(&bin, &out.join("index.html"), 1);

    // Four sessions over three weeks: three earlier ones (the recorded session moved
    // back in time, shallower and slower, with pain), then the batch again, which
    // rewrites the index with the patient's trend and their progress page.
    let mut hist = hipflex::history::Db::open(&db).unwrap();
    let last = hist.sessions("patient-a").unwrap().remove(0);
    for (k, date) in ["2026-11-02", "2026-11-09", "2026-11-16"]
        .iter()
        .enumerate()
    {
        let mut s = last.clone();
        s.video_sha256 = format!("earlier-{k}");
        s.recorded_date = Some(date.to_string());
        s.pain = Some([2, 4, 1][k]);
        s.phase = if k == 0 { 1 } else { 2 };
        s.cap_deg = Some(if k == 0 { 30.0 } else { 45.0 });
        for r in &mut s.reps {
            r.peak_hip_flexion_deg = r.peak_hip_flexion_deg.map(|p| p - 12.0 + 4.0 * k as f64);
            r.eccentric_s = r.eccentric_s.map(|e| e + 1.2 - 0.3 * k as f64);
        }
        hist.upsert(&s).unwrap();
    }
    drop(hist);
    run_batch();
    let index = out.join("index.html");
    let progress = out.join("patient-a/progress.html");
    let html = std::fs::read_to_string(&index).unwrap();
    assert!(html.contains("href=\"patient-a/progress.html\"") && html.contains("Since 2026-11-16"));
    check_page(&bin, &index, 1);
    for w in [390, 1200] {
        assert_fits(&bin, &index, w);
    }
    check_chart_page(&bin, &progress);
}

/// A page of inline SVG charts: renders at phone and desktop widths without running
/// wider than the window, and prints.
fn check_chart_page(bin: &Path, page: &Path) {
    let html = std::fs::read_to_string(page).unwrap();
    assert!(html.matches("<svg").count() >= 4, "the charts are there");
    for (w, h) in [(390, 2400), (1280, 1800)] {
        let img = screenshot(bin, page, w, h);
        let (inked, colours) = ink(&img);
        assert!(
            inked > 0.02 && colours > 100,
            "{} at {w}x{h} looks blank: {inked:.3} inked, {colours} colours",
            page.display()
        );
        if std::env::var_os("HIPFLEX_KEEP_SHOTS").is_some() {
            img.save(format!("/tmp/progress-{w}.png")).unwrap();
        }
    }
    for w in [390, 1200] {
        assert_fits(bin, page, w);
    }
    let size = pdf_bytes(bin, page);
    assert!(
        size > 10_000,
        "{} printed to only {size} bytes",
        page.display()
    );
}

/// The page laid out in a window `w` px wide runs no wider than the window (headless
/// Chromium lays out no narrower than 500 px here, so phones are checked at that).
fn assert_fits(bin: &Path, page: &Path, w: u32) {
    let html = std::fs::read_to_string(page).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let probe = tmp.path().join("probe.html");
    std::fs::write(
        &probe,
        html.replace(
            "</body>",
            "<script>document.body.setAttribute('data-width', document.documentElement.scrollWidth + '/' + window.innerWidth);</script></body>",
        ),
    )
    .unwrap();
    let dom = headless(bin, &tmp.path().join("profile"))
        .arg(format!("--window-size={w},800"))
        .args(["--virtual-time-budget=2000", "--dump-dom"])
        .arg(format!("file://{}", probe.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let widths: Vec<u32> = dom
        .split("data-width=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| s.split('/').filter_map(|n| n.parse().ok()).collect())
        .expect("page width");
    assert!(
        widths.len() == 2 && widths[0] <= widths[1] && widths[1] <= w.max(500),
        "{} is {widths:?} (page/window) px wide in a {w} px window",
        page.display()
    );
}
