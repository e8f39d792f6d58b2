//! What `hipflex analyze` writes: the versioned `report.json`, `reps.csv`,
//! `frames.csv`, the hip-flexion plot (`hip_flexion.svg`), the self-contained
//! `report.html` and the terminal summary. Every output is built from the plain
//! stage results (clip facts, [`Analysis`], protocol evaluation), never from video.

pub mod csv;
pub mod html;
pub mod overlay;
pub mod plot;
pub mod terminal;

use serde::{Deserialize, Serialize};

use crate::exercise::Classification;
use crate::exercise::{Analysis, Hold, Rep};
use crate::kinematics::ViewQuality;

/// Schema name and version of `report.json` (see `docs/report-schema.md`).
pub const SCHEMA: &str = "hipflex-report";
pub const SCHEMA_VERSION: u32 = 1;

/// The source video, for the outputs drawn on its frames (annotated video, keyframes).
#[derive(Clone, Copy)]
pub struct VideoSource<'a> {
    pub video: &'a std::path::Path,
    pub rotate: crate::video::RotateMode,
    /// Write `annotated.mp4` (the keyframes in the HTML report are drawn either way).
    pub annotated_video: bool,
    /// Leave faces unblurred in the pictures (`--show-faces`).
    pub show_faces: bool,
    /// Other people's faces found by the detector, to blur too.
    pub other_faces: Option<&'a crate::privacy::OtherFaces>,
    pub progress: &'a dyn crate::progress::Progress,
}

/// Fixed caveats every report carries.
pub const CAVEATS: [&str; 4] = [
    "Hip flexion here is the trunk–thigh angle (thigh against the hip-to-shoulder line). Pelvic tilt cannot be seen on video, so it is not the hip joint angle itself: a rounded back overstates it, an arched lower back understates it.",
    "Published error of 2D video angles against lab measurement is about 4-11° for the hip; treat differences of less than about 10° as within measurement error.",
    "Pain and load cannot be seen on video. hipflex never suggests advancing a rehab phase; that decision belongs to the patient and their clinician.",
    "Reliable numbers need a side-on camera at hip height, the whole body in frame, fitted clothing, and at least 30 frames per second.",
];

/// Facts about the analysed clip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipFacts {
    pub file: String,
    pub duration_s: f64,
    pub frames: usize,
    pub frames_with_person: usize,
    pub width: u32,
    pub height: u32,
    pub nominal_fps: f64,
    pub measured_fps: f64,
    pub variable_frame_rate: bool,
    pub rotation_applied_deg: u16,
    pub codec: String,
    /// Capture rate for slow-motion clips (from `--capture-fps` or metadata).
    pub capture_fps: Option<f64>,
    pub time_scale: f64,
    pub model: String,
    /// The second model size whose landmarks cross-checked each rep's peak
    /// (`--cross-check`); absent without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_check_model: Option<String>,
    /// How the analysed person was chosen, and how many people were seen.
    pub person: String,
    pub people_seen: Option<usize>,
}

/// One flag as reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagOut {
    pub code: String,
    /// green, amber or red.
    pub severity: String,
    pub rep: Option<usize>,
    pub start_s: Option<f64>,
    pub end_s: Option<f64>,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    pub unit: String,
    pub message: String,
    /// The measurement behind it is uncertain (poor view or low confidence).
    pub uncertain: bool,
}

/// A rep's tempo with how far its phase times may be off, as the terminal and the page
/// show it: `1.5-0.3-1.0-0.5 ±0.08 s`.
pub fn tempo_with_uncertainty(rep: &RepOut) -> String {
    match rep.phase_uncertainty_s {
        Some(u) if u.is_finite() => format!("{} ±{u:.2} s", rep.tempo),
        _ => rep.tempo.clone(),
    }
}

