//! Emulating behind the reader: the output of a task that no client shows
//! is logged at once, as always, but it reaches the task's emulator only
//! once the task has paused ([`QUIET`]) and the loop has nothing else to
//! do, or when someone needs its screen.
//!
//! Why: a detached task that floods its terminal (a build, `cat` of a large
//! file) waits for the server to read its pty. Reading and logging keep up
//! with a raw pty; the emulator, on one core, does not (BENCHMARKS.md,
//! reasons 1 and 2: on an SGR-heavy flood it is half of the server's CPU).
//! Nobody sees the screen of a task that nobody shows, so the emulator can
//! run behind and catch up when the task pauses: while it floods, the
//! server only reads and logs, and the task's reads are never held up
//! behind emulation. tmux cannot do this, as its emulator is
//! its only record of the output; bgmux has the log.
//!
//! What stays exact: everything that looks at a task's screen first
//! catches up with its output, in order: drawing it (the frame of any
//! client that shows it, the switcher's preview), `capture`, a resize
//! (output written before the resize was meant for the old size). Output
//! of a task that some client shows is emulated as it comes, as before.
//! The terminal's answers to queries (`ESC [ c`, `ESC [ 6 n`) go out when
//! their query is emulated: 5–10 ms after the task paused to wait for
//! them.
//!
//! What bounds it: [`MAX_BEHIND`] bytes across all tasks. Past it, a task's
//! new output first emulates as much of its own backlog, so a task that
//! floods without end costs what it costs without deferral, and catching up
//! when a client shows it never takes longer than emulating that much.

use std::cell::Cell;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{Server, Timer, YIELD_AFTER};

/// The most output, in bytes across all tasks, read but not yet emulated.
/// Catching up this much takes up to about 120 ms on this project's 2-core
/// machine (13.7 MiB of SGR-heavy output in 51 ms, measured; plain text
/// goes two to three times faster), the worst wait a client can see on
/// attaching to a task in the middle of a flood. A flood of up to this
/// size is read at the speed it is written; past it, the emulator keeps
/// pace with the reads again, as it does without a backlog.
pub const MAX_BEHIND: usize = 32 << 20;

/// How long a task must have printed nothing before its backlog is worked
/// on. The loop being idle is not the machine being idle: while a task
/// floods, its writer and the kernel's pty work take the other core, and
/// emulating in the gaps between reads took CPU from them (the flood
/// drained slower than with no emulation at all). A flood leaves no gap
/// this long. The check runs every 5 ms, so a task's last line before a
/// pause is on its screen 5–10 ms later, and a query's answer (`ESC [ c`)
/// 5–10 ms late.
pub const QUIET: Duration = Duration::from_millis(5);

thread_local! {
    /// Bytes in every backlog together (the server's loop and its tasks
    /// live on one thread). Kept by the backlogs themselves, so that no
    /// way a backlog ends (emulated, its task removed) can miss it, and
    /// read in O(1) for every batch of output.
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

/// Bytes waiting in all backlogs.
pub fn total() -> usize {
    TOTAL.get()
}

/// The output of one task that its emulator has not seen yet: the batches
/// as the reader read them, oldest first.
#[derive(Debug, Default)]
pub struct Backlog {
    batches: VecDeque<Vec<u8>>,
    /// How much of the front batch was emulated already.
    front_done: usize,
    /// Bytes not emulated yet.
    bytes: usize,
}

impl Backlog {
    /// Bytes waiting.
    pub fn len(&self) -> usize {
        self.bytes
    }

    /// Nothing waits.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// Queues a batch behind the others.
    pub fn push(&mut self, data: Vec<u8>) {
        self.bytes += data.len();
        TOTAL.set(TOTAL.get() + data.len());
        if !data.is_empty() {
            self.batches.push_back(data);
        }
    }

    /// Hands the oldest bytes to `f`, in order, at most `max` of them (a
    /// batch is cut where the budget ends); returns how many it handed.
    pub fn take(&mut self, max: usize, mut f: impl FnMut(&[u8])) -> usize {
        let mut taken = 0;
        while taken < max {
            let Some(front) = self.batches.front() else {
                break;
            };
            let rest = &front[self.front_done..];
            let n = rest.len().min(max - taken);
            f(&rest[..n]);
            taken += n;
            if n == rest.len() {
                self.batches.pop_front();
                self.front_done = 0;
            } else {
                self.front_done += n;
            }
        }
        self.bytes -= taken;
        TOTAL.set(TOTAL.get() - taken);
        if self.batches.is_empty() {
            // A flood's batches leave a large ring behind them.
            self.batches = VecDeque::new();
        }
        taken
    }
}

impl Drop for Backlog {
    fn drop(&mut self) {
        TOTAL.set(TOTAL.get() - self.bytes);
    }
}

/// What to do with a batch of a task's output.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// Some client shows the task: catch up, then emulate the batch.
    Now,
    /// Emulate this many bytes of the task's own backlog (to stay within
    /// [`MAX_BEHIND`]), then queue the batch behind the rest.
    Defer {
        /// Bytes of the task's backlog to emulate first.
        first: usize,
    },
}

