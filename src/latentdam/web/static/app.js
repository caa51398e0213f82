// The gallery: one page, its whole state in the URL, every byte through the /v1 API.
import { ApiError, apiKey, call, followJob, imageSource, search, searchByImage } from "./api.js";
import { FIELDS, fieldTerm, hasTerm, parse, readState, stateUrl, toggleTerm, tokenize, withoutToken } from "./query.js";

const PAGE = 60; // results per request; the next page comes with the cursor on scroll
const HISTORY = "latentdam.history";
const $ = (id) => document.getElementById(id);
// replaceChildren, skipping the absent (an `a ? node : null` child)
const fill = (node, ...children) => node.replaceChildren(...children.flat().filter((c) => c != null));
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
};

let state = readState();
let droppedImage = null; // a File searched by example (not in the URL: it is not in the library)
let hits = new Map(); // id -> hit of the current result list (for the detail's "why")
const pageOf = new Map(); // id -> the cursor of the page it came on (null: the first)
let cursor = null;
let loading = null; // the AbortController of the search in flight
let shown = 0;
let lastSearch = null; // what the shown results answer (so a detail does not search again)

// -- navigation -------------------------------------------------------------------------

function go(changes, { replace = false } = {}) {
  state = { ...state, ...changes };
  history[replace ? "replaceState" : "pushState"](null, "", stateUrl(state));
  render();
}

window.addEventListener("popstate", () => {
  state = readState();
  render();
});

function render() {
  for (const page of ["search", "library", "duplicates", "explore"]) $(`page-${page}`).hidden = state.page !== page;
  for (const link of document.querySelectorAll("[data-page]")) {
    link.toggleAttribute("aria-current", link.dataset.page === state.page);
  }
  $("q").value = freeText(state.q);
  $("sort").value = state.sort;
  renderChips();
  if (state.page !== "search") lastSearch = null;
  if (state.page === "library") return renderLibrary();
  if (state.page === "duplicates") return renderDuplicates();
  if (state.page === "explore") return renderExplore();
  // opening or closing a detail keeps the results, their scroll position and their "why"
  const key = JSON.stringify([state.q, state.sort, state.image, state.similar, state.weight, state.all, droppedImage?.name]);
  if (key !== lastSearch) {
    lastSearch = key;
    runSearch();
  }
  if (state.open) openDetail(state.open);
  else if ($("detail").open) $("detail").close();
}

// -- the omnibox ------------------------------------------------------------------------

function renderChips() {
  const chips = $("chips");
  fill(chips);
  tokenize(state.q).forEach((t, index) => {
    if (!t.field && !t.negated) return; // plain words stay in the text box only
    const label = t.field ? `${FIELDS[t.field]}: ${t.value}` : `not: ${t.value}`;
    const chip = el(
      "span",
      { className: `chip${t.negated ? " chip-not" : ""}` },
      el("span", { textContent: t.field && t.negated ? `not ${label}` : label }),
      el("button", {
        type: "button",
        textContent: "×",
        ariaLabel: `Remove ${label}`,
        onclick: () => go({ q: withoutToken(state.q, index), open: null }),
      }),
    );
    chips.append(chip);
  });
  if (state.image || droppedImage) {
    chips.append(
      el(
        "span",
        { className: "chip chip-image" },
        el("span", { textContent: state.similar ? "like this" : "by image" }),
        el("button", {
          type: "button",
          textContent: "×",
          ariaLabel: "Remove the image query",
          onclick: () => {
            droppedImage = null;
            go({ image: null, similar: null });
          },
        }),
      ),
    );
  }
  if (state.similar) {
    chips.append(
      el(
        "span",
        { className: "chip chip-image" },
        el("span", { textContent: "more like this" }),
        el("button", { type: "button", textContent: "×", ariaLabel: "Remove more like this", onclick: () => go({ similar: null }) }),
      ),
    );
  }
}

// The text box holds the free text; field terms and "not" terms live on as chips.
function freeText(q) {
  return tokenize(q)
    .filter((t) => !t.field && !t.negated)
    .map((t) => t.raw)
    .join(" ");
}

function chipTerms(q) {
  return tokenize(q)
    .filter((t) => t.field || t.negated)
    .map((t) => t.raw);
}

$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const typed = $("q").value.trim();
  const q = [...chipTerms(state.q), typed].filter(Boolean).join(" ");
  remember(typed);
  go({ q, open: null });
});

$("sort").addEventListener("change", () => go({ sort: $("sort").value }));

// Backspace in an empty box takes the last chip off, as in a tag input.
$("q").addEventListener("keydown", (event) => {
  if (event.key !== "Backspace" || $("q").value) return;
  const tokens = tokenize(state.q);
  const last = tokens.findLastIndex((t) => t.field || t.negated);
  if (last >= 0) go({ q: withoutToken(state.q, last), open: null });
});

function remember(q) {
  if (!q) return;
  const past = JSON.parse(localStorage.getItem(HISTORY) || "[]").filter((x) => x !== q);
  localStorage.setItem(HISTORY, JSON.stringify([q, ...past].slice(0, 20)));
  fillHistory();
}

