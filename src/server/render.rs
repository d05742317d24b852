//! Composes one client's frame: each pane's task drawn by its emulator, the
//! pane titles and rules of a split view, the status line (the view's task,
//! counts of the others by status, messages, the prompt), and the switcher
//! overlay. Diffing the frame against what the client shows is the emulator
//! crate's job.

use std::time::Instant;

use bgmux_term::{Color, Cursor, Frame, Modes, MouseMode, Rect, Style};

use super::client::{Client, Mode};
use super::frames::Composer;
use super::layout::Placed;
use super::{Task, TaskMap};
use crate::store::Status;

/// Draws `client`'s view of `tasks` into `frame`, which holds the previous
/// composition unless `composer` says this one is full (see `frames.rs`:
/// panes redraw only their changed rows; titles and the status line are
/// drawn every time).
pub fn compose(
    client: &mut Client,
    tasks: &TaskMap,
    mouse_always: bool,
    frame: &mut Frame,
    composer: &mut Composer,
) {
    // The kept frame still has the last composition's cursor and modes.
    frame.set_cursor(None);
    frame.set_modes(Modes::default());
    if let Mode::Switcher(sw) = &mut client.mode {
        super::switcher::draw(sw, tasks, frame);
        return;
    }
    let placed = client.placed();
    let split = placed.len() > 1;
    let mut review_cursor = None;
    for p in &placed {
        match (tasks.get(&p.task), &mut client.mode) {
            (Some(task), Mode::Review(review))
                if p.index == client.focus && review.task == p.task =>
            {
                review_cursor = Some(super::review::draw(review, task, frame, p.inner));
                composer.forget_pane(p);
            }
            (Some(task), _) => composer.draw_pane(frame, task, p),
            (None, _) => {
                frame.fill(p.inner, ' ', &Style::default());
                composer.forget_pane(p);
            }
        }
        if split {
            title(frame, p, tasks.get(&p.task), p.index == client.focus);
        }
    }
    if split && composer.full() {
        rules(frame, &placed, client.pane_area());
    }
    if let Some(p) = placed.iter().find(|p| p.index == client.focus) {
        if let Some(task) = tasks.get(&p.task) {
            let c = task.term.cursor();
            let inside = c.row < p.inner.rows && c.col < p.inner.cols;
            let cursor = Cursor {
                row: c.row + p.inner.row,
                col: c.col + p.inner.col,
                ..c
            };
            frame.set_cursor((c.visible && inside && task.is_live()).then_some(cursor));
            let mut modes = task.term.modes();
            if mouse_always {
                // Report the mouse even to a task that did not ask: clicks
                // focus panes and the wheel scrolls (bgmux re-encodes what
                // the task gets, so the stronger mode and SGR are safe).
                if modes.mouse == MouseMode::None || modes.mouse == MouseMode::Press {
                    modes.mouse = MouseMode::Button;
                }
                modes.mouse_sgr = true;
            }
            frame.set_modes(modes);
        }
    }
    if let Some(cursor) = review_cursor {
        frame.set_cursor(cursor);
    }
    status_line(frame, client, tasks);
}

/// Copies rows `top..` of `src` into `area` of `dst`, keeping text and styles.
pub fn blit(src: &Frame, top: u16, dst: &mut Frame, area: Rect) {
    for r in 0..area.rows {
        let sr = top + r;
        if sr >= src.rows() {
            break;
        }
        let mut c = 0;
        while c < area.cols.min(src.cols()) {
            let text = src.cell_text(sr, c);
            let style = src.cell_style(sr, c).cloned().unwrap_or_default();
            let text = if text.is_empty() { " " } else { text };
            let used = dst.put_str(area.row + r, area.col + c, text, &style);
            c += used.max(1);
        }
    }
}

fn status_style() -> Style {
    Style {
        fg: Color::Indexed(0),
        bg: Color::Indexed(2),
        ..Style::default()
    }
}

