"""The house rules: how the package is laid out, and what that buys the user.

- The architecture, read from the source (no import of the package): no import
  cycles, a lower floor never imports a higher one, torch and skorch only on
  the training floor, private names of the scientific stack only through
  ``core/compat.py``, and no file past 700 lines (DESIGN.md, STYLE.md).
- Torch made unimportable: the transformers, ``diagnose``, ``stream_fit`` and
  the CLI's ``diagnose`` run without ever importing torch, and the training
  names still load it on first use.
- A warning a step raises inside ``Pipeline.fit`` or ``GridSearchCV.fit``
  names the caller's file.
"""

import ast
import json
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import numpy as np
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sktorchsafe"

# ===================================================================== the source

#: The floors, bottom to top: a module may import its own floor and those below.
FLOORS = ("core", "steps", "training", "face")
#: Importable from every floor; ``datasets`` itself imports ``core`` at most.
SHARED = ("exceptions", "datasets")
#: The package's own entry points, above every floor.
TOP = ("sktorchsafe", "sktorchsafe.__main__")
#: The only modules that may import torch or skorch (``core/compat.py`` too,
#: but only inside its functions: it is the home of torch's private names).
TORCH_HOMES = ("sktorchsafe.training", "sktorchsafe.face.demo")
TORCH = ("torch", "skorch")
#: Libraries whose private names only ``core/compat.py`` may use.
WATCHED = ("sklearn", "skorch", "torch", "scipy", "numpy", "pandas")
COMPAT = "sktorchsafe.core.compat"
MAX_LINES = 700


@dataclass
class Import:
    """One import statement's target: ``module``, and ``name`` for a from-import."""

    module: str
    name: str | None
    line: int
    in_function: bool


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module
    imports: list = field(default_factory=list)

    @property
    def where(self):
        return self.path.relative_to(ROOT).as_posix()


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_private(part):
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


