"""
A WeCom-compatible group robot on 127.0.0.1 for tests: a real HTTP server in a
thread that records every post and answers as told (errcode 0, a non-zero
errcode, an HTTP error, or nothing within the client's timeout).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class RobotReceiver:
    def __init__(self) -> None:
        self.posts: list[dict] = []  # {"path", "query", "body"}
        # What to answer next, one per post; when empty, errcode 0.
        self.answers: list[str] = []
        self._release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                split = urlsplit(self.path)
                receiver.posts.append(
                    {"path": split.path, "query": parse_qs(split.query), "body": body}
                )
                answer = receiver.answers.pop(0) if receiver.answers else "ok"
                if answer == "hang":
                    # Past the client's timeout; released when the test ends.
                    receiver._release.wait(30)
                    return
                if answer == "http500":
                    self.send_response(500)
                    self.end_headers()
                    return
                reply = (
                    {"errcode": 0, "errmsg": "ok"}
                    if answer == "ok"
                    else {"errcode": 93000, "errmsg": "invalid webhook url"}
                )
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/cgi-bin/webhook/send?key=SECRET-KEY-do-not-show"

    def __enter__(self) -> RobotReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
