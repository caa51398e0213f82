"""Every metadata block of an image file, read once, for the readers to interpret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RawMetadata:
    """What the file carries, before any generator-specific interpretation.

    - `format`: Pillow's format name: "PNG", "JPEG", "WEBP".
    - `text`: PNG tEXt/zTXt/iTXt chunks by keyword, decoded to str (A1111 `parameters`,
      ComfyUI `prompt`/`workflow`, InvokeAI `invokeai_metadata`, NovelAI `Comment`...).
    - `exif`: EXIF tags by Pillow tag name (`ImageDescription`, `UserComment`, `Software`,
      `DateTimeOriginal`, `Make`, `Artist`, ...), values decoded to str where they are text;
      `UserComment` is decoded from its 8-byte charset prefix (UNICODE = UTF-16, either byte order).
    - `xmp`: the XMP packet as a string, if any.
    - `iptc`: IPTC-IIM datasets by name (`ObjectName`, `Caption-Abstract`, `Keywords` (list),
      `DateCreated`, ...), decoded to str.
    - `width`/`height`: pixel size of the file.
    - `hidden`: which of `text`'s blocks were hidden in the pixels ("stealth PNG info",
      extract/stealth.py) rather than stored as chunks; a chunk of the same name wins.
    """

    format: str
    width: int
    height: int
    text: dict[str, str] = field(default_factory=dict)
    exif: dict[str, Any] = field(default_factory=dict)
    xmp: str | None = None
    iptc: dict[str, Any] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()

    def blocks(self) -> dict[str, str]:
        """All blocks flattened to name -> text, for keeping the raw metadata whole."""
        out: dict[str, str] = {
            f"{'stealth' if k in self.hidden else 'png'}:{k}": v for k, v in self.text.items()
        }
        out.update({f"exif:{k}": str(v) for k, v in self.exif.items()})
        if self.xmp:
            out["xmp"] = self.xmp
        out.update({f"iptc:{k}": str(v) for k, v in self.iptc.items()})
        return out
