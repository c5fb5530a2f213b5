"""Distribution series: TensorBoard histogram summaries (HistogramProto and TF2 tensors) written here
with the tensorboard package's own writer, per-epoch arrays in JSON, and the distributions figure."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import histplot
from histplot.figures.distributions import distribution_figure, median_abs, percentiles

pytestmark = pytest.mark.tensorboard


def write_events(logdir, steps):
    """``steps``: [(step, [summary values])]; the writer is tensorboard's own."""
    pytest.importorskip("tensorboard")
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    w = EventFileWriter(str(logdir))
    for step, values in steps:
        w.add_event(event_pb2.Event(wall_time=1.0 + step, step=step, summary=summary_pb2.Summary(value=values)))
    w.close()
    return logdir


def scalar(tag, v):
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.util import tensor_util

    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    return summary_pb2.Summary.Value(tag=tag, metadata=meta, tensor=tensor_util.make_tensor_proto(np.float32(v)))


def proto_histogram(tag, values, bins=20):
    """As PyTorch's ``add_histogram`` writes it: right edges, an empty bucket first, min and max."""
    from tensorboard.compat.proto import summary_pb2

    counts, limits = np.histogram(values, bins=bins)
    h = summary_pb2.HistogramProto(
        min=float(values.min()),
        max=float(values.max()),
        num=len(values),
        sum=float(values.sum()),
        sum_squares=float((values**2).sum()),
        bucket_limit=limits.tolist(),
        bucket=[0.0, *counts.astype(float).tolist()],
    )
    return summary_pb2.Summary.Value(tag=tag, histo=h)


def tensor_histogram(tag, values, bins=30):
    """As TF2's ``tf.summary.histogram`` (the Keras callback's ``histogram_freq``) writes it."""
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.util import tensor_util

    counts, edges = np.histogram(values, bins=bins)
    arr = np.column_stack([edges[:-1], edges[1:], counts]).astype(np.float64)
    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="histograms"))
    return summary_pb2.Summary.Value(tag=tag, metadata=meta, tensor=tensor_util.make_tensor_proto(arr))


def test_add_histogram_protos_become_distributions_on_the_epoch_clock(tmp_path):
    rng = np.random.default_rng(0)
    samples = {e: rng.normal(0, 1 / (e + 1), 500) for e in range(5)}
    steps = [(e, [scalar("loss", 1 / (e + 1)), proto_histogram("fc1.weight.grad", samples[e])]) for e in range(5)]
    write_events(tmp_path, steps)
    h = histplot.load(tmp_path)
    d = h.distributions["fc1.weight.grad"]
    assert d.clock == "epoch" and d.index.tolist() == [1, 2, 3, 4, 5]  # steps 0..4 count epochs from 0
    b = d.buckets[2]
    assert b[:, 2].sum() == 500
    assert b[0, 0] == pytest.approx(samples[2].min()) and b[-1, 1] == pytest.approx(samples[2].max())
    p = percentiles(b)
    assert p[0] == pytest.approx(samples[2].min()) and p[-1] == pytest.approx(samples[2].max())
    assert p[3] == pytest.approx(np.median(samples[2]), abs=2 * (b[1, 1] - b[1, 0]))
    # the spread shrinks as the run goes on, and the figure's median-|x| panel sees it
    assert median_abs(d.buckets[4]) < median_abs(d.buckets[0])


def test_keras_tensor_histograms_of_one_tag_per_layer_stay_apart(tmp_path):
    rng = np.random.default_rng(1)
    steps = []
    for e in range(3):
        values = [scalar("epoch_loss", 1.0 / (e + 1))]
        for layer in range(3):  # Keras 3 writes every layer's kernel under the same tag
            values.append(tensor_histogram("kernel/histogram", rng.normal(layer, 0.1, 300)))
        steps.append((e, values))
    write_events(tmp_path / "train", steps)
    h = histplot.load(tmp_path)
    assert list(h.distributions) == ["kernel/histogram", "kernel/histogram (2)", "kernel/histogram (3)"]
    for layer, tag in enumerate(h.distributions):
        d = h.distributions[tag]
        assert d.index.tolist() == [1, 2, 3]
        assert percentiles(d.buckets[0], (50,))[0] == pytest.approx(layer, abs=0.05)
    assert h.frame["loss"].tolist() == pytest.approx([1.0, 0.5, 1 / 3])


