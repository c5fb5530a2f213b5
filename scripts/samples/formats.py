"""One sample per framework format (issue 5), each in the exact layout its framework writes.

The runs share one shape: 6 epochs of 40 steps, training logged every 10 steps, validation at each
epoch's end; values rounded so that the files read the same everywhere.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from ._curves import decay, noisy, r6
from ._torchfile import Tensor, save_zip

EPOCHS, STEPS_PER_EPOCH, LOG_EVERY = 6, 40, 10


def _run(seed: int):
    """Per-step train loss (every LOG_EVERY steps), per-epoch val loss/accuracy and LR."""
    rng = np.random.default_rng(seed)
    steps = np.arange(LOG_EVERY, EPOCHS * STEPS_PER_EPOCH + 1, LOG_EVERY)
    train = r6(noisy(1.1 * np.exp(-steps / 90) + 0.25, rng, 0.06))
    val = r6(noisy(decay(EPOCHS, 1.0, 0.34, 0.45), rng, 0.02))
    acc = r6(1 - noisy(decay(EPOCHS, 0.6, 0.12, 0.5), rng, 0.02))
    lr = [1e-3 * 0.5 ** (e // 2) for e in range(EPOCHS)]
    return steps, train, val, acc, lr


def lightning_csv(path: Path) -> None:
    """CSVLogger metrics.csv (new alphabetical header): lr-Adam rows without an epoch, train_loss
    forked into _step/_epoch, a validation row per epoch at the epoch's last step."""
    steps, train, val, acc, lr = _run(101)
    header = ["epoch", "lr-Adam", "step", "train_loss_epoch", "train_loss_step", "val_acc", "val_loss"]
    rows = []
    for e in range(EPOCHS):
        first = e * STEPS_PER_EPOCH
        rows.append({"lr-Adam": lr[e], "step": first})
        in_epoch = [i for i, s in enumerate(steps) if first < s <= first + STEPS_PER_EPOCH]
        for i in in_epoch:
            rows.append({"epoch": e, "step": steps[i] - 1, "train_loss_step": train[i]})
        last = first + STEPS_PER_EPOCH - 1
        rows.append({"epoch": e, "step": last, "val_acc": acc[e], "val_loss": val[e]})
        rows.append({"epoch": e, "step": last, "train_loss_epoch": r6([np.mean([train[i] for i in in_epoch])])[0]})
    lines = [",".join(header)] + [",".join(_cell(r.get(h)) for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cell(v) -> str:
    return "" if v is None else (str(int(v)) if isinstance(v, (int, np.integer)) else repr(float(v)))


def hf_trainer_state(path: Path) -> None:
    """trainer_state.json: loss/grad_norm/learning_rate every 10 steps with fractional epochs, an
    eval entry at each epoch end (epoch N.0), and the final train_runtime summary."""
    steps, train, val, acc, lr = _run(202)
    rng = np.random.default_rng(203)
    log = []
    for i, s in enumerate(steps):
        e = s / STEPS_PER_EPOCH
        log.append(
            {
                "epoch": e,
                "grad_norm": r6([abs(rng.normal(2.0, 0.5))])[0],
                "learning_rate": lr[min(int((s - 1) // STEPS_PER_EPOCH), EPOCHS - 1)],
                "loss": train[i],
                "step": int(s),
            }
        )
        if s % STEPS_PER_EPOCH == 0:
            k = int(s // STEPS_PER_EPOCH) - 1
            log.append(
                {
                    "epoch": float(k + 1),
                    "eval_accuracy": acc[k],
                    "eval_loss": val[k],
                    "eval_runtime": 1.5,
                    "eval_samples_per_second": 120.0,
                    "eval_steps_per_second": 15.0,
                    "step": int(s),
                }
            )
    total = EPOCHS * STEPS_PER_EPOCH
    log.append(
        {
            "epoch": float(EPOCHS),
            "step": total,
            "total_flos": 1.0e14,
            "train_loss": r6([np.mean(train)])[0],
            "train_runtime": 300.0,
            "train_samples_per_second": 64.0,
            "train_steps_per_second": 0.8,
        }
    )
    best = int(np.argmin(val))
    state = {
        "best_global_step": (best + 1) * STEPS_PER_EPOCH,
        "best_metric": val[best],
        "best_model_checkpoint": f"out/checkpoint-{(best + 1) * STEPS_PER_EPOCH}",
        "epoch": float(EPOCHS),
        "eval_steps": 500,
        "global_step": total,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": log,
        "logging_steps": LOG_EVERY,
        "max_steps": total,
        "num_input_tokens_seen": 0,
        "num_train_epochs": EPOCHS,
        "save_steps": 500,
        "stateful_callbacks": {},
        "total_flos": 1.0e14,
        "train_batch_size": 8,
        "trial_name": None,
        "trial_params": None,
    }
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def torch_save(path: Path) -> None:
    """torch.save({'train_loss': [tensor(x), ...], 'val_loss': tensor([...]), 'val_acc': [...]})."""
    _, _, val, acc, _ = _run(303)
    train = r6(decay(EPOCHS, 0.95, 0.2, 0.5))
    save_zip({"train_loss": [Tensor(v) for v in train], "val_loss": Tensor(val), "val_acc": acc}, path)


def _mlflow_metrics(seed: int) -> dict[str, list[tuple[int, float, int]]]:
    """MLflow metrics by epoch step, (timestamp ms, value, step), a '/' key and a one-off summary."""
    _, _, val, acc, lr = _run(seed)
    train = r6(decay(EPOCHS, 1.0, 0.22, 0.5))
    t0 = 1_700_000_000_000
    out = {"train/loss": train, "val/loss": val, "val/accuracy": acc, "learning_rate": lr}
    rows = {k: [(t0 + 60_000 * e, float(v), e) for e, v in enumerate(vals)] for k, vals in out.items()}
    rows["test_accuracy"] = [(t0 + 60_000 * EPOCHS, 0.87, EPOCHS)]
    return rows


RUN_ID = "5a6b7c8d9e0f41a2b3c4d5e6f7a8b9c0"


def mlruns(path: Path) -> None:
    """A file store with one run: metrics/<key> lines 'timestamp value step', params, tags."""
    run = path / "0" / RUN_ID
    (path / "0").mkdir(parents=True, exist_ok=True)
    (path / "0" / "meta.yaml").write_text(
        "artifact_location: mlruns/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n", encoding="utf-8"
    )
    for key, rows in _mlflow_metrics(404).items():
        f = run / "metrics" / key
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("".join(f"{t} {v} {s}\n" for t, v, s in rows), encoding="utf-8")
    for sub, items in (("params", {"lr": "0.001", "batch_size": "32"}), ("tags", {"mlflow.runName": "resnet-sample"})):
        (run / sub).mkdir(parents=True, exist_ok=True)
        for k, v in items.items():
            (run / sub / k).write_text(v, encoding="utf-8")
    (run / "meta.yaml").write_text(
        f"experiment_id: '0'\nrun_id: {RUN_ID}\nrun_name: resnet-sample\nlifecycle_stage: active\nstatus: 3\n",
        encoding="utf-8",
    )


def mlflow_db(path: Path) -> None:
    """The SQLite store's tables as MLflow creates them (the columns histplot reads, same types)."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256) NOT NULL UNIQUE,
            artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT,
            last_update_time BIGINT);
        CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20),
            source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9),
            start_time BIGINT, end_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20),
            artifact_uri VARCHAR(200), experiment_id INTEGER, deleted_time BIGINT);
        CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL,
            run_uuid VARCHAR(32) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL,
            PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan));
        CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL,
            run_uuid VARCHAR(32) NOT NULL, PRIMARY KEY (key, run_uuid));
        CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL,
            PRIMARY KEY (key, run_uuid));
    """)
    con.execute("INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 0, 0)")
    con.execute(
        "INSERT INTO runs (run_uuid, name, status, start_time, lifecycle_stage, experiment_id) "
        "VALUES (?, 'vit-sample', 'FINISHED', 1700000000000, 'active', 0)",
        (RUN_ID,),
    )
    for key, rows in _mlflow_metrics(505).items():
        con.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?,?,?,?,?,0)",
            [(key, v, t, RUN_ID, s) for t, v, s in rows],
        )
    con.executemany("INSERT INTO params VALUES (?, ?, ?)", [("lr", "0.001", RUN_ID), ("epochs", "6", RUN_ID)])
    con.execute("INSERT INTO tags VALUES ('mlflow.runName', 'vit-sample', ?)", (RUN_ID,))
    con.commit()
    con.execute("VACUUM")
    con.close()


def jsonl(path: Path) -> None:
    """A timm/DeiT-style log.txt: one JSON object per epoch (0-based), train_* and test_* keys."""
    _, _, val, acc, lr = _run(606)
    train = r6(decay(EPOCHS, 1.2, 0.3, 0.5))
    lines = [
        json.dumps(
            {
                "train_lr": lr[e],
                "train_loss": train[e],
                "test_loss": val[e],
                "test_acc1": acc[e],
                "epoch": e,
                "n_parameters": 5536768,
            }
        )
        for e in range(EPOCHS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def yaml_history(path: Path) -> None:
    """A YAML mapping of per-epoch lists (block style, as yaml.safe_dump writes it)."""
    import yaml

    _, _, val, acc, _ = _run(707)
    train = r6(decay(EPOCHS, 0.9, 0.25, 0.5))
    path.write_text(
        yaml.safe_dump({"loss": train, "val_loss": val, "val_accuracy": acc}, sort_keys=False), encoding="utf-8"
    )


SAMPLES = {
    "lightning_metrics.csv": lightning_csv,
    "hf_trainer_state.json": hf_trainer_state,
    "torch_history.pt": torch_save,
    "mlruns": mlruns,
    "mlflow.db": mlflow_db,
    "timm_log.txt": jsonl,
    "history.yaml": yaml_history,
}
