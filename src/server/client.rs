//! Attached clients: each has a view (the task it shows), a size, the last
//! frame it was sent, and its prefix-key state. This file handles attaching,
//! input, resizing, switching tasks, and when to render; `render.rs` draws.

use std::time::{Duration, Instant};

use bgmux_term::Frame;

use super::keys::{Action, Key, Keys};
use super::{ConnId, Server};
use crate::protocol::{AttachSpec, RunSpec, ServerMsg};
use crate::store::time::Timestamp;

/// The shortest time between two frames to one client while output floods.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// How long a status-line message stays.
pub const MESSAGE_TIME: Duration = Duration::from_secs(4);
/// The prefix key: C-b.
pub const PREFIX: u8 = 0x02;

/// One attached client.
#[derive(Debug)]
pub struct Client {
    /// Terminal columns and rows.
    pub cols: u16,
    /// Terminal rows (including the status line).
    pub rows: u16,
    /// The task in view.
    pub view: u64,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// When the last frame was rendered.
    pub last_render: Option<Instant>,
    /// A frame is queued and not yet written to the socket.
    pub in_flight: bool,
    /// The last frame sent (what the client's terminal shows).
    pub shown: Option<Frame>,
    /// A status-line message and when it expires.
    pub message: Option<(String, Instant)>,
    /// Prefix-key state.
    pub keys: Keys,
    /// The client's environment, for the shells it starts.
    pub env: Vec<(String, String)>,
    /// The client's working directory, for the shells it starts.
    pub cwd: String,
}

impl Client {
    /// The pty size of a task shown alone: all rows but the status line.
    pub fn pane_size(&self) -> (u16, u16) {
        (self.cols, self.rows.saturating_sub(1).max(1))
    }

