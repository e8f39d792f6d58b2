//! Small SVG charts for the progress page and the batch index's sparklines, built as
//! maud markup (escaped by default). x is calendar days, y the measure.

use maud::{Markup, html};

pub const RED: &str = "#c62828";
pub const AMBER: &str = "#e08a00";
pub const GREEN: &str = "#2e7d32";
pub const INK: &str = "#333";
pub const GRID: &str = "#ddd";

pub fn severity_colour(s: &str) -> &'static str {
    match s {
        "red" => RED,
        "amber" => AMBER,
        _ => GREEN,
    }
}

/// Plot area and scales of one chart.
pub struct Frame {
    pub w: f64,
    pub h: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    /// A chart `w` x `h` (viewBox units) over days `x0..x1` and values `y0..y1`.
    pub fn new(w: f64, h: f64, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> Frame {
        let pad = ((x1 - x0) * 0.04).max(0.6);
        let (y0, y1) = if (y1 - y0).abs() < 1e-9 {
            (y0 - 1.0, y1 + 1.0)
        } else {
            (y0, y1)
        };
        Frame {
            w,
            h,
            left: 44.0,
            right: 10.0,
            top: 10.0,
            bottom: 26.0,
            x0: x0 - pad,
            x1: x1 + pad,
            y0,
            y1,
        }
    }

    pub fn x(&self, d: f64) -> f64 {
        self.left + (d - self.x0) / (self.x1 - self.x0) * (self.w - self.left - self.right)
    }

    pub fn y(&self, v: f64) -> f64 {
        let v = v.clamp(self.y0, self.y1);
        self.h
            - self.bottom
            - (v - self.y0) / (self.y1 - self.y0) * (self.h - self.top - self.bottom)
    }

    pub fn right_edge(&self) -> f64 {
        self.x1
    }

    /// Horizontal grid lines with value labels every `step`, and the date labels.
    pub fn axes(&self, step: f64, unit: &str, dates: &[(f64, String)]) -> Markup {
        let first = (self.y0 / step).ceil() as i64;
        let last = (self.y1 / step).floor() as i64;
        let every = (dates.len() / 6).max(1);
        html! {
            @for k in first..=last {
                @let v = k as f64 * step;
                line x1=(fmt(self.left)) x2=(fmt(self.w - self.right)) y1=(fmt(self.y(v))) y2=(fmt(self.y(v))) stroke=(GRID) stroke-width="1" {}
                text x=(fmt(self.left - 4.0)) y=(fmt(self.y(v) + 4.0)) text-anchor="end" font-size="11" fill=(INK) { (format!("{v:.0}{unit}")) }
            }
            @for (i, (d, label)) in dates.iter().enumerate() {
                @if i % every == 0 || i + 1 == dates.len() {
                    text x=(fmt(self.x(*d))) y=(fmt(self.h - 8.0)) text-anchor="middle" font-size="11" fill=(INK) { (label) }
                }
            }
            line x1=(fmt(self.left)) x2=(fmt(self.left)) y1=(fmt(self.top)) y2=(fmt(self.h - self.bottom)) stroke=(INK) stroke-width="1" {}
        }
    }

    /// A limit that changes between sessions: a step line through `(day, value)` (a
    /// session without the limit breaks the line), and when `band` is given, the band
    /// from the limit to limit + band shaded amber.
    pub fn steps(
        &self,
        points: &[(f64, Option<f64>, Option<f64>)],
        colour: &str,
        dashed: bool,
    ) -> Markup {
        let mut segs = Vec::new();
        for (i, &(d, v, band)) in points.iter().enumerate() {
            let end = points.get(i + 1).map(|p| p.0).unwrap_or(self.right_edge());
            if let Some(v) = v {
                segs.push((d, end, v, band));
            }
        }
        html! {
            @for (a, b, v, band) in &segs {
                @if let Some(bw) = band.filter(|b| *b > 0.0) {
                    rect x=(fmt(self.x(*a))) y=(fmt(self.y(v + bw))) width=(fmt(self.x(*b) - self.x(*a))) height=(fmt(self.y(*v) - self.y(v + bw))) fill=(AMBER) fill-opacity="0.18" {}
                }
            }
            @for (i, (a, b, v, _)) in segs.iter().enumerate() {
                line x1=(fmt(self.x(*a))) x2=(fmt(self.x(*b))) y1=(fmt(self.y(*v))) y2=(fmt(self.y(*v))) stroke=(colour) stroke-width="2" stroke-dasharray=(if dashed { "5 3" } else { "none" }) {}
                @if let Some((_, _, next, _)) = segs.get(i + 1).filter(|n| (n.0 - b).abs() < 1e-9) {
                    line x1=(fmt(self.x(*b))) x2=(fmt(self.x(*b))) y1=(fmt(self.y(*v))) y2=(fmt(self.y(*next))) stroke=(colour) stroke-width="2" stroke-dasharray=(if dashed { "5 3" } else { "none" }) {}
                }
            }
        }
    }

    pub fn dot(&self, d: f64, v: f64, colour: &str, title: &str) -> Markup {
        html! {
            circle cx=(fmt(self.x(d))) cy=(fmt(self.y(v))) r="3.5" fill=(colour) fill-opacity="0.85" {
                title { (title) }
            }
        }
    }

    /// A bar from `base` to `top` at day `d`.
    pub fn bar(
        &self,
        d: f64,
        base: f64,
        top: f64,
        width: f64,
        colour: &str,
        title: &str,
    ) -> Markup {
        html! {
            rect x=(fmt(self.x(d) - width / 2.0)) y=(fmt(self.y(top))) width=(fmt(width)) height=(fmt((self.y(base) - self.y(top)).max(0.0))) fill=(colour) {
                title { (title) }
            }
        }
    }

    pub fn polyline(&self, pts: &[(f64, f64)], colour: &str) -> Markup {
        let p: Vec<String> = pts
            .iter()
            .map(|&(d, v)| format!("{},{}", fmt(self.x(d)), fmt(self.y(v))))
            .collect();
        html! {
            polyline points=(p.join(" ")) fill="none" stroke=(colour) stroke-width="1.5" {}
        }
    }

    /// The `<svg>` around `body`, scaling to its container's width.
    pub fn svg(&self, label: &str, body: Markup) -> Markup {
        html! {
            svg viewBox=(format!("0 0 {} {}", fmt(self.w), fmt(self.h))) role="img" aria-label=(label) preserveAspectRatio="xMidYMid meet" {
                (body)
            }
        }
    }
}

pub fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// One session's point of a sparkline.
#[derive(Clone, Debug, PartialEq)]
pub struct SparkPoint {
    pub day: f64,
    pub peak: Option<f64>,
    pub cap: Option<f64>,
    pub severity: String,
}

/// A 120 x 32 sparkline of the peak against the cap (step line) over sessions.
pub fn sparkline(points: &[SparkPoint]) -> Markup {
    let (lo, hi) = points
        .iter()
        .flat_map(|p| [p.peak, p.cap])
        .flatten()
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return html! {};
    }
    let d0 = points.first().map(|p| p.day).unwrap_or(0.0);
    let d1 = points.last().map(|p| p.day).unwrap_or(1.0);
    let mut f = Frame::new(120.0, 32.0, (d0, d1.max(d0 + 1.0)), (lo - 5.0, hi + 5.0));
    (f.left, f.right, f.top, f.bottom) = (3.0, 3.0, 3.0, 3.0);
    let caps: Vec<(f64, Option<f64>, Option<f64>)> =
        points.iter().map(|p| (p.day, p.cap, None)).collect();
    let line: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.peak.map(|v| (p.day, v)))
        .collect();
    f.svg(
        "peak hip flexion per session against the cap",
        html! {
            (f.steps(&caps, "#888", true))
            (f.polyline(&line, INK))
            @for p in points {
                @if let Some(v) = p.peak {
                    circle cx=(fmt(f.x(p.day))) cy=(fmt(f.y(v))) r="2.5" fill=(severity_colour(&p.severity)) {}
                }
            }
        },
    )
}
