"""Progress lines: asked for on stdout; otherwise only on a terminal, late."""

import io
import sys
import time

from sktorchsafe.core.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_verbose_prints_on_stdout_at_once(capsys):
    with Progress("work", who="Step", verbose=True):
        pass
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[Step] work ..." and out[1].startswith("[Step] work: done in")


def test_unrequested_work_shows_only_on_a_terminal_when_slow(monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with Progress("quick", who="Step", after=0.5):
        pass
    assert terminal.getvalue() == ""  # quick work: nothing
    with Progress("slow", who="Step", after=0.05):
        time.sleep(0.5)
    lines = terminal.getvalue().splitlines()
    assert lines[0] == "[Step] slow ..." and "done in" in lines[1]
    assert all("\x1b" not in line for line in lines)
    assert capsys.readouterr().out == ""


def test_not_a_terminal_stays_quiet(monkeypatch):
    pipe = io.StringIO()  # isatty() is False
    monkeypatch.setattr(sys, "stderr", pipe)
    with Progress("slow", who="Step", after=0.0):
        time.sleep(0.05)
    assert pipe.getvalue() == ""


def test_a_failure_prints_no_done_line(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    try:
        with Progress("failing", who="Step", after=0.0):
            raise ValueError("boom")
    except ValueError:
        pass
    assert terminal.getvalue().splitlines() == ["[Step] failing ..."]


def test_auto_imputation_shows_progress_on_a_terminal_when_slow(monkeypatch):
    import numpy as np

    from sktorchsafe import ImputerSelector
    from sktorchsafe.core import progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "AFTER_SECONDS", 0.0)
    X = np.random.default_rng(0).normal(size=(300, 4))
    X[::7, 1] = np.nan
    ImputerSelector(strategy="auto", random_state=0).fit(X)
    text = terminal.getvalue()
    assert "[ImputerSelector] scoring 'iterative' ..." in text and "done in" in text
