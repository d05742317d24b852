//! The attached client's input as the server sees it: raw bytes pass
//! through to the focused task untouched, except the prefix key (C-b by
//! default) and the key after it, which become [`Action`]s. Bracketed paste
//! (xterm ctlseqs, mode 2004: `ESC [ 200 ~` … `ESC [ 201 ~`) is passed through
//! whole, so a pasted C-b is text, not a prefix.

/// What the input asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Bytes for the focused task.
    Forward(Vec<u8>),
    /// A key pressed after the prefix.
    Prefixed(Key),
    /// A mouse report.
    Mouse(super::mouse::MouseEvent),
}

/// A key after the prefix: a character, a control byte, or a named key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A plain character (or control byte as a char).
    Char(char),
    /// An arrow or other escape-sequence key, by xterm name.
    Named(&'static str),
    /// An escape sequence we do not name.
    Other(Vec<u8>),
    /// A mouse report (in an overlay mode).
    Mouse(super::mouse::MouseEvent),
}

impl Key {
    /// The bytes a terminal sends for this key, to match it against key
    /// names from the config (`keyname` encodes those the same way).
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Key::Char(c) => c.to_string().into_bytes(),
            Key::Named(name) => crate::keyname::encode(name, false).unwrap_or_default(),
            Key::Other(bytes) => bytes.clone(),
            Key::Mouse(_) => Vec::new(),
        }
    }
}

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// The input state of one attached client.
#[derive(Debug)]
pub struct Keys {
    prefix: u8,
    after_prefix: bool,
    in_paste: bool,
    /// Bytes of an incomplete escape sequence after the prefix.
    partial: Vec<u8>,
}

impl Keys {
    /// A state machine for `prefix` (a control byte such as 0x02).
    pub fn new(prefix: u8) -> Keys {
        Keys {
            prefix,
            after_prefix: false,
            in_paste: false,
            partial: Vec::new(),
        }
    }

    /// The prefix byte.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Changes the prefix (`config reload`); a half-typed prefixed key is
    /// finished under the old one.
    pub fn set_prefix(&mut self, prefix: u8) {
        self.prefix = prefix;
    }

    /// Is the next key the one after the prefix?
    #[cfg(test)]
    pub fn after_prefix(&self) -> bool {
        self.after_prefix
    }

    /// Splits `input` into actions.
    #[cfg(test)]
    pub fn feed(&mut self, mut input: &[u8]) -> Vec<Action> {
        let mut all = Vec::new();
        while !input.is_empty() {
            let (actions, used) = self.feed_until(input);
            all.extend(actions);
            input = &input[used..];
        }
        all
    }

    /// Splits the start of `input` into actions, stopping after the first
    /// prefixed key or mouse report (either may open an overlay that the
    /// rest of the input is for); returns the actions and the bytes used.
    pub fn feed_until(&mut self, input: &[u8]) -> (Vec<Action>, usize) {
        let mut actions = Vec::new();
        let mut run = Vec::new();
        let mut i = 0;
        while i < input.len() {
            if self.after_prefix {
                self.partial.push(input[i]);
                i += 1;
                if let Some(key) = parse_key(&self.partial) {
                    self.partial.clear();
                    self.after_prefix = false;
                    flush(&mut run, &mut actions);
                    actions.push(Action::Prefixed(key));
                    return (actions, i);
                }
                continue;
            }
            if self.in_paste {
                if input[i..].starts_with(PASTE_END) {
                    self.in_paste = false;
                    run.extend_from_slice(PASTE_END);
                    i += PASTE_END.len();
                } else {
                    run.push(input[i]);
                    i += 1;
                }
                continue;
            }
            if input[i..].starts_with(PASTE_START) {
                self.in_paste = true;
                run.extend_from_slice(PASTE_START);
                i += PASTE_START.len();
                continue;
            }
            if input[i] == self.prefix {
                self.after_prefix = true;
                i += 1;
                continue;
            }
            if let Some((ev, len)) = super::mouse::parse(&input[i..]) {
                flush(&mut run, &mut actions);
                actions.push(Action::Mouse(ev));
                return (actions, i + len);
            }
            run.push(input[i]);
            i += 1;
        }
        flush(&mut run, &mut actions);
        (actions, i)
    }
}

fn flush(run: &mut Vec<u8>, actions: &mut Vec<Action>) {
    if !run.is_empty() {
        actions.push(Action::Forward(std::mem::take(run)));
    }
}

/// Splits input in an overlay mode into keys. A lone ESC at the end of a
/// read is the Escape key (terminals send a whole sequence in one write).
#[cfg(test)]
pub fn parse_keys(mut input: &[u8]) -> Vec<Key> {
    let mut keys = Vec::new();
    while !input.is_empty() {
        let (key, used) = parse_one(input);
        keys.push(key);
        input = &input[used..];
    }
    keys
}

