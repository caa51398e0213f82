// Keyboard shortcuts, the help sheet, and the header's links.
import { $ } from "./dom.js";
import { go, link, setDroppedImage, state } from "./nav.js";
import { grid } from "./results.js";
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
  const focused = document.activeElement?.closest?.("#grid .card");
  const at = focused ? grid.indexOf(focused.dataset.id) : -1;
  if (event.key === "s" && at >= 0) return go({ similar: focused.dataset.id, image: null });
  if (event.key === "x" && at >= 0) return toggleSelected(focused.dataset.id);
  if (["ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp"].includes(event.key) && grid.length) {
    event.preventDefault();
    grid.reveal(at < 0 ? 0 : grid.step(at, event.key))?.querySelector(".card-button").focus({ preventScroll: true });
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

