"""A small webhook receiver for the tests: an HTTP server in a thread that checks each signature.

It answers with the next status of ``answers`` (then with ``default``), and keeps each request it
got with whether :func:`leitplanke.webhooks.signing.verify_signature` accepted it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from leitplanke.webhooks.signing import verify_signature


@dataclass
class Received:
    """One request as the receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)

    def verifies_with(self, secret: str) -> bool:
        """Whether a receiver holding ``secret`` accepts this request (as it would have when it came)."""
        return verify_signature(secret, self.headers, self.body)


@dataclass
class Consumer:
    """Start, receive, stop."""

    secret: str = ""
    answers: list[int] = field(default_factory=list)
    default: int = 200
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/leitplanke"

    def start(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                verified = verify_signature(outer.secret, self.headers, body)
                status = outer.answers.pop(0) if outer.answers else outer.default
                outer.received.append(Received(self.path, dict(self.headers.items()), body, verified, status))
                if 300 <= status < 400:
                    self.send_response(status)
                    self.send_header("Location", "/elsewhere")
                else:
                    self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-consumer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
