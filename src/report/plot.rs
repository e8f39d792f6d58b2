//! The hip-flexion plot as a self-contained SVG: hip flexion over time (filtered 2D
//! and 3D lines, raw values as faint points, the phase cap with its amber band, reps
//! shaded and numbered, flags marked) above knee flexion over time, sharing the time
//! axis. SVG written through `maud` (every string escaped), built from named layers:
//! [`axes`](value_axis), [`zones`](zone_fills), [`series`](hip_series), [`reps`](rep_bands),
//! [`flags`](flag_markers) and the [`legend`]. No fonts to load, and the output is
//! deterministic (same report in, same bytes out), so it can be tested by its structure.
//! The root carries the time axis's extent (`data-t1`, `data-x0`, `data-x1`, `data-y0`,
//! `data-y1`) so the review page can place its cursor.

use std::fmt::Write as _;

use maud::{Markup, html};

use super::Report;
use crate::exercise::{Analysis, FrameKinematics, FrameRows};

/// Plot title.
pub const TITLE: &str = "Trunk–thigh hip flexion";
/// Axis titles.
pub const HIP_AXIS: &str = "Hip flexion (°)";
pub const KNEE_AXIS: &str = "Knee flexion (°)";
pub const TIME_AXIS: &str = "Time (s)";

const W: f64 = 960.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const HIP_TOP: f64 = 92.0;
const HIP_H: f64 = 300.0;
const KNEE_TOP: f64 = 420.0;
const KNEE_H: f64 = 150.0;
const H: f64 = 640.0;

const C_2D: &str = "#1d4ed8";
const C_3D: &str = "#7c3aed";
const C_KNEE: &str = "#0f766e";
const C_CAP: &str = "#92400e";
const C_AMBER: &str = "#f59e0b";
const C_RED: &str = "#dc2626";
const C_GREEN: &str = "#15803d";
const C_AXIS: &str = "#334155";
const C_GRID: &str = "#e2e8f0";

/// Colour of a severity name.
pub fn severity_colour(s: &str) -> &'static str {
    match s {
        "red" => C_RED,
        "amber" => "#b45309",
        _ => C_GREEN,
    }
}

/// A tick step giving about `target` ticks over `span`, from 1-2-5 steps.
pub fn nice_step(span: f64, target: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / target.max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Linear map from data to pixels.
#[derive(Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    fn at(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span.abs() < 1e-12 {
            return self.p0;
        }
        self.p0 + (v - self.d0) / span * (self.p1 - self.p0)
    }
}

/// Coordinates as short, deterministic text.
fn n(v: f64) -> String {
    let s = format!("{v:.1}");
    if s == "-0.0" { "0.0".into() } else { s }
}

/// Keeps the points of one line (or dot series) worth drawing, fed in time order: a
/// half-pixel column with more than four points keeps its first, lowest, highest and last
/// (in time order), which draws the same picture. Only the current column is held, so a
/// long clip's plot never holds every frame.
#[derive(Default)]
struct Thinner {
    col: f64,
    column: Vec<(f64, f64)>,
    out: Vec<(f64, f64)>,
}

impl Thinner {
    fn push(&mut self, p: (f64, f64)) {
        let col = (p.0 * 2.0).floor();
        if !self.column.is_empty() && col != self.col {
            self.end_column();
        }
        self.col = col;
        self.column.push(p);
    }

    fn end_column(&mut self) {
        let c = &self.column;
        if c.len() <= 4 {
            self.out.extend_from_slice(c);
        } else {
            let by_y = |a: &usize, b: &usize| c[*a].1.total_cmp(&c[*b].1);
            let lo = (0..c.len()).min_by(by_y).unwrap_or(0);
            let hi = (0..c.len()).max_by(by_y).unwrap_or(0);
            let mut keep = [0, lo, hi, c.len() - 1];
            keep.sort_unstable();
            let mut last = None;
            for k in keep {
                if last != Some(k) {
                    self.out.push(c[k]);
                    last = Some(k);
                }
            }
        }
        self.column.clear();
    }

