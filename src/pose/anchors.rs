//! SSD anchors for the BlazePose person detector, generated as MediaPipe's
//! `SsdAnchorsCalculator` does with the options in `pose_detection_cpu.pbtxt`.

/// An anchor centre in normalised [0, 1] input coordinates. The detector uses fixed
/// anchor sizes, so width and height are always 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    pub x_center: f32,
    pub y_center: f32,
}

/// Options of the detector's anchor generator.
#[derive(Clone, Debug)]
pub struct AnchorOptions {
    pub input_size: u32,
    pub strides: Vec<u32>,
    /// Anchors per location for each layer: one aspect ratio (1.0) plus one
    /// interpolated scale.
    pub anchors_per_layer: usize,
    pub offset: f32,
}

impl Default for AnchorOptions {
    fn default() -> Self {
        AnchorOptions {
            input_size: 224,
            strides: vec![8, 16, 32, 32, 32],
            anchors_per_layer: 2,
            offset: 0.5,
        }
    }
}

/// Generates the anchors. Consecutive layers with the same stride share one feature
/// map, whose locations then carry the anchors of all those layers.
pub fn generate(opts: &AnchorOptions) -> Vec<Anchor> {
    let mut out = Vec::new();
    let mut layer = 0;
    while layer < opts.strides.len() {
        let stride = opts.strides[layer];
        let mut last = layer;
        while last < opts.strides.len() && opts.strides[last] == stride {
            last += 1;
        }
        let per_location = (last - layer) * opts.anchors_per_layer;
        let fm = (opts.input_size as f32 / stride as f32).ceil() as usize;
        for y in 0..fm {
            for x in 0..fm {
                for _ in 0..per_location {
                    out.push(Anchor {
                        x_center: (x as f32 + opts.offset) / fm as f32,
                        y_center: (y as f32 + opts.offset) / fm as f32,
                    });
                }
            }
        }
        layer = last;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blazepose_anchor_layout() {
        let a = generate(&AnchorOptions::default());
        assert_eq!(a.len(), 2254);
        // Stride 8: 28x28 locations, 2 anchors each.
        assert_eq!(
            a[0],
            Anchor {
                x_center: 0.5 / 28.0,
                y_center: 0.5 / 28.0
            }
        );
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2].x_center, 1.5 / 28.0);
        // Stride 16 starts after 28*28*2 anchors.
        assert_eq!(
            a[1568],
            Anchor {
                x_center: 0.5 / 14.0,
                y_center: 0.5 / 14.0
            }
        );
        // The three stride-32 layers share a 7x7 map with 6 anchors per location.
        assert_eq!(
            a[1568 + 392],
            Anchor {
                x_center: 0.5 / 7.0,
                y_center: 0.5 / 7.0
            }
        );
        assert_eq!(a[1568 + 392 + 5], a[1568 + 392]);
        assert_eq!(a[1568 + 392 + 6].x_center, 1.5 / 7.0);
        assert_eq!(
            *a.last().unwrap(),
            Anchor {
                x_center: 6.5 / 7.0,
                y_center: 6.5 / 7.0
            }
        );
    }
}
