//! The server: one event loop (tokio, current thread) that owns all state —
//! tasks, connections, attached clients — and reacts to events from the pty
//! readers, the connection readers, SIGCHLD and timers. Nothing else mutates
//! state; helpers send the loop an [`Event`] (tmux's single loop, STYLE.md
//! rule 1). Requests are handled by plain functions in `commands/` that take
//! the [`Server`] and return a reply.

mod behind;
mod client;
mod conn;
mod direct;
mod frames;
mod input;
mod keys;
mod layout;
mod lifecycle;
mod mouse;
mod notify;
mod prompt;
mod render;
mod review;
mod switcher;
mod task;
mod waiting;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::net::{UnixListener, UnixStream};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

pub use self::client::Client;
use self::conn::{Conn, Flush};
pub use self::lifecycle::waited;
pub use self::task::Task;
use crate::config::Config;
use crate::paths::Paths;
use crate::protocol::{ClientMsg, ServerMsg, TaskEvent};
use crate::store::{Store, Syncer};

/// How long a new server stays up with nothing to do, so the client that
/// started it surely connects first.
const STARTUP_GRACE: Duration = Duration::from_secs(5);
/// How long the server stops accepting after `accept` failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Every known task by id.
pub type TaskMap = BTreeMap<u64, Task>;

/// A connection's id, unique for the server's life.
pub type ConnId = u64;

/// Everything that can wake the loop.
#[derive(Debug)]
pub enum Event {
    /// A batch of a task's output.
    Output(u64, Vec<u8>),
    /// A task's pty reached its end.
    Eof(u64),
    /// A task's pty can take more input.
    PtyWritable(u64),
    /// A message from a connection.
    Msg(ConnId, ClientMsg),
    /// Raw input from an attached client.
    Data(ConnId, Vec<u8>),
    /// A connection ended (with the reason if it was bad).
    Closed(ConnId, Option<String>),
    /// A connection's socket can take more bytes.
    Writable(ConnId),
    /// An attached client's terminal can take more bytes (`direct.rs`).
    TtyWritable(ConnId),
    /// An attached client's terminal, which the server reads, ended: it
    /// was closed or hung up (`direct.rs`).
    TtyClosed(ConnId),
}

/// How many bytes of pty output the loop handles in a row before it lets
/// the runtime poll for other work (see the loop in [`Server::run`]). With
/// 64 KiB between turns the key's echo beside four flooding panes took
/// 3.5–3.8 ms at the median; with 16 KiB, 1.3–2.2 ms. Counting bytes
/// rather than batches keeps a task that writes many short lines from
/// costing a system call per line.
pub(crate) const YIELD_AFTER: usize = 16 * 1024;

/// The senders helpers use to reach the loop.
#[derive(Debug, Clone)]
pub struct Senders {
    /// Pty output (bounded tightly: backpressure on flooding tasks).
    pub pty: mpsc::Sender<Event>,
    /// Everything else.
    pub ctl: mpsc::Sender<Event>,
}

/// A pending `wait`.
#[derive(Debug)]
pub struct Waiter {
    /// Who asked.
    pub conn: ConnId,
    /// Which tasks.
    pub ids: Vec<u64>,
    /// Any one instead of all.
    pub any: bool,
}

/// Timed work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Finish a task whose process exited but whose pty never reached EOF
    /// (a background child still holds it).
    Finish(u64),
    /// SIGKILL a task that ignored SIGHUP.
    KillHard(u64),
    /// Exit if idle (checked once after start-up).
    IdleCheck,
    /// Give up waiting for tasks during kill-server.
    ExitNow,
    /// Look for tasks that started or stopped waiting for input.
    WaitCheck,
    /// Kill a notify-command that runs too long.
    KillHook(i32),
    /// Drop a connection that has read nothing for too long (see conn.rs).
    StallCheck(ConnId),
    /// Accept connections again after accepting failed (out of fds).
    ResumeAccept,
    /// Look for tasks whose emulator is behind and that have paused
    /// (`behind.rs`).
    CatchUpCheck,
}

