//! The native baseline for the benchmarks: the plugin crate itself, built for the host, with a
//! keep-alive HTTP client (`ureq`), as a Rust user would write it without the sandbox. The
//! component and this baseline run the same actions against the same simulator, so their ratio
//! is the sandbox's cost.

use sentinelone_plugin::clock::Clock;
use sentinelone_plugin::config::Config;
use sentinelone_plugin::error::TransportKind;
use sentinelone_plugin::http::{Request, Response, Transport};
use sentinelone_plugin::log::NoLog;
use sentinelone_plugin::{Error, actions, client::Client};
use std::time::Duration;

/// `ureq` with one keep-alive agent.
pub struct Keepalive(ureq::Agent);

impl Default for Keepalive {
    fn default() -> Self {
        Keepalive(ureq::AgentBuilder::new().max_idle_connections_per_host(4).build())
    }
}

impl Transport for Keepalive {
    fn send(&self, request: &Request) -> Result<Response, Error> {
        let scheme = match request.scheme {
            sentinelone_plugin::http::Scheme::Http => "http",
            sentinelone_plugin::http::Scheme::Https => "https",
        };
        let url = format!("{scheme}://{}{}", request.authority, request.path_and_query);
        let mut call = self.0.request(request.method.as_str(), &url);
        for (name, value) in &request.headers {
            call = call.set(name, value);
        }
        let result = match &request.body {
            Some(body) => call.send_bytes(body),
            None => call.call(),
        };
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => return Err(Error::Transport { kind: TransportKind::Connection, message: e.to_string() }),
        };
        let status = response.status();
        let headers = response.headers_names().into_iter().filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_owned()))).collect();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut body)
            .map_err(|e| Error::Transport { kind: TransportKind::Connection, message: e.to_string() })?;
        Ok(Response { status, headers, body })
    }
}

/// Sleeps on the thread.
pub struct ThreadClock(std::time::Instant);

impl Default for ThreadClock {
    fn default() -> Self {
        ThreadClock(std::time::Instant::now())
    }
}

impl Clock for ThreadClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// The plugin natively: one configuration, one transport, calls by action name.
pub struct Native {
    transport: Keepalive,
    clock: ThreadClock,
    config: Config,
}

impl Native {
    /// The plugin configured for `url` with `token` in its configuration (the native code sends the
    /// header itself) and the same output budget as the component gets.
    pub fn new(url: &str, token: &str, max_output_bytes: usize) -> Native {
        let budget = max_output_bytes.to_string();
        let pairs: &[(&str, &str)] = &[("url", url), ("api-token", token), ("max-output-bytes", &budget)];
        Native {
            transport: Keepalive::default(),
            clock: ThreadClock::default(),
            config: Config::load(pairs).expect("a valid configuration"),
        }
    }

    /// Runs an action, returning its output text.
    pub fn invoke(&self, action: &str, input: &str) -> Result<String, Error> {
        let client = Client::new(&self.transport, &self.config, &NoLog, &self.clock);
        actions::invoke(&client, action, input).map(sentinelone_plugin::output::Output::into_text)
    }
}

/// Starts the peak-resident-memory count afresh (Linux: `5` into `/proc/self/clear_refs`), so
/// [`peak_rss_bytes`] measures what follows; false where the platform cannot.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak resident memory so far (`VmHWM`), in bytes, where the platform tells.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}
