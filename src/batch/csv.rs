//! `summary.csv`: writing it, and reading it back (for `batch-merge`). RFC 4180 quoting.

use super::Row;

pub const HEADER: [&str; 14] = [
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
    "cap_deg",
    "typical_tempo",
    "seconds",
    "report",
];

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn fields(r: &Row) -> [&str; 14] {
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
        &r.cap_deg,
        &r.typical_tempo,
        &r.seconds,
        &r.report,
    ]
}

pub fn summary_csv(rows: &[Row]) -> String {
    let mut s = HEADER.join(",");
    s.push('\n');
    for r in rows {
        let line: Vec<String> = fields(r).iter().map(|f| quote(f)).collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    s
}

/// Parses CSV text into records (quoted fields may hold commas, quotes and newlines).
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => rec.push(std::mem::take(&mut field)),
                '\r' => {}
                '\n' => {
                    rec.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut rec));
                    any = false;
                }
                c => field.push(c),
            }
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    if any {
        rec.push(field);
        records.push(rec);
    }
    Ok(records)
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
                cap_deg: g(10),
                typical_tempo: g(11),
                seconds: g(12),
                report: g(13),
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
