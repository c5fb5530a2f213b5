"""Panel layout for derived metrics (DESIGN §6): a dashboard when confusion counts are present, and
per-class families drawn one line per class in a shared panel.

``arrange`` reorders the standard one-panel-per-metric list into what is drawn by default, and
returns every other panel as *extra*: not drawn, but still selectable with ``--metrics`` (``npv``,
``tp``, ``f1_3``...). With counts the default figure is: loss; precision / recall / F1 together
(colour = metric, line style = split); MCC; specificity and balanced accuracy; macro averages; the
file's own metrics; precision, recall and F1 per class. Raw counts and the remaining derived
metrics would drown those, so they are extra.

Per-class panels draw only one split, the held-out one when there is one: with 10 classes, train
and validation together would be 20 lines, and per-class comparisons are about generalisation.
Train vs validation for a single class is one ``--metrics f1_3`` away. Lines use a qualitative
palette in class order, the macro average is a thick black line, and the legend sits outside the
axes in one compact column so it never covers a curve.
"""

from __future__ import annotations

import numpy as np

from ..diagnosis.monitor import is_loss_like
from ..display import split_name
from ..history import History
from ..metrics.derive import COUNT_METRICS, KINDS, count_sets
from ..metrics.families import COUNT_KINDS, class_members, split_suffix
from .style import SPLIT_STYLE, Panel, pretty

GROUPS = (
    ("precision_recall_f1", "precision / recall / F1", ("precision", "recall", "f1")),
    ("mcc", "MCC (Matthews correlation)", ("mcc",)),
    ("specificity_balanced_accuracy", "specificity / balanced accuracy", ("specificity", "balanced_accuracy")),
    ("macro_precision_recall_f1", "macro precision / recall / F1", ("macro_precision", "macro_recall", "macro_f1")),
)
METRIC_COLORS = {
    "precision": "#7b3294",
    "recall": "#e66101",
    "f1": "#1a9641",
    "specificity": "#0571b0",
    "balanced_accuracy": "#8c510a",
}
METRIC_COLORS.update({f"macro_{m}": METRIC_COLORS[m] for m in ("precision", "recall", "f1")})
METRIC_LABELS = {"f1": "F1", "mcc": "MCC", "balanced_accuracy": "balanced acc.", "macro_f1": "macro F1"}
CLASS_SHOWN = ("f1", "recall", "precision")
HELD_OUT_FIRST = ("val", "test", "train")
_CLASS_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_CLASS_COLORS_20 = _CLASS_COLORS + (
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#c7c7c7",
    "#dbdb8d",
    "#9edae5",
)
_OUTSIDE_LEGEND = {
    "loc": "upper left",
    "bbox_to_anchor": (1.01, 1.0),
    "fontsize": 8,
    "frameon": False,
    "borderaxespad": 0.0,
    "handlelength": 1.4,
    "labelspacing": 0.25,
}


def arrange(history: History, standard: list[Panel]) -> tuple[list[Panel], list[Panel]]:
    """(panels drawn by default, panels drawn only when ``--metrics`` names them)."""
    groups = history.metrics()
    members = class_members(groups)
    has_counts = bool(count_sets(history))
    from_counts = {
        history.base(c)
        for c, inputs in history.meta.get("derived", {}).items()
        if _count_derived(history.base(c), members)
    }
    by_name = {p.name: p for p in standard}
    aux = set(history.aux())

    dashboard: list[Panel] = []
    grouped: set[str] = set()
    if has_counts:
        for name, title, metrics in GROUPS:
            present = [m for m in metrics if m in groups]
            if len(present) < (1 if len(metrics) == 1 else 2):
                continue
            dashboard.append(group_panel(name, title, present, groups))
            grouped.update(present)

    # rmse is mse's curve on another scale: selectable, but not drawn twice by default.
    derived_rmse = {"rmse"} if any(history.base(c) == "rmse" for c in history.meta.get("derived", {})) else set()
    shown: list[Panel] = []
    extra: list[Panel] = []
    for p in standard:
        if p.name in aux:
            continue
        # Raw counts give way only to what was derived from them (with --no-derive they stay).
        hidden = (
            p.name in members
            or p.name in grouped
            or (bool(from_counts) and _is_count(p.name, members))
            or (p.name in from_counts and p.name not in CLASS_SHOWN)
            or p.name in derived_rmse
        )
        (extra if hidden else shown).append(p)
    family_panels, family_extra = _family_panels(history.frame, groups, members, from_counts)
    head = [p for p in shown if p.name == "loss"]
    rest = [p for p in shown if p.name != "loss"]
    tail = [by_name[c] for c in history.aux() if c in by_name]
    shown, extra = head + dashboard + rest + family_panels + tail, extra + family_extra
    derived = history.meta.get("derived", {})
    for p in shown + extra:
        p.series = [(c, {**st, "defined_by": _roots(c, derived)} if c in derived else st) for c, st in p.series]
    return shown, extra


