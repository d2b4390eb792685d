//! When to try a failed request again: exponential backoff with jitter, `Retry-After` honoured,
//! all inside a total budget. The caller waits; this only decides how long.

/// Limits of one request's retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first wait.
    pub base_millis: u64,
    /// No single wait is longer (except a server's `Retry-After`, up to the total).
    pub max_delay_millis: u64,
    /// Waiting in all may not exceed this.
    pub total_millis: u64,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget {
            max_attempts: 6,
            base_millis: 200,
            max_delay_millis: 5_000,
            total_millis: 30_000,
        }
    }
}

/// The wait before attempt `attempt + 1` (`attempt` counts the attempts made, from 1), or `None`
/// when the budget is spent: `waited_millis` already waited, the server's `Retry-After` if any.
/// `jitter_seed` varies the wait (any number: a clock reading, a request counter); the wait is
/// between half and all of the exponential step, so clients that failed together spread out.
pub fn retry_delay_millis(
    budget: &RetryBudget,
    attempt: u32,
    waited_millis: u64,
    retry_after_seconds: Option<u64>,
    jitter_seed: u64,
) -> Option<u64> {
    if attempt >= budget.max_attempts {
        return None;
    }
    let delay = match retry_after_seconds {
        Some(seconds) => seconds.saturating_mul(1000),
        None => {
            let step = budget
                .base_millis
                .saturating_mul(1u64 << (attempt.saturating_sub(1)).min(20))
                .min(budget.max_delay_millis);
            let half = step / 2;
            half + mix(jitter_seed ^ u64::from(attempt)) % (step - half + 1)
        }
    };
    (waited_millis.saturating_add(delay) <= budget.total_millis).then_some(delay)
}

/// splitmix64: spreads neighbouring seeds over the whole range.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_with_jitter_inside_the_step() {
        let budget = RetryBudget::default();
        for seed in 0..200u64 {
            let first = retry_delay_millis(&budget, 1, 0, None, seed).unwrap();
            assert!((100..=200).contains(&first), "{first}");
            let third = retry_delay_millis(&budget, 3, 0, None, seed).unwrap();
            assert!((400..=800).contains(&third), "{third}");
            let late = retry_delay_millis(&budget, 5, 0, None, seed).unwrap();
            assert!((1_600..=3_200).contains(&late), "{late}");
        }
        let spread: std::collections::HashSet<u64> = (0..50u64)
            .map(|s| retry_delay_millis(&budget, 2, 0, None, s).unwrap())
            .collect();
        assert!(spread.len() > 10, "jitter spreads the waits: {spread:?}");
    }

    #[test]
    fn retry_after_and_the_budgets() {
        let budget = RetryBudget::default();
        assert_eq!(retry_delay_millis(&budget, 1, 0, Some(2), 7), Some(2_000));
        assert_eq!(
            retry_delay_millis(&budget, 1, 29_000, Some(2), 7),
            None,
            "over the total"
        );
        assert_eq!(retry_delay_millis(&budget, 6, 0, None, 7), None, "attempts spent");
        let capped = RetryBudget {
            max_attempts: 30,
            total_millis: u64::MAX,
            ..budget
        };
        assert!(retry_delay_millis(&capped, 25, 0, None, 1).unwrap() <= 5_000);
    }
}
