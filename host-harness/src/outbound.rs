//! The `wasi:http` outgoing-request hook: every request the plugin makes passes here, where the
//! policy decides, timeouts are clamped, the credential is added, both bodies are capped, and the
//! request leaves through the runtime's pooled [`Transport`].
//!
//! A refusal is `ErrorCode::HttpRequestDenied`, a value the guest handles, never a trap. Headers
//! that would change where a request goes or who it claims to be (`host`, `authorization` when the
//! host adds the credential, `proxy-*`, `forwarded`, `x-forwarded-*`, `via`, hop-by-hop headers)
//! are refused when the guest builds them, before any request exists.

use crate::credentials::{Credential, Delivery};
use crate::policy::{Denial, HttpLimits, Origin, Policy};
use crate::transport::{Route, Transport};
use bytes::Bytes;
use http::header::{AUTHORIZATION, HeaderValue};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use wasmtime_wasi_http::{DEFAULT_FORBIDDEN_HEADERS, Error, ForbiddenHeaderFilter, RequestOptions, WasiBody, WasiHttpHooks};

/// One request the plugin tried to make, as the host saw it (no headers, so no credential; no
/// query for origins other than the console's, so no download signature).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OutboundRecord {
    pub method: String,
    pub uri: String,
    /// `None` when allowed, else why it was denied.
    pub denied: Option<String>,
}

/// The hook for one store (one call).
pub struct OutboundHooks {
    pub policy: Arc<Policy>,
    pub credential: Option<Credential>,
    /// The console's origin: the only one the credential is ever added for (other allowed
    /// origins, such as pre-signed download hosts, never see the token).
    pub console: Option<Origin>,
    pub records: Arc<Mutex<Vec<OutboundRecord>>>,
    /// The runtime's pooled client, shared by every call and tenant.
    pub transport: Arc<Transport>,
    /// How this connection reaches the network (trust roots, proxy, address guard).
    pub route: Route,
}

impl OutboundHooks {
    /// The request's URI as records and logs show it: whole for the console, without its query
    /// elsewhere. A signed download link carries its grant in the query (`X-Amz-Signature`,
    /// `X-Amz-Credential`, ...), which works for anyone holding it until it expires.
    fn shown_uri(&self, uri: &http::Uri) -> String {
        if self.console.is_some() && Origin::of_uri(uri) == self.console {
            return uri.to_string();
        }
        match (uri.scheme_str(), uri.authority(), uri.query()) {
            (Some(scheme), Some(authority), Some(_)) => format!("{scheme}://{authority}{}?<redacted>", uri.path()),
            (_, _, Some(_)) => format!("{}?<redacted>", uri.path()),
            _ => uri.to_string(),
        }
    }

    fn record(&self, request: &http::Request<WasiBody>, denied: Option<&Denial>) {
        let record = OutboundRecord {
            method: request.method().to_string(),
            uri: self.shown_uri(request.uri()),
            denied: denied.map(ToString::to_string),
        };
        if let Ok(mut records) = self.records.lock() {
            records.push(record);
        }
    }

    fn injects_header(&self) -> bool {
        matches!(&self.credential, Some(c) if c.delivery == Delivery::HostHeader)
    }
}

type ResponseFuture =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>> + Send>;

impl WasiHttpHooks for OutboundHooks {
    /// When the host injects the credential, the guest may not set `Authorization` itself: it
    /// can neither override the host's credential nor smuggle another one out.
    fn forbidden_header_filter(&mut self) -> ForbiddenHeaderFilter {
        let forbid_authorization = self.injects_header();
        Arc::new(move |name| {
            let text = name.as_str();
            DEFAULT_FORBIDDEN_HEADERS.contains(name)
                || (forbid_authorization && name == AUTHORIZATION)
                || text.starts_with("proxy-")
                || text.starts_with("x-forwarded-")
                || ["forwarded", "via", "te", "trailer", "x-real-ip"].contains(&text)
        })
    }

    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        let limits = self.policy.http;
        let sent = self.records.lock().map_or(0, |r| r.len());
        let declared = request.headers().get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let decision = if sent >= self.policy.limits.max_requests {
            Err(Denial::TooManyRequests(self.policy.limits.max_requests))
        } else if declared.is_some_and(|n| n > limits.max_request_bytes) {
            Err(Denial::BodyTooLarge(limits.max_request_bytes))
        } else {
            self.policy.decide(request.uri())
        };
        let origin = match decision {
            Ok(origin) => origin,
            Err(denial) => {
                // Past the request budget only the first denial is recorded: the record stays bounded.
                if sent <= self.policy.limits.max_requests {
                    let uri = self.shown_uri(request.uri());
                    tracing::warn!(target: "harness::outbound", method = %request.method(), %uri, %denial, "denied");
                    self.record(&request, Some(&denial));
                }
                return Box::new(async { Err(Error::HttpRequestDenied) });
            }
        };
        self.record(&request, None);
        let for_console = self.console.as_ref() == Some(&origin);
        if let Some(credential) = self.credential.as_ref().filter(|_| self.injects_header() && for_console) {
            let Ok(mut value) = HeaderValue::from_str(&format!("ApiToken {}", credential.expose())) else {
                return Box::new(async { Err(Error::InternalError(Some("the credential is not a valid header value".into()))) });
            };
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        let options = clamp(options, &limits);
        let request = request.map(|body| Capped::new(body, limits.max_request_bytes, Error::HttpRequestBodySize).boxed_unsync());
        let (transport, route) = (self.transport.clone(), self.route.clone());
        let first_byte = options.first_byte_timeout.unwrap_or(limits.first_byte_timeout);
        let between_bytes = options.between_bytes_timeout.unwrap_or(limits.between_bytes_timeout);
        Box::new(async move {
            let response = transport.send(&route, request, first_byte, between_bytes).await?;
            if let Some(length) = response.body().size_hint().exact()
                && length > limits.max_response_bytes
            {
                return Err(Error::HttpResponseBodySize(Some(length)));
            }
            let response = response
                .map(|body| Capped::new(body.boxed_unsync(), limits.max_response_bytes, Error::HttpResponseBodySize).boxed_unsync());
            // The pooled client drives its connections itself: nothing is left for the caller to poll.
            Ok((response, Box::new(async { Ok(()) }) as Box<dyn Future<Output = _> + Send>))
        })
    }
}

fn clamp(options: Option<RequestOptions>, limits: &HttpLimits) -> RequestOptions {
    let o = options.unwrap_or_default();
    RequestOptions {
        connect_timeout: Some(Policy::clamp(o.connect_timeout, limits.connect_timeout)),
        first_byte_timeout: Some(Policy::clamp(o.first_byte_timeout, limits.first_byte_timeout)),
        between_bytes_timeout: Some(Policy::clamp(o.between_bytes_timeout, limits.between_bytes_timeout)),
    }
}

/// A body that fails with `over` once it passes `cap` bytes, for bodies whose length is not
/// declared up front (chunked, or streamed by the guest).
struct Capped {
    inner: WasiBody,
    left: u64,
    cap: u64,
    over: fn(Option<u64>) -> Error,
}

impl Capped {
    fn new(inner: WasiBody, cap: u64, over: fn(Option<u64>) -> Error) -> Capped {
        Capped { inner, left: cap, cap, over }
    }
}

impl Body for Capped {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            let len = data.len() as u64;
            if len > self.left {
                return Poll::Ready(Some(Err((self.over)(Some(self.cap)))));
            }
            self.left -= len;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
