"""Which panels a figure of a history draws, and in which order: one rule for ``plot``, ``report``,
``watch`` and overlays (docs/figures.md, "What a figure shows").

Every series first gets a candidate panel (``candidates``: a panel per base metric, the learning
rates together, the confusion dashboard and per-class families of ``dashboard.arrange``). Then:

1. Run-level series other than the learning rate (timing, eta, memory, counters: the ``aux`` role the
   readers record) are left out.
2. Families collapse into one panel each, one line per member: per-entity metrics
   (``PER_f1``, ``LOC_f1``: seqeval, classification reports; ``bbox/AP-cat``: detectron2) and metrics
   numbered inside their name (``loss_ce_0_unscaled``: DETR's auxiliary decoder outputs). A family
   shows its top members by final value and its overall/macro line.
3. Panels are ranked: the total loss (and the monitored loss), the other losses (per output, per
   component), the monitored metric, quality metrics with a held-out split, training-only ones,
   families, then series of unknown direction and unscaled copies. The learning rate keeps a panel.
4. Over the budget, metrics that share a namespace (``bbox/...``) or a task suffix (``mAP50(B)``)
   share one panel; still over it, the lowest-ranked panels are left out.

What is left out is returned with the panels: the figure says it in a footer, ``info`` lists it,
and ``--metrics NAME`` or ``--all`` draws it. Nothing here imports matplotlib (``info`` uses it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..diagnosis.monitor import choose_monitor, is_loss_like, mode_is_known
from ..display import split_name
from ..errors import HistplotError
from ..history import History
from ..naming import AUX
from .dashboard import _CLASS_COLORS, _OUTSIDE_LEGEND, HELD_OUT_FIRST, arrange, group_panel
from .style import AUX_COLOR, SPLIT_STYLE, Panel, pretty

BUDGET = 9  # panels drawn by default: a 3 x 3 grid still reads on a laptop screen
# What --all or --metrics may ask for: a figure of more panels is unreadable, and drawing thousands
# (a file of 2,000 series) takes minutes; past it the command refuses in one line.
MAX_PANELS = 128
FAMILY_TOP = 10  # members a family panel draws by default (one palette; the overall line comes on top)
TOTAL_LOSSES = ("loss", "total_loss")

# Quality words a per-entity metric ends with (``PER_f1``, ``class_3_precision``); losses are not
# collapsed this way: a model's loss components are each worth a panel.
_ENTITY_KINDS = ("precision", "recall", "f1", "f1_score", "accuracy", "acc", "iou", "dice", "ap", "ar", "auc")
_ENTITY = re.compile(rf"^(?P<member>.+)_(?P<kind>{'|'.join(_ENTITY_KINDS)})$", re.IGNORECASE)
_NS_ENTITY = re.compile(r"^(?P<ns>[^/]+)/(?P<kind>[A-Za-z0-9]+)-(?P<member>.+)$")
_OVERALL = ("overall", "macro", "micro", "all", "total", "avg", "mean")
# A number inside a name (``loss_ce_0_unscaled``): the same quantity for output/layer N.
_MID_INDEX = re.compile(r"^(?P<head>.+?)_(?P<idx>\d+)_(?P<tail>[A-Za-z].*)$")
_TASK_SUFFIX = re.compile(r"^.+\((?P<task>[A-Za-z]+)\)$")


@dataclass
class Layout:
    """The panels to draw, and the names of what was left out (panels and hidden series)."""

    panels: list[Panel]
    left_out: list[str] = field(default_factory=list)
    monitor: str | None = None  # the monitored column (diagnose's choice): its legend gives the best value

    def footer(self, width: int = 160) -> str | None:
        """One line saying what is not drawn, or None."""
        cut: dict[str, list[str]] = {}  # "top 10 of 23" -> the families it applies to
        for p in self.panels:
            if p.note:
                cut.setdefault(p.note, []).append(p.ylabel)
        if not self.left_out and not cut:
            return None
        parts = [f"{', '.join(fams)}: {note} by final value" for note, fams in cut.items()]
        if self.left_out:
            names = ", ".join(pretty(n) for n in self.left_out)
            parts.append(f"not shown ({len(self.left_out)}): {names}")
        text = "; ".join(parts)
        tail = "  (--metrics NAME or --all to draw)"
        if len(text) + len(tail) > width:
            text = text[: width - len(tail) - 1].rstrip(", ") + "…"
        return text + tail


def panels(history: History, metrics: Sequence[str] | None = None) -> list[Panel]:
    """The panels a figure of this history draws (``layout``'s); ``metrics`` names them instead."""
    return layout(history, metrics).panels


def left_out(history: History) -> list[str]:
    """What the default figure of ``history`` leaves out (for ``info``)."""
    return layout(history).left_out


def layout(
    history: History, metrics: Sequence[str] | None = None, *, every: bool = False, budget: int = BUDGET
) -> Layout:
    """The panels to draw (see the module docstring); ``every`` draws every candidate, families in full."""
    standard, extra, hidden = candidates(history)
    families = _families(history, standard)
    # a family's members give way to it; its overall line (drawn thick) keeps its own panel too
    # (by base: a family draws one split, its members' panels all of them)
    members = {history.base(c) for f in families for c, st in f.series if st.get("linewidth", 0) < 2}
    pool = standard + families + extra + hidden
    monitor = _monitor(history)
    if metrics:
        return Layout(_bounded(select(pool, metrics, history), history, "--metrics"), monitor=monitor)
    if every:
        return Layout(_bounded([*standard, *families, *hidden], history, "--all"), monitor=monitor)
    shown = [p for p in standard if not (p.kind == "metric" and p.name in members)] + families
    shown = _merge_identical(history, shown)
    for p in shown:
        if p.kind == "family":
            _keep_top(history, p)
    monitor_base = history.base(monitor) if monitor else None
    ranked = sorted(shown, key=lambda p: (_tier(p, history, monitor_base), shown.index(p)))
    rates = [p for p in ranked if p.kind == "lr"]
    rest = [p for p in ranked if p.kind != "lr"]
    room = budget - len(rates)
    if len(rest) > room:
        rest = _share_namespaces(rest, history, monitor_base)
        rest.sort(key=lambda p: _tier(p, history, monitor_base))
    out = rest[:room] + rates
    dropped = rest[room:]
    names = [p.name for p in dropped] + [c for p in hidden for c, _ in p.series]
    return Layout(out, list(dict.fromkeys(names)), monitor)


def _bounded(panels: list[Panel], history: History, asked: str) -> list[Panel]:
    if len(panels) > MAX_PANELS:
        raise HistplotError(
            f"{asked} asks for {len(panels)} panels, more than a figure can show ({MAX_PANELS}); "
            "name fewer series with --metrics",
            history.meta.get("source"),
        )
    return panels


def candidates(history: History) -> tuple[list[Panel], list[Panel], list[Panel]]:
    """(panels drawn unless the budget says no, panels only ``--metrics`` draws, hidden run-level panels)."""
    groups = history.metrics()
    order = sorted(groups, key=lambda b: (b not in TOTAL_LOSSES, list(groups).index(b)))
    out: list[Panel] = []
    for base in order:
        p = Panel(name=base, title=pretty(base), ylabel=pretty(base))
        for split in SPLIT_STYLE:
            if split in groups[base]:
                p.series.append((groups[base][split], SPLIT_STYLE[split]))
        out.append(p)
    rates = history.learning_rates()
    if rates:
        # Parameter groups (lr/pg0..2, x/lr0..2) share one panel; identical groups were kept once.
        p = Panel(name="learning_rate", title=pretty("learning_rate"), ylabel=pretty("learning_rate"), log=True)
        for i, col in enumerate(rates):
            label = pretty(col) if len(rates) > 1 else pretty("learning_rate")
            p.series.append((col, {"color": AUX_COLOR, "linestyle": ("-", "--", ":", "-.")[i % 4], "label": label}))
        p.aliases, p.kind = tuple(rates), "lr"
        out.append(p)
    hidden: list[Panel] = []
    for col in history.aux():
        if col in rates:
            continue
        style = {"color": AUX_COLOR, "linestyle": "-", "label": pretty(col)}
        p = Panel(name=col, title=pretty(col), series=[(col, style)], ylabel=pretty(col), kind="aux")
        # timing, eta, memory, counters describe the machine, not the model: drawn when asked for
        (hidden if history.info(col).role == AUX else out).append(p)
    shown, extra = arrange(history, out)
    if any(p.kind == "lr" for p in shown):
        shown = [p for p in shown if p.kind != "lr"] + [p for p in shown if p.kind == "lr"]
    return shown, extra, hidden


def select(all_panels: list[Panel], metrics: Sequence[str], history: History) -> list[Panel]:
    """Keep the panels named in ``metrics`` (base names or column names), in the order given."""
    by_name: dict[str, Panel] = {}
    for key in ("name", "aliases"):
        for p in all_panels:
            for n in [p.name] if key == "name" else p.aliases:
                by_name.setdefault(n, p)
    by_col: dict[str, Panel] = {}
    for p in all_panels:
        for col, _ in p.series:
            by_col.setdefault(col, p)
    chosen: list[Panel] = []
    for m in metrics:
        p = by_name.get(m) or by_col.get(m) or by_name.get(history.base(m))
        if p is None:
            known = ", ".join(list(by_name)[:40]) + (", ..." if len(by_name) > 40 else "")
            raise HistplotError(f"no metric '{m}' in this history; it has: {known}", history.meta.get("source"))
        if p not in chosen:
            chosen.append(p)
    return chosen


def _merge_identical(history: History, shown: list[Panel]) -> list[Panel]:
    """Metrics with the same values in every split share one panel titled with all their names (a token
    classifier's micro-averaged accuracy, precision, recall and F1 are one curve four times)."""
    seen: dict[tuple, Panel] = {}
    out: list[Panel] = []
    for p in shown:
        # quality metrics only: confusion counts (tp, fp) may coincide without being one series
        if p.kind != "metric" or p.name in TOTAL_LOSSES or not p.series or not mode_is_known(p.name):
            out.append(p)
            continue
        key = tuple((history.split(c), history.frame[c].to_numpy(dtype=float).round(12).tobytes()) for c, _ in p.series)
        first = seen.get(key)
        if first is None:
            seen[key] = p
            out.append(p)
            continue
        first.title = f"{first.title} = {p.title}"
        first.ylabel = "score" if not is_loss_like(first.name) else first.ylabel
        first.aliases = (*first.aliases, p.name)
    return out


# -- ranking ----------------------------------------------------------------------------------------


def _monitor(history: History) -> str | None:
    try:
        return choose_monitor(history)[0]
    except HistplotError:
        return None


def _tier(p: Panel, history: History, monitor: str | None) -> int:
    """Lower is drawn first; see the module docstring."""
    if p.kind == "lr":
        return 9
    if p.kind == "aux":
        return 8
    name = p.name
    if "unscaled" in name.lower():
        return 7  # DETR's unweighted copies of the weighted losses it also logs
    if p.kind == "family":
        return 5
    if p.kind == "group":
        return 3
    if name in TOTAL_LOSSES or (monitor == name and is_loss_like(name)):
        return 0
    if is_loss_like(name):
        return 1
    if name == monitor:
        return 2
    splits = {history.split(c) for c, _ in p.series}
    if not mode_is_known(name):
        return 6
    return 3 if splits & {"val", "test"} else 4


# -- families ---------------------------------------------------------------------------------------


def _families(history: History, standard: list[Panel]) -> list[Panel]:
    """Family panels for single-metric panels that are members of a per-entity or numbered family."""
    groups = history.metrics()
    singles = [p.name for p in standard if p.kind == "metric" and p.name in groups]
    fams: dict[tuple[str, str], dict[str, str]] = {}  # (key, title) -> member -> base
    for base in singles:
        m = _NS_ENTITY.match(base)
        if m:
            fams.setdefault((f"{m['ns']}/{m['kind']}", f"{m['ns']}/{m['kind']}"), {})[m["member"]] = base
            continue
        m = _ENTITY.match(base)
        if m and not is_loss_like(base):
            fams.setdefault((m["kind"].lower(), m["kind"]), {})[m["member"]] = base
            continue
        m = _MID_INDEX.match(base)
        if m:
            key = f"{m['head']}_{m['tail']}"
            fams.setdefault((key, key), {})[m["idx"]] = base
    out = []
    for (key, title), members in fams.items():
        overall = {k: v for k, v in members.items() if k.lower() in _OVERALL}
        own = {k: v for k, v in members.items() if k not in overall}
        if len(own) < 2:
            continue
        line = next(iter(overall.values()), None) or (key if key in groups else None)
        out.append(_family_panel(history, groups, key, title, own, line))
    return out


def _family_panel(history, groups, key: str, title: str, members: dict[str, str], overall: str | None) -> Panel:
    splits = {s for b in members.values() for s in groups[b]}
    split = next((s for s in (*HELD_OUT_FIRST, "unsplit") if s in splits), "train")
    series = []
    for i, (member, base) in enumerate(members.items()):
        # a member never computed (detectron2's AP of a class absent from the evaluation: NaN) has no line
        if split in groups[base] and np.isfinite(history.frame[groups[base][split]].to_numpy(dtype=float)).any():
            color = _CLASS_COLORS[i % len(_CLASS_COLORS)]
            series.append((groups[base][split], {"color": color, "linestyle": "-", "label": member, "linewidth": 1.3}))
    series.sort(key=lambda cs: -_last(history, cs[0]))
    if overall and split in groups.get(overall, {}):
        label = "overall" if overall == key else pretty(overall)
        series.append((groups[overall][split], {"color": "black", "linestyle": "-", "label": label, "linewidth": 2.6}))
    numbered = all(m.isdigit() for m in members)
    what = "by index" if numbered else "per class"
    return Panel(
        name=f"{key}_family",
        title=f"{pretty(title)} {what} ({split_name(split)})",
        series=series,
        ylabel=pretty(title),
        aliases=(key,) if key not in groups else (),
        legend=dict(_OUTSIDE_LEGEND, ncols=1),
        kind="family",
    )


def _last(history: History, col: str) -> float:
    v = history.frame[col].to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(v[-1]) if v.size else -np.inf


def _keep_top(history: History, p: Panel) -> None:
    """At most ``FAMILY_TOP`` members by final value (the overall/macro line, drawn thick, is kept)."""
    thick = [s for s in p.series if s[1].get("linewidth", 0) >= 2]
    members = [s for s in p.series if s not in thick]
    if len(members) <= FAMILY_TOP:
        return
    members.sort(key=lambda cs: -_last(history, cs[0]))
    p.series = members[:FAMILY_TOP] + thick
    p.note = f"top {FAMILY_TOP} of {len(members)}"
    p.legend = dict(p.legend or _OUTSIDE_LEGEND, ncols=1)


# -- sharing a panel over the budget -------------------------------------------------------------


def _namespace(base: str) -> str | None:
    if "/" in base:
        return base.split("/", 1)[0]
    m = _TASK_SUFFIX.match(base)
    return f"({m['task']})" if m else None


def _share_namespaces(rest: list[Panel], history: History, monitor: str | None) -> list[Panel]:
    """Quality metrics sharing a namespace or task suffix in one panel each (the monitor keeps its own)."""
    groups = history.metrics()
    spaces: dict[str, list[Panel]] = {}
    for p in rest:
        ns = _namespace(p.name)
        if ns and p.kind == "metric" and p.name in groups and p.name != monitor and not is_loss_like(p.name):
            spaces.setdefault(ns, []).append(p)
    out: list[Panel] = []
    done: set[str] = set()
    for p in rest:
        ns = _namespace(p.name)
        members = spaces.get(ns or "", [])
        if len(members) < 2 or p not in members:
            out.append(p)
            continue
        if ns in done:
            continue
        done.add(ns)
        names = [q.name for q in members]
        title = f"metrics {ns}" if ns.startswith("(") else f"{ns} metrics"
        out.append(group_panel(f"{ns}_metrics", title, names, groups))
    return out
