//! A client's frames between renders: the composed frame, kept and updated
//! in place instead of built anew, and what each pane drew into it, so that
//! a render redraws, diffs and copies only the rows that changed.
//!
//! Before this, every render (a keystroke's echo included) composed a new
//! 80×24 frame from every pane's screen and diffed all of it against the
//! last one: ~240 µs of CPU. Now a render after a one-character echo draws
//! the cursor's row and the status line and compares those two rows.
//!
//! The kept frame (`next`) always equals what the client was last sent
//! (`Client::shown`) except for the rows written since; `Frame` tracks those
//! rows, `Frame::render_update` diffs only them, `Frame::sync_into` copies
//! only them. A pane is redrawn whole when anything about the view changes
//! shape (sizes, panes, mode, status row: see [`Shape`]); otherwise only the
//! rows its emulator stamped as changed since the pane's last drawing
//! (`Terminal::draw_changed`). `render.rs` decides what goes where; this
//! file decides how much of it is redrawn.

use bgmux_term::{Frame, Rect, Stamp};

use super::client::{Client, Mode};
use super::layout::Placed;
use super::{Task, TaskMap};

/// The per-client composition state (see the file comment).
#[derive(Debug, Default)]
pub struct Composer {
    /// The frame composed last time, kept for the next composition.
    next: Option<Frame>,
    /// The view's shape when `next` was composed.
    shape: Option<Shape>,
    /// Per pane index: the task drawn there, where, and its emulator's
    /// stamp at the time.
    drawn: Vec<Option<(u64, Rect, Stamp)>>,
    /// This composition starts from a blank frame: draw everything.
    full: bool,
}

/// Whatever, when it changes, makes the whole frame be redrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    size: (u16, u16),
    panes: Vec<(u64, usize, Rect, Rect)>,
    mode: u8,
    status_row: Option<u16>,
}

impl Shape {
    fn of(client: &Client) -> Shape {
        let mode = match client.mode {
            Mode::Normal => 0,
            Mode::Prompt(_) => 1,
            Mode::Switcher(_) => 2,
            Mode::Review(_) => 3,
            Mode::Confirm(_) => 4,
        };
        Shape {
            size: (client.rows, client.cols),
            panes: client
                .placed()
                .iter()
                .map(|p| (p.task, p.index, p.outer, p.inner))
                .collect(),
            mode,
            status_row: client.status_row(),
        }
    }
}

impl Composer {
    /// Is this composition a redraw of everything (so static parts such
    /// as the rules between panes must be drawn)?
    pub fn full(&self) -> bool {
        self.full
    }

    /// Draws `task`'s screen into pane `p`: the rows changed since this
    /// pane last drew the same task in the same place, or all of them.
    pub fn draw_pane(&mut self, frame: &mut Frame, task: &Task, p: &Placed) {
        let since = if self.full {
            None
        } else {
            self.drawn
                .get(p.index)
                .copied()
                .flatten()
                .filter(|(t, r, _)| *t == p.task && *r == p.inner)
                .map(|(_, _, stamp)| stamp)
        };
        task.term.draw_changed(frame, p.inner, since);
        self.set_drawn(p.index, Some((p.task, p.inner, task.term.stamp())));
    }

    /// Pane `p` was drawn by something else (review mode) or not at all (its
    /// task is gone): it is redrawn whole next time.
    pub fn forget_pane(&mut self, p: &Placed) {
        self.set_drawn(p.index, None);
    }

    fn set_drawn(&mut self, index: usize, value: Option<(u64, Rect, Stamp)>) {
        if self.drawn.len() <= index {
            self.drawn.resize(index + 1, None);
        }
        self.drawn[index] = value;
    }
}

/// Composes `client`'s frame (incrementally when its view kept its shape)
/// and appends the bytes that bring its terminal up to date to `out`.
pub fn render(client: &mut Client, tasks: &TaskMap, mouse: bool, out: &mut Vec<u8>) {
    let shape = Shape::of(client);
    let mut composer = std::mem::take(&mut client.composer);
    // The switcher repaints the whole screen itself (at most 30 times a
    // second): no point tracking what it changed.
    composer.full = client.shown.is_none()
        || composer.shape.as_ref() != Some(&shape)
        || matches!(client.mode, Mode::Switcher(_));
    let mut next = match composer.next.take() {
        Some(frame) if !composer.full => frame,
        Some(mut frame) if shape.size == (frame.rows(), frame.cols()) => {
            frame.clear();
            frame
        }
        _ => Frame::new(client.rows, client.cols),
    };
    if composer.full {
        composer.drawn.clear();
    }
    super::render::compose(client, tasks, mouse, &mut next, &mut composer);
    match client.shown.as_mut() {
        Some(shown) if (shown.rows(), shown.cols()) == (next.rows(), next.cols()) => {
            if composer.full {
                next.render_diff(shown, out);
            } else {
                next.render_update(shown, out);
            }
            next.sync_into(shown);
        }
        _ => {
            next.render_full(out);
            let mut shown = Frame::new(next.rows(), next.cols());
            next.sync_into(&mut shown);
            client.shown = Some(shown);
        }
    }
    composer.next = Some(next);
    composer.shape = Some(shape);
    client.composer = composer;
}
