"""The page's other states in a real browser: the procedure article and "best doctors" views, the back
button, place errors, an API failure with Retry, "use my location", and a page that stays on its own origin."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.helpers import near_box, open_page, query_box, search, wait_ready

pytestmark = [pytest.mark.es, pytest.mark.browser]

Shot = Callable[..., Path]
HEADLINE = "headache worse when upright"
SERZHONG = {"latitude": 41.2, "longitude": -100.2}


def test_the_page_and_its_assets_are_served_by_the_api(page: Page, web_url: str) -> None:
    response = page.goto(f"{web_url}/")
    assert response is not None and response.ok
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page).to_have_title(re.compile("caremap"))
    expect(page.get_by_role("search")).to_be_visible()


def test_interpretation_links_to_the_procedure_article(page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url, q=HEADLINE, near="Serzhong")
    page.locator("#interpretation .procedure-link").click()
    wait_ready(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Epidural blood patch")
    for heading in ("What it is", "Who it helps", "Risks", "Alternatives"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("#article")).to_contain_text("Anesthesiology")
    assert parse_qs(urlparse(page.url).query)["slug"] == ["epidural-blood-patch"]
    shot(page, "article")

    page.get_by_role("link", name="Find providers near you").click()
    wait_ready(page)
    expect(page.locator("#interpretation")).to_contain_text("Showing providers for: Epidural blood patch")
    assert page.locator(".provider").count() >= 3


def test_best_doctors_view_names_the_procedure_and_the_place(page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url, q=HEADLINE, near="Serzhong")
    page.locator("#interpretation .best-link").click()
    wait_ready(page)

    title = page.get_by_role("heading", level=1)
    expect(title).to_contain_text("Epidural blood patch")
    expect(title).to_contain_text("Serzhong")
    assert page.locator(".provider").count() >= 3
    expect(page.locator(".provider .badge-fictional").first).to_be_visible()
    expect(page.locator("#map-svg")).to_be_visible()
    shot(page, "best-doctors")


def test_back_button_restores_the_previous_search(page: Page, web_url: str) -> None:
    open_page(page, web_url)
    search(page, HEADLINE, "Serzhong")
    first_ids = [c.get_attribute("data-id") for c in page.locator(".provider").all()]
    search(page, "knee replacement", "Serzhong")
    expect(page.locator("#interpretation")).not_to_contain_text("Epidural blood patch")

    page.go_back()
    wait_ready(page)
    expect(query_box(page)).to_have_value(HEADLINE)
    expect(page.locator("#interpretation")).to_contain_text("Epidural blood patch")
    expect(page.locator(".provider")).to_have_count(len(first_ids))
    assert [c.get_attribute("data-id") for c in page.locator(".provider").all()] == first_ids

    page.go_forward()
    wait_ready(page)
    expect(query_box(page)).to_have_value("knee replacement")


def test_a_search_url_loads_directly(page: Page, web_url: str) -> None:
    open_page(page, web_url, q=HEADLINE, near="Serzhong", radius_km="50")
    expect(query_box(page)).to_have_value(HEADLINE)
    expect(near_box(page)).to_have_value("Serzhong")
    expect(page.get_by_label("Within", exact=True)).to_have_value("50")
    expect(page.locator("#summary")).to_contain_text("within 50 km")


def test_an_ambiguous_place_offers_choices_and_a_choice_searches_there(page: Page, web_url: str,
                                                                          shot: Shot) -> None:
    open_page(page, web_url)
    search(page, "knee pain", "Springfield")

    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error.get_by_role("heading")).to_have_text("Which “Springfield” do you mean?")
    shot(page, "place-choices")
    error.get_by_role("button", name="Springfield, IL").click()
    wait_ready(page)
    expect(error).to_be_hidden()
    expect(near_box(page)).to_have_value("Springfield, IL")
    expect(page.locator("#summary")).to_contain_text("Springfield, IL")


def test_an_unknown_place_says_what_to_type(page: Page, web_url: str) -> None:
    open_page(page, web_url)
    search(page, "knee pain", "Nowhereville Zzz")
    expect(page.locator("#error")).to_contain_text("We could not find “Nowhereville Zzz”")
    expect(page.locator("#error")).to_contain_text("ZIP")


def test_an_api_failure_shows_an_error_and_retry_recovers(page: Page, web_url: str, shot: Shot) -> None:
    failures = {"left": 1}

    def flaky(route: Route) -> None:
        if failures["left"]:
            failures["left"] -= 1
            route.fulfill(status=503, headers={"Content-Type": "application/problem+json", "Retry-After": "5"},
                          body=json.dumps({"type": "about:blank", "title": "Search backend unavailable", "status": 503,
                                           "detail": "The search index is temporarily unavailable; retry shortly."}))
        else:
            route.continue_()

    page.route(re.compile(r".*/v1/search\?.*"), flaky)
    open_page(page, web_url, q=HEADLINE, near="Serzhong")

    error = page.get_by_role("alert").filter(has_text="unavailable")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Search is unavailable right now")
    assert page.locator(".provider").count() == 0
    shot(page, "error-retry", full_page=False)
    error.get_by_role("button", name="Retry").click()
    wait_ready(page)
    expect(page.locator("#error")).to_be_hidden()
    assert page.locator(".provider").count() >= 3


def test_use_my_location_searches_around_the_shared_position(new_page: Callable[..., Page], web_url: str) -> None:
    page = new_page(permissions=["geolocation"], geolocation=SERZHONG)
    open_page(page, web_url)
    query_box(page).fill(HEADLINE)
    page.get_by_role("button", name="Use my location").click()
    wait_ready(page)

    expect(near_box(page)).to_have_value("My location")
    expect(page.locator("#geo-status")).to_contain_text("Using your current location")
    query = parse_qs(urlparse(page.url).query)
    assert float(query["lat"][0]) == pytest.approx(41.2) and float(query["lon"][0]) == pytest.approx(-100.2)
    expect(page.locator("#summary")).to_contain_text("your location")
    assert page.locator(".provider").count() >= 3


def test_denied_location_explains_what_to_do_instead(new_page: Callable[..., Page], web_url: str) -> None:
    page = new_page(permissions=[])
    open_page(page, web_url)
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#geo-status")).to_contain_text(re.compile("denied|not available"))
    expect(page.locator("#geo-status")).to_contain_text("ZIP")
    expect(near_box(page)).to_be_focused()
