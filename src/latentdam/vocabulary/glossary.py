"""Generative-AI jargon and its plain meaning, from the maintained data file `glossary.toml`.

People search an image library in plain words ("depth-guided composition", "upscaled with
AI"); image metadata speaks in file names and jargon (`control_v11f1p_sd15_depth`,
`4x-UltraSharp`, `DPM++ 2M Karras`). The glossary bridges the two, in both directions:
`meanings_for_record` says in plain words which tools made an image (ingest), `expand_query`
says which jargon a query names or paraphrases (search). It is data, edited in the TOML file;
this module only reads and matches it. Everything is deterministic and runs in microseconds:
no model is involved.

Matching rules (`Glossary.match`)
---------------------------------
1. Tokens. Text is cut into lowercase letter/digit tokens at every other character and at
   camelCase humps: `control_v11f1p_sd15_depth.pth` -> control v11f1p sd15 depth pth,
   `IPAdapterUnifiedLoader` -> ip adapter unified loader, `4x-UltraSharp` -> 4x ultra sharp.
2. Whole tokens, spelling-insensitive. An alias (or an entry's term) matches a run of whole
   consecutive tokens whose characters, joined, equal the alias' characters joined: one
   spelling "ip-adapter" finds `IPAdapter`, `ip_adapter` and `IP Adapter`; "sd 1.5" finds
   `sd15` and `SD1.5`. An alias never matches part of a token: "lora" is not found in
   "floral", "depth" is not found in "depthwise".
3. Longest first. At each token the longest alias wins and matches do not overlap:
   "lineart anime" beats "lineart", "DPM++ 2M SDE" beats "DPM++ 2M", "controlnet depth"
   is one match (ControlNet depth), not two.
4. Ordinary words. A match whose tokens are all ordinary words (the file's
   `ordinary_words` plus English function words: "depth", "pose", "line art", "pony",
   "turbo", "seed", "in painting"...) counts only
   - in a generation-setting field (`setting=True`: the ControlNet, model, sampler, upscaler
     names a tool recorded, where "depth" can only mean the depth ControlNet), or
   - in free text (prompts, queries) when a qualifier of the entry's kind (the file's
     `[qualifiers]`: "controlnet", "checkpoint", "sampler"...) stands within
     `QUALIFIER_WINDOW` tokens: "ControlNet depth", "depth controlnet", "pony checkpoint".
   So "depth of field", "a pony in a meadow" and "line art of a cat" name no jargon, while
   `depth_midas`, `openpose` or `sdxl` (not ordinary words) are jargon wherever they appear.

Paraphrase rule (`Glossary.expand_query`)
-----------------------------------------
Content words are the query's and the meanings' words without English function words and
bare numbers, cut to a crude stem (`guided`/`guide` -> guid, `upscaled`/`upscaler` ->
upscal); the query's jargon (what `match` found in it) is left out first. Each word weighs
its IDF over the glossary's meanings, log(entries / meanings using the word), so words many
meanings share ("image", "control", "model") weigh little and distinctive ones ("depth",
"pose", "edges") decide. A query paraphrases an entry when its meaning and the query share
- at least `PARAPHRASE_MIN_SHARED` (2) content words,
- at least `PARAPHRASE_MIN_COVERAGE` (half) of the query's content words, so a long
  ordinary query does not paraphrase anything by sharing a word or two,
- words whose IDFs sum to at least `PARAPHRASE_MIN_EVIDENCE` (5.5: about two distinctive
  words; "reference image", 2.3, is not enough, nor "a photo of a man holding a reference
  image", 5.2);
and only the best are kept: entries within `PARAPHRASE_NEAR_BEST` (80%) of the best sum, at
most `PARAPHRASE_MAX` (3). "depth-guided composition control" (depth + guided + composition
+ control = 9.9) paraphrases ControlNet depth; ControlNet union shares depth + composition
+ control (7.5, under 80%) and canny shares guided + composition + control (6.5): neither.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from latentdam.errors import GlossaryError
from latentdam.extract.record import GenerationRecord

KINDS = (
    "controlnet",
    "adapter",
    "technique",
    "upscaler",
    "model_family",
    "network",
    "sampler",
    "setting",
    "syntax",
)
"""Allowed entry kinds, in the order a record's tools are listed."""