/// The plan for `incoming` bytes of a task whose own backlog holds `own`
/// bytes, when all tasks' backlogs hold `total` (`own` included).
pub fn plan(shown: bool, own: usize, total: usize, incoming: usize) -> Plan {
    if shown {
        return Plan::Now;
    }
    let over = (total + incoming).saturating_sub(MAX_BEHIND);
    if over > 0 && own <= over {
        // The task's whole backlog must go anyway, and the batch with it:
        // nothing is gained by queueing it.
        return Plan::Now;
    }
    Plan::Defer { first: over }
}

impl Server {
    /// Does some client show task `id`: in its layout, or in the preview
    /// of its open switcher?
    pub(super) fn shown(&self, id: u64) -> bool {
        self.clients.values().any(|c| c.shows_or_previews(id))
    }

    /// Feeds a batch of task `id`'s output to its emulator now, or queues
    /// it for later (see the module's documentation).
    pub(super) fn emulate_or_defer(&mut self, id: u64, data: Vec<u8>) {
        let shown = self.shown(id);
        let total = if shown { 0 } else { total() };
        let ctl = self.senders.ctl.clone();
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        match plan(shown, task.backlog_len(), total, data.len()) {
            Plan::Now => {
                let behind = task.backlog_len();
                task.catch_up(&ctl);
                task.emulate(&data, &ctl);
                if behind > 0 {
                    self.behind.remove(&id);
                    self.emulated_from_backlog(behind);
                }
            }
            Plan::Defer { first } => {
                let before = task.backlog_len();
                task.emulate_backlog(first, &ctl);
                let emulated = before - task.backlog_len();
                task.defer(data);
                self.behind.insert(id);
                self.behind_freed += emulated;
                if !self.catch_up_armed {
                    self.catch_up_armed = true;
                    self.add_timer(QUIET, Timer::CatchUpCheck);
                }
            }
        }
    }

    /// Catches task `id`'s emulator up with its output.
    pub fn catch_up(&mut self, id: u64) {
        let ctl = self.senders.ctl.clone();
        if let Some(task) = self.tasks.get_mut(&id) {
            let bytes = task.backlog_len();
            let start = Instant::now();
            task.catch_up(&ctl);
            if bytes >= 1 << 20 {
                tracing::debug!(
                    "task {id}: caught up {} KiB of output in {:?}",
                    bytes >> 10,
                    start.elapsed()
                );
            }
            self.behind.remove(&id);
            self.emulated_from_backlog(bytes);
        }
    }

    /// Counts backlog bytes emulated (and so freed). Once no task is
    /// behind and at least [`TRIM_AFTER`] were freed since the last time,
    /// gives the freed pages back to the system: the batches of a flood
    /// were allocated between the rows of the history that grew with
    /// them, so the allocator cannot shrink its heap by itself, and the
    /// server would keep a flood's worth of memory it no longer uses
    /// (measured: 1.5–1.8 MB more resident after 100 000 lines of 79
    /// columns, without the trim).
    fn emulated_from_backlog(&mut self, bytes: usize) {
        self.behind_freed += bytes;
        if self.behind.is_empty() && self.behind_freed >= TRIM_AFTER {
            let start = Instant::now();
            release_free_memory();
            tracing::debug!(
                "{} KiB of backlog emulated: free memory given back in {:?}",
                self.behind_freed >> 10,
                start.elapsed()
            );
            self.behind_freed = 0;
        }
    }