class _ImportCollector(ast.NodeVisitor):
    """Every import in a module, at module level or inside a function."""

    def __init__(self, module):
        self.module = module
        self.depth = 0  # how many function bodies deep

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _add(self, module, name, node):
        self.module.imports.append(Import(module, name, node.lineno, self.depth > 0))

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, None, node)

    def visit_ImportFrom(self, node):
        base = node.module or ""
        if node.level:
            package = self.module.name.split(".")
            if not self.module.is_package:
                package.pop()
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        for alias in node.names:
            self._add(base, alias.name, node)

    def visit_Call(self, node):
        # importlib.import_module("x.y") and __import__("x.y") with a literal.
        func = node.func
        called = getattr(func, "attr", None) or getattr(func, "id", None)
        if (
            called in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            self._add(node.args[0].value, None, node)
        self.generic_visit(node)


def _read_package():
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        module = Module(
            name=_module_name(path),
            path=path,
            is_package=path.name == "__init__.py",
            tree=ast.parse(source, filename=str(path)),
        )
        _ImportCollector(module).visit(module.tree)
        modules[module.name] = module
    return modules


MODULES = _read_package()


def _internal_target(imp):
    """The package module an import loads, or None for an outside import."""
    candidates = [imp.module]
    if imp.name is not None:
        candidates.insert(0, f"{imp.module}.{imp.name}")  # a submodule
    for candidate in candidates:
        parts = candidate.split(".")
        if parts[0] != "sktorchsafe":
            continue
        while parts and ".".join(parts) not in MODULES:
            parts.pop()  # an object inside the module
        if parts and len(parts) >= len(imp.module.split(".")):
            return ".".join(parts)
    return None


def _graph():
    """``{module: {module it imports}}`` over the package's modules."""
    graph = {name: set() for name in MODULES}
    for name, module in MODULES.items():
        for imp in module.imports:
            target = _internal_target(imp)
            if target is not None:
                graph[name].add(target)
    return graph


def _floor(name):
    if name in TOP:
        return "top"
    part = name.split(".")[1]
    return part if part in FLOORS + SHARED else None


def _may_import(importer, imported):
    """Whether the floor rules let module ``importer`` import ``imported``."""
    source, target = _floor(importer), _floor(imported)
    if source == "top" or source == target:
        return True
    if target == "top":
        return False  # only the entry points import the package itself
    if source == "exceptions":
        return False  # the bottom of everything
    if target == "exceptions":
        return True
    if source == "datasets":
        return target == "core"
    if target == "datasets":
        return True
    return FLOORS.index(source) >= FLOORS.index(target)


def test_the_package_is_read():
    # Guards the tests below against passing on nothing.
    assert {"sktorchsafe", "sktorchsafe.core.compat", "sktorchsafe.exceptions"} <= set(
        MODULES
    )
    assert any(
        _internal_target(imp) == "sktorchsafe.core.compat"
        for imp in MODULES["sktorchsafe.steps.standardize"].imports
    )


def test_no_import_cycles():
    graph = _graph()
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        cycle = error.args[1]
        pytest.fail(
            "the package's modules import each other in a cycle (imports inside "
            "functions count): " + " -> ".join(reversed(cycle))
        )


def test_every_module_lives_on_a_floor():
    homeless = [m.where for name, m in MODULES.items() if _floor(name) is None]
    assert not homeless, (
        f"modules outside the floors {FLOORS + SHARED}: {homeless}; move each "
        "into the floor of its idea"
    )


def test_a_lower_floor_never_imports_a_higher_one():
    wrong = [
        f"{module.where}:{imp.line} ({_floor(name)}) imports {target} "
        f"({_floor(target)})"
        for name, module in MODULES.items()
        for imp in module.imports
        if (target := _internal_target(imp)) is not None
        and _floor(name) is not None
        and _floor(target) is not None
        and not _may_import(name, target)
    ]
    assert not wrong, (
        f"floors, bottom to top, are {' < '.join(FLOORS)}; "
        f"{' and '.join(SHARED)} may be imported from any of them, datasets "
        "imports core only, and nothing below the entry points imports the "
        "package itself:\n" + "\n".join(wrong)
    )


def _imports_torch_legally(name, imp):
    if name in TORCH_HOMES or name.startswith(TORCH_HOMES[0] + "."):
        return True
    return name == COMPAT and imp.in_function


def test_torch_and_skorch_only_on_the_training_floor():
    wrong = [
        f"{module.where}:{imp.line} imports {imp.module}"
        + ("" if imp.in_function else " (at module level)")
        for name, module in MODULES.items()
        for imp in module.imports
        if imp.module.split(".")[0] in TORCH and not _imports_torch_legally(name, imp)
    ]
    assert not wrong, (
        "torch and skorch may be imported only under sktorchsafe/training/ and "
        "in sktorchsafe/face/demo.py (and inside core/compat.py's functions): "
        "the transformers, diagnose and the CLI run without them.\n" + "\n".join(wrong)
    )


def _aliases(module):
    """``{local name: dotted name}`` for every watched library bound in it."""
    aliases = {}
    for imp in module.imports:
        if imp.module.split(".")[0] not in WATCHED:
            continue
        if imp.name is None:  # import a.b (binds a) / import a.b as c
            aliases[imp.module.split(".")[0]] = imp.module.split(".")[0]
        else:
            aliases[imp.name] = f"{imp.module}.{imp.name}"
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name.split(".")[0] in WATCHED:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and not node.level:
            for alias in node.names:
                if alias.asname and (node.module or "").split(".")[0] in WATCHED:
                    aliases[alias.asname] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node):
    """``("np", "linalg", "norm")`` for ``np.linalg.norm``, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return (node.id, *reversed(parts))


def _private_uses(module):
    """Where ``module`` reaches a private name of a watched library."""
    found = []
    for imp in module.imports:
        if imp.module.split(".")[0] not in WATCHED:
            continue
        parts = imp.module.split(".") + ([imp.name] if imp.name else [])
        if any(map(_is_private, parts)):
            found.append((imp.line, ".".join(parts)))
    aliases = _aliases(module)
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            dotted = _dotted(node)
            if dotted and dotted[0] in aliases:
                found.append((node.lineno, ".".join((aliases[dotted[0]], *dotted[1:]))))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in {"getattr", "hasattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _is_private(node.args[1].value)
        ):
            dotted = _dotted(node.args[0])
            if dotted and dotted[0] in aliases:
                owner = ".".join((aliases[dotted[0]], *dotted[1:]))
                found.append((node.lineno, f"{owner}.{node.args[1].value}"))
    return found


def test_private_names_only_through_compat():
    wrong = [
        f"{module.where}:{line} uses {dotted}"
        for name, module in MODULES.items()
        if name != COMPAT
        for line, dotted in sorted(set(_private_uses(module)))
    ]
    assert not wrong, (
        f"private names of {', '.join(WATCHED)} are imported only in "
        "sktorchsafe/core/compat.py (with a fallback for the versions that "
        "lack them); use the public name or add one there:\n" + "\n".join(wrong)
    )


def test_the_private_name_check_sees_what_it_should():
    source = textwrap.dedent(
        """
        import numpy as np
        import torch
        from scipy import sparse
        from sklearn.base import _fit_context, clone
        from sklearn.utils._param_validation import Interval
        import sklearn.utils._tags as tags

        def f(x):
            torch._foreach_norm(x)
            getattr(torch, "_foreach_copy_", None)
            sparse._sputils.isdense(x)
            x._private  # not a library's
            return np.__version__, clone, tags, Interval
        """
    )
    module = Module("sktorchsafe.steps.fake", PACKAGE / "fake.py", False, None)
    module.tree = ast.parse(source)
    _ImportCollector(module).visit(module.tree)
    assert sorted(dotted for _, dotted in _private_uses(module)) == [
        "scipy.sparse._sputils",
        "sklearn.base._fit_context",
        "sklearn.utils._param_validation.Interval",
        "sklearn.utils._tags",
        "torch._foreach_copy_",
        "torch._foreach_norm",
    ]


def test_the_floor_rules_see_what_they_should():
    assert _may_import("sktorchsafe.face.cli", "sktorchsafe.training.nets")
    assert _may_import("sktorchsafe.steps.impute", "sktorchsafe.exceptions")
    assert _may_import("sktorchsafe.training.nets", "sktorchsafe.datasets._base")
    assert _may_import("sktorchsafe.datasets._base", "sktorchsafe.core.stats")
    assert not _may_import("sktorchsafe.core.stats", "sktorchsafe.steps.impute")
    assert not _may_import("sktorchsafe.steps.impute", "sktorchsafe.training.nets")
    assert not _may_import("sktorchsafe.training.nets", "sktorchsafe.face.cli")
    assert not _may_import("sktorchsafe.datasets._base", "sktorchsafe.steps.impute")
    assert not _may_import("sktorchsafe.steps.impute", "sktorchsafe")
    assert not _may_import("sktorchsafe.exceptions", "sktorchsafe.core.messages")


def test_no_file_over_700_lines():
    long = {
        module.where: n
        for module in MODULES.values()
        if (n := len(module.path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, (
        f"a file holds one idea, about {MAX_LINES} lines at most; split these by "
        f"responsibility: {long}"
    )


# ============================================================ torch made unimportable

#: Put first in a script: ``torch`` and ``skorch`` (and their submodules) cannot
#: be imported, every try is recorded with the file that made it, and at exit
#: the tries and whether torch reached ``sys.modules`` are printed as JSON.
BLOCKER = textwrap.dedent(
    """
    import atexit, importlib.abc, json, sys

    class _BlockTorch(importlib.abc.MetaPathFinder):
        tries = []

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] not in {"torch", "skorch"}:
                return None
            frame, probe = sys._getframe(1), False
            while frame and frame.f_globals.get("__name__", "").startswith("importlib"):
                # importlib.util.find_spec only looks (for a path, say): as if
                # torch were not installed, but not an import.
                probe = probe or frame.f_globals["__name__"] == "importlib.util"
                frame = frame.f_back
            if not probe:
                where = frame.f_code.co_filename if frame else "?"
                line = frame.f_lineno if frame else 0
                self.tries.append(f"{name} from {where}:{line}")
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)

    sys.meta_path.insert(0, _BlockTorch())

    @atexit.register
    def _report():
        blocked = {"torch", "skorch"}
        loaded = sorted(n for n in sys.modules if n.split(".")[0] in blocked)
        print("\\nTORCH-REPORT " + json.dumps(
            {"tries": _BlockTorch.tries, "loaded": loaded}), file=sys.stderr)
    """
)


def _run_blocked(code, tmp_path, *args):
    """Run ``code`` under BLOCKER in a fresh interpreter; (result, torch report)."""
    script = tmp_path / "script.py"
    script.write_text(BLOCKER + textwrap.dedent(code), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    marker = result.stderr.rfind("TORCH-REPORT ")
    assert marker >= 0, f"the script died before its exit hook:\n{result.stderr}"
    report = json.loads(result.stderr[marker:].split(" ", 1)[1])
    return result, report


def _assert_no_torch(result, report):
    assert not report["tries"], (
        "torch or skorch was imported: " + "; ".join(report["tries"]) + "\n"
        f"{result.stderr}"
    )
    assert not report["loaded"]


def test_the_blocker_tells_imports_from_probes(tmp_path):
    code = """
    import importlib.util
    try:
        importlib.util.find_spec("torch")  # a probe: not recorded
    except ImportError:
        pass
    import sktorchsafe
    sktorchsafe.NonFiniteGuard  # imports skorch: recorded, then fails
    """
    result, report = _run_blocked(code, tmp_path)
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr
    assert len(report["tries"]) == 1, report
    assert report["tries"][0].startswith(("torch from", "skorch from"))
    assert "sktorchsafe" in report["tries"][0]
    assert not report["loaded"]


TRANSFORMERS_WITHOUT_TORCH = """
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

