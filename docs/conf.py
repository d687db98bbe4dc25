"""Sphinx configuration of the sktorchsafe documentation.

Build it (from the repository root, after ``pip install -e ".[docs]"``)::

    sphinx-build -W -b html docs docs/_build/html

How references are checked
--------------------------
``nitpicky`` is on and the build runs with ``-W``, so every reference to one
of our own names (``sktorchsafe.*``, or an unqualified name written inside
our docstrings) must resolve to a documented object, or the build fails.

References to other projects (Python, NumPy, pandas, scikit-learn, skorch,
PyTorch, matplotlib, ...) resolve through intersphinx when their inventories
are at hand, and are shown as plain text when they are not (see
``_external_as_text``), so that a build without network passes with ``-W``.
Parameter types in numpydoc sections are linked through
``numpydoc_xref_aliases`` only (``numpydoc_xref_ignore = "all"``): our public
names (strict, like any other reference to them) and a few common external
types; words like ``array-like of shape (n_samples, n_features)`` stay text.

Intersphinx
-----------
Without network, fetching an inventory fails with a warning, which ``-W``
would turn into an error. So the inventories are used only:

- when ``SKTORCHSAFE_DOCS_INTERSPHINX=1`` is set (fetch them from the web), or
- for the projects whose inventory was saved as ``docs/_inventories/NAME.inv``
  (``NAME`` one of the keys of ``INVENTORIES`` below).

Otherwise the mapping is empty and external names are plain text.
"""

import builtins
import importlib
import os
import re
import sys
from pathlib import Path

import sktorchsafe
import sktorchsafe.datasets
import sktorchsafe.exceptions

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sphinxext"))

# -- Project -----------------------------------------------------------------

project = "sktorchsafe"
author = "The sktorchsafe developers"
copyright = "The sktorchsafe developers, BSD-3-Clause"
release = sktorchsafe.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_inventories", "**.ipynb_checkpoints"]
default_role = "literal"
nitpicky = True

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sktorchsafe {release}"
html_static_path = ["_static"]
html_css_files = ["sktorchsafe.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": []}
html_show_sourcelink = False

# -- autodoc, autosummary, numpydoc -------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"
# A method without a docstring of its own is not documented with the one of
# the method it overrides (torch's ``Module.forward``, skorch's ``fit``...).
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"

#: The public names and where each is documented (the exceptions in their
#: module, everything else at the top level, as users import them).
PUBLIC = {
    **{
        name: f"sktorchsafe.{name}"
        for name in sktorchsafe.__all__
        if name != "exceptions" and name not in sktorchsafe.exceptions.__all__
    },
    **{
        name: f"sktorchsafe.exceptions.{name}"
        for name in sktorchsafe.exceptions.__all__
    },
    **{name: f"sktorchsafe.datasets.{name}" for name in sktorchsafe.datasets.__all__},
}

numpydoc_xref_aliases = {
    **PUBLIC,
    "DataFrame": "pandas.DataFrame",
    "pandas.DataFrame": "pandas.DataFrame",
    "Series": "pandas.Series",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "Bunch": "sklearn.utils.Bunch",
    "Figure": "matplotlib.figure.Figure",
    "Tensor": "torch.Tensor",
    "torch.Tensor": "torch.Tensor",
    "Module": "torch.nn.Module",
    "torch.nn.Module": "torch.nn.Module",
    "NeuralNet": "skorch.NeuralNet",
    "Generator": "numpy.random.Generator",
    "dtype": "numpy.dtype",
}

# -- Intersphinx ---------------------------------------------------------------

#: The projects we link to, with the address of their documentation.
INVENTORIES = {
    "python": "https://docs.python.org/3",
    "numpy": "https://numpy.org/doc/stable",
    "pandas": "https://pandas.pydata.org/docs",
    "sklearn": "https://scikit-learn.org/stable",
    "skorch": "https://skorch.readthedocs.io/en/stable",
    "torch": "https://docs.pytorch.org/docs/stable",
    "matplotlib": "https://matplotlib.org/stable",
    "scipy": "https://docs.scipy.org/doc/scipy",
}
ONLINE = os.environ.get("SKTORCHSAFE_DOCS_INTERSPHINX", "") == "1"
intersphinx_mapping = {
    name: (url, None if ONLINE else str(HERE / "_inventories" / f"{name}.inv"))
    for name, url in INVENTORIES.items()
    if ONLINE or (HERE / "_inventories" / f"{name}.inv").is_file()
}
intersphinx_timeout = 10

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",  # run every example
    "image_scrapers": ("gallery_figures.report_figures",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "capture_repr": (),
    "reference_url": {"sktorchsafe": None},
    "doc_module": ("sktorchsafe",),
    "backreferences_dir": None,
    "min_reported_time": 1,
    "show_memory": False,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}

