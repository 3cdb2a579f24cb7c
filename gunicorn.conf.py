"""gunicorn settings; each can be overridden with GUNICORN_* in the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The embedded ClickHouse (chdb) allows one process per data folder, so the
# default is one worker with threads; production with a ClickHouse server can
# raise GUNICORN_WORKERS.
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
if workers > 1:
    from agentops.settings import load

    if load().clickhouse_embedded:
        print(
            "GUNICORN_WORKERS is ignored with the embedded ClickHouse: one process "
            "per data folder; set CLICKHOUSE_HOST to run several workers."
        )
        workers = 1
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