def _roots(col: str, derived: dict[str, list[str]]) -> tuple[str, ...]:
    """The file's own columns a derived column rests on (a macro average rests on the counts)."""
    out: dict[str, None] = {}
    todo = list(derived[col])
    seen = set()
    while todo:
        c = todo.pop()
        if c in seen:
            continue
        seen.add(c)
        if c in derived:
            todo.extend(derived[c])
        else:
            out[c] = None
    return tuple(out)


def _is_count(base: str, members: dict) -> bool:
    low = base.lower()
    if low in COUNT_KINDS or members.get(base, ("",))[0] in KINDS:
        return True
    parsed = split_suffix(base)
    return bool(parsed) and parsed[0].lower() in COUNT_KINDS


def _count_derived(base: str, members: dict) -> bool:
    stem = members[base][0] if base in members else base
    return stem in COUNT_METRICS or stem.startswith("macro_")


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, pretty(metric))


def group_panel(name: str, title: str, metrics: list[str], groups: dict) -> Panel:
    """Several metrics in one panel: colour tells the metric, line style the split."""
    if len(metrics) == 1:
        [m] = metrics
        series = [(groups[m][s], SPLIT_STYLE[s]) for s in SPLIT_STYLE if s in groups[m]]
        return Panel(name=name, title=title, series=series, ylabel=_label(m))
    series = []
    splits = []
    # Metrics without a colour of their own (a histplot.yaml panel) take the class palette's, in order.
    colors = {m: METRIC_COLORS.get(m, _CLASS_COLORS[i % len(_CLASS_COLORS)]) for i, m in enumerate(metrics)}
    for m in metrics:
        for s in ("train", "val", "test"):
            if s in groups[m]:
                series.append(
                    (
                        groups[m][s],
                        {
                            "color": colors[m],
                            "linestyle": SPLIT_STYLE[s]["linestyle"],
                            "label": f"{_label(m)} ({split_name(s)})",
                        },
                    )
                )
                if s not in splits:
                    splits.append(s)
    # A key by colour (metrics) plus one by line style (splits) reads faster than 6 combined labels.
    # (colour, line style, label) triples: drawing turns them into handles (choosing panels draws nothing).
    handles = [(colors[m], "-", _label(m)) for m in metrics]
    if len(splits) > 1:
        handles += [("#555555", SPLIT_STYLE[s]["linestyle"], split_name(s)) for s in splits]
    legend = {"handles": handles, "loc": "best", "fontsize": 8, "frameon": False, "handlelength": 2.2}
    return Panel(name=name, title=title, series=series, ylabel="score", legend=legend, kind="group")


def _last(s) -> float:
    v = s.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(v[-1]) if v.size else -np.inf


def _family_panels(frame, groups: dict, members: dict, from_counts: set[str]) -> tuple[list[Panel], list[Panel]]:
    """One panel per per-class family; those of count-derived secondary metrics are extra."""
    fams: dict[str, list[tuple[int, str]]] = {}
    for base, (stem, k) in members.items():
        fams.setdefault(stem, []).append((k, base))
    shown: list[Panel] = []
    extra: list[Panel] = []
    order = {m: i for i, m in enumerate(CLASS_SHOWN)}
    for stem in sorted(fams, key=lambda s: (order.get(s, len(order)), list(fams).index(s))):
        classes = sorted(fams[stem])
        splits = {s for _, b in classes for s in groups[b]}
        split = next(s for s in HELD_OUT_FIRST if s in splits)
        palette = _CLASS_COLORS if len(classes) <= 10 else _CLASS_COLORS_20
        series = []
        for i, (k, base) in enumerate(classes):
            if split in groups[base]:
                series.append(
                    (
                        groups[base][split],
                        {"color": palette[i % len(palette)], "linestyle": "-", "label": str(k), "linewidth": 1.3},
                    )
                )
        # Legend top to bottom in the order the lines end, best class first: the eye finds the
        # worst class at the bottom of both without matching ten colours.
        series.sort(key=lambda cs: -_last(frame[cs[0]]))
        macro = groups.get(f"macro_{stem}", {}).get(split)
        if macro:
            series.append((macro, {"color": "black", "linestyle": "-", "label": "macro", "linewidth": 2.6}))
        # loss_ce_0..4 beside loss_ce are a model's auxiliary outputs (DETR's decoder layers), not classes
        member = "output" if is_loss_like(stem) else "class"
        legend = dict(_OUTSIDE_LEGEND, title=member, title_fontsize=8, ncols=1 if len(series) <= 16 else 2)
        p = Panel(
            name=f"{stem}_per_class",
            title=f"{_label(stem)} per {member} ({split_name(split)})",
            series=series,
            ylabel=_label(stem),
            aliases=(stem,),
            legend=legend,
            kind="family",
        )
        derived_family = any(b in from_counts for _, b in classes)
        hidden = (stem in KINDS and bool(from_counts)) or (derived_family and stem not in CLASS_SHOWN)
        (extra if hidden else shown).append(p)
    return shown, extra