function fillHistory() {
  const past = JSON.parse(localStorage.getItem(HISTORY) || "[]");
  fill($("history"), ...past.map((q) => el("option", { value: q })));
}

// Field values the library holds, suggested as a field term is typed ("model:dre…").
let suggesting = null;
$("q").addEventListener("input", () => {
  const typed = $("q").value;
  const m = /(^|\s)(-?)(tool|model|lora|sampler|tag):("?)([^"\s]*)$/i.exec(typed);
  if (!m) return fillHistory();
  const [, , minus, field, , partial] = m;
  const head = typed.slice(0, typed.length - m[0].length + m[1].length);
  suggesting?.abort();
  suggesting = new AbortController();
  const path = `/v1/values/${field.toLowerCase()}?contains=${encodeURIComponent(partial)}`;
  call(path, { signal: suggesting.signal }).then(
    ({ values }) =>
      fill(
        $("history"),
        Object.entries(values).map(([v, n]) => el("option", { value: `${head}${fieldTerm(field.toLowerCase(), v, minus === "-")}`, label: `${n} assets` })),
      ),
    () => {}, // suggestions are a convenience: the search box works without them
  );
});

// -- search -------------------------------------------------------------------------------

function request(first) {
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
  hits = new Map();
  pageOf.clear();
  cursor = null;
  shown = 0;
  fill($("grid"));
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
    appendHits(result.results);
    cursor = result.next_cursor;
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
    $("more").textContent = cursor ? "" : shown ? "End of results" : "";
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
      result.closest ? el("ul", { className: "grid grid-closest" }, card(result.closest, true)) : null,
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

function link(changes) {
  return (event) => {
    event.preventDefault();
    go(changes);
  };
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

const BAND_LABEL = { strong: "strong match", related: "related", weak: "weak", below: "below the cut" };

function card(hit, closest = false) {
  const a = hit.asset;
  const ratio = a.width && a.height ? a.width / a.height : 1;
  const img = el("img", { alt: a.record.prompt ? a.record.prompt.slice(0, 120) : fileName(a.path), loading: "lazy", decoding: "async", width: Math.round(200 * ratio), height: 200 });
  imageSource(`/v1/assets/${a.id}/thumbnail`).then((src) => (img.src = src), () => img.classList.add("broken"));
  const why = whyChips(hit);
  const button = el(
    "button",
    {
      type: "button",
      className: "card-button",
      onclick: (event) => {
        if (event.shiftKey) return selectRange(a.id);
        if (event.ctrlKey || event.metaKey) return toggleSelected(a.id);
        go({ open: a.id });
      },
    },
    img,
    hit.band ? el("span", { className: `band band-${hit.band}`, textContent: BAND_LABEL[hit.band] || hit.band }) : null,
  );
  button.setAttribute("aria-label", `${fileName(a.path)}${hit.band ? `, ${BAND_LABEL[hit.band]}` : ""}`);
  const pick = el("button", {
    type: "button",
    className: "select",
    textContent: "✓",
    ariaLabel: `Select ${fileName(a.path)}`,
    onclick: (event) => (event.shiftKey ? selectRange(a.id) : toggleSelected(a.id)),
  });
  pick.setAttribute("aria-pressed", String(selected.has(a.id)));
  const li = el(
    "li",
    { className: `card${closest ? " card-closest" : ""}${selected.has(a.id) ? " selected" : ""}` },
    button,
    pick,
    el("div", { className: "why" }, why),
  );
  li.style.setProperty("--ratio", ratio.toFixed(3));
  li.dataset.id = a.id;
  return li;
}

function whyChips(hit) {
  const ex = hit.explanation;
  const chips = [];
  for (const literal of ex?.literal || []) chips.push(`${literal.field}: ${literal.needle}`);
  for (const signal of Object.keys(hit.signals || {})) if (signal !== "filter") chips.push(signal);
  for (const f of ex?.filters || []) if (f.holds) chips.push(f.filter);
  return chips.slice(0, 4).map((c) => el("span", { className: "why-chip", textContent: c }));
}

function appendHits(list) {
  const grid = $("grid");
  for (const hit of list) {
    hits.set(hit.id, hit);
    grid.append(card(hit));
  }
  shown += list.length;
}

function fileName(path) {
  return path.split(/[\\/]/).pop();
}

// -- selection, compare, export -----------------------------------------------------------

const selected = new Set(); // asset ids, kept while the query changes (collect across searches)
let anchor = null; // where a shift-click range starts

function toggleSelected(id) {
  if (selected.has(id)) selected.delete(id);
  else selected.add(id);
  anchor = id;
  renderSelection();
}

function selectRange(id) {
  const order = [...document.querySelectorAll("#grid .card")].map((c) => c.dataset.id);
  const from = order.indexOf(anchor ?? id);
  const to = order.indexOf(id);
  if (from < 0 || to < 0) return toggleSelected(id);
  for (const i of order.slice(Math.min(from, to), Math.max(from, to) + 1)) selected.add(i);
  renderSelection();
}

function renderSelection() {
  for (const card of document.querySelectorAll(".card")) {
    const on = selected.has(card.dataset.id);
    card.classList.toggle("selected", on);
    card.querySelector(".select")?.setAttribute("aria-pressed", String(on));
  }
  $("selection").hidden = selected.size === 0;
  $("selection-count").textContent = `${selected.size} selected`;
  $("compare-button").disabled = selected.size < 2 || selected.size > 4;
  $("compare-button").title = "compare 2 to 4 pictures";
}

$("clear-button").addEventListener("click", () => {
  selected.clear();
  renderSelection();
});
$("paths-button").addEventListener("click", async () => {
  const assets = await Promise.all([...selected].map((id) => call(`/v1/assets/${id}`)));
  copy(assets.map((a) => a.path).join("\n"), `${assets.length} paths copied`);
});
$("export-button").addEventListener("click", async () => {
  try {
    const response = await fetch("/v1/export", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(apiKey() ? { Authorization: `Bearer ${apiKey()}` } : {}) },
      body: JSON.stringify({ ids: [...selected] }),
    });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    const a = el("a", { href: URL.createObjectURL(await response.blob()), download: "latentdam-export.zip" });
    a.click();
    toast(`Exported ${selected.size} assets: files, metadata.jsonl, records.parquet`);
  } catch (error) {
    showError(error);
  }
});

