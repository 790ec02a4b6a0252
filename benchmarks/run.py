#!/usr/bin/env python
"""`make bench`: the board at 100, 1,000 and 10,000 open issues, and the moves' throughput, judged on medians.

Builds a throwaway database (a SQLite file under var/bench, or the PostgreSQL database `$BENCH_DB` on the server
of DATABASE_URL), starts its own Redis (when `redis-server` is installed) and gunicorn on 127.0.0.1, and measures
over loopback only. On a shared machine a single pass swings with whatever else runs, so every phase runs in
BENCH_ROUNDS rounds, in a shuffled order each round (a slow moment lands on different phases), and the tables
give the min and median req/s over rounds, p95 latency over all requests, the app's own time per request
(`Server-Timing`), and CPU ms per request in each process: the client (this process), gunicorn (master and
workers), PostgreSQL (the bench database's backends) and Redis (the bench's own server). Targets are judged on
the medians; a move's ratio to the signed-in view is the median over rounds of each round's own ratio.
"""

import datetime
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = ROOT / "var" / "bench"
PORT = int(os.environ.get("BENCH_PORT", "8113"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(max(2, os.cpu_count() or 2))))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", str(WORKERS * 2)))
SIZES = [100, 1_000, 10_000]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
RENDERS = int(os.environ.get("BENCH_RENDERS", "10"))  # per page and round, one at a time
TRIVIAL_REQUESTS = int(os.environ.get("BENCH_TRIVIAL_REQUESTS", "400"))  # per round
MOVE_REQUESTS = int(os.environ.get("BENCH_MOVE_REQUESTS", "120"))  # per endpoint and round
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", str(PORT + 1000)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
ROLLOVER_ISSUES = int(os.environ.get("BENCH_ROLLOVER_ISSUES", "5000"))
IMPORT_ISSUES = int(os.environ.get("BENCH_IMPORT_ISSUES", "10000"))
# "rollover", "import" (comma-separated): parts to leave out, e.g. to repeat the board and moves quickly.
SKIP = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
# Several people may run the bench on one PostgreSQL server: BENCH_DB names the throwaway database.
BENCH_DB = os.environ.get("BENCH_DB", "mktgops_bench")
PASSWORD = "bench-password"  # noqa: S105 - a throwaway database


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg2

        parts = urlsplit(url)
        admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
        admin.close()
        return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    VAR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (VAR / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{VAR / 'bench.sqlite3'}"


def start_redis():
    """The bench's own Redis (sessions and cache), so its CPU is the bench's alone; None without redis-server."""
    binary = shutil.which("redis-server")
    if not binary or os.environ.get("BENCH_REDIS") == "shared":
        return None
    server = subprocess.Popen(
        [binary, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    return server


REDIS = start_redis()
os.environ.update(
    DATABASE_URL=bench_database_url(),
    DJANGO_SETTINGS_MODULE="benchmarks.settings_bench",
    DEBUG="0",
    SECRET_KEY="bench-only-" + "x" * 50,
    STATIC_ROOT=str(VAR / "static"),
    # Redis when the environment has it (sessions are read from it, as in production); tasks run inline.
    REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0" if REDIS else os.environ.get("REDIS_URL", ""),
    LOG_LEVEL="WARNING",
    SITE_URL=f"http://127.0.0.1:{PORT}",
)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from accounts.roles import MKTGOPS_GROUP  # noqa: E402
from benchmarks.gitlab_import import run_gitlab_import_bench  # noqa: E402
from benchmarks.rollover import TARGET_SECONDS, run_rollover_bench  # noqa: E402
from labels.models import Label  # noqa: E402
from milestones.models import Milestone  # noqa: E402
from notifications.models import Watch  # noqa: E402
from requests_app.models import Issue, RequestType, Stage  # noqa: E402
from requests_app.services import POSITION_GAP  # noqa: E402

User = get_user_model()
# Open issues by stage, roughly as a busy team's board looks.
STAGE_MIX = [
    (Stage.TRIAGE, 12),
    (Stage.NEEDS_INFO, 6),
    (Stage.READY, 12),
    (Stage.ASSIGNED, 10),
    (Stage.IN_PROGRESS, 20),
    (Stage.REVIEW, 10),
    (Stage.READY_TO_DEPLOY, 6),
    (Stage.BLOCKED, 4),
    (Stage.COMPLETED, 20),
]


def setup_database():
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    group = Group.objects.get_or_create(name=MKTGOPS_GROUP)[0]
    people = []
    for i in range(8):
        user = User.objects.create_user(f"ic{i}", f"ic{i}@example.com", PASSWORD, first_name=f"IC {i}")
        user.groups.add(group)
        people.append(user)
    requester = User.objects.create_user("requester", "requester@example.com", PASSWORD)
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    current = Milestone.objects.create(title="Bench current", start_date=today - 3 * day, due_date=today + 10 * day)
    future = Milestone.objects.create(title="Bench next", start_date=today + 11 * day, due_date=today + 24 * day)
    labels = [Label.objects.create(name=f"MktgOpsPriority::{p}") for p in ("High", "Medium", "Low")]
    labels += [Label.objects.create(name=n) for n in ("Marketo", "Bizible", "MktgOps - bug", "MktgOps - List Import")]
    return {"people": people, "requester": requester, "current": current, "future": future, "labels": labels}


def add_issues(world, count: int, start: int):
    """`count` more open issues spread over the stages; planning fields as each stage requires."""
    stages = [stage for stage, weight in STAGE_MIX for _ in range(weight)]
    issues = []
    for n in range(start, start + count):
        stage = stages[n % len(stages)]
        planned = stage not in (Stage.TRIAGE, Stage.NEEDS_INFO, Stage.READY)
        issues.append(
            Issue(
                requester=world["requester"],
                title=f"Bench request {n}: update the lead routing for campaign {n % 97}",
                description="Benchmark data.",
                request_type=list(RequestType.values)[n % 5],
                confidential=n % 10 == 0,
                weight=n % 13 or None,
                assignee=world["people"][n % 8] if planned else None,
                milestone=(world["future"] if stage == Stage.ASSIGNED else world["current"]) if planned else None,
                position=n * POSITION_GAP,
                stage=stage,
                blocked_from=Stage.IN_PROGRESS if stage == Stage.BLOCKED else "",
            )
        )
    created = Issue.objects.bulk_create(issues, batch_size=1000)
    through = Issue.labels.through
    links = []
    for issue in created:
        links.append(through(issue_id=issue.pk, label_id=world["labels"][issue.pk % 3].pk))
        if issue.pk % 2:
            links.append(through(issue_id=issue.pk, label_id=world["labels"][3 + issue.pk % 4].pk))
    through.objects.bulk_create(links, batch_size=2000)
    # As the services leave them: the requester watches what they filed, the assignee what they were given.
    watches = [Watch(issue_id=issue.pk, user_id=issue.requester_id) for issue in created]
    watches += [Watch(issue_id=issue.pk, user_id=issue.assignee_id) for issue in created if issue.assignee_id]
    Watch.objects.bulk_create(watches, batch_size=2000)
    # A production database has statistics and a visibility map (autovacuum); a freshly bulk-loaded one has
    # neither: its planner guesses one row per table and no index-only scan is possible.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    csrf = get_random_string(32)
    return f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}", csrf


def queries_per_render(user, path: str) -> int:
    client = Client()
    client.force_login(user)
    client.get(path)  # the first request of a process warms caches (content types, templates)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def queries_per_move(user, pks: list[int]) -> dict[str, int]:
    """Queries of one request each (in-process, after a warm-up request): the ping and both moves."""
    client = Client()
    client.force_login(user)
    calls = {
        "ping": lambda pk: client.get("/bench/ping/"),
        "signed_in": lambda pk: client.get("/bench/signed-in-ping/"),
        "board": lambda pk: client.post(
            f"/board/issues/{pk}/move/", {"stage": "05", "expected_stage": "04"}, headers={"accept": "application/json"}
        ),
        "api": lambda pk: client.post(f"/api/issues/{pk}/move/", {"stage": "05"}, content_type="application/json"),
    }
    counts = {}
    issues = {"ping": (None, None), "signed_in": (None, None), "board": (pks[0], pks[1]), "api": (pks[2], pks[3])}
    for name, call in calls.items():
        warm, measured = issues[name]
        call(warm)  # warms caches (content types, templates); for the moves, a first move
        with CaptureQueriesContext(connection) as ctx:
            response = call(measured)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


def request(method: str, path: str, headers: dict, body: str | None = None) -> tuple[int, float]:
    """One request on a fresh connection: its status and the app's own time in ms (`Server-Timing`)."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        timing = response.getheader("Server-Timing", "app;dur=nan")
        return response.status, float(timing.partition("dur=")[2] or "nan")
    finally:
        conn.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(max(int(round(len(ordered) * fraction)) - 1, 0), len(ordered) - 1)]


def _proc_cpu_ms(pid: int) -> float:
    """User + system CPU of process `pid` in ms (all its threads), from /proc; 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / CLK_TCK


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(p) for p in children.read().split()]
    except OSError:
        return []


def _postgres_backends() -> list[int]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cpu_snapshot(server) -> dict[str, dict[int, float]]:
    """CPU ms so far of each process that serves the bench, by process id (deltas are taken per process, so a
    backend that appears mid-phase counts from zero)."""
    gunicorn = [server.pid, *_children(server.pid)]
    return {
        "client": {os.getpid(): time.process_time() * 1000},
        "gunicorn": {pid: _proc_cpu_ms(pid) for pid in gunicorn},
        "postgres": {pid: _proc_cpu_ms(pid) for pid in _postgres_backends()},
        "redis": {REDIS.pid: _proc_cpu_ms(REDIS.pid)} if REDIS else {},
    }


def cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    return {name: sum(ms - before[name].get(pid, 0.0) for pid, ms in after[name].items()) / requests for name in after}


def run_phase(server, calls: list, clients: int) -> dict:
    """`calls` (functions returning (status, server ms)), `clients` at a time: req/s, failures, each request's
    latency and server time in ms, and CPU ms per request by process."""
    failures = 0
    lock = threading.Lock()

    def run(call):
        nonlocal failures
        began = time.perf_counter()
        status, server_ms = call()
        if status != 200:
            with lock:
                failures += 1
        return (time.perf_counter() - began) * 1000, server_ms

    before = cpu_snapshot(server)
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(run, calls))
    elapsed = time.perf_counter() - started
    after = cpu_snapshot(server)
    return {
        "rps": len(calls) / elapsed,
        "failures": failures,
        "latency": [r[0] for r in results],
        "server": [r[1] for r in results],
        "cpu": cpu_per_request(before, after, len(calls)),
    }


