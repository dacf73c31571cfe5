"""On a local Dask cluster the history forecaster gives the single-machine numbers."""

import numpy as np
import pandas as pd
import pytest

from salesmind.forecasting.distributed import chunk_by_series
from salesmind.forecasting.timeseries import EnsembleForecaster

distributed = pytest.importorskip("distributed")


def _history(n_series: int = 8, length: int = 48) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ds = pd.date_range("2018-01-01", periods=length, freq="MS")
    return pd.concat([pd.DataFrame({"unique_id": f"g{i}", "ds": ds,
                                    "y": 50 + 10 * np.sin(np.arange(length) / 2) + rng.normal(0, 2, length)})
                      for i in range(n_series)], ignore_index=True)


def test_chunks_never_split_a_series():
    history = _history()
    chunks = chunk_by_series(history, 3)
    assert len(chunks) == 3
    ids = [set(c["unique_id"]) for c in chunks]
    assert sum(len(s) for s in ids) == 8 and set().union(*ids) == set(history["unique_id"])


def test_dask_cluster_gives_the_same_forecast_as_one_machine():
    history = _history()
    members = ("AutoETS", "SeasonalNaive", "Naive")
    local = EnsembleForecaster(horizon=4, n_windows=2, members=members).fit(history).predict()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = EnsembleForecaster(horizon=4, n_windows=2, members=members,
                                    dask_client=client).fit(history).predict()
    pd.testing.assert_frame_equal(local.reset_index(drop=True), remote.reset_index(drop=True))


def test_a_configured_scheduler_address_gives_a_client():
    from salesmind.forecasting.distributed import client_from_settings

    assert client_from_settings(None) is None and client_from_settings("") is None
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        client = client_from_settings(cluster.scheduler_address)
        try:
            assert client.submit(sum, [1, 2, 3]).result() == 6
        finally:
            client.close()
