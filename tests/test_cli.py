"""The command line: ``diagnose`` exit status and outputs, ``demo``, usage errors."""

import importlib.util
import io
import re
import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sktorchsafe.face.cli import main, read_table
from sktorchsafe.face.demo import run_demo

matplotlib.use("Agg")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HAS_PARQUET = any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet"))


def run(*argv):
    """``(status, stdout, stderr)`` of ``main(argv)``."""
    out = io.StringIO()
    err = io.StringIO()
    stderr, sys.stderr = sys.stderr, err
    try:
        status = main(list(map(str, argv)), out=out)
    finally:
        sys.stderr = stderr
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def clean_csv(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": np.arange(500),
            "a": rng.normal(size=500),
            "b": rng.normal(3, 2, size=500),
            "price": rng.normal(size=500),
        }
    )
    path = tmp_path / "clean.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def messy_csv(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.normal(size=500).round(4).astype(object)
    a[::25] = "?"
    frame = pd.DataFrame(
        {
            "a": a,
            "b": rng.normal(size=500),
            "big": rng.normal(size=500) * 1e7,
            "kind": rng.choice(["x", "y"], size=500),
            "price": rng.normal(size=500),
        }
    )
    frame.loc[3, "b"] = np.nan
    frame.loc[4, "price"] = np.inf
    path = tmp_path / "messy.csv"
    frame.to_csv(path, index=False)
    return path


# ---------------------------------------------------------------- diagnose


def test_clean_file_exits_0(clean_csv):
    status, out, err = run("diagnose", clean_csv, "--target", "price", "--drop", "id")
    assert status == 0, out + err
    assert "sktorchsafe diagnosis: 500 rows x 2 features" in out
    assert ": OK" in " ".join(out.split()) and err == ""


def test_messy_file_exits_1_and_names_findings(messy_csv):
    status, out, _ = run("diagnose", messy_csv, "--target", "price")
    assert status == 1
    for kind in ("mixed_types", "non_numeric", "nan", "scale_disparity"):
        assert kind in out
    assert "target_nonfinite" in out and "'?' x20" in out


def test_na_values_and_drop(messy_csv):
    status, out, _ = run(
        "diagnose",
        messy_csv,
        "--target",
        "price",
        "--na-values",
        "?",
        "--drop",
        "kind,big",
    )
    assert status == 1  # the +inf target and NaN remain
    assert "mixed_types" not in out and "non_numeric" not in out
    assert "scale_disparity" not in out
    assert "500 rows x 2 features" in out


def test_html_and_png_outputs(messy_csv, tmp_path):
    html, png = tmp_path / "report.html", tmp_path / "report.png"
    status, out, _ = run(
        "diagnose", messy_csv, "--target", "price", "--html", html, "--png", png
    )
    assert status == 1
    text = html.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>") and "NOT OK" in text
    assert "scale_disparity" in text
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    assert f"wrote {html}" in out and f"wrote {png}" in out


def test_fail_on_warning(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=300), "same": 1.0})
    path = tmp_path / "warn.csv"
    frame.to_csv(path, index=False)
    assert run("diagnose", path)[0] == 0
    status, out, _ = run("diagnose", path, "--fail-on", "warning")
    assert status == 1 and "constant" in out


def test_without_target_and_tsv(tmp_path):
    path = tmp_path / "data.tsv"
    pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [1.0, 2.0, 4.0]}).to_csv(
        path, sep="\t", index=False
    )
    status, out, _ = run("diagnose", path)
    assert status == 1 and "3 rows x 2 features" in out and "target" not in out


def test_compressed_csv(clean_csv, tmp_path):
    path = tmp_path / "clean.csv.gz"
    pd.read_csv(clean_csv).to_csv(path, index=False)
    assert run("diagnose", path, "--target", "price", "--drop", "id")[0] == 0


@pytest.mark.skipif(not HAS_PARQUET, reason="no parquet engine installed")
def test_parquet_round_trip(clean_csv, tmp_path):
    path = tmp_path / "clean.parquet"
    pd.read_csv(clean_csv).to_parquet(path)
    assert run("diagnose", path, "--target", "price", "--drop", "id")[0] == 0


def test_parquet_without_engine_names_the_extra(tmp_path, monkeypatch):
    def no_engine(*args, **kwargs):
        raise ImportError("Unable to find a usable engine; tried 'pyarrow'.")

    monkeypatch.setattr(pd, "read_parquet", no_engine)
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1")
    status, out, err = run("diagnose", path)
    assert status == 2 and out == ""
    assert "pyarrow" in err and "sktorchsafe[parquet]" in err


