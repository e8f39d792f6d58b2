//! Faces are blurred in every picture hipflex writes (annotated video, keyframes,
//! thumbnails) unless `--show-faces` is given.
//!
//! The region to blur is worked out per frame from the tracked person's face landmarks
//! (BlazePose 0-10: nose, eyes, ears, mouth), around both the face and the ears, with a
//! margin sized from the body (the head height its segments imply) so that it covers the
//! whole head whichever way it faces: lying (bridges), kneeling (Nordics), bent over,
//! turned away from the camera. Where the pose is
//! lost, the last and next known regions stay blurred; before the person is first
//! found, the whole frame is (but for a short lead-in, see [`plan`]). Everyone's faces
//! are looked for on sampled frames of the tracking pass, by the person detector (which
//! keys on faces) and by a face detector (BlazeFace full range, on the whole frame and on
//! overlapping windows of it, for people too far away for the person detector), and the
//! other people's (once found again on another sample, so that a pose read once into an
//! object blurs nothing) are kept blurred between samples and for a margin either side.
//! Nothing else in the image is touched.

use opencv::core::{Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;

use crate::error::Result;
use crate::pose::detector::ROI_SCALE;
use crate::pose::face_detector::{Face, FaceDetector, SCAN_MIN_SCORE};
use crate::pose::geometry::{alignment_rect, square_long_scaled};
use crate::pose::{Landmark, PoseFrame, PoseTracker, Roi, idx};

/// Face landmarks of the BlazePose topology (nose, eyes, ears, mouth).
pub const FACE_LANDMARKS: std::ops::RangeInclusive<usize> = 0..=10;
/// Body segments (landmark pairs) and their length in head heights (chin to crown), from
/// adult anthropometry as fractions of stature (Drillis & Contini 1966; head 0.13,
/// shoulder to hip 0.29, thigh 0.245, shank 0.246, upper arm 0.186, shoulder width 0.26,
/// rounded down so that the head comes out no smaller). Each one's length in the image
/// over its ratio estimates the head height; a segment turned towards the camera is
/// foreshortened and underestimates it, so the estimates are ranked and the
/// [`HEAD_ESTIMATE_RANK`]-th largest is taken (a bent trunk, a leg pointing at the
/// camera or one misplaced limb does not shrink or blow up the box).
pub const HEAD_HEIGHTS_PER_SEGMENT: [(usize, usize, f32); 9] = [
    (idx::LEFT_SHOULDER, idx::LEFT_HIP, 2.1),
    (idx::RIGHT_SHOULDER, idx::RIGHT_HIP, 2.1),
    (idx::LEFT_HIP, idx::LEFT_KNEE, 1.8),
    (idx::RIGHT_HIP, idx::RIGHT_KNEE, 1.8),
    (idx::LEFT_KNEE, idx::LEFT_ANKLE, 1.8),
    (idx::RIGHT_KNEE, idx::RIGHT_ANKLE, 1.8),
    (idx::LEFT_SHOULDER, idx::LEFT_ELBOW, 1.4),
    (idx::RIGHT_SHOULDER, idx::RIGHT_ELBOW, 1.4),
    (idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER, 1.9),
];
/// Which of the ranked head-height estimates is used (1 = the largest).
pub const HEAD_ESTIMATE_RANK: usize = 2;
/// Half the head box, in head heights. The box is the union of two squares of this half
/// size, one around the face landmarks and one around the ears (the middle of the skull
/// seen from the side): the crown lies about 0.55 head heights from the ears, whichever
/// way the head is turned, so this leaves nearly half a head for hair, for face
/// landmarks the model places off the true head (a face turned down is placed low and
/// small) and for motion between frames. Measured on real clips (tests/privacy_real.rs,
/// marked heads): at 0.8 the box edge still ran through the crown of a bent deadlifter
/// and of the Nordic partner.
pub const HEAD_HALF_PER_HEAD: f32 = 1.0;
/// Half the head box, as a multiple of the spread of the face landmarks (faces close to
/// the camera, bodies out of the frame).
pub const HEAD_HALF_PER_FACE_SPREAD: f32 = 1.1;
/// Smallest half head box, pixels (tiny faces far away are still covered).
pub const MIN_HALF_PX: f32 = 10.0;
/// Seconds between detector runs when looking for other people.
pub const SCAN_STEP_S: f64 = 0.25;
/// Every this many scans (once a second) the face detector also looks in the fine windows
/// ([`crate::pose::face_detector::fine_windows`]), for heads of about 20-40 px that the coarse
/// windows miss: 84 more model runs on a 1920 x 1080 frame (about 0.33 s here), too many
/// for every scan. A person found there whose pose the landmark model confirms is looked
/// for again on every scan where they were (as everyone found is), so they stay blurred
/// between fine scans.
pub const FINE_SCAN_EVERY: usize = 4;
/// Seconds either side of a frame over which other people's detected regions are kept
/// blurred (so they stay covered between detector runs and across a missed one).
pub const HOLD_OTHERS_S: f64 = 0.6;
/// Seconds within which another person's head must be found again, on another scan and
/// overlapping it, to be blurred beside the followed person: twice [`HOLD_OTHERS_S`], so
/// the two finds' held spans meet. A real person stays in view and is found again (the
/// scan also looks where they were); a pose the landmark model reads once into an object
/// (a weight plate beside a lifter's knee, taken for a head on the lifter's own legs) is
/// gone on the next scan, and would blur a patch of the scene for a second
/// (tracks' confirmation on two hits, as multi-target trackers do).
pub const CONFIRM_OTHERS_S: f64 = 2.0 * HOLD_OTHERS_S;
/// Half the head box around a face the face detector found, as a multiple of its box's
/// longer side (the box runs from the brows to the chin and cheek to cheek): the union
/// of two squares of this half size, around the box's centre and around the middle of
/// the ear keypoints, reaches past the crown (about a box above the centre) and the
/// back of the head (about a box behind the ears in profile).
pub const HEAD_HALF_PER_FACE_BOX: f32 = 1.1;
/// A face found by the face detector is taken for a person's only if the landmark model,
/// run on the region a person with that face would fill, finds a pose whose head holds
/// the face: the hips are put this many face boxes below the face (an upright person,
/// as the face detector only finds faces about upright: head to hips about 3 head
/// heights, a head about 1.5 boxes) ...
pub const HIPS_BELOW_FACE_BOXES: f32 = 4.5;
/// ... and the region (a square around the hips) reaches this many face boxes from them
/// each way before the detector's margin (`ROI_SCALE`): the whole standing body.
pub const BODY_REACH_FACE_BOXES: f32 = 6.5;
/// The smallest head region (its shorter side, in face boxes) of a pose that confirms a
/// face: a head with that face is about 1.5 boxes high, and its region (see
/// [`HEAD_HALF_PER_HEAD`]) about 3 boxes across. Measured: 2.2-4.0 on the people in
/// `rdl_sebitzu_1` and `nordic_fittransformer_1`; 1.75 and 1.8 on the tiny poses the
/// landmark model read into a rack's upright and the floor around faces scored 0.41-0.47.
pub const MIN_POSE_HEAD_PER_FACE_BOX: f32 = 2.0;
/// The second region tried: centred this many face boxes below the face, reaching this
/// many each way (head to hips, for a person half hidden or bent over).
pub const UPPER_BODY_FACE_BOXES: (f32, f32) = (2.5, 4.0);
/// A face whose centre lies on the followed person's body (see [`on_body`]) is not looked
/// at: a face there would be hidden by them, so it is a pattern on their clothes or skin
/// (the face detector scores a lifter's seat from behind 0.4-0.5). The body reaches this
/// many of their head heights from the line between the joints' landmarks: half a limb's
/// width (adult upper arm about 10 cm across, forearm 9, thigh 18, calf 12, a head 23
/// cm high: 0.22, 0.2, 0.4 and 0.26 head heights), and a tenth of a head for the
/// landmarks' error. A face seen through the gap between an arm and the trunk is looked
/// at.
pub const ARM_MARGIN_HEADS: f32 = 0.3;
/// See [`ARM_MARGIN_HEADS`].
pub const THIGH_MARGIN_HEADS: f32 = 0.5;
/// See [`ARM_MARGIN_HEADS`].
pub const SHANK_MARGIN_HEADS: f32 = 0.35;
/// How far the trunk reaches past the lines from shoulder to hip, in head heights, seen
/// from the front or back and from the side: the chest is about 25 cm deep (half of it
/// 0.55 head heights, and a tenth for the landmarks' error), while from the front the
/// shoulder landmarks lie near the trunk's sides (a deltoid past them, the waist inside
/// them). Between the two by how much of the shoulders' width (1.9 head heights, see
/// [`HEAD_HEIGHTS_PER_SEGMENT`]) the picture shows. Past the shoulders' and the hips'
/// lines the side value is kept whatever the view (the seat lies below and behind the
/// hips).
pub const TRUNK_MARGIN_HEADS: (f32, f32) = (0.3, 0.6);

/// An axis-aligned box in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Region {
    /// A square of half-size `half` around `(cx, cy)`.
    pub fn square(cx: f32, cy: f32, half: f32) -> Region {
        Region {
            x0: cx - half,
            y0: cy - half,
            x1: cx + half,
            y1: cy + half,
        }
    }

    pub fn contains(&self, x: f32, y: f32) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }

    /// Whether the two boxes share any point.
    pub fn overlaps(&self, o: &Region) -> bool {
        self.x0 <= o.x1 && o.x0 <= self.x1 && self.y0 <= o.y1 && o.y0 <= self.y1
    }

    fn area(&self) -> f32 {
        (self.x1 - self.x0).max(0.0) * (self.y1 - self.y0).max(0.0)
    }

    /// Intersection over union of two boxes.
    fn iou(&self, o: &Region) -> f32 {
        let inter = Region {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        };
        let i = if inter.x1 > inter.x0 && inter.y1 > inter.y0 {
            inter.area()
        } else {
            0.0
        };
        let u = self.area() + o.area() - i;
        if u > 0.0 { i / u } else { 0.0 }
    }

    /// The smallest box holding both.
    fn union(&self, o: &Region) -> Region {
        Region {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    pub fn centre(&self) -> (f32, f32) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }

    /// The part inside a `w` x `h` frame, in whole pixels; `None` when nothing is.
    pub fn clamp(&self, w: i32, h: i32) -> Option<Rect> {
        let x0 = (self.x0.floor() as i32).clamp(0, w);
        let y0 = (self.y0.floor() as i32).clamp(0, h);
        let x1 = (self.x1.ceil() as i32).clamp(0, w);
        let y1 = (self.y1.ceil() as i32).clamp(0, h);
        (x1 > x0 && y1 > y0).then(|| Rect::new(x0, y0, x1 - x0, y1 - y0))
    }
}

