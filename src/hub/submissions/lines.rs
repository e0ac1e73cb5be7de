//! Lines of a streamed request body, read as they arrive: each line is handed out whole
//! (without its `\n` or `\r\n`), blank lines are skipped (up to [`MAX_BLANK_LINES`]: a body of
//! nothing but newlines, which gzip shrinks a thousandfold, must not keep the hub reading), and a
//! line longer than the limit is refused before it is buffered any further.

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

/// Blank lines a body may hold in all.
pub const MAX_BLANK_LINES: u64 = 10_000;

/// Why the body could not be split into lines.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// The connection broke, or the gzip stream was corrupt.
    #[error("the request body could not be read: {0}")]
    Read(String),
    /// A line exceeded the limit.
    #[error("line {line} is longer than {limit} bytes")]
    TooLong {
        /// 1-based line number.
        line: u64,
        /// The limit.
        limit: usize,
    },
    /// More than [`MAX_BLANK_LINES`] blank lines.
    #[error("the body holds more than {MAX_BLANK_LINES} blank lines (at line {line})")]
    TooManyBlankLines {
        /// 1-based line number of the first blank line over the limit.
        line: u64,
    },
}

/// A body split into lines.
pub struct Lines<S> {
    stream: S,
    buffer: BytesMut,
    /// Bytes of `buffer` already searched for a newline.
    scanned: usize,
    max_line: usize,
    line_no: u64,
    blank_lines: u64,
    done: bool,
}

impl<S, E> Lines<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    /// Splits `stream`, refusing lines longer than `max_line` bytes.
    pub fn new(stream: S, max_line: usize) -> Self {
        Lines {
            stream,
            buffer: BytesMut::new(),
            scanned: 0,
            max_line,
            line_no: 0,
            blank_lines: 0,
            done: false,
        }
    }

    /// The next non-blank line with its 1-based line number, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<(u64, Bytes)>, LineError> {
        loop {
            if let Some(at) = self.buffer[self.scanned..].iter().position(|&b| b == b'\n') {
                let end = self.scanned + at;
                // A long line can arrive whole in one chunk: check it here too.
                if end > self.max_line {
                    return Err(LineError::TooLong {
                        line: self.line_no + 1,
                        limit: self.max_line,
                    });
                }
                let mut line = self.buffer.split_to(end + 1).freeze();
                self.scanned = 0;
                self.line_no += 1;
                line.truncate(end);
                if line.last() == Some(&b'\r') {
                    line.truncate(line.len() - 1);
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    self.blank_lines += 1;
                    if self.blank_lines > MAX_BLANK_LINES {
                        return Err(LineError::TooManyBlankLines { line: self.line_no });
                    }
                    continue;
                }
                return Ok(Some((self.line_no, line)));
            }
            self.scanned = self.buffer.len();
            if self.buffer.len() > self.max_line {
                return Err(LineError::TooLong {
                    line: self.line_no + 1,
                    limit: self.max_line,
                });
            }
            if self.done {
                if self.buffer.iter().all(u8::is_ascii_whitespace) {
                    return Ok(None);
                }
                // The last line need not end with a newline.
                self.line_no += 1;
                self.scanned = 0;
                return Ok(Some((self.line_no, self.buffer.split().freeze())));
            }
            match self.stream.next().await {
                Some(Ok(bytes)) => self.buffer.extend_from_slice(&bytes),
                Some(Err(e)) => return Err(LineError::Read(e.to_string())),
                None => self.done = true,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(chunks: &[&str], max_line: usize) -> Result<Vec<(u64, String)>, LineError> {
        let stream = futures_util::stream::iter(
            chunks
                .iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c.as_bytes())))
                .collect::<Vec<_>>(),
        );
        let mut lines = Lines::new(stream, max_line);
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let mut out = Vec::new();
                while let Some((n, line)) = lines.next().await? {
                    out.push((n, String::from_utf8(line.to_vec()).unwrap()));
                }
                Ok(out)
            })
    }

    #[test]
    fn lines_split_across_chunks_come_out_whole_and_blank_lines_are_skipped() {
        let lines = lines_of(&["{\"a\"", ":1}\r\n\n  \n{\"b\":2}\n{\"c\"", ":3}"], 100).unwrap();
        assert_eq!(
            lines,
            vec![
                (1, "{\"a\":1}".to_string()),
                (4, "{\"b\":2}".to_string()),
                (5, "{\"c\":3}".to_string())
            ]
        );
    }

    #[test]
    fn a_line_over_the_limit_is_refused_with_its_number() {
        let error = lines_of(&["{}\n", "0123456789", "0123456789\n"], 16).unwrap_err();
        assert!(
            matches!(error, LineError::TooLong { line: 2, limit: 16 }),
            "{error:?}"
        );
    }

    #[test]
    fn a_body_of_little_but_blank_lines_is_refused_at_the_first_over_the_limit() {
        let blank = "\n".repeat(MAX_BLANK_LINES as usize);
        assert_eq!(lines_of(&["{}\n", &blank, "{}"], 16).unwrap().len(), 2);
        let error = lines_of(&["{}\n", &blank, "\n{}"], 16).unwrap_err();
        assert!(
            matches!(error, LineError::TooManyBlankLines { line } if line == MAX_BLANK_LINES + 2),
            "{error:?}"
        );
    }
}
