"""User-defined metrics: a small, safe arithmetic evaluator for ``histplot.yaml``'s ``derive:`` section.

```yaml
derive:
  tn_fn_ratio: tn / fn
  youden: recall + specificity - 1
```

The text is parsed with ``ast.parse(mode="eval")`` and only an allow-list of nodes is accepted:
numbers, names, ``+ - * / **``, unary ``-``/``+``, parentheses and calls to ``sqrt``, ``log``,
``abs``, ``min``, ``max``. Nothing is ever passed to ``eval``: the tree is walked here, on numpy
arrays, so a config file cannot run code.

Names are column *base* names, evaluated once per split: ``tn / fn`` gives ``tn_fn_ratio`` from
``tn``/``fn`` and ``val_tn_fn_ratio`` from ``val_tn``/``val_fn``, for each split that has every
input. Run-level series (``learning_rate``) are the same in every split. Like the built-in
metrics, ``x / 0`` is NaN, and so are ``sqrt`` and ``log`` outside their domain (``log`` of 0
included), so a gap shows instead of an infinite spike.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..naming import SPLITS, column_name, parse_name
from .families import COUNT_KINDS

MAX_LENGTH = 1000
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALLOWED_HELP = "allowed: numbers, column names, + - * / **, parentheses, sqrt, log, abs, min, max"


def _nan_outside(fn: Callable, ok: Callable) -> Callable:
    def wrapped(x):
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            return np.where(ok(x), fn(x), np.nan)

    return wrapped


FUNCTIONS: dict[str, tuple[Callable, int]] = {
    # name: (function on arrays, arity; -1 means two or more)
    "sqrt": (_nan_outside(np.sqrt, lambda x: x >= 0), 1),
    "log": (_nan_outside(np.log, lambda x: x > 0), 1),
    "abs": (np.abs, 1),
    "min": (lambda *xs: np.minimum.reduce(np.broadcast_arrays(*xs)), -1),
    "max": (lambda *xs: np.maximum.reduce(np.broadcast_arrays(*xs)), -1),
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}


@dataclass(frozen=True)
class Expression:
    """One checked ``derive:`` entry."""

    name: str
    text: str
    tree: ast.Expression
    names: tuple[str, ...]
    path: str | None = None

    def error(self, problem: str) -> ConfigError:
        return ConfigError(f"derive.{self.name}: {problem}", self.path)


def compile_expression(name: Any, text: Any, path: str | os.PathLike | None = None) -> Expression:
    """Parse and check one entry; a ConfigError names the file, the metric and the problem."""
    path = None if path is None else str(path)
    label = str(name)
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"derive.{label}: a metric name must be letters, digits and _ (not starting with a digit)", path
        )
    split, base = parse_name(name)
    if split != "train" or base != name:
        raise ConfigError(
            f"derive.{name}: name it by its base name (it is derived for every split); "
            f"'{name}' reads as {'a run-level series' if split is None else split + ' ' + base}",
            path,
        )
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ConfigError(f"derive.{name}: expected an expression, got a {type(text).__name__}", path)
    text = str(text).strip()
    if not text:
        raise ConfigError(f"derive.{name}: empty expression", path)
    if len(text) > MAX_LENGTH:
        raise ConfigError(f"derive.{name}: expression longer than {MAX_LENGTH} characters", path)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ConfigError(f"derive.{name}: not a valid expression ({exc.msg}{where}): {text}", path) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ConfigError(f"derive.{name}: cannot parse this expression ({type(exc).__name__})", path) from None
    names: list[str] = []
    try:
        _check(tree.body, names)
    except _Refused as exc:
        raise ConfigError(f"derive.{name}: {exc}; {_ALLOWED_HELP}", path) from None
    except RecursionError:
        raise ConfigError(f"derive.{name}: expression nested too deeply", path) from None
    return Expression(name=name, text=text, tree=tree, names=tuple(dict.fromkeys(names)), path=path)


def compile_all(expressions: Mapping[Any, Any] | None, path: str | os.PathLike | None = None) -> list[Expression]:
    """Every entry of a ``derive:`` section, checked, in file order."""
    if not expressions:
        return []
    if not isinstance(expressions, Mapping):
        raise ConfigError(f"'derive' must map metric names to expressions, not a {type(expressions).__name__}", path)
    return [compile_expression(k, v, path) for k, v in expressions.items()]


class _Refused(Exception):
    pass


def _snippet(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:60]
    except Exception:  # unparse of an odd node must not hide the real message
        return type(node).__name__


def _check(node: ast.AST, names: list[str]) -> None:
    """Walk the tree, accepting only the allow-list; collect the column names used."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _Refused(f"{_snippet(node)!s} is not a number")
        return
    if isinstance(node, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            raise _Refused(f"'{node.id}' cannot be assigned")
        names.append(node.id)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        _check(node.left, names)
        _check(node.right, names)
        return
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        _check(node.operand, names)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise _Refused(f"'{_snippet(node.func)}' is not a known function")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _Refused(f"{node.func.id}() takes plain arguments only")
        arity = FUNCTIONS[node.func.id][1]
        if arity == -1 and len(node.args) < 2:
            raise _Refused(f"{node.func.id}() needs two or more arguments")
        if arity > 0 and len(node.args) != arity:
            raise _Refused(f"{node.func.id}() takes {arity} argument")
        for a in node.args:
            _check(a, names)
        return
    what = {ast.BinOp: "this operator", ast.UnaryOp: "this operator"}.get(type(node), type(node).__name__)
    raise _Refused(f"'{_snippet(node)}' is not allowed ({what})")


def evaluate(expr: Expression, lookup: Mapping[str, np.ndarray]) -> np.ndarray:
    """The expression's value, with ``lookup`` giving each name's array."""
    with np.errstate(all="ignore"):
        return np.asarray(_eval(expr.tree.body, lookup), dtype=float)


def _eval(node: ast.AST, lookup: Mapping[str, np.ndarray]):
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return np.asarray(lookup[node.id], dtype=float)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, lookup)
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, lookup), _eval(node.right, lookup)
        op = type(node.op)
        if op is ast.Add:
            return np.add(a, b)
        if op is ast.Sub:
            return np.subtract(a, b)
        if op is ast.Mult:
            return np.multiply(a, b)
        if op is ast.Div:
            b = np.asarray(b, dtype=float)
            return np.where(b == 0, np.nan, np.divide(a, b))
        return np.power(np.asarray(a, dtype=float), b)
    if isinstance(node, ast.Call):
        fn = FUNCTIONS[node.func.id][0]
        return fn(*(_eval(a, lookup) for a in node.args))
    raise AssertionError(f"unchecked node {type(node).__name__}")  # _check refuses these first