def run_rounds(server, phases: dict) -> dict[str, list[dict]]:
    """Each phase (name -> a function giving this round's calls and its concurrency) once per round, the phases
    in a new random order every round. Returns each phase's rounds."""
    results = {name: [] for name in phases}
    for _ in range(ROUNDS):
        order = list(phases)
        random.shuffle(order)
        for name in order:
            calls, clients = phases[name]()
            results[name].append(run_phase(server, calls, clients))
    return results


def summary(rounds: list[dict]) -> dict:
    rps = [r["rps"] for r in rounds]
    latency = [ms for r in rounds for ms in r["latency"]]
    server = [ms for r in rounds for ms in r["server"]]
    return {
        "rps_min": min(rps),
        "rps_median": statistics.median(rps),
        "latency_median": statistics.median(latency),
        "latency_p95": percentile(latency, 0.95),
        "server_median": statistics.median(server),
        "server_p95": percentile(server, 0.95),
        "failures": sum(r["failures"] for r in rounds),
        "cpu": {name: statistics.median(r["cpu"][name] for r in rounds) for name in rounds[0]["cpu"]},
    }


def start_server():
    log = open(VAR / "gunicorn.log", "w")  # noqa: SIM115 - closed when the server stops
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mktgops_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
            *(["--threads", str(THREADS)] if THREADS > 1 else []),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            if request("GET", "/bench/ping/", {})[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"gunicorn did not start on port {PORT}; see {VAR / 'gunicorn.log'}")


