// The search view: a query's pages of results, fetched by cursor as the grid scrolls, and
// the honest states around them (no match, nothing to search, the welcome).
import { call, search, searchByImage, showPicture } from "./api.js";
import { $, el, fileName, fill, showError } from "./dom.js";
import { renderQueryImage } from "./example.js";
import { renderFacets } from "./facets.js";
import { droppedImage, go, link, state } from "./nav.js";
import { Grid } from "./grid.js";
import { parse, stateUrl } from "./query.js";
import { selectRange, selected, toggleSelected } from "./selection.js";

const PAGE = 60; // results per request; the next page comes with the cursor on scroll
export const pageOf = new Map(); // id -> the cursor of the page it came on (null: the first)
let cursor = null;
let loading = null; // the AbortController of the search in flight
export const grid = new Grid($("grid"), (hit, box) => card(hit, false, box));
let lastSearch = null; // what the shown results answer (so a detail does not search again)

/** Search again only when the query changed: opening or closing a detail keeps the results,
 * their scroll position and their "why". */
export function renderSearch() {
  const key = JSON.stringify([state.q, state.sort, state.image, state.similar, state.weight, state.all, droppedImage?.name]);
  if (key === lastSearch) return;
  lastSearch = key;
  runSearch();
}

/** The next renderSearch searches again (tags changed, an image was dropped). */
export function forgetSearch() {
  lastSearch = null;
}

export function request(first) {
  const parsed = parse(state.q);
  const body = {
    text: parsed.text,
    negative: parsed.negative,
    filters: parsed.filters,
    limit: PAGE,
    facets: first,
  };
  if (state.sort) body.sort = state.sort;
  if (state.all) body.include_all = true;
  if (state.similar) body.similar_to = state.similar;
  if (state.image) body.image_asset = state.image;
  if ((state.image || droppedImage) && parsed.text) body.image_weight = state.weight;
  return { body, errors: parsed.errors };
}

function asksNothing(body) {
  return !body.text && !body.similar_to && !body.image_asset && !droppedImage && Object.keys(body.filters).length === 0;
}

async function runSearch() {
  loading?.abort();
  const { body, errors } = request(true);
  pageOf.clear();
  cursor = null;
  grid.clear();
  $("notice").hidden = true;
  renderQueryImage();
  if (errors.length) {
    $("status").textContent = errors.join("; ");
    $("grid").setAttribute("aria-busy", "false");
    return;
  }
  if (asksNothing(body)) {
    $("status").textContent = "";
    $("grid").setAttribute("aria-busy", "false");
    return renderWelcome();
  }
  await fetchPage(body, true);
}

async function fetchPage(body, first) {
  const controller = new AbortController();
  loading = controller;
  $("more").textContent = "Loading…";
  $("grid").setAttribute("aria-busy", "true");
  const started = performance.now();
  try {
    const result = droppedImage && first ? await searchByImage(body, droppedImage, controller.signal) : await search(body, controller.signal);
    if (controller.signal.aborted) return;
    if (first) {
      renderStatus(result);
      renderFacets(result.facets);
    }
    for (const hit of result.results) pageOf.set(hit.id, body.cursor ?? null);
    cursor = result.next_cursor;
    grid.append(result.results.map(shownHit), !cursor);
    $("status").dataset.ms = String(Math.round(performance.now() - started));
    if (first) {
      // User Timing marks: results in the DOM, then painted (two frames later)
      performance.mark("latentdam:results");
      requestAnimationFrame(() => requestAnimationFrame(() => performance.mark("latentdam:painted")));
    }
  } catch (error) {
    if (error.name === "AbortError") return;
    cursor = null; // a failed page is not retried in a loop: searching again starts over
    showError(error);
  } finally {
    if (loading === controller) {
      loading = null;
      $("grid").setAttribute("aria-busy", "false");
    }
    $("more").textContent = cursor ? "" : grid.length ? "End of results" : "";
  }
  // the observer fires on a change of intersection only: still near the end, keep going
  if (cursor && !controller.signal.aborted && $("more").getBoundingClientRect().top < innerHeight + 800) {
    requestAnimationFrame(nextPage);
  }
}

async function nextPage() {
  if (!cursor || loading) return;
  const { body } = request(false);
  body.cursor = cursor;
  await fetchPage(body, false);
}

new IntersectionObserver((entries) => {
  if (entries.some((e) => e.isIntersecting)) nextPage();
}, { rootMargin: "800px" }).observe($("more"));

