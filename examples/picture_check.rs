//! Prints the picture checks (person brightness, blur, cut-off fractions) of videos whose
//! landmarks were dumped with `hipflex pose`: `picture_check VIDEO LANDMARKS.json ...`
//! (pairs). Used to calibrate the `view` thresholds on real clips.

use std::path::Path;

use hipflex::kinematics::{ViewParams, view};
use hipflex::landmarks_file::read_landmarks;
use hipflex::video::probe;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let p = ViewParams::default();
    for pair in args.chunks(2) {
        let (video, lm) = (Path::new(&pair[0]), Path::new(&pair[1]));
        let (h, frames) = match read_landmarks(lm) {
            Ok(x) => x,
            Err(e) => {
                println!("{}: {e}", lm.display());
                continue;
            }
        };
        // Landmarks in memory are always readable: these cannot fail.
        let boxes = probe::person_boxes(&frames, p.image_samples).unwrap_or_default();
        let q = probe::image_quality(video, h.video.rotation_applied_deg, &boxes);
        let (head, feet) =
            view::cut_off_fraction(&frames, h.video.width as f64, h.video.height as f64, &p)
                .unwrap_or((f64::NAN, f64::NAN));
        match q {
            Ok(q) => println!(
                "{:40} luma {:5.1} p95 {:5.1} blur {:.3} head_out {:.2} feet_out {:.2}",
                video.file_name().unwrap().to_string_lossy(),
                q.median_luma,
                q.median_p95_luma,
                q.median_blur,
                head,
                feet
            ),
            Err(e) => println!("{}: {e}", video.display()),
        }
    }
}