# -- per split ------------------------------------------------------------------------------------
def _resolve(name: str, split: str, columns: list[str]) -> str | None:
    """The column a base name means in one split: exact, then any case, then a count synonym."""
    sp, base = parse_name(name)
    if sp is None:
        return base if base in columns else None
    exact = column_name(split, base)
    if exact in columns:
        return exact
    low = base.lower()
    kind = COUNT_KINDS.get(low)
    for col in columns:
        csp, cbase = parse_name(col)
        if csp != split:
            continue
        if cbase.lower() == low or (kind and COUNT_KINDS.get(cbase.lower()) == kind):
            return col
    return None


def expression_steps(expr: Expression, columns: list[str], source: str | None = None):
    """(column, inputs, compute) for every split that has all of the expression's inputs."""
    for name in expr.names:
        sp, base = parse_name(name)
        if sp in ("val", "test"):
            raise expr.error(
                f"'{name}' names one split; write '{base}': names are base names, evaluated for each split"
            )
    steps = []
    for split in SPLITS:
        cols = {n: _resolve(n, split, columns) for n in expr.names}
        if any(c is None for c in cols.values()):
            continue
        if all(parse_name(n)[0] is None for n in expr.names) and split != "train":
            continue  # run-level inputs only: one result, not one per split
        inputs = list(dict.fromkeys(cols.values()))

        def compute(frame, cols=cols):
            return np.broadcast_to(
                evaluate(expr, {n: frame[c].to_numpy(dtype=float) for n, c in cols.items()}), (len(frame),)
            ).copy()

        steps.append((column_name(split, expr.name), inputs, compute))
    if not steps:
        missing = [n for n in expr.names if all(_resolve(n, s, columns) is None for s in SPLITS)]
        where = f" in {source}" if source else ""
        if missing:
            have = sorted({parse_name(c)[1] for c in columns})
            shown = ", ".join(have[:25]) + (", ..." if len(have) > 25 else "")
            raise expr.error(f"unknown column '{missing[0]}'{where} (it has: {shown})")
        raise expr.error(f"no split has all of {', '.join(expr.names)}{where}")
    return steps
