//! One session as stored: built from an analysis's [`Report`] and what the run knows
//! about the recording (patient, date, video checksum, pain).

use serde::{Deserialize, Serialize};

use crate::report::Report;

/// One rep of a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepRecord {
    /// 1-based among counted reps; `None` for a partial rep.
    pub number: Option<u32>,
    pub counted: bool,
    pub start_s: f64,
    pub end_s: f64,
    /// Peak loaded hip flexion of the rep, degrees (`peak_loaded_hip_flexion_deg` of
    /// report.json).
    pub peak_hip_flexion_deg: Option<f64>,
    /// Its uncertainty (± degrees) when the report gives one.
    pub peak_hip_flexion_uncertainty_deg: Option<f64>,
    pub eccentric_s: Option<f64>,
    pub bottom_pause_s: Option<f64>,
    pub concentric_s: Option<f64>,
    pub top_pause_s: Option<f64>,
    pub tempo: String,
    pub severity: String,
    pub uncertain: bool,
}

/// One flag of a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagRecord {
    pub code: String,
    pub severity: String,
    pub rep: Option<u32>,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    pub unit: String,
    pub message: String,
    pub uncertain: bool,
}

/// One analysed video of one patient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub patient: String,
    pub video_sha256: String,
    pub video_path: String,
    /// `YYYY-MM-DD` from the video (container creation time or file name), if known.
    pub recorded_date: Option<String>,
    /// `HH:MM:SS` UTC from the container's creation time, if known.
    pub recorded_time: Option<String>,
    /// When the analysis ran, `YYYY-MM-DDTHH:MM:SSZ`.
    pub analysed_at: String,
    pub exercise: String,
    pub phase: u8,
    pub phase_name: String,
    pub protocol_name: String,
    pub protocol_version: String,
    pub cap_deg: Option<f64>,
    pub amber_band_deg: Option<f64>,
    pub eccentric_min_s: Option<f64>,
    pub concentric_min_s: Option<f64>,
    pub view_verdict: String,
    pub reps_counted: u32,
    pub peak_hip_flexion_deg: Option<f64>,
    pub typical_tempo: Option<String>,
    pub worst_severity: String,
    pub flags_red: u32,
    pub flags_amber: u32,
    /// Pain 0-10 the patient gave for the set.
    pub pain: Option<u8>,
    /// The protocol's acceptable pain at the time (`pain_acceptable_max`).
    pub pain_acceptable_max: Option<f64>,
    /// The session's `report.html`, absolute.
    pub report_path: String,
    pub hipflex_version: String,
    pub reps: Vec<RepRecord>,
    pub flags: Vec<FlagRecord>,
}

/// What a run knows beyond the report.
#[derive(Clone, Debug, Default)]
pub struct SessionContext {
    pub patient: String,
    pub video_sha256: String,
    pub video_path: String,
    pub recorded_date: Option<String>,
    pub recorded_time: Option<String>,
    pub pain: Option<u8>,
    pub pain_acceptable_max: Option<f64>,
    pub eccentric_min_s: Option<f64>,
    pub concentric_min_s: Option<f64>,
    pub report_path: String,
}

/// Report keys that may carry the per-rep peak's uncertainty (± degrees), or a
/// `[low, high]` interval whose half-width is taken.
const UNCERTAINTY_KEYS: [&str; 3] = [
    "peak_hip_flexion_uncertainty_deg",
    "peak_hip_flexion_pm_deg",
    "peak_hip_flexion_interval_deg",
];

