// The policy and value helpers on their own: the Rust host's policy tests
// (host-harness/src/policy.rs), and the WIT JSON conversion the other hosts compare against.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PluginError, toWitJson } from "../src/index.js";
import { clampMs, decide, isForbiddenHeader, isLoopback, parseConsole, PolicyError } from "../src/policy.js";

const policy = (url, allowLoopbackHttp = false) => ({ console: parseConsole(url), allowLoopbackHttp });
const at = (url) => {
  const u = /^([a-z]+):\/\/([^/]*)/.exec(url);
  return { scheme: u[1], authority: u[2] };
};

describe("policy", () => {
  test("allows https to the console's origin", () => {
    const p = policy("https://Usea1-Acme.sentinelone.net/web/api/v2.1");
    assert.ok(decide(p, at("https://usea1-acme.sentinelone.net/web/api/v2.1/agents?limit=1")).ok);
    assert.ok(decide(p, at("https://usea1-acme.sentinelone.net:443/x")).ok);
  });

  test("denies another host, port or scheme", () => {
    const p = policy("https://console.example");
    for (const other of ["https://evil.example/", "https://console.example:8443/", "https://console.example.evil.example/", "http://console.example/"]) {
      const d = decide(p, at(other));
      assert.equal(d.ok, false, other);
      assert.match(d.reason, /not an allowed origin/, other);
    }
  });

  test("denies plain http to an allowed loopback origin without the flag", () => {
    assert.match(decide(policy("http://127.0.0.1:8080"), at("http://127.0.0.1:8080/x")).reason, /plain http/);
    assert.ok(decide(policy("http://127.0.0.1:8080", true), at("http://127.0.0.1:8080/x")).ok);
    assert.ok(decide(policy("http://localhost:8080", true), at("http://localhost:8080/x")).ok);
    assert.ok(decide(policy("http://[::1]:8080", true), at("http://[::1]:8080/x")).ok);
  });

  test("the loopback flag never allows plain http to a remote host", () => {
    assert.match(decide(policy("http://console.example", true), at("http://console.example/x")).reason, /plain http/);
    assert.match(decide(policy("http://10.0.0.1", true), at("http://10.0.0.1/x")).reason, /plain http/);
  });

  test("refuses console URLs with credentials or another scheme", () => {
    assert.throws(() => parseConsole("https://user:pw@console.example"), PolicyError);
    assert.throws(() => parseConsole("ftp://console.example"), PolicyError);
    assert.throws(() => parseConsole("console.example"), PolicyError);
    assert.throws(() => parseConsole("https://"), PolicyError);
  });

  test("denies a request authority with userinfo even to the console", () => {
    const d = decide(policy("https://console.example"), { scheme: "https", authority: "user:pw@console.example" });
    assert.equal(d.ok, false);
  });

  test("IP literals are denied unless exactly the allowed origin", () => {
    const p = policy("http://127.0.0.1:8080", true);
    for (const other of ["http://127.0.0.2:8080/", "http://[::1]:8080/", "http://2130706433:8080/", "http://0x7f000001:8080/", "https://10.0.0.1/"]) {
      assert.match(decide(p, at(other)).reason ?? "", /not an allowed origin/, other);
    }
  });

  test("loopback hosts", () => {
    for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1"]) assert.ok(isLoopback(h), h);
    for (const h of ["10.0.0.1", "::ffff:10.0.0.1", "localhost.example", "2130706433", "::2"]) assert.ok(!isLoopback(h), h);
  });

  test("headers reserved to the host", () => {
    for (const h of ["Authorization", "host", "proxy-authorization", "Proxy-Foo", "forwarded", "X-Forwarded-For", "via", "connection", "te", "trailer", "transfer-encoding", "upgrade", "keep-alive", "x-real-ip", "http2-settings"]) {
      assert.ok(isForbiddenHeader(h), h);
    }
    for (const h of ["content-type", "accept", "user-agent", "x-request-id"]) assert.ok(!isForbiddenHeader(h), h);
  });

  test("clamps requested timeouts to the cap", () => {
    assert.equal(clampMs(undefined, 10_000), 10_000);
    assert.equal(clampMs(600_000_000_000n, 10_000), 10_000);
    assert.equal(clampMs(2_000_000_000n, 10_000), 2_000);
  });
});

describe("WIT JSON", () => {
  test("records get kebab-case keys, variants {tag, val}, absent options null, s64 numbers", () => {
    const report = {
      verdict: "ready-with-warnings",
      canAct: false,
      token: { createdAt: undefined, expiresAt: "2027-01-01T00:00:00Z", daysLeft: 12n },
      failure: { tag: "rate-limited", val: { retryAfterSeconds: 7, detail: undefined } },
      findings: [{ severity: "warning", code: "read-only-role", message: "m" }],
    };
    assert.deepEqual(toWitJson(report), {
      verdict: "ready-with-warnings",
      "can-act": false,
      token: { "created-at": null, "expires-at": "2027-01-01T00:00:00Z", "days-left": 12 },
      failure: { tag: "rate-limited", val: { "retry-after-seconds": 7, detail: null } },
      findings: [{ severity: "warning", code: "read-only-role", message: "m" }],
    });
    assert.equal(toWitJson(2n ** 60n), "1152921504606846976");
  });

  test("a plugin error carries its case and a kebab-case payload", () => {
    const error = new PluginError({ tag: "rate-limited", val: { retryAfterSeconds: 3, detail: undefined } });
    assert.equal(error.tag, "rate-limited");
    assert.deepEqual(error.val, { "retry-after-seconds": 3, detail: null });
    assert.deepEqual(JSON.parse(JSON.stringify(error)), { tag: "rate-limited", val: { "retry-after-seconds": 3, detail: null } });
    assert.equal(new PluginError({ tag: "request-denied", val: "no" }).message, "request-denied: no");
  });
});
