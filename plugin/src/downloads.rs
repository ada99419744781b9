//! Downloads: the bytes of files SentinelOne keeps (agent uploads, cloud threat files, remote
//! script results), for the WIT `downloads` interface.
//!
//! Agent uploads come from the console itself. Cloud files and script results are two steps: the
//! console names a signed link (usually on SentinelOne's storage, another host), which is fetched
//! WITHOUT the credential; whether it may leave the sandbox at all is the host's decision. The
//! file is held whole, bounded by the host's and the plugin's response caps, and moved (never
//! copied) into the result.

use crate::actions::act::Target;
use crate::actions::catalog::{AGENTS, TASKS, THREATS};
use crate::client::{Client, Location, Query, data_object};
use crate::config::is_id;
use crate::error::Upstream;
use crate::http::{Response, Scheme};
use crate::output::object;
use crate::{API_PREFIX, Error};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// What to download (mirrors the WIT `download-source`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `GET agents/{agent_id}/uploads/{activity_id}` on the console.
    AgentUpload { agent_id: String, activity_id: String },
    /// The link `GET threats/{id}/download-from-cloud` names.
    ThreatFromCloud(String),
    /// The link `POST remote-scripts/fetch-files` names for one task.
    ScriptResult(String),
}

/// A downloaded file (mirrors the WIT `downloaded-file`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub name: Option<String>,
    pub content_type: Option<String>,
    /// `scheme://authority` the bytes came from.
    pub origin: String,
    pub bytes: Vec<u8>,
}

/// Downloads `source`; ids are checked and confined to the scope pins before anything is sent.
pub fn download(client: &Client, source: &Source) -> Result<File, Error> {
    match source {
        Source::AgentUpload { agent_id, activity_id } => {
            require_id("/agent-upload/agent-id", agent_id)?;
            require_id("/agent-upload/activity-id", activity_id)?;
            within_pins(client, "/agent-upload/agent-id", &AGENTS, agent_id)?;
            fetch(client, &Location::Console(format!("agents/{agent_id}/uploads/{activity_id}")), None)
        }
        Source::ThreatFromCloud(threat_id) => {
            require_id("/threat-from-cloud", threat_id)?;
            within_pins(client, "/threat-from-cloud", &THREATS, threat_id)?;
            let envelope = client.get(&format!("threats/{threat_id}/download-from-cloud"), &Query::new())?;
            let (url, name) = link(data_object(&envelope)?, "threats/{id}/download-from-cloud")?;
            fetch(client, &locate(client, &url)?, name)
        }
        Source::ScriptResult(task_id) => {
            require_id("/script-result", task_id)?;
            within_pins(client, "/script-result", &TASKS, task_id)?;
            let envelope = client
                .post("remote-scripts/fetch-files", &object(vec![("data", object(vec![("taskIds", vec![task_id.to_owned()].into())]))]))?;
            let data = data_object(&envelope)?;
            let links = data.get("download_links").or_else(|| data.get("downloadLinks")).and_then(Value::as_array);
            let entry = links.into_iter().flatten().filter_map(Value::as_object).find(|l| {
                let id = l.get("taskId");
                id.and_then(Value::as_str) == Some(task_id.as_str())
                    || id.and_then(Value::as_u64).is_some_and(|n| n.to_string() == *task_id)
            });
            let Some(entry) = entry else {
                return Err(Error::NotFound(Upstream {
                    status: 200,
                    title: Some("no script results".into()),
                    detail: Some(format!(
                        "SentinelOne gave no download link for task {task_id}: it has not finished, or its output did not go to SentinelCloud"
                    )),
                    ..Upstream::default()
                }));
            };
            let (url, name) = link(entry, "remote-scripts/fetch-files")?;
            fetch(client, &locate(client, &url)?, name)
        }
    }
}

fn require_id(field: &str, id: &str) -> Result<(), Error> {
    if is_id(id) { Ok(()) } else { Err(Error::invalid(field, "an id is 1 to 20 decimal digits")) }
}

/// Refuses an id the console does not show within the scope pins; `at` is its JSON pointer in the
/// source (no pins: no request).
fn within_pins(client: &Client, at: &str, target: &Target, id: &str) -> Result<(), Error> {
    crate::actions::refuse_hidden(client, at.trim_start_matches('/'), false, target, &[id.to_owned()])
}

