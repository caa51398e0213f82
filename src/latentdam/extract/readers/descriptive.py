"""What plain photo metadata says about an image: title, description, keywords, creation time,
software. Read from XMP, IPTC-IIM, EXIF and the PNG standard text keywords, in that order of
preference (XMP is the newest and Unicode-clean; IPTC and EXIF are what older tools write).

Never raises: odd or broken blocks are skipped and whatever else is readable is returned.
"""

from __future__ import annotations

import contextlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from latentdam.extract.raw import RawMetadata
from latentdam.extract.record import GenerationRecord

# real packets are a few KB, 64 KB with Photoshop history; anything far bigger is not worth parsing
MAX_XMP_CHARS = 2_000_000

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NAMESPACES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
}


# --------------------------------------------------------------------------- XMP


def _qname(tag: str) -> str:
    """`{uri}local` -> `prefix:local` for the namespaces above (prefixes vary between files)."""
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        prefix = _NAMESPACES.get(uri)
        return f"{prefix}:{local}" if prefix else tag
    return tag


def _property_values(element: ET.Element) -> list[str]:
    container = next(
        (c for c in element if c.tag in (f"{{{_RDF}}}Alt", f"{{{_RDF}}}Bag", f"{{{_RDF}}}Seq")), None
    )
    if container is not None:
        items = [li for li in container if li.tag == f"{{{_RDF}}}li"]
        if container.tag == f"{{{_RDF}}}Alt":
            # x-default first: it is the one a language-agnostic reader should show
            items.sort(key=lambda li: li.get(_XML_LANG) != "x-default")
        return [(li.text or "").strip() for li in items if (li.text or "").strip()]
    resource = element.get(f"{{{_RDF}}}resource")
    if resource:
        return [resource]
    text = (element.text or "").strip()
    return [text] if text and len(element) == 0 else []


def xmp_properties(packet: str | None) -> dict[str, list[str]]:
    """The simple, Alt, Bag and Seq properties of an XMP packet, by `prefix:name`
    (`dc:title`, `xmp:CreateDate`, ...), both attribute and element forms. {} if unparsable.

    Uses the stdlib parser: DTDs are refused outright (no entity expansion) and the packet
    size is capped, which is what defusedxml would add here.
    """
    if not packet or len(packet) > MAX_XMP_CHARS or "<!DOCTYPE" in packet or "<!ENTITY" in packet:
        return {}
    start = packet.find("<")
    if start < 0:
        return {}
    try:
        root = ET.fromstring(packet[start:].rstrip("\x00"))
    except (ET.ParseError, ValueError):
        return {}
    out: dict[str, list[str]] = {}
    for desc in root.iter(f"{{{_RDF}}}Description"):
        for name, value in desc.attrib.items():
            if not name.startswith(f"{{{_RDF}}}") and value.strip():
                out.setdefault(_qname(name), []).append(value.strip())
        for child in desc:
            values = _property_values(child)
            if values:
                out.setdefault(_qname(child.tag), []).extend(values)
    return out


# --------------------------------------------------------------------------- dates


def _tz(offset: str | None) -> timezone | None:
    match = re.fullmatch(r"([+-])(\d\d):?(\d\d)", offset.strip()) if offset else None
    if match is None:
        return None
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    return timezone(delta if match.group(1) == "+" else -delta)


def parse_exif_datetime(value: Any, offset: Any = None) -> datetime | None:
    """EXIF `YYYY:MM:DD HH:MM:SS` (some writers use `-`), with OffsetTime* when given."""
    if not isinstance(value, str):
        return None
    match = re.match(r"\s*(\d{4})[:-](\d\d)[:-](\d\d)[ T](\d\d):(\d\d):(\d\d)", value)
    if match is None:
        return None
    try:
        y, mo, d, h, mi, sec = (int(g) for g in match.groups())
        parsed = datetime(y, mo, d, h, mi, sec)
    except ValueError:  # "0000:00:00 00:00:00" and friends
        return None
    tz = _tz(offset) if isinstance(offset, str) else None
    return parsed.replace(tzinfo=tz) if tz else parsed


