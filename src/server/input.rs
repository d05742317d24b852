//! An attached client's keys: in normal mode, bytes go to the focused pane
//! except the prefix and the key after it (SPEC §4); in an overlay mode
//! (prompt, switcher, a y/n question) every key goes to that mode.

use std::time::Instant;

use super::client::{Confirm, Mode};
use super::keys::{parse_one, Action, Key};
use super::layout::{self, Dir};
use super::{ConnId, Server};
use crate::protocol::ServerMsg;

impl Server {
    /// Input from an attached client.
    pub(super) fn on_input(&mut self, conn: ConnId, data: &[u8]) {
        let mut rest = data;
        while !rest.is_empty() {
            let Some(client) = self.clients.get_mut(&conn) else {
                return;
            };
            // Keys go to the overlay while one is open; a key may open or
            // close one, so the mode is looked at again after each.
            if !matches!(client.mode, Mode::Normal) {
                let (key, used) = parse_one(rest);
                rest = &rest[used..];
                self.mode_key(conn, key);
                continue;
            }
            let (actions, used) = client.keys.feed_until(rest);
            rest = &rest[used..];
            for action in actions {
                match action {
                    Action::Mouse(ev) => self.on_mouse(conn, ev),
                    Action::Forward(bytes) => self.forward(conn, &bytes),
                    Action::Prefixed(key) => self.prefixed(conn, key),
                }
            }
        }
    }

