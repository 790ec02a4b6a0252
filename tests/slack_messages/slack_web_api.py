"""A Slack Web API stand-in for tests: real HTTP on 127.0.0.1, Slack's JSON, scripted answers.

Every request it receives and every answer it gives is checked against Slack's published OpenAPI
description of the Web API, vendored in `tests/slack_messages/vendor/` with its MIT licence.
"""

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest

SPEC_NAME = "slack_web_openapi_v2_without_examples.json"


def slack_spec_path() -> Path:
    override = os.environ.get("SLACK_WEB_API_SPEC")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "vendor" / SPEC_NAME


_SPEC: dict | None = None


def slack_spec() -> dict:
    global _SPEC
    if _SPEC is None:
        path = slack_spec_path()
        if not path.exists():
            pytest.fail(f"Slack's Web API description is missing at {path} (set SLACK_WEB_API_SPEC to its path).")
        _SPEC = json.loads(path.read_text())
    return _SPEC


def _validate(instance, schema: dict) -> None:
    # OpenAPI 2.0 schemas are JSON Schema draft 4 (tuple-form `items` included).
    jsonschema.Draft4Validator({**schema, "definitions": slack_spec()["definitions"]}).validate(instance)


def post_message_operation() -> dict:
    return slack_spec()["paths"]["/chat.postMessage"]["post"]


# The methods the stand-in implements, each as the description's operation (HTTP verb and where its
# parameters go).
OPERATIONS = {
    "chat.postMessage": ("post", "formData"),
    "conversations.history": ("get", "query"),
    "conversations.replies": ("get", "query"),
}


def operation_of(method: str) -> dict:
    verb, _ = OPERATIONS[method]
    return slack_spec()["paths"][f"/{method}"][verb]


def read_request_problems(method: str, headers: dict, params: dict) -> list[str]:
    """What in a conversations.history / conversations.replies request the description does not allow."""
    operation = operation_of(method)
    documented = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    problems = [f"undocumented parameter {name!r} for {method}" for name in params if name not in documented]
    if not params.get("channel"):
        problems.append(f"{method} without a channel")
    if method == "conversations.replies" and not params.get("ts"):
        problems.append("conversations.replies without the thread's ts")
    if not headers.get("authorization", "").startswith("Bearer xoxb-"):
        problems.append("no bot token in the Authorization header")
    ts_pattern = slack_spec()["definitions"]["defs_ts"]["pattern"]
    for name in ("ts", "oldest", "latest"):
        if name in params and not re.fullmatch(ts_pattern, str(params[name])):
            problems.append(f"{name} {params[name]!r} is not a timestamp like 0123456789.012345")
    for name in ("limit",):
        if name in params and not str(params[name]).isdigit():
            problems.append(f"{name} is not an integer: {params[name]!r}")
    return problems


def read_response_problems(method: str, status: int, body: dict) -> list[str]:
    responses = operation_of(method)["responses"]
    schema = responses["200"]["schema"] if body.get("ok") else responses["default"]["schema"]
    if body.get("ok") and not body.get("messages"):
        # The description asks for at least one message, yet Slack answers an empty window with none.
        schema = {**schema, "properties": {**schema["properties"], "messages": {"type": "array"}}}
    try:
        _validate(body, schema)
    except jsonschema.ValidationError as exc:
        return [f"{method} answer ({status}) does not match the description: {exc.message}"]
    return []


def request_problems(headers: dict, params: dict) -> list[str]:
    """What in a chat.postMessage request the published description does not allow."""
    operation = post_message_operation()
    documented = {p["name"]: p for p in operation["parameters"] if p["in"] == "formData"}
    problems = []
    for name in params:
        if name not in documented:
            problems.append(f"undocumented parameter {name!r}")
    for name, param in documented.items():
        if param.get("required") and not params.get(name):
            problems.append(f"required parameter {name!r} missing")
    token_param = next(p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "token")
    if token_param.get("required") and not headers.get("authorization", "").startswith("Bearer xoxb-"):
        problems.append("no bot token in the Authorization header")
    ts_pattern = slack_spec()["definitions"]["defs_ts"]["pattern"]
    for name, value in params.items():
        param = documented.get(name)
        if param is None:
            continue
        if param["type"] == "boolean":
            if not (isinstance(value, bool) or value in ("true", "false", "1", "0")):
                problems.append(f"{name} is not a boolean: {value!r}")
        elif name in ("blocks", "attachments"):
            # "A JSON-based array ...": an array in a JSON body, or that array encoded as a string.
            decoded = json.loads(value) if isinstance(value, str) else value
            if not isinstance(decoded, list):
                problems.append(f"{name} is not a JSON array")
            elif name == "blocks":
                try:
                    _validate(decoded, slack_spec()["definitions"]["blocks"])
                except jsonschema.ValidationError as exc:
                    problems.append(f"blocks do not match the description: {exc.message}")
        elif not isinstance(value, str):
            problems.append(f"{name} is not a string: {value!r}")
    if "thread_ts" in params and not re.fullmatch(ts_pattern, str(params["thread_ts"])):
        problems.append(f"thread_ts {params['thread_ts']!r} is not a timestamp like 0123456789.012345")
    if params.get("reply_broadcast") in (True, "true", "1"):
        problems.append("reply_broadcast is set: replies must not be broadcast to the channel")
    return problems


