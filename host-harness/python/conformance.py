"""Runs a list of calls through the Python host and prints their results, for the conformance
test that sends the same list through the Rust host (`tests/python_host.rs`).

stdin: a JSON list of {"export", "token", "action"?, "input"?, "allow_loopback_http"?}, where
"export" is describe, check, organizations or invoke;
stdout: a JSON list of {"ok": <value>} or {"error": {"tag", "val"}}.
"""

import json
import os
import sys

from s1_host import Plugin, PluginError


def main() -> None:
    component = os.environ["S1_PLUGIN_WASM"]
    url = os.environ["S1_SIM_URL"]
    results = []
    plugins = {}
    for call in json.load(sys.stdin):
        key = (call["token"], call.get("allow_loopback_http", True))
        if key not in plugins:
            plugins[key] = Plugin(component, console=url, token=key[0], allow_loopback_http=key[1])
        plugin = plugins[key]
        export = call["export"]
        try:
            if export == "invoke":
                value = plugin.invoke(call["action"], call["input"])
            else:
                value = getattr(plugin, export)()
            results.append({"ok": value})
        except PluginError as error:
            results.append({"error": error.as_json()})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
