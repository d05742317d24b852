//! The state directory: task records and output logs on disk, readable with
//! or without a server (`ls`, `log` and `capture` of ended tasks read it
//! directly).
//!
//! ```text
//! STATE_DIR/
//!   last-id            the highest id ever given out (ids are never reused)
//!   server.lock        flock held by the server using this directory
//!   tasks/7.json       task 7's record, replaced atomically (write, rename)
//!   tasks/7.log        task 7's raw output, appended (first segment)
//!   tasks/7.log.N      later segments, from byte N on (see segments.rs)
//!   tasks/7.idx        task 7's line index (see index.rs)
//!   tasks/7.json.corrupt-…  a record that could not be parsed, moved aside
//! ```
//!
//! Records are written to a temporary file and renamed over the old one, so
//! a reader never sees half a record; the fsync of the file and of the
//! directory happens on a background thread (see [`Syncer`]) so that the
//! server loop never waits for the disk.

mod index;
mod log;
// The line API (numbers, lines, search) is what review mode calls; until
// review mode lands, only the tests call it.
#[cfg_attr(not(test), allow(dead_code))]
mod reader;
mod record;
mod render;
mod segments;
pub mod time;

use std::fs::{self, File};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::{Context, Result};

pub use self::log::{limit_from_env, LogWriter, DEFAULT_LOG_LIMIT};
#[allow(unused_imports)] // for review mode and search, which are being built on it
pub use self::reader::{Direction, LogBytes, LogReader, Query};
pub use self::record::{find, Size, Status, TaskRecord};
pub use self::render::Renderer;

/// A state directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    tasks: PathBuf,
    log_limit: u64,
    /// The highest id given out, once read from `last-id` (see
    /// [`Store::next_id`]).
    last_id: std::cell::Cell<Option<u64>>,
}

impl Store {
    /// Opens `dir` for reading (creating nothing).
    pub fn at(dir: &Path) -> Store {
        Store {
            dir: dir.to_path_buf(),
            tasks: dir.join("tasks"),
            log_limit: DEFAULT_LOG_LIMIT,
            last_id: std::cell::Cell::new(None),
        }
    }

    /// Sets the `log-limit` of the logs this store creates (bytes per task).
    pub fn with_log_limit(mut self, limit: u64) -> Store {
        self.log_limit = limit;
        self
    }

    /// The `tasks/` directory.
    pub fn tasks_dir(&self) -> &Path {
        &self.tasks
    }

    /// Creates task `id`'s log, under this store's `log-limit`; the error
    /// text if it could not be created (the task runs on without one).
    pub fn create_log(&self, id: u64) -> (LogWriter, Option<String>) {
        LogWriter::create(&self.tasks, id, self.log_limit)
    }

    /// The absolute end of task `id`'s log (every byte it ever received,
    /// dropped ones included); `None` if it has no log.
    pub fn log_end(&self, id: u64) -> Option<u64> {
        segments::list(&self.tasks, id)
            .last()
            .map(segments::Segment::end)
    }

    /// Creates the directory tree if missing and checks that it is writable.
    pub fn create(dir: &Path) -> Result<Store> {
        let store = Store::at(dir);
        fs::create_dir_all(&store.tasks)
            .with_context(|| format!("creating state dir {}", store.tasks.display()))?;
        let probe = store.dir.join(format!(".probe-{}", std::process::id()));
        File::create(&probe).with_context(|| {
            format!(
                "state dir {} is not writable: fix its permissions or set BGMUX_STATE_DIR",
                dir.display()
            )
        })?;
        let _ = fs::remove_file(&probe);
        Ok(store)
    }

    /// The directory itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Task `id`'s record file.
    pub fn record_path(&self, id: u64) -> PathBuf {
        self.tasks.join(format!("{id}.json"))
    }