/// What to blur in one frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Blur {
    /// Nobody has been found yet: the whole frame.
    Whole,
    /// These regions (possibly none).
    Regions(Vec<Region>),
}

fn dist(a: &Landmark, b: &Landmark) -> f32 {
    (a.x - b.x).hypot(a.y - b.y)
}

fn mid(a: &Landmark, b: &Landmark) -> Landmark {
    Landmark {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
        ..*a
    }
}

/// The head height of one person in image pixels, from their body (see
/// [`HEAD_HEIGHTS_PER_SEGMENT`]); `None` when no segment has a finite length.
pub fn head_height_px(lm: &[Landmark]) -> Option<f32> {
    let mut est: Vec<f32> = HEAD_HEIGHTS_PER_SEGMENT
        .iter()
        .filter_map(|&(a, b, ratio)| Some(dist(lm.get(a)?, lm.get(b)?) / ratio))
        .filter(|v| v.is_finite())
        .collect();
    est.sort_by(|a, b| b.total_cmp(a));
    est.get(HEAD_ESTIMATE_RANK - 1).or(est.first()).copied()
}

/// The head region of one person from their image landmarks (pixels, BlazePose's 33):
/// the union of two squares, one around the mean of the face landmarks and one around
/// the middle of the ears, whose half-size is the largest of [`HEAD_HALF_PER_HEAD`]
/// head heights (see [`head_height_px`]), [`HEAD_HALF_PER_FACE_SPREAD`] times the
/// face landmarks' spread and [`MIN_HALF_PX`]. Landmarks are used whatever their
/// visibility: the model places the face even when it is turned away or outside the
/// frame, and that is where the head is.
pub fn head_region(lm: &[Landmark]) -> Option<Region> {
    if lm.len() <= idx::RIGHT_HIP {
        return None;
    }
    let face = &lm[FACE_LANDMARKS];
    if face.iter().any(|l| !(l.x.is_finite() && l.y.is_finite())) {
        return None;
    }
    let n = face.len() as f32;
    let cx = face.iter().map(|l| l.x).sum::<f32>() / n;
    let cy = face.iter().map(|l| l.y).sum::<f32>() / n;
    let spread = face
        .iter()
        .flat_map(|a| face.iter().map(move |b| dist(a, b)))
        .fold(0.0f32, f32::max);
    let half = [
        head_height_px(lm).map_or(0.0, |h| HEAD_HALF_PER_HEAD * h),
        HEAD_HALF_PER_FACE_SPREAD * spread,
        MIN_HALF_PX,
    ]
    .into_iter()
    .filter(|v| v.is_finite())
    .fold(0.0f32, f32::max);
    let ears = mid(&lm[idx::LEFT_EAR], &lm[idx::RIGHT_EAR]);
    let (a, b) = (
        Region::square(cx, cy, half),
        Region::square(ears.x, ears.y, half),
    );
    Some(Region {
        x0: a.x0.min(b.x0),
        y0: a.y0.min(b.y0),
        x1: a.x1.max(b.x1),
        y1: a.y1.max(b.y1),
    })
}

/// The followed person's head region in every frame: from the landmarks where there is
/// a pose; in a gap, both the last and the next known region; before the person is
/// first found, `None` (the whole frame is blurred).
pub fn own_regions(frames: &[PoseFrame]) -> Vec<Option<Vec<Region>>> {
    let known: Vec<Option<Region>> = frames.iter().map(frame_head).collect();
    regions_from_heads(&known)
}

fn frame_head(f: &PoseFrame) -> Option<Region> {
    f.pose.as_ref().and_then(|p| head_region(&p.image))
}

/// [`own_regions`] from each frame's head region where known.
fn regions_from_heads(known: &[Option<Region>]) -> Vec<Option<Vec<Region>>> {
    let mut next: Vec<Option<Region>> = vec![None; known.len()];
    let mut after = None;
    for i in (0..known.len()).rev() {
        after = known[i].or(after);
        next[i] = after;
    }
    let mut last = None;
    known
        .iter()
        .zip(next)
        .map(|(k, nx)| match k {
            Some(r) => {
                last = Some(*r);
                Some(vec![*r])
            }
            None => last.map(|l| std::iter::once(l).chain(nx).collect()),
        })
        .collect()
}

/// The landmark model's region of interest around a pose (as the detector's would be):
/// centred on the hips, turned so that the shoulders are up, reaching every landmark.
fn roi_around(lm: &[Landmark], w: f32, h: f32) -> Option<Roi> {
    if lm.len() <= idx::RIGHT_HIP {
        return None;
    }
    let hip = mid(&lm[idx::LEFT_HIP], &lm[idx::RIGHT_HIP]);
    let sh = mid(&lm[idx::LEFT_SHOULDER], &lm[idx::RIGHT_SHOULDER]);
    let reach = lm.iter().map(|l| dist(l, &hip)).fold(0.0f32, f32::max);
    let up = dist(&sh, &hip);
    if !(reach > 1.0 && up > 0.0 && reach.is_finite()) {
        return None;
    }
    let (dx, dy) = ((sh.x - hip.x) / up, (sh.y - hip.y) / up);
    let scale_pt = [(hip.x + dx * reach) / w, (hip.y + dy * reach) / h];
    let rect = alignment_rect([hip.x / w, hip.y / h], scale_pt, 90.0, w, h);
    Some(square_long_scaled(rect, ROI_SCALE, w, h).to_roi(w, h))
}

/// The head regions of everyone in `image` but the followed person (whose landmarks on
/// this frame are `own`, when found): the detector (which keys on faces) finds people,
/// and the people found on earlier samples (`tracks`, their regions of interest) are
/// looked for again where they were, since the detector misses a face now and then
/// (turned away, close to another body). Each gets one landmark pass on the image as
/// it is; the poses whose head lies in the followed person's head region, or in a head
/// already found, are dropped. Then the faces `face_detector` finds that none of these
/// holds are added (see [`faces_found_by_face_detector`]; `recent` are the regions this
/// returned on the previous scan). `tracks` becomes the regions of the people found.
pub fn find_faces(
    tracker: &mut PoseTracker,
    face_detector: &mut FaceDetector,
    image: &Mat,
    own: Option<&[Landmark]>,
    recent: &[Region],
    tracks: &mut Vec<Roi>,
    fine: bool,
) -> Result<Vec<Region>> {
    let (w, h) = (image.cols() as f32, image.rows() as f32);
    let mine = own.and_then(head_region);
    let rois: Vec<Roi> = tracker
        .detect(image)?
        .iter()
        .map(|d| d.to_rect(w, h).to_roi(w, h))
        .chain(tracks.drain(..))
        .collect();
    let mut found: Vec<Region> = Vec::new();
    for roi in rois {
        let Some(p) = tracker.landmarks_in_roi(image, &roi)? else {
            continue;
        };
        let Some(head) = head_region(&p.image) else {
            continue;
        };
        let (cx, cy) = head.centre();
        if mine.iter().chain(&found).any(|o| o.contains(cx, cy)) {
            continue;
        }
        found.push(head);
        tracks.extend(roi_around(&p.image, w, h));
    }
    let mut scan = FaceScanFrame {
        image,
        own,
        recent,
        found: &mut found,
        tracks,
        fine,
    };
    faces_found_by_face_detector(tracker, face_detector, &mut scan)?;
    Ok(found)
}