    /// Types into the focused pane; the typing client's sizes win.
    fn forward(&mut self, conn: ConnId, bytes: &[u8]) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let task = client.focused_task();
        client.echo_from = Some((task, Instant::now()));
        let ctl = self.senders.ctl.clone();
        for p in client.placed() {
            if let Some(t) = self.tasks.get_mut(&p.task) {
                t.resize(p.inner.cols, p.inner.rows, &ctl);
            }
        }
        if let Some(t) = self.tasks.get_mut(&task) {
            t.write(bytes, &ctl);
        }
    }

    /// The key after the prefix (SPEC §4); the config's `[bindings]` first.
    fn prefixed(&mut self, conn: ConnId, key: Key) {
        if let Some(cmd) = self.config.binding(&key.bytes()).cloned() {
            return self.run_slash(conn, cmd);
        }
        match key {
            Key::Char('d') => {
                self.reply(conn, &ServerMsg::Detached("[detached from bgmux]".into()))
            }
            Key::Char('b') => self.background_focused(conn, None),
            Key::Char('t' | 'w') => self.open_switcher(conn),
            Key::Char('[') => self.open_review(conn, false),
            Key::Named("PageUp") => self.open_review(conn, true),
            Key::Char(':' | '/') => self.open_prompt(conn),
            Key::Char('c') => self.new_shell(conn),
            Key::Char('%') => self.split_focused(conn, Dir::Across),
            Key::Char('"') => self.split_focused(conn, Dir::Down),
            Key::Char('o') => self.focus_next(conn),
            Key::Char('z') => self.toggle_zoom(conn),
            Key::Char('x') => self.ask_kill(conn),
            Key::Char('n') => self.cycle(conn, true),
            Key::Char('p') => self.cycle(conn, false),
            Key::Char('{') => self.swap_focused(conn, false),
            Key::Char('}') => self.swap_focused(conn, true),
            Key::Char('?') => self.say(conn, PREFIX_HELP.into()),
            Key::Char(c) if c as u32 == u32::from(self.prefix_byte(conn)) => {
                self.forward(conn, &[c as u8])
            }
            Key::Named("Up") => self.focus_towards(conn, 0, -1),
            Key::Named("Down") => self.focus_towards(conn, 0, 1),
            Key::Named("Left") => self.focus_towards(conn, -1, 0),
            Key::Named("Right") => self.focus_towards(conn, 1, 0),
            Key::Named("C-Up") => self.resize_focused(conn, Dir::Down, -1),
            Key::Named("C-Down") => self.resize_focused(conn, Dir::Down, 1),
            Key::Named("C-Left") => self.resize_focused(conn, Dir::Across, -1),
            Key::Named("C-Right") => self.resize_focused(conn, Dir::Across, 1),
            _ => {}
        }
    }

    fn prefix_byte(&self, conn: ConnId) -> u8 {
        self.clients
            .get(&conn)
            .map_or(super::client::PREFIX, |c| c.keys.prefix())
    }

    /// A key in an overlay mode.
    pub(super) fn mode_key(&mut self, conn: ConnId, key: Key) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        client.dirty = true;
        match &mut client.mode {
            Mode::Normal => {}
            Mode::Prompt(_) => self.prompt_key(conn, key),
            Mode::Switcher(_) => self.switcher_key(conn, key),
            Mode::Review(_) => self.review_key(conn, key),
            Mode::Confirm(confirm) => {
                let confirm = confirm.clone();
                client.mode = Mode::Normal;
                client.message = None;
                if matches!(key, Key::Char('y' | 'Y')) {
                    match confirm {
                        Confirm::Kill(id) => self.kill_task(id, None),
                    }
                }
            }
        }
    }

    /// Prefix `x`: ask before killing a live task; close an ended one's pane.
    fn ask_kill(&mut self, conn: ConnId) {
        let Some(task) = self.clients.get(&conn).map(|c| c.focused_task()) else {
            return;
        };
        if !self.is_live(task) {
            return self.close_focused(conn);
        }
        let label = self
            .tasks
            .get(&task)
            .map(|t| t.record.label())
            .unwrap_or_default();
        if let Some(client) = self.clients.get_mut(&conn) {
            client.mode = Mode::Confirm(Confirm::Kill(task));
            client.message = Some((format!("kill task {task} ({label})? (y/n)"), far_future()));
            client.dirty = true;
        }
    }

    fn new_shell(&mut self, conn: ConnId) {
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        let (env, cwd) = (client.env.clone(), client.cwd.clone());
        match self.start_shell(&env, &cwd, None) {
            Ok(id) => self.show(conn, id),
            Err(e) => self.say(conn, e),
        }
    }

    fn focus_next(&mut self, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        client.focus = (client.focus + 1) % client.layout.len().max(1);
        self.view_changed(conn);
    }

    fn focus_towards(&mut self, conn: ConnId, dx: i32, dy: i32) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        if client.zoomed {
            return;
        }
        let placed = client.placed();
        if let Some(next) = layout::neighbour(&placed, client.focus, dx, dy) {
            client.focus = next;
            self.view_changed(conn);
        }
    }

    fn toggle_zoom(&mut self, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        if client.layout.len() > 1 || client.zoomed {
            client.zoomed = !client.zoomed;
            client.shown = None;
            self.view_changed(conn);
        }
    }

    fn swap_focused(&mut self, conn: ConnId, forward: bool) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let n = client.layout.len();
        if n < 2 {
            return;
        }
        let other = if forward {
            (client.focus + 1) % n
        } else {
            (client.focus + n - 1) % n
        };
        client.layout.swap(client.focus, other);
        client.focus = other;
        self.view_changed(conn);
    }

    fn resize_focused(&mut self, conn: ConnId, dir: Dir, delta: i32) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let before = client.layout.clone();
        if !client.layout.resize(client.focus, dir, delta) {
            return;
        }
        if !layout::fits(&client.placed()) {
            client.layout = before;
            return client.say("the neighbouring pane is as small as it gets".into());
        }
        self.view_changed(conn);
    }
}

/// The one-line reminder of the prefix keys.
pub const PREFIX_HELP: &str =
    "d detach  b /bg  t tasks  : prompt  c new  % \" split  o arrows focus  z zoom  x kill  n p next/prev";

/// A deadline that does not pass while a question waits for its answer.
pub fn far_future() -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_secs(365 * 24 * 3600)
}
