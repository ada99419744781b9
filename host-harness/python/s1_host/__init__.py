"""Run the SentinelOne WebAssembly plugin from Python, with wasmtime-py.

    from s1_host import Plugin, PluginError

    plugin = Plugin("sentinelone_plugin.wasm", console="https://usea1-acme.sentinelone.net",
                    token=secret_store["acme"], site_ids=["1834780238610855650"])
    report = plugin.check()                      # a dict, WIT field names (kebab case)
    agents = plugin.invoke("agents.list", {"isActive": True})
    batch = plugin.collect("threats", checkpoint=None, max_events=1000)

What this host guarantees, and what it cannot (read this before you deploy it):

* wasmtime-py's built-in ``wasi:http`` has **no outgoing-request hook**. This host therefore
  cannot enforce an allow-list (the plugin itself builds requests only for the configured
  console and, for ``download``, for the https links the console names: signed links to
  SentinelOne's storage, sent without the token; but a compromised plugin could reach any host),
  cannot cap response sizes (only the plugin's own 64 MiB cap applies; and wasmtime-py converts a
  downloaded ``list<u8>`` element by element, so large downloads are slow here), and cannot
  add the credential itself: **the API token goes to the plugin through its configuration**
  (``api-token``), so it lives in the guest's memory for the call. The Rust host
  (``host-harness``) keeps the token out of the sandbox and enforces all of the above.
* It refuses a console URL that is not ``https`` (plain ``http`` only to a loopback address, and
  only with ``allow_loopback_http=True``), before any call: the typed ``request-denied`` error.
* Each call runs in a fresh instance with the memory limit and a wall-clock bound (epoch
  interruption); the guest gets no environment variables, arguments, files or stdio.
* Values come back as plain Python: records as dicts with WIT's field names, variants as
  ``{"tag": ..., "val": ...}``; a plugin error raises :class:`PluginError` with the same shape.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import urllib.parse
from typing import Any, Callable, Optional

import wasmtime
import wasmtime.component as wc

__all__ = ["Plugin", "PluginError", "Fault"]

# The contract this host was written for (`wit/`): its interfaces are named with this version.
VERSION = "0.3.0"


class PluginError(Exception):
    """The plugin's typed error: ``tag`` is the WIT case (``forbidden``, ``invalid-input``, ...),
    ``val`` its payload as plain Python."""

    def __init__(self, error: dict):
        super().__init__(f"{error['tag']}: {error.get('val')}")
        self.tag: str = error["tag"]
        self.val: Any = error.get("val")

    def as_json(self) -> dict:
        return {"tag": self.tag, "val": self.val}


class Fault(Exception):
    """The host stopped a call (a trap, the memory limit, the wall-clock bound)."""


def to_python(value: Any) -> Any:
    """A component value as plain Python: records to dicts (WIT field names), variants to
    ``{"tag", "val"}``, lists to lists; strings, numbers, booleans and ``None`` as they are."""
    if isinstance(value, wc.Variant):
        return {"tag": value.tag, "val": to_python(value.payload)}
    if isinstance(value, wc.Record):
        return {key: to_python(getattr(value, key)) for key in vars(value)}
    if isinstance(value, (list, tuple)):
        return [to_python(v) for v in value]
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Plugin:
    """The plugin for one console. Loading compiles the component once; every call gets a fresh
    instance."""

    def __init__(
        self,
        component: str,
        console: str,
        token: Optional[str] = None,
        account_ids: tuple = (),
        site_ids: tuple = (),
        allow_loopback_http: bool = False,
        memory_limit_bytes: int = 128 * 1024 * 1024,
        call_timeout_seconds: float = 300.0,
        log: Optional[Callable[[str, str, str], None]] = None,
    ):
        config = wasmtime.Config()
        config.epoch_interruption = True
        self._engine = wasmtime.Engine(config)
        self._component = wc.Component.from_file(self._engine, component)
        self._console = console.strip()
        self._allow_loopback_http = allow_loopback_http
        self._memory = memory_limit_bytes
        self._timeout = call_timeout_seconds
        self._log = log or (lambda level, context, message: None)
        self._config = {
            "url": self._console,
            "call-timeout-ms": str(int(call_timeout_seconds * 1000)),
            "max-output-bytes": str(max(65536, memory_limit_bytes // 5)),
        }
        if token:
            self._config["api-token"] = token.strip()
        if account_ids:
            self._config["account-ids"] = ",".join(account_ids)
        if site_ids:
            self._config["site-ids"] = ",".join(site_ids)
        self._linker = self._make_linker()

    def _make_linker(self) -> wc.Linker:
        linker = wc.Linker(self._engine)
        linker.add_wasip2()
        linker.add_wasi_http()
        config = self._config
        levels = ["trace", "debug", "info", "warn", "error", "critical"]
        with linker.root() as root:
            with root.add_instance("wasi:config/store@0.2.0-rc.1") as store:
                store.add_func("get", lambda _store, key: config.get(key))
                store.add_func("get-all", lambda _store: list(config.items()))
            with root.add_instance("wasi:logging/logging@0.1.0-draft") as logging:
                logging.add_func("log", lambda _store, level, context, message: self._log(_level_name(level, levels), context, message))
        return linker

    def _denial(self) -> Optional[dict]:
        """The Rust host's scheme rule: https, or http to loopback when explicitly allowed."""
        url = urllib.parse.urlsplit(self._console)
        if url.scheme == "https":
            return None
        if url.scheme == "http" and self._allow_loopback_http and _is_loopback(url.hostname or ""):
            return None
        return {"tag": "request-denied", "val": f"this host allows only https (plain http only to loopback, when allowed): {self._console}"}

    def _call(self, interface: str, name: str, *args: Any, configured: bool = True) -> Any:
        if configured and (denial := self._denial()) is not None:
            raise PluginError(denial)
        store = wasmtime.Store(self._engine)
        store.set_limits(memory_size=self._memory)
        store.set_wasi(wasmtime.WasiConfig())
        store.set_wasi_http()
        # A wall-clock bound: the epoch advances once when the time is up, which traps the guest
        # at its next check (not while it waits inside an HTTP request: the request's own
        # timeouts bound that).
        store.set_epoch_deadline(1)
        timer = threading.Timer(self._timeout, self._engine.increment_epoch)
        timer.start()
        try:
            instance = self._linker.instantiate(store, self._component)
            parent = instance.get_export_index(store, f"sentinelone:plugin/{interface}@{VERSION}")
            func = instance.get_func(store, instance.get_export_index(store, name, parent))
            result = func(store, *args)
            value = to_python(result)
            func.post_return(store)
            return value
        except wasmtime.Trap as trap:
            raise Fault(str(trap)) from None
        except wasmtime.WasmtimeError as error:
            raise Fault(str(error)) from None
        finally:
            timer.cancel()

    def describe(self) -> dict:
        """What the plugin is and its action catalog (sends no request)."""
        return self._call("integration", "describe", configured=False)

    def check(self) -> dict:
        """The connection test: a report, never an exception for a console problem."""
        denial = self._denial()
        if denial is not None:
            return {"verdict": "not-ready", "summary": f"Not ready: {denial['val']}", "console": None, "identity": None, "token": None,
                    "can-act": False, "findings": [{"severity": "error", "code": "request-denied", "message": denial["val"]}], "failure": denial}
        return self._call("integration", "check")

    def invoke(self, action: str, input: Any = None) -> Any:
        """Runs an action; `input` is a dict (or a JSON text). Returns the output, parsed."""
        text = input if isinstance(input, str) else json.dumps(input or {})
        value = self._call("integration", "invoke", action, text)
        if isinstance(value, dict):
            raise PluginError(value)
        return json.loads(value)

    def organizations(self) -> dict:
        """The accounts → sites → groups tree."""
        value = self._call("organizations", "tree")
        if "tag" in value:
            raise PluginError(value)
        return value

    def streams(self) -> list:
        """The streams `collect` accepts."""
        return self._call("collection", "streams", configured=False)

    def collect(self, stream: str, checkpoint: Optional[str] = None, max_events: int = 1000, since: Optional[str] = None,
                settle_seconds: Optional[int] = None, revisit_seconds: Optional[int] = None) -> dict:
        """The next events of `stream` after `checkpoint` (see the `collection` interface)."""
        options = wc.Record()
        for key, value in {"max-events": max_events, "since": since, "settle-seconds": settle_seconds, "revisit-seconds": revisit_seconds}.items():
            setattr(options, key, value)
        value = self._call("collection", "collect", stream, checkpoint, options)
        if "tag" in value:
            raise PluginError(value)
        return value

    def download(self, source: dict) -> dict:
        """A file as bytes (see the `downloads` interface). ``source`` is
        ``{"tag": "agent-upload", "val": {"agent-id": ..., "activity-id": ...}}``,
        ``{"tag": "threat-from-cloud", "val": threat_id}`` or ``{"tag": "script-result", "val": task_id}``;
        the result is ``{"name", "content-type", "origin", "bytes"}``. This host cannot restrict
        origins: signed links on SentinelOne's storage are fetched (without the token) whatever
        their host."""
        tag, val = source.get("tag"), source.get("val")
        if tag == "agent-upload" and isinstance(val, dict):
            payload = wc.Record()
            for key in ("agent-id", "activity-id"):
                setattr(payload, key, str(val.get(key, "")))
            val = payload
        elif tag in ("threat-from-cloud", "script-result"):
            val = str(val)
        else:
            raise ValueError("source must be an agent-upload, threat-from-cloud or script-result variant")
        value = self._call("downloads", "download", wc.Variant(tag, val))
        if "tag" in value:
            raise PluginError(value)
        value["bytes"] = bytes(value["bytes"])
        return value


def _level_name(level: Any, names: list) -> str:
    if isinstance(level, str):
        return level
    return names[level] if isinstance(level, int) and 0 <= level < len(names) else str(level)
