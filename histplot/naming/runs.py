"""A run's own name, from where its writer put the file (FRAMEWORK_NAMES.md): figure titles and report
file names use it rather than ``metrics`` or a run-id hash.

Writers give their files fixed names and name the run by the folder: TensorBoard's event files sit in
the run folder (Keras adds ``train``/``validation`` below it), Lightning writes
``<experiment>/version_N/metrics.csv``, the Hugging Face Trainer ``<output_dir>/trainer_state.json`` (or
``<output_dir>/checkpoint-N/``), Ultralytics ``runs/<task>/<name>/results.csv``, mmengine
``<work_dir>/<timestamp>/vis_data/scalars.json``; an MLflow run folder is a run id whose name is in
``tags/mlflow.runName`` or ``meta.yaml``. A file with a name of its own is named by it (None here).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# File names writers use for every run: the folder names the run.
GENERIC_FILES = {
    "metrics.csv",
    "metrics.json",
    "results.csv",
    "results.txt",
    "trainer_state.json",
    "scalars.json",
    "log.txt",
    "history.json",
    "training.log",
    "training_log.csv",
}
_SPLIT_FOLDERS = {"train", "training", "validation", "val", "eval", "test"}  # Keras TensorBoard subfolders
_INNER_FOLDERS = {"vis_data", "metrics"}  # mmengine's vis_data, an MLflow run's metrics/
_VERSION = re.compile(r"^version_\d+$")
_CHECKPOINT = re.compile(r"^checkpoint-\d+$")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_TAG = 4096


def run_name(source: str | None) -> str | None:
    """The run's name from the path of its file or folder, or None when the path says nothing more
    than the file's own name."""
    if not source or source == "-":
        return None
    # the same run whether its path was given relative or absolute (URLs are left as they are)
    p = Path(source if "://" in source else os.path.abspath(source))
    mlflow = _mlflow_name(p)
    if mlflow:
        return mlflow
    events = p.name.startswith("events.out.tfevents")
    if p.name not in GENERIC_FILES and not events:
        return None
    folder = p.parent
    # Keras' TensorBoard callback writes <run>/train and <run>/validation; elsewhere "train" is a run's
    # name (Ultralytics runs/detect/train)
    while folder.name in _INNER_FOLDERS or (events and folder.name.lower() in _SPLIT_FOLDERS):
        if not folder.parent.name:
            break
        folder = folder.parent
    name = folder.name
    if not name:
        return None
    if _VERSION.match(name) and folder.parent.name:
        return f"{folder.parent.name}/{name}"  # Lightning: the experiment and its version
    if _CHECKPOINT.match(name) and folder.parent.name:
        return f"{folder.parent.name}/{name}"  # the Trainer's output folder and its checkpoint
    return name


def _mlflow_name(p: Path) -> str | None:
    """``runName`` of the MLflow run folder ``p`` is (or holds ``p``), read from its small tag files."""
    for folder in (p, p.parent, p.parent.parent):
        if not _RUN_ID.match(folder.name) or not (folder / "metrics").is_dir():
            continue
        tag = _small(folder / "tags" / "mlflow.runName")
        if tag:
            return tag.strip() or None
        m = re.search(r"^run_name:\s*['\"]?(.+?)['\"]?\s*$", _small(folder / "meta.yaml") or "", re.M)
        return m.group(1) if m else None
    return None


def _small(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(MAX_TAG)
    except OSError:
        return None


def run_name_of(meta: dict) -> str | None:
    """The run's name from what a reader recorded: ``run_name``, the source's path, else the Hugging Face
    Trainer's ``best_model_checkpoint`` (``<output_dir>/checkpoint-N``: the output folder names the run)."""
    given = meta.get("run_name")
    if isinstance(given, str) and given.strip():
        return given.strip()
    from_path = run_name(meta.get("source"))
    if from_path:
        return from_path
    best = (meta.get("trainer_state") or {}).get("best_model_checkpoint")
    if isinstance(best, str) and best.strip():
        parts = [p for p in re.split(r"[\\/]", best.strip()) if p]
        if len(parts) >= 2 and _CHECKPOINT.match(parts[-1]):
            return parts[-2]
    return None
