// Search by example: an image dropped or pasted anywhere, or an asset of the library, with a
// text ↔ image weight when both are given.
import { showPicture } from "./api.js";
import { $, el, fill } from "./dom.js";
import { upload } from "./library.js";
import { droppedImage, go, setDroppedImage, state } from "./nav.js";
import { parse } from "./query.js";
import { forgetSearch } from "./results.js";

export function renderQueryImage() {
  const box = $("query-image");
  const parsed = parse(state.q);
  if (!droppedImage && !state.image) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const img = el("img", { alt: "the query image" });
  if (droppedImage) img.src = URL.createObjectURL(droppedImage);
  else showPicture(img, state.image);
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
  setDroppedImage(file);
  forgetSearch();
  go({ image: null, similar: null, open: null });
}
