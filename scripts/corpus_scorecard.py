"""Score histplot against the corpus ground truth in tests/data/corpus_expected.yaml.

    python scripts/corpus_scorecard.py [--corpus DIR] [--only PATTERN] [--expected FILE] [--verbose]

Only the public API is used (histplot.load, histplot.info, histplot.diagnose), and every field of
their results is read with a default, so the script keeps working while the package's modules move
and the model grows (a field the code does not produce yet counts as "not reported").

Per file it prints OK or the checks that failed; then the totals and the most common kinds of
failure. The exit code is 0 whatever the score: this is a yardstick, not a gate.
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import os
import re
import signal
import sys
import warnings
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_EXPECTED = HERE.parent / "tests" / "data" / "corpus_expected.yaml"
DEFAULT_CORPUS = os.environ.get(
    "HISTPLOT_CORPUS", str(Path(__file__).resolve().parent.parent.parent / "shared" / "corpus")
)
PER_FILE_SECONDS = 120
UNSPLIT = {None, "none", "unsplit", ""}


class Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise Timeout()


def get(obj: Any, key: str, default: Any = None) -> Any:
    """A field of a dict or an attribute of an object, or ``default``."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def allowed(entry: dict, key: str) -> list:
    """The expected value of ``key`` plus the ``<key>_ok`` alternatives."""
    vals = [entry.get(key)] + list(entry.get(f"{key}_ok") or [])
    out = []
    for v in vals:
        out.extend(v if isinstance(v, list) else [v])
    return out


class Observed:
    """What histplot made of one file, through the public API only."""

    def __init__(self, histplot: Any, path: str):
        self.error: BaseException | None = None
        self.history = self.info = self.diagnosis = None
        self.diagnose_error: BaseException | None = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.history = histplot.load(path)
                self.info = histplot.info(self.history)
            except Timeout:
                raise
            except BaseException as exc:  # noqa: BLE001 - a crash is a finding, not a stop
                self.error = exc
                return
            try:
                self.diagnosis = histplot.diagnose(self.history)
            except Timeout:
                raise
            except BaseException as exc:  # noqa: BLE001
                self.diagnose_error = exc
        self.info = self.info or {}
        self.originals = dict(get(self.info, "original_names", {}) or {})  # canonical -> raw
        self.split_of: dict[str, str | None] = {}  # raw name -> observed split
        self.nonfinite_count: dict[str, int] = {}
        for base, splits in (get(self.info, "metrics", {}) or {}).items():
            for split, summ in (splits or {}).items():
                col = get(summ, "column", base)
                raw = self.originals.get(col, col)
                self.split_of[raw] = split
                self.nonfinite_count[raw] = int(get(summ, "non_finite", 0) or 0)
        for col, summ in (get(self.info, "other_series", {}) or {}).items():
            raw = self.originals.get(col, col)
            self.split_of.setdefault(raw, get(summ, "split", "none"))
            self.nonfinite_count.setdefault(raw, int(get(summ, "non_finite", 0) or 0))
        for col in get(self.info, "step_series", []) or []:
            self.split_of.setdefault(self.originals.get(col, col), None)

    def raw(self, canonical: str) -> str:
        return self.originals.get(canonical, canonical)

    def find(self, name: str) -> tuple[bool, str | None]:
        """Observed split of a raw column name, trying the spellings nested keys get."""
        variants = [
            name,
            name.replace(".", "/"),
            name.replace(".", "_"),
            name.replace("[].", "/"),
            name.replace("[].", "_"),
        ]
        # Lightning's <key>_step / <key>_epoch twins may both be reported under <key>.
        variants += [re.sub(r"_(step|epoch)$", "", v) for v in variants]
        # A reader may record a split it inferred from elsewhere (a validation/ directory) as a prefix.
        variants += [f"{p}_{name}" for p in ("val", "train", "test")]
        for v in variants:
            if v in self.split_of:
                return True, self.split_of[v]
        leaf = re.split(r"[./]|\[\]\.", name)[-1]
        hits = [k for k in self.split_of if k == leaf]
        if len(hits) == 1:
            return True, self.split_of[hits[0]]
        return False, None

    def findings(self, kind: str) -> list:
        if self.diagnosis is None:
            return []
        found = get(self.diagnosis, "found", None)
        if callable(found):
            return list(found(kind))
        return [f for f in get(self.diagnosis, "findings", []) or [] if get(f, "kind") == kind]


