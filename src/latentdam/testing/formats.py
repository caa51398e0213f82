"""Writers that produce image files the way the real generators write them.

Used by the unit tests, the bundled sample library and the benchmark, so every format here
follows the tool's own saving code, byte for byte where it matters:

- A1111 / Forge / SD.Next: `parameters` PNG text chunk (tEXt, iTXt when not latin-1), or for
  JPEG/WebP an EXIF UserComment of `UNICODE\\0` + UTF-16-BE (what piexif's `UserComment.dump`
  produces). Settings values with `,`, `:` or newlines are JSON-quoted, as A1111's `quote()` does.
- Fooocus: JSON in `parameters` + `fooocus_scheme` chunk, or its A1111 scheme; for JPEG/WebP the
  text goes into IFD0 UserComment with the scheme in MakerNote and `Fooocus v...` in Software.
- NovelAI: `Title`/`Description`/`Software`/`Source`/`Generation time`/`Comment` chunks.
- InvokeAI: `invokeai_metadata` (v3+), `sd-metadata` (v2), `Dream` (v1) chunks.
- Midjourney: PNG with `Author`, `Description` and an XMP packet, as its downloads carry.
- Plain photo metadata: XMP packets, IPTC-IIM in a Photoshop APP13 segment, EXIF tags.

Everything returns plain values (strings, dicts, bytes) so tests can also feed them straight to
the readers without writing files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import struct
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from PIL import Image
from PIL.PngImagePlugin import PngInfo

EXIF_IFD = 0x8769
TAG_IMAGE_DESCRIPTION = 0x010E
TAG_SOFTWARE = 0x0131
TAG_DATETIME = 0x0132
TAG_ARTIST = 0x013B
TAG_USER_COMMENT = 0x9286
TAG_MAKER_NOTE = 0x927C
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011
TAG_XP_TITLE = 0x9C9B
TAG_XP_KEYWORDS = 0x9C9E

XMP_PNG_KEY = "XML:com.adobe.xmp"
DIGITAL_SOURCE_AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

# IPTC-IIM record 2 datasets by the names `read_raw` reports
IPTC_DATASETS: dict[str, int] = {
    "ObjectName": 5,
    "Keywords": 25,
    "DateCreated": 55,
    "TimeCreated": 60,
    "By-line": 80,
    "Headline": 105,
    "Credit": 110,
    "Caption-Abstract": 120,
}


# --------------------------------------------------------------------------- images


def make_image(seed_or_color: int | tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> Image.Image:
    """A small RGB image: a flat colour, or for an int seed a deterministic blocky pattern
    (distinct seeds give visibly different images, so they also embed differently)."""
    if isinstance(seed_or_color, tuple):
        return Image.new("RGB", size, seed_or_color)
    rng = random.Random(seed_or_color)
    cells = 8
    tiles = Image.new("RGB", (cells, cells))
    tiles.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(cells * cells)]
    )
    return tiles.resize(size, Image.Resampling.NEAREST)


# --------------------------------------------------------------------------- A1111


def a1111_quote(value: object) -> str:
    """A1111's `infotext_utils.quote`: JSON-quote values that hold `,`, `:` or a newline."""
    text = str(value)
    if "," not in text and "\n" not in text and ":" not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def a1111_parameters(prompt: str, negative: str = "", settings: Mapping[str, object] | None = None) -> str:
    """The exact `parameters` text A1111's `create_infotext` builds.

    `settings` keeps its order (A1111 writes Steps, Sampler, Schedule type, CFG scale, Seed,
    Size, Model hash, Model, ...); `None` values are dropped and a key whose value equals the
    key is written bare, both as A1111 does.
    """
    items = settings or {}
    settings_text = ", ".join(
        key if key == value else f"{key}: {a1111_quote(value)}"
        for key, value in items.items()
        if value is not None
    )
    negative_text = f"\nNegative prompt: {negative}" if negative else ""
    return f"{prompt}{negative_text}\n{settings_text}".strip()


def a1111_controlnet(module: str, model: str, weight: float = 1, **extra: object) -> str:
    """The value of a `ControlNet N` setting (sd-webui-controlnet / Forge), before quoting."""
    fields: dict[str, object] = {
        "Module": module,
        "Model": model,
        "Weight": weight,
        "Resize Mode": "Crop and Resize",
        "Processor Res": 512,
        "Guidance Start": 0,
        "Guidance End": 1,
        "Pixel Perfect": False,
        "Control Mode": "Balanced",
        **extra,
    }
    return ", ".join(f"{k}: {v}" for k, v in fields.items())


