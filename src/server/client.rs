//! Attached clients: each has its own size, its own view (a layout of
//! panes, one focused, maybe zoomed), an overlay mode (prompt, switcher,
//! review, a y/n question), the last frame it was sent, and its prefix-key
//! state. This file owns attaching, sizing, what each pane shows, and when a
//! client gets a frame; `input.rs` turns keys into the operations here and
//! `render.rs` draws.

use std::time::{Duration, Instant};

use bgmux_term::{Frame, Rect};

use super::keys::Keys;
use super::layout::{self, Dir, Node, Placed};
use super::{ConnId, Server};
use crate::config::StatusPosition;
use crate::protocol::{AttachSpec, RunSpec, ServerMsg};

/// The shortest time between two frames to one client while output floods.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// The shortest time between two frames while the switcher previews a task
/// (previews are throttled to 30 fps).
pub const PREVIEW_INTERVAL: Duration = Duration::from_millis(33);
/// How long after a client's input its output still counts as the echo
/// (drawn at once rather than on the frame tick).
pub const TYPED_WINDOW: Duration = Duration::from_millis(100);
/// How long a status-line message stays.
pub const MESSAGE_TIME: Duration = Duration::from_secs(4);
/// The default prefix key: C-b.
pub const PREFIX: u8 = 0x02;

/// What the client's keys go to, besides the panes.
#[derive(Debug, Default)]
pub enum Mode {
    /// Keys go to the focused pane.
    #[default]
    Normal,
    /// The command prompt on the status line.
    Prompt(super::prompt::Prompt),
    /// The `/tasks` switcher.
    Switcher(Box<super::switcher::Switcher>),
    /// Review mode on the focused pane.
    Review(Box<super::review::Review>),
    /// A y/n question on the status line.
    Confirm(Confirm),
}

/// A pending y/n question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Kill this task?
    Kill(u64),
}

/// One attached client.
#[derive(Debug)]
pub struct Client {
    /// Terminal columns.
    pub cols: u16,
    /// Terminal rows (including the status line).
    pub rows: u16,
    /// The panes.
    pub layout: Node,
    /// The focused pane's index in pane order.
    pub focus: usize,
    /// Only the focused pane is shown.
    pub zoomed: bool,
    /// Overlay mode.
    pub mode: Mode,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// When the last frame was rendered.
    pub last_render: Option<Instant>,
    /// When this client last sent input that no frame has shown the result
    /// of yet: what follows it (the echo) is drawn at once, not on the
    /// frame tick.
    pub typed: Option<Instant>,
    /// The task this client last typed into and when: its next output is
    /// the echo of the key, drawn at once even while other panes flood
    /// (see [`Server::mark_dirty`]).
    pub echo_from: Option<(u64, Instant)>,
    /// Output that counts as an echo arrived: draw at once.
    pub echo_due: bool,
    /// A frame is queued and not yet written out.
    pub in_flight: bool,
    /// The server is switching to writing frames to the client's terminal
    /// and waits for the client to have written the last socket frame
    /// (`direct.rs`): nothing is drawn meanwhile.
    pub switching: bool,
    /// The last frame sent (what the client's terminal shows).
    pub shown: Option<Frame>,
    /// The composed frame kept between renders (`frames.rs`).
    pub composer: super::frames::Composer,
    /// A status-line message and when it expires.
    pub message: Option<(String, Instant)>,
    /// Bytes for the outer terminal with the next frame (bell, OSC 9/777).
    pub extra: Vec<u8>,
    /// Prefix-key state.
    pub keys: Keys,
    /// The client's environment, for the shells it starts.
    pub env: Vec<(String, String)>,
    /// The client's working directory, for the shells it starts.
    pub cwd: String,
    /// Where the status line goes (config `status-line`, `status-position`).
    pub status: Option<StatusPosition>,
}

impl Client {
    /// The area panes share: everything but the status line.
    pub fn pane_area(&self) -> Rect {
        let (row, rows) = match self.status {
            None => (0, self.rows),
            Some(StatusPosition::Top) => (1, self.rows.saturating_sub(1).max(1)),
            Some(StatusPosition::Bottom) => (0, self.rows.saturating_sub(1).max(1)),
        };
        Rect {
            row,
            col: 0,
            rows,
            cols: self.cols,
        }
    }

    /// The status line's row, if one is drawn now: its configured place,
    /// or the bottom row while a message or the prompt needs it.
    pub fn status_row(&self) -> Option<u16> {
        match self.status {
            Some(StatusPosition::Top) => Some(0),
            Some(StatusPosition::Bottom) => Some(self.rows.saturating_sub(1)),
            None => {
                let busy = self.message.is_some()
                    || matches!(self.mode, Mode::Prompt(_) | Mode::Confirm(_));
                busy.then(|| self.rows.saturating_sub(1))
            }
        }
    }

