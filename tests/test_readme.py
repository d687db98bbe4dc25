"""The README's Python examples run, in order, as a user would paste them."""

import re
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.rst"


def _python_blocks(text):
    pattern = re.compile(r"\.\. code-block:: python\n\n((?:(?: {4}.*)?\n)+)")
    return [textwrap.dedent(block) for block in pattern.findall(text)]


def test_readme_examples_run():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    blocks = _python_blocks(README.read_text())
    assert len(blocks) >= 4
    namespace = {"__name__": "readme"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    assert np.isfinite(namespace["search"].best_score_)
    assert np.isfinite(namespace["Xt"][~np.isnan(namespace["Xt"])]).all()
    assert not namespace["report"].ok


def test_readme_is_valid_restructuredtext():
    docutils_core = pytest.importorskip("docutils.core")
    docutils_core.publish_string(
        README.read_text(),
        writer_name="null",
        settings_overrides={"report_level": 2, "halt_level": 2},
    )
