"""moto_server with requests handled one at a time.

moto checks `If-None-Match: *` and then writes without a lock, so two racing
create-only writes can both succeed on it, where real S3 (and the local
directory store) make the check and the write one atomic step. The hub's
ledger relies on that step, so the S3 tests run moto behind one lock.

Usage: python tests/moto_serial.py HOST PORT
"""

import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serial(environ, start_response):
    with lock:
        # Read the whole answer inside the lock: moto may build it lazily.
        return list(app(environ, start_response))


run_simple(sys.argv[1], int(sys.argv[2]), serial, threaded=True, request_handler=MotoRequestHandler)
