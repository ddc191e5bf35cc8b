"""The HTML report in headless Chromium: every image loads, nothing is fetched, no console errors."""

from __future__ import annotations

import pytest

from reglab.report import write_report
from tests.report.browser import CHROMIUM, open_in_chromium
from tests.report.conftest import make_history, store_run, tiny_state

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser)"),
]


def test_report_opens_in_chromium_with_every_image_loaded(store, tmp_path):
    plain = store_run(store, "plain", make_history(1.0), snapshots={0: tiny_state(0, 0.3), 6: tiny_state(1, 1.0)})
    decayed = store_run(store, "weight <decay>", make_history(0.6, sparsity=0.2), [("optimizer.weight_decay", 5e-4)])
    path = write_report(store, [plain, decayed], tmp_path / "report.html", title="browser check")
    screenshot = tmp_path / "report.png"

    check = open_in_chromium(path, screenshot)

    assert check.title == "browser check"
    assert check.console_errors == [] and check.page_errors == []
    # Self-contained: the only request is the file itself (images are data: URLs).
    assert [url for url in check.requests if not url.startswith("data:")] == [path.resolve().as_uri()]
    assert len(check.images) == 9  # 8 comparison figures + 1 weight histogram
    for image in check.images:
        assert image["complete"] and image["width"] > 200 and image["height"] > 150, image
        assert image["scheme"].startswith("data:image/")
    assert screenshot.stat().st_size > 50_000


def test_report_of_configs_over_seeds_opens_with_bands_and_the_seeds_table(store, tmp_path):
    ids = [store_run(store, "plain", make_history(1.0 + seed / 10), [("seed", seed)]) for seed in range(3)]
    ids += [store_run(store, "decay", make_history(0.5 + seed / 10), [("seed", seed)]) for seed in range(3)]
    path = write_report(store, ids, tmp_path / "seeds.html", title="seeds check")
    screenshot = tmp_path / "seeds.png"

    check = open_in_chromium(path, screenshot)

    assert check.console_errors == [] and check.page_errors == []
    # Accuracy and loss (comparison, per run), parameter norm, layer norms: no sparsity, no snapshots.
    assert len(check.images) == 6
    for image in check.images:
        assert image["complete"] and image["width"] > 200 and image["height"] > 150, image
    text = path.read_text()
    assert '<h2 id="seeds">Configs over seeds</h2>' in text and '<td><span class="word">plain</span></td><td>3</td><td>0, 1, 2</td>' in text