const COMPARED = [
  ["Tool", (r) => r.tool],
  ["Checkpoint", (r) => r.model],
  ["LoRAs", (r) => r.loras.map((l) => (l.weight == null ? l.name : `${l.name} (${l.weight})`)).join(", ")],
  ["Sampler", (r) => [r.sampler, r.scheduler].filter(Boolean).join(" · ")],
  ["Steps", (r) => r.steps],
  ["CFG", (r) => r.cfg],
  ["Seed", (r) => r.seed],
  ["Size", (r, a) => `${r.width || a.width}×${r.height || a.height}`],
  ["ControlNets", (r) => r.controlnets.join(", ")],
  ["Negative", (r) => r.negative_prompt],
];

async function openCompare() {
  const assets = await Promise.all([...selected].slice(0, 4).map((id) => call(`/v1/assets/${id}`)));
  const body = $("compare-body");
  body.style.setProperty("--n", String(assets.length));
  const cells = [el("span")];
  for (const a of assets) {
    const img = el("img", { alt: fileName(a.path) });
    imageSource(`/v1/assets/${a.id}/file`).then((src) => (img.src = src));
    cells.push(el("figure", { style: "margin:0" }, img, el("figcaption", { className: "hint", textContent: fileName(a.path) })));
  }
  cells.push(el("span", { className: "label", textContent: "Prompt" }));
  const words = assets.map((a) => new Set(a.record.prompt.toLowerCase().split(/[\s,]+/).filter(Boolean)));
  assets.forEach((a, i) => {
    // words this prompt has and the first one does not (the first: words none of the others has)
    const others = i === 0 ? words.slice(1) : [words[0]];
    const parts = a.record.prompt.split(/(\s+)/).map((w) => {
      const key = w.toLowerCase().replace(/^[,]+|[,]+$/g, "");
      return key.trim() && others.every((set) => !set.has(key)) ? el("ins", { textContent: w }) : w;
    });
    cells.push(el("p", { className: "prompt" }, parts));
  });
  for (const [label, value] of COMPARED) {
    const values = assets.map((a) => value(a.record, a) ?? "");
    if (values.every((v) => v === "")) continue;
    const differs = new Set(values.map(String)).size > 1;
    cells.push(el("span", { className: "label", textContent: label }));
    for (const v of values) cells.push(el("span", { className: differs ? "differs" : "", textContent: v === "" ? "—" : String(v) }));
  }
  fill(body, cells);
  $("compare").showModal();
}

async function tagSelection(change) {
  const tag = $("tag-input").value.trim();
  if (!tag || !selected.size) return;
  try {
    const job = await call("/v1/jobs/tag", { method: "POST", json: { ids: [...selected], ...change(tag) } });
    await followJob(job.id, (kind, update) => {
      if (kind !== "end") return;
      if (update.state === "done") toast(`${update.report.tagged} assets ${change(tag).add ? "tagged" : "untagged"} “${tag}”`);
      else toast(update.error || `tagging ${update.state}`, true);
    });
    $("tag-input").value = "";
    lastSearch = null; // tags are searchable at once: show what the search now says
    render();
  } catch (error) {
    showError(error);
  }
}

$("tag-form").addEventListener("submit", (event) => {
  event.preventDefault();
  tagSelection((tag) => ({ add: [tag] }));
});
$("tag-remove").addEventListener("click", () => tagSelection((tag) => ({ remove: [tag] })));

$("compare-button").addEventListener("click", openCompare);
$("compare-close").addEventListener("click", () => $("compare").close());

// -- facets -------------------------------------------------------------------------------

