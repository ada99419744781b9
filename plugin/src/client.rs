//! The SentinelOne client: builds requests under `/web/api/v2.1/`, reads the envelope, maps
//! error bodies to [`Error`], and follows cursors.

use crate::clock::{Clock, Deadline};
use crate::config::Config;
use crate::http::{MAX_RESPONSE_BYTES, Method, Request, Response, Transport};
use crate::log::{Level, Log};
pub use crate::pages::{Bound, Flow, Items};
use crate::{API_PREFIX, Error};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use serde_json::Value;

/// The largest `limit` most list endpoints accept (a larger one is a 400).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A query string under construction. Array filters are comma-separated, as the API documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.0.push((key.to_owned(), value.into()));
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.push(key, value);
        self
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets `key`, in its place when present (so a query keeps its order from page to page).
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.into(),
            None => {
                self.push(key, value);
            }
        }
    }

    /// `a=1&b=x%2Cy`: every value percent-encoded exactly once (a cursor's `=`, `+` and `/`
    /// included), commas kept literal so arrays stay comma-separated.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            encode_into(&mut out, k);
            out.push('=');
            encode_into(&mut out, v);
        }
        out
    }
}

fn encode_into(out: &mut String, text: &str) {
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// A whole listing as values, for the plugin's own bounded reads (id lookups, the organisation
/// tree, task statuses). Listings returned to callers never become values: see [`crate::output`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    pub items: Vec<Value>,
    /// `pagination.totalItems` of the first page, when the server counted.
    pub total_items: Option<u64>,
    /// Whether items remain beyond what was returned.
    pub more: bool,
    /// The first page's other `data` fields (e.g. `GET sites` carries `allSites` there).
    pub beside: serde_json::Map<String, Value>,
}

/// A client for one configured console, for the length of one call.
pub struct Client<'a> {
    pub transport: &'a dyn Transport,
    pub config: &'a Config,
    pub log: &'a dyn Log,
    /// For pauses between retries and polls.
    pub clock: &'a dyn Clock,
    /// When the plugin must have returned: the host's call bound less a margin (see
    /// [`Client::new`]). Every wait and every walk over pages ends before it.
    pub deadline: Deadline,
}

/// How long before the host's bound the plugin stops waiting: a fifth of the bound, between 1 s
/// and 15 s, which leaves time for the one request in flight and the output.
pub fn margin(call_timeout: Duration) -> Duration {
    (call_timeout / 5).clamp(Duration::from_secs(1), Duration::from_secs(15))
}

/// How many times one request is sent at most (the first try and two retries).
const MAX_ATTEMPTS: u32 = 3;
/// The longest `Retry-After` honoured inside one request; a longer one is the caller's decision
/// (it comes back as [`Error::RateLimited`] with the delay).
pub const MAX_RETRY_PAUSE: Duration = Duration::from_secs(10);

/// Whether a failed attempt is worth another, and after how long. A 429 means the request was
/// refused, not run, so every method may retry it; a 502/503/504 may have run a state change, so
/// only reads retry it.
fn retry_pause(method: Method, error: &Error, attempt: u32) -> Option<Duration> {
    let backoff = Duration::from_secs(1 << (attempt - 1));
    match error {
        Error::RateLimited { retry_after_seconds: Some(s), .. } => {
            Some(Duration::from_secs(u64::from(*s).max(1))).filter(|p| *p <= MAX_RETRY_PAUSE)
        }
        Error::RateLimited { retry_after_seconds: None, .. } => Some(backoff),
        Error::Upstream(u) if method == Method::Get && matches!(u.status, 502..=504) => Some(backoff),
        _ => None,
    }
}

