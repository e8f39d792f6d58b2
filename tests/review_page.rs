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

/// Drives the page once its script runs, waiting on the page's own state rather than
/// for fixed times: when the video has loaded (or failed to), clicks rep 2's row, steps
/// a frame forward and back with the keys, and plays until the video has advanced half
/// a second. Each step's state (the page's data attributes and the video's) is logged;
/// the promise resolves to the log as JSON text. A wait that never ends rejects with
/// what it was waiting for (the test's own deadline is far beyond any real wait).
const PROBE: &str = r#"(async function () {
  var log = [];
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  async function until(cond, what) {
    var t0 = performance.now();
    while (!cond()) {
      if (performance.now() - t0 > 60000) throw new Error('timed out waiting for ' + what + ': ' + JSON.stringify(log));
      await sleep(10);
    }
  }
  await until(function () { return document.readyState === 'complete' && document.getElementById('review') &&
    document.getElementById('review').getAttribute('data-script') === 'running'; }, 'the page script');
  var review = document.getElementById('review'), v = document.getElementById('player');
  function state(what) {
    log.push({what: what, video: review.getAttribute('data-video'), t: v.currentTime,
      ready: v.readyState, frame: +review.getAttribute('data-frame'),
      time: +review.getAttribute('data-time'), cursor: +review.getAttribute('data-cursor-x'),
      rep: document.getElementById('now-rep').textContent});
  }
  function key(k) { document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true})); }
  function settled() { return !v.seeking && v.readyState >= 2; }
  await until(function () { return review.getAttribute('data-video') !== 'loading'; }, 'the video to load or fail');
  state('ready');
  if (review.getAttribute('data-video') !== 'ready') return JSON.stringify(log);
  await until(settled, 'the first frame');
  document.querySelectorAll('table.reps tr[data-t]')[1].click();
  await until(settled, 'the seek to rep 2');
  state('rep2');
  key('.');
  await until(settled, 'the step forward');
  state('forward');
  key(',');
  await until(settled, 'the step back');
  state('back');
  var t0 = v.currentTime, x0 = review.getAttribute('data-cursor-x');
  await v.play();
  await until(function () { return v.currentTime > t0 + 0.5 && review.getAttribute('data-cursor-x') !== x0; },
    'playback to advance');
  v.pause();
  await until(settled, 'the pause');
  state('played');
  return JSON.stringify(log);
})()"#;

/// A headless Chromium driven through the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: messages are JSON texts ended by a NUL byte, written to
/// the browser's fd 3 and read from its fd 4).
struct Browser {
    child: std::process::Child,
    to: std::fs::File,
    from: std::sync::mpsc::Receiver<serde_json::Value>,
    next_id: u64,
    /// Events read while waiting for an answer.
    events: Vec<serde_json::Value>,
    _profile: tempfile::TempDir,
}

/// Longest wait for one DevTools answer (the page's own waits end well before).
const CDP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

impl Browser {
    fn launch(bin: &Path) -> Browser {
        use std::io::{BufRead, BufReader};
        use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
        use std::os::unix::process::CommandExt;
        let pipe = || -> (OwnedFd, OwnedFd) {
            let mut fds = [0; 2];
            assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
        };
        let (to_read, to_write) = pipe();
        let (from_read, from_write) = pipe();
        let profile = tempfile::tempdir().unwrap();
        let mut cmd = headless(bin, &profile.path().join("profile"));
        cmd.arg("--remote-debugging-pipe")
            .arg("about:blank")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let (r, w) = (to_read.into_raw_fd(), from_write.into_raw_fd());
        // SAFETY: only async-signal-safe calls between fork and exec. dup2 onto fds
        // 3 and 4 (which clears close-on-exec); the fds are moved out of the way first
        // so that neither is overwritten before it is copied.
        unsafe {
            cmd.pre_exec(move || {
                let (r2, w2) = (
                    libc::fcntl(r, libc::F_DUPFD, 10),
                    libc::fcntl(w, libc::F_DUPFD, 10),
                );
                if r2 < 0 || w2 < 0 || libc::dup2(r2, 3) < 0 || libc::dup2(w2, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("chromium starts");
        unsafe {
            libc::close(r);
            libc::close(w);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let from = std::fs::File::from(from_read);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from);
            loop {
                let mut msg = Vec::new();
                match reader.read_until(0, &mut msg) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                msg.pop();
                if let Ok(v) = serde_json::from_slice(&msg)
                    && tx.send(v).is_err()
                {
                    return;
                }
            }
        });
        Browser {
            child,
            to: std::fs::File::from(to_write),
            from: rx,
            next_id: 1,
            events: Vec::new(),
            _profile: profile,
        }
    }

    /// Sends one command (to a page's session when given) and waits for its answer.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: serde_json::Value,
    ) -> serde_json::Value {
        use std::io::Write;
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = serde_json::json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = s.into();
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        let deadline = std::time::Instant::now() + CDP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let m = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no answer to {method} from Chromium: {e}"));
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
            if m.get("method").is_some() {
                self.events.push(m);
            }
        }
    }

    /// Waits for the event `method` (one already read counts).
    fn event(&mut self, method: &str) -> serde_json::Value {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(i);
        }
        loop {
            let m = self
                .from
                .recv_timeout(CDP_TIMEOUT)
                .unwrap_or_else(|e| panic!("no {method} from Chromium: {e}"));
            if m["method"] == method {
                return m;
            }
        }
    }

    /// Opens `url` in a new page and evaluates `script` there, awaiting its promise;
    /// the text it resolves to.
    fn evaluate_in(&mut self, url: &str, script: &str) -> String {
        let target = self.call(
            None,
            "Target.createTarget",
            serde_json::json!({"url": "about:blank"}),
        );
        let attached = self.call(
            None,
            "Target.attachToTarget",
            serde_json::json!({"targetId": target["targetId"], "flatten": true}),
        );
        let session = attached["sessionId"].as_str().unwrap().to_string();
        self.call(Some(&session), "Page.enable", serde_json::json!({}));
        self.call(
            Some(&session),
            "Page.navigate",
            serde_json::json!({"url": url}),
        );
        self.event("Page.loadEventFired");
        let r = self.call(
            Some(&session),
            "Runtime.evaluate",
            serde_json::json!({"expression": script, "awaitPromise": true, "returnByValue": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("the probe failed: {e}");
        }
        r["result"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("the probe returned no text: {r}"))
            .to_string()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The probe's log for the page `dir/report.html`, in a fresh browser.
fn probe(bin: &Path, dir: &Path) -> serde_json::Value {
    let mut b = Browser::launch(bin);
    let url = format!("file://{}", dir.join("report.html").display());
    serde_json::from_str(&b.evaluate_in(&url, PROBE)).unwrap()
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
    let log = probe(&bin, &out);
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
    let gone = probe(&bin, &out);
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