# --------------------------------------------------------------------------- EXIF


def user_comment(text: str) -> bytes:
    """EXIF UserComment as piexif's `UserComment.dump(text, encoding="unicode")` writes it."""
    return b"UNICODE\x00" + text.encode("utf-16-be")


def exif_with_user_comment(text: str) -> Image.Exif:
    """EXIF holding only the Exif sub-IFD with UserComment: what A1111 inserts into JPEG/WebP."""
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[TAG_USER_COMMENT] = user_comment(text)
    return exif


def descriptive_exif(
    *,
    description: str | None = None,
    date_time_original: datetime | None = None,
    date_time: datetime | None = None,
    software: str | None = None,
    artist: str | None = None,
    xp_title: str | None = None,
    xp_keywords: Sequence[str] = (),
) -> Image.Exif:
    """Photo-style EXIF. Text tags are written as UTF-8 bytes (as cameras and most editors do,
    though the spec says ASCII); XP* tags as NUL-terminated UTF-16-LE, as Windows writes them."""
    exif = Image.Exif()
    if description is not None:
        exif[TAG_IMAGE_DESCRIPTION] = description.encode("utf-8")
    if software is not None:
        exif[TAG_SOFTWARE] = software.encode("utf-8")
    if artist is not None:
        exif[TAG_ARTIST] = artist.encode("utf-8")
    if date_time is not None:
        exif[TAG_DATETIME] = date_time.strftime("%Y:%m:%d %H:%M:%S")
    if xp_title is not None:
        exif[TAG_XP_TITLE] = xp_title.encode("utf-16-le") + b"\x00\x00"
    if xp_keywords:
        exif[TAG_XP_KEYWORDS] = ";".join(xp_keywords).encode("utf-16-le") + b"\x00\x00"
    if date_time_original is not None:
        sub = exif.get_ifd(EXIF_IFD)
        sub[TAG_DATETIME_ORIGINAL] = date_time_original.strftime("%Y:%m:%d %H:%M:%S")
        offset = date_time_original.strftime("%z")
        if offset:
            sub[TAG_OFFSET_TIME_ORIGINAL] = f"{offset[:3]}:{offset[3:]}"
    return exif


# --------------------------------------------------------------------------- XMP


def _xmp_alt(tag: str, text: str) -> str:
    return f'<{tag}><rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt></{tag}>'


def _xmp_list(tag: str, kind: str, items: Iterable[str]) -> str:
    lis = "".join(f"<rdf:li>{escape(item)}</rdf:li>" for item in items)
    return f"<{tag}><rdf:{kind}>{lis}</rdf:{kind}></{tag}>"