fn title(frame: &mut Frame, p: &Placed, task: Option<&Task>, focused: bool) {
    let style = if focused {
        Style {
            fg: Color::Indexed(2),
            bold: true,
            ..Style::default()
        }
    } else {
        Style::default()
    };
    let row = p.outer.row;
    frame.fill(
        Rect {
            row,
            col: p.outer.col,
            rows: 1,
            cols: p.outer.cols,
        },
        '─',
        &style,
    );
    let text = match task {
        Some(t) => format!(
            " {} {} — {} ",
            t.record.id,
            t.record.label(),
            t.record.status_text()
        ),
        None => " (gone) ".to_string(),
    };
    if p.outer.cols > 2 {
        let clipped: String = text.chars().take(usize::from(p.outer.cols - 2)).collect();
        frame.put_str(row, p.outer.col + 1, &clipped, &style);
    }
}

/// The one-column rules between side-by-side panes.
fn rules(frame: &mut Frame, placed: &[Placed], area: Rect) {
    let style = Style::default();
    for p in placed {
        let col = p.outer.col + p.outer.cols;
        if col >= area.col + area.cols {
            continue;
        }
        for row in p.outer.row..p.outer.row + p.outer.rows {
            let ch = if row == p.outer.row { "┬" } else { "│" };
            frame.put_str(row, col, ch, &style);
        }
    }
}

fn status_line(frame: &mut Frame, client: &Client, tasks: &TaskMap) {
    let Some(row) = client.status_row() else {
        return;
    };
    let style = status_style();
    frame.fill(
        Rect {
            row,
            col: 0,
            rows: 1,
            cols: client.cols,
        },
        ' ',
        &style,
    );
    if let Mode::Prompt(prompt) = &client.mode {
        let text = format!(":{}", prompt.line());
        frame.put_str(row, 0, &text, &style);
        let col = (1 + prompt.cursor).min(usize::from(client.cols.saturating_sub(1))) as u16;
        frame.set_cursor(Some(Cursor {
            row,
            col,
            visible: true,
            ..Cursor::default()
        }));
        return;
    }
    let left = match &client.message {
        Some((text, until)) if *until > Instant::now() => text.clone(),
        _ => view_label(client, tasks),
    };
    let right = counts(client, tasks);
    let right_width = right.chars().count() as u16;
    let used = frame.put_str(row, 0, &left, &style);
    if used + right_width < client.cols {
        frame.put_str(row, client.cols - right_width, &right, &style);
    }
}

fn view_label(client: &Client, tasks: &TaskMap) -> String {
    let zoom = if client.zoomed { " (zoomed)" } else { "" };
    match tasks.get(&client.focused_task()) {
        Some(task) => {
            format!(
                "[bgmux] {}:{} ({}){zoom}",
                task.record.id,
                task.record.label(),
                task.record.status_text()
            )
        }
        None => "[bgmux]".to_string(),
    }
}

/// ` 2 running · 1 waiting · 3 ended (1 new) ` for the tasks not in view.
fn counts(client: &Client, tasks: &TaskMap) -> String {
    let shown = client.layout.tasks();
    let (mut running, mut waiting, mut ended, mut unseen) = (0, 0, 0, 0);
    for (id, task) in tasks {
        if shown.contains(id) {
            continue;
        }
        match task.record.status {
            Status::Running => running += 1,
            Status::Waiting => waiting += 1,
            _ => ended += 1,
        }
        unseen += usize::from(task.unseen);
    }
    let mut parts = Vec::new();
    if running > 0 {
        parts.push(format!("{running} running"));
    }
    if waiting > 0 {
        parts.push(format!("{waiting} waiting"));
    }
    if ended > 0 {
        parts.push(format!("{ended} ended"));
    }
    if unseen > 0 {
        parts.push(format!("{unseen} new"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {} ", parts.join(" · "))
    }
}