    /// The points kept, and the thinner emptied for the next run.
    fn take(&mut self) -> Vec<(f64, f64)> {
        self.end_column();
        std::mem::take(&mut self.out)
    }
}

/// [`Thinner`] over a whole series.
#[cfg(test)]
fn thinned(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut t = Thinner::default();
    pts.iter().for_each(|p| t.push(*p));
    t.take()
}

/// `M`/`L` path through the present values, broken at gaps.
fn line_path(frames: &FrameRows, get: Get, x: Scale, y: Scale) -> String {
    let mut d = String::new();
    let mut run = Thinner::default();
    let mut write_run = |pts: Vec<(f64, f64)>| {
        for (i, (px, py)) in pts.into_iter().enumerate() {
            let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, n(px), n(py));
        }
    };
    for f in frames.iter() {
        match get(&f).filter(|v| v.is_finite()) {
            Some(v) => run.push((x.at(f.t), y.at(v))),
            None => write_run(run.take()),
        }
    }
    write_run(run.take());
    d
}

/// Dots (zero-length round-capped segments) at the present values.
fn dot_path(frames: &FrameRows, get: Get, x: Scale, y: Scale) -> String {
    let mut d = String::new();
    let mut all = Thinner::default();
    for f in frames.iter() {
        if let Some(v) = get(&f).filter(|v| v.is_finite()) {
            all.push((x.at(f.t), y.at(v)));
        }
    }
    for (px, py) in all.take() {
        let _ = write!(d, "M{} {}h0", n(px), n(py));
    }
    d
}

fn range(vals: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    vals.filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((a.min(v), b.max(v))),
        })
}

/// Value axis range rounded out to whole steps.
fn axis_range(lo: f64, hi: f64, target: f64) -> (f64, f64, f64) {
    let step = nice_step(hi - lo, target);
    let lo = (lo / step).floor() * step;
    let mut hi = (hi / step).ceil() * step;
    if hi <= lo {
        hi = lo + step;
    }
    (lo, hi, step)
}

/// Values from `start` to `end` (inclusive, with float slack) in steps of `step`.
fn ticks(start: f64, end: f64, step: f64, max: usize) -> Vec<f64> {
    let mut out = Vec::new();
    let mut v = start;
    while v <= end + step * 1e-6 && out.len() < max {
        out.push(v);
        v += step;
    }
    out
}

/// Where everything goes: the time scale, both value scales and their steps, the cap.
struct Layout {
    duration: f64,
    x: Scale,
    t_step: f64,
    hy: Scale,
    hstep: f64,
    ky: Scale,
    kstep: f64,
    cap: Option<f64>,
    band: f64,
}

impl Layout {
    fn new(report: &Report, analysis: &Analysis) -> Layout {
        let frames = &analysis.frames;
        let duration = range(frames.iter().map(|f| f.t))
            .map(|(_, b)| b)
            .unwrap_or(0.0)
            .max(report.clip.duration_s)
            .max(0.1);
        let x = Scale {
            d0: 0.0,
            d1: duration,
            p0: LEFT,
            p1: W - RIGHT,
        };
        // Hip axis: data, cap and band, always including 0.
        let cap = report.protocol.cap_deg.filter(|c| c.is_finite());
        let band = report
            .protocol
            .amber_band_deg
            .filter(|b| b.is_finite())
            .unwrap_or(0.0);
        let hip_vals = frames
            .iter()
            .flat_map(|f| [f.hip_flexion_2d, f.hip_flexion_3d].into_iter().flatten());
        let extra = [Some(0.0), cap.map(|c| c + band + 5.0)];
        let (lo, hi) = range(hip_vals.chain(extra.into_iter().flatten())).unwrap_or((0.0, 90.0));
        let (hlo, hhi, hstep) = axis_range(lo.max(-60.0), hi.min(200.0), 8.0);
        let knee_vals = frames.iter().flat_map(|f| f.knee_flexion);
        let (klo, khi) = range(knee_vals.chain([0.0, 30.0])).unwrap_or((0.0, 90.0));
        let (klo, khi, kstep) = axis_range(klo.max(-30.0), khi.min(200.0), 4.0);
        Layout {
            duration,
            x,
            t_step: nice_step(duration, 10.0),
            hy: Scale {
                d0: hlo,
                d1: hhi,
                p0: HIP_TOP + HIP_H,
                p1: HIP_TOP,
            },
            hstep,
            ky: Scale {
                d0: klo,
                d1: khi,
                p0: KNEE_TOP + KNEE_H,
                p1: KNEE_TOP,
            },
            kstep,
            cap,
            band,
        }
    }
}

