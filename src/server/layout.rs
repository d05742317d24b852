//! A view's layout: a tree of splits whose leaves are panes showing tasks,
//! and the geometry that turns it into rectangles for a given screen area.
//! No I/O and no task state here: the client module decides what to show,
//! this module only decides where.
//!
//! With more than one pane, every pane has a title row on top (id, name,
//! status) and side-by-side panes are separated by a one-column rule; the
//! title row of a lower pane doubles as the rule above it, so a split costs
//! one row or one column:
//!
//! ```text
//!  ─ 1 build ─ running ──────┬─ 2 server ─ running ─────
//!  $ cargo build             │ listening on :8080
//!     Compiling foo          │
//!  ─ 3 tests ─ failed (101) ─┴──────────────────────────
//!  test result: FAILED
//! ```

use bgmux_term::Rect;

/// Which way a split divides its area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Children side by side, left to right (tmux `%`).
    Across,
    /// Children on top of each other (tmux `"`).
    Down,
}

/// A node of the layout tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A pane showing a task.
    Pane(u64),
    /// Children sharing an area by weight.
    Split {
        /// Which way.
        dir: Dir,
        /// Children and their weights (relative sizes).
        children: Vec<(Node, u32)>,
    },
}

/// Where a pane goes on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// The task shown.
    pub task: u64,
    /// Its index in pane order.
    pub index: usize,
    /// The whole pane including its title row.
    pub outer: Rect,
    /// The content area (the task's pty size).
    pub inner: Rect,
}

/// Weight of a new child.
const UNIT: u32 = 1000;

/// The smallest content a pane may have.
pub const MIN_COLS: u16 = 2;
/// The smallest content a pane may have.
pub const MIN_ROWS: u16 = 1;

impl Node {
    /// The tasks of every pane, in order (left to right, top to bottom).
    pub fn tasks(&self) -> Vec<u64> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    /// Does a pane show `task`? (No allocation: asked for every batch of
    /// output, once per client.)
    pub fn contains(&self, task: u64) -> bool {
        match self {
            Node::Pane(t) => *t == task,
            Node::Split { children, .. } => children.iter().any(|(c, _)| c.contains(task)),
        }
    }

    fn collect(&self, out: &mut Vec<u64>) {
        match self {
            Node::Pane(task) => out.push(*task),
            Node::Split { children, .. } => children.iter().for_each(|(c, _)| c.collect(out)),
        }
    }

    /// How many panes.
    pub fn len(&self) -> usize {
        match self {
            Node::Pane(_) => 1,
            Node::Split { children, .. } => children.iter().map(|(c, _)| c.len()).sum(),
        }
    }

    /// The pane at `index`, mutably.
    fn pane_mut(&mut self, index: usize) -> Option<&mut Node> {
        let mut seen = 0;
        self.find_mut(index, &mut seen)
    }

    fn find_mut(&mut self, index: usize, seen: &mut usize) -> Option<&mut Node> {
        match self {
            Node::Pane(_) => {
                *seen += 1;
                (*seen - 1 == index).then_some(self)
            }
            Node::Split { children, .. } => children
                .iter_mut()
                .find_map(|(c, _)| c.find_mut(index, seen)),
        }
    }

    /// Shows `task` in pane `index`.
    pub fn set_task(&mut self, index: usize, task: u64) {
        if let Some(node) = self.pane_mut(index) {
            *node = Node::Pane(task);
        }
    }

    /// Splits pane `index` in `dir`, the new pane (showing `task`) after it.
    pub fn split(&mut self, index: usize, dir: Dir, task: u64) {
        let Some(node) = self.pane_mut(index) else {
            return;
        };
        let old = std::mem::replace(node, Node::Pane(task));
        *node = Node::Split {
            dir,
            children: vec![(old, UNIT), (Node::Pane(task), UNIT)],
        };
        self.normalize();
    }

    /// Removes pane `index`; `None` if it was the last one.
    pub fn remove(mut self, index: usize) -> Option<Node> {
        if matches!(self, Node::Pane(_)) {
            return None;
        }
        let mut seen = 0;
        self.remove_at(index, &mut seen);
        self.normalize();
        Some(self)
    }

    fn remove_at(&mut self, index: usize, seen: &mut usize) -> bool {
        let Node::Split { children, .. } = self else {
            return false;
        };
        for i in 0..children.len() {
            if let Node::Pane(_) = children[i].0 {
                if *seen == index {
                    children.remove(i);
                    return true;
                }
                *seen += 1;
            } else if children[i].0.remove_at(index, seen) {
                return true;
            }
        }
        false
    }

    /// Replaces splits left with one child by that child.
    fn normalize(&mut self) {
        if let Node::Split { children, .. } = self {
            for (child, _) in children.iter_mut() {
                child.normalize();
            }
            if children.len() == 1 {
                let (only, _) = children.remove(0);
                *self = only;
            }
        }
    }