    /// Every record on disk, sorted by id. A record that cannot be parsed is
    /// moved aside with a warning; a log without a record gets a `lost`
    /// record made up from the log, so no output ever disappears from `ls`;
    /// a temporary file left by a write that never got its rename is removed.
    pub fn load(&self) -> Vec<TaskRecord> {
        let mut records = Vec::new();
        let mut logs = Vec::new();
        let Ok(entries) = fs::read_dir(&self.tasks) else {
            return records;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if let Some((id, _)) = name.to_str().and_then(segments::parse_name) {
                logs.push(id);
                continue;
            }
            if name.to_str().is_some_and(stale_temporary) {
                let _ = fs::remove_file(&path);
                continue;
            }
            let numbered = path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.parse::<u64>().is_ok());
            if numbered && path.extension().is_some_and(|e| e == "json") {
                match self.read_record(&path) {
                    Some(rec) => records.push(rec),
                    None => self.move_aside(&path),
                }
            }
        }
        logs.sort_unstable();
        logs.dedup();
        for id in logs {
            if !records.iter().any(|r| r.id == id) {
                records.push(self.orphan_record(id));
            }
        }
        records.sort_by_key(|r| r.id);
        records
    }

    fn read_record(&self, path: &Path) -> Option<TaskRecord> {
        let text = fs::read(path).ok()?;
        serde_json::from_slice(&text).ok()
    }

    fn move_aside(&self, path: &Path) {
        let aside = path.with_extension(format!("json.corrupt-{}", time::Timestamp::now().0));
        tracing::warn!(
            "record {} is corrupt; moved to {}",
            path.display(),
            aside.display()
        );
        eprintln!(
            "bgmux: warning: record {} is corrupt; moved to {}",
            path.display(),
            aside.display()
        );
        let _ = fs::rename(path, aside);
    }

    fn orphan_record(&self, id: u64) -> TaskRecord {
        let segs = segments::list(&self.tasks, id);
        let meta = segs.last().and_then(|s| fs::metadata(&s.path).ok());
        let modified = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(
                time::Timestamp(0),
                |d| time::Timestamp(d.as_millis() as u64),
            );
        TaskRecord {
            id,
            name: None,
            command: vec!["?".into()],
            cwd: String::new(),
            pid: None,
            size: Size { cols: 80, rows: 24 },
            started_at: modified,
            ended_at: Some(modified),
            status: Status::Lost,
            exit_code: None,
            signal: None,
            output_bytes: segs.last().map_or(0, segments::Segment::end),
            history_limit: 0,
            log_incomplete: false,
            server_pid: 0,
            attached_clients: 0,
        }
    }

    /// Gives out the next id: one more than both `last-id` and every record.
    ///
    /// `last-id` is read once and written only when a record is removed
    /// ([`Store::remove`]): while a task's record (or its log) exists, the
    /// next server sees its id anyway, so writing the file at every `run`
    /// (an atomic rename, a fifth of `run`'s time in the server) bought
    /// nothing.
    pub fn next_id(&self, known_max: u64) -> Result<u64> {
        let last = self.last_id.get().unwrap_or_else(|| {
            fs::read_to_string(self.dir.join("last-id"))
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .unwrap_or(0)
        });
        let id = last.max(known_max) + 1;
        self.last_id.set(Some(id));
        Ok(id)
    }

    /// Writes `rec` atomically (the fsync follows on `syncer`'s thread).
    pub fn save(&self, rec: &TaskRecord, syncer: Option<&Syncer>) -> Result<()> {
        let path = self.record_path(rec.id);
        let mut text = serde_json::to_vec_pretty(rec).context("encoding record")?;
        text.push(b'\n');
        write_atomic(&path, &text).with_context(|| format!("writing {}", path.display()))?;
        if let Some(syncer) = syncer {
            syncer.sync(path);
        }
        Ok(())
    }

    /// Deletes task `id`'s record, log segments and index, after saving the
    /// highest id given out to `last-id`, so that no later task gets it.
    pub fn remove(&self, id: u64) {
        let last = self.last_id.get().unwrap_or(0).max(id);
        let stored = fs::read_to_string(self.dir.join("last-id"))
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0);
        if last > stored {
            if let Err(e) = write_atomic(&self.dir.join("last-id"), format!("{last}\n").as_bytes())
            {
                tracing::warn!("writing last-id: {e}");
            }
        }
        let _ = fs::remove_file(self.record_path(id));
        let _ = fs::remove_file(segments::index_path(&self.tasks, id));
        // Every segment, also those before a hole that `list` leaves out.
        let Ok(entries) = fs::read_dir(&self.tasks) else {
            return;
        };
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_str()
                .and_then(segments::parse_name)
                .is_some_and(|(owner, _)| owner == id)
            {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Takes the server lock on this state dir: `Ok(None)` if another live
    /// server holds it for more than a few seconds. The lock lasts as long as the returned file is open.
    pub fn lock(&self) -> Result<Option<File>> {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join("server.lock"))
            .context("opening server.lock")?;
        // An exiting server holds the lock for a moment after its socket is
        // gone; wait that out rather than refuse the new server.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            // SAFETY: flock on a valid fd with plain flags.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Some(file));
            }
            if std::time::Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// Is `name` the temporary file of a record write whose process is gone
