//! Composes one client's frame: the task in view drawn by its emulator, and
//! the status line on the bottom row (the view's task on the left, counts of
//! background tasks by status on the right, or a message). Diffing the frame
//! against what the client shows is the emulator crate's job.

use std::collections::BTreeMap;
use std::time::Instant;

use bgmux_term::{Color, Cursor, Frame, Rect, Style};

use super::{Client, Task};
use crate::store::Status;

/// Draws `client`'s view of `tasks` into a new frame.
pub fn compose(client: &Client, tasks: &BTreeMap<u64, Task>) -> Frame {
    let mut frame = Frame::new(client.rows, client.cols);
    let pane = Rect { row: 0, col: 0, rows: client.rows.saturating_sub(1), cols: client.cols };
    if let Some(task) = tasks.get(&client.view) {
        task.term.draw(&mut frame, pane, 0);
        let cursor = task.term.cursor();
        let inside = cursor.row < pane.rows && cursor.col < pane.cols;
        frame.set_cursor((cursor.visible && inside && task.is_live()).then_some(Cursor {
            row: cursor.row + pane.row,
            col: cursor.col + pane.col,
            ..cursor
        }));
        frame.set_modes(task.term.modes());
    }
    status_line(&mut frame, client, tasks);
    frame
}

fn status_style() -> Style {
    Style { fg: Color::Indexed(0), bg: Color::Indexed(2), ..Style::default() }
}

fn status_line(frame: &mut Frame, client: &Client, tasks: &BTreeMap<u64, Task>) {
    let row = client.rows.saturating_sub(1);
    let style = status_style();
    frame.fill(Rect { row, col: 0, rows: 1, cols: client.cols }, ' ', &style);
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

fn view_label(client: &Client, tasks: &BTreeMap<u64, Task>) -> String {
    match tasks.get(&client.view) {
        Some(task) => format!("[bgmux] {}:{} ({})", task.record.id, task.record.label(), task.record.status_text()),
        None => "[bgmux]".to_string(),
    }
}

/// ` 2 running · 1 waiting · 3 ended ` for the tasks not in view.
fn counts(client: &Client, tasks: &BTreeMap<u64, Task>) -> String {
    let (mut running, mut waiting, mut ended) = (0, 0, 0);
    for (id, task) in tasks {
        if *id == client.view {
            continue;
        }
        match task.record.status {
            Status::Running => running += 1,
            Status::Waiting => waiting += 1,
            _ => ended += 1,
        }
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
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {} ", parts.join(" · "))
    }
}
