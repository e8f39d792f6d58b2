//! A clip's landmarks, kept without holding them in memory.
//!
//! Every consumer of a whole clip's landmarks (the analysis, the picture checks, the blur
//! plan, the annotated video, the landmarks file) reads them front to back, so they take
//! a [`Frames`]: anything that hands out the frames in order. A slice of [`PoseFrame`]s is
//! one (tests, short clips); a [`FrameStore`] is the other: an append-only file of fixed
//! binary records in the outputs' folder, unnamed (the system deletes it when the store is
//! dropped or the process dies, so a killed run leaves nothing behind), read back with a
//! buffer of its own by each reader. Memory stays flat for any clip length; the values
//! read back are bit for bit those written, so the results do not change.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::pose::{Landmark, Pose, PoseFrame, Roi, RoiSource};

/// A clip's frames, handed out in order.
pub trait Frames {
    /// How many frames there are.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A reader of the frames from the first.
    fn cursor(&self) -> Result<Box<dyn FrameCursor + '_>>;

    /// Hands every frame, with its position, to `each`.
    fn visit(&self, each: &mut dyn FnMut(usize, &PoseFrame)) -> Result<()> {
        let mut c = self.cursor()?;
        let mut i = 0;
        while let Some(f) = c.next_frame()? {
            each(i, f);
            i += 1;
        }
        Ok(())
    }
}

/// Hands out a clip's frames one after the other.
pub trait FrameCursor {
    /// The next frame, `None` after the last.
    fn next_frame(&mut self) -> Result<Option<&PoseFrame>>;
}

impl Frames for [PoseFrame] {
    fn len(&self) -> usize {
        <[PoseFrame]>::len(self)
    }

    fn cursor(&self) -> Result<Box<dyn FrameCursor + '_>> {
        Ok(Box::new(self.iter()))
    }
}

impl Frames for Vec<PoseFrame> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn cursor(&self) -> Result<Box<dyn FrameCursor + '_>> {
        Ok(Box::new(self.iter()))
    }
}

impl<const N: usize> Frames for [PoseFrame; N] {
    fn len(&self) -> usize {
        N
    }

    fn cursor(&self) -> Result<Box<dyn FrameCursor + '_>> {
        Ok(Box::new(self.iter()))
    }
}

impl<T: Frames + ?Sized> Frames for &T {
    fn len(&self) -> usize {
        (**self).len()
    }

    fn cursor(&self) -> Result<Box<dyn FrameCursor + '_>> {
        (**self).cursor()
    }
}

impl<'a> FrameCursor for std::slice::Iter<'a, PoseFrame> {
    fn next_frame(&mut self) -> Result<Option<&PoseFrame>> {
        Ok(self.next())
    }
}

/// Follows a [`FrameCursor`] to the frames at increasing positions, for a consumer that
/// needs some of them (the annotated video, which may skip frames).
pub struct FrameAt<'a> {
    cursor: Box<dyn FrameCursor + 'a>,
    /// Position of the next frame the cursor hands out.
    next: usize,
}

impl<'a> FrameAt<'a> {
    pub fn new(frames: &'a (impl Frames + ?Sized)) -> Result<Self> {
        Ok(FrameAt {
            cursor: frames.cursor()?,
            next: 0,
        })
    }

    /// The frame at position `i` (`None` past the end); each position may be asked for
    /// once, in increasing order.
    pub fn get(&mut self, i: usize) -> Result<Option<&PoseFrame>> {
        if i < self.next {
            return Err(Error::Other(format!(
                "frame {i} asked for after frame {}",
                self.next - 1
            )));
        }
        while self.next < i {
            if self.cursor.next_frame()?.is_none() {
                return Ok(None);
            }
            self.next += 1;
        }
        self.next += 1;
        self.cursor.next_frame()
    }
}

/// Where a [`FrameStore`] is being written.
pub struct FrameSpill {
    writer: BufWriter<File>,
    dir: PathBuf,
    len: usize,
    record: Vec<u8>,
}

/// Frames in an unnamed file (see the module's notes).
pub struct FrameStore {
    file: File,
    dir: PathBuf,
    len: usize,
}

/// Bytes buffered by a store's writer and by each of its readers.
const BUFFER: usize = 1 << 16;

fn write_error(dir: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: dir.to_path_buf(),
        source,
    }
}

impl FrameSpill {
    /// Starts a store in `dir` (which must exist), on the disk the outputs go to.
    pub fn create(dir: &Path) -> Result<FrameSpill> {
        let file = tempfile::tempfile_in(dir).map_err(|e| write_error(dir, e))?;
        Ok(FrameSpill {
            writer: BufWriter::with_capacity(BUFFER, file),
            dir: dir.to_path_buf(),
            len: 0,
            record: Vec::new(),
        })
    }

    /// Appends one frame.
    pub fn push(&mut self, f: &PoseFrame) -> Result<()> {
        self.record.clear();
        encode(f, &mut self.record);
        self.writer
            .write_all(&self.record)
            .map_err(|e| write_error(&self.dir, e))?;
        self.len += 1;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The frames written, ready to be read.
    pub fn finish(self) -> Result<FrameStore> {
        let dir = self.dir;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| write_error(&dir, e.into_error()))?;
        Ok(FrameStore {
            file,
            dir,
            len: self.len,
        })
    }
}