/// (`7.tmp-PID`, see [`write_atomic`])? Its rename never came.
fn stale_temporary(name: &str) -> bool {
    name.split_once(".tmp-")
        .and_then(|(_, pid)| pid.parse::<u32>().ok())
        .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
}

/// Writes `data` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut file = File::create(&tmp)?;
    file.write_all(data)?;
    drop(file);
    fs::rename(&tmp, path)
}

/// A thread that fsyncs record files and their directory after they are
/// renamed into place, so records survive a machine crash without the
/// server loop waiting on the disk.
#[derive(Debug)]
pub struct Syncer {
    tx: Option<mpsc::Sender<PathBuf>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Syncer {
    /// Starts the thread.
    pub fn start() -> Syncer {
        let (tx, rx) = mpsc::channel::<PathBuf>();
        let thread = std::thread::Builder::new()
            .name("bgmux-fsync".into())
            .spawn(move || {
                while let Ok(path) = rx.recv() {
                    if let Ok(f) = File::open(&path) {
                        let _ = f.sync_all();
                    }
                    if let Some(dir) = path.parent().and_then(|d| File::open(d).ok()) {
                        let _ = dir.sync_all();
                    }
                }
            })
            .ok();
        Syncer {
            tx: Some(tx),
            thread,
        }
    }

    /// Queues `path` for an fsync.
    pub fn sync(&self, path: PathBuf) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(path);
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(tag: &str) -> Store {
        let dir = std::env::temp_dir().join(format!("bgmux-store-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Store::create(&dir).unwrap()
    }

    fn record(id: u64) -> TaskRecord {
        TaskRecord {
            id,
            name: Some(format!("t{id}")),
            command: vec!["true".into()],
            cwd: "/".into(),
            pid: Some(42),
            size: Size { cols: 80, rows: 24 },
            started_at: time::Timestamp(1000),
            ended_at: None,
            status: Status::Running,
            exit_code: None,
            signal: None,
            output_bytes: 0,
            history_limit: 10,
            log_incomplete: false,
            server_pid: 1,
            attached_clients: 0,
        }
    }

    #[test]
    fn records_round_trip_and_ids_are_never_reused() {
        let store = temp_store("ids");
        let a = store.next_id(0).unwrap();
        let b = store.next_id(0).unwrap();
        assert_eq!((a, b), (1, 2));
        store.save(&record(b), None).unwrap();
        store.remove(b);
        assert_eq!(store.next_id(0).unwrap(), 3);
        store.save(&record(3), None).unwrap();
        assert_eq!(store.load(), vec![record(3)]);
        fs::remove_dir_all(store.dir()).unwrap();
    }

    #[test]
    fn corrupt_records_are_moved_aside_and_orphan_logs_listed() {
        let store = temp_store("corrupt");
        fs::write(store.record_path(5), b"{ \"id\": 5, trunc").unwrap();
        fs::write(store.tasks_dir().join("5.log"), b"hello\n").unwrap();
        let loaded = store.load();
        assert_eq!(loaded.len(), 1);
        assert_eq!(
            (loaded[0].id, loaded[0].status, loaded[0].output_bytes),
            (5, Status::Lost, 6)
        );
        let aside = fs::read_dir(store.dir().join("tasks"))
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains("corrupt"));
        assert!(aside);
        fs::remove_dir_all(store.dir()).unwrap();
    }
}
