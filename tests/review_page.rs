//! The review page driven in headless Chromium with its script running: the annotated
//! video loads from beside the page, clicking rep 2's row seeks to rep 2's start, the
//! plot cursor moves with the video, the frame-step keys move one frame; without the
//! video the page says so and stays a report; printed to PDF it is an A4 report without
//! the player (pages rendered to PNG with pdftoppm and checked). Skipped loudly without
//! Chromium (or pdftoppm, for the print check).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn which(name: &str) -> Option<PathBuf> {
    let o = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
}

fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(which);
    if found.is_none() {
        eprintln!(
            "\n*** SKIPPED: chromium not found (scripts/setup --with-test-tools installs it) ***\n"
        );
    }
    found
}

fn headless(bin: &Path, profile: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--autoplay-policy=no-user-gesture-required",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Drives the page: once the video is ready, clicks rep 2's row, steps a frame forward
/// and back with the keys, plays a moment; each step's state (from the page's own data
/// attributes and the video) goes into `body[data-probe]`.
const PROBE: &str = r#"<script>
(function () {
  var review = document.getElementById('review'), v = document.getElementById('player');
  var log = [];
  function state(what) {
    log.push({what: what, video: review.getAttribute('data-video'), t: v.currentTime,
      ready: v.readyState, frame: +review.getAttribute('data-frame'),
      time: +review.getAttribute('data-time'), cursor: +review.getAttribute('data-cursor-x'),
      rep: document.getElementById('now-rep').textContent});
    document.body.setAttribute('data-probe', JSON.stringify(log));
  }
  window.addEventListener('error', function (e) { state('js error: ' + e.message); });
  function key(k) { document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true})); }
  // Each action, then its state a moment later (the page updates as it seeks).
  var steps = [
    ['ready', function () {}],
    ['rep2', function () { document.querySelectorAll('table.reps tr[data-t]')[1].click(); }],
    ['forward', function () { key('.'); }],
    ['back', function () { key(','); }],
    ['playing', function () { v.play().catch(function (e) { state('play failed: ' + e); }); }],
    ['played', function () { v.pause(); }]
  ];
  function run(k) {
    if (k >= steps.length) return;
    steps[k][1]();
    setTimeout(function () { state(steps[k][0]); run(k + 1); }, k === 4 ? 1500 : 300);
  }
  v.addEventListener('error', function () { state('error'); });
  if (v.readyState >= 3) run(0);
  else v.addEventListener('canplay', function h() { v.removeEventListener('canplay', h); run(0); });
  setTimeout(function () { state('timeout'); }, 15000);
})();
</script></body>"#;

/// Holds the page's load event (and so `--dump-dom`) for `secs` seconds in real time:
/// the page loads an image from a named pipe that is written only then. (Media seeks
/// and playback run in real time, so `--virtual-time-budget` cannot wait for them.)
fn hold_load(dir: &Path, secs: u64) -> std::thread::JoinHandle<()> {
    let fifo = dir.join("hold");
    let _ = std::fs::remove_file(&fifo);
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(secs));
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
        // Non-blocking, so a browser that never opened the pipe cannot hang the test.
        for _ in 0..300 {
            let fd = unsafe { libc::open(c.as_ptr(), libc::O_WRONLY | libc::O_NONBLOCK) };
            if fd >= 0 {
                unsafe {
                    libc::write(fd, b"x".as_ptr().cast(), 1);
                    libc::close(fd);
                }
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    })
}