    /// Swaps the tasks of panes `a` and `b`.
    pub fn swap(&mut self, a: usize, b: usize) {
        let tasks = self.tasks();
        if let (Some(&ta), Some(&tb)) = (tasks.get(a), tasks.get(b)) {
            self.set_task(a, tb);
            self.set_task(b, ta);
        }
    }

    /// Grows (or shrinks, with a negative `delta` in cells) pane `index`
    /// along `dir`, taking from its neighbour in the nearest split of that
    /// direction. Returns false if there is no such split.
    pub fn resize(&mut self, index: usize, dir: Dir, delta: i32) -> bool {
        let mut seen = 0;
        self.resize_at(index, dir, delta, &mut seen)
            .unwrap_or(false)
    }

    fn resize_at(&mut self, index: usize, dir: Dir, delta: i32, seen: &mut usize) -> Option<bool> {
        let Node::Split { dir: d, children } = self else {
            *seen += 1;
            return (*seen - 1 == index).then_some(false);
        };
        let d = *d;
        for i in 0..children.len() {
            let Some(done) = children[i].0.resize_at(index, dir, delta, seen) else {
                continue;
            };
            if done || d != dir || children.len() < 2 {
                return Some(done);
            }
            let j = if i + 1 < children.len() { i + 1 } else { i - 1 };
            let step = delta.unsigned_abs() * 40;
            let (grow, shrink) = if delta > 0 { (i, j) } else { (j, i) };
            let taken = step.min(children[shrink].1.saturating_sub(100));
            children[shrink].1 -= taken;
            children[grow].1 += taken;
            return Some(true);
        }
        None
    }

    /// An even grid of `tasks` (2 side by side, 3–4 as 2×2, then the
    /// closest even grid), rows top to bottom.
    pub fn tiled(tasks: &[u64]) -> Option<Node> {
        let n = tasks.len();
        if n == 0 {
            return None;
        }
        let cols = (1..=n).find(|c| c * c >= n).unwrap_or(n);
        let rows: Vec<Node> = tasks
            .chunks(cols)
            .map(|row| {
                let panes: Vec<(Node, u32)> = row.iter().map(|t| (Node::Pane(*t), UNIT)).collect();
                if panes.len() == 1 {
                    Node::Pane(row[0])
                } else {
                    Node::Split {
                        dir: Dir::Across,
                        children: panes,
                    }
                }
            })
            .collect();
        Some(if rows.len() == 1 {
            rows.into_iter().next()?
        } else {
            Node::Split {
                dir: Dir::Down,
                children: rows.into_iter().map(|r| (r, UNIT)).collect(),
            }
        })
    }

    /// Places every pane in `area`. A lone pane gets the whole area with no
    /// title row; otherwise each pane has a title row.
    pub fn place(&self, area: Rect) -> Vec<Placed> {
        let mut out = Vec::new();
        if let Node::Pane(task) = self {
            out.push(Placed {
                task: *task,
                index: 0,
                outer: area,
                inner: area,
            });
            return out;
        }
        self.place_in(area, &mut out);
        out
    }

    fn place_in(&self, area: Rect, out: &mut Vec<Placed>) {
        match self {
            Node::Pane(task) => {
                let inner = Rect {
                    row: area.row + 1,
                    rows: area.rows.saturating_sub(1),
                    ..area
                };
                out.push(Placed {
                    task: *task,
                    index: out.len(),
                    outer: area,
                    inner,
                });
            }
            Node::Split { dir, children } => {
                let total = match dir {
                    Dir::Across => area.cols.saturating_sub(children.len() as u16 - 1),
                    Dir::Down => area.rows,
                };
                let sizes = shares(total, children.iter().map(|(_, w)| *w));
                let mut at = 0u16;
                for ((child, _), size) in children.iter().zip(sizes) {
                    let rect = match dir {
                        Dir::Across => Rect {
                            col: area.col + at,
                            cols: size,
                            ..area
                        },
                        Dir::Down => Rect {
                            row: area.row + at,
                            rows: size,
                            ..area
                        },
                    };
                    child.place_in(rect, out);
                    at += size + u16::from(*dir == Dir::Across);
                }
            }
        }
    }
}

/// Splits `total` cells by `weights`, rounding so the sizes add up.
fn shares(total: u16, weights: impl Iterator<Item = u32> + Clone) -> Vec<u16> {
    let sum: u64 = weights.clone().map(u64::from).sum::<u64>().max(1);
    let mut acc = 0u64;
    let mut prev = 0u16;
    weights
        .map(|w| {
            acc += u64::from(w);
            let end = (u64::from(total) * acc / sum) as u16;
            let size = end - prev;
            prev = end;
            size
        })
        .collect()
}

/// Does every pane have at least the minimum content size?
pub fn fits(placed: &[Placed]) -> bool {
    placed
        .iter()
        .all(|p| p.inner.cols >= MIN_COLS && p.inner.rows >= MIN_ROWS)
}

