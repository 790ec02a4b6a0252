"""Benchmark: importing a GitLab export of 10,000 generated issues (time and memory).

Runs in a throwaway database (Django's test database for DATABASE_URL, created and dropped here). The export
is generated first (tests/gitlab_import/export_builder.py, GitLab's NDJSON layout); then:
  1. the whole file is read through ExportFile under tracemalloc: its peak shows the reader streams (one
     issue in memory at a time, whatever the number of issues);
  2. a first import, timed, with the process's resident memory sampled every 500 issues (the import as a
     whole, the ORM included, must not grow with the file either);
  3. the same file again (every issue unchanged: the re-run path), timed.

    python benchmarks/gitlab_import.py [--issues 10000]
"""

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

TARGET_SECONDS_PER_1000 = 60.0
TARGET_PEAK_MB = 64.0


def _setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mktgops_portal.settings")
    import django

    django.setup()


def _rss_mb() -> float:
    """The process's resident memory now (Linux /proc), else its peak so far (resource)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def run_gitlab_import_bench(n: int = 10_000, report=print) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from gitlab_import.export_file import ExportFile
    from gitlab_import.services import gitlab_import
    from requests_app.models import Issue
    from tests.gitlab_import.export_builder import write_generated_export

    # As in production: with DEBUG on, Django keeps the last 9,000 queries, which would count as the import's memory.
    settings.DEBUG = False
    setup_test_environment(debug=False)
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_generated_export(Path(tmp) / "generated.tar.gz", n)
        size_mb = path.stat().st_size / 1e6
        try:
            tracemalloc.start()
            with ExportFile(path) as export:
                export.members()
                read = sum(1 for _ in export.issues())
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_before = _rss_mb()
            samples = [rss_before]

            def sample(processed: int, total) -> None:
                if processed % 500 == 0:
                    samples.append(_rss_mb())

            started = time.perf_counter()
            first = gitlab_import(reader=ExportFile(path), instance="bench.example.com", progress=sample)
            first_seconds = time.perf_counter() - started
            rss_after = _rss_mb()
            samples.append(rss_after)

            started = time.perf_counter()
            again = gitlab_import(reader=ExportFile(path), instance="bench.example.com")
            again_seconds = time.perf_counter() - started

            result = {
                "vendor": connection.vendor,
                "issues": Issue.objects.count(),
                "export_mb": round(size_mb, 2),
                "first_seconds": round(first_seconds, 1),
                "first_created": first.counts.get("issues", {}).get("created", 0),
                "again_seconds": round(again_seconds, 1),
                "again_unchanged": again.counts.get("issues", {}).get("unchanged", 0),
                "read": read,
                "read_peak_mb": round(peak / 1e6, 1),
                "rss_before_mb": round(rss_before, 1),
                "rss_after_mb": round(rss_after, 1),
                "rss_peak_mb": round(max(samples), 1),
                "rss_at_half_mb": round(samples[len(samples) // 2], 1),
            }
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
    result["within_time"] = result["first_seconds"] <= TARGET_SECONDS_PER_1000 * n / 1000
    result["within_memory"] = (
        result["read_peak_mb"] <= TARGET_PEAK_MB and result["rss_peak_mb"] - result["rss_before_mb"] <= TARGET_PEAK_MB
    )
    report(
        f"GitLab import of {n:,} issues ({result['export_mb']} MB export) on {result['vendor']}: first import "
        f"{result['first_seconds']}s ({result['first_created']} created), again {result['again_seconds']}s "
        f"({result['again_unchanged']} unchanged); reading the file: peak {result['read_peak_mb']} MB traced; "
        f"process RSS {result['rss_before_mb']} MB before, {result['rss_at_half_mb']} MB half-way, "
        f"{result['rss_peak_mb']} MB at most, {result['rss_after_mb']} MB after the import "
        f"(targets: <= {TARGET_SECONDS_PER_1000:g} s per 1,000 issues, <= {TARGET_PEAK_MB:g} MB)"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    args = parser.parse_args()
    _setup_django()
    result = run_gitlab_import_bench(args.issues)
    return 0 if result["within_time"] and result["within_memory"] else 1


if __name__ == "__main__":
    sys.exit(main())
