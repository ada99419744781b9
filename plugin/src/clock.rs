//! Waiting, behind a trait: polls (Deep Visibility, PowerQuery, remote-script tasks) and retries
//! must be spaced in time, and the component has no clock of its own. It borrows the host's
//! `wasi:clocks/monotonic-clock`; native tests use a clock that only pretends to sleep.

use alloc::vec::Vec;
use core::time::Duration;

/// A monotonic clock the plugin can wait on.
pub trait Clock {
    /// Time elapsed since some fixed, unspecified instant (only differences mean anything).
    fn now(&self) -> Duration;
    /// Blocks for `duration`.
    fn sleep(&self, duration: Duration);
}

/// Time passes only when slept: tests run instantly and can assert how long the plugin waited.
#[derive(Default)]
pub struct FakeClock {
    pub elapsed: core::cell::Cell<Duration>,
    pub sleeps: core::cell::RefCell<Vec<Duration>>,
}

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        self.elapsed.get()
    }

    fn sleep(&self, duration: Duration) {
        self.sleeps.borrow_mut().push(duration);
        self.elapsed.set(self.elapsed.get() + duration);
    }
}

/// A deadline on a [`Clock`].
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Duration,
}

impl Deadline {
    pub fn after(clock: &dyn Clock, budget: Duration) -> Deadline {
        Deadline { at: clock.now() + budget }
    }

    /// The earlier of two deadlines.
    pub fn min(self, other: Deadline) -> Deadline {
        if other.at < self.at { other } else { self }
    }

    /// Whether the deadline has passed.
    pub fn passed(&self, clock: &dyn Clock) -> bool {
        clock.now() >= self.at
    }

    /// The time left, zero once passed.
    pub fn remaining(&self, clock: &dyn Clock) -> Duration {
        self.at.saturating_sub(clock.now())
    }

    /// Sleeps `pause` if that still ends before the deadline; false (and no sleep) otherwise.
    pub fn sleep_within(&self, clock: &dyn Clock, pause: Duration) -> bool {
        if pause > self.remaining(clock) {
            return false;
        }
        clock.sleep(pause);
        true
    }
}
