//! `hipflex synth`: synthetic exercise clips with exactly known ground truth.
//!
//! A side-view articulated figure is driven through a joint-angle trajectory (lead-in rest,
//! repetitions with exact tempo and cosine easing, lead-out rest), drawn with OpenCV over a
//! plain room background, lightly noised and compressed into a video. Beside the video goes a
//! ground-truth JSON (`x.mp4` -> `x.truth.json`) holding the spec, per-frame angles and joint
//! pixels, and per-rep timing, tempo, depth and the expected rep count. The truth angles are
//! computed from the same joint positions the figure is drawn from.

pub mod draw;
pub mod figure;
pub mod rng;
pub mod trajectory;
pub mod view3d;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use opencv::core::{self, Mat, Scalar, Size};
use opencv::prelude::*;
use opencv::{imgproc, videoio};
use serde::{Deserialize, Serialize};

use crate::common::{Exercise, Tempo};
use crate::error::{Error, Result};
use draw::{Camera, Style};
use figure::{Drive, P2, Setup, Skeleton};
use rng::Rng;
use trajectory::{PhaseKind, RepTargets, Trajectory};
pub use view3d::CameraSpec;
use view3d::{Body3, PerspectiveCamera, V3};

/// Identifies the truth file format.
pub const TRUTH_FORMAT: &str = "hipflex-synth-truth/1";

/// The rep-counting rule the truth's `rep_count` follows.
pub const COUNTING_RULE: &str = "a rep counts when its working phase is complete (the lift for bridges and hinges, the lowering for Nordics); a partial rep whose working phase stalls part-way does not count";

/// Which way the figure faces in the picture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Facing {
    /// Face (or, lying supine, feet) towards the right edge; the camera sees the left side.
    #[default]
    Right,
    /// Mirror image: the camera sees the right side.
    Left,
}

impl Facing {
    /// The body side nearer the camera ("left" or "right").
    pub fn near_side(self) -> &'static str {
        match self {
            Facing::Right => "left",
            Facing::Left => "right",
        }
    }
}

/// Video codec for the written clip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// H.264 (`avc1`) when the OpenCV writer supports it, otherwise MPEG-4 part 2 (`mp4v`).
    #[default]
    Auto,
    Avc1,
    Mp4v,
}

/// Everything that determines a synthetic clip. Per-rep lists hold one value for all reps or
/// one value per rep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SynthSpec {
    pub exercise: Exercise,
    /// Number of repetitions, the partial last one included.
    pub reps: usize,
    /// Tempo per rep (eccentric-bottom pause-concentric-top pause, seconds). For a bridge the
    /// rep starts on the floor, so its phases run concentric, top pause, eccentric, bottom pause.
    pub tempo: Vec<Tempo>,
    /// Deepest hip flexion of each rep, degrees: the bottom of the hinge (deadlift), the pelvis
    /// on the floor (bridge; the largest value fixes where the feet are planted), the hip pike
    /// reached at the bottom (Nordic; 0 keeps the hips neutral).
    pub peak_hip_deg: Vec<f64>,
    /// Hip flexion at the top of each rep: standing (deadlift), top of the lift (bridge),
    /// kneeling upright (Nordic).
    pub top_hip_deg: Vec<f64>,
    /// Knee flexion standing (deadlift) or kneeling upright (Nordic, normally 90). Bridges ignore
    /// it (their knee angle follows from the foot placement).
    pub knee_top_deg: f64,
    /// Knee flexion at the bottom of each rep: the soft knee of the hinge (deadlift) or how
    /// close the body gets to the floor (Nordic).
    pub knee_bottom_deg: Vec<f64>,
    /// The last rep's working phase stalls at `partial_fraction` of its range and reverses.
    pub partial_last: bool,
    pub partial_fraction: f64,
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    pub lead_in_s: f64,
    pub lead_out_s: f64,
    /// Picks colours and background and seeds the pixel noise.
    pub seed: u64,
    pub facing: Facing,
    /// Standard deviation of the per-pixel noise, 8-bit levels.
    pub noise: f64,
    pub codec: Codec,
    /// A 3D perspective camera (any yaw, pitch, distance); `None` draws the flat side view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<CameraSpec>,
}

impl SynthSpec {
    /// Sensible defaults for `exercise`.
    pub fn new(exercise: Exercise) -> SynthSpec {
        let t = |s: &str| s.parse::<Tempo>().expect("valid default tempo");
        let (tempo, peak, top, knee_top, knee_bottom) = match exercise {
            Exercise::Bridge => (t("2-1-2-1"), 40.0, 0.0, 0.0, 0.0),
            Exercise::Nordic => (t("3-1-2-1"), 0.0, 0.0, 90.0, 20.0),
            Exercise::Deadlift | Exercise::Unknown => (t("3-1-2-1"), 70.0, 0.0, 5.0, 20.0),
        };
        SynthSpec {
            exercise,
            reps: 5,
            tempo: vec![tempo],
            peak_hip_deg: vec![peak],
            top_hip_deg: vec![top],
            knee_top_deg: knee_top,
            knee_bottom_deg: vec![knee_bottom],
            partial_last: false,
            partial_fraction: 0.5,
            fps: 30.0,
            width: 640,
            height: 480,
            lead_in_s: 1.0,
            lead_out_s: 1.0,
            seed: 1,
            facing: Facing::Right,
            noise: 3.0,
            codec: Codec::Auto,
            camera: None,
        }
    }

