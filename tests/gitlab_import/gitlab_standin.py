"""A GitLab REST API stand-in on 127.0.0.1: documented JSON pages with GitLab's pagination and rate-limit headers.

`pages[path]` is a list of pages (lists of objects) served for `?page=N`, with `X-Page`, `X-Per-Page`,
`X-Next-Page` ("" on the last), `X-Total`, `X-Total-Pages`, `Link` and `RateLimit-*` headers. `failures[(path,
page)]` is a list of (status, headers) answered, in order, before the page itself (a 429 with Retry-After, a
502). Every request is recorded with its headers.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class GitLabStandIn:
    def __init__(self) -> None:
        self.pages: dict[str, list[list[dict]]] = {}
        self.failures: dict[tuple[str, int], list[tuple[int, dict]]] = {}
        self.requests: list[tuple[str, int, dict]] = []
        self.rate_limit_remaining: dict[tuple[str, int], int] = {}
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - the http.server name
                parts = urlsplit(self.path)
                path = parts.path.removeprefix("/api/v4")
                page = int(parse_qs(parts.query).get("page", ["1"])[0])
                standin.requests.append((path, page, dict(self.headers)))
                queued = standin.failures.get((path, page))
                if queued:
                    status, headers = queued.pop(0)
                    self._send(status, {"message": f"{status}"}, headers)
                    return
                pages = standin.pages.get(path)
                if pages is None:
                    self._send(404, {"message": "404 Not found"}, {})
                    return
                per_page = int(parse_qs(parts.query).get("per_page", ["20"])[0])
                total = sum(len(p) for p in pages)
                items = pages[page - 1] if page <= len(pages) else []
                nxt = str(page + 1) if page < len(pages) else ""
                headers = {
                    "X-Page": str(page), "X-Per-Page": str(per_page), "X-Next-Page": nxt,
                    "X-Prev-Page": str(page - 1) if page > 1 else "", "X-Total": str(total),
                    "X-Total-Pages": str(len(pages)), "RateLimit-Limit": "600",
                    "RateLimit-Remaining": str(standin.rate_limit_remaining.get((path, page), 599)),
                    "RateLimit-Reset": str(int(time.time()) + 2),
                }  # fmt: skip
                if nxt:
                    headers["Link"] = f'<{standin.url}/api/v4{path}?page={nxt}&per_page={per_page}>; rel="next"'
                self._send(200, items, headers)

            def _send(self, status, body, headers):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "GitLabStandIn":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def served(self, path: str) -> list[int]:
        """The pages asked for at `path`, in order (a retried page appears twice)."""
        return [page for p, page, _ in self.requests if p == path]
