// The detail view: the full picture, every generation parameter and ComfyUI stage, why it
// is among the results, and what to do next (copy, more like this, same prompt).
import { call, imageSource, search, searchByImage, showPicture } from "./api.js";
import { $, copy, el, fileName, fill } from "./dom.js";
import { droppedImage, go, state } from "./nav.js";
import { BAND_LABEL, pageOf, request } from "./results.js";

export async function openDetail(id) {
  const dialog = $("detail");
  const info = $("detail-info");
  fill(info, el("p", { textContent: "Loading…" }));
  if (!dialog.open) dialog.showModal();
  let asset;
  try {
    asset = await call(`/v1/assets/${id}`);
  } catch (error) {
    fill(info, el("p", { className: "error", textContent: error.message }));
    return;
  }
  const img = $("detail-img");
  img.alt = asset.record.prompt?.slice(0, 200) || fileName(asset.path);
  img.removeAttribute("src");
  imageSource(`/v1/assets/${asset.id}/file`).then((src) => (img.src = src), () => showPicture(img, asset.id));
  const r = asset.record;
  const hit = await explained(asset.id);
  const rows = [
    ["Tool", r.tool],
    ["Checkpoint", r.model],
    ["Models", r.models?.length > 1 ? r.models.join(" → ") : null],
    ["Sampler", [r.sampler, r.scheduler].filter(Boolean).join(" · ")],
    ["Steps", r.steps],
    ["CFG", r.cfg],
    ["Seed", r.seed],
    ["Size", r.width && r.height ? `${r.width}×${r.height}` : `${asset.width}×${asset.height}`],
    ["LoRAs", r.loras.map((l) => (l.weight == null ? l.name : `${l.name} (${l.weight})`)).join(", ")],
    ["ControlNets", r.controlnets.join(", ")],
    ["Tags", r.tags.join(", ")],
    ["Created", asset.created_at ? new Date(asset.created_at).toLocaleString() : null],
    ["Software", r.software],
    ["File", asset.path],
  ].filter(([, v]) => v !== null && v !== undefined && v !== "");
  const actions = el(
    "div",
    { className: "actions" },
    el("button", { type: "button", textContent: "Copy prompt", onclick: () => copy(r.prompt, "Prompt copied") }),
    el("button", { type: "button", textContent: "Copy parameters", onclick: () => copy(a1111Block(asset), "Parameters copied") }),
    el("button", { type: "button", textContent: "More like this", onclick: () => go({ similar: asset.id, image: null, open: null }) }),
    el("button", { type: "button", textContent: "Wander from here", onclick: () => go({ page: "explore", wander: asset.id, open: null }) }),
    r.prompt ? el("button", { type: "button", textContent: "Search this prompt", onclick: () => go({ q: `"${r.prompt.slice(0, 200).replaceAll('"', "")}"`, similar: null, image: null, open: null }) }) : null,
    workflowButton(asset),
  );
  fill(info, 
    el("h2", { textContent: fileName(asset.path) }),
    hit?.band ? el("p", { className: `band band-${hit.band}`, textContent: BAND_LABEL[hit.band] }) : null,
    el("h3", { textContent: "Prompt" }),
    el("p", { className: "prompt" }, highlight(r.prompt || "(none)", hit)),
    r.negative_prompt ? el("h3", { textContent: "Negative prompt" }) : null,
    r.negative_prompt ? el("p", { className: "prompt negative", textContent: r.negative_prompt }) : null,
    actions,
    el("dl", { className: "params" }, rows.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: String(v) })])),
    hit?.explanation ? why(hit) : null,
    credentials(r.provenance),
    variantsSection(asset),
    samplingPasses(r.stages),
    comfyStages(asset),
    asset.warnings?.length ? el("p", { className: "hint", textContent: `Read with warnings: ${asset.warnings.join("; ")}` }) : null,
  );
}

// Content Credentials (C2PA): the verdict first, in words, then what they say.
const VERDICT = {
  valid: "Signed, intact, by a trusted signer",
  untrusted: "Signed and intact; the signer is not among this server's trust anchors",
  tampered: "Tampered: the file no longer matches what was signed",
  invalid: "The credentials do not verify",
  remote: "Credentials are linked, not in the file (never fetched)",
};

function credentials(p) {
  if (!p) return null;
  const rows = [
    ["Made", p.digital_source_type ? `${p.digital_source_type}${p.ai_made ? " (AI-made)" : ""}` : null],
    ["Tool", p.software_agent],
    ["Signed with", p.claim_generator],
    ["Signer", p.signer],
    ["Actions", p.actions.join(", ")],
    ["Made from", p.ingredients.join(", ")],
    ["Problems", p.problems.join(", ")],
  ].filter(([, v]) => v);
  const section = el(
    "section",
    { className: "credentials" },
    el("h3", { textContent: "Content Credentials" }),
    el("p", { className: `verdict verdict-${p.state}`, textContent: VERDICT[p.state] || p.state }),
    el("dl", { className: "params" }, rows.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })])),
  );
  section.setAttribute("aria-label", "Content Credentials");
  return section;
}

