// Outbound HTTP against consoles made here (loopback node:http servers that misbehave on
// purpose, in a worker thread: see fake-console.js), and the handler driven directly the way a hostile guest could: other origins,
// credentials in the authority, reserved headers, the request budget. Needs no simulator.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createPlugin, PluginError } from "../src/index.js";
import { createImport } from "../src/wasi-http-outgoing-handler.js";
import { Fields, OutgoingBody, OutgoingRequest, RequestOptions, worker } from "../src/wasi-http-types.js";
import { parseConsole } from "../src/policy.js";
import { FakeConsoles } from "./fake-console.js";
import { caught, COMPONENT } from "./support.js";

const TOKEN = "Tk9kZUhvc3RUZXN0VG9rZW5Ob3RBUmVhbE9uZUp1c3RMb25nRW5vdWdoVG9Mb29rTGlrZUl0MDEyMzQ1Njc4";


function plugin(url, options = {}) {
  return createPlugin({ component: COMPONENT, console: url, token: TOKEN, allowLoopbackHttp: true, ...options });
}

let fake;
before(async () => {
  fake = await FakeConsoles.start();
});
after(() => fake.stop());

describe("a console made here", () => {
  let good;
  before(async () => {
    good = await fake.serve("system-info");
  });

  test("the host adds Authorization itself; the guest cannot see or set it", async () => {
    const p = await plugin(good.url);
    const info = p.invoke("system.info", {});
    assert.equal(info.version, "24.1.2");
    const seen = (await good.stats()).requests.at(-1);
    assert.equal(seen.url, "/web/api/v2.1/system/info");
    assert.equal(seen.headers.authorization, `ApiToken ${TOKEN}`);
    for (const name of Object.keys(seen.headers)) {
      assert.ok(!/^(x-forwarded-|proxy-|forwarded$|via$)/.test(name), name);
    }
    assert.ok(!JSON.stringify([info, p.lastCall, p.config]).includes(TOKEN));
    p.close();
  });

  test("connections are reused across calls", async () => {
    const p = await plugin(good.url);
    const before = (await good.stats()).connections;
    for (let i = 0; i < 10; i++) p.invoke("system.info", {});
    const after = (await good.stats()).connections;
    assert.ok(after - before <= 1, `${after - before} connections for 10 calls`);
    p.close();
  });

  test("a denied console opens no connection and sends nothing", async () => {
    const strict = await createPlugin({ component: COMPONENT, console: good.url, token: TOKEN });
    const before = await good.stats();
    const error = caught(() => strict.invoke("system.info", {}));
    assert.equal(error.tag, "request-denied");
    assert.equal(strict.check().failure.tag, "request-denied");
    const after = await good.stats();
    assert.equal(after.connections, before.connections);
    assert.equal(after.requests.length, before.requests.length);
    strict.close();
  });
});

describe("caps and timeouts", () => {
  test("a chunked body over the cap fails as response-too-large while it streams", async () => {
    const s = await fake.serve("chunked-2mb");
    const p = await plugin(s.url, { limits: { maxResponseBytes: 100_000 } });
    const error = caught(() => p.invoke("system.info", {}));
    assert.ok(error instanceof PluginError);
    assert.equal(error.tag, "transport");
    assert.equal(error.val.kind, "response-too-large");
    p.close();
  });

  test("an announced length over the cap fails before the body is read", async () => {
    const s = await fake.serve("length-500k");
    const p = await plugin(s.url, { limits: { maxResponseBytes: 100_000 } });
    const error = caught(() => p.invoke("system.info", {}));
    assert.equal(error.tag, "transport");
    assert.equal(error.val.kind, "response-too-large");
    p.close();
  });

  test("the first-byte timeout the guest asks for (60 s) is clamped to the host's", async () => {
    const s = await fake.serve("silent");
    const p = await plugin(s.url, { limits: { firstByteTimeoutMs: 300 } });
    const error = caught(() => p.invoke("system.info", {}));
    assert.equal(error.tag, "transport");
    assert.equal(error.val.kind, "timeout");
    assert.equal(p.lastCall.outbound[0].timeoutsMs.firstByte, 300);
    p.close();
  });

  test("a body that stalls fails at the between-bytes timeout", async () => {
    const s = await fake.serve("stall-body");
    const p = await plugin(s.url, { limits: { betweenBytesTimeoutMs: 300 } });
    const error = caught(() => p.invoke("system.info", {}));
    assert.equal(error.tag, "transport");
    assert.equal(error.val.kind, "timeout");
    assert.equal(p.lastCall.outbound[0].timeoutsMs.betweenBytes, 300);
    p.close();
  });

  test("the call's wall-clock bound ends a hanging exchange", async () => {
    const s = await fake.serve("silent");
    const p = await plugin(s.url, { limits: { callTimeoutMs: 1500 } });
    const error = caught(() => p.invoke("system.info", {}));
    assert.ok(error instanceof PluginError, String(error));
    assert.ok(["transport"].includes(error.tag), error.message);
    const { firstByte } = p.lastCall.outbound[0].timeoutsMs;
    assert.ok(firstByte > 0 && firstByte <= 1500, `the exchange waits no longer than the call's bound: ${firstByte} ms`);
    p.close();
  });

  test("a connection cut in the middle of the body is a connection error", async () => {
    const s = await fake.serve("cut-body");
    const p = await plugin(s.url);
    const error = caught(() => p.invoke("system.info", {}));
    assert.equal(error.tag, "transport");
    assert.ok(["connection", "protocol"].includes(error.val.kind), error.message);
    p.close();
  });

  test("nothing is left in the IO worker after failed exchanges", async () => {
    const stats = worker("stats");
    assert.equal(stats.exchanges, 0);
    assert.equal(stats.bodies, 0);
    assert.equal(stats.futures, 0);
  });
});

