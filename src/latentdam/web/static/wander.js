// Wander: from any asset to its neighbours, and on to their neighbours — a walk through the
// embedding space, one click a step (Back walks back). Every step is the public similar API.
import { call, showPicture } from "./api.js";
import { $, el, fileName, fill, showError } from "./dom.js";
import { go, state } from "./nav.js";

const NEAR = 6; // neighbours of the asset
const FURTHER = 3; // of each neighbour's own neighbours, the ones not shown yet

function tile(asset, size, label) {
  const img = showPicture(el("img", { alt: asset.record.prompt?.slice(0, 120) || fileName(asset.path), loading: "lazy" }), asset.id);
  const button = el("button", { type: "button", className: `wander-tile wander-${size}`, onclick: () => go({ wander: asset.id }) }, img);
  button.setAttribute("aria-label", `${label}: ${fileName(asset.path)}; wander from it`);
  button.dataset.id = asset.id;
  return button;
}

export async function renderWander() {
  const box = $("wander");
  const id = state.wander;
  box.hidden = !id;
  if (!id) return;
  fill(box, el("h2", { textContent: "Wander" }), el("p", { className: "hint", textContent: "Finding the neighbours…" }));
  try {
    const [centre, near] = await Promise.all([call(`/v1/assets/${id}`), call(`/v1/assets/${id}/similar?limit=${NEAR}`)]);
    const seen = new Set([centre.id, ...near.results.map((h) => h.id)]);
    const rings = await Promise.all(near.results.map((h) => call(`/v1/assets/${h.id}/similar?limit=${NEAR + FURTHER}`)));
    if (state.wander !== id) return; // walked on meanwhile
    const columns = near.results.map((hit, i) => {
      const further = rings[i].results.filter((h) => !seen.has(h.id)).slice(0, FURTHER);
      for (const h of further) seen.add(h.id);
      return el("li", { className: "wander-column" }, tile(hit.asset, "near", "neighbour"), el("div", { className: "wander-further" }, further.map((h) => tile(h.asset, "far", "neighbour's neighbour"))));
    });
    fill(
      box,
      el("h2", { textContent: "Wander" }),
      el("p", { className: "hint", textContent: `From ${fileName(centre.path)} to its nearest neighbours (${near.ordering}) and on to theirs. Click any picture to walk on; Back walks back.` }),
      el(
        "div",
        { className: "wander-body" },
        el("figure", { className: "wander-centre" }, tile(centre, "centre", "here"), el("figcaption", {}, el("button", { type: "button", textContent: "Open", onclick: () => go({ page: "search", open: centre.id, wander: null }) }), el("button", { type: "button", textContent: "Done", onclick: () => go({ wander: null }) }))),
        el("ul", { className: "wander-columns" }, columns),
      ),
    );
  } catch (error) {
    fill(box, el("h2", { textContent: "Wander" }), el("p", { className: "error", textContent: error.message }));
    showError(error);
  }
}
