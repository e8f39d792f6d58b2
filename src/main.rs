//! The `hipflex` command line: a thin layer over the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // FFmpeg prints its own complaints (e.g. "moov atom not found") to stderr; hipflex
    // explains every failure itself, so keep FFmpeg quiet unless the user asked.
    if std::env::var_os("OPENCV_FFMPEG_LOGLEVEL").is_none() {
        // SAFETY: single-threaded at this point; nothing else reads the environment yet.
        unsafe { std::env::set_var("OPENCV_FFMPEG_LOGLEVEL", "-8") };
    }
    // ONNX Runtime's own builds upload usage telemetry unless told not to: nothing
    // hipflex does may leave the machine.
    // SAFETY: single-threaded at this point, as above.
    unsafe { hipflex::runtime::switch_off_ort_telemetry() };
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", cli::describe(&e));
            ExitCode::from(2)
        }
    }
}