import sktorchsafe
from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeStandardScaler,
    ScaleDisparityChecker,
    TargetValidator,
    diagnose,
    make_safe_pipeline,
    stream_fit,
)

warnings.simplefilter("ignore")  # the steps warn about the mess: that is their job
rng = np.random.default_rng(0)
n = 120
X = pd.DataFrame(
    {
        "age": rng.normal(40, 10, n),
        "income": rng.lognormal(10, 1, n) * 1e3,
        "ratio": rng.normal(0, 1e-3, n),
        "flag": np.ones(n),
    }
)
X.iloc[[3, 8], 0] = np.nan
X.iloc[5, 1] = np.inf
X.iloc[7, 2] = 1e3
y = X["age"].fillna(40).to_numpy() / 10 + rng.normal(size=n)
labels = np.where(rng.random(n) < 0.3, "rare", "common")

clean = ImputerSelector().fit_transform(X)
assert np.isfinite(clean.to_numpy() if hasattr(clean, "to_numpy") else clean).all()
for step, data, target in [
    (ImputerSelector(strategy="auto"), X, y),
    (OutlierClipper(), X, y),
    (ScaleDisparityChecker(), X, y),
    (SafeStandardScaler(), clean, y),
    (TargetValidator(), X, y),
    (TargetValidator(), X, labels),
]:
    out = step.fit(data, target).transform(data)
    assert out.shape == X.shape, (type(step).__name__, out.shape)