/// Adds to `found` the head regions ([`face_head_region`]) of the faces `face_detector`
/// finds on the whole of `image` and on windows of it, but those in the followed
/// person's head region or on their body ([`on_body`]), those a head in `found` already
/// holds, and those that neither the landmark model takes for a person's
/// ([`HIPS_BELOW_FACE_BOXES`]: the face detector, let down to [`SCAN_MIN_SCORE`], also
/// scores parts of a rack 0.4-0.5, again and again) nor overlap, with their head region,
/// a region of someone else found on the previous scan (`recent`: a person bent over,
/// whose pose the landmark model does not find from the face alone). The poses found this way join `tracks`.
fn faces_found_by_face_detector(
    tracker: &mut PoseTracker,
    face_detector: &mut FaceDetector,
    scan: &mut FaceScanFrame<'_>,
) -> Result<()> {
    let FaceScanFrame {
        image,
        own,
        recent,
        found,
        tracks,
        fine,
    } = scan;
    let (image, own) = (*image, *own);
    let (w, h) = (image.cols() as f32, image.rows() as f32);
    let mine = own.and_then(head_region);
    for face in face_detector.scan(image, SCAN_MIN_SCORE, *fine)? {
        let (cx, cy) = face_centre(&face);
        if mine.iter().chain(found.iter()).any(|o| o.contains(cx, cy))
            || own.is_some_and(|lm| on_body(lm, cx, cy))
        {
            continue;
        }
        let mut pose = None;
        for roi in rois_below_face(&face) {
            let p = tracker.landmarks_in_roi(image, &roi)?;
            if let Some(p) =
                p.filter(|p| head_region(&p.image).is_some_and(|r| holds_face(&r, &face)))
            {
                pose = Some(p);
                break;
            }
        }
        match pose {
            Some(p) => tracks.extend(roi_around(&p.image, w, h)),
            None if recent.iter().any(|r| r.overlaps(&face_head_region(&face))) => {}
            None => continue,
        }
        found.push(face_head_region(&face));
    }
    Ok(())
}

/// One scan's frame and what is known on it, for [`faces_found_by_face_detector`].
struct FaceScanFrame<'a> {
    image: &'a Mat,
    own: Option<&'a [Landmark]>,
    recent: &'a [Region],
    found: &'a mut Vec<Region>,
    tracks: &'a mut Vec<Roi>,
    /// Also look in the fine windows ([`FINE_SCAN_EVERY`]).
    fine: bool,
}

/// Whether a pose's head region `r` holds the face `f`: the face's centre lies in it, and
/// it is as large as a head with that face (at least [`MIN_POSE_HEAD_PER_FACE_BOX`]).
fn holds_face(r: &Region, f: &Face) -> bool {
    let (cx, cy) = face_centre(f);
    let side = (r.x1 - r.x0).min(r.y1 - r.y0);
    r.contains(cx, cy) && side >= MIN_POSE_HEAD_PER_FACE_BOX * f.bbox[2].max(f.bbox[3])
}

fn face_centre(f: &Face) -> (f32, f32) {
    (f.bbox[0] + f.bbox[2] / 2.0, f.bbox[1] + f.bbox[3] / 2.0)
}

/// The whole head around a face the face detector found (frame pixels): see
/// [`HEAD_HALF_PER_FACE_BOX`], at least [`MIN_HALF_PX`].
pub fn face_head_region(f: &Face) -> Region {
    let half = (HEAD_HALF_PER_FACE_BOX * f.bbox[2].max(f.bbox[3])).max(MIN_HALF_PX);
    let (cx, cy) = face_centre(f);
    // Keypoints 4 and 5: the ear tragions.
    let (ex, ey) = (
        (f.keypoints[4][0] + f.keypoints[5][0]) / 2.0,
        (f.keypoints[4][1] + f.keypoints[5][1]) / 2.0,
    );
    let (a, b) = (Region::square(cx, cy, half), Region::square(ex, ey, half));
    Region {
        x0: a.x0.min(b.x0),
        y0: a.y0.min(b.y0),
        x1: a.x1.max(b.x1),
        y1: a.y1.max(b.y1),
    }
}

/// The landmark model's regions for an upright person with face `f`, tried in turn: the
/// whole body (see [`HIPS_BELOW_FACE_BOXES`] and [`BODY_REACH_FACE_BOXES`]), then the
/// upper body only ([`UPPER_BODY_FACE_BOXES`]).
fn rois_below_face(f: &Face) -> [Roi; 2] {
    let (cx, cy) = face_centre(f);
    let b = f.bbox[2].max(f.bbox[3]);
    let square = |below: f32, reach: f32| Roi {
        cx,
        cy: cy + below * b,
        width: 2.0 * reach * b * ROI_SCALE,
        height: 2.0 * reach * b * ROI_SCALE,
        rotation: 0.0,
    };
    let (below, reach) = UPPER_BODY_FACE_BOXES;
    [
        square(HIPS_BELOW_FACE_BOXES, BODY_REACH_FACE_BOXES),
        square(below, reach),
    ]
}

/// The limbs of a pose, as segments, with how far the body reaches from each (head
/// heights).
const LIMBS: [(usize, usize, f32); 8] = [
    (idx::LEFT_SHOULDER, idx::LEFT_ELBOW, ARM_MARGIN_HEADS),
    (idx::LEFT_ELBOW, idx::LEFT_WRIST, ARM_MARGIN_HEADS),
    (idx::RIGHT_SHOULDER, idx::RIGHT_ELBOW, ARM_MARGIN_HEADS),
    (idx::RIGHT_ELBOW, idx::RIGHT_WRIST, ARM_MARGIN_HEADS),
    (idx::LEFT_HIP, idx::LEFT_KNEE, THIGH_MARGIN_HEADS),
    (idx::LEFT_KNEE, idx::LEFT_ANKLE, SHANK_MARGIN_HEADS),
    (idx::RIGHT_HIP, idx::RIGHT_KNEE, THIGH_MARGIN_HEADS),
    (idx::RIGHT_KNEE, idx::RIGHT_ANKLE, SHANK_MARGIN_HEADS),
];

/// The trunk's sides (shoulder to hip), and its top and bottom (shoulders, hips).
const TRUNK_SIDES: [(usize, usize); 2] = [
    (idx::LEFT_SHOULDER, idx::LEFT_HIP),
    (idx::RIGHT_SHOULDER, idx::RIGHT_HIP),
];
const TRUNK_ENDS: [(usize, usize); 2] = [
    (idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER),
    (idx::LEFT_HIP, idx::RIGHT_HIP),
];

/// How far the trunk reaches past its sides, in head heights `head` (see
/// [`TRUNK_MARGIN_HEADS`]).
fn trunk_side_margin(lm: &[Landmark], head: f32) -> f32 {
    let (front, side) = TRUNK_MARGIN_HEADS;
    let facing =
        (dist(&lm[idx::LEFT_SHOULDER], &lm[idx::RIGHT_SHOULDER]) / (1.9 * head)).clamp(0.0, 1.0);
    side + (front - side) * facing
}

fn segment_distance(p: (f32, f32), a: &Landmark, b: &Landmark) -> f32 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.x) * dx + (p.1 - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.0 - (a.x + t * dx)).hypot(p.1 - (a.y + t * dy))
}

fn in_triangle(p: (f32, f32), a: &Landmark, b: &Landmark, c: &Landmark) -> bool {
    let side = |u: &Landmark, v: &Landmark| (v.x - u.x) * (p.1 - u.y) - (v.y - u.y) * (p.0 - u.x);
    let (s1, s2, s3) = (side(a, b), side(b, c), side(c, a));
    (s1 >= 0.0 && s2 >= 0.0 && s3 >= 0.0) || (s1 <= 0.0 && s2 <= 0.0 && s3 <= 0.0)
}

/// Whether `(x, y)` lies on the body of the pose `lm` (pixels, BlazePose's 33): inside
/// the trunk (any triangle of shoulders and hips, whichever way they are ordered), or
/// within a limb's or the trunk's reach of its segment (see [`ARM_MARGIN_HEADS`] and
/// [`TRUNK_MARGIN_HEADS`]). The head is not part of it.
pub fn on_body(lm: &[Landmark], x: f32, y: f32) -> bool {
    if lm.len() <= idx::RIGHT_ANKLE {
        return false;
    }
    let Some(head) = head_height_px(lm) else {
        return false;
    };
    let p = (x, y);
    let trunk = [
        idx::LEFT_SHOULDER,
        idx::RIGHT_SHOULDER,
        idx::RIGHT_HIP,
        idx::LEFT_HIP,
    ];
    let inside = (0..4).any(|skip| {
        let t: Vec<&Landmark> = (0..4)
            .filter(|&k| k != skip)
            .map(|k| &lm[trunk[k]])
            .collect();
        in_triangle(p, t[0], t[1], t[2])
    });
    let near =
        |(a, b): (usize, usize), margin: f32| segment_distance(p, &lm[a], &lm[b]) <= margin * head;
    let side = trunk_side_margin(lm, head);
    inside
        || LIMBS.iter().any(|&(a, b, m)| near((a, b), m))
        || TRUNK_SIDES.iter().any(|&s| near(s, side))
        || TRUNK_ENDS.iter().any(|&s| near(s, TRUNK_MARGIN_HEADS.1))
}

/// The faces the detector found on one sampled frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaceSample {
    /// Frame index.
    pub index: usize,
    /// Time, seconds.
    pub t: f64,
    /// The other people's head regions (the followed person's may be among them where
    /// their pose was not found on this frame).
    pub faces: Vec<Region>,
}

/// Everyone's faces found by the detector on sampled frames of the tracking pass, every
/// [`SCAN_STEP_S`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OtherFaces {
    pub samples: Vec<FaceSample>,
}

impl OtherFaces {
    /// The other people's head regions on each sample: the faces but those whose centre
    /// lies in the followed person's head region on that frame (`own`, per frame).
    fn others(&self, own: &[Option<Vec<Region>>]) -> Vec<(f64, Vec<Region>)> {
        self.samples
            .iter()
            .map(|s| {
                let mine = own.get(s.index).cloned().flatten().unwrap_or_default();
                let theirs = s
                    .faces
                    .iter()
                    .filter(|f| {
                        let (cx, cy) = f.centre();
                        !mine.iter().any(|m| m.contains(cx, cy))
                    })
                    .copied()
                    .collect();
                (s.t, theirs)
            })
            .collect()
    }
}

