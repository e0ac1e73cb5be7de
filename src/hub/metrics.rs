//! Hand-rolled Prometheus counters, rendered in the text exposition format at `/metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The hub's counters and gauges.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class: index 0 = 1xx … 4 = 5xx.
    responses: [AtomicU64; 5],
    /// Records accepted in submissions.
    pub records_ingested: AtomicU64,
    /// Submissions accepted (not counting idempotent replays).
    pub submissions: AtomicU64,
    /// Candidates newly proposed.
    pub candidates_proposed: AtomicU64,
    /// National searches served.
    pub searches: AtomicU64,
    /// Total time spent scoring searches, in microseconds.
    pub search_micros: AtomicU64,
    /// Requests refused at a daily limit of their agreement (an alert rule's input).
    pub daily_limit_refusals: AtomicU64,
    /// Records currently in the matching index.
    pub index_records: AtomicU64,
    /// Whether the index has been rebuilt.
    pub ready: AtomicBool,
}

impl Metrics {
    /// Counts one response.
    pub fn count_response(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        out.push_str("# HELP pupilmatch_http_responses_total HTTP responses by status class.\n");
        out.push_str("# TYPE pupilmatch_http_responses_total counter\n");
        for (i, c) in self.responses.iter().enumerate() {
            let _ = writeln!(
                out,
                "pupilmatch_http_responses_total{{class=\"{}xx\"}} {}",
                i + 1,
                get(c)
            );
        }
        let series: [(&str, &str, &str, u64); 6] = [
            (
                "pupilmatch_records_ingested_total",
                "counter",
                "Records accepted in submissions.",
                get(&self.records_ingested),
            ),
            (
                "pupilmatch_submissions_total",
                "counter",
                "Submissions accepted.",
                get(&self.submissions),
            ),
            (
                "pupilmatch_candidates_proposed_total",
                "counter",
                "Candidates newly proposed.",
                get(&self.candidates_proposed),
            ),
            (
                "pupilmatch_searches_total",
                "counter",
                "National searches served.",
                get(&self.searches),
            ),
            (
                "pupilmatch_daily_limit_refusals_total",
                "counter",
                "Requests refused at a daily limit of their agreement.",
                get(&self.daily_limit_refusals),
            ),
            (
                "pupilmatch_index_records",
                "gauge",
                "Records in the matching index.",
                get(&self.index_records),
            ),
        ];
        for (name, kind, help, value) in series {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let seconds = get(&self.search_micros) as f64 / 1e6;
        let _ = writeln!(
            out,
            "# HELP pupilmatch_search_seconds_total Time spent scoring searches.\n# TYPE pupilmatch_search_seconds_total counter\npupilmatch_search_seconds_total {seconds}"
        );
        let ready = u8::from(self.ready.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP pupilmatch_ready Whether the matching index is rebuilt.\n# TYPE pupilmatch_ready gauge\npupilmatch_ready {ready}");
        out
    }
}
