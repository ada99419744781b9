// The Node host against the simulator: the same behaviour the Python host's suite checks
// (host-harness/python/tests/test_plugin.py), plus what this host adds (the credential kept out of
// the sandbox, the outbound policy, caps, https with a private CA).

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { createPlugin, Fault, PluginError, toWitJson } from "../src/index.js";
import { worker } from "../src/wasi-http-types.js";
import { caught, COMPONENT, simulator } from "./support.js";

let sim;
const plugins = new Map();

before(async () => {
  sim = await simulator();
});

/** One plugin per token (reused across tests, as a platform reuses it across calls). */
async function plugin(kind = "admin", options = {}) {
  const key = `${kind}:${JSON.stringify(options)}`;
  if (!plugins.has(key)) {
    plugins.set(
      key,
      await createPlugin({ component: COMPONENT, console: sim.url, token: sim.tokens[kind], allowLoopbackHttp: true, ...options }),
    );
  }
  return plugins.get(key);
}


describe("exports", () => {
  test("describe lists every action with a JSON Schema for its input", async () => {
    const info = (await plugin()).describe();
    const names = info.actions.map((a) => a.name);
    assert.ok(names.includes("agents.list"));
    assert.ok(names.includes("agents.isolate"));
    for (const action of info.actions) assert.equal(JSON.parse(action.inputSchema).type, "object", action.name);
    const wit = toWitJson(info);
    assert.equal(wit["api-version"], "v2.1");
    assert.ok(wit.actions.every((a) => typeof a["input-schema"] === "string" && typeof a["minimum-role"] === "string"));
  });

  test("streams names the four collectable streams", async () => {
    const names = (await plugin()).streams().map((s) => s.name);
    assert.deepEqual(names.sort(), ["activities", "agents", "alerts", "threats"]);
  });

  test("organizations maps accounts, sites and groups", async () => {
    const tree = (await plugin()).organizations();
    assert.ok(tree.accounts.length > 0);
    assert.ok(tree.accounts.every((account) => account.sites.length > 0));
    const wit = toWitJson(tree);
    assert.ok("all-sites" in wit);
    assert.ok(wit.accounts[0].sites[0].groups.every((g) => typeof g["is-default"] === "boolean"));
  });

  test("collect returns events and a checkpoint that resumes without repeats", async () => {
    const viewer = await plugin("viewer");
    const batch = viewer.collect("threats", null, { since: "2020-01-01T00:00:00Z", maxEvents: 50 });
    assert.equal(batch.events.length, 50);
    assert.equal(batch.caughtUp, false);
    const again = viewer.collect("threats", batch.checkpoint, { maxEvents: 50 });
    const first = new Set(batch.events.map((e) => JSON.parse(e).eventId));
    assert.ok(again.events.length > 0);
    for (const event of again.events) assert.ok(!first.has(JSON.parse(event).eventId));
    assert.throws(() => viewer.collect("threats", null, { maxEvents: -1 }), TypeError);
    const error = caught(() => viewer.collect("threats", "not a checkpoint", { maxEvents: 5 }));
    assert.equal(error.tag, "invalid-input");
    assert.equal(error.val.field, "/checkpoint");
  });
});

describe("check verdicts per token", () => {
  test("an admin token is ready and can act", async () => {
    const report = (await plugin("admin")).check();
    assert.equal(report.verdict, "ready");
    assert.equal(report.canAct, true);
    assert.equal(report.identity.name, "Ada Admin");
    assert.equal(report.failure, undefined);
  });

  test("a viewer token is ready with a read-only warning", async () => {
    const report = (await plugin("viewer")).check();
    assert.equal(report.verdict, "ready-with-warnings");
    assert.equal(report.canAct, false);
    assert.ok(report.findings.some((f) => f.code === "read-only-role"));
  });

  test("an expired token is not ready: unauthorized", async () => {
    const report = (await plugin("expired")).check();
    assert.equal(report.verdict, "not-ready");
    assert.equal(report.failure.tag, "unauthorized");
    assert.equal(report.failure.val.status, 401);
    // The host holds the token, so the plugin cannot ask the console about its expiry: an expired
    // token reads as rejected (the Rust host in header mode says the same).
    assert.ok(report.findings.some((f) => f.code === "token-rejected"));
  });

  test("an unknown token is not ready: rejected", async () => {
    const report = (await plugin("unknown")).check();
    assert.equal(report.verdict, "not-ready");
    assert.equal(report.failure.tag, "unauthorized");
    assert.ok(report.findings.some((f) => f.code === "token-rejected"));
  });
});