/// All server state.
#[derive(Debug)]
pub struct Server {
    /// The state dir.
    pub store: Store,
    /// fsyncs records off the loop.
    pub syncer: Syncer,
    /// Every known task, live or ended, by id.
    pub tasks: BTreeMap<u64, Task>,
    /// Live tasks by pid, for SIGCHLD.
    pub pids: HashMap<i32, u64>,
    /// Open connections.
    pub conns: HashMap<ConnId, Conn>,
    /// Attached clients, by their connection.
    pub clients: BTreeMap<ConnId, Client>,
    /// Connections streaming events.
    pub subscribers: Vec<ConnId>,
    /// Pending waits.
    pub waiters: Vec<Waiter>,
    /// Keep running with no task (start-server).
    pub stay_up: bool,
    /// kill-server in progress: the connection to answer when done.
    pub exiting: Option<ConnId>,
    /// The task the last view showed.
    pub last_view: Option<u64>,
    /// Helpers' channels.
    pub senders: Senders,
    timers: Vec<(Instant, Timer)>,
    next_conn: ConnId,
    quit: bool,
    /// The socket path (for messages and cleanup).
    pub socket: PathBuf,
    /// Command-prompt history, shared by all clients.
    pub prompt_history: Vec<String>,
    /// What notifications do.
    pub notify_settings: notify::NotifySettings,
    /// Running notify-commands.
    pub hooks: notify::Hooks,
    /// The waiting check is scheduled.
    wait_check_armed: bool,
    /// False for a moment after `accept` failed: a listener that stays
    /// readable while we are out of fds must not spin the loop.
    accepting: bool,
    /// `accept` failures in a row; only the first of a run is logged.
    accept_failures: u32,
    /// When the server started.
    started: Instant,
    /// The config file's values (replaced whole by `config reload`).
    pub config: Config,
    /// Tasks whose emulator is behind their output (`behind.rs`).
    behind: BTreeSet<u64>,
    /// Backlog bytes emulated since memory was last given back (`behind.rs`).
    behind_freed: usize,
    /// A task that is behind has paused: the loop's idle branch works on
    /// backlogs (`behind.rs`).
    catch_up_ready: bool,
    /// A [`Timer::CatchUpCheck`] is pending.
    catch_up_armed: bool,
}

/// Runs a server on `paths` with `config` until it has nothing left to do.
pub fn run(paths: &Paths, config: Config) -> Result<()> {
    let limit = crate::store::limit_from_env(config.log_limit())?;
    let store = Store::create(&paths.state_dir)?.with_log_limit(limit);
    let Some(_lock) = store.lock()? else {
        bail!(
            "state dir {} is in use by another bgmux server",
            paths.state_dir.display()
        );
    };
    paths.ensure_socket_dir()?;
    let listener = bind(&paths.socket)?;
    // SAFETY: setting a signal disposition; SIGXFSZ ignored makes a write past
    // `ulimit -f` fail with EFBIG (a log error we survive) instead of killing us.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    match crate::pty::raise_fd_limit() {
        Ok((before, after)) => tracing::info!("open files limit {before}, raised to {after}"),
        Err(e) => tracing::warn!("raising the open files limit: {e}"),
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let local = tokio::task::LocalSet::new();
    let result = local.block_on(&runtime, async {
        let listener = UnixListener::from_std(listener).context("registering the socket")?;
        release_stderr();
        let mut server = Server::new(store, paths.socket.clone(), config);
        server.run(listener).await
    });
    if result.is_err() {
        remove_socket(&paths.socket);
    }
    result
}

/// Binds the socket, replacing a stale one and refusing a live one.
fn bind(path: &Path) -> Result<std::os::unix::net::UnixListener> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            bail!("a server is already running on {}", path.display());
        }
        if !meta.file_type().is_socket() {
            bail!(
                "{} exists and is not a socket: remove it or choose another with -S",
                path.display()
            );
        }
        tracing::info!("removing stale socket {}", path.display());
        std::fs::remove_file(path)
            .with_context(|| format!("removing stale socket {}", path.display()))?;
    }
    let listener = std::os::unix::net::UnixListener::bind(path)
        .with_context(|| format!("binding {}", path.display()))?;
    listener
        .set_nonblocking(true)
        .context("setting the socket non-blocking")?;
    Ok(listener)
}

/// The starting client reads our stderr until EOF to know we are up.
fn release_stderr() {
    if let Ok(null) = std::fs::File::options().write(true).open("/dev/null") {
        // SAFETY: dup2 onto fd 2 of a valid fd; `null` is closed after.
        unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), 2) };
    }
}

fn remove_socket(path: &Path) {
    let _ = std::fs::remove_file(path);
}

