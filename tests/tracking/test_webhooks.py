"""The HTTP side of webhook delivery (options/tracking/webhooks.py), tested as a receiver sees it:
a real HTTP(S) server on 127.0.0.1 in a thread, and standardwebhooks' own verification. No
database; no real DNS (getaddrinfo is replaced for the whole module: names come from the `dns`
fixture, numeric addresses are only parsed)."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from options.tracking import webhooks
from options.tracking.webhooks import UnsafeURL, check_url, post

TIMEOUT = 0.5  # seconds: the servers that stall stall for much longer (STALL)
STALL = 5.0
SLACK = 2.5  # what a loaded machine may add to a deadline (still well under STALL)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


# --- fake DNS ----------------------------------------------------------------------------------

_real_getaddrinfo = socket.getaddrinfo


class FakeDNS(dict):
    """Names to addresses; every getaddrinfo call is recorded. Numeric hosts are parsed by the
    real getaddrinfo with AI_NUMERICHOST (so 2130706433 and 0177.0.0.1 become 127.0.0.1 as they
    would), and any other name does not resolve."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        self.calls.append(host)
        if host in self:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    socket.IPPROTO_TCP,
                    "",
                    (address, port, 0, 0) if ":" in address else (address, port),
                )
                for address in self[host]
            ]
        try:
            return _real_getaddrinfo(host, port, family, type, proto, socket.AI_NUMERICHOST)
        except socket.gaierror:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    fake = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    return fake