/// The plot's title and subtitle.
fn titles(report: &Report, l: &Layout) -> Markup {
    let p = &report.protocol;
    let sub = match l.cap {
        Some(c) => format!(
            "{}, phase {} ({}): cap {c:.0}°, amber to {:.0}°",
            report.exercise.exercise,
            p.phase,
            p.phase_name,
            c + l.band
        ),
        None => format!(
            "{}, phase {} ({}): no angle cap (report only)",
            report.exercise.exercise, p.phase, p.phase_name
        ),
    };
    html! {
        text x=(n(LEFT)) y=(n(26.0)) class="plot-title" font-size="18" font-weight="bold" { (TITLE) }
        text x=(n(W - RIGHT)) y=(n(26.0)) class="plot-subtitle" text-anchor="end" fill="#475569" { (sub) }
    }
}

/// Axes layer: grid lines, tick labels and the title of one value axis.
fn value_axis(y: Scale, step: f64, title: &str, top: f64, h: f64) -> Markup {
    let cy = top + h / 2.0;
    html! {
        g class="axis value-axis" {
            @for v in ticks(y.d0, y.d1, step, 100) {
                line class="grid" x1=(n(LEFT)) x2=(n(W - RIGHT)) y1=(n(y.at(v))) y2=(n(y.at(v))) stroke=(C_GRID) {}
                text x=(n(LEFT - 6.0)) y=(n(y.at(v) + 4.0)) class="tick" text-anchor="end" { (format!("{v:.0}")) }
            }
            text x=(n(18.0)) y=(n(cy)) class="axis-title" text-anchor="middle" transform={"rotate(-90 18 " (n(cy)) ")"} { (title) }
        }
    }
}

/// Axes layer: vertical time grid lines for one panel (labels are drawn once, under
/// the last panel).
fn time_grid(l: &Layout, top: f64, h: f64) -> Markup {
    html! {
        @for t in ticks(0.0, l.x.d1, l.t_step, 200) {
            line class="grid" x1=(n(l.x.at(t))) x2=(n(l.x.at(t))) y1=(n(top)) y2=(n(top + h)) stroke=(C_GRID) {}
        }
    }
}

/// Axes layer: the shared time axis under the knee panel.
fn time_axis(l: &Layout) -> Markup {
    let decimals = if l.t_step < 1.0 { 1 } else { 0 };
    html! {
        g class="axis time-axis" {
            @for t in ticks(0.0, l.duration, l.t_step, 200) {
                text x=(n(l.x.at(t))) y=(n(KNEE_TOP + KNEE_H + 18.0)) class="tick" text-anchor="middle" { (format!("{t:.decimals$}")) }
            }
            text x=(n((LEFT + W - RIGHT) / 2.0)) y=(n(KNEE_TOP + KNEE_H + 44.0)) class="axis-title" text-anchor="middle" { (TIME_AXIS) }
        }
    }
}

/// Axes layer: a panel's outline.
fn frame_rect(top: f64, h: f64) -> Markup {
    html! {
        rect class="frame" x=(n(LEFT)) y=(n(top)) width=(n(W - RIGHT - LEFT)) height=(n(h)) fill="none" stroke=(C_AXIS) {}
    }
}

fn clip_path(id: &str, top: f64, h: f64) -> Markup {
    html! {
        clipPath id=(id) { rect x=(n(LEFT)) y=(n(top)) width=(n(W - RIGHT - LEFT)) height=(n(h)) {} }
    }
}