def parse_iso_datetime(value: Any) -> datetime | None:
    """XMP dates: ISO 8601, possibly partial (`2024`, `2024-03`) or without seconds."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}", text):
        text += "-01-01"
    elif re.fullmatch(r"\d{4}-\d\d", text):
        text += "-01"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_iptc_datetime(date: Any, time: Any = None) -> datetime | None:
    """IPTC DateCreated `CCYYMMDD` + TimeCreated `HHMMSS±HHMM`."""
    if not isinstance(date, str) or not re.fullmatch(r"\d{8}", date.strip()):
        return None
    d = date.strip()
    hh = mm = ss = 0
    tz = None
    if isinstance(time, str):
        match = re.fullmatch(r"(\d\d)(\d\d)(\d\d)([+-]\d{4})?", time.strip())
        if match:
            hh, mm, ss = int(match.group(1)), int(match.group(2)), int(match.group(3))
            tz = _tz(match.group(4))
    try:
        return datetime(int(d[:4]), int(d[4:6]), int(d[6:]), hh, mm, ss, tzinfo=tz)
    except ValueError:
        return None


def parse_png_time(value: Any) -> datetime | None:
    """PNG `Creation Time`: RFC 1123 per the spec, ISO 8601 in practice too."""
    if not isinstance(value, str):
        return None
    iso = parse_iso_datetime(value)
    if iso is not None:
        return iso
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------- fields


def _is_json(text: str) -> bool:
    if text[0] not in "{[":
        return False
    try:
        return isinstance(json.loads(text), (dict, list))
    except (ValueError, RecursionError):
        return False


def _human_text(value: Any) -> str | None:
    """A title/description value, unless it is empty or machine data (ComfyUI and others put
    workflow JSON into EXIF text tags)."""
    if not isinstance(value, str):
        return None
    text = value.strip().strip("\x00").strip()
    if not text or _is_json(text) or re.match(r"(?i)(workflow|prompt):\s*\{", text):
        return None
    return text


def _first(candidates: Iterable[Callable[[], Any]], parse: Callable[[Any], Any]) -> Any:
    for get in candidates:
        with contextlib.suppress(Exception):
            value = parse(get())
            if value is not None:
                return value
    return None


def _split_keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(";") if k.strip()]
    if isinstance(value, (list, tuple)):
        return [str(k).strip() for k in value if str(k).strip()]
    return []


def _tags(meta: RawMetadata, xmp: dict[str, list[str]]) -> list[str]:
    tags: list[str] = []
    for source in (
        lambda: xmp.get("dc:subject"),
        lambda: meta.iptc.get("Keywords"),
        lambda: meta.exif.get("XPKeywords"),
    ):
        with contextlib.suppress(Exception):
            tags.extend(_split_keywords(source()))
    return list(dict.fromkeys(tags))


def read_descriptive(meta: RawMetadata) -> GenerationRecord:
    """Title, description, tags, creation time and software from plain metadata (tool UNKNOWN)."""
    try:
        xmp = xmp_properties(meta.xmp)
    except Exception:  # never let one odd block hide the others
        xmp = {}

    def x(name: str) -> str | None:
        values = xmp.get(name)
        return values[0] if values else None

    exif, iptc, text = meta.exif, meta.iptc, meta.text

    title = _first(
        [
            lambda: x("dc:title"),
            lambda: iptc.get("ObjectName"),
            lambda: iptc.get("Headline"),
            lambda: exif.get("XPTitle"),
            lambda: text.get("Title"),
        ],
        _human_text,
    )
    description = _first(
        [
            lambda: x("dc:description"),
            lambda: iptc.get("Caption-Abstract"),
            lambda: exif.get("ImageDescription"),
            lambda: exif.get("XPComment"),
            lambda: text.get("Description"),
        ],
        _human_text,
    )
    created = _first(
        [
            lambda: parse_exif_datetime(
                exif.get("DateTimeOriginal"), exif.get("OffsetTimeOriginal") or exif.get("OffsetTime")
            ),
            lambda: parse_iso_datetime(x("xmp:CreateDate")),
            lambda: parse_iso_datetime(x("photoshop:DateCreated")),
            lambda: parse_iso_datetime(x("exif:DateTimeOriginal")),
            lambda: parse_iptc_datetime(iptc.get("DateCreated"), iptc.get("TimeCreated")),
            lambda: parse_png_time(text.get("Creation Time")),
            lambda: parse_exif_datetime(exif.get("DateTime"), exif.get("OffsetTime")),
        ],
        lambda v: v,
    )
    software = _first(
        [lambda: exif.get("Software"), lambda: x("xmp:CreatorTool"), lambda: text.get("Software")],
        _human_text,
    )
    try:
        tags = _tags(meta, xmp)
    except Exception:
        tags = []
    return GenerationRecord(
        title=title, description=description, tags=tags, created_at=created, software=software
    )