TOOL_KINDS = ("controlnet", "adapter", "technique", "upscaler")
"""Kinds whose meaning says how the picture was *composed or finished* (guided by a depth map,
redrawn at high resolution, upscaled): the ones embedded with the prompt. Model families are
left out on purpose: nearly every A1111/ComfyUI asset names a checkpoint, and appending
"Stable Diffusion 1.5: ..." to all of them lowered all-MiniLM-L6-v2's cosine between a prompt
and its own subject query by 0.1-0.17 (e.g. "sleeping cat" vs a cat prompt: 0.71 -> 0.54),
a penalty assets without a model (Midjourney, plain photos) escape. They stay searchable by
keyword (term and aliases). Samplers, settings and LoRA-ness say nothing about the picture."""

QUALIFIER_WINDOW = 3
"""How many tokens away a qualifier may stand from an ordinary-word alias in free text."""

PARAPHRASE_MIN_SHARED = 2
PARAPHRASE_MIN_COVERAGE = 0.5
PARAPHRASE_MIN_EVIDENCE = 5.5
PARAPHRASE_NEAR_BEST = 0.8
PARAPHRASE_MAX = 3

# generation-setting values (A1111 infotext) matched as names of these kinds
_SETTING_VALUE_KINDS: dict[str, tuple[str, ...]] = {
    "Hires upscaler": ("upscaler",),
    "ADetailer model": ("technique",),
    "ADetailer model 2nd": ("technique",),
    "Face restoration": ("technique",),
    "TI hashes": ("network",),
    "VAE": ("setting",),
}
_MODEL_FILE = re.compile(r"\.(?:safetensors|ckpt|pth|pt|bin|gguf|onnx)$", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[0-9])(?=[A-Z][a-z])")
_TOKEN = re.compile(r"[a-z0-9]+")

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "but",
        "nor",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "as",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "above",
        "below",
        "between",
        "through",
        "during",
        "before",
        "after",
        "up",
        "down",
        "out",
        "off",
        "than",
        "then",
        "so",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "not",
        "only",
        "own",
        "same",
        "too",
        "very",
        "can",
        "will",
        "just",
        "do",
        "does",
        "did",
        "done",
        "has",
        "have",
        "had",
        "having",
        "one",
        "two",
        "three",
        "like",
        "also",
        "via",
        "per",
        "vs",
        "versus",
        "made",
        "make",
        "makes",
        "using",
        "use",
        "used",
    ]
)


def tokens(text: str) -> list[str]:
    """Lowercase letter/digit tokens, split at punctuation, spaces and camelCase humps."""
    return _TOKEN.findall(_CAMEL.sub(" ", text).lower())


def compact(text: str) -> str:
    """A spelling's tokens joined: "IP-Adapter", "ip_adapter", "IPAdapter" -> "ipadapter"."""
    return "".join(tokens(text))


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "er", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str | list[str]) -> list[str]:
    """Stemmed words of plain text (or of its `tokens`) without function words or bare numbers."""
    words = tokens(text) if isinstance(text, str) else text
    return [_stem(w) for w in words if w not in STOPWORDS and not w.isdigit() and len(w) > 1]


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One piece of jargon: its canonical `term`, the spellings it is found by, and what it
    means in plain words. See `glossary.toml` for the fields."""

    term: str
    kind: str
    meaning: str
    aliases: tuple[str, ...] = ()
    setting_keys: tuple[str, ...] = ()
    comfy_nodes: tuple[str, ...] = ()
    examples: tuple[tuple[str, str], ...] = ()  # (prompt, cleaned) pairs for syntax entries

    @property
    def spellings(self) -> tuple[str, ...]:
        """The term and every alias: the words a keyword search should find the entry by."""
        return (self.term, *self.aliases)


@dataclass(frozen=True, slots=True)
class QueryExpansion:
    """What the glossary makes of a search query.

    - `named`: entries the query names by jargon ("ControlNet depth", "sdxl").
    - `meanings`: their plain meanings, to search the meaning side (semantic signal).
    - `paraphrased`: entries whose meaning the query puts in plain words
      ("depth-guided composition control"), best first.
    - `terms`: their term and aliases, to search the jargon side (keyword signal).
    """

    named: tuple[GlossaryEntry, ...] = ()
    meanings: tuple[str, ...] = ()
    paraphrased: tuple[GlossaryEntry, ...] = ()
    terms: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.named or self.paraphrased)


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int  # inclusive
    entry: GlossaryEntry


@dataclass(slots=True)
class _Index:
    """Compact spelling -> value, and the longest spelling's length to bound the scan."""

    table: dict[str, Any] = field(default_factory=dict)
    longest: int = 0

    def add(self, spelling: str, value: Any) -> None:
        key = compact(spelling)
        if key:
            self.table[key] = value
            self.longest = max(self.longest, len(key))

    def candidates(self, toks: list[str], start: int) -> Iterator[tuple[int, Any]]:
        """(end token, value) for every spelling starting at `start`, longest first."""
        found: list[tuple[int, Any]] = []
        joined = ""
        for end in range(start, len(toks)):
            joined += toks[end]
            if len(joined) > self.longest:
                break
            value = self.table.get(joined)
            if value is not None:
                found.append((end, value))
        return reversed(found)


