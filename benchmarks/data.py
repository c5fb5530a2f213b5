"""The benchmark's inputs, made at run time in a temporary folder (nothing here is committed data).

Curves are believable rather than random: losses decay toward a floor with multiplicative noise
(so they stay positive, as real losses do), accuracies rise toward a ceiling.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

LARGE_EPOCHS = 400
LARGE_STEPS_PER_EPOCH = 5000  # 400 x 5000 = 2,000,000 step rows


def _curve(rng: np.random.Generator, n: int, start: float, floor: float, noise: float) -> np.ndarray:
    t = np.arange(n)
    rate = rng.uniform(2.0, 6.0) / n
    return (floor + (start - floor) * np.exp(-rate * t)) * np.exp(rng.normal(0.0, noise, n))


def _epochs(rng: np.random.Generator, n: int) -> dict[str, list[float]]:
    """A Keras ``history.history``: loss, accuracy and their validation series, 6 significant digits."""
    loss = _curve(rng, n, 2.3, 0.2, 0.03)
    val_loss = _curve(rng, n, 2.4, 0.35, 0.04)
    acc = 1 - _curve(rng, n, 0.9, 0.05, 0.02)
    val_acc = 1 - _curve(rng, n, 0.9, 0.12, 0.03)
    cols = {"loss": loss, "accuracy": acc, "val_loss": val_loss, "val_accuracy": val_acc}
    return {k: [float(f"{x:.6g}") for x in v] for k, v in cols.items()}


def small(folder: Path, epochs: int = 150) -> Path:
    """A Keras history JSON, as ``json.dump(model.fit(...).history, f)`` writes it."""
    path = folder / "history.json"
    path.write_text(json.dumps(_epochs(np.random.default_rng(150), epochs)), encoding="utf-8")
    return path


def large(folder: Path) -> Path:
    """A Lightning CSVLogger ``metrics.csv`` logged every step: one row per step with
    ``train_loss_step``, and one row per epoch at its last step with the epoch-level values."""
    rng = np.random.default_rng(2_000_000)
    per, epochs = LARGE_STEPS_PER_EPOCH, LARGE_EPOCHS
    n = per * epochs
    step = np.arange(n)
    loss = (2.0 * np.exp(-step / (n / 5)) + 0.1) * np.exp(rng.normal(0.0, 0.15, n))
    e = np.arange(epochs)
    val_loss = 1.0 * np.exp(-e / 80) + 0.2 + 0.01 * rng.standard_normal(epochs)
    val_acc = 0.5 + 0.4 * (1 - np.exp(-e / 50))
    path = folder / "lightning_logs" / "version_0" / "metrics.csv"
    path.parent.mkdir(parents=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("epoch,step,train_loss_epoch,train_loss_step,val_acc,val_loss\n")
        for k in range(epochs):
            block = slice(k * per, (k + 1) * per)
            fh.write("".join(f"{k},{s},,{v:.6g},,\n" for s, v in zip(step[block].tolist(), loss[block].tolist())))
            fh.write(f"{k},{(k + 1) * per - 1},{loss[block].mean():.6g},,{val_acc[k]:.6g},{val_loss[k]:.6g}\n")
    return path


# -- many runs in mixed formats ---------------------------------------------------------------------


def _keras_json(path: Path, h: dict) -> Path:
    out = path.with_suffix(".json")
    out.write_text(json.dumps(h), encoding="utf-8")
    return out


def _csvlogger(path: Path, h: dict) -> Path:
    names = list(h)
    rows = [",".join(["epoch", *names])]
    rows += [",".join([str(i), *(repr(h[c][i]) for c in names)]) for i in range(len(h["loss"]))]
    out = path.parent / (path.name + "_training.log")
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out


def _pickle(path: Path, h: dict) -> Path:
    out = path.with_suffix(".pkl")
    out.write_bytes(pickle.dumps({k: np.asarray(v) for k, v in h.items()}))
    return out


def _jsonl(path: Path, h: dict) -> Path:
    lines = [json.dumps({"epoch": i + 1, **{k: v[i] for k, v in h.items()}}) for i in range(len(h["loss"]))]
    out = path.with_suffix(".jsonl")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _yaml(path: Path, h: dict) -> Path:
    text = "".join(f"{k}:\n" + "".join(f"- {x!r}\n" for x in v) for k, v in h.items())
    out = path.with_suffix(".yaml")
    out.write_text(text, encoding="utf-8")
    return out


def _lightning(path: Path, h: dict) -> Path:
    folder = path / "version_0"
    folder.mkdir(parents=True)
    rows = ["epoch,step,train_loss,val_acc,val_loss"]
    for i in range(len(h["loss"])):
        step = (i + 1) * 50 - 1
        rows.append(f"{i},{step},{h['loss'][i]!r},,")
        rows.append(f"{i},{step},,{h['val_accuracy'][i]!r},{h['val_loss'][i]!r}")
    out = folder / "metrics.csv"
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out


def _trainer_state(path: Path, h: dict) -> Path:
    log = []
    for i in range(len(h["loss"])):
        step = (i + 1) * 50
        log.append({"epoch": float(i + 1), "loss": h["loss"][i], "learning_rate": 1e-4, "step": step})
        log.append(
            {"epoch": float(i + 1), "eval_loss": h["val_loss"][i], "eval_accuracy": h["val_accuracy"][i], "step": step}
        )
    path.mkdir()
    state = {"epoch": float(len(h["loss"])), "global_step": len(h["loss"]) * 50, "log_history": log}
    out = path / "trainer_state.json"
    out.write_text(json.dumps(state, indent=2), encoding="utf-8")
    return out


WRITERS = (_keras_json, _csvlogger, _pickle, _jsonl, _yaml, _lightning, _trainer_state)


def many(folder: Path, runs: int = 500, epochs: int = 100) -> list[Path]:
    """``runs`` runs cycling through seven formats; returns the path ``histplot plot`` takes for each."""
    rng = np.random.default_rng(500)
    root = folder / "sweep"
    root.mkdir()
    return [WRITERS[i % len(WRITERS)](root / f"run{i:03d}", _epochs(rng, epochs)) for i in range(runs)]


WIDE_COLUMNS = 10_000


def wide(folder: Path, columns: int = WIDE_COLUMNS, epochs: int = 20) -> dict[str, Path]:
    """The same 10,000 series as a Keras JSON (keys), a CSV (columns) and an MLflow run (one metric
    file each): reading them must stay linear in the number of series."""
    rng = np.random.default_rng(10_000)
    values = np.round(rng.uniform(0, 1, (columns, epochs)), 6)
    names = [f"m{i:05d}" for i in range(columns)]
    out = {"json": folder / "wide.json", "csv": folder / "wide.csv", "mlflow": folder / "wide_mlruns" / "0" / "run1"}
    out["json"].write_text(json.dumps({n: v.tolist() for n, v in zip(names, values)}), encoding="utf-8")
    header = "epoch," + ",".join(names)
    rows = [f"{e}," + ",".join(f"{x:g}" for x in values[:, e]) for e in range(epochs)]
    out["csv"].write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    metrics = out["mlflow"] / "metrics"
    metrics.mkdir(parents=True)
    for n, v in zip(names, values):
        (metrics / n).write_text("".join(f"{1700000000000 + e} {x:g} {e}\n" for e, x in enumerate(v)))
    return out