def main():
    started = time.perf_counter()
    random.seed(os.environ.get("BENCH_SEED"))
    world = setup_database()
    ic = world["people"][0]
    cookie, csrf = session_cookie(ic)
    get_headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    post_headers = {**get_headers, "X-CSRFToken": csrf, "Accept": "application/json"}
    form = {**post_headers, "Content-Type": "application/x-www-form-urlencoded"}
    api = {**post_headers, "Content-Type": "application/json"}
    server = start_server()
    boards = []
    try:
        have = 0
        for size in SIZES:
            add_issues(world, size - have, have)
            have = size
            for path in ("/board/", "/board/?lanes=assignee"):  # warm both pages (templates, connections)
                for _ in range(3):
                    request("GET", path, get_headers)
            pages = {
                "board": lambda: ([lambda: request("GET", "/board/", get_headers)] * RENDERS, 1),
                "lanes": lambda: ([lambda: request("GET", "/board/?lanes=assignee", get_headers)] * RENDERS, 1),
            }
            measured = run_rounds(server, pages)
            boards.append(
                {
                    "size": size,
                    "board": summary(measured["board"]),
                    "lanes": summary(measured["lanes"]),
                    "board_queries": queries_per_render(ic, "/board/"),
                    "lanes_queries": queries_per_render(ic, "/board/?lanes=assignee"),
                }
            )
        # Moves at the largest size: each takes a different 04 card to 05 (a real FSM transition with its guards,
        # row lock and log row), interleaved with the trivial views they are compared with.
        in_progress = Issue.objects.filter(stage=Stage.IN_PROGRESS).order_by("pk").values_list("pk", flat=True)
        needed = 2 * ROUNDS * MOVE_REQUESTS
        candidates = list(in_progress[: needed + 4])
        assert len(candidates) == needed + 4, f"not enough 04 issues for {ROUNDS} rounds of moves"
        candidates, counted = candidates[:needed], candidates[needed:]
        board_pks, api_pks = iter(candidates[: needed // 2]), iter(candidates[needed // 2 :])

        def board_move(pk):
            return lambda: request("POST", f"/board/issues/{pk}/move/", form, "stage=05&expected_stage=04")

        def api_move(pk):
            return lambda: request("POST", f"/api/issues/{pk}/move/", api, '{"stage": "05"}')

        phases = {
            "ping": lambda: ([lambda: request("GET", "/bench/ping/", get_headers)] * TRIVIAL_REQUESTS, CLIENTS),
            "signed_in": lambda: (
                [lambda: request("GET", "/bench/signed-in-ping/", get_headers)] * (TRIVIAL_REQUESTS // 2),
                CLIENTS,
            ),
            "board_move": lambda: ([board_move(next(board_pks)) for _ in range(MOVE_REQUESTS)], CLIENTS),
            "api_move": lambda: ([api_move(next(api_pks)) for _ in range(MOVE_REQUESTS)], CLIENTS),
        }
        move_rounds = run_rounds(server, phases)
        moves = {name: summary(rounds) for name, rounds in move_rounds.items()}
        # Each phase against the signed-in view of the same round (seconds apart), then the median over rounds:
        # a shared host's speed drifts over the minutes a whole run takes, and a ratio of medians taken from
        # different rounds would carry that drift.
        for name, rounds in move_rounds.items():
            moves[name]["vs_signed_in"] = statistics.median(
                r["rps"] / s["rps"] for r, s in zip(rounds, move_rounds["signed_in"], strict=True)
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    move_queries = queries_per_move(ic, counted)
    moved = Issue.objects.filter(pk__in=candidates, stage=Stage.REVIEW).count()

    engine = connection.vendor
    workers = f"{WORKERS} sync workers" if THREADS == 1 else f"{WORKERS} gthread workers x {THREADS} threads"
    redis = f"its own Redis on :{REDIS_PORT}" if REDIS else ("shared Redis" if os.environ["REDIS_URL"] else "no Redis")
    print(f"\n### Board — {engine}, gunicorn {workers}, {redis}, {ROUNDS} shuffled rounds x {RENDERS} renders\n")
    print(
        "| open issues | `/board/` server median | p95 | client median | queries "
        "| swimlanes server median | p95 | queries |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in boards:
        b, lanes = row["board"], row["lanes"]
        print(
            f"| {row['size']:,} | {b['server_median']:.1f} ms | {b['server_p95']:.1f} ms | "
            f"{b['latency_median']:.1f} ms | {row['board_queries']} | {lanes['server_median']:.1f} ms | "
            f"{lanes['server_p95']:.1f} ms | {row['lanes_queries']} |"
        )
    print(
        f"\n### Moves at {SIZES[-1]:,} open issues — {engine}, {CLIENTS} concurrent clients, {ROUNDS} shuffled rounds\n"
    )
    print(
        "| endpoint | req/s min | req/s median | vs signed-in (median of rounds) | p95 | server median | "
        "CPU ms/req client | gunicorn | PostgreSQL | Redis | queries |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    names = {
        "ping": ("`GET /bench/ping/` (trivial JSON view)", "ping"),
        "signed_in": ("`GET /bench/signed-in-ping/` (trivial, signed in, DRF)", "signed_in"),
        "board_move": ("`POST /board/issues/{id}/move/` (04→05)", "board"),
        "api_move": ("`POST /api/issues/{id}/move/` (04→05)", "api"),
    }
    for key, (name, queries) in names.items():
        m = moves[key]
        cpu = m["cpu"]
        print(
            f"| {name} | {m['rps_min']:.0f} | {m['rps_median']:.0f} | {m['vs_signed_in']:.2f} | "
            f"{m['latency_p95']:.1f} ms | {m['server_median']:.1f} ms | {cpu['client']:.2f} | "
            f"{cpu['gunicorn']:.2f} | {cpu['postgres']:.2f} | {cpu['redis']:.2f} | {move_queries[queries]} |"
        )

    # The rollover last (BENCH_SKIP=rollover leaves it out): its own throwaway database on the same server.
    rollover = imported = None
    if "rollover" not in SKIP:
        rollover = run_rollover_bench(n=ROLLOVER_ISSUES, report=lambda line: None)
        print(f"\n### Rollover of {rollover['issues_moved']:,} open issues — {rollover['vendor']}\n")
        print("| part | time | queries |")
        print("|---|---:|---:|")
        print(
            f"| database (move the issues, their records, the planned thread) | {rollover['db_seconds']:.2f} s | "
            f"{rollover['db_queries']} |"
        )
        print(
            f"| posting the thread ({rollover['slack_messages']} messages) to the outbox | "
            f"{rollover['outbox_post_seconds']:.2f} s | |"
        )
        print(
            f"| Slack's pace when posting to Slack itself (reported separately) | "
            f"{rollover['slack_pacing_seconds']:.1f} s | |"
        )
        print()

    if "import" not in SKIP:  # the GitLab import: its own throwaway database too
        imported = run_gitlab_import_bench(n=IMPORT_ISSUES, report=lambda line: None)
        print(
            f"\n### GitLab import of {IMPORT_ISSUES:,} issues ({imported['export_mb']} MB export) — "
            f"{imported['vendor']}\n"
        )
        print("| part | time | memory |")
        print("|---|---:|---:|")
        print(f"| reading the export (streamed, tracemalloc peak) | | {imported['read_peak_mb']} MB |")
        print(
            f"| first import ({imported['first_created']:,} created) | {imported['first_seconds']:.1f} s | "
            f"RSS {imported['rss_before_mb']} → {imported['rss_peak_mb']} MB at most |"
        )
        print(
            f"| the same file again ({imported['again_unchanged']:,} unchanged) | {imported['again_seconds']:.1f} s | |"
        )
        print()

    first, last = boards[0]["board"], boards[-1]["board"]
    api_ratio = moves["api_move"]["vs_signed_in"]
    board_ratio = moves["board_move"]["vs_signed_in"]
    checks = [
        (
            "same queries at every size",
            len({r["board_queries"] for r in boards}) == 1 and len({r["lanes_queries"] for r in boards}) == 1,
        ),
        (
            f"`/board/` at {SIZES[-1]:,} within 40 ms median server time ({last['server_median']:.1f} ms)",
            last["server_median"] <= 40,
        ),
        (
            f"`/board/` at {SIZES[-1]:,} within 1.5x its time at {SIZES[0]} "
            f"({last['server_median'] / first['server_median']:.2f}x)",
            last["server_median"] <= 1.5 * first["server_median"],
        ),
        (f"API move >= 0.30x the signed-in trivial view's req/s ({api_ratio:.2f})", api_ratio >= 0.30),
        (f"board move >= 0.25x the signed-in trivial view's req/s ({board_ratio:.2f})", board_ratio >= 0.25),
        (
            f"p95 of both moves <= 30 ms (API {moves['api_move']['latency_p95']:.1f}, "
            f"board {moves['board_move']['latency_p95']:.1f})",
            max(moves["api_move"]["latency_p95"], moves["board_move"]["latency_p95"]) <= 30,
        ),
        (
            f"every move accepted ({moved} of {needed})",
            moves["board_move"]["failures"] == moves["api_move"]["failures"] == 0 and moved == needed,
        ),
    ]
    if rollover is not None:
        checks.append(
            (
                f"rollover of {ROLLOVER_ISSUES:,} issues: database under {TARGET_SECONDS:g} s "
                f"({rollover['db_seconds']:.2f} s on {rollover['vendor']})",
                rollover["within_target"] and rollover["issues_moved"] == ROLLOVER_ISSUES,
            )
        )
    if imported is not None:
        checks.append(
            (
                f"GitLab import of {IMPORT_ISSUES:,} issues within time and memory "
                f"({imported['first_seconds']:.0f} s, "
                f"RSS +{imported['rss_peak_mb'] - imported['rss_before_mb']:.0f} MB)",
                imported["within_time"] and imported["within_memory"] and imported["first_created"] == IMPORT_ISSUES,
            )
        )
    for name, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {name}")
    missed = [name for name, ok in checks if not ok]
    load = os.getloadavg()
    print(
        f"\n(ran in {time.perf_counter() - started:.0f} s; load average {load[0]:.1f} on {os.cpu_count()} CPUs; ",
        end="",
    )
    print(f"gunicorn log: {VAR / 'gunicorn.log'})")
    if missed:
        print(f"{len(missed)} target(s) missed: " + "; ".join(missed))
    if engine == "sqlite":
        shutil.rmtree(VAR / "static", ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        if REDIS:
            REDIS.terminate()
            REDIS.wait(timeout=10)
