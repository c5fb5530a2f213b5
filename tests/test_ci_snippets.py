"""docs/ci.md's snippets work as written: every shell command they contain (``sh`` blocks, and the
``run:`` / ``script:`` steps of the YAML pipelines) is run here on the sample histories, with
``histplot`` on PATH meaning this checkout; install steps install from the repository, not PyPI."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, SAMPLES

DOC = REPO / "docs" / "ci.md"


def blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^```(\w+)\n(.*?)^```", text, re.S | re.M)


def commands_of(lang: str, body: str) -> list[str]:
    """The shell commands of one fenced block."""
    if lang == "sh":
        return [line.split(" #")[0].strip() for line in body.splitlines() if line.strip() and not line.startswith("#")]
    if lang != "yaml":
        return []
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "run" and isinstance(value, str):
                    out.extend(v for v in value.splitlines() if v.strip())
                elif key == "script" and isinstance(value, list):
                    out.extend(str(v) for v in value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    # A snippet may be a fragment of a job's steps, indented as in the full file.
    walk(yaml.safe_load(re.sub(r"^ {6}", "", body, flags=re.M) if body.startswith("      -") else body))
    return out


def all_commands() -> list[str]:
    return [c for lang, body in blocks(DOC.read_text(encoding="utf-8")) for c in commands_of(lang, body)]


def test_the_doc_has_snippets_to_run():
    cmds = all_commands()
    assert sum(c.startswith("histplot ") for c in cmds) >= 5
    assert sum(c.startswith("pip install") for c in cmds) >= 3


@pytest.mark.parametrize("cmd", [c for c in all_commands() if c.startswith("pip ")])
def test_install_steps_install_from_the_repository(cmd):
    # histplot is not on PyPI: `pip install histplot` would fail (issue 19).
    assert re.fullmatch(r'pip install (\.(\[\w+\])?|"histplot(\[\w+\])? @ git\+https://[^"]+")', cmd), cmd


@pytest.fixture
def workdir(tmp_path):
    """A CI checkout: runs/, a sweep of metrics.csv files, history.json, and `histplot` on PATH."""
    # a few runs of different formats, the overfitting one among them: what the snippets do with a
    # folder of runs does not depend on how many there are (every sample is reported in test_report)
    (tmp_path / "runs").mkdir()
    for name in ("overfitting_run.json", "keras_classification.json", "lightning_metrics.csv", "timm_log.txt"):
        shutil.copy(SAMPLES / name, tmp_path / "runs" / name)
    for name in ("a", "b"):
        (tmp_path / "sweep" / name).mkdir(parents=True)
        shutil.copy(SAMPLES / "lightning_metrics.csv", tmp_path / "sweep" / name / "metrics.csv")
    shutil.copy(SAMPLES / "overfitting_run.json", tmp_path / "history.json")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "histplot"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m histplot "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return tmp_path


@pytest.mark.parametrize("cmd", [c for c in all_commands() if c.startswith("histplot ")])
def test_histplot_commands_of_the_snippets_run(cmd, workdir):
    summary = workdir / "step_summary.md"
    env = {
        **os.environ,
        "PATH": f"{workdir / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    r = subprocess.run(["bash", "-c", cmd], cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    # exit 1 is the snippet doing its job: a finding named by --fail-on (the overfitting sample)
    assert r.returncode in ((0, 1) if "--fail-on" in cmd else (0,)), r.stderr
    assert "Traceback" not in r.stderr and "Error:" not in r.stderr, r.stderr
    if " report " in f" {cmd} ":
        assert (workdir / "report" / "index.html").is_file() and (workdir / "report" / "summary.json").is_file()
    if "GITHUB_STEP_SUMMARY" in cmd or "--github" in cmd:
        assert re.match(r"#+ histplot (report|diagnose)\n", summary.read_text(encoding="utf-8"))
