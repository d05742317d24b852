//! Draws the switcher: the task table and the help line are ratatui
//! widgets rendered into a ratatui `Buffer`, copied into the client's
//! `Frame`; the preview is the selected task's own emulator drawn straight
//! into the frame (showing the rows around its cursor when it is taller than
//! the preview).

use bgmux_term::{Frame, Rect};
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::{Constraint, Rect as TuiRect};
use ratatui_core::style::{Color as TuiColor, Modifier, Style as TuiStyle};
use ratatui_core::text::Line;
use ratatui_core::widgets::Widget;
use ratatui_widgets::block::Block;
use ratatui_widgets::borders::Borders;
use ratatui_widgets::paragraph::Paragraph;
use ratatui_widgets::table::{Row, Table};

use super::{Question, Switcher};
use crate::server::{Task, TaskMap};
use crate::store::time::{human_bytes, human_duration, Timestamp};

/// Draws the switcher over the whole of `frame`.
pub fn draw(sw: &mut Switcher, tasks: &TaskMap, frame: &mut Frame) {
    let (rows, cols) = (frame.rows(), frame.cols());
    let side_by_side = cols >= 140;
    let (list, preview) = if side_by_side {
        let w = cols * 11 / 20;
        (
            Rect {
                row: 0,
                col: 0,
                rows: rows - 1,
                cols: w,
            },
            Rect {
                row: 0,
                col: w,
                rows: rows - 1,
                cols: cols - w,
            },
        )
    } else {
        let h = (rows - 1) / 2;
        (
            Rect {
                row: 0,
                col: 0,
                rows: h,
                cols,
            },
            Rect {
                row: h,
                col: 0,
                rows: rows - 1 - h,
                cols,
            },
        )
    };
    let mut buf = Buffer::empty(TuiRect::new(0, 0, cols, rows));
    let ids = sw.rows(tasks.values());
    draw_table(sw, tasks, &ids, list, &mut buf);
    let selected = tasks
        .get(&sw.selected)
        .filter(|_| ids.contains(&sw.selected));
    let title = selected.map_or_else(
        || " preview ".to_string(),
        |t| format!(" {} — {} ", t.record.label(), t.record.status_text()),
    );
    Block::new()
        .borders(Borders::ALL)
        .title(title)
        .render(tui(preview), &mut buf);
    let help = match &sw.question {
        Some(Question::Kill(id)) => format!(" kill task {id}? (y/n)"),
        Some(Question::Remove(ids)) => format!(" remove {} ended task(s) and their logs? (y/n)", ids.len()),
        None if sw.editing_filter => format!(" filter: {}▏ (Enter to keep, Esc)", sw.filter),
        None => {
            " ↑↓ move  Enter view  Space mark  s split  x kill  r remove ended  / filter  Tab status  q close".into()
        }
    };
    Paragraph::new(Line::raw(help))
        .style(TuiStyle::new().fg(TuiColor::Black).bg(TuiColor::Green))
        .render(TuiRect::new(0, rows - 1, cols, 1), &mut buf);
    copy_buffer(&buf, frame);
    if let Some(task) = selected {
        draw_preview(task, preview, frame);
    }
    frame.set_cursor(None);
}

fn tui(r: Rect) -> TuiRect {
    TuiRect::new(r.col, r.row, r.cols, r.rows)
}

