//! `summary.csv`: writing it, and reading it back (for `batch-merge`), and reading CSV
//! manifests, all through the `csv` crate (RFC 4180 quoting).

use super::Row;
use crate::csvfmt::{finish, write, writer};

pub const HEADER: [&str; 15] = [
    "video",
    "patient",
    "date",
    "status",
    "error",
    "exercise",
    "phase",
    "reps",
    "worst_severity",
    "peak_hip_flexion_deg",
    "peak_hip_flexion_uncertainty_deg",
    "cap_deg",
    "typical_tempo",
    "seconds",
    "report",
];

fn fields(r: &Row) -> [&str; 15] {
    [
        &r.video,
        &r.patient,
        &r.date,
        &r.status,
        &r.error,
        &r.exercise,
        &r.phase,
        &r.reps,
        &r.worst_severity,
        &r.peak_hip_flexion_deg,
        &r.peak_hip_flexion_uncertainty_deg,
        &r.cap_deg,
        &r.typical_tempo,
        &r.seconds,
        &r.report,
    ]
}

pub fn summary_csv(rows: &[Row]) -> String {
    let mut w = writer();
    write(&mut w, HEADER);
    for r in rows {
        write(&mut w, fields(r));
    }
    finish(w)
}

/// Parses CSV text into records (quoted fields may hold commas, quotes and newlines; records
/// may differ in length; blank lines are skipped).
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    // The csv crate reads an unterminated quote to the end of the text; refuse it instead,
    // as it is almost always a missing closing quote.
    if text.matches('"').count() % 2 == 1 {
        return Err("unterminated quoted field".into());
    }
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_string).collect())
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// Reads a `summary.csv` back into rows (columns found by header name).
pub fn parse_summary(text: &str) -> Result<Vec<Row>, String> {
    let mut recs = parse(text)?.into_iter();
    let header = recs.next().ok_or("empty summary.csv")?;
    let idx: Vec<Option<usize>> = HEADER
        .iter()
        .map(|h| header.iter().position(|x| x == h))
        .collect();
    if idx[0].is_none() || idx[3].is_none() {
        return Err("not a hipflex batch summary.csv (no video/status columns)".into());
    }
    Ok(recs
        .filter(|r| !r.iter().all(|f| f.is_empty()))
        .map(|r| {
            let g = |i: usize| idx[i].and_then(|c| r.get(c)).cloned().unwrap_or_default();
            Row {
                video: g(0),
                patient: g(1),
                date: g(2),
                status: g(3),
                error: g(4),
                exercise: g(5),
                phase: g(6),
                reps: g(7),
                worst_severity: g(8),
                peak_hip_flexion_deg: g(9),
                peak_hip_flexion_uncertainty_deg: g(10),
                cap_deg: g(11),
                typical_tempo: g(12),
                seconds: g(13),
                report: g(14),
                ..Row::default()
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_awkward_fields() {
        let rows = vec![Row {
            video: "a,b.mp4".into(),
            error: "said \"no\"\nthen stopped".into(),
            status: "failed".into(),
            ..Default::default()
        }];
        assert_eq!(parse_summary(&summary_csv(&rows)).unwrap(), rows);
    }
}
