//! The line index of a task's log: where every Nth line starts, so that a
//! reader reaches line k of a 1 GB log by one seek and a short scan instead
//! of a replay of the whole file.
//!
//! Lines are numbered from 0 over the task's whole output: line k starts
//! right after the k-th `\n` (absolute numbers stay valid when `log-limit`
//! drops old segments). The server appends entries as it writes the log
//! (one extra `write(2)` per pty read that crosses an entry, none
//! otherwise); `tasks/7.idx` is a flat array of 16-byte records:
//!
//! ```text
//!   +-----------------+----------------------------------------+
//!   | line: u64 LE    | offset: u64 LE (bit 63: segment mark)  |
//!   +-----------------+----------------------------------------+
//!   line entry:    line `line` starts at absolute byte `offset`
//!   segment mark:  exactly `line` newlines precede `offset`, where a
//!                  segment starts (maybe mid-line); it numbers the first
//!                  line of a log whose older segments were dropped
//! ```
//!
//! An entry is written every [`EVERY_LINES`] lines, or at the first line
//! start [`EVERY_BYTES`] past the previous entry, whichever comes first, so
//! that the lines between two entries are few *and* short. The index is a
//! hint: readers check it against the log and rebuild it in memory from the
//! log when it is missing, stale or wrong (a `kill -9` of the server may
//! lose the last entries; a log truncated behind our back invalidates
//! them). This file owns the format and the incremental scan; it does no I/O.

/// Lines between two entries, at most.
pub const EVERY_LINES: u64 = 1024;
/// Bytes between two entries, at most (plus the line that crosses it).
pub const EVERY_BYTES: u64 = 1 << 20;
/// Bytes of one record.
pub const RECORD: usize = 16;
const MARK: u64 = 1 << 63;

/// One index entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Newlines before `offset`.
    pub line: u64,
    /// Absolute byte offset.
    pub offset: u64,
    /// A segment start (maybe mid-line) rather than a line start.
    pub mark: bool,
}

/// Appends the records of `entries` to `out`.
pub fn encode(entries: &[Entry], out: &mut Vec<u8>) {
    for e in entries {
        out.extend_from_slice(&e.line.to_le_bytes());
        out.extend_from_slice(&(e.offset | if e.mark { MARK } else { 0 }).to_le_bytes());
    }
}

/// Decodes records, ignoring a trailing partial one (a write cut short).
pub fn decode(bytes: &[u8]) -> Vec<Entry> {
    bytes
        .chunks_exact(RECORD)
        .map(|r| {
            let (line, offset) = r.split_at(8);
            let line = u64::from_le_bytes(line.try_into().unwrap_or_default());
            let offset = u64::from_le_bytes(offset.try_into().unwrap_or_default());
            Entry {
                line,
                offset: offset & !MARK,
                mark: offset & MARK != 0,
            }
        })
        .collect()
}

/// Counts lines in bytes as they stream past and says where entries fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indexer {
    /// Newlines seen so far (the number of the line being written).
    pub lines: u64,
    /// Absolute offset of the next byte.
    pub offset: u64,
    last_line: u64,
    last_offset: u64,
}

impl Indexer {
    /// Starts at `offset`, where `lines` newlines precede.
    pub fn at(lines: u64, offset: u64) -> Indexer {
        Indexer {
            lines,
            offset,
            last_line: lines,
            last_offset: offset,
        }
    }

    /// Scans the next bytes of the log, pushing the entries they complete.
    pub fn scan(&mut self, data: &[u8], out: &mut Vec<Entry>) {
        for pos in memchr::memchr_iter(b'\n', data) {
            self.lines += 1;
            let start = self.offset + pos as u64 + 1;
            if self.lines - self.last_line >= EVERY_LINES || start - self.last_offset >= EVERY_BYTES
            {
                out.push(Entry {
                    line: self.lines,
                    offset: start,
                    mark: false,
                });
                self.last_line = self.lines;
                self.last_offset = start;
            }
        }
        self.offset += data.len() as u64;
    }

    /// The mark for a segment starting here.
    pub fn mark(&self) -> Entry {
        Entry {
            line: self.lines,
            offset: self.offset,
            mark: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_fall_every_n_lines_and_round_trip() {
        let mut ix = Indexer::at(0, 0);
        let mut out = vec![ix.mark()];
        let line = b"0123456789\n";
        for _ in 0..(2 * EVERY_LINES + 5) {
            ix.scan(line, &mut out);
        }
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[1],
            Entry {
                line: EVERY_LINES,
                offset: EVERY_LINES * 11,
                mark: false
            }
        );
        assert_eq!(ix.lines, 2 * EVERY_LINES + 5);
        let mut bytes = Vec::new();
        encode(&out, &mut bytes);
        bytes.extend_from_slice(&[1, 2, 3]);
        assert_eq!(decode(&bytes), out);
    }

    #[test]
    fn long_lines_get_an_entry_every_mebibyte() {
        let mut ix = Indexer::at(5, 100);
        let mut out = Vec::new();
        let mut long = vec![b'x'; EVERY_BYTES as usize];
        long.push(b'\n');
        ix.scan(&long, &mut out);
        ix.scan(b"short\n", &mut out);
        assert_eq!(
            out,
            vec![Entry {
                line: 6,
                offset: 100 + EVERY_BYTES + 1,
                mark: false
            }]
        );
    }
}