impl Server {
    fn new(store: Store, socket: PathBuf, config: Config) -> Server {
        let (pty, _) = mpsc::channel(1);
        let (ctl, _) = mpsc::channel(1);
        Server {
            store,
            syncer: Syncer::start(),
            tasks: BTreeMap::new(),
            pids: HashMap::new(),
            conns: HashMap::new(),
            clients: BTreeMap::new(),
            subscribers: Vec::new(),
            waiters: Vec::new(),
            stay_up: false,
            exiting: None,
            last_view: None,
            senders: Senders { pty, ctl },
            timers: Vec::new(),
            next_conn: 1,
            quit: false,
            socket,
            prompt_history: Vec::new(),
            notify_settings: notify::NotifySettings::from(&config),
            hooks: notify::Hooks::new(),
            wait_check_armed: false,
            accepting: true,
            accept_failures: 0,
            started: Instant::now(),
            config,
            behind: BTreeSet::new(),
            behind_freed: 0,
            catch_up_ready: false,
            catch_up_armed: false,
        }
    }

    async fn run(&mut self, listener: UnixListener) -> Result<()> {
        let (pty_tx, mut pty_rx) = mpsc::channel(32);
        let (ctl_tx, mut ctl_rx) = mpsc::channel(1024);
        self.senders = Senders {
            pty: pty_tx,
            ctl: ctl_tx,
        };
        let mut sigchld = signal(SignalKind::child()).context("handling SIGCHLD")?;
        let mut sigterm = signal(SignalKind::terminate()).context("handling SIGTERM")?;
        self.load_records();
        self.add_timer(STARTUP_GRACE, Timer::IdleCheck);
        tracing::info!(
            "server {} listening on {}",
            std::process::id(),
            self.socket.display()
        );
        let mut streak = 0;
        while !self.quit {
            let deadline = self.next_deadline();
            tokio::select! {
                biased;
                Some(ev) = ctl_rx.recv() => self.handle(ev),
                _ = sigchld.recv() => self.reap(),
                _ = sigterm.recv() => self.begin_exit(None),
                accepted = listener.accept(), if self.accepting => match accepted {
                    Ok((stream, _)) => self.accept(stream),
                    Err(e) => self.accept_failed(&e),
                },
                Some(ev) = pty_rx.recv() => {
                    if let Event::Output(_, data) = &ev {
                        streak += data.len();
                    }
                    self.handle(ev);
                }
                _ = sleep_until(deadline) => self.fire_timers(),
                // Last, so only when nothing else is ready: output that
                // waits for its emulator (`behind.rs`), a slice at a time.
                // It counts toward the streak as pty output does, so the
                // readers get their turn after a slice's worth.
                () = std::future::ready(()), if self.catch_up_due() => {
                    streak += self.emulate_behind();
                }
            }
            // While tasks flood, the queue of their output is never empty
            // and this loop would not give the runtime a turn to poll for
            // readiness (a client's keys, the reader of the task typed
            // into) until it is; a key would wait behind up to a queue's
            // worth of batches. A turn every [`YIELD_AFTER`] bytes bounds
            // that wait, and costs nothing extra when batches are small.
            if streak >= YIELD_AFTER {
                streak = 0;
                tokio::task::yield_now().await;
            }
            // Under a flood the pty branch is ready at every turn and the
            // sleep is never polled: due timers (kill's SIGKILL, stall
            // checks) must not wait for a quiet moment.
            if self.timer_due() {
                self.fire_timers();
            }
            self.read_echoes();
            self.render_due();
        }
        // No new client may queue up behind a server that is leaving.
        remove_socket(&self.socket);
        drop(listener);
        self.shutdown();
        Ok(())
    }

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::Output(id, data) => self.on_output(id, data),
            Event::Eof(id) => self.on_eof(id),
            Event::PtyWritable(id) => {
                let ctl = self.senders.ctl.clone();
                if let Some(task) = self.tasks.get_mut(&id) {
                    task.writable(&ctl);
                }
            }
            Event::Msg(conn, msg) => {
                self.typed(conn);
                self.on_msg(conn, msg)
            }
            Event::Data(conn, data) => {
                self.typed(conn);
                self.on_input(conn, &data)
            }
            Event::Closed(conn, why) => {
                if let Some(why) = why {
                    tracing::warn!("connection {conn} dropped: {why}");
                }
                self.drop_conn(conn);
            }
            Event::Writable(conn) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.writable();
                }
                self.flush(conn);
            }
            Event::TtyWritable(conn) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.tty_writable();
                }
                self.flush(conn);
            }
            Event::TtyClosed(conn) => self.terminal_closed(conn),
        }
    }

    /// Reads at once the output of each task a client typed into in the
    /// last moment (see [`Task::read_now`]): its echo is drawn without
    /// waiting behind other tasks' floods.
    fn read_echoes(&mut self) {
        let now = Instant::now();
        let typed: Vec<u64> = self
            .clients
            .values()
            .filter_map(|c| c.echo_from)
            .filter(|(_, at)| now.duration_since(*at) < client::TYPED_WINDOW)
            .map(|(task, _)| task)
            .collect();
        for id in typed {
            if let Some(data) = self.tasks.get_mut(&id).and_then(Task::read_now) {
                self.on_output(id, data);
            }
        }
    }

    /// Input from an attached client: what it causes is drawn at once.
    fn typed(&mut self, conn: ConnId) {
        if let Some(client) = self.clients.get_mut(&conn) {
            client.typed = Some(Instant::now());
        }
    }

    fn accept(&mut self, stream: UnixStream) {
        if self.accept_failures > 0 {
            tracing::warn!("accepting again after {} failures", self.accept_failures);
            self.accept_failures = 0;
        }
        let pid = match stream.peer_cred() {
            Ok(cred) if cred.uid() == crate::paths::uid() => cred.pid(),
            Ok(cred) => {
                tracing::warn!(
                    "refused a connection from uid {} (pid {:?})",
                    cred.uid(),
                    cred.pid()
                );
                return;
            }
            Err(e) => {
                tracing::warn!("refused a connection: reading peer credentials: {e}");
                return;
            }
        };
        let id = self.next_conn;
        self.next_conn += 1;
        self.conns.insert(
            id,
            Conn::start(id, stream.into_split(), pid, self.senders.ctl.clone()),
        );
        self.flush(id);
    }

    /// Out of fds (or another accept error): the connection stays in the
    /// backlog, so stop accepting for a moment instead of failing again at
    /// once, forever (and filling `server.log`).
    fn accept_failed(&mut self, e: &std::io::Error) {
        if self.accept_failures == 0 {
            tracing::warn!("accepting a connection: {e}; retrying every {ACCEPT_PAUSE:?}");
        }
        self.accept_failures = self.accept_failures.saturating_add(1);
        self.accepting = false;
        self.add_timer(ACCEPT_PAUSE, Timer::ResumeAccept);
    }

    fn on_msg(&mut self, conn: ConnId, msg: ClientMsg) {
        if let Some(reply) = crate::commands::handle(self, conn, msg) {
            self.reply(conn, &reply);
        }
    }

    /// Replaces the config (`config reload`): the prefix changes at once
    /// for every attached client, notifications follow the new settings,
    /// and new tasks and shells take the new defaults.
    pub fn set_config(&mut self, config: Config) {
        let status = config.status_line().then(|| config.status_position());
        for client in self.clients.values_mut() {
            client.keys.set_prefix(config.prefix());
            client.status = status;
            client.shown = None;
        }
        self.notify_settings = notify::NotifySettings::from(&config);
        self.config = config;
        for conn in self.clients.keys().copied().collect::<Vec<_>>() {
            self.view_changed(conn);
        }
    }

    /// Queues a message to a connection and writes what the socket takes.
    /// `Detached` ends the attachment first (see `direct.rs`).
    pub fn reply(&mut self, conn: ConnId, msg: &ServerMsg) {
        if matches!(msg, ServerMsg::Detached(_)) {
            self.end_attachment(conn);
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.queue_msg(msg);
            self.flush(conn);
        }
    }

    /// Writes a connection's queue; drops it if the peer is gone or stalled.
    pub fn flush(&mut self, conn: ConnId) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        match c.flush(conn, &self.senders.ctl) {
            Flush::Done => {
                if let Some(client) = self.clients.get_mut(&conn) {
                    client.frame_sent();
                }
            }
            Flush::Pending => self.arm_stall_check(conn),
            Flush::Dead => {
                tracing::info!("connection {conn} stalled or gone; dropping it");
                self.drop_conn(conn);
            }
        }
    }

    /// Forgets a connection and whatever it was doing.
    pub fn drop_conn(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
        self.subscribers.retain(|c| *c != conn);
        self.waiters.retain(|w| w.conn != conn);
        if self.clients.remove(&conn).is_some() {
            self.count_attached();
        }
        self.maybe_exit();
    }

    /// Sends an event to every `bgmux events` stream.
    pub fn publish(&mut self, event: TaskEvent) {
        let msg = ServerMsg::Event(Box::new(event));
        for conn in self.subscribers.clone() {
            self.reply(conn, &msg);
        }
    }

    /// Schedules `timer` after `delay`.
    pub fn add_timer(&mut self, delay: Duration, timer: Timer) {
        self.timers.push((Instant::now() + delay, timer));
    }

    fn timer_due(&self) -> bool {
        let now = Instant::now();
        self.timers.iter().any(|(t, _)| *t <= now)
    }

    fn next_deadline(&self) -> Option<Instant> {
        let now = Instant::now();
        let timers = self.timers.iter().map(|(t, _)| *t);
        let renders = self.clients.values().filter_map(|c| c.render_deadline(now));
        timers.chain(renders).min()
    }

    fn fire_timers(&mut self) {
        let now = Instant::now();
        let (due, rest): (Vec<_>, Vec<_>) = self.timers.drain(..).partition(|(t, _)| *t <= now);
        self.timers = rest;
        for (_, timer) in due {
            match timer {
                Timer::Finish(id) => self.finish_after_grace(id),
                Timer::KillHard(id) => {
                    if let Some(task) = self.tasks.get(&id) {
                        task.signal(libc::SIGKILL);
                    }
                }
                Timer::IdleCheck => self.maybe_exit(),
                Timer::ExitNow => self.quit = true,
                Timer::WaitCheck => self.check_waiting(),
                Timer::KillHook(pid) => self.kill_hook(pid),
                Timer::StallCheck(conn) => self.check_stall(conn),
                Timer::ResumeAccept => self.accepting = true,
                Timer::CatchUpCheck => self.check_catch_up(),
            }
        }
        self.render_due();
    }

    /// Exits when nothing is live and nobody is connected (SPEC §2), unless
    /// started by `start-server`.
    pub fn maybe_exit(&mut self) {
        if self.exiting.is_some() {
            if !self.tasks.values().any(Task::is_live) {
                if let Some(conn) = self.exiting.take() {
                    self.reply(conn, &ServerMsg::Ok);
                }
                self.quit = true;
            }
            return;
        }
        let live = self.tasks.values().any(Task::is_live);
        let connected = !self.conns.is_empty();
        if !self.stay_up && !live && !connected {
            // The client that started us may not have connected yet while
            // some other connection (a probe, a racing client) came and went.
            let young = self.started.elapsed() < STARTUP_GRACE;
            if young {
                let left = STARTUP_GRACE.saturating_sub(self.started.elapsed());
                self.add_timer(left, Timer::IdleCheck);
                return;
            }
            tracing::info!("nothing live and nobody attached: exiting");
            self.quit = true;
        }
    }

    /// The ids of the tasks whose process is still there, in id order.
    pub fn live_ids(&self) -> Vec<u64> {
        self.tasks
            .iter()
            .filter(|(_, t)| t.is_live())
            .map(|(id, _)| *id)
            .collect()
    }

    /// kill-server: hang up every task, then exit when they are gone (or
    /// after a few seconds regardless).
    pub fn begin_exit(&mut self, conn: Option<ConnId>) {
        self.exiting = Some(conn.unwrap_or(0));
        let live = self.live_ids();
        for id in live {
            self.kill_task(id, None);
        }
        for client in self.clients.keys().copied().collect::<Vec<_>>() {
            self.reply(client, &ServerMsg::Detached("[server exited]".into()));
        }
        self.add_timer(Duration::from_secs(4), Timer::ExitNow);
        self.maybe_exit();
    }

    fn shutdown(&mut self) {
        let live = self.live_ids();
        for id in live {
            if let Some(task) = self.tasks.get_mut(&id) {
                task.signal(libc::SIGKILL);
                task.finish(crate::pty::ExitKind::Signal(libc::SIGKILL));
                let _ = self.store.save(&task.record, Some(&self.syncer));
            }
        }
        let conns: Vec<ConnId> = self.conns.keys().copied().collect();
        for conn in conns {
            if let Some(c) = self.conns.get_mut(&conn) {
                let _ = c.flush(conn, &self.senders.ctl);
            }
        }
        tracing::info!("server exiting");
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}
