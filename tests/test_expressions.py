"""The safe expression evaluator behind histplot.yaml's ``derive:`` section."""

from __future__ import annotations

import builtins
import time

import numpy as np
import pytest

from histplot.errors import ConfigError
from histplot.history import History
from histplot.metrics.derive import derive
from histplot.metrics.expressions import compile_all, compile_expression, evaluate


def value(text: str, **cols) -> np.ndarray:
    expr = compile_expression("m", text)
    return evaluate(expr, {k: np.asarray(v, dtype=float) for k, v in cols.items()})


def history() -> History:
    return History.build(
        {
            "loss": [1.0, 0.5],
            "tp": [5.0, 6.0],
            "fp": [2.0, 0.0],
            "tn": [10.0, 12.0],
            "fn": [3.0, 0.0],
            "val_loss": [1.2, 0.9],
            "val_tp": [1.0, 2.0],
            "val_fp": [1.0, 1.0],
            "val_tn": [4.0, 5.0],
            "val_fn": [2.0, 1.0],
            "learning_rate": [0.1, 0.01],
        }
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a + b * 2", [7.0, 10.0]),
        ("(a + b) * 2", [8.0, 12.0]),
        ("a - b - 1", [-3.0, -3.0]),
        ("-a + +b", [2.0, 2.0]),
        ("a ** 2", [1.0, 4.0]),
        ("2 ** -1 * a", [0.5, 1.0]),
        ("b / a", [3.0, 2.0]),
        ("sqrt(b + 5)", [np.sqrt(8), 3.0]),
        ("log(a)", [0.0, np.log(2)]),
        ("abs(a - b)", [2.0, 2.0]),
        ("min(a, b, 1.5)", [1.0, 1.5]),
        ("max(a, b)", [3.0, 4.0]),
        ("1e-3 * 1000", [1.0, 1.0]),
    ],
)
def test_arithmetic(text, expected):
    np.testing.assert_allclose(value(text, a=[1, 2], b=[3, 4]) * np.ones(2), expected)


def test_undefined_values_are_nan_not_inf():
    np.testing.assert_array_equal(np.isnan(value("a / b", a=[1, 0, 2], b=[0, 0, 4])), [True, True, False])
    assert np.isnan(value("log(a)", a=[0.0])).all()
    assert np.isnan(value("log(a)", a=[-1.0])).all()
    assert np.isnan(value("sqrt(a)", a=[-4.0])).all()
    assert value("min(a, b)", a=[np.nan], b=[1.0]).tolist() != [1.0]  # NaN propagates, not skipped


def test_huge_powers_end_quickly():
    start = time.monotonic()
    v = value("10 ** 10 ** 10 ** 10")
    assert time.monotonic() - start < 1.0 and np.isinf(v)


def test_never_calls_eval_or_exec(monkeypatch):
    import ast

    real_compile = builtins.compile

    def boom(*a, **k):
        raise AssertionError("eval/exec called")

    def ast_only(source, filename, mode, flags=0, *a, **k):
        # ast.parse compiles to a tree only; anything producing code objects is refused here
        assert flags & ast.PyCF_ONLY_AST, "compiled to code"
        return real_compile(source, filename, mode, flags, *a, **k)

    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(builtins, "exec", boom)
    monkeypatch.setattr(builtins, "compile", ast_only)
    assert value("a * 2 + sqrt(a)", a=[1.0]).tolist() == [3.0]


