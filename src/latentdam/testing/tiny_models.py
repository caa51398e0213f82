"""Tiny, randomly initialised CLIP and SigLIP checkpoints for tests and benchmarks.

Each `save_tiny_*` writes a complete model directory — config.json, safetensors weights, a
working tokenizer and the image processor config — that `from_pretrained(dir)` loads offline,
exactly as it loads a model downloaded from the hub. Nothing is downloaded: the tokenizers are
built here, with the `tokenizers` library, from a small built-in corpus, deterministically.

- CLIP: a byte-level BPE with CLIP's own pipeline (`CLIPTokenizer`: lowercase, CLIP's split
  regex, `</w>` word endings, `<|startoftext|>` … `<|endoftext|>`). The vocabulary holds all
  256 byte symbols with and without `</w>`, as CLIP's does, so any text tokenises without
  unknown tokens; 200 merges are learnt from the corpus.
- SigLIP: the real SigLIP tokenizer is a SentencePiece unigram model (`spiece.model`, loaded
  by `SiglipTokenizer`, which needs the `sentencepiece` package). The tiny one is the same kind
  of model — a unigram with the `▁` metaspace, lowercasing, `</s>` appended and used as the pad
  token, ids <pad>=0 </s>=1 <unk>=2 and input ids only, as in SigLIP — built with `tokenizers`
  and saved as a `tokenizer.json` fast tokenizer, so it loads without `sentencepiece`.

Weights come from `torch.manual_seed(seed)`: the same seed writes the same files.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path
from typing import Any, cast

# A small caption-like corpus; only the tokenizers' merges/pieces come from it.
CORPUS = [
    "a photo of a cat sitting on a red sofa",
    "a painting of a dog in the snow, oil on canvas",
    "portrait of a woman with long hair, highly detailed, studio lighting",
    "a castle on a hill at sunset, fantasy art, trending on artstation",
    "cyberpunk city street at night with neon lights and rain",
    "a bowl of fruit on a wooden table, still life",
    "an astronaut riding a horse on the moon, digital art",
    "close-up photograph of a flower with water drops, macro, 85mm",
    "landscape with mountains and a lake, morning fog, 4k",
    "anime girl with blue eyes, masterpiece, best quality",
    "a robot reading a book in a library",
    "black and white sketch of an old man",
]

# each tower of the tiny models: 2 layers, width 32, 2 heads
TINY_TOWER: dict[str, Any] = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
}

CLIP_BOS = "<|startoftext|>"
CLIP_EOS = "<|endoftext|>"


def learn_bpe_merges(words: dict[tuple[str, ...], int], count: int) -> list[tuple[str, str]]:
    """Classic BPE: repeatedly merge the most frequent adjacent pair (ties: the smallest pair).
    Written out here because the `tokenizers` trainers break ties in hash-map order, which
    changes from one process to the next — the tiny models must be reproducible."""
    merges: list[tuple[str, str]] = []
    words = dict(words)
    for _ in range(count):
        pairs: Counter[tuple[str, str]] = Counter()
        for symbols, n in words.items():
            for pair in itertools.pairwise(symbols):
                pairs[pair] += n
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        joined = best[0] + best[1]
        merged: dict[tuple[str, ...], int] = {}
        for symbols, n in words.items():
            out: list[str] = []
            i = 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(joined)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + n
        words = merged
    return merges


def build_clip_tokenizer(merge_count: int = 200) -> Any:
    """A CLIP byte-level BPE tokenizer (a `transformers.CLIPTokenizer`) with merges learnt from
    `CORPUS` through CLIP's own normaliser and pre-tokeniser."""
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    pipeline = CLIPTokenizer().backend_tokenizer
    assert pipeline.normalizer is not None and pipeline.pre_tokenizer is not None
    words: Counter[tuple[str, ...]] = Counter()
    for text in CORPUS:
        for word, _ in pipeline.pre_tokenizer.pre_tokenize_str(pipeline.normalizer.normalize_str(text)):
            words[(*word[:-1], word[-1] + "</w>")] += 1
    merges = learn_bpe_merges(words, merge_count)
    # CLIP's layout: bytes, bytes + "</w>", merged symbols, then the two special tokens
    alphabet = sorted(ByteLevel.alphabet())
    vocab: dict[str, int] = {}
    for symbol in [*alphabet, *(a + "</w>" for a in alphabet)]:
        vocab.setdefault(symbol, len(vocab))
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    for special in (CLIP_BOS, CLIP_EOS):
        vocab.setdefault(special, len(vocab))
    # BPE wants (left, right) tuples; transformers' annotation says strings
    return CLIPTokenizer(vocab=vocab, merges=cast(Any, merges), model_max_length=77)