impl Frames for FrameStore {
    fn len(&self) -> usize {
        self.len
    }

    fn cursor(&self) -> Result<Box<dyn FrameCursor + '_>> {
        Ok(Box::new(StoreCursor {
            reader: BufReader::with_capacity(
                BUFFER,
                At {
                    file: &self.file,
                    pos: 0,
                },
            ),
            dir: &self.dir,
            left: self.len,
            frame: PoseFrame {
                index: 0,
                timestamp_s: 0.0,
                pose: None,
            },
            spare: None,
        }))
    }
}

/// Reads a file from a position of its own (readers of one file do not disturb each other).
struct At<'a> {
    file: &'a File,
    pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

struct StoreCursor<'a> {
    reader: BufReader<At<'a>>,
    dir: &'a Path,
    left: usize,
    /// The frame handed out last; its landmark lists are reused for the next one.
    frame: PoseFrame,
    spare: Option<Pose>,
}

impl FrameCursor for StoreCursor<'_> {
    fn next_frame(&mut self) -> Result<Option<&PoseFrame>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let read_error = |e: std::io::Error| Error::Read {
            path: self.dir.to_path_buf(),
            reason: format!("the landmarks kept for this clip could not be read back: {e}"),
        };
        if let Some(p) = self.frame.pose.take() {
            self.spare = Some(p);
        }
        decode(&mut self.reader, &mut self.frame, &mut self.spare).map_err(read_error)?;
        Ok(Some(&self.frame))
    }
}

fn put_f32(out: &mut Vec<u8>, v: f32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_landmarks(out: &mut Vec<u8>, l: &[Landmark]) {
    out.extend_from_slice(&(l.len() as u16).to_le_bytes());
    for x in l {
        for v in [x.x, x.y, x.z, x.visibility, x.presence] {
            put_f32(out, v);
        }
    }
}

/// One frame's record: index, timestamp, then (when there is a pose) score, region, its
/// source and both landmark lists with their lengths, little-endian.
fn encode(f: &PoseFrame, out: &mut Vec<u8>) {
    out.extend_from_slice(&f.index.to_le_bytes());
    out.extend_from_slice(&f.timestamp_s.to_le_bytes());
    let Some(p) = &f.pose else {
        out.push(0);
        return;
    };
    out.push(1);
    put_f32(out, p.score);
    for v in [
        p.roi.cx,
        p.roi.cy,
        p.roi.width,
        p.roi.height,
        p.roi.rotation,
    ] {
        put_f32(out, v);
    }
    out.push(match p.roi_source {
        RoiSource::Detection => 0,
        RoiSource::Tracking => 1,
    });
    put_landmarks(out, &p.image);
    put_landmarks(out, &p.world);
}

fn take<const N: usize>(r: &mut impl Read) -> std::io::Result<[u8; N]> {
    let mut b = [0u8; N];
    r.read_exact(&mut b)?;
    Ok(b)
}

fn take_f32(r: &mut impl Read) -> std::io::Result<f32> {
    take::<4>(r).map(f32::from_le_bytes)
}

fn take_landmarks(r: &mut impl Read, into: &mut Vec<Landmark>) -> std::io::Result<()> {
    let n = u16::from_le_bytes(take::<2>(r)?) as usize;
    into.clear();
    for _ in 0..n {
        let mut v = [0f32; 5];
        for x in &mut v {
            *x = take_f32(r)?;
        }
        into.push(Landmark {
            x: v[0],
            y: v[1],
            z: v[2],
            visibility: v[3],
            presence: v[4],
        });
    }
    Ok(())
}

/// Reads one record into `f`, reusing `spare`'s landmark lists for its pose.
fn decode(r: &mut impl Read, f: &mut PoseFrame, spare: &mut Option<Pose>) -> std::io::Result<()> {
    f.index = u64::from_le_bytes(take::<8>(r)?);
    f.timestamp_s = f64::from_le_bytes(take::<8>(r)?);
    let [has] = take::<1>(r)?;
    if has == 0 {
        f.pose = None;
        return Ok(());
    }
    let mut p = spare.take().unwrap_or_else(|| Pose {
        score: 0.0,
        image: Vec::new(),
        world: Vec::new(),
        roi: Roi::default(),
        roi_source: RoiSource::Detection,
    });
    p.score = take_f32(r)?;
    let mut roi = [0f32; 5];
    for x in &mut roi {
        *x = take_f32(r)?;
    }
    p.roi = Roi {
        cx: roi[0],
        cy: roi[1],
        width: roi[2],
        height: roi[3],
        rotation: roi[4],
    };
    let [source] = take::<1>(r)?;
    p.roi_source = if source == 0 {
        RoiSource::Detection
    } else {
        RoiSource::Tracking
    };
    take_landmarks(r, &mut p.image)?;
    take_landmarks(r, &mut p.world)?;
    f.pose = Some(p);
    Ok(())
}