    /// Where each visible pane goes: only the focused one when zoomed, or
    /// when the terminal has become too small for every pane to keep its
    /// minimum size (the layout comes back when the terminal grows).
    pub fn placed(&self) -> Vec<Placed> {
        let area = self.pane_area();
        if !self.zoomed {
            let placed = self.layout.place(area);
            if layout::fits(&placed) {
                return placed;
            }
        }
        vec![Placed {
            task: self.focused_task(),
            index: self.focus,
            outer: area,
            inner: area,
        }]
    }

    /// The task in the focused pane.
    pub fn focused_task(&self) -> u64 {
        let tasks = self.layout.tasks();
        tasks
            .get(self.focus)
            .or(tasks.first())
            .copied()
            .unwrap_or(0)
    }

    /// Does any pane of this view show `task`?
    pub fn shows(&self, task: u64) -> bool {
        self.layout.contains(task)
    }

    /// Does this client draw task `task`: in a pane, or as the preview of
    /// its open switcher?
    pub fn shows_or_previews(&self, task: u64) -> bool {
        self.previewed() == Some(task) || self.shows(task)
    }

    /// The task its open switcher previews.
    fn previewed(&self) -> Option<u64> {
        match &self.mode {
            Mode::Switcher(s) => Some(s.selected),
            _ => None,
        }
    }

    /// Every task this client draws.
    fn drawn_tasks(&self) -> Vec<u64> {
        let mut tasks = self.layout.tasks();
        tasks.extend(self.previewed());
        tasks
    }

    /// When this client wants a frame, if it does: at once after its own
    /// input (the echo of a key) or when its last frame is older than the
    /// frame interval (the first output after a quiet spell), else on the
    /// next tick — so a flood is drawn at most ~60 times a second while a
    /// keystroke's echo never waits.
    pub fn render_deadline(&self, now: Instant) -> Option<Instant> {
        if !self.dirty || self.in_flight || self.switching {
            return self.message.as_ref().map(|(_, until)| *until);
        }
        let typed = self
            .typed
            .is_some_and(|t| now.duration_since(t) < TYPED_WINDOW);
        if typed || self.echo_due {
            return Some(now);
        }
        Some(self.last_render.map_or(now, |t| t + self.interval()))
    }

    /// The frame interval for this client now.
    pub fn interval(&self) -> Duration {
        match self.mode {
            Mode::Switcher(_) => PREVIEW_INTERVAL,
            _ => FRAME_INTERVAL,
        }
    }

    /// The queued frame was written out.
    pub fn frame_sent(&mut self) {
        self.in_flight = false;
    }

    /// Shows `text` on the status line for a few seconds.
    pub fn say(&mut self, text: String) {
        self.message = Some((text, Instant::now() + MESSAGE_TIME));
        self.dirty = true;
    }
}

impl Server {
    /// Makes `conn` an attached client. Returns the reply.
    pub fn attach(&mut self, conn: ConnId, spec: AttachSpec) -> ServerMsg {
        let view = match self.pick_view(&spec) {
            Ok(id) => id,
            Err(e) => return ServerMsg::Error(e),
        };
        let client = Client {
            cols: spec.cols.max(2),
            rows: spec.rows.max(2),
            layout: Node::Pane(view),
            focus: 0,
            zoomed: false,
            mode: Mode::Normal,
            dirty: true,
            last_render: None,
            typed: None,
            echo_from: None,
            echo_due: false,
            in_flight: false,
            switching: false,
            shown: None,
            composer: Default::default(),
            message: None,
            extra: Vec::new(),
            keys: Keys::new(self.config.prefix()),
            env: spec.env,
            cwd: spec.cwd,
            status: self
                .config
                .status_line()
                .then(|| self.config.status_position()),
        };
        self.clients.insert(conn, client);
        self.view_changed(conn);
        ServerMsg::Attached { id: view }
    }

    fn pick_view(&mut self, spec: &AttachSpec) -> Result<u64, String> {
        if let Some(key) = &spec.task {
            let task = crate::store::find(self.tasks.values().map(|t| &t.record), key)
                .ok_or_else(|| format!("no task {key}: see `bgmux ls`"))?;
            if !self.tasks.get(&task.id).is_some_and(|t| t.is_live()) {
                return Err(format!(
                    "task {} has ended ({}): see `bgmux log {}`",
                    task.id,
                    task.status_text(),
                    task.id
                ));
            }
            return Ok(task.id);
        }
        if let Some(id) = self.last_view.filter(|id| self.is_live(*id)) {
            return Ok(id);
        }
        if let Some(id) = self
            .tasks
            .iter()
            .rev()
            .find(|(_, t)| t.is_live())
            .map(|(id, _)| *id)
        {
            return Ok(id);
        }
        if !spec.start_shell {
            return Err(
                "no live task to attach to: start one with `bgmux run`, or run `bgmux` for a shell"
                    .into(),
            );
        }
        self.start_shell(&spec.env, &spec.cwd, None)
    }