def check(entry: dict, obs: Observed, histplot: Any) -> list[tuple[str, str]]:
    """Failed checks as (kind, detail)."""
    fails: list[tuple[str, str]] = []
    clean_error = getattr(histplot, "HistplotError", ())
    if entry.get("reject"):
        if obs.error is None:
            fails.append(("accepted a non-history", f"expected refusal: {entry['reject']}"))
        elif not isinstance(obs.error, clean_error):
            fails.append(("crash", f"{type(obs.error).__name__}: {str(obs.error)[:100]}"))
        return fails
    if obs.error is not None:
        kind = "refused a history" if isinstance(obs.error, clean_error) else "crash"
        fails.append((kind, f"{type(obs.error).__name__}: {str(obs.error)[:120]}"))
        return fails
    info = obs.info

    # --- epoch axis ---
    epochs = get(info, "epochs")
    want = allowed(entry, "epochs")
    if entry.get("epochs") is None:
        if epochs not in want and epochs not in (None, 0):
            fails.append(("steps counted as epochs", f"epochs {epochs}, file has no epoch clock"))
    elif epochs not in want:
        kind = "epoch count"
        if entry.get("final_eval") and epochs == entry["epochs"] + 1:
            kind = "final eval counted as an epoch"
        elif entry.get("runs") and epochs is not None and epochs > entry["epochs"]:
            kind = "restart not separated"
        elif entry.get("steps") and epochs is not None and epochs > entry["epochs"] * 2:
            kind = "steps counted as epochs"
        fails.append((kind, f"epochs {epochs}, expected {entry['epochs']}"))
    else:
        for key in ("first_epoch", "last_epoch"):
            if key in entry and get(info, key) not in allowed(entry, key):
                fails.append(("epoch numbering", f"{key} {get(info, key)}, expected {entry[key]}"))

    # --- step clock ---
    steps = entry.get("steps")
    if steps and entry.get("epochs") is None and epochs in (None, 0):
        seen = get(info, "steps") or {}
        for key in ("first", "last"):
            exp = steps.get(key)
            if exp is None:
                continue
            ok = exp if isinstance(exp, list) else [exp]
            if get(seen, key) not in ok:
                fails.append(("step range", f"steps.{key} {get(seen, key)}, expected {exp}"))

    # --- restarts ---
    runs = entry.get("runs")
    if runs:
        seen_runs = get(info, "runs")
        if seen_runs is not None:
            n = len(seen_runs) if isinstance(seen_runs, (list, tuple)) else get(seen_runs, "segments", seen_runs)
            if n != runs["segments"]:
                fails.append(("restart not reported", f"{n} runs reported, expected {runs['segments']}"))
        elif not any(re.search(r"restart|\bruns?\b|segment", str(n), re.I) for n in get(info, "notes", []) or []):
            fails.append(("restart not reported", f"{runs['segments']} segments in the file, no note or runs field"))

    # --- final evaluation ---
    seen_final = get(info, "final_eval", None) or get(info, "final_evaluation", None)
    if entry.get("final_eval") and not seen_final:
        fails.append(("final eval not reported", "; ".join(str(f.get("where", ""))[:60] for f in entry["final_eval"])))
    elif seen_final and not entry.get("final_eval"):
        fails.append(("spurious final eval", str(seen_final)[:80]))

    # --- columns: split and role ---
    if not entry.get("columns_by_position"):
        for raw, exp in (entry.get("columns") or {}).items():
            if "*" in raw:
                continue
            role = exp.get("role")
            ok_splits = set(exp.get("split_ok") or [exp.get("split")])
            if "none" in ok_splits:
                ok_splits |= UNSPLIT
            found, split = obs.find(raw)
            if role in ("metric", "final_eval"):
                if not found:
                    if role == "metric" and not exp.get("may_drop"):
                        fails.append(("column dropped", raw))
                    continue
                if split not in ok_splits:
                    kind = (
                        "held-out taken as train"
                        if exp.get("split") in ("val", "test") and split == "train"
                        else "wrong split"
                    )
                    fails.append((kind, f"{raw}: {split}, expected {exp.get('split')}"))
            elif role in ("learning_rate", "aux", "meta", "index"):
                if found and split not in UNSPLIT and split not in ok_splits:
                    fails.append((f"{role} taken as a metric", f"{raw}: {split}"))

    # --- non-finite ---
    literal = set((entry.get("nonfinite") or {}).keys())
    for f in obs.findings("divergence"):
        msg = str(get(f, "message", ""))
        if "non-finite" not in msg and "NaN" not in msg:
            continue
        cols = get(get(f, "numbers", {}) or {}, "columns", []) or []
        for c in cols:
            raw = obs.raw(c)
            if raw not in literal:
                fails.append(("false non-finite", f"{raw}: {msg[:80]}"))
    for raw in literal:
        found, _ = obs.find(raw)
        if found and obs.nonfinite_count.get(raw, 1) == 0:
            fails.append(("logged NaN lost", raw))

    # --- verdict ---
    verdict = entry.get("verdict") or {}
    if obs.diagnose_error is not None:
        fails.append(("diagnose crash", f"{type(obs.diagnose_error).__name__}: {str(obs.diagnose_error)[:100]}"))
        return fails
    div = [f for f in obs.findings("divergence") if "non-finite" not in str(get(f, "message", "")) or literal]
    if verdict.get("diverged") is False and div and not literal:
        fails.append(("false divergence", str(get(div[0], "message", ""))[:100]))
    if verdict.get("diverged") is True and not obs.findings("divergence"):
        fails.append(("missed divergence", verdict.get("why", "")[:80]))
    over = verdict.get("overfit")
    over_val = over.get("value") if isinstance(over, dict) else over
    if over_val is True and not obs.findings("overfitting"):
        fails.append(("missed overfitting", ""))
    if over_val is False and obs.findings("overfitting"):
        fails.append(("false overfitting", str(get(obs.findings("overfitting")[0], "message", ""))[:80]))
    monitor = get(obs.diagnosis, "monitor")
    columns = entry.get("columns") or {}
    mon = columns.get(obs.raw(monitor)) if monitor else None
    if mon:
        mode = get(obs.diagnosis, "mode")
        want_mode = {"lower": "min", "higher": "max"}.get(mon.get("direction"))
        if mode in ("min", "max") and want_mode and mode != want_mode:
            fails.append(("wrong direction", f"{obs.raw(monitor)} monitored as {mode}, expected {want_mode}"))
        held_out = [
            c
            for c in columns.values()
            if c.get("split") in ("val", "test") and c.get("role") == "metric" and "loss" in str(c.get("base", ""))
        ]
        if mon.get("split") == "train" and held_out:
            fails.append(("monitor not held-out", f"{obs.raw(monitor)} monitored while the file has a held-out loss"))
    best = verdict.get("best_epoch")
    if isinstance(best, dict) and best.get("epoch") is not None:
        hits = obs.findings("best_epoch")
        got = (get(hits[0], "epochs", []) or [None])[0] if hits else None
        ok = {best["epoch"], best.get("epoch_ok_if_0_based", best["epoch"])}
        if got not in ok:
            fails.append(
                (
                    "best epoch",
                    f"{got} on {obs.raw(monitor) if monitor else None}, expected {best['epoch']} on {best['series']}",
                )
            )
    return fails


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--corpus", default=DEFAULT_CORPUS, help="corpus directory (default $HISTPLOT_CORPUS or ../shared/corpus)"
    )
    ap.add_argument("--only", help="glob or substring of the corpus paths to score")
    ap.add_argument("--expected", default=str(DEFAULT_EXPECTED), help="ground-truth YAML")
    ap.add_argument("--verbose", action="store_true", help="print every failed check, not only the first three")
    args = ap.parse_args(argv)

    import histplot

    # Resolve the public names before anything is loaded: importing a sub-module that shares a
    # public function's name (histplot.diagnose) rebinds the package attribute to the module.
    for name in ("load", "info", "diagnose"):
        value = getattr(histplot, name)
        if not callable(value):
            value = getattr(value, name)
        setattr(histplot, name, value)
    with open(args.expected, encoding="utf-8") as fh:
        files = yaml.safe_load(fh)["files"]
    if args.only:
        files = {k: v for k, v in files.items() if fnmatch.fnmatch(k, args.only) or args.only in k}
    signal.signal(signal.SIGALRM, _alarm)
    kinds: collections.Counter[str] = collections.Counter()
    checks_failed: collections.Counter[str] = collections.Counter()
    right = 0
    by_batch: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0])
    for rel, entry in files.items():
        path = os.path.join(args.corpus, rel)
        signal.alarm(PER_FILE_SECONDS)
        try:
            fails = check(entry, Observed(histplot, path), histplot)
        except Timeout:
            fails = [("timeout", f"more than {PER_FILE_SECONDS} s")]
        finally:
            signal.alarm(0)
        batch = entry.get("batch", 0)
        by_batch[batch][1] += 1
        if not fails:
            right += 1
            by_batch[batch][0] += 1
            print(f"OK    {rel}")
            continue
        seen_kinds = sorted({k for k, _ in fails})
        kinds.update(seen_kinds)
        checks_failed.update(k for k, _ in fails)
        print(f"FAIL  {rel}  [{', '.join(seen_kinds)}]")
        for kind, detail in fails if args.verbose else fails[:3]:
            print(f"        {kind}: {detail}")
        if not args.verbose and len(fails) > 3:
            print(f"        ... {len(fails) - 3} more")
    total = len(files)
    print()
    print(f"fully right: {right} of {total}" + (f" ({100 * right / total:.0f} %)" if total else ""))
    for batch in sorted(by_batch):
        ok, n = by_batch[batch]
        print(f"  batch {batch}: {ok} of {n}")
    if kinds:
        print("most common kinds of failure (files affected, failed checks):")
        for kind, n in kinds.most_common():
            print(f"  {n:4d} files  {checks_failed[kind]:5d} checks  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
