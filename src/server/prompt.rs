//! The command prompt on the status line (prefix `:` or `/`): a one-line
//! editor (left/right, Home/End, backspace, delete, C-u, C-w, C-a, C-e,
//! C-v for a literal control character, history with up/down, Tab completion of command names and task ids and
//! names) and the slash commands it runs (SPEC §4; the grammar is
//! `crate::slash`).

use clap::CommandFactory;

use super::client::Mode;
use super::keys::Key;
use super::{ConnId, Server};
use crate::protocol::{RunSpec, ServerMsg};
use crate::slash::{self, Slash};

/// How many prompt lines the server remembers (shared by all clients, as
/// tmux's command-prompt history is).
const HISTORY: usize = 100;

/// The line being edited.
#[derive(Debug, Default, Clone)]
pub struct Prompt {
    /// The text, as characters.
    pub text: Vec<char>,
    /// The cursor, in characters.
    pub cursor: usize,
    /// Where up/down is in the history (`None`: the line being typed).
    history_pos: Option<usize>,
    /// The line being typed while browsing history.
    draft: Vec<char>,
    /// C-v was pressed: the next key is inserted as it is (a Tab, a
    /// control character), as in readline's quoted-insert.
    literal: bool,
}

/// What a key did to the prompt.
enum Outcome {
    Edited,
    Submit(String),
    Cancel,
    Complete,
}

impl Prompt {
    /// The line as a string.
    pub fn line(&self) -> String {
        self.text.iter().collect()
    }

    fn insert(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += 1;
    }

    fn set(&mut self, text: Vec<char>) {
        self.cursor = text.len();
        self.text = text;
    }

    fn delete_word(&mut self) {
        let mut start = self.cursor;
        while start > 0 && self.text[start - 1] == ' ' {
            start -= 1;
        }
        while start > 0 && self.text[start - 1] != ' ' {
            start -= 1;
        }
        self.text.drain(start..self.cursor);
        self.cursor = start;
    }

    fn browse(&mut self, history: &[String], older: bool) {
        let pos = match (self.history_pos, older) {
            (None, true) if !history.is_empty() => {
                self.draft = self.text.clone();
                Some(history.len() - 1)
            }
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p + 1 < history.len() => Some(p + 1),
            (Some(_), false) => None,
            (pos, _) => pos,
        };
        self.history_pos = pos;
        match pos {
            Some(p) => self.set(history[p].chars().collect()),
            None => {
                let draft = std::mem::take(&mut self.draft);
                self.set(draft);
            }
        }
    }

    fn key(&mut self, key: Key, history: &[String]) -> Outcome {
        if std::mem::take(&mut self.literal) {
            if let Key::Char(c) = key {
                self.insert(c);
            }
            return Outcome::Edited;
        }
        match key {
            Key::Char('\x16') => self.literal = true,
            Key::Char('\r' | '\n') => return Outcome::Submit(self.line()),
            Key::Named("Escape") | Key::Char('\x03' | '\x07') => return Outcome::Cancel,
            Key::Char('\t') => return Outcome::Complete,
            Key::Char('\x7f' | '\x08') if self.cursor > 0 => {
                self.cursor -= 1;
                self.text.remove(self.cursor);
            }
            Key::Char('\x7f' | '\x08') if self.text.is_empty() => return Outcome::Cancel,
            Key::Named("Delete") | Key::Char('\x04') if self.cursor < self.text.len() => {
                self.text.remove(self.cursor);
            }
            Key::Char('\x15') => {
                self.text.drain(..self.cursor);
                self.cursor = 0;
            }
            Key::Char('\x17') => self.delete_word(),
            Key::Char('\x0b') => self.text.truncate(self.cursor),
            Key::Named("Left") | Key::Char('\x02') => self.cursor = self.cursor.saturating_sub(1),
            Key::Named("Right") | Key::Char('\x06') => {
                self.cursor = (self.cursor + 1).min(self.text.len())
            }
            Key::Named("Home") | Key::Char('\x01') => self.cursor = 0,
            Key::Named("End") | Key::Char('\x05') => self.cursor = self.text.len(),
            Key::Named("Up") | Key::Char('\x10') => self.browse(history, true),
            Key::Named("Down") | Key::Char('\x0e') => self.browse(history, false),
            Key::Char(c) if !c.is_control() => self.insert(c),
            _ => {}
        }
        Outcome::Edited
    }

