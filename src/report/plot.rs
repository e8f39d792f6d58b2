//! The hip-flexion plot as a self-contained SVG: hip flexion over time (filtered 2D
//! and 3D lines, raw values as faint points, the phase cap with its amber band, reps
//! shaded and numbered, flags marked) above knee flexion over time, sharing the time
//! axis. Hand-written SVG: no fonts to load, and the output is deterministic (same
//! report in, same bytes out), so it can be tested by its structure.

use std::fmt::Write as _;

use super::Report;
use super::html::escape;
use crate::exercise::{Analysis, FrameKinematics};

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

/// `M`/`L` path through the present values, broken at gaps.
fn line_path(
    frames: &[FrameKinematics],
    get: fn(&FrameKinematics) -> Option<f64>,
    x: Scale,
    y: Scale,
) -> String {
    let mut d = String::new();
    let mut pen = false;
    for f in frames {
        match get(f).filter(|v| v.is_finite()) {
            Some(v) => {
                let _ = write!(
                    d,
                    "{}{} {}",
                    if pen { "L" } else { "M" },
                    n(x.at(f.t)),
                    n(y.at(v))
                );
                pen = true;
            }
            None => pen = false,
        }
    }
    d
}

/// Dots (zero-length round-capped segments) at the present values.
fn dot_path(
    frames: &[FrameKinematics],
    get: fn(&FrameKinematics) -> Option<f64>,
    x: Scale,
    y: Scale,
) -> String {
    let mut d = String::new();
    for f in frames {
        if let Some(v) = get(f).filter(|v| v.is_finite()) {
            let _ = write!(d, "M{} {}h0", n(x.at(f.t)), n(y.at(v)));
        }
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

fn text(s: &mut String, x: f64, y: f64, attrs: &str, body: &str) {
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" {attrs}>{}</text>"#,
        n(x),
        n(y),
        escape(body)
    );
}

/// Grid lines, tick labels and the axis title of one value axis.
fn value_axis(s: &mut String, y: Scale, step: f64, title: &str, top: f64, h: f64) {
    let _ = writeln!(s, r#"<g class="axis value-axis">"#);
    let mut v = y.d0;
    let mut guard = 0;
    while v <= y.d1 + step * 1e-6 && guard < 100 {
        let py = y.at(v);
        let _ = writeln!(
            s,
            r#"<line class="grid" x1="{}" x2="{}" y1="{p}" y2="{p}" stroke="{C_GRID}"/>"#,
            n(LEFT),
            n(W - RIGHT),
            p = n(py)
        );
        text(
            s,
            LEFT - 6.0,
            py + 4.0,
            r#"class="tick" text-anchor="end""#,
            &format!("{v:.0}"),
        );
        v += step;
        guard += 1;
    }
    let cy = top + h / 2.0;
    text(
        s,
        18.0,
        cy,
        &format!(
            r#"class="axis-title" text-anchor="middle" transform="rotate(-90 18 {})""#,
            n(cy)
        ),
        title,
    );
    let _ = writeln!(s, "</g>");
}

/// Vertical time grid lines for one panel (labels are drawn once, under the last panel).
fn time_grid(s: &mut String, x: Scale, step: f64, top: f64, h: f64) {
    let mut t = 0.0;
    let mut guard = 0;
    while t <= x.d1 + step * 1e-6 && guard < 200 {
        let px = n(x.at(t));
        let _ = writeln!(
            s,
            r#"<line class="grid" x1="{px}" x2="{px}" y1="{}" y2="{}" stroke="{C_GRID}"/>"#,
            n(top),
            n(top + h)
        );
        t += step;
        guard += 1;
    }
}

/// Shaded rep regions, alternating; numbered when `label`.
fn rep_bands(
    s: &mut String,
    report: &Report,
    x: Scale,
    top: f64,
    h: f64,
    class: &str,
    label: bool,
) {
    let _ = writeln!(s, r#"<g class="{class}s">"#);
    for (i, r) in report.reps.iter().enumerate() {
        let x0 = x.at(r.start_s);
        let x1 = x.at(r.end_s).max(x0 + 1.0);
        // Partial reps: lighter, with a dashed outline.
        let (fill, op, outline) = if !r.counted {
            (
                "#94a3b8",
                "0.08",
                r##" stroke="#64748b" stroke-opacity="0.6" stroke-dasharray="4 3""##,
            )
        } else if i % 2 == 0 {
            ("#64748b", "0.10", "")
        } else {
            ("#64748b", "0.20", "")
        };
        let name = match r.number {
            Some(k) => format!("Rep {k}"),
            None => "Partial rep".into(),
        };
        let _ = writeln!(
            s,
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}" fill="{fill}" fill-opacity="{op}"{outline}><title>{}: {:.2}–{:.2} s</title></rect>"#,
            n(x0),
            n(top),
            n(x1 - x0),
            n(h),
            escape(&name),
            r.start_s,
            r.end_s
        );
        if label {
            let lab = r
                .number
                .map(|k| k.to_string())
                .unwrap_or_else(|| "p".into());
            text(
                s,
                (x0 + x1) / 2.0,
                top + 16.0,
                r#"class="rep-label" text-anchor="middle" font-weight="bold""#,
                &lab,
            );
        }
    }
    let _ = writeln!(s, "</g>");
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

/// Draws the plot; see the module docs.
pub fn hip_flexion_svg(report: &Report, analysis: &Analysis) -> String {
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
    let t_step = nice_step(duration, 10.0);

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
    let hy = Scale {
        d0: hlo,
        d1: hhi,
        p0: HIP_TOP + HIP_H,
        p1: HIP_TOP,
    };
    let knee_vals = frames.iter().flat_map(|f| f.knee_flexion);
    let (klo, khi) = range(knee_vals.chain([0.0, 30.0])).unwrap_or((0.0, 90.0));
    let (klo, khi, kstep) = axis_range(klo.max(-30.0), khi.min(200.0), 4.0);
    let ky = Scale {
        d0: klo,
        d1: khi,
        p0: KNEE_TOP + KNEE_H,
        p1: KNEE_TOP,
    };

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="hipflex-plot" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-labelledby="plot-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        s,
        r#"<title id="plot-title">{}</title>"#,
        escape(&format!(
            "{TITLE}: {} over {:.1} s, phase {} ({})",
            report.exercise.exercise, duration, report.protocol.phase, report.protocol.phase_name
        ))
    );
    let _ = writeln!(
        s,
        r##"<rect class="background" x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>"##
    );
    text(
        &mut s,
        LEFT,
        26.0,
        r#"class="plot-title" font-size="18" font-weight="bold""#,
        TITLE,
    );
    let sub = match cap {
        Some(c) => format!(
            "{}, phase {} ({}): cap {c:.0}°, amber to {:.0}°",
            report.exercise.exercise,
            report.protocol.phase,
            report.protocol.phase_name,
            c + band
        ),
        None => format!(
            "{}, phase {} ({}): no angle cap (report only)",
            report.exercise.exercise, report.protocol.phase, report.protocol.phase_name
        ),
    };
    text(
        &mut s,
        W - RIGHT,
        26.0,
        r##"class="plot-subtitle" text-anchor="end" fill="#475569""##,
        &sub,
    );
    legend(&mut s, report, cap.is_some());

    // Panel (a): hip flexion.
    let _ = writeln!(s, r#"<g class="panel hip-panel">"#);
    let _ = writeln!(
        s,
        r#"<clipPath id="clip-hip"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath>"#,
        n(LEFT),
        n(HIP_TOP),
        n(W - RIGHT - LEFT),
        n(HIP_H)
    );
    if let Some(c) = cap {
        let yc = hy.at(c).clamp(HIP_TOP, HIP_TOP + HIP_H);
        let ya = hy.at(c + band).clamp(HIP_TOP, HIP_TOP + HIP_H);
        if band > 0.0 {
            let _ = writeln!(
                s,
                r#"<rect class="amber-band" x="{}" y="{}" width="{}" height="{}" fill="{C_AMBER}" fill-opacity="0.22"><title>{}</title></rect>"#,
                n(LEFT),
                n(ya),
                n(W - RIGHT - LEFT),
                n(yc - ya),
                escape(&format!(
                    "Amber band: {c:.0}–{:.0}° (within measurement error of the cap)",
                    c + band
                ))
            );
        }
        let _ = writeln!(
            s,
            r#"<rect class="red-zone" x="{}" y="{}" width="{}" height="{}" fill="{C_RED}" fill-opacity="0.08"><title>{}</title></rect>"#,
            n(LEFT),
            n(HIP_TOP),
            n(W - RIGHT - LEFT),
            n(ya - HIP_TOP),
            escape(&format!("Red: above {:.0}°", c + band))
        );
    }
    value_axis(&mut s, hy, hstep, HIP_AXIS, HIP_TOP, HIP_H);
    time_grid(&mut s, x, t_step, HIP_TOP, HIP_H);
    rep_bands(&mut s, report, x, HIP_TOP, HIP_H, "rep-band", true);
    if let Some(c) = cap {
        let yc = hy.at(c);
        let _ = writeln!(
            s,
            r#"<line class="cap-line" x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{C_CAP}" stroke-width="2" stroke-dasharray="8 4"><title>{}</title></line>"#,
            n(LEFT),
            n(W - RIGHT),
            escape(&format!("Phase {} cap {c:.0}°", report.protocol.phase)),
            y = n(yc)
        );
        text(
            &mut s,
            W - RIGHT - 4.0,
            yc + 15.0,
            &format!(r#"class="cap-label" text-anchor="end" fill="{C_CAP}" font-weight="bold""#),
            &format!("cap {c:.0}°"),
        );
    }
    let _ = writeln!(s, r#"<g class="series" clip-path="url(#clip-hip)">"#);
    for (class, colour, get) in [
        (
            "raw raw-2d",
            C_2D,
            (|f: &FrameKinematics| f.hip_flexion_2d_raw) as fn(&FrameKinematics) -> Option<f64>,
        ),
        ("raw raw-3d", C_3D, |f| f.hip_flexion_3d_raw),
    ] {
        let d = dot_path(frames, get, x, hy);
        if !d.is_empty() {
            let _ = writeln!(
                s,
                r#"<path class="{class}" d="{d}" stroke="{colour}" stroke-opacity="0.3" stroke-width="3" stroke-linecap="round" fill="none"/>"#
            );
        }
    }
    for (class, colour, dash, get) in [
        (
            "line hip-3d",
            C_3D,
            r#" stroke-dasharray="6 3""#,
            (|f: &FrameKinematics| f.hip_flexion_3d) as fn(&FrameKinematics) -> Option<f64>,
        ),
        ("line hip-2d", C_2D, "", |f| f.hip_flexion_2d),
    ] {
        let d = line_path(frames, get, x, hy);
        if !d.is_empty() {
            let _ = writeln!(
                s,
                r#"<path class="{class}" d="{d}" stroke="{colour}" stroke-width="2"{dash} stroke-linejoin="round" fill="none"/>"#
            );
        }
    }
    let _ = writeln!(s, "</g>");
    // Flags: a triangle at the flag's time, numbered as in the report's flag list;
    // markers that would overlap are stacked upwards.
    let _ = writeln!(s, r#"<g class="flags">"#);
    let mut placed: Vec<(f64, usize)> = Vec::new();
    for (i, f) in report.flags.iter().enumerate() {
        let Some(t) = flag_time(report, f) else {
            continue;
        };
        let colour = severity_colour(&f.severity);
        let px = x.at(t.clamp(0.0, duration)).max(LEFT + 7.0);
        let lane = (0..)
            .find(|l| !placed.iter().any(|(q, m)| m == l && (q - px).abs() < 26.0))
            .unwrap_or(0);
        placed.push((px, lane));
        let base = HIP_TOP + HIP_H - 3.0 - lane as f64 * 16.0;
        let _ = writeln!(
            s,
            r##"<g class="flag flag-{}" data-flag="{}"><title>{}</title><path d="M{} {}l-7 12h14z" fill="{colour}" stroke="#ffffff" stroke-width="1"/><text x="{}" y="{}" font-size="11" font-weight="bold" fill="{colour}">{}</text></g>"##,
            escape(&f.severity),
            i + 1,
            escape(&format!("Flag {}: {}", i + 1, f.message)),
            n(px),
            n(base - 12.0),
            n(px + 8.0),
            n(base - 1.0),
            i + 1
        );
    }
    let _ = writeln!(s, "</g>");
    frame_rect(&mut s, HIP_TOP, HIP_H);
    let _ = writeln!(s, "</g>");

    // Panel (b): knee flexion.
    let _ = writeln!(s, r#"<g class="panel knee-panel">"#);
    let _ = writeln!(
        s,
        r#"<clipPath id="clip-knee"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath>"#,
        n(LEFT),
        n(KNEE_TOP),
        n(W - RIGHT - LEFT),
        n(KNEE_H)
    );
    value_axis(&mut s, ky, kstep, KNEE_AXIS, KNEE_TOP, KNEE_H);
    time_grid(&mut s, x, t_step, KNEE_TOP, KNEE_H);
    rep_bands(&mut s, report, x, KNEE_TOP, KNEE_H, "rep-band-knee", false);
    let _ = writeln!(s, r#"<g class="series" clip-path="url(#clip-knee)">"#);
    let raw: fn(&FrameKinematics) -> Option<f64> = if analysis.angle_source == "3d" {
        |f| f.knee_flexion_3d_raw
    } else {
        |f| f.knee_flexion_2d_raw
    };
    let d = dot_path(frames, raw, x, ky);
    if !d.is_empty() {
        let _ = writeln!(
            s,
            r#"<path class="raw raw-knee" d="{d}" stroke="{C_KNEE}" stroke-opacity="0.3" stroke-width="3" stroke-linecap="round" fill="none"/>"#
        );
    }
    let d = line_path(frames, |f| f.knee_flexion, x, ky);
    if !d.is_empty() {
        let _ = writeln!(
            s,
            r#"<path class="line knee" d="{d}" stroke="{C_KNEE}" stroke-width="2" stroke-linejoin="round" fill="none"/>"#
        );
    }
    let _ = writeln!(s, "</g>");
    frame_rect(&mut s, KNEE_TOP, KNEE_H);
    let _ = writeln!(s, "</g>");

    // Shared time axis under the knee panel.
    let _ = writeln!(s, r#"<g class="axis time-axis">"#);
    let mut t = 0.0;
    let mut guard = 0;
    let decimals = if t_step < 1.0 { 1 } else { 0 };
    while t <= duration + t_step * 1e-6 && guard < 200 {
        text(
            &mut s,
            x.at(t),
            KNEE_TOP + KNEE_H + 18.0,
            r#"class="tick" text-anchor="middle""#,
            &format!("{t:.decimals$}"),
        );
        t += t_step;
        guard += 1;
    }
    text(
        &mut s,
        (LEFT + W - RIGHT) / 2.0,
        KNEE_TOP + KNEE_H + 44.0,
        r#"class="axis-title" text-anchor="middle""#,
        TIME_AXIS,
    );
    let _ = writeln!(s, "</g>");
    let _ = writeln!(s, "</svg>");
    s
}

fn frame_rect(s: &mut String, top: f64, h: f64) {
    let _ = writeln!(
        s,
        r#"<rect class="frame" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{C_AXIS}"/>"#,
        n(LEFT),
        n(top),
        n(W - RIGHT - LEFT),
        n(h)
    );
}

/// Legend in two rows under the title.
fn legend(s: &mut String, report: &Report, has_cap: bool) {
    let _ = writeln!(s, r#"<g class="legend">"#);
    let primary = |src: &str| {
        if report.angle_source == src {
            " (primary)"
        } else {
            ""
        }
    };
    let mut items: Vec<(String, String)> = vec![
        (
            format!(r#"<line x1="0" x2="22" y1="0" y2="0" stroke="{C_2D}" stroke-width="2"/>"#),
            format!("hip 2D, filtered{}", primary("2d")),
        ),
        (
            format!(
                r#"<line x1="0" x2="22" y1="0" y2="0" stroke="{C_3D}" stroke-width="2" stroke-dasharray="6 3"/>"#
            ),
            format!("hip 3D, filtered{}", primary("3d")),
        ),
        (
            format!(
                r#"<path d="M4 0h0M11 0h0M18 0h0" stroke="{C_2D}" stroke-opacity="0.4" stroke-width="3" stroke-linecap="round"/>"#
            ),
            "raw".into(),
        ),
        (
            format!(r#"<line x1="0" x2="22" y1="0" y2="0" stroke="{C_KNEE}" stroke-width="2"/>"#),
            "knee".into(),
        ),
    ];
    if has_cap {
        items.push((
            format!(
                r#"<line x1="0" x2="22" y1="0" y2="0" stroke="{C_CAP}" stroke-width="2" stroke-dasharray="8 4"/>"#
            ),
            "phase cap".into(),
        ));
        items.push((
            format!(
                r#"<rect x="0" y="-6" width="22" height="12" fill="{C_AMBER}" fill-opacity="0.35"/>"#
            ),
            "amber band".into(),
        ));
        items.push((
            format!(
                r#"<rect x="0" y="-6" width="22" height="12" fill="{C_RED}" fill-opacity="0.2"/>"#
            ),
            "above the band".into(),
        ));
    }
    items.push((
        r##"<rect x="0" y="-6" width="22" height="12" fill="#64748b" fill-opacity="0.2"/>"##.into(),
        "rep (p = partial)".into(),
    ));
    items.push((
        format!(r#"<path d="M11 -6l-7 12h14z" fill="{C_RED}"/>"#),
        "flag (number as in the list)".into(),
    ));
    // Flow layout with an estimate of the text width (no fonts are loaded).
    let (mut gx, mut gy) = (LEFT, 50.0);
    for (sym, label) in &items {
        let w = 28.0 + label.chars().count() as f64 * 7.0 + 22.0;
        if gx + w > W - RIGHT && gx > LEFT {
            gx = LEFT;
            gy += 20.0;
        }
        let _ = writeln!(
            s,
            r#"<g class="legend-item" transform="translate({} {})">{sym}<text x="28" y="4">{}</text></g>"#,
            n(gx),
            n(gy),
            escape(label)
        );
        gx += w;
    }
    let _ = writeln!(s, "</g>");
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
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| err(e.to_string()))?;
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
    fn numbers_are_stable() {
        assert_eq!(n(-0.01), "0.0");
        assert_eq!(n(12.345), "12.3");
    }
}
