#!/usr/bin/env python3
"""A Python client for Pulsing's HTTP protocol (``POST /actor/{name}``).

Standard library only. It speaks msgpack when the ``msgpack`` module can be
imported (Debian: ``apt-get install python3-msgpack``; pip: ``msgpack``) and
JSON otherwise, or whichever you ask for. Any node of a cluster answers for
every actor in it, so one address is enough. See docs/protocol.md.

    from pulsing_client import PulsingClient, PulsingError

    client = PulsingClient("http://127.0.0.1:9000")
    client.ask("svc/counter", "inc", [5])        # the result (None for nothing)
    client.tell("svc/counter", "inc", [1])       # None once the node took it (202)
    for item in client.stream("svc/feed", "ticks", [3]):
        print(item)
    try:
        client.ask("svc/counter", "nope")
    except PulsingError as error:
        print(error.code, error.status, error.message)   # UNKNOWN_MESSAGE 400 ...

Values: ``bytes`` (also ``bytearray`` and ``memoryview``) arrive at the actor
as a ``Uint8Array``, and Python ints beyond 2^53 as a ``bigint``; both come
back as ``bytes`` and ``int``. Over JSON this is the ``{"$bytes": base64}`` /
``{"$bigint": "digits"}`` convention, done here both ways; over msgpack they
are native (``bin``, and integers up to 64 bits), and an int beyond 64 bits is
msgpack extension type 1, its two's-complement big-endian bytes.

Errors are ``PulsingError`` with the node's ``code`` (``ACTOR_NOT_FOUND``,
``UNKNOWN_MESSAGE``, ``HANDLER_ERROR``, ``TIMEOUT``, ...), its ``message`` and
the HTTP ``status``. Three codes are the client's own, with ``status`` None
unless an HTTP answer came: ``NODE_UNREACHABLE`` (no connection, or it broke),
``TIMEOUT`` (no answer within ``timeout`` seconds) and ``BAD_RESPONSE`` (an
answer that is not this protocol, or over the client's size limits).

Run it as a command:

    python3 pulsing_client.py http://127.0.0.1:9000 ask svc/counter inc 5
    python3 pulsing_client.py --json http://127.0.0.1:9000 stream svc/feed ticks 3
"""

from __future__ import annotations

import argparse
import base64
import binascii
import http.client
import json
import re
import socket
import ssl
import struct
import sys
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import IO, Any, Optional

try:  # optional: JSON is used without it
    import msgpack  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the machine
    msgpack = None

__all__ = ["PulsingClient", "PulsingError", "MSGPACK_AVAILABLE", "to_wire_json", "from_wire_json"]

MSGPACK_AVAILABLE = msgpack is not None

JSON_TYPE = "application/json"
MSGPACK_TYPE = "application/msgpack"
NDJSON_TYPE = "application/x-ndjson"
MSGPACK_STREAM_TYPE = "application/vnd.pulsing.msgpack-stream"

POLICIES = ("round-robin", "random", "power-of-two", "consistent-hash")

# JavaScript numbers are exact up to here; larger ints travel as {"$bigint": ...}.
MAX_SAFE_INTEGER = 2**53 - 1
# A {"$bigint"} from a node is refused past this many digits (Python's own
# default limit for int(str)): a node should never need more.
MAX_BIGINT_DIGITS = 4300
_DECIMAL = re.compile(r"-?[0-9]+")
# msgpack extension type 1: an integer beyond 64 bits, at most 256 bytes (2048 bits).
BIGINT_EXT = 1
MAX_BIGINT_EXT_BYTES = 256
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class PulsingError(Exception):
    """A call that failed: the node's error code and message, and the HTTP status.

    ``error_name`` is the name of what a handler threw, when one did;
    ``issues`` are a schema's refusals, when the actor validates its arguments.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: Optional[int] = None,
        error_name: Optional[str] = None,
        issues: Optional[list[Any]] = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if status is None else f"{code} ({status}): {message}")
        self.code = code
        self.message = message
        self.status = status
        self.error_name = error_name
        self.issues = issues


def _bad_response(message: str, status: Optional[int] = None) -> PulsingError:
    return PulsingError("BAD_RESPONSE", message, status)


def _clip(text: str, limit: int = 64) -> str:
    """Some of what a node sent, never much of it, for an error message."""
    return text if len(text) <= limit else text[:limit] + "..."


# --- the JSON convention for bytes and big integers ------------------------


def to_wire_json(value: Any) -> Any:
    """``value`` with bytes and unsafe ints as ``{"$bytes"}`` / ``{"$bigint"}`` objects, for ``json.dumps``."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else {"$bigint": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(key): to_wire_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire_json(item) for item in value]
    raise TypeError(f"a {type(value).__name__} cannot be sent to a Pulsing node")