fn draw_table(sw: &mut Switcher, tasks: &TaskMap, ids: &[u64], area: Rect, buf: &mut Buffer) {
    let visible = usize::from(area.rows.saturating_sub(3)).max(1);
    let at = ids.iter().position(|id| *id == sw.selected).unwrap_or(0);
    if at < sw.offset {
        sw.offset = at;
    } else if at >= sw.offset + visible {
        sw.offset = at + 1 - visible;
    }
    sw.offset = sw.offset.min(ids.len().saturating_sub(visible));
    let now = Timestamp::now();
    let rows: Vec<Row<'_>> = ids
        .iter()
        .skip(sw.offset)
        .take(visible)
        .filter_map(|id| tasks.get(id))
        .map(|t| {
            let style = if t.record.id == sw.selected {
                TuiStyle::new().add_modifier(Modifier::REVERSED)
            } else {
                status_style(t)
            };
            Row::new(cells(t, sw.marked.contains(&t.record.id), now)).style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(2),
        Constraint::Length(4),
        Constraint::Fill(1),
        Constraint::Length(17),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(7),
    ];
    let filter = if sw.filter.is_empty() {
        String::new()
    } else {
        format!(" /{}", sw.filter)
    };
    let title = format!(" tasks ({}) — {}{} ", ids.len(), sw.status.word(), filter);
    Table::new(rows, widths)
        .header(
            Row::new(["", "ID", "NAME", "STATUS", "AGE", "TIME", "OUTPUT"])
                .style(TuiStyle::new().add_modifier(Modifier::BOLD)),
        )
        .block(Block::new().borders(Borders::ALL).title(title))
        .render(tui(area), buf);
}

fn cells(t: &Task, marked: bool, now: Timestamp) -> [String; 7] {
    let r = &t.record;
    let mark = match (marked, t.unseen) {
        (true, _) => "*",
        (false, true) => "●",
        _ => " ",
    };
    [
        mark.to_string(),
        r.id.to_string(),
        r.label(),
        r.status_text(),
        human_duration(r.started_at.millis_until(now)),
        human_duration(r.duration_ms(now)),
        human_bytes(r.output_bytes),
    ]
}

fn status_style(t: &Task) -> TuiStyle {
    use crate::store::Status;
    match t.record.status {
        Status::Running => TuiStyle::new(),
        Status::Waiting => TuiStyle::new().fg(TuiColor::Yellow),
        Status::Done => TuiStyle::new().fg(TuiColor::Green),
        Status::Failed | Status::Killed => TuiStyle::new().fg(TuiColor::Red),
        Status::Lost => TuiStyle::new().fg(TuiColor::DarkGray),
    }
}

/// Copies a ratatui buffer into the frame, cell by cell.
pub fn copy_buffer(buf: &Buffer, frame: &mut Frame) {
    let area = buf.area;
    let mut skip_to = 0u16;
    for (i, cell) in buf.content().iter().enumerate() {
        let (row, col) = (
            (i / usize::from(area.width)) as u16,
            (i % usize::from(area.width)) as u16,
        );
        if col == 0 {
            skip_to = 0;
        }
        if col < skip_to {
            continue;
        }
        let style = style(cell.fg, cell.bg, cell.modifier);
        let symbol = if cell.symbol().is_empty() {
            " "
        } else {
            cell.symbol()
        };
        let used = frame.put_str(row, col, symbol, &style);
        skip_to = col + used.max(1);
    }
}

/// Converts a ratatui style to ours.
pub fn style(fg: TuiColor, bg: TuiColor, m: Modifier) -> bgmux_term::Style {
    bgmux_term::Style {
        fg: color(fg),
        bg: color(bg),
        bold: m.contains(Modifier::BOLD),
        dim: m.contains(Modifier::DIM),
        italic: m.contains(Modifier::ITALIC),
        reverse: m.contains(Modifier::REVERSED),
        strike: m.contains(Modifier::CROSSED_OUT),
        underline: if m.contains(Modifier::UNDERLINED) {
            bgmux_term::Underline::Single
        } else {
            bgmux_term::Underline::None
        },
        ..bgmux_term::Style::default()
    }
}

fn color(c: TuiColor) -> bgmux_term::Color {
    use bgmux_term::Color::{Default, Indexed, Rgb};
    match c {
        TuiColor::Reset => Default,
        TuiColor::Black => Indexed(0),
        TuiColor::Red => Indexed(1),
        TuiColor::Green => Indexed(2),
        TuiColor::Yellow => Indexed(3),
        TuiColor::Blue => Indexed(4),
        TuiColor::Magenta => Indexed(5),
        TuiColor::Cyan => Indexed(6),
        TuiColor::Gray => Indexed(7),
        TuiColor::DarkGray => Indexed(8),
        TuiColor::LightRed => Indexed(9),
        TuiColor::LightGreen => Indexed(10),
        TuiColor::LightYellow => Indexed(11),
        TuiColor::LightBlue => Indexed(12),
        TuiColor::LightMagenta => Indexed(13),
        TuiColor::LightCyan => Indexed(14),
        TuiColor::White => Indexed(15),
        TuiColor::Indexed(i) => Indexed(i),
        TuiColor::Rgb(r, g, b) => Rgb(r, g, b),
    }
}

/// Draws a task's screen inside the preview box: the rows that end at its
/// cursor (or its last non-blank row) when the box is shorter than the task.
fn draw_preview(task: &Task, preview: Rect, frame: &mut Frame) {
    let inner = Rect {
        row: preview.row + 1,
        col: preview.col + 1,
        rows: preview.rows.saturating_sub(2),
        cols: preview.cols.saturating_sub(2),
    };
    if inner.rows == 0 || inner.cols == 0 {
        return;
    }
    let (trows, tcols) = (task.term.rows(), task.term.cols());
    let mut full = Frame::new(trows, tcols);
    task.term.draw(
        &mut full,
        Rect {
            row: 0,
            col: 0,
            rows: trows,
            cols: tcols,
        },
        0,
    );
    let last = (0..trows)
        .rev()
        .find(|r| !full.row_text(*r).is_empty())
        .unwrap_or(0);
    let bottom = last
        .max(task.term.cursor().row)
        .min(trows.saturating_sub(1));
    let top = (bottom + 1).saturating_sub(inner.rows);
    super::super::render::blit(&full, top, frame, inner);
}
