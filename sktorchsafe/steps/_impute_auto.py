"""How ``ImputerSelector(strategy="auto")`` chooses a strategy per feature.

In a row sample, a share of each feature's observed values is hidden; every
candidate fills them, and its error there, in units of the error of the best
constant, is its score. Each feature gets the first candidate (in the order
of preference) whose error is within one standard error of the lowest
(:func:`_one_standard_error_choice`).
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from ..core.quantiles import nanquantile
from ..core.stats import ColumnStats
from ..core.validation import feature_names
from ._impute_strategies import SIMPLE_STRATEGIES, ModelImputer, check_candidates

__all__ = ["MIN_HIDDEN", "choose_auto", "select_strategies"]

#: ``"auto"`` scores a feature only when at least this many of its observed
#: values can be hidden; otherwise it gets the first candidate.
MIN_HIDDEN = 10


def choose_auto(selector, strategies, X, rows, empty, rng):
    """Resolve the ``"auto"`` features of ``strategies`` in place.

    Returns ``selection_scores_``: the table of each candidate's score (rows)
    on each feature (columns; NaN where not scored), or None without
    ``"auto"`` features.
    """
    auto = np.flatnonzero(strategies == "auto")
    if not auto.size:
        return None
    candidates = check_candidates(selector.candidates)
    scores, chosen = select_strategies(selector, X, rows, auto, ~empty, candidates, rng)
    strategies[auto] = np.asarray(candidates, dtype=object)[chosen]
    table = np.full((len(candidates), strategies.size), np.nan)
    table[:, auto] = scores
    names = feature_names(selector, n_features=strategies.size)
    return pd.DataFrame(
        table, index=pd.Index(candidates, name="candidate"), columns=names
    )


def select_strategies(selector, X, rows, auto, inputs, candidates, rng):
    """Score each candidate on hidden observed values of the ``auto`` features.

    ``selector`` is the :class:`~sktorchsafe.ImputerSelector` being fitted
    (its parameters say how to hide, score and fit); ``X`` holds NaN in place
    of ±inf, ``rows`` is the row sample (None for all), ``auto`` the features
    to choose for, ``inputs`` (boolean) the features models may use.

    Returns the scores, of shape (len(candidates), len(auto)), NaN for a
    feature with too few values to hide; and the index of the chosen
    candidate per feature (see :func:`_one_standard_error_choice`).
    """
    sample = X.copy() if rows is None else X[rows]
    hidden, truth = {}, {}
    for j in auto:
        observed = np.flatnonzero(~np.isnan(sample[:, j]))
        n_hide = min(
            int(selector.validation_fraction * observed.size), observed.size - 1
        )
        if n_hide >= MIN_HIDDEN:
            hidden[j] = np.sort(rng.choice(observed, n_hide, replace=False))
            truth[j] = sample[hidden[j], j].copy()
            sample[hidden[j], j] = np.nan
    scores = np.full((len(candidates), auto.size), np.nan)
    chosen = np.zeros(auto.size, dtype=np.intp)
    if not hidden:
        return scores, chosen
    scored = np.array(sorted(hidden))
    spread = _spread(sample[:, scored], selector.scoring)
    hidden_rows = np.unique(np.concatenate(list(hidden.values())))
    losses = {j: [] for j in scored}
    label = f"'auto' over {len(candidates)} candidates on {sample.shape[0]} rows"
    with selector._progress(label):
        for candidate in candidates:
            with selector._progress(f"scoring {candidate!r}"):
                guess = _reconstruct(
                    selector,
                    candidate,
                    sample,
                    scored,
                    inputs,
                    hidden,
                    hidden_rows,
                    rng,
                )
            for k, j in enumerate(scored):
                losses[j].append(
                    _losses(guess[j], truth[j], spread[k], selector.scoring)
                )
    position = {j: k for k, j in enumerate(auto)}
    for j in scored:
        per_cell = np.array(losses[j])  # (n_candidates, n_hidden)
        mean_loss = per_cell.mean(axis=1)
        scores[:, position[j]] = (
            np.sqrt(mean_loss) if selector.scoring == "rmse" else mean_loss
        )
        chosen[position[j]] = _one_standard_error_choice(per_cell)
    return scores, chosen


def _reconstruct(selector, candidate, sample, scored, inputs, hidden, rows, rng):
    """The guesses of ``candidate`` for the hidden cells, per feature."""
    if candidate in SIMPLE_STRATEGIES:
        values = selector._statistic(candidate, sample, scored, None)
        values = np.broadcast_to(values, scored.shape)
        return {
            j: np.full(hidden[j].size, v) for j, v in zip(scored, values, strict=True)
        }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ModelImputer.of(selector, candidate, inputs, scored, rng)
        model = model.fit(sample)
        filled = model.impute(sample[rows])
    return {
        j: filled[np.searchsorted(rows, hidden[j]), k] for k, j in enumerate(scored)
    }


def _spread(X, scoring):
    """Per column, the error of the best constant (1 where it is 0 or undefined).

    The standard deviation for ``"rmse"``, the mean absolute deviation from
    the median for ``"mae"``; computed on halved values, which cannot
    overflow, and doubled.
    """
    if scoring == "rmse":
        spread = ColumnStats.from_array(X).std
    else:
        with np.errstate(invalid="ignore"):
            half_deviation = np.abs(0.5 * X - 0.5 * nanquantile(X, 0.5))
        spread = 2.0 * ColumnStats.from_array(half_deviation).mean
    return np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)


def _losses(guess, truth, spread, scoring):
    """Per cell, the scaled absolute (``"mae"``) or squared (``"rmse"``) error.

    Computed in units of ``spread``, which cannot overflow for finite data;
    a non-finite loss (a failed guess) counts as infinitely bad.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        diff = np.abs(guess / spread - truth / spread)
        loss = np.square(diff) if scoring == "rmse" else diff
    return np.where(np.isfinite(loss), loss, np.inf)


def _one_standard_error_choice(losses):
    """The first candidate whose mean loss is within one standard error of the best.

    ``losses`` has one row of per-cell losses per candidate, most preferred
    first. The standard error is that of the mean difference between the
    candidate's losses and the best candidate's on the same cells, so
    differences smaller than the noise of their estimate do not decide
    (the one-standard-error rule of model selection).
    """
    mean = losses.mean(axis=1)
    best = int(np.argmin(mean))
    if not np.isfinite(mean[best]):
        return 0
    n = losses.shape[1]
    with np.errstate(invalid="ignore"):
        diff = losses - losses[best]
        se = diff.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(len(mean))
        close = mean - mean[best] <= np.nan_to_num(se, nan=0.0)
    return int(np.flatnonzero(close)[0])