/// Zones layer: the amber band above the cap and the red zone above the band.
fn zone_fills(l: &Layout) -> Markup {
    let Some(c) = l.cap else { return html! {} };
    let yc = l.hy.at(c).clamp(HIP_TOP, HIP_TOP + HIP_H);
    let ya = l.hy.at(c + l.band).clamp(HIP_TOP, HIP_TOP + HIP_H);
    html! {
        @if l.band > 0.0 {
            rect class="amber-band" x=(n(LEFT)) y=(n(ya)) width=(n(W - RIGHT - LEFT)) height=(n(yc - ya)) fill=(C_AMBER) fill-opacity="0.22" {
                title { (format!("Amber band: {c:.0}–{:.0}° (within measurement error of the cap)", c + l.band)) }
            }
        }
        rect class="red-zone" x=(n(LEFT)) y=(n(HIP_TOP)) width=(n(W - RIGHT - LEFT)) height=(n(ya - HIP_TOP)) fill=(C_RED) fill-opacity="0.08" {
            title { (format!("Red: above {:.0}°", c + l.band)) }
        }
    }
}

/// Zones layer: the phase cap as a dashed line with its label.
fn cap_line(report: &Report, l: &Layout) -> Markup {
    let Some(c) = l.cap else { return html! {} };
    let yc = l.hy.at(c);
    html! {
        line class="cap-line" x1=(n(LEFT)) x2=(n(W - RIGHT)) y1=(n(yc)) y2=(n(yc)) stroke=(C_CAP) stroke-width="2" stroke-dasharray="8 4" {
            title { (format!("Phase {} cap {c:.0}°", report.protocol.phase)) }
        }
        text x=(n(W - RIGHT - 4.0)) y=(n(yc + 15.0)) class="cap-label" text-anchor="end" fill=(C_CAP) font-weight="bold" { (format!("cap {c:.0}°")) }
    }
}

/// Estimated width of a bold number label of `chars` characters at the plot's 12-13 px
/// label size, with a gap either side (no fonts are loaded, so it is an estimate).
fn label_width(chars: usize) -> f64 {
    8.0 * chars as f64 + 6.0
}

/// Which reps get their number drawn: each one whose label would not overlap the last
/// label drawn (on a long clip the bands are narrower than their numbers, and hundreds of
/// overlapping numbers read as nothing; every band keeps its tooltip).
fn rep_labels_shown(report: &Report, l: &Layout) -> Vec<bool> {
    let mut last_right = f64::NEG_INFINITY;
    report
        .reps
        .iter()
        .map(|r| {
            let x0 = l.x.at(r.start_s);
            let cx = (x0 + l.x.at(r.end_s).max(x0 + 1.0)) / 2.0;
            let chars = r.number.map_or(1, |k| k.to_string().len());
            let half = label_width(chars) / 2.0;
            let show = cx - half >= last_right;
            if show {
                last_right = cx + half;
            }
            show
        })
        .collect()
}

/// Reps layer: shaded rep regions, alternating; numbered when `label` (see
/// [`rep_labels_shown`]).
fn rep_bands(report: &Report, l: &Layout, top: f64, h: f64, class: &str, label: bool) -> Markup {
    let shown = if label {
        rep_labels_shown(report, l)
    } else {
        vec![false; report.reps.len()]
    };
    html! {
        g class={(class) "s"} {
            @for (i, r) in report.reps.iter().enumerate() {
                @let x0 = l.x.at(r.start_s);
                @let x1 = l.x.at(r.end_s).max(x0 + 1.0);
                @let (fill, op) = if !r.counted { ("#94a3b8", "0.08") } else if i % 2 == 0 { ("#64748b", "0.10") } else { ("#64748b", "0.20") };
                @let name = match r.number { Some(k) => format!("Rep {k}"), None => "Partial rep".into() };
                @let tip = format!("{name}: {:.2}–{:.2} s", r.start_s, r.end_s);
                @if r.counted {
                    rect class=(class) x=(n(x0)) y=(n(top)) width=(n(x1 - x0)) height=(n(h)) fill=(fill) fill-opacity=(op) { title { (tip) } }
                } @else {
                    // Partial reps: lighter, with a dashed outline.
                    rect class=(class) x=(n(x0)) y=(n(top)) width=(n(x1 - x0)) height=(n(h)) fill=(fill) fill-opacity=(op) stroke="#64748b" stroke-opacity="0.6" stroke-dasharray="4 3" { title { (tip) } }
                }
                @if shown[i] {
                    text x=(n((x0 + x1) / 2.0)) y=(n(top + 16.0)) class="rep-label" text-anchor="middle" font-weight="bold" {
                        (r.number.map(|k| k.to_string()).unwrap_or_else(|| "p".into()))
                    }
                }
            }
        }
    }
}

