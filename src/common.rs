//! Small vocabulary types shared by several stages.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The exercise families hipflex understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Exercise {
    /// Glute bridge, single-leg bridge, hip thrust, frog pump: lying supine, knees bent.
    Bridge,
    /// Nordic hamstring curl: kneeling, shins fixed, lowering the body forward.
    Nordic,
    /// Deadlift, Romanian / stiff-leg deadlift, good morning: standing hip hinge.
    Deadlift,
    /// Not one of the above (angles are still reported, no exercise-specific flags).
    Unknown,
}

impl Exercise {
    pub fn name(self) -> &'static str {
        match self {
            Exercise::Bridge => "bridge",
            Exercise::Nordic => "nordic",
            Exercise::Deadlift => "deadlift",
            Exercise::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Exercise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Tempo of one repetition in seconds: eccentric, bottom pause, concentric, top pause.
/// Printed and parsed like `3.1-0.4-2.8-1.0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tempo {
    pub eccentric_s: f64,
    pub bottom_pause_s: f64,
    pub concentric_s: f64,
    pub top_pause_s: f64,
}

impl fmt::Display for Tempo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.1}-{:.1}-{:.1}-{:.1}",
            self.eccentric_s, self.bottom_pause_s, self.concentric_s, self.top_pause_s
        )
    }
}

impl FromStr for Tempo {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 4 {
            return Err(format!(
                "tempo `{s}` must have four parts: eccentric-bottom pause-concentric-top pause, e.g. 3-1-2-1"
            ));
        }
        let mut v = [0.0f64; 4];
        for (slot, p) in v.iter_mut().zip(&parts) {
            let x: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("tempo part `{p}` in `{s}` is not a number of seconds"))?;
            if !x.is_finite() || x < 0.0 {
                return Err(format!(
                    "tempo part `{p}` in `{s}` must be zero or more seconds"
                ));
            }
            *slot = x;
        }
        Ok(Tempo {
            eccentric_s: v[0],
            bottom_pause_s: v[1],
            concentric_s: v[2],
            top_pause_s: v[3],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tempo_round_trips() {
        let t: Tempo = "3.1-0.4-2.8-1".parse().unwrap();
        assert_eq!(t.to_string(), "3.1-0.4-2.8-1.0");
        assert!("3-1-2".parse::<Tempo>().is_err());
        assert!("3-x-2-1".parse::<Tempo>().is_err());
        assert!("3--1-2-1".parse::<Tempo>().is_err());
    }
}

/// Calendar date and time of day (UTC) of a Unix time: (year, month, day, seconds into
/// the day). Howard Hinnant's days-to-civil algorithm.
pub fn utc_civil(unix_s: i64) -> (i64, u32, u32, u32) {
    let days = unix_s.div_euclid(86_400);
    let secs = unix_s.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d, secs)
}

#[cfg(test)]
mod civil_tests {
    #[test]
    fn unix_times_become_calendar_dates() {
        assert_eq!(super::utc_civil(0), (1970, 1, 1, 0));
        assert_eq!(super::utc_civil(951_782_400), (2000, 2, 29, 0));
        assert_eq!(super::utc_civil(1_795_000_000), (2026, 11, 18, 40_000));
    }
}
