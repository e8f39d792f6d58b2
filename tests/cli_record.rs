//! `hipflex record` driven from video files standing in for a camera: the recording
//! is analysed like `analyze` would, Ctrl-C keeps what was recorded, and bad cameras
//! or existing outputs are refused before anything is recorded.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

fn hipflex() -> Command {
    Command::cargo_bin("hipflex").unwrap()
}

fn clip(name: &str) -> PathBuf {
    common::videos_dir().join(name)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn frames_in(video: &Path) -> usize {
    common::ffprobe_frame_times(video).len()
}

/// Every frame of `video` decoded by ffmpeg as 8-bit RGB, one after the other.
fn rgb_frames(video: &Path) -> Vec<u8> {
    let o = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(video)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

/// Waits (up to a minute) until `record` has started writing into `out`; returns the
/// partial recording's path.
fn wait_for_recording(out: &Path) -> PathBuf {
    let partial = out.join("recording.partial.mkv");
    let t0 = std::time::Instant::now();
    while !partial.exists() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(partial.exists(), "recording never started");
    partial
}

#[test]
fn recording_from_a_file_gives_the_same_analysis_as_analyze() {
    let src = clip("bridge_too_deep.mp4");
    let tmp = tempfile::tempdir().unwrap();
    let (rec, ana) = (tmp.path().join("rec"), tmp.path().join("ana"));
    hipflex()
        .args(["record", "--camera"])
        .arg(&src)
        .args(["--phase", "2", "--model", "lite", "--no-video", "--out"])
        .arg(&rec)
        .assert()
        .success();
    hipflex()
        .arg("analyze")
        .arg(&src)
        .args(["--phase", "2", "--model", "lite", "--no-video", "--out"])
        .arg(&ana)
        .assert()
        .success();
    let facts = json(&rec.join("recording.json"));
    assert_eq!(facts["stop_reason"], "end_of_input");
    assert_eq!(facts["codec"], "FFV1", "the raw recording is lossless");
    let n = frames_in(&src);
    assert_eq!(facts["frames_written"].as_u64().unwrap() as usize, n);
    assert_eq!(frames_in(&rec.join("recording.mkv")), n);
    // The recording is the raw input, faces and all: frame for frame the camera's picture
    // (the privacy blur is only in what the analysis draws).
    let (a, b) = (rgb_frames(&src), rgb_frames(&rec.join("recording.mkv")));
    assert_eq!(a.len(), b.len());
    let worst = a
        .chunks(a.len() / n)
        .zip(b.chunks(b.len() / n))
        .map(|(x, y)| {
            x.iter()
                .zip(y)
                .map(|(&p, &q)| (p as i32 - q as i32).unsigned_abs() as u64)
                .sum::<u64>() as f64
                / x.len() as f64
        })
        .fold(0.0, f64::max);
    assert!(
        worst < 1.5,
        "the recording differs from the camera's frames by {worst:.2} grey levels on a frame"
    );

    let (r, a) = (
        json(&rec.join("report.json")),
        json(&ana.join("report.json")),
    );
    assert_eq!(r["exercise"]["class"], a["exercise"]["class"]);
    let (rr, ar) = (r["reps"].as_array().unwrap(), a["reps"].as_array().unwrap());
    assert!(!ar.is_empty());
    assert_eq!(rr.len(), ar.len(), "same reps");
    for (x, y) in rr.iter().zip(ar) {
        assert_eq!(x["number"], y["number"]);
        for k in [
            "eccentric_s",
            "bottom_pause_s",
            "concentric_s",
            "top_pause_s",
            "start_s",
        ] {
            if let (Some(p), Some(q)) = (x[k].as_f64(), y[k].as_f64()) {
                assert!((p - q).abs() < 0.05, "{k}: {p} vs {q}");
            } else {
                assert_eq!(x[k].is_null(), y[k].is_null(), "{k}");
            }
        }
        let (p, q) = (
            x["peak_hip_flexion_deg"].as_f64().unwrap(),
            y["peak_hip_flexion_deg"].as_f64().unwrap(),
        );
        assert!((p - q).abs() < 1.0, "peak {p} vs {q}");
    }
    let codes = |v: &serde_json::Value| -> Vec<(String, Option<u64>)> {
        v["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["code"].as_str().unwrap().to_string(), f["rep"].as_u64()))
            .collect()
    };
    assert_eq!(codes(&r), codes(&a), "same flags");
    assert!(
        codes(&r).iter().any(|c| c.0 == "early_compression"),
        "the too-deep bridge is flagged"
    );
}

/// `record --cross-check` analyses the recording as `analyze --cross-check` does: the
/// other model size's peak on every counted rep, named in the report.
#[test]
fn record_cross_check_runs_the_second_model_on_the_recording() {
    let src = clip("bridge_too_deep.mp4");
    let tmp = tempfile::tempdir().unwrap();
    let rec = tmp.path().join("rec");
    hipflex()
        .args(["record", "--camera"])
        .arg(&src)
        .args([
            "--phase",
            "2",
            "--model",
            "lite",
            "--no-video",
            "--cross-check",
        ])
        .arg("--out")
        .arg(&rec)
        .assert()
        .success();
    let r = json(&rec.join("report.json"));
    assert_eq!(r["clip"]["cross_check_model"], "full", "{}", r["clip"]);
    let counted: Vec<&serde_json::Value> = r["reps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["counted"] == true)
        .collect();
    assert!(!counted.is_empty());
    for x in counted {
        assert!(
            x["peak_loaded_hip_flexion_cross_check_deg"].is_f64(),
            "rep {} has no cross-check peak: {x}",
            x["number"]
        );
    }
    hipflex()
        .args(["record", "--camera"])
        .arg(&src)
        .args(["--no-analyze", "--cross-check", "--out"])
        .arg(tmp.path().join("refused"))
        .assert()
        .code(2);
}

#[test]
fn ctrl_c_keeps_the_recording_and_analyses_it() {
    let src = clip("nordic_good.mp4");
    let total = frames_in(&src);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rec");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hipflex"))
        .args(["record", "--pace", "--camera"])
        .arg(&src)
        .args(["--phase", "2", "--model", "lite", "--no-video", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the recording is under way, then press Ctrl-C.
    let partial = wait_for_recording(&out);
    std::thread::sleep(Duration::from_secs(3));
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !partial.exists(),
        "the partial file is renamed when stopped"
    );
    let facts = json(&out.join("recording.json"));
    assert_eq!(facts["stop_reason"], "interrupted", "{stderr}");
    let written = facts["frames_written"].as_u64().unwrap() as usize;
    assert!(written > 30 && written < total, "{written} of {total}");
    assert_eq!(frames_in(&out.join("recording.mkv")), written);
    let report = json(&out.join("report.json"));
    assert_eq!(report["clip"]["frames"].as_u64().unwrap() as usize, written);
    assert!(String::from_utf8_lossy(&output.stdout).contains("Outputs in"));
}

#[test]
fn seconds_stops_the_recording_and_no_analyze_only_records() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rec");
    let a = hipflex()
        .args(["record", "--camera"])
        .arg(clip("sample_bridge.mp4"))
        .args([
            "--phase",
            "2",
            "--seconds",
            "2",
            "--no-analyze",
            "--no-live",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(stdout.contains("hipflex analyze"), "{stdout}");
    let facts = json(&out.join("recording.json"));
    assert_eq!(facts["stop_reason"], "seconds");
    let n = facts["frames_written"].as_u64().unwrap();
    let fps = facts["written_fps"].as_f64().unwrap();
    assert!(((n as f64 / fps) - 2.0).abs() < 0.1, "{n} frames at {fps}");
    assert!(!out.join("report.json").exists());
}

#[test]
fn bad_cameras_and_existing_recordings_are_refused_before_recording() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rec");
    let a = hipflex()
        .args([
            "record",
            "--camera",
            "/dev/video-does-not-exist",
            "--phase",
            "2",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("camera") || err.contains("device"), "{err}");

    // A recording already there is never overwritten without --force.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("recording.mkv"), b"precious").unwrap();
    let a = hipflex()
        .args(["record", "--camera"])
        .arg(clip("sample_bridge.mp4"))
        .args(["--phase", "2", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        std::fs::read(out.join("recording.mkv")).unwrap(),
        b"precious"
    );

    // A phase the protocol does not have is refused before the camera opens.
    hipflex()
        .args([
            "record",
            "--camera",
            "/dev/video-does-not-exist",
            "--phase",
            "9",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("phase"));
}

/// Kills the virtual display when the test ends, however it ends.
struct Xvfb(std::process::Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts Xvfb on a free display; `None` (loudly) when it is not installed.
fn virtual_display() -> Option<(Xvfb, String)> {
    use std::io::{BufRead, BufReader};
    let child = std::process::Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!(
            "\n*** SKIPPED: Xvfb not found (scripts/setup --with-test-tools installs it) ***\n"
        );
        return None;
    };
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
    let xvfb = Xvfb(child);
    if line.trim().parse::<u32>().is_err() {
        eprintln!("\n*** SKIPPED: Xvfb is installed but did not start a display here ***\n");
        return None;
    }
    Some((xvfb, format!(":{}", line.trim())))
}

#[test]
fn the_preview_window_shows_the_live_view() {
    let Some((_x, display)) = virtual_display() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rec");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hipflex"))
        .env("DISPLAY", &display)
        .args(["record", "--pace", "--preview", "on", "--camera"])
        .arg(clip("nordic_good.mp4"))
        .args([
            "--phase",
            "2",
            "--model",
            "lite",
            "--seconds",
            "6",
            "--no-analyze",
            "--out",
        ])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_recording(&out);
    std::thread::sleep(Duration::from_secs(3));
    let shot = tmp.path().join("screen.png");
    common::ffmpeg(&[
        "-f",
        "x11grab",
        "-video_size",
        "1280x800",
        "-i",
        &display,
        "-frames:v",
        "1",
        shot.to_str().unwrap(),
    ]);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("q or Esc in the window"), "{stderr}");
    let facts = json(&out.join("recording.json"));
    assert_eq!(facts["stop_reason"], "seconds");
    // The window shows the frame (many colours) under a header bar in a zone colour
    // (green, amber or red: a saturated bar the clip itself does not have).
    let img = image::open(&shot).unwrap().to_rgb8();
    let mut colours = std::collections::HashSet::new();
    let mut zone_bar = 0usize;
    for p in img.pixels() {
        colours.insert(p.0);
        let [r, g, b] = p.0.map(i32::from);
        let green = g > 150 && r < 100 && b < 100;
        let amber = r > 220 && (140..200).contains(&g) && b < 40;
        if green || amber || (r > 190 && g < 60 && b < 60) {
            zone_bar += 1;
        }
    }
    assert!(
        colours.len() > 500,
        "no frame on screen: {} colours",
        colours.len()
    );
    assert!(zone_bar > 2000, "no zone-coloured bar: {zone_bar} pixels");
}

/// Reads what `script`'s terminal shows until `want` appears (or `secs` pass).
fn read_until(
    rx: &std::sync::mpsc::Receiver<String>,
    seen: &mut String,
    want: &str,
    secs: u64,
) -> bool {
    let t0 = std::time::Instant::now();
    while !seen.contains(want) {
        let left = Duration::from_secs(secs).saturating_sub(t0.elapsed());
        match rx.recv_timeout(left) {
            Ok(chunk) => seen.push_str(&chunk),
            Err(_) => return false,
        }
    }
    true
}

/// On a real terminal (a pseudo-terminal from util-linux `script`), `record` asks for the
/// pain score at the end: a bad answer is explained and asked again, and the answer is what
/// the history records, even though the recording ended by itself.
#[test]
fn record_asks_for_pain_on_a_terminal() {
    use std::io::{Read, Write};
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "\n*** SKIPPED record_asks_for_pain_on_a_terminal: no `script` (util-linux) ***\n"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (out, db) = (tmp.path().join("rec"), tmp.path().join("history.sqlite"));
    let bin = assert_cmd::cargo::cargo_bin("hipflex");
    let q = |p: &Path| format!("'{}'", p.display());
    let cmd = format!(
        "{} record --camera {} --phase 2 --model lite --no-video --no-live --patient Ana --db {} --out {}",
        q(&bin),
        q(&clip("bridge_too_deep.mp4")),
        q(&db),
        q(&out)
    );
    let mut child = std::process::Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0
                || tx
                    .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                    .is_err()
            {
                break;
            }
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let mut seen = String::new();
    let prompt = "Pain during or after the set, 0-10";
    assert!(
        read_until(&rx, &mut seen, prompt, 180),
        "no pain prompt:\n{seen}"
    );
    stdin.write_all(b"12\n").unwrap();
    stdin.flush().unwrap();
    let asked = seen.matches(prompt).count();
    let again = |s: &String| s.matches(prompt).count() > asked;
    let t0 = std::time::Instant::now();
    while !again(&seen) && t0.elapsed() < Duration::from_secs(30) {
        if let Ok(c) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&c);
        }
    }
    assert!(again(&seen), "a bad pain score is asked again:\n{seen}");
    assert!(seen.contains("0-10"), "{seen}");
    stdin.write_all(b"4\n").unwrap();
    stdin.flush().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{seen}");
    let c = rusqlite::Connection::open(&db).unwrap();
    let pain: Option<i64> = c
        .query_row("SELECT pain FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pain, Some(4), "{seen}");
}