type Get = fn(&FrameKinematics) -> Option<f64>;

/// Series layer: raw dots (faint) under a filtered line, clipped to a panel.
fn dots(class: &str, colour: &str, d: &str) -> Markup {
    html! {
        @if !d.is_empty() {
            path class=(class) d=(d) stroke=(colour) stroke-opacity="0.3" stroke-width="3" stroke-linecap="round" fill="none" {}
        }
    }
}

fn line(class: &str, colour: &str, dash: Option<&str>, d: &str) -> Markup {
    html! {
        @if !d.is_empty() {
            path class=(class) d=(d) stroke=(colour) stroke-width="2" stroke-dasharray=[dash] stroke-linejoin="round" fill="none" {}
        }
    }
}

/// Series layer of the hip panel: raw 2D and 3D points, filtered 3D and 2D lines.
fn hip_series(analysis: &Analysis, l: &Layout) -> Markup {
    let f = &analysis.frames;
    let raw2: Get = |f| f.hip_flexion_2d_raw;
    let raw3: Get = |f| f.hip_flexion_3d_raw;
    html! {
        g class="series" clip-path="url(#clip-hip)" {
            (dots("raw raw-2d", C_2D, &dot_path(f, raw2, l.x, l.hy)))
            (dots("raw raw-3d", C_3D, &dot_path(f, raw3, l.x, l.hy)))
            (line("line hip-3d", C_3D, Some("6 3"), &line_path(f, |f| f.hip_flexion_3d, l.x, l.hy)))
            (line("line hip-2d", C_2D, None, &line_path(f, |f| f.hip_flexion_2d, l.x, l.hy)))
        }
    }
}

/// Interval layer: an error bar from peak − h to peak + h at each counted rep's peak.
fn peak_intervals(report: &Report, l: &Layout) -> Markup {
    let bars: Vec<(usize, f64, f64, f64)> = report
        .reps
        .iter()
        .filter(|r| r.counted)
        .filter_map(|r| {
            let (p, h, t) = (
                r.peak_hip_flexion_deg?,
                r.peak_hip_flexion_uncertainty_deg?,
                r.peak_hip_flexion_s?,
            );
            (p.is_finite() && h.is_finite()).then_some((r.number?, t, p, h))
        })
        .collect();
    html! {
        g class="intervals" clip-path="url(#clip-hip)" {
            @for (k, t, p, h) in bars {
                // A peak at the clip's first or last frame keeps its bar inside the plot,
                // clear of the axis line.
                @let x = l.x.at(t).min(l.x.at(l.duration) - 6.0).max(l.x.at(0.0) + 6.0);
                @let (lo, hi) = (l.hy.at(p - h), l.hy.at(p + h));
                g class="interval" data-rep=(k) {
                    title { (format!("Rep {k}: peak {}", super::peak_with_interval(Some(p), Some(h)))) }
                    path d={"M" (n(x)) " " (n(lo)) "V" (n(hi)) "M" (n(x - 5.0)) " " (n(lo)) "h10M" (n(x - 5.0)) " " (n(hi)) "h10"} stroke=(C_AXIS) stroke-width="1.5" fill="none" {}
                    circle cx=(n(x)) cy=(n(l.hy.at(p))) r="3" fill=(C_AXIS) {}
                }
            }
        }
    }
}

