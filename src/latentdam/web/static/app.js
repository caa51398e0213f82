// The gallery: one page, its whole state in the URL, every byte through the /v1 API.
// Each view is a module; this one draws the view the state names.
import { openDetail } from "./detail.js";
import { $ } from "./dom.js";
import { renderDuplicates } from "./duplicates.js";
import { renderExplore } from "./explore.js";
import "./keyboard.js";
import { renderLibrary } from "./library.js";
import { onRender, state } from "./nav.js";
import { fillHistory, freeText, renderChips } from "./omnibox.js";
import { forgetSearch, renderSearch } from "./results.js";
import { renderWander } from "./wander.js";

let shownPage = null; // the page drawn last: a step of a wander stays on it

function render() {
  const arrived = state.page !== shownPage;
  shownPage = state.page;
  for (const page of ["search", "library", "duplicates", "explore"]) $(`page-${page}`).hidden = state.page !== page;
  for (const link of document.querySelectorAll("[data-page]")) {
    link.toggleAttribute("aria-current", link.dataset.page === state.page);
  }
  $("q").value = freeText(state.q);
  $("sort").value = state.sort;
  renderChips();
  if (state.page !== "search") {
    forgetSearch();
    if ($("detail").open) $("detail").close(); // "wander from here" leaves the detail
  }
  if (state.page === "library") return renderLibrary();
  if (state.page === "duplicates") return renderDuplicates();
  // the map is fetched on arriving (it is megabytes at 100k assets), not on every wander step;
  // while it is computed or stale, explore.js looks again by itself
  if (state.page === "explore") return Promise.all([renderWander(), arrived ? renderExplore() : null]);
  renderSearch();
  if (state.open) openDetail(state.open);
  else if ($("detail").open) $("detail").close();
}

onRender(render);
fillHistory();
render();
