"""
The HTTP side of webhook delivery: the signature of what is sent, the refusal of addresses the
service must not call, and a POST that cannot hold a worker (docs/tracking.md).

Why it is built this way:

- Signatures follow Standard Webhooks (https://www.standardwebhooks.com/): a receiver checks
  `webhook-signature` with any of that spec's libraries, and `webhook-id` (the same on retries)
  lets it drop a delivery it already has. A subscription's secret can be rotated: during the
  overlap both secrets sign, the current one first, so a receiver that still knows only the old
  one, or already only the new one, verifies either way.
- The URL is chosen by an API user, and the request goes out from inside our network: without a
  guard, a subscription to http://169.254.169.254/ (a cloud's metadata service), to localhost or
  to an internal host would make the service a proxy into places the user cannot reach (SSRF).
  So only https, to hosts whose every address is public (`ipaddress`'s `is_global`, not multicast,
  including IPv4 addresses hidden in IPv6 ones: mapped, 6to4, Teredo, NAT64, IPv4-compatible).
  Names are resolved the way the connection would resolve them (getaddrinfo), which also turns
  the odd spellings of an address (http://2130706433/, http://0177.0.0.1/) into the address
  that is checked.
- The check is made when a subscription is saved and again before each POST, since DNS changes;
  and the POST connects to the address that was just checked, not to the name, which a second
  lookup could resolve elsewhere (DNS rebinding). The name is still the request's Host and, over
  https, the TLS server name that the certificate is verified against.
- Redirects are not followed: the place one points to was never checked, and a receiver answers
  the POST itself. A 3xx is a failure whose error names where it pointed.
- One worker delivers many subscriptions' events in turn, so a receiver must not be able to hold
  it: the whole exchange has one deadline (connect, TLS handshake, sending, and every read, so
  a server that answers one byte at a time is cut off too), and at most MAX_RESPONSE_BYTES of a
  response are read, of which EXCERPT_CHARS are kept for the delivery log.
- `post` reports, it does not raise: a refusal, a timeout or a refused connection is an
  `Outcome` with an error, which options/tracking/delivery.py logs and retries with backoff.
- Only the standard library does the HTTP (http.client, with a connection class whose connect()
  uses the checked address), and nothing here touches the database, so this can be tested
  against a real server in a thread and used wherever a URL needs checking.

Settings: WEBHOOK_ALLOW_PRIVATE (POLICYTRACKER_WEBHOOK_ALLOW_PRIVATE) lets webhooks go to any
address and over http, for development and tests on one machine; never in production.
"""

import functools
import http.client
import io
import ipaddress
import math
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from standardwebhooks.webhooks import Webhook

USER_AGENT = "policytracker-webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 1000
# DeliveryAttempt.error and Delivery.last_error hold 500 characters.
ERROR_CHARS = 500
_LOCATION_CHARS = 300

# NAT64's well-known prefix (RFC 6052): 64:ff9b::a.b.c.d is the IPv4 address a.b.c.d reached
# through a translator; and IPv4-compatible addresses (::a.b.c.d, deprecated by RFC 4291).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class UnsafeURL(ValueError):
    """A webhook URL the service refuses to call. The message is a sentence for an API user."""


def _allow_private(allow_private: bool | None) -> bool:
    if allow_private is None:
        return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))
    return allow_private


