"""
gunicorn's settings for serving policytracker in production: `make serve` uses them, and so can
a process manager (docs/deploy.md has a systemd unit):

    gunicorn --config policytracker/gunicorn.conf.py --bind 127.0.0.1:8000

Any of them can be overridden on the command line or in GUNICORN_CMD_ARGS, e.g.
GUNICORN_CMD_ARGS="--timeout 60".
"""

import os

wsgi_app = "policytracker.wsgi"

# gunicorn's advice for their number: two per core, plus one. Each is a process serving one
# request at a time, with its own database connection (kept DATABASE_CONN_MAX_AGE seconds).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
# Threaded workers with one thread: a sync worker that answers, but does not check in with
# gunicorn's arbiter for `timeout` seconds, is killed mid-answer; the CSV export of every
# position streams for over a minute at a million positions. A gthread worker's main thread
# checks in while its thread streams.
worker_class = "gthread"
threads = 1

# A worker whose main loop is stuck this long is killed and replaced; on a restart, workers get
# `graceful_timeout` to finish the request they are serving.
timeout = 30
graceful_timeout = 30

# Access log on stdout: the client's address as the proxies saw it (X-Forwarded-For), the
# request, status, size, duration, and the X-Request-ID the response carries, which the audit
# trail records with each change the request made.
accesslog = "-"
access_log_format = (
    '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s %(M)sms '
    '"%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
)

# Which peers may tell, with X-Forwarded-Proto, that a request came over HTTPS (Django then
# sees it as secure: no redirect to HTTPS, Secure cookies). With proxies in front
# (POLICYTRACKER_NUM_PROXIES > 0) any peer, the servers being reachable through the proxies
# only; without, only this machine. FORWARDED_ALLOW_IPS (addresses or networks) names them
# explicitly.
_num_proxies = int(os.environ.get("POLICYTRACKER_NUM_PROXIES", "0"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or (
    "*" if _num_proxies > 0 else "127.0.0.1,::1"
)
# Only the header the proxy sets (and overwrites): docs/deploy.md's nginx example.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# No control socket: it would be one per user ($XDG_RUNTIME_DIR or ~/.gunicorn), shared by every
# server the user runs. Signals manage the server instead (HUP reloads, TERM stops gracefully).
control_socket_disable = True


def when_ready(server):
    """Say it loudly when several workers serve without Redis: each then keeps its own throttle
    counts, and a client gets the rate once per worker (docs/deploy.md, "Redis")."""
    if server.cfg.workers > 1 and not os.environ.get("REDIS_URL"):
        server.log.warning(
            "WARNING: %d workers and no REDIS_URL: each worker counts the request rates on its "
            "own, so clients get %d times the throttle's rate. Set REDIS_URL "
            "(redis://host:6379/0) to share the counts.",
            server.cfg.workers,
            server.cfg.workers,
        )
