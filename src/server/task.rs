//! One task as the server holds it: its record, its pty, its emulator and
//! its log. Owns the path of a byte from the pty into the log and the
//! emulator (`received`, `emulate`, and the backlog of `behind.rs`), and of
//! a key from a client into the pty (`write`). The
//! reading itself happens in a small task per pty ([`read_pty`]) that hands
//! the loop batches of up to 64 KiB through a bounded channel, so a task that
//! floods waits for the loop instead of growing memory. The reader appends
//! each batch to the log as soon as it is read, before it waits in the
//! channel: a `kill -9` of the server loses none of the bytes it read
//! (SPEC §12).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use bgmux_term::Terminal;
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;

use super::behind::Backlog;
use super::Event;
use crate::pty::{self, ExitKind, Master};
use crate::store::time::Timestamp;
use crate::store::{LogWriter, Status, TaskRecord};

/// How much one pty read may bring.
const READ_SIZE: usize = 64 * 1024;
/// Input waiting for a task that does not read it is capped here: past it,
/// new input (keys, `send`, the answers to its own terminal queries) is
/// dropped, so a task that floods queries (`ESC [ c`) and never reads
/// cannot grow the server (SPEC §12). One write may still bring up to a
/// frame (16 MiB) when nothing waits.
pub const MAX_PENDING_INPUT: usize = 1 << 20;

/// The live part of a task: gone once it has ended.
#[derive(Debug)]
pub struct Live {
    /// The pty master, shared with the reader task.
    pub master: Rc<AsyncFd<Master>>,
    reader: tokio::task::JoinHandle<()>,
    pending: Vec<u8>,
    waiting_writable: bool,
    /// How the process ended, once reaped (output may still be draining).
    pub exited: Option<ExitKind>,
    /// When it was reaped.
    pub exited_at: Option<Instant>,
    /// Bytes the reader has read (and logged); `received` catches up.
    read: Rc<Cell<u64>>,
    /// The reader saw the end of the pty.
    pub eof: bool,
}

/// A task.
#[derive(Debug)]
pub struct Task {
    /// What is persisted and listed.
    pub record: TaskRecord,
    /// The emulator with the screen and the in-memory history.
    pub term: Terminal,
    /// Present while the task runs.
    pub live: Option<Live>,
    /// Shared with the pty reader, which appends (never across an `.await`).
    log: Rc<RefCell<LogWriter>>,
    /// When it last printed.
    pub last_output: Instant,
    /// Ended or started waiting while nobody watched, and not viewed since.
    pub unseen: bool,
    /// The emulator holds this task's screen (false for tasks read from
    /// disk at start-up, whose output lives only in their logs).
    in_memory: bool,
    /// Output read and logged but not emulated yet (`behind.rs`).
    backlog: Backlog,
}

impl Drop for Live {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Task {
    /// Wraps a freshly spawned process.
    pub fn start(
        record: TaskRecord,
        master: Master,
        log: LogWriter,
        events: mpsc::Sender<Event>,
    ) -> std::io::Result<Task> {
        let size = record.size;
        let term = Terminal::new(size.rows, size.cols, record.history_limit);
        let master = Rc::new(pty::register(master)?);
        let log = Rc::new(RefCell::new(log));
        let read = Rc::new(Cell::new(0));
        let reader = tokio::task::spawn_local(read_pty(
            record.id,
            Rc::clone(&master),
            Reader {
                log: Rc::clone(&log),
                read: Rc::clone(&read),
            },
            events,
        ));
        let live = Live {
            master,
            reader,
            pending: Vec::new(),
            waiting_writable: false,
            exited: None,
            exited_at: None,
            read,
            eof: false,
        };
        Ok(Task {
            record,
            term,
            live: Some(live),
            log,
            last_output: Instant::now(),
            unseen: false,
            in_memory: true,
            backlog: Backlog::default(),
        })
    }

    /// A task known from its record only (ended, or lost by an earlier server).
    pub fn ended(record: TaskRecord, log: LogWriter) -> Task {
        let size = record.size;
        let term = Terminal::new(size.rows.max(1), size.cols.max(1), 0);
        Task {
            record,
            term,
            live: None,
            log: Rc::new(RefCell::new(log)),
            last_output: Instant::now(),
            unseen: false,
            in_memory: false,
            backlog: Backlog::default(),
        }
    }

    /// Does the emulator hold this task's screen?
    pub fn in_memory(&self) -> bool {
        self.in_memory
    }

