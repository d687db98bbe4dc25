"""The table-wide checks of ``diagnose`` (face/table_checks.py): half precision."""

import numpy as np
import pandas as pd
import pytest

from sktorchsafe import diagnose
from sktorchsafe.core.stats import ColumnStats
from sktorchsafe.face.table_checks import (
    FLOAT16_MAX,
    _bfloat16,
    half_precision_findings,
)


def _findings(X):
    X = np.asarray(X, dtype=np.float64)
    names = [f"x{j}" for j in range(X.shape[1])]
    return {
        f.kind: f for f in half_precision_findings(X, names, ColumnStats.from_array(X))
    }


def test_bfloat16_rounding_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [
            rng.normal(size=500) * 10.0 ** rng.integers(-40, 38, size=500),
            [0.0, -0.0, 1000.0, 1001.0, 1003.0, 3.39e38, 3.4e38, np.inf, -np.inf],
        ]
    ).astype(np.float32)
    expected = torch.from_numpy(values).bfloat16().float().numpy()
    np.testing.assert_array_equal(_bfloat16(values), expected)
    assert np.isnan(_bfloat16(np.array([np.nan], dtype=np.float32))).all()


def test_values_beyond_float16_are_counted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    X[:7, 1] = 1e5  # beyond 65504
    X[10, 1] = np.inf  # not a finite value: not counted here
    X[:, 2] *= 100.0  # large, but inside float16's range
    found = _findings(X)
    f = found["float16_overflow"]
    assert f.columns == ("x1",) and f.n_cells == 7
    assert f.severity == "info" and f.step == "scale"
    assert f"{FLOAT16_MAX:g}" in f.message and "bfloat16" in f.message
    assert "half_collapse" not in found


def test_features_that_collapse_in_half_precision():
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [
            rng.integers(2000, 2004, size=200).astype(float),  # one bfloat16 value
            1e-9 * (1 + rng.random(200)),  # 0 in float16, fine in bfloat16
            4096 + rng.integers(0, 2, size=200) * 0.5,  # one value in both
            rng.normal(size=200),  # fine
        ]
    )
    f = _findings(X)["half_collapse"]
    assert f.columns == ("x0", "x1", "x2")
    assert "'x0' (2000 to 2003: one value in bfloat16)" in f.message
    assert "one value in float16)" in f.message
    assert "one value in float16 and bfloat16" in f.message


def test_float32_findings_are_not_repeated():
    X = np.column_stack([np.array([1e39, -1e39, 0.0]), 1e8 + np.array([0.0, 0.1, 0.2])])
    found = _findings(X)
    # Beyond float32, or collapsing in float32: their own findings, not
    # half-precision ones too (x1 is beyond float16 all the same).
    assert found["float16_overflow"].columns == ("x1",)
    assert "half_collapse" not in found


def test_diagnose_reports_half_precision_findings():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "year": rng.integers(2000, 2004, size=300).astype(float),
            "a": rng.normal(size=300),
        }
    )
    X["price"] = rng.normal(size=300) * 1e5
    report = diagnose(X)
    kinds = {f.kind: f for f in report.findings}
    assert kinds["half_collapse"].columns == ("year",)
    assert kinds["float16_overflow"].columns == ("price",)
    # A plain float32 net trains on these: worth knowing, not an error.
    assert all(f.severity != "error" for f in report.findings if "16" in f.message)
    clean = pd.DataFrame({"a": rng.normal(size=300), "b": rng.uniform(size=300)})
    assert diagnose(clean).findings == ()