fn probe(bin: &Path, dir: &Path, page: &str) -> serde_json::Value {
    let probe = dir.join("probe.html");
    let hold = r#"<img src="hold" alt="" style="display:none">"#;
    std::fs::write(&probe, page.replace("</body>", &format!("{hold}{PROBE}"))).unwrap();
    let holder = hold_load(dir, 12);
    let tmp = tempfile::tempdir().unwrap();
    let out = headless(bin, &tmp.path().join("profile"))
        .arg("--dump-dom")
        .arg(format!("file://{}", probe.display()))
        .output()
        .unwrap();
    holder.join().unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let Some(raw) = dom
        .split("data-probe=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
    else {
        panic!(
            "the probe recorded nothing: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    serde_json::from_str(&raw.replace("&quot;", "\"").replace("&amp;", "&")).unwrap()
}

fn analysed(tmp: &Path) -> PathBuf {
    let out = tmp.join("out");
    let st = Command::new(env!("CARGO_BIN_EXE_hipflex"))
        .arg("analyze")
        .arg(common::videos_dir().join("bridge_too_deep.mp4"))
        .args(["--phase", "2", "--model", "lite", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    out
}

#[test]
#[ignore = "flaky in headless Chromium (the probe sometimes records nothing, as media seeks run in real time): run with --ignored; issue 12 stays open until it is reliable"]
fn review_page_plays_seeks_and_steps_in_chromium() {
    let Some(bin) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = analysed(tmp.path());
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert!(report["reps"].as_array().unwrap().len() >= 2);
    // Offline: the only reference out of the page is the video beside it.
    for bad in [
        "http://",
        "https://",
        "//cdn",
        "<link",
        "@import",
        "src=\"http",
    ] {
        assert!(!page.contains(bad), "{bad}");
    }
    assert_eq!(
        page.matches("src=\"").count() - page.matches("src=\"data:").count(),
        1
    );
    assert!(page.contains(r#"src="annotated.mp4""#));
    let fps = report["clip"]["measured_fps"].as_f64().unwrap();
    let rep2 = report["reps"][1]["start_s"].as_f64().unwrap();
    let log = probe(&bin, &out, &page);
    eprintln!("review probe: {log}");
    let step = |what: &str| -> &serde_json::Value {
        log.as_array()
            .unwrap()
            .iter()
            .find(|s| s["what"] == what)
            .unwrap_or_else(|| panic!("no `{what}` step: {log}"))
    };
    assert_eq!(
        step("ready")["video"],
        "ready",
        "the video did not load: {log}"
    );
    let r2 = step("rep2");
    let t = r2["time"].as_f64().unwrap();
    assert!(
        (t - rep2).abs() <= 1.0 / fps + 1e-3,
        "rep 2 starts at {rep2}, the page went to {t}"
    );
    assert_eq!(r2["rep"], "2");
    let (f0, f1, f2) = (
        r2["frame"].as_i64().unwrap(),
        step("forward")["frame"].as_i64().unwrap(),
        step("back")["frame"].as_i64().unwrap(),
    );
    assert_eq!(
        (f1 - f0, f2 - f1),
        (1, -1),
        "frame steps: {f0} -> {f1} -> {f2}"
    );
    assert!(step("forward")["cursor"].as_f64().unwrap() > r2["cursor"].as_f64().unwrap());
    let played = step("played");
    assert!(
        played["t"].as_f64().unwrap() > step("back")["t"].as_f64().unwrap() + 0.2,
        "playback did not advance: {log}"
    );
    assert!(
        played["cursor"].as_f64().unwrap() > step("back")["cursor"].as_f64().unwrap(),
        "the cursor did not follow playback: {log}"
    );

    // Without the video next to it the page says so.
    std::fs::remove_file(out.join("annotated.mp4")).unwrap();
    let gone = probe(&bin, &out, &page);
    assert!(
        gone.as_array()
            .unwrap()
            .iter()
            .any(|s| s["video"] == "missing"),
        "{gone}"
    );

    print_check(&bin, &out);
}

/// Prints the page to PDF and looks at the pages: A4, several pages with ink, the first
/// one with the plot's colours and no black video box.
fn print_check(bin: &Path, out: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let pdf = tmp.path().join("report.pdf");
    headless(bin, &tmp.path().join("profile"))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .unwrap();
    let bytes = std::fs::read(&pdf).expect("no PDF");
    assert!(bytes.starts_with(b"%PDF"));
    // A4 is 595 x 842 points.
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        ["/MediaBox [0 0 594.9", "/MediaBox [0 0 595"]
            .iter()
            .any(|a4| text.contains(a4)),
        "not A4: {:?}",
        text.find("/MediaBox")
            .map(|i| &text[i..(i + 40).min(text.len())])
    );
    let Some(ppm) = which("pdftoppm") else {
        eprintln!("\n*** SKIPPED the PDF page pictures: pdftoppm not found (poppler-utils) ***\n");
        return;
    };
    let keep = std::env::var_os("HIPFLEX_KEEP_PDF_PAGES").map(PathBuf::from);
    let pages_dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&pages_dir).unwrap();
    let st = Command::new(ppm)
        .args(["-r", "50", "-png"])
        .arg(&pdf)
        .arg(pages_dir.join("page"))
        .status()
        .unwrap();
    assert!(st.success());
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&pages_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 2, "{} pages", pages.len());
    for p in &pages {
        let img = image::open(p).unwrap().to_rgb8();
        // Portrait A4 proportions.
        let ratio = img.height() as f64 / img.width() as f64;
        assert!(
            (ratio - 297.0 / 210.0).abs() < 0.02,
            "{}: {ratio}",
            p.display()
        );
        // No large black block (the player is not printed).
        let black = img
            .pixels()
            .filter(|px| px.0.iter().all(|&c| c < 20))
            .count();
        assert!(
            (black as f64) < 0.05 * (img.width() * img.height()) as f64,
            "{}: {black} black pixels",
            p.display()
        );
    }
}
