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
  points = null;
  drawMap();
}

function lookAgain() {
  if (!$("page-explore").hidden) renderExplore();
}

// The map is drawn as pixels: each point a small square written straight into one ImageData
// (one typed-array store per pixel, no canvas call per point), then put on the canvas in one
// call, so a frame of 100k points costs a few milliseconds. Thumbnails go on top when zoomed in.
let points = null; // the current map as typed arrays: x, y in [0, 1], and the colour of each
let frame = 0; // a redraw already asked for: zoom and drag draw once per animation frame
let pixels = null; // the ImageData reused while the canvas keeps its size
const PAD = 16;

function pointsOf(map) {
  const palette = new Map(); // cluster -> its colour
  const colours = new Uint32Array(map.ids.length);
  for (let i = 0; i < map.ids.length; i++) {
    const c = map.cluster[i];
    if (!palette.has(c)) palette.set(c, packed(hue(c)));
    colours[i] = palette.get(c);
  }
  return { x: Float32Array.from(map.x), y: Float32Array.from(map.y), colours };
}

// hsl(h 65% 50%) as one little-endian RGBA word (ImageData's byte order is R, G, B, A)
function packed(h) {
  const s = 0.65;
  const l = 0.5;
  const f = (n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return ((255 << 24) | (f(4) << 16) | (f(8) << 8) | f(0)) >>> 0;
}

function redraw() {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; drawMap(); });
}

function mapPoint(i, canvas) {
  return [PAD + points.x[i] * (canvas.width - 2 * PAD) * view.scale + view.x, PAD + points.y[i] * (canvas.height - 2 * PAD) * view.scale + view.y];
}

function drawMap() {
  const canvas = $("map");
  if (!explored || canvas.offsetParent === null) return;
  const started = performance.now();
  const ratio = devicePixelRatio || 1;
  const width = Math.round(canvas.clientWidth * ratio);
  const height = Math.round(canvas.clientHeight * ratio);
  if (!width || !height) return; // laid out at no size (the page is being left): nothing to draw
  if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
  const ctx = canvas.getContext("2d");
  if (!pixels || pixels.width !== width || pixels.height !== height) pixels = ctx.createImageData(width, height);
  const words = new Uint32Array(pixels.data.buffer);
  words.fill(0); // transparent: the canvas's own background shows through
  points ??= pointsOf(explored);
  const { x: xs, y: ys, colours } = points;
  const n = xs.length;
  const close = view.scale >= 4;
  const size = Math.min(64, 10 * view.scale) * ratio;
  const dot = Math.round((n > 20000 ? 2 : n > 2000 ? 3 : 6) * ratio);
  const sx = (width - 2 * PAD) * view.scale;
  const sy = (height - 2 * PAD) * view.scale;
  const shown = []; // points in view that get a thumbnail, close up
  for (let i = 0; i < n; i++) {
    const x = PAD + xs[i] * sx + view.x;
    const y = PAD + ys[i] * sy + view.y;
    if (x < -size || y < -size || x > width + size || y > height + size) continue;
    if (close && shown.length < 300) {
      shown.push(i);
      continue;
    }
    const left = Math.max(0, Math.round(x - dot / 2));
    const top = Math.max(0, Math.round(y - dot / 2));
    const right = Math.min(width, left + dot);
    const bottom = Math.min(height, top + dot);
    const colour = colours[i];
    for (let row = top; row < bottom; row++) {
      const base = row * width;
      for (let col = left; col < right; col++) words[base + col] = colour;
    }
  }
  ctx.putImageData(pixels, 0, 0);
  for (const i of shown) {
    const [x, y] = mapPoint(i, canvas);
    const picture = thumbnailFor(explored.ids[i]);
    if (picture) {
      ctx.drawImage(picture, x - size / 2, y - size / 2, size, size);
    } else {
      ctx.fillStyle = `hsl(${hue(explored.cluster[i])} 65% 50%)`; // until its thumbnail arrives
      ctx.fillRect(x - dot / 2, y - dot / 2, dot, dot);
    }
  }
  performance.measure("latentdam:map", { start: started });
}

function thumbnailFor(id) {
  const known = thumbs.get(id);
  if (known) return known.complete ? known : null;
  if (thumbs.size > 2000) thumbs.delete(thumbs.keys().next().value); // bounded: the oldest goes
  const img = new Image();
  img.onload = redraw;
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
    const px = event.offsetX * ratio - PAD; // the point under the cursor stays there
    const py = event.offsetY * ratio - PAD;
    view.x = px - ((px - view.x) * scale) / view.scale;
    view.y = py - ((py - view.y) * scale) / view.scale;
    view.scale = scale;
    redraw();
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
    redraw();
  });
  canvas.addEventListener("pointerup", (event) => {
    const clicked = drag && !drag.moved;
    drag = null;
    if (!clicked || !points) return;
    const ratio = devicePixelRatio || 1;
    const px = event.offsetX * ratio;
    const py = event.offsetY * ratio;
    let best = -1;
    let bestDistance = (12 * ratio) ** 2;
    for (let i = 0; i < points.x.length; i++) {
      const [x, y] = mapPoint(i, canvas);
      const d = (x - px) ** 2 + (y - py) ** 2;
      if (d < bestDistance) [best, bestDistance] = [i, d];
    }
    if (best >= 0) go({ page: "search", open: explored.ids[best] });
  });
  window.addEventListener("resize", redraw);
}
