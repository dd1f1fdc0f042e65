"""``--executor dask://HOST:PORT``: a build's work on an existing Dask distributed cluster.

The cluster's workers only render: each gets a job with the bytes of its data file (and
of its previous edition's) and a project whose paths are absolute, and returns the bytes
it made; this process writes them, archives editions and records the manifest, under
the output folder's lock.  Workers read the project's templates, themes and fonts, so
they must see the project folder at the path this process gives.  Needs the ``dask``
extra: ``pip install 'briefgen[dask]'``.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import Executor

from ..errors import UsageError

CONNECT_SECONDS = 10
ADDRESS = re.compile(r"^dask://(?P<host>[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):"
                     r"(?P<port>[0-9]{1,5})$")


class DaskExecutor(Executor):
    """A Dask client's executor that, shut down, cancels what is not done and closes the
    client, within a bound, so a stopped build ends."""

    def __init__(self, client):
        self.client = client
        self.executor = client.get_executor(pure=False)
        self.futures: list = []

    def submit(self, fn, /, *args, **kwargs):
        future = self.executor.submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for future in self.futures:
                future.cancel()
        self.executor.shutdown(wait=wait and not cancel_futures)
        self.client.close(timeout=CONNECT_SECONDS)


def address(url: str) -> str:
    """The scheduler's TCP address, from ``dask://HOST:PORT``; anything else is refused."""
    found = ADDRESS.fullmatch(url)
    if found is None or not 1 <= int(found["port"]) <= 65535:
        raise UsageError(f"found the executor '{url[:200]}', expected dask://HOST:PORT with a "
                         "host name or address and a port from 1 to 65535")
    return f"tcp://{found['host']}:{found['port']}"


def executor(url: str, jobs: int) -> Executor:
    """A client of the scheduler at ``dask://HOST:PORT`` (``jobs`` is the cluster's own),
    once the scheduler answers and has a worker, within ``CONNECT_SECONDS``."""
    where = address(url)
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--executor dask:// needs Dask distributed: pip install "
                         "'briefgen[dask]'") from None
    client = _within(lambda: Client(where, timeout=CONNECT_SECONDS), where)
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except Exception:  # noqa: BLE001 - a timeout, or a scheduler gone meanwhile
        client.close(timeout=CONNECT_SECONDS)
        raise UsageError(f"the Dask scheduler at {where} has no worker; start one with "
                         f"dask worker {where}") from None
    return DaskExecutor(client)


def _within(connect, where: str):
    """``connect()`` run in a thread given ``CONNECT_SECONDS`` in all: a peer that accepts
    the connection but never speaks Dask's protocol cannot hold the build."""
    outcome: dict = {}

    def attempt() -> None:
        try:
            outcome["client"] = connect()
        except BaseException as error:  # noqa: BLE001 - handed back below
            outcome["error"] = error

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(CONNECT_SECONDS + 1)
    if "client" in outcome:
        return outcome["client"]
    why = outcome.get("error")
    raise UsageError(f"cannot reach the Dask scheduler at {where} "
                     f"({type(why).__name__ + ': ' + str(why)[:160] if why else 'no answer'}); "
                     "expected a running cluster, started with dask scheduler / dask worker") \
        from None