function renderStatus(result) {
  const notice = $("notice");
  const n = result.results.length;
  const more = result.next_cursor ? "+" : "";
  if (result.status === "no_match") {
    $("status").textContent = "";
    notice.hidden = false;
    fill(notice, 
      el("h2", { textContent: `No asset in this library matches “${describeQuery()}”.` }),
      result.closest_why ? el("p", { textContent: `The closest miss: ${result.closest_why}` }) : null,
      result.closest ? el("ul", { className: "grid grid-closest" }, card(shownHit(result.closest), true)) : null,
      el("p", {}, el("a", { href: stateUrl({ ...state, all: true }), textContent: "Show the nearest assets anyway", onclick: link({ all: true }) })),
    );
    return;
  }
  if (result.status === "no_candidates") {
    $("status").textContent = "";
    notice.hidden = false;
    fill(notice, el("h2", { textContent: "Nothing to search" }), el("p", { textContent: result.message || "" }));
    return;
  }
  const notes = result.notes?.length ? ` · ${result.notes.join(" · ")}` : "";
  fill($("status"), 
    el("strong", { textContent: `${n}${more} result${n === 1 && !more ? "" : "s"}` }),
    ` · ${result.ordering}${notes}`,
    state.all
      ? el("a", { href: stateUrl({ ...state, all: false }), textContent: " · only the relevant ones", onclick: link({ all: false }) })
      : el("a", { href: stateUrl({ ...state, all: true }), textContent: " · show weaker matches too", onclick: link({ all: true }) }),
  );
}

function describeQuery() {
  const parsed = parse(state.q);
  return parsed.text || (state.similar ? "this picture" : state.image || droppedImage ? "this image" : state.q);
}

function renderWelcome() {
  const notice = $("notice");
  notice.hidden = false;
  fill(notice, 
    el("h2", { textContent: "Search your library" }),
    el("p", { textContent: "Describe a picture in your own words, drop an image anywhere, or refine with model:, lora:, tool:, after:…  Press ? for the syntax." }),
  );
  call("/v1/stats").then((stats) => {
    notice.append(el("p", { className: "hint", textContent: `${stats.assets} assets in ${stats.path}` }));
  }, showError);
}

export const BAND_LABEL = { strong: "strong match", related: "related", weak: "weak", below: "below the cut" };

// A picture's shape in the grid: its aspect ratio, kept within bounds so that a panorama
// does not take a row alone (the thumbnail is cropped to fit: object-fit: cover).
function ratioOf(asset) {
  return asset.width && asset.height ? Math.min(2.5, Math.max(0.5, asset.width / asset.height)) : 1;
}

/** One result's card; `box` is its place in the windowed grid (absent in the small flex grids). */
/** What a card shows of a hit, and no more: the grid keeps one of these per result, so
 * 100k results stay a few tens of megabytes. */
export function shownHit(hit) {
  const a = hit.asset;
  const ex = hit.explanation;
  const why = [];
  for (const literal of ex?.literal || []) why.push(`${literal.field}: ${literal.needle}`);
  for (const signal of Object.keys(hit.signals || {})) if (signal !== "filter") why.push(signal);
  for (const f of ex?.filters || []) if (f.holds) why.push(f.filter);
  return {
    id: a.id,
    ratio: ratioOf(a),
    band: hit.band || null,
    name: fileName(a.path),
    alt: a.record.prompt ? a.record.prompt.slice(0, 120) : fileName(a.path),
    why: why.slice(0, 4),
  };
}

/** One result's card; `box` is its place in the windowed grid (absent in the small flex grids). */
export function card(item, closest = false, box = null) {
  const { id, band, name } = item;
  const size = box ? { width: Math.round(box.width), height: Math.round(box.height) } : { width: Math.round(200 * item.ratio), height: 200 };
  const img = showPicture(el("img", { alt: item.alt, loading: "lazy", decoding: "async", ...size }), id);
  const button = el(
    "button",
    {
      type: "button",
      className: "card-button",
      onclick: (event) => {
        if (event.shiftKey) return selectRange(id);
        if (event.ctrlKey || event.metaKey) return toggleSelected(id);
        go({ open: id });
      },
    },
    img,
    band ? el("span", { className: `band band-${band}`, textContent: BAND_LABEL[band] || band }) : null,
  );
  button.setAttribute("aria-label", `${name}${band ? `, ${BAND_LABEL[band]}` : ""}`);
  const pick = el("button", {
    type: "button",
    className: "select",
    textContent: "✓",
    ariaLabel: `Select ${name}`,
    onclick: (event) => (event.shiftKey ? selectRange(id) : toggleSelected(id)),
  });
  pick.setAttribute("aria-pressed", String(selected.has(id)));
  const li = el(
    "li",
    { className: `card${closest ? " card-closest" : ""}${selected.has(id) ? " selected" : ""}` },
    button,
    pick,
    el("div", { className: "why" }, item.why.map((c) => el("span", { className: "why-chip", textContent: c }))),
  );
  li.style.setProperty("--ratio", item.ratio.toFixed(3));
  li.dataset.id = id;
  return li;
}

/** The ids of the results in order, every page so far (the grid shows only some). */
export function resultIds() {
  return grid.items.map((item) => item.id);
}
