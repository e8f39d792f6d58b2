//! Progress of the long stages of analysing one video, for progress bars. The library
//! only reports; the command line decides how (or whether) to draw it.

/// The stages that take time in proportion to the video's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Running the pose model on every frame.
    Tracking,
    /// Drawing the annotated video and keyframes.
    Drawing,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Tracking => "tracking",
            Stage::Drawing => "drawing",
        }
    }
}

/// Receives progress reports; `total` is the frame count the container declares, if any.
pub trait Progress: Sync {
    fn frames(&self, stage: Stage, done: u64, total: Option<u64>);
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn frames(&self, _: Stage, _: u64, _: Option<u64>) {}
}