    /// When this client wants a frame, if it does.
    pub fn render_deadline(&self) -> Option<Instant> {
        if !self.dirty || self.in_flight {
            return self.message.as_ref().map(|(_, until)| *until);
        }
        Some(self.last_render.map_or_else(Instant::now, |t| t + FRAME_INTERVAL))
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
            view,
            dirty: true,
            last_render: None,
            in_flight: false,
            shown: None,
            message: None,
            keys: Keys::new(PREFIX),
            env: spec.env,
            cwd: spec.cwd,
        };
        self.clients.insert(conn, client);
        self.show(conn, view);
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
        if let Some(id) = self.last_view.filter(|id| self.tasks.get(id).is_some_and(|t| t.is_live())) {
            return Ok(id);
        }
        if let Some(id) = self.tasks.iter().rev().find(|(_, t)| t.is_live()).map(|(id, _)| *id) {
            return Ok(id);
        }
        if !spec.start_shell {
            return Err("no live task to attach to: start one with `bgmux run`, or run `bgmux` for a shell".into());
        }
        self.start_shell(&spec.env, &spec.cwd, None)
    }

    /// Starts the user's shell as a task.
    pub fn start_shell(
        &mut self,
        env: &[(String, String)],
        cwd: &str,
        size: Option<(u16, u16)>,
    ) -> Result<u64, String> {
        let shell = env.iter().find(|(k, _)| k == "SHELL").map_or("/bin/sh".to_string(), |(_, v)| v.clone());
        let spec = RunSpec {
            argv: vec![shell],
            name: None,
            cwd: cwd.to_string(),
            size,
            history_limit: None,
            env: env.to_vec(),
        };
        self.start_task(&spec).map_err(|(_, e)| e)
    }

    /// Puts task `id` in `conn`'s view and sizes its pty to the client.
    pub fn show(&mut self, conn: ConnId, id: u64) {
        let Some(client) = self.clients.get_mut(&conn) else { return };
        client.view = id;
        client.dirty = true;
        let (cols, rows) = client.pane_size();
        self.last_view = Some(id);
        if let Some(task) = self.tasks.get_mut(&id) {
            task.resize(cols, rows);
        }
        self.count_attached();
    }

    /// Recounts `attached_clients` on every task.
    pub fn count_attached(&mut self) {
        for task in self.tasks.values_mut() {
            task.record.attached_clients = 0;
        }
        for client in self.clients.values() {
            if let Some(task) = self.tasks.get_mut(&client.view) {
                task.record.attached_clients += 1;
            }
        }
    }

    /// The client's terminal changed size; its task follows (the most
    /// recently active client decides a shared task's size).
    pub fn resize_client(&mut self, conn: ConnId, cols: u16, rows: u16) {
        let Some(client) = self.clients.get_mut(&conn) else { return };
        client.cols = cols.max(2);
        client.rows = rows.max(2);
        client.shown = None;
        let view = client.view;
        self.show(conn, view);
    }

    /// Input from an attached client.
    pub(super) fn on_input(&mut self, conn: ConnId, data: &[u8]) {
        let Some(client) = self.clients.get_mut(&conn) else { return };
        let actions = client.keys.feed(data);
        let view = client.view;
        for action in actions {
            match action {
                Action::Forward(bytes) => {
                    self.make_active(conn);
                    let ctl = self.senders.ctl.clone();
                    if let Some(task) = self.tasks.get_mut(&view) {
                        task.write(&bytes, &ctl);
                    }
                }
                Action::Prefixed(key) => self.prefixed(conn, key),
            }
        }
    }

    /// Typing makes a client the one whose size a shared task takes.
    fn make_active(&mut self, conn: ConnId) {
        let Some(client) = self.clients.get(&conn) else { return };
        let (view, (cols, rows)) = (client.view, client.pane_size());
        if let Some(task) = self.tasks.get_mut(&view) {
            task.resize(cols, rows);
        }
    }

    /// The key after the prefix (SPEC §4).
    fn prefixed(&mut self, conn: ConnId, key: Key) {
        match key {
            Key::Char('d') => self.reply(conn, &ServerMsg::Detached("[detached from bgmux]".into())),
            Key::Char('c') => self.new_shell(conn),
            Key::Char('n') => self.cycle(conn, true),
            Key::Char('p') => self.cycle(conn, false),
            Key::Char(c) if c as u32 == u32::from(PREFIX) => {
                let view = self.clients.get(&conn).map(|c| c.view);
                let ctl = self.senders.ctl.clone();
                if let Some(task) = view.and_then(|v| self.tasks.get_mut(&v)) {
                    task.write(&[PREFIX], &ctl);
                }
            }
            _ => {}
        }
    }

    fn new_shell(&mut self, conn: ConnId) {
        let Some(client) = self.clients.get(&conn) else { return };
        let (env, cwd, size) = (client.env.clone(), client.cwd.clone(), client.pane_size());
        match self.start_shell(&env, &cwd, Some(size)) {
            Ok(id) => self.show(conn, id),
            Err(e) => self.say(conn, e),
        }
    }

    fn cycle(&mut self, conn: ConnId, forward: bool) {
        let Some(view) = self.clients.get(&conn).map(|c| c.view) else { return };
        let live: Vec<u64> = self.tasks.iter().filter(|(_, t)| t.is_live()).map(|(id, _)| *id).collect();
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

    /// Task `id` ended: clients showing it say so and move to the next live
    /// task, or leave if there is none.
    pub(super) fn task_ended_in_views(&mut self, id: u64) {
        let Some(record) = self.tasks.get(&id).map(|t| t.record.clone()) else { return };
        let line = format!("[task {id} {}]", ended_words(&record));
        let viewers: Vec<ConnId> = self.clients.iter().filter(|(_, c)| c.view == id).map(|(conn, _)| *conn).collect();
        let next = self.tasks.iter().find(|(_, t)| t.is_live()).map(|(id, _)| *id);
        for conn in viewers {
            match next {
                Some(next) => {
                    self.show(conn, next);
                    self.say(conn, line.clone());
                }
                None => self.reply(conn, &ServerMsg::Detached(line.clone())),
            }
        }
        let summary = record.summary(Timestamp::now());
        for client in self.clients.values_mut().filter(|c| c.view != id) {
            client.say(summary.clone());
        }
    }

    /// Marks the clients showing task `id` for a new frame.
    pub fn mark_dirty(&mut self, id: u64) {
        for client in self.clients.values_mut() {
            if client.view == id {
                client.dirty = true;
            }
        }
    }

    /// Renders every dirty client that may get a frame now: `quiet` means no
    /// output is pending, so render regardless of the frame interval.
    pub(super) fn render_due(&mut self, quiet: bool) {
        let now = Instant::now();
        let due: Vec<ConnId> = self
            .clients
            .iter_mut()
            .filter_map(|(conn, c)| {
                if c.message.as_ref().is_some_and(|(_, until)| *until <= now) {
                    c.message = None;
                    c.dirty = true;
                }
                let old = c.last_render.is_none_or(|t| now.duration_since(t) >= FRAME_INTERVAL);
                (c.dirty && !c.in_flight && (quiet || old)).then_some(*conn)
            })
            .collect();
        for conn in due {
            self.render_client(conn, now);
        }
    }

    fn render_client(&mut self, conn: ConnId, now: Instant) {
        let Some(client) = self.clients.get_mut(&conn) else { return };
        let frame = super::render::compose(client, &self.tasks);
        let mut out = Vec::with_capacity(16 * 1024);
        match &client.shown {
            Some(prev) if prev.rows() == frame.rows() && prev.cols() == frame.cols() => {
                frame.render_diff(prev, &mut out)
            }
            _ => frame.render_full(&mut out),
        }
        client.shown = Some(frame);
        client.dirty = false;
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