// Same prompt, other seeds and models: a strip of the other renders, each captioned by the
// parameters that vary among them (filled in when the answer comes).
const VARIED = { tool: "tool", model: "model", loras: "LoRAs", sampler: "sampler", scheduler: "scheduler", steps: "steps", cfg: "CFG", seed: "seed", size: "size", negative_prompt: "negative" };

function variantsSection(asset) {
  if (!asset.record.prompt) return null;
  const section = el("section", { className: "variants", hidden: true }, el("h3", { textContent: "Same prompt, other renders" }));
  section.setAttribute("aria-label", "Same prompt, other renders");
  call(`/v1/assets/${asset.id}/variants?limit=12`).then(({ total, varies, variants }) => {
    if (!total || state.open !== asset.id) return;
    const caption = (a) =>
      varies
        .filter((k) => k !== "negative_prompt")
        .map((k) => `${VARIED[k]} ${parameter(a, k) ?? "—"}`)
        .join(" · ");
    section.hidden = false;
    fill(
      section,
      section.firstChild,
      el("p", { className: "hint", textContent: `${total} other render${total === 1 ? "" : "s"} of this prompt; they differ in ${varies.map((k) => VARIED[k]).join(", ") || "nothing recorded"}. This one: ${caption(asset)}` }),
      el(
        "ul",
        { className: "variant-strip" },
        variants.map((a) => {
          const img = showPicture(el("img", { alt: caption(a), loading: "lazy" }), a.id);
          return el("li", {}, el("button", { type: "button", onclick: () => go({ open: a.id }) }, img, el("span", { className: "hint", textContent: caption(a) })));
        }),
      ),
      total > variants.length ? el("p", { className: "hint", textContent: `and ${total - variants.length} more` }) : null,
    );
  }, () => {}); // the detail is whole without it
  return section;
}

function parameter(asset, key) {
  const r = asset.record;
  if (key === "size") return `${r.width || asset.width}×${r.height || asset.height}`;
  if (key === "loras") return r.loras.map((l) => (l.weight == null ? l.name : `${l.name}:${l.weight}`)).join(", ") || null;
  if (key === "tool") return r.tool;
  return r[key];
}

// The opened result's explanation: its own page asked again, explaining that hit only
// (explanations cost ~20 ms a hit, so the grid goes without them).
const explanations = new Map(); // (search, id) -> the hit explained, for the last few details opened

async function explained(id) {
  if (!pageOf.has(id)) return null; // not among the results: opened from a link or the map
  const { body } = request(false);
  const key = JSON.stringify([body, droppedImage?.name, id]); // the same result of the same search
  if (explanations.has(key)) return explanations.get(key);
  const page = pageOf.get(id);
  if (page) body.cursor = page;
  Object.assign(body, { explain: true, explain_ids: [id] });
  let hit = null;
  try {
    const result = droppedImage && !page ? await searchByImage(body, droppedImage) : await search(body);
    hit = result.results.find((h) => h.id === id) ?? null;
  } catch {
    // the detail shows without its "why"; the search itself already answered
  }
  if (explanations.size >= 50) explanations.delete(explanations.keys().next().value);
  explanations.set(key, hit);
  return hit;
}

function highlight(prompt, hit) {
  const phrases = (hit?.explanation?.phrases || []).map((p) => p.phrase).filter(Boolean);
  if (!phrases.length) return prompt;
  const parts = [];
  let rest = prompt;
  for (;;) {
    let best = null;
    for (const phrase of phrases) {
      const at = rest.toLowerCase().indexOf(phrase.toLowerCase());
      if (at >= 0 && (best === null || at < best.at)) best = { at, phrase };
    }
    if (!best) break;
    parts.push(rest.slice(0, best.at), el("mark", { textContent: rest.slice(best.at, best.at + best.phrase.length) }));
    rest = rest.slice(best.at + best.phrase.length);
  }
  parts.push(rest);
  return parts;
}

function why(hit) {
  const ex = hit.explanation;
  const lines = [
    ...ex.signals.map((s) => s.reason),
    ...ex.literal.map((l) => `names ${l.needle} (${l.field})`),
    ...(ex.keywords?.length ? [`keywords: ${ex.keywords.join(", ")}`] : []),
    ...ex.filters.map((f) => `${f.holds ? "✓" : "✗"} ${f.filter}${f.value ? ` (${f.value})` : ""}`),
  ];
  return el("section", { className: "explain" }, el("h3", { textContent: "Why it is here" }), el("ul", {}, lines.map((l) => el("li", { textContent: l }))));
}