class Glossary:
    """The loaded glossary: entries plus the indexes that match them. Build with `load()`."""

    def __init__(
        self,
        entries: Iterable[GlossaryEntry],
        ordinary_words: Iterable[str] = (),
        qualifiers: dict[str, list[str]] | None = None,
    ) -> None:
        self.entries: tuple[GlossaryEntry, ...] = tuple(entries)
        self.ordinary_words = frozenset(w.lower() for w in ordinary_words) | STOPWORDS
        self._aliases = _Index()
        owner: dict[str, str] = {}
        for entry in self.entries:
            if entry.kind not in KINDS:
                raise GlossaryError(f"{entry.term!r}: unknown kind {entry.kind!r}")
            if not entry.meaning.strip():
                raise GlossaryError(f"{entry.term!r}: empty meaning")
            for spelling in entry.spellings:
                key = compact(spelling)
                if not key:
                    raise GlossaryError(f"{entry.term!r}: alias {spelling!r} has no letters or digits")
                if owner.get(key, entry.term) != entry.term:
                    raise GlossaryError(f"{spelling!r} belongs to both {owner[key]!r} and {entry.term!r}")
                owner[key] = entry.term
                self._aliases.add(spelling, entry)
        self._qualifiers = _Index()
        kinds_of: dict[str, set[str]] = {}
        for kind, words in (qualifiers or {}).items():
            if kind not in KINDS:
                raise GlossaryError(f"qualifiers for unknown kind {kind!r}")
            for word in words:
                kinds_of.setdefault(compact(word), set()).add(kind)
        for key, kinds in kinds_of.items():
            self._qualifiers.add(key, frozenset(kinds))
        self._by_term = {e.term: e for e in self.entries}
        self._by_setting_key = _group(self.entries, lambda e: e.setting_keys)
        self._by_comfy_node = _group(self.entries, lambda e: e.comfy_nodes)
        # paraphrase statistics: stemmed meaning words and their IDF over all meanings
        self._meaning_words = {e.term: frozenset(content_words(e.meaning)) for e in self.entries}
        df: dict[str, int] = {}
        for meaning_words in self._meaning_words.values():
            for w in meaning_words:
                df[w] = df.get(w, 0) + 1
        n = len(self.entries)
        self._idf = {w: math.log(n / count) for w, count in df.items()}

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls) -> Glossary:
        """The packaged glossary (`latentdam/vocabulary/glossary.toml`), parsed once per process."""
        return _packaged()

    @classmethod
    def from_toml(cls, text: str) -> Glossary:
        data = tomllib.loads(text)
        entries = [_entry(raw) for raw in data.get("entry", [])]
        return cls(entries, data.get("ordinary_words", []), data.get("qualifiers", {}))

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, term: str) -> GlossaryEntry:
        return self._by_term[term]

    # ------------------------------------------------------------------ matching

    def match(
        self, text: str, *, setting: bool = False, kinds: Collection[str] | None = None
    ) -> list[GlossaryEntry]:
        """Entries named in `text`, in order of first appearance, each once.

        `setting=True` says `text` is a generation-setting value (a ControlNet, model,
        sampler or upscaler name), where ordinary-word aliases count without a qualifier;
        `kinds` limits the answer to entries of those kinds. Rules: module docstring.
        """
        out: dict[str, GlossaryEntry] = {}
        for span in self._spans(text, setting=setting, kinds=kinds):
            out.setdefault(span.entry.term, span.entry)
        return list(out.values())

    def _spans(self, text: str, *, setting: bool, kinds: Collection[str] | None) -> list[_Span]:
        toks = tokens(text)
        qualifiers = [] if setting else self._qualifier_spans(toks)
        spans: list[_Span] = []
        i = 0
        while i < len(toks):
            chosen: _Span | None = None
            for end, entry in self._aliases.candidates(toks, i):
                if kinds is not None and entry.kind not in kinds:
                    continue
                ordinary = all(t in self.ordinary_words for t in toks[i : end + 1])
                if ordinary and not setting and not _qualified(qualifiers, entry.kind, i, end):
                    continue
                chosen = _Span(i, end, entry)
                break
            if chosen is None:
                i += 1
            else:
                spans.append(chosen)
                i = chosen.end + 1
        return spans

    def _qualifier_spans(self, toks: list[str]) -> list[tuple[int, int, frozenset[str]]]:
        spans = []
        for i in range(len(toks)):
            for end, kinds in self._qualifiers.candidates(toks, i):
                spans.append((i, end, kinds))
                break
        return spans

    # ------------------------------------------------------------------ records

    def entries_for_record(self, record: GenerationRecord) -> list[GlossaryEntry]:
        """The tools, models, ControlNets, adapters, LoRA kinds, samplers and settings a record
        says were used, ordered by `KINDS`. Read from the generation fields only (never the
        prompt: a prompt describes the picture, not how it was made):

        - model -> model families and techniques ("sd_xl_refiner", "...inpainting");
        - each ControlNet -> its ControlNet or adapter entry, else the generic ControlNet;
        - LoRAs -> LoRA, plus jargon in their names ("lcm-lora-sdxl" -> LCM, SDXL);
        - sampler and scheduler -> sampler entries;
        - A1111 infotext / InvokeAI metadata keys -> entries listing them in `setting_keys`
          ("Hires upscaler" -> Hires fix), with the upscaler/detailer names they hold;
        - ComfyUI workflow nodes -> entries listing them in `comfy_nodes`, plus upscaler and
          adapter model files the workflow loads;
        - `embedding:name` in the prompt -> Textual inversion.
        """
        found: dict[str, GlossaryEntry] = {}

        def add(entries: Iterable[GlossaryEntry]) -> None:
            for entry in entries:
                found.setdefault(entry.term, entry)

        if record.model:
            add(self.match(record.model, setting=True, kinds=("model_family", "technique")))
        for name in record.controlnets:
            hits = self.match(name, setting=True, kinds=("controlnet", "adapter"))
            add(hits or [self._by_term["ControlNet"]])
        if record.loras:
            add([self._by_term["LoRA"]])
            for lora in record.loras:
                add(self.match(lora.name, kinds=("network", "technique", "sampler", "model_family")))
        for value in (record.sampler, record.scheduler):
            if value:
                add(self.match(value, setting=True, kinds=("sampler",)))
        settings, nodes, files = _generation_settings(record)
        for key, value in settings.items():
            add(self._by_setting_key.get(key, []))
            value_kinds = _SETTING_VALUE_KINDS.get(key)
            if value_kinds:
                add(self.match(value, setting=True, kinds=value_kinds))
        for node in nodes:
            add(self._by_comfy_node.get(node, []))
        for file in files:
            add(self.match(file, setting=True, kinds=("upscaler", "adapter")))
        if "embedding:" in record.prompt.lower():
            add([self._by_term["Textual inversion"]])
        entries = list(found.values())
        if any(e.kind == "controlnet" and e.term != "ControlNet" for e in entries):
            entries = [e for e in entries if e.term != "ControlNet"]  # the specific one says more
        return sorted(entries, key=lambda e: KINDS.index(e.kind))

    def meanings_for_record(
        self, record: GenerationRecord, kinds: Collection[str] | None = None
    ) -> list[str]:
        """Plain meanings of what made the record (`entries_for_record`), optionally of some kinds."""
        return [e.meaning for e in self.entries_for_record(record) if kinds is None or e.kind in kinds]

    # ------------------------------------------------------------------ queries

    def paraphrased(self, text: str) -> list[tuple[GlossaryEntry, float]]:
        """Entries whose meaning `text` paraphrases, with their evidence (summed IDF of the
        shared words), best first. Jargon `text` names is left out. Rule: module docstring."""
        toks = tokens(text)
        for span in self._spans(text, setting=False, kinds=None):
            toks[span.start : span.end + 1] = [""] * (span.end + 1 - span.start)
        query = set(content_words([t for t in toks if t]))
        scored = []
        for entry in self.entries:
            shared = query & self._meaning_words[entry.term]
            if len(shared) < PARAPHRASE_MIN_SHARED or len(shared) < PARAPHRASE_MIN_COVERAGE * len(query):
                continue
            evidence = sum(self._idf[w] for w in shared)
            if evidence >= PARAPHRASE_MIN_EVIDENCE:
                # ties: the shorter meaning is the closer paraphrase
                scored.append((entry, evidence, len(self._meaning_words[entry.term])))
        if not scored:
            return []
        best = max(evidence for _, evidence, _ in scored)
        kept = [s for s in scored if s[1] >= PARAPHRASE_NEAR_BEST * best]
        kept.sort(key=lambda s: (-s[1], s[2]))
        return [(entry, evidence) for entry, evidence, _ in kept[:PARAPHRASE_MAX]]

    def expand_query(self, text: str) -> QueryExpansion:
        """Jargon a query names (-> plain meanings) and plain words it uses for jargon (-> terms)."""
        named = tuple(self.match(text))
        paraphrased = tuple(entry for entry, _ in self.paraphrased(text))
        terms = dict.fromkeys(s for entry in paraphrased for s in entry.spellings)
        return QueryExpansion(
            named=named,
            meanings=tuple(dict.fromkeys(e.meaning for e in named)),
            paraphrased=paraphrased,
            terms=tuple(terms),
        )


