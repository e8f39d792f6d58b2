//! `hipflex history --json` and `--csv`: the documented shapes (docs/history.md).

use serde::Serialize;

use super::session::Session;
use super::summary::{self, SessionFigures};

pub const JSON_SCHEMA: &str = "hipflex-history";
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// One patient in `hipflex history --json`.
#[derive(Clone, Debug, Serialize)]
pub struct PatientLine {
    pub patient: String,
    pub sessions: usize,
    pub last_date: String,
    pub last_exercise: String,
    pub last_phase: u8,
    /// Worst flag severity over the last few sessions (pain above acceptable counts amber).
    pub worst_recent_severity: String,
    pub evidence_summary: String,
}

pub fn patient_line(patient: &str, sessions: &[Session]) -> Option<PatientLine> {
    let last = sessions.last()?;
    Some(PatientLine {
        patient: patient.to_string(),
        sessions: sessions.len(),
        last_date: last.date().to_string(),
        last_exercise: last.exercise.clone(),
        last_phase: last.phase,
        worst_recent_severity: summary::worst_recent(sessions).to_string(),
        evidence_summary: summary::evidence_summary(sessions),
    })
}

#[derive(Serialize)]
struct PatientsJson<'a> {
    schema: &'static str,
    schema_version: u32,
    patients: &'a [PatientLine],
}

/// `hipflex history --json`.
pub fn patients_json(lines: &[PatientLine]) -> String {
    serde_json::to_string_pretty(&PatientsJson {
        schema: JSON_SCHEMA,
        schema_version: JSON_SCHEMA_VERSION,
        patients: lines,
    })
    .expect("serialisable")
}

#[derive(Serialize)]
struct SessionJson<'a> {
    date: &'a str,
    time: Option<&'a str>,
    exercise: &'a str,
    phase: u8,
    phase_name: &'a str,
    protocol: &'a str,
    protocol_version: &'a str,
    view_verdict: &'a str,
    reps: u32,
    /// Deepest counted rep (loaded), degrees.
    peak_hip_flexion_deg: Option<f64>,
    peak_hip_flexion_median_deg: Option<f64>,
    rep_peaks_deg: Vec<Option<f64>>,
    rep_peak_uncertainty_deg: Vec<Option<f64>>,
    cap_deg: Option<f64>,
    amber_band_deg: Option<f64>,
    reps_above_cap: usize,
    typical_tempo: Option<&'a str>,
    eccentric_median_s: Option<f64>,
    concentric_median_s: Option<f64>,
    eccentric_min_s: Option<f64>,
    concentric_min_s: Option<f64>,
    worst_severity: &'a str,
    flags_red: u32,
    flags_amber: u32,
    /// Flags by code: how many times each was raised.
    flags: std::collections::BTreeMap<&'a str, usize>,
    pain: Option<u8>,
    pain_acceptable_max: Option<f64>,
    pain_above_acceptable: bool,
    changes_since_previous: Vec<String>,
    video: &'a str,
    video_sha256: &'a str,
    report: &'a str,
    analysed_at: &'a str,
    hipflex_version: &'a str,
}

#[derive(Serialize)]
struct PatientJson<'a> {
    schema: &'static str,
    schema_version: u32,
    patient: &'a str,
    evidence_summary: String,
    note: &'static str,
    sessions: Vec<SessionJson<'a>>,
}

/// Degrees to 0.1° (the measurement is good to about ±10°).
fn r1(v: Option<f64>) -> Option<f64> {
    v.map(|x| (x * 10.0).round() / 10.0)
}

/// Seconds to 0.01 s.
fn r2(v: Option<f64>) -> Option<f64> {
    v.map(|x| (x * 100.0).round() / 100.0)
}

