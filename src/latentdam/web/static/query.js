// The omnibox language: free text plus `field:value` terms, `-` for "not", quotes for
// phrases and for values with spaces. The query string is the one source of truth: chips,
// facets and the URL are all views of it, and every one of them edits it.

export const FIELDS = {
  model: "checkpoint",
  lora: "LoRA",
  tool: "tool",
  sampler: "sampler",
  seed: "seed",
  tag: "tag",
  after: "after",
  before: "before",
  month: "month",
  size: "size",
  path: "path",
};

const TOKEN = /(-?)(?:([a-z]+):)?("([^"]*)"?|\S+)/gi;

// -> [{raw, negated, field|null, value, quoted}]
export function tokenize(q) {
  const tokens = [];
  for (const m of (q || "").matchAll(TOKEN)) {
    const [raw, minus, field, body, inner] = m;
    const quoted = body.startsWith('"');
    const value = quoted ? (inner ?? "") : body;
    const known = field && Object.hasOwn(FIELDS, field.toLowerCase());
    if (field && !known) {
      tokens.push({ raw, negated: minus === "-", field: null, value: `${field}:${value}`, quoted: false });
    } else {
      tokens.push({ raw, negated: minus === "-", field: known ? field.toLowerCase() : null, value, quoted });
    }
  }
  return tokens.filter((t) => t.value !== "" || t.field);
}

export function quoteValue(value) {
  return /[\s"]/.test(value) || value === "" ? `"${value.replaceAll('"', "")}"` : value;
}

export function fieldTerm(field, value, negated = false) {
  return `${negated ? "-" : ""}${field}:${quoteValue(String(value))}`;
}

// The query without the token at `index` (a chip's remove button).
export function withoutToken(q, index) {
  return tokenize(q)
    .filter((_, i) => i !== index)
    .map((t) => t.raw)
    .join(" ");
}

export function hasTerm(q, field, value, negated) {
  return tokenize(q).some(
    (t) => t.field === field && t.negated === negated && t.value.toLowerCase() === String(value).toLowerCase(),
  );
}

// Add a field term, or take it away when it is there already (facet clicks toggle).
export function toggleTerm(q, field, value, negated = false) {
  const tokens = tokenize(q);
  const at = tokens.findIndex(
    (t) => t.field === field && t.negated === negated && t.value.toLowerCase() === String(value).toLowerCase(),
  );
  if (at >= 0) return withoutToken(q, at);
  return [q.trim(), fieldTerm(field, value, negated)].filter(Boolean).join(" ");
}

function monthRange(value) {
  const m = /^(\d{4})-(\d{2})$/.exec(value);
  if (!m) return null;
  const start = new Date(Date.UTC(+m[1], +m[2] - 1, 1));
  const end = new Date(Date.UTC(+m[1], +m[2], 1) - 1);
  return { created_after: start.toISOString(), created_before: end.toISOString() };
}

function dateValue(value) {
  const d = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

// One field term as a Filters object (the API's), or an error message.
function termFilter(t) {
  const v = t.value;
  switch (t.field) {
    case "model":
      return { model: v };
    case "lora":
      return { lora: [v] };
    case "tool":
      return { tool: v.toLowerCase() };
    case "sampler":
      return { sampler: v };
    case "tag":
      return { tags: [v] };
    case "path":
      return { path: v };
    case "seed":
      return /^\d+$/.test(v) ? { seed: Number(v) } : `seed:${v} is not a number`;
    case "after":
      return dateValue(v) ? { created_after: dateValue(v) } : `after:${v} is not a date (YYYY-MM-DD)`;
    case "before":
      return dateValue(v) ? { created_before: dateValue(v) } : `before:${v} is not a date (YYYY-MM-DD)`;
    case "month":
      return monthRange(v) || `month:${v} is not a month (YYYY-MM)`;
    case "size": {
      const m = /^(\d+)[x×](\d+)$/i.exec(v);
      if (!m) return `size:${v} is not a size (WIDTHxHEIGHT, e.g. 1024x1024)`;
      const [w, h] = [Number(m[1]), Number(m[2])];
      return { min_width: w, max_width: w, min_height: h, max_height: h };
    }
    default:
      return `unknown field ${t.field}`;
  }
}

// (a OR b) AND (x OR y): the API's `any_of` branches, nested one group inside the other.
function orGroups(groups) {
  if (!groups.length) return [];
  const [first, ...rest] = groups;
  const inner = orGroups(rest);
  return first.map((f) => (inner.length ? { ...f, any_of: inner } : f));
}

// The query string -> {text, negative, filters, errors}.
export function parse(q) {
  const words = [];
  const negative = [];
  const include = new Map(); // field -> [Filters]: the same field twice means either
  const exclude = [];
  const errors = [];
  for (const t of tokenize(q)) {
    if (!t.field) {
      const word = t.quoted ? `"${t.value}"` : t.value;
      (t.negated ? negative : words).push(word);
      continue;
    }
    const filter = termFilter(t);
    if (typeof filter === "string") {
      errors.push(filter);
      continue;
    }
    if (t.negated) exclude.push(filter);
    else include.set(t.field, [...(include.get(t.field) || []), filter]);
  }
  const filters = {};
  const groups = [];
  for (const list of include.values()) {
    if (list.length === 1) mergeInto(filters, list[0]);
    else groups.push(list);
  }
  const branches = orGroups(groups);
  if (branches.length) filters.any_of = branches;
  if (exclude.length) filters.exclude = exclude;
  return {
    text: words.join(" ").trim() || null,
    negative: negative.join(" ").replaceAll('"', "").trim() || null,
    filters,
    errors,
  };
}

function mergeInto(target, filter) {
  for (const [k, v] of Object.entries(filter)) {
    target[k] = Array.isArray(v) ? [...(target[k] || []), ...v] : v;
  }
}

// The whole view state <-> the URL (shareable, reloadable).
export function readState(search = location.search) {
  const p = new URLSearchParams(search);
  return {
    page: p.get("page") || "search",
    q: p.get("q") || "",
    sort: p.get("sort") || "",
    image: p.get("image") || null, // an asset id to search by example
    similar: p.get("similar") || null,
    weight: p.has("weight") ? Number(p.get("weight")) : 0.5,
    all: p.get("all") === "1",
    open: p.get("open") || null,
    wander: p.get("wander") || null, // the asset a wander on the explore page stands at
  };
}

export function stateUrl(state) {
  const p = new URLSearchParams();
  if (state.page && state.page !== "search") p.set("page", state.page);
  if (state.q) p.set("q", state.q);
  if (state.sort) p.set("sort", state.sort);
  if (state.image) p.set("image", state.image);
  if (state.similar) p.set("similar", state.similar);
  if (state.image && state.q && state.weight !== 0.5) p.set("weight", String(state.weight));
  if (state.all) p.set("all", "1");
  if (state.open) p.set("open", state.open);
  if (state.wander) p.set("wander", state.wander);
  const s = p.toString();
  return s ? `/?${s}` : "/";
}
