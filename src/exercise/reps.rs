//! Repetition segmentation on a driving signal, per-rep metrics and isometric holds.
//!
//! The driving signal `e` is oriented so that the rest/top position is low and the bottom
//! of the movement is high: hip flexion for bridges and hinges, minus knee flexion for Nordic
//! curls. Eccentric = `e` rising (lowering), concentric = `e` falling (lifting / returning).

use serde::{Deserialize, Serialize};

use super::config::RepParams;
use super::tempo::{
    EaseFit, constant_speed_evidence, first_exceeding, matched_turns, movement_boundary,
    movement_misfit, pause_region, set_shape,
};
use crate::common::Tempo;
use crate::signal::percentile;

/// A confirmed or provisional turning point of the driving signal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extreme {
    pub i: usize,
    /// `true` at the bottom of the movement (maximum of `e`).
    pub bottom: bool,
    /// Placed at the clip end rather than confirmed by a reversal.
    pub provisional: bool,
}

/// Zigzag turning points: a maximum (minimum) is confirmed once the signal falls (rises)
/// `delta` below (above) it. NaN samples are skipped. The last pending candidate is added
/// as provisional when it lies at least `delta` from the last confirmed point.
pub fn turning_points(e: &[f64], delta: f64) -> Vec<Extreme> {
    let mut out: Vec<Extreme> = Vec::new();
    let mut dir: i8 = 0; // 0 unknown, 1 rising (tracking a max), -1 falling (tracking a min)
    let (mut cmax, mut cmin) = (usize::MAX, usize::MAX);
    for i in 0..e.len() {
        let x = e[i];
        if !x.is_finite() {
            continue;
        }
        if cmax == usize::MAX {
            cmax = i;
            cmin = i;
            continue;
        }
        match dir {
            0 => {
                if x > e[cmax] {
                    cmax = i;
                }
                if x < e[cmin] {
                    cmin = i;
                }
                if x - e[cmin] >= delta && cmin < i {
                    out.push(Extreme {
                        i: cmin,
                        bottom: false,
                        provisional: false,
                    });
                    dir = 1;
                    cmax = i;
                } else if e[cmax] - x >= delta && cmax < i {
                    out.push(Extreme {
                        i: cmax,
                        bottom: true,
                        provisional: false,
                    });
                    dir = -1;
                    cmin = i;
                }
            }
            1 => {
                if x > e[cmax] {
                    cmax = i;
                }
                if e[cmax] - x >= delta {
                    out.push(Extreme {
                        i: cmax,
                        bottom: true,
                        provisional: false,
                    });
                    dir = -1;
                    cmin = i;
                }
            }
            _ => {
                if x < e[cmin] {
                    cmin = i;
                }
                if x - e[cmin] >= delta {
                    out.push(Extreme {
                        i: cmin,
                        bottom: false,
                        provisional: false,
                    });
                    dir = 1;
                    cmax = i;
                }
            }
        }
    }
    if let Some(last) = out.last().copied() {
        let (cand, bottom) = if dir == 1 {
            (cmax, true)
        } else {
            (cmin, false)
        };
        if cand != last.i && (e[cand] - e[last.i]).abs() >= delta {
            out.push(Extreme {
                i: cand,
                bottom,
                provisional: true,
            });
        }
    }
    out
}

/// Movement phase of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Eccentric,
    BottomPause,
    Concentric,
    TopPause,
}

/// One sample of a rep's time series.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepSample {
    pub t: f64,
    /// Primary (filtered) hip flexion, degrees.
    pub hip_flexion_deg: Option<f64>,
    pub knee_flexion_deg: Option<f64>,
    /// Hamstrings under load in this frame (see `Analysis` docs).
    pub loaded: bool,
}

/// One repetition (counted or partial).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rep {
    /// 1-based number among counted reps; `None` for partial reps.
    pub number: Option<usize>,
    /// Counts towards the set: its working phase is complete.
    pub counted: bool,
    pub start_s: f64,
    pub end_s: f64,
    /// Time of the bottom turning point.
    pub bottom_s: f64,
    pub eccentric_s: Option<f64>,
    pub bottom_pause_s: Option<f64>,
    pub concentric_s: Option<f64>,
    pub top_pause_s: Option<f64>,
    /// Phases with `None` shown as 0.
    pub tempo: Tempo,
    /// The phase that decides whether the rep counts (concentric lift for bridges and
    /// hinges, eccentric lowering for Nordic curls).
    pub working_phase: Phase,
    pub working_s: Option<f64>,
    /// Range of the driving signal over the rep, degrees.
    pub range_of_motion_deg: f64,
    pub peak_hip_flexion_deg: Option<f64>,
    pub peak_hip_flexion_s: Option<f64>,
    pub peak_hip_flexion_2d_deg: Option<f64>,
    pub peak_hip_flexion_2d_s: Option<f64>,
    pub peak_hip_flexion_3d_deg: Option<f64>,
    pub peak_hip_flexion_3d_s: Option<f64>,
    pub min_hip_flexion_deg: Option<f64>,
    pub peak_knee_flexion_deg: Option<f64>,
    pub min_knee_flexion_deg: Option<f64>,
    /// Nordic: duration of the lowering, seconds.
    pub lowering_s: Option<f64>,
    /// Nordic: knee angle where knee-extension speed first exceeds the break threshold.
    pub break_point_knee_deg: Option<f64>,
    pub break_point_s: Option<f64>,
    pub uncertain: bool,
    pub uncertain_reasons: Vec<String>,
    /// Half-width of the interval around `peak_hip_flexion_deg`, degrees (see
    /// `kinematics::uncertainty`).
    #[serde(default)]
    pub peak_hip_flexion_uncertainty_deg: Option<f64>,
    /// How far the phase boundaries may be off, seconds: the larger of
    /// `RepParams::phase_uncertainty_factor` times the larger misfit of the rep's two
    /// movements on the signal they were timed on (see `exercise::tempo::movement_misfit`)
    /// and the largest difference of its eccentric or concentric duration timed on another
    /// signal that reads the movement about as evenly; `None` where nothing could be fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_uncertainty_s: Option<f64>,
    /// The rep's peak loaded hip flexion on the other model size's landmarks
    /// (`--cross-check`), degrees.
    #[serde(default)]
    pub peak_loaded_hip_flexion_cross_check_deg: Option<f64>,
    pub series: Vec<RepSample>,
}

impl Rep {
    /// Time (s) the loaded hip flexion spends above `cap_deg` in this rep, with linear
    /// interpolation of threshold crossings between frames.
    pub fn time_above(&self, cap_deg: f64) -> f64 {
        time_above(&self.series, cap_deg)
    }
    /// Largest hip flexion in loaded frames, with its time.
    pub fn loaded_peak(&self) -> Option<(f64, f64)> {
        loaded_peak(&self.series)
    }
}

/// See [`Rep::time_above`].
pub fn time_above(series: &[RepSample], cap_deg: f64) -> f64 {
    let mut total = 0.0;
    for w in series.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (Some(x), Some(y)) = (a.hip_flexion_deg, b.hip_flexion_deg) else {
            continue;
        };
        if !(a.loaded && b.loaded) {
            continue;
        }
        let dt = b.t - a.t;
        let (ax, bx) = (x > cap_deg, y > cap_deg);
        total += match (ax, bx) {
            (true, true) => dt,
            (false, false) => 0.0,
            _ => {
                let f = (cap_deg - x) / (y - x);
                if ax { dt * f } else { dt * (1.0 - f) }
            }
        };
    }
    total
}

/// Largest loaded hip flexion and its time.
pub fn loaded_peak(series: &[RepSample]) -> Option<(f64, f64)> {
    series
        .iter()
        .filter(|s| s.loaded)
        .filter_map(|s| s.hip_flexion_deg.map(|h| (h, s.t)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

/// Where a hold sits in the movement range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HoldPosition {
    Top,
    Middle,
    Bottom,
}

/// An isometric hold (still period).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    pub start_s: f64,
    pub end_s: f64,
    pub duration_s: f64,
    pub position: HoldPosition,
    /// Most frames of the hold are loaded.
    pub loaded: bool,
    pub hip_start_deg: Option<f64>,
    pub hip_end_deg: Option<f64>,
    pub hip_mean_deg: Option<f64>,
    /// Hip flexion at the end minus at the start, degrees.
    pub hip_drift_deg: Option<f64>,
    /// Largest minus smallest hip flexion during the hold, degrees.
    pub hip_range_deg: Option<f64>,
    pub knee_mean_deg: Option<f64>,
    /// Ends at the clip start or end (duration is a lower bound).
    pub truncated: bool,
    pub series: Vec<RepSample>,
}

impl Hold {
    pub fn time_above(&self, cap_deg: f64) -> f64 {
        time_above(&self.series, cap_deg)
    }
}

/// Image positions of the left and right ankles in one frame, where each is seen.
pub type AnklePair = [Option<(f64, f64)>; 2];

/// Image positions of the near-side shoulder, hip and knee in one frame, where seen.
pub type BodyPoints = [Option<(f64, f64)>; 3];

/// Inputs of segmentation, one value per frame.
pub struct SegmentInput<'a> {
    pub t: &'a [f64],
    /// Driving signal (filtered, NaN in gaps), top low, bottom high.
    pub e: &'a [f64],
    /// The same before cleaning (NaN where not confidently seen): where pose jumps show.
    pub e_raw: &'a [f64],
    /// Samples of `e` that were interpolated or low-confidence.
    pub filled: &'a [bool],
    pub hip: &'a [f64],
    pub hip_2d: &'a [f64],
    pub hip_3d: &'a [f64],
    pub knee: &'a [f64],
    pub loaded: &'a [bool],
    /// The person is in the exercise's posture (standing for hinges, lying on the back
    /// for bridges, kneeling for Nordics; all true when the exercise is unknown).
    pub in_position: &'a [bool],
    /// Image positions of the left and right ankles, where seen.
    pub ankles: &'a [AnklePair],
    /// Image positions of the near shoulder, hip and knee, where seen.
    pub body: &'a [BodyPoints],
    /// The driving signal is the 3D hip angle (where the pose model's depth can misread a
    /// still body as moving: see [`image_shows_no_movement`]).
    pub drive_is_3d_hip: bool,
    /// Typical leg length in the image (thigh + shank), pixels (NaN when unknown).
    pub leg_px: f64,
    /// Working phase is the eccentric (Nordic) rather than the concentric.
    pub working_eccentric: bool,
    /// Compute the Nordic break point on the knee angle.
    pub nordic: bool,
    /// Other signals the phases may be timed on (name, filtered values oriented like `e`),
    /// see [`Segmentation::timing_signal`].
    pub timing: &'a [(&'static str, Vec<f64>)],
    /// Trunk inclination from vertical (image), degrees, NaN where unseen.
    pub trunk: &'a [f64],
    /// Each rep passes through standing (the hinge family): see
    /// [`RepParams::hinge_upright_trunk_max_deg`].
    pub hinge: bool,
    /// Why the movements are not repetitions at all (walking strides, [`super::gait`]):
    /// then none is counted and each says so.
    pub not_reps: Option<&'a str>,
}

/// Result of [`segment`].
pub struct Segmentation {
    pub reps: Vec<Rep>,
    /// Per frame: index into `reps` and phase.
    pub labels: Vec<Option<(usize, Phase)>>,
    /// Set range of the driving signal (degrees) and its low (top) / high (bottom) levels.
    pub range: f64,
    pub top_level: f64,
    pub bottom_level: f64,
    /// The signal the phase boundaries were timed on: the driving signal, or another one
    /// of [`SegmentInput::timing`] whose movements fit one eased movement much better (the
    /// better-conditioned signal in this view; see `timing_signal`).
    pub timing_signal: &'static str,
}