def test_histograms_at_iteration_steps_stay_on_the_step_clock(tmp_path):
    rng = np.random.default_rng(2)
    steps = [(s, [scalar("loss", 1 / s), proto_histogram("w", rng.normal(size=50))]) for s in (100, 200, 300)]
    write_events(tmp_path, steps)
    h = histplot.load(tmp_path)
    assert h.distributions["w"].clock == "step" and h.distributions["w"].index.tolist() == [100, 200, 300]


def test_malformed_histogram_is_skipped_with_a_note(tmp_path):
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.util import tensor_util

    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="histograms"))
    negative = np.array([[0.0, 1.0, 5.0], [1.0, 2.0, -3.0]])
    bad = summary_pb2.Summary.Value(tag="w", metadata=meta, tensor=tensor_util.make_tensor_proto(negative))
    write_events(tmp_path, [(0, [scalar("loss", 1.0), bad]), (1, [scalar("loss", 0.5)])])
    h = histplot.load(tmp_path)
    assert not h.distributions and any("malformed, skipped: w" in n for n in h.notes)
    assert h.frame["loss"].tolist() == [1.0, 0.5]


def test_per_epoch_arrays_in_json_become_distributions(tmp_path):
    rng = np.random.default_rng(3)
    probs = [rng.beta(1 + e, 2, 100).tolist() for e in range(4)]
    path = tmp_path / "h.json"
    path.write_text(json.dumps({"loss": [1, 0.8, 0.6, 0.5], "val_loss": [1, 0.9, 0.7, 0.8], "val_probs": probs}))
    h = histplot.load(path)
    d = h.distributions["val_probs"]
    assert d.index.tolist() == [1, 2, 3, 4] and all(b[:, 2].sum() == 100 for b in d.buckets)
    # one set of edges for every epoch, spanning every value
    assert all(np.array_equal(b[:, :2], d.buckets[0][:, :2]) for b in d.buckets)
    assert d.buckets[0][0, 0] == pytest.approx(min(min(p) for p in probs))
    width = d.buckets[0][0, 1] - d.buckets[0][0, 0]
    top = percentiles(d.buckets[3], (100,))[0]  # the right edge of the bucket holding the maximum
    assert max(probs[3]) <= top + 1e-12 and top - max(probs[3]) < width


def test_distribution_figure_draws_bands_histograms_and_the_layer_panel(tmp_path):
    rng = np.random.default_rng(4)
    steps = [
        (
            e,
            [scalar("loss", 1 / (e + 1))]
            + [proto_histogram(f"layer{k}.grad", rng.normal(0, 0.1 / (k + 1), 200)) for k in range(3)],
        )
        for e in range(6)
    ]
    write_events(tmp_path, steps)
    h = histplot.load(tmp_path)
    fig = distribution_figure(h, epochs=[2, 4])
    titles = [ax.get_title() for ax in fig.axes]
    assert "layer0.grad: percentiles" in titles and "layer2.grad: histograms" in titles
    assert "grad: median |value| per layer" in titles
    hist_ax = fig.axes[titles.index("layer0.grad: histograms")]
    assert [t.get_text() for t in hist_ax.get_legend().get_texts()] == ["epoch 2", "epoch 4"]
    layer_ax = fig.axes[titles.index("grad: median |value| per layer")]
    medians = [np.median(line.get_ydata()) for line in layer_ax.lines]
    assert medians[0] > medians[1] > medians[2]  # smaller spread for deeper layers, as generated


def test_plot_writes_the_extra_figures_and_info_lists_distributions(tmp_path, run):
    rng = np.random.default_rng(5)
    path = tmp_path / "h.json"
    probs = [rng.random(50).tolist() for _ in range(3)]
    cm = [[[5, 1], [2, 4]], [[6, 0], [1, 5]], [[6, 0], [0, 6]]]
    path.write_text(json.dumps({"loss": [1, 0.5, 0.3], "val_loss": [1, 0.6, 0.5], "val_probs": probs, "val_cm": cm}))
    result = run("plot", path, "-o", tmp_path / "out", ok=True)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["h-confusion.png", "h-distributions.png", "h.png"]
    assert result.stdout.count("\n") == 3
    result = run("info", path, ok=True)
    assert "val_probs" in result.stdout and "confusion" in result.stdout


