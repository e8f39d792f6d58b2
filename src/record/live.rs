//! Live feedback while recording: the pose model runs on its own thread on the most
//! recent frame (frames that arrive while it is busy are skipped, so the recording
//! never waits for the model), and the latest hip angle and zone are shared with the
//! preview window or the terminal status line.
//!
//! The live angle is the raw 2D trunk–thigh angle of the last frame, for orientation
//! only: the numbers in the report come from the full analysis of the recording.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use opencv::core::Mat;
use opencv::prelude::*;

use crate::error::{Error, Result};
use crate::kinematics::{self, KinematicsParams, Side};
use crate::pose::{Pose, PoseFrame, PoseTracker};
use crate::report::overlay;

/// Seconds of recent poses the live angle's near-side choice looks at.
const WINDOW_S: f64 = 1.0;

/// What the live view shows.
#[derive(Clone, Debug, Default)]
pub struct LiveView {
    /// Time of the frame the values belong to (seconds since the first frame).
    pub t_s: f64,
    pub pose: Option<Pose>,
    pub side: Option<Side>,
    pub hip_deg: Option<f64>,
    pub knee_deg: Option<f64>,
    /// Zone of the hip angle against the phase cap: green, amber, red or grey.
    pub zone: &'static str,
    /// Frames the model has seen so far.
    pub analysed: u64,
}

/// The phase limits the live zone colour uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct LiveLimits {
    pub cap_deg: Option<f64>,
    pub amber_band_deg: Option<f64>,
}

/// The pose model on its own thread.
pub struct LiveFeedback {
    tx: Option<SyncSender<(Mat, f64)>>,
    busy: Arc<AtomicBool>,
    latest: Arc<Mutex<LiveView>>,
    worker: Option<JoinHandle<Result<PoseTracker>>>,
}

/// The live view of the newest frame in `window`.
fn view_of(window: &mut VecDeque<PoseFrame>, limits: LiveLimits, analysed: u64) -> LiveView {
    let frames: &[PoseFrame] = window.make_contiguous();
    let times: Vec<f64> = frames.iter().map(|f| f.timestamp_s).collect();
    let params = KinematicsParams::default();
    let kin = kinematics::compute(frames, &times, &params);
    let (Some(last), Some(k)) = (frames.last(), kin.last()) else {
        return LiveView::default();
    };
    let trusted = |v: Option<f64>, conf: f64| v.filter(|_| conf >= params.min_confidence);
    let hip = trusted(k.hip_flexion_2d, k.conf_hip);
    LiveView {
        t_s: last.timestamp_s,
        pose: last.pose.clone(),
        side: k.side,
        hip_deg: hip,
        knee_deg: trusted(k.knee_flexion_2d, k.conf_knee),
        zone: overlay::zone(hip, true, limits.cap_deg, limits.amber_band_deg),
        analysed,
    }
}

impl LiveFeedback {
    /// Starts the model thread with `tracker` (reset first).
    pub fn start(mut tracker: PoseTracker, limits: LiveLimits) -> LiveFeedback {
        let (tx, rx) = sync_channel::<(Mat, f64)>(1);
        let busy = Arc::new(AtomicBool::new(false));
        let latest = Arc::new(Mutex::new(LiveView {
            zone: "grey",
            ..Default::default()
        }));
        let (b, l) = (busy.clone(), latest.clone());
        let worker = std::thread::spawn(move || -> Result<PoseTracker> {
            tracker.reset();
            let mut window: VecDeque<PoseFrame> = VecDeque::new();
            let mut analysed = 0u64;
            for (img, t) in rx.iter() {
                let (pose, _) = tracker.process(&img, t)?;
                window.push_back(PoseFrame {
                    index: analysed,
                    timestamp_s: t,
                    pose,
                });
                analysed += 1;
                while window.front().is_some_and(|f| f.timestamp_s < t - WINDOW_S) {
                    window.pop_front();
                }
                let v = view_of(&mut window, limits, analysed);
                if let Ok(mut g) = l.lock() {
                    *g = v;
                }
                b.store(false, Ordering::SeqCst);
            }
            Ok(tracker)
        });
        LiveFeedback {
            tx: Some(tx),
            busy,
            latest,
            worker: Some(worker),
        }
    }

    /// Hands a frame to the model unless it is still busy with an earlier one.
    pub fn offer(&self, img: &Mat, t_s: f64) -> Result<()> {
        if self.busy.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let copy = img.try_clone()?;
        if let Some(tx) = &self.tx
            && tx.try_send((copy, t_s)).is_err()
        {
            self.busy.store(false, Ordering::SeqCst);
        }
        Ok(())
    }

    /// The most recent live values.
    pub fn latest(&self) -> LiveView {
        self.latest.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Stops the model thread and returns the tracker for the full analysis.
    pub fn finish(mut self) -> Result<PoseTracker> {
        self.tx.take();
        self.worker
            .take()
            .expect("finished once")
            .join()
            .map_err(|_| Error::Other("the live pose thread panicked".into()))?
    }
}

/// `mm:ss.s` for a recording time.
pub fn clock(t_s: f64) -> String {
    let t = t_s.max(0.0);
    let m = (t / 60.0).floor();
    format!("{:02}:{:04.1}", m as u64, t - 60.0 * m)
}

/// One line of terminal status: recording time, frames, the live angle and zone.
pub fn status_line(t_s: f64, frames: u64, v: &LiveView) -> String {
    let body = match (&v.pose, v.hip_deg) {
        (None, _) => "no person in view".to_string(),
        (Some(_), Some(h)) => format!("hip {h:>4.0} deg ({})", v.zone),
        (Some(_), None) => "person in view, hip not visible".to_string(),
    };
    format!("REC {}  {frames:>5} frames  {body}", clock(t_s))
}

/// Draws the live view on a preview frame: skeleton, hip arc and value in the zone
/// colour, and a bar with the recording time.
pub fn draw_preview(img: &mut Mat, t_s: f64, v: &LiveView, phase: u8) -> Result<()> {
    if let Some(p) = &v.pose {
        overlay::draw_body(img, p, v.side.unwrap_or(Side::Left), v.hip_deg, v.zone)?;
    }
    let label = format!(
        "REC {}  phase {phase}  {}   q/Esc: stop",
        clock(t_s),
        v.hip_deg
            .map(|h| format!("hip {h:.0} deg"))
            .unwrap_or_else(|| "no hip angle".into())
    );
    overlay::header_bar(img, &label, v.zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_status_read_at_a_glance() {
        assert_eq!(clock(0.0), "00:00.0");
        assert_eq!(clock(75.26), "01:15.3");
        let v = LiveView {
            zone: "grey",
            ..Default::default()
        };
        assert!(status_line(1.0, 30, &v).contains("no person in view"));
    }
}
