"""The streaming protocol: reset, merge a block, finish.

Every sktorchsafe step learns from *mergeable statistics* (:mod:`.stats`,
:mod:`.sketches`, :mod:`.counts`), so its ``fit`` is three phases:

1. **reset**: forget what an earlier fit learned (:meth:`StreamingMixin._reset`);
2. **merge a block**: reduce a block of data to statistics and merge them into
   those of the blocks before (:meth:`StreamingMixin._merge`). A block is all
   of X (``fit``), one chunk (``partial_fit``), or each block of a Dask
   collection, merged in a tree by :func:`~.dask_blocks.reduce_blocks`: one
   code path for the three;
3. **finish**: set the fitted attributes from the merged statistics and judge
   them, with the warnings and errors about the data
   (:meth:`StreamingMixin._finish`).

``fit`` is reset + merge + finish, ``partial_fit`` is (reset on the first
call) + merge + finish: :class:`StreamingMixin` writes both once, as
imbalanced-learn's ``BaseSampler`` writes ``fit_resample`` around a sampler's
``_fit_resample``. :func:`~sktorchsafe.stream_fit` relies on the phases
without naming a step: :class:`streamed` resets a step, lets its
``partial_fit`` merge every chunk without finishing, and finishes once after
the last chunk, so the step judges the whole stream once (no warning is
silenced, no parameter changed); :func:`passes_X_through` tells which steps
return X unchanged.

Adopting the protocol
---------------------
A step puts :class:`StreamingMixin` left of its other bases and implements

``_validate_block(X, *, reset)``
    Check an in-memory block (``validate_X``) and return it as an ndarray;
    ``reset=True`` for the first block of a fit or stream.
``_block_statistics(X, sample_weight=None)``
    The mergeable statistics of a validated block: an object with a ``merge``
    method returning the statistics of both blocks together. It also runs on
    each block of a Dask collection, on a copy of the step without its
    statistics, so it must not read them.
``_finish(*, partial=False)``
    Set the fitted attributes from ``self._stream`` (the merged statistics)
    and judge them. ``partial=True`` when more chunks may follow (a
    ``partial_fit`` call): what only the whole data can decide (e.g. a single
    class) may wait.

and, where needed,

``_exact_statistics(X, sample_weight=None)``
    Statistics of all of an in-memory X, for ``fit`` (default: those of the
    block). Exact order statistics do not merge (no ``merge`` method): the
    next ``partial_fit`` then starts a new stream, and they are dropped after
    ``_finish``, so they may hold on to X.
``_check_dask_input(X, *, reset)``, ``_check_statistics(statistics, X)``
    Input checks on a Dask collection before its blocks are read, and on the
    statistics of any block (e.g. ±inf a step refuses, counted in them).
``_statistics(X, y, *, reset, whole, **fit_params)``
    The whole merge step's reading of the data, for a step whose statistics
    are not X's blocks' (a target check summarizes ``y``); returns
    ``(X, statistics)``.
``_passes_X_through = True``
    For a step whose ``transform`` returns X unchanged:
    :func:`~sktorchsafe.stream_fit` fits the step after it in the same pass.
``_fitted_private``
    Names of private attributes a fit sets, forgotten by ``_reset`` with the
    public ``name_`` ones and the statistics (``_stream``).

Its public methods call the templates::

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        self._fit(X, y)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        self._partial_fit(X, y)
        return self

A step that checks ``y`` (``TargetValidator``) overrides ``_statistics`` to
summarize ``y`` (``reduce_blocks`` over a Dask ``y``), declares
``_passes_X_through = True``, and in ``_finish(partial=True)`` lets a single
class so far pass.
"""

import copy

import numpy as np
from sklearn.base import clone

from .dask_blocks import (
    check_dask_input,
    is_dask_collection,
    reduce_blocks,
    transform_blocks,
)

__all__ = ["StreamingMixin", "passes_X_through", "streamed"]


def _is_fitted_attribute(name):
    """scikit-learn's rule (``check_is_fitted``): ``name_``, not ``__name``."""
    return name.endswith("_") and not name.startswith("__")


