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
from urllib.parse import parse_qs

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


@dataclass
class Scripted:
    """An answer to give instead of success: HTTP status, extra headers, JSON body (or raw text)."""

    status: int
    body: dict | str
    headers: dict = field(default_factory=dict)


def rate_limited(retry_after: int) -> Scripted:
    return Scripted(429, {"ok": False, "error": "rate_limited"}, {"Retry-After": str(retry_after)})


def server_error() -> Scripted:
    return Scripted(500, "<html><body>Internal Server Error</body></html>")


def slack_error(code: str) -> Scripted:
    return Scripted(200, {"ok": False, "error": code})


class SlackWebAPI:
    """Run with `with SlackWebAPI() as slack:`; `slack.url` is the base URL for SLACK_API_URL."""

    channel_id = "C0ROLLOVER1"

    def __init__(self) -> None:
        slack_spec()  # load (or fail on) the description here, not in the server's thread
        self.received: list[Received] = []
        self.problems: list[str] = []
        self.script: list[Scripted | None] = []  # None: answer normally
        self.always: Scripted | None = None
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

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
        """Messages Slack accepted, in order."""
        return [r for r in self.received if r.answer.get("ok")]

    def parents(self) -> list[Received]:
        return [r for r in self.posted() if "thread_ts" not in r.params]

    def replies(self) -> list[Received]:
        return [r for r in self.posted() if "thread_ts" in r.params]

    # Answering ---------------------------------------------------------------------------------------
    def _next_ts(self) -> str:
        self._ts += 100
        return f"{self._ts // 1_000_000:010d}.{self._ts % 1_000_000:06d}"

    def _handle(self, handler, raw: str) -> None:
        method = handler.path.rsplit("/", 1)[-1]
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if headers.get("content-type", "").startswith("application/json"):
            params = json.loads(raw or "{}")
        else:
            params = {k: v[0] for k, v in parse_qs(raw).items()}
        with self._lock:
            scripted = self.script.pop(0) if self.script else self.always
            if method != "chat.postMessage":
                scripted = Scripted(200, {"ok": False, "error": "unknown_method"})
                self.problems.append(f"unexpected method {method}")
            else:
                try:
                    self.problems.extend(request_problems(headers, params))
                except Exception as exc:  # noqa: BLE001 — a broken check must show, not hang the client
                    self.problems.append(f"request check failed: {exc!r}")
            body: dict | str  # as Scripted.body
            if scripted is None:
                ts = self._next_ts()
                message = {"type": "message", "text": params.get("text", ""), "ts": ts}
                if params.get("thread_ts"):
                    message["thread_ts"] = params["thread_ts"]
                status, body, extra = 200, {"ok": True, "channel": self.channel_id, "ts": ts, "message": message}, {}
            else:
                status, body, extra = scripted.status, scripted.body, scripted.headers
            if isinstance(body, dict):
                self.problems.extend(response_problems(status, body))
            self.received.append(
                Received(method, params, headers, time.monotonic(), status, body if isinstance(body, dict) else {})
            )
        payload = (json.dumps(body) if isinstance(body, dict) else body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/html")
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
