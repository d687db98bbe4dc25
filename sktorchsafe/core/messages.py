"""How sktorchsafe speaks: listings, counts, findings, fixes and warnings.

One home for the words, so that a problem reads the same in a step's error,
the net's error and :func:`~sktorchsafe.diagnose`'s report:

- :func:`describe` and :func:`describe_first` list a bounded number of items;
- :func:`plural` counts (``"1 row"``, ``"3 rows"``);
- :class:`Finding` is what a check found, in one shape for every check;
- :data:`FIXES` is the one table of fixes, keyed by the finding's kind, with
  the :func:`~sktorchsafe.make_safe_pipeline` step that handles it;
- :func:`user_stacklevel` makes a warning point at the user's own line.
"""

import importlib.util
import math
import os
import sys
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "FIXES",
    "agree",
    "MAX_LISTED",
    "Finding",
    "describe",
    "describe_first",
    "first_line",
    "fix_for",
    "format_number",
    "plural",
    "ratio_text",
    "step_for",
    "user_stacklevel",
]

#: How many rows or columns a message lists before it says "and N more".
MAX_LISTED = 5


def describe(items, limit=MAX_LISTED, quote=False):
    """``"a, b, c and 4 more"``: a short, bounded listing for messages.

    Examples
    --------
    >>> describe([3, 8, 9, 12, 40, 41, 50], limit=3)
    '3, 8, 9 and 4 more'
    >>> describe(["age", "fare"], quote=True)
    "'age', 'fare'"
    """
    # numpy scalars as plain Python values: 'a', not np.str_('a').
    if not isinstance(items, list | tuple | np.ndarray):  # sets, generators, Index
        items = list(items)
    first = [
        item.item() if isinstance(item, np.generic) else item for item in items[:limit]
    ]
    shown = [repr(item) if quote else str(item) for item in first]
    text = ", ".join(shown)
    if len(items) > limit:
        text += f" and {len(items) - limit} more"
    return text


def describe_first(items, total, limit=MAX_LISTED, quote=False):
    """:func:`describe` of ``total`` items of which only the first are at hand.

    For statistics that keep only the first few offending rows (streamed
    chunks, Dask blocks): the listing reads as if all ``total`` were given.

    Examples
    --------
    >>> describe_first([4, 17], total=30)
    '4, 17 and 28 more'
    """
    items = list(items)[:limit]
    text = describe(items, limit=limit, quote=quote)
    if total > len(items):
        text += f" and {total - len(items)} more"
    return text


def plural(n, unit, units=None):
    """``"1 row"``, ``"3 rows"``: a count with its unit.

    ``n`` may be a number or a sized collection (its length is counted).

    Examples
    --------
    >>> plural(1, "row"), plural(3, "row"), plural([1, 2], "class", "classes")
    ('1 row', '3 rows', '2 classes')
    """
    if not isinstance(n, int | np.integer):
        n = len(n)
    return f"{n} {unit}" if n == 1 else f"{n} {units or unit + 's'}"


def format_number(value):
    """A number as messages show it: ``+1e+300``, ``-3.5``, ``NaN``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    return f"{value:+g}"


def ratio_text(ratio):
    """``"9.2e+08"``, or ``"over 1.8e+308"`` for a ratio beyond float64's range."""
    if np.isinf(ratio):
        return f"over {np.finfo(np.float64).max:.2g}"
    return f"{ratio:.2g}"


def agree(n, one, many):
    """The word that agrees with a count: ``agree(features, "has", "have")``.

    ``n`` may be a number or a sized collection (its length is counted).
    """
    if not isinstance(n, int | np.integer):
        n = len(n)
    return one if n == 1 else many


@dataclass(frozen=True)
class Finding:
    """One thing a check found in the data: what, how bad, where, and the fix.

    Steps that inspect data keep what they found in this form, so that their
    warnings, their errors and the reports built on them say the same thing.

    Attributes
    ----------
    kind : str
        Stable identifier of the problem, e.g. ``"scale_disparity"``; the key
        of its fix in :data:`FIXES`.
    severity : {"error", "warning", "info"}
        ``"error"``: training on this breaks (non-finite values reach the
        net); ``"warning"``: it trains, badly or with a useless input;
        ``"info"``: worth knowing, often harmless.
    columns : tuple of str
        The features (or target outputs) concerned, by name.
    message : str
        What was found, with the numbers, naming the columns.
    fix : str
        What to do about it: the step or parameter that handles it.
    """

    kind: str
    severity: str
    columns: tuple
    message: str
    fix: str

    def __str__(self):
        return f"{self.message} {self.fix}"


