//! Analysis parameters (not clinical limits: those live in the protocol file).

use serde::{Deserialize, Serialize};

use crate::kinematics::{KinematicsParams, ViewParams};
use crate::signal::CleanParams;

/// Every tunable of the analysis, with documented defaults. Deserialisable from a partial
/// TOML/JSON file: missing fields keep their defaults, unknown fields are rejected.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysisConfig {
    /// Slow-motion clips: the rate the camera captured at (e.g. 240). Time is rescaled by
    /// playback fps / capture fps so tempo is real time. `None` = real-time clip.
    pub capture_fps: Option<f64>,
    pub signal: CleanParams,
    pub kinematics: KinematicsParams,
    pub view: ViewParams,
    pub classify: ClassifyParams,
    pub reps: RepParams,
    pub uncertainty: crate::kinematics::uncertainty::UncertaintyParams,
}

impl AnalysisConfig {
    /// Parses a TOML override file (partial files allowed).
    pub fn from_toml(text: &str, origin: &str) -> crate::Result<Self> {
        toml::from_str(text).map_err(|e| crate::Error::Config {
            origin: origin.to_string(),
            reason: e.to_string(),
        })
    }
}

/// Posture thresholds for exercise classification, from general biomechanics
/// (angles in degrees from image vertical unless stated; the camera is assumed level).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifyParams {
    /// Trunk at least this far from vertical counts as lying (default 45).
    pub lying_trunk_min_deg: f64,
    /// Cosine between the trunk's front and image up above which the person lies on the
    /// back (default 0.3).
    pub supine_anterior_min: f64,
    /// Knee flexion above which the knees count as bent (bridge posture, default 30).
    pub bent_knee_min_deg: f64,
    /// Shank at least this far from vertical counts as lying on the floor (kneeling, default 55).
    pub kneeling_shank_min_deg: f64,
    /// Shank at most this far from vertical counts as standing on the feet (default 40).
    pub standing_shank_max_deg: f64,
    /// Thigh (knee -> hip) at most this far from vertical: hip above the knee (default 100).
    pub hip_above_knee_max_deg: f64,
    /// Fraction of frames with a posture needed to name the exercise (default 0.5).
    pub min_posture_fraction: f64,
    /// Share of the frames with a pose in which the shoulder, hip and knee (trunk and
    /// thigh) are seen confidently, at least, to name the exercise (default 0.5; the
    /// ankles do not count, so feet out of the frame do not make a clip unnamed). Below it
    /// most of the postures are read from angles interpolated between a few readings
    /// (`docs/classification.md`).
    pub min_seen_fraction: f64,
    /// Smallest hip-flexion range (p95 - p5) of a standing hinge set (default 20).
    pub hinge_min_range_deg: f64,
    /// Trunk inclination reached at the bottom of a hinge, at least (default 25: a
    /// phase-2 partial hinge to 40° of hip flexion tilts the trunk only about 30°).
    pub hinge_trunk_min_deg: f64,
    /// Share of the hip-flexion change that comes from the trunk tilting, at least (default
    /// 0.45; an RDL is about 0.8, a squat about 0.3, a lunge about 0).
    pub hinge_trunk_share_min: f64,
    /// Knee flexion at the bottom above which the pattern is a squat, not a hinge (default 100).
    pub hinge_knee_max_deg: f64,
    /// A trunk pitched at least this far from vertical at the bottom (default 45) marks a
    /// deadlift from the floor, which bends the knees more than an RDL (trunk share about
    /// 0.35-0.6) but pitches the trunk 45-75° (kettlebell and sumo deadlifts 45-55), where a
    /// squat that keeps the knees under `hinge_knee_max_deg` stays at 30-40°...
    pub hinge_deep_trunk_deg: f64,
    /// ...and then a smaller trunk share suffices (default 0.35; a squat is about 0.3 or less).
    pub hinge_deep_trunk_share_min: f64,
    /// A knee-dominant hinge (trunk share between `hinge_deep_trunk_share_min` and
    /// `hinge_trunk_share_min`, e.g. a kettlebell deadlift, 0.4-0.5) is still a hinge when the
    /// thighs stay at most this far from vertical at the bottom (default 72: such deadlifts
    /// reach 55-65; a squat takes the thighs to horizontal, 80-95).
    pub hinge_knee_dominant_thigh_max_deg: f64,
    /// Lying on the back is a bridge only when the hip flexion at the top of the set (5th
    /// percentile) is at most this (default 40: bridges and hip thrusts reach 0-20; a sit-up
    /// or crunch stays at 60 or more).
    pub bridge_top_hip_max_deg: f64,
    /// A clip in no one posture whose frames lie on the back with the knees bent and sit up
    /// with the knees drawn up (thighs past horizontal, trunk within `lying_trunk_min_deg` of
    /// vertical), together at least `min_posture_fraction` and each at least this share
    /// (default 0.1), with the hips never extending (`bridge_top_hip_max_deg`), is a sit-up:
    /// its movements are not counted. The shared sit-ups filmed at 45 deg lie back on 27% of
    /// their frames and sit up on 73%; a bridge lies on the back nearly throughout.
    pub situp_posture_min_fraction: f64,
    /// Kneeling is a Nordic curl only when the thighs come up to within this of vertical
    /// (10th percentile, default 35: the start of each lowering is near 0; a push-up or
    /// plank keeps them near horizontal)...
    pub nordic_upright_thigh_max_deg: f64,
    /// ...and the knee angle changes by at least this (p95 - p5, default 30; a Nordic opens
    /// the knee from about 90 towards 0, a push-up keeps it fixed).
    pub nordic_knee_range_min_deg: f64,
    /// Filmed from behind (at least `arms_check_min_rear_fraction` of the frames) and at
    /// least this far off the side view (camera offset, default 60), a standing hinge must
    /// also show a hinge's arms, because the pose model reads a kneeling Nordic curl seen
    /// from there as standing (`classify`). From the front the Nordic's shins hide behind
    /// its thighs, so a hinge with the hands on the hips filmed from the front is still a
    /// hinge. The wrists
    /// hanging at least `hinge_arms_hang_min` arm lengths below the shoulders (median over
    /// the standing frames, default 0.75: loaded hinges 0.91-0.98 on the shared clips and
    /// the synthetic set, the synthetic Nordic curl 0.18-0.69) or holding a bar on the back
    /// at most `hinge_bar_on_back_max` (default 0: good mornings -0.58 and -0.18).
    pub arms_check_min_offset_deg: f64,
    /// Share of the frames seen from behind (`ViewQuality::rear_fraction`) from which the
    /// arms are checked (default 0.5: the synthetic rear Nordic 0.92, the front one 0.16).
    pub arms_check_min_rear_fraction: f64,
    /// See `arms_check_min_offset_deg`.
    pub hinge_arms_hang_min: f64,
    /// See `arms_check_min_offset_deg`.
    pub hinge_bar_on_back_max: f64,
    /// A clip that is none of the three exercises is walking (its movements strides, not
    /// repetitions; [`super::gait`]) when its two thighs swing in turn: the correlation of
    /// their pitches at most this (default -0.6; a bridge, hinge or Nordic moves them
    /// together, +0.8 to +1.0 on the shared clips; walking there reads -0.73, a reverse
    /// lunge -0.33 to -0.48)...
    pub gait_correlation_max: f64,
    /// ...each thigh's swing (10th to 90th percentile) at least `gait_swing_min_deg` (default
    /// 15: standing still) and at most `gait_swing_max_deg` (default 50: walking swings each
    /// thigh about 40° from front to back, 26-29° on the shared walking clip; a lunge takes
    /// the front thigh towards horizontal and the back one behind, 45-63° there, and its
    /// depth is worth checking against the cap)...
    pub gait_swing_min_deg: f64,
    /// See `gait_swing_min_deg`.
    pub gait_swing_max_deg: f64,
    /// ...the smaller swing at least this share of the larger (default 0.6: both legs
    /// walk; a single-leg hinge swings the free leg two to three times the standing one's)...
    pub gait_swing_balance_min: f64,
    /// ...and the knee bent at most this (90th percentile, default 70: walking bends the
    /// swinging knee to about 60°, 50 on the shared walking clip; a lunge bends the front
    /// knee to 90° or more, 81-104 on the shared lunges, whose thighs can also read in turn).
    pub gait_knee_max_deg: f64,
}