    /// Has all the output the task wrote reached the log and the loop: none
    /// left in the pty, none read but still on its way to the loop? (A task
    /// that has ended is drained. The emulator may still be behind: see
    /// `behind.rs`.)
    pub fn drained(&self) -> bool {
        self.live.as_ref().is_none_or(|l| {
            l.read.get() == self.record.output_bytes && l.master.get_ref().unread() == 0
        })
    }

    /// Is the process still there?
    pub fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// Counts a batch of output the reader logged, whether it is emulated
    /// now or later. Returns the log error, the first time writing it fails.
    pub fn received(&mut self, len: usize) -> Option<String> {
        self.record.output_bytes += len as u64;
        self.last_output = Instant::now();
        let failed = self.log.borrow_mut().take_failure();
        if failed.is_some() {
            self.record.log_incomplete = true;
        }
        failed
    }

    /// The hot path: feeds output to the emulator, and writes the
    /// emulator's answers to terminal queries back to the pty. The backlog
    /// must be empty (see [`Task::catch_up`]), or the output is reordered.
    pub fn emulate(&mut self, data: &[u8], events: &mpsc::Sender<Event>) {
        debug_assert!(self.backlog.is_empty(), "emulating past a backlog");
        self.term.advance(data);
        self.answer(events);
    }

    fn answer(&mut self, events: &mpsc::Sender<Event>) {
        let replies = self.term.take_replies();
        if !replies.is_empty() {
            self.write(&replies, events);
        }
    }

    /// Queues output for the emulator to take later (`behind.rs`).
    pub fn defer(&mut self, data: Vec<u8>) {
        self.backlog.push(data);
    }

    /// Bytes of output the emulator has not seen yet.
    pub fn backlog_len(&self) -> usize {
        self.backlog.len()
    }

    /// Emulates up to `max` bytes of the backlog, oldest first, in pieces
    /// of at most a read's size with the answers to terminal queries
    /// written after each, as if the pieces came as they were read: the
    /// emulator keeps only so many answers, and input for a task that
    /// does not read it is refused past [`MAX_PENDING_INPUT`] piece by
    /// piece, so a long backlog of queries must not be answered in one go.
    pub fn emulate_backlog(&mut self, max: usize, events: &mpsc::Sender<Event>) {
        let mut left = max;
        while left > 0 && !self.backlog.is_empty() {
            let term = &mut self.term;
            left -= self
                .backlog
                .take(left.min(READ_SIZE), |data| term.advance(data));
            self.answer(events);
        }
    }

    /// Brings the emulator up to date with all the output read.
    pub fn catch_up(&mut self, events: &mpsc::Sender<Event>) {
        self.emulate_backlog(usize::MAX, events);
    }

    /// Reads what the pty has now, bypassing the reader task and the queue
    /// behind it, and logs it as the reader would; `None` if there is
    /// nothing, or if a batch the reader took is still on its way (reading
    /// past it would reorder the output). Used for the echo of a key while
    /// other tasks flood: their batches fill the queue, and the reader of
    /// the typed-into task would only be woken after all of them.
    pub fn read_now(&mut self) -> Option<Vec<u8>> {
        let live = self.live.as_ref()?;
        if live.eof || live.read.get() != self.record.output_bytes {
            return None;
        }
        let data = READ_BUF.with_borrow_mut(|buf| match live.master.get_ref().read(buf) {
            Ok(n) if n > 0 => Some(buf[..n].to_vec()),
            _ => None,
        })?;
        let _ = self.log.borrow_mut().append(&data);
        live.read.set(live.read.get() + data.len() as u64);
        Some(data)
    }

    /// Writes `data` to the pty, queueing what it does not take now. Refuses
    /// (returns false) while [`MAX_PENDING_INPUT`] bytes already wait.
    pub fn write(&mut self, data: &[u8], events: &mpsc::Sender<Event>) -> bool {
        let id = self.record.id;
        let Some(live) = self.live.as_mut() else {
            return false;
        };
        if live.pending.len() >= MAX_PENDING_INPUT {
            tracing::debug!(
                "task {id} is not reading its input: {} bytes dropped",
                data.len()
            );
            return false;
        }
        live.pending.extend_from_slice(data);
        live.flush(id, events);
        true
    }

    /// Bytes written to the task but not yet taken by its pty.
    pub fn pending_input(&self) -> usize {
        self.live.as_ref().map_or(0, |l| l.pending.len())
    }

    /// The pty became writable again.
    pub fn writable(&mut self, events: &mpsc::Sender<Event>) {
        let id = self.record.id;
        if let Some(live) = self.live.as_mut() {
            live.waiting_writable = false;
            live.flush(id, events);
        }
    }

