//! hipflex: measures hip flexion, repetitions and tempo in rehab exercise videos.
//!
//! Data flows one way: frames (`video`) -> landmarks (`pose`) -> angles (`kinematics`)
//! -> repetitions (`exercise`) -> flags (`protocol`) -> reports (`report`).

pub mod analyze;
pub mod batch;
pub mod checksum_cache;
pub mod common;
pub mod csvfmt;
pub mod error;
pub mod exercise;
pub mod frame_store;
pub mod hash;
pub mod history;
pub mod kinematics;
pub mod landmarks_file;
pub mod models;
pub mod output;
pub mod person;
pub mod pipeline;
pub mod pose;
pub mod privacy;
pub mod progress;
pub mod protocol;
pub mod record;
pub mod report;
pub mod runtime;
pub mod signal;
pub mod synth;
pub mod video;

pub use error::{Error, Result};
