"""Small steps the browser tests share: run a search through the form, wait for a view, read distances."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from playwright.sync_api import Locator, Page, expect

DISTANCE = re.compile(r"^(\d+(?:\.\d)?) km$")


def open_page(page: Page, base: str, **params: str) -> None:
    page.goto(f"{base}/?{urlencode(params)}" if params else f"{base}/")
    wait_ready(page)


def wait_ready(page: Page) -> None:
    """The current view finished loading (results, article, or an error)."""
    page.locator("#view[data-state='ready'], #view[data-state='error']").wait_for(state="attached")


def query_box(page: Page) -> Locator:
    return page.get_by_role("combobox", name="What's bothering you?")


def near_box(page: Page) -> Locator:
    return page.get_by_role("combobox", name="Near")


def search(page: Page, q: str, near: str) -> None:
    """Types a location and a query into the form and submits with Enter (no suggestion picked)."""
    near_box(page).fill(near)
    box = query_box(page)
    box.fill(q)
    box.press("Enter")
    expect(page.locator("#view")).to_have_attribute("data-state", re.compile("ready|error"))
    wait_ready(page)


def distances_km(page: Page) -> list[float]:
    texts = page.locator(".provider .distance").all_inner_texts()
    values = []
    for text in texts:
        match = DISTANCE.match(text.strip())
        assert match, f"distance {text!r} is not shown as '<number> km'"
        values.append(float(match.group(1)))
    return values