    /// Tab: completes the word before the cursor with the longest common
    /// prefix of the candidates; returns them when there is a choice.
    fn complete(&mut self, tasks: &[String]) -> Vec<String> {
        let before: String = self.text[..self.cursor].iter().collect();
        let start = before.rfind(' ').map_or(0, |i| i + 1);
        let word = &before[start..];
        let first = !before[..start].contains(|c: char| c != ' ' && c != '/');
        let candidates: Vec<String> = if first {
            let word = word.trim_start_matches('/');
            command_names()
                .into_iter()
                .filter(|n| n.starts_with(word))
                .map(|n| format!("/{n}"))
                .collect()
        } else {
            tasks
                .iter()
                .filter(|t| t.starts_with(word))
                .cloned()
                .collect()
        };
        let Some(common) = common_prefix(&candidates) else {
            return candidates;
        };
        let word_chars = before[start..].chars().count();
        let mut completed: Vec<char> = common.chars().collect();
        if candidates.len() == 1 {
            completed.push(' ');
        }
        let tail: Vec<char> = self.text[self.cursor..].to_vec();
        self.text.truncate(self.cursor - word_chars);
        self.text.extend(completed);
        self.cursor = self.text.len();
        self.text.extend(tail);
        if candidates.len() > 1 {
            candidates
        } else {
            Vec::new()
        }
    }
}

/// Every slash command name and alias.
fn command_names() -> Vec<String> {
    let cmd = Slash::command();
    let mut names = Vec::new();
    for sub in cmd.get_subcommands() {
        names.push(sub.get_name().to_string());
        names.extend(sub.get_all_aliases().map(String::from));
    }
    names.sort();
    names
}

