// Explore: the library's neighbourhoods and a zoomable map of the active space.
import { call, showPicture } from "./api.js";
import { $, el, fill } from "./dom.js";
import { go } from "./nav.js";

const hue = (cluster) => (cluster * 137.508) % 360; // golden-angle hues: neighbours differ
let explored = null;
const view = { scale: 1, x: 0, y: 0 }; // the map's zoom and pan, in canvas pixels
const thumbs = new Map(); // id -> decoded thumbnail for the zoomed-in map

let waiting = 0; // the timer of the next look at a map being computed
const WAIT_MS = 1500;

// The map is computed by a background job on the server (seconds to minutes): while there
// is none, or while a newer one is computed, the page looks again now and then.
export async function renderExplore() {
  clearTimeout(waiting);
  const box = $("neighbourhoods");
  if (!explored) fill(box, el("p", { textContent: "Finding the library's neighbourhoods…" }));
  let answer;
  try {
    answer = await call("/v1/explore");
  } catch (error) {
    return fill(box, el("p", { className: "error", textContent: error.message }));
  }
  if (answer.status === "computing") {
    const job = answer.job;
    fill(box, el("p", { className: "computing", textContent: `Drawing the map of the library (a background job, ${job.state})… it appears here when done.` }));
    waiting = setTimeout(lookAgain, WAIT_MS);
    return;
  }
  const changed = !explored || explored.version !== answer.version || explored.space !== answer.space;
  explored = answer;
  const fresh = explored.stale ? " This map is from before the latest changes; a current one is being drawn." : "";
  $("explore-hint").textContent = `${explored.ids.length} assets in ${explored.neighbourhoods.length} neighbourhoods of the ${explored.space} space (${explored.projection.toUpperCase()} map). Scroll the map to zoom (pictures show up close), drag to move, click to open.${fresh}`;
  if (explored.refreshing) waiting = setTimeout(lookAgain, WAIT_MS);
  if (!changed) return;
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
            const img = showPicture(el("img", { alt: "", loading: "lazy" }), id);
            const b = el("button", { type: "button", onclick: () => go({ page: "search", open: id }) }, img);
            b.setAttribute("aria-label", `Open a picture of ${title}`);
            return b;
          }),
        ),
      );
    }),
  );
  Object.assign(view, { scale: 1, x: 0, y: 0 });
  order = null;
  drawMap();
}

function lookAgain() {
  if (!$("page-explore").hidden) renderExplore();
}

function mapPoint(i, canvas) {
  const pad = 16;
  return [pad + explored.x[i] * (canvas.width - 2 * pad) * view.scale + view.x, pad + explored.y[i] * (canvas.height - 2 * pad) * view.scale + view.y];
}

// Points are drawn cluster by cluster (one fill colour each) as small squares: no path and
// no colour change per point, which is what a map of 100k points needs (not yet measured).
let order = null; // point indices grouped by cluster, for the current map

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
  order ??= explored.ids.map((_, i) => i).sort((a, b) => explored.cluster[a] - explored.cluster[b]);
  const close = view.scale >= 4;
  const size = Math.min(64, 10 * view.scale) * ratio;
  const n = explored.ids.length;
  const dot = (n > 20000 ? 2 : n > 2000 ? 3 : 6) * ratio;
  const pad = 16;
  const sx = (canvas.width - 2 * pad) * view.scale;
  const sy = (canvas.height - 2 * pad) * view.scale;
  let drawn = 0;
  let colour = -1;
  for (const i of order) {
    const x = pad + explored.x[i] * sx + view.x;
    const y = pad + explored.y[i] * sy + view.y;
    if (x < -size || y < -size || x > canvas.width + size || y > canvas.height + size) continue;
    const picture = close && drawn < 300 ? thumbnailFor(explored.ids[i]) : null;
    if (picture) {
      ctx.drawImage(picture, x - size / 2, y - size / 2, size, size);
      drawn++;
      continue;
    }
    if (explored.cluster[i] !== colour) {
      colour = explored.cluster[i];
      ctx.fillStyle = `hsl(${hue(colour)} 65% 50%)`;
    }
    ctx.fillRect(x - dot / 2, y - dot / 2, dot, dot);
  }
}

function thumbnailFor(id) {
  const known = thumbs.get(id);
  if (known) return known.complete ? known : null;
  if (thumbs.size > 2000) thumbs.delete(thumbs.keys().next().value); // bounded: the oldest goes
  const img = new Image();
  img.onload = () => requestAnimationFrame(drawMap);
  thumbs.set(id, img);
  showPicture(img, id);
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