const FACETS = [
  ["tool", "tool", "Tool"],
  ["model", "model", "Checkpoint"],
  ["lora", "lora", "LoRA"],
  ["sampler", "sampler", "Sampler"],
  ["month", "month", "Month"],
];

function renderFacets(facets) {
  const aside = $("facets");
  fill(aside);
  if (!facets) return;
  aside.append(el("p", { className: "hint", textContent: `${facets.matching} matching` }));
  for (const [key, field, title] of FACETS) {
    const counts = Object.entries(facets[key] || {});
    if (!counts.length) continue;
    const list = el("ul", { className: "facet" });
    for (const [value, count] of counts.slice(0, 12)) {
      const on = hasTerm(state.q, field, value, false);
      const off = hasTerm(state.q, field, value, true);
      list.append(
        el(
          "li",
          { className: on ? "on" : off ? "off" : "" },
          el(
            "button",
            { type: "button", className: "facet-value", title: `only ${value}`, onclick: () => go({ q: toggleTerm(state.q, field, value, false), open: null }) },
            el("span", { className: "facet-name", textContent: value }),
            el("span", { className: "count", textContent: String(count) }),
          ),
          el("button", {
            type: "button",
            className: "facet-not",
            textContent: "−",
            ariaLabel: `Exclude ${title} ${value}`,
            title: `exclude ${value}`,
            onclick: () => go({ q: toggleTerm(state.q, field, value, true), open: null }),
          }),
        ),
      );
    }
    aside.append(el("section", {}, el("h3", { textContent: title }), list));
  }
}

// -- search by example ------------------------------------------------------------------

function renderQueryImage() {
  const box = $("query-image");
  const parsed = parse(state.q);
  if (!droppedImage && !state.image) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const img = el("img", { alt: "the query image" });
  if (droppedImage) img.src = URL.createObjectURL(droppedImage);
  else imageSource(`/v1/assets/${state.image}/thumbnail`).then((src) => (img.src = src));
  const parts = [img];
  if (parsed.text) {
    const slider = el("input", { type: "range", min: 0, max: 1, step: 0.05, value: state.weight, ariaLabel: "Weight of the image against the text" });
    slider.addEventListener("change", () => go({ weight: Number(slider.value) }, { replace: true }));
    parts.push(el("label", { className: "weight" }, "text", slider, "image"));
  }
  fill(box, ...parts);
}

let dragDepth = 0;
window.addEventListener("dragenter", (event) => {
  if (![...(event.dataTransfer?.types || [])].includes("Files")) return;
  dragDepth++;
  $("drop-overlay").hidden = state.page !== "search";
});
window.addEventListener("dragleave", () => {
  if (--dragDepth <= 0) $("drop-overlay").hidden = true;
});
window.addEventListener("dragover", (event) => event.preventDefault());
window.addEventListener("drop", (event) => {
  event.preventDefault();
  dragDepth = 0;
  $("drop-overlay").hidden = true;
  const file = [...(event.dataTransfer?.files || [])].find((f) => f.type.startsWith("image/"));
  if (!file) return;
  if (state.page === "library") return upload([...event.dataTransfer.files]);
  searchByFile(file);
});
window.addEventListener("paste", (event) => {
  const file = [...(event.clipboardData?.files || [])].find((f) => f.type.startsWith("image/"));
  if (file && state.page === "search") searchByFile(file);
});

function searchByFile(file) {
  droppedImage = file;
  lastSearch = null;
  go({ image: null, similar: null, open: null });
}

// -- detail -------------------------------------------------------------------------------