describe("the handler, driven as a hostile guest would", () => {
  let allowed;
  let other;
  let host;
  before(async () => {
    allowed = await fake.serve("system-info");
    other = await fake.serve("empty-json");
    host = {
      policy: { console: parseConsole(allowed.url), allowLoopbackHttp: true },
      limits: { maxRequests: 3, connectTimeoutMs: 5000, firstByteTimeoutMs: 5000, betweenBytesTimeoutMs: 5000, maxResponseBytes: 1 << 20, maxRequestBytes: 1 << 20 },
      agentKey: "handler-test",
      call: null,
      logs: [],
      hostLog(level, message) {
        host.logs.push(`${level} ${message}`);
      },
    };
    worker("configure", host.agentKey, { token: TOKEN });
  });
  after(async () => {
    worker("forget", host.agentKey);
  });

  const newCall = () => (host.call = { deadline: Date.now() + 10_000, outbound: [], logLines: 0 });

  function request(scheme, authority, path = "/web/api/v2.1/system/info", headers = []) {
    const r = new OutgoingRequest(Fields.fromList(headers));
    r.setScheme(scheme === "https" ? { tag: "HTTPS" } : scheme === "http" ? { tag: "HTTP" } : { tag: "other", val: scheme });
    r.setAuthority(authority);
    r.setPathWithQuery(path);
    return r;
  }

  /** Sends like the plugin does and returns the status. */
  function exchange(handler, r) {
    const body = r.body();
    const future = handler.handle(r, new RequestOptions());
    OutgoingBody.finish(body, undefined);
    const pollable = future.subscribe();
    pollable.block();
    pollable[Symbol.dispose]();
    const result = future.get();
    future[Symbol.dispose]();
    assert.equal(result.tag, "ok");
    assert.equal(result.val.tag, "ok", JSON.stringify(result.val));
    const response = result.val.val;
    const incoming = response.consume();
    const stream = incoming.stream();
    let text = "";
    for (;;) {
      try {
        text += Buffer.from(stream.blockingRead(65536n)).toString();
      } catch (e) {
        assert.equal(e.tag, "closed");
        break;
      }
    }
    stream[Symbol.dispose]();
    incoming.constructor.finish(incoming);
    return { status: response.status(), text };
  }

  test("the console's origin goes out, with the host's credential", async () => {
    const handler = createImport(host);
    newCall();
    const port = new URL(allowed.url).port;
    const { status, text } = exchange(handler, request("http", `127.0.0.1:${port}`, "/web/api/v2.1/system/info", [["accept", new TextEncoder().encode("application/json")]]));
    assert.equal(status, 200);
    assert.equal(JSON.parse(text).data.version, "24.1.2");
    const seen = (await allowed.stats()).requests.at(-1);
    assert.equal(seen.headers.authorization, `ApiToken ${TOKEN}`);
    assert.equal(seen.headers.accept, "application/json");
  });

  test("any other origin is denied before a connection: HTTP-request-denied, not a trap", async () => {
    const handler = createImport(host);
    const allowedPort = new URL(allowed.url).port;
    const otherPort = new URL(other.url).port;
    let refusedEarly = 0;
    for (const [scheme, authority] of [
      ["http", `127.0.0.1:${otherPort}`], // another port
      ["http", `localhost:${allowedPort}`], // the same address, another host name
      ["http", `2130706433:${allowedPort}`], // 127.0.0.1 spelled as a number
      ["http", `[::1]:${allowedPort}`],
      ["https", `127.0.0.1:${allowedPort}`], // another scheme
      ["http", `user:pw@127.0.0.1:${allowedPort}`], // credentials
      ["http", `127.0.0.1:${allowedPort}@evil.example`],
      ["ftp", `127.0.0.1:${allowedPort}`],
      ["http", "evil.example"],
    ]) {
      newCall();
      let r;
      try {
        r = request(scheme, authority);
      } catch {
        refusedEarly++;
        continue; // refused already when the guest sets it: fine too
      }
      const error = caught(() => handler.handle(r, undefined));
      assert.deepEqual(error, { tag: "HTTP-request-denied" }, `${scheme}://${authority}`);
      assert.ok(host.call.outbound[0].denied, `${scheme}://${authority}`);
    }
    assert.equal(refusedEarly, 0, "every case reached the handler");
    assert.equal((await other.stats()).connections, 0);
    assert.ok(host.logs.some((l) => l.startsWith("warn denied")));
  });

  test("plain http is denied to the console itself without the loopback flag", async () => {
    const handler = createImport({ ...host, policy: { console: parseConsole(allowed.url), allowLoopbackHttp: false } });
    newCall();
    const before = (await allowed.stats()).connections;
    const error = caught(() => handler.handle(request("http", `127.0.0.1:${allowed.port}`), undefined));
    assert.deepEqual(error, { tag: "HTTP-request-denied" });
    assert.equal((await allowed.stats()).connections, before);
  });

  test("headers that are the host's to set cannot be built", () => {
    for (const name of ["authorization", "Authorization", "host", "proxy-authorization", "proxy-anything", "forwarded", "x-forwarded-for", "X-Forwarded-Host", "via", "connection", "transfer-encoding", "upgrade", "te", "x-real-ip"]) {
      assert.deepEqual(caught(() => Fields.fromList([[name, new Uint8Array([0x61])]])), { tag: "forbidden" }, name);
    }
    assert.deepEqual(caught(() => Fields.fromList([["x-ok", new TextEncoder().encode("a\r\nb")]])), { tag: "invalid-syntax" });
    assert.equal(Fields.fromList([["content-type", new TextEncoder().encode("application/json")]]).entries().length, 1);
  });

  test("past the call's request budget every request is denied", async () => {
    const handler = createImport(host);
    newCall();
    const port = new URL(allowed.url).port;
    for (let i = 0; i < 3; i++) exchange(handler, request("http", `127.0.0.1:${port}`));
    const before = (await allowed.stats()).requests.length;
    const error = caught(() => handler.handle(request("http", `127.0.0.1:${port}`), undefined));
    assert.deepEqual(error, { tag: "HTTP-request-denied" });
    assert.equal((await allowed.stats()).requests.length, before);
    assert.match(host.call.outbound.at(-1).denied, /already sent its 3 requests/);
  });

  test("a declared request body over the cap is denied before anything is sent", async () => {
    newCall();
    const small = { ...host, limits: { ...host.limits, maxRequestBytes: 100 } };
    const handler = createImport(small);
    const before = (await allowed.stats()).connections;
    const r = request("http", `127.0.0.1:${allowed.port}`, "/web/api/v2.1/x", [["content-length", new TextEncoder().encode("5000")]]);
    assert.deepEqual(caught(() => handler.handle(r, undefined)), { tag: "HTTP-request-denied" });
    assert.match(small.call.outbound.at(-1).denied, /over the 100-byte cap/);
    assert.equal((await allowed.stats()).connections, before);
  });

  test("a request body written past the cap fails the write and the response", () => {
    newCall();
    const handler = createImport({ ...host, limits: { ...host.limits, maxRequestBytes: 100 } });
    const r = request("http", `127.0.0.1:${allowed.port}`, "/web/api/v2.1/x");
    r.setMethod({ tag: "post" });
    const body = r.body();
    const future = handler.handle(r, undefined);
    const stream = body.write();
    stream.blockingWriteAndFlush(new Uint8Array(64));
    const error = caught(() => stream.blockingWriteAndFlush(new Uint8Array(64)));
    assert.equal(error.tag, "last-operation-failed");
    stream[Symbol.dispose]();
    assert.deepEqual(caught(() => OutgoingBody.finish(body, undefined)).tag, "HTTP-request-body-size");
    const pollable = future.subscribe();
    pollable.block();
    pollable[Symbol.dispose]();
    const result = future.get();
    assert.equal(result.val.tag, "err");
    assert.equal(result.val.val.tag, "HTTP-request-body-size");
    future[Symbol.dispose]();
    const stats = worker("stats");
    assert.equal(stats.bodies, 0);
    assert.equal(stats.exchanges, 0);
  });

  test("outside a call nothing goes out", () => {
    const handler = createImport(host);
    host.call = { deadline: 0, outbound: [], logLines: 0 };
    const error = caught(() => handler.handle(request("http", `127.0.0.1:${new URL(allowed.url).port}`), undefined));
    assert.equal(error.tag, "HTTP-response-timeout");
  });
});
