"""gunicorn's configuration for opendata: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Kept small; command-line options (``-w``, ``-b``) still apply on top of it. It sets up
prometheus_client's multiprocess mode, so that ``/metrics`` from any worker adds up every worker
of the node (docs/operations.md, Metrics).
"""

import os
import shutil
import tempfile

from prometheus_client import multiprocess

# Each worker writes its counters to files in this folder; the metrics view sums them. It must
# be set before a worker imports prometheus_client, hence here, in the master. One folder per
# master unless the operator names one (PROMETHEUS_MULTIPROC_DIR=/run/opendata/metrics).
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"opendata-prometheus-{os.getpid()}"),
)

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
