// Keyboard shortcuts, the help sheet, and the header's links.
import { $ } from "./dom.js";
import { go, link, setDroppedImage, state } from "./nav.js";
import { toggleSelected } from "./selection.js";

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
  setDroppedImage(null);
  go({ page: "search", q: "", image: null, similar: null, open: null, all: false, sort: "" });
});