fn opt(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn near_gap(s: &SegmentInput, i: usize) -> bool {
    let lo = i.saturating_sub(2);
    let hi = (i + 2).min(s.e.len() - 1);
    (lo..=hi).any(|k| !s.e[k].is_finite() || s.filled[k])
}

fn peak_of(x: &[f64], t: &[f64], lo: usize, hi: usize, max: bool) -> (Option<f64>, Option<f64>) {
    let mut best: Option<(f64, f64)> = None;
    for k in lo..=hi {
        if !x[k].is_finite() {
            continue;
        }
        let better = match best {
            None => true,
            Some((b, _)) => (max && x[k] > b) || (!max && x[k] < b),
        };
        if better {
            best = Some((x[k], t[k]));
        }
    }
    (best.map(|b| b.0), best.map(|b| b.1))
}

/// The set a rep belongs to: its turning points, levels and the signals its phases are
/// timed on.
struct SetContext<'a> {
    s: &'a SegmentInput<'a>,
    v: &'a [f64],
    p: &'a RepParams,
    ext: Vec<Extreme>,
    fit: EaseFit,
    first_valid: usize,
    last_valid: usize,
    range: f64,
    top_level: f64,
    bottom_level: f64,
    /// The signals the phases could be timed on: the driving signal first (which alone
    /// decides which reps there are, their sample ranges and whether they count), then
    /// the others that move through every movement (see `timing_signal`).
    timings: Vec<Timing<'a>>,
    /// Index in `timings` of the signal the phase durations are timed on.
    chosen: usize,
}

/// The signal the phases are timed on, with its turning points (one per entry of
/// `SetContext::ext`), its speed, movement shape and each movement's misfit (seconds;
/// movement `j` runs from turning point `j` to `j + 1`).
struct Timing<'a> {
    name: &'static str,
    e: &'a [f64],
    v: Vec<f64>,
    turns: Vec<usize>,
    shape: f64,
    misfit: Vec<Option<f64>>,
}

impl<'a> Timing<'a> {
    /// `e` (speed `v`) timed at the turning points `turns`.
    fn of(
        name: &'static str,
        t: &[f64],
        (e, v): (&'a [f64], Vec<f64>),
        turns: Vec<usize>,
        fit: &EaseFit,
        margin: f64,
    ) -> Timing<'a> {
        let evidence: Vec<f64> = turns
            .windows(2)
            .filter_map(|w| constant_speed_evidence(t, e, w[0], w[1], fit))
            .collect();
        let shape = set_shape(&evidence, margin);
        let misfit = turns
            .windows(2)
            .map(|w| movement_misfit(t, e, w[0], w[1], fit, shape))
            .collect();
        Timing {
            name,
            e,
            v,
            turns,
            shape,
            misfit,
        }
    }
    /// Mean misfit over the movements that could be fitted (infinite when none).
    fn score(&self) -> f64 {
        let m: Vec<f64> = self.misfit.iter().flatten().copied().collect();
        if m.is_empty() {
            f64::INFINITY
        } else {
            m.iter().sum::<f64>() / m.len() as f64
        }
    }
}

/// The signal to time the phases on: the driving signal unless another of
/// `s.timing` (moving through every one of the set's movements) fits one eased movement
/// per movement with less than `RepParams::timing_switch_ratio` times the driving signal's misfit.
/// A camera off the side view distorts each angle differently (depth read off one camera
/// flattens the 3D angle near full extension; the image angle is foreshortened evenly), so
/// the phase boundaries fitted to the evenly-read signal do not move with the view.
/// Returns the driving signal and the others that move through every movement, and the
/// index of the chosen one.
fn timing_signal<'a>(
    s: &SegmentInput<'a>,
    v: &[f64],
    ext: &[Extreme],
    fit: &EaseFit,
    p: &RepParams,
) -> (Vec<Timing<'a>>, usize) {
    let drive = Timing::of(
        "driving",
        s.t,
        (s.e, v.to_vec()),
        ext.iter().map(|x| x.i).collect(),
        fit,
        p.boundary_linear_margin,
    );
    let turns: Vec<(usize, bool)> = ext.iter().map(|x| (x.i, x.bottom)).collect();
    let c_range = percentile(s.e, p.range_percentile) - percentile(s.e, 100.0 - p.range_percentile);
    let limit = p.timing_switch_ratio * drive.score();
    let mut all = vec![drive];
    for (name, x) in s.timing {
        let range = percentile(x, p.range_percentile) - percentile(x, 100.0 - p.range_percentile);
        if range.is_nan() || range < p.min_range_deg {
            continue;
        }
        // Every movement in the same direction; the set's full movements (half its range
        // or more in the driving signal) over a quarter of this signal's range.
        let min_move: Vec<f64> = ext
            .windows(2)
            .map(|w| {
                let share = (s.e[w[1].i] - s.e[w[0].i]).abs() / c_range;
                if share >= p.min_rep_fraction {
                    p.turning_fraction * range
                } else {
                    0.0
                }
            })
            .collect();
        let Some(tt) = matched_turns(x, &turns, &min_move) else {
            continue;
        };
        let v = crate::signal::derivative(s.t, x);
        let cand = Timing::of(name, s.t, (x, v), tt, fit, p.boundary_linear_margin);
        all.push(cand);
    }
    let best = (1..all.len())
        .filter(|&k| all[k].score() < limit)
        .min_by(|&x, &y| all[x].score().total_cmp(&all[y].score()))
        .unwrap_or(0);
    (all, best)
}

/// When one rep's phases start and end on one signal, seconds.
#[derive(Clone, Copy, Debug)]
struct PhaseTimes {
    ecc_start: Option<f64>,
    b_in: f64,
    b_out: f64,
    /// Arrival at and departure from the top after the bottom.
    top_after: Option<(f64, f64)>,
    /// See [`Rep::phase_uncertainty_s`].
    uncertainty_s: Option<f64>,
}

impl PhaseTimes {
    /// Eccentric and concentric durations.
    fn durations(&self) -> (Option<f64>, Option<f64>) {
        (
            self.ecc_start.map(|ts| self.b_in - ts),
            self.top_after.map(|(arrive, _)| arrive - self.b_out),
        )
    }
}

/// Turning points, phase boundaries (seconds) and sample range of one rep.
struct RepBounds {
    tp: Option<Extreme>,
    b: Extreme,
    tn: Option<Extreme>,
    ecc_amp: Option<f64>,
    con_amp: Option<f64>,
    rom: f64,
    /// Speed threshold of the fallback pauses, degrees/s.
    vthr: f64,
    /// Bottom pause region (fallback), samples.
    bl: usize,
    br: usize,
    tnr: Option<(usize, usize)>,
    /// The phases on the driving signal: they set the rep's sample range and whether it
    /// counts (the walk-off window after its lift).
    drive: PhaseTimes,
    /// The phases as reported (durations, frame labels): on the signal chosen to time
    /// them, inside the driving signal's turning points around the rep.
    phases: PhaseTimes,
    next_extreme: Option<usize>,
    start: usize,
    end: usize,
}

/// Segments repetitions. `v` is the time derivative of `e`.
pub fn segment(s: &SegmentInput, v: &[f64], p: &RepParams) -> Segmentation {
    let n = s.e.len();
    let top_level = percentile(s.e, 100.0 - p.range_percentile);
    let bottom_level = percentile(s.e, p.range_percentile);
    let range = bottom_level - top_level;
    let mut seg = Segmentation {
        reps: Vec::new(),
        labels: vec![None; n],
        range: if range.is_finite() { range } else { 0.0 },
        top_level,
        bottom_level,
        timing_signal: "driving",
    };
    if range.is_nan() || range < p.min_range_deg {
        return seg;
    }
    let ext = turning_points(s.e, p.turning_fraction * range);
    // One movement shape for the set per timing signal, from all its movements (see
    // `set_shape`).
    let fit = p.ease_fit();
    let (timings, chosen) = timing_signal(s, v, &ext, &fit, p);
    let c = SetContext {
        s,
        v,
        p,
        timings,
        chosen,
        fit,
        first_valid: s.e.iter().position(|x| x.is_finite()).unwrap_or(0),
        last_valid: s.e.iter().rposition(|x| x.is_finite()).unwrap_or(0),
        range,
        top_level,
        bottom_level,
        ext,
    };
    seg.timing_signal = c.timings[c.chosen].name;
    let bottoms: Vec<usize> = (0..c.ext.len()).filter(|&j| c.ext[j].bottom).collect();
    let mut count = 0usize;
    for (k, &j) in bottoms.iter().enumerate() {
        let r = rep_bounds(&c, j);
        let last = k + 1 == bottoms.len();
        let (counted, reasons) = rep_verdict(&c, &r, last);
        let rep_idx = seg.reps.len();
        label_phases(&mut seg.labels, &c, &r, rep_idx);
        if counted {
            count += 1;
        }
        seg.reps
            .push(build_rep(&c, &r, counted.then_some(count), reasons));
    }
    seg
}

/// Phase boundaries of the rep around the bottom `c.ext[j]`. Which reps there are, their
/// sample ranges and whether they count follow the driving signal alone; only the reported
/// phase times may come from another signal (see [`reported_phases`]).
fn rep_bounds(c: &SetContext, j: usize) -> RepBounds {
    let (s, v, p, ext) = (c.s, c.v, c.p, &c.ext);
    let n = s.e.len();
    let b = ext[j];
    let tp = j.checked_sub(1).map(|k| ext[k]);
    let tn = ext.get(j + 1).copied();
    let ecc_amp = tp.map(|x| s.e[b.i] - s.e[x.i]);
    let con_amp = tn.map(|x| s.e[b.i] - s.e[x.i]);
    let rom = ecc_amp.unwrap_or(0.0).max(con_amp.unwrap_or(0.0));
    let band = p.pause_band_fraction * rom;
    let vthr = pause_speed(
        p,
        v,
        tp.map(|x| x.i).unwrap_or(b.i),
        tn.map(|x| x.i).unwrap_or(b.i),
    );
    let (bl, br) = pause_region(s.e, v, b.i, true, band, vthr);
    let tnr = tn.map(|x| pause_region(s.e, v, x.i, false, band, vthr));
    let drive = phase_times_on(c, &c.timings[0], j);
    let next_extreme = ext.get(j + 2).map(|x| x.i);
    // Sample ranges: the rep runs from the last sample before its first movement to
    // the last sample before the next rep's first movement.
    let last_at_or_before =
        |tb: f64, lo: usize, hi: usize| (lo..=hi).rev().find(|&k| s.t[k] <= tb).unwrap_or(lo);
    let start = match (tp, drive.ecc_start) {
        (Some(x), Some(ts)) => last_at_or_before(ts, x.i, b.i),
        _ => bl,
    };
    let end = match (tn, tnr, next_extreme, drive.top_after) {
        (Some(x), _, Some(ne), Some((_, leave))) => last_at_or_before(leave, x.i, ne),
        (_, Some(r), _, _) => r.1,
        _ => br,
    };
    // The reported phases stay between the driving signal's turning points around the rep
    // (the top before it and the next rep's bottom after it).
    let window = (
        tp.map(|x| s.t[x.i]).unwrap_or(s.t[start]),
        next_extreme.map(|k| s.t[k]).unwrap_or(s.t[end.min(n - 1)]),
    );
    RepBounds {
        tp,
        b,
        tn,
        ecc_amp,
        con_amp,
        rom,
        vthr,
        bl,
        br,
        tnr,
        phases: reported_phases(c, j, &drive, window),
        drive,
        next_extreme,
        start,
        end,
    }
}

