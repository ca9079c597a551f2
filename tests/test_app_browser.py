"""The app end to end in a real headless Chromium (Debian's, driven by Playwright).

One browser session: the app starts, the map canvas renders, a filter changes the count
shown, a parcel found through the search box shows its details (its holder, an HTML
``<img onerror>``, shows as text and never runs), a download is read back by
``landplan import``, and every page is screenshotted into ``tests/artifacts/app/``
(gitignored).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mapspec import wait_map

import landplan
from landplan import labels
from landplan.app.i18n import t
from landplan.app.pages import PAGES
from landplan.workspace import Workspace

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "app"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def xss_workspace(tmp_path) -> Path:
    from conftest import _park_parcels, _park_roads

    parcels = _park_parcels()
    parcels.loc[parcels["parcel_id"] == "HF-009", "holder"] = XSS
    parcels["agreed_start_date"] = pd.to_datetime(
        np.where(parcels["parcel_id"] == "HF-006", "2019-01-01", None))
    path = tmp_path / "workspace"
    Workspace(path).write("parcels", parcels)
    Workspace(path).write("roads", _park_roads())
    return path


def _count(page) -> str:
    caption = page.locator("[data-testid='stSidebar']").get_by_text(re.compile(r"^显示 \d+ / \d+ 宗"))
    caption.first.wait_for(timeout=30_000)
    return caption.first.inner_text()


@pytest.mark.browser
def test_browser_end_to_end(streamlit_app, chromium_browser, xss_workspace, tmp_path):
    url = streamlit_app(xss_workspace)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000},
                                           locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    outside: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        start = time.monotonic()
        page.goto(url, timeout=60_000)
        wait_map(page)
        first_canvas_s = time.monotonic() - start
        assert "园区土地规划" in page.title()
        page.locator("h1", has_text="总览").first.wait_for()
        assert _count(page).startswith("显示 9 / 9 宗")

        # a filter changes the count shown (the sidebar's search by id or holder)
        box = page.get_by_label(t("filters.text", "zh"))
        box.fill("HF-006")
        box.press("Enter")
        page.get_by_text(re.compile(r"^显示 1 / 9 宗")).first.wait_for()
        box.fill("")
        box.press("Enter")
        page.get_by_text(re.compile(r"^显示 9 / 9 宗")).first.wait_for()

        # the parcel page: find a parcel through the search box, see its details
        page.get_by_role("link", name=t("nav.parcel", "zh")).click()
        page.locator("h1", has_text="地块详情").first.wait_for()
        wait_map(page)
        search = page.get_by_label(t("select.label", "zh"), exact=True)
        search.fill("HF-009")
        search.press("Enter")  # one parcel found: it is selected
        table = page.locator("[data-testid='stTable']")
        table.get_by_text(XSS, exact=True).wait_for(timeout=30_000)  # shown as text
        assert page.locator("img[src='x']").count() == 0
        # identify in place: the selected parcel's facts beside the map, the holder as text
        page.locator(".landplan-identify").get_by_text(
            labels.t("identify.fact", "zh", name=labels.column("holder", "zh"), value=XSS),
            exact=True).wait_for()
        assert page.locator("img[src='x']").count() == 0
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "parcel-xss.png"), full_page=True)

        # a download that landplan import reads back
        page.get_by_role("link", name=t("nav.data", "zh")).click()
        page.locator("h1", has_text=t("nav.data", "zh")).first.wait_for()
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name=t("data.download.gpkg", "zh")).click()
        saved = tmp_path / "download.gpkg"
        info.value.save_as(str(saved))
        report = landplan.import_layer(saved, "parcels", workspace=tmp_path / "back")
        assert report.imported == 9 and report.rejected == 0
        back = Workspace(tmp_path / "back").read("parcels").set_index("parcel_id")
        assert back.loc["HF-009", "holder"] == XSS

        # every page, screenshotted
        for name, _icon in PAGES:
            page.get_by_role("link", name=t(f"nav.{name}", "zh")).click()
            page.locator("h1", has_text=t(f"nav.{name}", "zh")).first.wait_for()
            # (economics: this park's rules set no economics inputs, so the page says which
            # are missing and draws no map)
            if name not in {"siting", "data", "settings", "economics"}:
                wait_map(page)
            page.wait_for_timeout(400)
            assert not page.locator("[data-testid='stException']").count(), name
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000

        # a language switch keeps every choice: the utilities a project needs, chosen by
        # their labels, read in the new language (Streamlit sends labels back, not codes)
        page.get_by_role("link", name=t("nav.siting", "zh")).click()
        needs = page.locator("[data-testid='stMain'] [data-testid='stMultiSelect']").first
        needs.get_by_text("给水", exact=True).wait_for()
        page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
        page.get_by_role("option", name="English").click()
        page.locator("h1", has_text=t("nav.siting", "en")).first.wait_for()
        for word in ("road", "water supply", "power"):
            needs.get_by_text(word, exact=True).wait_for(timeout=10_000)
        assert "给水" not in needs.inner_text()
        print(f"first canvas after {first_canvas_s:.1f} s; screenshots in {ARTIFACTS}")
        assert dialogs == [], f"a script ran: {dialogs}"
        assert outside == [], f"requests beyond the local server: {outside}"
    finally:
        context.close()