/// Series layer of the knee panel.
fn knee_series(analysis: &Analysis, l: &Layout) -> Markup {
    let f = &analysis.frames;
    let raw: Get = if analysis.angle_source == "3d" {
        |f| f.knee_flexion_3d_raw
    } else {
        |f| f.knee_flexion_2d_raw
    };
    html! {
        g class="series" clip-path="url(#clip-knee)" {
            (dots("raw raw-knee", C_KNEE, &dot_path(f, raw, l.x, l.ky)))
            (line("line knee", C_KNEE, None, &line_path(f, |f| f.knee_flexion, l.x, l.ky)))
        }
    }
}

/// Time of a flag on the plot: its start, else its rep's peak (or bottom).
fn flag_time(report: &Report, f: &super::FlagOut) -> Option<f64> {
    f.start_s.filter(|t| t.is_finite()).or_else(|| {
        let r = report
            .reps
            .iter()
            .find(|r| r.number.is_some() && r.number == f.rep)?;
        Some(r.peak_hip_flexion_s.unwrap_or(r.bottom_s))
    })
}

/// Lanes flag markers stack into before they share the top one (on a long clip with
/// thousands of flags, unbounded stacking ran far above the plot).
const FLAG_LANES: usize = 4;

/// Flags layer: a triangle at each flag's time, numbered as in the report's flag list;
/// markers that would overlap are stacked upwards, up to [`FLAG_LANES`]. A marker that
/// finds no free lane is drawn in the top lane without its number (its tooltip and the
/// page's flag list still name it).
fn flag_markers(report: &Report, l: &Layout) -> Markup {
    let mut placed: Vec<(f64, usize)> = Vec::new();
    let mut marks = Vec::new();
    for (i, f) in report.flags.iter().enumerate() {
        let Some(t) = flag_time(report, f) else {
            continue;
        };
        let px = l.x.at(t.clamp(0.0, l.duration)).max(LEFT + 7.0);
        let free =
            (0..FLAG_LANES).find(|k| !placed.iter().any(|(q, m)| m == k && (q - px).abs() < 26.0));
        let lane = free.unwrap_or(FLAG_LANES - 1);
        if free.is_some() {
            placed.push((px, lane));
        }
        let base = HIP_TOP + HIP_H - 3.0 - lane as f64 * 16.0;
        marks.push((i, f, px, base, free.is_some()));
    }
    html! {
        g class="flags" {
            @for (i, f, px, base, numbered) in marks {
                @let colour = severity_colour(&f.severity);
                g class={"flag flag-" (f.severity)} data-flag=(i + 1) {
                    title { (format!("Flag {}: {}", i + 1, f.message)) }
                    path d={"M" (n(px)) " " (n(base - 12.0)) "l-7 12h14z"} fill=(colour) stroke="#ffffff" stroke-width="1" {}
                    @if numbered {
                        text x=(n(px + 8.0)) y=(n(base - 1.0)) font-size="11" font-weight="bold" fill=(colour) { (i + 1) }
                    }
                }
            }
        }
    }
}

/// Panel (a): hip flexion with the zones, reps, cap, series and flags.
fn hip_panel(report: &Report, analysis: &Analysis, l: &Layout) -> Markup {
    html! {
        g class="panel hip-panel" {
            (clip_path("clip-hip", HIP_TOP, HIP_H))
            (zone_fills(l))
            (value_axis(l.hy, l.hstep, HIP_AXIS, HIP_TOP, HIP_H))
            (time_grid(l, HIP_TOP, HIP_H))
            (rep_bands(report, l, HIP_TOP, HIP_H, "rep-band", true))
            (cap_line(report, l))
            (hip_series(analysis, l))
            (peak_intervals(report, l))
            (flag_markers(report, l))
            (frame_rect(HIP_TOP, HIP_H))
        }
    }
}

/// Panel (b): knee flexion.
fn knee_panel(report: &Report, analysis: &Analysis, l: &Layout) -> Markup {
    html! {
        g class="panel knee-panel" {
            (clip_path("clip-knee", KNEE_TOP, KNEE_H))
            (value_axis(l.ky, l.kstep, KNEE_AXIS, KNEE_TOP, KNEE_H))
            (time_grid(l, KNEE_TOP, KNEE_H))
            (rep_bands(report, l, KNEE_TOP, KNEE_H, "rep-band-knee", false))
            (knee_series(analysis, l))
            (frame_rect(KNEE_TOP, KNEE_H))
        }
    }
}