/// `downloadUrl` and `fileName` of a link object.
fn link(object: &Map<String, Value>, endpoint: &str) -> Result<(String, Option<String>), Error> {
    let url = object.get("downloadUrl").and_then(Value::as_str).filter(|u| !u.is_empty());
    let url = url.ok_or_else(|| Error::UnexpectedResponse(format!("{endpoint} gave no downloadUrl")))?;
    let name = object.get("fileName").and_then(Value::as_str).filter(|n| !n.is_empty()).map(str::to_owned);
    Ok((url.to_owned(), name))
}

/// Where a link points. A path (relative to the API base, as upload activities give them) or a
/// link on the console's own origin must be a plain path under `/web/api/v2.1/`: it goes with the
/// credential, so nothing the console could decode into another path (`%2e%2e`, `\`, empty or
/// dot segments, a query) is accepted. A link on any other origin is a signed link and goes
/// without the credential; plain http is refused unless the console itself is plain http (the
/// loopback simulator), so a host that cannot restrict origins still never follows one.
pub fn locate(client: &Client, url: &str) -> Result<Location, Error> {
    let bad = |why: &str| Error::UnexpectedResponse(format!("the download link {why}"));
    let console = &client.config.console;
    if let Some(path) = url.strip_prefix('/') {
        let path = path.strip_prefix(&API_PREFIX[1..]).unwrap_or(path);
        return api_location(path).ok_or_else(|| bad("is not a plain path under the API"));
    }
    let (scheme, rest) = match url.split_once("://") {
        Some(("https", rest)) => (Scheme::Https, rest),
        Some(("http", rest)) if console.scheme == Scheme::Http => (Scheme::Http, rest),
        Some(("http", _)) => return Err(bad("is plain http, and the console is not")),
        _ => return Err(bad("is neither a path nor an http(s) URL")),
    };
    let (authority, path_and_query) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_owned()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_owned()),
    };
    let host_ok = !authority.is_empty() && authority.bytes().all(|c| c.is_ascii_alphanumeric() || b".-:[]".contains(&c));
    if !host_ok {
        return Err(bad("has no plain host (credentials or odd characters in it)"));
    }
    if same_origin(scheme, authority, console) {
        let path = path_and_query.strip_prefix(API_PREFIX).and_then(api_location);
        return path.ok_or_else(|| bad("points at the console outside the API"));
    }
    Ok(Location::Elsewhere { scheme, authority: authority.to_owned(), path_and_query })
}

/// `path` as a console location when every segment is plain (letters, digits, `-`, `_`, `.`;
/// never `.` or `..` alone): ids and names, nothing that decodes into another path.
fn api_location(path: &str) -> Option<Location> {
    let plain_segment =
        |seg: &str| !seg.is_empty() && seg != "." && seg != ".." && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    path.split('/').all(plain_segment).then(|| Location::Console(path.to_owned()))
}

/// Whether `scheme://authority` is the console's origin as a host compares origins: the host
/// name ignoring case, the port defaulted from the scheme.
fn same_origin(scheme: Scheme, authority: &str, console: &crate::config::Console) -> bool {
    let split = |scheme: Scheme, authority: &str| -> (String, Option<u16>) {
        let default = if scheme == Scheme::Https { 443 } else { 80 };
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => match v6.split_once(']') {
                Some((host, rest)) => (host, rest.strip_prefix(':')),
                None => (authority, None),
            },
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        let port = port.map_or(Some(default), |p| p.parse().ok());
        (host.to_ascii_lowercase(), port)
    };
    scheme == console.scheme && split(scheme, authority) == split(console.scheme, &console.authority)
}

fn fetch(client: &Client, location: &Location, name: Option<String>) -> Result<File, Error> {
    let response = client.download(location)?;
    let origin = match location {
        Location::Console(_) => origin(client.config.console.scheme, &client.config.console.authority),
        Location::Elsewhere { scheme, authority, .. } => origin(*scheme, authority),
    };
    Ok(into_file(response, name, origin))
}

fn origin(scheme: Scheme, authority: &str) -> String {
    format!("{}://{authority}", if scheme == Scheme::Https { "https" } else { "http" })
}