/// The faces of `samples` (the other people's, see [`OtherFaces::others`]) that are
/// found again: overlapped by a face of another sample within [`CONFIRM_OTHERS_S`].
fn confirmed(samples: &[(f64, Vec<Region>)]) -> Vec<(f64, Vec<Region>)> {
    // The scans come in time order: only those within CONFIRM_OTHERS_S are looked at
    // (a one-hour clip has some 14,000 of them).
    debug_assert!(samples.windows(2).all(|w| w[0].0 <= w[1].0));
    samples
        .iter()
        .enumerate()
        .map(|(i, (t, faces))| {
            let lo = samples.partition_point(|(tj, _)| *tj < t - CONFIRM_OTHERS_S);
            let hi = samples.partition_point(|(tj, _)| *tj <= t + CONFIRM_OTHERS_S);
            let again =
                |f: &Region| (lo..hi).any(|j| j != i && samples[j].1.iter().any(|g| g.overlaps(f)));
            (*t, faces.iter().filter(|f| again(f)).copied().collect())
        })
        .collect()
}

/// The samples within `span` seconds of `t` (the samples come in time order).
fn within(samples: &[(f64, Vec<Region>)], t: f64, span: f64) -> &[(f64, Vec<Region>)] {
    let lo = samples.partition_point(|(ts, _)| *ts < t - span);
    let hi = samples.partition_point(|(ts, _)| *ts <= t + span);
    &samples[lo..hi]
}

/// Every region sampled within [`HOLD_OTHERS_S`] of `t`.
fn held_at(samples: &[(f64, Vec<Region>)], t: f64) -> impl Iterator<Item = Region> + '_ {
    within(samples, t, HOLD_OTHERS_S)
        .iter()
        .flat_map(|(_, r)| r.iter().copied())
}

/// Seconds over which a person found at overlapping places on two scans is taken to have
/// stayed there in between. Someone in the background who bends over, looks down or turns
/// away is missed by both detectors on the scans between (the man behind the rack in a
/// rear-view deadlift clip was found on 5 of 16 scans, and sharp in between while bent
/// low); a person who really left and came back costs only a patch of scene blurred a
/// little longer. The clip's first and last frames count as finds of everyone: a person
/// first found (no earlier find overlapping) within this of the start was there before (a 25-px head pasted into a clip
/// was found from the fourth scan, 0.84 s in, and was sharp on the frames before the hold),
/// and one last found (no later find overlapping) within this of the end is held to it (the same person with a 40-px
/// head, missed on the last two scans, was sharp on the last 0.2 s).
pub const BRIDGE_OTHERS_S: f64 = 3.0;

/// How far a kept region of someone the scans nearest a frame missed (see [`kept_at`]) is
/// grown on that frame, as shares of the region's own height (a face detector's head
/// region is some 1.5 head heights high, a landmark one 2 or more): a quarter up and to
/// either side, and half downwards. A person both detectors miss is mostly bent over,
/// looking down or turned away, and the head goes down and forwards: the man behind the
/// rack in a rear-view deadlift clip, missed on three scans in a row while bent low, had
/// his head 0.2 of his last found region below it and 0.15 to the side after half a
/// second, and its lower part stayed sharp. While the scans find the person no region is
/// grown: they show where the head is.
pub const MISSED_GROW_UP: f32 = 0.25;
/// See [`MISSED_GROW_UP`].
pub const MISSED_GROW_SIDES: f32 = 0.25;
/// See [`MISSED_GROW_UP`].
pub const MISSED_GROW_DOWN: f32 = 0.5;

impl Region {
    /// The box grown by [`MISSED_GROW_UP`], [`MISSED_GROW_SIDES`] and
    /// [`MISSED_GROW_DOWN`] of its height.
    fn grown_for_missed(&self) -> Region {
        let h = (self.y1 - self.y0).max(0.0);
        Region {
            x0: self.x0 - MISSED_GROW_SIDES * h,
            y0: self.y0 - MISSED_GROW_UP * h,
            x1: self.x1 + MISSED_GROW_SIDES * h,
            y1: self.y1 + MISSED_GROW_DOWN * h,
        }
    }
}

/// [`held_at`], and every region of a sample before `t` that a sample after `t` overlaps
/// within [`BRIDGE_OTHERS_S`] (and the other way round): both places stay blurred through
/// the gap between the two finds. The clip's first and last frames (`clip`, seconds) count
/// as such a find of a person's first and last region (see [`BRIDGE_OTHERS_S`]). A region that no scan within
/// [`SCAN_STEP_S`] of `t` overlaps (the person was missed on the scans nearest `t`) is
/// grown (see [`MISSED_GROW_UP`]).
fn kept_at(samples: &[(f64, Vec<Region>)], t: f64, clip: (f64, f64)) -> Vec<Region> {
    let window = within(samples, t, BRIDGE_OTHERS_S);
    let across = |ts: f64, r: &Region| {
        window.iter().any(|(tu, ru)| {
            (tu - t) * (ts - t) < 0.0
                && (tu - ts).abs() <= BRIDGE_OTHERS_S
                && ru.iter().any(|g| g.overlaps(r))
        })
    };
    // The first find of a person (no earlier one overlaps it) near the clip's start is
    // held back to it, the last near the end forward to it; the finds between are bridged
    // to each other, not to the ends (a person moving about would blur every place they
    // were on the first frame). What is held is the first (last) find together with the
    // finds overlapping it within CONFIRM_OTHERS_S after (before) it: a first find is often
    // only the face box, smaller than the whole head the next finds give.
    let at_edge = |ts: f64, r: &Region| -> Option<Region> {
        let before = ts > t;
        let edge = if before { ts - clip.0 } else { clip.1 - ts };
        let outer = |tu: f64| if before { tu < ts } else { tu > ts };
        if edge > BRIDGE_OTHERS_S
            || window
                .iter()
                .any(|(tu, ru)| outer(*tu) && ru.iter().any(|g| g.overlaps(r)))
        {
            return None;
        }
        Some(
            within(samples, ts, CONFIRM_OTHERS_S)
                .iter()
                .filter(|(tu, _)| !outer(*tu))
                .flat_map(|(_, ru)| ru.iter().filter(|g| g.overlaps(r)))
                .fold(*r, |a, g| a.union(g)),
        )
    };
    let near = |ts: f64| (ts - t).abs() <= HOLD_OTHERS_S;
    let now = within(window, t, SCAN_STEP_S);
    let seen_now = |r: &Region| now.iter().any(|(_, ru)| ru.iter().any(|g| g.overlaps(r)));
    let regions = window
        .iter()
        .flat_map(|(ts, rs)| rs.iter().map(move |r| (*ts, *r)))
        .filter_map(|(ts, r)| at_edge(ts, &r).or((near(ts) || across(ts, &r)).then_some(r)))
        .map(|r| {
            if seen_now(&r) {
                r
            } else {
                r.grown_for_missed()
            }
        });
    merged(regions)
}

/// Two boxes whose intersection is at least this share of their union are drawn as one
/// box around both (the same person on neighbouring scans: a bystander seen on every scan
/// has some 24 boxes within [`BRIDGE_OTHERS_S`], each of which would be blurred).
const SAME_BOX_IOU: f32 = 0.6;

/// `regions` with each box that largely overlaps one kept before it folded into that one
/// (the union covers both, so nothing is left uncovered).
fn merged(regions: impl Iterator<Item = Region>) -> Vec<Region> {
    let mut out: Vec<Region> = Vec::new();
    for r in regions {
        match out.iter_mut().find(|g| g.iou(&r) >= SAME_BOX_IOU) {
            Some(g) => *g = g.union(&r),
            None => out.push(r),
        }
    }
    out
}

/// Seconds before the followed person is first found over which their first head region
/// (and every face the detector found) stands in for them; earlier frames are blurred
/// whole. The tracker needs a few frames to lock on at the start of a clip (a second
/// tracking pass), while the detector has found the faces.
pub const LEAD_IN_S: f64 = 1.5;

/// What to blur in each frame: the followed person's head (see [`own_regions`]) and
/// every other face the detector found within [`HOLD_OTHERS_S`] and found again (see
/// [`CONFIRM_OTHERS_S`]), held through the gap to a find at the same place within
/// [`BRIDGE_OTHERS_S`]. Before the followed
/// person is first found the frame is blurred whole, but for a lead-in: within
/// [`LEAD_IN_S`] of the first find, where the detector found a face within
/// [`HOLD_OTHERS_S`] that lies in the person's first head region (they were already
/// there, and the tracker was locking on), their first region and every face found
/// (found again or not: the alternative is the whole frame) are blurred instead. A person walking in, or found late for any other reason, is not
/// where they are first tracked: their frames are blurred whole.
pub fn plan(frames: &[PoseFrame], faces: &OtherFaces) -> Vec<Blur> {
    let heads: Vec<Option<Region>> = frames.iter().map(frame_head).collect();
    let times: Vec<f64> = frames.iter().map(|f| f.timestamp_s).collect();
    plan_from_heads(&heads, &times, faces)
}

/// [`plan`] for frames read in order (a long clip's landmarks kept on disk): only each
/// frame's head region and time are held.
pub fn plan_frames<F: crate::frame_store::Frames + ?Sized>(
    frames: &F,
    faces: &OtherFaces,
) -> Result<Vec<Blur>> {
    let mut heads = Vec::with_capacity(frames.len());
    let mut times = Vec::with_capacity(frames.len());
    frames.visit(&mut |_, f| {
        heads.push(frame_head(f));
        times.push(f.timestamp_s);
    })?;
    Ok(plan_from_heads(&heads, &times, faces))
}