impl Default for ClassifyParams {
    fn default() -> Self {
        ClassifyParams {
            lying_trunk_min_deg: 45.0,
            supine_anterior_min: 0.3,
            bent_knee_min_deg: 30.0,
            kneeling_shank_min_deg: 55.0,
            standing_shank_max_deg: 40.0,
            hip_above_knee_max_deg: 100.0,
            min_posture_fraction: 0.5,
            min_seen_fraction: 0.5,
            hinge_min_range_deg: 20.0,
            hinge_trunk_min_deg: 25.0,
            hinge_trunk_share_min: 0.45,
            hinge_knee_max_deg: 100.0,
            hinge_deep_trunk_deg: 45.0,
            hinge_deep_trunk_share_min: 0.35,
            hinge_knee_dominant_thigh_max_deg: 72.0,
            bridge_top_hip_max_deg: 40.0,
            situp_posture_min_fraction: 0.1,
            nordic_upright_thigh_max_deg: 35.0,
            nordic_knee_range_min_deg: 30.0,
            arms_check_min_offset_deg: 60.0,
            arms_check_min_rear_fraction: 0.5,
            hinge_arms_hang_min: 0.75,
            hinge_bar_on_back_max: 0.0,
            gait_correlation_max: -0.6,
            gait_swing_min_deg: 15.0,
            gait_swing_max_deg: 50.0,
            gait_swing_balance_min: 0.6,
            gait_knee_max_deg: 70.0,
        }
    }
}