report = diagnose(X, y)
assert report.findings and str(report)
assert str(diagnose(X, labels))
pipe = make_pipeline(ImputerSelector(), OutlierClipper(), ScaleDisparityChecker(),
                     SafeStandardScaler(), Ridge())
assert np.isfinite(pipe.fit(X, y).predict(X)).all()
safe = make_safe_pipeline(Ridge())
assert np.isfinite(safe.fit(X, y).predict(X)).all()
chunks = [(X.iloc[i : i + 40], y[i : i + 40]) for i in range(0, n, 40)]
streamed = stream_fit(
    make_pipeline(TargetValidator(), ImputerSelector(), OutlierClipper(),
                  ScaleDisparityChecker(), SafeStandardScaler()),
    chunks,
)
assert streamed.transform(X).shape == X.shape
assert "SafeNeuralNetRegressor" in dir(sktorchsafe)
print("ALL RAN")
"""


def test_transformers_diagnose_and_stream_fit_never_import_torch(tmp_path):
    result, report = _run_blocked(TRANSFORMERS_WITHOUT_TORCH, tmp_path)
    _assert_no_torch(result, report)
    assert result.returncode == 0, result.stderr
    assert "ALL RAN" in result.stdout


CLI_WITHOUT_TORCH = """
import runpy
import sys

sys.argv = ["sktorchsafe", *sys.argv[1:]]
runpy.run_module("sktorchsafe", run_name="__main__", alter_sys=True)
"""


@pytest.fixture
def penguins_csv(tmp_path):
    from sktorchsafe.datasets import load_penguins

    path = tmp_path / "penguins.csv"
    load_penguins().frame.to_csv(path, index=False)
    return path


def test_cli_diagnose_never_imports_torch(tmp_path, penguins_csv):
    # python -m sktorchsafe diagnose penguins.csv --target body_mass_g
    result, report = _run_blocked(
        CLI_WITHOUT_TORCH,
        tmp_path,
        "diagnose",
        str(penguins_csv),
        "--target",
        "body_mass_g",
    )
    _assert_no_torch(result, report)
    assert "Traceback" not in result.stderr, result.stderr
    first = result.stdout.splitlines()[0] if result.stdout else ""
    assert first.startswith("sktorchsafe diagnosis: 344 rows"), result.stdout
    # Exit 0 for OK, 1 for NOT OK (the data has gaps), 2 when it cannot run.
    assert result.returncode == (1 if "NOT OK" in first else 0), result.stderr


def test_cli_help_never_imports_torch(tmp_path):
    result, report = _run_blocked(CLI_WITHOUT_TORCH, tmp_path, "--help")
    _assert_no_torch(result, report)
    assert result.returncode == 0, result.stderr
    assert "diagnose" in result.stdout


def test_training_names_load_torch_on_first_use():
    code = textwrap.dedent(
        """
        import sys
        import sktorchsafe
        assert "torch" not in sys.modules, "import sktorchsafe loaded torch"
        training = {"SafeNeuralNetRegressor", "SafeNeuralNetClassifier",
                    "NonFiniteGuard", "MaskedMSELoss", "FocalLoss"}
        assert training <= set(dir(sktorchsafe)), dir(sktorchsafe)
        assert training <= set(sktorchsafe.__all__)
        from sktorchsafe import SafeNeuralNetRegressor
        import skorch
        assert "torch" in sys.modules
        assert issubclass(SafeNeuralNetRegressor, skorch.NeuralNet)
        assert sktorchsafe.SafeNeuralNetRegressor is SafeNeuralNetRegressor
        for name in training:
            getattr(sktorchsafe, name)
        try:
            sktorchsafe.NoSuchName
        except AttributeError:
            pass
        else:
            raise AssertionError("sktorchsafe.NoSuchName did not raise")
        print("LAZY OK")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "LAZY OK" in result.stdout


