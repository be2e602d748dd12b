"""The search page in a real browser: symptom to procedure to providers, urgent and widened states, the
typeahead by keyboard and mouse, the map, filters, paging, and a phone-width layout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import distances_km, near_box, open_page, query_box, search, wait_ready

pytestmark = [pytest.mark.es, pytest.mark.browser]

Shot = Callable[..., Path]
HEADLINE = "headache worse when upright"


def test_symptom_search_shows_the_blood_patch_interpretation_and_nearby_providers(
        page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url)
    search(page, HEADLINE, "Serzhong")

    interpretation = page.locator("#interpretation")
    expect(interpretation).to_contain_text("Sounds like:")
    expect(interpretation).to_contain_text("intracranial hypotension")
    expect(interpretation.locator(".procedure-link")).to_have_text("Epidural blood patch")
    distances = distances_km(page)
    assert len(distances) >= 3
    assert all(0 <= d <= 25 for d in distances)
    expect(page.locator("#summary")).to_contain_text("Serzhong")
    expect(page.locator(".fictional-note")).to_contain_text("fictional")
    expect(page.locator(".provider").first.locator(".why")).to_contain_text("Epidural blood patch")
    assert page.locator(".map-point").count() == len(distances)
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == [HEADLINE]
    assert query["near"] == ["Serzhong"]
    shot(page, "search-desktop")


def test_typed_suggestions_show_their_type_and_a_click_runs_that_search(page: Page, web_url: str) -> None:
    open_page(page, web_url)
    near_box(page).fill("Serzhong")
    box = query_box(page)
    box.press_sequentially("blood pat", delay=30)
    option = page.get_by_role("option", name=re.compile("Epidural blood patch"))
    expect(option).to_be_visible()
    expect(option.locator(".option-type")).to_have_text("Procedure")
    expect(box).to_have_attribute("aria-expanded", "true")

    option.click()
    wait_ready(page)
    expect(box).to_have_value("Epidural blood patch")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#interpretation")).to_contain_text("Showing providers for: Epidural blood patch")
    assert parse_qs(urlparse(page.url).query)["procedure"] == ["epidural-blood-patch"]
    assert page.locator(".provider").count() >= 3


def test_typeahead_works_with_the_keyboard_alone(page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url)
    for _ in range(6):  # skip link, brand, then the search box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"

    page.keyboard.press("Tab")  # to the location field: choose a place from its own suggestions
    assert page.evaluate("document.activeElement.id") == "near"
    page.keyboard.type("serzh", delay=30)
    near = near_box(page)
    expect(page.locator("#near-listbox")).to_be_visible()
    expect(page.locator("#near-listbox [role=option]").first).to_contain_text("Serzhong")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(near).to_have_value("Serzhong, NE")

    page.keyboard.press("Shift+Tab")
    box = query_box(page)
    expect(box).to_be_focused()
    page.keyboard.type("epidural", delay=30)
    listbox = page.locator("#q-listbox")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    assert options.count() >= 2

    page.keyboard.press("ArrowDown")
    first_id = options.nth(0).get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id or "")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id") or "")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", first_id or "")
    shot(page, "typeahead-keyboard", full_page=False)

    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("epidural")

    page.keyboard.press("ArrowDown")  # reopens on the first option
    expect(listbox).to_be_visible()
    picked = options.nth(0).locator(".option-label").inner_text()
    page.keyboard.press("Enter")
    wait_ready(page)
    expect(box).to_have_value(picked)
    expect(page.locator("#interpretation")).to_contain_text(picked)
    assert parse_qs(urlparse(page.url).query)["near"] == ["Serzhong, NE"]


def test_emergency_banner_comes_before_any_provider(page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url)
    search(page, "sudden worst headache of my life", "Serzhong")

    banner = page.get_by_role("alert").filter(has_text="emergency")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("911")
    first_provider = page.locator(".provider").first
    if first_provider.count():
        banner_box, provider_box = banner.bounding_box(), first_provider.bounding_box()
        assert banner_box and provider_box and banner_box["y"] + banner_box["height"] <= provider_box["y"]
    precedes = page.evaluate(
        "() => { const u = document.querySelector('#urgent'); const n = document.querySelector('#notice');"
        " return !!(u.compareDocumentPosition(n) & Node.DOCUMENT_POSITION_FOLLOWING); }")
    assert precedes, "the urgent banner must come before anything else"
    assert page.locator("#interpretation").count() == 0  # no planned-care procedure beside an emergency
    shot(page, "emergency")


def test_no_banner_for_an_ordinary_symptom(page: Page, web_url: str) -> None:
    open_page(page, web_url, q=HEADLINE, near="Serzhong")
    expect(page.locator(".provider").first).to_be_visible()
    assert page.locator("#urgent").count() == 0


def test_widened_radius_is_said_plainly_for_marrow_creek(page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url)
    search(page, HEADLINE, "Marrow Creek")

    notice = page.locator("#notice")
    expect(notice).to_contain_text("No Epidural blood patch providers within 25 km")
    expect(notice).to_contain_text("widened the search to")
    expect(page.locator("#summary")).not_to_contain_text("within 25 km")
    distances = distances_km(page)
    assert distances and min(distances) > 25
    expect(page.locator(".map-requested")).to_have_count(1)  # the dashed circle: the radius asked for
    shot(page, "widened")


def test_hovering_or_focusing_a_result_highlights_its_map_point(page: Page, web_url: str) -> None:
    open_page(page, web_url, q=HEADLINE, near="Serzhong")
    cards = page.locator(".provider")
    second = cards.nth(1)
    provider_id = second.get_attribute("data-id")
    point = page.locator(f".map-point[data-id='{provider_id}']")

    second.hover()
    expect(point).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator(".map-point.active")).to_have_count(1)

    page.mouse.move(0, 0)
    expect(point).not_to_have_class(re.compile(r"\bactive\b"))
    cards.nth(0).focus()
    first_point = page.locator(f".map-point[data-id='{cards.nth(0).get_attribute('data-id')}']")
    expect(first_point).to_have_class(re.compile(r"\bactive\b"))
    expect(cards.nth(0)).to_have_class(re.compile(r"\bactive\b"))


def test_filters_narrow_the_results_and_sort_orders_them(page: Page, web_url: str) -> None:
    open_page(page, web_url, q=HEADLINE, near="Serzhong")
    before = page.locator(".provider").count()
    accepting = page.get_by_label(re.compile("^Accepting new patients"))
    expect(accepting).to_be_visible()

    accepting.check()
    wait_ready(page)
    expect(page).to_have_url(re.compile("accepting_new_patients=true"))
    expect(page.locator(".provider .badge-no")).to_have_count(0)
    after = page.locator(".provider").count()
    assert 0 < after <= before

    page.get_by_label("Sort by").select_option("distance")
    wait_ready(page)
    expect(page).to_have_url(re.compile("sort=distance"))
    distances = distances_km(page)
    assert distances == sorted(distances)


def test_more_loads_the_next_page_until_there_is_none(page: Page, web_url: str) -> None:
    open_page(page, web_url, q=HEADLINE, near="Serzhong", size="4")
    summary = re.match(r"(\d+) providers", page.locator("#summary").inner_text())
    assert summary, "the summary line states the number of providers"
    total = int(summary.group(1))
    assert total > 4, "the headline search in Serzhong needs more than one page of 4"
    cards = page.locator(".provider")
    expect(cards).to_have_count(4)
    more = page.get_by_role("button", name="More providers")
    while cards.count() < total:
        shown = cards.count()
        more.click()
        expect(cards).to_have_count(min(shown + 4, total))
    expect(more).to_have_count(0)
    ids = [c.get_attribute("data-id") for c in cards.all()]
    assert len(set(ids)) == total, "a page repeated a provider"
    assert page.locator(".map-point").count() == total
    assert [c.locator(".pin-number").inner_text() for c in cards.all()] == [str(i + 1) for i in range(total)]


def test_phone_width_keeps_everything_on_screen(new_page: Callable[..., Page], web_url: str, shot: Shot) -> None:
    page = new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    open_page(page, web_url)
    shot(page, "phone-home", full_page=False)
    search(page, HEADLINE, "Serzhong")

    expect(page.locator("#interpretation")).to_contain_text("Epidural blood patch")
    expect(page.get_by_role("button", name="Search")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for box in (c.bounding_box() for c in page.locator(".provider").all()):
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    expect(page.locator("#filters")).not_to_have_attribute("open", "")  # the list is not pushed down
    shot(page, "phone-results", full_page=False)
    shot(page, "phone-results-full")


def test_emergency_help_lines_are_tap_to_call_links(page: Page, web_url: str) -> None:
    open_page(page, web_url, q="sudden worst headache of my life", near="Serzhong")
    call = page.locator("#urgent a.call").first
    expect(call).to_have_text("Call 911")
    expect(call).to_have_attribute("href", "tel:911")
    assert page.locator(".provider").count() == 0  # no planned-care clinics under an emergency


def test_a_suicidal_crisis_shows_988_to_call_or_text_above_all(page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url, q="i have pills saved up and i am going to take them all tonight to end it",
              near="Serzhong")
    banner = page.locator("#urgent")
    expect(banner.locator("a.call[href='tel:988']")).to_be_visible()
    expect(banner.locator("a.text[href='sms:988']")).to_be_visible()
    expect(banner.locator("a.call[href='tel:911']")).to_be_visible()
    shot(page, "crisis-988")


def test_911_and_the_battery_hotline_are_offered_for_a_swallowed_battery(page: Page, web_url: str) -> None:
    open_page(page, web_url, q="my 2 year old swallowed one of those little round watch batteries",
              near="Serzhong")
    expect(page.locator("#urgent a.call[href='tel:911']")).to_be_visible()
    expect(page.locator("#urgent a.call[href='tel:8004988666']")).to_be_visible()


def test_nothing_we_cover_is_said_plainly_and_lists_nobody(page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url, q="cheap flights to denver", near="Serzhong")
    expect(page.locator("#interpretation")).to_contain_text("Nothing we cover matches this search")
    assert page.locator(".provider").count() == 0
    assert page.locator("#empty").count() == 0  # not an empty result page: no "try a larger distance"
    shot(page, "no-match")


def test_a_primary_care_need_points_to_primary_care(page: Page, web_url: str, shot: Shot) -> None:
    open_page(page, web_url, q="where can i get a flu shot", near="Boston")
    expect(page.locator("#interpretation")).to_contain_text("primary care, a pharmacy or urgent care")
    expect(page.locator("#notice")).to_contain_text("primary-care clinician")
    shot(page, "primary-care")