def _addresses_within(ip: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """The address and the IPv4 addresses an IPv6 address carries, which a packet to it may
    end up reaching."""
    yield ip
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            yield ip.ipv4_mapped
        if ip.sixtofour is not None:
            yield ip.sixtofour
        if ip.teredo is not None:
            yield from ip.teredo  # (server, client)
        if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
            yield ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


def is_public(address: str) -> bool:
    """Whether an IP address (a string as getaddrinfo gives it) may be called: globally
    reachable, not multicast, and so is every IPv4 address it carries."""
    ip = ipaddress.ip_address(address)
    return all(a.is_global and not a.is_multicast for a in _addresses_within(ip))


def _parse(url: str, allow_private: bool) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL that passes the checks that need no lookup."""
    if any(c <= " " or c == "\x7f" for c in url):
        raise UnsafeURL("The webhook URL must not contain spaces or control characters.")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UnsafeURL(f"The webhook URL is not valid ({e}).") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_private):
        raise UnsafeURL("The webhook URL must use https.")
    if "@" in parts.netloc:
        raise UnsafeURL("The webhook URL must not contain a user name or password.")
    if not parts.hostname:
        raise UnsafeURL("The webhook URL has no host.")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # socket.gaierror is an OSError; IDNA can't encode it
        infos = []
    addresses = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise UnsafeURL(f"The webhook URL's host ({host}) does not resolve to an address.")
    return addresses


def check_url(url: str, *, allow_private: bool | None = None) -> list[str]:
    """The addresses a webhook URL's host resolves to, in getaddrinfo's order, once each; or
    UnsafeURL if the service must not call it: not https, no host, a user name or password in
    it, a host that does not resolve, or one of whose addresses is not public.

    allow_private=True allows http and any address; None reads settings.WEBHOOK_ALLOW_PRIVATE.
    """
    allow_private = _allow_private(allow_private)
    _scheme, host, port = _parse(url, allow_private)
    addresses = _resolve(host, port)
    if not allow_private:
        try:
            ipaddress.ip_address(host)
            literal = True
        except ValueError:
            literal = False
        for address in addresses:
            if not is_public(address):
                if literal:
                    raise UnsafeURL(
                        f"The webhook URL's host is a private address ({address}): webhooks go "
                        "only to public addresses."
                    )
                raise UnsafeURL(
                    f"The webhook URL's host resolves to a private address ({address}): "
                    "webhooks go only to public addresses."
                )
    return addresses


def signature(secrets: list[str], *, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` for
    each secret (`whsec_<base64>`), space-separated, the current secret first. The body must be
    UTF-8 (JSON is): the Standard Webhooks libraries sign and verify it as text."""
    if not secrets:
        raise ValueError("A webhook needs at least one secret to be signed.")
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    text = body.decode("utf-8")
    return " ".join(Webhook(secret).sign(webhook_id, moment, text) for secret in secrets)


def headers(secrets: list[str], *, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of a webhook POST, Standard Webhooks' three included."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secrets, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
    }


@dataclass(frozen=True)
class Outcome:
    """How one POST went."""

    status_code: int | None  # None: no response (refused, timed out, connection failed)
    latency_ms: int
    succeeded: bool  # a 2xx response
    error: str  # "" on success, else a short sentence
    excerpt: str  # the start of the response body, at most EXCERPT_CHARS characters


def _remaining(deadline: float) -> float:
    """The seconds left before the deadline, or TimeoutError when there are none."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


class _DeadlineReader(io.RawIOBase):
    """A response's socket reader that gives each read only the time left before the deadline,
    so that a server sending a byte now and then cannot stretch the exchange."""

    def __init__(self, raw, sock, deadline: float):
        super().__init__()
        self._raw = raw  # the socket's SocketIO, which keeps it open until the response closes
        self._sock = sock
        self._deadline = deadline

    def readable(self):
        return True

    def readinto(self, b):
        self._sock.settimeout(_remaining(self._deadline))
        return self._raw.readinto(b)

    def close(self):
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock, *args, deadline: float, **kwargs):
        super().__init__(sock, *args, **kwargs)
        raw = self.fp.detach()  # nothing is buffered yet
        self.fp = io.BufferedReader(_DeadlineReader(raw, sock, deadline))


class _CheckedConnection:
    """Connects to the addresses check_url returned, in turn, instead of resolving the host
    again; the host stays the request's Host (and TLS server name)."""

    def _setup(self, addresses: list[str], deadline: float):
        self._addresses = addresses
        self._deadline = deadline
        self.response_class = functools.partial(_DeadlineResponse, deadline=deadline)

    def connect(self):
        error: OSError = TimeoutError("deadline passed")
        for address in self._addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(_remaining(self._deadline))
                sock.connect((address, self.port))  # a numeric address: no DNS lookup
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(_remaining(self._deadline))
                self.sock = self._wrap(sock)
                self.sock.settimeout(_remaining(self._deadline))
                return
            except OSError as e:
                sock.close()
                error = e
                if isinstance(e, TimeoutError | ssl.SSLError):
                    break  # the time is spent, or the server was reached and TLS failed
        raise error

    def _wrap(self, sock):
        return sock


class _CheckedHTTPConnection(_CheckedConnection, http.client.HTTPConnection):
    def __init__(self, host, port, *, addresses, deadline, timeout):
        super().__init__(host, port, timeout=timeout)
        self._setup(addresses, deadline)


class _CheckedHTTPSConnection(_CheckedConnection, http.client.HTTPSConnection):
    def __init__(self, host, port, *, addresses, deadline, timeout):
        super().__init__(host, port, timeout=timeout, context=_tls_context())
        self._setup(addresses, deadline)

    def _wrap(self, sock):
        # The handshake runs under the socket's timeout, which CPython applies to the whole
        # handshake; the certificate is verified for the URL's host name, sent as SNI.
        return self._context.wrap_socket(sock, server_hostname=self.host)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The default context: the system's CAs, certificates and host names verified."""
    return ssl.create_default_context()


def _error_of(e: BaseException, timeout: float) -> str:
    if isinstance(e, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, http.client.RemoteDisconnected):
        return "connection closed without a response"
    if isinstance(e, ConnectionResetError):
        return "connection reset"
    if isinstance(e, ssl.SSLCertVerificationError):
        return f"TLS certificate rejected: {e.verify_message or e.reason}"
    if isinstance(e, ssl.SSLError):
        return f"TLS error: {e.reason or e}"
    if isinstance(e, http.client.HTTPException):
        return f"invalid HTTP response ({type(e).__name__}: {e})"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror[:1].lower() + e.strerror[1:]
    return str(e) or type(e).__name__


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_body(response: http.client.HTTPResponse) -> bytes:
    """Up to MAX_RESPONSE_BYTES of the body, or what came before the deadline or the end."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size < MAX_RESPONSE_BYTES:
            chunk = response.read1(MAX_RESPONSE_BYTES - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (OSError, http.client.HTTPException):
        pass  # the status is what counts; the body is only an excerpt
    return b"".join(chunks)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float = 10.0,
    allow_private: bool | None = None,
) -> Outcome:
    """POST `body` with `headers` to a webhook URL and say how it went; never raises for a
    refused URL or a network problem.

    The URL is checked again (check_url) and the connection goes to an address that check
    returned. The exchange (connect, TLS, sending, every read) must end within `timeout` seconds
    of the call; the check's DNS lookup counts against that time, though getaddrinfo itself can
    only be bounded by the resolver's own timeout. Only the status counts: a 2xx whose body is
    cut off by the deadline still succeeded, the receiver having answered. Redirects are not
    followed. The latency runs from the call to the response (or the failure), in whole
    milliseconds rounded up.
    """
    start = time.monotonic()
    deadline = start + timeout

    def outcome(status_code=None, error="", excerpt=""):
        latency_ms = math.ceil((time.monotonic() - start) * 1000)
        return Outcome(
            status_code=status_code,
            latency_ms=latency_ms,
            succeeded=status_code is not None and 200 <= status_code < 300 and not error,
            error=_short(error, ERROR_CHARS),
            excerpt=excerpt,
        )

    try:
        allow = _allow_private(allow_private)
        addresses = check_url(url, allow_private=allow)
    except UnsafeURL as e:
        return outcome(error=f"refused: {e}")
    scheme, host, port = _parse(url, allow)
    parts = urllib.parse.urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    connection_class = _CheckedHTTPSConnection if scheme == "https" else _CheckedHTTPConnection
    conn = connection_class(host, port, addresses=addresses, deadline=deadline, timeout=timeout)
    try:
        try:
            _remaining(deadline)  # the lookup may have used it all
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException, UnicodeError) as e:
            return outcome(error=_error_of(e, timeout))
        status = response.status
        location = response.getheader("location", "")
        raw = _read_body(response)
    finally:
        conn.close()

    # Without NULs, which PostgreSQL's text does not take.
    excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS].replace("\x00", "\ufffd")
    if 200 <= status < 300:
        error = ""
    elif 300 <= status < 400 and location:
        error = f"redirect to {_short(location, _LOCATION_CHARS)} not followed (HTTP {status})"
    else:
        error = f"HTTP {status}"
    return outcome(status_code=status, error=error, excerpt=excerpt)
