"""What the benchmarks that train a net share: one small MLP and a timer."""

import gc
import time

import torch


class MLP(torch.nn.Module):
    """``in_features -> hidden -> hidden -> out_features`` with ReLU.

    The safe nets learn both widths from the data; plain skorch is given
    them.
    """

    def __init__(self, in_features, out_features=1, hidden=64):
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


def timed(func):
    """(wall seconds, CPU seconds of this process) of one call."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu
