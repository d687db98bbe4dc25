"""Dask collections on a real 2-worker LocalCluster: same fit, lazy transform."""

import numpy as np
import pandas as pd
import pytest

from sktorchsafe import SafeStandardScaler
from sktorchsafe.exceptions import NonFiniteInputError

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6000, 5)) * [1, 1e300, 3, 1e-3, 10] + [0, 0, 5, 0, -2]
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def test_scaler_dask_fit_equals_numpy_fit(client, data):
    ours = SafeStandardScaler().fit(da.from_array(data, chunks=(700, 5)))
    local = SafeStandardScaler().fit(data)
    np.testing.assert_allclose(ours.mean_, local.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.scale_, local.scale_, rtol=1e-12)
    np.testing.assert_array_equal(ours.n_samples_seen_, local.n_samples_seen_)


def test_scaler_dask_transform_is_lazy_until_computed(client, data):
    Xd = da.from_array(data, chunks=(700, 5))
    scaler = SafeStandardScaler(dtype=np.float32).fit(Xd)
    out = scaler.transform(Xd)
    assert isinstance(out, da.Array) and out.dtype == np.float32
    assert out.chunks[0] == Xd.chunks[0]
    np.testing.assert_allclose(
        out.compute(), SafeStandardScaler(dtype=np.float32).fit_transform(data)
    )


def test_scaler_on_dask_dataframe_keeps_names(client, data):
    df = dd.from_pandas(pd.DataFrame(data, columns=list("abcde")), npartitions=4)
    scaler = SafeStandardScaler().fit(df)
    assert list(scaler.feature_names_in_) == list("abcde")
    out = scaler.transform(df)
    assert list(out.columns) == list("abcde")
    pd.testing.assert_frame_equal(
        out.compute(),
        pd.DataFrame(SafeStandardScaler().fit_transform(data), columns=list("abcde")),
        check_index_type=False,
    )


def test_scaler_dask_weighted_and_partial_fit(client, data):
    w = np.random.default_rng(1).random(len(data))
    ours = SafeStandardScaler().fit(
        da.from_array(data, chunks=(900, 5)), sample_weight=da.from_array(w, 1000)
    )
    local = SafeStandardScaler().fit(data, sample_weight=w)
    np.testing.assert_allclose(ours.mean_, local.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.scale_, local.scale_, rtol=1e-12)
    streamed = SafeStandardScaler()
    for chunk in np.array_split(data, 10):
        streamed.partial_fit(da.from_array(chunk, chunks=(200, 5)))
    np.testing.assert_allclose(
        streamed.scale_, SafeStandardScaler().fit(data).scale_, rtol=1e-12
    )


def test_scaler_dask_inf_is_named(client, data):
    X = data.copy()
    X[10, 3] = -np.inf
    with pytest.raises(NonFiniteInputError, match="'x3' \\(1 cell\\)"):
        SafeStandardScaler().fit(da.from_array(X, chunks=(700, 5)))