def build_siglip_tokenizer() -> Any:
    """A SigLIP-style unigram tokenizer (a fast tokenizer; no sentencepiece): SigLIP's special
    ids, every character of a small alphabet, and the words of `CORPUS` as whole pieces scored
    by log frequency, so known words stay whole and anything else spells out."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    counts: Counter[str] = Counter()
    for text in CORPUS:
        for word in text.lower().split():
            counts[word] += 1
            counts[word.strip(",.")] += 1
    total = sum(counts.values())
    pieces: list[tuple[str, float]] = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]  # ids 0, 1, 2
    pieces.append(("▁", -5.0))
    pieces += [(c, -10.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789.,-'!?:;()&/"]
    pieces += [("▁" + w, math.log(n / total)) for w, n in sorted(counts.items()) if w]
    tokenizer = Tokenizer(Unigram(pieces, unk_id=2))
    tokenizer.normalizer = normalizers.Sequence([normalizers.Lowercase(), normalizers.Strip()])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="</s>",
        pad_token="</s>",
        unk_token="<unk>",
        model_max_length=64,
        model_input_names=["input_ids"],  # as SigLIP's: the model takes no attention mask
    )


def save_tiny_clip(
    directory: Path,
    *,
    seed: int = 0,
    image_size: int | None = None,
    full_size: bool = False,
) -> Path:
    """Write a tiny random CLIPModel (2 layers, width 32, 32 px images, 16-d projection) with a
    tokenizer and image processor to `directory`. `full_size=True` writes the CLIPConfig
    defaults instead — the ViT-B/32 architecture (12 layers, width 512/768, 224 px, 512-d
    output, 49408-token vocabulary) with random weights — for benchmarks."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_clip_tokenizer()
    ids = {
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if full_size:
        image_size = image_size or 224
        config = CLIPConfig(text_config=ids, vision_config={"image_size": image_size})
    else:
        image_size = image_size or 32
        config = CLIPConfig(
            text_config={**TINY_TOWER, "vocab_size": len(tokenizer), "max_position_embeddings": 77, **ids},
            vision_config={**TINY_TOWER, "image_size": image_size, "patch_size": 8},
            projection_dim=16,
        )
    config.latentdam_tiny_seed = seed  # differently seeded models differ in config.json too
    torch.manual_seed(seed)
    model = CLIPModel(config).eval()
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    CLIPImageProcessorPil(
        size={"shortest_edge": image_size},
        crop_size={"height": image_size, "width": image_size},
    ).save_pretrained(directory)
    return directory


def _siglip_text_config(tokenizer: Any) -> dict[str, Any]:
    return {
        **TINY_TOWER,
        "vocab_size": len(tokenizer),
        "max_position_embeddings": 64,
        "bos_token_id": None,  # SigLIP's text has no start token
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }


def save_tiny_siglip(directory: Path, *, seed: int = 0, image_size: int = 32) -> Path:
    """Write a tiny random SiglipModel (2 layers, width 32, 32 px images, 32-d output) with a
    tokenizer and image processor to `directory`."""
    import torch
    from transformers import SiglipConfig, SiglipImageProcessorPil, SiglipModel

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_siglip_tokenizer()
    config = SiglipConfig(
        text_config=_siglip_text_config(tokenizer),
        vision_config={**TINY_TOWER, "image_size": image_size, "patch_size": 8},
    )
    config.latentdam_tiny_seed = seed
    torch.manual_seed(seed)
    model = SiglipModel(config).eval()
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    SiglipImageProcessorPil(size={"height": image_size, "width": image_size}).save_pretrained(directory)
    return directory


WORDPIECE_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_wordpiece_vocab() -> list[str]:
    """A BERT WordPiece vocabulary: the specials, the corpus's words, and every letter and
    digit alone and as a ##continuation, so any word tokenises (a known word whole, the rest in
    pieces — as a real BERT vocabulary reads names)."""
    words = sorted({w for line in CORPUS for w in line.replace(",", " ").split()})
    chars = [*"abcdefghijklmnopqrstuvwxyz0123456789"]
    return [*WORDPIECE_SPECIALS, *words, *chars, *(f"##{c}" for c in chars), ",", ".", "-"]


def save_tiny_sentence_transformer(
    directory: Path,
    *,
    seed: int = 0,
    dense_dim: int | None = None,
    prompts: dict[str, str] | None = None,
) -> Path:
    """Write a tiny random sentence-transformers text model (BERT, 2 layers, width 32, mean
    pooling, unit-normalised) to `directory`, as `SentenceTransformer.save` writes any model:
    modules.json, the transformer's config and weights, a WordPiece tokenizer, the pooling
    config. `dense_dim` adds a Dense layer (output size no longer the width); `prompts` sets
    query/document prompts ({"query": "query: "}), as asymmetric models (E5, BGE) have."""
    import tempfile

    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel, BertTokenizer

    try:  # sentence-transformers 6 moved the modules; 5 has them only here
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # pragma: no cover - sentence-transformers 5
        from sentence_transformers import models  # type: ignore[no-redef]

    directory = Path(directory)
    vocab = build_wordpiece_vocab()
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        tokenizer = BertTokenizer(str(Path(scratch) / "vocab.txt"), do_lower_case=True)
        config = BertConfig(vocab_size=len(vocab), max_position_embeddings=128, **TINY_TOWER)
        config.latentdam_tiny_seed = seed
        torch.manual_seed(seed)
        BertModel(config).eval().save_pretrained(scratch)
        tokenizer.save_pretrained(scratch)
        modules: list[Any] = [
            models.Transformer(scratch, max_seq_length=128),
            models.Pooling(TINY_TOWER["hidden_size"], "mean"),
        ]
        if dense_dim is not None:
            modules.append(models.Dense(TINY_TOWER["hidden_size"], dense_dim))
        modules.append(models.Normalize())
        model = SentenceTransformer(modules=modules, device="cpu", prompts=prompts)
        model.save(str(directory))
    return directory


def save_tiny_static_embedding(directory: Path, *, seed: int = 0, dim: int = 16) -> Path:
    """Write a tiny random static-embedding sentence-transformers model (one vector per
    WordPiece token, averaged: the model2vec kind) to `directory`. It has no config.json and
    a bare `tokenizers.Tokenizer`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer
    from tokenizers.models import WordPiece
    from tokenizers.normalizers import BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer

    try:  # sentence-transformers 6 moved the modules; 5 has them only here
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # pragma: no cover - sentence-transformers 5
        from sentence_transformers.models import StaticEmbedding  # type: ignore[no-redef]

    vocab = {token: i for i, token in enumerate(build_wordpiece_vocab())}
    tokenizer = Tokenizer(WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = BertPreTokenizer()
    torch.manual_seed(seed)
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=dim)], device="cpu")
    model.save(str(directory))
    return Path(directory)