    /// Is any output waiting for its emulator?
    pub(super) fn is_behind(&self) -> bool {
        !self.behind.is_empty()
    }

    /// The first task that is behind and has been quiet for [`QUIET`] (or
    /// is gone, and only needs forgetting).
    fn quiet_behind(&self, now: Instant) -> Option<u64> {
        self.behind.iter().copied().find(|id| {
            self.tasks
                .get(id)
                .is_none_or(|t| now.duration_since(t.last_output) >= QUIET)
        })
    }

    /// Is there a backlog to work on now? (Set by the check below, so the
    /// loop asks in O(1) at every turn.)
    pub(super) fn catch_up_due(&self) -> bool {
        self.catch_up_ready
    }

    /// Every [`QUIET`] while some task is behind: has one of them paused?
    /// A scan of the tasks that are behind, so it runs on a timer, not at
    /// every turn of the loop (with 500 tasks printing, that scan at every
    /// batch was most of the server's time).
    pub(super) fn check_catch_up(&mut self) {
        self.catch_up_armed = false;
        self.catch_up_ready = self.quiet_behind(Instant::now()).is_some();
        if self.is_behind() {
            self.catch_up_armed = true;
            self.add_timer(QUIET, Timer::CatchUpCheck);
        }
    }

    /// Idle work: emulates up to [`YIELD_AFTER`] bytes of a task that is
    /// behind and quiet, so the loop gets back to reading soon. Returns how
    /// many it emulated.
    pub(super) fn emulate_behind(&mut self) -> usize {
        let ctl = self.senders.ctl.clone();
        while let Some(id) = self.quiet_behind(Instant::now()) {
            let Some(task) = self.tasks.get_mut(&id) else {
                self.behind.remove(&id);
                continue;
            };
            let before = task.backlog_len();
            task.emulate_backlog(YIELD_AFTER, &ctl);
            let after = task.backlog_len();
            if after == 0 {
                self.behind.remove(&id);
            }
            self.emulated_from_backlog(before - after);
            return before - after;
        }
        self.catch_up_ready = false;
        0
    }
}

/// Backlog bytes freed before the server returns free memory to the system.
const TRIM_AFTER: usize = 1 << 20;

/// Returns the allocator's free pages to the system (glibc's
/// `malloc_trim`, which since glibc 2.8 also releases whole free pages in
/// the middle of the heap, not only at its top).
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only reorganises the allocator's free lists;
    // it is safe to call at any time from the thread that owns no lock.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(b: &mut Backlog, max: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let n = b.take(max, |d| out.extend_from_slice(d));
        assert_eq!(n, out.len());
        out
    }

    #[test]
    fn a_backlog_hands_its_bytes_back_in_order_cut_anywhere() {
        let mut b = Backlog::default();
        b.push(b"hello ".to_vec());
        b.push(Vec::new());
        b.push(b"world".to_vec());
        assert_eq!(b.len(), 11);
        assert_eq!(taken(&mut b, 3), b"hel");
        assert_eq!(taken(&mut b, 5), b"lo wo");
        b.push(b"!".to_vec());
        assert_eq!(b.len(), 4);
        assert_eq!(taken(&mut b, 100), b"rld!");
        assert!(b.is_empty());
        assert_eq!(taken(&mut b, 100), b"");
    }

    #[test]
    fn shown_tasks_are_emulated_at_once() {
        assert_eq!(plan(true, 0, 0, 10), Plan::Now);
        assert_eq!(plan(true, 100, MAX_BEHIND, 10), Plan::Now);
    }

    #[test]
    fn hidden_tasks_are_deferred_within_the_bound() {
        assert_eq!(plan(false, 0, 0, 4096), Plan::Defer { first: 0 });
        assert_eq!(
            plan(false, 1000, MAX_BEHIND - 4096, 4096),
            Plan::Defer { first: 0 }
        );
        // Past the bound a task pays for its own new output first...
        assert_eq!(
            plan(false, MAX_BEHIND, MAX_BEHIND, 4096),
            Plan::Defer { first: 4096 }
        );
        // ...and a task with too little backlog to pay is emulated at once,
        // whoever else is behind.
        assert_eq!(plan(false, 100, MAX_BEHIND, 4096), Plan::Now);
        assert_eq!(plan(false, 0, MAX_BEHIND, 1), Plan::Now);
    }
}
