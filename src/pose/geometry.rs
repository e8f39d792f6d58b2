//! Rectangles and transforms shared by the detector and the landmark model, in
//! MediaPipe's conventions: normalised rects (fractions of the frame width and
//! height) with a rotation in radians, clockwise in image coordinates (y down).

use std::f32::consts::PI;

use crate::pose::Roi;

/// A rotated rectangle in normalised image coordinates (MediaPipe `NormalizedRect`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NormRect {
    pub x_center: f32,
    pub y_center: f32,
    pub width: f32,
    pub height: f32,
    pub rotation: f32,
}

/// Wraps an angle into [-pi, pi).
pub fn normalize_radians(a: f32) -> f32 {
    a - 2.0 * PI * ((a + PI) / (2.0 * PI)).floor()
}

/// `AlignmentPointsRectsCalculator`: a square box centred on `center` whose half-size
/// is the distance to `scale_point`, rotated so the vector center->scale_point points
/// at `target_deg` (90 = up). Points are normalised; `w`, `h` the frame size.
pub fn alignment_rect(
    center: [f32; 2],
    scale_point: [f32; 2],
    target_deg: f32,
    w: f32,
    h: f32,
) -> NormRect {
    let (x0, y0) = (center[0] * w, center[1] * h);
    let (x1, y1) = (scale_point[0] * w, scale_point[1] * h);
    let size = 2.0 * ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
    let rotation = normalize_radians(target_deg.to_radians() - (-(y1 - y0)).atan2(x1 - x0));
    NormRect {
        x_center: center[0],
        y_center: center[1],
        width: size / w,
        height: size / h,
        rotation,
    }
}

/// `RectTransformationCalculator` with `square_long` and a scale (no shift).
pub fn square_long_scaled(r: NormRect, scale: f32, w: f32, h: f32) -> NormRect {
    let long = (r.width * w).max(r.height * h);
    NormRect {
        width: long / w * scale,
        height: long / h * scale,
        ..r
    }
}

impl NormRect {
    /// In pixels, as the public [`Roi`] type.
    pub fn to_roi(self, w: f32, h: f32) -> Roi {
        Roi {
            cx: self.x_center * w,
            cy: self.y_center * h,
            width: self.width * w,
            height: self.height * h,
            rotation: self.rotation,
        }
    }

    pub fn from_roi(r: &Roi, w: f32, h: f32) -> NormRect {
        NormRect {
            x_center: r.cx / w,
            y_center: r.cy / h,
            width: r.width / w,
            height: r.height / h,
            rotation: r.rotation,
        }
    }
}

/// The 2x3 matrix taking output-crop pixel coordinates to source-frame pixels for a
/// crop of `roi` (pixels) into an `out_w` x `out_h` tensor, as MediaPipe's
/// `ImageToTensorCalculator` does: crop corner (0, 0) is the rect's top-left corner
/// before rotation.
pub fn crop_to_frame_matrix(roi: &Roi, out_w: f32, out_h: f32) -> [[f64; 3]; 2] {
    let (c, s) = ((roi.rotation as f64).cos(), (roi.rotation as f64).sin());
    let sx = roi.width as f64 / out_w as f64;
    let sy = roi.height as f64 / out_h as f64;
    // local = (u * sx - w/2, v * sy - h/2); frame = centre + R * local
    let (hw, hh) = (roi.width as f64 / 2.0, roi.height as f64 / 2.0);
    let tx = roi.cx as f64 + c * (-hw) - s * (-hh);
    let ty = roi.cy as f64 + s * (-hw) + c * (-hh);
    [[c * sx, -s * sy, tx], [s * sx, c * sy, ty]]
}

/// Applies a 2x3 matrix to a point.
pub fn apply(m: &[[f64; 3]; 2], x: f64, y: f64) -> (f64, f64) {
    (
        m[0][0] * x + m[0][1] * y + m[0][2],
        m[1][0] * x + m[1][1] * y + m[1][2],
    )
}

/// Inverse of a 2x3 affine matrix.
pub fn invert(m: &[[f64; 3]; 2]) -> [[f64; 3]; 2] {
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let (a, b, c, d) = (m[1][1] / det, -m[0][1] / det, -m[1][0] / det, m[0][0] / det);
    [
        [a, b, -(a * m[0][2] + b * m[1][2])],
        [c, d, -(c * m[0][2] + d * m[1][2])],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radians_wrap() {
        assert!((normalize_radians(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-6);
        assert!((normalize_radians(-3.0 * PI / 2.0) - PI / 2.0).abs() < 1e-6);
        assert!((normalize_radians(0.3) - 0.3).abs() < 1e-6);
    }

    #[test]
    fn upright_body_has_no_rotation_and_lying_body_a_quarter_turn() {
        // Hip centre below, scale point straight above: upright.
        let r = alignment_rect([0.5, 0.6], [0.5, 0.4], 90.0, 100.0, 100.0);
        assert!(r.rotation.abs() < 1e-6);
        assert!((r.width - 0.4).abs() < 1e-6);
        // Lying with the head to the right: scale point to the right of the hips.
        let r = alignment_rect([0.5, 0.5], [0.7, 0.5], 90.0, 100.0, 100.0);
        assert!((r.rotation - PI / 2.0).abs() < 1e-6, "{}", r.rotation);
    }

    #[test]
    fn square_long_uses_pixels() {
        let r = NormRect {
            x_center: 0.5,
            y_center: 0.5,
            width: 0.2,
            height: 0.5,
            rotation: 0.0,
        };
        // 200x100 frame: 0.2*200 = 40 px wide, 0.5*100 = 50 px tall -> 50 px square.
        let s = square_long_scaled(r, 1.25, 200.0, 100.0);
        assert!((s.width * 200.0 - 62.5).abs() < 1e-4);
        assert!((s.height * 100.0 - 62.5).abs() < 1e-4);
    }

    #[test]
    fn crop_round_trip_for_rotated_rois() {
        for rot in [0.0f32, 0.4, -1.2, 2.9, PI / 2.0] {
            let roi = Roi {
                cx: 320.0,
                cy: 200.0,
                width: 180.0,
                height: 180.0,
                rotation: rot,
            };
            let m = crop_to_frame_matrix(&roi, 256.0, 256.0);
            let inv = invert(&m);
            for (x, y) in [(10.0, 20.0), (128.0, 128.0), (250.0, 3.0)] {
                let (fx, fy) = apply(&m, x, y);
                let (bx, by) = apply(&inv, fx, fy);
                assert!((bx - x).abs() < 1e-9 && (by - y).abs() < 1e-9);
            }
            // The crop centre is the ROI centre, and the crop's top edge midpoint lies
            // half a height "above" the centre along the rotated axis.
            let (cx, cy) = apply(&m, 128.0, 128.0);
            assert!((cx - 320.0).abs() < 1e-9 && (cy - 200.0).abs() < 1e-9);
            let (tx, ty) = apply(&m, 128.0, 0.0);
            let (ex, ey) = (
                320.0 + 90.0 * rot.sin() as f64,
                200.0 - 90.0 * rot.cos() as f64,
            );
            assert!(
                (tx - ex).abs() < 1e-4 && (ty - ey).abs() < 1e-4,
                "rot {rot}: {tx},{ty} vs {ex},{ey}"
            );
        }
    }
}
