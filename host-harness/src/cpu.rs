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
//! The meter reads the thread's CPU clock where there is one (a stretch runs on one thread:
//! suspensions are bracketed), so a busy machine does not bill a guest for time it was not
//! scheduled; elsewhere it reads the monotonic clock.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
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
    since: Option<Duration>,
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
        self.state().since = Some(thread_cpu());
    }

    /// The guest stops executing; says whether it was.
    pub fn stop(&self) -> bool {
        let mut state = self.state();
        match state.since.take() {
            Some(since) => {
                state.spent += thread_cpu().saturating_sub(since);
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
        state.spent + state.since.map_or(Duration::ZERO, |since| thread_cpu().saturating_sub(since))
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

/// This thread's CPU time (the monotonic clock where the platform has no thread clock).
#[cfg(unix)]
fn thread_cpu() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on every Unix
    // wasmtime supports.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } == 0;
    if ok { Duration::new(now.tv_sec as u64, now.tv_nsec as u32) } else { monotonic() }
}

#[cfg(not(unix))]
fn thread_cpu() -> Duration {
    monotonic()
}

fn monotonic() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burn(for_at_least: Duration) {
        let start = thread_cpu();
        while thread_cpu() - start < for_at_least {
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
