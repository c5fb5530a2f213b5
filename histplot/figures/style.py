"""How a figure looks, shared by every kind of figure: one style per split, and ``Panel``, what one
axes draws (a title and (column, style) pairs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..display import split_name

# One look per split, the same in every panel.
SPLIT_STYLE = {
    "train": {"color": "#1f77b4", "linestyle": "-", "label": split_name("train")},
    "val": {"color": "#d62728", "linestyle": "--", "label": split_name("val")},
    "test": {"color": "#2ca02c", "linestyle": "-.", "label": split_name("test")},
    # A series whose split the file does not say: drawn, and labelled so, never as train.
    "unsplit": {"color": "#9467bd", "linestyle": ":", "label": split_name("unsplit")},
}
AUX_COLOR = "#555555"


@dataclass
class Panel:
    """One axes' worth of series: a title and (column, style) pairs."""

    name: str
    title: str
    series: list[tuple[str, dict]] = field(default_factory=list)
    ylabel: str = ""
    log: bool | None = None  # None: decide from the data
    aliases: tuple[str, ...] = ()  # other names --metrics may use for this panel
    legend: dict | None = None  # ax.legend keyword arguments, when the default does not fit
    kind: str = "metric"  # metric, group (several metrics), family (one metric per class/entity/index), lr, aux
    note: str = ""  # what the panel leaves out (a family's members beyond its top ones)


MAX_LABEL = 48


def pretty(name: str) -> str:
    """A readable title for a metric name: underscores as spaces, very long names shortened."""
    text = name.replace("_", " ")
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 13] + "…" + text[-12:]