class Fix(NamedTuple):
    """The fix of one kind of finding."""

    #: The :func:`~sktorchsafe.make_safe_pipeline` step that handles it, or
    #: None when it must be fixed before the pipeline.
    step: str | None
    #: What to do, in words that read the same wherever the problem is found.
    text: str | None


_SCALE = (
    "Standardize the features: SafeStandardScaler (make_safe_pipeline's 'scale' "
    "step) centers every feature and brings it to unit scale."
)
_FLOAT32 = (
    "Standardize in float64 before the cast to float32: SafeStandardScaler "
    "(make_safe_pipeline's 'scale' step) does, and its dtype=numpy.float32 then "
    "hands the net float32."
)
_NONFINITE_X = (
    "Impute or clip X first: ImputerSelector (make_safe_pipeline's 'impute' "
    "step) treats ±inf as missing, OutlierClipper (the 'clip' step) clips ±inf "
    "to the learned bounds."
)
_GUARD_LR = (
    "lower lr, clip gradients (skorch.callbacks.GradientNormClipping) and scale "
    "X and y (make_safe_pipeline, scale_target=True)"
)

#: The one table of fixes, keyed by the kind of finding.
FIXES = {
    # The table as a whole.
    "empty": Fix(None, "Pass data with at least one row and one column."),
    "non_numeric": Fix(
        "encode",
        "TableEncoder (make_safe_pipeline's 'encode' step; first in a pipeline "
        "of your own) encodes such columns: one-hot columns or embedding codes "
        "for categories, numbers from dates, identifiers dropped.",
    ),
    "mixed_types": Fix(
        "encode",
        "TableEncoder (make_safe_pipeline's 'encode' step) reads such columns "
        "as numbers, the placeholders as NaN for the imputer; or convert them "
        "first: pandas.read_csv(..., na_values=[...]), or "
        "pandas.to_numeric(column, errors='coerce').",
    ),
    # What TableEncoder (the 'encode' step) decided about a column.
    "dates": Fix(
        "encode",
        "Nothing to do: TableEncoder encodes year, month, day, weekday, hour "
        "and days since 1970 (drop the column before the pipeline if it should "
        "not inform the net).",
    ),
    "text_dates": Fix(
        "encode",
        "TableEncoder reads them with that format (values it cannot read are "
        "missing) and encodes year, month, day, weekday, hour and days since "
        "1970; parse them first (pandas.to_datetime(..., format=...)) to "
        "choose another format.",
    ),
    "id_like": Fix(
        "encode",
        "A net cannot generalize from a value seen once. Drop such a column "
        "before the pipeline to say so, or derive features from it (its "
        "length, a prefix) and give the net the table's other columns.",
    ),
    "high_cardinality": Fix(
        "encode",
        "TableEncoder target-encodes such columns when fit gets y "
        "(high_cardinality='target': scikit-learn's TargetEncoder, "
        "cross-fitted) and drops them otherwise; raise cardinality_threshold "
        "to one-hot them, or embed them (categorical='codes').",
    ),
    "rare_categories": Fix(
        "encode",
        "Rare categories share the all-zero one-hot row (code 1 with "
        "categorical='codes') of unseen ones, so a category one CV fold never "
        "sees cannot change the width; lower min_frequency to give each its "
        "own place (make_safe_pipeline's encode__min_frequency=1 keeps every "
        "category seen), or train on more rows.",
    ),
    # Features.
    "nan": Fix(
        "impute",
        "ImputerSelector (make_safe_pipeline's 'impute' step) fills them; choose "
        "how with impute__strategy.",
    ),
    "infinite": Fix("impute", _NONFINITE_X),
    "nonfinite_input": Fix("impute", _NONFINITE_X),
    "all_missing": Fix(
        "impute",
        "Impute such features (ImputerSelector keeps and fills them) or drop them.",
    ),
    "inf_in_imputer": Fix(
        "impute",
        "Use on_inf='impute' (the default) to treat ±inf as missing, or clip "
        "them to learned bounds first with OutlierClipper.",
    ),
    "inf_in_clipper": Fix(
        "clip",
        "Use on_inf='clip' to clip ±inf to the learned bounds, or on_inf='nan' "
        "to turn them into NaN for an imputer placed after this step.",
    ),
    "float32_overflow": Fix("scale", _FLOAT32),
    "float32_collapse": Fix("scale", _FLOAT32),
    "float16_overflow": Fix(
        "scale",
        "Standardize X before the net: SafeStandardScaler (make_safe_pipeline's "
        "'scale' step) brings every feature far inside float16's range; or "
        "train in bfloat16 or float32.",
    ),
    "half_collapse": Fix(
        "scale",
        "Standardize X before the net: SafeStandardScaler (make_safe_pipeline's "
        "'scale' step) centers each feature, so the differences between its "
        "values survive the cast; or keep the first layer in float32.",
    ),
    "scale_disparity": Fix("scale", _SCALE),
    "offset": Fix("scale", _SCALE),
    "constant": Fix(
        "scale",
        "A constant feature carries no information: drop it (sklearn."
        "feature_selection.VarianceThreshold) or keep it, SafeStandardScaler "
        "maps it to 0.",
    ),
    "near_constant": Fix(
        None,
        "Often harmless (rare indicators); drop such features if they carry no "
        "signal (sklearn.feature_selection.VarianceThreshold with a small "
        "threshold).",
    ),
    "sentinel": Fix(
        "impute",
        "Declare them missing before the pipeline (pandas.read_csv(..., "
        "na_values=[-999]), or X.replace(-999, numpy.nan)); the 'impute' step "
        "then fills them.",
    ),
    "duplicate_rows": Fix(
        None,
        "Drop the copies (X.drop_duplicates(), with y) or keep copies in one "
        "fold (sklearn.model_selection.GroupKFold with a group per distinct row).",
    ),
    "duplicate_columns": Fix(
        None,
        "Drop the copies: they add nothing but weights (X.T.drop_duplicates().T).",
    ),
    "row_index": Fix(
        None,
        "Drop it before the pipeline, or read the file with its index as the "
        "index (pandas.read_csv(..., index_col=0)).",
    ),
    "zero_inflated": Fix(
        None,
        "Often fine; a net may learn better with an indicator of zero beside "
        "the value (X[col] == 0) or a log1p of counts.",
    ),
    "skewed": Fix(
        "clip",
        "OutlierClipper (the 'clip' step) tames the far tail; for amounts and "
        "counts a log1p before the pipeline often helps a net more.",
    ),
    "leakage": Fix(
        None,
        "Check how the feature was made: if it is computed from the target or "
        "recorded after it, drop it.",
    ),
    "outliers": Fix(
        "clip",
        "OutlierClipper (make_safe_pipeline's 'clip' step) clips to these fences "
        "(clip__method='iqr', clip__fold=1.5).",
    ),
    # The target.
    "target_nonfinite": Fix(
        None,
        "Drop those rows from X and y together (a pipeline cannot drop rows), "
        "or fill in the target; for several outputs, MaskedMSELoss ignores NaN "
        "targets.",
    ),
    "target_inf": Fix(
        None,
        "±inf is never a valid target: fix those values, or drop those rows from "
        "X and y together.",
    ),
    "target_text": Fix(
        None,
        "Read y as numbers: pandas.read_csv(..., na_values=[...]) with the "
        "placeholders, or pandas.to_numeric(y, errors='coerce'); then drop the "
        "rows without a target.",
    ),
    "target_type": Fix(
        "target",
        "Pass the task that matches y (task='regression' or "
        "task='classification'), or convert y as said.",
    ),
    "single_class": Fix(
        None,
        "Check the target column and the rows selected: a classifier needs at "
        "least 2 classes.",
    ),
    "label_encoding": Fix("net", None),
    "label_spelling": Fix(None, None),
    "many_classes": Fix("target", None),
    "class_imbalance": Fix(
        "net",
        "Weight the classes in the loss (e.g. SafeNeuralNetClassifier("
        "criterion__weight=...), or FocalLoss), or resample; stratify the splits "
        "and score with a metric that sees the rare classes (balanced accuracy, "
        "average precision).",
    ),
    "constant_label": Fix(None, None),
    "constant_target": Fix(None, None),
    "target_scale": Fix(
        "net",
        "Standardize the target inside the regressor: SafeNeuralNetRegressor("
        "scale_target=True) does, and predicts in the original units (for "
        "another net, sklearn.compose.TransformedTargetRegressor with a "
        "StandardScaler).",
    ),
    # Training: where NonFiniteGuard found a non-finite value.
    "guard_input": Fix(
        "impute",
        "Impute or clip X before the net: make_safe_pipeline puts ImputerSelector "
        "and OutlierClipper in front of it.",
    ),
    "guard_target": Fix(
        None,
        "Drop or impute these targets (TargetValidator names them before "
        "training), or train with MaskedMSELoss, which ignores NaN targets.",
    ),
    "guard_forward": Fix(
        None,
        "Keep that module's input inside its domain (log or sqrt of negative "
        "values, division by zero, exp overflow), or, if its weights have grown "
        f"huge, {_GUARD_LR}.",
    ),
    "guard_divergence": Fix(
        None,
        f"The training diverged, or X or y are on a huge scale: {_GUARD_LR}.",
    ),
    "guard_loss": Fix(
        None,
        "Check that the module's output is what the criterion expects "
        "(probabilities for NLLLoss, logits for CrossEntropyLoss) and that the "
        "targets are in range.",
    ),
    "guard_backward": Fix(
        None,
        "Exploding gradients or a non-differentiable point (sqrt or pow at 0): "
        "lower lr, clip gradients (skorch.callbacks.GradientNormClipping), scale "
        "X and y, or add a small epsilon inside the operation.",
    ),
    "guard_weights": Fix(
        None,
        "The weights were poisoned by an earlier step that was not checked "
        "(check_gradients=False, or a warm start from a diverged net): "
        "re-initialize the net and keep check_gradients=True.",
    ),
    "guard_step": Fix(
        None,
        f"The optimizer's step overflowed the weights from finite gradients: "
        f"{_GUARD_LR}, or clip gradients (skorch.callbacks.GradientNormClipping).",
    ),
    "guard_statistics": Fix(
        None,
        "Keep the input of that normalization layer on a sane scale: bound the "
        "activation before it (e.g. clamp before an exp), lower lr, clip "
        "gradients (skorch.callbacks.GradientNormClipping) and scale X "
        "(make_safe_pipeline).",
    ),
    "guard_nll_logits": Fix(
        None,
        "Use criterion=torch.nn.CrossEntropyLoss (the default of "
        "SafeNeuralNetClassifier), which takes logits, or end the module with a "
        "softmax.",
    ),
    "guard_unknown": Fix(
        None,
        "The replay of the batch was finite (a random layer such as Dropout, or "
        "a custom train_step); run with torch.autograd.set_detect_anomaly(True) "
        "to find the operation.",
    ),
    # Before training: what preflight found in the network on a sample.
    "net_not_checked": Fix(
        None,
        "Check the net on what it receives: diagnose(X, y, pipeline=pipe) with "
        "a fitted make_safe_pipeline(net) runs it on the pipeline's output; "
        "or fix X as the other findings say.",
    ),
    "preflight_sigmoid_bce": Fix(
        None,
        "Drop the final sigmoid and use criterion=torch.nn.BCEWithLogitsLoss, "
        "which takes logits (apply torch.sigmoid to predict probabilities).",
    ),
    "preflight_sigmoid_logits": Fix(
        None,
        "Drop the final sigmoid: BCEWithLogitsLoss takes logits.",
    ),
    "preflight_softmax_cross_entropy": Fix(
        None,
        "Drop the final softmax: CrossEntropyLoss takes logits "
        "(SafeNeuralNetClassifier applies the softmax in predict_proba).",
    ),
    "preflight_log_softmax": Fix(
        None,
        "End the module with torch.nn.LogSoftmax(dim=1) (or use "
        "torch.log_softmax), or return logits into CrossEntropyLoss.",
    ),
    "preflight_nll_logits": Fix(
        None,
        "Use criterion=torch.nn.CrossEntropyLoss, which takes logits; or end "
        "the module with torch.nn.LogSoftmax(dim=1) (a plain module, "
        "SafeNeuralNetClassifier) or torch.nn.Softmax(dim=1) (skorch's "
        "NeuralNetClassifier, which takes the log itself).",
    ),
    "preflight_nll_double_log": Fix(
        None,
        "End the module with torch.nn.Softmax(dim=1) instead (skorch's "
        "convention), return logits into criterion=torch.nn.CrossEntropyLoss, "
        "or use SafeNeuralNetClassifier, which passes log-probabilities to "
        "NLLLoss as they are.",
    ),
    "preflight_output_width": Fix(
        None,
        "Make the module's last layer output one value per class (class "
        "criteria) or per target column, and give y the shape of the output.",
    ),
    "preflight_saturation": Fix(
        None,
        "Scale the input of that layer down: standardize X (make_safe_pipeline), "
        "initialize the layer before it with a smaller gain, or put a "
        "normalization layer (torch.nn.LayerNorm) before the activation.",
    ),
    "preflight_dead_units": Fix(
        None,
        "Standardize X (make_safe_pipeline) and check the bias of the layer "
        "before it; or use an activation without a dead zone "
        "(torch.nn.LeakyReLU, torch.nn.GELU).",
    ),
    "preflight_growth": Fix(
        None,
        "Check that layer's initialization (torch.nn.init.kaiming_uniform_ or "
        "xavier_uniform_ with the activation's gain) and any scaling of its "
        "weights, or add a normalization layer (torch.nn.LayerNorm) after it.",
    ),
    "preflight_half_range": Fix(
        "scale",
        "Standardize X before the net (SafeStandardScaler, make_safe_pipeline's "
        "'scale' step), keep that layer in float32 (torch.autocast leaves it "
        "out when it runs in float32), or use bfloat16.",
    ),
    "preflight_nonfinite": Fix(
        None,
        "Keep that layer's input inside its domain (log or sqrt of negative "
        "values, division by zero, exp overflow) and check its weights.",
    ),
    "preflight_vanishing_gradients": Fix(
        None,
        "Initialize with the activation's gain (torch.nn.init.xavier_uniform_ "
        "with calculate_gain('tanh')), use ReLU-like activations, add "
        "normalization layers or residual connections, or use fewer layers.",
    ),
    "preflight_exploding_gradients": Fix(
        None,
        "Initialize the layers with smaller weights, add normalization layers, "
        "and clip gradients (skorch.callbacks.GradientNormClipping).",
    ),
    "preflight_first_update": Fix(
        None,
        "Lower lr (the first step should move each weight by a small share of "
        "its size, ~1e-3), standardize X and y (make_safe_pipeline, "
        "scale_target=True), or use torch.optim.Adam.",
    ),
    "preflight_unscaled_input": Fix("scale", _SCALE),
    "preflight_nonfinite_input": Fix("impute", _NONFINITE_X),
    "preflight_input_width": Fix(
        None,
        "Give the module's first layer as many inputs as X has columns "
        "(module__in_features=X.shape[1]); an encoder before the net may "
        "change the width (TableEncoder's one-hot columns).",
    ),
    "preflight_forward_error": Fix(
        None,
        "Run the module on a few rows of X by hand to see the failing line; "
        "the message names the module that raised.",
    ),
}


def fix_for(kind):
    """The fix text of a kind of finding (None when the finding words its own)."""
    return FIXES[kind].text


def step_for(kind):
    """The :func:`~sktorchsafe.make_safe_pipeline` step that handles ``kind``."""
    return FIXES[kind].step if kind in FIXES else None


def _package_dir(name):
    """The directory of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "")


#: Frames in these directories are skipped by :func:`user_stacklevel`: ours,
#: and the libraries that call our code on the user's behalf.
_LIBRARY_DIRS = tuple(
    path
    for path in map(
        _package_dir, ("sktorchsafe", "sklearn", "skorch", "torch", "joblib")
    )
    if path is not None
)


def user_stacklevel():
    """The ``stacklevel`` that makes a warning point at the user's own code.

    Counts the frames, from the caller of this function outwards, that belong
    to sktorchsafe or to the libraries that call it for the user
    (scikit-learn's ``Pipeline``, ``GridSearchCV`` and ``set_output``,
    skorch's training loop, torch's module calls, joblib), so
    ``warnings.warn(..., stacklevel=user_stacklevel())`` names the line that
    called ``fit`` however deep it was.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame = frame.f_back
        level += 1
    return level


def first_line(exc):
    """The first line of an exception's message, or its type's name."""
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__
