"""Mergeable exact counts: distinct values per column, rows holding ±inf.

Like the moments of :class:`.stats.ColumnStats`, the counts of two pieces of
data merge into the counts of their concatenation (in data order, for row
numbers), so chunks and Dask blocks give what one pass over all rows gives.
"""

from dataclasses import dataclass

import numpy as np

from .stats import column_min_max

__all__ = ["InfRows", "ValueCounts", "merge_value_counts", "value_counts"]


def value_counts(values):
    """Sorted distinct values of a 1-D array and how often each occurs.

    ``np.unique(values, return_counts=True)`` (same result), except that
    object arrays (string labels) are counted through a hash table
    (``pandas.factorize``) and only the distinct values are sorted, many
    times faster than sorting every string.  values must hold no
    missing value (None, NaN).

    Examples
    --------
    >>> import numpy as np
    >>> value_counts(np.array(["b", "a", "b"], dtype=object))
    (array(['a', 'b'], dtype=object), array([1, 2]))
    """
    values = np.asarray(values)
    if values.dtype != object:
        return np.unique(values, return_counts=True)
    import pandas as pd

    codes, uniques = pd.factorize(values)
    counts = np.bincount(codes, minlength=len(uniques))
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    return uniques[order], counts[order]


def merge_value_counts(first, second):
    """Merge two ``(values, counts)`` pairs of :func:`value_counts` into one.

    The counts of a value present in both are added; the values stay sorted,
    so merging the counts of two pieces of data gives the counts of their
    concatenation.

    Examples
    --------
    >>> import numpy as np
    >>> merge_value_counts(value_counts(np.array([2, 1, 2])),
    ...                    value_counts(np.array([3, 2])))
    (array([1, 2, 3]), array([1, 3, 1]))
    """
    values = np.concatenate([first[0], second[0]])
    counts = np.concatenate([first[1], second[1]])
    if values.dtype == object:
        import pandas as pd

        codes, uniques = pd.factorize(values)
        uniques = np.asarray(uniques, dtype=object)
    else:
        uniques, codes = np.unique(values, return_inverse=True)
    merged = np.bincount(codes, weights=counts, minlength=len(uniques))
    merged = merged.astype(np.int64)
    order = np.argsort(uniques, kind="stable")
    return uniques[order], merged[order]


@dataclass
class InfRows:
    """The first rows holding ±inf in each column, and how many, mergeable.

    Row numbers count from the first row of the data: merging in data order
    (the chunks of a stream, the blocks of a Dask array as
    :func:`~.dask_blocks.reduce_blocks` merges them) shifts the rows of
    the later part by the rows of the earlier one, so messages can name rows
    of the whole data without it being at hand.

    Attributes
    ----------
    n_rows : int
        Rows seen.
    count : ndarray of int64 of shape (n_features,)
        Per column, the ±inf cells seen.
    rows : dict of int to ndarray of int64
        Per column holding ±inf, its first ``limit`` rows holding them.
    limit : int
        How many rows are kept per column.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, np.inf], [2.0, 3.0], [-np.inf, -np.inf]])
    >>> rows = InfRows.from_array(X[:2]).merge(InfRows.from_array(X[2:]))
    >>> rows.count, rows.rows
    (array([1, 2]), {0: array([2]), 1: array([0, 2])})
    """

    n_rows: int
    count: np.ndarray
    rows: dict
    limit: int = 10

    @classmethod
    def from_array(cls, X, columns=None, limit=10):
        """Rows holding ±inf in a 2-D array.

        ``columns`` (boolean, shape (n_features,)) restricts the search to
        the columns known to hold ±inf (e.g. from :class:`~.stats.ColumnStats`);
        ``None`` finds them with one :func:`column_min_max` pass.
        """
        X = np.asarray(X)
        n, p = X.shape
        if columns is None:
            if X.dtype.kind not in "fc":
                columns = np.zeros(p, dtype=bool)
            else:
                lo, hi = column_min_max(X)
                columns = np.isinf(lo) | np.isinf(hi)
        count = np.zeros(p, dtype=np.int64)
        rows = {}
        for j in np.flatnonzero(columns):
            found = np.flatnonzero(np.isinf(X[:, j]))
            count[j] = found.size
            if found.size:
                rows[int(j)] = found[:limit].astype(np.int64)
        return cls(n_rows=n, count=count, rows=rows, limit=limit)

    def merge(self, other):
        """The rows of ``self``'s data followed by ``other``'s."""
        limit = min(self.limit, other.limit)
        rows = {j: r[:limit] for j, r in self.rows.items()}
        for j, later in other.rows.items():
            earlier = rows.get(j, np.zeros(0, dtype=np.int64))
            if earlier.size < limit:
                shifted = later[: limit - earlier.size] + self.n_rows
                rows[j] = np.concatenate([earlier, shifted])
        return InfRows(
            n_rows=self.n_rows + other.n_rows,
            count=self.count + other.count,
            rows=dict(sorted(rows.items())),
            limit=limit,
        )

    __add__ = merge


@dataclass
class ValueCounts:
    """How often each distinct finite value occurs in each column, mergeable.

    The exact, streaming counterpart of :func:`~.quantiles.nanmode`: counts
    of two pieces of data merge into the counts of their concatenation, and
    :meth:`mode` gives what :func:`~.quantiles.nanmode` gives on all of it.
    It keeps one count per distinct value, so it suits discrete columns
    (categories, counts, coded values); a continuous column keeps as many
    counts as it has rows.

    Attributes
    ----------
    values : list of ndarray
        Per column, its distinct finite values, sorted.
    counts : list of ndarray of int64
        Per column, how often each of ``values`` occurs.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, np.nan], [1.0, 4.0], [2.0, np.inf], [1.0, 4.0]])
    >>> counts = ValueCounts.from_array(X[:2]).merge(ValueCounts.from_array(X[2:]))
    >>> counts.mode()
    array([1., 4.])
    """

    values: list
    counts: list

    @classmethod
    def from_array(cls, X):
        """Counts of the finite values of each column of a 2-D array."""
        X = np.asarray(X)
        values, counts = [], []
        for j in range(X.shape[1]):
            col = X[:, j]
            if col.dtype.kind in "fc":
                col = col[np.isfinite(col)]
            v, c = np.unique(col, return_counts=True)
            values.append(v)
            counts.append(c.astype(np.int64))
        return cls(values, counts)

    @property
    def n_features(self):
        return len(self.values)

    def merge(self, other):
        """The counts of the concatenation of the data behind both."""
        if self.n_features != other.n_features:
            raise ValueError(
                f"Cannot merge counts of {self.n_features} and "
                f"{other.n_features} features."
            )
        merged = [
            merge_value_counts((va, ca), (vb, cb))
            for va, ca, vb, cb in zip(
                self.values, self.counts, other.values, other.counts, strict=True
            )
        ]
        return ValueCounts([v for v, _ in merged], [c for _, c in merged])

    __add__ = merge

    def mode(self):
        """Most frequent value per column, the smallest on ties; NaN if none."""
        out = np.full(self.n_features, np.nan)
        for j, (values, counts) in enumerate(
            zip(self.values, self.counts, strict=True)
        ):
            if counts.size:
                out[j] = values[np.argmax(counts)]  # first maximum: smallest
        return out
