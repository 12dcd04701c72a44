"""A learning record store in a thread, for tests of what is sent and of failures: it keeps one
statement per id (as a store must), can be down (503), and refuses statements whose verb is in
`refuse_verbs` (400), as a store refuses an invalid one. tests/xapi/test_ralph.py checks the same
against a real store."""

from __future__ import annotations

import base64
import json

from tests.http_in_thread import JsonHandler, ServerInThread

USERNAME, PASSWORD = "elearn", "store-secret"


class StoreInThread:
    def __init__(self):
        self.statements: dict[str, dict] = {}
        self.requests: list[list[dict]] = []  # the batches received, accepted or not
        self.down = False
        self.refuse_verbs: set[str] = set()
        store = self

        class Handler(JsonHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                store.requests.append(body)
                expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
                if store.down:
                    return self.answer(503, {"detail": "down"})
                if self.headers.get("Authorization") != expected:
                    return self.answer(401, {"detail": "who are you"})
                if self.headers.get("X-Experience-API-Version") != "1.0.3":
                    return self.answer(400, {"detail": "version header"})
                if any(s["verb"]["display"]["en-US"] in store.refuse_verbs for s in body):
                    return self.answer(400, {"detail": "invalid statement"})
                for statement in body:
                    store.statements.setdefault(statement["id"], statement)
                return self.answer(200, [s["id"] for s in body])

        self.server = ServerInThread(Handler)
        self.url = f"{self.server.base_url}/xAPI/"

    def verbs(self) -> list[str]:
        return [s["verb"]["display"]["en-US"] for s in self.statements.values()]

    def close(self):
        self.server.close()