describe("invoke", () => {
  test("agents.list with filters returns exactly the matching agents", async () => {
    const admin = await plugin();
    const filter = { osTypes: ["linux"], isActive: true };
    const { total } = admin.invoke("agents.count", filter);
    assert.ok(total > 0);
    const output = admin.invoke("agents.list", { ...filter, maxItems: 2500 });
    assert.equal(output.returned, output.items.length);
    assert.equal(output.items.length, total);
    assert.ok(output.items.every((a) => a.osType === "linux" && a.isActive === true));
    assert.equal(new Set(output.items.map((a) => a.id)).size, total);
    const some = admin.invoke("agents.list", { ...filter, maxItems: 20 });
    assert.equal(some.items.length, 20);
    assert.ok(some.items.every((a) => a.osType === "linux" && a.isActive === true));
  });

  test("an input the schema refuses is a typed invalid-input error", async () => {
    const admin = await plugin();
    const error = caught(() => admin.invoke("agents.list", { limit: 5000 }));
    assert.ok(error instanceof PluginError);
    assert.equal(error.tag, "invalid-input");
    assert.equal(error.val.field, "/limit");
  });

  test("a viewer is forbidden to act: a typed forbidden error", async () => {
    const agent = (await plugin()).invoke("agents.list", { maxItems: 1 }).items[0].id;
    const viewer = await plugin("viewer");
    const error = caught(() => viewer.invoke("agents.isolate", { ids: [agent] }));
    assert.ok(error instanceof PluginError);
    assert.equal(error.tag, "forbidden");
    assert.equal(error.val.status, 403);
    assert.deepEqual(Object.keys(error.val).sort(), ["code", "detail", "status", "title"]);
  });

  test("an input over the host's limit is refused before the call", async () => {
    const small = await plugin("admin", { limits: { maxInputBytes: 64 } });
    const error = caught(() => small.invoke("agents.list", { computerName__like: "x".repeat(100) }));
    assert.equal(error.tag, "invalid-input");
    assert.equal(small.lastCall?.outbound.length ?? 0, 0);
  });
});

describe("downloads", () => {
  test("an agent upload comes back as the zip's bytes", async () => {
    const admin = await plugin();
    const agent = admin.invoke("agents.list", { isActive: true, osTypes: ["windows"], maxItems: 1 }).items[0].id;
    admin.invoke("agents.fetch-files", { id: agent, files: ["C:\\Temp\\a.txt"], password: "Zip-Pass-2026!" });
    const newest = admin.invoke("activities.list", { agentIds: [agent], sortBy: "createdAt", sortOrder: "desc", maxItems: 1 });
    const activityId = newest.items[0].data.downloadUrl.split("/").pop();
    const file = admin.download({ tag: "agent-upload", val: { agentId: agent, activityId } });
    assert.ok(file.bytes instanceof Uint8Array);
    assert.deepEqual([...file.bytes.subarray(0, 2)], [0x50, 0x4b], "a zip starts with PK");
    assert.equal(file.contentType, "application/zip");
    assert.equal(file.origin, sim.url);
  });

  test("a signed link on another origin is denied: this host allows the console only", async () => {
    const admin = await plugin();
    const threat = admin.invoke("threats.list", { maxItems: 1 }).items[0].id;
    const error = caught(() => admin.download({ tag: "threat-from-cloud", val: threat }));
    assert.ok(error instanceof PluginError);
    assert.equal(error.tag, "request-denied");
    const denied = admin.lastCall.outbound.find((r) => r.denied);
    assert.ok(denied.uri.endsWith("?<redacted>"), denied.uri);
    assert.ok(!JSON.stringify(admin.lastCall).includes("X-Amz-Signature"), "the link's signature stays out of the record");
  });
});

