"""The small MLP every benchmark that trains a net uses."""

import torch


class MLP(torch.nn.Module):
    """``in_features -> hidden -> hidden -> out_features`` with ReLU.

    The safe nets learn both widths from the data (``out_features=None``:
    one per class for a classifier, one per target column for a regressor);
    plain skorch is given them.
    """

    def __init__(self, in_features, out_features=None, hidden=64):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(in_features, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, out_features),
        )

    def forward(self, X):
        return self.layers(X)
