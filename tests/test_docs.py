"""The documentation builds offline with warnings as errors, covers every
public name, runs every gallery example to its figure, and the user guide's
examples run."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import sktorchsafe
import sktorchsafe.datasets
import sktorchsafe.exceptions

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
GUIDE = sorted((DOCS / "guide").glob("*.rst"))
GENERATED = ("_build", "auto_examples", "generated", "sg_execution_times.rst")


def _reference_pages():
    """Each public name and the page (relative to the HTML root) that must
    document it, with the anchor it must hold."""
    pages = {}
    for name in sktorchsafe.__all__:
        if name == "exceptions":
            pages[name] = ("api/index.html", "module-sktorchsafe.exceptions")
        elif name in sktorchsafe.exceptions.__all__:
            full = f"sktorchsafe.exceptions.{name}"
            pages[name] = (f"api/generated/{full}.html", full)
        else:
            full = f"sktorchsafe.{name}"
            pages[name] = (f"api/generated/{full}.html", full)
    for name in sktorchsafe.datasets.__all__:
        full = f"sktorchsafe.datasets.{name}"
        pages[f"datasets.{name}"] = (f"api/generated/{full}.html", full)
    return pages


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    """Build a copy of docs/ and examples/ (so that nothing cached in the
    working tree is reused) with -W and -n, intersphinx off, as offline."""
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("pydata_sphinx_theme")
    pytest.importorskip("matplotlib")
    pytest.importorskip("torch")
    work = tmp_path_factory.mktemp("docs")
    shutil.copytree(DOCS, work / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(EXAMPLES, work / "examples")
    out = work / "html"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "agg"}
    env.pop("SKTORCHSAFE_DOCS_INTERSPHINX", None)
    command = [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going"]
    command += ["-b", "html", "-q", str(work / "docs"), str(out)]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, (
        f"sphinx-build failed ({done.returncode}):\n"
        f"{done.stdout[-5000:]}\n{done.stderr[-10000:]}"
    )
    return work, out


def test_docs_build_without_warnings(built_docs):
    _, out = built_docs
    for page in ["index.html", "api/index.html", "guide/index.html"]:
        assert (out / page).is_file(), page
    assert (out / "auto_examples" / "index.html").is_file()


def test_every_public_name_has_a_reference_page(built_docs):
    _, out = built_docs
    missing = []
    for name, (page, anchor) in _reference_pages().items():
        path = out / page
        if not path.is_file() or f'id="{anchor}"' not in path.read_text():
            missing.append(f"{name} ({page}#{anchor})")
    assert not missing, f"no reference page for: {', '.join(missing)}"
    listed = (out / "api" / "index.html").read_text()
    for name, (page, _) in _reference_pages().items():
        if page.startswith("api/generated/"):
            assert page.removeprefix("api/") in listed, f"{name} not in the API index"


def test_every_guide_page_is_built(built_docs):
    _, out = built_docs
    for page in GUIDE:
        assert (out / "guide" / f"{page.stem}.html").is_file(), page.name


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.stem)
def test_every_gallery_example_ran_and_made_a_figure(built_docs, example):
    work, out = built_docs
    image = f"sphx_glr_{example.stem}_001.png"
    assert (work / "docs" / "auto_examples" / "images" / image).is_file(), image
    page = (out / "auto_examples" / f"{example.stem}.html").read_text()
    assert image in page
    assert "Out:" in page or "sphx-glr-script-out" in page  # it printed


PYTHON_BLOCK = re.compile(r"\.\. code-block:: python\n\n((?:(?: {4}.*)?\n)+)")


@pytest.mark.parametrize("page", GUIDE, ids=lambda p: p.stem)
def test_guide_examples_run(page):
    """Each guide page's Python examples run, in order, in one namespace."""
    pytest.importorskip("torch")
    blocks = [textwrap.dedent(b) for b in PYTHON_BLOCK.findall(page.read_text())]
    namespace = {"__name__": f"guide_{page.stem}"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            exec(compile(block, str(page), "exec"), namespace)