# --- the receiver ------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Answers by path: /ok, /long, /error, /redirect (to /target), /target, /sleep, /drip-status,
    /drip-body, /endless."""

    server: "Receiver"

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        # Header names in lower case, as a receiver should compare them.
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.received.append((self.path, headers, body))
        try:
            getattr(self, "answer_" + self.path.strip("/").replace("-", "_"))()
        except OSError:
            pass  # the client gave up, as it should

    def reply(self, status, body=b"", **headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer_ok(self):
        self.reply(200, b"thanks")

    def answer_long(self):
        self.reply(200, ("é" * 3000).encode())

    def answer_error(self):
        self.reply(500, b"boom")

    def answer_redirect(self):
        self.reply(302, Location=self.server.url("/target"))

    def answer_target(self):
        self.reply(200, b"should never be reached")

    def answer_sleep(self):
        self.server.stop.wait(STALL)
        self.reply(200, b"too late")

    def drip(self, data: bytes):
        """One byte every 0.1 s: each well within the timeout, all together far beyond it."""
        for i in range(len(data)):
            if self.server.stop.wait(0.1):
                return
            self.wfile.write(data[i : i + 1])

    def answer_drip_status(self):
        self.drip(b"HTTP/1.0 200 OK\r\nX-Padding: " + b"a" * 100 + b"\r\n\r\n")

    def answer_drip_body(self):
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b"x")
        self.drip(b"x" * 99)

    def answer_endless(self):
        """A body without a length, sent until the client hangs up."""
        self.send_response(200)
        self.end_headers()
        chunk = b"y" * 65536
        while not self.server.stop.is_set():
            self.wfile.write(chunk)


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.received = []
        self.stop = threading.Event()
        self.scheme = "http"
        self.host = "127.0.0.1"

    @property
    def port(self):
        return self.server_address[1]

    def url(self, path):
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    @property
    def paths(self):
        return [path for path, _headers, _body in self.received]

    def handle_error(self, request, client_address):
        pass  # a TLS handshake the client rejected, a reset: what the tests provoke


def serve(server):
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def receiver():
    yield from serve(Receiver())


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A CA and, signed by it, a certificate for receiver.example (made with openssl)."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is needed to make the test certificates")
    d = tmp_path_factory.mktemp("certs")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    (d / "san.ext").write_text("subjectAltName=DNS:receiver.example\n")
    for command in (
        ["req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2"]
        + ["-subj", "/CN=policytracker test CA"],
        ["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=receiver"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key"]
        + ["-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"],
    ):
        subprocess.run([openssl, *command], cwd=d, check=True, capture_output=True)
    return d


@pytest.fixture
def tls_receiver(certificates, dns):
    """The receiver over https, as receiver.example; it records the TLS server names asked for."""
    server = Receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    server.server_names = []
    context.sni_callback = lambda sslsock, name, ctx: server.server_names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.scheme, server.host = "https", "receiver.example"
    dns["receiver.example"] = ["127.0.0.1"]
    yield from serve(server)


@pytest.fixture
def trust_test_ca(certificates, monkeypatch):
    """post()'s default TLS context, trusting the test CA instead of the system's."""
    context = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    monkeypatch.setattr(webhooks, "_tls_context", lambda: context)


def signed(secrets, body=b'{"type": "stance.changed"}', webhook_id="msg_2Kx9"):
    return body, webhooks.headers(
        secrets, webhook_id=webhook_id, timestamp=int(time.time()), body=body
    )


def timed_post(url, **kwargs):
    body, headers = signed([new_secret()])
    started = time.monotonic()
    outcome = post(url, body, headers, allow_private=True, **kwargs)
    return outcome, time.monotonic() - started


# --- signatures --------------------------------------------------------------------------------


def test_a_signed_post_arrives_and_verifies(receiver):
    secret = new_secret()
    body = json.dumps({"type": "stance.changed", "data": {"stakeholder": 7}}).encode()
    body, headers = signed([secret], body=body)

    outcome = post(receiver.url("/ok"), body, headers, timeout=2, allow_private=True)

    assert outcome.succeeded, outcome
    [(path, got_headers, got_body)] = receiver.received
    assert (path, got_body) == ("/ok", body)
    assert Webhook(secret).verify(got_body, got_headers) == {
        "type": "stance.changed",
        "data": {"stakeholder": 7},
    }
    assert got_headers["webhook-id"] == "msg_2Kx9"
    assert got_headers["content-type"] == "application/json"
    assert got_headers["user-agent"] == "policytracker-webhooks/1"
    assert got_headers["host"] == f"127.0.0.1:{receiver.port}"


def test_during_a_rotation_both_secrets_verify_and_a_wrong_one_does_not(receiver):
    old, new = new_secret(), new_secret()
    body, headers = signed([new, old])

    assert post(receiver.url("/ok"), body, headers, timeout=2, allow_private=True).succeeded

    [(_path, got_headers, got_body)] = receiver.received
    assert len(got_headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(got_body, got_headers)  # a receiver that has not rotated yet
    Webhook(new).verify(got_body, got_headers)  # one that already forgot the old secret
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(got_body, got_headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(got_body + b" ", got_headers)  # the body is what is signed


def test_the_signature_is_the_hmac_of_id_timestamp_and_body():
    key = os.urandom(32)
    secret = "whsec_" + base64.b64encode(key).decode()
    body = '{"title": "Position disputed — ça change"}'.encode()

    value = webhooks.signature([secret], webhook_id="msg_1", timestamp=1700000000, body=body)

    expected = hmac.new(key, b"msg_1.1700000000." + body, hashlib.sha256).digest()
    assert value == "v1," + base64.b64encode(expected).decode()
    with pytest.raises(ValueError):
        webhooks.signature([], webhook_id="msg_1", timestamp=1700000000, body=body)


# --- outcomes ----------------------------------------------------------------------------------


def test_200(receiver):
    outcome, _elapsed = timed_post(receiver.url("/ok"), timeout=2)

    assert outcome == webhooks.Outcome(
        status_code=200,
        latency_ms=outcome.latency_ms,
        succeeded=True,
        error="",
        excerpt="thanks",
    )
    assert outcome.latency_ms > 0


def test_a_long_body_is_cut_to_the_excerpt(receiver):
    outcome, _elapsed = timed_post(receiver.url("/long"), timeout=2)

    assert outcome.succeeded
    assert outcome.excerpt == "é" * webhooks.EXCERPT_CHARS == "é" * 1000


def test_500(receiver):
    outcome, _elapsed = timed_post(receiver.url("/error"), timeout=2)

    assert (outcome.status_code, outcome.succeeded, outcome.error) == (500, False, "HTTP 500")
    assert outcome.excerpt == "boom"


def test_a_redirect_is_not_followed(receiver):
    outcome, _elapsed = timed_post(receiver.url("/redirect"), timeout=2)

    assert (outcome.status_code, outcome.succeeded) == (302, False)
    assert outcome.error == f"redirect to {receiver.url('/target')} not followed (HTTP 302)"
    time.sleep(0.1)
    assert receiver.paths == ["/redirect"]


@pytest.mark.parametrize("path", ["/sleep", "/drip-status"])
def test_a_stalling_server_times_out_within_the_timeout(receiver, path):
    outcome, elapsed = timed_post(receiver.url(path), timeout=TIMEOUT)

    assert outcome.status_code is None
    assert not outcome.succeeded
    assert outcome.error == "timed out after 0.5 s"
    # (Margins for a loaded machine; without the deadline it would take STALL seconds.)
    assert TIMEOUT - 0.05 <= elapsed < TIMEOUT + SLACK
    assert TIMEOUT * 1000 - 50 <= outcome.latency_ms < (TIMEOUT + SLACK) * 1000


def test_a_body_dripping_after_a_200_is_cut_at_the_deadline(receiver):
    outcome, elapsed = timed_post(receiver.url("/drip-body"), timeout=TIMEOUT)

    assert elapsed < TIMEOUT + SLACK
    # The receiver has answered: a duplicate delivery would not make it answer better.
    assert (outcome.status_code, outcome.succeeded, outcome.error) == (200, True, "")
    assert 1 <= len(outcome.excerpt) < 100
    assert set(outcome.excerpt) == {"x"}


def test_a_huge_body_is_not_read_to_its_end(receiver):
    outcome, elapsed = timed_post(receiver.url("/endless"), timeout=STALL)

    # Reading the endless body would last until the timeout.
    assert elapsed < STALL - 1
    assert outcome.succeeded
    assert outcome.excerpt == "y" * 1000


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed at once: nothing listens there

    outcome, elapsed = timed_post(f"http://127.0.0.1:{port}/", timeout=10)

    assert outcome.status_code is None
    assert not outcome.succeeded
    assert outcome.error == "connection refused"
    assert elapsed < 3  # at once, not after the timeout


def test_post_connects_to_the_address_it_checked_without_a_second_lookup(
    receiver, dns, monkeypatch
):
    """Against DNS rebinding: a name that resolves to the checked address once, and elsewhere
    after, is still reached at the checked address, under its own name."""
    dns["receiver.example"] = ["127.0.0.1"]
    original = dns.getaddrinfo

    def rebinding(host, *args, **kwargs):
        result = original(host, *args, **kwargs)
        dns["receiver.example"] = ["203.0.113.9"]  # TEST-NET-3: unreachable
        return result

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    outcome, _elapsed = timed_post(f"http://receiver.example:{receiver.port}/ok", timeout=2)

    assert outcome.succeeded, outcome
    assert dns.calls == ["receiver.example"]
    [(_path, got_headers, _body)] = receiver.received
    assert got_headers["host"] == f"receiver.example:{receiver.port}"


# --- https -------------------------------------------------------------------------------------


def test_https_verifies_the_certificate_with_the_default_context(tls_receiver):
    """The test CA is not among the system's: the certificate is rejected, the request never
    sent; the TLS server name asked for is the URL's host, not the address."""
    outcome, _elapsed = timed_post(tls_receiver.url("/ok"), timeout=2)

    assert outcome.status_code is None
    assert outcome.error.startswith("TLS certificate rejected: "), outcome.error
    assert tls_receiver.received == []
    assert tls_receiver.server_names == ["receiver.example"]