/// Per-rep metrics as reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepOut {
    /// 1-based among counted reps; `None` for partial reps.
    pub number: Option<usize>,
    pub counted: bool,
    pub start_s: f64,
    pub end_s: f64,
    pub bottom_s: f64,
    /// `eccentric-bottom pause-concentric-top pause` in seconds.
    pub tempo: String,
    pub eccentric_s: Option<f64>,
    pub bottom_pause_s: Option<f64>,
    pub concentric_s: Option<f64>,
    pub top_pause_s: Option<f64>,
    /// How far each phase time above may be off, seconds (see `docs/camera-views.md`,
    /// "Tempo from any camera"); `None` where the movement could not be fitted.
    #[serde(default)]
    pub phase_uncertainty_s: Option<f64>,
    pub range_of_motion_deg: f64,
    pub peak_hip_flexion_deg: Option<f64>,
    /// Half-width h of the interval `peak ± h` around the peak hip flexion, degrees (the
    /// true peak lies inside it for at least 90% of reps on the synthetic calibration; see
    /// `docs/camera-views.md`).
    #[serde(default)]
    pub peak_hip_flexion_uncertainty_deg: Option<f64>,
    pub peak_hip_flexion_s: Option<f64>,
    pub peak_hip_flexion_2d_deg: Option<f64>,
    pub peak_hip_flexion_3d_deg: Option<f64>,
    /// Largest hip flexion while loaded (what the phase cap is judged on); `None` when
    /// the rep has no loaded frames.
    #[serde(default)]
    pub peak_loaded_hip_flexion_deg: Option<f64>,
    /// The same peak measured on the landmarks of the second model size
    /// (`clip.cross_check_model`, `--cross-check`); absent without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_loaded_hip_flexion_cross_check_deg: Option<f64>,
    pub min_hip_flexion_deg: Option<f64>,
    pub peak_knee_flexion_deg: Option<f64>,
    pub min_knee_flexion_deg: Option<f64>,
    /// Loaded time above the phase cap, seconds (`None` when the phase has no cap).
    pub time_above_cap_s: Option<f64>,
    pub lowering_s: Option<f64>,
    pub break_point_knee_deg: Option<f64>,
    pub uncertain: bool,
    pub uncertain_reasons: Vec<String>,
    /// Codes of the flags raised on this rep.
    pub flags: Vec<String>,
    /// Worst severity of those flags (green when none).
    pub severity: String,
}

/// Isometric hold as reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldOut {
    pub start_s: f64,
    pub end_s: f64,
    pub duration_s: f64,
    pub position: String,
    pub loaded: bool,
    pub hip_mean_deg: Option<f64>,
    pub hip_drift_deg: Option<f64>,
    pub truncated: bool,
}

/// The protocol and phase the clip was judged against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProtocolUsed {
    pub name: String,
    pub version: String,
    pub source: String,
    pub phase: u8,
    pub phase_name: String,
    /// Loaded hip-flexion cap, degrees (`None`: report only).
    pub cap_deg: Option<f64>,
    /// Amber band above the cap, degrees.
    pub amber_band_deg: Option<f64>,
}

/// Set-level summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub reps_counted: usize,
    pub partial_reps: usize,
    pub holds: usize,
    pub peak_hip_flexion_deg: Option<f64>,
    /// Half-width of the interval of the rep that reached `peak_hip_flexion_deg` (none when
    /// a hold reached it), degrees.
    #[serde(default)]
    pub peak_hip_flexion_uncertainty_deg: Option<f64>,
    pub time_above_cap_s: Option<f64>,
    /// Median tempo over counted reps.
    pub typical_tempo: Option<String>,
    /// green, amber or red.
    pub worst_severity: String,
    pub flags_red: usize,
    pub flags_amber: usize,
    /// One sentence for a person.
    pub verdict: String,
}

