// Transpiles the plugin component with jco into generated/ (gitignored).
//
//   npm run build                      # the component this repository builds
//   S1_PLUGIN_WASM=/path/x.wasm npm run build
//   npm run build -- --force           # even when generated/ matches the component already
//
// Instantiation mode (`--instantiation sync`): every `createPlugin` gets its own instance with its
// own import objects (its console, token, policy), and a trapped instance can be replaced. The
// `--map`s point the interfaces this package implements itself at its own modules (the import
// object keys then name those modules, and `src/index.js` loads exactly them); the rest
// (wasi:io, wasi:clocks, wasi:cli) comes from @bytecodealliance/preview2-shim, sandboxed.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const out = join(root, "generated");
const DEFAULT_COMPONENT = resolve(root, "../../target/component/sentinelone_plugin.wasm");
const component = resolve(process.env.S1_PLUGIN_WASM || DEFAULT_COMPONENT);

// Interfaces this package provides itself, and the module (relative to generated/) that does.
const MAPS = {
  "wasi:http/types": "../src/wasi-http-types.js",
  "wasi:http/outgoing-handler": "../src/wasi-http-outgoing-handler.js",
  "wasi:config/store": "../src/wasi-config-store.js",
  "wasi:logging/logging": "../src/wasi-logging.js",
};

if (!existsSync(component)) {
  console.error(`no component at ${component}: build the plugin first, or set S1_PLUGIN_WASM`);
  process.exit(1);
}
const jcoPackage = join(root, "node_modules/@bytecodealliance/jco/package.json");
const { version: jcoVersion, bin } = JSON.parse(readFileSync(jcoPackage, "utf8"));
const bytes = readFileSync(component);
const sha256 = createHash("sha256").update(bytes).digest("hex");

// Up to date already: the same component, jco and maps (`npm test` runs this first).
if (!process.argv.includes("--force")) {
  try {
    const built = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    if (built.sha256 === sha256 && built.jco === jcoVersion && JSON.stringify(built.maps) === JSON.stringify(MAPS)) {
      console.log(`generated/ is up to date (${component}, sha256 ${sha256.slice(0, 16)}…)`);
      process.exit(0);
    }
  } catch {
    // Not built yet.
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const args = [join(dirname(jcoPackage), bin.jco), "transpile", component, "--out-dir", out, "--name", "plugin", "--instantiation", "sync", "--quiet"];
for (const [iface, module] of Object.entries(MAPS)) args.push("--map", `${iface}=${module}`);
execFileSync(process.execPath, args, { stdio: "inherit" });

const manifest = { component, sha256, bytes: bytes.length, jco: jcoVersion, maps: MAPS };
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`transpiled ${component} (sha256 ${sha256.slice(0, 16)}…) into ${out}`);
