"""Progress lines for work that takes a while: asked for, or on a terminal.

One home for what every step and the command line print while they work:
``[who] label ...`` when the work starts and ``[who] label: done in 1.2 s``
when it ends.  Asked for (a step's ``verbose``), the lines go to stdout at
once, as scikit-learn's verbose output does.  Otherwise they go to stderr,
and only when stderr is a terminal and the work is still running after
:data:`AFTER_SECONDS`: quick work prints nothing, and a log file or a pipe
never gets a progress line (nor a colour code: there are none).
"""

import sys
import threading
import time

__all__ = ["AFTER_SECONDS", "Progress"]

#: Seconds unrequested work runs before its progress line shows on a terminal.
AFTER_SECONDS = 2.0


class Progress:
    """Context manager printing the start and the duration of some work.

    Parameters
    ----------
    label : str or None
        What the work is, e.g. ``"scoring 'iterative'"``; None prints nothing.
    who : str
        Who works, printed in brackets, e.g. ``"ImputerSelector"``.
    verbose : bool, default=False
        Print both lines on stdout at once (the user asked for them).
        Otherwise they go to stderr, only on a terminal and only when the
        work lasts more than ``after`` seconds.
    after : float or None, default=None
        Seconds to wait before an unrequested start line; 0 prints it at
        once (on a terminal), for work known to be long. None:
        :data:`AFTER_SECONDS`.

    Examples
    --------
    >>> with Progress("counting", who="demo", verbose=True):
    ...     total = sum(range(10))
    [demo] counting ...
    [demo] counting: done in 0.0 s
    """

    def __init__(self, label, *, who, verbose=False, after=None):
        self.label = label
        self.who = who
        self.verbose = verbose
        self.after = after

    def _stream(self):
        if self.label is None:
            return None
        if self.verbose:
            return sys.stdout
        isatty = getattr(sys.stderr, "isatty", None)
        return sys.stderr if isatty is not None and isatty() else None

    def _say(self, text):
        print(f"[{self.who}] {self.label}{text}", file=self.stream, flush=True)

    def _start(self):
        with self.lock:
            if not self.done:
                self._say(" ...")
                self.shown = True

    def __enter__(self):
        self.start = time.perf_counter()
        self.stream = self._stream()
        self.lock = threading.Lock()
        self.shown = self.done = False
        self.timer = None
        if self.stream is None:
            return self
        after = AFTER_SECONDS if self.after is None else self.after
        if self.verbose or after <= 0:
            self._start()
        else:
            self.timer = threading.Timer(after, self._start)
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc):
        if self.timer is not None:
            self.timer.cancel()
        with self.lock:
            self.done = True
            if self.shown and exc[0] is None:
                self._say(f": done in {time.perf_counter() - self.start:.1f} s")
        return False
