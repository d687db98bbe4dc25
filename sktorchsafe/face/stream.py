"""``stream_fit``: fit a whole pipeline on data that arrives in chunks.

Every sktorchsafe step has ``partial_fit`` on mergeable statistics, so a step
fitted chunk by chunk learns what one ``fit`` on all rows would (exactly for
moments and counts, within a quantile sketch's rank error for quantiles).
A pipeline needs one more thing: each step must see the *final* output of the
steps before it, so the chunks are read once per group of steps, in order.
"""

import warnings
from collections.abc import Iterator

from sklearn.base import clone
from sklearn.pipeline import Pipeline

from ..exceptions import DataQualityWarning
from ..steps.impute import ImputerSelector
from ..steps.outliers import OutlierClipper
from ..steps.scaling import ScaleDisparityChecker
from ..steps.standardize import SafeStandardScaler
from ..steps.target import TargetValidator

__all__ = ["stream_fit"]

#: Steps whose ``transform`` returns X unchanged: the step after one of them
#: is fitted in the same pass over the chunks.
PASS_THROUGH = (TargetValidator, ScaleDisparityChecker)

#: Steps whose data warnings stream_fit issues only from the last chunk, when
#: they are about every row.
QUIET_UNTIL_LAST = (
    TargetValidator,
    ImputerSelector,
    OutlierClipper,
    ScaleDisparityChecker,
    SafeStandardScaler,
)


def stream_fit(pipeline, chunks):
    """Fit every step of ``pipeline`` with ``partial_fit``, chunk by chunk.

    Each step is reset (as ``fit`` would) and then fitted by
    ``partial_fit`` on every chunk, transformed by the steps before it, which
    are fitted already: step ``k`` learns from exactly what it will be given
    at ``transform`` time, and what it learns equals what ``fit`` on the
    concatenated chunks learns (moments and counts exactly, quantiles within
    the sketch's rank error; see each step's Notes). The chunks are therefore
    read once per group of steps: a pass-through step
    (:class:`TargetValidator`, :class:`ScaleDisparityChecker`) shares its pass
    with the step after it, so :func:`make_safe_pipeline`'s six steps take
    four passes. Only one chunk is in memory at a time.

    Each ``partial_fit`` judges all the rows seen so far, so the data
    warnings of sktorchsafe's steps (a feature without values, class
    imbalance...) are issued from the last chunk only, when they are about
    every row, and a :class:`ScaleDisparityChecker` with
    ``on_problem="raise"`` raises only then; a single class in ``y`` is an
    error only if the whole stream holds one. Chunks without rows are
    skipped.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Every step (the final estimator included) must have ``partial_fit``,
        or be ``"passthrough"`` / ``None``. The steps are fitted in place.
    chunks : list, tuple or callable
        The chunks, each ``X`` or a pair ``(X, y)``: a list or tuple of them,
        or a function taking no argument that returns a fresh iterable of
        them each time it is called (e.g. ``lambda: pd.read_csv(path,
        chunksize=100_000)`` with the target split off), since they are read
        several times.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        The fitted pipeline.

    Raises
    ------
    TypeError
        For a ``pipeline`` that is not a ``Pipeline``, a step without
        ``partial_fit``, or chunks given as a one-shot iterator (a
        generator), which cannot be read again.
    ValueError
        When no chunk holds a row.

    See Also
    --------
    sklearn.pipeline.Pipeline.fit : The same, with all rows in memory.

    Notes
    -----
    The final estimator gets one ``partial_fit`` call per chunk (a skorch net
    trains its ``max_epochs`` on each). Data held in a Dask array or
    DataFrame needs no chunking by hand: ``pipeline.fit`` on it fits every
    sktorchsafe step block by block on the cluster.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from sktorchsafe import OutlierClipper, SafeStandardScaler, stream_fit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3)) * [1, 100, 1e4]
    >>> y = X @ [1.0, 0.01, 1e-4]
    >>> chunks = [(X[i : i + 100], y[i : i + 100]) for i in range(0, 1000, 100)]
    >>> pipe = make_pipeline(
    ...     OutlierClipper(method="zscore", threshold=5), SafeStandardScaler(),
    ...     SGDRegressor(random_state=0))
    >>> pipe = stream_fit(pipe, chunks)

    The scaler learned the moments of the clipped data, as ``fit`` would:

    >>> bool(np.allclose(pipe[1].mean_, pipe[0].transform(X).mean(axis=0)))
    True
    >>> round(pipe.score(X, y), 2)
    0.99
    """
    if not isinstance(pipeline, Pipeline):
        raise TypeError(
            "stream_fit: pipeline must be a sklearn.pipeline.Pipeline. Got "
            f"{type(pipeline).__name__} instead; for a single step, call its "
            "partial_fit on each chunk."
        )
    steps = [
        (k, name, est)
        for k, (name, est) in enumerate(pipeline.steps)
        if est is not None and est != "passthrough"
    ]
    for _, name, est in steps:
        if not hasattr(est, "partial_fit"):
            raise TypeError(
                f"stream_fit: step {name!r} ({type(est).__name__}) has no "
                "partial_fit, so it cannot learn chunk by chunk. Replace it by "
                "one that has (every sktorchsafe step has), or fit the steps "
                "before it with stream_fit(pipeline[:k], chunks) and it on their "
                "output."
            )
    read = _reader(chunks)
    for _, _, est in steps:
        _reset(est)

    start = 0  # the first step of the group fitted in the next pass
    for index, (_, _, est) in enumerate(steps):
        if index < len(steps) - 1 and isinstance(est, PASS_THROUGH):
            continue  # its transform changes nothing: fit the next step too
        group = [step for _, _, step in steps[start : index + 1]]
        before = pipeline[: steps[start][0]]  # fitted in earlier passes
        n_chunks = 0
        for (X, y), last in _flag_last(read()):
            n_chunks += 1
            if len(before):
                X = before.transform(X)
            for step in group:
                _partial_fit(step, X, y, last)
        if n_chunks == 0:
            raise ValueError(
                "stream_fit: the chunks hold no rows (every chunk is empty, or "
                "there is none), so there is nothing to fit on."
            )
        for step in group:
            if isinstance(step, TargetValidator):
                step._end_stream()  # a single class is an error only now
        start = index + 1
    return pipeline


