"""index.html opened in a real browser: every figure must render with a non-zero size.

Needs headless Chromium (`.ci/run` installs it); skipped only when it is missing outside CI.
"""

import json
import os
import re
import shutil
import subprocess

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

MEASURE = """<script>
(function () {
  var out = [];
  document.querySelectorAll('svg').forEach(function (s) {
    var b = s.getBoundingClientRect(); out.push([Math.round(b.width), Math.round(b.height)]);
  });
  var pre = document.createElement('pre'); pre.id = 'histplot-measure';
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
})();
</script>"""


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run should have installed it")
        pytest.skip("headless Chromium not installed")
    return CHROMIUM


def test_every_figure_renders_in_chromium(chromium, run, tmp_path):
    shutil.copytree(SAMPLES, tmp_path / "runs")
    (tmp_path / "runs" / "broken.json").write_text("{")
    run("report", tmp_path / "runs", "-o", tmp_path / "out", "-j", "1")
    html = (tmp_path / "out" / "index.html").read_text()
    expected = sum(1 for r in json.loads((tmp_path / "out" / "summary.json").read_text())["runs"] if not r["error"])
    probe = tmp_path / "out" / "probe.html"
    probe.write_text(html.replace("</body>", MEASURE + "</body>"))
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--window-size=1400,1000", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    sizes = json.loads(re.search(r'<pre id="histplot-measure">(.*?)</pre>', dom).group(1))
    assert len(sizes) == expected >= 4
    assert all(w > 300 and h > 150 for w, h in sizes), sizes
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1400,3000",
            f"--screenshot={shot}",
            (tmp_path / "out" / "index.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
