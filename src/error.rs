//! Library error type. Every variant renders as one paragraph that names the file and the fix.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "ONNX Runtime library not found (looked in: {searched}). Run `scripts/setup` to install it, or point `--ort-lib` / ORT_DYLIB_PATH at libonnxruntime.so.1.32.0."
    )]
    OrtLibraryMissing { searched: String },

    #[error(
        "could not load the ONNX Runtime library {path}: {reason}. Run `scripts/setup` to reinstall it, or point `--ort-lib` / ORT_DYLIB_PATH at a working libonnxruntime.so.1.32.0."
    )]
    OrtLibraryBroken { path: PathBuf, reason: String },

    #[error(
        "model file {path} is missing. Restore it with `git checkout -- models/`, or rebuild it with `tools/convert_models.py` (the heavy model is built on demand with `--heavy`; rebuild hipflex afterwards so it knows the new checksum)."
    )]
    ModelMissing { path: PathBuf },

    #[error(
        "model file {path} is corrupt: its sha256 is {actual}, expected {expected}. Restore it with `git checkout -- models/` or rebuild it with `python3 tools/convert_models.py`."
    )]
    ModelChecksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },

    #[error(
        "model file {path} could not be loaded by ONNX Runtime: {reason}. Restore it with `git checkout -- models/`."
    )]
    ModelLoad { path: PathBuf, reason: String },

    #[error("inference failed in {stage}: {reason}")]
    Inference { stage: &'static str, reason: String },

    #[error(
        "{path} is {what}, not a video. hipflex measures movement, so it needs a video of the exercise set (mp4, mov, mkv, avi or webm straight from the camera, at least one whole repetition long, with the whole body in frame); film the set as a video and analyse that file. Nothing was written."
    )]
    NotAVideo { path: PathBuf, what: String },

    #[error(
        "{path} is a video of only {frames} frames ({duration_s:.2} s), shorter than the {min_s:.1} s that even one fast repetition takes, so there is nothing to measure. hipflex needs the whole set on video (start filming before the first rep and stop after the last); analyse the full recording. Nothing was written."
    )]
    ClipTooShort {
        path: PathBuf,
        frames: usize,
        duration_s: f64,
        min_s: f64,
    },

    #[error("{path} does not exist. Check the path.")]
    InputMissing { path: PathBuf },

    #[error("{path} is empty (0 bytes): it is not a video. Re-export or re-copy the recording.")]
    InputEmpty { path: PathBuf },

    #[error(
        "{path} could not be opened as a video ({reason}). hipflex reads mp4, mov, mkv, avi and webm; check that the file is a complete video (try playing it) and re-export it if needed."
    )]
    VideoOpen { path: PathBuf, reason: String },

    #[error(
        "{path} contains no decodable video frames ({reason}). The file may be truncated, audio-only or not a video; re-export or re-copy the recording."
    )]
    VideoNoFrames { path: PathBuf, reason: String },

    #[error(
        "{path} looks truncated or damaged: only {decoded} of the {declared} frames it declares could be decoded. Re-copy or re-export the recording; nothing was written."
    )]
    VideoTruncated {
        path: PathBuf,
        decoded: u64,
        declared: u64,
    },

    #[error(
        "no person was found in any of the {frames} frames of {path}. Film the whole body (head to feet) from the side, in good light, with the person filling at least a third of the frame."
    )]
    NoPerson { path: PathBuf, frames: u64 },

    #[error("video decoding failed in {path} at frame {frame}: {reason}")]
    VideoDecode {
        path: PathBuf,
        frame: u64,
        reason: String,
    },

    #[error("{path} already exists; pass --force to overwrite it or choose another output path.")]
    OutputExists { path: PathBuf },

    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("could not read {path}: {reason}")]
    Read { path: PathBuf, reason: String },

    #[error("invalid configuration in {origin}: {reason}")]
    Config { origin: String, reason: String },

    #[error(
        "no landmarks to analyse: {reason}. Check that one person is fully in frame, filmed from the side, and that the video plays."
    )]
    NoLandmarks { reason: String },

    #[error(
        "phase {phase} is not in protocol \"{protocol}\" (it has phases {available}). Pick one of those with --phase, or add a [[phase]] table to the protocol file."
    )]
    PhaseMissing {
        phase: u8,
        protocol: String,
        available: String,
    },

    #[error("{0}")]
    Other(String),
}

impl From<opencv::Error> for Error {
    fn from(e: opencv::Error) -> Self {
        Error::Other(format!("OpenCV: {e}"))
    }
}