fn session_json<'a>(s: &'a Session, prev: Option<&Session>) -> SessionJson<'a> {
    let f: SessionFigures = summary::figures(s);
    let counted = s.reps.iter().filter(|r| r.counted);
    SessionJson {
        date: s.date(),
        time: s.recorded_time.as_deref(),
        exercise: &s.exercise,
        phase: s.phase,
        phase_name: &s.phase_name,
        protocol: &s.protocol_name,
        protocol_version: &s.protocol_version,
        view_verdict: &s.view_verdict,
        reps: s.reps_counted,
        peak_hip_flexion_deg: r1(f.peak_max_deg),
        peak_hip_flexion_median_deg: r1(f.peak_median_deg),
        rep_peaks_deg: counted
            .clone()
            .map(|r| r1(r.peak_hip_flexion_deg))
            .collect(),
        rep_peak_uncertainty_deg: counted
            .map(|r| r1(r.peak_hip_flexion_uncertainty_deg))
            .collect(),
        cap_deg: s.cap_deg,
        amber_band_deg: s.amber_band_deg,
        reps_above_cap: f.reps_above_cap,
        typical_tempo: s.typical_tempo.as_deref(),
        eccentric_median_s: r2(f.eccentric_median_s),
        concentric_median_s: r2(f.concentric_median_s),
        eccentric_min_s: s.eccentric_min_s,
        concentric_min_s: s.concentric_min_s,
        worst_severity: &s.worst_severity,
        flags_red: s.flags_red,
        flags_amber: s.flags_amber,
        flags: s.flags.iter().fold(Default::default(), |mut m, f| {
            *m.entry(f.code.as_str()).or_default() += 1;
            m
        }),
        pain: s.pain,
        pain_acceptable_max: s.pain_acceptable_max,
        pain_above_acceptable: f.pain_above_acceptable,
        changes_since_previous: prev.map(|p| summary::changes(p, s)).unwrap_or_default(),
        video: &s.video_path,
        video_sha256: &s.video_sha256,
        report: &s.report_path,
        analysed_at: &s.analysed_at,
        hipflex_version: &s.hipflex_version,
    }
}

/// `hipflex history PATIENT --json`.
pub fn patient_json(patient: &str, sessions: &[Session]) -> String {
    let list = sessions
        .iter()
        .enumerate()
        .map(|(i, s)| session_json(s, i.checked_sub(1).map(|j| &sessions[j])))
        .collect();
    serde_json::to_string_pretty(&PatientJson {
        schema: JSON_SCHEMA,
        schema_version: JSON_SCHEMA_VERSION,
        patient,
        evidence_summary: summary::evidence_summary(sessions),
        note: summary::NEVER_ADVANCES,
        sessions: list,
    })
    .expect("serialisable")
}

/// The `--csv` columns, one row per rep (a session with no reps gets one row with the
/// rep columns empty).
pub const CSV_HEADER: [&str; 30] = [
    "patient",
    "date",
    "time",
    "exercise",
    "phase",
    "phase_name",
    "protocol",
    "protocol_version",
    "cap_deg",
    "amber_band_deg",
    "eccentric_min_s",
    "concentric_min_s",
    "view_verdict",
    "pain",
    "pain_acceptable_max",
    "session_worst_severity",
    "video_sha256",
    "report",
    "rep",
    "counted",
    "peak_hip_flexion_deg",
    "peak_hip_flexion_uncertainty_deg",
    "eccentric_s",
    "bottom_pause_s",
    "concentric_s",
    "top_pause_s",
    "tempo",
    "rep_severity",
    "rep_uncertain",
    "hipflex_version",
];

fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_default()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn session_fields(s: &Session) -> Vec<String> {
    vec![
        s.patient.clone(),
        s.date().to_string(),
        opt(s.recorded_time.as_deref()),
        s.exercise.clone(),
        s.phase.to_string(),
        s.phase_name.clone(),
        s.protocol_name.clone(),
        s.protocol_version.clone(),
        num(s.cap_deg),
        num(s.amber_band_deg),
        num(s.eccentric_min_s),
        num(s.concentric_min_s),
        s.view_verdict.clone(),
        opt(s.pain),
        num(s.pain_acceptable_max),
        s.worst_severity.clone(),
        s.video_sha256.clone(),
        s.report_path.clone(),
    ]
}

/// The CSV text for `sessions` (any number of patients).
pub fn reps_csv(sessions: &[Session]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).expect("in memory");
    for s in sessions {
        let head = session_fields(s);
        let tail = [s.hipflex_version.clone()];
        if s.reps.is_empty() {
            let empty = vec![String::new(); 11];
            w.write_record(head.iter().chain(&empty).chain(&tail))
                .expect("in memory");
        }
        for r in &s.reps {
            let rep = [
                opt(r.number),
                if r.counted { "1" } else { "0" }.to_string(),
                num(r.peak_hip_flexion_deg),
                num(r.peak_hip_flexion_uncertainty_deg),
                num(r.eccentric_s),
                num(r.bottom_pause_s),
                num(r.concentric_s),
                num(r.top_pause_s),
                r.tempo.clone(),
                r.severity.clone(),
                if r.uncertain { "1" } else { "0" }.to_string(),
            ];
            w.write_record(head.iter().chain(&rep).chain(&tail))
                .expect("in memory");
        }
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8")
}