    /// Resizes the pty and the emulator (the task gets SIGWINCH). Output
    /// read before was written for the old size: it is emulated first.
    pub fn resize(&mut self, cols: u16, rows: u16, events: &mpsc::Sender<Event>) {
        let (cols, rows) = (cols.max(1), rows.max(1));
        if (self.record.size.cols, self.record.size.rows) == (cols, rows) {
            return;
        }
        self.catch_up(events);
        self.record.size = crate::store::Size { cols, rows };
        self.term.resize(rows, cols);
        if let Some(live) = &self.live {
            if let Err(e) = live.master.get_ref().resize(cols, rows) {
                tracing::warn!("resizing task {}: {e}", self.record.id);
            }
        }
    }

    /// Signals the task's process group and the pty's foreground group.
    pub fn signal(&self, sig: i32) {
        let Some(live) = &self.live else { return };
        let mut groups = vec![];
        if let Some(pid) = self.record.pid {
            groups.push(pid);
        }
        if let Some(fg) = live.master.get_ref().foreground_pgrp() {
            if !groups.contains(&fg) {
                groups.push(fg);
            }
        }
        for group in groups {
            if let Err(e) = pty::signal_group(group, sig) {
                tracing::warn!("signalling task {} group {group}: {e}", self.record.id);
            }
        }
    }

    /// Ends the task: records how it ended and closes the pty.
    pub fn finish(&mut self, kind: ExitKind) {
        let (status, code, signal) = match kind {
            ExitKind::Code(0) => (Status::Done, Some(0), None),
            ExitKind::Code(c) => (Status::Failed, Some(c), None),
            ExitKind::Signal(s) => (Status::Killed, None, Some(s)),
        };
        self.record.status = status;
        self.record.exit_code = code;
        self.record.signal = signal;
        self.record.ended_at = Some(Timestamp::now());
        self.record.attached_clients = 0;
        self.live = None;
        // Nothing more can come: free the log's file descriptors (an ended
        // task would otherwise hold two until `rm`).
        *self.log.borrow_mut() = LogWriter::closed();
    }
}

impl Live {
    fn flush(&mut self, id: u64, events: &mpsc::Sender<Event>) {
        let mut written = 0;
        while written < self.pending.len() {
            match self.master.get_ref().write(&self.pending[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if !self.waiting_writable {
                        self.waiting_writable = true;
                        let master = Rc::clone(&self.master);
                        let events = events.clone();
                        tokio::task::spawn_local(async move {
                            if let Ok(mut guard) = master.writable().await {
                                guard.clear_ready();
                            }
                            let _ = events.send(Event::PtyWritable(id)).await;
                        });
                    }
                    break;
                }
                Err(e) => {
                    tracing::debug!("writing to task {id}: {e}");
                    self.pending.clear();
                    return;
                }
            }
        }
        self.pending.drain(..written);
    }
}

thread_local! {
    /// The one buffer every pty is read into (the loop and all readers run
    /// on one thread, and a read never spans an `.await`).
    static READ_BUF: RefCell<Box<[u8]>> = RefCell::new(vec![0u8; READ_SIZE].into_boxed_slice());
}

/// What the pty reader shares with its task.
#[derive(Debug)]
pub struct Reader {
    log: Rc<RefCell<LogWriter>>,
    read: Rc<Cell<u64>>,
}

/// Reads the pty until it ends, logging each batch at once and handing it
/// to the loop. Each batch is copied out of the shared [`READ_BUF`] at its
/// size: one allocation the size of what was read, not a zeroed 64 KiB
/// buffer and a shrink per read (3 % of the server's time in a flood), and
/// an idle task holds no buffer.
pub async fn read_pty(
    id: u64,
    master: Rc<AsyncFd<Master>>,
    reader: Reader,
    events: mpsc::Sender<Event>,
) {
    loop {
        let Ok(mut guard) = master.readable().await else {
            break;
        };
        let read = READ_BUF.with_borrow_mut(|buf| {
            guard.try_io(|fd| fd.get_ref().read(buf).map(|n| buf[..n].to_vec()))
        });
        match read {
            Ok(Ok(data)) if !data.is_empty() => {
                // Logged before the batch waits in the channel (up to 32 of
                // them when the loop is busy): once read, it is in the page
                // cache and survives a kill -9. A failure is kept in the
                // writer for `received` to report.
                let _ = reader.log.borrow_mut().append(&data);
                reader.read.set(reader.read.get() + data.len() as u64);
                if events.send(Event::Output(id, data)).await.is_err() {
                    return;
                }
            }
            Ok(_) => break,
            Err(_would_block) => continue,
        }
    }
    let _ = events.send(Event::Eof(id)).await;
}
