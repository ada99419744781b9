//! The component against the same plugin crate built natively, side by side, against one simulator
//! in one run (`cargo bench -p s1-bench`; `-- --quick` for the short mode CI runs).
//!
//! Criterion times each case; every sample is also kept, and the run ends with a table of medians
//! and the ratios that matter: component/native per action, the fixed cost per call, a fresh
//! instance against a reused one, pooling on and off, compiling against loading precompiled, and
//! a thousand tenants calling at once through one runtime.

use criterion::{BenchmarkId, Criterion};
use host_harness::{Allocation, Connection, Credential, Delivery, Runtime};
use s1_bench::{Native, peak_rss_bytes, reset_peak_rss};
use s1_simulator::{Simulator, SimulatorOptions, tokens};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every sample, by case, for the ratio table.
static SAMPLES: Mutex<BTreeMap<String, Vec<Duration>>> = Mutex::new(BTreeMap::new());

fn keep(case: &str, d: Duration) {
    SAMPLES.lock().unwrap().entry(case.to_owned()).or_default().push(d);
}

fn median(case: &str) -> Option<Duration> {
    let samples = SAMPLES.lock().unwrap();
    let mut v = samples.get(case)?.clone();
    v.sort();
    v.get(v.len() / 2).copied()
}

fn quick() -> bool {
    std::env::args().any(|a| a == "--quick") || std::env::var_os("S1_BENCH_QUICK").is_some()
}

/// Memory for a 20,000-agent listing in one call: the output budget is a fifth of it.
const BIG_MEMORY: usize = 512 * 1024 * 1024;

fn component_bytes() -> Vec<u8> {
    std::fs::read(plugin_artifacts::PLUGIN_WASM).expect("the plugin component")
}

fn runtime(allocation: Allocation) -> Runtime {
    Runtime::from_bytes_with(&component_bytes(), Some(Path::new(plugin_artifacts::CACHE_DIR)), allocation).expect("load the component")
}

/// The component's connection and the native plugin, both over the simulator's plain-http port
/// (the same transport cost for both: keep-alive HTTP/1.1 on loopback).
fn pair(sim: &Simulator, memory: usize) -> (Connection, Native) {
    let mut conn = Connection::new(&sim.base_url(), Some(Credential::new(tokens::ADMIN, Delivery::HostHeader).unwrap())).unwrap();
    conn.policy.allow_loopback_http = true;
    conn.policy.memory_limit_bytes = memory;
    let native = Native::new(&sim.base_url(), tokens::ADMIN, memory / 5);
    (conn, native)
}

/// Times `f` (an async call) `iters` times, keeping every sample under `case`.
fn time_async<F: std::future::Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    case: &str,
    iters: u64,
    mut f: impl FnMut() -> F,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        rt.block_on(f());
        let d = start.elapsed();
        keep(case, d);
        total += d;
    }
    total
}

fn time_sync(case: &str, iters: u64, mut f: impl FnMut()) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        f();
        let d = start.elapsed();
        keep(case, d);
        total += d;
    }
    total
}

/// Where an action runs: the async runtime, the component's runtime, the simulator, the memory.
#[derive(Clone, Copy)]
struct Bench<'a> {
    rt: &'a tokio::runtime::Runtime,
    component: &'a Runtime,
    sim: &'a Simulator,
    memory: usize,
}