def response_problems(status: int, body: dict) -> list[str]:
    responses = post_message_operation()["responses"]
    schema = responses["200"]["schema"] if body.get("ok") else responses["default"]["schema"]
    try:
        _validate(body, schema)
    except jsonschema.ValidationError as exc:
        return [f"answer ({status}) does not match the description: {exc.message}"]
    return []


@dataclass
class Received:
    method: str
    params: dict
    headers: dict
    at: float
    status: int
    answer: dict
    accepted: bool = False  # the message is in the channel (even if its answer was lost)


@dataclass
class Scripted:
    """How to answer a request instead of plain success.

    `status`/`body`/`headers`: the answer (None body: the normal success answer). `accept`: the message is
    posted before answering as scripted (so a lost or failed answer hides a message that is there).
    `delay`: seconds to wait before answering (longer than the client's timeout: a hang). `drop`: close
    the connection without any answer.
    """

    status: int = 200
    body: dict | str | None = None
    headers: dict = field(default_factory=dict)
    accept: bool = False
    delay: float = 0.0
    drop: bool = False


def rate_limited(retry_after: int) -> Scripted:
    return Scripted(429, {"ok": False, "error": "rate_limited"}, {"Retry-After": str(retry_after)})


def server_error(*, accept: bool = False) -> Scripted:
    return Scripted(500, "<html><body>Internal Server Error</body></html>", accept=accept)


def slack_error(code: str) -> Scripted:
    return Scripted(200, {"ok": False, "error": code})


def hang(seconds: float, *, accept: bool = True) -> Scripted:
    """Slack takes the message (by default) but answers only after `seconds`: past the client's timeout."""
    return Scripted(accept=accept, delay=seconds)


def dropped(*, accept: bool = True) -> Scripted:
    """The connection is closed with no answer: after taking the message (by default) or before."""
    return Scripted(accept=accept, drop=True)


