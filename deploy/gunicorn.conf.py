"""gunicorn's configuration for opendata: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Kept small; command-line options (``-w``, ``-b``) still apply on top of it. It sets up
prometheus_client's multiprocess mode, so that ``/metrics`` from any worker adds up every worker
of the node (docs/operations.md, Metrics).
"""

import os
import shutil
import tempfile

# Each worker writes its counters to files in this folder; the metrics view sums them. It must
# be set before prometheus_client is first imported (it picks its mode then, and workers inherit
# the master's modules), hence here, first. One folder per master unless the operator names one
# (PROMETHEUS_MULTIPROC_DIR=/run/opendata/metrics).
_OWN_DIR = os.path.join(tempfile.gettempdir(), f"opendata-prometheus-{os.getpid()}")
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", _OWN_DIR)

from prometheus_client import multiprocess  # noqa: E402 - after the variable, see above

wsgi_app = "wsgi:app"
control_socket_disable = True  # as --no-control-socket (README's production command)


def on_starting(server):  # gunicorn's hook signature; server unused
    # Files left by a previous master would be added to this one's counters.
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    # A dead worker's counters stay counted; its live gauges are dropped.
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    # The folder this file chose is this master's alone; one the operator named is left.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == _OWN_DIR:
        shutil.rmtree(_OWN_DIR, ignore_errors=True)