/// Repetition, pause and hold detection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepParams {
    /// Set range = percentile(100 - p) .. percentile(p) of the driving signal (default 97).
    pub range_percentile: f64,
    /// Below this set range there are no repetitions, only holds (degrees, default 15).
    pub min_range_deg: f64,
    /// A turning point is confirmed once the signal moves back by this fraction of the set
    /// range (default 0.25).
    pub turning_fraction: f64,
    /// A working phase smaller than this fraction of the set range is a partial rep and is
    /// not counted (default 0.5).
    pub min_rep_fraction: f64,
    /// A hinge rep (the deadlift family) passes through standing: one whose trunk never
    /// comes within this of vertical (the image trunk inclination, its smallest over the rep;
    /// default 30) is a partial rep, such as a clip of a lift from the bottom that ends
    /// before the lifter stands up. Counted reps on the shared clips come to 0-10; the trunk
    /// seen from in front or behind looks more upright than it is, so those views only ever
    /// pass.
    pub hinge_upright_trunk_max_deg: f64,
    /// Fallback pause (where a movement cannot be timed, e.g. a gap in the landmarks, or
    /// at the clip's start and end): samples within `pause_band_fraction` of the rep's range
    /// from a turning point, trimmed where the speed reaches this, degrees/s (default 10).
    /// Also the speed above which a clip counts as starting mid-movement.
    pub pause_velocity_deg_s: f64,
    /// See `pause_velocity_deg_s` (default 0.1).
    pub pause_band_fraction: f64,
    /// The fallback pause speed threshold is at most this fraction of the rep's peak
    /// speed (default 0.2).
    pub pause_speed_fraction: f64,
    /// Tempo: each movement's start and end are found by fitting the times at which the
    /// angle crosses `boundary_levels` levels away from the turning point (see
    /// `exercise::tempo::movement_boundary`). The lowest level, degrees from the turning
    /// point (default 3): above the pose model's drift while the person is still (1-2.5°
    /// over a 0.5 s pause on the synthetic clips in videos/; the filtered jitter is only
    /// about 0.1-0.2°), so a still position is not timed as movement.
    pub boundary_band_deg: f64,
    /// The lowest level is at most this fraction of the movement's range (default 0.1:
    /// small movements).
    pub boundary_band_fraction: f64,
    /// The highest level, as a fraction of the movement's range (default 0.5: the fit
    /// uses the movement's first or last half).
    pub boundary_fit_fraction: f64,
    /// Number of levels, evenly spaced (default 8).
    pub boundary_levels: usize,
    /// The fitted movement shape is chosen once per set: constant speed when, over all
    /// the set's movements, it fits this many times better than a cosine ease (geometric
    /// mean of the RMS-residual ratios; default 3), else the cosine ease (a body segment
    /// starts and stops smoothly, with a bell-shaped speed profile). Through the pose
    /// model single eased movements can fit constant speed better (up to 2.8 times on the
    /// clips in videos/, which the model flattens near full hip extension), but a set's
    /// mean stayed at or below 1.2 there, on other synthetic clips and on four real clips;
    /// a constant-speed set with 2 px of landmark noise gives 4.2, a clean one 30-100.
    pub boundary_linear_margin: f64,
    /// Holds: smoothed speed below this, degrees/s (default 5).
    pub hold_velocity_deg_s: f64,
    /// Window of the speed smoothing for holds, seconds (default 0.5).
    pub hold_smoothing_s: f64,
    /// Shortest still period reported as a hold, seconds (default 3).
    pub hold_min_s: f64,
    /// Nordic break point: knee-extension speed that marks it, degrees/s (default 10).
    pub break_velocity_deg_s: f64,
    /// Bridge: frames within this fraction of the set range from the rest (pelvis down)
    /// level are unloaded (default 0.15).
    pub bridge_rest_band_fraction: f64,
    /// A rep with more than this fraction of filled or low-confidence frames is uncertain
    /// (default 0.2).
    pub max_filled_fraction: f64,
    /// A rep in which more than this fraction of the frames had no landmarks of the
    /// person (missing, interpolated or low-confidence) was mostly not seen and is not
    /// counted (default 0.5): with two people overlapping, the few frames found while
    /// the followed person is hidden can be someone else's.
    pub max_unseen_fraction: f64,
    /// A lift (bridges, hinges) completes a rep only when it comes back to within this
    /// fraction of the set range of the set's top level (default 0.3): the working phase
    /// ends at the top (lockout), so standing half up after putting the weight down, or a
    /// clip that fades out mid-rise, is not a rep.
    pub lockout_fraction: f64,
    /// A clip that starts moving towards the top already more than this fraction of the
    /// set range (and `cut_start_min_deg`) from the bottom starts mid-lift: that lift is not
    /// counted (default 0.15; a clip that starts at the bottom and lifts at once begins
    /// within a few degrees of it). The same margin holds at the clip's end: a last lift
    /// still rising when the person is last seen, further than this from the top, is cut
    /// off and not counted.
    pub cut_start_fraction: f64,
    /// See `cut_start_fraction` (default 10 degrees).
    pub cut_start_min_deg: f64,
    /// A rep's bottom this close to the clip's first seen frame (seconds), with no frame
    /// before it more than `cut_start_min_deg` short of it, is the clip's start for the
    /// rules above (default 0.1): a mirrored front-view kettlebell deadlift that opens
    /// mid-lift read 98 then 100 deg in its first two frames, so its bottom fell one frame
    /// in and the cut-off lift was counted.
    pub start_bottom_window_s: f64,
    /// A clip whose only bottom is its first frame (no other rep shows where the set's
    /// bottom is) and that opens on a lift already moving at this fraction of that lift's
    /// top speed (mean over its first 0.1 s) starts mid-lift too (default 0.5): a lift from
    /// rest starts at no speed and builds it.
    pub cut_start_speed_fraction: f64,
    /// The set's last lift is not a rep when either foot moves more than
    /// `walk_off_step_fraction` of the leg length between its start and
    /// `walk_off_window_s` seconds after it arrives at the top (default 1.5 s, 0.4): the
    /// person stood up to walk off, without the weight (a loaded lift ends in a lockout
    /// on planted feet).
    pub walk_off_window_s: f64,
    /// See `walk_off_window_s`.
    pub walk_off_step_fraction: f64,
    /// Each foot's place at the rep's start and at the window's end is the median of its
    /// landmark over this many seconds there (default 0.15 s, 4-5 frames at 30 fps: steady
    /// against one frame's jitter, and short enough that a quick stand-up and step away,
    /// 0.6 s in a set played twice as fast, is not averaged away as 0.3 s did).
    pub walk_off_median_s: f64,
    /// A move of the raw driving angle faster than this, over two frame steps, is a pose
    /// jump, not movement, degrees/s (default 400: a fast deadlift or bridge moves the hip
    /// at 200-400°/s, and one frame's jitter on it is halved by timing over two steps; the
    /// pose model's depth flips in front and rear views and its snaps to a wrong pose move
    /// 30-90° in one frame, 700-1900°/s)...
    pub jump_speed_deg_s: f64,
    /// ...and a working phase that covers at least this fraction of its range in such
    /// jumps was not a movement of the body: not counted (default 0.5; a real lift spreads
    /// its range over many frames, each a few percent of it).
    pub jump_share_max: f64,
    /// A fast move is a jump only when it is brief: the angle's net speed over the move and
    /// `jump_context_s` seconds either side of it is under `jump_context_fraction` of the
    /// move's own speed (defaults 0.1 s, 0.5). A snap to a wrong pose happens in a frame or
    /// two, with the body slow around it (0.2-0.3 of its speed there); a fast real lift
    /// (a set played twice as fast: 400-950°/s over two frames) moves as fast around it
    /// (0.8-1.0), so its speed alone does not make it a jump. Beyond the clip's last frame
    /// (or a gap) the angle counts as held, so a snap in the last frames is still brief.
    pub jump_context_s: f64,
    /// See `jump_context_s`.
    pub jump_context_fraction: f64,
    /// A movement of the 3D hip angle that the image does not show is the pose model's
    /// misreading, not a movement (not counted): the image hip angle moves less than this
    /// share of the driving angle's range over the rep (default 0.6)...
    pub unseen_image_share_max: f64,
    /// ...and none of the near shoulder, hip and knee shifts in the image (5th to 95th
    /// percentile over the rep, along either image axis) by more than this share of the
    /// leg length (default 0.2). Measured 2026-12-03 on the 33 shared clips (both
    /// readings) and four re-encodings of the front-view hip thrust: the 3D hip of that
    /// hip thrust dips 27-42 deg during its top holds while the image angle moves 6-16 deg
    /// and those points 0.12-0.16 leg lengths; its real reps move them 0.22-0.29 with the
    /// image angle agreeing (1.05-1.2 of the 3D range). Real reps whose image angle does
    /// not follow (a deadlift filmed from in front: 0.12-0.37 of the 3D range) move the
    /// shoulders 0.49-0.56 leg lengths. A real movement of the trunk or thighs shows in the
    /// image either in the angle or in where the body is.
    pub still_body_max_leg: f64,
    /// A hinge filmed with the camera at least this far from the side view (degrees,
    /// default 60: front and rear views) is segmented on the trunk's pitch from its
    /// foreshortening instead of the hip angle (see `exercise::foreshortened_trunk`): the
    /// world landmarks' depth flips between frames there (30-90° steps of the 3D hip
    /// angle on the synthetic front and rear deadlifts), the trunk's image length does not.
    pub foreshortened_trunk_min_offset_deg: f64,
    /// The phases are timed on another angle than the driving signal (the image angle
    /// where the rep is found in the 3D one, or the reverse) when that angle's movements
    /// fit one eased movement each with less than this fraction of the driving signal's
    /// misfit (default 0.5; see `exercise::reps::timing_signal`).
    pub timing_switch_ratio: f64,
    /// A rep's phase times are uncertain by this many times the misfit of its movements to
    /// one eased movement each, or by how far the other signals the phases could be timed
    /// on, those within `1 / timing_switch_ratio` of the chosen one's misfit, disagree
    /// (default 3, see `Rep::phase_uncertainty_s`)...
    pub phase_uncertainty_factor: f64,
    /// ...and a note names the counted reps above this many seconds (default 0.25: the
    /// agreement issue 9 asks of two views of one set). The rep is not made uncertain:
    /// phase times bear only on the tempo flags, which are amber at most.
    pub phase_uncertainty_max_s: f64,
    /// The least phase uncertainty of any rep, seconds: this plus
    /// `phase_uncertainty_offset_s` times the sine of the camera's offset from a side view
    /// (default 0.1 + 0.4 sin: 0.13 s side-on, 0.38 s at 45°, 0.5 s from in front). A camera
    /// off the side distorts the angle smoothly near the turning points, where the phase
    /// boundaries are timed, and a smooth distortion does not show in the misfit.
    /// Calibrated on the synthetic multi-view set and the hand-marked real clips (see
    /// `docs/camera-views.md`, "Tempo from any camera").
    pub phase_uncertainty_base_s: f64,
    /// See `phase_uncertainty_base_s`.
    pub phase_uncertainty_offset_s: f64,
}