def test_https_to_a_trusted_certificate(tls_receiver, trust_test_ca):
    secret = new_secret()
    body, headers = signed([secret])

    outcome = post(tls_receiver.url("/ok"), body, headers, timeout=2, allow_private=True)

    assert outcome.succeeded, outcome
    [(_path, got_headers, got_body)] = tls_receiver.received
    assert got_headers["host"] == f"receiver.example:{tls_receiver.port}"
    Webhook(secret).verify(got_body, got_headers)


def test_https_rejects_a_certificate_for_another_name(tls_receiver, trust_test_ca, dns):
    dns["other.example"] = ["127.0.0.1"]

    outcome, _elapsed = timed_post(f"https://other.example:{tls_receiver.port}/ok", timeout=2)

    assert outcome.error.startswith("TLS certificate rejected: "), outcome.error
    assert "other.example" in outcome.error
    assert tls_receiver.received == []


# --- check_url ---------------------------------------------------------------------------------

PRIVATE = "private address"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.org/hook", "The webhook URL must use https."),
        ("ftp://example.org/hook", "The webhook URL must use https."),
        ("https://127.0.0.1/", "is a private address (127.0.0.1)"),
        ("https://localhost/", "resolves to a private address (127.0.0.1)"),
        ("https://10.0.0.1/", PRIVATE),
        ("https://172.16.0.1/", PRIVATE),
        ("https://192.168.1.1/", PRIVATE),
        ("https://169.254.169.254/latest/meta-data/", PRIVATE),
        ("https://100.64.0.1/", PRIVATE),
        ("https://0.0.0.0/", PRIVATE),
        ("https://255.255.255.255/", PRIVATE),
        ("https://224.0.0.1/", PRIVATE),  # multicast, though "global"
        ("https://[::1]/", PRIVATE),
        ("https://[::ffff:127.0.0.1]/", PRIVATE),
        ("https://[fc00::1]/", PRIVATE),
        ("https://[fe80::1]/", PRIVATE),
        ("https://[ff0e::1]/", PRIVATE),
        ("https://[2002:7f00:1::]/", PRIVATE),  # 6to4 of 127.0.0.1
        ("https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", PRIVATE),  # Teredo, 127.0.0.1
        ("https://[64:ff9b::a00:1]/", PRIVATE),  # NAT64 of 10.0.0.1
        ("https://[::7f00:1]/", PRIVATE),  # IPv4-compatible 127.0.0.1
        ("https://2130706433/", "resolves to a private address (127.0.0.1)"),
        ("https://0177.0.0.1/", "resolves to a private address (127.0.0.1)"),
        ("https://mixed.example/", "resolves to a private address (10.0.0.5)"),
        ("https://user:pw@example.org/", "must not contain a user name or password"),
        ("https://user@example.org/", "must not contain a user name or password"),
        ("https://nowhere.example/", "host (nowhere.example) does not resolve"),
        ("https:///hook", "has no host"),
        ("https://example.org:99999/", "not valid"),
        ("https://example.org/a hook", "spaces or control characters"),
    ],
)
def test_check_url_refuses(dns, url, message):
    dns["example.org"] = ["93.184.216.34"]
    dns["localhost"] = ["127.0.0.1"]
    dns["mixed.example"] = ["93.184.216.34", "10.0.0.5"]

    with pytest.raises(UnsafeURL) as refusal:
        check_url(url, allow_private=False)

    assert message in str(refusal.value)
    assert str(refusal.value).endswith(".")


