"""index.html opened in headless Chromium at 800 and 1400 px: nothing overflows the page, sorting and
filtering change the rows, brushing an axis of the parallel coordinates changes the highlighted
lines, and a thumbnail opens the full figure.

A probe script is appended to a copy of the page; it acts on the page as a user would (clicks,
typing, a drag) and writes what it saw into the DOM, which ``--dump-dom`` prints.
Needs Chromium (`.ci/run` installs it); skipped only when it is missing outside CI.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import SAMPLES

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LONG_NAME = "a_very_long_run_name_" * 8

PROBE = """<script>
(function () {
  var out = {};
  var doc = document.documentElement;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll('#runs tbody tr')); }
  function visible() { return rows().filter(function (r) { return !r.hidden && r.offsetParent !== null; }); }
  function slugs(list) { return list.map(function (r) { return r.getAttribute('data-slug'); }); }
  out.viewport = window.innerWidth;
  out.pageWidth = doc.scrollWidth;
  out.runCellsOverflow = rows().filter(function (r) {
    var c = r.querySelector('td.run'); return c.scrollWidth > c.clientWidth + 1;
  }).length;
  var wrap = document.querySelector('.table-wrap').getBoundingClientRect();
  out.tableBoxRight = wrap.right;
  // sorting: by epochs, then again (descending)
  var th = Array.prototype.filter.call(document.querySelectorAll('#runs th'), function (t) {
    return t.textContent.trim().indexOf('epochs') === 0; })[0];
  out.before = slugs(rows());
  th.click(); out.epochsAsc = slugs(rows());
  th.click(); out.epochsDesc = slugs(rows());
  out.epochsCells = rows().map(function (r) { return r.cells[3].getAttribute('data-v'); });
  // filtering by text, then by kind
  var text = document.getElementById('filter-text');
  text.value = 'keras'; text.dispatchEvent(new Event('input'));
  out.keras = slugs(visible());
  text.value = ''; text.dispatchEvent(new Event('input'));
  var kind = document.getElementById('filter-kind');
  kind.value = 'overfitting'; kind.dispatchEvent(new Event('change'));
  out.overfitting = slugs(visible());
  out.sectionsShown = document.querySelectorAll('section.run:not([hidden])').length;
  kind.value = ''; kind.dispatchEvent(new Event('change'));
  out.all = visible().length;
  // brushing: drag over the upper half of the 'best val_loss' axis
  var svg = document.getElementById('pc');
  function brush(name) {
    var g = svg.querySelector('g.axis[data-axis="' + name + '"]');
    var area = g.querySelector('rect.brush-area').getBoundingClientRect();
    var x = area.left + area.width / 2, y0 = area.top + 6, y1 = area.top + area.height / 2;
    area = g.querySelector('rect.brush-area');
    area.dispatchEvent(new PointerEvent('pointerdown', {clientX: x, clientY: y0, bubbles: true}));
    document.dispatchEvent(new PointerEvent('pointermove', {clientX: x, clientY: y1, bubbles: true}));
    document.dispatchEvent(new PointerEvent('pointerup', {clientX: x, clientY: y1, bubbles: true}));
  }
  function lines() { return [+svg.getAttribute('data-highlighted'), +svg.getAttribute('data-lines'),
    svg.querySelectorAll('path.line.off').length]; }
  out.axes = Array.prototype.map.call(svg.querySelectorAll('g.axis'),
    function (g) { return g.getAttribute('data-axis'); });
  out.linesBefore = lines();
  brush('best val_loss');
  out.linesAfter = lines();
  out.brushRects = svg.querySelectorAll('rect.brush').length;
  // the table filter hides the lines of the runs it hides
  text.value = 'keras'; text.dispatchEvent(new Event('input'));
  out.linesFiltered = lines();
  text.value = ''; text.dispatchEvent(new Event('input'));
  // one run's epochs
  var pick = document.getElementById('pc-view');
  pick.value = 'overfitting_run'; pick.dispatchEvent(new Event('change'));
  out.epochLinesBefore = lines();
  brush('val_loss');
  out.epochLinesAfter = lines();
  out.pageWidthAfter = doc.scrollWidth;
  // a thumbnail opens the full SVG (inflated asynchronously)
  document.querySelector('#runs tbody tr[data-slug="overfitting_run"] button.thumb').click();
  setTimeout(function () {
    var dialog = document.getElementById('viewer');
    out.dialogOpen = dialog.open;
    var fig = dialog.querySelector('.figure svg');
    var box = fig && fig.getBoundingClientRect();
    out.figure = fig ? [Math.round(box.width), Math.round(box.height)] : null;
    var pre = document.createElement('pre'); pre.id = 'probe';
    pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
  }, 1500);
})();
</script>"""


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run should have installed it")
        pytest.skip("headless Chromium not installed")
    return CHROMIUM


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from click.testing import CliRunner

    from histplot.cli import cli

    tmp = tmp_path_factory.mktemp("browser")
    # every sample but two drawn elsewhere (multiclass_10 by test_cli_derive, the histograms by
    # test_cli); fashion_confusion keeps a confusion slider on the page
    shutil.copytree(
        SAMPLES, tmp / "runs", ignore=shutil.ignore_patterns("multiclass_10.json", "tensorboard_histograms")
    )
    (tmp / "runs" / "broken.json").write_text("{")
    shutil.copy(SAMPLES / "keras_classification.json", tmp / "runs" / f"{LONG_NAME}.json")
    result = CliRunner().invoke(cli, ["report", str(tmp / "runs"), "-o", str(tmp / "out"), "-j", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp / "out" / "summary.json").read_text())
    html = (tmp / "out" / "index.html").read_text()
    probe = tmp / "out" / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"))
    return tmp, probe, summary


def _chromium(args: list[str], timeout: int = 120) -> str:
    """Run headless Chromium in a process group of its own and return what it printed. On a timeout
    the whole group is killed: Chromium's helper processes hold its output open, so waiting for the
    output of the parent alone could wait forever."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"Chromium did not finish within {timeout} s: {' '.join(args[-2:])}")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.seek(0)
        return out.read().decode("utf-8", "replace")


