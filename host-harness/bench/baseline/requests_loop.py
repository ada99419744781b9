"""The bulk path as users write it without the plugin: a plain `requests` loop that pages
`GET agents` (limit 1000, following `nextCursor`) and writes NDJSON. The side-by-side baseline
for `s1-harness collect --stream agents` (see the README's Performance section).

    python3 requests_loop.py http://127.0.0.1:PORT TOKEN out.ndjson [--transfer-only]

`--transfer-only` reads the pages without parsing them: what the server and the network alone
cost, the floor under any client.
"""

import json
import re
import sys
import time

import requests


def main() -> None:
    url, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
    transfer_only = "--transfer-only" in sys.argv
    session = requests.Session()
    session.headers["Authorization"] = f"ApiToken {token}"
    started, count, pages, cursor = time.time(), 0, 0, None
    with open(out, "w", encoding="utf-8") as sink:
        while True:
            params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            response = session.get(f"{url}/web/api/v2.1/agents", params=params)
            response.raise_for_status()
            pages += 1
            if transfer_only:
                found = re.search(rb'"nextCursor":\s*"([^"]+)"', response.content[-4096:])
                cursor = found.group(1).decode() if found else None
            else:
                body = response.json()
                for item in body["data"]:
                    sink.write(json.dumps(item))
                    sink.write("\n")
                    count += 1
                cursor = body["pagination"].get("nextCursor")
            if not cursor or cursor == "null":
                break
    print(f"{count} agents, {pages} pages in {time.time() - started:.3f} s")


if __name__ == "__main__":
    main()