def test_a_private_address_message_is_a_sentence_for_the_user(dns):
    dns["internal.example"] = ["10.0.0.5"]

    with pytest.raises(UnsafeURL) as refusal:
        check_url("https://internal.example/hook", allow_private=False)

    assert str(refusal.value) == (
        "The webhook URL's host resolves to a private address (10.0.0.5): webhooks go only to "
        "public addresses."
    )


def test_check_url_accepts_a_public_host_and_returns_its_addresses(dns):
    dns["example.org"] = ["93.184.216.34"]
    dns["dual.example"] = ["93.184.216.34", "2606:2800:220:1::1", "93.184.216.34"]

    assert check_url("https://example.org/hook", allow_private=False) == ["93.184.216.34"]
    assert check_url("https://dual.example:8443/", allow_private=False) == [
        "93.184.216.34",
        "2606:2800:220:1::1",
    ]
    assert check_url("https://93.184.216.34/", allow_private=False) == ["93.184.216.34"]
    assert dns.calls == ["example.org", "dual.example", "93.184.216.34"]


def test_allow_private_accepts_http_and_any_address_but_not_the_rest():
    assert check_url("http://127.0.0.1:8000/", allow_private=True) == ["127.0.0.1"]
    assert check_url("https://[::1]/", allow_private=True) == ["::1"]
    with pytest.raises(UnsafeURL, match="user name or password"):
        check_url("http://user:pw@127.0.0.1:8000/", allow_private=True)
    with pytest.raises(UnsafeURL, match="https"):
        check_url("ftp://127.0.0.1/", allow_private=True)
    with pytest.raises(UnsafeURL, match="does not resolve"):
        check_url("http://nowhere.example/", allow_private=True)


def test_allow_private_none_follows_the_setting(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert check_url("http://127.0.0.1:8000/") == ["127.0.0.1"]

    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(UnsafeURL, match="https"):
        check_url("http://127.0.0.1:8000/")
    with pytest.raises(UnsafeURL, match="private address"):
        check_url("https://127.0.0.1:8000/")


# --- post() refuses what check_url refuses -----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://localhost/hook", "private address (127.0.0.1)"),
        ("http://example.org/hook", "must use https"),
        ("https://nowhere.example/hook", "does not resolve"),
    ],
)
def test_post_to_a_refused_url_makes_no_connection(dns, monkeypatch, url, reason):
    dns["localhost"] = ["127.0.0.1"]
    dns["example.org"] = ["93.184.216.34"]
    connections = []

    def no_socket(*args, **kwargs):
        connections.append(args)
        raise AssertionError("post() opened a socket")

    monkeypatch.setattr(socket, "socket", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    body, headers = signed([new_secret()])

    outcome = post(url, body, headers, timeout=1, allow_private=False)

    assert outcome.error.startswith("refused: The webhook URL"), outcome.error
    assert reason in outcome.error
    assert (outcome.status_code, outcome.succeeded, outcome.excerpt) == (None, False, "")
    assert connections == []


def test_post_follows_the_setting(receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    body, headers = signed([new_secret()])

    outcome = post(receiver.url("/ok"), body, headers, timeout=1)

    assert outcome.error == "refused: The webhook URL must use https."
    assert receiver.received == []

    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert post(receiver.url("/ok"), body, headers, timeout=1).succeeded
    assert receiver.paths == ["/ok"]
