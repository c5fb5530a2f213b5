"""The project's promises: samples current, light import, no pyplot, README/docs/CI contract."""

import re
import subprocess
import sys

from conftest import REPO, SAMPLES


def test_samples_are_current(tmp_path):
    """sample_histories/ is exactly what `make samples` writes (one check for every sample family)."""
    from histplot.readers import load

    subprocess.run(
        [sys.executable, str(REPO / "scripts/make_samples.py"), str(tmp_path)], check=True, capture_output=True
    )

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
    code = (
        "import sys, histplot, histplot.cli; "
        "from click.testing import CliRunner; "
        "r = CliRunner().invoke(histplot.cli.cli, ['--help']); assert r.exit_code == 0; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_no_pyplot_and_no_print_in_the_library():
    for path in (REPO / "histplot").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"import matplotlib\.pyplot|from matplotlib import pyplot|\bplt\.", text), path
        if path.relative_to(REPO / "histplot").parts[0] != "cli":  # only the command line prints
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
    r = subprocess.run(
        [sys.executable, str(REPO / "scripts/cli_reference.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr


# -- the docs: short README, links that resolve, snippets that work -------------------------------

DOCS = [REPO / "README.md", REPO / "benchmarks/README.md", *sorted((REPO / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(path):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    heads = re.findall(r"^#+\s+(.*)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


def test_readme_is_short_and_links_every_doc():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    linked = {m.split("#")[0] for m in _LINK.findall(text)}
    for page in [*(REPO / "docs").glob("*.md"), REPO / "benchmarks/README.md"]:
        assert str(page.relative_to(REPO)) in linked, f"README does not link {page.relative_to(REPO)}"


def test_links_between_docs_resolve():
    broken = []
    for doc in DOCS:
        for target in _LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            dest = (doc.parent / file).resolve() if file else doc
            if not dest.exists():
                broken.append(f"{doc.relative_to(REPO)}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{doc.relative_to(REPO)}: {target} (no such heading)")
    assert not broken, broken


def test_install_commands_in_the_docs_work_without_pypi():
    """histplot is not on PyPI: every install line installs this checkout or a git URL."""
    lines = [
        (doc, ln)
        for doc in DOCS
        for ln in doc.read_text(encoding="utf-8").splitlines()
        if re.search(r"pip install ", ln)
    ]
    assert any("git+https://" in ln for _, ln in lines)
    for doc, ln in lines:
        for spec in re.findall(r"pip install (\"[^\"]+\"|'[^']+'|\S+)", ln):
            spec = spec.strip("\"'`")
            assert spec.startswith(".") or "@ git+https://" in spec, f"{doc.relative_to(REPO)}: {ln.strip()}"


def test_every_histplot_yaml_snippet_in_the_docs_is_accepted(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from histplot.cli import cli

    monkeypatch.chdir(tmp_path)
    blocks = [
        b
        for doc in DOCS
        for b in re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
        if re.match(r"(aliases|derive|diagnose|plot):", b)
    ]
    assert len(blocks) >= 4
    sample = str(SAMPLES / "imbalanced_binary.json")
    for i, block in enumerate(blocks):
        # The same block with a typo appended (a later `plot:` wins in YAML) must fail: proof it was read.
        for text, expected in ((block, {0, 1}), (block + "plot:\n  smoth: 1\n", {2})):
            config = tmp_path / f"histplot{i}.yaml"
            config.write_text(text)
            for command in ("info", "diagnose"):
                r = CliRunner().invoke(cli, [command, "--config", str(config), sample])
                assert r.exit_code in expected, (block, command, r.output)
