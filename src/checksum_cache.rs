//! A cache of file checksums, so the model files are hashed once rather than at every
//! start (hashing the detector and the full landmark model reads 25 MB).
//!
//! A cached checksum is reused only while the file's identity is unchanged: its
//! canonical path, size, modification time, status-change time (ctime), device and
//! inode. Any write to the file changes its mtime and ctime, and ctime cannot be set
//! back by `touch` or a copy tool, so a changed file is always hashed again. A file
//! replaced by another (rename, `cp`, `git checkout`) has a new inode or new times.
//! A checksum is stored only when the file's identity was the same before and after
//! hashing and its last change is more than [`SETTLE_S`] seconds old, so a file being
//! written while it was hashed is never cached.
//!
//! The cache lives in `$XDG_CACHE_HOME/hipflex/file-checksums.tsv` (or
//! `~/.cache/hipflex/...`); it is rewritten atomically (temporary file + rename), so
//! concurrent processes at worst lose each other's entries and hash again. A missing,
//! unreadable or malformed cache only costs a hash. `HIPFLEX_CHECKSUM_CACHE=off`
//! disables it.

use std::path::{Path, PathBuf};

use crate::error::Result;

/// Cache file name inside the cache folder.
pub const CACHE_FILE: &str = "file-checksums.tsv";
/// A file changed less than this many seconds ago is hashed but not cached.
pub const SETTLE_S: i64 = 2;
/// Entries kept (the most recent); a few model files per models folder.
const MAX_ENTRIES: usize = 64;

/// The identity of a file: if any of these changes, the cached checksum is void.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileKey {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub dev: u64,
    pub ino: u64,
}

impl FileKey {
    /// The identity of the file at `path` now, or `None` if it cannot be read.
    pub fn of(path: &Path) -> Option<FileKey> {
        let path = std::fs::canonicalize(path).ok()?;
        let m = std::fs::metadata(&path).ok()?;
        if !m.is_file() {
            return None;
        }
        Some(key_from_metadata(path, &m))
    }

    /// One cache line: `sha256 size mtime ctime dev ino path`, tab-separated.
    fn line(&self, sha256: &str) -> String {
        format!(
            "{sha256}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.size,
            self.mtime_ns,
            self.ctime_ns,
            self.dev,
            self.ino,
            self.path.display()
        )
    }

    fn parse(line: &str) -> Option<(FileKey, String)> {
        let mut it = line.splitn(7, '\t');
        let sha = it.next()?;
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let key = FileKey {
            size: it.next()?.parse().ok()?,
            mtime_ns: it.next()?.parse().ok()?,
            ctime_ns: it.next()?.parse().ok()?,
            dev: it.next()?.parse().ok()?,
            ino: it.next()?.parse().ok()?,
            path: PathBuf::from(it.next()?),
        };
        Some((key, sha.to_string()))
    }
}

#[cfg(unix)]
fn key_from_metadata(path: PathBuf, m: &std::fs::Metadata) -> FileKey {
    use std::os::unix::fs::MetadataExt;
    FileKey {
        path,
        size: m.size(),
        mtime_ns: m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128,
        ctime_ns: m.ctime() as i128 * 1_000_000_000 + m.ctime_nsec() as i128,
        dev: m.dev(),
        ino: m.ino(),
    }
}

#[cfg(not(unix))]
fn key_from_metadata(path: PathBuf, m: &std::fs::Metadata) -> FileKey {
    let ns = |t: std::io::Result<std::time::SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as i128)
            .unwrap_or(0)
    };
    FileKey {
        path,
        size: m.len(),
        mtime_ns: ns(m.modified()),
        ctime_ns: ns(m.created()),
        dev: 0,
        ino: 0,
    }
}

/// `$XDG_CACHE_HOME/hipflex` or `~/.cache/hipflex`; `None` when disabled or unknown.
pub fn cache_dir() -> Option<PathBuf> {
    if std::env::var("HIPFLEX_CHECKSUM_CACHE").is_ok_and(|v| v == "off" || v == "0") {
        return None;
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(x).join("hipflex"));
    }
    std::env::var_os("HOME")
        .filter(|s| !s.is_empty())
        .map(|h| PathBuf::from(h).join(".cache/hipflex"))
}

/// A checksum cache stored in one file.
pub struct ChecksumCache {
    file: PathBuf,
    settle_s: i64,
}

impl ChecksumCache {
    /// The user's cache (see [`cache_dir`]), or `None` when disabled.
    pub fn user() -> Option<ChecksumCache> {
        cache_dir().map(|d| ChecksumCache::at(d.join(CACHE_FILE)))
    }

    pub fn at(file: PathBuf) -> ChecksumCache {
        ChecksumCache {
            file,
            settle_s: SETTLE_S,
        }
    }

    /// Caches files changed more than `seconds` ago (default [`SETTLE_S`]).
    pub fn with_settle(mut self, seconds: i64) -> ChecksumCache {
        self.settle_s = seconds;
        self
    }

    fn entries(&self) -> Vec<(FileKey, String)> {
        std::fs::read_to_string(&self.file)
            .map(|s| s.lines().filter_map(FileKey::parse).collect())
            .unwrap_or_default()
    }

