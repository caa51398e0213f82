// Selection across searches (click, Ctrl/Shift+click, x), and what a selection can do:
// compare 2–4 side by side, export a zip, copy paths, tag or untag.
import { ApiError, apiKey, call, followJob, showPicture } from "./api.js";
import { $, copy, el, fileName, fill, showError, toast } from "./dom.js";
import { rerender } from "./nav.js";
import { forgetSearch, resultIds } from "./results.js";

export const selected = new Set(); // asset ids, kept while the query changes (collect across searches)
let anchor = null; // where a shift-click range starts

export function toggleSelected(id) {
  if (selected.has(id)) selected.delete(id);
  else selected.add(id);
  anchor = id;
  renderSelection();
}

export function selectRange(id) {
  const order = resultIds();
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
    const img = showPicture(el("img", { alt: fileName(a.path) }), a.id, "file");
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
    forgetSearch(); // tags are searchable at once: show what the search now says
    rerender();
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