async function openDetail(id) {
  const dialog = $("detail");
  const info = $("detail-info");
  fill(info, el("p", { textContent: "Loading…" }));
  if (!dialog.open) dialog.showModal();
  let asset;
  try {
    asset = await call(`/v1/assets/${id}`);
  } catch (error) {
    fill(info, el("p", { className: "error", textContent: error.message }));
    return;
  }
  const img = $("detail-img");
  img.alt = asset.record.prompt?.slice(0, 200) || fileName(asset.path);
  img.removeAttribute("src");
  imageSource(`/v1/assets/${asset.id}/file`).then((src) => (img.src = src), () => imageSource(`/v1/assets/${asset.id}/thumbnail`).then((s) => (img.src = s)));
  const r = asset.record;
  const hit = await explained(asset.id);
  const rows = [
    ["Tool", r.tool],
    ["Checkpoint", r.model],
    ["Sampler", [r.sampler, r.scheduler].filter(Boolean).join(" · ")],
    ["Steps", r.steps],
    ["CFG", r.cfg],
    ["Seed", r.seed],
    ["Size", r.width && r.height ? `${r.width}×${r.height}` : `${asset.width}×${asset.height}`],
    ["LoRAs", r.loras.map((l) => (l.weight == null ? l.name : `${l.name} (${l.weight})`)).join(", ")],
    ["ControlNets", r.controlnets.join(", ")],
    ["Tags", r.tags.join(", ")],
    ["Created", asset.created_at ? new Date(asset.created_at).toLocaleString() : null],
    ["Software", r.software],
    ["File", asset.path],
  ].filter(([, v]) => v !== null && v !== undefined && v !== "");
  const actions = el(
    "div",
    { className: "actions" },
    el("button", { type: "button", textContent: "Copy prompt", onclick: () => copy(r.prompt, "Prompt copied") }),
    el("button", { type: "button", textContent: "Copy parameters", onclick: () => copy(a1111Block(asset), "Parameters copied") }),
    el("button", { type: "button", textContent: "More like this", onclick: () => go({ similar: asset.id, image: null, open: null }) }),
    r.prompt ? el("button", { type: "button", textContent: "Same prompt", onclick: () => go({ q: `"${r.prompt.slice(0, 200).replaceAll('"', "")}"`, similar: null, image: null, open: null }) }) : null,
    workflowButton(asset),
  );
  fill(info, 
    el("h2", { textContent: fileName(asset.path) }),
    hit?.band ? el("p", { className: `band band-${hit.band}`, textContent: BAND_LABEL[hit.band] }) : null,
    el("h3", { textContent: "Prompt" }),
    el("p", { className: "prompt" }, highlight(r.prompt || "(none)", hit)),
    r.negative_prompt ? el("h3", { textContent: "Negative prompt" }) : null,
    r.negative_prompt ? el("p", { className: "prompt negative", textContent: r.negative_prompt }) : null,
    actions,
    el("dl", { className: "params" }, rows.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: String(v) })])),
    hit?.explanation ? why(hit) : null,
    comfyStages(asset),
    asset.warnings?.length ? el("p", { className: "hint", textContent: `Read with warnings: ${asset.warnings.join("; ")}` }) : null,
  );
}

// The opened result's explanation: its own page asked again, explaining that hit only
// (explanations cost ~20 ms a hit, so the grid goes without them).
async function explained(id) {
  const hit = hits.get(id);
  if (!hit || hit.explanation || !pageOf.has(id)) return hit;
  const { body } = request(false);
  const page = pageOf.get(id);
  if (page) body.cursor = page;
  Object.assign(body, { explain: true, explain_ids: [id] });
  try {
    const result = droppedImage && !page ? await searchByImage(body, droppedImage) : await search(body);
    const again = result.results.find((h) => h.id === id);
    if (again?.explanation) hit.explanation = again.explanation;
  } catch {
    // the detail shows without its "why"; the search itself already answered
  }
  return hit;
}

function highlight(prompt, hit) {
  const phrases = (hit?.explanation?.phrases || []).map((p) => p.phrase).filter(Boolean);
  if (!phrases.length) return prompt;
  const parts = [];
  let rest = prompt;
  for (;;) {
    let best = null;
    for (const phrase of phrases) {
      const at = rest.toLowerCase().indexOf(phrase.toLowerCase());
      if (at >= 0 && (best === null || at < best.at)) best = { at, phrase };
    }
    if (!best) break;
    parts.push(rest.slice(0, best.at), el("mark", { textContent: rest.slice(best.at, best.at + best.phrase.length) }));
    rest = rest.slice(best.at + best.phrase.length);
  }
  parts.push(rest);
  return parts;
}

function why(hit) {
  const ex = hit.explanation;
  const lines = [
    ...ex.signals.map((s) => s.reason),
    ...ex.literal.map((l) => `names ${l.needle} (${l.field})`),
    ...(ex.keywords?.length ? [`keywords: ${ex.keywords.join(", ")}`] : []),
    ...ex.filters.map((f) => `${f.holds ? "✓" : "✗"} ${f.filter}${f.value ? ` (${f.value})` : ""}`),
  ];
  return el("section", { className: "explain" }, el("h3", { textContent: "Why it is here" }), el("ul", {}, lines.map((l) => el("li", { textContent: l }))));
}

// A metadata block as the file carried it: raw keys name their container ("png:prompt").
function rawBlock(asset, name) {
  const raw = asset.record.raw || {};
  return raw[name] ?? Object.entries(raw).find(([key]) => key.endsWith(`:${name}`))?.[1] ?? null;
}

// Every stage of a ComfyUI graph (the API-format `prompt` block): node type and the inputs
// a person tunes; links to other nodes are left out.
function comfyStages(asset) {
  let graph;
  try {
    graph = JSON.parse(rawBlock(asset, "prompt") || "");
  } catch {
    return null;
  }
  if (!graph || typeof graph !== "object" || Array.isArray(graph)) return null;
  const nodes = Object.entries(graph)
    .filter(([, n]) => n && typeof n === "object" && n.class_type)
    .sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b));
  if (!nodes.length) return null;
  const items = nodes.map(([id, node]) => {
    const inputs = Object.entries(node.inputs || {})
      .filter(([, v]) => !Array.isArray(v) && v !== null && typeof v !== "object")
      .map(([k, v]) => `${k}: ${String(v).length > 80 ? `${String(v).slice(0, 80)}…` : v}`);
    return el("li", {}, el("strong", { textContent: node.class_type }), ` #${id}`, inputs.length ? el("div", { className: "hint", textContent: inputs.join(" · ") }) : null);
  });
  return el("details", { className: "stages" }, el("summary", { textContent: `ComfyUI graph: ${nodes.length} nodes` }), el("ol", {}, items));
}

