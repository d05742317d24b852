//! The switcher, `/tasks` (alias `/bashes`, prefix `t` or `w`): a
//! full-screen overlay listing every task with its status and a live
//! preview of the selected one (SPEC §5). This file owns the switcher's
//! state and keys; `view.rs` draws it.

mod view;

use std::collections::BTreeSet;

pub use self::view::draw;
use super::client::Mode;
use super::keys::Key;
use super::{ConnId, Server, Task};
use crate::store::Status;

/// Which tasks the list shows (Tab cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Every task.
    #[default]
    All,
    /// Running (not waiting).
    Running,
    /// Waiting for input.
    Waiting,
    /// Ended in any way.
    Ended,
}

impl StatusFilter {
    fn next(self) -> StatusFilter {
        match self {
            StatusFilter::All => StatusFilter::Running,
            StatusFilter::Running => StatusFilter::Waiting,
            StatusFilter::Waiting => StatusFilter::Ended,
            StatusFilter::Ended => StatusFilter::All,
        }
    }

    /// The word shown in the title.
    pub fn word(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Running => "running",
            StatusFilter::Waiting => "waiting",
            StatusFilter::Ended => "ended",
        }
    }

    fn admits(self, status: Status) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Running => status == Status::Running,
            StatusFilter::Waiting => status == Status::Waiting,
            StatusFilter::Ended => !status.is_live(),
        }
    }
}

/// A question the switcher is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// Kill this task?
    Kill(u64),
    /// Remove these ended tasks and their logs?
    Remove(Vec<u64>),
}

/// The switcher's state for one client.
#[derive(Debug, Default)]
pub struct Switcher {
    /// The selected task (its preview is shown).
    pub selected: u64,
    /// Tasks marked with Space.
    pub marked: BTreeSet<u64>,
    /// Text filter (matches id, name, command).
    pub filter: String,
    /// Keys edit the filter.
    pub editing_filter: bool,
    /// Status filter.
    pub status: StatusFilter,
    /// A pending y/n question.
    pub question: Option<Question>,
    /// First list row shown.
    pub offset: usize,
}

impl Switcher {
    /// The ids the list shows, in order.
    pub fn rows<'a>(&self, tasks: impl Iterator<Item = &'a Task>) -> Vec<u64> {
        let needle = self.filter.to_lowercase();
        tasks
            .filter(|t| self.status.admits(t.record.status))
            .filter(|t| {
                needle.is_empty()
                    || t.record.id.to_string() == needle
                    || t.record.label().to_lowercase().contains(&needle)
                    || t.record.command.join(" ").to_lowercase().contains(&needle)
            })
            .map(|t| t.record.id)
            .collect()
    }

    /// Moves the selection by `delta` rows within `rows`.
    fn step(&mut self, rows: &[u64], delta: isize) {
        if rows.is_empty() {
            return;
        }
        let at = rows.iter().position(|id| *id == self.selected).unwrap_or(0) as isize;
        let to = (at + delta).clamp(0, rows.len() as isize - 1) as usize;
        self.selected = rows[to];
    }

    /// Keeps the selection on a listed row.
    fn settle(&mut self, rows: &[u64]) {
        if !rows.contains(&self.selected) {
            if let Some(first) = rows.first() {
                self.selected = *first;
            }
        }
    }
}

/// What a key asks the server to do.
enum Act {
    Nothing,
    Close,
    Show(u64),
    Split(Vec<u64>),
    Kill(u64),
    Remove(Vec<u64>),
}

impl Server {
    /// Opens the switcher on `conn`, the focused task selected.
    pub(super) fn open_switcher(&mut self, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let selected = client.focused_task();
        client.mode = Mode::Switcher(Box::new(Switcher {
            selected,
            ..Switcher::default()
        }));
        client.message = None;
        client.dirty = true;
    }

