"""Ready modules for the safe nets: :class:`TabularMLP`, numbers beside embeddings."""

import torch

from ..exceptions import ModuleConfigError
from ..steps._encode_plan import MISSING_CODE, OTHER_CODE

__all__ = ["TabularMLP"]


def embedding_size(cardinality):
    """The default embedding width of a column of ``cardinality`` codes.

    Half the number of codes, at least 2 and at most 16: small tables of
    categories need few dimensions, and a cap keeps wide ones cheap.
    """
    return int(min(16, max(2, (cardinality + 1) // 2)))


class TabularMLP(torch.nn.Module):
    """A multilayer perceptron on numbers and embedded category codes.

    X holds the numeric columns first and the integer codes of the category
    columns last, one column per category column, as
    ``make_safe_pipeline(net, embed=True)`` hands them to the net (or
    ``TableEncoder(categorical="codes")`` gives them, when the codes are the
    last columns). Each code column goes through its own
    ``torch.nn.Embedding``; the embeddings and the numbers are concatenated
    and passed through ``hidden`` ReLU layers to ``out_features`` outputs.

    Codes follow :class:`~sktorchsafe.TableEncoder`: 0 is a missing value, 1
    a category unseen at fit (or rarer than its ``min_frequency``), 2, 3, ...
    the kept categories. A code that is NaN reads as missing (0); one that is
    not a whole number in ``0 .. cardinality - 1`` (a category the encoder
    of another CV fold kept, ±inf) reads as unseen (1), so that the lookup
    never fails.

    Parameters
    ----------
    in_features : int
        Columns of X, numbers and codes together; the safe nets learn it from
        X when it is not given.
    out_features : int
        Outputs: 1 for one regression target, the number of classes for a
        classifier; the safe nets learn it from y when it is not given.
    cardinalities : sequence of int or None, default=None
        The number of codes of each code column (the last
        ``len(cardinalities)`` columns of X), reserved codes included: the
        encoder's ``cardinalities_``. A larger number is harmless (its rows
        are never looked up), so the encoder fitted on all rows serves every
        CV fold. None: the safe nets learn them in ``fit`` from the integer
        columns that end X (``make_safe_pipeline(net, embed=True)`` hands the
        codes to the net as int64 columns of a DataFrame): the largest code
        seen plus one; without such columns, or outside a safe net, no codes
        (an MLP on the numbers). Empty: no codes.
    embedding_dim : int or None, default=None
        The width of every embedding; None: per column, half its
        cardinality, between 2 and 16.
    hidden : sequence of int, default=(64, 64)
        The widths of the hidden layers.
    dropout : float, default=0.0
        Dropout after each hidden layer.

    Attributes
    ----------
    embeddings : torch.nn.ModuleList
        One ``torch.nn.Embedding`` per code column.
    layers : torch.nn.Sequential
        The perceptron on the concatenated numbers and embeddings.

    See Also
    --------
    sktorchsafe.TableEncoder : Gives the codes and their cardinalities.
    sktorchsafe.make_safe_pipeline : ``embed=True`` keeps the steps after
        ``encode`` off the codes.

    Examples
    --------
    >>> import torch
    >>> from sktorchsafe import TabularMLP
    >>> module = TabularMLP(in_features=4, out_features=1, cardinalities=[5, 4])
    >>> X = torch.tensor([[0.5, -1.0, 3.0, 2.0], [0.1, 0.2, float("nan"), 9.0]])
    >>> module(X).shape
    torch.Size([2, 1])
    >>> module.codes(X).tolist()  # NaN: missing (0); 9 is no code: unseen (1)
    [[3, 2], [0, 1]]
    """

    def __init__(
        self,
        in_features,
        out_features,
        cardinalities=None,
        embedding_dim=None,
        hidden=(64, 64),
        dropout=0.0,
    ):
        super().__init__()
        cardinalities = [
            int(c) for c in (() if cardinalities is None else cardinalities)
        ]
        who = type(self).__name__
        if any(c < 2 for c in cardinalities):
            raise ModuleConfigError(
                f"{who}: every cardinality counts the two reserved codes (0 "
                f"missing, 1 unseen), so it is at least 2. Got {cardinalities}. "
                "Pass the encoder's cardinalities_."
            )
        n_numbers = int(in_features) - len(cardinalities)
        if n_numbers < 0:
            raise ModuleConfigError(
                f"{who}: X has {in_features} columns but cardinalities names "
                f"{len(cardinalities)} code columns. Pass the cardinalities_ of "
                "the encoder whose output the net gets."
            )
        self.n_numbers = n_numbers
        self.register_buffer(
            "cardinalities", torch.tensor(cardinalities, dtype=torch.long)
        )
        sizes = [
            embedding_size(c) if embedding_dim is None else int(embedding_dim)
            for c in cardinalities
        ]
        self.embeddings = torch.nn.ModuleList(
            torch.nn.Embedding(c, size)
            for c, size in zip(cardinalities, sizes, strict=True)
        )
        layers, width = [], n_numbers + sum(sizes)
        for units in hidden:
            layers += [torch.nn.Linear(width, int(units)), torch.nn.ReLU()]
            if dropout:
                layers.append(torch.nn.Dropout(dropout))
            width = int(units)
        layers.append(torch.nn.Linear(width, int(out_features)))
        self.layers = torch.nn.Sequential(*layers)

    def codes(self, X):
        """The embedding indices of X's code columns, as int64 ``(n, k)``."""
        values = X[:, self.n_numbers :]
        rounded = torch.round(values)
        valid = (
            torch.isfinite(values)
            & (rounded == values)
            & (rounded >= 0)
            & (rounded < self.cardinalities)
        )
        index = torch.where(valid, rounded, torch.full_like(values, OTHER_CODE))
        index = torch.where(
            torch.isnan(values), torch.full_like(values, MISSING_CODE), index
        )
        return index.long()

    def forward(self, X):
        parts = [X[:, : self.n_numbers]]
        if len(self.embeddings):
            codes = self.codes(X)
            parts += [
                embedding(codes[:, j]) for j, embedding in enumerate(self.embeddings)
            ]
        return self.layers(torch.cat(parts, dim=1))