/// Draws the plot; see the module docs.
pub fn hip_flexion_svg(report: &Report, analysis: &Analysis) -> String {
    let l = Layout::new(report, analysis);
    let p = &report.protocol;
    let title = format!(
        "{TITLE}: {} over {:.1} s, phase {} ({})",
        report.exercise.exercise, l.duration, p.phase, p.phase_name
    );
    let svg = html! {
        svg xmlns="http://www.w3.org/2000/svg" class="hipflex-plot" viewBox={"0 0 " (W) " " (H)} width=(W) height=(H) role="img" aria-labelledby="plot-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" font-size="13"
            data-t1=(format!("{:.3}", l.duration)) data-x0=(n(LEFT)) data-x1=(n(W - RIGHT)) data-y0=(n(HIP_TOP)) data-y1=(n(KNEE_TOP + KNEE_H)) {
            title id="plot-title" { (title) }
            rect class="background" x="0" y="0" width=(W) height=(H) fill="#ffffff" {}
            (titles(report, &l))
            (legend(report, l.cap.is_some()))
            (hip_panel(report, analysis, &l))
            (knee_panel(report, analysis, &l))
            (time_axis(&l))
        }
    };
    format!("{}\n", svg.into_string())
}

/// A legend symbol: a line sample, optionally dashed.
fn line_symbol(colour: &str, dash: Option<&str>) -> Markup {
    html! { line x1="0" x2="22" y1="0" y2="0" stroke=(colour) stroke-width="2" stroke-dasharray=[dash] {} }
}

/// A legend symbol: a filled box.
fn box_symbol(colour: &str, opacity: &str) -> Markup {
    html! { rect x="0" y="-6" width="22" height="12" fill=(colour) fill-opacity=(opacity) {} }
}

/// Legend layer, in rows under the title.
fn legend(report: &Report, has_cap: bool) -> Markup {
    let primary = |src: &str| {
        if report.angle_source == src {
            " (primary)"
        } else {
            ""
        }
    };
    let mut items: Vec<(Markup, String)> = vec![
        (
            line_symbol(C_2D, None),
            format!("hip 2D, filtered{}", primary("2d")),
        ),
        (
            line_symbol(C_3D, Some("6 3")),
            format!("hip 3D, filtered{}", primary("3d")),
        ),
        (
            html! { path d="M4 0h0M11 0h0M18 0h0" stroke=(C_2D) stroke-opacity="0.4" stroke-width="3" stroke-linecap="round" {} },
            "raw".into(),
        ),
        (line_symbol(C_KNEE, None), "knee".into()),
        (
            html! { path d="M11 -7V7M6 -7h10M6 7h10" stroke=(C_AXIS) stroke-width="1.5" fill="none" {} },
            "rep peak ± interval".into(),
        ),
    ];
    if has_cap {
        items.push((line_symbol(C_CAP, Some("8 4")), "phase cap".into()));
        items.push((box_symbol(C_AMBER, "0.35"), "amber band".into()));
        items.push((box_symbol(C_RED, "0.2"), "above the band".into()));
    }
    items.push((box_symbol("#64748b", "0.2"), "rep (p = partial)".into()));
    items.push((
        html! { path d="M11 -6l-7 12h14z" fill=(C_RED) {} },
        "flag (number as in the list)".into(),
    ));
    // Flow layout with an estimate of the text width (no fonts are loaded).
    let (mut gx, mut gy) = (LEFT, 50.0);
    let mut placed = Vec::new();
    for (sym, label) in items {
        let w = 28.0 + label.chars().count() as f64 * 7.0 + 22.0;
        if gx + w > W - RIGHT && gx > LEFT {
            gx = LEFT;
            gy += 20.0;
        }
        placed.push((gx, gy, sym, label));
        gx += w;
    }
    html! {
        g class="legend" {
            @for (x, y, sym, label) in placed {
                g class="legend-item" transform={"translate(" (n(x)) " " (n(y)) ")"} {
                    (sym)
                    text x="28" y="4" { (label) }
                }
            }
        }
    }
}

