// The facet sidebar: counts over the matching set, each value to include or exclude.
import { el, fill, $ } from "./dom.js";
import { go, state } from "./nav.js";
import { hasTerm, toggleTerm } from "./query.js";

const FACETS = [
  ["tool", "tool", "Tool"],
  ["model", "model", "Checkpoint"],
  ["lora", "lora", "LoRA"],
  ["sampler", "sampler", "Sampler"],
  ["size", "size", "Size"],
  ["month", "month", "Month"],
];

export function renderFacets(facets) {
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
