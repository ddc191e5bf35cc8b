"""The ranking page in headless Chromium: every scatter loads, nothing is fetched, no console errors."""

from __future__ import annotations

import pytest

from reglab.ranking import collect_sweep, rank_measures, write_ranking_page
from reglab.store import RunStore
from tests.ranking.test_ranking import _store_sweep
from tests.report.browser import CHROMIUM, open_in_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser)"),
]


def test_ranking_page_opens_in_chromium_with_every_scatter_loaded(store_dir, tmp_path):
    store = RunStore(store_dir)
    _store_sweep(store)
    runs = collect_sweep(store, "grid")
    path = write_ranking_page(runs, rank_measures(runs), tmp_path / "ranking.html")

    check = open_in_chromium(path, tmp_path / "ranking.png")

    assert check.title == "Which measure predicts generalization: sweep grid"
    assert check.console_errors == [] and check.page_errors == []
    assert [url for url in check.requests if not url.startswith("data:")] == [path.resolve().as_uri()]
    assert len(check.images) == 5
    for image in check.images:
        assert image["complete"] and image["width"] > 200 and image["height"] > 150, image
