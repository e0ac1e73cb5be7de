//! What `encode` and `submit` tell the person at the console about their pupil file: columns
//! that are ignored (and what a misspelt one was probably meant to be), the first problems with
//! their line, record and field, and why a file that yields nothing is refused.

use std::path::Path;

use crate::encode::batch::{Problem, NOT_UTF8};
use crate::input::{inspect_header, Column};

/// A progress bar style from `template`, whose `{rate}` is [`rate`]: every progress bar the
/// CLI draws is made here, so none prints indicatif's `{per_sec}`.
pub fn progress_style(template: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .expect("valid template")
        .with_key("rate", rate)
}

/// A progress bar's `{rate}`: whole records per second with thousands separators
/// (`12,205/s`), where indicatif's own `{per_sec}` prints `12,205.0737/s`.
pub fn rate(state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write) {
    let _ = write!(
        out,
        "{}/s",
        indicatif::HumanCount(state.per_sec().round() as u64)
    );
}

/// Problems printed on the console before the rest are only counted.
pub const SHOWN_PROBLEMS: u64 = 10;

/// Warns on stderr about the headers of `input` that pupilmatch does not read, naming the
/// column a misspelt one was probably meant to be (`upm`: did you mean `upn`?). Header errors
/// themselves (a missing required column) are left to the reader, which reports them.
pub fn warn_about_columns(input: &Path) {
    let Ok(report) = inspect_header(input) else {
        return;
    };
    let mut ignored = Vec::new();
    for header in &report.unknown {
        match Column::nearest(header).filter(|c| !report.known.contains(c)) {
            Some(column) => eprintln!(
                "warning: {}: column '{header}' is not recognised and is ignored; \
                 did you mean '{}'? Rename the header and run again",
                input.display(),
                column.name()
            ),
            None => ignored.push(header.as_str()),
        }
    }
    if !ignored.is_empty() {
        eprintln!(
            "note: {}: column(s) not used for matching, ignored: {}",
            input.display(),
            ignored.join(", ")
        );
    }
}

/// Prints the first [`SHOWN_PROBLEMS`] problems of a run on stderr, and counts the rest.
#[derive(Debug, Default)]
pub struct ProblemConsole {
    shown: u64,
    total: u64,
    not_utf8: u64,
}

impl ProblemConsole {
    /// Shows (or counts) one problem.
    pub fn show(&mut self, problem: &Problem) {
        self.total += 1;
        if problem.code == NOT_UTF8 {
            self.not_utf8 += 1;
        }
        if self.shown < SHOWN_PROBLEMS {
            self.shown += 1;
            eprintln!("{}: {}", problem.severity, problem.message);
        }
    }

    /// How many problems were shown or counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Says how many problems were not shown (and where they are, if there is a report), and
    /// what to do about a file that is not UTF-8.
    pub fn finish(&self, report: Option<&Path>) {
        if self.total > self.shown {
            let rest = self.total - self.shown;
            match report {
                Some(report) => eprintln!(
                    "… and {rest} more problem(s); all are listed in {}",
                    report.display()
                ),
                None => eprintln!("… and {rest} more problem(s)"),
            }
        }
        if self.not_utf8 > 0 {
            eprintln!(
                "{} record(s) could not be read: the file is not UTF-8. Excel's \"CSV (Comma \
                 delimited)\" saves Windows-1252; in Excel use File > Save As > \"CSV UTF-8 \
                 (Comma delimited)\" and run again",
                self.not_utf8
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use indicatif::{ProgressBar, ProgressDrawTarget, TermLike};

    use super::*;

    /// A terminal that keeps what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.0.lock().expect("screen").push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_progress_rate_is_whole_records_per_second() {
        let screen = Screen::default();
        let bar = ProgressBar::with_draw_target(
            Some(1_000_000),
            ProgressDrawTarget::term_like(Box::new(screen.clone())),
        );
        bar.set_style(progress_style("{pos} records ({rate})"));
        std::thread::sleep(std::time::Duration::from_millis(30));
        bar.inc(123_457);
        bar.abandon();
        let drawn = screen.0.lock().expect("screen").clone();
        let rate = drawn
            .rsplit('(')
            .next()
            .and_then(|r| r.split("/s)").next())
            .unwrap_or_default()
            .to_string();
        assert!(drawn.contains("123457 records ("), "{drawn}");
        assert!(
            !rate.is_empty() && rate.chars().all(|c| c.is_ascii_digit() || c == ','),
            "{drawn}"
        );
    }
}
