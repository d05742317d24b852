//! Named keys for `bgmux send --keys` and key bindings: `Enter`, `Tab`,
//! `Escape`, `Space`, `BSpace`, `Up`…`Right`, `Home`, `End`, `PageUp`,
//! `PageDown`, `Insert`, `Delete`, `F1`…`F12`, `C-x` (control), `M-x` (meta:
//! ESC first), and any single character. The encodings are xterm's (xterm
//! ctlseqs, "PC-Style Function Keys"), with the cursor keys following DECCKM.

/// Encodes one key name into the bytes a terminal would send, or `None` if
/// the name is unknown. `app_cursor` is the task's DECCKM state.
pub fn encode(name: &str, app_cursor: bool) -> Option<Vec<u8>> {
    if let Some(rest) = name.strip_prefix("M-").filter(|r| !r.is_empty()) {
        let mut out = vec![0x1b];
        out.extend(encode(rest, app_cursor)?);
        return Some(out);
    }
    if let Some(rest) = name
        .strip_prefix("C-")
        .or_else(|| name.strip_prefix("^"))
        .filter(|r| !r.is_empty())
    {
        return control(rest).map(|b| vec![b]);
    }
    let cursor = |c: u8| {
        if app_cursor {
            vec![0x1b, b'O', c]
        } else {
            vec![0x1b, b'[', c]
        }
    };
    let fixed: &[u8] = match name {
        "Enter" | "CR" => b"\r",
        "Tab" => b"\t",
        "BTab" => b"\x1b[Z",
        "Escape" | "Esc" => b"\x1b",
        "Space" => b" ",
        "BSpace" | "Backspace" => b"\x7f",
        "Up" => return Some(cursor(b'A')),
        "Down" => return Some(cursor(b'B')),
        "Right" => return Some(cursor(b'C')),
        "Left" => return Some(cursor(b'D')),
        "Home" => return Some(cursor(b'H')),
        "End" => return Some(cursor(b'F')),
        "PageUp" | "PgUp" | "PPage" => b"\x1b[5~",
        "PageDown" | "PgDn" | "NPage" => b"\x1b[6~",
        "Insert" | "IC" => b"\x1b[2~",
        "Delete" | "DC" => b"\x1b[3~",
        _ => return function_key(name).or_else(|| single_char(name)),
    };
    Some(fixed.to_vec())
}

fn control(key: &str) -> Option<u8> {
    let mut chars = key.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return match key {
            "Space" => Some(0),
            _ => None,
        };
    }
    match c.to_ascii_lowercase() {
        c @ 'a'..='z' => Some(c as u8 - b'a' + 1),
        '@' | ' ' | '2' => Some(0),
        '[' | '3' => Some(0x1b),
        '\\' | '4' => Some(0x1c),
        ']' | '5' => Some(0x1d),
        '^' | '6' => Some(0x1e),
        '_' | '7' | '/' => Some(0x1f),
        '?' | '8' => Some(0x7f),
        _ => None,
    }
}

fn function_key(name: &str) -> Option<Vec<u8>> {
    let n: u8 = name.strip_prefix('F')?.parse().ok()?;
    let seq: &[u8] = match n {
        1 => b"\x1bOP",
        2 => b"\x1bOQ",
        3 => b"\x1bOR",
        4 => b"\x1bOS",
        5 => b"\x1b[15~",
        6 => b"\x1b[17~",
        7 => b"\x1b[18~",
        8 => b"\x1b[19~",
        9 => b"\x1b[20~",
        10 => b"\x1b[21~",
        11 => b"\x1b[23~",
        12 => b"\x1b[24~",
        _ => return None,
    };
    Some(seq.to_vec())
}

fn single_char(name: &str) -> Option<Vec<u8>> {
    let mut chars = name.chars();
    let c = chars.next()?;
    chars.next().is_none().then(|| c.to_string().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn keys_encode_like_xterm() {
        assert_eq!(encode("Enter", false).unwrap(), b"\r");
        assert_eq!(encode("C-c", false).unwrap(), b"\x03");
        assert_eq!(encode("C-b", false).unwrap(), b"\x02");
        assert_eq!(encode("Up", false).unwrap(), b"\x1b[A");
        assert_eq!(encode("Up", true).unwrap(), b"\x1bOA");
        assert_eq!(encode("M-x", false).unwrap(), b"\x1bx");
        assert_eq!(encode("F5", false).unwrap(), b"\x1b[15~");
        assert_eq!(encode("q", false).unwrap(), b"q");
        assert_eq!(encode("é", false).unwrap(), "é".as_bytes());
        assert_eq!(encode("Nope", false), None);
        assert_eq!(encode("C-Nope", false), None);
    }
}