class SlackWebAPI:
    """Run with `with SlackWebAPI() as slack:`; `slack.url` is the base URL for SLACK_API_URL.

    Implements chat.postMessage, conversations.history and conversations.replies from the vendored
    description, keeping the channel's messages so the two readers find what was posted. `script` scripts
    chat.postMessage answers in order (None: answer normally), `always` every later one; `read_script`
    scripts the readers' answers likewise.
    """

    channel_id = "C0ROLLOVER1"
    bot_user = "U0BOT00001"

    def __init__(self) -> None:
        slack_spec()  # load (or fail on) the description here, not in the server's thread
        self.received: list[Received] = []
        self.problems: list[str] = []
        self.script: list[Scripted | None] = []  # None: answer normally
        self.always: Scripted | None = None
        self.read_script: list[Scripted | None] = []
        self.messages: list[dict] = []  # what the channel holds: {"ts", "text", "thread_ts"?}
        # Called with each chat.postMessage's params after the message is taken and before the answer
        # leaves (fault injection: kill the worker, drop its database connection, while the answer is due).
        self.on_post = None
        self._ts = 1_700_000_000 * 1_000_000
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                api._handle(self, raw)

            def do_GET(self):
                api._handle(self, urlsplit(self.path).query)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    # What arrived ------------------------------------------------------------------------------------
    def posted(self) -> list[Received]:
        """Messages now in the channel, in order (whether or not their answer reached the client)."""
        return [r for r in self.received if r.accepted]

    def parents(self) -> list[Received]:
        return [r for r in self.posted() if "thread_ts" not in r.params]

    def replies(self) -> list[Received]:
        return [r for r in self.posted() if "thread_ts" in r.params]

    def post_requests(self) -> list[Received]:
        """Every chat.postMessage request, whatever its answer."""
        return [r for r in self.received if r.method == "chat.postMessage"]

    def reads(self) -> list[Received]:
        return [r for r in self.received if r.method != "chat.postMessage"]

    # Answering ---------------------------------------------------------------------------------------
    def _next_ts(self) -> str:
        # Slack's ts is the posting time (microseconds), unique in the channel.
        self._ts = max(self._ts + 100, int(time.time() * 1_000_000))
        return f"{self._ts // 1_000_000:010d}.{self._ts % 1_000_000:06d}"

    def _channel_known(self, channel: str) -> bool:
        return channel in (self.channel_id, "#mktgops", "mktgops")

    def _post(self, params: dict) -> dict:
        ts = self._next_ts()
        message = {"type": "message", "user": self.bot_user, "text": params.get("text", ""), "ts": ts}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        self.messages.append(message)
        return {"ok": True, "channel": self.channel_id, "ts": ts, "message": message}

    @staticmethod
    def _window(messages: list[dict], params: dict) -> list[dict]:
        inclusive = params.get("inclusive") in ("true", "1", True)
        oldest, latest = params.get("oldest"), params.get("latest")

        def inside(ts: str) -> bool:
            if oldest is not None and (ts < oldest if inclusive else ts <= oldest):
                return False
            return not (latest is not None and (ts > latest if inclusive else ts >= latest))

        return [m for m in messages if inside(m["ts"])]

    def _history(self, params: dict) -> dict:
        top = [m for m in self.messages if m.get("thread_ts", m["ts"]) == m["ts"]]
        window = sorted(self._window(top, params), key=lambda m: m["ts"], reverse=True)
        limit = int(params.get("limit") or 100)
        page = [{k: v for k, v in m.items() if k != "thread_ts"} for m in window[:limit]]
        return {
            "ok": True,
            "messages": page,
            "has_more": len(window) > limit,
            "pin_count": 0,
            "channel_actions_ts": [],
            "channel_actions_count": 0,
        }

    def _replies(self, params: dict) -> dict:
        thread = str(params["ts"])
        parent = next((m for m in self.messages if m["ts"] == thread), None)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        replies = sorted(
            (m for m in self.messages if m.get("thread_ts") == thread and m["ts"] != thread), key=lambda m: m["ts"]
        )
        window = self._window(replies, params)
        limit = int(params.get("limit") or 10)
        head = {
            "type": "message", "user": self.bot_user, "text": parent["text"], "ts": thread, "thread_ts": thread,
            "reply_count": len(replies), "subscribed": False,
        }  # fmt: skip
        page = [{**m, "parent_user_id": self.bot_user} for m in window[:limit]]
        return {"ok": True, "messages": [head, *page], "has_more": len(window) > limit}

    def _handle(self, handler, raw: str) -> None:
        method = urlsplit(handler.path).path.rsplit("/", 1)[-1]
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if headers.get("content-type", "").startswith("application/json"):
            params = json.loads(raw or "{}")
        else:
            params = {k: v[0] for k, v in parse_qs(raw).items()}
        accepted = False
        with self._lock:
            reading = method in ("conversations.history", "conversations.replies")
            if reading:
                queue = self.read_script
                scripted = queue.pop(0) if queue else None
            else:
                scripted = self.script.pop(0) if self.script else self.always
            # Slack takes every method as a form POST too (slack_sdk always sends so); the readers' parameters
            # are the description's query parameters either way.
            if method not in OPERATIONS or handler.command.lower() not in (OPERATIONS[method][0], "post"):
                scripted = Scripted(200, {"ok": False, "error": "unknown_method"})
                self.problems.append(f"unexpected method {handler.command} {method}")
            else:
                try:
                    found = (
                        read_request_problems(method, headers, params) if reading else request_problems(headers, params)
                    )
                    self.problems.extend(found)
                except Exception as exc:  # noqa: BLE001 — a broken check must show, not hang the client
                    self.problems.append(f"request check failed: {exc!r}")
            normal = None
            if method == "chat.postMessage" and (scripted is None or scripted.accept):
                normal = self._post(params)
                accepted = True
            elif reading and not self._channel_known(str(params.get("channel"))):
                normal = {"ok": False, "error": "channel_not_found"}
            elif reading and (scripted is None or scripted.body is None):
                normal = self._history(params) if method == "conversations.history" else self._replies(params)
            body: dict | str | None
            if scripted is None or scripted.body is None:
                status, body, extra = 200, normal, dict(scripted.headers) if scripted else {}
            else:
                status, body, extra = scripted.status, scripted.body, scripted.headers
            if isinstance(body, dict) and not (scripted and scripted.drop):
                if reading:
                    self.problems.extend(read_response_problems(method, status, body))
                elif method == "chat.postMessage":
                    self.problems.extend(response_problems(status, body))
            self.received.append(
                Received(
                    method, params, headers, time.monotonic(), status,
                    body if isinstance(body, dict) else {}, accepted,
                )
            )  # fmt: skip
        if accepted and self.on_post is not None:
            self.on_post(params)
        if scripted and scripted.delay:
            time.sleep(scripted.delay)
        if scripted and scripted.drop:
            handler.close_connection = True
            return  # no answer at all: the client sees the connection closed
        # A scripted None body on a method with no normal answer (e.g. chat.postMessage with accept=False).
        assert body is not None, f"no answer scripted for {method}"
        payload = (json.dumps(body) if isinstance(body, dict) else body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/html")
            for name, value in extra.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client gave up waiting (a hang past its timeout)