impl<'a> Client<'a> {
    /// A client whose deadline starts now, from the configuration's call bound.
    pub fn new(transport: &'a dyn Transport, config: &'a Config, log: &'a dyn Log, clock: &'a dyn Clock) -> Client<'a> {
        let budget = config.call_timeout.saturating_sub(margin(config.call_timeout));
        Client { transport, config, log, clock, deadline: Deadline::after(clock, budget) }
    }

    /// A deadline for a wait of `wait`, ending no later than the call's own deadline.
    pub fn wait_deadline(&self, wait: Duration) -> Deadline {
        Deadline::after(self.clock, wait).min(self.deadline)
    }

    /// Sends one request and returns the parsed JSON envelope of a success, or the typed error.
    pub fn call(&self, method: Method, path: &str, query: &Query, body: Option<&Value>) -> Result<Value, Error> {
        let response = self.send(method, path, query, body)?;
        parse_envelope(&response)
    }

    /// Sends one request and returns the raw response of a success (for the `Date` header).
    pub fn send(&self, method: Method, path: &str, query: &Query, body: Option<&Value>) -> Result<Response, Error> {
        let mut path_and_query = api_path(path)?;
        if !query.0.is_empty() {
            path_and_query.push('?');
            path_and_query.push_str(&query.encode());
        }
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        if body.is_some() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        let request = self.console_request(method, path_and_query, headers, body.map(|b| crate::output::text(b).into_bytes()));
        self.deliver(request, &format!("{API_PREFIX}{path}"))
    }

    /// Downloads a file as bytes: `GET` with `accept: */*`. A [`Location::Console`] path goes to
    /// the console with the credential (when the plugin holds it); a [`Location::Elsewhere`]
    /// link (a signed link to SentinelOne's storage) goes without it, and its query (the
    /// signature) never appears in a log line.
    pub fn download(&self, location: &Location) -> Result<Response, Error> {
        let accept = vec![("accept".to_owned(), "*/*".to_owned())];
        match location {
            Location::Console(path) => {
                let request = self.console_request(Method::Get, api_path(path)?, accept, None);
                self.deliver(request, &format!("{API_PREFIX}{path}"))
            }
            Location::Elsewhere { scheme, authority, path_and_query } => {
                let mut headers = accept;
                headers.push(("user-agent".to_owned(), user_agent()));
                let request = Request {
                    method: Method::Get,
                    scheme: *scheme,
                    authority: authority.clone(),
                    path_and_query: path_and_query.clone(),
                    headers,
                    body: None,
                    time_left: self.deadline.remaining(self.clock),
                };
                let path = path_and_query.split('?').next().unwrap_or_default();
                self.deliver(request, &format!("{authority}{path}"))
            }
        }
    }

    /// A request to the console: the user agent, and the credential when the plugin holds it.
    fn console_request(
        &self,
        method: Method,
        path_and_query: String,
        mut headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
    ) -> Request {
        headers.push(("user-agent".to_owned(), user_agent()));
        if let Some(token) = &self.config.api_token {
            headers.push(("authorization".to_owned(), format!("ApiToken {}", token.expose())));
        }
        Request {
            method,
            scheme: self.config.console.scheme,
            authority: self.config.console.authority.clone(),
            path_and_query,
            headers,
            body,
            time_left: self.deadline.remaining(self.clock),
        }
    }

    /// Sends `request`, retrying what [`retry_pause`] allows within the deadline; `label` names
    /// it in log lines (a path, never a query).
    fn deliver(&self, mut request: Request, label: &str) -> Result<Response, Error> {
        let method = request.method;
        let mut attempt = 1;
        loop {
            match self.exchange(&request, label) {
                Err(e) if attempt < MAX_ATTEMPTS => {
                    match retry_pause(method, &e, attempt).filter(|p| *p < self.deadline.remaining(self.clock)) {
                        Some(pause) => {
                            self.log.log(Level::Info, &format!("{} {label}: {e}; retrying in {} s", method.as_str(), pause.as_secs()));
                            self.clock.sleep(pause);
                            // The retry gets what is left after the pause, not the first attempt's budget.
                            request.time_left = self.deadline.remaining(self.clock);
                            attempt += 1;
                        }
                        None => return Err(e),
                    }
                }
                other => return other,
            }
        }
    }

    /// One attempt: sends `request` and maps a non-success answer to its typed error.
    fn exchange(&self, request: &Request, label: &str) -> Result<Response, Error> {
        let method = request.method;
        let result = self.transport.send(request);
        let secret = self.config.secret();
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                let e = e.redacted(secret);
                self.log.log(Level::Warn, &format!("{} {label}: {e}", method.as_str()));
                return Err(e);
            }
        };
        self.log.log(Level::Debug, &format!("{} {label} -> {} ({} bytes)", method.as_str(), response.status, response.body.len()));
        if response.body.len() > MAX_RESPONSE_BYTES {
            return Err(Error::Transport {
                kind: crate::error::TransportKind::ResponseTooLarge,
                message: format!("response over {MAX_RESPONSE_BYTES} bytes"),
            });
        }
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            let retry_after = response.header("retry-after");
            let on_console = request.scheme == self.config.console.scheme && request.authority == self.config.console.authority;
            let e = if on_console {
                Error::from_status(response.status, &response.body, retry_after)
            } else {
                Error::from_storage_status(response.status, &response.body, retry_after)
            };
            Err(e.redacted(secret))
        }
    }

    pub fn get(&self, path: &str, query: &Query) -> Result<Value, Error> {
        self.call(Method::Get, path, query, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.call(Method::Post, path, &Query::new(), Some(body))
    }

    /// Follows cursors like [`Client::walk`] and keeps every item as a value.
    pub fn list(&self, path: &str, query: &Query, items_at: Items, bound: Bound) -> Result<Listing, Error> {
        let mut listing = Listing::default();
        let walk = self.walk(path, query, items_at, bound, |page, items| {
            if listing.beside.is_empty() {
                for (key, value) in &page.beside {
                    listing.beside.insert(key.clone(), serde_json::from_str(value.get()).unwrap_or(Value::Null));
                }
            }
            for item in items {
                listing.items.push(
                    serde_json::from_str(item.get())
                        .map_err(|e| Error::UnexpectedResponse(format!("{path}: an item is not JSON ({e})")))?,
                );
            }
            Ok(Flow::More)
        })?;
        listing.total_items = walk.total_items;
        listing.more = walk.more;
        Ok(listing)
    }
}

