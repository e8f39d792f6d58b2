//! The analysis' per-frame rows, kept compact: a [`FrameKinematics`] takes about 290 bytes
//! (every `Option<f64>` is 16), a packed row 160 (an absent value is one bit pattern of the
//! 8-byte float, the labels small integers). A one-hour clip has 108,000 rows, so this is
//! most of what the analysis keeps per frame. Packing is lossless: every value read back
//! is bit for bit the one stored, so the tables, plot and page do not change.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{FrameKinematics, Phase, Posture};
use crate::kinematics::Side;

/// An absent value: a signalling NaN with payload 1, which no arithmetic produces
/// (operations on NaN give quiet NaNs) and no `f32` widens to.
const NONE: u64 = 0x7FF0_0000_0000_0001;
/// An absent label (rep or hold index).
const NO_LABEL: u32 = u32::MAX;

fn pack(v: Option<f64>) -> u64 {
    v.map_or(NONE, f64::to_bits)
}

fn unpack(b: u64) -> Option<f64> {
    (b != NONE).then(|| f64::from_bits(b))
}

fn pack_label(v: Option<usize>) -> u32 {
    // A label indexes the clip's reps or holds, far fewer than 4 billion.
    v.map_or(NO_LABEL, |i| u32::try_from(i).unwrap_or(NO_LABEL - 1))
}

fn unpack_label(v: u32) -> Option<usize> {
    (v != NO_LABEL).then_some(v as usize)
}

fn side_code(s: Option<Side>) -> u8 {
    match s {
        None => 0,
        Some(Side::Left) => 1,
        Some(Side::Right) => 2,
    }
}

fn side_of(c: u8) -> Option<Side> {
    match c {
        1 => Some(Side::Left),
        2 => Some(Side::Right),
        _ => None,
    }
}

fn posture_code(p: Posture) -> u8 {
    match p {
        Posture::SupineKneesBent => 0,
        Posture::Kneeling => 1,
        Posture::Standing => 2,
        Posture::Other => 3,
        Posture::SittingKneesUp => 4,
    }
}

fn posture_of(c: u8) -> Posture {
    match c {
        0 => Posture::SupineKneesBent,
        1 => Posture::Kneeling,
        2 => Posture::Standing,
        4 => Posture::SittingKneesUp,
        _ => Posture::Other,
    }
}

fn phase_code(p: Option<Phase>) -> u8 {
    match p {
        None => 0,
        Some(Phase::Eccentric) => 1,
        Some(Phase::BottomPause) => 2,
        Some(Phase::Concentric) => 3,
        Some(Phase::TopPause) => 4,
    }
}

fn phase_of(c: u8) -> Option<Phase> {
    match c {
        1 => Some(Phase::Eccentric),
        2 => Some(Phase::BottomPause),
        3 => Some(Phase::Concentric),
        4 => Some(Phase::TopPause),
        _ => None,
    }
}

const PRESENT: u8 = 1;
const LOW_CONFIDENCE: u8 = 2;
const FILLED: u8 = 4;
const OUTLIER: u8 = 8;
const LOADED: u8 = 16;

/// One frame's row, packed.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Packed {
    index: u64,
    t: f64,
    /// The angles in [`FrameKinematics`]'s field order (see [`Packed::of`]).
    values: [u64; 13],
    conf: [f64; 3],
    rep: u32,
    hold: u32,
    side: u8,
    posture: u8,
    phase: u8,
    flags: u8,
}

impl Packed {
    fn of(f: &FrameKinematics) -> Packed {
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        Packed {
            index: f.index,
            t: f.t,
            values: [
                f.hip_flexion_2d_raw,
                f.hip_flexion_3d_raw,
                f.knee_flexion_2d_raw,
                f.knee_flexion_3d_raw,
                f.trunk_inclination_raw,
                f.hip_flexion_2d,
                f.hip_flexion_3d,
                f.hip_flexion,
                f.knee_flexion_2d,
                f.knee_flexion_3d,
                f.knee_flexion,
                f.trunk_inclination,
                f.hip_height,
            ]
            .map(pack),
            conf: [f.conf_hip, f.conf_knee, f.conf_trunk],
            rep: pack_label(f.rep),
            hold: pack_label(f.hold),
            side: side_code(f.side),
            posture: posture_code(f.posture),
            phase: phase_code(f.phase),
            flags: flag(f.present, PRESENT)
                | flag(f.low_confidence, LOW_CONFIDENCE)
                | flag(f.filled, FILLED)
                | flag(f.outlier, OUTLIER)
                | flag(f.loaded, LOADED),
        }
    }

    fn row(&self) -> FrameKinematics {
        let v = self.values.map(unpack);
        let on = |bit: u8| self.flags & bit != 0;
        FrameKinematics {
            index: self.index,
            t: self.t,
            present: on(PRESENT),
            side: side_of(self.side),
            low_confidence: on(LOW_CONFIDENCE),
            hip_flexion_2d_raw: v[0],
            hip_flexion_3d_raw: v[1],
            knee_flexion_2d_raw: v[2],
            knee_flexion_3d_raw: v[3],
            trunk_inclination_raw: v[4],
            hip_flexion_2d: v[5],
            hip_flexion_3d: v[6],
            hip_flexion: v[7],
            knee_flexion_2d: v[8],
            knee_flexion_3d: v[9],
            knee_flexion: v[10],
            trunk_inclination: v[11],
            hip_height: v[12],
            conf_hip: self.conf[0],
            conf_knee: self.conf[1],
            conf_trunk: self.conf[2],
            filled: on(FILLED),
            outlier: on(OUTLIER),
            loaded: on(LOADED),
            posture: posture_of(self.posture),
            rep: unpack_label(self.rep),
            phase: phase_of(self.phase),
            hold: unpack_label(self.hold),
        }
    }
}

