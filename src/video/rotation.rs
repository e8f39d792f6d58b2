//! Rotation handling: container metadata (phone portrait clips) or a user override.

use std::fmt;
use std::str::FromStr;

use opencv::core::{self, Mat};
use serde::{Deserialize, Serialize};

/// How to rotate decoded frames so the person is upright.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RotateMode {
    /// Follow the container's display-rotation metadata.
    #[default]
    Auto,
    /// Rotate clockwise by this many degrees (0, 90, 180 or 270), ignoring metadata.
    Fixed(u16),
}

impl RotateMode {
    /// The clockwise rotation to apply given the container's metadata angle.
    pub fn resolve(self, meta_deg: i32) -> u16 {
        match self {
            RotateMode::Auto => normalize(meta_deg),
            RotateMode::Fixed(d) => d,
        }
    }
}

/// Normalises any angle to 0, 90, 180 or 270 (nearest quarter turn).
pub fn normalize(deg: i32) -> u16 {
    let q = ((deg as f64 / 90.0).round() as i32).rem_euclid(4);
    (q * 90) as u16
}

impl FromStr for RotateMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "auto" => Ok(RotateMode::Auto),
            "0" => Ok(RotateMode::Fixed(0)),
            "90" => Ok(RotateMode::Fixed(90)),
            "180" => Ok(RotateMode::Fixed(180)),
            "270" => Ok(RotateMode::Fixed(270)),
            other => Err(format!(
                "rotation `{other}` is not one of auto, 0, 90, 180, 270"
            )),
        }
    }
}

impl fmt::Display for RotateMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RotateMode::Auto => f.write_str("auto"),
            RotateMode::Fixed(d) => write!(f, "{d}"),
        }
    }
}

/// Rotates `src` clockwise by `deg` into `dst`. Returns false (and leaves `dst`
/// untouched) when `deg` is 0, so callers can keep using `src`.
pub(crate) fn rotate_into(src: &Mat, dst: &mut Mat, deg: u16) -> opencv::Result<bool> {
    let code = match deg {
        90 => core::ROTATE_90_CLOCKWISE,
        180 => core::ROTATE_180,
        270 => core::ROTATE_90_COUNTERCLOCKWISE,
        _ => return Ok(false),
    };
    core::rotate(src, dst, code)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_resolve() {
        assert_eq!("auto".parse::<RotateMode>().unwrap(), RotateMode::Auto);
        assert_eq!("90".parse::<RotateMode>().unwrap(), RotateMode::Fixed(90));
        assert!("45".parse::<RotateMode>().is_err());
        assert_eq!(RotateMode::Auto.resolve(-90), 270);
        assert_eq!(RotateMode::Auto.resolve(450), 90);
        assert_eq!(RotateMode::Fixed(0).resolve(90), 0);
    }
}