// A metadata block as the file carried it: raw keys name their container ("png:prompt").
function rawBlock(asset, name) {
  const raw = asset.record.raw || {};
  return raw[name] ?? Object.entries(raw).find(([key]) => key.endsWith(`:${name}`))?.[1] ?? null;
}

// The sampling passes of a multi-pass workflow (base + refiner, hires fix, detailers...),
// earliest first: the last one made the saved image, and the record above speaks for it.
function samplingPasses(stages) {
  if (!stages || stages.length < 2) return null;
  const named = (items, weight) => items.map((x) => (x[weight] == null ? x.name : `${x.name} (${x[weight]})`)).join(", ");
  const items = stages.map((st, i) => {
    const settings = [
      st.model,
      [st.sampler, st.scheduler].filter(Boolean).join(" · "),
      st.steps != null && `${st.steps} steps`,
      st.cfg != null && `CFG ${st.cfg}`,
      st.seed != null && `seed ${st.seed}`,
      st.denoise != null && `denoise ${st.denoise}`,
      st.width && st.height && `${st.width}×${st.height}`,
      named(st.loras, "weight"),
      named(st.controlnets, "strength"),
    ].filter(Boolean);
    return el(
      "li",
      {},
      el("strong", { textContent: i === stages.length - 1 ? "Final pass" : `Pass ${i + 1}` }),
      el("div", { className: "hint", textContent: settings.join(" · ") }),
      st.positive ? el("p", { className: "prompt", textContent: st.positive }) : null,
    );
  });
  const section = el("section", { className: "passes" }, el("h3", { textContent: `Sampling passes (${stages.length})` }), el("ol", {}, items));
  section.setAttribute("aria-label", "Sampling passes");
  return section;
}

// Every stage of a ComfyUI graph (the API-format `prompt` block): node type and the inputs
// a person tunes; links to other nodes are left out.
function comfyStages(asset) {
  let graph;
  try {
    graph = JSON.parse(rawBlock(asset, "prompt") || "");
  } catch {
    return null;
  }
  if (!graph || typeof graph !== "object" || Array.isArray(graph)) return null;
  const nodes = Object.entries(graph)
    .filter(([, n]) => n && typeof n === "object" && n.class_type)
    .sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b));
  if (!nodes.length) return null;
  const items = nodes.map(([id, node]) => {
    const inputs = Object.entries(node.inputs || {})
      .filter(([, v]) => !Array.isArray(v) && v !== null && typeof v !== "object")
      .map(([k, v]) => `${k}: ${String(v).length > 80 ? `${String(v).slice(0, 80)}…` : v}`);
    return el("li", {}, el("strong", { textContent: node.class_type }), ` #${id}`, inputs.length ? el("div", { className: "hint", textContent: inputs.join(" · ") }) : null);
  });
  return el("details", { className: "stages" }, el("summary", { textContent: `ComfyUI graph: ${nodes.length} nodes` }), el("ol", {}, items));
}

function a1111Block(asset) {
  const r = asset.record;
  const settings = [
    r.steps != null && `Steps: ${r.steps}`,
    r.sampler && `Sampler: ${r.sampler}`,
    r.scheduler && `Schedule type: ${r.scheduler}`,
    r.cfg != null && `CFG scale: ${r.cfg}`,
    r.seed != null && `Seed: ${r.seed}`,
    `Size: ${r.width || asset.width}x${r.height || asset.height}`,
    r.model_hash && `Model hash: ${r.model_hash}`,
    r.model && `Model: ${r.model}`,
  ].filter(Boolean);
  const loras = r.loras.map((l) => ` <lora:${l.name}:${l.weight ?? 1}>`).join("");
  return `${r.prompt}${loras}\n${r.negative_prompt ? `Negative prompt: ${r.negative_prompt}\n` : ""}${settings.join(", ")}`;
}

function workflowButton(asset) {
  const text = rawBlock(asset, "workflow") || rawBlock(asset, "prompt");
  if (!text || !text.trim().startsWith("{")) return null;
  return el("button", {
    type: "button",
    textContent: "Download workflow",
    onclick: () => {
      const a = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })), download: `${fileName(asset.path).replace(/\.\w+$/, "")}.workflow.json` });
      a.click();
    },
  });
}

$("detail-close").addEventListener("click", () => $("detail").close());
$("detail").addEventListener("close", () => {
  if (state.open) go({ open: null });
});
