"""Chromium: every chart downloads as PNG and CSV, every data-export table as CSV (static/charts.js, export.js)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from test_web_browser import logged_in_page, server  # noqa: F401

pytestmark = pytest.mark.browser


def _download(page: Any, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_home_chart_and_tables_download(server: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, book = server
    with logged_in_page(base, "ann@salesmind.test", book.password, "/", accept_downloads=True) as seen:
        page = seen.page
        expect(page.locator("#pipeline-chart svg.main-svg").first).to_be_attached()

        name, body = _download(page, "[data-export-png=open-pipeline-by-stage]")
        assert name == "open-pipeline-by-stage.png" and body[:8] == b"\x89PNG\r\n\x1a\n"

        name, body = _download(page, "[data-export-csv=open-pipeline-by-stage]")
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        assert name == "open-pipeline-by-stage.csv"
        shown = page.locator("[data-export=open-pipeline-by-stage-table] tbody tr")
        assert len(rows) == shown.count() >= 1
        assert set(rows[0]) == {"series", "x", "y"} and float(rows[0]["y"]) > 0

        name, body = _download(page, "[data-export-table=open-pipeline-by-stage-table]")
        table = list(csv.reader(io.StringIO(body.decode())))
        assert name == "open-pipeline-by-stage-table.csv"
        assert table[0] == ["Stage", "Deals", "Amount"] and len(table) == shown.count() + 1
        assert table[1][0] == shown.first.locator("td").first.inner_text().strip()
    assert seen.errors == []
