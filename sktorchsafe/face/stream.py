"""``stream_fit``: fit a whole pipeline on data that arrives in chunks.

Every sktorchsafe step follows the streaming protocol
(:mod:`sktorchsafe.core.streaming`: reset, merge a block, finish), so a step
fitted chunk by chunk learns what one ``fit`` on all rows would (exactly for
moments and counts, within a quantile sketch's rank error for quantiles).
A pipeline needs one more thing: each step must see the *final* output of the
steps before it, so the chunks are read once per group of steps, in order.
"""

from collections.abc import Iterator

from sklearn.pipeline import Pipeline

from ..core.compat import InvalidParameterError
from ..core.streaming import passes_X_through, streamed
from ..exceptions import InputTypeError

__all__ = ["stream_fit"]


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
    with the step after it, so :func:`make_safe_pipeline`'s seven steps take
    five passes. Only one chunk is in memory at a time.

    sktorchsafe's steps judge the data once, after the last chunk (the
    streaming protocol's *finish*): their
    warnings (a feature without values, class imbalance...) and errors (a
    :class:`ScaleDisparityChecker` with ``on_problem="raise"``) are about
    every row, as one ``fit``'s would be, and each is issued once; a single
    class in ``y`` is an error only if the whole stream holds one. Chunks
    without rows are skipped.

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
    InvalidParameterError
        (scikit-learn's, a ``TypeError`` and a ``ValueError``) For a
        ``pipeline`` that is not a ``Pipeline``, a step without
        ``partial_fit``, or chunks given as a one-shot iterator (a
        generator), which cannot be read again.
    InputTypeError
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
        raise InvalidParameterError(
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
            raise InvalidParameterError(
                f"stream_fit: step {name!r} ({type(est).__name__}) has no "
                "partial_fit, so it cannot learn chunk by chunk. Replace it by "
                "one that has (every sktorchsafe step has), or fit the steps "
                "before it with stream_fit(pipeline[:k], chunks) and it on their "
                "output."
            )
    read = _reader(chunks)
    start = 0  # the first step of the group fitted in the next pass
    for index, (_, _, est) in enumerate(steps):
        if index < len(steps) - 1 and passes_X_through(est):
            continue  # its transform changes nothing: fit the next step too
        group = [step for _, _, step in steps[start : index + 1]]
        before = pipeline[: steps[start][0]]  # fitted in earlier passes
        with streamed(*group):
            n_chunks = 0
            for X, y in read():
                if _n_rows(X) == 0:
                    continue
                n_chunks += 1
                if len(before):
                    X = before.transform(X)
                for step in group:
                    step.partial_fit(X, y)
            if n_chunks == 0:
                raise InputTypeError(
                    "stream_fit: the chunks hold no rows (every chunk is empty, "
                    "or there is none), so there is nothing to fit on."
                )
        start = index + 1
    return pipeline


def _n_rows(X):
    shape = getattr(X, "shape", None)
    return shape[0] if shape is not None else len(X)


def _reader(chunks):
    """A function giving a fresh iterator over ``(X, y)`` pairs at each call."""
    if isinstance(chunks, Iterator):
        raise InvalidParameterError(
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
