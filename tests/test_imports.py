"""The package's import graph: no cycles, and imports of histplot modules at the top of files.

The graph is read from the source (ast), not from ``sys.modules``, so an import inside a function
counts as much as one at the top: a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "histplot"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    p = PACKAGE.parent.joinpath(*name.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def histplot_imports(path: Path) -> list[tuple[ast.stmt, bool, set[str]]]:
    """(import statement, whether it is at module level, the histplot modules it imports)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    nested = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for n in ast.walk(f)
    }
    out = []
    for node in ast.walk(tree):
        targets: set[str] = set()
        if isinstance(node, ast.Import):
            targets = {a.name for a in node.names if a.name.split(".")[0] == "histplot"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "histplot":
                continue
            subs = {f"{base}.{a.name}" for a in node.names if is_module(f"{base}.{a.name}")}
            # ``from histplot.readers import jsonl`` imports the package and the sub-module jsonl; from
            # inside the package (``from . import _budget``) the package is already being imported,
            # so only the sub-modules are new edges.
            inside = name.startswith(base + ".") and len(subs) == len(node.names)
            targets = subs if inside else {base} | subs
        if targets:
            out.append((node, id(node) not in nested, targets))
    return out


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        edges.setdefault(module_name(path), set())
        for _, _, targets in histplot_imports(path):
            edges[module_name(path)] |= {t for t in targets if t != module_name(path)}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each as one cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [path_through(c, edges) for c in found]


def path_through(component: set[str], edges: dict[str, set[str]]) -> list[str]:
    """One cycle inside a strongly connected component, for the failure message."""
    start = min(component)
    path, seen = [start], {start}
    while True:
        nxt = sorted(w for w in edges[path[-1]] if w in component)
        back = [w for w in nxt if w in seen]
        if back:
            return path[path.index(back[0]) :] + [back[0]]
        path.append(nxt[0])
        seen.add(nxt[0])


def test_the_graph_is_read():
    edges = graph()
    assert "histplot.diagnosis.checks" in edges["histplot.diagnosis.run"]
    assert "histplot.readers.jsonl" in edges["histplot.live.follow"]  # ``from ..readers import jsonl``
    assert "histplot.history" in edges["histplot.readers.keras_json"]  # relative, two levels up


def test_cycle_detection_names_the_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_function_level_imports_of_histplot_say_why(path):
    """Inside a function only for a heavy optional dependency or start-up time, with a comment saying
    which (on the line, or above the block of imports it starts)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    bare = []
    for node, top, _ in histplot_imports(path):
        if top:
            continue
        line, above = lines[node.lineno - 1], node.lineno - 2
        while lines[above].strip().startswith(("from ", "import ")):  # one comment may head a block
            above -= 1
        if "#" not in line and not lines[above].strip().startswith("#"):
            bare.append(f"{path.name}:{node.lineno}: {line.strip()}")
    assert not bare, "imports inside functions without a comment saying why:\n" + "\n".join(bare)


# The pipeline, bottom first (DESIGN §1): a stage imports only stages on lower rows, never one on its
# own row or above. config is the generic loader: it imports no feature (each feature checks its section).
STAGES = [
    ["histplot._version", "histplot.errors"],
    ["histplot.naming", "histplot.config", "histplot.output", "histplot.display"],
    ["histplot.steps"],
    ["histplot.history"],
    ["histplot.readers"],
    ["histplot.metrics"],
    ["histplot.diagnosis"],
    ["histplot.figures", "histplot.overview", "histplot.export"],
    ["histplot.reports", "histplot.live"],
    ["histplot.cli"],
    ["histplot.__main__", "histplot"],
]


def stage_of(module: str) -> tuple[int, str]:
    rows = {name: row for row, names in enumerate(STAGES) for name in names}
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        if name in rows:
            return rows[name], name
    raise AssertionError(f"{module} belongs to no stage: add it to STAGES")


def test_stages_import_only_stages_below():
    wrong = []
    for module, targets in graph().items():
        row, stage = stage_of(module)
        for target in targets:
            target_row, target_stage = stage_of(target)
            if target_row > row or (target_row == row and target_stage != stage):
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the pipeline order:\n" + "\n".join(sorted(wrong))


def test_the_stage_check_catches_an_upward_import():
    assert stage_of("histplot.readers.registry") == (4, "histplot.readers")
    assert stage_of("histplot.metrics.derive")[0] > stage_of("histplot.config")[0]
