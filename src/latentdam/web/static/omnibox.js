// The omnibox: free text in the box, field and "not" terms as removable chips, history, and
// field values suggested from the library.
import { call } from "./api.js";
import { $, el, fill } from "./dom.js";
import { droppedImage, go, setDroppedImage, state } from "./nav.js";
import { FIELDS, fieldTerm, tokenize, withoutToken } from "./query.js";

const HISTORY = "latentdam.history";

export function renderChips() {
  const chips = $("chips");
  fill(chips);
  tokenize(state.q).forEach((t, index) => {
    if (!t.field && !t.negated) return; // plain words stay in the text box only
    const label = t.field ? `${FIELDS[t.field]}: ${t.value}` : `not: ${t.value}`;
    const chip = el(
      "span",
      { className: `chip${t.negated ? " chip-not" : ""}` },
      el("span", { textContent: t.field && t.negated ? `not ${label}` : label }),
      el("button", {
        type: "button",
        textContent: "×",
        ariaLabel: `Remove ${label}`,
        onclick: () => go({ q: withoutToken(state.q, index), open: null }),
      }),
    );
    chips.append(chip);
  });
  if (state.image || droppedImage) {
    chips.append(
      el(
        "span",
        { className: "chip chip-image" },
        el("span", { textContent: state.similar ? "like this" : "by image" }),
        el("button", {
          type: "button",
          textContent: "×",
          ariaLabel: "Remove the image query",
          onclick: () => {
            setDroppedImage(null);
            go({ image: null, similar: null });
          },
        }),
      ),
    );
  }
  if (state.similar) {
    chips.append(
      el(
        "span",
        { className: "chip chip-image" },
        el("span", { textContent: "more like this" }),
        el("button", { type: "button", textContent: "×", ariaLabel: "Remove more like this", onclick: () => go({ similar: null }) }),
      ),
    );
  }
}

// The text box holds the free text; field terms and "not" terms live on as chips.
export function freeText(q) {
  return tokenize(q)
    .filter((t) => !t.field && !t.negated)
    .map((t) => t.raw)
    .join(" ");
}

function chipTerms(q) {
  return tokenize(q)
    .filter((t) => t.field || t.negated)
    .map((t) => t.raw);
}

$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const typed = $("q").value.trim();
  const q = [...chipTerms(state.q), typed].filter(Boolean).join(" ");
  remember(typed);
  go({ q, open: null });
});

$("sort").addEventListener("change", () => go({ sort: $("sort").value }));

// Backspace in an empty box takes the last chip off, as in a tag input.
$("q").addEventListener("keydown", (event) => {
  if (event.key !== "Backspace" || $("q").value) return;
  const tokens = tokenize(state.q);
  const last = tokens.findLastIndex((t) => t.field || t.negated);
  if (last >= 0) go({ q: withoutToken(state.q, last), open: null });
});

function remember(q) {
  if (!q) return;
  const past = JSON.parse(localStorage.getItem(HISTORY) || "[]").filter((x) => x !== q);
  localStorage.setItem(HISTORY, JSON.stringify([q, ...past].slice(0, 20)));
  fillHistory();
}

export function fillHistory() {
  const past = JSON.parse(localStorage.getItem(HISTORY) || "[]");
  fill($("history"), ...past.map((q) => el("option", { value: q })));
}

// Field values the library holds, suggested as a field term is typed ("model:dre…").
let suggesting = null;
$("q").addEventListener("input", () => {
  const typed = $("q").value;
  const m = /(^|\s)(-?)(tool|model|lora|sampler|tag):("?)([^"\s]*)$/i.exec(typed);
  if (!m) return fillHistory();
  const [, , minus, field, , partial] = m;
  const head = typed.slice(0, typed.length - m[0].length + m[1].length);
  suggesting?.abort();
  suggesting = new AbortController();
  const path = `/v1/values/${field.toLowerCase()}?contains=${encodeURIComponent(partial)}`;
  call(path, { signal: suggesting.signal }).then(
    ({ values }) =>
      fill(
        $("history"),
        Object.entries(values).map(([v, n]) => el("option", { value: `${head}${fieldTerm(field.toLowerCase(), v, minus === "-")}`, label: `${n} assets` })),
      ),
    () => {}, // suggestions are a convenience: the search box works without them
  );
});