fn common_prefix(words: &[String]) -> Option<String> {
    let first = words.first()?;
    let mut len = first.len();
    for w in &words[1..] {
        len = len.min(
            first
                .bytes()
                .zip(w.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    Some(first[..len].to_string())
}

impl Server {
    /// Prefix `:` or `/`.
    pub(super) fn open_prompt(&mut self, conn: ConnId) {
        if let Some(client) = self.clients.get_mut(&conn) {
            client.mode = Mode::Prompt(Prompt::default());
            client.message = None;
            client.dirty = true;
        }
    }

    /// A key while the prompt is open.
    pub(super) fn prompt_key(&mut self, conn: ConnId, key: Key) {
        let tasks: Vec<String> = self
            .tasks
            .values()
            .flat_map(|t| std::iter::once(t.record.id.to_string()).chain(t.record.name.clone()))
            .collect();
        let history = self.prompt_history.clone();
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let Mode::Prompt(prompt) = &mut client.mode else {
            return;
        };
        match prompt.key(key, &history) {
            Outcome::Edited => {}
            Outcome::Complete => {
                let choices = prompt.complete(&tasks);
                if !choices.is_empty() {
                    client.say(choices.join("  "));
                }
            }
            Outcome::Cancel => client.mode = Mode::Normal,
            Outcome::Submit(line) => {
                client.mode = Mode::Normal;
                client.message = None;
                if line.trim().is_empty() {
                    return;
                }
                self.prompt_history.retain(|l| *l != line);
                self.prompt_history.push(line.clone());
                if self.prompt_history.len() > HISTORY {
                    self.prompt_history.remove(0);
                }
                match slash::parse(&line) {
                    Ok(cmd) => self.run_slash(conn, cmd),
                    Err(e) => self.say(conn, e),
                }
            }
        }
    }

    /// Carries out a slash command for client `conn` (from the prompt or a
    /// key binding).
    pub fn run_slash(&mut self, conn: ConnId, cmd: Slash) {
        match cmd {
            Slash::Bg { text } => self.background_focused(conn, text),
            Slash::Tasks => self.open_switcher(conn),
            Slash::Fg { task } => match self.find_key(&task) {
                Some(id) => self.show(conn, id),
                None => self.say(conn, format!("/fg {task}: no task {task}")),
            },
            Slash::Run { command } => self.slash_run(conn, command),
            Slash::Kill { task } => {
                let id = match task {
                    Some(key) => self.find_key(&key),
                    None => self.clients.get(&conn).map(|c| c.focused_task()),
                };
                match id {
                    Some(id) if self.is_live(id) => self.kill_task(id, None),
                    Some(id) => self.say(conn, format!("task {id} has already ended")),
                    None => self.say(conn, "/kill: no such task".into()),
                }
            }
            Slash::Split { tasks } => {
                let mut ids = Vec::new();
                for key in &tasks {
                    match self.find_key(key) {
                        Some(id) => ids.push(id),
                        None => return self.say(conn, format!("/split: no task {key}")),
                    }
                }
                self.show_tiled(conn, &ids);
            }
            Slash::Rename { name } => self.rename_focused(conn, name),
            Slash::Detach => self.reply(conn, &ServerMsg::Detached("[detached from bgmux]".into())),
            Slash::Help => {
                let help = slash::help();
                let all: Vec<&str> = help
                    .lines()
                    .map(|l| l.split("  ").next().unwrap_or(l).trim_end())
                    .collect();
                self.say(conn, all.join("  "));
            }
        }
    }

    /// The id of the task named by `key` (an id or a name).
    pub fn find_key(&self, key: &str) -> Option<u64> {
        crate::store::find(self.tasks.values().map(|t| &t.record), key).map(|r| r.id)
    }

    fn slash_run(&mut self, conn: ConnId, command: Vec<String>) {
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        let spec = RunSpec {
            argv: command,
            name: None,
            cwd: client.cwd.clone(),
            size: None,
            history_limit: None,
            env: client.env.clone(),
        };
        match self.start_task(&spec) {
            Ok(id) => self.show(conn, id),
            Err((_, e)) => self.say(conn, e),
        }
    }

    fn rename_focused(&mut self, conn: ConnId, name: String) {
        let Some(id) = self.clients.get(&conn).map(|c| c.focused_task()) else {
            return;
        };
        if self
            .tasks
            .values()
            .any(|t| t.record.name.as_deref() == Some(name.as_str()) && t.record.id != id)
        {
            return self.say(conn, format!("a task named {name} exists"));
        }
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        task.record.name = Some(name);
        let record = task.record.clone();
        self.save(&record);
        self.mark_all_dirty();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(p: &mut Prompt, s: &str) {
        for c in s.chars() {
            p.key(Key::Char(c), &[]);
        }
    }

    #[test]
    fn editing_keys() {
        let mut p = Prompt::default();
        typed(&mut p, "fg 12");
        p.key(Key::Named("Left"), &[]);
        p.key(Key::Char('\x7f'), &[]);
        assert_eq!(p.line(), "fg 2");
        p.key(Key::Named("End"), &[]);
        p.key(Key::Char('\x17'), &[]);
        assert_eq!(p.line(), "fg ");
        typed(&mut p, "x y");
        p.key(Key::Named("Left"), &[]);
        p.key(Key::Char('\x17'), &[]);
        assert_eq!(p.line(), "fg y");
        p.key(Key::Named("End"), &[]);
        p.key(Key::Char('\x15'), &[]);
        assert_eq!(p.line(), "");
        assert!(matches!(p.key(Key::Named("Escape"), &[]), Outcome::Cancel));
    }

    #[test]
    fn history_up_and_down_keeps_the_draft() {
        let history = vec!["/tasks".to_string(), "/fg 3".to_string()];
        let mut p = Prompt::default();
        typed(&mut p, "/ki");
        p.key(Key::Named("Up"), &history);
        assert_eq!(p.line(), "/fg 3");
        p.key(Key::Named("Up"), &history);
        assert_eq!(p.line(), "/tasks");
        p.key(Key::Named("Down"), &history);
        p.key(Key::Named("Down"), &history);
        assert_eq!(p.line(), "/ki");
    }

    #[test]
    fn tab_completes_commands_then_tasks() {
        let mut p = Prompt::default();
        typed(&mut p, "/ta");
        assert!(p.complete(&[]).is_empty());
        assert_eq!(p.line(), "/tasks ");
        let mut p = Prompt::default();
        typed(&mut p, "/fg bu");
        let tasks = vec!["1".to_string(), "build".to_string(), "2".to_string()];
        p.complete(&tasks);
        assert_eq!(p.line(), "/fg build ");
        let mut p = Prompt::default();
        typed(&mut p, "/r");
        let choices = p.complete(&[]);
        assert_eq!(choices, vec!["/rename", "/run"]);
        assert_eq!(p.line(), "/r");
    }
}