/// A clip's per-frame rows in order, handed out as [`FrameKinematics`] values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameRows {
    rows: Vec<Packed>,
}

impl FrameRows {
    /// Room for `n` rows.
    pub fn with_capacity(n: usize) -> FrameRows {
        FrameRows {
            rows: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`, when there is one.
    pub fn get(&self, i: usize) -> Option<FrameKinematics> {
        self.rows.get(i).map(Packed::row)
    }

    /// The time of row `i` (cheaper than [`FrameRows::get`]).
    pub fn t(&self, i: usize) -> Option<f64> {
        self.rows.get(i).map(|r| r.t)
    }

    /// The rows from the first.
    pub fn iter(
        &self,
    ) -> impl ExactSizeIterator<Item = FrameKinematics> + DoubleEndedIterator + Clone + '_ {
        self.rows.iter().map(Packed::row)
    }

    /// Adds a row at the end.
    pub fn push(&mut self, f: &FrameKinematics) {
        self.rows.push(Packed::of(f));
    }

    /// Changes row `i` (nothing when there is none).
    pub fn update(&mut self, i: usize, change: impl FnOnce(&mut FrameKinematics)) {
        if let Some(p) = self.rows.get_mut(i) {
            let mut f = p.row();
            change(&mut f);
            *p = Packed::of(&f);
        }
    }
}

impl FromIterator<FrameKinematics> for FrameRows {
    fn from_iter<I: IntoIterator<Item = FrameKinematics>>(iter: I) -> FrameRows {
        FrameRows {
            rows: iter.into_iter().map(|f| Packed::of(&f)).collect(),
        }
    }
}

impl From<Vec<FrameKinematics>> for FrameRows {
    fn from(v: Vec<FrameKinematics>) -> FrameRows {
        v.into_iter().collect()
    }
}

/// Written as the list of [`FrameKinematics`] it holds.
impl Serialize for FrameRows {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for FrameRows {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FrameRows, D::Error> {
        Ok(Vec::<FrameKinematics>::deserialize(d)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: u64) -> FrameKinematics {
        let x = i as f64;
        FrameKinematics {
            index: i,
            t: x / 30.0,
            present: i % 2 == 0,
            side: [None, Some(Side::Left), Some(Side::Right)][i as usize % 3],
            low_confidence: i % 3 == 0,
            hip_flexion_2d_raw: Some(x * 0.1 + 1e-13),
            hip_flexion_3d_raw: (i % 4 != 0).then_some(-x),
            knee_flexion_2d_raw: Some(f64::NAN),
            knee_flexion_3d_raw: Some(-0.0),
            trunk_inclination_raw: None,
            hip_flexion_2d: Some(f64::INFINITY),
            hip_flexion_3d: Some(f64::MIN_POSITIVE / 3.0),
            hip_flexion: Some(123.456_789_012_345),
            knee_flexion_2d: None,
            knee_flexion_3d: Some(f64::MAX),
            knee_flexion: Some(1.0 / 3.0),
            trunk_inclination: Some(x.sin()),
            hip_height: None,
            conf_hip: 0.1 + x * 1e-9,
            conf_knee: 0.87,
            conf_trunk: f32::MAX as f64,
            filled: i % 5 == 0,
            outlier: i % 7 == 0,
            loaded: i % 2 == 1,
            posture: [
                Posture::SupineKneesBent,
                Posture::Kneeling,
                Posture::Standing,
                Posture::Other,
            ][i as usize % 4],
            rep: (i % 3 != 1).then_some(i as usize / 10),
            phase: [
                None,
                Some(Phase::Eccentric),
                Some(Phase::BottomPause),
                Some(Phase::Concentric),
                Some(Phase::TopPause),
            ][i as usize % 5],
            hold: (i % 6 == 0).then_some(i as usize),
        }
    }

    /// Bit-for-bit equality (NaN included), which `PartialEq` on floats is not.
    fn same(a: &FrameKinematics, b: &FrameKinematics) -> bool {
        format!("{a:?}") == format!("{b:?}")
            && a.knee_flexion_2d_raw.map(f64::to_bits) == b.knee_flexion_2d_raw.map(f64::to_bits)
            && a.knee_flexion_3d_raw.map(f64::to_bits) == b.knee_flexion_3d_raw.map(f64::to_bits)
    }

    #[test]
    fn rows_read_back_exactly_as_stored() {
        let rows: Vec<FrameKinematics> = (0..200).map(row).collect();
        let packed: FrameRows = rows.clone().into();
        assert_eq!(packed.len(), 200);
        for (i, (a, b)) in rows.iter().zip(packed.iter()).enumerate() {
            assert!(same(a, &b), "row {i}: {a:?} vs {b:?}");
            assert_eq!(packed.t(i), Some(a.t));
        }
        assert!(packed.get(200).is_none());
        let json = serde_json::to_string(&packed).unwrap();
        assert_eq!(json, serde_json::to_string(&rows).unwrap());
    }

    #[test]
    fn a_packed_row_is_much_smaller_than_a_row() {
        let packed = std::mem::size_of::<Packed>();
        assert!(packed <= 160, "{packed} bytes");
        assert!(packed * 3 / 2 < std::mem::size_of::<FrameKinematics>());
    }

    #[test]
    fn update_changes_one_row() {
        let mut packed: FrameRows = (0..10).map(row).collect();
        packed.update(3, |f| {
            f.rep = Some(7);
            f.phase = Some(Phase::Concentric);
            f.hold = None;
        });
        let r = packed.get(3).unwrap();
        assert_eq!(
            (r.rep, r.phase, r.hold),
            (Some(7), Some(Phase::Concentric), None)
        );
        assert!(same(&packed.get(4).unwrap(), &row(4)));
    }
}
