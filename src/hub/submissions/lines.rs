//! Lines of a streamed request body, read as they arrive: each line is handed out whole
//! (without its `\n` or `\r\n`), blank lines are skipped, and a line longer than the limit is
//! refused before it is buffered any further.

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

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
}

/// A body split into lines.
pub struct Lines<S> {
    stream: S,
    buffer: BytesMut,
    /// Bytes of `buffer` already searched for a newline.
    scanned: usize,
    max_line: usize,
    line_no: u64,
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
}
