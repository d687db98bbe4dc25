"""The module's widths, learned from the data, and the shapes it meets.

:class:`_ModuleWidths` goes left of :class:`~sktorchsafe.training.base._SafeNet`
in both safe nets. At the start of ``fit`` (and of a first ``partial_fit``)
it reads X's width and y's (the number of classes, or of target columns), and
gives them to the module's constructor under the names it takes and the user
left open (``in_features`` / ``out_features`` of ``torch.nn.Linear``, and the
usual synonyms), so that a pipeline whose encoder decides the width needs no
throw-away fit. A module that still meets a batch of the wrong width, or a
``BatchNorm`` layer that meets a one-row training batch, raises
:class:`~sktorchsafe.exceptions.ModuleConfigError` with the fix instead of
torch's shape error.
"""

import inspect
import re

import numpy as np
import pandas as pd
import torch

from ..core.messages import describe
from ..exceptions import ModuleConfigError

__all__ = ["INPUT_WIDTHS", "OUTPUT_WIDTHS"]

#: Constructor parameters that take the input width, in order of preference.
INPUT_WIDTHS = (
    "in_features",
    "n_features",
    "num_features",
    "input_dim",
    "input_size",
    "n_in",
    "d_in",
)
#: Constructor parameters that take the output width.
OUTPUT_WIDTHS = (
    "out_features",
    "n_outputs",
    "num_outputs",
    "output_dim",
    "output_size",
    "n_out",
    "d_out",
    "n_classes",
    "num_classes",
)

_SHAPE_ERRORS = re.compile(r"shapes cannot be multiplied|size mismatch")
_BATCHNORM = (
    torch.nn.BatchNorm1d,
    torch.nn.BatchNorm2d,
    torch.nn.BatchNorm3d,
    torch.nn.SyncBatchNorm,
)


def _constructor(module):
    """The parameters of ``module``'s constructor; none for a built module."""
    if not isinstance(module, type):
        return {}
    try:
        return inspect.signature(module).parameters
    except (TypeError, ValueError):  # a constructor Python cannot inspect
        return {}


def _takes_open(module, name, given):
    """Whether ``module``'s constructor takes ``name`` with default None, unset."""
    parameter = _constructor(module).get(name)
    return name not in given and parameter is not None and parameter.default is None


def open_widths(module, given):
    """The width parameters ``module``'s constructor takes and nobody set.

    Returns ``(input_name, output_name)``, each None when the module is an
    instance (already built), its constructor has no such parameter, or the
    user gave it (``module__...``) or gave it a default other than None.
    """
    parameters = _constructor(module)

    def first_open(names):
        for name in names:
            parameter = parameters.get(name)
            if parameter is None:
                continue
            if name in given:
                return None  # the user decided this width
            if parameter.default in (inspect.Parameter.empty, None):
                return name
            return None
        return None

    return first_open(INPUT_WIDTHS), first_open(OUTPUT_WIDTHS)


def required_widths(module):
    """The width parameters without a default that ``module``'s class takes."""
    parameters = _constructor(module)
    return [
        name
        for name in (*INPUT_WIDTHS, *OUTPUT_WIDTHS)
        if name in parameters and parameters[name].default is inspect.Parameter.empty
    ]


def code_cardinalities(X):
    """The number of codes of each integer column that ends a DataFrame X.

    ``make_safe_pipeline(net, embed=True)`` hands category codes to the net
    as the last columns, int64 (0 missing, 1 unseen, 2.. the categories):
    the largest code seen plus one, at least the two reserved codes.
    """
    if not isinstance(X, pd.DataFrame):
        return ()
    n = 0
    for dtype in reversed(list(X.dtypes)):
        if not pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(
            dtype
        ):
            break
        n += 1
    codes = X.iloc[:, X.shape[1] - n :]
    return tuple(max(int(codes[c].max()) + 1, 2) if len(codes) else 2 for c in codes)


def input_width(X):
    """X's number of columns, or None when X does not say (a Dataset, a dict)."""
    if isinstance(X, dict) or not hasattr(X, "shape") and not isinstance(X, list):
        return None
    shape = X.shape if hasattr(X, "shape") else np.shape(X)
    return int(shape[1]) if len(shape) == 2 else None


def class_count(y, classes):
    """The number of classes: of ``classes`` when given, else the labels in y."""
    if classes is not None:
        return int(pd.unique(pd.Series(np.asarray(classes, dtype=object))).size)
    if y is None or np.ndim(y) != 1:
        return None
    labels = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y, dtype=object))
    return int(labels.dropna().nunique())