# ---------------------------------------------------------------------------- helpers


@cache
def _packaged() -> Glossary:
    text = resources.files("latentdam.vocabulary").joinpath("glossary.toml").read_text(encoding="utf-8")
    return Glossary.from_toml(text)


_ENTRY_FIELDS = {"term", "kind", "meaning", "aliases", "setting_keys", "comfy_nodes", "examples"}


def _entry(raw: dict[str, Any]) -> GlossaryEntry:
    unknown = set(raw) - _ENTRY_FIELDS
    if unknown:
        raise GlossaryError(f"{raw.get('term')!r}: unknown fields {sorted(unknown)}")
    try:
        return GlossaryEntry(
            term=str(raw["term"]),
            kind=str(raw["kind"]),
            meaning=str(raw["meaning"]).strip(),
            aliases=tuple(str(a) for a in raw.get("aliases", [])),
            setting_keys=tuple(str(k) for k in raw.get("setting_keys", [])),
            comfy_nodes=tuple(str(n) for n in raw.get("comfy_nodes", [])),
            examples=tuple((str(x["prompt"]), str(x["cleaned"])) for x in raw.get("examples", [])),
        )
    except KeyError as exc:
        raise GlossaryError(f"{raw.get('term')!r}: missing field {exc}") from None


def _group(entries: Iterable[GlossaryEntry], keys: Any) -> dict[str, list[GlossaryEntry]]:
    out: dict[str, list[GlossaryEntry]] = {}
    for entry in entries:
        for key in keys(entry):
            out.setdefault(key, []).append(entry)
    return out


