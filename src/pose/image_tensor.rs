//! Converting a warped BGR crop into the models' RGB float input.

use opencv::core::{Mat, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;

use crate::error::{Error, Result};

/// The value range a model expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// [0, 1] (landmark model).
    ZeroToOne,
    /// [-1, 1] (detector).
    MinusOneToOne,
}

/// Maps `frame` (BGR) through the affine matrix `m` (frame pixels to input pixels) into a
/// `side` x `side` crop, black outside the frame, held in `warped` (reused between calls),
/// and writes it into `out` as the detectors' [-1, 1] input.
pub fn warp_for_detector(
    frame: &Mat,
    m: &[[f64; 3]; 2],
    side: i32,
    warped: &mut Mat,
    out: &mut [f32],
) -> Result<()> {
    let mm = Mat::from_slice_2d(m)?;
    imgproc::warp_affine(
        frame,
        warped,
        &mm,
        Size::new(side, side),
        imgproc::INTER_LINEAR,
        opencv::core::BORDER_CONSTANT,
        Scalar::all(0.0),
    )?;
    mat_to_tensor(warped, out, Range::MinusOneToOne)
}

/// Writes `img` (8-bit BGR, continuous) into `out` as NHWC RGB floats in `range`.
pub fn mat_to_tensor(img: &Mat, out: &mut [f32], range: Range) -> Result<()> {
    if img.typ() != opencv::core::CV_8UC3 {
        return Err(Error::Other(format!(
            "expected an 8-bit 3-channel image, got OpenCV type {}",
            img.typ()
        )));
    }
    let bytes = img.data_bytes()?;
    if bytes.len() != out.len() {
        return Err(Error::Other(format!(
            "image holds {} values, tensor {}",
            bytes.len(),
            out.len()
        )));
    }
    let (scale, offset) = match range {
        Range::ZeroToOne => (1.0 / 255.0, 0.0),
        Range::MinusOneToOne => (2.0 / 255.0, -1.0),
    };
    for (src, dst) in bytes.chunks_exact(3).zip(out.chunks_exact_mut(3)) {
        dst[0] = src[2] as f32 * scale + offset;
        dst[1] = src[1] as f32 * scale + offset;
        dst[2] = src[0] as f32 * scale + offset;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{CV_8UC3, Scalar};

    #[test]
    fn bgr_becomes_rgb_in_range() {
        let m = Mat::new_rows_cols_with_default(2, 2, CV_8UC3, Scalar::new(255.0, 0.0, 51.0, 0.0))
            .unwrap();
        let mut t = vec![0.0; 12];
        mat_to_tensor(&m, &mut t, Range::ZeroToOne).unwrap();
        assert!((t[0] - 0.2).abs() < 1e-6 && t[1] == 0.0 && (t[2] - 1.0).abs() < 1e-6);
        mat_to_tensor(&m, &mut t, Range::MinusOneToOne).unwrap();
        assert!(
            (t[0] + 0.6).abs() < 1e-6 && (t[1] + 1.0).abs() < 1e-6 && (t[2] - 1.0).abs() < 1e-6
        );
    }
}
