"""``--executor dask://HOST:PORT``: a build's work on an existing Dask distributed cluster.

The cluster's workers only render: each gets a job with the bytes of its data file (and
of its previous edition's), and returns the bytes it made; this process writes them,
archives editions and records the manifest, under the output folder's lock.  Workers
read the project's templates, themes and fonts, so they must see the project folder at
the path this process gives.  Needs the ``dask`` extra: ``pip install 'briefgen[dask]'``.
"""

from __future__ import annotations

from concurrent.futures import Executor

from ..errors import UsageError

CONNECT_SECONDS = 10


class DaskExecutor(Executor):
    """A Dask client's executor that closes the client when the build is done."""

    def __init__(self, client):
        self.client = client
        self.executor = client.get_executor(pure=False)

    def submit(self, fn, /, *args, **kwargs):
        return self.executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.executor.shutdown(wait=wait)
        self.client.close()


def executor(url: str, jobs: int) -> Executor:
    """A client of the scheduler at ``dask://HOST:PORT`` (``jobs`` is the cluster's own)."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--executor dask:// needs Dask distributed: pip install "
                         "'briefgen[dask]'") from None
    address = "tcp://" + url.removeprefix("dask://")
    try:
        return DaskExecutor(Client(address, timeout=CONNECT_SECONDS))
    except (OSError, TimeoutError) as error:
        raise UsageError(f"cannot reach the Dask scheduler at {address} ({error}); expected "
                         "a running cluster, started with dask scheduler / dask worker") \
            from None