/// A success body must be a JSON object with `data` (null only for endpoints that send none).
pub fn parse_envelope(response: &Response) -> Result<Value, Error> {
    if response.status == 204 || response.body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    let not_json = |why: &dyn core::fmt::Display| Error::UnexpectedResponse(format!("the body is not JSON ({why})"));
    let text = core::str::from_utf8(&response.body).map_err(|e| not_json(&e))?;
    let value: Value = serde_json::from_str(text).map_err(|e| not_json(&e))?;
    if !value.is_object() {
        return Err(Error::UnexpectedResponse("the body is not a JSON object".to_owned()));
    }
    Ok(value)
}

/// `data` of an envelope, required to be an object.
pub fn data_object(envelope: &Value) -> Result<&serde_json::Map<String, Value>, Error> {
    envelope.get("data").and_then(Value::as_object).ok_or_else(|| Error::UnexpectedResponse("expected `data` to be an object".to_owned()))
}

/// Where a download is: a path under the API on the console, or a link on another host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A path under `/web/api/v2.1/` (without it), e.g. `agents/1/uploads/2`.
    Console(String),
    /// A link on another origin, fetched without the credential.
    Elsewhere { scheme: crate::http::Scheme, authority: String, path_and_query: String },
}

/// `/web/api/v2.1/<path>`, refusing paths that could leave the API (the path is built by the
/// plugin from validated ids, so a refusal here is a bug).
fn api_path(path: &str) -> Result<String, Error> {
    if path.starts_with('/') || path.contains("..") || path.contains('?') || path.contains('#') {
        return Err(Error::Other(format!("internal: bad API path `{path}`")));
    }
    Ok(format!("{API_PREFIX}{path}"))
}