    fn per_rep<T: Copy>(list: &[T], i: usize) -> T {
        if list.len() == 1 { list[0] } else { list[i] }
    }

    fn bad(reason: impl Into<String>) -> Error {
        Error::Config {
            origin: "synth spec".into(),
            reason: reason.into(),
        }
    }

    /// Checks ranges and list lengths (pose feasibility is checked by `Clip::new`).
    pub fn validate(&self) -> Result<()> {
        if self.exercise == Exercise::Unknown {
            return Err(Self::bad(
                "synth draws bridge, nordic or deadlift, not `unknown`",
            ));
        }
        if !(1..=50).contains(&self.reps) {
            return Err(Self::bad(format!(
                "--reps must be 1 to 50, got {}",
                self.reps
            )));
        }
        for (name, len) in [
            ("--tempo", self.tempo.len()),
            ("--peak-hip", self.peak_hip_deg.len()),
            ("--top-hip", self.top_hip_deg.len()),
            ("--knee-bottom", self.knee_bottom_deg.len()),
        ] {
            if len != 1 && len != self.reps {
                return Err(Self::bad(format!(
                    "{name} takes one value or one per rep ({} reps), got {len}",
                    self.reps
                )));
            }
        }
        for t in &self.tempo {
            if t.eccentric_s < 0.2 || t.concentric_s < 0.2 {
                return Err(Self::bad(format!(
                    "tempo {t}: eccentric and concentric phases must last at least 0.2 s"
                )));
            }
            if [
                t.eccentric_s,
                t.bottom_pause_s,
                t.concentric_s,
                t.top_pause_s,
            ]
            .iter()
            .any(|x| *x > 30.0)
            {
                return Err(Self::bad(format!("tempo {t}: phases must be at most 30 s")));
            }
        }
        let fin = |x: f64| x.is_finite();
        let all = |v: &[f64], lo: f64, hi: f64| v.iter().all(|x| fin(*x) && *x >= lo && *x <= hi);
        let (plo, phi, tlo, thi) = match self.exercise {
            Exercise::Bridge => (10.0, 58.0, -20.0, 40.0),
            Exercise::Nordic => (0.0, 90.0, -10.0, 30.0),
            _ => (0.0, 110.0, -15.0, 40.0),
        };
        if !all(&self.peak_hip_deg, plo, phi) {
            return Err(Self::bad(format!(
                "--peak-hip for {} must be {plo} to {phi}°, got {:?}",
                self.exercise, self.peak_hip_deg
            )));
        }
        if !all(&self.top_hip_deg, tlo, thi) {
            return Err(Self::bad(format!(
                "--top-hip for {} must be {tlo} to {thi}°, got {:?}",
                self.exercise, self.top_hip_deg
            )));
        }
        for i in 0..self.reps {
            let (p, t) = (
                Self::per_rep(&self.peak_hip_deg, i),
                Self::per_rep(&self.top_hip_deg, i),
            );
            if self.exercise != Exercise::Nordic && p < t + 5.0 {
                return Err(Self::bad(format!(
                    "rep {}: peak hip {p}° must exceed top hip {t}° by at least 5°",
                    i + 1
                )));
            }
        }
        match self.exercise {
            Exercise::Nordic => {
                if !(fin(self.knee_top_deg) && (60.0..=100.0).contains(&self.knee_top_deg)) {
                    return Err(Self::bad("--knee-top for nordic must be 60 to 100°"));
                }
                if !all(&self.knee_bottom_deg, 5.0, self.knee_top_deg - 10.0) {
                    return Err(Self::bad(format!(
                        "--knee-bottom for nordic must be 5° to 10° less than the upright knee ({}°)",
                        self.knee_top_deg
                    )));
                }
            }
            Exercise::Deadlift
                if !(fin(self.knee_top_deg)
                    && (0.0..=30.0).contains(&self.knee_top_deg)
                    && all(&self.knee_bottom_deg, 0.0, 45.0)) =>
            {
                return Err(Self::bad(
                    "deadlift knee flexion must be 0 to 30° standing and 0 to 45° at the bottom",
                ));
            }
            _ => {}
        }
        if !(fin(self.partial_fraction) && (0.1..=0.9).contains(&self.partial_fraction)) {
            return Err(Self::bad("--partial-fraction must be 0.1 to 0.9"));
        }
        if !(fin(self.fps) && (5.0..=120.0).contains(&self.fps)) {
            return Err(Self::bad(format!(
                "--fps must be 5 to 120, got {}",
                self.fps
            )));
        }
        if self.width < 96 || self.height < 96 || self.width > 1920 || self.height > 1920 {
            return Err(Self::bad(format!(
                "--size must be 96x96 to 1920x1920, got {}x{}",
                self.width, self.height
            )));
        }
        if self.width % 2 != 0 || self.height % 2 != 0 {
            return Err(Self::bad(
                "--size width and height must be even (H.264 needs it)",
            ));
        }
        for (name, x) in [
            ("--lead-in", self.lead_in_s),
            ("--lead-out", self.lead_out_s),
        ] {
            if !(fin(x) && (0.0..=30.0).contains(&x)) {
                return Err(Self::bad(format!("{name} must be 0 to 30 s, got {x}")));
            }
        }
        if !(fin(self.noise) && (0.0..=30.0).contains(&self.noise)) {
            return Err(Self::bad("--noise must be 0 to 30"));
        }
        if let Some(c) = &self.camera {
            if !(fin(c.yaw_deg) && (-360.0..=360.0).contains(&c.yaw_deg)) {
                return Err(Self::bad("--camera-yaw must be -360 to 360°"));
            }
            if !(fin(c.pitch_deg) && (-30.0..=60.0).contains(&c.pitch_deg)) {
                return Err(Self::bad(
                    "--camera-pitch must be -30° (floor camera looking up) to 60° (looking down)",
                ));
            }
            if !(fin(c.distance_m) && (1.5..=10.0).contains(&c.distance_m)) {
                return Err(Self::bad("--camera-distance must be 1.5 to 10 m"));
            }
        }
        Ok(())
    }