/// The rep's phases as reported: timed on the chosen signal (the driving signal's own
/// where that is the one), kept within `(lo, hi)` seconds, with their uncertainty: the
/// chosen signal's misfit, or how far the other signals that read the movement about as
/// evenly (within the switching ratio of the chosen one's misfit) disagree, if more. A
/// signal read much less evenly disagrees by its own error (the 3D angle side-on).
fn reported_phases(c: &SetContext, j: usize, drive: &PhaseTimes, window: (f64, f64)) -> PhaseTimes {
    let on = |k: usize| {
        if k == 0 {
            *drive
        } else {
            phase_times_on(c, &c.timings[k], j)
        }
    };
    let mut ph = on(c.chosen);
    if c.chosen != 0 {
        ph = within(ph, window);
    }
    let (ecc, con) = ph.durations();
    let comparable = c.timings[c.chosen].score() / c.p.timing_switch_ratio;
    for k in (0..c.timings.len()).filter(|&k| k != c.chosen) {
        if c.timings[k].score() > comparable {
            continue;
        }
        let o = on(k).durations();
        // Only phases both signals time count: with none compared, nothing is known.
        let Some(d) = [(ecc, o.0), (con, o.1)]
            .iter()
            .filter_map(|(a, b)| Some((a.as_ref()? - b.as_ref()?).abs()))
            .reduce(f64::max)
        else {
            continue;
        };
        ph.uncertainty_s = Some(ph.uncertainty_s.map_or(d, |u| u.max(d)));
    }
    ph
}

/// `ph` with every boundary moved inside `(lo, hi)` seconds, in order.
fn within(ph: PhaseTimes, (lo, hi): (f64, f64)) -> PhaseTimes {
    let clamp = |x: f64, a: f64, b: f64| x.max(a).min(b.max(a));
    let b_in = clamp(ph.b_in, lo, hi);
    let b_out = clamp(ph.b_out, b_in, hi);
    PhaseTimes {
        ecc_start: ph.ecc_start.map(|x| clamp(x, lo, b_in)),
        b_in,
        b_out,
        top_after: ph.top_after.map(|(arrive, leave)| {
            let arrive = clamp(arrive, b_out, hi);
            (arrive, clamp(leave, arrive, hi))
        }),
        uncertainty_s: ph.uncertainty_s,
    }
}

/// The phases of the rep around the bottom `c.ext[j]` timed on `tm`, at its turning points.
fn phase_times_on(c: &SetContext, tm: &Timing, j: usize) -> PhaseTimes {
    let (s, p, ext) = (c.s, c.p, &c.ext);
    let (e, tv) = (tm.e, &tm.v[..]);
    let at = |k: usize| tm.turns[k];
    let tb = at(j);
    let ttp = j.checked_sub(1).map(at);
    let ttn = ext.get(j + 1).map(|_| at(j + 1));
    let tne = ext.get(j + 2).map(|_| at(j + 2));
    let amp = |x: Option<usize>| x.map(|x| (e[tb] - e[x]).abs()).unwrap_or(0.0);
    let band = p.pause_band_fraction * amp(ttp).max(amp(ttn));
    let tvthr = pause_speed(p, tv, ttp.unwrap_or(tb), ttn.unwrap_or(tb));
    let (tbl, tbr) = pause_region(e, tv, tb, true, band, tvthr);
    let tpr = ttp.map(|x| pause_region(e, tv, x, false, band, tvthr));
    let ttnr = ttn.map(|x| pause_region(e, tv, x, false, band, tvthr));
    // Movement starts and ends (seconds): fitted to each movement's eased start and
    // stop (`movement_boundary`); where that fails (a gap, the clip's start or end),
    // the fallback pause regions' edge samples.
    let bound = |a: usize, other: Option<usize>, fallback: usize| {
        other
            .and_then(|o| movement_boundary(s.t, e, a, o, &c.fit, tm.shape))
            .unwrap_or(s.t[fallback])
    };
    let ecc_start = ttp.map(|x| bound(x, Some(tb), tpr.map(|r| r.1).unwrap_or(x)));
    let mut b_in = bound(tb, ttp, tbl);
    let mut b_out = bound(tb, ttn, tbr);
    if b_out < b_in {
        // No pause: the movement turns at once.
        let mid = 0.5 * (b_in + b_out);
        (b_in, b_out) = (mid, mid);
    }
    let top_after = ttn.zip(ttnr).map(|(x, r)| {
        let arrive = bound(x, Some(tb), r.0);
        let leave = bound(x, tne, r.1);
        if leave < arrive {
            let mid = 0.5 * (arrive + leave);
            (mid, mid)
        } else {
            (arrive, leave)
        }
    });
    let misfit = |k: Option<usize>| k.and_then(|k| tm.misfit.get(k).copied().flatten());
    let uncertainty_s = misfit(j.checked_sub(1))
        .into_iter()
        .chain(misfit(Some(j)))
        .reduce(f64::max)
        .map(|m| p.phase_uncertainty_factor * m);
    PhaseTimes {
        ecc_start,
        b_in,
        b_out,
        top_after,
        uncertainty_s,
    }
}

/// Pause speed threshold: the absolute one, lowered for slow reps to a fraction of the
/// peak speed between samples `a` and `z` (a deliberate slow lowering is movement from
/// start to end).
fn pause_speed(p: &RepParams, v: &[f64], a: usize, z: usize) -> f64 {
    let peak = (a..=z.min(v.len() - 1))
        .filter(|&k| v[k].is_finite())
        .fold(0.0f64, |m, k| m.max(v[k].abs()));
    if peak > 0.0 {
        p.pause_velocity_deg_s.min(p.pause_speed_fraction * peak)
    } else {
        p.pause_velocity_deg_s
    }
}

/// For a hinge: the trunk's smallest inclination over rep `r` when it never comes within
/// [`RepParams::hinge_upright_trunk_max_deg`] of vertical (the lifter never stands up in
/// it); `None` when it does, when the trunk is not seen, and for other exercises.
fn never_upright(c: &SetContext, r: &RepBounds) -> Option<f64> {
    if !c.s.hinge {
        return None;
    }
    let closest = (r.start..=r.end)
        .filter_map(|i| c.s.trunk.get(i).copied())
        .filter(|x| x.is_finite())
        .reduce(f64::min)?;
    (closest > c.p.hinge_upright_trunk_max_deg).then_some(closest)
}

/// A rep of the 3D hip angle that the image does not show (see
/// [`image_shows_no_movement`]): what was measured over it.
struct StillInImage {
    /// The driving (3D) angle's and the image angle's range over the rep, degrees.
    range_3d: f64,
    range_2d: f64,
    /// The largest image shift of the near shoulder, hip or knee, in leg lengths.
    shift_leg: f64,
}

impl StillInImage {
    fn reason(&self) -> String {
        format!(
            "not counted: the 3D hip angle moves {:.0} deg but the image does not show it (the image angle moves {:.0} deg, shoulder, hip and knee shift at most {:.2} leg lengths): the pose model misread a still body, not a movement",
            self.range_3d, self.range_2d, self.shift_leg
        )
    }
}

/// Rep `r` of the 3D hip angle when the image shows no movement of the body in it: the
/// image hip angle moves less than [`RepParams::unseen_image_share_max`] of the 3D
/// angle's range and none of the near shoulder, hip and knee shifts by more than
/// [`RepParams::still_body_max_leg`] of the leg length. The world landmarks' depth is
/// the pose model's guess; where the body stays put in the picture the guess moved, not
/// the person (a front-view hip thrust's 3D hip dipping 30-40 deg during a top hold). A
/// deadlift filmed from in front, whose image angle hardly changes, moves the shoulders
/// far down the picture. `None` for other driving signals, or where too little is seen.
fn image_shows_no_movement(c: &SetContext, r: &RepBounds) -> Option<StillInImage> {
    let (s, p) = (c.s, c.p);
    if !s.drive_is_3d_hip || !s.leg_px.is_finite() || s.leg_px <= 0.0 {
        return None;
    }
    let frames = r.start..=r.end;
    let range = |v: &[f64]| -> Option<f64> {
        let seen: Vec<f64> = frames
            .clone()
            .filter_map(|i| v.get(i).copied())
            .filter(|x| x.is_finite())
            .collect();
        (seen.len() >= 3).then(|| {
            percentile(&seen, p.range_percentile) - percentile(&seen, 100.0 - p.range_percentile)
        })
    };
    let (range_3d, range_2d) = (range(s.hip_3d)?, range(s.hip_2d)?);
    if range_3d <= 0.0 || range_2d >= p.unseen_image_share_max * range_3d {
        return None;
    }
    let mut shift: Option<f64> = None;
    for point in 0..3 {
        for axis in 0..2 {
            let v: Vec<f64> = frames
                .clone()
                .filter_map(|i| s.body.get(i).and_then(|b| b[point]))
                .map(|xy| if axis == 0 { xy.0 } else { xy.1 })
                .collect();
            if v.len() * 2 < r.end - r.start + 1 {
                return None;
            }
            let d = percentile(&v, 95.0) - percentile(&v, 5.0);
            shift = Some(shift.map_or(d, |m| m.max(d)));
        }
    }
    let shift_leg = shift? / s.leg_px;
    (shift_leg <= p.still_body_max_leg).then_some(StillInImage {
        range_3d,
        range_2d,
        shift_leg,
    })
}

