"""ComfyUI: follow the saved node graph from the output back to what made the image.

ComfyUI stores two graphs. `prompt` is the API graph the server executed
(`{"<id>": {"class_type", "inputs"}}`, links as `["<source id>", <output index>]`); muted and
bypassed nodes are already gone from it and UI-only PrimitiveNodes are inlined, so it is the
truth and is read first. `workflow` is the editor's UI graph; it only lends output types to
the API graph (which says nothing about types), or is converted to an API-like graph when it is
all the file has. PNGs carry both as tEXt chunks; SaveAnimatedWEBP and several JPEG/WebP saver
nodes write `prompt:<json>` / `workflow:<json>` into EXIF strings (Model, Make,
ImageDescription...).

Facts come from links only, never from "the first node of some class": from the output node back
to the sampler(s); from each sampler back through conditioning nodes to the text encoders,
through model patches and LoRA loaders to the loader, through the latent to its empty-latent
node. Every walk keeps a visited set and a depth limit, so cycles and dangling links end a
branch instead of the read.

The package, one concern a module: `graph` (the two graphs parsed into one node/link model),
`nodes` (known node classes and their input names), `resolve` (the values behind links),
`trace` (the conditioning, model, LoRA, latent and sampler chains), `stage` (what one sampler
was given, and the record made of all of them) and `reader` (`ComfyUIReader`).
"""

from __future__ import annotations

from latentdam.extract.readers.comfyui.reader import ComfyUIReader

__all__ = ["ComfyUIReader"]