# -- References: public aliases, external names -------------------------------

#: First components of names that belong to other projects.
EXTERNAL = set(INVENTORIES) | set(dir(builtins)) | set(sys.stdlib_module_names)
EXTERNAL |= {
    "np",
    "pd",
    "scikit-learn",
    "matplotlib",
    "dask",
    "distributed",
    "joblib",
    "datasketches",
    "pyarrow",
    "polars",
    "feature_engine",
    "skrub",
}

# Our own names that docstrings of public objects refer to must resolve:
# nothing of ours is ignored.
nitpick_ignore = []
nitpick_ignore_regex = []


def _public_alias(target):
    """The documented name of a public object reached by another path."""
    head, _, name = target.rpartition(".")
    if not head.startswith("sktorchsafe") or name not in PUBLIC:
        return None
    try:
        obj = getattr(importlib.import_module(head), name)
    except (ImportError, AttributeError):
        return None
    home, _, _ = PUBLIC[name].rpartition(".")
    if getattr(importlib.import_module(home), name, None) is not obj:
        return None
    return PUBLIC[name] if PUBLIC[name] != target else None


def _is_external(target):
    project, sep, rest = target.partition(":")
    if sep and project in INVENTORIES:  # an explicit "numpy:array_like"
        return True
    return target.lstrip("~.").split(".")[0] in EXTERNAL


def _resolve_elsewhere(app, env, node, contnode):
    """Resolve what the domains and intersphinx could not, or leave it.

    1. A public object written by another path (``sktorchsafe.TargetError``
       for ``sktorchsafe.exceptions.TargetError``, or the module that
       defines it) links to its page.
    2. A reference to another project, when no inventory resolved it, is
       shown as plain text instead of a warning (offline builds).

    Anything else (a name of ours that has no page) stays unresolved and
    fails a nitpicky build.
    """
    target = node.get("reftarget", "")
    if node.get("refdomain") == "py":
        candidates = [target]
        module = node.get("py:module")
        if module and not target.startswith("sktorchsafe"):
            candidates.append(f"{module}.{target}")
        for candidate in candidates:
            public = _public_alias(candidate)
            if public is not None:
                domain = env.get_domain("py")
                resolved = domain.resolve_xref(
                    env,
                    node["refdoc"],
                    app.builder,
                    node["reftype"],
                    public,
                    node,
                    contnode,
                )
                if resolved is not None:
                    return resolved
    if _is_external(target):
        return _as_text(contnode, target)
    return None


def _as_text(contnode, target):
    """The reference's text, without an inventory's name before a colon."""
    project, sep, rest = target.partition(":")
    text = contnode.astext()
    if sep and project in INVENTORIES and text.startswith(f"{project}:"):
        text = text[len(project) + 1 :]
        return type(contnode)(text, text, classes=contnode.get("classes", []))
    return contnode


def _skip_foreign_member(app, what, name, obj, skip, options):
    """Document the members sktorchsafe defines, not those it inherits.

    A class page lists its own methods and those of our private bases (the
    safe nets' ``fit`` lives in one), but not what scikit-learn, skorch or
    torch define: those are documented there (``get_params``,
    ``set_output``, ``Module.to``...).
    """
    if what != "class" or skip:
        return None
    function = getattr(obj, "fget", obj)  # properties
    module = getattr(function, "__module__", None) or ""
    if not module.startswith("sktorchsafe"):
        return True
    return None


#: ``(n_features_in_,)`` in a parameter's type: docutils reads ``name_`` as a
#: link to a target "name". Escaped in the type only, as it renders the same.
TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[,)\]])")
PARAMETER_LINE = re.compile(r"^(\s*[\w*, ]+ : )(.*)$")


def _escape_type_underscores(app, what, name, obj, options, lines):
    for k, line in enumerate(lines):
        match = PARAMETER_LINE.match(line)
        if match:
            head, kind = match.groups()
            lines[k] = head + TRAILING_UNDERSCORE.sub(r"\\_", kind)


def setup(app):
    # Before numpydoc (priority 500) reads the sections.
    app.connect("autodoc-process-docstring", _escape_type_underscores, priority=400)
    app.connect("autodoc-skip-member", _skip_foreign_member)
    # After intersphinx (priority 500), so that an inventory wins.
    app.connect("missing-reference", _resolve_elsewhere, priority=900)