def xmp_packet(
    *,
    title: str | None = None,
    description: str | None = None,
    subject: Sequence[str] = (),
    creator: Sequence[str] = (),
    create_date: datetime | str | None = None,
    date_created: datetime | str | None = None,
    creator_tool: str | None = None,
    credit: str | None = None,
    digital_source_type: str | None = None,
) -> str:
    """A complete XMP packet (xpacket wrapper, x:xmpmeta, rdf:RDF) as Adobe tools write it:
    dc:title/description as rdf:Alt, dc:subject as rdf:Bag, dc:creator as rdf:Seq, simple
    properties (xmp:CreatorTool, xmp:CreateDate, photoshop:*) as attributes of rdf:Description."""
    attrs: dict[str, str] = {}
    if creator_tool is not None:
        attrs["xmp:CreatorTool"] = creator_tool
    if create_date is not None:
        attrs["xmp:CreateDate"] = create_date if isinstance(create_date, str) else create_date.isoformat()
    if date_created is not None:
        attrs["photoshop:DateCreated"] = (
            date_created if isinstance(date_created, str) else date_created.isoformat()
        )
    if credit is not None:
        attrs["photoshop:Credit"] = credit
    body: list[str] = []
    if title is not None:
        body.append(_xmp_alt("dc:title", title))
    if description is not None:
        body.append(_xmp_alt("dc:description", description))
    if subject:
        body.append(_xmp_list("dc:subject", "Bag", subject))
    if creator:
        body.append(_xmp_list("dc:creator", "Seq", creator))
    if digital_source_type is not None:
        body.append(
            f"<Iptc4xmpExt:DigitalSourceType>{escape(digital_source_type)}</Iptc4xmpExt:DigitalSourceType>"
        )
    attr_text = "".join(f"\n    {name}={quoteattr(value)}" for name, value in attrs.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 9.1-c002">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"\n'
        f'    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"{attr_text}>\n'
        + "".join(f"   {line}\n" for line in body)
        + "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )


def drawthings_xmp(
    prompt: str,
    negative: str = "",
    *,
    model: str = "flux_1_dev_q5p.ckpt",
    sampler: str = "DPM++ 2M AYS",
    steps: int = 30,
    scale: float = 5.0,
    seed: int = 1105283975,
    size: tuple[int, int] = (512, 768),
    strength: float = 1.0,
    loras: Sequence[tuple[str, float]] = (),
    comment_as_alt: bool = True,
) -> str:
    """The XMP packet Draw Things embeds, as the readers written from its real files describe
    it (its saving code is not public; see extract/readers/drawthings.py): xmp:CreatorTool,
    dc:description with the A1111-like text, exif:UserComment with the settings JSON (an
    rdf:Alt, or plain element text as some versions write it)."""
    settings = {"c": prompt, "uc": negative, "model": model, "sampler": sampler, "steps": steps}
    settings |= {"scale": scale, "seed": seed, "size": f"{size[0]}x{size[1]}", "strength": strength}
    if loras:
        settings["lora"] = [{"file": name, "weight": weight} for name, weight in loras]
    line = f"Steps: {steps}, Sampler: {sampler}, Guidance Scale: {scale}, Seed: {seed},"
    line += f" Size: {size[0]}x{size[1]}, Model: {model}, Strength: {strength}"
    for i, (name, weight) in enumerate(loras, 1):
        line += f", LoRA {i} Model: {name}, LoRA {i} Weight: {weight}"
    description = f"{prompt}\nNegative prompt: {negative}\n{line}" if negative else f"{prompt}\n{line}"
    comment = json.dumps(settings, separators=(",", ":"))
    comment_xml = (
        _xmp_alt("exif:UserComment", comment)
        if comment_as_alt
        else f"<exif:UserComment>{escape(comment)}</exif:UserComment>"
    )
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:exif="http://ns.adobe.com/exif/1.0/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmp:CreatorTool="Draw Things">\n'
        f"   {_xmp_alt('dc:description', description)}\n"
        f"   {comment_xml}\n"
        "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>"
    )


# --------------------------------------------------------------------------- IPTC


def iptc_iim(datasets: Mapping[str, str | Sequence[str]]) -> bytes:
    """IPTC-IIM datasets (record 2, UTF-8 declared in record 1) by `IPTC_DATASETS` name;
    a sequence value repeats the dataset (Keywords)."""
    out = bytearray()

    def put(record: int, number: int, data: bytes) -> None:
        out.extend(struct.pack(">BBBH", 0x1C, record, number, len(data)) + data)

    put(1, 90, b"\x1b%G")  # CodedCharacterSet: UTF-8
    put(2, 0, b"\x00\x04")  # RecordVersion 4
    for name, value in datasets.items():
        values = [value] if isinstance(value, str) else list(value)
        for item in values:
            put(2, IPTC_DATASETS[name], item.encode("utf-8"))
    return bytes(out)