def _partial_fit(step, X, y, last):
    """``step.partial_fit(X, y)``; data warnings of our steps only on the last chunk.

    Each ``partial_fit`` judges everything seen so far, so only the last
    chunk's findings describe the whole stream: a feature without values in
    the first chunk, or a first chunk of one class, is no finding at all.
    """
    if not isinstance(step, QUIET_UNTIL_LAST):
        step.partial_fit(X, y)
        return
    if last:
        if hasattr(step, "_warned"):  # steps that warn once per stream
            step._warned = set()  # forget what the silenced chunks recorded
        step.partial_fit(X, y)
        return
    # A checker asked to raise judges the whole stream too, at its end.
    raises = isinstance(step, ScaleDisparityChecker) and step.on_problem == "raise"
    try:
        if raises:
            step.on_problem = "warn"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            step.partial_fit(X, y)
    finally:
        if raises:
            step.on_problem = "raise"


def _flag_last(chunks):
    """``(chunk, is_last)`` for each chunk holding rows (empty chunks are skipped)."""
    previous = None
    for chunk in chunks:
        if _n_rows(chunk[0]) == 0:
            continue
        if previous is not None:
            yield previous, False
        previous = chunk
    if previous is not None:
        yield previous, True


def _n_rows(X):
    shape = getattr(X, "shape", None)
    return shape[0] if shape is not None else len(X)


def _reader(chunks):
    """A function giving a fresh iterator over ``(X, y)`` pairs at each call."""
    if isinstance(chunks, Iterator):
        raise TypeError(
            "stream_fit: chunks is a one-shot iterator (e.g. a generator), but "
            "the chunks are read once per group of steps. Pass a list of "
            "chunks, or a function returning a fresh iterator, e.g. "
            "lambda: pd.read_csv(path, chunksize=100_000)."
        )

    def read():
        source = chunks() if callable(chunks) else chunks
        for chunk in source:
            if isinstance(chunk, tuple) and len(chunk) == 2:
                yield chunk
            else:
                yield chunk, None

    return read


def _reset(estimator):
    """Make ``estimator`` unfitted in place, as a fresh clone of itself.

    Steps fitted in place (as ``Pipeline.fit`` does) stay the objects the
    caller holds; ``partial_fit`` then starts from scratch.
    """
    fresh = clone(estimator)
    estimator.__dict__.clear()
    estimator.__dict__.update(fresh.__dict__)