def _revive(pairs: list[tuple[str, Any]]) -> Any:
    """``json.loads``'s object_pairs_hook: a lone ``$bytes``/``$bigint`` key is bytes or an int."""
    if len(pairs) == 1:
        key, text = pairs[0]
        if key == "$bytes":
            if not isinstance(text, str) or len(text) % 4 != 0 or not _BASE64.fullmatch(text):
                raise _bad_response(f"$bytes must be padded standard base64, got {_clip(repr(text))}")
            try:
                return base64.b64decode(text, validate=True)
            except binascii.Error as error:
                raise _bad_response(f"$bytes is not valid base64: {error}") from None
        if key == "$bigint":
            if not isinstance(text, str) or len(text) > MAX_BIGINT_DIGITS + 1 or not _DECIMAL.fullmatch(text):
                raise _bad_response(f"$bigint must be a string of at most {MAX_BIGINT_DIGITS} decimal digits, got {_clip(repr(text))}")
            return int(text)
    return dict(pairs)


def from_wire_json(text: str | bytes) -> Any:
    """Parses JSON from a node, turning ``{"$bytes"}`` into bytes and ``{"$bigint"}`` into int."""
    try:
        return json.loads(text, object_pairs_hook=_revive)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _bad_response(f"malformed JSON from the node: {_clip(str(error))}") from None


# --- the client --------------------------------------------------------------


def _pack_default(value: Any) -> Any:
    """msgpack's ``default``: it calls this for an int beyond 64 bits, which goes as the bigint extension."""
    if isinstance(value, int):
        length = ((value if value >= 0 else ~value).bit_length() + 8) // 8  # with room for the sign bit
        if length > MAX_BIGINT_EXT_BYTES:
            raise ValueError(f"an int over {MAX_BIGINT_EXT_BYTES * 8} bits cannot be sent as msgpack")
        return msgpack.ExtType(BIGINT_EXT, value.to_bytes(length, "big", signed=True))
    raise TypeError(f"a {type(value).__name__} cannot be sent to a Pulsing node")


def _unpack_ext(code: int, data: bytes) -> Any:
    """msgpack's ``ext_hook``: the bigint extension is an int; others stay ExtType."""
    if code != BIGINT_EXT:
        return msgpack.ExtType(code, data)
    if not 1 <= len(data) <= MAX_BIGINT_EXT_BYTES:
        raise _bad_response(f"a bigint extension of {len(data)} bytes (1 to {MAX_BIGINT_EXT_BYTES})")
    return int.from_bytes(data, "big", signed=True)


class _Codec:
    """One body encoding: its content type and how to write and read it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.content_type = MSGPACK_TYPE if name == "msgpack" else JSON_TYPE

    def dumps(self, value: Any) -> bytes:
        if self.name == "msgpack":
            return msgpack.packb(value, use_bin_type=True, datetime=True, default=_pack_default)
        return json.dumps(to_wire_json(value), separators=(",", ":"), allow_nan=False).encode("utf-8")


def _loads(data: bytes, content_type: str, status: Optional[int] = None) -> Any:
    """Decodes one body or stream record by the node's content type."""
    if content_type in (MSGPACK_TYPE, MSGPACK_STREAM_TYPE):
        if msgpack is None:
            raise _bad_response("the node answered msgpack, and the msgpack module is not installed", status)
        try:
            return msgpack.unpackb(data, raw=False, timestamp=3, ext_hook=_unpack_ext)
        except PulsingError:
            raise
        except Exception as error:  # msgpack raises several unrelated types for bad bytes
            raise _bad_response(f"malformed msgpack from the node: {_clip(str(error))}", status) from None
    return from_wire_json(data)


