/* caremap search page: plain JavaScript over the public /v1 API (no build step, no external requests).
 *
 * Views, all chosen by the URL so that links, reloads and the back button work:
 *   /?q=...&near=...|lat=&lon=  [&radius_km, filters, sort, procedure]   search results
 *   /?view=article&slug=...                                              a procedure article
 *   /?view=best&procedure=...|condition=... &near=...|lat=&lon=           "Best doctors near you for X in Y"
 * Every DOM node is built with h()/svg() from text, never from HTML strings, so API text cannot inject markup.
 */
"use strict";

(() => {
  const API = (document.body.dataset.apiBase || "").replace(/\/$/, "");
  const PAGE_SIZE = 10;
  const SUGGEST_DELAY_MS = 150;
  const SEARCH_KEYS = ["q", "size", "near", "lat", "lon", "radius_km", "procedure", "specialty", "language", "gender",
    "accepting_new_patients", "telehealth", "insurance", "min_rating", "sort"];
  const LIST_KEYS = new Set(["specialty", "language", "insurance"]);
  const FILTER_KEYS = ["specialty", "language", "gender", "accepting_new_patients", "telehealth", "insurance",
    "min_rating", "sort", "procedure"];
  const MY_LOCATION = "My location";

  const $ = (sel, root = document) => root.querySelector(sel);
  const view = $("#view");
  const statusLine = $("#status");
  const errorBox = $("#error");
  const form = $("#search-form");
  const qInput = $("#q");
  const nearInput = $("#near");
  const radiusSelect = $("#radius");
  const intro = [...view.children].map((n) => n.cloneNode(true));

  /* ---------- DOM helpers ---------- */

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  const fmtKm = (km) => `${km < 10 ? km.toFixed(1) : Math.round(km)} km`;
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

  /* ---------- API access ---------- */

  class ApiError extends Error {
    constructor(status, title, detail, errors) {
      super(detail || title);
      this.status = status;
      this.title = title;
      this.errors = errors || [];
    }
  }

  async function getJSON(path, signal) {
    let response;
    try {
      response = await fetch(API + path, { headers: { Accept: "application/json" }, signal });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(0, "Could not reach the search service", "Check your connection and try again.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const p = body && typeof body === "object" ? body : {};
      throw new ApiError(response.status, p.title || `HTTP ${response.status}`,
        p.detail || "The search service could not answer this request.", p.errors);
    }
    return body;
  }

  /* ---------- URL state ---------- */

  function currentParams() {
    return new URLSearchParams(window.location.search);
  }

  function navigate(params, { replace = false } = {}) {
    const url = params.toString() ? `/?${params}` : "/";
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    route();
  }

  function searchParamsFromForm() {
    const params = new URLSearchParams();
    params.set("q", qInput.value.trim());
    const near = nearInput.value.trim();
    if (near === MY_LOCATION && geo.coords) {
      params.set("lat", geo.coords.lat.toFixed(4));
      params.set("lon", geo.coords.lon.toFixed(4));
    } else if (near) {
      params.set("near", near);
    }
    params.set("radius_km", radiusSelect.value);
    return params;
  }

  function fillForm(params) {
    if (params.has("q")) qInput.value = params.get("q");
    if (params.has("near")) nearInput.value = params.get("near");
    else if (params.has("lat") && params.has("lon")) {
      geo.coords = { lat: Number(params.get("lat")), lon: Number(params.get("lon")) };
      nearInput.value = MY_LOCATION;
    }
    const radius = params.get("radius_km");
    if (radius && [...radiusSelect.options].some((o) => o.value === radius)) radiusSelect.value = radius;
  }

  /** Results per page: size= in the page URL (1-50), else PAGE_SIZE. */
  function pageSize(params) {
    const n = Number.parseInt(params.get("size") || "", 10);
    return String(n >= 1 && n <= 50 ? n : PAGE_SIZE);
  }

  function locationParams(params) {
    const out = new URLSearchParams();
    for (const k of ["near", "lat", "lon", "radius_km"]) if (params.get(k)) out.set(k, params.get(k));
    return out;
  }

  /* ---------- routing ---------- */

  let inflight = null;
  let retry = null;

  function route() {
    const params = currentParams();
    fillForm(params);
    const which = params.get("view") || (params.get("q") ? "search" : "home");
    if (which === "article" && params.get("slug")) return load((signal) => showArticle(params, signal));
    if (which === "best" && (params.get("procedure") || params.get("condition"))) return load((signal) => showBest(params, signal));
    if (which === "search") return load((signal) => showSearch(params, signal));
    showHome();
  }

  /** Runs one view's request; keeps the old content until the new one is ready (no flicker). */
  async function load(task) {
    if (inflight) inflight.abort();
    const controller = new AbortController();
    inflight = controller;
    retry = () => load(task);
    errorBox.hidden = true;
    view.setAttribute("aria-busy", "true");
    view.dataset.state = "loading";
    statusLine.classList.remove("visually-hidden");
    statusLine.textContent = "Searching…";
    try {
      const content = await task(controller.signal);
      if (controller.signal.aborted) return;
      view.replaceChildren(...content.filter(Boolean));
      statusLine.textContent = content.statusText || "";
      statusLine.classList.add("visually-hidden"); // announced to screen readers; the page shows it already
      hookMapHighlights();
      view.dataset.state = "ready";
    } catch (err) {
      if (err.name === "AbortError" || controller.signal.aborted) return;
      showError(err);
      view.dataset.state = "error";
    } finally {
      if (inflight === controller) {
        inflight = null;
        view.setAttribute("aria-busy", "false");
      }
    }
  }

  function showHome() {
    if (inflight) inflight.abort();
    view.replaceChildren(...intro.map((n) => n.cloneNode(true)));
    view.dataset.state = "ready";
    errorBox.hidden = true;
    statusLine.textContent = "";
    document.title = "caremap: from what you feel to the care near you";
  }

  function showError(err) {
    statusLine.textContent = "";
    statusLine.classList.add("visually-hidden");
    const alternatives = (err.errors || []).flatMap((e) =>
      (e.alternatives || []).map((a) => ({ parameter: e.parameter, option: a })));
    const offline = err.status === 0 || err.status >= 500;
    const place = (err.errors || []).find((e) => e.parameter === "near");
    let title = offline ? "Search is unavailable right now" : "We could not run this search";
    let detail = offline ? `${err.title}. ${err.message}` : err.message;
    if (place && !offline) {
      if (place.value === null || place.value === undefined || place.value === "") {
        title = "Where should we look?";
        detail = "Type a town, \"City, ST\" or ZIP code in Near, or use your location.";
      } else {
        title = alternatives.length ? `Which “${place.value}” do you mean?` : `We could not find “${place.value}”`;
        detail = alternatives.length ? "Several places match. Choose one below, or type \"City, ST\" or a ZIP code."
          : "Try a town name, \"City, ST\" or a 5-digit ZIP code.";
      }
    }
    errorBox.replaceChildren(...[
      h("h2", { text: title }),
      h("p", { class: "error-detail", text: detail }),
      alternatives.length ? h("div", { class: "alternatives" },
        h("p", { text: "Did you mean:" }),
        h("ul", {}, alternatives.map(({ option }) => h("li", {},
          h("button", { type: "button", class: "chip", onclick: () => pickPlace(placeText(option)) }, option.label))))) : null,
      h("button", { type: "button", class: "primary retry", onclick: () => retry && retry() }, "Retry"),
    ].filter(Boolean));
    errorBox.hidden = false;
    view.replaceChildren();
  }

  /** What to send as near= for a place option: its ZIP, or its label without the "(fictional)" mark. */
  function placeText(place) {
    const id = place.id || "";
    if (id.startsWith("zip:")) return id.slice(4);
    return String(place.label || "").replace(/\s*\(fictional\)$/, "");
  }

  function pickPlace(label) {
    nearInput.value = label;
    const params = currentParams();
    params.delete("lat");
    params.delete("lon");
    params.set("near", label);
    navigate(params);
  }

  /* ---------- search view ---------- */

  async function showSearch(params, signal) {
    const query = new URLSearchParams();
    for (const key of SEARCH_KEYS) for (const v of params.getAll(key)) if (v) query.append(key, v);
    query.set("size", pageSize(params));
    const data = await getJSON(`/v1/search?${query}`, signal);
    document.title = `${data.query} near ${data.location.label} · caremap`;
    const content = renderSearch(data, params);
    content.statusText = `${plural(data.total_providers, "provider", "providers")} within ${fmtKm(data.radius_km)}.`;
    return content;
  }

  function renderSearch(data, params) {
    const providers = data.providers || [];
    const list = h("ol", { class: "providers", id: "providers", "aria-label": "Providers" },
      providers.map((p, i) => providerCard(p, i + 1)));
    const mapBox = renderMap(data, providers);
    const more = data.next_cursor ? moreButton(data.next_cursor, params, list, mapBox) : null;
    if ((data.interpretation || {}).confidence === "none" && !providers.length && !data.urgent) {
      // Nothing we cover fits: say so once, with what to try; no provider count, no "try a larger distance".
      return [interpretationLine(data, params), noticeBox(data)];
    }
    if (data.urgent && data.urgent.level === "emergency" && !providers.length) {
      // The API lists no clinics for emergencies: the warning is the answer, not an empty result page, and no
      // planned-care procedure is suggested beside it.
      return [urgentBanner(data.urgent, false), noticeBox(data)];
    }
    return [
      urgentBanner(data.urgent, providers.length > 0),
      interpretationLine(data, params),
      summaryLine(data),
      noticeBox(data),
      h("div", { class: "results-layout" + (data.facets ? " has-filters" : "") },
        data.facets ? filtersPanel(data, params) : null,
        h("section", { class: "results-list", "aria-labelledby": "results-title" },
          h("h2", { id: "results-title", class: "visually-hidden", text: "Providers" }),
          providers.length ? list : emptyState(data),
          more,
          providers.some((p) => p.fictional) ? fictionalNote() : null),
        providers.length ? mapBox : null),
    ];
  }

  function urgentBanner(urgent, withProviders) {
    if (!urgent) return null;
    const emergency = urgent.level === "emergency";
    const lines = urgent.help || [];
    return h("div", { class: `urgent urgent-${urgent.level}`, role: "alert", id: "urgent" },
      h("h2", { text: emergency ? "Call 911 or go to the nearest emergency department now" : "Get seen today" }),
      lines.length ? h("ul", { class: "help-lines", "aria-label": "Who to call" }, lines.map((line) =>
        h("li", { class: `help-line help-${line.kind}` },
          h("a", { class: "call", href: `tel:${line.tel}`, text: line.label }),
          line.sms ? [" ", h("a", { class: "text", href: `sms:${line.sms}`, text: `Text ${line.sms}` })] : null))) : null,
      h("p", { class: "urgent-advice", text: urgent.advice }),
      withProviders
        ? h("p", { class: "urgent-small", text: "The providers below are for planned care, not emergencies." })
        : null);
  }

  function interpretationLine(data, params) {
    const interp = data.interpretation || {};
    const procs = interp.procedures || [];
    const forced = params.get("procedure");
    const top = (forced && procs.find((p) => p.slug === forced)) || procs[0];
    if (!top) {
      // confidence "none": nothing we cover fits; the notice says what fits instead (primary care) or what to try.
      const primary = interp.scope === "primary_care";
      return h("p", { class: "interpretation interpretation-none", id: "interpretation", "data-scope": interp.scope || "" },
        primary ? "No procedure we cover fits this: primary care, a pharmacy or urgent care is the right place."
          : "Nothing we cover matches this search. Try describing a symptom, or name a procedure or condition.");
    }
    const conditionNames = new Map((interp.conditions || []).map((c) => [c.slug, c.name]));
    const condition = (interp.conditions || []).find((c) => (top.conditions || []).includes(c.slug));
    const intent = data.intent || {};
    const possible = interp.confidence === "low" && !forced;
    const lead = intent.type === "procedure" || forced ? "Showing providers for: "
      : possible ? "Possibly: " : "Sounds like: ";
    const others = procs.filter((p) => p.slug !== top.slug).slice(0, 3);
    return h("section", { class: "interpretation" + (possible ? " interpretation-low" : ""), id: "interpretation",
      "aria-label": "What we understood", "data-confidence": interp.confidence || "" },
      h("p", { class: "interpretation-main" },
        h("span", { class: "interpretation-lead", text: lead }),
        condition && intent.type !== "procedure" && !forced
          ? [h("span", { class: "condition", text: conditionNames.get(condition.slug) }),
            h("span", { class: "arrow", "aria-hidden": "true", text: " → " }),
            h("span", { class: "visually-hidden", text: ", usually treated by " })]
          : null,
        h("a", { href: `/?${articleParams(top.slug, params)}`, "data-nav": true, class: "procedure-link", text: top.name }),
        " ",
        h("a", { href: `/?${bestParams(top.slug, params)}`, "data-nav": true, class: "best-link",
          text: `(best doctors for ${top.name.toLowerCase()} near ${data.location.label.replace(/ \(fictional\)$/, "")})` })),
      others.length ? h("p", { class: "interpretation-others" }, "Not it? ",
        others.map((p, i) => [i ? " · " : "", h("a", {
          href: `/?${withParam(params, "procedure", p.slug)}`, "data-nav": true, text: p.name,
        })])) : null);
  }

  function articleParams(slug, params) {
    const out = locationParams(params);
    out.set("view", "article");
    out.set("slug", slug);
    if (params.get("q")) out.set("q", params.get("q"));
    return out;
  }

  function bestParams(slug, params, kind = "procedure") {
    const out = locationParams(params);
    out.set("view", "best");
    out.set(kind, slug);
    return out;
  }

  function withParam(params, key, value) {
    const out = new URLSearchParams(params);
    out.delete("cursor");
    if (value === null || value === "" || value === undefined) out.delete(key);
    else out.set(key, value);
    return out;
  }

  function summaryLine(data) {
    const loc = data.location;
    const ambiguous = loc.ambiguous && (loc.alternatives || []).length
      ? h("span", { class: "ambiguous" }, " Not this place? ",
        loc.alternatives.slice(0, 5).map((a) =>
          h("button", { type: "button", class: "chip", onclick: () => pickPlace(placeText(a)) }, a.label)))
      : null;
    return h("p", { class: "summary", id: "summary" },
      `${plural(data.total_providers, "provider", "providers")} within ${fmtKm(data.radius_km)} of `,
      h("strong", { text: loc.source === "coordinates" ? "your location" : loc.label }), ".", ambiguous);
  }

  function noticeBox(data) {
    if (!data.notice) return null;
    return h("p", { class: "notice" + (data.widened ? " notice-widened" : ""), id: "notice", role: "status",
      text: data.notice });
  }

  function emptyState(data) {
    return h("div", { class: "empty", id: "empty" },
      h("p", { text: data.notice || "No providers match within this distance." }),
      h("p", { text: "Try a larger distance, fewer filters, or a different description." }));
  }

  function fictionalNote() {
    return h("p", { class: "fictional-note" },
      h("strong", { text: "Sample providers are fictional." }),
      " Names, clinics, ratings and addresses are generated for demonstration; do not contact them.");
  }

  function providerCard(p, n) {
    const a = p.clinic.address || {};
    const street = [a.street, a.city, [a.region, a.postal_code].filter(Boolean).join(" ")].filter(Boolean).join(", ");
    const name = [p.name, (p.credentials || []).join(", ")].filter(Boolean).join(", ");
    const titleId = `provider-${p.id}-name`;
    return h("li", { class: "provider", id: `provider-${p.id}`, "data-id": p.id, tabindex: 0, "aria-labelledby": titleId },
      h("div", { class: "provider-head" },
        h("span", { class: "pin-number", "aria-hidden": "true", text: n }),
        h("h3", { id: titleId, text: name }),
        h("span", { class: "distance", text: fmtKm(p.distance_km) })),
      h("p", { class: "specialties", text: (p.specialties || []).join(" · ") }),
      h("p", { class: "clinic" }, h("span", { class: "clinic-name", text: p.clinic.name }), h("br"), street),
      h("ul", { class: "badges", "aria-label": "Details" },
        // Registry records (fictional: false) come from NPPES, which does not say whether a clinician takes
        // new patients: no badge rather than a guess.
        p.fictional === false ? null : p.accepting_new_patients
          ? h("li", { class: "badge badge-yes", text: "Accepting new patients" })
          : h("li", { class: "badge badge-no", text: "Not accepting new patients" }),
        p.telehealth ? h("li", { class: "badge badge-yes", text: "Telehealth" }) : null,
        p.fictional ? h("li", { class: "badge badge-fictional", text: "Fictional sample" }) : null),
      h("p", { class: "meta" },
        p.rating !== null && p.rating !== undefined
          ? h("span", { class: "rating" }, h("span", { "aria-hidden": "true", text: "★ " }),
            `${p.rating.toFixed(1)} (${plural(p.review_count, "review", "reviews")})`)
          : h("span", { class: "rating", text: "No ratings yet" }),
        (p.languages || []).length ? ` · Speaks ${p.languages.join(", ")}` : ""),
      h("p", { class: "why" }, h("span", { class: "why-label", text: "Why this result: " }), p.why));
  }

  function moreButton(cursor, params, list, mapBox) {
    const button = h("button", { type: "button", class: "more", id: "more" }, "More providers");
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "Loading…";
      const query = new URLSearchParams();
      for (const key of SEARCH_KEYS) for (const v of params.getAll(key)) if (v) query.append(key, v);
      query.set("size", pageSize(params));
      query.set("cursor", cursor);
      try {
        const data = await getJSON(`/v1/search?${query}`);
        const start = list.children.length;
        const cards = data.providers.map((p, i) => providerCard(p, start + i + 1));
        list.append(...cards);
        addMapPoints(mapBox, data.providers, start);
        hookMapHighlights();
        statusLine.textContent = `Showing ${list.children.length} of ${plural(data.total_providers, "provider", "providers")}.`;
        if (cards[0]) cards[0].focus();
        if (data.next_cursor) {
          cursor = data.next_cursor;
          button.disabled = false;
          button.textContent = "More providers";
        } else {
          button.remove();
        }
      } catch (err) {
        button.disabled = false;
        button.textContent = "More providers (retry)";
        statusLine.textContent = `Could not load more: ${err.message}`;
      }
    });
    return button;
  }

  /* ---------- filters and sort (shown when the API returns facets) ---------- */

  function filtersPanel(data, params) {
    const f = data.facets;
    const apply = (key, value) => navigate(withParam(params, key, value));
    const toggleList = (key, value, on) => {
      const out = withParam(params, "cursor", null);
      const values = out.getAll(key).filter((v) => v !== value);
      out.delete(key);
      for (const v of on ? [...values, value] : values) out.append(key, v);
      navigate(out);
    };
    const countOf = (buckets, value) => ((buckets || []).find((b) => String(b.value) === value) || {}).count;
    const checkboxGroup = (legend, key, buckets) => {
      const selected = params.getAll(key);
      const values = [...(buckets || []).map((b) => b.value), ...selected.filter((s) => !(buckets || []).some((b) => b.value === s))];
      if (!values.length) return null;
      return h("fieldset", { class: "facet" }, h("legend", { text: legend }),
        values.map((value) => {
          const id = `f-${key}-${value}`.replace(/[^a-zA-Z0-9_-]/g, "_");
          const count = countOf(buckets, value);
          return h("div", { class: "check" },
            h("input", { type: "checkbox", id, checked: selected.includes(value),
              onchange: (e) => toggleList(key, value, e.target.checked) }),
            h("label", { for: id }, value, h("span", { class: "count", text: count === undefined ? "" : ` (${count})` })));
        }));
    };
    const flag = (label, key, buckets) => {
      const id = `f-${key}`;
      const count = countOf(buckets, "true");
      return h("div", { class: "check" },
        h("input", { type: "checkbox", id, checked: params.get(key) === "true",
          onchange: (e) => apply(key, e.target.checked ? "true" : null) }),
        h("label", { for: id }, label, h("span", { class: "count", text: count === undefined ? "" : ` (${count})` })));
    };
    const sortSelect = h("select", { id: "sort", onchange: (e) => apply("sort", e.target.value === "relevance" ? null : e.target.value) },
      [["relevance", "Best match"], ["distance", "Nearest first"], ["rating", "Highest rated"]].map(([v, label]) =>
        h("option", { value: v, selected: (params.get("sort") || data.sort || "relevance") === v, text: label })));
    const ratingSelect = h("select", { id: "min-rating", onchange: (e) => apply("min_rating", e.target.value || null) },
      [["", "Any rating"], ["3", "3 ★ and up"], ["4", "4 ★ and up"], ["4.5", "4.5 ★ and up"]].map(([v, label]) =>
        h("option", { value: v, selected: (params.get("min_rating") || "") === v, text: label })));
    const active = FILTER_KEYS.some((k) => k !== "sort" && k !== "procedure" && params.has(k));
    const panel = h("details", { class: "filters", id: "filters", open: filtersOpen() },
      h("summary", {}, h("h2", { id: "filters-title", text: active ? "Refine (filters on)" : "Refine" })),
      h("div", { class: "field" }, h("label", { for: "sort", text: "Sort by" }), sortSelect),
      h("fieldset", { class: "facet" }, h("legend", { text: "Availability" }),
        flag("Accepting new patients", "accepting_new_patients", f.accepting_new_patients),
        flag("Offers telehealth", "telehealth", f.telehealth)),
      h("div", { class: "field" }, h("label", { for: "min-rating", text: "Rating" }), ratingSelect),
      checkboxGroup("Specialty", "specialty", f.specialties),
      checkboxGroup("Language", "language", f.languages),
      (f.distance_bands || []).some((b) => b.count)
        ? h("div", { class: "facet" }, h("h3", { class: "facet-title", text: "Distance" }),
          h("ul", { class: "bands" }, f.distance_bands.filter((b) => b.count).map((b) =>
            h("li", {}, `${b.value}: `, h("span", { class: "count", text: String(b.count) })))))
        : null,
      active ? h("button", { type: "button", class: "link-button", onclick: () => {
        const out = new URLSearchParams(params);
        for (const k of FILTER_KEYS) if (k !== "sort" && k !== "procedure") out.delete(k);
        navigate(out);
      } }, "Clear filters") : null);
    panel.addEventListener("toggle", () => { filtersOpenChoice = panel.open; });
    return panel;
  }

  // Open on wide screens; on a phone the list comes first until the person opens the panel.
  let filtersOpenChoice = null;
  const filtersOpen = () => filtersOpenChoice ?? window.matchMedia("(min-width: 761px)").matches;

  /* ---------- map: inline SVG, local equirectangular projection, no tiles ---------- */

  const MAP_SIZE = 320;
  const MAP_MARGIN = 18;

  function projector(center, radiusKm) {
    const kmPerDegLat = 110.574;
    const kmPerDegLon = 111.32 * Math.cos((center.lat * Math.PI) / 180);
    const scale = (MAP_SIZE / 2 - MAP_MARGIN) / radiusKm; // px per km
    return {
      scale,
      xy(lat, lon) {
        return [MAP_SIZE / 2 + (lon - center.lon) * kmPerDegLon * scale, MAP_SIZE / 2 - (lat - center.lat) * kmPerDegLat * scale];
      },
    };
  }

  function renderMap(data, providers) {
    const center = data.location;
    const radius = data.radius_km;
    const proj = projector(center, radius);
    const c = MAP_SIZE / 2;
    const barKm = niceBar(radius / 2);
    const requested = data.widened && data.requested_radius_km < radius
      ? svg("circle", { cx: c, cy: c, r: data.requested_radius_km * proj.scale, class: "map-requested" }) : null;
    const root = svg("svg", {
      viewBox: `0 0 ${MAP_SIZE} ${MAP_SIZE}`, class: "map-svg", role: "img", id: "map-svg",
      "aria-label": `Map: ${plural(providers.length, "clinic", "clinics")} within ${fmtKm(radius)} of ${center.label}`,
    },
    svg("rect", { x: 0, y: 0, width: MAP_SIZE, height: MAP_SIZE, class: "map-bg" }),
    svg("circle", { cx: c, cy: c, r: radius * proj.scale, class: "map-radius" }),
    requested,
    svg("g", { class: "map-centre" },
      svg("line", { x1: c - 7, y1: c, x2: c + 7, y2: c }), svg("line", { x1: c, y1: c - 7, x2: c, y2: c + 7 })),
    svg("text", { x: 8, y: 16, class: "map-north", text: "N ↑" }),
    svg("g", { class: "map-scale" },
      svg("line", { x1: 10, y1: MAP_SIZE - 12, x2: 10 + barKm * proj.scale, y2: MAP_SIZE - 12 }),
      svg("text", { x: 10, y: MAP_SIZE - 18, text: `${barKm} km` })),
    svg("g", { class: "map-points" }));
    Object.assign(root.dataset, { lat: center.lat, lon: center.lon, radius });
    addMapPoints(root, providers, 0, proj);
    return h("figure", { class: "map", id: "map" }, root,
      h("figcaption", {},
        `Circle: ${fmtKm(radius)} around ${center.source === "coordinates" ? "your location" : center.label}`,
        requested ? ` (dashed: the ${fmtKm(data.requested_radius_km)} you asked for)` : "",
        ". Numbers match the list. Sketch, not a street map."));
  }

  function addMapPoints(mapEl, providers, offset, proj) {
    const root = mapEl.tagName.toLowerCase() === "svg" ? mapEl : mapEl.querySelector("svg");
    if (!root) return;
    const layer = root.querySelector(".map-points");
    if (!proj) {
      const box = root.dataset;
      proj = projector({ lat: Number(box.lat), lon: Number(box.lon) }, Number(box.radius));
    }
    // Draw in reverse so number 1 ends on top of any overlap.
    const points = providers.map((p, i) => {
      const [x, y] = proj.xy(p.clinic.location.lat, p.clinic.location.lon);
      return svg("g", { class: "map-point", "data-id": p.id, transform: `translate(${x.toFixed(1)} ${y.toFixed(1)})` },
        svg("title", { text: `${offset + i + 1}. ${p.name}, ${p.clinic.name} (${fmtKm(p.distance_km)})` }),
        svg("circle", { r: 9 }),
        svg("text", { y: 3.5, text: String(offset + i + 1) }));
    });
    layer.prepend(...points.reverse());
  }

  function niceBar(km) {
    const steps = [1, 2, 5, 10, 20, 25, 50, 100];
    return steps.filter((s) => s <= km).pop() || 1;
  }

  function hookMapHighlights() {
    const svgRoot = $("#map-svg");
    if (!svgRoot) return;
    const setActive = (id, on) => {
      const point = svgRoot.querySelector(`.map-point[data-id="${CSS.escape(id)}"]`);
      const card = document.getElementById(`provider-${id}`);
      if (point) {
        point.classList.toggle("active", on);
        if (on) point.parentNode.append(point); // bring to front
      }
      if (card) card.classList.toggle("active", on);
    };
    for (const card of document.querySelectorAll(".provider:not([data-hooked])")) {
      card.dataset.hooked = "1";
      const id = card.dataset.id;
      card.addEventListener("mouseenter", () => setActive(id, true));
      card.addEventListener("mouseleave", () => setActive(id, false));
      card.addEventListener("focus", () => setActive(id, true));
      card.addEventListener("blur", () => setActive(id, false));
    }
    for (const point of svgRoot.querySelectorAll(".map-point:not([data-hooked])")) {
      point.dataset.hooked = "1";
      point.addEventListener("mouseenter", () => setActive(point.dataset.id, true));
      point.addEventListener("mouseleave", () => setActive(point.dataset.id, false));
      point.addEventListener("click", () => {
        const card = document.getElementById(`provider-${point.dataset.id}`);
        if (card) card.focus();
      });
    }
  }

  /* ---------- procedure article view ---------- */

  async function showArticle(params, signal) {
    const slug = params.get("slug");
    const article = await getJSON(`/v1/procedures/${encodeURIComponent(slug)}`, signal);
    document.title = `${article.name} · caremap`;
    const back = params.get("q") ? (() => { const p = locationParams(params); p.set("q", params.get("q")); return p; })() : null;
    const findHere = locationParams(params);
    findHere.set("q", article.name);
    findHere.set("procedure", article.slug);
    const hasPlace = params.get("near") || params.get("lat");
    const content = [
      h("article", { class: "article", id: "article", "aria-labelledby": "article-title" },
        back ? h("p", {}, h("a", { href: `/?${back}`, "data-nav": true, text: "← Back to results" })) : null,
        h("h1", { id: "article-title", text: article.name }),
        (article.aliases || []).length ? h("p", { class: "aliases" }, "Also called: ", article.aliases.slice(0, 6).join(", ")) : null,
        (article.specialties || []).length ? h("p", { class: "specialties" }, "Performed by: ",
          article.specialties.map((sp) => (typeof sp === "string" ? sp : sp.name)).join(", ")) : null,
        (article.conditions || []).length ? h("p", { class: "treats" }, "Treats: ",
          article.conditions.map((c) => c.name).join(", ")) : null,
        articleFacts(article),
        h("p", { class: "actions" },
          h("a", { class: "button", href: `/?${findHere}`, "data-nav": true, text: hasPlace ? "Find providers near you" : "Find providers" }),
          hasPlace ? [" ", h("a", { href: `/?${bestParams(article.slug, params)}`, "data-nav": true, text: "Best doctors near you" })] : null),
        articleSections(article.sections),
        (article.related || []).length ? h("section", { class: "article-section related" },
          h("h2", { text: "Often confused with" }),
          h("ul", {}, article.related.map((r) => h("li", {},
            h("a", { href: `/?${articleParams(r.slug, params)}`, "data-nav": true, text: r.name }))))) : null,
        h("p", { class: "disclaimer", text: "Information, not medical advice. Talk to a clinician about your situation." })),
    ];
    content.statusText = `Article: ${article.name}.`;
    return content;
  }

  function articleFacts(article) {
    const facts = [["Where", article.setting], ["How long", article.duration]].filter(([, v]) => v);
    if (!facts.length) return null;
    return h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
  }

  function articleSections(sections) {
    const entries = Array.isArray(sections)
      ? sections.map((s) => [s.heading || s.title || s.name, s.text || s.body || s.content || ""])
      : Object.entries(sections || {});
    return entries.map(([heading, text]) => h("section", { class: "article-section" },
      h("h2", { text: heading }), markdownBlocks(String(text))));
  }

  /** The articles use paragraphs and "- " lists only; rendered as text, never as HTML. */
  function markdownBlocks(text) {
    return text.split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean).map((block) => {
      const lines = block.split("\n");
      if (lines.every((l) => /^\s*[-*] /.test(l))) {
        return h("ul", {}, lines.map((l) => h("li", { text: stripInline(l.replace(/^\s*[-*] /, "")) })));
      }
      return h("p", { text: stripInline(lines.join(" ")) });
    });
  }

  const stripInline = (s) => s.replace(/\*\*(.+?)\*\*/g, "$1").replace(/\*(.+?)\*/g, "$1").replace(/`(.+?)`/g, "$1");

  /* ---------- "best doctors near you for X in Y" view ---------- */

  async function showBest(params, signal) {
    const query = new URLSearchParams();
    for (const key of ["procedure", "condition", "near", "lat", "lon", "radius_km"]) if (params.get(key)) query.set(key, params.get(key));
    query.set("size", pageSize(params));
    const data = await getJSON(`/v1/best?${query}`, signal);
    document.title = `${data.title} · caremap`;
    const providers = data.providers || [];
    const subject = data.subject || {};
    const articleLink = subject.type === "procedure"
      ? h("a", { href: `/?${articleParams(subject.slug, params)}`, "data-nav": true, text: `About ${subject.name.toLowerCase()}` })
      : null;
    const content = [
      h("section", { class: "best", id: "best", "aria-labelledby": "best-title" },
        h("h1", { id: "best-title", text: data.title }),
        subject.summary ? h("p", { class: "subject-summary", text: subject.summary }) : null,
        articleLink ? h("p", {}, articleLink) : null,
        summaryLine(data),
        noticeBox(data),
        h("div", { class: "results-layout" },
          h("section", { class: "results-list", "aria-label": "Providers" },
            providers.length
              ? h("ol", { class: "providers", id: "providers" }, providers.map((p, i) => providerCard(p, i + 1)))
              : emptyState(data),
            h("p", { class: "ranking", text: data.ranking }),
            providers.some((p) => p.fictional) ? fictionalNote() : null),
          providers.length ? renderMap(data, providers) : null)),
    ];
    content.statusText = `${plural(data.total_providers, "provider", "providers")} within ${fmtKm(data.radius_km)}.`;
    return content;
  }

  /* ---------- typeahead (ARIA 1.2 combobox with a listbox popup) ---------- */

  function combobox(input, listbox, { fetchOptions, onPick }) {
    let options = [];
    let active = -1;
    let timer = null;
    let controller = null;
    let lastText = null;

    const isOpen = () => !listbox.hidden;
    const open = () => {
      if (!options.length) return close();
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    };
    /** Close and forget anything pending; options for other text than the box now holds are dropped. */
    function dismiss() {
      clearTimeout(timer);
      if (controller) controller.abort();
      if (lastText !== input.value.trim()) {
        lastText = null;
        options = [];
        listbox.replaceChildren();
      }
      close();
    }
    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }
    function setActive(i) {
      active = i;
      [...listbox.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
      if (i >= 0) {
        const li = listbox.children[i];
        input.setAttribute("aria-activedescendant", li.id);
        li.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function render(items) {
      options = items;
      // Replace the options in one step, so the list never flashes empty between keystrokes.
      listbox.replaceChildren(...items.map((item, i) => h("li", {
        id: `${listbox.id}-opt-${i}`, role: "option", class: "option", "aria-selected": "false",
        onmousedown: (e) => e.preventDefault(), // keep focus in the input
        onclick: () => pick(i),
      }, h("span", { class: "option-label", text: item.label }),
      h("span", { class: `option-type type-${item.type}`, text: typeLabel(item.type) }))));
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (items.length && document.activeElement === input) open();
      else close();
    }
    function pick(i) {
      const item = options[i];
      close();
      if (item) onPick(item);
      dismiss();
    }
    function schedule() {
      clearTimeout(timer);
      const text = input.value.trim();
      if (text.length < 2) {
        if (controller) controller.abort();
        lastText = null;
        options = [];
        listbox.replaceChildren();
        close();
        return;
      }
      timer = setTimeout(async () => {
        if (text === lastText) return open();
        if (controller) controller.abort();
        controller = new AbortController();
        try {
          const items = await fetchOptions(text, controller.signal);
          lastText = text;
          if (input.value.trim() === text) render(items);
        } catch (err) {
          if (err.name !== "AbortError") { options = []; close(); }
        }
      }, SUGGEST_DELAY_MS);
    }

    input.addEventListener("input", schedule);
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!options.length) return;
        e.preventDefault();
        if (!isOpen()) { open(); setActive(e.key === "ArrowDown" ? 0 : options.length - 1); return; }
        const step = e.key === "ArrowDown" ? 1 : -1;
        let next = active + step;
        if (next >= options.length) next = 0;
        if (next < -1) next = options.length - 1;
        setActive(next);
      } else if (e.key === "Enter") {
        if (isOpen() && active >= 0) { e.preventDefault(); pick(active); } else dismiss();
      } else if (e.key === "Escape") {
        if (isOpen()) { e.preventDefault(); close(); } else if (input.value) { input.value = ""; }
      } else if (e.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 0));
    input.addEventListener("focus", () => { if (options.length && input.value.trim() === lastText) open(); });
    return { close: dismiss, reset() { lastText = null; options = []; listbox.replaceChildren(); close(); } };
  }

  const TYPE_LABELS = { symptom: "Symptom", condition: "Condition", procedure: "Procedure", specialty: "Specialty", place: "Place" };
  const typeLabel = (t) => TYPE_LABELS[t] || t;

  async function fetchSuggestions(text, signal, limit = 8) {
    const body = await getJSON(`/v1/suggest?${new URLSearchParams({ q: text, limit: String(limit) })}`, signal);
    const items = Array.isArray(body) ? body : (body && body.suggestions) || [];
    return items.filter((s) => s && s.label);
  }

  async function fetchPlaces(text, signal) {
    try {
      const items = (await fetchSuggestions(text, signal, 12)).filter((s) => s.type === "place");
      if (items.length) return items.slice(0, 8);
    } catch (err) {
      if (err.name === "AbortError") throw err;
    }
    const body = await getJSON(`/v1/places?${new URLSearchParams({ q: text })}`, signal);
    const list = [body.best, ...(body.alternatives || [])].filter(Boolean);
    return list.map((p) => ({ type: "place", label: p.label, value: p.id, id: p.id, lat: p.lat, lon: p.lon }));
  }

  const queryBox = combobox(qInput, $("#q-listbox"), {
    fetchOptions: (text, signal) => fetchSuggestions(text, signal),
    onPick(item) {
      if (item.type === "place") {
        nearInput.value = placeText(item);
        geo.coords = null;
        qInput.focus();
        return;
      }
      // A symptom's value is the phrase itself; the others' values are slugs or names: search by the label.
      qInput.value = item.type === "symptom" ? item.value || item.label : item.label;
      submit(item.type === "procedure" && item.slug ? { procedure: item.slug } : {});
    },
  });

  const placeBox = combobox(nearInput, $("#near-listbox"), {
    fetchOptions: fetchPlaces,
    onPick(item) {
      nearInput.value = placeText(item);
      geo.coords = null;
      if (qInput.value.trim()) submit();
    },
  });

  /* ---------- "use my location" ---------- */

  const geo = { coords: null };
  const geoStatus = $("#geo-status");

  $("#geo").addEventListener("click", () => {
    if (!("geolocation" in navigator)) {
      geoStatus.textContent = "This browser cannot share its location. Type a town or ZIP code instead.";
      nearInput.focus();
      return;
    }
    geoStatus.textContent = "Asking your browser for your location…";
    navigator.geolocation.getCurrentPosition((pos) => {
      geo.coords = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      nearInput.value = MY_LOCATION;
      placeBox.reset();
      geoStatus.textContent = "Using your current location (it is sent only as rounded coordinates with the search).";
      if (qInput.value.trim()) submit();
      else qInput.focus();
    }, (err) => {
      geo.coords = null;
      if (nearInput.value === MY_LOCATION) nearInput.value = "";
      geoStatus.textContent = err.code === 1
        ? "Location access was denied. Type a town, \"City, ST\" or ZIP code instead."
        : "Your location is not available right now. Type a town, \"City, ST\" or ZIP code instead.";
      nearInput.focus();
    }, { timeout: 10000, maximumAge: 600000 });
  });

  nearInput.addEventListener("input", () => {
    if (geo.coords && nearInput.value !== MY_LOCATION) geo.coords = null;
  });

  /* ---------- form submit, links, history ---------- */

  function submit(extra = {}) {
    queryBox.close();
    placeBox.close();
    if (!qInput.value.trim()) {
      statusLine.textContent = "Type what is bothering you first.";
      qInput.focus();
      return;
    }
    const params = searchParamsFromForm();
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    navigate(params);
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });

  radiusSelect.addEventListener("change", () => {
    const params = currentParams();
    if (params.get("q") || params.get("view") === "best") navigate(withParam(params, "radius_km", radiusSelect.value));
  });

  document.addEventListener("click", (e) => {
    const link = e.target.closest("a[data-nav]");
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname !== "/") return;
    e.preventDefault();
    const params = new URLSearchParams(url.search);
    if (!url.search) qInput.value = ""; // the brand link starts over
    navigate(params);
    $("#main").focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });

  window.addEventListener("popstate", route);

  route();
})();
