// conformance.mjs, run as the Rust e2e test runs it: a list of calls on stdin, WIT JSON on stdout.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, test } from "node:test";
import { COMPONENT, PACKAGE_DIR, simulator } from "./support.js";

let sim;
before(async () => {
  sim = await simulator();
});

function run(calls) {
  const env = { ...process.env, S1_SIM_URL: sim.url };
  if (COMPONENT) env.S1_PLUGIN_WASM = COMPONENT;
  const out = spawnSync(process.execPath, [join(PACKAGE_DIR, "conformance.mjs")], { input: JSON.stringify(calls), env, encoding: "utf8", timeout: 120_000 });
  assert.equal(out.status, 0, out.stderr);
  return { results: JSON.parse(out.stdout), stdout: out.stdout };
}

const keysDeep = (value, keys = new Set()) => {
  if (Array.isArray(value)) value.forEach((v) => keysDeep(v, keys));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) keysDeep(v, keys.add(k));
  return keys;
};

test("the conformance runner answers each call in WIT JSON", () => {
  const { admin, viewer, expired, unknown } = sim.tokens;
  const calls = [
    { export: "describe", token: admin },
    ...[admin, viewer, expired, unknown].map((token) => ({ export: "check", token })),
    { export: "organizations", token: admin },
    { export: "organizations", token: unknown },
    { export: "invoke", token: admin, action: "agents.list", input: { osTypes: ["linux"], isActive: true, maxItems: 30, sortBy: "computerName" } },
    { export: "invoke", token: admin, action: "agents.isolate", input: { filter: { osTypes: ["macos"] }, dryRun: true } },
    { export: "invoke", token: admin, action: "agents.isolate", input: { ids: [] } },
    { export: "invoke", token: viewer, action: "agents.isolate", input: { ids: ["1"] } },
    { export: "invoke", token: admin, action: "system.info", input: {}, allow_loopback_http: false },
    { export: "check", token: admin, allow_loopback_http: false },
  ];
  const { results, stdout } = run(calls);
  assert.equal(results.length, calls.length);
  const [describe, ready, warned, expiredCheck, unknownCheck, tree, treeUnknown, list, dryRun, empty, forbidden, denied, deniedCheck] = results;

  assert.ok(describe.ok.actions.length > 10);
  assert.ok(typeof describe.ok["api-version"] === "string");
  assert.ok(describe.ok.actions.every((a) => typeof a["input-schema"] === "string" && typeof a["minimum-role"] === "string"));
  assert.ok(describe.ok["config-keys"].some((k) => k.name === "url" && k.required === true));

  assert.equal(ready.ok.verdict, "ready");
  assert.equal(ready.ok["can-act"], true);
  assert.equal(ready.ok.failure, null);
  assert.equal(warned.ok.verdict, "ready-with-warnings");
  assert.ok(warned.ok.findings.some((f) => f.code === "read-only-role"));
  for (const report of [expiredCheck, unknownCheck]) {
    assert.equal(report.ok.verdict, "not-ready");
    assert.equal(report.ok.failure.tag, "unauthorized");
    assert.deepEqual(Object.keys(report.ok.failure.val).sort(), ["code", "detail", "status", "title"]);
  }

  assert.ok(tree.ok.accounts.length > 0 && "all-sites" in tree.ok);
  assert.equal(treeUnknown.error.tag, "unauthorized");

  // An invoke's output is the plugin's JSON, untouched (camelCase as the plugin writes it).
  assert.equal(list.ok.items.length, 30);
  assert.ok(list.ok.items.every((a) => a.osType === "linux" && a.isActive === true));
  assert.equal(dryRun.ok.dryRun, true);
  assert.equal(typeof dryRun.ok.wouldAffect, "number");
  assert.equal(empty.error.tag, "invalid-input");
  assert.equal(forbidden.error.tag, "forbidden");
  assert.equal(forbidden.error.val.status, 403);

  assert.equal(denied.error.tag, "request-denied");
  assert.equal(typeof denied.error.val, "string");
  assert.equal(deniedCheck.ok.verdict, "not-ready");
  assert.equal(deniedCheck.ok.failure.tag, "request-denied");

  // WIT field names only: no camelCase key outside invoke outputs.
  const witKeys = keysDeep([describe, ready, warned, expiredCheck, unknownCheck, tree, treeUnknown, forbidden, denied, deniedCheck]);
  for (const key of witKeys) assert.ok(!/[A-Z]/.test(key), key);
  for (const token of Object.values(sim.tokens)) assert.ok(!stdout.includes(token));
});
