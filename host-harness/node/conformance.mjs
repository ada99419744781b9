// Runs a list of calls through the Node host and prints their results, for the conformance test
// that sends the same list through the Rust host (mirrors host-harness/python/conformance.py).
//
// stdin: a JSON list of {"export", "token", "action"?, "input"?, "allow_loopback_http"?}, where
// "export" is describe, check, organizations or invoke;
// stdout: a JSON list of {"ok": <value>} or {"error": {"tag", "val"}}, values in WIT JSON
// (kebab-case fields, enums and variant cases by their WIT names, absent options null); an
// invoke's value is its output JSON, untouched.
//
// Environment: S1_SIM_URL (the console, plain http on loopback), S1_PLUGIN_WASM (optional: the
// component, checked against the one `npm run build` transpiled).

import { readFileSync } from "node:fs";
import { createPlugin, PluginError, toWitJson } from "./src/index.js";

const url = process.env.S1_SIM_URL;
if (!url) {
  console.error("S1_SIM_URL is not set");
  process.exit(2);
}
const component = process.env.S1_PLUGIN_WASM || undefined;
const calls = JSON.parse(readFileSync(0, "utf8"));
const plugins = new Map();
const results = [];
for (const call of calls) {
  const allowLoopbackHttp = call.allow_loopback_http ?? true;
  const key = JSON.stringify([call.token, allowLoopbackHttp]);
  if (!plugins.has(key)) {
    plugins.set(key, await createPlugin({ component, console: url, token: call.token, allowLoopbackHttp }));
  }
  const plugin = plugins.get(key);
  try {
    switch (call.export) {
      case "describe":
        results.push({ ok: toWitJson(plugin.describe()) });
        break;
      case "check":
        results.push({ ok: toWitJson(plugin.check()) });
        break;
      case "organizations":
        results.push({ ok: toWitJson(plugin.organizations()) });
        break;
      case "invoke":
        results.push({ ok: plugin.invoke(call.action, call.input) });
        break;
      default:
        throw new Error(`unknown export ${call.export}`);
    }
  } catch (error) {
    if (!(error instanceof PluginError)) throw error;
    results.push({ error: error.toJSON() });
  }
}
for (const plugin of plugins.values()) plugin.close();
process.stdout.write(JSON.stringify(results));
