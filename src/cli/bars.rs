//! Progress bars (indicatif) on stderr when it is a terminal; nothing otherwise, so
//! logs and CI output stay plain text.

use std::io::IsTerminal;
use std::time::Duration;

use hipflex::batch::{BatchProgress, Job};
use hipflex::progress::{Progress, Stage};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

fn target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

fn frames_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{prefix:>12.bold} {msg:9} [{bar:30.cyan/blue}] {pos:>5}/{len:5} frames {per_sec:>10} {eta:>4}",
    )
    .expect("valid template")
    .progress_chars("=> ")
}

fn set(bar: &ProgressBar, stage: Stage, done: u64, total: Option<u64>) {
    if bar.message() != stage.name() {
        bar.set_message(stage.name());
        bar.reset_eta();
    }
    // The declared frame count can be short (VFR, damaged headers): never run past it.
    let len = total.unwrap_or(0).max(done);
    if bar.length() != Some(len) {
        bar.set_length(len);
    }
    bar.set_position(done);
}

/// One bar for one video (`analyze`, `record`).
pub struct VideoBar(ProgressBar);

impl VideoBar {
    pub fn new(name: &str) -> VideoBar {
        let bar = ProgressBar::with_draw_target(Some(0), target());
        bar.set_style(frames_style());
        bar.set_prefix(name.to_string());
        VideoBar(bar)
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for VideoBar {
    fn frames(&self, stage: Stage, done: u64, total: Option<u64>) {
        set(&self.0, stage, done, total);
    }
}

/// An overall bar (videos done) and one bar per worker (frames of its current video).
pub struct BatchBars {
    multi: MultiProgress,
    overall: ProgressBar,
    workers: Vec<ProgressBar>,
}

impl BatchBars {
    pub fn new(videos: usize, workers: usize) -> BatchBars {
        let multi = MultiProgress::with_draw_target(target());
        let overall = multi.add(ProgressBar::new(videos as u64));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:>12.bold} [{bar:30.green/white}] {pos}/{len} videos, {elapsed} elapsed, about {eta} left",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        overall.set_prefix("batch");
        overall.enable_steady_tick(Duration::from_millis(500));
        let workers = (0..workers)
            .map(|_| {
                let b = multi.add(ProgressBar::new(0));
                b.set_style(frames_style());
                b
            })
            .collect();
        BatchBars {
            multi,
            overall,
            workers,
        }
    }

    /// A finished video: one line above the bars, and the overall bar moves on.
    pub fn done(&self, line: &str) {
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
        self.overall.inc(1);
    }

    pub fn finish(&self) {
        for w in &self.workers {
            w.finish_and_clear();
        }
        self.overall.finish_and_clear();
    }
}

impl BatchProgress for BatchBars {
    fn started(&self, worker: usize, job: &Job) {
        if let Some(b) = self.workers.get(worker) {
            let name = job
                .video
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Keep the prefix column narrow: the end of the name is the telling part.
            let short: String = if name.chars().count() > 12 {
                let tail: String = name.chars().rev().take(11).collect();
                format!("…{}", tail.chars().rev().collect::<String>())
            } else {
                name
            };
            b.set_prefix(short);
            b.set_message("starting");
            b.set_length(1);
            b.set_position(0);
        }
    }

    fn frames(&self, worker: usize, stage: Stage, done: u64, total: Option<u64>) {
        if let Some(b) = self.workers.get(worker) {
            set(b, stage, done, total);
        }
    }
}
