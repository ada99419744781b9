//! The SentinelOne client: builds requests under `/web/api/v2.1/`, reads the envelope, maps
//! error bodies to [`Error`], and follows cursors.

use crate::clock::Clock;
use crate::config::Config;
use std::time::Duration;
use crate::http::{MAX_RESPONSE_BYTES, Method, Request, Response, Transport};
use crate::log::{Level, Log};
use crate::{API_PREFIX, Error};
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

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != key);
        self.push(key, value);
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

/// One page or a whole listing: items as SentinelOne sent them (unknown fields kept).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    pub items: Vec<Value>,
    /// `pagination.totalItems` of the first page, when the server counted.
    pub total_items: Option<u64>,
    /// Whether items remain beyond what was returned.
    pub more: bool,
    /// Where to resume, when the listing stopped on a page boundary with items remaining.
    pub next_cursor: Option<String>,
    /// The first page's `data` when it is an object (e.g. `GET sites` carries `allSites` there).
    #[serde(skip)]
    pub first_data: Option<Value>,
    /// How many requests the listing took.
    #[serde(skip)]
    pub pages: u32,
}

/// Where a list endpoint keeps its items inside `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Items {
    /// `data` is the array (almost every endpoint).
    Data,
    /// `data.<field>` is the array (`GET sites`: `data.sites`, beside `data.allSites`).
    Field(&'static str),
}

/// How far to follow cursors.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// Items per request (`limit`), at most the endpoint's cap.
    pub page_size: u32,
    /// Stop once this many items are in hand.
    pub max_items: usize,
}

/// A client for one configured console.
pub struct Client<'a> {
    pub transport: &'a dyn Transport,
    pub config: &'a Config,
    pub log: &'a dyn Log,
    /// For pauses between retries and polls.
    pub clock: &'a dyn Clock,
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
        Error::RateLimited { retry_after_seconds: Some(s), .. } => Some(Duration::from_secs(u64::from(*s).max(1))).filter(|p| *p <= MAX_RETRY_PAUSE),
        Error::RateLimited { retry_after_seconds: None, .. } => Some(backoff),
        Error::Upstream(u) if method == Method::Get && matches!(u.status, 502..=504) => Some(backoff),
        _ => None,
    }
}

/// The end-of-pages markers SentinelOne is known to use: `null`, a missing key, `""`, `"null"`.
pub fn next_cursor(envelope: &Value) -> Option<String> {
    match envelope.get("pagination")?.get("nextCursor")? {
        Value::String(s) if !s.is_empty() && s != "null" => Some(s.clone()),
        _ => None,
    }
}

impl<'a> Client<'a> {
    /// Sends one request and returns the parsed JSON envelope of a success, or the typed error.
    pub fn call(&self, method: Method, path: &str, query: &Query, body: Option<&Value>) -> Result<Value, Error> {
        let response = self.send(method, path, query, body)?;
        parse_envelope(&response)
    }

    /// Sends one request and returns the raw response of a success (for the `Date` header).
    pub fn send(&self, method: Method, path: &str, query: &Query, body: Option<&Value>) -> Result<Response, Error> {
        if path.starts_with('/') || path.contains("..") || path.contains('?') || path.contains('#') {
            return Err(Error::Other(format!("internal: bad API path `{path}`")));
        }
        let mut path_and_query = format!("{API_PREFIX}{path}");
        if !query.0.is_empty() {
            path_and_query.push('?');
            path_and_query.push_str(&query.encode());
        }
        let mut headers = vec![
            ("accept".to_owned(), "application/json".to_owned()),
            ("user-agent".to_owned(), format!("sentinelone-wasm-plugin/{}", crate::VERSION)),
        ];
        if body.is_some() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        if let Some(token) = &self.config.api_token {
            headers.push(("authorization".to_owned(), format!("ApiToken {}", token.expose())));
        }
        let request = Request {
            method,
            scheme: self.config.console.scheme,
            authority: self.config.console.authority.clone(),
            path_and_query,
            headers,
            body: body.map(|b| b.to_string().into_bytes()),
        };
        let mut attempt = 1;
        loop {
            match self.exchange(&request, path) {
                Err(e) if attempt < MAX_ATTEMPTS => match retry_pause(method, &e, attempt) {
                    Some(pause) => {
                        self.log.log(Level::Info, &format!("{} {API_PREFIX}{path}: {e}; retrying in {} s", method.as_str(), pause.as_secs()));
                        self.clock.sleep(pause);
                        attempt += 1;
                    }
                    None => return Err(e),
                },
                other => return other,
            }
        }
    }

