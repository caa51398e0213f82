// Duplicates review: groups of near-identical pictures, each with a suggested keep.
import { call } from "./api.js";
import { $, el, fill } from "./dom.js";
import { card, shownHit } from "./results.js";

export async function renderDuplicates() {
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
            const li = card(shownHit({ asset: a }));
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
