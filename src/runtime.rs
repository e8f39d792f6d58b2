//! Finding and loading the ONNX Runtime shared library.
//!
//! Order: an explicit path (`--ort-lib`), then `ORT_DYLIB_PATH`, then the places
//! `scripts/setup` installs to. Loading happens once per process.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};

/// The ONNX Runtime version `scripts/setup` installs and the code is tested against.
pub const ORT_VERSION: &str = "1.32.0";
/// The library's file name inside the PyPI wheel.
pub const ORT_LIB_NAME: &str = "libonnxruntime.so.1.32.0";

/// The environment variable, and its value, with which ONNX Runtime's own builds
/// (the PyPI wheel `scripts/setup` installs among them, since 1.29) switch off their
/// telemetry. Without it ONNX Runtime writes a device id and a queue of usage events
/// (sessions, models, execution providers, errors, inference counts and times) to
/// `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` and uploads them to Microsoft
/// (`mobile.events.data.microsoft.com`) whenever the machine is online. hipflex
/// promises that nothing leaves the machine, so it is always set before ONNX Runtime
/// is initialised.
pub const ORT_TELEMETRY_OFF: (&str, &str) = ("ORT_DISABLE_TELEMETRY", "1");

/// Whether this process's environment already switches ONNX Runtime's telemetry off.
pub fn ort_telemetry_off() -> bool {
    std::env::var_os(ORT_TELEMETRY_OFF.0).is_some_and(|v| v == ORT_TELEMETRY_OFF.1)
}

/// Sets [`ORT_TELEMETRY_OFF`] for this process. The CLI calls it first thing in
/// `main`; [`ensure_loaded`] calls it too when a library user has not.
///
/// # Safety
/// As [`std::env::set_var`]: no other thread may read or write the environment
/// while it runs, so call it before starting threads.
pub unsafe fn switch_off_ort_telemetry() {
    if !ort_telemetry_off() {
        // SAFETY: the caller guarantees no concurrent access to the environment.
        unsafe { std::env::set_var(ORT_TELEMETRY_OFF.0, ORT_TELEMETRY_OFF.1) };
    }
}

static ENV: OnceLock<ort::environment::Environment> = OnceLock::new();
static INIT: Mutex<()> = Mutex::new(());

/// Directories searched (in order) when no explicit path is given.
pub fn default_search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        dirs.push(dir.to_path_buf());
        dirs.push(dir.join("lib"));
        dirs.push(dir.join("../lib/hipflex"));
    }
    if let Some(data) = data_dir() {
        dirs.push(data.join("onnxruntime").join(ORT_VERSION));
    }
    dirs.push(PathBuf::from("/usr/local/lib/hipflex"));
    dirs
}

/// `$XDG_DATA_HOME/hipflex` or `~/.local/share/hipflex`.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(x).join("hipflex"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/hipflex"))
}

/// Resolves which library file to load.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return check_file(p);
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|s| !s.is_empty()) {
        return check_file(Path::new(&p));
    }
    let dirs = default_search_dirs();
    for d in &dirs {
        for name in [ORT_LIB_NAME, "libonnxruntime.so"] {
            let p = d.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(Error::OrtLibraryMissing {
        searched: dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

fn check_file(p: &Path) -> Result<PathBuf> {
    if p.is_file() {
        Ok(p.to_path_buf())
    } else {
        Err(Error::OrtLibraryMissing {
            searched: p.display().to_string(),
        })
    }
}

/// Loads ONNX Runtime once for the whole process. Later calls return the path
/// already loaded (an explicit path given later is ignored).
pub fn ensure_loaded(explicit: Option<&Path>) -> Result<()> {
    let _guard = INIT.lock().unwrap_or_else(|e| e.into_inner());
    if ENV.get().is_some() {
        return Ok(());
    }
    let path = locate(explicit)?;
    if !ort_telemetry_off() {
        // SAFETY: ONNX Runtime is not loaded yet (no thread of its own exists), the
        // INIT lock is held, and hipflex starts no thread that touches the environment
        // before loading the models; the CLI sets the variable before any thread, so
        // only library users who did not call `switch_off_ort_telemetry` get here.
        unsafe { switch_off_ort_telemetry() };
    }
    let builder = ort::init_from(&path).map_err(|e| Error::OrtLibraryBroken {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let env = builder
        .with_name("hipflex")
        // The API switch as well as the variable (the switch alone leaves the event
        // ONNX Runtime logs while creating the environment).
        .with_telemetry(false)
        .build()
        .map_err(|e| Error::OrtLibraryBroken {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    let _ = ENV.set(env);
    Ok(())
}

/// The process-wide ONNX Runtime environment (loading the library first if needed).
pub fn environment() -> Result<&'static ort::environment::Environment> {
    ensure_loaded(None)?;
    Ok(ENV.get().expect("environment set by ensure_loaded"))
}