    /// One attempt: sends `request` and maps a non-success answer to its typed error.
    fn exchange(&self, request: &Request, path: &str) -> Result<Response, Error> {
        let method = request.method;
        let result = self.transport.send(request);
        let secret = self.config.secret();
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                let e = e.redacted(secret);
                self.log.log(Level::Warn, &format!("{} {API_PREFIX}{path}: {e}", method.as_str()));
                return Err(e);
            }
        };
        self.log.log(
            Level::Debug,
            &format!("{} {API_PREFIX}{path} -> {} ({} bytes)", method.as_str(), response.status, response.body.len()),
        );
        if response.body.len() > MAX_RESPONSE_BYTES {
            return Err(Error::Transport {
                kind: crate::error::TransportKind::ResponseTooLarge,
                message: format!("response over {MAX_RESPONSE_BYTES} bytes"),
            });
        }
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            let e = Error::from_status(response.status, &response.body, response.header("retry-after"));
            Err(e.redacted(secret))
        }
    }

    pub fn get(&self, path: &str, query: &Query) -> Result<Value, Error> {
        self.call(Method::Get, path, query, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.call(Method::Post, path, &Query::new(), Some(body))
    }

    /// Follows `nextCursor` from `query` (which may already carry a `cursor`) until the end or
    /// the bound, sending the same filters and `limit` on every page.
    pub fn list(&self, path: &str, query: &Query, items_at: Items, bound: Bound) -> Result<Listing, Error> {
        let mut listing = Listing::default();
        let mut query = query.clone();
        query.set("limit", bound.page_size.to_string());
        loop {
            let envelope = self.get(path, &query)?;
            listing.pages += 1;
            if listing.pages == 1 {
                listing.total_items = envelope.get("pagination").and_then(|p| p.get("totalItems")).and_then(Value::as_u64);
                if let Items::Field(_) = items_at {
                    listing.first_data = envelope.get("data").filter(|d| d.is_object()).cloned();
                }
            }
            let page = page_items(&envelope, items_at)?;
            let cursor = next_cursor(&envelope);
            let room = bound.max_items - listing.items.len();
            if page.len() > room {
                // The bound falls inside this page: the cursor would skip the cut items.
                listing.items.extend(page.into_iter().take(room));
                listing.more = true;
                listing.next_cursor = None;
                return Ok(listing);
            }
            listing.items.extend(page);
            match cursor {
                None => return Ok(listing),
                Some(c) if listing.items.len() >= bound.max_items => {
                    listing.more = true;
                    listing.next_cursor = Some(c);
                    return Ok(listing);
                }
                Some(c) => {
                    if query.get("cursor") == Some(c.as_str()) {
                        return Err(Error::UnexpectedResponse(format!("{path}: the server repeated the same cursor")));
                    }
                    query.set("cursor", c);
                }
            }
        }
    }
}

/// The array of items in a list response.
pub fn page_items(envelope: &Value, items_at: Items) -> Result<Vec<Value>, Error> {
    let data = envelope.get("data");
    let array = match items_at {
        Items::Data => data,
        Items::Field(f) => data.and_then(|d| d.get(f)),
    };
    match array {
        Some(Value::Array(items)) => Ok(items.clone()),
        _ => Err(Error::UnexpectedResponse(match items_at {
            Items::Data => "expected `data` to be an array".to_owned(),
            Items::Field(f) => format!("expected `data.{f}` to be an array"),
        })),
    }
}

