"""The Python host against a running simulator (its URL and tokens come from the environment,
set by the Rust test that starts it: `tests/python_host.rs`)."""

import io
import json
import os
import unittest
import zipfile

from s1_host import Plugin, PluginError

COMPONENT = os.environ["S1_PLUGIN_WASM"]
URL = os.environ["S1_SIM_URL"]
TOKENS = json.loads(os.environ["S1_SIM_TOKENS"])


def plugin(token="admin", **options):
    return Plugin(COMPONENT, console=URL, token=TOKENS[token], allow_loopback_http=True, **options)


class PythonHost(unittest.TestCase):
    def test_describe_lists_every_action_with_a_schema(self):
        info = plugin().describe()
        names = [a["name"] for a in info["actions"]]
        self.assertIn("agents.list", names)
        for action in info["actions"]:
            self.assertEqual(json.loads(action["input-schema"])["type"], "object")

    def test_check_with_an_admin_token_is_ready(self):
        report = plugin().check()
        self.assertEqual(report["verdict"], "ready")
        self.assertTrue(report["can-act"])
        self.assertEqual(report["identity"]["name"], "Ada Admin")

    def test_check_with_a_viewer_token_warns_that_actions_will_be_refused(self):
        report = plugin("viewer").check()
        self.assertEqual(report["verdict"], "ready-with-warnings")
        self.assertIn("read-only-role", [f["code"] for f in report["findings"]])

    def test_invoke_lists_agents_with_filters(self):
        output = plugin().invoke("agents.list", {"osTypes": ["linux"], "isActive": True, "maxItems": 20})
        self.assertEqual(output["returned"], len(output["items"]))
        self.assertTrue(all(a["osType"] == "linux" and a["isActive"] for a in output["items"]))

    def test_invalid_input_is_a_typed_error(self):
        with self.assertRaises(PluginError) as caught:
            plugin().invoke("agents.list", {"limit": 5000})
        self.assertEqual(caught.exception.tag, "invalid-input")
        self.assertEqual(caught.exception.val["field"], "/limit")

    def test_a_viewer_is_forbidden_to_act(self):
        agent = plugin().invoke("agents.list", {"maxItems": 1})["items"][0]["id"]
        with self.assertRaises(PluginError) as caught:
            plugin("viewer").invoke("agents.isolate", {"ids": [agent]})
        self.assertEqual(caught.exception.tag, "forbidden")
        self.assertEqual(caught.exception.val["status"], 403)

    def test_organizations_maps_accounts_sites_and_groups(self):
        tree = plugin().organizations()
        self.assertTrue(tree["accounts"])
        self.assertTrue(all(account["sites"] for account in tree["accounts"]))

    def test_collect_returns_events_and_a_checkpoint(self):
        batch = plugin("viewer").collect("threats", since="2020-01-01T00:00:00Z", max_events=50)
        self.assertEqual(len(batch["events"]), 50)
        self.assertFalse(batch["caught-up"])
        again = plugin("viewer").collect("threats", checkpoint=batch["checkpoint"], max_events=50)
        first = {json.loads(e)["eventId"] for e in batch["events"]}
        self.assertTrue(first.isdisjoint(json.loads(e)["eventId"] for e in again["events"]))

    def test_download_returns_an_agent_upload_as_bytes(self):
        host = plugin()
        agent = host.invoke("agents.list", {"isActive": True, "osTypes": ["windows"], "maxItems": 1})["items"][0]["id"]
        host.invoke("agents.fetch-files", {"id": agent, "files": ["C:\\Temp\\a.txt"], "password": "Zip-Pass-2026!"})
        newest = host.invoke("activities.list", {"agentIds": [agent], "sortBy": "createdAt", "sortOrder": "desc", "maxItems": 1})
        activity = newest["items"][0]["data"]["downloadUrl"].rsplit("/", 1)[1]
        file = host.download({"tag": "agent-upload", "val": {"agent-id": agent, "activity-id": activity}})
        self.assertEqual(file["content-type"], "application/zip")
        manifest = zipfile.ZipFile(io.BytesIO(file["bytes"])).read("manifest.json", pwd=b"Zip-Pass-2026!")
        self.assertIn("a.txt", manifest.decode())

    def test_a_plain_http_console_is_refused_without_the_loopback_flag(self):
        strict = Plugin(COMPONENT, console=URL, token=TOKENS["admin"])
        with self.assertRaises(PluginError) as caught:
            strict.invoke("system.info", {})
        self.assertEqual(caught.exception.tag, "request-denied")


if __name__ == "__main__":
    unittest.main()