function a1111Block(asset) {
  const r = asset.record;
  const settings = [
    r.steps != null && `Steps: ${r.steps}`,
    r.sampler && `Sampler: ${r.sampler}`,
    r.scheduler && `Schedule type: ${r.scheduler}`,
    r.cfg != null && `CFG scale: ${r.cfg}`,
    r.seed != null && `Seed: ${r.seed}`,
    `Size: ${r.width || asset.width}x${r.height || asset.height}`,
    r.model_hash && `Model hash: ${r.model_hash}`,
    r.model && `Model: ${r.model}`,
  ].filter(Boolean);
  const loras = r.loras.map((l) => ` <lora:${l.name}:${l.weight ?? 1}>`).join("");
  return `${r.prompt}${loras}\n${r.negative_prompt ? `Negative prompt: ${r.negative_prompt}\n` : ""}${settings.join(", ")}`;
}

function workflowButton(asset) {
  const text = rawBlock(asset, "workflow") || rawBlock(asset, "prompt");
  if (!text || !text.trim().startsWith("{")) return null;
  return el("button", {
    type: "button",
    textContent: "Download workflow",
    onclick: () => {
      const a = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })), download: `${fileName(asset.path).replace(/\.\w+$/, "")}.workflow.json` });
      a.click();
    },
  });
}

async function copy(text, message) {
  try {
    await navigator.clipboard.writeText(text);
    toast(message);
  } catch {
    toast("The browser refused the clipboard");
  }
}

$("detail-close").addEventListener("click", () => $("detail").close());
$("detail").addEventListener("close", () => {
  if (state.open) go({ open: null });
});

// -- library ------------------------------------------------------------------------------

async function renderLibrary() {
  try {
    const stats = await call("/v1/stats");
    fill($("stats"), 
      el("h2", { textContent: `${stats.assets} assets` }),
      el("p", { textContent: `${stats.files} files in ${stats.path}` }),
      el("p", { textContent: Object.entries(stats.by_tool).map(([t, n]) => `${t}: ${n}`).join(" · ") }),
    );
    await renderSpaces();
  } catch (error) {
    showError(error);
  }
  refreshJobs();
}

async function renderSpaces() {
  const { spaces } = await call("/v1/spaces");
  fill(
    $("spaces"),
    spaces.map((s) => {
      const bar = el("progress", { max: 1, value: s.coverage });
      bar.setAttribute("aria-label", `${s.name} coverage`);
      return el("li", { className: "space" }, el("strong", { textContent: s.name }), ` ${s.model_id || ""} · ${s.active ? "active" : "not answering searches"} · ${Math.round(s.coverage * 100)}% embedded `, bar);
    }),
  );
}

$("reembed-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const job = await call("/v1/jobs/reembed", { method: "POST", json: { model: $("reembed-model").value.trim() } });
    $("jobs").prepend(jobRow(job));
    watch(job);
  } catch (error) {
    showError(error);
  }
});

async function refreshJobs() {
  try {
    const { jobs } = await call("/v1/jobs?limit=20");
    fill($("jobs"), ...jobs.map(jobRow));
    for (const job of jobs) if (job.state === "queued" || job.state === "running") watch(job);
  } catch (error) {
    fill($("jobs"), el("li", { className: "hint", textContent: error instanceof ApiError && error.status === 403 ? "Jobs need a key with the write scope." : error.message }));
  }
}

function jobRow(job) {
  const total = job.total || 0;
  const bar = el("progress", { max: total || 1, value: job.done });
  bar.setAttribute("aria-label", `${job.request.kind} progress`);
  const r = job.report || {};
  const counts =
    job.request.kind === "ingest" && r.added !== undefined
      ? `${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.failed.length} failed`
      : job.request.kind === "reembed" && r.embedded !== undefined
        ? `${job.request.model}: ${r.embedded} embedded${r.activated ? ", now answering searches" : ""}`
        : "";
  const li = el(
    "li",
    { className: `job job-${job.state}` },
    el("span", { className: "job-kind", textContent: `${job.request.kind} · ${job.origin}` }),
    bar,
    el("span", { className: "job-state", textContent: `${job.state} ${total ? `${job.done}/${total}` : ""}` }),
    el("span", { className: "job-counts", textContent: counts }),
    job.error ? el("span", { className: "error", textContent: job.error }) : null,
    ...(r.failed || []).slice(0, 5).map((f) => el("span", { className: "job-failed", textContent: `${fileName(f.path)}: ${f.reason}` })),
  );
  if (job.state === "queued" || job.state === "running") {
    li.append(el("button", { type: "button", textContent: "Cancel", onclick: () => call(`/v1/jobs/${job.id}/cancel`, { method: "POST" }).catch(showError) }));
  }
  li.dataset.job = job.id;
  return li;
}