class _ModuleWidths:
    """Learn the module's open widths from the data; name shape errors."""

    def _output_width(self, y, classes):
        """The width of the module's output for y (each net says how)."""
        raise NotImplementedError

    def _learn_widths(self, X, y, classes=None):
        given = {key.partition("__")[2] for key in self._module_params()}
        in_name, out_name = open_widths(self.module, given)
        widths = {}
        if in_name is not None and (width := input_width(X)) is not None:
            widths[in_name] = width
        if out_name is not None and (width := self._output_width(y, classes)):
            widths[out_name] = width
        if _takes_open(self.module, "cardinalities", given):
            widths["cardinalities"] = list(code_cardinalities(X))
        self._learned_widths = widths

    def _module_params(self):
        """The ``module__`` parameters set on the net, with their prefix."""
        return {k: v for k, v in vars(self).items() if k.startswith("module__")}

    def initialize_module(self):
        """Build the module; widths it needs that nobody gave are named."""
        given = self.get_params_for("module")
        missing = [name for name in required_widths(self.module) if name not in given]
        if missing:
            names = ", ".join(f"module__{name}=..." for name in missing)
            raise ModuleConfigError(
                f"{type(self).__name__}: the module's constructor needs "
                f"{describe(missing, quote=True)}, which fit learns from X and "
                "y. To initialize the net without data (e.g. before "
                f"load_params), pass {names}."
            )
        return super().initialize_module()

    def get_params_for(self, prefix):
        """skorch's ``get_params_for``, with the widths learned from the data.

        For ``prefix="module"``, the widths ``fit`` learned (``in_features``
        and its synonyms, the output width, TabularMLP's ``cardinalities``)
        are added where the user gave none.
        """
        params = super().get_params_for(prefix)
        if prefix == "module":
            for name, width in getattr(self, "_learned_widths", {}).items():
                params.setdefault(name, width)
        return params

    def fit(self, X, y=None, **fit_params):
        if not self.warm_start or not self.initialized_:
            self._learn_widths(X, y)
        return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        if not self.initialized_:
            self._learn_widths(X, y, classes)
        return super().partial_fit(X, y, classes=classes, **fit_params)

    def infer(self, x, **fit_params):
        """Run the module on a batch; a shape the module cannot take is named."""
        try:
            return super().infer(x, **fit_params)
        except RuntimeError as error:
            if not _SHAPE_ERRORS.search(str(error)):
                raise
            raise ModuleConfigError(self._width_message(x, error)) from error
        except ValueError as error:
            if "more than 1 value per channel" not in str(error):
                raise
            raise ModuleConfigError(self._batchnorm_message(error)) from error

    def _width_message(self, x, error):
        who = type(self).__name__
        columns = x.shape[-1] if torch.is_tensor(x) and x.ndim >= 2 else None
        layer = next(
            (
                (name, m)
                for name, m in self.module_.named_modules()
                if isinstance(getattr(m, "in_features", None), int)
            ),
            None,
        )
        takes = ""
        if layer is not None:
            name, module = layer
            where = f"its layer {name!r}" if name else "it"
            takes = (
                f"{where} ({type(module).__name__}) takes "
                f"{module.in_features} input features, "
            )
        given = [key for key in self._module_params() if "__" in key]
        widths = [k for k in given if k.partition("__")[2] in INPUT_WIDTHS]
        fix = (
            f"Leave {describe(widths, quote=True)} unset: the net learns the "
            "width from X when the module's constructor takes it, "
            if widths
            else "Give the module's first layer as many inputs as X has columns, "
        )
        seen = f"X has {columns} columns" if columns is not None else "X"
        return (
            f"{who}: the module cannot take X: {takes}but {seen} "
            f"(torch: {str(error).splitlines()[0]}). {fix}"
            "or set it to X's width after the steps before the net (an encoder's "
            "one-hot columns, add_indicator=True or on_all_nan='drop' change it)."
        )

    def _batchnorm_message(self, error):
        who = type(self).__name__
        names = [
            repr(name or "module")
            for name, m in self.module_.named_modules()
            if isinstance(m, _BATCHNORM)
        ]
        layers = f"layer {describe(names)}" if names else "a BatchNorm layer"
        return (
            f"{who}: {layers} cannot normalize a training batch of one row "
            f"(torch: {str(error).splitlines()[0]}); batch_size="
            f"{self.batch_size} or a training set of one row gives one. Use "
            "batch_size >= 2 and at least two training rows (after the "
            "validation split, train_split), or torch.nn.LayerNorm, which "
            "works on one row."
        )