/// The first key of non-empty `input` in an overlay mode, and its length.
pub fn parse_one(input: &[u8]) -> (Key, usize) {
    if let Some((ev, len)) = super::mouse::parse(input) {
        return (Key::Mouse(ev), len);
    }
    let key = (1..=input.len()).find_map(|end| {
        let chunk = &input[..end];
        if chunk == b"\x1b" && end < input.len() && !matches!(input[end], b'[' | b'O') {
            return Some((Key::Named("Escape"), end));
        }
        parse_key(chunk).map(|k| (k, end))
    });
    key.unwrap_or_else(|| match input {
        [0x1b] => (Key::Named("Escape"), 1),
        rest => (Key::Other(rest.to_vec()), rest.len()),
    })
}

/// Parses one complete key from `bytes`, or `None` if more bytes are needed.
fn parse_key(bytes: &[u8]) -> Option<Key> {
    match bytes {
        [] => None,
        [0x1b] => None,
        [0x1b, b'[' | b'O', rest @ ..] => {
            let last = *rest.last()?;
            if !(0x40..=0x7e).contains(&last) || rest.len() > 16 {
                return if rest.len() > 16 {
                    Some(Key::Other(bytes.to_vec()))
                } else {
                    None
                };
            }
            Some(named(rest).map_or_else(|| Key::Other(bytes.to_vec()), Key::Named))
        }
        [0x1b, _] => Some(Key::Other(bytes.to_vec())),
        [b] if *b < 0x80 => Some(Key::Char(*b as char)),
        _ => match std::str::from_utf8(bytes) {
            Ok(s) => s.chars().next().map(Key::Char),
            Err(e) if e.error_len().is_none() && bytes.len() < 4 => None,
            Err(_) => Some(Key::Other(bytes.to_vec())),
        },
    }
}

/// Names the CSI/SS3 keys the prefix table uses (xterm ctlseqs, "PC-Style
/// Function Keys"; `1;5A` is Control + Up).
fn named(rest: &[u8]) -> Option<&'static str> {
    Some(match rest {
        b"A" => "Up",
        b"B" => "Down",
        b"C" => "Right",
        b"D" => "Left",
        b"1;5A" => "C-Up",
        b"1;5B" => "C-Down",
        b"1;5C" => "C-Right",
        b"1;5D" => "C-Left",
        b"5~" => "PageUp",
        b"6~" => "PageDown",
        b"H" | b"1~" | b"7~" => "Home",
        b"F" | b"4~" | b"8~" => "End",
        b"3~" => "Delete",
        b"Z" => "BTab",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fwd(s: &[u8]) -> Action {
        Action::Forward(s.to_vec())
    }

    #[test]
    fn plain_input_passes_through() {
        let mut k = Keys::new(0x02);
        assert_eq!(k.feed(b"ls -l\r"), vec![fwd(b"ls -l\r")]);
    }

    #[test]
    fn prefix_then_key_is_an_action_even_split_across_reads() {
        let mut k = Keys::new(0x02);
        assert_eq!(
            k.feed(b"ab\x02d"),
            vec![fwd(b"ab"), Action::Prefixed(Key::Char('d'))]
        );
        assert_eq!(k.feed(b"\x02"), vec![]);
        assert!(k.after_prefix());
        assert_eq!(k.feed(b"\x1b["), vec![]);
        assert_eq!(k.feed(b"A"), vec![Action::Prefixed(Key::Named("Up"))]);
        assert_eq!(
            k.feed(b"\x02\x02"),
            vec![Action::Prefixed(Key::Char('\x02'))]
        );
    }

    #[test]
    fn overlay_keys_parse_escape_arrows_and_text() {
        let keys = parse_keys(b"a\x1b[A\x1b\x7f\x1b[3~\x1b");
        assert_eq!(
            keys,
            vec![
                Key::Char('a'),
                Key::Named("Up"),
                Key::Named("Escape"),
                Key::Char('\x7f'),
                Key::Named("Delete"),
                Key::Named("Escape")
            ]
        );
    }

    #[test]
    fn keys_give_back_the_bytes_of_their_names() {
        for name in ["t", "C-a", "M-x", "F5", "Up", "PageUp", "é"] {
            let bytes = crate::keyname::encode(name, false).unwrap();
            let mut k = Keys::new(0x02);
            let mut input = vec![0x02];
            input.extend(&bytes);
            match &k.feed(&input)[..] {
                [Action::Prefixed(key)] => assert_eq!(key.bytes(), bytes, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn pasted_prefix_is_text() {
        let mut k = Keys::new(0x02);
        assert_eq!(
            k.feed(b"\x1b[200~a\x02d\x1b[201~\x02c"),
            vec![
                fwd(b"\x1b[200~a\x02d\x1b[201~"),
                Action::Prefixed(Key::Char('c'))
            ]
        );
    }
}