def _probe(chromium, page, width, profile):
    dom = _chromium(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},1000",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ]
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize("width", [800, 1400])
def test_report_in_chromium(chromium, report, width):
    tmp, probe, summary = report
    runs = summary["runs"]
    out = _probe(chromium, probe, width, tmp / f"profile{width}")
    # nothing overflows the page; the long run name wraps inside its cell
    assert out["viewport"] == width
    assert out["pageWidth"] <= width and out["pageWidthAfter"] <= width, out
    assert out["tableBoxRight"] <= width
    assert out["runCellsOverflow"] == 0
    # sorting by epochs: ascending, then descending, empty (unreadable) last both times
    by_slug = {r["slug"]: r for r in runs}
    asc = [by_slug[s]["epochs"] for s in out["epochsAsc"]]
    read = [e for e in asc if e is not None]
    assert read == sorted(read) and asc[-1] is None
    desc = [by_slug[s]["epochs"] for s in out["epochsDesc"]]
    assert [e for e in desc if e is not None] == sorted(read, reverse=True) and desc[-1] is None
    assert out["epochsAsc"] != out["before"] or out["epochsDesc"] != out["before"]
    # filters
    assert sorted(out["keras"]) == sorted(r["slug"] for r in runs if (r["format"] or "").startswith("keras"))
    overfit = sorted(r["slug"] for r in runs if any(f["kind"] == "overfitting" for f in r["findings"]))
    assert overfit and sorted(out["overfitting"]) == overfit
    assert out["sectionsShown"] == len(overfit)
    assert out["all"] == len(runs)
    # brushing the best val_loss axis greys out the runs outside the brush
    assert "best val_loss" in out["axes"]
    n_lines = sum(1 for r in runs if not r["error"])
    assert out["linesBefore"] == [n_lines, n_lines, 0]
    highlighted, total, off = out["linesAfter"]
    assert total == n_lines and 0 < highlighted < n_lines and off == n_lines - highlighted
    assert out["brushRects"] == 1
    assert out["linesFiltered"][1] == len(out["keras"])
    # one run's epochs: 60 lines, brushing val_loss keeps some
    assert out["epochLinesBefore"] == [60, 60, 0]
    assert 0 < out["epochLinesAfter"][0] < 60
    # the full figure opened from its thumbnail, as an SVG as wide as the dialog allows
    assert out["dialogOpen"] is True
    assert out["figure"] and out["figure"][0] > 0.6 * width and out["figure"][1] > 150


def test_screenshots(chromium, report):
    tmp, _, _ = report
    for width in (800, 1400):
        shot = tmp / f"shot{width}.png"
        _chromium(
            [
                chromium,
                *FLAGS,
                f"--user-data-dir={tmp / 'shots'}",
                f"--window-size={width},1600",
                f"--screenshot={shot}",
                (tmp / "out" / "index.html").as_uri(),
            ]
        )
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
        if os.environ.get("HISTPLOT_SHOTS"):  # to look at them: HISTPLOT_SHOTS=dir
            shutil.copy(shot, os.environ["HISTPLOT_SHOTS"])