def photoshop_app13(iim: bytes) -> bytes:
    """A JPEG APP13 segment: `Photoshop 3.0` + one 8BIM 0x0404 (IPTC-NAA) resource."""
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    if len(iim) % 2:
        resource += b"\x00"  # resource data is padded to even length
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def insert_jpeg_segment(jpeg: bytes, segment: bytes) -> bytes:
    """Insert a marker segment after SOI and the leading APPn segments (JFIF, Exif, XMP)."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG stream")
    pos = 2
    while jpeg[pos] == 0xFF and 0xE0 <= jpeg[pos + 1] <= 0xEF:
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        pos += 2 + length
    return jpeg[:pos] + segment + jpeg[pos:]


# --------------------------------------------------------------------------- file writers


def write_png(
    path: Path,
    image: Image.Image,
    text_chunks: Mapping[str, str] | None = None,
    *,
    itxt: bool = False,
    xmp: str | None = None,
    exif: Image.Exif | None = None,
) -> Path:
    """PNG with text chunks in the given order. Like A1111 (Pillow's `add_text`), a value that
    is not latin-1 becomes iTXt automatically; `itxt=True` forces iTXt for all. `xmp` goes into
    an iTXt `XML:com.adobe.xmp` chunk, as Adobe tools write it."""
    info = PngInfo()
    for key, value in (text_chunks or {}).items():
        if itxt:
            info.add_itxt(key, value)
        else:
            info.add_text(key, value)
    if xmp is not None:
        info.add_itxt(XMP_PNG_KEY, xmp)
    params: dict[str, Any] = {"pnginfo": info}
    if exif is not None:
        params["exif"] = exif
    image.save(path, "PNG", **params)
    return path


def swarmui_parameters(
    prompt: str,
    negative: str = "",
    *,
    model: str = "OfficialStableDiffusion/sd_xl_base_1.0",
    seed: int = 1893712649,
    steps: int = 30,
    cfg: float = 7.0,
    size: tuple[int, int] = (1024, 1024),
    sampler: str = "dpmpp_2m",
    scheduler: str = "karras",
    loras: Sequence[tuple[str, float]] = (),
    refiner: str | None = None,
    version: str = "0.9.5.2",
) -> str:
    """The metadata JSON SwarmUI saves (T2IParamInput.GenRawMetadata: parameter ids under
    `sui_image_params`, LoRA weights as strings; timing and date in `sui_extra_data`; model files
    in `sui_models`), indented as Newtonsoft's JObject.ToString() writes it."""
    params: dict[str, Any] = {"prompt": prompt, "negativeprompt": negative, "model": model, "seed": seed}
    params |= {"steps": steps, "cfgscale": cfg, "aspectratio": "Custom", "width": size[0], "height": size[1]}
    params |= {"sampler": sampler, "scheduler": scheduler}
    if loras:
        params |= {"loras": [n for n, _ in loras], "loraweights": [str(w) for _, w in loras]}
    if refiner:
        params |= {"refinermodel": refiner, "refinercontrolpercentage": 0.2}
    params["swarm_version"] = version
    extra = {"date": "2025-03-14", "prep_time": "0.01 sec", "generation_time": "6.42 sec"}
    models = [{"name": model.rsplit("/", 1)[-1] + ".safetensors", "param": "model", "hash": "0x31e35c80fc48"}]
    return json.dumps({"sui_image_params": params, "sui_extra_data": extra, "sui_models": models}, indent=2)


def civitai_parameters(
    prompt: str,
    negative: str = "",
    *,
    checkpoint: tuple[str, str] = ("DreamShaper", "8"),
    loras: Sequence[tuple[str, str, float]] = (("Detail Tweaker LoRA", "v1.0", 0.8),),
    settings: Mapping[str, object] | None = None,
) -> str:
    """The A1111-format block of an image from Civitai's generator, as civitai/civitai's
    `automatic1111.encode` (src/utils/metadata/automatic.metadata.ts) writes it: the usual
    settings, no `Model:`, then `Created Date`, `Civitai resources` (checkpoint and LoRAs by
    name, version and id, LoRAs with their weight) and `Civitai metadata`, both as JSON."""
    resources: list[dict[str, Any]] = [
        {
            "type": "checkpoint",
            "modelVersionId": 128713,
            "modelName": checkpoint[0],
            "modelVersionName": checkpoint[1],
        }
    ]
    for i, (name, version, weight) in enumerate(loras):
        resources.append(
            {
                "type": "lora",
                "weight": weight,
                "modelVersionId": 62833 + i,
                "modelName": name,
                "modelVersionName": version,
            }
        )
    base: dict[str, object] = {
        "Steps": 25,
        "Sampler": "DPM++ 2M Karras",
        "CFG scale": 7,
        "Seed": 2471902381,
        "Size": "832x1216",
        "Clip skip": 2,
    }
    text = a1111_parameters(prompt, negative, base | dict(settings or {}))
    compact = (",", ":")
    civitai = f"Civitai resources: {json.dumps(resources, separators=compact)}"
    civitai += f", Civitai metadata: {json.dumps({'remixOfId': 51872301}, separators=compact)}"
    return f"{text}, Created Date: 2025-02-03T18:22:41.6420000Z, {civitai}"


def easydiffusion_chunks(
    prompt: str,
    negative: str = "",
    *,
    model: str = "sd-v1-5",
    loras: Sequence[tuple[str, float]] = (),
    display_names: bool = False,
) -> dict[str, str]:
    """The text chunks Easy Diffusion embeds (easydiffusion/utils/save_utils.py
    get_printable_request, in TASK_TEXT_MAPPING order, saved by sdkit's save_dicts as
    `str(value)`); `display_names`: the keys it uses when the txt metadata format is chosen too
    (there a list is joined with ", ")."""
    names = [n for n, _ in loras]
    weights = [w for _, w in loras]
    data: dict[str, object] = {
        "prompt": prompt,
        "negative_prompt": negative,
        "seed": 3720125469,
        "use_stable_diffusion_model": model,
        "clip_skip": False,
        "use_vae_model": "None" if not display_names else "",
        "sampler_name": "dpmpp_2m",
        "width": 512,
        "height": 768,
        "num_inference_steps": 25,
        "guidance_scale": 7.5,
    }
    if loras:
        data["use_lora_model"] = names if len(names) > 1 else names[0]
        data["lora_alpha"] = weights if len(weights) > 1 else weights[0]
    data |= {"use_embedding_models": None, "tiling": "None", "use_face_correction": None, "use_upscale": None}
    if not display_names:
        return {k: str(v) for k, v in data.items()}
    shown = {
        "prompt": "Prompt", "negative_prompt": "Negative Prompt", "seed": "Seed",
        "use_stable_diffusion_model": "Stable Diffusion model", "clip_skip": "Clip Skip",
        "use_vae_model": "VAE model", "sampler_name": "Sampler", "width": "Width", "height": "Height",
        "num_inference_steps": "Steps", "guidance_scale": "Guidance Scale", "use_lora_model": "LoRA model",
        "lora_alpha": "LoRA Strength", "use_embedding_models": "Embedding models", "tiling": "Seamless Tiling",
        "use_face_correction": "Use Face Correction", "use_upscale": "Use Upscaling",
    }  # fmt: skip
    return {
        shown[k]: ", ".join(str(i) for i in v) if isinstance(v, list) else str(v)
        for k, v in data.items()
        if k in shown
    }


def stealth_image(
    image: Image.Image, text: str, *, mode: str = "alpha", compressed: bool = True
) -> Image.Image:
    """`image` with `text` hidden in its pixels as sd-webui-stealth-pnginfo writes it
    (scripts/stealth_pnginfo.py: `prepare_data` makes signature + 32-bit bit count + data, gzip
    when compressed; `add_data` sets alpha to 255 in alpha mode, then walks `for x in
    range(width): for y in range(height)` putting one bit in the alpha LSB, or three in the
    red, green and blue LSBs)."""
    signature = f"stealth_{'png' if mode == 'alpha' else 'rgb'}{'comp' if compressed else 'info'}"
    payload = gzip.compress(text.encode("utf-8")) if compressed else text.encode("utf-8")
    bits = "".join(format(byte, "08b") for byte in signature.encode("utf-8"))
    bits += format(len(payload) * 8, "032b") + "".join(format(byte, "08b") for byte in payload)
    out = image.convert("RGBA") if mode == "alpha" else image.convert("RGB")
    if mode == "alpha":
        out.putalpha(255)
    pixels = out.load()
    assert pixels is not None
    index = 0
    for x in range(out.width):
        for y in range(out.height):
            if index >= len(bits):
                return out
            values = list(pixels[x, y])  # type: ignore[arg-type]
            channels = [3] if mode == "alpha" else [0, 1, 2]
            for channel in channels:
                if index < len(bits):
                    values[channel] = (values[channel] & ~1) | int(bits[index])
                    index += 1
            pixels[x, y] = tuple(values)
    raise ValueError(f"a {out.width}x{out.height} image cannot hide {len(bits)} bits")


def write_jpeg(
    path: Path,
    image: Image.Image,
    *,
    exif: Image.Exif | None = None,
    xmp: str | None = None,
    iptc: Mapping[str, str | Sequence[str]] | None = None,
    quality: int = 90,
) -> Path:
    """JPEG with optional EXIF (APP1), XMP (APP1) and IPTC (APP13, spliced in after Pillow's
    segments since Pillow cannot write IPTC)."""
    params: dict[str, Any] = {"quality": quality}
    if exif is not None:
        params["exif"] = exif
    if xmp is not None:
        params["xmp"] = xmp.encode("utf-8")
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", **params)
    data = buf.getvalue()
    if iptc:
        data = insert_jpeg_segment(data, photoshop_app13(iptc_iim(iptc)))
    path.write_bytes(data)
    return path


def write_webp(
    path: Path, image: Image.Image, *, exif: Image.Exif | None = None, xmp: str | None = None
) -> Path:
    """WebP (lossy, quality 90) with optional EXIF and XMP chunks."""
    params: dict[str, Any] = {"quality": 90}
    if exif is not None:
        params["exif"] = exif
    if xmp is not None:
        params["xmp"] = xmp.encode("utf-8")
    image.save(path, "WEBP", **params)
    return path


def write_jpeg_with_usercomment(path: Path, image: Image.Image, text: str) -> Path:
    """A JPEG as A1111 saves one: the parameters text in EXIF UserComment, nothing else."""
    return write_jpeg(path, image, exif=exif_with_user_comment(text))


def write_webp_with_usercomment(path: Path, image: Image.Image, text: str) -> Path:
    """A WebP as A1111 saves one: the parameters text in EXIF UserComment."""
    return write_webp(path, image, exif=exif_with_user_comment(text))


# --------------------------------------------------------------------------- Fooocus


def fooocus_json(
    prompt: str,
    negative: str = "",
    *,
    base_model: str = "juggernautXL_v8Rundiffusion",
    base_model_hash: str = "aeb7e9e689",
    loras: Sequence[tuple[str, float, str]] = (),
    sampler: str = "dpmpp_2m_sde_gpu",
    scheduler: str = "karras",
    steps: int = 30,
    guidance_scale: float = 4.0,
    seed: int = 1234567890,
    resolution: tuple[int, int] = (1152, 896),
    styles: Sequence[str] = ("Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"),
    version: str = "Fooocus v2.5.5",
) -> str:
    """The `parameters` JSON of Fooocus's own metadata scheme (`FooocusMetadataParser`):
    sorted keys, seed and resolution as strings, loras as [name, weight, hash]."""
    data: dict[str, Any] = {
        "adm_guidance": "(1.5, 0.8, 0.3)",
        "base_model": base_model,
        "base_model_hash": base_model_hash,
        "full_negative_prompt": [negative] if negative else [],
        "full_prompt": [prompt, f"{prompt}, highly detailed, sharp focus"],
        "guidance_scale": guidance_scale,
        "loras": [list(lora) for lora in loras],
        "metadata_scheme": "fooocus",
        "negative_prompt": negative,
        "performance": "Speed",
        "prompt": prompt,
        "prompt_expansion": f"{prompt}, highly detailed, sharp focus",
        "refiner_model": "None",
        "resolution": str(resolution),
        "sampler": sampler,
        "scheduler": scheduler,
        "seed": str(seed),
        "sharpness": 2.0,
        "steps": steps,
        "styles": str(list(styles)),
        "vae": "Default (model)",
        "version": version,
    }
    for index, (name, weight, _hash) in enumerate(loras, start=1):
        data[f"lora_combined_{index}"] = f"{name} : {weight}"
    return json.dumps(dict(sorted(data.items())))


def fooocus_a1111_parameters(
    prompt: str,
    negative: str = "",
    *,
    base_model: str = "juggernautXL_v8Rundiffusion",
    base_model_hash: str = "aeb7e9e689",
    loras: Sequence[tuple[str, float, str]] = (),
    sampler: str = "DPM++ 2M SDE Karras",
    scheduler: str = "karras",
    steps: int = 30,
    guidance_scale: float = 4.0,
    seed: int = 1234567890,
    resolution: tuple[int, int] = (1152, 896),
    version: str = "Fooocus v2.5.5",
) -> str:
    """Fooocus's `a1111` metadata scheme (`A1111MetadataParser.parse_string`): the prompt line
    is the styled full prompt; the user's own prompt is in `Raw prompt`."""
    settings: dict[str, object] = {
        "Steps": steps,
        "Sampler": sampler,
        "Seed": seed,
        "Size": f"{resolution[0]}x{resolution[1]}",
        "CFG scale": guidance_scale,
        "Sharpness": 2.0,
        "ADM Guidance": "(1.5, 0.8, 0.3)",
        "Model": base_model,
        "Model hash": base_model_hash,
        "Performance": "Speed",
        "Scheduler": scheduler,
        "VAE": "Default (model)",
        "Raw prompt": prompt,
        "Raw negative prompt": negative,
    }
    if loras:
        settings["Lora hashes"] = ", ".join(f"{name}: {h}" for name, _w, h in loras)
        settings["Lora weights"] = ", ".join(f"{name}: {w}" for name, w, _h in loras)
    settings["Version"] = version
    return a1111_parameters(f"{prompt}, highly detailed, sharp focus", negative, settings)


def fooocus_png_chunks(parameters: str, scheme: str = "fooocus") -> dict[str, str]:
    """PNG chunks Fooocus writes (`private_logger.log`): the metadata and its scheme."""
    return {"parameters": parameters, "fooocus_scheme": scheme}


def fooocus_exif(parameters: str, scheme: str = "fooocus", version: str = "2.5.5") -> Image.Exif:
    """EXIF Fooocus writes to JPEG/WebP (`meta_parser.get_exif`): all in IFD0, the metadata
    as a plain string in UserComment, the scheme in MakerNote."""
    exif = Image.Exif()
    exif[TAG_USER_COMMENT] = parameters
    exif[TAG_SOFTWARE] = f"Fooocus v{version}"
    exif[TAG_MAKER_NOTE] = scheme
    return exif


# --------------------------------------------------------------------------- NovelAI


def novelai_chunks(
    prompt: str,
    negative: str = "",
    *,
    steps: int = 28,
    scale: float = 5.0,
    seed: int = 1234567890,
    sampler: str = "k_euler_ancestral",
    noise_schedule: str = "karras",
    width: int = 832,
    height: int = 1216,
    source: str = "Stable Diffusion XL C1E1DE52",
    v4: bool = False,
    legacy_keys: bool = True,
) -> dict[str, str]:
    """The PNG chunks NovelAI writes. `v4=True` adds `v4_prompt`/`v4_negative_prompt`
    structures (NAI Diffusion 4); `legacy_keys=False` drops the flat `prompt`/`uc` keys so the
    v4 structures are the only place the prompts are."""
    comment: dict[str, Any] = {
        "prompt": prompt,
        "steps": steps,
        "height": height,
        "width": width,
        "scale": scale,
        "uncond_scale": 0.0,
        "cfg_rescale": 0.0,
        "seed": seed,
        "n_samples": 1,
        "hide_debug_overlay": False,
        "noise_schedule": noise_schedule,
        "legacy_v3_extend": False,
        "sampler": sampler,
        "controlnet_strength": 1.0,
        "controlnet_model": None,
        "dynamic_thresholding": False,
        "sm": False,
        "sm_dyn": False,
        "uc": negative,
        "request_type": "PromptGenerateRequest",
        "signed_hash": "T4Iq3xYzlNk5hZ1b1s8Wc0E8aXGQ2fE8dZ0nT3a6sVbq2r5e0y8w1u4i7o0p3a6s9d2f5g8h1j4k7l0z3x6c9vQ==",
    }
    if v4:
        comment["v4_prompt"] = {
            "caption": {"base_caption": prompt, "char_captions": []},
            "use_coords": False,
            "use_order": True,
        }
        comment["v4_negative_prompt"] = {
            "caption": {"base_caption": negative, "char_captions": []},
            "legacy_uc": False,
        }
    if not legacy_keys:
        del comment["prompt"], comment["uc"]
    return {
        "Title": "NovelAI generated image",
        "Description": prompt,
        "Software": "NovelAI",
        "Source": source,
        "Generation time": "6.5217",
        "Comment": json.dumps(comment),
    }


# --------------------------------------------------------------------------- InvokeAI


def invokeai_metadata(
    positive: str,
    negative: str = "",
    *,
    model: str = "Juggernaut XL v9",
    model_hash: str = "blake3:2f1a0a5f7f5e4d8c0b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b",
    base: str = "sdxl",
    seed: int = 3517845170,
    steps: int = 30,
    cfg_scale: float = 6.5,
    scheduler: str = "dpmpp_2m_k",
    width: int = 1024,
    height: int = 1024,
    loras: Sequence[tuple[str, float]] = (),
    controlnets: Sequence[str] = (),
    app_version: str = "4.2.9",
    v3: bool = False,
) -> dict[str, str]:
    """The `invokeai_metadata` chunk of InvokeAI 4/5 (model identifiers with `name`, loras
    under `model`), or with `v3=True` InvokeAI 3 (`model_name`, loras under `lora`)."""

    def ident(name: str, kind: str, model_hash: str | None = None) -> dict[str, str]:
        if v3:
            return {"model_name": name, "base_model": base, "model_type": kind}
        digest = hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()
        key = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return {
            "key": key,
            "hash": model_hash or f"blake3:{digest}",
            "name": name,
            "base": base,
            "type": kind,
        }

    data: dict[str, Any] = {
        "generation_mode": "txt2img" if v3 else f"{base}_txt2img",
        "positive_prompt": positive,
        "negative_prompt": negative,
        "width": width,
        "height": height,
        "seed": seed,
        "rand_device": "cpu",
        "cfg_scale": cfg_scale,
        "cfg_rescale_multiplier": 0,
        "steps": steps,
        "scheduler": scheduler,
        "model": ident(model, "main", model_hash),
        "loras": [{("lora" if v3 else "model"): ident(name, "lora"), "weight": w} for name, w in loras],
        "controlnets": [
            {
                "image": {"image_name": "4b1f9c2e-control.png"},
                "control_model": ident(name, "controlnet"),
                "control_weight": 1,
                "begin_step_percent": 0,
                "end_step_percent": 1,
                "control_mode": "balanced",
                "resize_mode": "just_resize",
            }
            for name in controlnets
        ],
        "app_version": app_version,
    }
    return {"invokeai_metadata": json.dumps(data)}


def invokeai_sd_metadata(
    prompt: str,
    *,
    model_weights: str = "stable-diffusion-1.5",
    model_hash: str = "cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516",
    sampler: str = "k_lms",
    steps: int = 50,
    cfg_scale: float = 7.5,
    seed: int = 3279497289,
    width: int = 512,
    height: int = 512,
    prompt_as_list: bool = True,
    app_version: str = "2.2.5",
) -> dict[str, str]:
    """The `sd-metadata` chunk of InvokeAI 2.x. The negative prompt lives in the prompt text
    as `[bracketed words]`; the prompt is a list of weighted parts (or a plain string in 2.0)."""
    image: dict[str, Any] = {
        "prompt": [{"prompt": prompt, "weight": 1.0}] if prompt_as_list else prompt,
        "steps": steps,
        "cfg_scale": cfg_scale,
        "threshold": 0,
        "perlin": 0,
        "height": height,
        "width": width,
        "seed": seed,
        "seamless": False,
        "hires_fix": False,
        "type": "txt2img",
        "postprocessing": None,
        "sampler": sampler,
        "variations": [],
    }
    data = {
        "model": "stable diffusion",
        "model_weights": model_weights,
        "model_hash": model_hash,
        "app_id": "invoke-ai/InvokeAI",
        "app_version": app_version,
        "image": image,
    }
    return {"sd-metadata": json.dumps(data)}


def invokeai_dream(
    prompt: str,
    *,
    steps: int = 50,
    seed: int = 12345,
    width: int = 512,
    height: int = 512,
    cfg_scale: float = 7.5,
    sampler: str = "k_lms",
) -> dict[str, str]:
    """The `Dream` chunk of InvokeAI 1.x (lstein's `dream.py`): the prompt command line."""
    command = f'"{prompt}" -s {steps} -S {seed} -W {width} -H {height} -C {cfg_scale} -A {sampler}'
    return {"Dream": command}


# --------------------------------------------------------------------------- Midjourney


def midjourney_description(prompt: str, job_id: str, params: str = "--v 6.1") -> str:
    """Midjourney's description text: the prompt, its parameters, then `Job ID: <uuid>`."""
    return " ".join(part for part in (prompt, params, f"Job ID: {job_id}") if part)


def write_midjourney_png(
    path: Path,
    image: Image.Image,
    prompt: str,
    job_id: str,
    *,
    params: str = "--v 6.1",
    author: str = "fox_maker",
    created: datetime | None = None,
) -> Path:
    """A PNG as downloaded from midjourney.com: `Author` and `Description` text chunks, and an
    XMP packet with the description, the creator and IPTC's trainedAlgorithmicMedia type."""
    description = midjourney_description(prompt, job_id, params)
    xmp = xmp_packet(
        description=description,
        creator=[author],
        create_date=created,
        digital_source_type=DIGITAL_SOURCE_AI,
    )
    return write_png(path, image, {"Author": author, "Description": description}, xmp=xmp)