/// `report.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The analysed video's sha256, when the video was at hand: for the history and the
    /// batch, not written to `report.json` (the landmarks header keeps it).
    #[serde(skip)]
    pub video_sha256: Option<String>,
    pub schema: String,
    pub schema_version: u32,
    pub tool: String,
    pub tool_version: String,
    pub clip: ClipFacts,
    pub view: ViewQuality,
    pub exercise: Classification,
    /// What the angles mean and where the primary hip angle comes from.
    pub angle_definition: String,
    /// `2d` or `3d`.
    pub angle_source: String,
    pub driving_signal: String,
    pub protocol: ProtocolUsed,
    pub summary: Summary,
    pub reps: Vec<RepOut>,
    pub holds: Vec<HoldOut>,
    pub flags: Vec<FlagOut>,
    pub caveats: Vec<String>,
    pub notes: Vec<String>,
    /// Whether the pictures of the person hipflex wrote (annotated video, keyframes,
    /// thumbnail) show faces (`--show-faces`); false when faces are blurred or no
    /// picture was written.
    #[serde(default)]
    pub faces_shown: bool,
    /// Whether hipflex wrote pictures of the person with this report (annotated video,
    /// keyframes, thumbnail): false for an analysis from a landmarks file.
    #[serde(default)]
    pub pictures_written: bool,
}

pub const ANGLE_DEFINITION: &str = "hip flexion = signed trunk–thigh angle: 0° with trunk and thigh in line, positive for flexion, negative for extension; knee flexion 0° = straight; trunk inclination from vertical";

/// Worst of two severities (green < amber < red).
pub fn worse(a: &str, b: &str) -> &'static str {
    let rank = |s: &str| match s {
        "red" => 2,
        "amber" => 1,
        _ => 0,
    };
    match rank(a).max(rank(b)) {
        2 => "red",
        1 => "amber",
        _ => "green",
    }
}

fn median(v: Vec<f64>) -> Option<f64> {
    let m = crate::signal::median(&v);
    m.is_finite().then_some(m)
}

/// `ecc-pause-con-pause` with `?` for phases the clip does not show.
fn tempo_text(r: &Rep) -> String {
    [
        r.eccentric_s,
        r.bottom_pause_s,
        r.concentric_s,
        r.top_pause_s,
    ]
    .iter()
    .map(|p| {
        p.map(|x| format!("{:.1}", x.max(0.0)))
            .unwrap_or_else(|| "?".into())
    })
    .collect::<Vec<_>>()
    .join("-")
}

/// Per-rep output from the analysis rep and the flags raised on it.
/// "48° ± 9°": a rep's peak with its interval ("48°" without one, "–" without a peak).
pub fn peak_with_interval(peak: Option<f64>, half: Option<f64>) -> String {
    match (
        peak.filter(|p| p.is_finite()),
        half.filter(|h| h.is_finite()),
    ) {
        (Some(p), Some(h)) => format!("{p:.0}° ± {h:.0}°"),
        (Some(p), None) => format!("{p:.0}°"),
        (None, _) => "–".into(),
    }
}

pub fn rep_out(r: &Rep, cap: Option<f64>, flags: &[FlagOut]) -> RepOut {
    let mine: Vec<&FlagOut> = flags
        .iter()
        .filter(|f| f.rep.is_some() && f.rep == r.number)
        .collect();
    let severity = mine.iter().fold("green", |acc, f| worse(acc, &f.severity));
    RepOut {
        number: r.number,
        counted: r.counted,
        start_s: r.start_s,
        end_s: r.end_s,
        bottom_s: r.bottom_s,
        tempo: tempo_text(r),
        eccentric_s: r.eccentric_s,
        bottom_pause_s: r.bottom_pause_s,
        concentric_s: r.concentric_s,
        top_pause_s: r.top_pause_s,
        phase_uncertainty_s: r.phase_uncertainty_s,
        range_of_motion_deg: r.range_of_motion_deg,
        peak_hip_flexion_deg: r.peak_hip_flexion_deg,
        peak_hip_flexion_uncertainty_deg: r.peak_hip_flexion_uncertainty_deg,
        peak_hip_flexion_s: r.peak_hip_flexion_s,
        peak_hip_flexion_2d_deg: r.peak_hip_flexion_2d_deg,
        peak_hip_flexion_3d_deg: r.peak_hip_flexion_3d_deg,
        peak_loaded_hip_flexion_deg: r.loaded_peak().map(|p| p.0),
        peak_loaded_hip_flexion_cross_check_deg: r.peak_loaded_hip_flexion_cross_check_deg,
        min_hip_flexion_deg: r.min_hip_flexion_deg,
        peak_knee_flexion_deg: r.peak_knee_flexion_deg,
        min_knee_flexion_deg: r.min_knee_flexion_deg,
        time_above_cap_s: cap.map(|c| r.time_above(c)),
        lowering_s: r.lowering_s,
        break_point_knee_deg: r.break_point_knee_deg,
        uncertain: r.uncertain,
        uncertain_reasons: r.uncertain_reasons.clone(),
        flags: mine.iter().map(|f| f.code.clone()).collect(),
        severity: severity.to_string(),
    }
}