describe("outbound policy", () => {
  test("plain http to the loopback simulator is denied without the opt-in", async () => {
    const strict = await createPlugin({ component: COMPONENT, console: sim.url, token: sim.tokens.admin });
    const error = caught(() => strict.invoke("system.info", {}));
    assert.ok(error instanceof PluginError);
    assert.equal(error.tag, "request-denied");
    assert.equal(strict.lastCall.outbound.length, 1);
    assert.match(strict.lastCall.outbound[0].denied, /plain http/);
    const report = strict.check();
    assert.equal(report.verdict, "not-ready");
    assert.equal(report.failure.tag, "request-denied");
    assert.ok(report.findings.some((f) => f.code === "request-denied"));
    strict.close();
  });

  test("plain http to a host that is not loopback is denied even with the opt-in", async () => {
    const remote = await createPlugin({ component: COMPONENT, console: "http://s1-console.invalid", token: sim.tokens.admin, allowLoopbackHttp: true });
    const error = caught(() => remote.invoke("system.info", {}));
    assert.equal(error.tag, "request-denied");
    assert.match(remote.lastCall.outbound[0].denied, /plain http to http:\/\/s1-console\.invalid:80/);
    remote.close();
  });

  test("a response over the host's cap is a transport error the plugin reports", async () => {
    const capped = await plugin("admin", { limits: { maxResponseBytes: 2000 } });
    const error = caught(() => capped.invoke("agents.list", { maxItems: 50 }));
    assert.ok(error instanceof PluginError);
    assert.equal(error.tag, "transport");
    assert.equal(error.val.kind, "response-too-large");
    // Small answers still pass.
    assert.equal(typeof capped.invoke("system.info", {}).version, "string");
  });

  test("https to the simulator works with its private CA, and fails as TLS without it", async (t) => {
    if (!sim.httpsUrl || !sim.caPem) return t.skip("the environment gives no https simulator (S1_SIM_HTTPS_URL, S1_SIM_CA)");
    const trusted = await createPlugin({ component: COMPONENT, console: sim.httpsUrl, token: sim.tokens.admin, caPem: sim.caPem });
    const report = trusted.check();
    assert.equal(report.verdict, "ready", report.summary);
    assert.ok(trusted.lastCall.outbound.every((r) => r.uri.startsWith("https://") && r.denied === null));
    assert.ok(trusted.invoke("agents.list", { maxItems: 5 }).items.length === 5);
    trusted.close();

    const untrusted = await createPlugin({ component: COMPONENT, console: sim.httpsUrl, token: sim.tokens.admin });
    const error = caught(() => untrusted.invoke("system.info", {}));
    assert.equal(error.tag, "transport");
    assert.equal(error.val.kind, "tls");
    untrusted.close();
  });
});