impl RepParams {
    /// The tempo fit's parameters.
    pub fn ease_fit(&self) -> super::tempo::EaseFit {
        super::tempo::EaseFit {
            band_deg: self.boundary_band_deg,
            band_fraction: self.boundary_band_fraction,
            fit_fraction: self.boundary_fit_fraction,
            levels: self.boundary_levels,
            linear_margin: self.boundary_linear_margin,
        }
    }
}

impl Default for RepParams {
    fn default() -> Self {
        RepParams {
            range_percentile: 97.0,
            min_range_deg: 15.0,
            turning_fraction: 0.25,
            min_rep_fraction: 0.5,
            hinge_upright_trunk_max_deg: 30.0,
            pause_velocity_deg_s: 10.0,
            pause_band_fraction: 0.1,
            pause_speed_fraction: 0.2,
            boundary_band_deg: 3.0,
            boundary_band_fraction: 0.1,
            boundary_fit_fraction: 0.5,
            boundary_levels: 8,
            boundary_linear_margin: 3.0,
            hold_velocity_deg_s: 5.0,
            hold_smoothing_s: 0.5,
            hold_min_s: 3.0,
            break_velocity_deg_s: 10.0,
            bridge_rest_band_fraction: 0.15,
            max_filled_fraction: 0.2,
            max_unseen_fraction: 0.5,
            lockout_fraction: 0.3,
            cut_start_fraction: 0.15,
            cut_start_min_deg: 10.0,
            start_bottom_window_s: 0.1,
            cut_start_speed_fraction: 0.5,
            walk_off_window_s: 1.5,
            walk_off_step_fraction: 0.4,
            walk_off_median_s: 0.15,
            jump_speed_deg_s: 400.0,
            jump_share_max: 0.5,
            jump_context_s: 0.1,
            jump_context_fraction: 0.5,
            unseen_image_share_max: 0.6,
            still_body_max_leg: 0.2,
            foreshortened_trunk_min_offset_deg: 60.0,
            timing_switch_ratio: 0.5,
            phase_uncertainty_factor: 3.0,
            phase_uncertainty_max_s: 0.25,
            phase_uncertainty_base_s: 0.1,
            phase_uncertainty_offset_s: 0.4,
        }
    }
}
