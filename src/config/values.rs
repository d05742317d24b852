//! The config file's value types that need more than serde's defaults: key
//! names (checked against `keyname`'s grammar), the prefix (one byte),
//! bindings (slash commands, checked by `slash::parse`), sizes in bytes
//! (`1GiB`, `500MB`), row counts, on/off switches and the status-line
//! position. Each
//! validates while deserializing, so a bad value's error carries the toml
//! span of the value itself, and so its line.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::slash::{self, Slash};

/// A key name such as `C-b`, `M-x`, `F5`, `Up` or `t`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyName(pub String);

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyName, D::Error> {
        let name = String::deserialize(d)?;
        if crate::keyname::encode(&name, false).is_none() {
            return Err(de::Error::custom(format!(
                "bad key name {name:?} (expected a key such as C-b, M-x, F5, Up, Enter or one character)"
            )));
        }
        Ok(KeyName(name))
    }
}

/// The prefix: a key that the terminal sends as one byte, because the
/// server's key state machine (`server/keys.rs`) watches for one byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    /// As written in the file.
    pub name: String,
    /// What the terminal sends.
    pub byte: u8,
}

impl Default for Prefix {
    fn default() -> Prefix {
        Prefix {
            name: "C-b".into(),
            byte: 0x02,
        }
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Prefix, D::Error> {
        let KeyName(name) = KeyName::deserialize(d)?;
        match crate::keyname::encode(&name, false).as_deref() {
            Some(&[byte]) => Ok(Prefix { name, byte }),
            _ => Err(de::Error::custom(format!(
                "{name:?} is not a single-byte key: use one such as C-a or C-b"
            ))),
        }
    }
}

/// A key binding's slash command, as written and as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The line, as written (`/bg make`).
    pub line: String,
    /// What it parses to.
    pub command: Slash,
}

impl<'de> Deserialize<'de> for Binding {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Binding, D::Error> {
        let line = String::deserialize(d)?;
        let command = slash::parse(&line).map_err(de::Error::custom)?;
        Ok(Binding { line, command })
    }
}

/// Where the status line goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusPosition {
    /// The top row.
    Top,
    /// The bottom row (the default).
    Bottom,
}

/// A size in bytes: an integer, or a string with a unit (`500MB`, `1GiB`,
/// `64K`). `KB`/`MB`/`GB`/`TB` are powers of 1000; `K`/`M`/`G`/`T` and
/// `KiB`/`MiB`/`GiB`/`TiB` are powers of 1024, as in `ls -h` and tmux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteSize, D::Error> {
        d.deserialize_any(ByteSizeVisitor)
    }
}

struct ByteSizeVisitor;

impl Visitor<'_> for ByteSizeVisitor {
    type Value = ByteSize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a size in bytes, such as 1073741824 or \"1GiB\"")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
        u64::try_from(v)
            .map_err(|_| E::custom("a size cannot be negative"))
            .and_then(|v| self.visit_u64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
        if v == 0 {
            return Err(E::custom("a size must be more than 0 bytes"));
        }
        Ok(ByteSize(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
        parse_size(v)
            .map_err(E::custom)
            .and_then(|v| self.visit_u64(v))
    }
}

/// Parses `500MB`, `1 GiB`, `64k` or `4096`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "invalid size {text:?}: expected bytes or a number with a unit such as 500MB or 1GiB"
        )
    };
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let unit = unit.trim().to_ascii_lowercase();
    let scale: u64 = match unit.as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        _ => return Err(bad()),
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("size {text:?} is too large"))
}

/// A count of rows (`history-limit`), with an error that says so rather
/// than serde's "expected usize".
pub fn rows<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    d.deserialize_any(Rows)
}

struct Rows;

impl Visitor<'_> for Rows {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number of rows, such as 10000")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        usize::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<usize, E> {
        usize::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
}

/// A switch: `true`/`false`, or tmux's `"on"`/`"off"`.
pub fn on_off<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_any(OnOff)
}

struct OnOff;

impl Visitor<'_> for OnOff {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("true, false, \"on\" or \"off\"")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v {
            "on" => Ok(true),
            "off" => Ok(false),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}