fn plan_from_heads(heads: &[Option<Region>], times: &[f64], faces: &OtherFaces) -> Vec<Blur> {
    let own = regions_from_heads(heads);
    let others = faces.others(&own);
    let kept = confirmed(&others);

    let clip = (
        times.first().copied().unwrap_or(0.0),
        times.last().copied().unwrap_or(0.0),
    );
    let first = own
        .iter()
        .zip(times)
        .find_map(|(o, t)| Some((*t, o.as_ref()?.first().copied()?)));
    own.iter()
        .zip(times)
        .map(|(own, &t)| match (own, first) {
            (Some(r), _) => {
                Blur::Regions(r.iter().copied().chain(kept_at(&kept, t, clip)).collect())
            }
            (None, Some((t1, r1))) if t1 - t <= LEAD_IN_S => {
                let seen: Vec<Region> = held_at(&others, t).collect();
                let there = seen.iter().any(|s| {
                    let (cx, cy) = s.centre();
                    r1.contains(cx, cy)
                });
                if there {
                    Blur::Regions(std::iter::once(r1).chain(seen).collect())
                } else {
                    Blur::Whole
                }
            }
            _ => Blur::Whole,
        })
        .collect()
}

/// Makes one rectangle of `img` unrecognisable: pixelated into blocks about a seventh
/// of its size, then blurred so the block edges leave no detail either.
fn obscure(img: &mut Mat, rect: Rect) -> Result<()> {
    let roi = Mat::roi(img, rect)?.try_clone()?;
    let side = rect.width.max(rect.height);
    let block = (side / 7).max(3);
    let small_size = Size::new((rect.width / block).max(1), (rect.height / block).max(1));
    let mut small = Mat::default();
    imgproc::resize(&roi, &mut small, small_size, 0.0, 0.0, imgproc::INTER_AREA)?;
    let mut blocks = Mat::default();
    imgproc::resize(
        &small,
        &mut blocks,
        rect.size(),
        0.0,
        0.0,
        imgproc::INTER_NEAREST,
    )?;
    let k = (block * 2) | 1;
    let mut smooth = Mat::default();
    imgproc::gaussian_blur(
        &blocks,
        &mut smooth,
        Size::new(k, k),
        0.0,
        0.0,
        opencv::core::BORDER_REPLICATE,
    )?;
    let mut dst = Mat::roi_mut(img, rect)?;
    smooth.copy_to(&mut dst)?;
    Ok(())
}

/// Blurs what `blur` says in `img`, in place. Regions that overlap are blurred as one
/// (see [`overlapping_groups`], [`obscure_group`]).
pub fn apply(img: &mut Mat, blur: &Blur) -> Result<()> {
    let (w, h) = (img.cols(), img.rows());
    match blur {
        Blur::Whole => obscure(img, Rect::new(0, 0, w, h)),
        Blur::Regions(rs) => {
            let rects: Vec<Rect> = rs.iter().filter_map(|r| r.clamp(w, h)).collect();
            for group in overlapping_groups(rects) {
                obscure_group(img, &group)?;
            }
            Ok(())
        }
    }
}

