"""The project's promises: samples current, light import, no pyplot, README/docs/CI contract."""

import re
import subprocess
import sys

from conftest import REPO, SAMPLES


def test_samples_are_current(tmp_path):
    """sample_histories/ is exactly what `make samples` writes (one check for every sample family)."""
    from histplot.readers import load

    subprocess.run([sys.executable, str(REPO / "scripts/make_samples.py"), str(tmp_path)], check=True,
                   capture_output=True)

    def tree(root):
        return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}

    made, committed = tree(tmp_path), tree(SAMPLES)
    assert made.keys() == committed.keys(), "run `make samples`"
    stale = []
    for name, path in made.items():
        if name.endswith(".db"):  # SQLite pages may differ by library version: compare what it holds
            same = load(path).frame.equals(load(committed[name]).frame)
        else:
            same = path.read_bytes() == committed[name].read_bytes()
        if not same:
            stale.append(name)
    assert not stale, f"run `make samples`: {stale} differ"


def test_import_and_help_need_neither_pandas_nor_matplotlib():
    code = ("import sys, histplot, histplot.cli; "
            "from click.testing import CliRunner; "
            "r = CliRunner().invoke(histplot.cli.cli, ['--help']); assert r.exit_code == 0; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_no_pyplot_and_no_print_in_the_library():
    for path in (REPO / "histplot").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"import matplotlib\.pyplot|from matplotlib import pyplot|\bplt\.", text), path
        if path.name != "cli.py":
            assert not re.search(r"^\s*print\(", text, re.M), path
            assert "import click" not in text, path


def test_readme_starts_with_the_two_setup_commands():
    text = (REPO / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip()]
    assert commands == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command_with_the_corpus():
    ci = (REPO / ".ci/run").read_text()
    assert "make test" in ci and "HISTPLOT_CORPUS" in ci


def test_docs_cli_reference_is_current():
    """docs/cli.md is exactly what `make docs` writes from --help."""
    r = subprocess.run([sys.executable, str(REPO / "scripts/cli_reference.py"), "--check"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