describe("secrets and sandbox", () => {
  test("the token never appears in any output, error or log line", async () => {
    const lines = [];
    const log = (level, context, message) => lines.push(`${level} ${context} ${message}`);
    const outputs = [];
    for (const kind of ["admin", "viewer", "expired", "unknown"]) {
      const p = await createPlugin({ component: COMPONENT, console: sim.url, token: sim.tokens[kind], allowLoopbackHttp: true, log });
      outputs.push(p.check(), p.lastCall, p.config);
      for (const [action, input] of [
        ["agents.list", { maxItems: 3 }],
        ["agents.isolate", { ids: ["1"], dryRun: false }],
        ["api.get", { path: "/users/api-token-details" }],
        ["agents.list", { limit: -1 }],
      ]) {
        try {
          outputs.push(p.invoke(action, input));
        } catch (error) {
          outputs.push(error instanceof PluginError ? error.toJSON() : String(error), error.message);
        }
        outputs.push(p.lastCall);
      }
      try {
        outputs.push(p.organizations());
      } catch (error) {
        outputs.push(error.toJSON());
      }
      p.close();
    }
    assert.ok(lines.length > 0, "the plugin logged something");
    const text = JSON.stringify(toWitJson(outputs)) + lines.join("\n");
    for (const [kind, token] of Object.entries(sim.tokens)) {
      assert.ok(!text.includes(token), `the ${kind} token leaked`);
    }
  });

  test("the plugin's configuration holds no credential", async () => {
    const p = await plugin();
    assert.deepEqual(Object.keys(p.config).sort(), ["call-timeout-ms", "max-output-bytes", "url"]);
    assert.ok(!Object.values(p.config).some((v) => v.includes(sim.tokens.admin)));
  });

  test("the guest gets no host environment variables, arguments, directories or terminal", async () => {
    process.env.S1_API_TOKEN = sim.tokens.admin;
    try {
      const p = await createPlugin({ component: COMPONENT, console: sim.url, token: sim.tokens.admin, allowLoopbackHttp: true });
      const sandbox = p.sandbox();
      assert.deepEqual(sandbox, { environment: [], arguments: [], initialCwd: null, preopens: [], terminal: false });
      // And the instance made from that import object works.
      assert.equal(p.check().verdict, "ready");
      p.close();
    } finally {
      delete process.env.S1_API_TOKEN;
    }
  });

  test("plugins for different tokens run side by side, each with its own credential", async () => {
    const admin = await plugin("admin");
    const viewer = await plugin("viewer");
    for (let i = 0; i < 3; i++) {
      assert.equal(admin.check().identity.name, "Ada Admin");
      assert.equal(viewer.check().verdict, "ready-with-warnings");
    }
  });

  test("a reused instance leaves no exchanges, bodies or streams behind", async () => {
    const p = await plugin();
    p.invoke("system.info", {});
    const before = worker("stats");
    for (let i = 0; i < 30; i++) p.invoke("agents.count", {});
    const after = worker("stats");
    assert.equal(after.exchanges, 0);
    assert.equal(after.bodies, 0);
    assert.ok(after.streams <= before.streams + 1, JSON.stringify({ before, after }));
    assert.ok(after.futures <= before.futures, JSON.stringify({ before, after }));
  });

  test("a host failure inside a call is a Fault, and the next call gets a fresh instance", async () => {
    const p = await createPlugin({ component: COMPONENT, console: sim.url, token: sim.tokens.admin, allowLoopbackHttp: true });
    assert.equal(p.check().verdict, "ready");
    // Make the plugin's configuration store throw (a host bug) the next time the plugin reads it
    // (`get-all`, which lists the configuration map's entries).
    const entries = Map.prototype.entries;
    let armed = true;
    Map.prototype.entries = function () {
      if (armed && this.has("call-timeout-ms")) {
        armed = false;
        throw new Error("configuration backend down");
      }
      return entries.call(this);
    };
    let error;
    try {
      error = caught(() => p.check());
    } finally {
      Map.prototype.entries = entries;
    }
    assert.ok(error instanceof Fault, String(error));
    assert.match(error.message, /configuration backend down/);
    assert.equal(p.check().verdict, "ready");
    p.close();
  });

  test("an instance grown past the memory budget is replaced after the call", async () => {
    const lines = [];
    const p = await createPlugin({
      component: COMPONENT,
      console: sim.url,
      token: sim.tokens.admin,
      allowLoopbackHttp: true,
      limits: { memoryBytes: 512 * 1024 },
      log: (level, context, message) => lines.push(`${level} ${context} ${message}`),
    });
    assert.equal(p.config["max-output-bytes"], String(Math.floor((512 * 1024) / 5)));
    assert.equal(p.invoke("agents.count", {}).total > 0, true);
    assert.ok(lines.some((l) => /^warn host the instance grew to \d+ bytes/.test(l)), lines.join("\n"));
    assert.equal(p.invoke("agents.count", {}).total > 0, true);
    p.close();
  });

  test("a closed plugin refuses calls", async () => {
    const p = await createPlugin({ component: COMPONENT, console: sim.url, token: sim.tokens.admin, allowLoopbackHttp: true });
    p.close();
    assert.throws(() => p.describe(), /closed/);
    assert.ok(!(caught(() => p.describe()) instanceof Fault));
  });
});