    /// A key while the switcher is open.
    pub(super) fn switcher_key(&mut self, conn: ConnId, key: Key) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let Mode::Switcher(sw) = &mut client.mode else {
            return;
        };
        let rows = sw.rows(self.tasks.values());
        let page = client.rows.saturating_sub(6).max(1) as isize;
        let act = key_action(sw, &rows, key, page, &self.tasks);
        if let Mode::Switcher(sw) = &mut client.mode {
            let rows = sw.rows(self.tasks.values());
            sw.settle(&rows);
            if let Some(task) = self.tasks.get_mut(&sw.selected) {
                task.unseen = false;
            }
        }
        match act {
            Act::Nothing => {}
            Act::Close => client.mode = Mode::Normal,
            Act::Show(id) => {
                client.mode = Mode::Normal;
                self.show(conn, id);
            }
            Act::Split(ids) => {
                client.mode = Mode::Normal;
                self.show_tiled(conn, &ids);
            }
            Act::Kill(id) => self.kill_task(id, None),
            Act::Remove(ids) => {
                for id in ids {
                    self.remove_task(id);
                }
            }
        }
    }
}

fn key_action(
    sw: &mut Switcher,
    rows: &[u64],
    key: Key,
    page: isize,
    tasks: &super::TaskMap,
) -> Act {
    if let Some(question) = sw.question.take() {
        return match (key, question) {
            (Key::Char('y' | 'Y'), Question::Kill(id)) => Act::Kill(id),
            (Key::Char('y' | 'Y'), Question::Remove(ids)) => Act::Remove(ids),
            _ => Act::Nothing,
        };
    }
    if sw.editing_filter {
        match key {
            Key::Char('\r') | Key::Named("Escape") => sw.editing_filter = false,
            Key::Char('\x7f' | '\x08') => {
                sw.filter.pop();
            }
            Key::Char('\x15') => sw.filter.clear(),
            Key::Char(c) if !c.is_control() => sw.filter.push(c),
            _ => {}
        }
        return Act::Nothing;
    }
    match key {
        Key::Named("Up") | Key::Char('k') => sw.step(rows, -1),
        Key::Named("Down") | Key::Char('j') => sw.step(rows, 1),
        Key::Named("PageUp") => sw.step(rows, -page),
        Key::Named("PageDown") => sw.step(rows, page),
        Key::Named("Home") | Key::Char('g') => sw.step(rows, -(rows.len() as isize)),
        Key::Named("End") | Key::Char('G') => sw.step(rows, rows.len() as isize),
        Key::Char('\r') if rows.contains(&sw.selected) => return Act::Show(sw.selected),
        Key::Char(' ') if rows.contains(&sw.selected) => {
            if !sw.marked.remove(&sw.selected) {
                sw.marked.insert(sw.selected);
            }
            sw.step(rows, 1);
        }
        Key::Char('s') => {
            let ids: Vec<u64> = if sw.marked.is_empty() {
                vec![sw.selected]
            } else {
                sw.marked.iter().copied().collect()
            };
            return Act::Split(ids);
        }
        Key::Char('x') if tasks.get(&sw.selected).is_some_and(|t| t.is_live()) => {
            sw.question = Some(Question::Kill(sw.selected));
        }
        Key::Char('r') => {
            let marked: Vec<u64> = sw
                .marked
                .iter()
                .copied()
                .filter(|id| tasks.get(id).is_some_and(|t| !t.is_live()))
                .collect();
            let ids = if marked.is_empty() {
                tasks
                    .values()
                    .filter(|t| !t.is_live())
                    .map(|t| t.record.id)
                    .collect()
            } else {
                marked
            };
            if !ids.is_empty() {
                sw.question = Some(Question::Remove(ids));
            }
        }
        Key::Char('/') => {
            sw.editing_filter = true;
            sw.filter.clear();
        }
        Key::Char('\t') => sw.status = sw.status.next(),
        Key::Char('q') | Key::Named("Escape") | Key::Char('\x03') => return Act::Close,
        _ => {}
    }
    Act::Nothing
}