/// The SVG without its tooltips (the `<title>`s of rep bands, intervals and flags, which
/// draw nothing): a long clip's plot has thousands, and the rasteriser need not hold them.
fn without_tooltips(svg: &str) -> std::borrow::Cow<'_, str> {
    const OPEN: &str = "<title>";
    const CLOSE: &str = "</title>";
    if !svg.contains(OPEN) {
        return std::borrow::Cow::Borrowed(svg);
    }
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(OPEN) {
        let Some(j) = rest[i..].find(CLOSE) else {
            break;
        };
        out.push_str(&rest[..i]);
        rest = &rest[i + j + CLOSE.len()..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Renders the plot's SVG to a PNG at `scale` times its size (fonts from the system;
/// any sans-serif will do, e.g. Debian's `fonts-dejavu-core`).
pub fn svg_to_png(svg: &str, scale: f32) -> crate::error::Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let err = |e: String| crate::error::Error::Other(format!("could not draw the plot PNG: {e}"));
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    // CSS names like `system-ui` mean nothing here: map sans-serif to a font that is there.
    let have = |name: &str| {
        db.faces()
            .any(|f| f.families.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
    };
    if let Some(family) = [
        "DejaVu Sans",
        "Liberation Sans",
        "Noto Sans",
        "Arial",
        "Helvetica",
    ]
    .into_iter()
    .find(|f| have(f))
    {
        db.set_sans_serif_family(family);
        opt.font_family = family.to_string();
    }
    if opt.fontdb.is_empty() {
        return Err(err(
            "no fonts are installed (install fonts-dejavu-core)".into()
        ));
    }
    let tree =
        usvg::Tree::from_str(&without_tooltips(svg), &opt).map_err(|e| err(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| err("empty plot".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| err("the plot is too large".into()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(10.0, 10.0), 1.0);
        assert_eq!(nice_step(33.0, 10.0), 5.0);
        assert_eq!(nice_step(90.0, 6.0), 20.0);
        assert_eq!(nice_step(4.0, 10.0), 0.5);
        assert_eq!(nice_step(0.0, 10.0), 1.0);
    }

    #[test]
    fn axis_range_covers_data() {
        let (lo, hi, step) = axis_range(-3.0, 87.0, 6.0);
        assert!(lo <= -3.0 && hi >= 87.0);
        assert_eq!(step, 20.0);
        assert_eq!((lo, hi), (-20.0, 100.0));
    }

    #[test]
    fn tooltips_go_and_everything_else_stays() {
        let svg = r#"<svg><title id="plot-title">Plot</title><g><title>Rep 1: 0–2 s</title><rect/></g><title>x</title></svg>"#;
        assert_eq!(
            without_tooltips(svg),
            r#"<svg><title id="plot-title">Plot</title><g><rect/></g></svg>"#
        );
        assert_eq!(without_tooltips("<svg/>"), "<svg/>");
    }

    #[test]
    fn thinning_keeps_sparse_series_and_each_columns_extremes() {
        let sparse: Vec<(f64, f64)> = (0..50).map(|i| (i as f64, (i % 7) as f64)).collect();
        assert_eq!(thinned(&sparse), sparse);
        // 100 points in one half-pixel column: first, lowest, highest, last, in order.
        let dense: Vec<(f64, f64)> = (0..100)
            .map(|i| (10.0 + i as f64 * 0.004, ((i * 37) % 101) as f64))
            .collect();
        let lo = dense.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        let hi = dense.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let t = thinned(&dense);
        assert!(t.len() <= 4, "{t:?}");
        assert_eq!(t.first(), dense.first());
        assert_eq!(t.last(), dense.last());
        assert!(t.iter().any(|p| p.1 == lo) && t.iter().any(|p| p.1 == hi));
        assert!(t.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    #[test]
    fn numbers_are_stable() {
        assert_eq!(n(-0.01), "0.0");
        assert_eq!(n(12.345), "12.3");
    }
}