/// One action, component against native.
fn action(c: &mut Criterion, bench: &Bench, name: &str, action: &str, input: &str) {
    let Bench { rt, component: rtm, sim, memory } = *bench;
    let (conn, native) = pair(sim, memory);
    // Both answer the same before anything is timed.
    let component = rt.block_on(rtm.invoke(&conn, action, input)).unwrap().value.unwrap();
    let expected = native.invoke(action, input).unwrap();
    assert_eq!(component.len(), expected.len(), "{name}: the component and the native plugin disagree");
    let mut group = c.benchmark_group(name);
    group.bench_function(BenchmarkId::new("component", name), |b| {
        b.iter_custom(|iters| {
            time_async(rt, &format!("{name}/component"), iters, || async {
                rtm.invoke(&conn, action, input).await.unwrap().value.unwrap();
            })
        })
    });
    group.bench_function(BenchmarkId::new("native", name), |b| {
        b.iter_custom(|iters| time_sync(&format!("{name}/native"), iters, || drop(native.invoke(action, input).unwrap())))
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    if quick() {
        c = c.sample_size(10).warm_up_time(Duration::from_millis(200)).measurement_time(Duration::from_millis(500));
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let on_demand = runtime(Allocation::OnDemand);
    let pooled = runtime(Allocation::Pooling { instances: 1100, max_memory_bytes: BIG_MEMORY });
    let sim = Simulator::start(SimulatorOptions::default()).unwrap();
    let default_memory = host_harness::policy::Policy::deny_all().memory_limit_bytes;

    let bench = Bench { rt: &rt, component: &pooled, sim: &sim, memory: default_memory };
    action(&mut c, &bench, "system.info", "system.info", "{}");
    action(&mut c, &bench, "agents.count", "agents.count", "{}");
    action(&mut c, &bench, "agents.list 2500", "agents.list", r#"{"maxItems": 2500}"#);
    if !quick() {
        let big = Simulator::start(SimulatorOptions { agents: 20_000, ..SimulatorOptions::default() }).unwrap();
        let bench = Bench { sim: &big, memory: BIG_MEMORY, ..bench };
        action(&mut c, &bench, "agents.list 20000", "agents.list", r#"{"maxItems": 20000}"#);
    }

    // A fresh store and instance per call against one instance reused, on a real action, both from
    // the pooling allocator (what a platform making an instance per call would run).
    let (conn, _) = pair(&sim, default_memory);
    let mut session = rt.block_on(pooled.session(&conn)).unwrap();
    let mut group = c.benchmark_group("instance");
    // The shortest call, where instantiation weighs most, and a listing.
    for (label, action, input) in [("system.info", "system.info", "{}"), ("agents.list 2500", "agents.list", r#"{"maxItems": 2500}"#)] {
        group.bench_function(format!("fresh {label}"), |b| {
            b.iter_custom(|iters| {
                time_async(&rt, &format!("instance/fresh {label}"), iters, || async {
                    pooled.invoke(&conn, action, input).await.unwrap().value.unwrap();
                })
            })
        });
        group.bench_function(format!("reused {label}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    rt.block_on(session.invoke(action, input)).unwrap().value.unwrap();
                    let d = start.elapsed();
                    keep(&format!("instance/reused {label}"), d);
                    total += d;
                }
                total
            })
        });
    }
    // The instantiation itself: a call the plugin answers at once, on-demand and pooled.
    group.bench_function("on-demand", |b| {
        b.iter_custom(|iters| {
            time_async(&rt, "instance/on-demand", iters, || async { drop(on_demand.invoke(&conn, "no.such-action", "{}").await.unwrap()) })
        })
    });
    group.bench_function("pooled", |b| {
        b.iter_custom(|iters| {
            time_async(&rt, "instance/pooled", iters, || async { drop(pooled.invoke(&conn, "no.such-action", "{}").await.unwrap()) })
        })
    });
    group.finish();

    // Loading: Cranelift against the precompiled artifact.
    let bytes = component_bytes();
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("compile", |b| {
        b.iter_custom(|iters| time_sync("load/compile", iters, || drop(Runtime::from_bytes(&bytes, None).unwrap())))
    });
    group.bench_function("precompiled", |b| {
        b.iter_custom(|iters| {
            time_sync("load/precompiled", iters, || {
                drop(Runtime::from_bytes(&bytes, Some(Path::new(plugin_artifacts::CACHE_DIR))).unwrap())
            })
        })
    });
    group.finish();

    // Many tenants at once through one runtime.
    let tenants = if quick() { 100 } else { 1000 };
    let conns: Vec<Connection> = (0..tenants).map(|_| pair(&sim, default_memory).0).collect();
    let measured = reset_peak_rss();
    let start = Instant::now();
    rt.block_on(async {
        let calls = conns.iter().map(|conn| pooled.invoke(conn, "system.info", "{}"));
        for outcome in futures_join(calls).await {
            outcome.unwrap().value.unwrap();
        }
    });
    let elapsed = start.elapsed();
    let rss = peak_rss_bytes().filter(|_| measured);
    c.final_summary();
    report(tenants, elapsed, rss);
}

/// Awaits every future concurrently on the current task.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

fn ms(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| format!("{:.3} ms", d.as_secs_f64() * 1e3))
}

fn ratio(a: &str, b: &str) -> String {
    match (median(a), median(b)) {
        (Some(a), Some(b)) if !b.is_zero() => format!("{:.2}", a.as_secs_f64() / b.as_secs_f64()),
        _ => "-".into(),
    }
}

fn report(tenants: usize, elapsed: Duration, rss: Option<u64>) {
    println!("\n| case | component (median) | baseline (median) | ratio |");
    println!("|---|---|---|---|");
    for case in ["system.info", "agents.count", "agents.list 2500", "agents.list 20000"] {
        let (a, b) = (format!("{case}/component"), format!("{case}/native"));
        if median(&a).is_some() {
            println!("| `{case}` vs native | {} | {} | {} |", ms(median(&a)), ms(median(&b)), ratio(&a, &b));
        }
    }
    if let (Some(a), Some(b)) = (median("system.info/component"), median("system.info/native")) {
        println!("| fixed cost per call over native (`system.info`) | | | {:.3} ms |", (a.as_secs_f64() - b.as_secs_f64()) * 1e3);
    }
    for label in ["system.info", "agents.list 2500"] {
        let (fresh, reused) = (format!("instance/fresh {label}"), format!("instance/reused {label}"));
        println!(
            "| fresh instance vs reused (`{label}`, pooled) | {} | {} | {} |",
            ms(median(&fresh)),
            ms(median(&reused)),
            ratio(&fresh, &reused)
        );
    }
    println!(
        "| instantiation: on-demand vs pooling | {} | {} | {} |",
        ms(median("instance/on-demand")),
        ms(median("instance/pooled")),
        ratio("instance/on-demand", "instance/pooled")
    );
    println!(
        "| load: compile vs precompiled | {} | {} | {} |",
        ms(median("load/compile")),
        ms(median("load/precompiled")),
        ratio("load/compile", "load/precompiled")
    );
    let rss = rss.map_or("-".into(), |b| format!("{} MiB", b / (1024 * 1024)));
    println!(
        "| {tenants} tenants at once, one runtime (pooled) | {:.0} calls/s | peak RSS while they ran {rss} | |",
        tenants as f64 / elapsed.as_secs_f64()
    );
}
