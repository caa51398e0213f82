"""Which words of a record are embedded and which are keyword-indexed: one deliberate choice.

Embedded (semantic) text = what the image *shows*: the positive prompt (every distinct one of a
multi-pass workflow, the saved image's own first) with generator syntax
stripped (weights, LoRA/embedding tags, BREAK, prompt editing, Midjourney parameters: every
syntax entry of the glossary, `latentdam/vocabulary/glossary.toml`) and without artist credits
("by Greg Rutkowski", "in the style of Moebius": a small sentence model reads names as word
pieces, so "by Beeple" pulled "beekeeper" queries; BENCHMARKS.md), then title, description
and tags. Left out on purpose: the negative prompt (it lists what the image is *not*;
embedding it pulls "blurry, ugly" queries towards every asset) and model/LoRA/sampler *names*
(file names like `control_v11f1p_sd15_depth` carry no meaning for a sentence model and dilute
the prompt). What those tools *did* is said instead, in plain words, in one final sentence:
"Made with depth-guided composition control: ...; two-pass high-resolution generation: ...",
the glossary meanings of the ControlNets, adapters, techniques (hires fix, inpainting,
refiner, face detailer...) and upscalers the record's generation settings name
(`TOOL_KINDS`), so a search for "depth-guided composition" finds ControlNet-depth images. A
record whose settings name none of these (a plain prompt, as in the search-quality benchmark)
embeds exactly as before. Model families, samplers, settings and LoRA-ness are not embedded:
they are on nearly every asset and say little about the picture, and every appended word
dilutes the prompt (see `TOOL_KINDS`); they are found by keyword.

Keyword text = everything a person may type literally: the cleaned prompt (credits included),
title, description, tags, every checkpoint, LoRAs, ControlNets, sampler, tool, the file name, the names of
textual-inversion embeddings used in the prompt, and the words of the term and every alias
of each glossary entry the record used (each word once), so "controlnet depth" finds
`control_v11f1p_sd15_depth` assets and "sdxl" finds `sd_xl_base_1.0` ones.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from latentdam.extract.record import GenerationRecord
from latentdam.vocabulary.glossary import TOOL_KINDS, Glossary, GlossaryEntry

# The version of the recipe below. Bump it whenever embedding_text or keyword_text change what
# they produce: libraries store both texts, and `latentdam refresh` brings older ones up to date.
# 2: artist credits left out of the embedded text.
# 3: every pass's prompt of a multi-pass workflow, and every diffusion model (base + refiner).
TEXT_RECIPE = 3

# Midjourney: everything from the first `--param` on is parameters (also the `—` iOS makes of `--`)
_MJ_PARAMS = re.compile(
    r"\s(?:--|—)(?:ar|aspect|v|version|niji|s|stylize|c|chaos|q|quality|no|seed|sameseed|style|"
    r"tile|w|weird|iw|cref|sref|cw|sw|oref|ow|p|profile|personalize|r|repeat|stop|raw|hd|test|testp|"
    r"upbeta|uplight|video|draft|exp|turbo|fast|relax)\b.*\Z",
    re.IGNORECASE | re.DOTALL,
)
# \( \) \[ \] literal brackets (Danbooru tags like `name \(series\)`): dropped like brackets
_ESCAPED = re.compile(r"\\[()\[\]{}]")
_EXTRA_NETWORK = re.compile(r"<\s*(?:lora|lyco|hypernet|embedding)\s*:[^>]*>", re.IGNORECASE)
# ComfyUI textual inversion: `embedding:name`, `(embedding:name:1.2)`
_EMBEDDING = re.compile(
    r"\(\s*embedding:[^\s,()<>]+?(?::\s*-?[\d.]+)?\s*\)|(?<![\w<])embedding:([^\s,()<>]+)", re.IGNORECASE
)
_EMBEDDING_NAME = re.compile(r"(?<![\w<])\(?\s*embedding:([^\s,()<>:]+)", re.IGNORECASE)
_EMBEDDING_FILE = re.compile(r"\.(?:pt|safetensors|bin)$", re.IGNORECASE)
# NovelAI 4: `1.3::words::` -> words ; Midjourney multi-prompt weights `word::2` -> word
# (starting only where a number starts, and possessive: a long run of digits stays linear)
_NOVELAI_WEIGHT = re.compile(r"(?<![\d.])-?\d++(?:\.\d++)?::(.+?)::")
_MJ_WEIGHT = re.compile(r"::\s*-?\d+(?:\.\d+)?(?![\d:])")
# (word:1.3) -> word ; [word] and (word) emphasis brackets -> word
_WEIGHTED = re.compile(r"\(([^():]+):\s*-?[\d.]+\s*\)")
# [from:to:when] prompt editing -> "from to"; [word:when] -> "word"; [a|b] alternation -> "a b"
_EDITING = re.compile(r"\[([^\[\]:]*):([^\[\]:]*):\s*[\d.]+\s*\]")
_EDIT_ADD = re.compile(r"\[([^\[\]:|]+):\s*[\d.]+\s*\]")
# dynamic-prompts wildcards: __animal__ -> animal
_WILDCARD = re.compile(r"__([A-Za-z0-9][\w/\-]*?)__")
# composable diffusion `a cat AND a dog`; an all-caps "BLACK AND WHITE" is left alone
_AND = re.compile(r"(?<=[a-z0-9)\]>,.])\s+AND\s+(?=[a-z0-9(\[<])")
_BRACKETS = re.compile(r"[()\[\]{}]")
_BREAK = re.compile(r"\bBREAK\b")
_SPACES = re.compile(r"\s+")
_COMMAS = re.compile(r"\s*,[\s,]*")  # runs of commas and the spaces around them
_WORDS = re.compile(r"[a-z0-9]+")
# Who a prompt imitates, to the end of its phrase: "by Greg Rutkowski", "in the style of Moebius"
# (the word before "by" starts only where a word starts, possessively: "a-a-a-…" stays linear)
_BY = re.compile(r"(?:(?<![\w-])(?P<word>[\w-]++)\s+)?(?<![\w-])by\s+(?P<who>[^,.;|\n]+)", re.IGNORECASE)
_STYLE_OF = re.compile(r"\b(?:in\s+the\s+)?style\s+of\s+[^,.;|\n]+", re.IGNORECASE)
# "painted by X" names an artist; "surrounded by X", "lit by X" do not
_CREDIT_VERBS = frozenset((
    "painted", "drawn", "illustrated", "inspired", "designed", "created", "made", "photographed",
    "directed", "rendered", "sculpted", "shot", "written", "done",
))  # fmt: skip
_NOT_NAMES = frozenset((
    "a", "an", "the", "his", "her", "their", "its", "my", "our", "your", "this", "that", "these",
    "those", "night", "day", "hand", "itself", "himself", "herself", "themselves", "moonlight",
    "candlelight", "firelight", "sunlight", "starlight", "lamplight",
))  # fmt: skip


def clean_prompt(prompt: str) -> str:
    """Strip generator syntax that means nothing to a language model, keep the words.

    Handles every syntax entry of the glossary; each entry's `examples` are tested against
    this function."""
    text = _MJ_PARAMS.sub("", prompt)
    text = _ESCAPED.sub(" ", text)
    text = _EXTRA_NETWORK.sub(" ", text)
    text = _EMBEDDING.sub(" ", text)
    text = _NOVELAI_WEIGHT.sub(r"\1", text)
    text = _MJ_WEIGHT.sub(" ", text)
    text = _WEIGHTED.sub(r"\1", text)
    text = _EDITING.sub(r"\1 \2", text)
    text = _EDIT_ADD.sub(r"\1", text)
    text = _WILDCARD.sub(r"\1", text)
    text = _AND.sub(", ", text)
    text = text.replace("|", " ")
    text = _BRACKETS.sub(" ", text)
    text = _BREAK.sub(",", text)
    text = _SPACES.sub(" ", text)
    text = _COMMAS.sub(", ", text)
    return text.strip(" ,")


def _credit(match: re.Match[str]) -> str:
    word = (match["word"] or "").lower()
    passive = word.endswith(("ed", "en")) or word in {"lit", "hit", "held", "led", "fed"}
    if match["who"].split()[0].lower() in _NOT_NAMES or (passive and word not in _CREDIT_VERBS):
        return match[0]
    return "" if word in _CREDIT_VERBS else match["word"] or ""


def without_attribution(text: str) -> str:
    """The text less who it imitates ("by Greg Rutkowski", "in the style of Moebius").

    A small sentence model reads an artist's name as word pieces, not as a style: "by Beeple"
    lands near "beekeeper". The names stay in the keyword text, where they match exactly."""
    stripped = _STYLE_OF.sub("", _BY.sub(_credit, text))
    if stripped == text:
        return text
    return _COMMAS.sub(", ", _SPACES.sub(" ", stripped)).strip(" ,")


def credited_names(text: str) -> list[str]:
    """Who a text credits ("by Greg Rutkowski and Alphonse Mucha" -> both names; "in the style
    of Moebius" -> Moebius): exactly what `without_attribution` removes, each name once."""
    names: list[str] = []
    for match in _BY.finditer(text):
        if _credit(match) != match[0]:
            names += re.split(r"\s+(?:and|&)\s+", match["who"].strip())
    for match in _STYLE_OF.finditer(text):
        names.append(re.sub(r"^(?:in\s+the\s+)?style\s+of\s+", "", match[0], flags=re.IGNORECASE))
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def prompt_embeddings(prompt: str) -> list[str]:
    """Textual-inversion names a prompt loads with `embedding:name` (ComfyUI) syntax."""
    names = (_EMBEDDING_FILE.sub("", m.group(1)) for m in _EMBEDDING_NAME.finditer(prompt))
    return list(dict.fromkeys(n for n in names if n))


def semantic_text(text: str) -> str:
    """What of a text is embedded: all but its credits, or the credit itself when that is
    all there is (something must be embedded). Prompts at ingest and queries alike."""
    return without_attribution(text) or text


def embedding_text(record: GenerationRecord) -> str:
    parts = [
        *(semantic_text(clean_prompt(prompt)) for prompt in record.prompts()),
        record.title or "",
        record.description or "",
        ", ".join(record.tags),
    ]
    tools = Glossary.load().meanings_for_record(record, kinds=TOOL_KINDS)
    if tools:
        parts.append("Made with " + "; ".join(tools))
    parts.append(_provenance_text(record))
    return ". ".join(p.strip() for p in parts if p and p.strip())


def _provenance_text(record: GenerationRecord) -> str:
    """What a file's Content Credentials say it is, in words a search would use (empty
    without credentials, so the texts of other assets are unchanged)."""
    credentials = record.provenance
    if credentials is None:
        return ""
    tool = credentials.software_agent or credentials.claim_generator
    made = "AI-generated image" if credentials.ai_made else "Image"
    return f"{made}{f' made with {tool}' if tool else ''}, with Content Credentials"


def keyword_text(record: GenerationRecord, path: str) -> str:
    jargon = Glossary.load().entries_for_record(record)
    parts = [
        *(clean_prompt(prompt) for prompt in record.prompts()),
        record.title or "",
        record.description or "",
        " ".join(record.tags),
        " ".join(record.diffusion_models()),
        " ".join(lora.name for lora in record.loras),
        " ".join(record.controlnets),
        record.sampler or "",
        str(record.tool),
        PurePath(path).stem,
        " ".join(prompt_embeddings("\n".join(record.prompts()))),
        " ".join(jargon_words(jargon)),
        _provenance_text(record),
    ]
    return "\n".join(p for p in parts if p)


def jargon_words(entries: list[GlossaryEntry]) -> list[str]:
    """The words of the entries' terms and aliases, each once (lowercase), plus two-word
    spellings joined ("control net" -> controlnet, "ip adapter" -> ipadapter): every way a
    person may type the jargon, without repeating "depth" twenty times, which would make
    BM25 rank these assets first for any query with that word."""
    words: dict[str, None] = {}
    for entry in entries:
        for spelling in entry.spellings:
            parts = _WORDS.findall(spelling.lower())
            words.update(dict.fromkeys(parts))
            if len(parts) == 2 and "_" not in spelling:  # typed variants, not file names
                words.setdefault("".join(parts))
    return list(words)