/// Whether the rep counts, and why it is uncertain or not counted. `last`: the set's last
/// rep (the only one after which the person may walk off).
fn rep_verdict(c: &SetContext, r: &RepBounds, last: bool) -> (bool, Vec<String>) {
    let (s, p) = (c.s, c.p);
    let working_amp = if s.working_eccentric {
        r.ecc_amp
    } else {
        r.con_amp
    };
    let filled = (r.start..=r.end)
        .filter(|&k| s.filled[k] || !s.e[k].is_finite())
        .count();
    let frames = (r.end - r.start + 1) as f64;
    let unseen = filled as f64 > p.max_unseen_fraction * frames;
    let mut reasons = Vec::new();
    for (x, what) in [
        (r.tp, "top before"),
        (Some(r.b), "bottom"),
        (r.tn, "top after"),
    ] {
        if let Some(x) = x
            && near_gap(s, x.i)
        {
            reasons.push(format!(
                "the {what} falls in or next to a gap in the landmarks"
            ));
        }
    }
    // Starting at rest in the bottom position (a bridge on the floor, a deadlift
    // bar on the floor) is the normal start of a set, not a cut-off rep: only a
    // clip that starts while the person is already moving is cut off.
    let starts_moving = moving_at(c, c.first_valid, r.vthr);
    let top_is_clip_start = r.tp.is_some_and(|x| x.i <= c.first_valid);
    let bottom_is_clip_start = r.tp.is_none() && bottom_at_clip_start(c, r);
    if (r.tp.is_none() && !bottom_is_clip_start) || (top_is_clip_start && starts_moving) {
        reasons.push("the clip starts mid-rep".into());
    }
    if r.tn.is_none_or(|x| x.provisional) && r.end >= c.last_valid {
        reasons.push("the clip ends mid-rep".into());
    }
    if (filled as f64) > p.max_filled_fraction * frames {
        reasons.push(format!(
            "{filled} of {} frames interpolated or low-confidence",
            r.end - r.start + 1
        ));
    }
    // The working phase was already under way when the recording started: moving, and
    // already well past the turning point it starts from, towards the other one (a clip
    // that starts at the bottom and lifts at once still holds the whole lift, and so does
    // one whose first frame reads deeper than the set's usual bottom).
    let past = |towards: f64| towards > (p.cut_start_fraction * c.range).max(p.cut_start_min_deg);
    let working_cut = if s.working_eccentric {
        starts_moving && top_is_clip_start && past(s.e[c.first_valid] - c.top_level)
    } else {
        // Moving out of the bottom, which may be a frame or two in (`bottom_at_clip_start`).
        bottom_is_clip_start
            && moving_at(c, r.bl.max(c.first_valid), r.vthr)
            && (past(c.bottom_level - s.e[r.b.i])
                || (only_bottom(c) && lift_at_speed_at_start(c, r)))
    };
    // The same at the other end: a lift still rising fast when the person is last seen
    // (the clip ends or fades out mid-lift), further from the top than a lift that
    // arrives just as the clip ends could be, never reached the top on camera.
    let lift_cut = !s.working_eccentric
        && r.tn.is_none_or(|x| x.provisional)
        && r.end >= c.last_valid
        && rising_into(c, c.last_valid, r.vthr)
        && past(s.e[c.last_valid] - c.top_level);
    let not_counted = if let Some(why) = s.not_reps {
        Some(format!("not counted: {why}"))
    } else if unseen {
        Some("not counted: the person was not seen in most of the rep".to_string())
    } else if working_amp.is_none() {
        Some("partial rep: the working phase is missing".into())
    } else if working_amp.is_some_and(|a| a < p.min_rep_fraction * c.range) {
        Some("partial rep: range below the set's typical range".into())
    } else if let Some(closest) = never_upright(c, r) {
        Some(format!(
            "partial rep: the trunk comes no closer than {closest:.0} deg to upright (a hinge's lift ends standing)"
        ))
    } else if working_cut {
        Some("not counted: the working phase was already under way when the clip starts".into())
    } else if lift_cut {
        Some(format!(
            "not counted: the lift was still under way when the person was last seen (the clip ends mid-lift), {:.0} deg short of the set's top",
            s.e[c.last_valid] - c.top_level
        ))
    } else if let Some(share) = jump_share(c, r).filter(|x| *x >= p.jump_share_max) {
        Some(format!(
            "not counted: {:.0}% of the working phase is pose jumps (faster than {:.0} deg/s over two frames), not movement",
            100.0 * share,
            p.jump_speed_deg_s
        ))
    } else if let Some(share) = rep_jump_share(c, r).filter(|x| *x >= p.jump_share_max) {
        Some(format!(
            "not counted: {:.0}% of the rep's movement, down and up, is pose jumps (faster than {:.0} deg/s over two frames), not movement",
            100.0 * share,
            p.jump_speed_deg_s
        ))
    } else if let Some(still) = image_shows_no_movement(c, r) {
        Some(still.reason())
    } else {
        incomplete_lift(c, r, last)
    };
    let counted = not_counted.is_none();
    reasons.extend(not_counted);
    (counted, reasons)
}

/// Share of the working phase's range that the raw driving angle covers in pose jumps:
/// the net of the brief moves faster than `jump_speed_deg_s`, in the working direction (a
/// depth flip there and back nets nothing; the movement underneath it still counts). Speeds
/// are taken over two frame steps (seen frame `k` to seen frame `k + 2`, each move counted
/// half, as each frame step lies in two such spans), so one frame's jitter on a fast but
/// real movement (a Nordic's last fall to the floor, re-encoded) does not read as a jump,
/// while a snap to a wrong pose still does. A fast move counts only when it is brief
/// ([`brief_move`]): a real lift played fast is fast around each frame too. `None` when the
/// working phase is missing.
fn jump_share(c: &SetContext, r: &RepBounds) -> Option<f64> {
    let (jumped, amp) = if c.s.working_eccentric {
        eccentric_jumps(c, r)?
    } else {
        concentric_jumps(c, r)?
    };
    (amp > 0.0).then(|| jumped / amp)
}

/// The same share over the whole rep, both its phases (each in its own direction): a rep
/// whose return phase was a snap to a wrong pose and back (the 3D hip of a front-view hip
/// thrust leaping 35 deg in one frame at the top and falling back within four) was no
/// movement of the body either, even where its working phase alone reads under the share.
/// `None` when a phase is missing.
fn rep_jump_share(c: &SetContext, r: &RepBounds) -> Option<f64> {
    let (je, ae) = eccentric_jumps(c, r)?;
    let (jc, ac) = concentric_jumps(c, r)?;
    (ae + ac > 0.0).then(|| (je + jc) / (ae + ac))
}

/// The lowering's pose jumps ([`phase_jumps`], towards the bottom) and its amplitude.
fn eccentric_jumps(c: &SetContext, r: &RepBounds) -> Option<(f64, f64)> {
    Some((phase_jumps(c, r.tp?.i, r.b.i, 1.0), r.ecc_amp?))
}

/// The lift's pose jumps ([`phase_jumps`], towards the top) and its amplitude.
fn concentric_jumps(c: &SetContext, r: &RepBounds) -> Option<(f64, f64)> {
    Some((phase_jumps(c, r.b.i, r.tn?.i, -1.0), r.con_amp?))
}

/// The net range of the brief fast moves of the raw driving angle between samples `from`
/// and `to` in direction `sign` (`+1` raises `e`, towards the bottom; see [`jump_share`]).
fn phase_jumps(c: &SetContext, from: usize, to: usize, sign: f64) -> f64 {
    let (s, p) = (c.s, c.p);
    let seen: Vec<usize> = (from..=to).filter(|&k| s.e_raw[k].is_finite()).collect();
    seen.windows(3)
        .map(|w| {
            let d = sign * (s.e_raw[w[2]] - s.e_raw[w[0]]);
            let dt = s.t[w[2]] - s.t[w[0]];
            if dt > 0.0 && d.abs() / dt >= p.jump_speed_deg_s && brief_move(s, p, w[0], w[2]) {
                d / 2.0
            } else {
                0.0
            }
        })
        .sum()
}

/// Whether the raw driving angle's move from seen frame `a` to seen frame `b` is brief: its
/// net speed over the move and `jump_context_s` either side (the seen frames furthest out
/// within that time; none there counts as held) is under `jump_context_fraction` of the
/// move's own speed.
fn brief_move(s: &SegmentInput, p: &RepParams, a: usize, b: usize) -> bool {
    let (t, e) = (s.t, s.e_raw);
    let w = p.jump_context_s + 1e-9;
    let lo = (0..a)
        .rev()
        .take_while(|&k| t[a] - t[k] <= w)
        .filter(|&k| e[k].is_finite())
        .last()
        .unwrap_or(a);
    let hi = (b + 1..e.len())
        .take_while(|&k| t[k] - t[b] <= w)
        .filter(|&k| e[k].is_finite())
        .last()
        .unwrap_or(b);
    let own = (e[b] - e[a]).abs() / (t[b] - t[a]);
    let around = (e[hi] - e[lo]).abs() / (t[b] - t[a] + 2.0 * p.jump_context_s);
    around < p.jump_context_fraction * own
}

/// Whether the rep's bottom is where the clip starts: its first seen frame, or within
/// `start_bottom_window_s` of it with every frame before it within `cut_start_min_deg` of
/// the bottom (a degree or two of noise on a clip that opens mid-lift can make its second
/// frame read deeper than its first; that lift was still cut off).
fn bottom_at_clip_start(c: &SetContext, r: &RepBounds) -> bool {
    let (s, p) = (c.s, c.p);
    if r.bl <= c.first_valid {
        return true;
    }
    let bottom = s.e[r.b.i];
    s.t[r.bl] - s.t[c.first_valid] <= p.start_bottom_window_s
        && (c.first_valid..r.bl)
            .all(|k| !s.e[k].is_finite() || bottom - s.e[k] <= p.cut_start_min_deg)
}

/// Whether the signal is moving at sample `k` (mean speed over the next 0.2 s).
fn moving_at(c: &SetContext, k: usize, vthr: f64) -> bool {
    let (t, v) = (c.s.t, c.v);
    let w: Vec<f64> = (k..v.len())
        .take_while(|&i| t[i] - t[k] <= 0.2)
        .map(|i| v[i])
        .filter(|x| x.is_finite())
        .collect();
    !w.is_empty() && (w.iter().sum::<f64>() / w.len() as f64).abs() >= vthr
}

/// Whether the set has a single bottom turning point: then the set's bottom level is
/// measured on that one rep, and a clip cut mid-lift reads its first frame as the bottom.
fn only_bottom(c: &SetContext) -> bool {
    c.ext.iter().filter(|x| x.bottom).count() == 1
}

/// Whether the lift out of the clip's first sample is already at speed there: its mean
/// speed over the first 0.1 s at least `cut_start_speed_fraction` of the lift's top speed.
/// A lift from rest starts at no speed and takes time to build it, so a clip that opens on
/// a lift near its top speed was cut after the lift began. Used where no other rep shows
/// where the set's bottom is (the clip's only bottom is then its first frame); with other
/// bottoms the distance from them decides.
fn lift_at_speed_at_start(c: &SetContext, r: &RepBounds) -> bool {
    let (t, v, k) = (c.s.t, c.v, c.first_valid);
    let end = r.tn.map_or(r.end, |x| x.i).min(v.len() - 1);
    let speeds = |to_s: f64| -> Vec<f64> {
        (k..=end)
            .take_while(|&i| t[i] - t[k] <= to_s)
            .map(|i| -v[i])
            .filter(|x| x.is_finite())
            .collect()
    };
    let first = speeds(0.1);
    let top = speeds(f64::INFINITY).into_iter().fold(0.0, f64::max);
    !first.is_empty()
        && top > r.vthr
        && first.iter().sum::<f64>() / first.len() as f64 >= c.p.cut_start_speed_fraction * top
}

/// Whether the driving signal is still moving towards the top (falling) as it arrives at
/// sample `k`: its mean speed over the 0.2 s before it, as [`moving_at`] after it.
fn rising_into(c: &SetContext, k: usize, vthr: f64) -> bool {
    let (t, v) = (c.s.t, c.v);
    let w: Vec<f64> = (0..=k.min(v.len() - 1))
        .rev()
        .take_while(|&i| t[k] - t[i] <= 0.2)
        .map(|i| v[i])
        .filter(|x| x.is_finite())
        .collect();
    !w.is_empty() && w.iter().sum::<f64>() / w.len() as f64 <= -vthr
}

/// Why a lift (the working phase of bridges and hinges) that covered the range still does
/// not complete a rep: it stops short of the top (lockout), it ends out of the exercise's
/// position, or (the set's last rep) the person walks off during or just after it, i.e.
/// stood up without the weight.
fn incomplete_lift(c: &SetContext, r: &RepBounds, last: bool) -> Option<String> {
    let (s, p) = (c.s, c.p);
    if s.working_eccentric {
        return None;
    }
    let top = r.tn?;
    let short = s.e[top.i] - c.top_level;
    if short > p.lockout_fraction * c.range {
        return Some(format!(
            "partial rep: the lift stops {short:.0} deg short of the set's top"
        ));
    }
    // Judged on the frames where the person is seen: a clip that fades to black (or a
    // person who is lost) just after the top says nothing about where the lift ended.
    let window = |i: usize| {
        let lo = i.saturating_sub(1);
        (0..s.e.len())
            .filter(move |&k| k >= lo && (s.t[k] - s.t[i]).abs() <= 0.25 && s.e_raw[k].is_finite())
    };
    let inside = window(top.i).filter(|&k| s.in_position[k]).count();
    if 2 * inside < window(top.i).count() {
        return Some("not counted: the lift does not end in the exercise's position".into());
    }
    let arrive = r.drive.top_after.map(|x| x.0).unwrap_or(s.t[top.i]);
    if last
        && walks_off(
            s,
            r.start,
            arrive + p.walk_off_window_s,
            p.walk_off_step_fraction,
            p.walk_off_median_s,
        )
    {
        return Some(
            "not counted: the person walks off as they stand up (standing up without the weight)"
                .into(),
        );
    }
    None
}