const watching = new Set();
function watch(job) {
  if (watching.has(job.id)) return;
  watching.add(job.id);
  followJob(job.id, (kind, update) => {
    if (kind === "end") renderSpaces().catch(showError); // a reembed or refresh changed them
    const row = document.querySelector(`[data-job="${update.id}"]`);
    const fresh = jobRow(update);
    if (row) row.replaceWith(fresh);
    else $("jobs").prepend(fresh);
  })
    .catch(showError)
    .finally(() => watching.delete(job.id));
}

async function upload(files) {
  const form = new FormData();
  for (const file of files) form.append("files", file);
  try {
    const result = await call("/v1/uploads", { method: "POST", form });
    const fresh = result.files.filter((f) => f.status === "new").length;
    toast(`${fresh} new, ${result.files.length - fresh} already in the library`);
    if (result.job) {
      $("jobs").prepend(jobRow(result.job));
      watch(result.job);
    }
  } catch (error) {
    showError(error);
  }
}

$("dropzone").addEventListener("click", () => $("files").click());
$("dropzone").addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") $("files").click();
});
$("files").addEventListener("change", () => upload([...$("files").files]));
$("ingest-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const job = await call("/v1/jobs/ingest", { method: "POST", json: { paths: [$("ingest-path").value.trim()] } });
    $("jobs").prepend(jobRow(job));
    watch(job);
  } catch (error) {
    showError(error);
  }
});

// -- duplicates ---------------------------------------------------------------------------

async function renderDuplicates() {
  const box = $("dup-groups");
  fill(box, el("p", { textContent: "Looking for near-identical pictures…" }));
  try {
    const { groups } = await call("/v1/duplicates");
    if (!groups.length) return fill(box, el("p", { textContent: "No near-duplicates in this library." }));
    const sections = [];
    for (const group of groups.slice(0, 50)) {
      const assets = await Promise.all(group.ids.map((id) => call(`/v1/assets/${id}`)));
      const keep = suggestKeep(assets);
      sections.push(
        el(
          "section",
          { className: "dup-group" },
          el("ul", { className: "grid" }, assets.map((a) => {
            const li = card({ id: a.id, asset: a, signals: {} });
            if (a.id === keep.id) li.append(el("span", { className: "keep", textContent: "suggested keep" }));
            li.append(el("span", { className: "hint", textContent: `${a.width}×${a.height} · ${Math.round(a.size / 1024)} KB` }));
            return li;
          })),
        ),
      );
    }
    fill(box, el("p", { textContent: `${groups.length} group${groups.length === 1 ? "" : "s"}` }), ...sections);
  } catch (error) {
    fill(box, el("p", { className: "error", textContent: error.message }));
  }
}

function suggestKeep(assets) {
  const richness = (a) => Object.values(a.record).filter((v) => v !== null && v !== "" && !(Array.isArray(v) && !v.length)).length;
  return [...assets].sort((a, b) => b.width * b.height - a.width * a.height || b.size - a.size || richness(b) - richness(a) || new Date(a.created_at) - new Date(b.created_at))[0];
}

// -- explore ------------------------------------------------------------------------------

const hue = (cluster) => (cluster * 137.508) % 360; // golden-angle hues: neighbours differ
let explored = null;
const view = { scale: 1, x: 0, y: 0 }; // the map's zoom and pan, in canvas pixels
const thumbs = new Map(); // id -> decoded thumbnail for the zoomed-in map

async function renderExplore() {
  const box = $("neighbourhoods");
  fill(box, el("p", { textContent: "Finding the library's neighbourhoods…" }));
  try {
    explored = await call("/v1/explore");
  } catch (error) {
    return fill(box, el("p", { className: "error", textContent: error.message }));
  }
  $("explore-hint").textContent = `${explored.ids.length} assets in ${explored.neighbourhoods.length} neighbourhoods of the ${explored.space} space. Scroll the map to zoom (pictures show up close), drag to move, click to open.`;
  fill(
    box,
    explored.neighbourhoods.map((hood) => {
      const title = hood.label.length ? hood.label.join(" · ") : `neighbourhood ${hood.id + 1}`;
      return el(
        "section",
        { className: "hood" },
        el(
          "h2",
          {},
          el("button", { type: "button", onclick: () => go({ page: "search", similar: hood.samples[0], q: "", image: null }) }, el("span", { className: "swatch", style: `background:hsl(${hue(hood.id)} 65% 50%)` }), title),
          el("span", { className: "hint", textContent: `${hood.size}` }),
        ),
        el(
          "div",
          { className: "thumbs" },
          hood.samples.map((id) => {
            const img = el("img", { alt: "", loading: "lazy" });
            imageSource(`/v1/assets/${id}/thumbnail`).then((src) => (img.src = src));
            const b = el("button", { type: "button", onclick: () => go({ page: "search", open: id }) }, img);
            b.setAttribute("aria-label", `Open a picture of ${title}`);
            return b;
          }),
        ),
      );
    }),
  );
  Object.assign(view, { scale: 1, x: 0, y: 0 });
  drawMap();
}

