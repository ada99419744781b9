// Milliseconds per call through the Node host, one reused instance:
//   system.info (200 calls), agents.count (100), agents.list with maxItems 2500 (5).
//
//   node bench.mjs [console-url]     # or S1_SIM_URL; the token from S1_SIM_TOKENS (admin) or S1_API_TOKEN
//   node bench.mjs                   # neither set: starts the simulator (S1_HARNESS_BIN)

import { createPlugin } from "./src/index.js";
import { simulator } from "./test/support.js";

let url = process.argv[2] || process.env.S1_SIM_URL;
let token = process.env.S1_SIM_TOKENS ? JSON.parse(process.env.S1_SIM_TOKENS).admin : process.env.S1_API_TOKEN;
if (!url || !token) {
  const sim = await simulator();
  url ??= sim.url;
  token ??= sim.tokens.admin;
}

let started = performance.now();
const plugin = await createPlugin({ component: process.env.S1_PLUGIN_WASM || undefined, console: url, token, allowLoopbackHttp: true });
const load = performance.now() - started;
started = performance.now();
plugin.describe();
const first = performance.now() - started;
console.log(`load (compile, first createPlugin): ${load.toFixed(1)} ms; first call (instantiate + describe): ${first.toFixed(1)} ms`);

function measure(name, times, input, check) {
  plugin.invoke(name, input); // warm
  const t = performance.now();
  let out;
  for (let i = 0; i < times; i++) out = plugin.invoke(name, input);
  const perCall = (performance.now() - t) / times;
  check?.(out);
  console.log(`${name.padEnd(12)} ${JSON.stringify(input).padEnd(20)} ${String(times).padStart(4)} calls  ${perCall.toFixed(2).padStart(8)} ms/call`);
}

measure("system.info", 200, {});
measure("agents.count", 100, {});
measure("agents.list", 5, { maxItems: 2500 }, (out) => {
  if (out.items.length !== 2500) throw new Error(`agents.list returned ${out.items.length} items`);
});
plugin.close();