fn rects_overlap(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

/// `rects` in groups joined by overlaps (two rectangles are in one group when a chain of
/// overlapping ones links them).
fn overlapping_groups(rects: Vec<Rect>) -> Vec<Vec<Rect>> {
    let mut groups: Vec<Vec<Rect>> = Vec::new();
    for r in rects {
        let (joined, rest): (Vec<Vec<Rect>>, Vec<Vec<Rect>>) = groups
            .into_iter()
            .partition(|g| g.iter().any(|o| rects_overlap(o, &r)));
        groups = rest;
        groups.push(joined.into_iter().flatten().chain([r]).collect());
    }
    groups
}

/// Obscures the union of a group of overlapping rectangles as one patch: the box around
/// them all is obscured once (one grid of blocks, one blur) from the picture as it is,
/// and only its pixels inside the rectangles are written. Obscured one after another,
/// each rectangle was pixelated over what the ones before had left and its edges stood
/// as hard steps across their blurred patch: on the rear-view deadlift clip, a
/// bystander's head under six overlapping boxes kept 0.61 of its detail along its crown
/// drawn in one order and 0.16 in the other.
fn obscure_group(img: &mut Mat, group: &[Rect]) -> Result<()> {
    let [first, rest @ ..] = group else {
        return Ok(());
    };
    if rest.is_empty() {
        return obscure(img, *first);
    }
    let (x0, y0) = (
        group.iter().map(|r| r.x).min().unwrap_or(0),
        group.iter().map(|r| r.y).min().unwrap_or(0),
    );
    let x1 = group.iter().map(|r| r.x + r.width).max().unwrap_or(0);
    let y1 = group.iter().map(|r| r.y + r.height).max().unwrap_or(0);
    let bbox = Rect::new(x0, y0, x1 - x0, y1 - y0);
    let mut patch = Mat::roi(img, bbox)?.try_clone()?;
    let whole = Rect::new(0, 0, bbox.width, bbox.height);
    obscure(&mut patch, whole)?;
    let mut mask = Mat::zeros(bbox.height, bbox.width, opencv::core::CV_8U)?.to_mat()?;
    for r in group {
        let local = Rect::new(r.x - x0, r.y - y0, r.width, r.height);
        Mat::roi_mut(&mut mask, local)?.set_to_def(&opencv::core::Scalar::all(255.0))?;
    }
    let mut dst = Mat::roi_mut(img, bbox)?;
    patch.copy_to_masked(&mut dst, &mask)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{Pose, Roi, RoiSource};

    fn lm(x: f32, y: f32) -> Landmark {
        Landmark {
            x,
            y,
            z: 0.0,
            visibility: 0.9,
            presence: 0.9,
        }
    }

    /// A standing person seen from the side: face around (500, 200), shoulders at 300,
    /// hips at 550 (trunk 250 px, so a head height of 250 / 2.1 = 119 px), knees, ankles
    /// and elbows where that head height puts them.
    fn standing() -> Vec<Landmark> {
        let mut v = vec![lm(0.0, 0.0); 33];
        for (i, l) in v.iter_mut().enumerate().take(11) {
            *l = lm(490.0 + i as f32 * 2.0, 195.0 + (i % 3) as f32 * 5.0);
        }
        let head = 250.0 / 2.1;
        for (side, x) in [(0, 500.0), (1, 505.0)] {
            v[idx::LEFT_SHOULDER + side] = lm(x, 300.0);
            v[idx::LEFT_ELBOW + side] = lm(x, 300.0 + 1.4 * head);
            v[idx::LEFT_HIP + side] = lm(x, 550.0);
            v[idx::LEFT_KNEE + side] = lm(x, 550.0 + 1.8 * head);
            v[idx::LEFT_ANKLE + side] = lm(x, 550.0 + 3.6 * head);
        }
        v
    }

    fn frame(i: u64, lms: Option<Vec<Landmark>>) -> PoseFrame {
        PoseFrame {
            index: i,
            timestamp_s: i as f64 / 30.0,
            pose: lms.map(|image| Pose {
                score: 0.9,
                world: image.clone(),
                image,
                roi: Roi {
                    cx: 0.0,
                    cy: 0.0,
                    width: 1.0,
                    height: 1.0,
                    rotation: 0.0,
                },
                roi_source: RoiSource::Detection,
            }),
        }
    }

    /// `n` frames 0.1 s apart of the followed person standing (face at (500, 200)).
    fn standing_frames(n: u64) -> Vec<PoseFrame> {
        (0..n)
            .map(|i| PoseFrame {
                timestamp_s: i as f64 / 10.0,
                ..frame(i, Some(standing()))
            })
            .collect()
    }

    /// A scan of frame `index` (0.1 s a frame) that found `faces`.
    fn sample_at(index: usize, faces: Vec<Region>) -> FaceSample {
        FaceSample {
            index,
            t: index as f64 / 10.0,
            faces,
        }
    }

    #[test]
    fn head_box_covers_the_head_and_not_the_trunk() {
        let lms = standing();
        let head = head_height_px(&lms).unwrap();
        assert!((head - 250.0 / 2.1).abs() < 0.5, "{head}");
        let r = head_region(&lms).unwrap();
        // Around the face (500, 199.5) and the ears (505, 202.5), HEAD_HALF_PER_HEAD head
        // heights each way.
        let half = HEAD_HALF_PER_HEAD * head;
        assert!((r.x0 - (500.0 - half)).abs() < 0.5 && (r.x1 - (505.0 + half)).abs() < 0.5);
        assert!((r.y0 - (199.5 - half)).abs() < 0.5, "{r:?}");
        // Crown and chin (about 0.55 head heights above and below the eyes) are inside ...
        let reach = 0.55 * head;
        assert!(r.contains(500.0, 200.0 - reach) && r.contains(500.0, 200.0 + reach));
        // ... the hips are far outside.
        assert!(!r.contains(500.0, 450.0));
    }

    #[test]
    fn lying_person_gets_the_same_size_box() {
        // Rotate the standing person by 90 degrees (a bridge seen from the side).
        let rot: Vec<Landmark> = standing().iter().map(|l| lm(l.y, 1000.0 - l.x)).collect();
        let a = head_region(&standing()).unwrap();
        let b = head_region(&rot).unwrap();
        assert!(((a.x1 - a.x0) - (b.y1 - b.y0)).abs() < 1.0);
        assert!(((a.y1 - a.y0) - (b.x1 - b.x0)).abs() < 1.0);
        assert!(b.contains(200.0, 500.0));
    }

    #[test]
    fn a_bent_trunk_or_one_stray_limb_does_not_change_the_box() {
        // Bent towards the camera: the trunk is foreshortened to a third of its length
        // (shoulders and arms moved down to 467); the legs still give the head height.
        let mut bent = standing();
        for i in [
            idx::LEFT_SHOULDER,
            idx::RIGHT_SHOULDER,
            idx::LEFT_ELBOW,
            idx::RIGHT_ELBOW,
        ] {
            bent[i].y += 250.0 * 2.0 / 3.0;
        }
        let upright = head_region(&standing()).unwrap();
        let r = head_region(&bent).unwrap();
        assert!(
            (r.x1 - r.x0 - (upright.x1 - upright.x0)).abs() < 1.0,
            "{r:?}"
        );
        // One misplaced ankle (a wild guess outside the frame) does not blow the box up.
        let mut stray = standing();
        stray[idx::LEFT_ANKLE] = lm(500.0, 5000.0);
        let r = head_region(&stray).unwrap();
        assert!(
            (r.x1 - r.x0 - (upright.x1 - upright.x0)).abs() < 1.0,
            "{r:?}"
        );
    }

    #[test]
    fn the_box_reaches_past_the_ears_to_the_back_of_the_head() {
        // A face seen in profile, bent over and looking down (the partner of the Nordic
        // clip): eyes, nose and mouth lie low and to one side of the ears; the crown lies
        // beyond the ears, away from the face.
        let mut v = standing();
        for (i, l) in v.iter_mut().enumerate().take(11) {
            *l = match i {
                7 | 8 => lm(540.0, 170.0),
                _ => lm(500.0 + (i % 3) as f32 * 3.0, 215.0 + (i % 2) as f32 * 6.0),
            };
        }
        let r = head_region(&v).unwrap();
        let head = head_height_px(&v).unwrap();
        // The crown, 0.55 head heights past the ears along the face-to-ear line.
        let (dx, dy) = (540.0 - 502.0, 170.0 - 216.0);
        let n = f32::hypot(dx, dy);
        let crown = (540.0 + dx / n * 0.55 * head, 170.0 + dy / n * 0.55 * head);
        assert!(r.contains(crown.0, crown.1), "{r:?} {crown:?}");
    }

    #[test]
    fn tiny_faces_keep_a_minimum_box_and_off_frame_faces_clamp() {
        let small: Vec<Landmark> = standing()
            .iter()
            .map(|l| lm(l.x / 100.0, l.y / 100.0))
            .collect();
        let r = head_region(&small).unwrap();
        assert!(r.x1 - r.x0 >= 2.0 * MIN_HALF_PX - 0.01);
        let off: Vec<Landmark> = standing().iter().map(|l| lm(l.x, l.y - 240.0)).collect();
        let r = head_region(&off).unwrap();
        assert!(r.y0 < 0.0);
        let rect = r.clamp(1000, 1000).unwrap();
        assert_eq!(rect.y, 0);
        assert!(rect.height > 0);
        assert!(Region::square(-50.0, -50.0, 10.0).clamp(100, 100).is_none());
    }

    #[test]
    fn gaps_keep_the_last_and_next_region_and_nothing_found_blurs_all() {
        let moved: Vec<Landmark> = standing().iter().map(|l| lm(l.x + 300.0, l.y)).collect();
        let frames = vec![
            frame(0, None),
            frame(1, Some(standing())),
            frame(2, None),
            frame(3, Some(moved)),
            frame(4, None),
        ];
        let own = own_regions(&frames);
        assert_eq!(own[0], None);
        assert_eq!(own[1].as_ref().unwrap().len(), 1);
        assert_eq!(own[2].as_ref().unwrap().len(), 2);
        assert_eq!(own[4].as_ref().unwrap().len(), 1);
        let p = plan(&frames, &OtherFaces::default());
        assert_eq!(p[0], Blur::Whole);
        assert!(matches!(&p[2], Blur::Regions(r) if r.len() == 2));
    }

    #[test]
    fn other_people_are_kept_between_detections_and_the_own_face_is_not() {
        // The followed person stands with the face at (500, 200) in every frame (0.1 s
        // apart); the detector finds their face and another one at (900, 200) at 0 s, the
        // other one again (moved a little) at 0.2 s, and only the followed person's at
        // 0.3 s. The clip runs 6 s, so its end is more than BRIDGE_OTHERS_S from the finds.
        let frames = standing_frames(60);
        let mine = Region::square(500.0, 200.0, 40.0);
        let theirs = Region::square(900.0, 200.0, 40.0);
        let again = Region::square(910.0, 200.0, 40.0);
        let faces = OtherFaces {
            samples: vec![
                sample_at(0, vec![mine, theirs]),
                sample_at(2, vec![again]),
                sample_at(3, vec![mine]),
            ],
        };
        let p = plan(&frames, &faces);
        let regions = |b: &Blur| match b {
            Blur::Regions(r) => r.clone(),
            Blur::Whole => panic!("whole frame"),
        };
        // Own head box plus the other face, up to HOLD_OTHERS_S after it was seen: its two
        // finds, overlapping, as one box around both (grown: the scans nearest it missed it).
        assert_eq!(regions(&p[5]).len(), 2, "{:?}", p[5]);
        assert!(covers(&regions(&p[5]), &theirs.union(&again)));
        assert_eq!(regions(&p[7]).len(), 2, "{:?}", p[7]);
        assert!(covers(&regions(&p[7]), &again));
        // Where a scan within SCAN_STEP_S found it, it is not grown.
        assert!(regions(&p[1]).contains(&theirs.union(&again)), "{:?}", p[1]);
        assert_eq!(regions(&p[9]).len(), 1, "{:?}", p[9]);
        // The followed person's own detected face is not added to their head box.
        assert!(!regions(&p[3]).contains(&mine));
    }

    #[test]
    fn a_face_found_once_and_not_again_is_not_blurred() {
        // The followed person stands with the face at (500, 200), 0.1 s a frame, for 6 s
        // (the end more than BRIDGE_OTHERS_S from the finds); scans every 0.25 s. A head is found once at 1.5 s where nothing is found again
        // (a pose read into an object beside the person); another is found at 1.0 s and
        // again, overlapping, at 2.0 s (the detector and the re-look missed it between).
        let frames = standing_frames(60);
        let blip = Region::square(900.0, 600.0, 60.0);
        let seen = Region::square(200.0, 200.0, 40.0);
        let seen_later = Region::square(240.0, 210.0, 40.0);
        let samples = (0..16)
            .map(|k| {
                let index = (k as f64 * 2.5).round() as usize;
                let t = index as f64 / 10.0;
                let faces = match index {
                    15 => vec![blip],
                    10 => vec![seen],
                    20 => vec![seen_later],
                    _ => vec![],
                };
                FaceSample { index, t, faces }
            })
            .collect();
        let p = plan(&frames, &OtherFaces { samples });
        let regions = |b: &Blur| match b {
            Blur::Regions(r) => r.clone(),
            Blur::Whole => panic!("whole frame"),
        };
        for (i, b) in p.iter().enumerate() {
            assert!(
                !regions(b).iter().any(|r| r.contains(900.0, 600.0)),
                "frame {i}: {b:?}"
            );
        }
        assert!(regions(&p[12]).contains(&seen));
        assert!(regions(&p[20]).contains(&seen_later));
        assert!(covers(&regions(&p[25]), &seen_later));
        assert_eq!(regions(&p[30]).len(), 1, "{:?}", p[30]);
        // Found again only after more than CONFIRM_OTHERS_S: neither is blurred.
        let samples = vec![
            FaceSample {
                index: 10,
                t: 1.0,
                faces: vec![seen],
            },
            FaceSample {
                index: 23,
                t: 2.3,
                faces: vec![seen_later],
            },
        ];
        let p = plan(&frames, &OtherFaces { samples });
        assert!(p.iter().all(|b| regions(b).len() == 1));
    }

    /// Whether one of `regions` holds the whole of `r`.
    fn covers(regions: &[Region], r: &Region) -> bool {
        regions
            .iter()
            .any(|g| g.x0 <= r.x0 && g.y0 <= r.y0 && g.x1 >= r.x1 && g.y1 >= r.y1)
    }

    #[test]
    fn a_person_the_nearest_scans_miss_is_blurred_wider_and_lower() {
        // The followed person stands for 5 s, 0.1 s a frame; scans every 0.25 s. Someone in
        // the background is found at 1.0 and 1.25 s, missed from 1.5 to 2.75 s (bent low),
        // and found again at 3.0 and 3.25 s at an overlapping place.
        let frames = standing_frames(50);
        let first = Region::square(200.0, 200.0, 40.0);
        let again = Region::square(210.0, 215.0, 40.0);
        let samples = (0..20)
            .map(|k| {
                let t = k as f64 * 0.25;
                let faces = match k {
                    4 | 5 => vec![first],
                    12 | 13 => vec![again],
                    _ => vec![],
                };
                FaceSample {
                    index: (t * 10.0).round() as usize,
                    t,
                    faces,
                }
            })
            .collect();
        let p = plan(&frames, &OtherFaces { samples });
        let regions = |i: usize| match &p[i] {
            Blur::Regions(r) => r.clone(),
            Blur::Whole => panic!("whole frame at {i}"),
        };
        // Found on the scans either side of 1.1 s: the box as found.
        assert!(regions(11).contains(&first), "{:?}", p[11]);
        // At 2.0 s the scans from 1.75 to 2.25 s missed them: the first place grown by
        // MISSED_GROW_* of its 80-px height.
        let h = 80.0;
        let grown = Region {
            x0: first.x0 - MISSED_GROW_SIDES * h,
            y0: first.y0 - MISSED_GROW_UP * h,
            x1: first.x1 + MISSED_GROW_SIDES * h,
            y1: first.y1 + MISSED_GROW_DOWN * h,
        };
        assert!(covers(&regions(20), &grown), "{:?}", p[20]);
        // A head gone down by 0.2 of the box and aside by 0.15 (the man behind the rack
        // after half a second bent low) is inside it; the bottom reaches half a box lower.
        let lowered = Region {
            x0: first.x0 - 0.15 * h,
            y0: first.y0 + 0.2 * h,
            x1: first.x1 - 0.15 * h,
            y1: first.y1 + 0.2 * h,
        };
        assert!(covers(&regions(20), &lowered), "{:?}", p[20]);
        // Found again at 3.0 s: the boxes as found, not grown.
        assert!(regions(31).contains(&again), "{:?}", p[31]);
        assert!(!covers(&regions(31), &grown), "{:?}", p[31]);
    }

    #[test]
    fn a_bystander_found_on_every_scan_is_one_box_per_frame() {
        // Found every 0.25 s for 8 s, the box moving a few pixels from scan to scan: the
        // frame holds the followed person's box and one box around the bystander's finds.
        let frames = standing_frames(80);
        let box_at = |k: usize| Region::square(200.0 + (k % 3) as f32 * 3.0, 200.0, 40.0);
        let samples: Vec<FaceSample> = (0..32)
            .map(|k| FaceSample {
                index: (k as f64 * 2.5) as usize,
                t: k as f64 * 0.25,
                faces: vec![box_at(k)],
            })
            .collect();
        let p = plan(&frames, &OtherFaces { samples });
        let Blur::Regions(r) = &p[40] else {
            panic!("whole frame")
        };
        assert_eq!(r.len(), 2, "{r:?}");
        assert!((0..32).all(|k| r[1].x0 <= box_at(k).x0 && r[1].x1 >= box_at(k).x1));
    }

    #[test]
    fn a_person_found_twice_at_one_place_stays_blurred_in_between() {
        // The followed person stands for 10 s, 0.1 s a frame. Someone in the background is
        // found at 1.0 and 1.25 s, missed (bent over), and found again at 3.5 and 3.75 s
        // overlapping the first place; someone else is found at 5.0 and 5.25 s and never
        // again (more than BRIDGE_OTHERS_S from the clip's end, so not held to it); a third
        // face appears at 6.0/6.25 s far from the second.
        let frames = standing_frames(100);
        let first = Region::square(200.0, 200.0, 40.0);
        let again = Region::square(230.0, 240.0, 40.0);
        let gone = Region::square(900.0, 600.0, 40.0);
        let far = Region::square(900.0, 100.0, 40.0);
        let samples = vec![
            sample_at(10, vec![first]),
            sample_at(12, vec![first]),
            sample_at(35, vec![again]),
            sample_at(38, vec![again]),
            sample_at(50, vec![gone]),
            sample_at(52, vec![gone]),
            sample_at(60, vec![far]),
            sample_at(62, vec![far]),
        ];
        let p = plan(&frames, &OtherFaces { samples });
        let regions = |i: usize| match &p[i] {
            Blur::Regions(r) => r.clone(),
            Blur::Whole => panic!("whole frame at {i}"),
        };
        // Between the finds (more than HOLD_OTHERS_S from each), both places stay blurred.
        for i in [19, 23, 28] {
            assert!(covers(&regions(i), &first), "frame {i}: {:?}", p[i]);
            assert!(covers(&regions(i), &again), "frame {i}: {:?}", p[i]);
        }
        // Not bridged: the second person after its hold, although the third face is found
        // within BRIDGE_OTHERS_S on the other side of the frame (elsewhere).
        let (gx, gy) = gone.centre();
        assert!(
            !regions(59).iter().any(|r| r.contains(gx, gy)),
            "{:?}",
            p[59]
        );
        assert!(regions(59).contains(&far), "{:?}", p[59]);
        // Past the bridge's reach, the first place is not held: 3 s after 1.2 s.
        let (fx, fy) = first.centre();
        assert!(
            !regions(45).iter().any(|r| r.contains(fx, fy)),
            "{:?}",
            p[45]
        );
    }

    #[test]
    fn a_person_found_near_the_start_or_the_end_stays_blurred_to_it() {
        // The followed person stands for 10 s, 0.1 s a frame. Someone is found at 2.0 and
        // 2.25 s only (first found late, then missed): held back to the clip's first frame.
        // Someone else is found at 7.5 and 7.75 s only: held to the last frame. A third,
        // found at 5.0 and 5.25 s only, is more than BRIDGE_OTHERS_S from either end: not
        // held to them.
        let frames = standing_frames(100);
        let early = Region::square(200.0, 200.0, 40.0);
        let late = Region::square(900.0, 200.0, 40.0);
        let middle = Region::square(600.0, 700.0, 40.0);
        let samples = vec![
            sample_at(20, vec![early]),
            sample_at(22, vec![early]),
            sample_at(50, vec![middle]),
            sample_at(52, vec![middle]),
            sample_at(75, vec![late]),
            sample_at(77, vec![late]),
        ];
        let p = plan(&frames, &OtherFaces { samples });
        let regions = |i: usize| match &p[i] {
            Blur::Regions(r) => r.clone(),
            Blur::Whole => panic!("whole frame at {i}"),
        };
        let at = |i: usize, r: &Region| {
            let (x, y) = r.centre();
            regions(i).iter().any(|g| g.contains(x, y))
        };
        assert!(at(0, &early) && covers(&regions(0), &early), "{:?}", p[0]);
        assert!(at(99, &late) && covers(&regions(99), &late), "{:?}", p[99]);
        // Past the hold on the far side of each: not blurred.
        assert!(!at(40, &early), "{:?}", p[40]);
        assert!(!at(60, &late), "{:?}", p[60]);
        for i in [0, 20, 99] {
            assert!(!at(i, &middle), "frame {i}: {:?}", p[i]);
        }
        assert!(at(51, &middle));
        // Someone moving: found at 1.0 s at one place, at 1.25 s a little on, at 1.5 s
        // further on (overlapping the second find, not the first). Only the first find (with
        // the find overlapping it within CONFIRM_OTHERS_S) is held back to the first frame,
        // not every place they were.
        let a = Region::square(200.0, 600.0, 40.0);
        let b = Region::square(250.0, 600.0, 40.0);
        let c = Region::square(320.0, 600.0, 40.0);
        let samples = vec![
            sample_at(10, vec![a]),
            sample_at(12, vec![b]),
            sample_at(15, vec![c]),
        ];
        let p = plan(&frames, &OtherFaces { samples });
        let Blur::Regions(r) = &p[0] else {
            panic!("whole frame")
        };
        let (cx, cy) = c.centre();
        assert!(covers(r, &a.union(&b)), "{r:?}");
        assert!(!r.iter().any(|g| g.contains(cx, cy)), "{r:?}");
    }

    #[test]
    fn the_lead_in_blurs_the_faces_found_only_where_the_person_already_was() {
        // Found from frame 10 (1.0 s), standing with the face at (500, 200).
        let frames: Vec<PoseFrame> = (0..40)
            .map(|i| {
                let f = frame(i, (i >= 10).then(standing));
                PoseFrame {
                    timestamp_s: i as f64 / 10.0,
                    ..f
                }
            })
            .collect();
        let mine = Region::square(502.0, 201.0, 40.0);
        let theirs = Region::square(900.0, 200.0, 40.0);
        // The detector found the followed person where they are first tracked, and
        // someone else: both regions stand in for them, within HOLD_OTHERS_S.
        let faces = OtherFaces {
            samples: vec![sample_at(2, vec![mine, theirs])],
        };
        let p = plan(&frames, &faces);
        assert!(matches!(&p[0], Blur::Regions(r) if r.len() == 3 && r.contains(&theirs)));
        // No face found near 0.9 s: the whole frame.
        assert_eq!(p[9], Blur::Whole);
        // Only someone else's face found (the followed person was elsewhere: walking in,
        // or missed by the detector): the whole frame.
        let faces = OtherFaces {
            samples: vec![sample_at(2, vec![theirs])],
        };
        assert_eq!(plan(&frames, &faces)[0], Blur::Whole);
        // The person's own face found, but far from where they are first tracked (they
        // moved): the whole frame.
        let moved = Region::square(200.0, 200.0, 40.0);
        let faces = OtherFaces {
            samples: vec![sample_at(2, vec![moved])],
        };
        assert_eq!(plan(&frames, &faces)[0], Blur::Whole);
        // Nothing detected and nobody tracked: the whole frame.
        assert_eq!(plan(&frames, &OtherFaces::default())[0], Blur::Whole);
    }

    fn face(x: f32, y: f32, side: f32) -> Face {
        // Eyes, nose, mouth inside the box; ear tragions at its sides, a little low.
        let (cx, cy) = (x + side / 2.0, y + side / 2.0);
        Face {
            score: 0.5,
            bbox: [x, y, side, side],
            keypoints: [
                [cx - 0.2 * side, cy - 0.1 * side],
                [cx + 0.2 * side, cy - 0.1 * side],
                [cx, cy + 0.1 * side],
                [cx, cy + 0.3 * side],
                [x, cy + 0.05 * side],
                [x + side, cy + 0.05 * side],
            ],
        }
    }

    #[test]
    fn a_found_face_becomes_a_whole_head_box() {
        // A 30-px face box at (200, 360): the head reaches about a box above its centre
        // (crown) and a box to either side (back of the head in profile).
        let f = face(200.0, 360.0, 30.0);
        let r = face_head_region(&f);
        let (cx, cy) = (215.0, 375.0);
        assert!(
            r.contains(cx, cy - 30.0) && r.contains(cx - 30.0, cy) && r.contains(cx + 30.0, cy)
        );
        assert!(r.contains(cx, cy + 25.0)); // chin and neck
        let half = HEAD_HALF_PER_FACE_BOX * 30.0;
        assert!(
            (r.x0 - (cx - half)).abs() < 1e-3 && (r.y0 - (cy - half)).abs() < 1e-3,
            "{r:?}"
        );
        // A tiny face keeps the minimum box.
        let r = face_head_region(&face(10.0, 10.0, 4.0));
        assert!(r.x1 - r.x0 >= 2.0 * MIN_HALF_PX - 1e-3);
    }

    #[test]
    fn a_pose_confirms_a_face_only_with_a_head_of_its_size() {
        let f = face(200.0, 360.0, 30.0);
        // A head region three boxes across around the face: confirmed.
        assert!(holds_face(&Region::square(215.0, 370.0, 45.0), &f));
        // As large, but elsewhere: not.
        assert!(!holds_face(&Region::square(400.0, 370.0, 45.0), &f));
        // Around the face but too small for a head with it (a tiny pose read into a rack's
        // upright): not.
        assert!(!holds_face(&Region::square(215.0, 375.0, 25.0), &f));
        // The regions tried stand below the face, upright, larger first.
        let [body, upper] = rois_below_face(&f);
        assert!(body.cy > 375.0 && upper.cy > 375.0 && body.width > upper.width);
        assert_eq!((body.rotation, body.width), (0.0, body.height));
    }

    #[test]
    fn faces_on_the_followed_persons_body_are_not_looked_at() {
        // The standing person: face at (500, 200), shoulders 300, hips 550, head 119 px.
        let lms = standing();
        // On the trunk, on the thigh, at the calf's edge (a quarter head from the shin):
        // on the body; half a head beside the shin is not (the calf does not reach there).
        assert!(on_body(&lms, 502.0, 420.0));
        assert!(on_body(&lms, 503.0, 600.0));
        assert!(on_body(&lms, 535.0, 800.0));
        assert!(!on_body(&lms, 560.0, 800.0));
        // Seen from the side, the chest and back reach half a head past the trunk's line.
        assert!(on_body(&lms, 565.0, 420.0) && on_body(&lms, 440.0, 420.0));
        // The head is not part of it; far to the side is not either.
        assert!(!on_body(&lms, 500.0, 150.0));
        assert!(!on_body(&lms, 800.0, 420.0));
        // Too few landmarks: nothing is on the body.
        assert!(!on_body(&lms[..20], 502.0, 420.0));
    }

    /// A black 200 x 200 BGR picture.
    fn black_200() -> Mat {
        Mat::new_rows_cols_with_default(
            200,
            200,
            opencv::core::CV_8UC3,
            opencv::core::Scalar::all(0.0),
        )
        .unwrap()
    }

    /// A 200 x 200 picture with detail at every scale: a diagonal ramp under a 2-px
    /// checkerboard and 9-px stripes.
    fn textured() -> Mat {
        let mut img = black_200();
        for y in 0..200 {
            for x in 0..200 {
                let v = (x + y) / 2
                    + if (x / 2 + y / 2) % 2 == 0 { 40 } else { 0 }
                    + if (x / 9) % 2 == 0 { 30 } else { 0 };
                let v = v.min(255) as u8;
                *img.at_2d_mut::<opencv::core::Vec3b>(y, x).unwrap() =
                    opencv::core::Vec3b::from([v, v, v]);
            }
        }
        img
    }

    #[test]
    fn overlapping_regions_are_obscured_as_one_whatever_their_order() {
        let a = Region::square(60.0, 60.0, 30.0);
        let b = Region::square(95.0, 85.0, 30.0);
        let c = Region::square(170.0, 170.0, 12.0);
        let before = textured();
        let blurred = |rs: Vec<Region>| {
            let mut img = before.try_clone().unwrap();
            apply(&mut img, &Blur::Regions(rs)).unwrap();
            img
        };
        let (ab, ba) = (blurred(vec![a, b, c]), blurred(vec![c, b, a]));
        let mut d = Mat::default();
        opencv::core::absdiff(&ab, &ba, &mut d).unwrap();
        let d = d.reshape(1, 0).unwrap();
        assert_eq!(opencv::core::count_non_zero(&d).unwrap(), 0);
        let px = |m: &Mat, x: i32, y: i32| m.at_2d::<opencv::core::Vec3b>(y, x).unwrap().0[0];
        // No step where b's edges cross a's patch (one grid of blocks, one blur): the row
        // through both changes smoothly.
        let row: Vec<i32> = (40..120).map(|x| px(&ab, x, 62) as i32).collect();
        let step = row.windows(2).map(|w| (w[1] - w[0]).abs()).max().unwrap();
        assert!(step <= 6, "{row:?}");
        // Inside the box around a and b but in neither, and outside all: untouched.
        for (x, y) in [(35, 110), (120, 35), (199, 0), (150, 150)] {
            assert_eq!(px(&ab, x, y), px(&before, x, y), "({x}, {y})");
        }
    }

    #[test]
    fn regions_linked_by_overlaps_form_one_group() {
        let r = |x, y| Rect::new(x, y, 10, 10);
        // a-b and b-c overlap (a and c do not: one group once b comes); d is apart; e only
        // touches d's corner (no shared pixel).
        let groups = overlapping_groups(vec![r(0, 0), r(50, 50), r(15, 5), r(8, 3), r(60, 60)]);
        let mut sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        sizes.sort();
        assert_eq!(sizes, vec![1, 1, 3], "{groups:?}");
        let apart = overlapping_groups(vec![r(0, 0), r(10, 0)]);
        assert_eq!(apart.len(), 2, "touching edges are not an overlap");
    }

    #[test]
    fn a_face_in_the_gap_between_arm_and_trunk_is_looked_at() {
        // Seen from the front: shoulders 1.9 head heights apart (head 119 px), the left
        // arm held out from the trunk, its elbow and wrist a head and more to the side.
        let mut lms = standing();
        let head = 250.0 / 2.1;
        lms[idx::LEFT_SHOULDER] = lm(400.0, 300.0);
        lms[idx::RIGHT_SHOULDER] = lm(400.0 + 1.9 * head, 300.0);
        lms[idx::LEFT_HIP] = lm(430.0, 550.0);
        lms[idx::RIGHT_HIP] = lm(596.0, 550.0);
        lms[idx::LEFT_ELBOW] = lm(316.0, 444.0);
        lms[idx::LEFT_WRIST] = lm(306.0, 594.0);
        lms[idx::RIGHT_ELBOW] = lm(710.0, 444.0);
        lms[idx::RIGHT_WRIST] = lm(720.0, 594.0);
        for side in [0, 1] {
            let x = [430.0, 596.0][side];
            lms[idx::LEFT_KNEE + side] = lm(x, 550.0 + 1.8 * head);
            lms[idx::LEFT_ANKLE + side] = lm(x, 550.0 + 3.6 * head);
        }
        assert!((head_height_px(&lms).unwrap() - head).abs() < 1.0);
        // Midway between the forearm and the trunk's side at y 480 (0.45 head heights from
        // each): seen through the gap, not on the body.
        assert!(!on_body(&lms, 367.6, 480.0));
        // On the forearm, at its edge, inside the trunk: on the body.
        assert!(on_body(&lms, 312.0, 500.0));
        assert!(on_body(&lms, 312.0 + 0.25 * head, 500.0));
        assert!(on_body(&lms, 500.0, 420.0));
        // Just below the hips (the seat from behind): on the body whatever the view.
        assert!(on_body(&lms, 513.0, 550.0 + 0.55 * head));
    }

    #[test]
    fn obscuring_removes_detail_inside_and_leaves_the_rest() {
        let mut img = black_200();
        // A checkerboard of 2-pixel squares everywhere.
        for y in 0..200 {
            for x in 0..200 {
                if (x / 2 + y / 2) % 2 == 0 {
                    *img.at_2d_mut::<opencv::core::Vec3b>(y, x).unwrap() =
                        opencv::core::Vec3b::from([255, 255, 255]);
                }
            }
        }
        let before = img.try_clone().unwrap();
        apply(
            &mut img,
            &Blur::Regions(vec![Region::square(50.0, 50.0, 40.0)]),
        )
        .unwrap();
        let px = |m: &Mat, x: i32, y: i32| m.at_2d::<opencv::core::Vec3b>(y, x).unwrap().0;
        // Inside: flat grey (no checkerboard left).
        let inside: Vec<u8> = (20..80).map(|x| px(&img, x, 50)[0]).collect();
        let spread = inside.iter().max().unwrap() - inside.iter().min().unwrap();
        assert!(spread < 40, "{inside:?}");
        // Outside: untouched.
        for (x, y) in [(150, 150), (95, 20), (20, 95)] {
            assert_eq!(px(&img, x, y), px(&before, x, y));
        }
    }
}