/// Whether either foot moves more than `fraction` of the leg length between the samples
/// around `from` and those before `until` seconds (medians over `window_s`).
fn walks_off(s: &SegmentInput, from: usize, until: f64, fraction: f64, window_s: f64) -> bool {
    let to = (0..s.t.len())
        .rev()
        .find(|&k| s.t[k] <= until)
        .unwrap_or(from);
    if to <= from || !s.leg_px.is_finite() {
        return false;
    }
    let median_at = |k: usize, foot: usize, after: bool| -> Option<(f64, f64)> {
        let pts: Vec<(f64, f64)> = (0..s.t.len())
            .filter(|&i| {
                if after {
                    s.t[i] >= s.t[k] && s.t[i] <= s.t[k] + window_s
                } else {
                    s.t[i] <= s.t[k] && s.t[i] >= s.t[k] - window_s
                }
            })
            .filter_map(|i| s.ankles[i][foot])
            .collect();
        let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
        (!pts.is_empty()).then(|| (crate::signal::median(&xs), crate::signal::median(&ys)))
    };
    (0..2).any(|foot| {
        let (Some(a), Some(b)) = (median_at(from, foot, true), median_at(to, foot, false)) else {
            return false;
        };
        (a.0 - b.0).hypot(a.1 - b.1) > fraction * s.leg_px
    })
}

/// Labels the rep's frames with their phase (frames already labelled keep theirs).
fn label_phases(labels: &mut [Option<(usize, Phase)>], c: &SetContext, r: &RepBounds, idx: usize) {
    for (k, label) in labels.iter_mut().enumerate().take(r.end + 1).skip(r.start) {
        let tk = c.s.t[k];
        // The driving signal's bottom frame is a bottom frame; phases timed on another
        // signal are labelled by their own times alone (its bottom may lie elsewhere).
        let driving = c.chosen == 0;
        let ph = if (!driving || k < r.b.i) && tk < r.phases.b_in {
            Phase::Eccentric
        } else if tk <= r.phases.b_out || (driving && k == r.b.i) {
            Phase::BottomPause
        } else if r.phases.top_after.is_some_and(|(arrive, _)| tk >= arrive) {
            Phase::TopPause
        } else {
            Phase::Concentric
        };
        if label.is_none() {
            *label = Some((idx, ph));
        }
    }
}

/// The rep's tempo, peaks and series.
fn build_rep(c: &SetContext, r: &RepBounds, number: Option<usize>, reasons: Vec<String>) -> Rep {
    let (s, p) = (c.s, c.p);
    let (start, end) = (r.start, r.end);
    let ph = &r.phases;
    let (eccentric_s, concentric_s) = ph.durations();
    let bottom_pause = ph.b_out - ph.b_in;
    // A pause that runs into the clip's start or end has no known length (the person
    // may have been setting up, or stayed there after the recording stopped): not
    // timed, so it can neither show as a long pause nor be flagged as one.
    let pause_unbounded =
        (r.tp.is_none() && r.bl <= c.first_valid) || (r.tn.is_none() && r.br >= c.last_valid);
    let bottom_pause_s = (!pause_unbounded).then_some(bottom_pause);
    let top_pause_s = ph
        .top_after
        .filter(|_| r.next_extreme.is_some() || r.tnr.is_none_or(|x| x.1 < c.last_valid))
        .map(|(arrive, leave)| leave - arrive);
    let (peak_h, peak_h_t) = peak_of(s.hip, s.t, start, end, true);
    let (peak_2, peak_2_t) = peak_of(s.hip_2d, s.t, start, end, true);
    let (peak_3, peak_3_t) = peak_of(s.hip_3d, s.t, start, end, true);
    let (min_h, _) = peak_of(s.hip, s.t, start, end, false);
    let (peak_k, _) = peak_of(s.knee, s.t, start, end, true);
    let (min_k, _) = peak_of(s.knee, s.t, start, end, false);
    let (mut break_point_knee_deg, mut break_point_s) = (None, None);
    if s.nordic
        && let Some(x) = r.tp
    {
        // Knee-extension speed = rate of rise of e = -knee.
        if let Some(k) = first_exceeding(c.v, x.i, r.b.i, p.break_velocity_deg_s) {
            break_point_knee_deg = opt(s.knee[k]);
            break_point_s = Some(s.t[k]);
        }
    }
    let series = (start..=end)
        .map(|k| RepSample {
            t: s.t[k],
            hip_flexion_deg: opt(s.hip[k]),
            knee_flexion_deg: opt(s.knee[k]),
            loaded: s.loaded[k],
        })
        .collect();
    Rep {
        number,
        counted: number.is_some(),
        start_s: s.t[start],
        end_s: s.t[end],
        bottom_s: s.t[r.b.i],
        eccentric_s,
        bottom_pause_s,
        concentric_s,
        top_pause_s,
        tempo: Tempo {
            eccentric_s: eccentric_s.unwrap_or(0.0),
            bottom_pause_s: bottom_pause,
            concentric_s: concentric_s.unwrap_or(0.0),
            top_pause_s: top_pause_s.unwrap_or(0.0),
        },
        working_phase: if s.working_eccentric {
            Phase::Eccentric
        } else {
            Phase::Concentric
        },
        working_s: if s.working_eccentric {
            eccentric_s
        } else {
            concentric_s
        },
        range_of_motion_deg: r.rom,
        peak_hip_flexion_deg: peak_h,
        peak_hip_flexion_s: peak_h_t,
        peak_hip_flexion_2d_deg: peak_2,
        peak_hip_flexion_2d_s: peak_2_t,
        peak_hip_flexion_3d_deg: peak_3,
        peak_hip_flexion_3d_s: peak_3_t,
        min_hip_flexion_deg: min_h,
        peak_knee_flexion_deg: peak_k,
        min_knee_flexion_deg: min_k,
        lowering_s: if s.nordic { eccentric_s } else { None },
        break_point_knee_deg,
        break_point_s,
        uncertain: !reasons.is_empty(),
        uncertain_reasons: reasons,
        peak_hip_flexion_uncertainty_deg: None,
        peak_loaded_hip_flexion_cross_check_deg: None,
        phase_uncertainty_s: ph.uncertainty_s,
        series,
    }
}

/// The least phase uncertainty from a camera `view_offset_deg` off a side view (unknown:
/// the largest), seconds: see `RepParams::phase_uncertainty_base_s`.
pub fn view_phase_floor_s(p: &RepParams, view_offset_deg: Option<f64>) -> f64 {
    let off = view_offset_deg.unwrap_or(90.0).clamp(0.0, 90.0);
    p.phase_uncertainty_base_s + p.phase_uncertainty_offset_s * off.to_radians().sin()
}

/// Raises each rep's stated phase uncertainty to at least `floor_s` (see
/// [`view_phase_floor_s`]); reps with nothing fitted keep none.
pub fn apply_phase_floor(reps: &mut [Rep], floor_s: f64) {
    for u in reps
        .iter_mut()
        .filter_map(|r| r.phase_uncertainty_s.as_mut())
    {
        *u = u.max(floor_s);
    }
}

/// Notes on the phase times: the angle they were timed on, when it is not the driving
/// signal; that the camera's angle alone leaves them uncertain by more than `max_s`
/// (`RepParams::phase_uncertainty_max_s`) when its floor `floor_s` is above it; and the
/// counted reps whose own movements leave them more uncertain than both. Phase times
/// bear on the tempo flags only (amber at most), so those reps' angle flags keep their
/// colour: a rep is not made uncertain for its timing.
pub fn timing_notes(seg: &Segmentation, max_s: f64, floor_s: f64) -> Vec<String> {
    let mut out = Vec::new();
    if seg.timing_signal != "driving" {
        out.push(format!(
            "phases timed on {}: its movements read as one eased movement each more closely than the driving signal's in this view",
            seg.timing_signal
        ));
    }
    if floor_s > max_s && seg.reps.iter().any(|r| r.counted) {
        out.push(format!(
            "phase times uncertain by at least {floor_s:.2} s from this camera angle (more than {max_s:.2} s): off a side view the angle is distorted near the turning points, where the phases start and end; read the tempo flags with that in mind"
        ));
    }
    let above = max_s.max(floor_s + 1e-9);
    let loose: Vec<(usize, f64)> = seg
        .reps
        .iter()
        .filter_map(|r| Some((r.number?, r.phase_uncertainty_s.filter(|u| *u > above)?)))
        .collect();
    if let Some(worst) = loose.iter().map(|x| x.1).reduce(f64::max) {
        let list: Vec<String> = loose.iter().map(|x| x.0.to_string()).collect();
        out.push(format!(
            "phase times of rep(s) {} uncertain by more than {max_s:.2} s (up to {worst:.2} s): the angle they are timed on does not follow one smooth movement each; read their tempo flags with that in mind",
            list.join(", ")
        ));
    }
    out
}

/// What kind of set the reps make, where it is not a plain set: a single repetition, a
/// concentric-only clip (one lift from the bottom to the top, nothing lowered), or no
/// complete repetition at all.
pub fn set_shape_notes(reps: &[Rep]) -> Vec<String> {
    let counted: Vec<&Rep> = reps.iter().filter(|r| r.counted).collect();
    let mut out = Vec::new();
    match counted.as_slice() {
        [] if !reps.is_empty() => out.push(format!(
            "no complete repetition: {} partial movement(s) only",
            reps.len()
        )),
        [r] => {
            let lift_only =
                r.working_phase == Phase::Concentric && r.eccentric_s.is_none() && reps.len() == 1;
            out.push(if lift_only {
                "concentric only: a single lift from the bottom to the top, with no lowering in the clip".into()
            } else {
                "single repetition".into()
            });
        }
        _ => {}
    }
    out
}

/// Moving mean over +-`half_s` seconds (finite values only).
pub fn moving_mean(t: &[f64], x: &[f64], half_s: f64) -> Vec<f64> {
    let n = x.len();
    let mut out = vec![f64::NAN; n];
    for i in 0..n {
        if !x[i].is_finite() {
            continue;
        }
        let (mut sum, mut c) = (0.0, 0);
        let mut k = i;
        while k > 0 && t[k - 1] >= t[i] - half_s {
            k -= 1;
        }
        while k < n && t[k] <= t[i] + half_s {
            if x[k].is_finite() {
                sum += x[k];
                c += 1;
            }
            k += 1;
        }
        out[i] = sum / c as f64;
    }
    out
}