/// The pane next to `from` in a direction (`dx`, `dy` of -1, 0 or 1): the
/// nearest pane whose edge touches that side, preferring overlap with the
/// current pane's span.
pub fn neighbour(placed: &[Placed], from: usize, dx: i32, dy: i32) -> Option<usize> {
    let cur = placed.get(from)?.outer;
    let (c0, c1) = (i32::from(cur.col), i32::from(cur.col + cur.cols));
    let (r0, r1) = (i32::from(cur.row), i32::from(cur.row + cur.rows));
    placed
        .iter()
        .filter(|p| p.index != from)
        .filter_map(|p| {
            let o = p.outer;
            let (oc0, oc1) = (i32::from(o.col), i32::from(o.col + o.cols));
            let (or0, or1) = (i32::from(o.row), i32::from(o.row + o.rows));
            let (gap, overlap) = match (dx, dy) {
                (1, 0) => (oc0 - c1, r1.min(or1) - r0.max(or0)),
                (-1, 0) => (c0 - oc1, r1.min(or1) - r0.max(or0)),
                (0, 1) => (or0 - r1, c1.min(oc1) - c0.max(oc0)),
                _ => (r0 - or1, c1.min(oc1) - c0.max(oc0)),
            };
            (gap >= 0 && overlap > 0).then_some((gap, -overlap, p.index))
        })
        .min()
        .map(|(_, _, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(cols: u16, rows: u16) -> Rect {
        Rect {
            row: 0,
            col: 0,
            rows,
            cols,
        }
    }

    #[test]
    fn a_lone_pane_takes_the_whole_area() {
        let p = Node::Pane(7).place(area(80, 23));
        assert_eq!(
            p,
            vec![Placed {
                task: 7,
                index: 0,
                outer: area(80, 23),
                inner: area(80, 23)
            }]
        );
    }

    #[test]
    fn side_by_side_splits_share_the_width_around_a_rule() {
        let mut n = Node::Pane(1);
        n.split(0, Dir::Across, 2);
        let p = n.place(area(81, 24));
        assert_eq!(n.tasks(), vec![1, 2]);
        assert_eq!((p[0].outer.col, p[0].outer.cols), (0, 40));
        assert_eq!((p[1].outer.col, p[1].outer.cols), (41, 40));
        assert_eq!(
            (p[0].inner.row, p[0].inner.rows),
            (1, 23),
            "a title row on top"
        );
    }

    #[test]
    fn top_bottom_splits_share_the_height() {
        let mut n = Node::Pane(1);
        n.split(0, Dir::Down, 2);
        n.split(1, Dir::Across, 3);
        assert_eq!(n.tasks(), vec![1, 2, 3]);
        assert!(n.contains(1) && n.contains(2) && n.contains(3) && !n.contains(4));
        let p = n.place(area(80, 24));
        assert_eq!((p[0].outer.row, p[0].outer.rows), (0, 12));
        assert_eq!((p[1].outer.row, p[2].outer.row), (12, 12));
        assert_eq!(p[1].outer.cols + p[2].outer.cols + 1, 80);
        assert!(matches!(neighbour(&p, 0, 0, 1), Some(1 | 2)));
        assert_eq!(neighbour(&p, 1, 1, 0), Some(2));
        assert_eq!(neighbour(&p, 2, 0, -1), Some(0));
        assert_eq!(neighbour(&p, 0, -1, 0), None);
    }

    #[test]
    fn tiling_makes_an_even_grid() {
        let two = Node::tiled(&[1, 2]).unwrap();
        assert!(matches!(
            two,
            Node::Split {
                dir: Dir::Across,
                ..
            }
        ));
        let three = Node::tiled(&[1, 2, 3]).unwrap();
        let p = three.place(area(80, 24));
        assert_eq!(p.len(), 3);
        assert_eq!(p[2].outer.cols, 80, "the odd one out spans the row");
        let five = Node::tiled(&[1, 2, 3, 4, 5]).unwrap();
        assert_eq!(
            five.place(area(90, 30))
                .iter()
                .filter(|p| p.outer.row == 0)
                .count(),
            3
        );
    }

    #[test]
    fn removing_and_swapping_panes() {
        let mut n = Node::tiled(&[1, 2, 3, 4]).unwrap();
        n.swap(0, 3);
        assert_eq!(n.tasks(), vec![4, 2, 3, 1]);
        let n = n.remove(1).unwrap();
        assert_eq!(n.tasks(), vec![4, 3, 1]);
        let n = n.remove(0).unwrap().remove(0).unwrap();
        assert_eq!(n, Node::Pane(1));
        assert_eq!(n.remove(0), None);
    }

    #[test]
    fn tiny_panes_do_not_fit_and_resizing_moves_the_rule() {
        let mut n = Node::Pane(1);
        n.split(0, Dir::Across, 2);
        assert!(!fits(&n.place(area(4, 5))));
        assert!(fits(&n.place(area(80, 24))));
        assert!(n.resize(0, Dir::Across, 5));
        let p = n.place(area(81, 24));
        assert!(p[0].outer.cols > 40, "{p:?}");
        assert!(!n.resize(0, Dir::Down, 5), "no top/bottom split to resize");
    }
}