fn uncertainty_of(rep: &serde_json::Value) -> Option<f64> {
    UNCERTAINTY_KEYS.iter().find_map(|k| match rep.get(k)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::Array(a) if a.len() == 2 => {
            Some((a[1].as_f64()? - a[0].as_f64()?).abs() / 2.0)
        }
        serde_json::Value::Object(o) => {
            let lo = o.get("low").or(o.get("lo"))?.as_f64()?;
            let hi = o.get("high").or(o.get("hi"))?.as_f64()?;
            Some((hi - lo).abs() / 2.0)
        }
        _ => None,
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time.
pub fn iso_utc(unix_s: i64) -> String {
    let (y, m, d, secs) = crate::common::utc_civil(unix_s);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub fn now_iso() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    iso_utc(now)
}

impl Session {
    /// The session of `report` for the run described by `ctx`.
    pub fn from_report(report: &Report, ctx: &SessionContext) -> Session {
        let json_reps = serde_json::to_value(&report.reps).unwrap_or_default();
        let reps = report
            .reps
            .iter()
            .enumerate()
            .map(|(i, r)| RepRecord {
                number: r.number.map(|n| n as u32),
                counted: r.counted,
                start_s: r.start_s,
                end_s: r.end_s,
                peak_hip_flexion_deg: r.peak_loaded_hip_flexion_deg,
                peak_hip_flexion_uncertainty_deg: json_reps.get(i).and_then(uncertainty_of),
                eccentric_s: r.eccentric_s,
                bottom_pause_s: r.bottom_pause_s,
                concentric_s: r.concentric_s,
                top_pause_s: r.top_pause_s,
                tempo: r.tempo.clone(),
                severity: r.severity.clone(),
                uncertain: r.uncertain,
            })
            .collect();
        let flags = report
            .flags
            .iter()
            .map(|f| FlagRecord {
                code: f.code.clone(),
                severity: f.severity.clone(),
                rep: f.rep.map(|n| n as u32),
                value: f.value,
                limit: f.limit,
                unit: f.unit.clone(),
                message: f.message.clone(),
                uncertain: f.uncertain,
            })
            .collect();
        let verdict = serde_json::to_value(report.view.verdict)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("{:?}", report.view.verdict).to_lowercase());
        Session {
            patient: ctx.patient.clone(),
            video_sha256: ctx.video_sha256.clone(),
            video_path: ctx.video_path.clone(),
            recorded_date: ctx.recorded_date.clone(),
            recorded_time: ctx.recorded_time.clone(),
            analysed_at: now_iso(),
            exercise: report.exercise.exercise.name().to_string(),
            phase: report.protocol.phase,
            phase_name: report.protocol.phase_name.clone(),
            protocol_name: report.protocol.name.clone(),
            protocol_version: report.protocol.version.clone(),
            cap_deg: report.protocol.cap_deg,
            amber_band_deg: report.protocol.amber_band_deg,
            eccentric_min_s: ctx.eccentric_min_s,
            concentric_min_s: ctx.concentric_min_s,
            view_verdict: verdict,
            reps_counted: report.summary.reps_counted as u32,
            peak_hip_flexion_deg: report.summary.peak_hip_flexion_deg,
            typical_tempo: report.summary.typical_tempo.clone(),
            worst_severity: report.summary.worst_severity.clone(),
            flags_red: report.summary.flags_red as u32,
            flags_amber: report.summary.flags_amber as u32,
            pain: ctx.pain,
            pain_acceptable_max: ctx.pain_acceptable_max,
            report_path: ctx.report_path.clone(),
            hipflex_version: env!("CARGO_PKG_VERSION").to_string(),
            reps,
            flags,
        }
    }

    /// The date the session is filed under: the recording date, else the analysis date.
    pub fn date(&self) -> &str {
        self.recorded_date
            .as_deref()
            .unwrap_or_else(|| self.analysed_at.get(..10).unwrap_or(&self.analysed_at))
    }

    /// Pain above the protocol's acceptable level.
    pub fn pain_above_acceptable(&self) -> bool {
        matches!((self.pain, self.pain_acceptable_max), (Some(p), Some(m)) if f64::from(p) > m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncertainty_is_read_in_any_of_its_likely_shapes() {
        let v = serde_json::json!({"peak_hip_flexion_uncertainty_deg": 4.5});
        assert_eq!(uncertainty_of(&v), Some(4.5));
        let v = serde_json::json!({"peak_hip_flexion_interval_deg": [40.0, 50.0]});
        assert_eq!(uncertainty_of(&v), Some(5.0));
        let v = serde_json::json!({"peak_hip_flexion_interval_deg": {"low": 41.0, "high": 47.0}});
        assert_eq!(uncertainty_of(&v), Some(3.0));
        assert_eq!(uncertainty_of(&serde_json::json!({})), None);
        assert_eq!(iso_utc(951_782_400), "2000-02-29T00:00:00Z");
    }
}
