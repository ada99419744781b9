//! Guest CPU accounting: the time the guest itself executes, and nothing else.
//!
//! Epoch interruption alone bills waiting: the epoch advances while the guest is parked in a
//! host call (an HTTP request, a sleep), and the first check after it returns (even the canonical
//! ABI's `cabi_realloc` re-entry that hands a body chunk back) sees a deadline that passed long
//! ago. So the budget is not counted in epochs. Instead wasmtime's call hooks bracket every stretch
//! of guest execution (entering wasm or returning from the host starts the meter; calling the host
//! or returning to it stops it), and the epoch callback only compares the metered time with the
//! budget and yields to the executor, stopping the meter while the guest is suspended.
//!
//! The stretches are timed on the monotonic clock, which Linux reads without a system call. Even
//! a short call crosses into the host about sixty times (every `wasi:http` field, stream and
//! resource drop is one), each a stop and a start: read from the thread's CPU clock (a system
//! call) the meter was the largest part of a call's fixed cost. The price is that a stretch
//! the OS preempts is billed for the time the thread was off the CPU; stretches are short (every
//! host call and every epoch tick ends one), and the budget exists to stop runaway guests, in
//! seconds, so a busy machine over-bills by scheduler slices at most.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use wasmtime::CallHook;

/// The guest ran past its CPU budget.
#[derive(Debug, thiserror::Error)]
#[error("the plugin used more than its {budget:?} of guest CPU")]
pub struct GuestCpuExceeded {
    pub budget: Duration,
}

#[derive(Debug, Default)]
struct State {
    spent: Duration,
    since: Option<Instant>,
}

/// A shared meter of one call's guest execution time.
#[derive(Clone, Debug, Default)]
pub struct CpuMeter(Arc<Mutex<State>>);

impl CpuMeter {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The guest starts (or resumes) executing.
    pub fn start(&self) {
        self.state().since = Some(Instant::now());
    }

    /// The guest stops executing; says whether it was.
    pub fn stop(&self) -> bool {
        let mut state = self.state();
        match state.since.take() {
            Some(since) => {
                state.spent += since.elapsed();
                true
            }
            None => false,
        }
    }

    /// Guest time so far, and a fresh count from now (a session's next call starts at zero).
    pub fn take(&self) -> Duration {
        let mut state = self.state();
        std::mem::take(&mut state.spent)
    }

    /// Guest time so far, the running stretch included.
    pub fn spent(&self) -> Duration {
        let state = self.state();
        state.spent + state.since.map_or(Duration::ZERO, |since| since.elapsed())
    }

    /// Applies a wasmtime call hook.
    pub fn on_hook(&self, hook: CallHook) {
        match hook {
            CallHook::CallingWasm | CallHook::ReturningFromHost => self.start(),
            CallHook::CallingHost | CallHook::ReturningFromWasm => {
                self.stop();
            }
        }
    }

    /// The epoch callback's answer: a trap past the budget, else a yield to the executor (so the
    /// call's wall-clock bound can fire) with the meter stopped while the guest is suspended.
    pub fn on_epoch(&self, budget: Duration) -> wasmtime::Result<wasmtime::UpdateDeadline> {
        if self.spent() > budget {
            return Err(GuestCpuExceeded { budget }.into());
        }
        let was_running = self.stop();
        let meter = self.clone();
        Ok(wasmtime::UpdateDeadline::YieldCustom(
            1,
            Box::pin(async move {
                tokio::task::yield_now().await;
                if was_running {
                    meter.start();
                }
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burn(for_at_least: Duration) {
        let start = Instant::now();
        while start.elapsed() < for_at_least {
            std::hint::black_box(0u64.wrapping_add(1));
        }
    }

    #[test]
    fn time_outside_the_guest_is_not_counted() {
        let meter = CpuMeter::default();
        meter.on_hook(CallHook::CallingWasm);
        burn(Duration::from_millis(20));
        meter.on_hook(CallHook::CallingHost);
        std::thread::sleep(Duration::from_millis(100));
        meter.on_hook(CallHook::ReturningFromHost);
        meter.on_hook(CallHook::ReturningFromWasm);
        let spent = meter.spent();
        assert!(spent >= Duration::from_millis(20), "{spent:?}");
        assert!(spent < Duration::from_millis(90), "the 100 ms in the host call are not billed: {spent:?}");
    }

    #[test]
    fn the_epoch_check_traps_past_the_budget() {
        let meter = CpuMeter::default();
        meter.start();
        burn(Duration::from_millis(5));
        assert!(meter.on_epoch(Duration::from_millis(1)).is_err());
        assert!(meter.on_epoch(Duration::from_secs(10)).is_ok());
    }
}