fn hold_out(h: &Hold) -> HoldOut {
    HoldOut {
        start_s: h.start_s,
        end_s: h.end_s,
        duration_s: h.duration_s,
        position: format!("{:?}", h.position).to_lowercase(),
        loaded: h.loaded,
        hip_mean_deg: h.hip_mean_deg,
        hip_drift_deg: h.hip_drift_deg,
        truncated: h.truncated,
    }
}

/// Assembles the report.
pub fn build(
    clip: ClipFacts,
    analysis: &Analysis,
    protocol: ProtocolUsed,
    flags: Vec<FlagOut>,
    extra_notes: Vec<String>,
) -> Report {
    let cap = protocol.cap_deg;
    let reps: Vec<RepOut> = analysis
        .reps
        .iter()
        .map(|r| rep_out(r, cap, &flags))
        .collect();
    let counted: Vec<&Rep> = analysis.counted_reps().collect();
    let worst = flags.iter().fold("green", |acc, f| worse(acc, &f.severity));
    let flags_red = flags.iter().filter(|f| f.severity == "red").count();
    let flags_amber = flags.iter().filter(|f| f.severity == "amber").count();
    let (peak, peak_half) = analysis
        .reps
        .iter()
        .filter_map(|r| {
            r.loaded_peak()
                .map(|p| (p.0, r.peak_hip_flexion_uncertainty_deg))
        })
        .chain(analysis.holds.iter().filter(|h| h.loaded).filter_map(|h| {
            h.series
                .iter()
                .filter_map(|s| s.hip_flexion_deg)
                .max_by(f64::total_cmp)
                .map(|p| (p, None))
        }))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or((None, None), |(p, h)| (Some(p), h));
    // Holds inside a rep (pauses) are already counted with the rep.
    let in_rep = |t: f64| analysis.reps.iter().any(|r| t >= r.start_s && t <= r.end_s);
    let time_above = cap.map(|c| {
        // Counted reps only, like the protocol's time_under_compression flag. Folded from
        // +0.0: an empty float sum is -0.0, which the report would show as "-0.0 s".
        let reps = analysis
            .counted_reps()
            .map(|r| r.time_above(c))
            .fold(0.0, |a, b| a + b);
        let holds = analysis
            .holds
            .iter()
            .filter(|h| h.loaded && !in_rep((h.start_s + h.end_s) / 2.0))
            .map(|h| h.time_above(c))
            .fold(0.0, |a, b| a + b);
        reps + holds
    });
    let typical_tempo = (!counted.is_empty()).then(|| {
        let m = |f: fn(&Rep) -> f64| median(counted.iter().map(|r| f(r)).collect()).unwrap_or(0.0);
        crate::common::Tempo {
            eccentric_s: m(|r| r.tempo.eccentric_s),
            bottom_pause_s: m(|r| r.tempo.bottom_pause_s),
            concentric_s: m(|r| r.tempo.concentric_s),
            top_pause_s: m(|r| r.tempo.top_pause_s),
        }
        .to_string()
    });
    let verdict = verdict_sentence(analysis, &protocol, worst, flags_red, flags_amber, &flags);
    let mut notes = analysis.notes.clone();
    notes.extend(extra_notes);
    Report {
        video_sha256: None,
        schema: SCHEMA.into(),
        schema_version: SCHEMA_VERSION,
        tool: "hipflex".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        clip,
        view: analysis.view.clone(),
        exercise: analysis.classification.clone(),
        angle_definition: ANGLE_DEFINITION.into(),
        angle_source: analysis.angle_source.clone(),
        driving_signal: analysis.driving_signal.clone(),
        protocol,
        summary: Summary {
            reps_counted: counted.len(),
            partial_reps: analysis.reps.len() - counted.len(),
            holds: analysis.holds.len(),
            peak_hip_flexion_deg: peak,
            peak_hip_flexion_uncertainty_deg: peak_half,
            time_above_cap_s: time_above,
            typical_tempo,
            worst_severity: worst.into(),
            flags_red,
            flags_amber,
            verdict,
        },
        reps,
        holds: analysis.holds.iter().map(hold_out).collect(),
        flags,
        caveats: CAVEATS.iter().map(|s| s.to_string()).collect(),
        notes,
        faces_shown: false,
        pictures_written: false,
    }
}

