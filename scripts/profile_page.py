"""What one page costs in-process: worker time per request, queries, and where the time goes.

Run against the generated benchmark database, with the same production
settings and benchmark-only views as ``benchmark_http.py``::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marketplace_bench \\
    REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python scripts/profile_page.py /my-tasks/ --as client [-n 400] [--sql] [--explain] [--profile 30]

``--as`` is one of anonymous, supplier, client (the biggest client's owner)
or token (that owner's API token). ``{task}`` and ``{compare}`` in the path
stand for a public open task and the client's task with the most bids.

With ``--cold`` each request first drops what pages keep of themselves in the cache (their content,
rows and cards; untimed), so every request renders its page: what a viewer's first visit after a
change costs. It prints the least and the median of five batches of ``-n`` requests
(milliseconds a request: the least is the figure to compare between two
commits on a shared machine), the queries of one request, with
``--explain`` what PostgreSQL spends planning and executing each of them,
and, with ``--profile N``, the N functions with the most cumulative time. Nothing is
served over HTTP: the WSGI app is called directly, so this measures the
worker's share of ``benchmark_http.py``'s ``ms/req`` without the load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import benchmark_http  # noqa: E402 - the path above makes it importable


def environ_for(path: str, headers: dict[str, str]) -> dict[str, Any]:
    path_info, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="the page, e.g. /tasks/ or /tasks/{task}/ or /tasks/{compare}/compare/")
    parser.add_argument("--as", dest="who", default="anonymous", choices=["anonymous", "supplier", "client", "token"])
    parser.add_argument("-n", type=int, default=200, help="requests per batch (default 200)")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one request")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="run each query of one request again under EXPLAIN ANALYZE: its planning and execution time",
    )
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions (cumulative)")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="before each request, drop what the page keeps of itself in the cache (its content, rows and cards)",
    )
    parser.add_argument("--save", metavar="FILE", help="write the page's body to FILE (to see what its bytes are)")
    args = parser.parse_args()

    env = benchmark_http.server_env(argparse.Namespace(log_level="WARNING"), secrets.token_urlsafe(64))
    os.environ.update(env)
    # Production settings serve static files by their manifest, as the benchmark's gunicorn does.
    collect = [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, env=env, check=True)  # noqa: S603 - our own interpreter and manage.py
    application = benchmark_http.wsgi_app()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if "bench" not in str(connection.settings_dict["NAME"]):
        sys.exit("Point DATABASE_URL at the generated benchmark database (its name must hold 'bench').")
    the_cast = benchmark_http.cast(random.Random(11))
    try:
        headers = {
            "anonymous": {},
            "supplier": {"Cookie": f"sessionid={the_cast.supplier_session}"},
            "client": {"Cookie": f"sessionid={the_cast.client_session}"},
            "token": {"Authorization": f"Bearer {the_cast.token_secret}"},
        }[args.who]
        path = args.path.format(task=the_cast.task_ids[0], compare=the_cast.comparison_task)

        def request() -> tuple[str, bytes]:
            answer: list[str] = []
            body = b"".join(application(environ_for(path, headers), lambda status, _h, *_: answer.append(status)))
            return answer[0], body

        status, body = request()
        print(f"{path} as {args.who}: {status}, {len(body):,} bytes")
        if args.save:
            Path(args.save).write_bytes(body)
        with CaptureQueriesContext(connection) as queries:
            request()
        print(f"queries: {len(queries)}")
        if args.sql:
            for query in queries:
                print(f"  {query['time']}s  {query['sql'][:400]}")
        if args.explain:
            print_explained(queries, connection)
        batches = []
        for _ in range(5):
            spent = 0.0
            for _ in range(args.n):
                if args.cold:
                    forget_kept_pages()  # not timed
                started = time.perf_counter()
                request()
                spent += time.perf_counter() - started
            batches.append(spent * 1000 / args.n)
        print(f"ms/request: least {min(batches):.2f}, median {statistics.median(batches):.2f}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                request()
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
            stats.print_stats(args.profile)
    finally:
        the_cast.cleanup()


#: What pages keep of themselves in the cache (``core.web.kept_content``, ``core.fragments`` and the
#: contract terms), as the cache's keys name them.
KEPT_PATTERNS = ("*:content:*", "*-row:*", "*-card:*", "*contract-terms:*")


def forget_kept_pages() -> None:
    """Drop every page's kept content, rows and cards, and the API search's rows kept in this process: the
    next request renders its page cold. The session, the header's figures and the search's caches stay."""
    from django.core.cache import cache

    from marketplace.api.serializers.tasks import LISTED_TASKS

    LISTED_TASKS.clear()

    client = cache._cache.get_client()  # type: ignore[attr-defined]  # django's RedisCache
    names = [name for pattern in KEPT_PATTERNS for name in client.scan_iter(match=pattern, count=1000)]
    if names:
        client.delete(*names)


def print_explained(queries: Any, connection: Any) -> None:
    """Each query's planning and execution time in PostgreSQL (the least of three runs), in ms."""
    total_planning = total_execution = 0.0
    for query in queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        runs = []
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute(f"EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0][0]
                runs.append((plan["Planning Time"], plan["Execution Time"]))
        planning, execution = min(run[0] for run in runs), min(run[1] for run in runs)
        total_planning += planning
        total_execution += execution
        print(f"  planning {planning:6.2f} ms  execution {execution:6.2f} ms  {' '.join(sql.split())[:110]}")
    print(f"  in all: planning {total_planning:.2f} ms, execution {total_execution:.2f} ms")


if __name__ == "__main__":
    main()