function mapPoint(i, canvas) {
  const pad = 16;
  return [pad + explored.x[i] * (canvas.width - 2 * pad) * view.scale + view.x, pad + explored.y[i] * (canvas.height - 2 * pad) * view.scale + view.y];
}

function drawMap() {
  const canvas = $("map");
  if (!explored || canvas.offsetParent === null) return;
  const ratio = devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const close = view.scale >= 4;
  const size = Math.min(64, 10 * view.scale) * ratio;
  let drawn = 0;
  for (let i = 0; i < explored.ids.length; i++) {
    const [x, y] = mapPoint(i, canvas);
    if (x < -size || y < -size || x > canvas.width + size || y > canvas.height + size) continue;
    const picture = close && drawn < 300 ? thumbnailFor(explored.ids[i]) : null;
    if (picture) {
      ctx.drawImage(picture, x - size / 2, y - size / 2, size, size);
      drawn++;
    } else {
      ctx.fillStyle = `hsl(${hue(explored.cluster[i])} 65% 50%)`;
      ctx.beginPath();
      ctx.arc(x, y, 2.5 * ratio, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

function thumbnailFor(id) {
  const known = thumbs.get(id);
  if (known) return known.complete ? known : null;
  if (thumbs.size > 2000) thumbs.delete(thumbs.keys().next().value); // bounded: the oldest goes
  const img = new Image();
  img.onload = () => requestAnimationFrame(drawMap);
  thumbs.set(id, img);
  imageSource(`/v1/assets/${id}/thumbnail`).then((src) => (img.src = src));
  return null;
}

{
  const canvas = $("map");
  let drag = null;
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const ratio = devicePixelRatio || 1;
    const factor = event.deltaY < 0 ? 1.25 : 0.8;
    const scale = Math.min(64, Math.max(1, view.scale * factor));
    const px = event.offsetX * ratio;
    const py = event.offsetY * ratio;
    view.x = px - ((px - view.x) * scale) / view.scale;
    view.y = py - ((py - view.y) * scale) / view.scale;
    view.scale = scale;
    drawMap();
  });
  canvas.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, moved: false };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const ratio = devicePixelRatio || 1;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    view.x += dx * ratio;
    view.y += dy * ratio;
    drag.x = event.clientX;
    drag.y = event.clientY;
    drawMap();
  });
  canvas.addEventListener("pointerup", (event) => {
    const clicked = drag && !drag.moved;
    drag = null;
    if (!clicked || !explored) return;
    const ratio = devicePixelRatio || 1;
    const px = event.offsetX * ratio;
    const py = event.offsetY * ratio;
    let best = -1;
    let bestDistance = (12 * ratio) ** 2;
    for (let i = 0; i < explored.ids.length; i++) {
      const [x, y] = mapPoint(i, canvas);
      const d = (x - px) ** 2 + (y - py) ** 2;
      if (d < bestDistance) [best, bestDistance] = [i, d];
    }
    if (best >= 0) go({ page: "search", open: explored.ids[best] });
  });
  window.addEventListener("resize", () => requestAnimationFrame(drawMap));
}

// -- feedback and keyboard ----------------------------------------------------------------

function showError(error) {
  toast(error.hint ? `${error.message} (${error.hint})` : error.message, true);
}

let toastTimer;
function toast(message, isError = false) {
  const box = $("toast");
  (document.querySelector("dialog[open]") || document.body).append(box); // above a modal too
  box.textContent = message;
  box.classList.toggle("error", isError);
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), isError ? 8000 : 3000);
}

document.addEventListener("keydown", (event) => {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if ((event.key === "/" && !typing) || (event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey))) {
    event.preventDefault();
    $("q").focus();
    $("q").select();
    return;
  }
  if (typing || document.querySelector("dialog[open]")) {
    if (event.key === "s" && $("detail").open && !typing && state.open) go({ similar: state.open, image: null, open: null });
    return;
  }
  if (event.key === "?") return $("help").showModal();
  const cards = [...document.querySelectorAll("#grid .card-button")];
  const at = cards.indexOf(document.activeElement);
  if (event.key === "s" && at >= 0) return go({ similar: cards[at].closest(".card").dataset.id, image: null });
  if (event.key === "x" && at >= 0) return toggleSelected(cards[at].closest(".card").dataset.id);
  const perRow = Math.max(1, cards.filter((c) => c.offsetTop === cards[0]?.offsetTop).length);
  const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow, ArrowUp: -perRow }[event.key];
  if (step && cards.length) {
    event.preventDefault();
    cards[Math.min(cards.length - 1, Math.max(0, at < 0 ? 0 : at + step))].focus();
  }
});
$("help-button").addEventListener("click", () => $("help").showModal());
for (const a of document.querySelectorAll("[data-page]")) {
  a.addEventListener("click", link({ page: a.dataset.page, open: null }));
}
document.querySelector(".brand").addEventListener("click", (event) => {
  event.preventDefault();
  droppedImage = null;
  go({ page: "search", q: "", image: null, similar: null, open: null, all: false, sort: "" });
});

fillHistory();
render();
