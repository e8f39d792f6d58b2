//! The review page driven in headless Chromium with its script running: the annotated
//! video loads from beside the page, clicking rep 2's row seeks to rep 2's start, the
//! plot cursor moves with the video, the frame-step keys move one frame, `]` and `[`
//! land on each next and previous rep's first frame, clicking a flag, a keyframe or a
//! point of the plot seeks within a frame of its time, and the readouts (rep, tempo
//! phase, hip angle, time) match both the page's own timeline and frames.csv; the page
//! requests nothing but itself, the video beside it and data: URLs. Without the video
//! next to it the page says so; a `--no-video` page says it has no player and still
//! shows the plot, rep table, keyframes and flags. Printed to PDF (with and without the
//! video) it is an A4 report without the player, with the rep table, flags, keyframe
//! captions and images and the plot (see `print_check`). Skipped loudly without
//! Chromium (or a poppler tool, for its part of the print check).

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
/// a second; then, from rep 2 again, presses `]` up to the last rep and `[` back to the
/// first; clicks every flag that has a time (on its "where" line), every keyframe (on
/// its picture) and four points of the plot (the point for a time T mapped to the
/// screen through the plot's `getScreenCTM()`, clicked on the element under it). Each
/// step's state (the page's data attributes, its readouts and the video's) is logged;
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
  function text(id) { return document.getElementById(id).textContent; }
  function state(what, extra) {
    var s = {what: what, video: review.getAttribute('data-video'), t: v.currentTime,
      ready: v.readyState, frame: +review.getAttribute('data-frame'),
      time: +review.getAttribute('data-time'), cursor: +review.getAttribute('data-cursor-x'),
      rep: text('now-rep'), phase: text('now-phase'), hip: text('now-hip'), now: text('now-time'),
      playerHidden: document.getElementById('player-box').hidden,
      missingShown: !document.getElementById('video-missing').hidden};
    for (var k in extra || {}) s[k] = extra[k];
    log.push(s);
  }
  function key(k) { document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true})); }
  function settled() { return !v.seeking && v.readyState >= 2; }
  await until(function () { return review.getAttribute('data-video') !== 'loading'; }, 'the video to load or fail');
  state('ready');
  if (review.getAttribute('data-video') !== 'ready') return JSON.stringify(log);
  await until(settled, 'the first frame');
  var rows = document.querySelectorAll('table.reps tr[data-t]');
  rows[1].click();
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

  // The rep keys: ] from rep 2 to the last rep start, then [ back to the first.
  var starts = JSON.parse(document.getElementById('timeline').textContent).reps;
  rows[1].click();
  await until(settled, 'the seek back to rep 2');
  state('rep2-again');
  for (var k = 2; k < starts.length; k++) {
    key(']');
    await until(settled, '] to rep start ' + k);
    state('next', {to: k});
  }
  for (var k = starts.length - 2; k >= 0; k--) {
    key('[');
    await until(settled, '[ to rep start ' + k);
    state('prev', {to: k});
  }

  // Every flag with a time, clicked on its "where" line.
  var flags = document.querySelectorAll('ol.flags > li');
  for (var i = 0; i < flags.length; i++) {
    var f = flags[i];
    if (!f.hasAttribute('data-t')) { log.push({what: 'flag', index: i, at: null}); continue; }
    f.scrollIntoView({block: 'center'});
    f.querySelector('.where').click();
    await until(settled, 'the seek to flag ' + i);
    state('flag', {index: i, at: +f.getAttribute('data-t')});
  }

  // Every keyframe, clicked on its picture.
  var kfs = document.querySelectorAll('figure.keyframe');
  for (var i = 0; i < kfs.length; i++) {
    kfs[i].scrollIntoView({block: 'center'});
    kfs[i].querySelector('img').click();
    await until(settled, 'the seek to keyframe ' + i);
    state('keyframe', {index: i, at: +kfs[i].getAttribute('data-t'),
      caption: kfs[i].querySelector('figcaption').textContent});
  }

  // Points of the plot: the SVG x for a time T, on the screen through getScreenCTM().
  var svg = document.querySelector('svg.hipflex-plot');
  svg.scrollIntoView({block: 'center'});
  var a = function (k) { return parseFloat(svg.getAttribute(k)); };
  var t1 = a('data-t1'), px0 = a('data-x0'), px1 = a('data-x1'), py0 = a('data-y0'), py1 = a('data-y1');
  var fractions = [0.13, 0.37, 0.61, 0.88];
  for (var i = 0; i < fractions.length; i++) {
    var T = fractions[i] * t1, p = svg.createSVGPoint();
    p.x = px0 + T / t1 * (px1 - px0);
    p.y = py0 + 0.25 * (py1 - py0);
    var c = p.matrixTransform(svg.getScreenCTM());
    if (!(c.x >= 0 && c.y >= 0 && c.x < window.innerWidth && c.y < window.innerHeight))
      throw new Error('the plot point for ' + T + ' s is off the screen: ' + JSON.stringify([c.x, c.y, window.innerWidth, window.innerHeight]));
    var el = document.elementFromPoint(c.x, c.y);
    if (!el || !el.closest('svg.hipflex-plot'))
      throw new Error('no plot under the point for ' + T + ' s: ' + (el && el.outerHTML.slice(0, 120)));
    el.dispatchEvent(new MouseEvent('click', {clientX: c.x, clientY: c.y, bubbles: true}));
    await until(settled, 'the seek to the plot at ' + T + ' s');
    state('plot', {at: T, on: el.tagName});
  }
  return JSON.stringify(log);
})()"#;

