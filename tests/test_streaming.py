"""The streaming protocol: reset, merge a block, finish; what stream_fit relies on."""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils.validation import check_is_fitted

from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeStandardScaler,
    ScaleDisparityChecker,
    TargetValidator,
    stream_fit,
)
from sktorchsafe.core.streaming import StreamingMixin, passes_X_through, streamed
from sktorchsafe.core.validation import validate_X
from sktorchsafe.exceptions import DataQualityError, DataQualityWarning

STEPS = [
    TargetValidator,
    ImputerSelector,
    OutlierClipper,
    ScaleDisparityChecker,
    SafeStandardScaler,
]
PASS_THROUGH = (TargetValidator, ScaleDisparityChecker)


@pytest.mark.parametrize("Step", STEPS)
def test_steps_follow_the_protocol(Step):
    step = Step()
    assert isinstance(step, StreamingMixin)
    assert passes_X_through(step) == (Step in PASS_THROUGH)


def test_other_estimators_do_not_pass_X_through():
    assert not passes_X_through(make_pipeline(SafeStandardScaler()))


@dataclass
class _Sums:
    """Mergeable: rows and column sums."""

    n_rows: int
    total: np.ndarray

    def merge(self, other):
        return _Sums(self.n_rows + other.n_rows, self.total + other.total)


class _ColumnMeans(StreamingMixin, TransformerMixin, BaseEstimator):
    """The least a step implements: validate a block, its statistics, finish."""

    _passes_X_through = True

    def __init__(self, *, warn_below=None):
        self.warn_below = warn_below

    def fit(self, X, y=None):
        self._fit(X, y)
        return self

    def partial_fit(self, X, y=None):
        self._partial_fit(X, y)
        return self

    def _validate_block(self, X, *, reset):
        return validate_X(self, X, reset=reset)

    def _block_statistics(self, X, sample_weight=None):
        return _Sums(X.shape[0], X.sum(axis=0))

    def _finish(self, *, partial=False):
        self.n_rows_ = self._stream.n_rows
        self.mean_ = self._stream.total / self._stream.n_rows
        if self.warn_below is not None and (self.mean_ < self.warn_below).any():
            warnings.warn("a mean is low", DataQualityWarning, stacklevel=2)

    def transform(self, X):
        check_is_fitted(self)
        return validate_X(self, X, reset=False)


def test_a_new_step_needs_only_the_three_phases(rng):
    X = rng.normal(size=(300, 3)) + [0, 5, 10]
    chunks = np.array_split(X, 7)
    fitted = _ColumnMeans().fit(X)
    streamed_alone = _ColumnMeans()
    for chunk in chunks:
        streamed_alone.partial_fit(chunk)
    assert_allclose(streamed_alone.mean_, fitted.mean_)
    assert streamed_alone.n_rows_ == 300

    # stream_fit knows nothing of the class: it resets the step (a fit
    # before is forgotten), merges each chunk, finishes once, and fits the
    # scaler after it in the same pass, since it declares X passes through.
    reads = []

    def read():
        reads.append(1)
        return chunks

    pipe = make_pipeline(_ColumnMeans().fit(X[:10] * 100), SafeStandardScaler())
    stream_fit(pipe, read)
    assert len(reads) == 1
    assert pipe[0].n_rows_ == 300
    assert_allclose(pipe[0].mean_, fitted.mean_)
    assert_allclose(pipe[1].mean_, fitted.mean_)


def test_a_dask_fit_merges_the_blocks_through_the_same_phases(rng):
    da = pytest.importorskip("dask.array")
    X = rng.normal(size=(300, 3))
    step = _ColumnMeans().fit(da.from_array(X, chunks=(70, 3)))
    assert step.n_rows_ == 300
    assert_allclose(step.mean_, X.mean(axis=0))
    # Dask statistics merge: a partial_fit continues from them.
    step.partial_fit(X)
    assert step.n_rows_ == 600


def test_streamed_defers_judging_to_the_end_and_changes_no_parameter(rng):
    X = rng.normal(size=(90, 2))
    X[:30, 1] = 0.0  # constant in the first chunk only
    checker = ScaleDisparityChecker(on_problem="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is issued, nothing silenced
        with streamed(checker):
            for chunk in np.array_split(X, 3):
                checker.partial_fit(chunk)
                assert checker.get_params()["on_problem"] == "raise"
                assert not hasattr(checker, "report_")  # not judged yet
    assert checker.report_.n_samples == 90 and not checker.report_.findings

    X[:, 1] = 0.0  # constant in every chunk: judged once, at the end
    with pytest.raises(DataQualityError, match="constant"):
        with streamed(checker):
            for chunk in np.array_split(X, 3):
                checker.partial_fit(chunk)
    warner = ScaleDisparityChecker()
    with pytest.warns(DataQualityWarning, match="constant") as caught:
        with streamed(warner):
            for chunk in np.array_split(X, 3):
                warner.partial_fit(chunk)
    assert len(caught) == 1
    # The warning names the line that finished the stream: this file.
    assert caught[0].filename == __file__


def test_streamed_finishes_nothing_after_an_error(rng):
    X = rng.normal(size=(40, 2))
    scaler = SafeStandardScaler().fit(X)
    with pytest.raises(RuntimeError, match="stop"):
        with streamed(scaler):
            scaler.partial_fit(X[:20])
            raise RuntimeError("stop")
    assert not hasattr(scaler, "mean_")  # reset, and never finished
    assert not hasattr(scaler, "_finish_deferred")
    # Outside a stream, partial_fit finishes at every call again.
    assert scaler.partial_fit(X).n_samples_seen_ == 60


def test_reset_forgets_what_was_learned_and_keeps_the_settings(rng):
    X = pd.DataFrame(rng.normal(size=(30, 2)), columns=["a", "b"])
    imputer = ImputerSelector(strategy="mean").set_output(transform="pandas")
    imputer.fit(X)
    imputer._reset()
    assert not [name for name in vars(imputer) if name.endswith("_")]
    assert not hasattr(imputer, "_stream") and not hasattr(imputer, "_models")
    with pytest.raises(NotFittedError):
        imputer.transform(X)
    assert isinstance(imputer.fit(X).transform(X), pd.DataFrame)


def test_exact_statistics_are_dropped_after_fit(rng):
    X = rng.normal(size=(50, 2))
    for step in (
        OutlierClipper(),
        ScaleDisparityChecker(),
        ImputerSelector(strategy="median"),
    ):
        step.fit(X)
        assert not hasattr(step, "_stream"), step  # nothing holds on to X
        # partial_fit then starts a new stream (exact quantiles do not merge).
        step.partial_fit(X[:10])
        assert step._stream.merge  # mergeable statistics of those 10 rows