    /// Is task `id` live?
    pub fn is_live(&self, id: u64) -> bool {
        self.tasks.get(&id).is_some_and(|t| t.is_live())
    }

    /// Starts the user's shell as a task.
    pub fn start_shell(
        &mut self,
        env: &[(String, String)],
        cwd: &str,
        size: Option<(u16, u16)>,
    ) -> Result<u64, String> {
        let spec = RunSpec {
            argv: vec![self.config.shell(env)],
            name: None,
            cwd: cwd.to_string(),
            size,
            history_limit: None,
            env: env.to_vec(),
        };
        self.start_task(&spec).map_err(|(_, e)| e)
    }

    /// A client's layout, focus or size changed: size every pane's task to
    /// its pane (this client is the most recently active one), redraw, and
    /// note what it has now seen.
    pub fn view_changed(&mut self, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        client.focus = client.focus.min(client.layout.len().saturating_sub(1));
        client.dirty = true;
        let placed = client.placed();
        let focused = client.focused_task();
        self.last_view = Some(focused);
        let ctl = self.senders.ctl.clone();
        for p in &placed {
            if let Some(task) = self.tasks.get_mut(&p.task) {
                task.resize(p.inner.cols, p.inner.rows, &ctl);
                task.unseen = false;
            }
        }
        self.count_attached();
    }

    /// Recounts `attached_clients` on every task.
    pub fn count_attached(&mut self) {
        for task in self.tasks.values_mut() {
            task.record.attached_clients = 0;
        }
        for client in self.clients.values() {
            for id in client.layout.tasks() {
                if let Some(task) = self.tasks.get_mut(&id) {
                    task.record.attached_clients += 1;
                }
            }
        }
    }