/// Finds holds: runs where the smoothed speed of `e` stays below the hold threshold for at
/// least `hold_min_s` (runs split by less than `max_gap_s` are merged).
pub fn holds(
    s: &SegmentInput,
    v: &[f64],
    range: f64,
    top_level: f64,
    p: &RepParams,
    max_gap_s: f64,
) -> Vec<Hold> {
    let n = s.e.len();
    let vs = moving_mean(s.t, v, 0.5 * p.hold_smoothing_s);
    let still: Vec<bool> = (0..n)
        .map(|k| vs[k].is_finite() && vs[k].abs() < p.hold_velocity_deg_s)
        .collect();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < n {
        if !still[k] {
            k += 1;
            continue;
        }
        let a = k;
        while k < n && still[k] {
            k += 1;
        }
        let b = k - 1;
        if let Some(last) = runs.last_mut()
            && s.t[a] - s.t[last.1] <= max_gap_s
        {
            last.1 = b;
            continue;
        }
        runs.push((a, b));
    }
    // Extend each run while the unsmoothed speed stays below the hold threshold.
    let slow = |k: usize| v[k].is_finite() && v[k].abs() < p.hold_velocity_deg_s;
    for r in runs.iter_mut() {
        while r.0 > 0 && slow(r.0 - 1) {
            r.0 -= 1;
        }
        while r.1 + 1 < n && slow(r.1 + 1) {
            r.1 += 1;
        }
    }
    runs.into_iter()
        .filter(|&(a, b)| s.t[b] - s.t[a] >= p.hold_min_s)
        .map(|(a, b)| {
            let seg = &s.hip[a..=b];
            let fin: Vec<f64> = seg.iter().copied().filter(|x| x.is_finite()).collect();
            let mean = |x: &[f64]| {
                let f: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
                (!f.is_empty()).then(|| f.iter().sum::<f64>() / f.len() as f64)
            };
            let em = mean(&s.e[a..=b]).unwrap_or(f64::NAN);
            let position = if range < p.min_range_deg || !range.is_finite() {
                HoldPosition::Middle
            } else if em <= top_level + range / 3.0 {
                HoldPosition::Top
            } else if em >= top_level + 2.0 * range / 3.0 {
                HoldPosition::Bottom
            } else {
                HoldPosition::Middle
            };
            let loaded_frames = s.loaded[a..=b].iter().filter(|&&x| x).count();
            let hs = fin.first().copied();
            let he = fin.last().copied();
            let (mx, mn) = fin
                .iter()
                .fold((f64::NEG_INFINITY, f64::INFINITY), |(mx, mn), &x| {
                    (mx.max(x), mn.min(x))
                });
            let first_valid = s.e.iter().position(|x| x.is_finite()).unwrap_or(0);
            let last_valid = s.e.iter().rposition(|x| x.is_finite()).unwrap_or(0);
            Hold {
                start_s: s.t[a],
                end_s: s.t[b],
                duration_s: s.t[b] - s.t[a],
                position,
                loaded: 2 * loaded_frames > b - a + 1,
                hip_start_deg: hs,
                hip_end_deg: he,
                hip_mean_deg: mean(seg),
                hip_drift_deg: hs.zip(he).map(|(x, y)| y - x),
                hip_range_deg: (!fin.is_empty()).then_some(mx - mn),
                knee_mean_deg: mean(&s.knee[a..=b]),
                truncated: a <= first_valid || b >= last_valid,
                series: (a..=b)
                    .map(|k| RepSample {
                        t: s.t[k],
                        hip_flexion_deg: opt(s.hip[k]),
                        knee_flexion_deg: opt(s.knee[k]),
                        loaded: s.loaded[k],
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_finds_alternating_extremes() {
        let e: Vec<f64> = (0..200).map(|k| (k as f64 * 0.1).sin() * 30.0).collect();
        let x = turning_points(&e, 10.0);
        assert!(x.len() >= 5);
        for w in x.windows(2) {
            assert_ne!(w[0].bottom, w[1].bottom);
        }
    }

    /// A hinge set on a clean or noisy angle series at 30 fps, filtered like the analysis:
    /// `reps` x (eccentric, bottom pause, concentric, top pause) after a 1 s lead-in,
    /// `depth` degrees, cosine-eased (`eased`) or constant-speed movements.
    fn tempo_of(tempo: [f64; 4], reps: usize, depth: f64, eased: bool, noise_deg: f64) -> Vec<Rep> {
        let mut segs = vec![(1.0, 0.0, 0.0)];
        for _ in 0..reps {
            segs.extend([
                (tempo[0], 0.0, depth),
                (tempo[1], depth, depth),
                (tempo[2], depth, 0.0),
                (tempo[3], 0.0, 0.0),
            ]);
        }
        segs.push((1.0, 0.0, 0.0));
        let dur: f64 = segs.iter().map(|s| s.0).sum();
        let fs = 30.0;
        let t: Vec<f64> = (0..(dur * fs) as usize).map(|k| k as f64 / fs).collect();
        let mut seed = 12345u64;
        let raw: Vec<f64> = t
            .iter()
            .map(|&tk| {
                let mut t0 = 0.0;
                let mut x = 0.0;
                for &(d, a, b) in &segs {
                    if tk < t0 + d || d == 0.0 && tk <= t0 {
                        let s = if d > 0.0 { (tk - t0) / d } else { 1.0 };
                        let f = if eased {
                            crate::exercise::tempo::eased_progress(s, 1.0)
                        } else {
                            s
                        };
                        x = a + (b - a) * f;
                        break;
                    }
                    t0 += d;
                    x = b;
                }
                // Deterministic uniform noise with standard deviation `noise_deg`.
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                x + noise_deg * u * 12f64.sqrt()
            })
            .collect();
        let e =
            crate::signal::clean_series(&t, &raw, &crate::signal::CleanParams::default()).values;
        let v = crate::signal::derivative(&t, &e);
        let n = t.len();
        let none = vec![false; n];
        let loaded = vec![true; n];
        let input = SegmentInput {
            t: &t,
            e: &e,
            e_raw: &raw,
            filled: &none,
            hip: &e,
            hip_2d: &e,
            hip_3d: &e,
            knee: &e,
            loaded: &loaded,
            in_position: &loaded,
            ankles: &vec![[None, None]; n],
            body: &[],
            drive_is_3d_hip: false,
            leg_px: f64::NAN,
            working_eccentric: false,
            nordic: false,
            timing: &[],
            trunk: &[],
            hinge: false,
            not_reps: None,
        };
        segment(&input, &v, &RepParams::default()).reps
    }

    fn check(reps: &[Rep], want: [f64; 4], tol: f64) {
        let counted: Vec<&Rep> = reps.iter().filter(|r| r.counted).collect();
        assert_eq!(counted.len(), 3);
        for (i, r) in counted.iter().enumerate() {
            let got = [
                r.eccentric_s,
                r.bottom_pause_s,
                r.concentric_s,
                // The last top pause runs into the clip's end.
                if i < 2 { r.top_pause_s } else { None },
            ];
            for (g, w) in got.iter().zip(want) {
                if let Some(g) = g {
                    assert!(
                        (g - w).abs() <= tol,
                        "rep {}: {} vs {want:?}",
                        i + 1,
                        r.tempo
                    );
                }
            }
        }
    }

    #[test]
    fn eased_slow_lowering_reads_its_full_length() {
        // Cosine-eased 3-1-2-1 to 70°: the slow start and end of each movement count.
        let reps = tempo_of([3.0, 1.0, 2.0, 1.0], 3, 70.0, true, 0.0);
        check(&reps, [3.0, 1.0, 2.0, 1.0], 0.1);
        // A smaller, quicker eased rep.
        let reps = tempo_of([1.5, 0.5, 1.0, 0.5], 3, 40.0, true, 0.0);
        check(&reps, [1.5, 0.5, 1.0, 0.5], 0.1);
    }

    #[test]
    fn abrupt_filtered_start_within_a_frame() {
        let reps = tempo_of([2.0, 0.5, 1.5, 1.0], 3, 80.0, false, 0.0);
        check(&reps, [2.0, 0.5, 1.5, 1.0], 1.0 / 30.0 + 1e-9);
    }

    #[test]
    fn real_pause_is_kept_and_noise_makes_no_pause() {
        // Jitter (raw, before the filter) on every frame: 0.5° is several times what the
        // pose model shows on the synthetic clips in videos/.
        let reps = tempo_of([3.0, 1.0, 2.0, 1.0], 3, 70.0, true, 0.5);
        check(&reps, [3.0, 1.0, 2.0, 1.0], 0.1);
        // Turning at once at the bottom and at the top: no pause appears.
        let reps = tempo_of([2.0, 0.0, 2.0, 0.0], 3, 60.0, true, 0.5);
        check(&reps, [2.0, 0.0, 2.0, 0.0], 0.1);
    }

    #[test]
    fn time_above_interpolates() {
        let s = |t: f64, h: f64| RepSample {
            t,
            hip_flexion_deg: Some(h),
            knee_flexion_deg: None,
            loaded: true,
        };
        let series = [s(0.0, 0.0), s(1.0, 100.0), s(2.0, 0.0)];
        assert!((time_above(&series, 50.0) - 1.0).abs() < 1e-12);
    }

    /// One hinge at 24 fps: lowered to 70° over 1 s, held 0.5 s, then back to standing in
    /// `return_frames` frames of the raw angle (3: a snapping pose).
    fn hinge_returning(return_frames: usize) -> Vec<Rep> {
        let fs = 24.0;
        let mut raw: Vec<f64> = vec![0.0; 24];
        raw.extend((1..=24).map(|k| 35.0 * (1.0 - (std::f64::consts::PI * k as f64 / 24.0).cos())));
        raw.extend(vec![70.0; 12]);
        raw.extend((1..=return_frames).map(|k| 70.0 * (1.0 - k as f64 / return_frames as f64)));
        raw.extend(vec![0.0; 12]);
        segment_raw(&raw, fs)
    }

    /// The reps of the raw angle `raw` sampled at `fs`, cleaned as the analysis cleans it.
    fn segment_raw(raw: &[f64], fs: f64) -> Vec<Rep> {
        let t: Vec<f64> = (0..raw.len()).map(|k| k as f64 / fs).collect();
        let e = crate::signal::clean_series(&t, raw, &crate::signal::CleanParams::default()).values;
        segment_with(&t, &e, raw, &[]).reps
    }

    #[test]
    fn a_lift_made_of_pose_jumps_is_not_a_rep() {
        let snapped = hinge_returning(3);
        assert_eq!(snapped.iter().filter(|r| r.counted).count(), 0);
        assert!(
            snapped
                .iter()
                .any(|r| r.uncertain_reasons.iter().any(|x| x.contains("pose jumps")))
        );
        // The same lift over 0.5 s (about 220°/s at its fastest) is a rep.
        let real = hinge_returning(12);
        assert_eq!(real.iter().filter(|r| r.counted).count(), 1);
    }

    #[test]
    fn a_rep_whose_lowering_is_a_pose_jump_is_not_a_rep() {
        // Standing, then the angle leaps to 80° in one frame and settles at 70° (a snap to a
        // wrong pose, as the 3D hip of a front-view hip thrust does at the top), held 0.5 s,
        // then back over 11 frames with one snap of 32° in it. The working phase (the lift)
        // is under half jumps; the rep as a whole is more than half.
        let fs = 24.0;
        let mut raw: Vec<f64> = vec![0.0; 24];
        raw.extend([80.0, 75.0]);
        raw.extend(vec![70.0; 12]);
        raw.extend([
            66.0, 62.0, 58.0, 54.0, 50.0, 46.0, 14.0, 10.0, 6.0, 2.0, 0.0,
        ]);
        raw.extend(vec![0.0; 24]);
        let reps = segment_raw(&raw, fs);
        assert_eq!(
            reps.iter().filter(|r| r.counted).count(),
            0,
            "{:?}",
            reasons(&reps)
        );
        assert!(reps.iter().any(|r| {
            r.uncertain_reasons
                .iter()
                .any(|x| x.contains("down and up"))
        }));
    }

    /// One hinge at 24 fps: lowered to 70° over 1 s, held 0.5 s, then lifted back in 8 frames
    /// (about 210°/s) with `jitter`° on the raw angle alternating frame to frame, as a
    /// re-encoded clip shows on a fast movement. Returns the raw angle.
    fn hinge_lifting_with_jitter(jitter: f64) -> (Vec<f64>, Vec<f64>) {
        let fs = 24.0;
        let mut raw: Vec<f64> = vec![0.0; 24];
        raw.extend((1..=24).map(|k| 35.0 * (1.0 - (std::f64::consts::PI * k as f64 / 24.0).cos())));
        raw.extend(vec![70.0; 12]);
        raw.extend((1..=8).map(|k| {
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            70.0 * (1.0 - k as f64 / 8.0) + sign * jitter
        }));
        raw.extend(vec![0.0; 12]);
        let t: Vec<f64> = (0..raw.len()).map(|k| k as f64 / fs).collect();
        (t, raw)
    }

    #[test]
    fn jitter_on_a_fast_real_lift_is_not_a_pose_jump() {
        // Frame to frame the jitter makes every other step 20.75° (500°/s, above the 400°/s
        // jump speed); over two frames the lift moves 17.5° (210°/s): a rep.
        let (t, raw) = hinge_lifting_with_jitter(6.0);
        let e =
            crate::signal::clean_series(&t, &raw, &crate::signal::CleanParams::default()).values;
        let reps = segment_with(&t, &e, &raw, &[]).reps;
        assert_eq!(
            reps.iter().filter(|r| r.counted).count(),
            1,
            "{:?}",
            reasons(&reps)
        );
    }

    #[test]
    fn a_lift_whose_clip_fades_out_just_after_the_top_still_counts() {
        // The lift arrives at the top, the person is seen for one frame more, then the clip
        // fades to black (no landmarks, so not "in position" either).
        let reps = hinge_fading_out_after(24 + 24 + 12 + 8 + 1);
        assert_eq!(
            reps.iter().filter(|r| r.counted).count(),
            1,
            "{:?}",
            reasons(&reps)
        );
    }

    #[test]
    fn a_lift_still_rising_when_the_clip_fades_out_is_not_counted() {
        // The clip fades out (no landmarks) after 6 of the lift's 8 frames: 17.5° of 70 short
        // of the top, inside the lockout margin, but still rising at about 210°/s.
        let reps = hinge_fading_out_after(24 + 24 + 12 + 6);
        assert_eq!(
            reps.iter().filter(|r| r.counted).count(),
            0,
            "{:?}",
            reasons(&reps)
        );
        assert!(
            reps.iter().any(|r| r
                .uncertain_reasons
                .iter()
                .any(|x| x.contains("still under way"))),
            "{:?}",
            reasons(&reps)
        );
    }

    /// The reps of [`hinge_lifting_with_jitter`] (no jitter) when the clip fades out (no
    /// landmarks, so not in position either) after its first `seen` frames.
    fn hinge_fading_out_after(seen: usize) -> Vec<Rep> {
        let (t, mut raw) = hinge_lifting_with_jitter(0.0);
        for x in raw.iter_mut().skip(seen) {
            *x = f64::NAN;
        }
        let e =
            crate::signal::clean_series(&t, &raw, &crate::signal::CleanParams::default()).values;
        let in_position: Vec<bool> = (0..t.len()).map(|k| k < seen).collect();
        segment_in_position(&t, &e, &raw, &[], &in_position).reps
    }

    fn reasons(reps: &[Rep]) -> Vec<&Vec<String>> {
        reps.iter().map(|r| &r.uncertain_reasons).collect()
    }

    /// Three reps of an eased 2-0.5-1-0.5 s tempo, 60° deep, at 30 fps: the true angle, and
    /// the same through `read` (what a camera off the side makes of it).
    fn read_through(read: impl Fn(f64) -> f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let tempo = [2.0, 0.5, 1.0, 0.5];
        let t: Vec<f64> = (0..(13.0 * 30.0) as usize)
            .map(|k| k as f64 / 30.0)
            .collect();
        let truth: Vec<f64> = t
            .iter()
            .map(|&tk| {
                let rep = 4.0;
                let x = tk - 1.0;
                if !(0.0..3.0 * rep).contains(&x) {
                    return 0.0;
                }
                let s = x % rep;
                let ease = crate::exercise::tempo::eased_progress;
                60.0 * if s < tempo[0] {
                    ease(s / tempo[0], 1.0)
                } else if s < tempo[0] + tempo[1] {
                    1.0
                } else if s < tempo[0] + tempo[1] + tempo[2] {
                    1.0 - ease((s - tempo[0] - tempo[1]) / tempo[2], 1.0)
                } else {
                    0.0
                }
            })
            .collect();
        let drive = truth.iter().map(|&x| read(x)).collect();
        (t, truth, drive)
    }

    /// Segments `e` (read raw as `e_raw`) with every frame loaded and in position.
    fn segment_with(
        t: &[f64],
        e: &[f64],
        e_raw: &[f64],
        timing: &[(&'static str, Vec<f64>)],
    ) -> Segmentation {
        segment_in_position(t, e, e_raw, timing, &vec![true; t.len()])
    }

    /// [`segment_with`] with the frames where the person is in the exercise's posture.
    fn segment_in_position(
        t: &[f64],
        e: &[f64],
        e_raw: &[f64],
        timing: &[(&'static str, Vec<f64>)],
        in_position: &[bool],
    ) -> Segmentation {
        segment_movements(t, e, e_raw, timing, in_position, None)
    }

    /// [`segment_in_position`], saying why the movements are not reps when they are not.
    fn segment_movements(
        t: &[f64],
        e: &[f64],
        e_raw: &[f64],
        timing: &[(&'static str, Vec<f64>)],
        in_position: &[bool],
        not_reps: Option<&str>,
    ) -> Segmentation {
        let n = t.len();
        let v = crate::signal::derivative(t, e);
        let none = vec![false; n];
        let yes = vec![true; n];
        let input = SegmentInput {
            t,
            e,
            e_raw,
            filled: &none,
            hip: e,
            hip_2d: e,
            hip_3d: e,
            knee: e,
            loaded: &yes,
            in_position,
            ankles: &vec![[None, None]; n],
            body: &[],
            drive_is_3d_hip: false,
            leg_px: f64::NAN,
            working_eccentric: false,
            nordic: false,
            timing,
            trunk: &[],
            hinge: false,
            not_reps,
        };
        segment(&input, &v, &RepParams::default())
    }

    #[test]
    fn a_3d_movement_the_image_does_not_show_is_not_counted() {
        let (t, e) = lifts_starting_at(0.0);
        let n = t.len();
        let v = crate::signal::derivative(&t, &e);
        let (none, yes) = (vec![false; n], vec![true; n]);
        let ankles = vec![[None, None]; n];
        let leg_px = 200.0;
        // The image angle: held at the top (the 3D one's dips are the model's), or following.
        let held = vec![2.0; n];
        // The body in the picture: still, or the shoulder dropping half a leg length at each
        // bottom (a deadlift seen from in front, whose image angle hardly changes).
        let still: Vec<BodyPoints> = (0..n)
            .map(|_| {
                [
                    Some((300.0, 100.0)),
                    Some((300.0, 200.0)),
                    Some((300.0, 300.0)),
                ]
            })
            .collect();
        let dropping: Vec<BodyPoints> = e
            .iter()
            .map(|x| {
                let y = 100.0 + 0.5 * leg_px * x / 45.0;
                [Some((300.0, y)), Some((300.0, 200.0)), Some((300.0, 300.0))]
            })
            .collect();
        let run = |hip_2d: &[f64], body: &[BodyPoints], drive_is_3d_hip: bool| {
            let input = SegmentInput {
                t: &t,
                e: &e,
                e_raw: &e,
                filled: &none,
                hip: &e,
                hip_2d,
                hip_3d: &e,
                knee: &e,
                loaded: &yes,
                in_position: &yes,
                ankles: &ankles,
                body,
                drive_is_3d_hip,
                leg_px,
                working_eccentric: false,
                nordic: false,
                timing: &[],
                trunk: &[],
                hinge: false,
                not_reps: None,
            };
            segment(&input, &v, &RepParams::default()).reps
        };
        let counted = |reps: &[Rep]| reps.iter().filter(|r| r.counted).count();
        let misread = run(&held, &still, true);
        assert_eq!(counted(&misread), 0);
        assert!(misread.len() >= 3);
        for r in &misread {
            assert!(
                r.uncertain_reasons.iter().any(|x| x.starts_with(
                    "not counted: the 3D hip angle moves 45 deg but the image does not show it"
                )),
                "{:?}",
                r.uncertain_reasons
            );
        }
        // The image angle follows, the body moves in the picture, or the angle is not the
        // 3D one: the reps count.
        assert_eq!(counted(&run(&e, &still, true)), 3);
        assert_eq!(counted(&run(&held, &dropping, true)), 3);
        assert_eq!(counted(&run(&held, &still, false)), 3);
        // Too little of the body seen to tell: counted.
        let unseen: Vec<BodyPoints> = vec![[None, None, None]; n];
        assert_eq!(counted(&run(&held, &unseen, true)), 3);
    }

    #[test]
    fn a_hinge_rep_that_never_comes_upright_is_partial() {
        let (t, e) = lifts_starting_at(0.0);
        let n = t.len();
        let v = crate::signal::derivative(&t, &e);
        let (none, yes) = (vec![false; n], vec![true; n]);
        let ankles = vec![[None, None]; n];
        let counted = |trunk: &[f64], hinge: bool| {
            let input = SegmentInput {
                t: &t,
                e: &e,
                e_raw: &e,
                filled: &none,
                hip: &e,
                hip_2d: &e,
                hip_3d: &e,
                knee: &e,
                loaded: &yes,
                in_position: &yes,
                ankles: &ankles,
                body: &[],
                drive_is_3d_hip: false,
                leg_px: f64::NAN,
                working_eccentric: false,
                nordic: false,
                timing: &[],
                trunk,
                hinge,
                not_reps: None,
            };
            let seg = segment(&input, &v, &RepParams::default());
            let reasons: Vec<String> = seg
                .reps
                .iter()
                .flat_map(|r| r.uncertain_reasons.clone())
                .collect();
            (seg.reps.iter().filter(|r| r.counted).count(), reasons)
        };
        // The trunk tilts with the hip and stands up at each top: all three count.
        let upright: Vec<f64> = e.iter().map(|x| 0.6 * x).collect();
        assert_eq!(counted(&upright, true).0, 3);
        // The trunk never comes within 30 deg of vertical: no rep of a hinge counts...
        let bent: Vec<f64> = e.iter().map(|x| 35.0 + 0.6 * x).collect();
        let (n_bent, reasons) = counted(&bent, true);
        assert_eq!(n_bent, 0);
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("partial rep: the trunk comes no closer than 35 deg")),
            "{reasons:?}"
        );
        // ...and the rule is the hinge's only; an unseen trunk says nothing.
        assert_eq!(counted(&bent, false).0, 3);
        assert_eq!(counted(&vec![f64::NAN; n], true).0, 3);
    }

    #[test]
    fn movements_that_are_not_reps_are_shown_but_none_is_counted() {
        let (t, e) = lifts_starting_at(0.0);
        let yes = vec![true; t.len()];
        let counted = |seg: &Segmentation| seg.reps.iter().filter(|r| r.counted).count();
        assert_eq!(counted(&segment_movements(&t, &e, &e, &[], &yes, None)), 3);
        let seg = segment_movements(&t, &e, &e, &[], &yes, Some("strides"));
        assert_eq!(counted(&seg), 0);
        assert!(seg.reps.len() >= 3);
        for r in &seg.reps {
            assert!(r.number.is_none());
            assert!(
                r.uncertain_reasons
                    .iter()
                    .any(|x| x == "not counted: strides"),
                "{:?}",
                r.uncertain_reasons
            );
        }
    }

    /// A set of lifts from the bottom (`e` high at the bottom, 0 at the top: a bridge's
    /// hip flexion) whose clip starts at `first`, already moving towards the top, then
    /// three full reps between 45 and 0.
    fn lifts_starting_at(first: f64) -> (Vec<f64>, Vec<f64>) {
        let ease = crate::exercise::tempo::eased_progress;
        // (duration, from, to)
        let mut segs = vec![(1.0, first, 0.0), (0.5, 0.0, 0.0)];
        for _ in 0..3 {
            segs.extend([
                (1.5, 0.0, 45.0),
                (0.4, 45.0, 45.0),
                (1.0, 45.0, 0.0),
                (0.5, 0.0, 0.0),
            ]);
        }
        let total: f64 = segs.iter().map(|s| s.0).sum();
        let t: Vec<f64> = (0..(total * 30.0) as usize)
            .map(|k| k as f64 / 30.0)
            .collect();
        let e = t
            .iter()
            .map(|&tk| {
                let mut at = 0.0;
                for &(d, a, b) in &segs {
                    if tk < at + d {
                        return a + (b - a) * ease((tk - at) / d, 1.0);
                    }
                    at += d;
                }
                0.0
            })
            .collect();
        (t, e)
    }

    #[test]
    fn a_lift_cut_at_the_clip_start_is_not_counted_but_one_from_a_deeper_start_is() {
        let first_counted = |first: f64| {
            let (t, e) = lifts_starting_at(first);
            let seg = segment_with(&t, &e, &e, &[]);
            let r = &seg.reps[0];
            (
                r.counted,
                r.uncertain_reasons.clone(),
                seg.reps.iter().filter(|r| r.counted).count(),
            )
        };
        // From the usual bottom, or from deeper than it (a first frame read a few degrees
        // deeper, as one re-encoding of a real bridge did): the whole lift is in the clip.
        for first in [45.0, 60.0] {
            let (counted, why, n) = first_counted(first);
            assert!(counted, "first frame at {first}: {why:?}");
            assert_eq!(n, 4, "first frame at {first}");
        }
        // 20 degrees up from the bottom already, and moving: the lift was under way.
        let (counted, why, n) = first_counted(25.0);
        assert!(!counted, "{why:?}");
        assert!(
            why.iter().any(|w| w.contains("already under way")),
            "{why:?}"
        );
        assert_eq!(n, 3);
    }

    #[test]
    fn a_lift_cut_at_the_clip_start_is_not_counted_when_its_second_frame_reads_deeper() {
        // The clip opens 20 degrees up from the bottom, moving, but its first frame reads
        // 2 degrees short of the second (noise): the bottom falls one frame in, and the
        // lift is still one that was under way when the clip started.
        let (t, mut e) = lifts_starting_at(25.0);
        e[0] = e[1] - 2.0;
        let seg = segment_with(&t, &e, &e, &[]);
        let r = &seg.reps[0];
        assert!(!r.counted, "{:?}", r.uncertain_reasons);
        assert!(
            r.uncertain_reasons
                .iter()
                .any(|w| w.contains("already under way")),
            "{:?}",
            r.uncertain_reasons
        );
        assert_eq!(seg.reps.iter().filter(|r| r.counted).count(), 3);
    }

    /// One lift (45 -> 0 over 1 s, eased) and 1 s at the top, the clip starting `cut` of
    /// the way through the lift's time; from rest (0.5 s at the bottom first) when `cut` is 0.
    fn one_lift_from(cut: f64) -> (Vec<f64>, Vec<f64>) {
        let ease = crate::exercise::tempo::eased_progress;
        let rest = if cut == 0.0 { 0.5 } else { 0.0 };
        let t: Vec<f64> = (0..((rest + 2.0 - cut) * 30.0) as usize)
            .map(|k| k as f64 / 30.0)
            .collect();
        let e = t
            .iter()
            .map(|&tk| {
                let x = tk - rest + cut;
                45.0 * (1.0 - ease(x.clamp(0.0, 1.0), 1.0))
            })
            .collect();
        (t, e)
    }

    #[test]
    fn a_clip_that_opens_on_a_lift_at_speed_does_not_count_it_even_with_no_bottom_to_measure_from()
    {
        // The clip's only bottom is its first frame, so the lift cannot be measured from
        // the set's bottom; but it opens at speed, which a lift from rest never does.
        let (t, e) = one_lift_from(0.35);
        let seg = segment_with(&t, &e, &e, &[]);
        assert_eq!(
            seg.reps.iter().filter(|r| r.counted).count(),
            0,
            "{:?}",
            seg.reps
        );
        assert!(
            seg.reps[0]
                .uncertain_reasons
                .iter()
                .any(|w| w.contains("already under way")),
            "{:?}",
            seg.reps[0].uncertain_reasons
        );
        // The same lift from rest at the bottom counts.
        let (t, e) = one_lift_from(0.0);
        let seg = segment_with(&t, &e, &e, &[]);
        assert_eq!(
            seg.reps.iter().filter(|r| r.counted).count(),
            1,
            "{:?}",
            seg.reps
        );
    }

    #[test]
    fn phases_are_timed_on_the_angle_that_reads_the_movement_evenly() {
        // The driving angle reads nothing of the first 25° out of full extension (as depth
        // off one camera does near extension), so its movements seem to start late and
        // stop early; the other angle reads the movement evenly, at 0.8 of its size (an
        // image angle foreshortened by the camera's yaw).
        let (t, truth, drive) = read_through(|x| x.max(25.0));
        let even: Vec<f64> = truth.iter().map(|x| 0.8 * x).collect();
        let alone = segment_with(&t, &drive, &drive, &[]);
        let seg = segment_with(&t, &drive, &drive, &[("even", even)]);
        assert_eq!(alone.timing_signal, "driving");
        assert_eq!(seg.timing_signal, "even");
        let counted: Vec<&Rep> = seg.reps.iter().filter(|r| r.counted).collect();
        assert_eq!(counted.len(), 3);
        // Which reps there are, their spans and whether they count follow the driving
        // signal alone: only the phase times move.
        let spans = |s: &Segmentation| {
            s.reps
                .iter()
                .map(|r| (r.number, r.start_s, r.end_s, r.bottom_s, r.uncertain))
                .collect::<Vec<_>>()
        };
        assert_eq!(spans(&seg), spans(&alone));
        for r in &counted {
            assert!((r.eccentric_s.unwrap() - 2.0).abs() < 0.05, "{}", r.tempo);
            assert!((r.concentric_s.unwrap() - 1.0).abs() < 0.05, "{}", r.tempo);
            // The even angle fits one eased movement per movement: its timing is certain;
            // the driving angle, read much less evenly, does not count against it.
            let u = r.phase_uncertainty_s.unwrap();
            assert!(u < 0.1, "uncertainty {u}");
        }
        // Timed on the driving angle alone, the phases are off by more than 0.25 s.
        let off = alone
            .reps
            .iter()
            .filter(|r| r.counted)
            .any(|r| (r.eccentric_s.unwrap() - 2.0).abs() > 0.25);
        assert!(
            off,
            "{:?}",
            alone.reps.iter().map(|r| r.tempo).collect::<Vec<_>>()
        );
        // A rep stated beyond 0.25 s is named in a note; the reps themselves stay certain
        // (timing bears on the tempo flags only, never on the angle flags' colour).
        assert!(
            timing_notes(&seg, 0.25, 0.0)
                .iter()
                .all(|n| !n.contains("uncertain"))
        );
        let mut loose = segment_with(&t, &drive, &drive, &[]);
        for r in loose.reps.iter_mut().filter(|r| r.number == Some(2)) {
            r.phase_uncertainty_s = Some(0.4);
        }
        let notes = timing_notes(&loose, 0.25, 0.0);
        assert!(
            notes
                .iter()
                .any(|n| n.contains("rep(s) 2 uncertain by more than 0.25 s (up to 0.40 s)")),
            "{notes:?}"
        );
        for r in alone.reps.iter().filter(|r| r.counted) {
            assert!(
                r.uncertain_reasons.iter().all(|x| !x.contains("phase")),
                "{:?}",
                r.uncertain_reasons
            );
        }
    }

    #[test]
    fn the_camera_angle_sets_a_floor_under_the_phase_uncertainty() {
        let p = RepParams::default();
        let side = view_phase_floor_s(&p, Some(0.0));
        let oblique = view_phase_floor_s(&p, Some(45.0));
        let front = view_phase_floor_s(&p, Some(90.0));
        assert!((side - 0.1).abs() < 1e-9, "{side}");
        assert!(
            (oblique - (0.1 + 0.4 * 0.5f64.sqrt())).abs() < 1e-9,
            "{oblique}"
        );
        assert!((front - 0.5).abs() < 1e-9, "{front}");
        // Unknown: the worst case; beyond 90° (a rear estimate) no more than from in front.
        assert_eq!(view_phase_floor_s(&p, None), front);
        assert_eq!(view_phase_floor_s(&p, Some(120.0)), front);
        // The floor raises small statements, leaves larger ones and absent ones alone.
        let (t, truth, _) = read_through(|x| x);
        let mut seg = segment_with(&t, &truth, &truth, &[]);
        seg.reps[0].phase_uncertainty_s = Some(0.9);
        seg.reps[1].phase_uncertainty_s = None;
        let before: Vec<Option<f64>> = seg.reps.iter().map(|r| r.phase_uncertainty_s).collect();
        assert!(before[2].is_some_and(|u| u < oblique), "{before:?}");
        apply_phase_floor(&mut seg.reps, oblique);
        let after: Vec<Option<f64>> = seg.reps.iter().map(|r| r.phase_uncertainty_s).collect();
        assert_eq!(after[0], Some(0.9));
        assert_eq!(after[1], None);
        assert_eq!(after[2], Some(oblique));
        // One note for the camera angle; a rep is named only above the floor.
        let notes = timing_notes(&seg, 0.25, oblique);
        assert!(
            notes
                .iter()
                .any(|n| n.contains("at least 0.38 s from this camera angle")),
            "{notes:?}"
        );
        let named: Vec<&String> = notes.iter().filter(|n| n.contains("rep(s)")).collect();
        assert_eq!(named.len(), 1, "{notes:?}");
        assert!(named[0].contains("rep(s) 1 uncertain"), "{notes:?}");
        // Side-on the floor stays under 0.25 s: no note for the camera angle.
        assert!(
            timing_notes(&seg, 0.25, side)
                .iter()
                .all(|n| !n.contains("camera angle"))
        );
    }

    #[test]
    fn angles_that_agree_leave_the_phases_certain() {
        // Two angles that read the movement alike (one offset and scaled): the driving one
        // times the phases, and they agree within a few hundredths of a second.
        let (t, truth, drive) = read_through(|x| x);
        let other: Vec<f64> = truth.iter().map(|x| 10.0 + 0.7 * x).collect();
        let seg = segment_with(&t, &drive, &drive, &[("other", other)]);
        assert_eq!(seg.timing_signal, "driving");
        for r in seg.reps.iter().filter(|r| r.counted) {
            assert!(r.phase_uncertainty_s.unwrap() < 0.1, "{r:?}");
            assert!(
                !r.uncertain_reasons
                    .iter()
                    .any(|x| x.contains("phase times")),
                "{:?}",
                r.uncertain_reasons
            );
        }
    }
}