# ------------------------------------------------------------ usage errors


@pytest.mark.parametrize(
    "argv, message",
    [
        (["diagnose", "missing.csv"], "no such file"),
        (["diagnose", "{tmp}/data.xlsx"], "unknown file type"),
        (["diagnose", "{csv}", "--target", "prise"], "Did you mean 'price'"),
        (["diagnose", "{csv}", "--drop", "nope"], "--drop 'nope' is not a column"),
        (["diagnose", "{tmp}/broken.csv"], "cannot be read"),
        (["diagnose"], "the following arguments are required"),
        (["diagnose", "{csv}", "--task", "ranking"], "invalid choice"),
        (["demo", "--epochs", "0"], "must be at least 1"),
        (["frobnicate"], "invalid choice"),
        ([], "the following arguments are required"),
    ],
)
def test_usage_errors_exit_2(argv, message, clean_csv, tmp_path, capsys):
    (tmp_path / "data.xlsx").write_bytes(b"not a table")
    (tmp_path / "broken.csv").write_bytes(b"\xff\xfe\x00garbage\x00\xff")
    argv = [a.format(tmp=tmp_path, csv=clean_csv) for a in argv]
    status, out, err = run(*argv)
    err += capsys.readouterr().err  # argparse writes to the real stderr
    assert status == 2
    assert message in err
    assert out == ""


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "diagnose" in capsys.readouterr().out


def test_read_table_rejects_directories(tmp_path):
    from sktorchsafe.face.cli import UsageError

    with pytest.raises(UsageError, match="is a directory"):
        read_table(tmp_path)