fn into_file(response: Response, name: Option<String>, origin: String) -> File {
    let name = name.or_else(|| response.header("content-disposition").and_then(disposition_file_name));
    let content_type = response.header("content-type").map(str::to_owned);
    File { name, content_type, origin, bytes: response.body }
}

/// `attachment; filename="a b.zip"` → `a b.zip` (the plain `filename` parameter only; the name is
/// a label for the platform, never a path the plugin writes to).
fn disposition_file_name(value: &str) -> Option<String> {
    let start = value.find("filename=")? + "filename=".len();
    let rest = &value[start..];
    let name = match rest.strip_prefix('"') {
        Some(quoted) => &quoted[..quoted.find('"')?],
        None => rest.split(';').next()?.trim(),
    };
    Some(name.to_owned()).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::tests::{FakeTransport, config};
    use crate::clock::FakeClock;
    use crate::log::NoLog;
    use serde_json::json;

    const TOKEN: &str = "token-0123456789abcdef-0123456789";

    /// Queues a raw response (bytes and headers) before the transport's JSON ones.
    fn raw(t: &FakeTransport, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        let headers = headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        t.responses.borrow_mut().insert(0, Ok(Response { status, headers, body: body.to_vec() }));
    }

    fn run(t: &FakeTransport, extra: &[(&str, &str)], source: Source) -> Result<File, Error> {
        let config = config(extra);
        let clock = FakeClock::default();
        let client = Client::new(t, &config, &NoLog, &clock);
        download(&client, &source)
    }

    #[test]
    fn an_agent_upload_is_read_from_the_console_as_bytes() {
        let t = FakeTransport::new(vec![]);
        raw(
            &t,
            200,
            &[("content-type", "application/zip"), ("content-disposition", "attachment; filename=\"pc_9.zip\"")],
            b"PK\x03\x04zip",
        );
        let file = run(&t, &[], Source::AgentUpload { agent_id: "1".into(), activity_id: "9".into() }).unwrap();
        assert_eq!(file.bytes, b"PK\x03\x04zip");
        assert_eq!((file.name.as_deref(), file.content_type.as_deref()), (Some("pc_9.zip"), Some("application/zip")));
        assert_eq!(file.origin, "https://console.example");
        let sent = &t.requests.borrow()[0];
        assert_eq!(sent.path_and_query, "/web/api/v2.1/agents/1/uploads/9");
        assert!(sent.headers.contains(&("accept".into(), "*/*".into())));
    }

    #[test]
    fn a_cloud_link_is_fetched_without_the_credential() {
        let url = "https://files.example:8443/s1-threat-files/7/abc.zip?X-Amz-Signature=ff";
        let t = FakeTransport::new(vec![(200, json!({"data": {"downloadUrl": url, "fileName": "abc.zip"}}))]);
        raw(&t, 200, &[], b"bytes");
        let file = run(&t, &[("api-token", TOKEN)], Source::ThreatFromCloud("7".into())).unwrap();
        assert_eq!(
            (file.name.as_deref(), file.origin.as_str(), &file.bytes[..]),
            (Some("abc.zip"), "https://files.example:8443", &b"bytes"[..])
        );
        let sent = t.requests.borrow();
        assert_eq!(sent[0].path_and_query, "/web/api/v2.1/threats/7/download-from-cloud");
        assert!(sent[0].headers.iter().any(|(n, _)| n == "authorization"));
        assert_eq!(
            (sent[1].authority.as_str(), sent[1].path_and_query.as_str()),
            ("files.example:8443", "/s1-threat-files/7/abc.zip?X-Amz-Signature=ff")
        );
        assert!(!sent[1].headers.iter().any(|(n, _)| n == "authorization"));
    }

    #[test]
    fn a_script_result_follows_its_own_tasks_link() {
        let links = json!({"data": {"download_links": [{"taskId": "5", "fileName": "a.zip", "downloadUrl": "https://s3.example/a"}, {"taskId": "6", "fileName": "b.zip", "downloadUrl": "https://s3.example/b"}]}});
        let t = FakeTransport::new(vec![(200, links)]);
        raw(&t, 200, &[], b"b");
        let file = run(&t, &[], Source::ScriptResult("6".into())).unwrap();
        assert_eq!(file.name.as_deref(), Some("b.zip"));
        let sent = t.requests.borrow();
        assert_eq!(sent[0].body.as_deref(), Some(br#"{"data":{"taskIds":["6"]}}"#.as_slice()));
        assert_eq!(sent[1].path_and_query, "/b");
    }

    #[test]
    fn a_task_without_a_link_is_not_found() {
        let t = FakeTransport::new(vec![(200, json!({"data": {"download_links": []}}))]);
        assert!(matches!(run(&t, &[], Source::ScriptResult("6".into())), Err(Error::NotFound(_))));
    }

    #[test]
    fn an_expired_link_is_upstream_not_forbidden() {
        let t = FakeTransport::new(vec![(200, json!({"data": {"downloadUrl": "https://s3.example/x", "fileName": "x.zip"}}))]);
        raw(&t, 403, &[], b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
        let e = run(&t, &[], Source::ThreatFromCloud("7".into())).unwrap_err();
        assert!(matches!(e, Error::Upstream(ref u) if u.status == 403 && u.title.as_deref() == Some("AccessDenied")), "{e:?}");
    }

    #[test]
    fn a_bad_id_is_refused_before_anything_is_sent() {
        let t = FakeTransport::new(vec![]);
        let e = run(&t, &[], Source::AgentUpload { agent_id: "1".into(), activity_id: "../x".into() }).unwrap_err();
        assert_eq!(e, Error::invalid("/agent-upload/activity-id", "an id is 1 to 20 decimal digits"));
        assert!(t.requests.borrow().is_empty());
    }

    /// Where `url` points for a client of `https://console.example`.
    fn located(url: &str) -> Result<Location, Error> {
        let config = config(&[]);
        let clock = FakeClock::default();
        let t = FakeTransport::new(vec![]);
        locate(&Client::new(&t, &config, &NoLog, &clock), url)
    }

    #[test]
    fn a_relative_upload_path_is_on_the_console_under_the_api() {
        assert_eq!(located("/agents/1/uploads/2").unwrap(), Location::Console("agents/1/uploads/2".into()));
        assert_eq!(located("/web/api/v2.1/agents/1/uploads/2").unwrap(), Location::Console("agents/1/uploads/2".into()));
    }

    #[test]
    fn an_absolute_link_on_the_console_is_a_console_path_whatever_the_case_or_default_port() {
        for url in
            ["https://console.example/web/api/v2.1/agents/1/uploads/2", "https://CONSOLE.example:443/web/api/v2.1/agents/1/uploads/2"]
        {
            assert_eq!(located(url).unwrap(), Location::Console("agents/1/uploads/2".into()), "{url}");
        }
    }

    #[test]
    fn a_link_elsewhere_keeps_its_origin_path_and_query() {
        let expected = Location::Elsewhere {
            scheme: Scheme::Https,
            authority: "files.example:8443".into(),
            path_and_query: "/b/k.zip?X-Amz-Signature=ff".into(),
        };
        assert_eq!(located("https://files.example:8443/b/k.zip?X-Amz-Signature=ff").unwrap(), expected);
    }

    #[test]
    fn a_console_link_outside_the_api_is_refused_so_the_credential_never_goes_there() {
        for url in [
            "https://console.example/web/api/v2.0/x",
            "https://console.example/other?x=1",
            "https://console.example/web/api/v2.1/agents/../users",
            "https://console.example/web/api/v2.1/%2e%2e/%2e%2e/admin",
            "https://console.example/web/api/v2.1//x",
            "https://console.example:443/web/api/v2.1/agents?ids=1",
            "/agents/..%2f..%2fusers",
            "/agents\\..\\users",
        ] {
            assert!(matches!(located(url), Err(Error::UnexpectedResponse(_))), "{url}");
        }
    }

    #[test]
    fn a_link_with_credentials_another_scheme_or_plain_http_is_refused() {
        for url in ["https://user:pw@evil.example/x", "ftp://files.example/x", "//evil.example/x", "http://files.example/x"] {
            assert!(matches!(located(url), Err(Error::UnexpectedResponse(_))), "{url}");
        }
    }
}