fn user_agent() -> String {
    format!("sentinelone-wasm-plugin/{}", crate::VERSION)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use crate::log::NoLog;
    use core::cell::RefCell;

    /// Answers queued responses and records requests.
    pub struct FakeTransport {
        pub responses: RefCell<Vec<Result<Response, Error>>>,
        pub requests: RefCell<Vec<Request>>,
    }

    impl FakeTransport {
        pub fn new(bodies: Vec<(u16, Value)>) -> Self {
            let responses = bodies
                .into_iter()
                .rev()
                .map(|(status, body)| Ok(Response { status, headers: vec![], body: body.to_string().into_bytes() }))
                .collect();
            FakeTransport { responses: RefCell::new(responses), requests: RefCell::new(vec![]) }
        }
        /// Answers with `status` and a `Retry-After` header first, then with the other responses.
        pub fn after(mut self, status: u16, retry_after: Option<&str>) -> Self {
            let headers = retry_after.map(|r| vec![("retry-after".to_owned(), r.to_owned())]).unwrap_or_default();
            self.responses.get_mut().push(Ok(Response { status, headers, body: b"{}".to_vec() }));
            self
        }
        pub fn paths(&self) -> Vec<String> {
            self.requests.borrow().iter().map(|r| r.path_and_query.clone()).collect()
        }
    }

    impl Transport for FakeTransport {
        fn send(&self, request: &Request) -> Result<Response, Error> {
            self.requests.borrow_mut().push(request.clone());
            self.responses.borrow_mut().pop().unwrap_or_else(|| Err(Error::Other("no more responses".into())))
        }
    }

    pub fn config(extra: &[(&str, &str)]) -> Config {
        let mut pairs = vec![("url", "https://console.example")];
        pairs.extend_from_slice(extra);
        Config::load(pairs.as_slice()).unwrap()
    }

    /// Sends `method agents` through a transport that first answers `status` (with `retry_after`).
    fn after_refusal(method: Method, status: u16, retry_after: Option<&str>) -> (Result<Value, Error>, Vec<core::time::Duration>, usize) {
        let t = FakeTransport::new(vec![(200, serde_json::json!({"data": {}}))]).after(status, retry_after);
        let config = config(&[]);
        let clock = FakeClock::default();
        let client = Client::new(&t, &config, &NoLog, &clock);
        let result = client.call(method, "agents", &Query::new(), None);
        let sent = t.requests.borrow().len();
        (result, clock.sleeps.take(), sent)
    }

    #[test]
    fn a_429_is_retried_after_its_retry_after() {
        let (result, sleeps, sent) = after_refusal(Method::Post, 429, Some("3"));
        assert!(result.is_ok());
        assert_eq!((sleeps, sent), (vec![core::time::Duration::from_secs(3)], 2));
    }

    #[test]
    fn a_retry_after_beyond_the_cap_is_the_callers_decision() {
        let (result, sleeps, sent) = after_refusal(Method::Get, 429, Some("60"));
        assert_eq!(result.unwrap_err(), Error::RateLimited { retry_after_seconds: Some(60), detail: None });
        assert_eq!((sleeps.len(), sent), (0, 1));
    }

    #[test]
    fn a_503_is_retried_for_reads_only() {
        let (read, sleeps, _) = after_refusal(Method::Get, 503, None);
        assert!(read.is_ok());
        assert_eq!(sleeps, vec![core::time::Duration::from_secs(1)]);
        let (write, sleeps, sent) = after_refusal(Method::Post, 503, None);
        assert!(matches!(write, Err(Error::Upstream(crate::error::Upstream { status: 503, .. }))));
        assert_eq!((sleeps.len(), sent), (0, 1));
    }

    #[test]
    fn encodes_cursor_characters_once_and_keeps_commas() {
        let q = Query::new().with("cursor", "YWJj+/==").with("siteIds", "1,2");
        assert_eq!(q.encode(), "cursor=YWJj%2B%2F%3D%3D&siteIds=1,2");
    }

    #[test]
    fn malformed_json_is_an_unexpected_response() {
        let r = Response { status: 200, headers: vec![], body: b"{not json".to_vec() };
        assert!(matches!(parse_envelope(&r), Err(Error::UnexpectedResponse(_))));
    }
}
