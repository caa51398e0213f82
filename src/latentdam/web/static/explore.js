// Explore: the library's neighbourhoods and a zoomable map of the active space.
import { call, imageSource } from "./api.js";
import { $, el, fill } from "./dom.js";
import { go } from "./nav.js";

const hue = (cluster) => (cluster * 137.508) % 360; // golden-angle hues: neighbours differ
let explored = null;
const view = { scale: 1, x: 0, y: 0 }; // the map's zoom and pan, in canvas pixels
const thumbs = new Map(); // id -> decoded thumbnail for the zoomed-in map

export async function renderExplore() {
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
