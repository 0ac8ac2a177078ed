//! Limits that keep one caller from starving the others: a token bucket per tenant.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::config::RateLimit;

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

pub struct TenantRateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl TenantRateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        TenantRateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for the tenant; false when its bucket is empty.
    pub fn admit(&self, tenant: &str) -> bool {
        if self.limit.per_second <= 0.0 {
            return true;
        }
        let now = Instant::now();
        let mut buckets = match self.buckets.lock() {
            Ok(buckets) => buckets,
            Err(poisoned) => poisoned.into_inner(),
        };
        let burst = self.limit.burst.max(1.0);
        let bucket = buckets.entry(tenant.to_owned()).or_insert(Bucket {
            tokens: burst,
            refilled: now,
        });
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.limit.per_second).min(burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_admitted_then_refused_per_tenant() {
        let limiter = TenantRateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 3.0,
        });
        assert!((0..3).all(|_| limiter.admit("a")));
        assert!(!limiter.admit("a"));
        assert!(limiter.admit("b"), "another tenant has its own bucket");
    }

    #[test]
    fn zero_switches_the_limit_off() {
        let limiter = TenantRateLimiter::new(RateLimit {
            per_second: 0.0,
            burst: 0.0,
        });
        assert!((0..1000).all(|_| limiter.admit("a")));
    }
}