# ======================================================= warnings name the caller


#: ``(step, X, y, warning category name, a phrase of the message)``
def _warning_cases():
    from sktorchsafe import (
        ImputerSelector,
        OutlierClipper,
        SafeStandardScaler,
        ScaleDisparityChecker,
        TargetValidator,
    )

    rng = np.random.default_rng(0)
    n = 120
    base = rng.normal(size=(n, 3))
    y = base @ [1.0, -1.0, 0.5] + rng.normal(scale=0.1, size=n)
    all_nan = np.column_stack([base, np.full(n, np.nan)])
    disparate = base * [1e6, 1.0, 1e-3]
    constant = np.column_stack([base, np.full(n, 7.0)])
    labels = np.r_[np.zeros(n - 8, dtype=int), np.ones(8, dtype=int)]
    rng.shuffle(labels)
    return {
        "impute all-NaN column": (ImputerSelector(), all_nan, y, "DataQualityWarning"),
        "check disparity": (
            ScaleDisparityChecker(),
            disparate,
            y,
            "ScaleDisparityWarning",
        ),
        "clip constant column": (OutlierClipper(), constant, y, "DataQualityWarning"),
        "target imbalance": (TargetValidator(), base, labels, "DataQualityWarning"),
        "scale all-NaN feature": (
            SafeStandardScaler(),
            all_nan,
            y,
            "DataQualityWarning",
        ),
    }


WARNING_CASES = list(_warning_cases())


def _pipeline(step, y):
    # The steps may leave NaN (an all-NaN feature): a plain imputer, then a
    # plain scikit-learn model, so that no other sktorchsafe step warns.
    model = RidgeClassifier() if y.dtype.kind == "i" else Ridge()
    imputer = SimpleImputer(
        strategy="constant", fill_value=0.0, keep_empty_features=True
    )
    return make_pipeline(step, imputer, model)


def _fit_and_record(fit):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fit()
    return record


def _check_record(record, category):
    import sktorchsafe.exceptions as exceptions

    expected = getattr(exceptions, category)
    assert any(issubclass(w.category, expected) for w in record), (
        f"no {category}: {[str(w.message) for w in record]}"
    )
    # Ours: our warning classes, and any warning raised from our code (numpy's
    # RuntimeWarning in a step names the step's file). What scikit-learn or
    # scipy say on their own behalf (deprecations) is not the steps' to place.
    ours = [
        w
        for w in record
        if issubclass(w.category, exceptions.SktorchsafeWarning)
        or Path(w.filename).resolve().is_relative_to(PACKAGE)
    ]
    elsewhere = [
        f"{w.category.__name__} at {w.filename}:{w.lineno}: {w.message}"
        for w in ours
        if w.filename != __file__
    ]
    assert not elsewhere, "warnings that do not name the caller:\n" + "\n".join(
        elsewhere
    )


@pytest.mark.parametrize("case", WARNING_CASES)
def test_step_warnings_in_a_pipeline_name_the_caller(case):
    step, X, y, category = _warning_cases()[case]
    pipe = _pipeline(step, y)
    record = _fit_and_record(lambda: pipe.fit(X, y))
    _check_record(record, category)


@pytest.mark.parametrize("case", WARNING_CASES)
def test_step_warnings_in_a_grid_search_name_the_caller(case):
    step, X, y, category = _warning_cases()[case]
    pipe = _pipeline(step, y)
    model = pipe.steps[-1][0]
    grid = {f"{model}__alpha": [0.1, 1.0]}
    search = GridSearchCV(pipe, grid, cv=2, n_jobs=1, error_score="raise")
    record = _fit_and_record(lambda: search.fit(X, y))
    _check_record(record, category)