    fn targets(&self) -> Vec<RepTargets> {
        (0..self.reps)
            .map(|i| {
                let peak = Self::per_rep(&self.peak_hip_deg, i);
                let top = Self::per_rep(&self.top_hip_deg, i);
                let kb = Self::per_rep(&self.knee_bottom_deg, i);
                match self.exercise {
                    Exercise::Bridge => RepTargets {
                        rest: [peak, 0.0],
                        turn: [top, 0.0],
                    },
                    Exercise::Nordic => RepTargets {
                        rest: [self.knee_top_deg, top],
                        turn: [kb, peak],
                    },
                    _ => RepTargets {
                        rest: [top, self.knee_top_deg],
                        turn: [peak, kb],
                    },
                }
            })
            .collect()
    }

    /// The `hipflex synth` command line that regenerates this spec into `output`.
    pub fn command(&self, output: &Path) -> String {
        let list = |v: &[f64]| v.iter().map(|x| num(*x)).collect::<Vec<_>>().join(",");
        let tempo = self
            .tempo
            .iter()
            .map(|t| {
                format!(
                    "{}-{}-{}-{}",
                    num(t.eccentric_s),
                    num(t.bottom_pause_s),
                    num(t.concentric_s),
                    num(t.top_pause_s)
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        let mut c = format!(
            "hipflex synth --exercise {} --reps {} --tempo {} --peak-hip {} --top-hip {}",
            self.exercise,
            self.reps,
            tempo,
            list(&self.peak_hip_deg),
            list(&self.top_hip_deg)
        );
        if self.exercise != Exercise::Bridge {
            c += &format!(
                " --knee-top {} --knee-bottom {}",
                num(self.knee_top_deg),
                list(&self.knee_bottom_deg)
            );
        }
        if self.partial_last {
            c += &format!(
                " --partial-last --partial-fraction {}",
                num(self.partial_fraction)
            );
        }
        c += &format!(
            " --fps {} --size {}x{} --lead-in {} --lead-out {} --seed {}",
            num(self.fps),
            self.width,
            self.height,
            num(self.lead_in_s),
            num(self.lead_out_s),
            self.seed
        );
        if self.facing != Facing::Right {
            c += " --facing left";
        }
        if self.noise != 3.0 {
            c += &format!(" --noise {}", num(self.noise));
        }
        if self.codec != Codec::Auto {
            c += &format!(
                " --codec {}",
                match self.codec {
                    Codec::Avc1 => "avc1",
                    _ => "mp4v",
                }
            );
        }
        if let Some(cam) = &self.camera {
            c += &format!(
                " --camera-yaw {} --camera-pitch {} --camera-distance {}",
                num(cam.yaw_deg),
                num(cam.pitch_deg),
                num(cam.distance_m)
            );
        }
        c + &format!(" -o {}", output.display())
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

/// Arguments of `hipflex synth` (the CLI flattens this into its subcommand).
#[derive(Clone, Debug, clap::Args)]
pub struct SynthArgs {
    /// Exercise to draw.
    #[arg(long, value_enum)]
    pub exercise: Exercise,
    /// Number of repetitions (the partial last one included).
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Tempo eccentric-bottom pause-concentric-top pause in seconds, one for all reps or a
    /// comma-separated list with one per rep [default: 2-1-2-1 bridge, 3-1-2-1 otherwise].
    #[arg(long, value_delimiter = ',')]
    pub tempo: Vec<Tempo>,
    /// Deepest hip flexion per rep, degrees (one value or a comma list) [default: bridge 40,
    /// deadlift 70, nordic 0].
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub peak_hip: Vec<f64>,
    /// Hip flexion at the top of each rep, degrees [default: 0].
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub top_hip: Vec<f64>,
    /// Nordic only: hip pike reached at the bottom, degrees (same as --peak-hip for Nordics).
    #[arg(long)]
    pub hip_pike: Option<f64>,
    /// Knee flexion at the top: standing (deadlift, default 5) or kneeling upright (nordic,
    /// default 90).
    #[arg(long)]
    pub knee_top: Option<f64>,
    /// Knee flexion at the bottom per rep [default: deadlift 20, nordic 20].
    #[arg(long, value_delimiter = ',')]
    pub knee_bottom: Vec<f64>,
    /// Make the last rep partial: its working phase stalls part-way and reverses (not counted).
    #[arg(long)]
    pub partial_last: bool,
    /// How far through its range the partial last rep gets.
    #[arg(long, default_value_t = 0.5)]
    pub partial_fraction: f64,
    /// Frames per second.
    #[arg(long, default_value_t = 30.0)]
    pub fps: f64,
    /// Frame size WIDTHxHEIGHT.
    #[arg(long, default_value = "640x480", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Seed for colours, background and noise (generation is deterministic given the seed).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Rest before the first rep, seconds.
    #[arg(long, default_value_t = 1.0)]
    pub lead_in: f64,
    /// Rest after the last rep, seconds.
    #[arg(long, default_value_t = 1.0)]
    pub lead_out: f64,
    /// Which way the figure faces.
    #[arg(long, value_enum, default_value_t = Facing::Right)]
    pub facing: Facing,
    /// Pixel noise standard deviation (8-bit levels).
    #[arg(long, default_value_t = 3.0)]
    pub noise: f64,
    /// Video codec.
    #[arg(long, value_enum, default_value_t = Codec::Auto)]
    pub codec: Codec,
    /// Render in 3D with perspective: camera direction around the person, degrees (0 = their
    /// left side, 90 = in front, 180 = right side, 270 = behind). Any camera option turns on
    /// the 3D renderer.
    #[arg(long, allow_negative_numbers = true)]
    pub camera_yaw: Option<f64>,
    /// Camera elevation, degrees: positive above the person looking down (a phone on a
    /// shelf), negative a floor camera looking up [default: 0 with a 3D camera].
    #[arg(long, allow_negative_numbers = true)]
    pub camera_pitch: Option<f64>,
    /// Camera distance from the person's centre, metres for a 1.75 m person [default: 3].
    #[arg(long)]
    pub camera_distance: Option<f64>,
    /// Output video (mp4); the ground truth goes beside it as NAME.truth.json.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Overwrite the output video and truth file if they exist.
    #[arg(long)]
    pub force: bool,
}

fn parse_size(s: &str) -> std::result::Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("size `{s}` must look like 640x480"))?;
    let p = |x: &str| {
        x.trim()
            .parse::<u32>()
            .map_err(|_| format!("size `{s}` must look like 640x480"))
    };
    Ok((p(w)?, p(h)?))
}

impl SynthArgs {
    /// The spec these arguments describe (validated).
    pub fn to_spec(&self) -> Result<SynthSpec> {
        let mut s = SynthSpec::new(self.exercise);
        s.reps = self.reps;
        if !self.tempo.is_empty() {
            s.tempo = self.tempo.clone();
        }
        if !self.peak_hip.is_empty() {
            s.peak_hip_deg = self.peak_hip.clone();
        }
        if let Some(p) = self.hip_pike {
            if self.exercise != Exercise::Nordic {
                return Err(SynthSpec::bad(
                    "--hip-pike applies to --exercise nordic only",
                ));
            }
            if !self.peak_hip.is_empty() {
                return Err(SynthSpec::bad(
                    "give --hip-pike or --peak-hip for a Nordic, not both",
                ));
            }
            s.peak_hip_deg = vec![p];
        }
        if !self.top_hip.is_empty() {
            s.top_hip_deg = self.top_hip.clone();
        }
        if let Some(k) = self.knee_top {
            s.knee_top_deg = k;
        }
        if !self.knee_bottom.is_empty() {
            s.knee_bottom_deg = self.knee_bottom.clone();
        }
        s.partial_last = self.partial_last;
        s.partial_fraction = self.partial_fraction;
        s.fps = self.fps;
        (s.width, s.height) = self.size;
        s.seed = self.seed;
        s.lead_in_s = self.lead_in;
        s.lead_out_s = self.lead_out;
        s.facing = self.facing;
        s.noise = self.noise;
        s.codec = self.codec;
        if self.camera_yaw.is_some()
            || self.camera_pitch.is_some()
            || self.camera_distance.is_some()
        {
            s.camera = Some(CameraSpec {
                yaw_deg: self.camera_yaw.unwrap_or(0.0),
                pitch_deg: self.camera_pitch.unwrap_or(0.0),
                distance_m: self.camera_distance.unwrap_or(3.0),
            });
        }
        s.validate()?;
        Ok(s)
    }
}

/// Ground truth of one clip, as written to `x.truth.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub format: String,
    pub generator: String,
    /// Command line that regenerates the clip.
    pub command: String,
    pub spec: SynthSpec,
    pub video: VideoInfo,
    /// Side of the body nearer the camera ("left" when facing right).
    pub near_side: String,
    pub counting_rule: String,
    /// Number of reps that count under `counting_rule`.
    pub rep_count: usize,
    pub reps: Vec<RepTruth>,
    pub frames: Vec<FrameTruth>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    /// File name of the video (same directory as the truth file).
    pub file: String,
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    pub frame_count: usize,
    /// Length of the motion, seconds (frame i shows time i / fps).
    pub duration_s: f64,
    /// FourCC actually used ("avc1" or "mp4v").
    pub codec: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepTruth {
    /// 1-based.
    pub index: usize,
    /// False for a partial rep (its working phase stalled); such a rep does not count.
    pub complete: bool,
    /// Start of the first movement.
    pub start_s: f64,
    /// End of the first movement: the bottom for deadlifts and Nordics, the top for bridges.
    pub turn_s: f64,
    /// End of the pause at the turn.
    pub turn_end_s: f64,
    /// End of the second movement (back at rest, or at the stall of a partial deadlift).
    pub return_s: f64,
    /// End of the rep, after its closing pause.
    pub end_s: f64,
    /// When the working phase completed and the rep counted (None for a partial rep).
    pub counted_at_s: Option<f64>,
    /// Durations of the rep's phases (eccentric-bottom pause-concentric-top pause).
    pub tempo: Tempo,
    /// Largest and smallest hip flexion during the rep, degrees.
    pub peak_hip_deg: f64,
    pub min_hip_deg: f64,
    pub peak_knee_deg: f64,
    pub min_knee_deg: f64,
    pub phases: Vec<PhaseTruth>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseTruth {
    pub kind: PhaseKind,
    pub start_s: f64,
    pub end_s: f64,
    pub hip_from_deg: f64,
    pub hip_to_deg: f64,
    pub knee_from_deg: f64,
    pub knee_to_deg: f64,
}

/// Near-side landmark pixel positions, [x, y] with y down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Landmarks {
    pub ear: [f64; 2],
    pub eye: [f64; 2],
    pub nose: [f64; 2],
    pub shoulder: [f64; 2],
    pub elbow: [f64; 2],
    pub wrist: [f64; 2],
    pub hip: [f64; 2],
    pub knee: [f64; 2],
    pub ankle: [f64; 2],
    pub heel: [f64; 2],
    pub toe: [f64; 2],
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameTruth {
    pub frame: usize,
    pub t_s: f64,
    pub hip_flexion_deg: f64,
    pub knee_flexion_deg: f64,
    pub trunk_inclination_deg: f64,
    pub phase: PhaseKind,
    /// 1-based rep index, None during lead-in and lead-out.
    pub rep: Option<usize>,
    /// Near-side landmark pixels (with a 3D camera: the side nearer the camera).
    pub px: Landmarks,
    /// 3D camera only: the trunk–thigh angle as the picture shows it (180° minus the image
    /// angle between the near side's hip→shoulder and hip→knee, unsigned), degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hip_flexion_projected_deg: Option<f64>,
    /// 3D camera only: which side is nearer the camera in this frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_side: Option<String>,
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A clip ready to be drawn frame by frame.
pub struct Clip {
    pub spec: SynthSpec,
    pub setup: Setup,
    pub trajectory: Trajectory,
    pub camera: Camera,
    /// The 3D camera, when the spec asks for one.
    pub camera3d: Option<PerspectiveCamera>,
    style: Style,
    background: Mat,
    noise: Vec<(Mat, Mat)>,
    depth_range: (f64, f64),
}

impl Clip {
    /// Plans the motion, checks every frame's pose is feasible, fixes the camera and paints
    /// the background.
    pub fn new(spec: &SynthSpec) -> Result<Clip> {
        spec.validate()?;
        let floor_hip = spec.peak_hip_deg.iter().cloned().fold(f64::MIN, f64::max);
        let setup = Setup::new(spec.exercise, floor_hip).map_err(SynthSpec::bad)?;
        let targets = spec.targets();
        let tempi: Vec<Tempo> = (0..spec.reps)
            .map(|i| SynthSpec::per_rep(&spec.tempo, i))
            .collect();
        let trajectory = trajectory::build(
            spec.exercise,
            &targets,
            &tempi,
            spec.lead_in_s,
            spec.lead_out_s,
            spec.partial_last.then_some(spec.partial_fraction),
        );
        let depth_range = match spec.exercise {
            Exercise::Nordic => (
                spec.knee_top_deg,
                spec.knee_bottom_deg
                    .iter()
                    .cloned()
                    .fold(f64::MAX, f64::min),
            ),
            Exercise::Bridge => (floor_hip, 0.0),
            _ => (0.0, floor_hip),
        };
        let mut clip = Clip {
            spec: spec.clone(),
            setup,
            trajectory,
            camera: Camera {
                scale: 1.0,
                ox: 0.0,
                oy: 0.0,
                width: spec.width as f64,
                mirror: false,
            },
            camera3d: None,
            style: Style::from_rng(&mut Rng::new(spec.seed)),
            background: Mat::default(),
            noise: Vec::new(),
            depth_range,
        };
        let n = clip.frame_count();
        let mut pts = Vec::new();
        let mut pts3 = Vec::new();
        for i in 0..n {
            let t = clip.time(i);
            let sk = clip.skeleton_at(t);
            let (c, part) = sk.floor_clearance(spec.exercise);
            if c < -0.002 {
                return Err(SynthSpec::bad(format!(
                    "at {t:.2} s the pose (hip {:.0}°, knee {:.0}°) would push the {part} through the floor; use a smaller hip pike / peak hip or a larger bottom knee angle",
                    sk.hip_flexion(),
                    sk.knee_flexion()
                )));
            }
            pts.extend(sk.extent_points());
            if spec.camera.is_some() && i % 3 == 0 {
                pts3.extend(Body3::from_skeleton(&sk).extent());
            }
        }
        clip.camera = Camera::framing(&pts, spec.width, spec.height, spec.facing == Facing::Left);
        if let Some(mut cs) = spec.camera {
            if spec.facing == Facing::Left {
                cs.yaw_deg += 180.0;
            }
            let (mut lo, mut hi) = (
                V3::new(f64::MAX, f64::MAX, f64::MAX),
                V3::new(f64::MIN, f64::MIN, f64::MIN),
            );
            for p in &pts3 {
                lo = V3::new(lo.x.min(p.x), lo.y.min(p.y), lo.z.min(p.z));
                hi = V3::new(hi.x.max(p.x), hi.y.max(p.y), hi.z.max(p.z));
            }
            let target = lo.plus(hi).scale(0.5);
            let cam3 = PerspectiveCamera::aimed(&cs, target, &pts3, spec.width, spec.height);
            // The 2D background only needs the floor row.
            clip.camera.oy = cam3.floor_row(target);
            clip.camera3d = Some(cam3);
        }
        let mut rng = Rng::new(spec.seed.wrapping_mul(31).wrapping_add(7));
        clip.background =
            draw::background(spec.width, spec.height, &clip.camera, &clip.style, &mut rng)?;
        if spec.noise > 0.0 {
            for _ in 0..4 {
                clip.noise
                    .push(noise_pair(spec.width, spec.height, spec.noise, &mut rng)?);
            }
        }
        Ok(clip)
    }

    pub fn frame_count(&self) -> usize {
        self.trajectory.frame_count(self.spec.fps)
    }

    /// The static background the figure is drawn over (before blur and noise).
    pub fn background(&self) -> &Mat {
        &self.background
    }

    /// Time shown by frame `i`, seconds.
    pub fn time(&self, i: usize) -> f64 {
        i as f64 / self.spec.fps
    }

    /// The figure's joints at time `t`.
    pub fn skeleton_at(&self, t: f64) -> Skeleton {
        let ch = self.trajectory.at(t);
        let (a, b) = self.depth_range;
        let depth = if (b - a).abs() > 1e-9 {
            ((ch[0] - a) / (b - a)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        Skeleton::pose(
            &self.setup,
            Drive {
                primary: ch[0],
                secondary: ch[1],
                depth,
            },
        )
    }

    /// Renders frame `i` (BGR, 8-bit).
    pub fn frame(&self, i: usize) -> Result<Mat> {
        let sk = self.skeleton_at(self.time(i));
        let mut img = self.background.try_clone()?;
        match &self.camera3d {
            Some(c3) => view3d::figure(&mut img, c3, &self.style, self.spec.exercise, &sk)?,
            None => draw::figure(&mut img, &self.camera, &self.style, self.spec.exercise, &sk)?,
        }
        let mut soft = Mat::default();
        imgproc::gaussian_blur(
            &img,
            &mut soft,
            Size::new(3, 3),
            0.7,
            0.0,
            core::BORDER_REPLICATE,
        )?;
        if let Some((pos, neg)) = self.noise.get(i % self.noise.len().max(1)) {
            let mut a = Mat::default();
            core::add(&soft, pos, &mut a, &core::no_array(), -1)?;
            core::subtract(&a, neg, &mut soft, &core::no_array(), -1)?;
        }
        Ok(soft)
    }

    fn landmarks(&self, sk: &Skeleton) -> Landmarks {
        if let Some(c3) = &self.camera3d {
            return landmarks_3d(c3, sk);
        }
        let px = |p: P2| {
            let (u, v) = self.camera.px(p);
            [r2(u), r2(v)]
        };
        let (ear, eye, nose) = sk.face_points();
        Landmarks {
            ear: px(ear),
            eye: px(eye),
            nose: px(nose),
            shoulder: px(sk.shoulder),
            elbow: px(sk.elbow),
            wrist: px(sk.wrist),
            hip: px(sk.hip),
            knee: px(sk.knee),
            ankle: px(sk.ankle),
            heel: px(sk.heel),
            toe: px(sk.toe),
        }
    }

    /// The ground truth of this clip, for a video file called `video_file` written with
    /// `codec` ("avc1" or "mp4v").
    pub fn truth(&self, video_file: &str, codec: &str, output: &Path) -> GroundTruth {
        let spec = &self.spec;
        let tr = &self.trajectory;
        let n = self.frame_count();
        let mut frames = Vec::with_capacity(n);
        for i in 0..n {
            let t = self.time(i);
            let sk = self.skeleton_at(t);
            let seg_i = tr
                .segments
                .partition_point(|s| s.t1 <= t)
                .min(tr.segments.len() - 1);
            let seg = &tr.segments[seg_i];
            frames.push(FrameTruth {
                frame: i,
                t_s: r3(t),
                hip_flexion_deg: r3(sk.hip_flexion()),
                knee_flexion_deg: r3(sk.knee_flexion()),
                trunk_inclination_deg: r3(sk.trunk_inclination()),
                phase: seg.kind,
                rep: seg.rep.map(|r| r + 1),
                px: self.landmarks(&sk),
                hip_flexion_projected_deg: self
                    .camera3d
                    .as_ref()
                    .map(|c| r3(view3d::projected_hip_flexion(c, &Body3::from_skeleton(&sk)).0)),
                near_side: self.camera3d.as_ref().map(|c| {
                    view3d::projected_hip_flexion(c, &Body3::from_skeleton(&sk))
                        .1
                        .into()
                }),
            });
        }
        let mut reps = Vec::new();
        for i in 0..spec.reps {
            let segs = tr.rep_segments(i);
            let complete = tr.complete[i];
            let phases: Vec<PhaseTruth> = segs
                .iter()
                .map(|s| {
                    let a = self.skeleton_at(s.t0 + 1e-9);
                    let b = self.skeleton_at(s.t1 - 1e-9);
                    PhaseTruth {
                        kind: s.kind,
                        start_s: r3(s.t0),
                        end_s: r3(s.t1),
                        hip_from_deg: r3(a.hip_flexion()),
                        hip_to_deg: r3(b.hip_flexion()),
                        knee_from_deg: r3(a.knee_flexion()),
                        knee_to_deg: r3(b.knee_flexion()),
                    }
                })
                .collect();
            let dur = |k: PhaseKind| {
                segs.iter()
                    .find(|s| s.kind == k)
                    .map(|s| s.duration())
                    .unwrap_or(0.0)
            };
            let tempo = Tempo {
                eccentric_s: r3(dur(PhaseKind::Eccentric)),
                bottom_pause_s: r3(dur(PhaseKind::BottomPause)),
                concentric_s: r3(dur(PhaseKind::Concentric)),
                top_pause_s: r3(dur(PhaseKind::TopPause)),
            };
            let hips: Vec<f64> = phases
                .iter()
                .flat_map(|p| [p.hip_from_deg, p.hip_to_deg])
                .collect();
            let knees: Vec<f64> = phases
                .iter()
                .flat_map(|p| [p.knee_from_deg, p.knee_to_deg])
                .collect();
            let max = |v: &[f64]| v.iter().cloned().fold(f64::MIN, f64::max);
            let min = |v: &[f64]| v.iter().cloned().fold(f64::MAX, f64::min);
            let working_first = trajectory::working_phase_first(spec.exercise);
            let counted_at = complete.then(|| {
                if working_first {
                    segs[0].t1
                } else {
                    segs[2].t1
                }
            });
            reps.push(RepTruth {
                index: i + 1,
                complete,
                start_s: r3(segs[0].t0),
                turn_s: r3(segs[0].t1),
                turn_end_s: r3(segs[1].t1),
                return_s: r3(segs[2].t1),
                end_s: r3(segs[segs.len() - 1].t1),
                counted_at_s: counted_at.map(r3),
                tempo,
                peak_hip_deg: max(&hips),
                min_hip_deg: min(&hips),
                peak_knee_deg: max(&knees),
                min_knee_deg: min(&knees),
                phases,
            });
        }
        GroundTruth {
            format: TRUTH_FORMAT.into(),
            generator: format!("hipflex {} synth", env!("CARGO_PKG_VERSION")),
            command: spec.command(output),
            spec: spec.clone(),
            video: VideoInfo {
                file: video_file.into(),
                fps: spec.fps,
                width: spec.width,
                height: spec.height,
                frame_count: n,
                duration_s: r3(tr.duration),
                codec: codec.into(),
            },
            near_side: spec.facing.near_side().into(),
            counting_rule: COUNTING_RULE.into(),
            rep_count: tr.complete.iter().filter(|c| **c).count(),
            reps,
            frames,
        }
    }
}

/// Landmark pixels of the side nearer the 3D camera.
fn landmarks_3d(c3: &PerspectiveCamera, sk: &Skeleton) -> Landmarks {
    let b = Body3::from_skeleton(sk);
    let near_left = c3.pos.minus(b.hip_centre()).z >= 0.0;
    let s = if near_left { &b.left } else { &b.right };
    let px = |p: V3| {
        let (u, v, _) = c3.project(p);
        [r2(u), r2(v)]
    };
    let (ear, eye, nose) = sk.face_points();
    let lat = if near_left { 0.06 } else { -0.06 };
    Landmarks {
        ear: px(view3d::from2(ear, lat)),
        eye: px(view3d::from2(eye, lat * 0.45)),
        nose: px(view3d::from2(nose, 0.0)),
        shoulder: px(s.shoulder),
        elbow: px(s.elbow),
        wrist: px(s.wrist),
        hip: px(s.hip),
        knee: px(s.knee),
        ankle: px(s.ankle),
        heel: px(s.heel),
        toe: px(s.toe),
    }
}

fn noise_pair(w: u32, h: u32, sd: f64, rng: &mut Rng) -> Result<(Mat, Mat)> {
    let (w, h) = (w as i32, h as i32);
    let mut pos = Mat::new_rows_cols_with_default(h, w, core::CV_8UC3, Scalar::all(0.0))?;
    let mut neg = Mat::new_rows_cols_with_default(h, w, core::CV_8UC3, Scalar::all(0.0))?;
    {
        let p = pos.data_bytes_mut()?;
        let mut vals = Vec::with_capacity(p.len());
        for _ in 0..p.len() {
            vals.push(rng.normal() * sd);
        }
        for (d, v) in p.iter_mut().zip(&vals) {
            *d = v.max(0.0).round().min(255.0) as u8;
        }
        let q = neg.data_bytes_mut()?;
        for (d, v) in q.iter_mut().zip(&vals) {
            *d = (-v).max(0.0).round().min(255.0) as u8;
        }
    }
    Ok((pos, neg))
}

/// `x.mp4` -> `x.truth.json`.
pub fn truth_path_for(video: &Path) -> PathBuf {
    let stem = video
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    video.with_file_name(format!("{stem}.truth.json"))
}

fn temp_path_for(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tmp".into());
    path.with_file_name(format!(".{name}.{}.tmp.{ext}", std::process::id()))
}

fn refuse_existing(path: &Path, force: bool) -> Result<()> {
    if !force && path.exists() {
        return Err(Error::OutputExists { path: path.into() });
    }
    Ok(())
}

fn open_writer(path: &Path, spec: &SynthSpec) -> Result<(videoio::VideoWriter, &'static str)> {
    let order: &[&'static str] = match spec.codec {
        Codec::Auto => &crate::video::DEFAULT_CODECS,
        Codec::Avc1 => &["avc1"],
        Codec::Mp4v => &["mp4v"],
    };
    let size = Size::new(spec.width as i32, spec.height as i32);
    crate::video::open_writer(path, spec.fps, size, order)
}

/// Renders the clip to `video_out` (written to a temporary file in the same directory and
/// renamed into place) and returns its ground truth. Refuses to overwrite an existing video or
/// truth file unless `force`. Call [`write_truth`] to store the truth.
pub fn render(spec: &SynthSpec, video_out: &Path, force: bool) -> Result<GroundTruth> {
    refuse_existing(video_out, force)?;
    refuse_existing(&truth_path_for(video_out), force)?;
    let clip = Clip::new(spec)?;
    if let Some(dir) = video_out.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| Error::Write {
            path: dir.into(),
            source: e,
        })?;
    }
    let tmp = temp_path_for(video_out);
    let result = (|| -> Result<&'static str> {
        let (mut w, cc) = open_writer(&tmp, spec)?;
        for i in 0..clip.frame_count() {
            w.write(&clip.frame(i)?)?;
        }
        w.release()?;
        let written = fs::metadata(&tmp).map(|m| m.len()).unwrap_or(0);
        if written == 0 {
            return Err(Error::Write {
                path: video_out.into(),
                source: std::io::Error::other("the video writer produced an empty file"),
            });
        }
        Ok(cc)
    })();
    let cc = match result {
        Ok(cc) => cc,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    fs::rename(&tmp, video_out).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::Write {
            path: video_out.into(),
            source: e,
        }
    })?;
    let file = video_out
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(clip.truth(&file, cc, video_out))
}

/// The truth as JSON text: pretty-printed, with one line per frame.
pub fn truth_json(truth: &GroundTruth) -> Result<String> {
    let mut v =
        serde_json::to_value(truth).map_err(|e| Error::Other(format!("truth JSON: {e}")))?;
    let frames = v
        .as_object_mut()
        .and_then(|o| o.remove("frames"))
        .unwrap_or(serde_json::Value::Array(vec![]));
    let head =
        serde_json::to_string_pretty(&v).map_err(|e| Error::Other(format!("truth JSON: {e}")))?;
    let mut out = head.trim_end().trim_end_matches('}').trim_end().to_string();
    out.push_str(",\n  \"frames\": [\n");
    let rows: Vec<String> = frames
        .as_array()
        .map(|a| a.iter().map(|f| format!("    {f}")).collect())
        .unwrap_or_default();
    out.push_str(&rows.join(",\n"));
    out.push_str("\n  ]\n}\n");
    Ok(out)
}

/// Writes `truth` to `path` atomically (temporary file in the same directory, then rename).
/// Refuses to overwrite unless `force`.
pub fn write_truth(truth: &GroundTruth, path: &Path, force: bool) -> Result<()> {
    refuse_existing(path, force)?;
    let text = truth_json(truth)?;
    let tmp = temp_path_for(path);
    let werr = |e| Error::Write {
        path: path.into(),
        source: e,
    };
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(werr(e));
    }
    Ok(())
}

/// Reads a truth file back.
pub fn read_truth(path: &Path) -> Result<GroundTruth> {
    let text = fs::read_to_string(path).map_err(|e| Error::Read {
        path: path.into(),
        reason: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Read {
        path: path.into(),
        reason: format!("not a hipflex synth truth file: {e}"),
    })
}

/// Renders `spec` to `video_out` and writes its truth beside it; returns the truth.
pub fn generate(spec: &SynthSpec, video_out: &Path, force: bool) -> Result<GroundTruth> {
    let truth_path = truth_path_for(video_out);
    // `render` refuses an existing video or truth file before it writes anything.
    let truth = render(spec, video_out, force)?;
    write_truth(&truth, &truth_path, force)?;
    Ok(truth)
}

/// Entry point for `hipflex synth`.
pub fn run(args: &SynthArgs) -> Result<GroundTruth> {
    let spec = args.to_spec()?;
    generate(&spec, &args.output, args.force)
}
