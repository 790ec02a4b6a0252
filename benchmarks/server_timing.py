"""`make bench` only: each response says how long the app took (`Server-Timing: app;dur=<ms>`).

The bench judges the board on this server time, not on what the client sees (which adds loopback and the
client's own scheduling on a shared machine).
"""

import time


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response
