//! Line numbers of CSV records, counted from the bytes the parser reads.
//!
//! The `csv` crate's record position is where it *started* reading, before
//! it skipped blank lines, and it counts the `\n` of a CRLF on the following
//! record; after a blank line its line numbers are too small.
//! [`LineCounter`] sits between the file and the parser and notes where each
//! non-blank line starts, so the line of a record is the first non-blank
//! line at or after the byte offset the `csv` crate reports. Lines end at
//! `\n` (so CRLF files count right; a lone `\r` does not end a line).

use std::collections::VecDeque;
use std::io::{self, Read};

/// A reader that counts lines in what passes through it.
pub(super) struct LineCounter<R> {
    inner: R,
    /// bytes read so far
    offset: u64,
    /// number of the line the next byte belongs to, from 1
    line: u64,
    /// the next content byte starts a line (nothing read yet, or a `\n` last)
    line_open: bool,
    /// the last byte read was `\n` (or nothing was read)
    ended: bool,
    /// `(offset, line)` of non-blank line starts that no record has claimed;
    /// only the parser's read-ahead is kept, since claiming drops older ones
    starts: VecDeque<(u64, u64)>,
}

impl<R> LineCounter<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            line: 1,
            line_open: true,
            ended: true,
            starts: VecDeque::new(),
        }
    }

    /// The line of the record the `csv` crate says starts at `byte`.
    /// Records come in order, so the starts before `byte` are dropped.
    pub(super) fn line_at(&mut self, byte: u64) -> u64 {
        while self.starts.front().is_some_and(|&(o, _)| o < byte) {
            self.starts.pop_front();
        }
        self.starts.front().map_or(self.line, |&(_, l)| l)
    }

    /// Lines read so far; a last line without `\n` counts.
    pub(super) fn lines(&self) -> u64 {
        if self.ended {
            self.line - 1
        } else {
            self.line
        }
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.line_open = true;
                }
                // a CR before the LF of a CRLF neither starts nor ends a line
                b'\r' => {}
                _ if self.line_open => {
                    self.starts.push_back((self.offset, self.line));
                    self.line_open = false;
                }
                _ => {}
            }
            self.ended = b == b'\n';
            self.offset += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of every record the `csv` crate reads from `text`.
    fn record_lines(text: &str) -> Vec<u64> {
        let mut rdr = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineCounter::new(text.as_bytes()));
        let mut record = ::csv::StringRecord::new();
        let mut lines = Vec::new();
        while rdr.read_record(&mut record).unwrap() {
            let byte = record.position().unwrap().byte();
            lines.push(rdr.get_mut().line_at(byte));
        }
        lines
    }

    #[test]
    fn blank_lines_crlf_and_quoted_newlines_count() {
        assert_eq!(record_lines("a\n1\n\n\n2,oops\n"), [1, 2, 5]);
        assert_eq!(record_lines("\n\na\n"), [3]);
        assert_eq!(record_lines("a\r\n\r\n1\r\n"), [1, 3]);
        assert_eq!(record_lines("a\n\"x\ny\",2\n\nz"), [1, 2, 5]);
        // a line of spaces is a record, not a blank line
        assert_eq!(record_lines("a\n \nb\n"), [1, 2, 3]);
    }

    #[test]
    fn line_count_includes_an_unterminated_last_line() {
        let count = |text: &str| {
            let mut c = LineCounter::new(text.as_bytes());
            io::copy(&mut c, &mut io::sink()).unwrap();
            c.lines()
        };
        assert_eq!(
            [count(""), count("x"), count("x\n"), count("x\n\n")],
            [0, 1, 1, 2]
        );
    }
}