def test_layer_groups_follow_the_common_spellings():
    from histplot.figures.distributions import layer_groups

    assert layer_groups(["grad/fc1", "grad/fc2", "val/prob"]) == {"grad": ["grad/fc1", "grad/fc2"]}
    keras = ["kernel/histogram", "bias/histogram", "kernel/histogram (2)", "bias/histogram (2)", "kernel/histogram (3)"]
    assert layer_groups(keras) == {"kernel": keras[::2], "bias": keras[1::2]}
    assert layer_groups(["fc1.weight", "fc2.weight", "fc1.bias"]) == {"weight": ["fc1.weight", "fc2.weight"]}


def test_plot_epochs_option_chooses_the_overlaid_histograms(tmp_path, run, monkeypatch):
    from histplot.figures import distributions

    drawn = []
    real = distributions.distribution_figure
    monkeypatch.setattr(distributions, "distribution_figure", lambda h, **kw: drawn.append(kw) or real(h, **kw))
    monkeypatch.setenv("HISTPLOT_DEBUG", "1")  # draw in this process, where the spy is
    path = tmp_path / "h.json"
    path.write_text(json.dumps({"loss": [1, 0.8, 0.6, 0.5], "val_probs": [[0.1, 0.5, 0.9] * 10] * 4}))
    run("plot", path, "--epochs", "2,4", "-o", tmp_path / "out", ok=True)
    assert drawn == [{"epochs": [2, 4]}]
    r = run("plot", path, "--epochs", "two", "-o", tmp_path / "out")
    assert r.exit_code == 2 and "--epochs takes whole epoch numbers" in r.stderr


def test_short_vectors_per_epoch_are_statistics_not_samples(tmp_path):
    coco = [[0.1 * e + 0.01 * i for i in range(12)] for e in range(3)]  # DETR's test_coco_eval_bbox
    path = tmp_path / "log.txt"
    path.write_text(
        "".join(
            json.dumps({"epoch": e, "train_loss": 1.0 / (e + 1), "test_coco_eval_bbox": coco[e]}) + "\n"
            for e in range(3)
        )
    )
    h = histplot.load(path)
    assert not h.distributions and any("12 numbers per epoch" in n for n in h.notes)


def test_rebinned_histograms_keep_every_count_and_no_narrow_spike():
    from histplot.figures.distributions import rebinned

    # PyTorch-like buckets: an empty opening bucket, a very narrow one, a wide one, one repeated value
    buckets = np.array([[0.0, 0.0, 0.0], [0.0, 1e-9, 50.0], [1e-9, 4.0, 100.0], [3.0, 3.0, 10.0]])
    edges = np.linspace(0.0, 4.0, 5)
    counts = rebinned(buckets, edges)
    assert counts.sum() == pytest.approx(160.0)
    # the narrow bucket lands in the first bin; the wide one is shared by overlap; the point in [3, 4)
    assert counts.tolist() == pytest.approx([50 + 25, 25, 25, 25 + 10], rel=1e-6)


def test_a_single_histogram_is_drawn_without_percentile_bands():
    from histplot.figures.distributions import distribution_figure
    from histplot.history import DistributionSeries, History

    d = DistributionSeries(np.array([1]), [np.array([[0.0, 1.0, 5.0], [1.0, 2.0, 7.0]])], "classes")
    h = History(frame=pd.DataFrame({"loss": [1.0, 0.5]}, index=[1, 2]), distributions={"classes": d})
    fig = distribution_figure(h)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["classes: histograms"]


def test_histograms_are_read_without_the_tensorboard_package(tmp_path):
    """The event file's protobufs are decoded by histplot itself; a TF2 histogram names its plugin
    with the tag's first value only, as the writers send metadata once per tag."""
    import subprocess
    import sys

    rng = np.random.default_rng(4)
    steps = []
    for e in range(4):
        h = tensor_histogram("dense/kernel", rng.normal(0, 1 / (e + 1), 400))
        if e:
            h.ClearField("metadata")
        steps.append((e, [scalar("epoch_loss", 1.0 / (e + 1)), h, proto_histogram("grad", rng.normal(size=80))]))
    write_events(tmp_path / "train", steps)
    script = (
        "import sys; sys.modules['tensorboard'] = None\n"
        "import histplot\n"
        f"h = histplot.load({str(tmp_path)!r})\n"
        "print(sorted((k, d.index.tolist(), int(sum(b[:, 2].sum() for b in d.buckets))) "
        "for k, d in h.distributions.items()))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[('dense/kernel', [1, 2, 3, 4], 1600), ('grad', [1, 2, 3, 4], 320)]"
