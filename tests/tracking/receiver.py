"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1, in a thread, that records
what it is sent and answers as it is told."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered


class Receiver(ThreadingHTTPServer):
    """Answers each POST with the next status of `statuses` (then 200), after `delay` seconds."""

    daemon_threads = True

    def __init__(self, statuses=(), delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.statuses = list(statuses)
        self.delay = delay
        self.received: list[Received] = []
        self.arrived = 0  # requests read, answered or not yet
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def answer(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200

    def succeeded(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The successful deliveries, once there are `count` of them (or the timeout)."""
        deadline = time.monotonic() + timeout
        while len(self.succeeded()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.succeeded()

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with self.server.lock:
            self.server.arrived += 1
        if self.server.delay:
            time.sleep(self.server.delay)
        status = self.server.answer()
        with self.server.lock:
            self.server.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, status)
            )
        try:
            self.send_response(status)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"not now")
        except OSError:
            pass  # the sender is gone (a worker killed mid-delivery)

    def log_message(self, *args):
        pass