/// A success body must be a JSON object with `data` (null only for endpoints that send none).
pub fn parse_envelope(response: &Response) -> Result<Value, Error> {
    if response.status == 204 || response.body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(&response.body)
        .map_err(|e| Error::UnexpectedResponse(format!("the body is not JSON ({e})")))?;
    if !value.is_object() {
        return Err(Error::UnexpectedResponse("the body is not a JSON object".to_owned()));
    }
    Ok(value)
}

/// `data` of an envelope, required to be an object.
pub fn data_object(envelope: &Value) -> Result<&serde_json::Map<String, Value>, Error> {
    envelope
        .get("data")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::UnexpectedResponse("expected `data` to be an object".to_owned()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use crate::log::NoLog;
    use std::cell::RefCell;

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

    fn page(ids: &[&str], cursor: Value) -> (u16, Value) {
        let data: Vec<Value> = ids.iter().map(|id| serde_json::json!({"id": id})).collect();
        (200, serde_json::json!({"data": data, "pagination": {"nextCursor": cursor, "totalItems": 5}}))
    }

    /// Sends `method agents` through a transport that first answers `status` (with `retry_after`).
    fn after_refusal(method: Method, status: u16, retry_after: Option<&str>) -> (Result<Value, Error>, Vec<std::time::Duration>, usize) {
        let t = FakeTransport::new(vec![(200, serde_json::json!({"data": {}}))]).after(status, retry_after);
        let config = config(&[]);
        let clock = FakeClock::default();
        let client = Client { transport: &t, config: &config, log: &NoLog, clock: &clock };
        let result = client.call(method, "agents", &Query::new(), None);
        let sent = t.requests.borrow().len();
        (result, clock.sleeps.take(), sent)
    }

    #[test]
    fn a_429_is_retried_after_its_retry_after() {
        let (result, sleeps, sent) = after_refusal(Method::Post, 429, Some("3"));
        assert!(result.is_ok());
        assert_eq!((sleeps, sent), (vec![std::time::Duration::from_secs(3)], 2));
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
        assert_eq!(sleeps, vec![std::time::Duration::from_secs(1)]);
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
    fn list_treats_every_end_marker_as_the_end() {
        for end in [Value::Null, Value::from(""), Value::from("null")] {
            let t = FakeTransport::new(vec![page(&["1", "2"], "c2=".into()), page(&["3"], end)]);
            let config = config(&[]);
            let client = Client { transport: &t, config: &config, log: &NoLog, clock: &FakeClock::default() };
            let l = client.list("agents", &Query::new(), Items::Data, Bound { page_size: 2, max_items: 10 }).unwrap();
            assert_eq!(l.items.len(), 3);
            assert!(!l.more);
            assert_eq!(t.paths()[1], "/web/api/v2.1/agents?limit=2&cursor=c2%3D");
        }
    }

    #[test]
    fn list_stops_at_the_bound_and_offers_the_cursor_on_a_page_boundary() {
        let t = FakeTransport::new(vec![page(&["1", "2"], "next".into())]);
        let config = config(&[]);
        let client = Client { transport: &t, config: &config, log: &NoLog, clock: &FakeClock::default() };
        let l = client.list("agents", &Query::new(), Items::Data, Bound { page_size: 2, max_items: 2 }).unwrap();
        assert_eq!((l.items.len(), l.more, l.next_cursor.as_deref()), (2, true, Some("next")));
    }

    #[test]
    fn list_refuses_a_non_array_data() {
        let t = FakeTransport::new(vec![(200, serde_json::json!({"data": null}))]);
        let config = config(&[]);
        let client = Client { transport: &t, config: &config, log: &NoLog, clock: &FakeClock::default() };
        let e = client.list("agents", &Query::new(), Items::Data, Bound { page_size: 2, max_items: 2 }).unwrap_err();
        assert!(matches!(e, Error::UnexpectedResponse(_)));
    }

    #[test]
    fn malformed_json_is_an_unexpected_response() {
        let r = Response { status: 200, headers: vec![], body: b"{not json".to_vec() };
        assert!(matches!(parse_envelope(&r), Err(Error::UnexpectedResponse(_))));
    }
}
