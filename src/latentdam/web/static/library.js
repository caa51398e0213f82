// The library page: statistics, uploads and server-side ingest, jobs with live progress,
// embedding spaces and re-embedding.
import { ApiError, call, followJob, search } from "./api.js";
import { $, el, fileName, fill, showError, toast } from "./dom.js";
import { card, shownHit } from "./results.js";

export async function renderLibrary() {
  try {
    const stats = await call("/v1/stats");
    fill($("stats"), 
      el("h2", { textContent: `${stats.assets} assets` }),
      el("p", { textContent: `${stats.files} files in ${stats.path}` }),
      el("p", { textContent: Object.entries(stats.by_tool).map(([t, n]) => `${t}: ${n}`).join(" · ") }),
    );
    await renderSpaces();
  } catch (error) {
    showError(error);
  }
  refreshJobs();
}

async function renderSpaces() {
  const { spaces } = await call("/v1/spaces");
  fill(
    $("spaces"),
    spaces.map((s) => {
      const bar = el("progress", { max: 1, value: s.coverage });
      bar.setAttribute("aria-label", `${s.name} coverage`);
      return el("li", { className: "space" }, el("strong", { textContent: s.name }), ` ${s.model_id || ""} · ${s.active ? "active" : "not answering searches"} · ${Math.round(s.coverage * 100)}% embedded `, bar);
    }),
  );
  renderCompare(spaces);
}

// While a migration runs (or a new space waits, not active), one query side by side: what
// searches answer now, and what they would answer from the new space with what it holds.
let comparing = [];

function renderCompare(spaces) {
  comparing = spaces.filter((s) => !s.active && s.coverage > 0);
  $("migration").hidden = comparing.length === 0;
  const pick = $("compare-space");
  const was = pick.value;
  fill(pick, comparing.map((s) => el("option", { value: s.name, textContent: `${s.name} (${Math.round(s.coverage * 100)}% embedded)`, selected: s.name === was })));
}

$("compare-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("compare-q").value.trim();
  const space = comparing.find((s) => s.name === $("compare-space").value);
  if (!text || !space) return;
  const body = { text, limit: 12 };
  try {
    const [now, after] = await Promise.all([search(body), search({ ...body, space: space.name })]);
    const column = (title, result) =>
      el(
        "section",
        { className: "compare-column" },
        el("h3", { textContent: title }),
        el("p", { className: "hint", textContent: result.status === "no_match" ? "No asset matches." : `${result.results.length} results · ${result.spaces.join(", ")}` }),
        el("ul", { className: "grid" }, result.results.map((hit) => card(shownHit(hit)))),
      );
    fill($("compare-results"), column("Now", now), column(`After switching to ${space.name} (${Math.round(space.coverage * 100)}% embedded so far)`, after));
  } catch (error) {
    showError(error);
  }
});

$("reembed-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const job = await call("/v1/jobs/reembed", { method: "POST", json: { model: $("reembed-model").value.trim() } });
    $("jobs").prepend(jobRow(job));
    watch(job);
  } catch (error) {
    showError(error);
  }
});

async function refreshJobs() {
  try {
    const { jobs } = await call("/v1/jobs?limit=20");
    fill($("jobs"), ...jobs.map(jobRow));
    for (const job of jobs) if (job.state === "queued" || job.state === "running") watch(job);
  } catch (error) {
    fill($("jobs"), el("li", { className: "hint", textContent: error instanceof ApiError && error.status === 403 ? "Jobs need a key with the write scope." : error.message }));
  }
}

function jobRow(job) {
  const total = job.total || 0;
  const bar = el("progress", { max: total || 1, value: job.done });
  bar.setAttribute("aria-label", `${job.request.kind} progress`);
  const r = job.report || {};
  const counts =
    job.request.kind === "ingest" && r.added !== undefined
      ? `${r.added} added, ${r.updated} updated, ` +
        (r.copies ? `${r.copies} copies, ` : "") +
        (r.moved ? `${r.moved} moved, ` : "") +
        `${r.unchanged} unchanged, ${r.failed.length} failed`
      : job.request.kind === "reembed" && r.embedded !== undefined
        ? `${job.request.model}: ${r.embedded} embedded${r.activated ? ", now answering searches" : ""}`
        : "";
  const li = el(
    "li",
    { className: `job job-${job.state}` },
    el("span", { className: "job-kind", textContent: `${job.request.kind} · ${job.origin}` }),
    bar,
    el("span", { className: "job-state", textContent: `${job.state} ${total ? `${job.done}/${total}` : ""}` }),
    el("span", { className: "job-counts", textContent: counts }),
    job.error ? el("span", { className: "error", textContent: job.error }) : null,
    ...(r.failed || []).slice(0, 5).map((f) => el("span", { className: "job-failed", textContent: `${fileName(f.path)}: ${f.reason}` })),
  );
  if (job.state === "queued" || job.state === "running") {
    li.append(el("button", { type: "button", textContent: "Cancel", onclick: () => call(`/v1/jobs/${job.id}/cancel`, { method: "POST" }).catch(showError) }));
  }
  li.dataset.job = job.id;
  return li;
}

const watching = new Set();
function watch(job) {
  if (watching.has(job.id)) return;
  watching.add(job.id);
  followJob(job.id, (kind, update) => {
    if (kind === "end") renderSpaces().catch(showError); // a reembed or refresh changed them
    const row = document.querySelector(`[data-job="${update.id}"]`);
    const fresh = jobRow(update);
    if (row) row.replaceWith(fresh);
    else $("jobs").prepend(fresh);
  })
    .catch(showError)
    .finally(() => watching.delete(job.id));
}

export async function upload(files) {
  const form = new FormData();
  for (const file of files) form.append("files", file);
  try {
    const result = await call("/v1/uploads", { method: "POST", form });
    const fresh = result.files.filter((f) => f.status === "new").length;
    toast(`${fresh} new, ${result.files.length - fresh} already in the library`);
    if (result.job) {
      $("jobs").prepend(jobRow(result.job));
      watch(result.job);
    }
  } catch (error) {
    showError(error);
  }
}

$("dropzone").addEventListener("click", () => $("files").click());
$("dropzone").addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") $("files").click();
});
$("files").addEventListener("change", () => upload([...$("files").files]));
$("ingest-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const job = await call("/v1/jobs/ingest", { method: "POST", json: { paths: [$("ingest-path").value.trim()] } });
    $("jobs").prepend(jobRow(job));
    watch(job);
  } catch (error) {
    showError(error);
  }
});
