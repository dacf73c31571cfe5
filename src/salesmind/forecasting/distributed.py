"""Run per-series forecasting work on a Dask cluster.

The history is split by series into chunks; each chunk's statsforecast work runs as one Dask
task; the results are gathered and concatenated. Every series is forecast independently, so the
numbers equal a single-machine run (a test checks this on a local cluster). Configure a cluster
with ``SALESMIND_DASK_SCHEDULER`` (an address such as ``tcp://scheduler:8786``) or pass a
``distributed.Client`` as ``dask_client``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

Task = Callable[[pd.DataFrame], pd.DataFrame]


def chunk_by_series(frame: pd.DataFrame, n_chunks: int) -> list[pd.DataFrame]:
    """``frame`` cut into at most ``n_chunks`` parts, never splitting a series."""
    ids = frame["unique_id"].unique()
    groups = np.array_split(ids, max(1, min(n_chunks, len(ids))))
    return [frame[frame["unique_id"].isin(g)] for g in groups if len(g)]


def dask_runner(client: Any, chunks_per_worker: int = 2) -> Callable[[Task, pd.DataFrame], pd.DataFrame]:
    """A runner that maps a per-chunk task over the cluster of ``client`` and concatenates."""

    def run(task: Task, frame: pd.DataFrame) -> pd.DataFrame:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        parts = chunk_by_series(frame, workers * chunks_per_worker)
        futures = client.map(task, parts, pure=False)
        return pd.concat(client.gather(futures), ignore_index=True)

    return run


def client_from_settings(address: str | None) -> Any | None:
    """A Dask client for ``address`` (None when no cluster is configured)."""
    if not address:
        return None
    from distributed import Client

    return Client(address)
