//! Per-token rate limits: a minimum interval between two admitted calls to one endpoint by one
//! token, measured with the monotonic clock ([`Instant`]), so wall-clock jumps cannot open or
//! close the window.
//!
//! Only the limits the reference documents are applied: `dv/init-query` once per minute and
//! `dv/query-status` once per second, per token (see [`super::jobs::Timing`] for the knobs). The
//! key is the authenticated user, which is one-to-one with its token. Modelling choices:
//! - The limiter runs right after authentication, before the request is validated, as a gateway
//!   limiter would: a call that ends in a 400 (or a 404 for an unknown query) still counts.
//! - A refused call does not count: the window runs from the last *admitted* call, so
//!   `Retry-After` (whole seconds, rounded up, at least 1) is exactly how long to wait.
//! - A zero interval admits everything.

use super::errors::ApiError;
use super::model::Id;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct RateLimiter {
    last_admitted: HashMap<(&'static str, Id), Instant>,
}

impl RateLimiter {
    /// Admits a call to `endpoint` by `user` at `now` when `interval` has passed since the last
    /// admitted one; otherwise answers 429 with the time left.
    pub fn admit(&mut self, endpoint: &'static str, user: Id, interval: Duration, now: Instant) -> Result<(), ApiError> {
        if let Some(last) = self.last_admitted.get(&(endpoint, user)) {
            let waited = now.saturating_duration_since(*last);
            if waited < interval {
                return Err(ApiError::too_many_requests(
                    format!("{endpoint} is limited to one call every {interval:?} per API token"),
                    interval - waited,
                ));
            }
        }
        self.last_admitted.insert((endpoint, user), now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_within_the_interval_with_the_time_left_rounded_up() {
        let mut limiter = RateLimiter::default();
        let start = Instant::now();
        let minute = Duration::from_secs(60);
        assert!(limiter.admit("dv/init-query", Id(1), minute, start).is_ok());
        let refused = limiter.admit("dv/init-query", Id(1), minute, start + Duration::from_millis(10_300)).unwrap_err();
        assert_eq!(refused.status.as_u16(), 429);
        assert_eq!(refused.retry_after, Some(50));
        // Another token, another endpoint, or a zero interval are not limited.
        assert!(limiter.admit("dv/init-query", Id(2), minute, start).is_ok());
        assert!(limiter.admit("dv/query-status", Id(1), minute, start).is_ok());
        assert!(limiter.admit("x", Id(1), Duration::ZERO, start).is_ok());
        assert!(limiter.admit("x", Id(1), Duration::ZERO, start).is_ok());
        // The refused call did not move the window.
        assert!(limiter.admit("dv/init-query", Id(1), minute, start + minute).is_ok());
    }
}