    /// The client's terminal changed size: every pane is laid out again.
    pub fn resize_client(&mut self, conn: ConnId, cols: u16, rows: u16) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        client.cols = cols.max(2);
        client.rows = rows.max(2);
        client.shown = None;
        self.view_changed(conn);
    }

    /// Shows `task` in the focused pane.
    pub fn show(&mut self, conn: ConnId, task: u64) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let focus = client.focus;
        client.layout.set_task(focus, task);
        self.view_changed(conn);
    }

    /// Shows `tasks` tiled in one view (the switcher's `s`, `/split`).
    pub fn show_tiled(&mut self, conn: ConnId, tasks: &[u64]) {
        let Some(layout) = Node::tiled(tasks) else {
            return;
        };
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        if !layout::fits(&layout.place(client.pane_area())) {
            client.say(format!(
                "{} panes do not fit in {}x{}",
                tasks.len(),
                client.cols,
                client.rows
            ));
            return;
        }
        client.layout = layout;
        client.focus = 0;
        client.zoomed = false;
        self.view_changed(conn);
    }

    /// Splits the focused pane with a new shell (prefix `%` and `"`).
    pub fn split_focused(&mut self, conn: ConnId, dir: Dir) {
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        let mut trial = client.layout.clone();
        trial.split(client.focus, dir, 0);
        if !layout::fits(&trial.place(client.pane_area())) {
            self.say(conn, "no room to split this pane".into());
            return;
        }
        let (env, cwd) = (client.env.clone(), client.cwd.clone());
        let id = match self.start_shell(&env, &cwd, None) {
            Ok(id) => id,
            Err(e) => return self.say(conn, e),
        };
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let focus = client.focus;
        client.layout.split(focus, dir, id);
        client.focus = focus + 1;
        client.zoomed = false;
        self.view_changed(conn);
    }

    /// Closes the focused pane (prefix `x` on an ended task); the last pane
    /// moves on to another live task instead, or the client leaves.
    pub fn close_focused(&mut self, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let layout = std::mem::replace(&mut client.layout, Node::Pane(0));
        match layout.clone().remove(client.focus) {
            Some(rest) => {
                client.layout = rest;
                client.focus = client.focus.saturating_sub(1);
                client.zoomed = false;
                self.view_changed(conn);
            }
            None => {
                client.layout = layout;
                self.move_on(conn, None);
            }
        }
    }

    /// A single-pane view whose task is gone moves to the next live task
    /// not already shown, or the client leaves with `line`.
    fn move_on(&mut self, conn: ConnId, line: Option<String>) {
        let next = self
            .tasks
            .iter()
            .find(|(_, t)| t.is_live())
            .map(|(id, _)| *id);
        match next {
            Some(next) => {
                self.show(conn, next);
                if let Some(line) = line {
                    self.say(conn, line);
                }
            }
            None => {
                let line = line.unwrap_or_else(|| "[no live task]".into());
                self.reply(conn, &ServerMsg::Detached(line));
            }
        }
    }

    /// Shows the next (or previous) live task in the focused pane.
    pub fn cycle(&mut self, conn: ConnId, forward: bool) {
        let Some(view) = self.clients.get(&conn).map(|c| c.focused_task()) else {
            return;
        };
        let live = self.live_ids();
        let next = if forward {
            live.iter().find(|id| **id > view).or(live.first())
        } else {
            live.iter().rev().find(|id| **id < view).or(live.last())
        };
        if let Some(&id) = next {
            self.show(conn, id);
        }
    }

    /// Shows a status-line message on one client.
    pub fn say(&mut self, conn: ConnId, text: String) {
        if let Some(client) = self.clients.get_mut(&conn) {
            client.say(text);
        }
    }

    /// Task `id` ended: a lone pane showing it moves on to the next live
    /// task (or the client leaves); in a split view the pane keeps the final
    /// screen with the exit status in its title until it is closed.
    pub(super) fn task_ended_in_views(&mut self, id: u64) {
        let Some(record) = self.tasks.get(&id).map(|t| t.record.clone()) else {
            return;
        };
        let line = format!("[task {id} {}]", ended_words(&record));
        let alone: Vec<ConnId> = self
            .clients
            .iter()
            .filter(|(_, c)| matches!(c.layout, Node::Pane(t) if t == id))
            .map(|(conn, _)| *conn)
            .collect();
        for conn in alone {
            self.move_on(conn, Some(line.clone()));
        }
        self.mark_dirty(id);
    }

    /// Marks the clients showing task `id` for a new frame.
    /// Task `id` printed: every client showing it needs a frame. For a
    /// client that just typed into it, this output is the key's echo, drawn
    /// at once rather than on the next frame tick (the render right after
    /// the key came before the echo).
    pub fn mark_dirty(&mut self, id: u64) {
        let now = Instant::now();
        for client in self.clients.values_mut() {
            if client.shows_or_previews(id) {
                client.dirty = true;
            }
            if let Some((task, at)) = client.echo_from {
                if task == id && now.duration_since(at) < TYPED_WINDOW {
                    client.echo_due = true;
                }
                if task == id || now.duration_since(at) >= TYPED_WINDOW {
                    client.echo_from = None;
                }
            }
        }
    }

    /// Marks every client for a new frame (task list or statuses changed).
    pub fn mark_all_dirty(&mut self) {
        for client in self.clients.values_mut() {
            client.dirty = true;
        }
    }

    /// Renders every dirty client whose frame is due now (see
    /// [`Client::render_deadline`]); the others get a timer.
    pub(super) fn render_due(&mut self) {
        let now = Instant::now();
        let due: Vec<ConnId> = self
            .clients
            .iter_mut()
            .filter_map(|(conn, c)| {
                if c.message.as_ref().is_some_and(|(_, until)| *until <= now) {
                    c.message = None;
                    c.dirty = true;
                }
                let due = c.dirty && c.render_deadline(now).is_some_and(|t| t <= now);
                due.then_some(*conn)
            })
            .collect();
        for conn in due {
            self.render_client(conn, now);
        }
    }

    fn render_client(&mut self, conn: ConnId, now: Instant) {
        if self.is_behind() {
            // A task becomes shown in more ways than `view_changed` sees
            // (the switcher's preview follows the selection): what is drawn
            // is caught up here, whichever way it came.
            let drawn = self.clients.get(&conn).map(Client::drawn_tasks);
            for id in drawn.unwrap_or_default() {
                self.catch_up(id);
            }
        }
        let mouse = self.wants_mouse(conn);
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let mut out = Vec::with_capacity(16 * 1024);
        super::frames::render(client, &self.tasks, mouse, &mut out);
        out.append(&mut client.extra);
        client.dirty = false;
        client.typed = None;
        client.echo_due = false;
        client.last_render = Some(now);
        if out.is_empty() {
            return;
        }
        client.in_flight = true;
        if let Some(c) = self.conns.get_mut(&conn) {
            c.queue_data(&out);
        }
        self.flush(conn);
    }
}

/// `exited 0`, `exited 2`, `killed by SIGTERM`.
pub fn ended_words(record: &crate::store::TaskRecord) -> String {
    match (record.exit_code, record.signal) {
        (Some(code), _) => format!("exited {code}"),
        (None, Some(sig)) => format!("killed by {}", crate::pty::signal_name(sig)),
        _ => record.status.as_str().to_string(),
    }
}