@pytest.mark.parametrize(
    "text,problem",
    [
        ("__import__('os').system('true')", "not a known function"),
        ("tp.real", "not allowed"),
        ("tp[0]", "not allowed"),
        ("lambda: 1", "not allowed"),
        ("tp if fp else fn", "not allowed"),
        ("tp < fp", "not allowed"),
        ("tp and fp", "not allowed"),
        ("tp // fp", "not allowed"),
        ("tp % 2", "not allowed"),
        ("tp @ fp", "not allowed"),
        ("~tp", "not allowed"),
        ("not tp", "not allowed"),
        ("[tp, fp]", "not allowed"),
        ("{'a': 1}", "not allowed"),
        ("'text'", "not a number"),
        ("True", "not a number"),
        ("1j", "not a number"),
        ("open('x')", "not a known function"),
        ("exp(tp)", "not a known function"),
        ("np.log(tp)", "not a known function"),
        ("sqrt(x=tp)", "plain arguments"),
        ("sqrt(*tp)", "plain arguments"),
        ("sqrt(tp, fp)", "takes 1 argument"),
        ("min(tp)", "two or more"),
        ("(x := 1)", "not allowed"),
        ("f'{tp}'", "not allowed"),
        ("tp +", "not a valid expression"),
        ("tp = 1", "not a valid expression"),
        ("import os", "not a valid expression"),
        ("", "empty expression"),
        ("(" * 300 + "1" + ")" * 300, ""),
        ("1 +" * 400 + "1", "longer than"),
    ],
)
def test_refused(text, problem):
    with pytest.raises(ConfigError) as err:
        compile_expression("bad_metric", text, "conf/histplot.yaml")
    msg = str(err.value)
    assert msg.startswith("conf/histplot.yaml: derive.bad_metric: "), msg
    assert problem in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    "name,problem",
    [
        ("val_ratio", "base name"),
        ("1abc", "letters, digits"),
        ("a-b", "letters, digits"),
        (3, "letters, digits"),
        ("learning_rate", "base name"),
    ],
)
def test_bad_metric_names(name, problem):
    with pytest.raises(ConfigError, match=problem):
        compile_expression(name, "tp / fp", "histplot.yaml")


@pytest.mark.parametrize("text", [None, ["tp"], {"a": 1}, True])
def test_non_text_values(text):
    with pytest.raises(ConfigError, match="expected an expression"):
        compile_all({"m": text}, "histplot.yaml")


def test_numbers_are_expressions():
    [e] = compile_all({"half": 0.5})
    assert e.text == "0.5"


def test_evaluated_per_split_where_the_inputs_exist():
    d = derive(
        history(),
        expressions={
            "tn_fn_ratio": "tn / fn",
            "youden": "recall + specificity - 1",
            "scaled": "loss * learning_rate",
            "gap": "loss - 1",
        },
    )
    f = d.frame
    assert f["tn_fn_ratio"].iloc[0] == pytest.approx(10 / 3) and np.isnan(f["tn_fn_ratio"].iloc[1])
    assert f["val_tn_fn_ratio"].tolist() == pytest.approx([2.0, 5.0])
    # chained on derived metrics: Youden's J is informedness
    np.testing.assert_allclose(f["youden"], f["informedness"])
    np.testing.assert_allclose(f["val_youden"], f["val_informedness"])
    # run-level series are the same in every split
    assert f["scaled"].tolist() == pytest.approx([0.1, 0.005])
    assert f["val_scaled"].tolist() == pytest.approx([0.12, 0.009])
    assert "test_gap" not in f.columns and f["val_gap"].tolist() == pytest.approx([0.2, -0.1])
    assert d.meta["derived"]["val_tn_fn_ratio"] == ["val_tn", "val_fn"]
    assert d.meta["derived"]["val_scaled"] == ["val_loss", "learning_rate"]


def test_count_synonyms_and_case_resolve():
    h = History.build({"True_Negatives": [10.0], "val_FN": [4.0], "val_tn": [8.0], "false_negatives": [5.0]})
    f = derive(h, expressions={"r": "tn / fn"}).frame
    assert f["r"].tolist() == [2.0] and f["val_r"].tolist() == [2.0]


def test_constant_expression_gives_one_column():
    f = derive(history(), expressions={"target": "0.9"}).frame
    assert f["target"].tolist() == [0.9, 0.9]
    assert "val_target" not in f.columns


def test_user_metric_never_overwrites():
    f = derive(history(), expressions={"loss": "tp * 0"}).frame
    assert f["loss"].tolist() == [1.0, 0.5]


def test_unknown_column_names_file_metric_and_column():
    with pytest.raises(ConfigError) as err:
        derive(history(), expressions={"odd": "tp / nosuch"}, config_path="team/histplot.yaml")
    msg = str(err.value)
    assert msg.startswith("team/histplot.yaml: derive.odd: unknown column 'nosuch'")
    assert "tp" in msg


def test_split_prefixed_names_are_refused():
    with pytest.raises(ConfigError, match="write 'loss'"):
        derive(history(), expressions={"gap": "val_loss - loss"}, config_path="histplot.yaml")


def test_inputs_in_different_splits_only():
    h = History.build({"tp": [1.0], "val_fn": [2.0]})
    with pytest.raises(ConfigError, match="no split has all of tp, fn"):
        derive(h, expressions={"r": "tp / fn"})