def test_module_entry_point_runs(clean_csv):
    """``python -m sktorchsafe`` (the console script calls the same main)."""
    result = subprocess.run(
        [sys.executable, "-m", "sktorchsafe", "diagnose", str(clean_csv)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "sktorchsafe diagnosis" in result.stdout


def test_console_script_target_is_main():
    import sktorchsafe.__main__ as entry

    assert entry.main is main


# -------------------------------------------------------------------- demo


def test_demo_shows_the_contrast(tmp_path):
    out = io.StringIO()
    results = run_demo(epochs=3, png=tmp_path / "figures", out=out)
    text = out.getvalue()
    plain, safe = results["plain skorch"], results["make_safe_pipeline"]
    assert np.isnan(plain["train_loss"]).all()
    assert np.isfinite(safe["train_loss"]).all() and np.isfinite(safe["test_r2"])
    assert plain["n_nonfinite"] > 0 and safe["n_nonfinite"] == 0
    assert "sktorchsafe diagnosis" in text and "nan" in text
    assert text.count("epoch    train_loss") == 1  # the safe net's progress
    assert re.search(r"epochs 1\.\.\d+: train loss nan, nan", text)  # plain, in brief
    assert "\x1b[" not in text  # no colour codes in a file
    assert "test R²" in text
    # The whole table, categories and dates included, reaches the net.
    assert "species" in text and "date_egg" in text
    assert np.isfinite(results["measurements only"]["test_r2"])
    assert "measurements alone reaches test R²" in text
    for name in ("diagnosis.png", "losses.png"):
        data = (tmp_path / "figures" / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def test_demo_command(capsys):
    status, out, _ = run("demo", "--epochs", "2")
    assert status == 0
    assert "side by side" in out


def test_read_table_guesses_what_spreadsheets_leave_open(tmp_path):
    frame = pd.DataFrame({"größe": [1.5, -2.25, 3.0], "n": [1, 2, 3]})
    expected = frame.copy()
    semicolons = tmp_path / "semicolons.csv"
    frame.to_csv(semicolons, sep=";", decimal=",", index=False, encoding="cp1252")
    pd.testing.assert_frame_equal(read_table(semicolons), expected)
    tabs = tmp_path / "tabs.csv"
    frame.to_csv(tabs, sep="\t", index=False)
    pd.testing.assert_frame_equal(read_table(tabs), expected)
    # Given explicitly, the separator is taken as it is.
    assert list(read_table(semicolons, sep=",").columns) == ["größe;n"]


def test_cli_paths_that_cannot_work_are_usage_errors(tmp_path, capsys):
    csv = tmp_path / "data.csv"
    csv.write_text("a,b,t\n1,2,3\n2,3,4\n3,5,5\n")
    assert main(["diagnose", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    missing = tmp_path / "no" / "such" / "x.html"
    assert main(["diagnose", str(csv), "--html", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not missing.parent.exists()


def test_cli_png_without_matplotlib_still_diagnoses(tmp_path, capsys, monkeypatch):
    import importlib.util

    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n2,3\n3,5\n")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else find_spec(name, *a),
    )
    status = main(["diagnose", str(csv), "--png", str(tmp_path / "x.png")])
    captured = capsys.readouterr()
    assert status in (0, 1) and "sktorchsafe diagnosis" in captured.out
    assert "needs matplotlib" in captured.err and not (tmp_path / "x.png").exists()


def test_cli_stops_quietly_when_the_reader_goes_away(tmp_path):
    import subprocess
    import sys

    csv = tmp_path / "data.csv"
    rows = "\n".join(f"{i},{i * 2},{i % 3}" for i in range(2000))
    csv.write_text("a,b,t\n" + rows + "\n")
    command = f"{sys.executable} -m sktorchsafe diagnose {csv} --target t | head -1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True
    )
    assert done.stdout.startswith("sktorchsafe diagnosis")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    # 141 when the report was still being written as head left, else the
    # verdict (the report may fit in the pipe's buffer before head exits).
    assert done.returncode in (0, 141)


class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_cli_exit_status_when_the_reader_goes_away(tmp_path, capsys):
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n2,3\n3,5\n")
    assert main(["diagnose", str(csv)], out=_ClosedPipe()) == 141
    assert capsys.readouterr().err == ""


def test_cli_writes_json_and_markdown(tmp_path):
    from sktorchsafe.face.cli import main

    csv = tmp_path / "data.csv"
    csv.write_text("a,b,t\n" + "\n".join(f"{i},{i % 7},{i % 2}" for i in range(50)))
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    status = main(
        [
            "diagnose",
            str(csv),
            "--target",
            "t",
            "--json",
            str(out_json),
            "--markdown",
            str(out_md),
        ],
        out=open(tmp_path / "stdout.txt", "w"),
    )
    assert status in (0, 1)
    assert (
        out_json.read_text().startswith("{")
        and "sktorchsafe diagnosis" in out_md.read_text()
    )


def test_cli_empty_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    status, out, err = run("diagnose", empty)
    assert status == 2 and "cannot be read: it is empty" in err and out == ""
    assert "Traceback" not in err
    header = tmp_path / "header.csv"
    header.write_text("a,b,t\n")
    for argv in ([header], [header, "--target", "t"]):
        status, out, err = run("diagnose", *argv)
        assert status == 1 and "nothing to train on" in out and err == ""
        assert "NOT OK (1 error)" in out  # no second error about the target


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_cli_progress_only_for_large_files_on_a_terminal(tmp_path, monkeypatch):
    import sktorchsafe.face.cli as cli

    csv = tmp_path / "data.csv"
    csv.write_text("a,b,t\n" + "\n".join(f"{i},{i % 7},{i % 2}" for i in range(50)))
    html = tmp_path / "r.html"
    monkeypatch.setattr(cli, "PROGRESS_BYTES", 0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    status = main(["diagnose", str(csv), "--html", str(html)], out=io.StringIO())
    lines = terminal.getvalue().splitlines()
    assert status in (0, 1)
    assert [line.split(" ")[1] for line in lines if line.endswith("...")] == [
        "reading",
        "diagnosing",
        "writing",
    ]
    assert sum("done in" in line for line in lines) == 3
    assert all("\x1b" not in line for line in lines)  # no colour codes
    # Not a terminal (a file, a pipe): quiet.
    status, out, err = run("diagnose", csv)
    assert err == "" and "reading" not in out
    # A small file on a terminal: quiet too.
    monkeypatch.setattr(cli, "PROGRESS_BYTES", 10**9)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    main(["diagnose", str(csv)], out=io.StringIO())
    assert terminal.getvalue() == ""


def test_cli_html_without_matplotlib_is_written_with_a_note(tmp_path, monkeypatch):
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n2,3\n3,5\n4,nan\n")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else find_spec(name, *a),
    )
    html = tmp_path / "r.html"
    status, out, err = run(
        "diagnose", csv, "--html", html, "--json", tmp_path / "r.json"
    )
    assert status == 1 and f"wrote {html}" in out
    page = html.read_text()
    assert "No figure: matplotlib is not installed" in page and "<img" not in page
    assert "has no figure" in err and (tmp_path / "r.json").exists()
