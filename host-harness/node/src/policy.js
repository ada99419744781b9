// The outbound policy, as the Rust host has it (host-harness/src/policy.rs, outbound.rs): a plain
// value, no wasm in sight.
//
// | request                                         | decision                                  |
// |-------------------------------------------------|-------------------------------------------|
// | https to the console's origin                   | allowed                                   |
// | http to the console's origin on loopback        | allowed only with allowLoopbackHttp: true |
// | http anywhere else                              | denied: plain http                        |
// | any other origin (host, port or scheme differs) | denied: not allowed                       |
// | an authority with userinfo (user:pw@host)       | denied, whatever the host                 |
// | beyond the call's request budget                | denied: too many requests                 |
//
// An origin is scheme, lower-cased host and port (defaulted from the scheme). Hosts are compared
// as written, never resolved or normalised: `2130706433`, `0x7f000001` and `[::1]` are not
// `127.0.0.1`.

import { isIPv4, isIPv6 } from "node:net";

/** Thrown for a console URL no policy can be built from (the Rust host's PolicyError). */
export class PolicyError extends Error {
  constructor(message) {
    super(`invalid policy: ${message}`);
    this.name = "PolicyError";
  }
}

/**
 * Splits `host[:port]` (IPv6 in brackets) into a lower-cased host and a port. Returns null for
 * anything else: userinfo, paths, queries, spaces, empty hosts, ports out of range.
 */
export function parseAuthority(authority, https) {
  if (typeof authority !== "string" || authority.length === 0 || authority.length > 255) return null;
  if (/[@/?#\\\s%]/.test(authority)) return null;
  let host;
  let rest;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) return null;
    host = authority.slice(1, close);
    if (!isIPv6(host)) return null;
    rest = authority.slice(close + 1);
  } else {
    const colon = authority.indexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
    rest = colon < 0 ? "" : authority.slice(colon);
    if (!/^[A-Za-z0-9.\-_]+$/.test(host)) return null;
  }
  let port = https ? 443 : 80;
  if (rest !== "") {
    if (!/^:[0-9]{1,5}$/.test(rest)) return null;
    port = Number(rest.slice(1));
    if (port < 1 || port > 65535) return null;
  }
  if (host === "") return null;
  return { host: host.toLowerCase(), port };
}

/** An origin as text, `https://host:port` (IPv6 in brackets). */
export function originText({ https, host, port }) {
  return `${https ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Parses the console URL: `https://host[:port]` with any path; credentials are refused. */
export function parseConsole(url) {
  if (typeof url !== "string") throw new PolicyError("the console URL must be a string");
  const text = url.trim();
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(text);
  if (!match) throw new PolicyError(`\`${text}\`: not a URL`);
  const scheme = match[1].toLowerCase();
  if (scheme !== "https" && scheme !== "http") {
    throw new PolicyError(`\`${text}\`: the scheme must be https (or http for a loopback simulator)`);
  }
  if (match[2].includes("@")) throw new PolicyError(`\`${text}\`: credentials in the URL are not allowed`);
  const https = scheme === "https";
  const authority = parseAuthority(match[2], https);
  if (!authority) throw new PolicyError(`\`${text}\`: no valid host`);
  return { https, ...authority };
}

/** Whether the host is `localhost` or a loopback address (127.0.0.0/8, ::1). */
export function isLoopback(host) {
  if (host === "localhost") return true;
  if (isIPv4(host)) return host.split(".")[0] === "127";
  if (isIPv6(host)) {
    // Expand, then compare with ::1.
    const full = new URL(`http://[${host}]/`).hostname;
    return full === "[::1]";
  }
  return false;
}

/**
 * Headers the guest may not set: they would change where a request goes or who it claims to be.
 * wasmtime-wasi-http's defaults, plus what the Rust host adds (outbound.rs).
 */
const FORBIDDEN = new Set([
  // wasmtime_wasi_http::DEFAULT_FORBIDDEN_HEADERS
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
  "http2-settings",
  // host-harness/src/outbound.rs
  "authorization",
  "forwarded",
  "via",
  "te",
  "trailer",
  "x-real-ip",
]);

/** Whether the guest may not set a header of this name (any case). */
export function isForbiddenHeader(name) {
  const lower = String(name).toLowerCase();
  return FORBIDDEN.has(lower) || lower.startsWith("proxy-") || lower.startsWith("x-forwarded-");
}

/**
 * The decision for one request: `{ ok: true, origin }` or `{ ok: false, reason }`.
 *
 * @param {{ console: {https: boolean, host: string, port: number}, allowLoopbackHttp: boolean }} policy
 * @param {{ scheme: string, authority: string }} request scheme is "https", "http" or anything else
 */
export function decide(policy, { scheme, authority }) {
  if (scheme !== "https" && scheme !== "http") {
    return { ok: false, reason: "the request has no http(s) scheme" };
  }
  const https = scheme === "https";
  const parsed = parseAuthority(authority, https);
  if (!parsed) {
    return { ok: false, reason: "the request URI has no scheme or host, or carries credentials" };
  }
  const origin = { https, ...parsed };
  const allowed = policy.console;
  if (!allowed || allowed.https !== origin.https || allowed.host !== origin.host || allowed.port !== origin.port) {
    return { ok: false, reason: `${originText(origin)} is not an allowed origin` };
  }
  if (!origin.https && !(policy.allowLoopbackHttp === true && isLoopback(origin.host))) {
    return {
      ok: false,
      reason: `plain http to ${originText(origin)} is not allowed (https only; loopback http needs an explicit flag)`,
    };
  }
  return { ok: true, origin };
}

/** The guest's requested timeout (ns, bigint or undefined), capped; in milliseconds. */
export function clampMs(requestedNs, capMs) {
  if (requestedNs === undefined || requestedNs === null) return capMs;
  const requestedMs = Number(BigInt(requestedNs) / 1_000_000n);
  return Math.max(1, Math.min(requestedMs, capMs));
}