def _qualified(spans: list[tuple[int, int, frozenset[str]]], kind: str, start: int, end: int) -> bool:
    return any(
        kind in kinds and q_start <= end + QUALIFIER_WINDOW and q_end >= start - QUALIFIER_WINDOW
        for q_start, q_end, kinds in spans
    )


def _generation_settings(record: GenerationRecord) -> tuple[dict[str, str], list[str], list[str]]:
    """From a record's raw metadata: generation settings (A1111 infotext key -> value, InvokeAI
    metadata keys that are set), ComfyUI node class types, and model files ComfyUI loads."""
    from latentdam.extract.readers.a1111 import looks_like_parameters, parse_parameters

    raw = record.raw
    settings: dict[str, str] = {}
    nodes: list[str] = []
    files: list[str] = []
    parameters = raw.get("png:parameters") or raw.get("exif:UserComment")
    if parameters and looks_like_parameters(parameters):
        settings.update(parse_parameters(parameters).settings)
    invoke = _json_object(raw.get("png:invokeai_metadata"))
    for key, value in invoke.items():
        if value not in (None, False, "", [], {}):
            settings.setdefault(key, str(value))
    for node in _json_object(raw.get("png:prompt")).values():
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("class_type"), str):
            nodes.append(node["class_type"])
        inputs = node.get("inputs")
        if isinstance(inputs, dict):
            files.extend(v for v in inputs.values() if isinstance(v, str) and _MODEL_FILE.search(v))
    return settings, nodes, files


def _json_object(text: str | None) -> dict[str, Any]:
    if not text or not text.lstrip().startswith("{"):
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # a hostile file's JSON, nested thousands deep
        return {}
    return data if isinstance(data, dict) else {}