class StreamingMixin:
    """Mixin for steps that learn from mergeable statistics: fit in three phases.

    See the module docstring for the phases, the methods a step implements and
    how :func:`~sktorchsafe.stream_fit` uses them.
    """

    #: Whether ``transform`` returns X unchanged (a check, not a change).
    _passes_X_through = False

    #: Private attributes a fit sets besides the statistics (``_stream``).
    _fitted_private = ()

    # --------------------------------------------------------------- phases
    def _reset(self):
        """Phase 1: forget the fitted attributes, private state and statistics.

        Parameters and scikit-learn's own settings (``set_output``, metadata
        requests, callbacks) are kept.
        """
        private = {"_stream", *self._fitted_private}
        for name in [n for n in vars(self) if n in private or _is_fitted_attribute(n)]:
            delattr(self, name)

    def _merge(self, X, y=None, *, whole=False, **fit_params):
        """Phase 2: merge the statistics of a block into those of the stream.

        The first block of a stream (nothing mergeable learned yet) resets
        the step and validates X with ``reset=True``. ``whole=True`` (from
        ``fit``) says X is all of the data, so exact statistics may be taken.

        Returns
        -------
        X : ndarray or Dask collection
            The block as validated (a Dask collection as given).
        """
        first = not self._continues_stream()
        if first:
            self._reset()
        X, statistics = self._statistics(X, y, reset=first, whole=whole, **fit_params)
        self._stream = statistics if first else self._stream_so_far().merge(statistics)
        return X

    def _finish(self, *, partial=False):
        """Phase 3: set the fitted attributes from ``self._stream`` and judge them."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _finish to use StreamingMixin."
        )

    # ------------------------------------------------------------ templates
    def _fit(self, X, y=None, **fit_params):
        """``fit``: reset, merge all of X (or its Dask blocks), finish.

        Returns X as validated, for steps whose ``fit`` reads it once more
        (e.g. to count what the fitted step changes).
        """
        self._reset()
        X = self._merge(X, y, whole=True, **fit_params)
        try:
            self._finish()
        finally:
            if not self._continues_stream():
                # Exact statistics do not merge; they may hold X itself.
                self.__dict__.pop("_stream", None)
        return X

    def _partial_fit(self, X, y=None, **fit_params):
        """``partial_fit``: merge one chunk, then finish, unless :func:`streamed`
        defers finishing to the end of the stream."""
        X = self._merge(X, y, **fit_params)
        if not getattr(self, "_finish_deferred", False):
            self._finish(partial=True)
        return X

    # ---------------------------------------------------------------- hooks
    def _statistics(self, X, y=None, *, reset, whole=False, sample_weight=None):
        """``(X, statistics)`` of one block: an array, a chunk or a Dask collection."""
        if is_dask_collection(X):
            self._check_dask_input(X, reset=reset)
            blocks = self._without_stream()._block_statistics
            statistics = reduce_blocks(X, blocks, sample_weight)
        else:
            X = self._validate_block(X, reset=reset)
            statistics_of = self._exact_statistics if whole else self._block_statistics
            statistics = statistics_of(X, sample_weight)
        self._check_statistics(statistics, X)
        return X, statistics

    def _validate_block(self, X, *, reset):
        raise NotImplementedError(
            f"{type(self).__name__} must implement _validate_block (or _statistics)."
        )

    def _block_statistics(self, X, sample_weight=None):
        raise NotImplementedError(
            f"{type(self).__name__} must implement _block_statistics (or _statistics)."
        )

    def _exact_statistics(self, X, sample_weight=None):
        return self._block_statistics(X, sample_weight)

    def _check_dask_input(self, X, *, reset):
        check_dask_input(self, X, reset=reset)

    def _check_statistics(self, statistics, X):
        """Raise what the statistics show X must not hold; nothing by default."""

    def _continues_stream(self):
        """Whether the next block merges into statistics learned before."""
        return hasattr(getattr(self, "_stream", None), "merge")

    def _stream_so_far(self):
        """The merged statistics of the blocks before (to merge a block into)."""
        return self._stream

    def _without_stream(self):
        """A shallow copy without the statistics: what Dask blocks are sent."""
        light = copy.copy(self)
        light.__dict__.pop("_stream", None)
        return light

    def _transform_blocks(self, X):
        """``transform`` of a Dask collection by the fitted step: lazy, per block.

        Each block is transformed by a copy of the step without its
        statistics; float32 data gives float32, any other float64.
        """
        check_dask_input(self, X, reset=False)
        dtype = np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64
        return transform_blocks(self._without_stream(), X, dtype=dtype)


# ------------------------------------------------------------ stream_fit
def passes_X_through(step):
    """Whether ``step.transform`` returns X unchanged, as the step declares.

    A step fitted in the same pass over a stream as the step after it, since
    that one sees the same chunks either way.
    """
    return isinstance(step, StreamingMixin) and step._passes_X_through


class streamed:
    """Context manager fitting ``steps`` on a stream with their ``partial_fit``.

    On entry every step is reset (each stays the object the caller holds).
    Inside, a step of the protocol only merges the statistics of each chunk
    its ``partial_fit`` is given; on a normal exit each step finishes once,
    in order: its fitted attributes, warnings and errors are those of one
    ``fit`` on all the chunks, issued once. Any other step with
    ``partial_fit`` (e.g. the final estimator) learns chunk by chunk, as it
    would alone. After an error, nothing is finished.

    A class rather than a generator: finishing runs in ``__exit__``, a frame
    of this package, so :func:`~.messages.user_stacklevel` still finds the
    user's line.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe import ScaleDisparityChecker
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> X[:50, 1] = 0.0  # constant in the first chunk only
    >>> checker = ScaleDisparityChecker(on_problem="raise")
    >>> with streamed(checker):
    ...     for chunk in (X[:50], X[50:]):
    ...         checker = checker.partial_fit(chunk)
    >>> checker.report_.findings, checker.report_.n_samples
    ((), 100)
    """

    def __init__(self, *steps):
        self.steps = steps

    def __enter__(self):
        for step in self.steps:
            if isinstance(step, StreamingMixin):
                step._reset()
                step._finish_deferred = True
            else:
                fresh = clone(step)  # unfitted, as a fresh clone of itself
                step.__dict__.clear()
                step.__dict__.update(fresh.__dict__)
        return self

    def __exit__(self, exc_type, exc, traceback):
        for step in self.steps:
            step.__dict__.pop("_finish_deferred", None)
        if exc_type is not None:
            return False
        for step in self.steps:
            if isinstance(step, StreamingMixin):
                step._finish()
        return False
