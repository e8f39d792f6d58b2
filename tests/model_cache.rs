//! The model checksum cache through the command line: a verified model is not hashed
//! again, and a model changed in place (same size, same inode, mtime put back) is
//! still caught by its checksum.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// Runs `hipflex pose` on a clip with nobody in it: reaching the "no person" error
/// means both models passed verification and loaded.
fn pose(cache: &Path, models: &Path, clip: &Path, out: &Path) -> (Option<i32>, String) {
    let o = Command::cargo_bin("hipflex")
        .unwrap()
        .env("XDG_CACHE_HOME", cache)
        .env_remove("HIPFLEX_CHECKSUM_CACHE")
        .arg("pose")
        .arg(clip)
        .arg("-o")
        .arg(out)
        .args(["--model", "lite", "--models-dir"])
        .arg(models)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_cached_verdict_is_reused_and_a_changed_model_is_still_caught() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clip = d.join("pattern.mp4");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10:duration=0.3",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        clip.to_str().unwrap(),
    ]);
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let models = d.join("models");
    std::fs::create_dir_all(&models).unwrap();
    for f in ["pose_detection.onnx", "pose_landmark_lite.onnx"] {
        std::fs::copy(src.join(f), models.join(f)).unwrap();
    }
    // Files changed in the last 2 s are never cached; let the copies settle.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let cache = d.join("cache");
    let out = d.join("out.csv");

    let (code, err) = pose(&cache, &models, &clip, &out);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no person"), "models load: {err}");
    let table = cache.join("hipflex/file-checksums.tsv");
    let text = std::fs::read_to_string(&table).expect("verdicts cached");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("pose_landmark_lite.onnx"), "{text}");

    // Second run: served from the cache, same outcome.
    let (code, err) = pose(&cache, &models, &clip, &out);
    assert_eq!(code, Some(2));
    assert!(err.contains("no person"), "{err}");

    // Flip one byte in place, keep size and inode, put the mtime back.
    let p = models.join("pose_landmark_lite.onnx");
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    let ino_before = std::fs::metadata(&p).map(|m| inode(&m)).unwrap();
    {
        use std::io::{Read, Seek, SeekFrom, Write};
        let mut f = std::fs::File::options()
            .read(true)
            .write(true)
            .open(&p)
            .unwrap();
        let mid = f.metadata().unwrap().len() / 2;
        let mut b = [0u8; 1];
        f.seek(SeekFrom::Start(mid)).unwrap();
        f.read_exact(&mut b).unwrap();
        f.seek(SeekFrom::Start(mid)).unwrap();
        f.write_all(&[b[0] ^ 0xff]).unwrap();
        f.set_modified(mtime).unwrap();
    }
    assert_eq!(
        std::fs::metadata(&p).map(|m| inode(&m)).unwrap(),
        ino_before
    );
    assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);
    let (code, err) = pose(&cache, &models, &clip, &out);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("pose_landmark_lite.onnx") && err.contains("sha256"),
        "the changed model is caught: {err}"
    );
    assert!(!out.exists());
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}