def _error_from(body: Any, status: Optional[int]) -> PulsingError:
    """The PulsingError in an ``{"error": {...}}`` body or stream record."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        return _bad_response(f"an answer without a coded error: {_clip(repr(body))}", status)
    name = error.get("errorName")
    issues = error.get("issues")
    return PulsingError(
        error["code"],
        str(error.get("message", "")),
        status,
        name if isinstance(name, str) else None,
        issues if isinstance(issues, list) else None,
    )


class PulsingClient:
    """Calls named actors through any node of a Pulsing cluster.

    ``base_url``: the node, ``http://host:port`` or ``https://host:port``.
    ``token``: the node's API token, sent as ``Authorization: Bearer``.
    ``encoding``: ``"auto"`` (msgpack when the module is there, else JSON),
    ``"json"`` or ``"msgpack"``.
    ``timeout``: seconds to wait for a connection and for each read; a call with
    a longer ``timeout_ms`` or ``wait_ms`` waits that long plus a second.
    ``max_response_bytes``: the largest answer or stream record accepted.
    ``ssl_context``: for ``https`` with your own CA (the system's by default).

    Each call uses its own connection, so one client may be shared by threads.
    """

    def __init__(
        self,
        base_url: str,
        token: Optional[str] = None,
        encoding: str = "auto",
        timeout: float = 30.0,
        max_response_bytes: int = 64 * 1024 * 1024,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        url = urllib.parse.urlsplit(base_url if "://" in base_url else f"http://{base_url}")
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"base_url must be http://host:port or https://host:port, got {base_url!r}")
        if encoding == "auto":
            encoding = "msgpack" if MSGPACK_AVAILABLE else "json"
        if encoding not in ("json", "msgpack"):
            raise ValueError(f'encoding must be "auto", "json" or "msgpack", got {encoding!r}')
        if encoding == "msgpack" and not MSGPACK_AVAILABLE:
            raise ValueError("encoding msgpack needs the msgpack module (Debian: apt-get install python3-msgpack)")
        self._https = url.scheme == "https"
        self._host = url.hostname
        self._port = url.port or (443 if self._https else 80)
        self._prefix = url.path.rstrip("/")
        self._token = token
        self._codec = _Codec(encoding)
        self._timeout = timeout
        self._max_response_bytes = max_response_bytes
        self._ssl_context = ssl_context

    @property
    def encoding(self) -> str:
        """The body encoding this client sends and reads: ``"json"`` or ``"msgpack"``."""
        return self._codec.name

    def ask(self, name: str, msg_type: str, payload: Any = None, **options: Any) -> Any:
        """Calls ``msg_type`` on the actor ``name`` and returns its result (None when it returns nothing).

        ``payload`` is the method's argument list (None for none), or, for an
        actor's ``receive``, any value. Options (all optional): ``policy``
        (one of POLICIES), ``key`` (for consistent-hash), ``node`` (a node id
        or host:port to pin the call to), ``wait_ms`` (wait that long for the
        name to appear), ``timeout_ms`` (the call's timeout on the node).
        Raises PulsingError; a stream method raises BAD_RESPONSE (use ``stream``).
        """
        response, connection = self._send(name, msg_type, payload, options, tell=False)
        try:
            content_type = self._content_type(response)
            if content_type in (NDJSON_TYPE, MSGPACK_STREAM_TYPE):
                raise _bad_response(f"{msg_type} answered a stream: call stream() for it", response.status)
            body = _loads(self._read_all(response), content_type, response.status)
            # {"result": null} for nothing; older nodes answered {}.
            if not isinstance(body, dict) or ("result" not in body and len(body) > 0):
                raise _bad_response(f"an answer without a result: {_clip(repr(body))}", response.status)
            return body.get("result")
        finally:
            connection.close()

    def tell(self, name: str, msg_type: str, payload: Any = None, **options: Any) -> None:
        """Sends ``msg_type`` without waiting for the handler: returns once the node took it (202).

        A failure in the handler is only logged by the node. Same ``payload``
        and options as ``ask`` (``timeout_ms`` has no effect on a tell).
        """
        response, connection = self._send(name, msg_type, payload, options, tell=True)
        try:
            self._read_all(response)
            if response.status != 202:
                raise _bad_response(f"a tell answered {response.status}, not 202", response.status)
        finally:
            connection.close()

    def stream(self, name: str, msg_type: str, payload: Any = None, **options: Any) -> Iterator[Any]:
        """Calls a stream method (an ``async *`` generator) and yields its items as they come.

        Stops after the node's end record; raises PulsingError on an error
        record (the items before it were yielded first). Leaving the loop early
        closes the connection, which ends the generator on the node. Same
        ``payload`` and options as ``ask``.
        """
        response, connection = self._send(name, msg_type, payload, options, tell=False)
        try:
            content_type = self._content_type(response)
            if content_type == NDJSON_TYPE:
                records = self._ndjson_records(response)
            elif content_type == MSGPACK_STREAM_TYPE:
                records = self._msgpack_records(response)
            else:
                raise _bad_response(f"{msg_type} answered one value, not a stream: call ask() for it", response.status)
            for record in records:
                if not isinstance(record, dict) or len(record) != 1:
                    raise _bad_response(f"a stream record of the wrong shape: {_clip(repr(record))}", response.status)
                if "item" in record:
                    yield record["item"]
                elif record.get("end") is True:
                    return
                elif "error" in record:
                    raise _error_from(record, response.status)
                else:
                    raise _bad_response(f"a stream record of the wrong shape: {_clip(repr(record))}", response.status)
            raise PulsingError("NODE_UNREACHABLE", "the stream ended without an end record: the connection was cut", response.status)
        finally:
            connection.close()

    # --- the request ---------------------------------------------------------

    def _send(self, name: str, msg_type: str, payload: Any, options: dict[str, Any], tell: bool) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
        """Sends the call; returns a 2xx response (its body unread) or raises its error."""
        headers = {"content-type": self._codec.content_type, "accept": self._codec.content_type, "user-agent": "pulsing-python"}
        headers.update(self._option_headers(options))
        if tell:
            headers["x-message-mode"] = "tell"
        if self._token is not None:
            headers["authorization"] = f"Bearer {self._token}"
        request: dict[str, Any] = {"msg_type": msg_type}
        if payload is not None:
            request["payload"] = list(payload) if isinstance(payload, tuple) else payload
        body = self._codec.dumps(request)
        path = f"{self._prefix}/actor/{urllib.parse.quote(name, safe='/')}"
        connection = self._connect(self._call_timeout(options))
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
        except (socket.timeout, TimeoutError):
            connection.close()
            raise PulsingError("TIMEOUT", f"no answer from {self._host}:{self._port} within the client's timeout") from None
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise PulsingError("NODE_UNREACHABLE", f"{self._host}:{self._port}: {error}") from None
        if response.status >= 400:
            try:
                raise self._error_response(response)
            finally:
                connection.close()
        return response, connection

    @staticmethod
    def _option_headers(options: dict[str, Any]) -> dict[str, str]:
        """The gateway's routing options as their headers; an unknown option is a TypeError, as for any keyword."""
        names = {"policy": "x-policy", "key": "x-policy-key", "node": "x-node", "wait_ms": "x-wait-ms", "timeout_ms": "x-timeout-ms"}
        headers: dict[str, str] = {}
        for option, value in options.items():
            if option not in names:
                raise TypeError(f"unknown option {option!r}: expected one of {', '.join(names)}")
            if value is None:
                continue
            if option == "policy" and value not in POLICIES:
                raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {value!r}")
            text = str(value)
            if any(c in text for c in "\r\n"):
                raise ValueError(f"{option} cannot hold a line break")
            headers[names[option]] = text
        return headers

    def _call_timeout(self, options: dict[str, Any]) -> float:
        """The socket timeout for a call: the client's, or longer when the node was asked to wait longer."""
        waits = [float(options[k]) / 1000 + 1 for k in ("timeout_ms", "wait_ms") if options.get(k) is not None]
        return max([self._timeout, *waits])

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=self._ssl_context)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _error_response(self, response: http.client.HTTPResponse) -> PulsingError:
        data = self._read_all(response)
        if not data and response.status == 413:
            # Bun refuses a body over twice the node's limit before reading it, with an empty 413.
            return PulsingError("BAD_REQUEST", "the request body is over the node's limit", 413)
        try:
            body = _loads(data, self._content_type(response), response.status)
        except PulsingError:
            return _bad_response(f"an error answer that is not this protocol: {_clip(data.decode('utf-8', 'replace'))}", response.status)
        return _error_from(body, response.status)

    # --- reading ---------------------------------------------------------------

    @staticmethod
    def _content_type(response: http.client.HTTPResponse) -> str:
        return (response.getheader("content-type") or "").split(";")[0].strip().lower()

    def _read(self, response: http.client.HTTPResponse, read: Any) -> Any:
        """Runs one read of the body, turning socket failures into coded errors."""
        try:
            return read()
        except (socket.timeout, TimeoutError):
            raise PulsingError("TIMEOUT", "the node stopped sending within the client's timeout", response.status) from None
        except (OSError, http.client.HTTPException) as error:
            raise PulsingError("NODE_UNREACHABLE", f"the answer was cut: {error}", response.status) from None

    def _read_all(self, response: http.client.HTTPResponse) -> bytes:
        limit = self._max_response_bytes
        data = self._read(response, lambda: response.read(limit + 1))
        if len(data) > limit:
            raise _bad_response(f"an answer over the client's limit of {limit} bytes", response.status)
        return data

    def _ndjson_records(self, response: http.client.HTTPResponse) -> Iterator[Any]:
        limit = self._max_response_bytes
        while True:
            line = self._read(response, lambda: response.readline(limit + 1))
            if not line:
                return
            if len(line) > limit:
                raise _bad_response(f"a stream record over the client's limit of {limit} bytes", response.status)
            if line.strip():
                yield _loads(line, NDJSON_TYPE, response.status)

    def _msgpack_records(self, response: http.client.HTTPResponse) -> Iterator[Any]:
        limit = self._max_response_bytes
        while True:
            header = self._read_exactly(response, 4, allow_end=True)
            if header is None:
                return
            (length,) = struct.unpack(">I", header)
            if length > limit:
                raise _bad_response(f"a stream record of {length} bytes, over the client's limit of {limit}", response.status)
            record = self._read_exactly(response, length, allow_end=False)
            assert record is not None
            yield _loads(record, MSGPACK_STREAM_TYPE, response.status)

    def _read_exactly(self, response: http.client.HTTPResponse, size: int, allow_end: bool) -> Optional[bytes]:
        """``size`` bytes of the body (``read`` returns fewer only at its end); None at a clean end when ``allow_end``."""
        data: bytes = self._read(response, lambda: response.read(size))
        if len(data) == size:
            return data
        if allow_end and not data:
            return None
        raise PulsingError("NODE_UNREACHABLE", "the stream was cut in the middle of a record", response.status)


# --- the command ---------------------------------------------------------------


def _argument(text: str) -> Any:
    """A command-line argument: JSON when it parses (5, true, "x", [1]), else the text itself."""
    try:
        return from_wire_json(text)
    except PulsingError:
        return text


def _print(value: Any, out: IO[str]) -> None:
    print(json.dumps(to_wire_json(value), ensure_ascii=False), file=out)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pulsing_client.py",
        description="Call a Pulsing actor over HTTP. Arguments are JSON when they parse, else strings; "
        "results print as JSON, bytes and big integers by the $bytes/$bigint convention.",
        epilog="example: python3 pulsing_client.py http://127.0.0.1:9000 ask svc/counter inc 5",
    )
    parser.add_argument("url", help="any node: http://host:port")
    parser.add_argument("command", choices=("ask", "tell", "stream"))
    parser.add_argument("name", help="the actor's name, e.g. svc/counter")
    parser.add_argument("msg_type", help="the method (or message type)")
    parser.add_argument("args", nargs="*", help="the method's arguments")
    encoding = parser.add_mutually_exclusive_group()
    encoding.add_argument("--json", dest="encoding", action="store_const", const="json", help="send JSON")
    encoding.add_argument("--msgpack", dest="encoding", action="store_const", const="msgpack", help="send msgpack")
    parser.add_argument("--token", help="the node's API token")
    parser.add_argument("--policy", choices=POLICIES)
    parser.add_argument("--key", help="the key for --policy consistent-hash")
    parser.add_argument("--node", help="pin the call to this node (id or host:port)")
    parser.add_argument("--wait-ms", type=int, help="wait this long for the name to appear")
    parser.add_argument("--timeout-ms", type=int, help="the call's timeout on the node")
    parser.add_argument("--timeout", type=float, default=30.0, help="the client's socket timeout in seconds")
    parsed = parser.parse_args(argv)

    options = {"policy": parsed.policy, "key": parsed.key, "node": parsed.node, "wait_ms": parsed.wait_ms, "timeout_ms": parsed.timeout_ms}
    try:
        client = PulsingClient(parsed.url, token=parsed.token, encoding=parsed.encoding or "auto", timeout=parsed.timeout)
        args = [_argument(text) for text in parsed.args]
        if parsed.command == "ask":
            _print(client.ask(parsed.name, parsed.msg_type, args, **options), sys.stdout)
        elif parsed.command == "tell":
            client.tell(parsed.name, parsed.msg_type, args, **options)
        else:
            for item in client.stream(parsed.name, parsed.msg_type, args, **options):
                _print(item, sys.stdout)
                sys.stdout.flush()
    except PulsingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (TypeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
