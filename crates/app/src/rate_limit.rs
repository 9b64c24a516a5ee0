//! Login throttling: failed attempts per e-mail address and per client address within a window.
//! In memory per process: it slows down guessing; the Argon2 cost does the rest.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default, Debug)]
pub(crate) struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl LoginLimiter {
    /// True if `key` has had `allowed` or more failures within `window_ms` before `now_ms`.
    pub fn is_blocked(&self, key: &str, allowed: u32, window_ms: i64, now_ms: i64) -> bool {
        let mut map = self.failures.lock().expect("limiter lock");
        match map.get_mut(key) {
            Some(times) => {
                times.retain(|t| now_ms - *t < window_ms);
                times.len() as u32 >= allowed
            }
            None => false,
        }
    }

    pub fn record_failure(&self, key: &str, now_ms: i64) {
        let mut map = self.failures.lock().expect("limiter lock");
        // Bound memory: forget the oldest keys if an attacker sprays many addresses.
        if map.len() > 100_000 {
            map.clear();
        }
        map.entry(key.to_owned()).or_default().push(now_ms);
    }

    pub fn clear(&self, key: &str) {
        self.failures.lock().expect("limiter lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_allowed_failures_and_forgets_after_the_window() {
        let l = LoginLimiter::default();
        for i in 0..3 {
            assert!(!l.is_blocked("a", 3, 1000, i));
            l.record_failure("a", i);
        }
        assert!(l.is_blocked("a", 3, 1000, 10));
        assert!(!l.is_blocked("b", 3, 1000, 10));
        assert!(!l.is_blocked("a", 3, 1000, 2000));
    }
}
