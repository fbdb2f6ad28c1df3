"""One HTTP POST with a total deadline and a size cap: what ``alskg query --endpoint`` needs from urllib.

Why not plain ``urlopen(timeout=...)``: its timeout is per socket operation, so an endpoint that
drips a byte every few seconds (in its headers or its body) keeps the caller waiting for ever, and
``read()`` without a size reads whatever arrives. Here a watchdog timer shuts down every socket the
request opened when the deadline passes (connecting, the TLS handshake, headers, body and any
redirect all count against one monotonic deadline), the body is read in chunks with the clock
checked between them, and reading stops one chunk past the cap. Proxies from the environment
still apply; redirects are followed only to http(s) URLs. Name resolution is the one step a
watchdog cannot cut short (the system resolver has its own time limit).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CHUNK = 64 * 1024
ERROR_BODY_BYTES = 64 * 1024  # of an HTTP error answer: enough for its message


@dataclass(frozen=True)
class Answer:
    """What the server sent: status, content type and encoding (as given, possibly empty), body."""

    status: int
    content_type: str
    content_encoding: str
    body: bytes


class FetchError(Exception):
    """The request failed; subclasses say how. ``received`` counts the body bytes read so far."""

    def __init__(self, message: str, received: int = 0) -> None:
        super().__init__(message)
        self.received = received


class DeadlinePassed(FetchError):
    """The whole exchange did not finish within the deadline."""


class TooLarge(FetchError):
    """The body is larger than the cap (by its Content-Length, or as it arrived)."""


class CutOff(FetchError):
    """The server closed the connection before the body it announced was complete."""


class Unreachable(FetchError):
    """No answer at all: refused, reset, unknown host, TLS failure, a redirect that is not http(s)."""


class _Deadline:
    """A monotonic deadline and the watchdog that enforces it on every socket it was shown."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.expired = False
        self.received = 0
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            self.expired = True
            raise TimeoutError("deadline passed")
        return left

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for s in self._socks:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)  # a blocked recv/send in the caller returns at once

    def watch(self, sock: socket.socket) -> socket.socket:
        """Remember the connection (a duplicate descriptor: TLS wrapping detaches the original)."""
        with self._lock:
            if self.expired:
                sock.close()
                raise TimeoutError("deadline passed")
            self._socks.append(sock.dup())
        return sock

    def connector(self, create: Callable[..., socket.socket]) -> Callable[..., socket.socket]:
        def connect(address: Any, timeout: Any = None, source_address: Any = None, *args: Any) -> socket.socket:
            limit = self.left()
            if isinstance(timeout, (int, float)):
                limit = min(limit, timeout)
            return self.watch(create(address, limit, source_address, *args))
        return connect

    def wrap(self, http_class: Any) -> Callable[..., Any]:
        """A connection factory for urllib whose sockets this deadline watches."""
        def make(host: str, **kwargs: Any) -> Any:
            conn = http_class(host, **kwargs)
            conn._create_connection = self.connector(conn._create_connection)
            return conn
        return make

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for s in self._socks:
                s.close()
            self._socks.clear()


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        return super().do_open(self.deadline.wrap(http_class), req, **kwargs)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        return super().do_open(self.deadline.wrap(http_class), req, **kwargs)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise Unreachable(f"it redirected to {newurl!r}, which is not an http(s) URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        """Name the target before urllib decides: it refuses other schemes with a bare "HTTP 302",
        and follows a POST's 301/302/303 as a GET without the query (the endpoint then sees none)."""
        target = headers.get("location") or headers.get("uri")
        if target:
            newurl = urllib.parse.urljoin(req.full_url, target)
            if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
                raise Unreachable(f"it redirected (HTTP {code}) to {newurl!r}, which is not an http(s) URL")
            if req.data is not None:
                raise Unreachable(f"it redirected (HTTP {code}) to {newurl!r}; a query sent by POST is not "
                                  f"re-sent on a redirect: give that URL as the endpoint")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _read_body(resp: Any, max_bytes: int, deadline: _Deadline) -> bytes:
    length = resp.headers.get("Content-Length", "")
    if length.strip().isdigit() and int(length) > max_bytes:
        raise TooLarge(f"it announced {int(length):,} bytes")
    chunks: list[bytes] = []
    read = getattr(resp, "read1", resp.read)  # read1: whatever has arrived, so the clock is checked often
    while True:
        if time.monotonic() >= deadline.end:
            deadline.expired = True
            raise DeadlinePassed("deadline passed", deadline.received)
        chunk = read(min(CHUNK, max_bytes + 1 - deadline.received))
        if not chunk:  # the end, or the watchdog shut the socket, or the server closed it early
            if deadline.expired:
                raise DeadlinePassed("deadline passed", deadline.received)
            if getattr(resp, "length", None):  # bytes still owed by the Content-Length
                raise CutOff(f"the connection closed after {deadline.received:,} of the {length.strip()} bytes "
                             f"it announced", deadline.received)
            return b"".join(chunks)
        chunks.append(chunk)
        deadline.received += len(chunk)
        if deadline.received > max_bytes:
            raise TooLarge(f"it sent more than {max_bytes:,} bytes", deadline.received)


def _ascii_url(url: str) -> str:
    """The URL as HTTP sends it: an internationalised host name in IDNA, other non-ASCII
    characters percent-encoded (urllib would fail on them with an encoding error)."""
    if url.isascii():
        return url
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        netloc = parts.netloc.replace(host, host.encode("idna").decode("ascii")) if host else parts.netloc
    except UnicodeError as exc:
        raise ValueError(f"the host name {host!r} cannot be encoded ({exc})") from None
    safe = "/%:@!$&'()*+,;=~?#[]"
    return urllib.parse.urlunsplit((parts.scheme, urllib.parse.quote(netloc, safe=safe),
                                    *(urllib.parse.quote(p, safe=safe) for p in parts[2:])))


def post(url: str, data: bytes, headers: dict[str, str], timeout: float, max_bytes: int) -> Answer:
    """POST ``data`` and read the answer whole, all within ``timeout`` seconds and ``max_bytes``.

    Any HTTP status is returned as an Answer (an error's body capped at 64 kB); everything else is a
    FetchError subclass. ``ValueError`` for a URL urllib cannot use."""
    if not timeout > 0:
        raise ValueError(f"the time limit must be more than 0 seconds (got {timeout})")
    req = urllib.request.Request(_ascii_url(url), data=data, method="POST", headers=headers)
    deadline = _Deadline(timeout)
    opener = urllib.request.build_opener(_HTTP(deadline), _HTTPS(deadline), _HttpOnlyRedirects())
    try:
        try:
            resp = opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as exc:
            with exc:
                body = exc.read(ERROR_BODY_BYTES)
            return Answer(exc.code, exc.headers.get("Content-Type", "") if exc.headers else "",
                          exc.headers.get("Content-Encoding", "") if exc.headers else "", body)
        with resp:
            body = _read_body(resp, max_bytes, deadline)
            return Answer(resp.status, resp.headers.get("Content-Type", ""),
                          resp.headers.get("Content-Encoding", ""), body)
    except FetchError:
        raise
    except http.client.IncompleteRead as exc:
        if deadline.expired:
            raise DeadlinePassed("deadline passed", deadline.received) from None
        raise CutOff(f"the connection closed after {deadline.received + len(exc.partial):,} bytes "
                     f"of the answer", deadline.received) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        # A socket's own timeout is at most what was left when it connected, so it fires only past
        # the deadline, possibly a moment before the watchdog: the same cause either way.
        timed_out = isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)
        if deadline.expired or timed_out:
            raise DeadlinePassed("deadline passed", deadline.received) from None
        if deadline.received:
            raise CutOff(f"the connection broke after {deadline.received:,} bytes of the answer "
                         f"({getattr(exc, 'reason', exc)})", deadline.received) from None
        raise Unreachable(str(getattr(exc, "reason", exc))) from None
    finally:
        deadline.close()
