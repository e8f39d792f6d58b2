//! hipflex: measures hip flexion, repetitions and tempo in rehab exercise videos.
//!
//! Data flows one way: frames (`video`) -> landmarks (`pose`) -> angles (`kinematics`)
//! -> repetitions (`exercise`) -> flags (`protocol`) -> reports (`report`).

pub mod common;
pub mod error;
pub mod models;
pub mod pose;
pub mod runtime;
pub mod synth;

pub use error::{Error, Result};
