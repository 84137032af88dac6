"""Gunicorn reads this file from its working directory: the production image, docker-compose and
`make bench` all start it from the project's root. Command-line options (workers, bind, timeout)
stay where they are; this file adds what cannot be said on a command line.

Python's full garbage collection walks every object the process holds, and a Django worker holds
a few hundred thousand that live as long as it does (modules, URL patterns, templates, translation
catalogues). Measured at 1,000,000 children (issue 9), one full collection cost about 110 ms, so one
request in forty took four times as long as the rest. Freezing those long-lived objects once they
exist takes them out of every later collection (gc.freeze, Python 3.7+); objects of requests are
still collected as before. Templates and catalogues load on first use, so the heap is frozen again
after the first requests.
"""

import gc

FREEZE_AFTER_REQUESTS = (1, 20, 200)


def freeze_long_lived_objects() -> None:
    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    freeze_long_lived_objects()


def post_request(worker, req, environ, resp):
    if worker.nr in FREEZE_AFTER_REQUESTS:
        freeze_long_lived_objects()