    /// The cached checksum of the file with exactly this identity.
    pub fn lookup(&self, key: &FileKey) -> Option<String> {
        self.entries()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, sha)| sha)
    }

    /// Records `sha256` for `key`, replacing any entry for the same path. Best effort:
    /// a cache that cannot be written is left as it was.
    pub fn store(&self, key: &FileKey, sha256: &str) {
        let mut entries: Vec<(FileKey, String)> = self
            .entries()
            .into_iter()
            .filter(|(k, _)| k.path != key.path)
            .collect();
        entries.push((key.clone(), sha256.to_string()));
        let skip = entries.len().saturating_sub(MAX_ENTRIES);
        let mut text = String::new();
        for (k, s) in &entries[skip..] {
            text.push_str(&k.line(s));
            text.push('\n');
        }
        let _ = self.write(&text);
    }

    fn write(&self, text: &str) -> std::io::Result<()> {
        use std::io::Write;
        let dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".file-checksums.")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.file).map_err(|e| e.error)?;
        Ok(())
    }

    /// The sha256 of `path`: the cached one while the file is unchanged, else
    /// `hash(path)` (and cached when the file held still while it was hashed).
    pub fn sha256(
        &self,
        path: &Path,
        hash: impl FnOnce(&Path) -> Result<String>,
    ) -> Result<String> {
        let before = FileKey::of(path);
        if let Some(k) = &before
            && let Some(sha) = self.lookup(k)
        {
            return Ok(sha);
        }
        let sha = hash(path)?;
        if let Some(k) = before
            && FileKey::of(path).as_ref() == Some(&k)
            && settled(&k, self.settle_s)
        {
            self.store(&k, &sha);
        }
        Ok(sha)
    }
}

/// True when the file's last change is more than `settle_s` seconds in the past.
fn settled(k: &FileKey, settle_s: i64) -> bool {
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    let last = k.mtime_ns.max(k.ctime_ns);
    now_ns - last > settle_s as i128 * 1_000_000_000
}

/// The sha256 of `path` through the user's cache, or `hash(path)` when it is disabled.
pub fn sha256_cached(path: &Path, hash: impl FnOnce(&Path) -> Result<String>) -> Result<String> {
    match ChecksumCache::user() {
        Some(c) => c.sha256(path, hash),
        None => hash(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn counting_hash<'a>(calls: &'a Cell<u32>) -> impl Fn(&Path) -> Result<String> + 'a {
        move |p: &Path| {
            calls.set(calls.get() + 1);
            let bytes = std::fs::read(p).unwrap();
            Ok(format!(
                "{:064x}",
                bytes.len() as u128 * 7 + bytes[0] as u128
            ))
        }
    }

    #[test]
    fn reuses_the_checksum_of_an_unchanged_file_and_rehashes_a_changed_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ChecksumCache::at(dir.path().join("cache/file-checksums.tsv")).with_settle(-1);
        let f = dir.path().join("model.onnx");
        std::fs::write(&f, b"abc").unwrap();
        let calls = Cell::new(0);
        let first = cache.sha256(&f, counting_hash(&calls)).unwrap();
        let again = cache.sha256(&f, counting_hash(&calls)).unwrap();
        assert_eq!(first, again);
        assert_eq!(calls.get(), 1, "the second look-up comes from the cache");

        // Same size, same inode, mtime put back: ctime still moves, so it is hashed
        // again (sleep past the kernel's coarse timestamp tick).
        std::thread::sleep(std::time::Duration::from_millis(30));
        let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
        std::fs::write(&f, b"xbc").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let changed = cache.sha256(&f, counting_hash(&calls)).unwrap();
        assert_eq!(calls.get(), 2, "a changed file is hashed again");
        assert_ne!(changed, first);
    }

    #[test]
    fn a_file_changed_just_now_is_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ChecksumCache::at(dir.path().join("c.tsv"));
        let f = dir.path().join("fresh.onnx");
        std::fs::write(&f, b"new").unwrap();
        let calls = Cell::new(0);
        cache.sha256(&f, counting_hash(&calls)).unwrap();
        cache.sha256(&f, counting_hash(&calls)).unwrap();
        assert_eq!(calls.get(), 2);
        assert!(!dir.path().join("c.tsv").exists());
    }

    #[test]
    fn a_malformed_cache_is_ignored_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.tsv");
        std::fs::write(&file, "garbage\nzz\t1\t2\n").unwrap();
        let cache = ChecksumCache::at(file.clone()).with_settle(-1);
        let f = dir.path().join("m.onnx");
        std::fs::write(&f, b"m").unwrap();
        let calls = Cell::new(0);
        cache.sha256(&f, counting_hash(&calls)).unwrap();
        assert_eq!(calls.get(), 1);
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        cache.sha256(&f, counting_hash(&calls)).unwrap();
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn key_lines_round_trip() {
        let k = FileKey {
            path: PathBuf::from("/a b/c\td.onnx"),
            size: 5,
            mtime_ns: 1_700_000_000_123_456_789,
            ctime_ns: -3,
            dev: 2049,
            ino: 77,
        };
        let sha = "a".repeat(64);
        assert_eq!(FileKey::parse(&k.line(&sha)), Some((k, sha)));
    }
}