/// The page without a player (`--no-video`), once loaded: whether its message says so
/// and shows, what player parts exist, and whether the plot, rep table, keyframes and
/// flags it points to are there and shown; then clicks rep 2's row and the plot and
/// logs whether anything failed. Resolves to the findings as JSON text.
const PROBE_NO_VIDEO: &str = r#"(async function () {
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  var t0 = performance.now();
  while (document.readyState !== 'complete') {
    if (performance.now() - t0 > 60000) throw new Error('timed out waiting for the page to load');
    await sleep(10);
  }
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  function shown(el) {
    if (!el) return false;
    var s = getComputedStyle(el), r = el.getBoundingClientRect();
    return !el.hidden && s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
  }
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  var msg = document.querySelector('p.no-video'), svg = document.querySelector('svg.hipflex-plot');
  var rows = all('table.reps tr[data-t]'), kfs = all('figure.keyframe'), flags = all('ol.flags > li');
  var out = {
    message: msg ? msg.textContent : null, messageShown: shown(msg),
    videos: all('video').length, review: !!document.getElementById('review'),
    playerBox: !!document.getElementById('player-box'), scripts: document.scripts.length,
    rows: rows.length, rowsShown: rows.length > 0 && rows.every(shown),
    plotShown: shown(svg), plotPaths: svg ? svg.querySelectorAll('path').length : 0,
    keyframes: kfs.length, keyframesShown: kfs.length > 0 && kfs.every(function (k) {
      var img = k.querySelector('img'); return shown(k) && img.complete && img.naturalWidth > 0; }),
    flags: flags.length, flagsShown: flags.length > 0 && flags.every(shown)
  };
  if (rows.length > 1) { rows[1].scrollIntoView({block: 'center'}); rows[1].click(); }
  if (svg) { svg.scrollIntoView({block: 'center'}); svg.dispatchEvent(new MouseEvent('click', {bubbles: true})); }
  await new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); });
  out.errors = errors;
  out.stillHere = location.href;
  return JSON.stringify(out);
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
            if m.get("method").is_some() {
                self.events.push(m);
            }
        }
    }

    /// Reads the events still coming until none has come for `quiet` (requests the
    /// page made just before its probe ended are reported a little later).
    fn drain(&mut self, quiet: std::time::Duration) {
        while let Ok(m) = self.from.recv_timeout(quiet) {
            if m.get("method").is_some() {
                self.events.push(m);
            }
        }
    }

    /// Opens `url` in a new page and evaluates `script` there, awaiting its promise;
    /// the text it resolves to, and the URL of every request the page made (from the
    /// Network domain, enabled before the page is opened, until the events stop).
    fn evaluate_in(&mut self, url: &str, script: &str) -> (String, Vec<String>) {
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
        self.call(Some(&session), "Network.enable", serde_json::json!({}));
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
        let text = r["result"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("the probe returned no text: {r}"))
            .to_string();
        self.drain(std::time::Duration::from_millis(500));
        let requests = self
            .events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent" && e["sessionId"] == *session)
            .map(|e| {
                e["params"]["request"]["url"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        (text, requests)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `script` resolves to on the page `dir/report.html` in a fresh browser, as JSON,
/// and the URLs of the requests the page made, each checked: the page itself, the
/// annotated video beside it, or a `data:` URL; nothing else (no http(s)).
fn probe_with(bin: &Path, dir: &Path, script: &str) -> (serde_json::Value, Vec<String>) {
    let mut b = Browser::launch(bin);
    let url = format!("file://{}", dir.join("report.html").display());
    let video = format!("file://{}", dir.join("annotated.mp4").display());
    let (text, requests) = b.evaluate_in(&url, script);
    let short: Vec<&str> = requests
        .iter()
        .map(|r| {
            if r.starts_with("data:") {
                &r[..r.len().min(24)]
            } else {
                r.as_str()
            }
        })
        .collect();
    eprintln!("requests of {url}: {short:?}");
    assert!(
        requests.contains(&url),
        "the page's own request was not seen (is the Network domain on?): {requests:?}"
    );
    for r in &requests {
        assert!(
            *r == url || *r == video || r.starts_with("data:"),
            "the page requested {r}; only itself, {video} and data: URLs are allowed"
        );
    }
    (serde_json::from_str(&text).unwrap(), requests)
}

/// The probe's log for the page `dir/report.html`, in a fresh browser (its requests
/// checked by [`probe_with`]).
fn probe(bin: &Path, dir: &Path) -> (serde_json::Value, Vec<String>) {
    probe_with(bin, dir, PROBE)
}

/// `hipflex analyze` on the bundled clip into `tmp/name`, with `extra` arguments.
fn analysed(tmp: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = tmp.join(name);
    let st = Command::new(env!("CARGO_BIN_EXE_hipflex"))
        .arg("analyze")
        .arg(common::videos_dir().join("bridge_too_deep.mp4"))
        .args(["--phase", "2", "--model", "lite", "--out"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    out
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `#timeline` JSON the page embeds for its script.
fn timeline(page: &str) -> serde_json::Value {
    let open = r#"<script id="timeline" type="application/json">"#;
    let i = page.find(open).expect("no #timeline in the page") + open.len();
    let j = i + page[i..].find("</script>").unwrap();
    serde_json::from_str(&page[i..j]).unwrap()
}

/// One row of frames.csv: time, rep (a number, `partial` or empty), phase, hip angle.
struct CsvFrame {
    t: f64,
    rep: String,
    phase: String,
    hip: Option<f64>,
}

fn frames_csv(path: &Path) -> Vec<CsvFrame> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head = r.headers().unwrap().clone();
    let col = |name: &str| {
        head.iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column in frames.csv: {head:?}"))
    };
    let (t, rep, phase, hip) = (col("t_s"), col("rep"), col("phase"), col("hip_flexion"));
    r.records()
        .map(|row| {
            let row = row.unwrap();
            CsvFrame {
                t: row[t].parse().unwrap(),
                rep: row[rep].to_string(),
                phase: row[phase].to_string(),
                hip: row[hip].parse().ok(),
            }
        })
        .collect()
}

/// A rep's readout on the page: its number, `partial` for an uncounted one.
fn rep_words(rep: &serde_json::Value) -> String {
    match rep["number"].as_u64() {
        Some(k) if rep["counted"] == true => k.to_string(),
        _ => "partial".into(),
    }
}

/// The readouts of a logged step against the frame it shows: the page's own timeline
/// (time, rep, phase, hip angle rounded with a degree sign) and frames.csv at that time.
fn check_readouts(s: &serde_json::Value, tl: &serde_json::Value, csv: &[CsvFrame]) {
    let i = s["frame"].as_u64().unwrap() as usize;
    let f = &tl["frames"][i];
    let time = s["time"].as_f64().unwrap();
    let ft = f[0].as_f64().unwrap();
    assert!(
        (time - ft).abs() < 5e-4,
        "data-time {time} is not frame {i}'s {ft}: {s}"
    );
    let now: f64 = s["now"]
        .as_str()
        .unwrap()
        .trim_end_matches(" s")
        .parse()
        .unwrap();
    assert!((now - ft).abs() < 0.006, "#now-time: {s}");
    let want_rep = match f[1].as_u64() {
        None => "–".to_string(),
        Some(0) => "partial".into(),
        Some(k) => k.to_string(),
    };
    assert_eq!(
        s["rep"],
        want_rep.as_str(),
        "#now-rep against the timeline: {s}"
    );
    assert_eq!(
        s["phase"],
        f[2].as_str().unwrap_or("–"),
        "#now-phase against the timeline: {s}"
    );
    let hip = s["hip"].as_str().unwrap();
    let shown = match f[3].as_f64() {
        None => {
            assert_eq!(hip, "–", "{s}");
            None
        }
        Some(h) => {
            let v: f64 = hip
                .strip_suffix('°')
                .unwrap_or_else(|| panic!("#now-hip without a degree sign: {s}"))
                .parse()
                .unwrap();
            assert!(
                v == v.round() && (v - h).abs() <= 0.5,
                "#now-hip {hip} is not {h} rounded: {s}"
            );
            Some(v)
        }
    };
    // The same time in frames.csv: the page must not show data of its own.
    let c = csv
        .iter()
        .min_by(|a, b| (a.t - time).abs().total_cmp(&(b.t - time).abs()))
        .unwrap();
    assert!(
        (c.t - time).abs() < 1e-3,
        "no frames.csv row at {time}: {s}"
    );
    assert_eq!(
        s["rep"],
        if c.rep.is_empty() { "–" } else { &c.rep },
        "#now-rep against frames.csv at {time}: {s}"
    );
    let csv_phase = if c.phase.is_empty() {
        "–".into()
    } else {
        c.phase.replace('_', " ")
    };
    assert_eq!(
        s["phase"],
        csv_phase.as_str(),
        "#now-phase against frames.csv at {time}: {s}"
    );
    match (shown, c.hip) {
        (Some(v), Some(h)) => assert!(
            (v - h).abs() <= 0.56,
            "#now-hip {v}° against frames.csv's {h} at {time}: {s}"
        ),
        (None, None) => {}
        (v, h) => panic!("#now-hip {v:?} against frames.csv's {h:?} at {time}: {s}"),
    }
}

#[test]
fn review_page_plays_seeks_and_steps_in_chromium() {
    let Some(bin) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = analysed(tmp.path(), "out", &[]);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let report = read_json(&out.join("report.json"));
    let reps = report["reps"].as_array().unwrap();
    assert!(reps.len() >= 2);
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
    let frame = 1.0 / fps + 1e-3;
    let tl = timeline(&page);
    let csv = frames_csv(&out.join("frames.csv"));
    // The page's rep starts are the report's.
    let starts: Vec<f64> = reps
        .iter()
        .map(|r| r["start_s"].as_f64().unwrap())
        .collect();
    let tl_starts: Vec<f64> = tl["reps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    assert_eq!(tl_starts.len(), starts.len());
    assert!(
        starts
            .iter()
            .zip(&tl_starts)
            .all(|(a, b)| (a - b).abs() < 1e-6)
    );
    let rep2 = starts[1];
    let (log, requests) = probe(&bin, &out);
    eprintln!("review probe: {log}");
    let video = format!("file://{}", out.join("annotated.mp4").display());
    assert!(
        requests.contains(&video),
        "the video's request was not seen: {requests:?}"
    );
    let steps = log.as_array().unwrap();
    let step = |what: &str| -> &serde_json::Value {
        steps
            .iter()
            .find(|s| s["what"] == what)
            .unwrap_or_else(|| panic!("no `{what}` step: {log}"))
    };
    let all = |what: &str| -> Vec<&serde_json::Value> {
        steps.iter().filter(|s| s["what"] == what).collect()
    };
    let near = |s: &serde_json::Value, want: f64, what: &str| {
        let t = s["time"].as_f64().unwrap();
        assert!(
            (t - want).abs() <= frame,
            "{what}: wanted {want} s (within a frame), the page went to {t}: {s}"
        );
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
    assert_ne!(r2["phase"], "", "{r2}");
    assert_ne!(r2["phase"], "–", "{r2}");
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

    // ] from rep 2 goes to each next rep's start, [ back to each previous one; each
    // lands in that rep (its readout), within a frame of its start.
    near(step("rep2-again"), rep2, "rep 2 again");
    let (next, prev) = (all("next"), all("prev"));
    assert_eq!(next.len(), reps.len() - 2, "{log}");
    assert_eq!(prev.len(), reps.len() - 1, "{log}");
    for s in next.iter().chain(&prev) {
        let k = s["to"].as_u64().unwrap() as usize;
        near(s, starts[k], &format!("the rep key to rep start {k}"));
        assert_eq!(
            s["rep"],
            rep_words(&reps[k]).as_str(),
            "rep key to rep {k}: {s}"
        );
    }

    // Each flag with a time seeks there: its start, else its rep's start (report.json).
    let flags = report["flags"].as_array().unwrap();
    let clicked = all("flag");
    assert_eq!(clicked.len(), flags.len(), "{log}");
    for (k, f) in flags.iter().enumerate() {
        let want = f["start_s"].as_f64().or_else(|| {
            reps.iter()
                .find(|r| !f["rep"].is_null() && r["number"] == f["rep"])
                .and_then(|r| r["start_s"].as_f64())
        });
        let s = clicked[k];
        assert_eq!(s["index"], k, "{log}");
        match want {
            None => assert!(s["at"].is_null(), "flag {k} has no time but a data-t: {s}"),
            Some(w) => {
                let at = s["at"]
                    .as_f64()
                    .unwrap_or_else(|| panic!("flag {k}: no data-t"));
                assert!((at - w).abs() < 1e-3, "flag {k}: data-t {at}, report {w}");
                near(s, w, &format!("flag {k}"));
                // A rep's flag shows that rep (its start may be the previous rep's end).
                if let Some(r) = reps
                    .iter()
                    .find(|r| !f["rep"].is_null() && r["number"] == f["rep"])
                {
                    assert_eq!(
                        s["rep"],
                        rep_words(r).as_str(),
                        "flag {k} of rep {}: {s}",
                        f["rep"]
                    );
                }
            }
        }
    }

    // One keyframe per counted rep, at its deepest point; clicking it seeks there.
    let counted: Vec<&serde_json::Value> = reps.iter().filter(|r| r["counted"] == true).collect();
    let kfs = all("keyframe");
    assert_eq!(kfs.len(), counted.len(), "{log}");
    for (s, r) in kfs.iter().zip(&counted) {
        let deepest = r["peak_hip_flexion_s"]
            .as_f64()
            .or(r["bottom_s"].as_f64())
            .unwrap();
        let at = s["at"].as_f64().unwrap();
        assert!(
            (at - deepest).abs() < 1e-3,
            "keyframe at {at}, rep's deepest {deepest}: {s}"
        );
        near(s, at, "keyframe");
        assert_eq!(s["rep"], rep_words(r).as_str(), "keyframe: {s}");
        let caption = format!("Rep {} at {:.1} s", r["number"], deepest);
        assert!(
            s["caption"].as_str().unwrap().starts_with(&caption),
            "{caption}: {s}"
        );
    }

    // Clicking the plot at a time T seeks within a frame of T.
    let plot = all("plot");
    assert_eq!(plot.len(), 4, "{log}");
    for s in &plot {
        near(s, s["at"].as_f64().unwrap(), "a click on the plot");
    }

    // The readouts everywhere the probe stopped, against the timeline and frames.csv.
    for s in steps.iter().filter(|s| s["frame"].is_number()) {
        check_readouts(s, &tl, &csv);
    }

    // Printed with the video beside the page: no player in the print.
    print_check(&bin, &out, &report);

    // Without the video next to it the page says so.
    std::fs::remove_file(out.join("annotated.mp4")).unwrap();
    let (gone, _) = probe(&bin, &out);
    eprintln!("review probe without annotated.mp4: {gone}");
    let missing = gone
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["video"] == "missing")
        .unwrap_or_else(|| panic!("{gone}"));
    assert_eq!(missing["playerHidden"], true, "{gone}");
    assert_eq!(missing["missingShown"], true, "{gone}");

    print_check(&bin, &out, &report);
}

/// A `--no-video` page has no player and says so (its message present and shown, no
/// video element, no review section), requests nothing but itself and data: URLs, and
/// still shows the plot, the rep table, the keyframes and the flags its message points
/// to; clicking a rep row or the plot breaks nothing (there is no script to seek).
/// Printed, it is the same report (see [`print_check`]) without the message.
#[test]
fn no_video_page_says_it_has_no_player_in_chromium() {
    let Some(bin) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = analysed(tmp.path(), "out-no-video", &["--no-video"]);
    assert!(!out.join("annotated.mp4").exists());
    let report = read_json(&out.join("report.json"));
    let counted = report["reps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["counted"] == true)
        .count();
    let (found, requests) = probe_with(&bin, &out, PROBE_NO_VIDEO);
    eprintln!("no-video probe: {found}");
    assert!(
        requests.iter().all(|r| !r.ends_with("annotated.mp4")),
        "{requests:?}"
    );
    assert!(
        found["message"].as_str().is_some_and(|m| m
            .starts_with("No annotated video was written with this report")
            && m.contains("no player")),
        "{found}"
    );
    assert_eq!(found["messageShown"], true, "{found}");
    assert_eq!(found["videos"], 0, "{found}");
    assert_eq!(found["review"], false, "{found}");
    assert_eq!(found["playerBox"], false, "{found}");
    assert_eq!(
        found["rows"],
        report["reps"].as_array().unwrap().len(),
        "{found}"
    );
    assert_eq!(found["rowsShown"], true, "{found}");
    assert_eq!(found["plotShown"], true, "{found}");
    assert!(found["plotPaths"].as_u64().unwrap() >= 2, "{found}");
    assert_eq!(found["keyframes"], counted, "{found}");
    assert_eq!(found["keyframesShown"], true, "{found}");
    assert_eq!(
        found["flags"],
        report["flags"].as_array().unwrap().len(),
        "{found}"
    );
    assert_eq!(found["flagsShown"], true, "{found}");
    assert_eq!(found["errors"], serde_json::json!([]), "{found}");
    assert!(
        found["stillHere"]
            .as_str()
            .unwrap()
            .ends_with("report.html"),
        "{found}"
    );
    let text = print_check(&bin, &out, &report);
    assert!(
        !text.contains("No annotated video was written"),
        "the no-video line is printed"
    );
}

/// Runs a poppler tool on `pdf`; its standard output, or `None` (loudly) when the tool
/// is missing.
fn poppler(tool: &str, args: &[&str], pdf: &Path, after: &[&str]) -> Option<String> {
    let Some(path) = which(tool) else {
        eprintln!("\n*** SKIPPED a PDF check: {tool} not found (poppler-utils) ***\n");
        return None;
    };
    let o = Command::new(path)
        .args(args)
        .arg(pdf)
        .args(after)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// Prints the page to PDF (headless Chromium) and checks it: A4; its text (pdftotext)
/// has the rep table (a header line with its column names, and per rep a line starting
/// with its number, or "partial", and its time range), every flag's message from
/// report.json and every counted rep's keyframe caption ("Rep k at t s"), and none of
/// the player's text (its heading, key help and video-missing line); pdfimages lists at
/// least one image per keyframe; the pages, rendered to PNG (pdftoppm, 100 dpi), are
/// at least two, portrait A4, none more than 5% black (the player is not printed), and
/// together have pixels of the plot's primary hip line and of its knee line (their
/// colours in src/report/plot.rs). Each poppler tool that is missing skips its checks
/// loudly. Returns the PDF's text in reading order (empty without pdftotext).
fn print_check(bin: &Path, out: &Path, report: &serde_json::Value) -> String {
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
    let reps = report["reps"].as_array().unwrap();
    let counted: Vec<&serde_json::Value> = reps.iter().filter(|r| r["counted"] == true).collect();
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut plain = String::new();
    if let (Some(layout), Some(flow)) = (
        poppler("pdftotext", &["-layout"], &pdf, &["-"]),
        poppler("pdftotext", &[], &pdf, &["-"]),
    ) {
        for player in [
            "Review the set",
            "previous / next rep",
            "one frame back",
            "is not next to this page",
        ] {
            assert!(
                !layout.contains(player),
                "the player is printed: {player:?} in\n{layout}"
            );
        }
        // The rep table: its header, and a row per rep with its label and time range.
        assert!(
            layout.lines().any(
                |l| ["Rep", "Time (s)", "Tempo", "Peak hip", "Above cap", "Flags"]
                    .iter()
                    .all(|w| l.contains(w))
            ),
            "no rep table header in\n{layout}"
        );
        for r in reps {
            let range = format!(
                "{:.1}–{:.1}",
                r["start_s"].as_f64().unwrap(),
                r["end_s"].as_f64().unwrap()
            );
            let label = rep_words(r);
            assert!(
                layout.lines().any(|l| {
                    let l = l.trim_start();
                    l.strip_prefix(label.as_str())
                        .is_some_and(|rest| rest.starts_with(' ') && rest.contains(&range))
                }),
                "no rep table row {label} {range} in\n{layout}"
            );
        }
        // Every flag's message and every keyframe's caption, in reading order.
        let flow_words = words(&flow);
        for f in report["flags"].as_array().unwrap() {
            let m = words(f["message"].as_str().unwrap());
            assert!(
                flow_words.contains(&m),
                "flag message {m:?} not printed in\n{flow}"
            );
        }
        for r in &counted {
            let t = r["peak_hip_flexion_s"]
                .as_f64()
                .or(r["bottom_s"].as_f64())
                .unwrap();
            let caption = format!("Rep {} at {t:.1} s", r["number"]);
            assert!(
                flow_words.contains(&caption),
                "keyframe caption {caption:?} not printed in\n{flow}"
            );
        }
        plain = flow;
    }
    if let Some(list) = poppler("pdfimages", &["-list"], &pdf, &[]) {
        // Two header lines, then one line per image.
        let images = list
            .lines()
            .skip(2)
            .filter(|l| !l.trim().is_empty())
            .count();
        eprintln!("printed images: {images} (keyframes: {})", counted.len());
        assert!(
            images >= counted.len(),
            "{images} images for {} keyframes:\n{list}",
            counted.len()
        );
    }
    let Some(ppm) = which("pdftoppm") else {
        eprintln!("\n*** SKIPPED the PDF page pictures: pdftoppm not found (poppler-utils) ***\n");
        return plain;
    };
    let keep = std::env::var_os("HIPFLEX_KEEP_PDF_PAGES").map(PathBuf::from);
    let pages_dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&pages_dir).unwrap();
    let st = Command::new(ppm)
        .args(["-r", "100", "-png"])
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
    // The plot's primary (2D) hip line and its knee line (src/report/plot.rs).
    let colours = [("hip 2D", [0x1d, 0x4e, 0xd8]), ("knee", [0x0f, 0x76, 0x6e])];
    let mut seen = [0usize; 2];
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
        for px in img.pixels() {
            for (k, (_, c)) in colours.iter().enumerate() {
                let d2: i32 = (0..3).map(|i| (px.0[i] as i32 - c[i]).pow(2)).sum();
                if d2 < 30 * 30 {
                    seen[k] += 1;
                }
            }
        }
    }
    eprintln!(
        "plot line pixels in the print: {:?}",
        colours.iter().map(|c| c.0).zip(seen).collect::<Vec<_>>()
    );
    for ((name, _), n) in colours.iter().zip(seen) {
        assert!(
            n >= 200,
            "the plot's {name} line is not in the print ({n} pixels)"
        );
    }
    plain
}
