// The /v1 API, as the page uses it: JSON in and out, the API key (when the server needs
// one) asked for once and kept for the tab, errors as the server words them.

const KEY = "latentdam.key";
let keyPrompt = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error || "http_error";
    this.hint = body?.hint || null;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

function askForKey() {
  if (!keyPrompt) {
    keyPrompt = new Promise((resolve) => {
      const dialog = document.getElementById("key-dialog");
      const input = document.getElementById("key-input");
      dialog.addEventListener(
        "close",
        () => {
          sessionStorage.setItem(KEY, input.value.trim());
          keyPrompt = null;
          resolve();
        },
        { once: true },
      );
      dialog.showModal();
      input.focus();
    });
  }
  return keyPrompt;
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

export async function call(path, { method = "GET", json, form, signal } = {}) {
  for (let attempt = 0; ; attempt++) {
    const init = { method, signal, headers: headers(json ? { "Content-Type": "application/json" } : {}) };
    if (json) init.body = JSON.stringify(json);
    if (form) init.body = form;
    const response = await fetch(path, init);
    if (response.status === 401 && attempt < 3) {
      sessionStorage.removeItem(KEY);
      await askForKey();
      continue;
    }
    const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }
}

export const search = (request, signal) => call("/v1/search", { method: "POST", json: request, signal });

export function searchByImage(request, file, signal) {
  const form = new FormData();
  form.set("query", JSON.stringify(request));
  form.set("image", file);
  return call("/v1/search", { method: "POST", form, signal });
}

// An <img> source for an asset: the URL itself, or (when a key must go with it, which an
// <img> cannot send) a blob URL of the bytes fetched with the key.
// With a key, pictures come through fetch as blob URLs: the last few hundred are kept (the
// windowed grid draws a card again as it scrolls back) and the older ones revoked.
const blobs = new Map(); // path -> Promise<blob URL>
const BLOBS = 600;

export async function imageSource(path) {
  if (!apiKey()) return path;
  const known = blobs.get(path);
  if (known) {
    blobs.delete(path); // most recently used last
    blobs.set(path, known);
    return known;
  }
  const fetched = fetch(path, { headers: headers() }).then(async (response) => {
    if (!response.ok) throw new ApiError(response.status, null);
    return URL.createObjectURL(await response.blob());
  });
  blobs.set(path, fetched);
  fetched.catch(() => blobs.delete(path));
  while (blobs.size > BLOBS) {
    const [oldest, url] = blobs.entries().next().value;
    blobs.delete(oldest);
    url.then(URL.revokeObjectURL, () => {});
  }
  return fetched;
}

/** Point an <img> at one of an asset's pictures ("thumbnail" or "file"), through the key
 * when there is one; a picture that cannot load marks the img `broken`. Returns the img. */
export function showPicture(img, id, which = "thumbnail") {
  imageSource(`/v1/assets/${id}/${which}`).then((src) => (img.src = src), () => img.classList.add("broken"));
  return img;
}

// A job's server-sent events, read with fetch (EventSource cannot send the key).
export async function followJob(id, onEvent, signal) {
  const response = await fetch(`/v1/jobs/${id}/events`, { headers: headers(), signal });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let kind = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) kind = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) onEvent(kind, JSON.parse(data));
      if (kind === "end") return;
    }
  }
}
