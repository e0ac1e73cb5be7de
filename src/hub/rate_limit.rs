//! Per-authority search rate limits: a token bucket per authority, refilled continuously at
//! `per_minute` searches a minute with a burst of the same size. In memory: a restart refills
//! every bucket, which errs towards availability; the audit log keeps every search either way.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The search limiter shared by the hub's handlers.
#[derive(Debug)]
pub struct SearchLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl SearchLimiter {
    /// A limiter allowing `per_minute` searches a minute per authority (0 disables the limit).
    pub fn new(per_minute: u32) -> Self {
        SearchLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The configured limit.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Takes one search from `authority`'s bucket at `now`, or says how long to wait.
    pub fn check_at(&self, authority: &str, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = buckets
            .entry(authority.to_string())
            .or_insert((capacity, now));
        *tokens =
            (*tokens + now.saturating_duration_since(*last).as_secs_f64() * rate).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / rate))
        }
    }

    /// [`Self::check_at`] now.
    pub fn check(&self, authority: &str) -> Result<(), Duration> {
        self.check_at(authority, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_searches_are_paced_per_authority() {
        let limiter = SearchLimiter::new(6);
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(limiter.check_at("383", t0).is_ok());
        }
        let wait = limiter.check_at("383", t0).unwrap_err();
        assert!((9.9..=10.1).contains(&wait.as_secs_f64()), "{wait:?}");
        assert!(
            limiter.check_at("S12000049", t0).is_ok(),
            "buckets are per authority"
        );
        assert!(limiter
            .check_at("383", t0 + Duration::from_secs(10))
            .is_ok());
        assert!(limiter
            .check_at("383", t0 + Duration::from_secs(10))
            .is_err());
    }

    #[test]
    fn zero_disables_the_limit() {
        let limiter = SearchLimiter::new(0);
        for _ in 0..1000 {
            assert!(limiter.check("383").is_ok());
        }
    }
}