/// A flag code in plain words.
pub fn plain_words(code: &str) -> &'static str {
    match code {
        "early_compression" => "hip flexed deeper than the phase allows under load",
        "time_under_compression" => "time spent beyond the hip-flexion cap",
        "fast_eccentric" => "lowering faster than the phase asks",
        "fast_concentric" => "lifting faster than the phase asks",
        "long_pause" => "long pause in the loaded bottom position",
        "short_hold" => "hold shorter than the phase asks",
        "hold_drift" => "hip angle drifting during a hold",
        "nordic_hip_pike" => "hips piking during the Nordic",
        "incomplete_extension" => "bridge top not reaching neutral",
        "over_extension" => "bridge top arching past neutral",
        "low_confidence" => "some reps tracked with low confidence",
        "poor_view" => "camera view too poor to trust the angles",
        "oblique_view" => "camera not side-on",
        "uncertain_exercise" => "exercise not recognised with confidence",
        "uncounted_compression" => "movements not counted as reps went beyond the cap",
        _ => "other findings",
    }
}

fn verdict_sentence(
    a: &Analysis,
    p: &ProtocolUsed,
    worst: &str,
    red: usize,
    amber: usize,
    flags: &[FlagOut],
) -> String {
    let n = a.counted_reps().count();
    let ex = a.classification.exercise;
    // The distinct problems, in plain words, most severe first.
    let mut kinds: Vec<&str> = Vec::new();
    for sev in ["red", "amber"] {
        for f in flags.iter().filter(|f| f.severity == sev) {
            let w = plain_words(&f.code);
            if !kinds.contains(&w) {
                kinds.push(w);
            }
        }
    }
    let what = kinds.join(", ");
    if let (0, Some(why)) = (n, &a.not_a_set) {
        return match red + amber {
            0 => format!("No repetitions: {why}."),
            k => format!("No repetitions: {why}. {k} flag(s) to review — {what}."),
        };
    }
    if flags.iter().any(|f| f.code == "poor_view") {
        return format!(
            "{n} {ex} rep(s) found, but the camera view is not good enough to judge the hip angle reliably; see the view notes and film again from the side at hip height."
        );
    }
    match worst {
        "red" => format!(
            "{n} {ex} rep(s) against phase {} ({}): {red} red and {amber} amber flag(s) — {what}. See the flags for which reps and why.",
            p.phase, p.phase_name
        ),
        "amber" => format!(
            "{n} {ex} rep(s) against phase {} ({}): {amber} amber flag(s) to review — {what}.",
            p.phase, p.phase_name
        ),
        _ => format!(
            "{n} {ex} rep(s), all within what phase {} ({}) allows.",
            p.phase, p.phase_name
        ),
    }
}
