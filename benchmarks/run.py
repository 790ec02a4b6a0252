#!/usr/bin/env python
"""`make bench`: the board at 100, 1,000 and 10,000 open issues, and the move endpoint's throughput.

Builds a throwaway database (a SQLite file under var/bench, or the PostgreSQL database `mktgops_bench` on
the server of DATABASE_URL), starts gunicorn on 127.0.0.1, measures over loopback only, prints a table.
"""

import datetime
import http.client
import os
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
RENDERS = int(os.environ.get("BENCH_RENDERS", "25"))
TRIVIAL_REQUESTS = int(os.environ.get("BENCH_TRIVIAL_REQUESTS", "3000"))
MOVE_REQUESTS = int(os.environ.get("BENCH_MOVE_REQUESTS", "600"))
ROLLOVER_ISSUES = int(os.environ.get("BENCH_ROLLOVER_ISSUES", "5000"))
IMPORT_ISSUES = int(os.environ.get("BENCH_IMPORT_ISSUES", "10000"))
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


os.environ.update(
    DATABASE_URL=bench_database_url(),
    DJANGO_SETTINGS_MODULE="benchmarks.settings_bench",
    DEBUG="0",
    SECRET_KEY="bench-only-" + "x" * 50,
    STATIC_ROOT=str(VAR / "static"),
    # Redis when the environment has it (sessions are read from it, as in production); tasks run inline.
    REDIS_URL=os.environ.get("REDIS_URL", ""),
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
    # A production database has statistics (autovacuum's analyse); a freshly bulk-loaded one does not, and
    # its planner then guesses one row per table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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


def request(method: str, path: str, headers: dict, body: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def render_times(path: str, headers: dict) -> list[float]:
    for _ in range(3):
        request("GET", path, headers)
    times = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        status, _ = request("GET", path, headers)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, (path, status)
    return times


def throughput(calls: list) -> tuple[float, int, list[float]]:
    """Requests per second for `calls` (functions returning a status), CLIENTS at a time; the failures; and
    each request's latency in ms."""
    failures = 0
    lock = threading.Lock()

    def run(call):
        nonlocal failures
        began = time.perf_counter()
        status = call()
        if status != 200:
            with lock:
                failures += 1
        return (time.perf_counter() - began) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        latencies = list(pool.map(run, calls))
    return len(calls) / (time.perf_counter() - started), failures, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * fraction) - 1, 0)]


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
    world = setup_database()
    ic = world["people"][0]
    cookie, csrf = session_cookie(ic)
    get_headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    server = start_server()
    rows = []
    try:
        have = 0
        for size in SIZES:
            add_issues(world, size - have, have)
            have = size
            board = render_times("/board/", get_headers)
            lanes = render_times("/board/?lanes=assignee", get_headers)
            rows.append(
                {
                    "size": size,
                    "board_ms": statistics.median(board),
                    "board_p95": percentile(board, 0.95),
                    "board_queries": queries_per_render(ic, "/board/"),
                    "lanes_ms": statistics.median(lanes),
                    "lanes_queries": queries_per_render(ic, "/board/?lanes=assignee"),
                }
            )
        # Throughput at the largest size: each move takes a different 04 card to 05 (a real FSM transition
        # with its guards, row lock, log row and, for the board, the recomputed counts).
        in_progress = Issue.objects.filter(stage=Stage.IN_PROGRESS).order_by("pk").values_list("pk", flat=True)
        candidates = list(in_progress[: 2 * MOVE_REQUESTS + 4])
        assert len(candidates) == 2 * MOVE_REQUESTS + 4, "not enough 04 issues for the move benchmark"
        candidates, counted = candidates[: 2 * MOVE_REQUESTS], candidates[2 * MOVE_REQUESTS :]
        post_headers = {**get_headers, "X-CSRFToken": csrf, "Accept": "application/json"}
        form = {**post_headers, "Content-Type": "application/x-www-form-urlencoded"}
        api = {**post_headers, "Content-Type": "application/json"}

        def ping():
            return request("GET", "/bench/ping/", get_headers)[0]

        def board_move(pk):
            return lambda: request("POST", f"/board/issues/{pk}/move/", form, "stage=05&expected_stage=04")[0]

        def api_move(pk):
            return lambda: request("POST", f"/api/issues/{pk}/move/", api, '{"stage": "05"}')[0]

        def signed_in_ping():
            return request("GET", "/bench/signed-in-ping/", get_headers)[0]

        trivial_before, _, ping_ms = throughput([ping] * TRIVIAL_REQUESTS)
        signed_in_rps, _, signed_in_ms = throughput([signed_in_ping] * (TRIVIAL_REQUESTS // 2))
        board_rps, board_failures, board_ms = throughput([board_move(pk) for pk in candidates[:MOVE_REQUESTS]])
        api_rps, api_failures, api_ms = throughput([api_move(pk) for pk in candidates[MOVE_REQUESTS:]])
        trivial_after, _, _ = throughput([ping] * TRIVIAL_REQUESTS)
    finally:
        server.terminate()
        server.wait(timeout=10)
    trivial = (trivial_before + trivial_after) / 2
    move_queries = queries_per_move(ic, counted)
    moved = Issue.objects.filter(pk__in=candidates, stage=Stage.REVIEW).count()

    engine = connection.vendor
    workers = f"{WORKERS} sync workers" if THREADS == 1 else f"{WORKERS} gthread workers x {THREADS} threads"
    print(f"\n### Board — {engine}, gunicorn {workers}, {CLIENTS} concurrent clients, loopback\n")
    print("| open issues | `/board/` median | p95 | queries | swimlanes median | queries |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['size']:,} | {row['board_ms']:.1f} ms | {row['board_p95']:.1f} ms | {row['board_queries']} | "
            f"{row['lanes_ms']:.1f} ms | {row['lanes_queries']} |"
        )
    print(f"\n### Moves at {SIZES[-1]:,} open issues — {engine}\n")
    print("| endpoint | req/s | vs trivial | vs signed-in trivial | median | p95 | queries per request |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    endpoints = [
        ("`GET /bench/ping/` (trivial JSON view)", trivial, ping_ms, "ping"),
        ("`GET /bench/signed-in-ping/` (trivial, signed in, DRF)", signed_in_rps, signed_in_ms, "signed_in"),
        ("`POST /board/issues/{id}/move/` (04→05)", board_rps, board_ms, "board"),
        ("`POST /api/issues/{id}/move/` (04→05)", api_rps, api_ms, "api"),
    ]
    for name, rps, latencies, key in endpoints:
        print(
            f"| {name} | {rps:.0f} | {rps / trivial:.2f} | {rps / signed_in_rps:.2f} | "
            f"{statistics.median(latencies):.1f} ms | {percentile(latencies, 0.95):.1f} ms | {move_queries[key]} |"
        )

    # The rollover last: it makes (and drops) its own throwaway database on the same server.
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

    # The GitLab import: its own throwaway database too.
    imported = run_gitlab_import_bench(n=IMPORT_ISSUES, report=lambda line: None)
    print(
        f"\n### GitLab import of {IMPORT_ISSUES:,} issues ({imported['export_mb']} MB export) — {imported['vendor']}\n"
    )
    print("| part | time | memory |")
    print("|---|---:|---:|")
    print(f"| reading the export (streamed, tracemalloc peak) | | {imported['read_peak_mb']} MB |")
    print(
        f"| first import ({imported['first_created']:,} created) | {imported['first_seconds']:.1f} s | "
        f"RSS {imported['rss_before_mb']} → {imported['rss_peak_mb']} MB at most |"
    )
    print(f"| the same file again ({imported['again_unchanged']:,} unchanged) | {imported['again_seconds']:.1f} s | |")
    print()

    first, last = rows[0], rows[-1]
    checks = [
        (
            "same queries at every size",
            len({r["board_queries"] for r in rows}) == 1 and len({r["lanes_queries"] for r in rows}) == 1,
        ),
        (f"{SIZES[-1]:,} issues within 2x the time of {SIZES[0]}", last["board_ms"] <= 2 * first["board_ms"]),
        (
            f"board move >= half the trivial view's req/s ({board_rps / trivial:.2f})",
            board_rps >= trivial / 2,
        ),
        (f"API move >= half the trivial view's req/s ({api_rps / trivial:.2f})", api_rps >= trivial / 2),
        (
            f"every move accepted ({moved} of {2 * MOVE_REQUESTS})",
            board_failures == api_failures == 0 and moved == 2 * MOVE_REQUESTS,
        ),
        (
            f"rollover of {ROLLOVER_ISSUES:,} issues: database under {TARGET_SECONDS:g} s "
            f"({rollover['db_seconds']:.2f} s on {rollover['vendor']})",
            rollover["within_target"] and rollover["issues_moved"] == ROLLOVER_ISSUES,
        ),
    ]
    checks.append(
        (
            f"GitLab import of {IMPORT_ISSUES:,} issues within time and memory "
            f"({imported['first_seconds']:.0f} s, RSS +{imported['rss_peak_mb'] - imported['rss_before_mb']:.0f} MB)",
            imported["within_time"] and imported["within_memory"] and imported["first_created"] == IMPORT_ISSUES,
        )
    )
    for name, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {name}")
    missed = [name for name, ok in checks if not ok]
    print(f"\n(ran in {time.perf_counter() - started:.0f} s; gunicorn log: {VAR / 'gunicorn.log'})")
    if missed:
        print(f"{len(missed)} target(s) missed: " + "; ".join(missed))
    if engine == "sqlite":
        shutil.rmtree(VAR / "static", ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
