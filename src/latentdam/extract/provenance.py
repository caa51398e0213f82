"""Content Credentials (C2PA): who signed a file's history, and whether that history holds.

Read with c2pa-python, the Content Authenticity Initiative's own reader (c2pa-rs). A file's
active manifest gives the claim generator (the app that signed), its actions (created,
edited, opened...) with the `digitalSourceType` of each (IPTC's vocabulary:
`trainedAlgorithmicMedia` is a picture a model made, `compositeWithTrainedAlgorithmicMedia`
one that mixes such a picture with others), the AI tool (`softwareAgent`), the ingredients,
and the validation state:

- `valid`: the signature and every hash check, and the signer chains to a trust anchor;
- `untrusted`: signature and hashes check, but the signer is not among the trust anchors
  (the default when none are configured: `LATENTDAM_C2PA_TRUST_ANCHORS`, a PEM bundle);
- `tampered`: the file's bytes or an assertion no longer match what was signed;
- `invalid`: anything else the reader rejects (a broken signature, an expired certificate);
- `remote`: the file only links to credentials kept elsewhere. They are never fetched (nor
  is OCSP): ingest reads what is in the file and nothing else.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Literal

ProvenanceState = Literal["valid", "untrusted", "tampered", "invalid", "remote"]

_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# the JUMBF box label every C2PA manifest store carries: a cheap test before the real reader
_MARKER = b"c2pa"
_TAMPERED = ("mismatch", "hashedURI.missing", "dataHash.", "bmffHash.", "boxesHash.")
AI_SOURCE_TYPES = frozenset(
    {"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia"}
)


@dataclass(slots=True)
class Provenance:
    """What a file's Content Credentials say (its active manifest), and whether they hold."""

    state: ProvenanceState
    claim_generator: str | None = None  # the app that signed, with its version
    software_agent: str | None = None  # the tool an action names (e.g. "Adobe Firefly")
    digital_source_type: str | None = None  # IPTC term, short form: "trainedAlgorithmicMedia"
    actions: list[str] = field(default_factory=list)  # "created", "edited", "opened"...
    ingredients: list[str] = field(default_factory=list)  # titles of the files it was made from
    signer: str | None = None  # the signing certificate's organisation / common name
    title: str | None = None
    problems: list[str] = field(default_factory=list)  # the validation failures, by code
    # whether the credentials say a model made (or helped make) the picture: the source type
    ai_made: bool = False

    def describe(self) -> str:
        """One line for people: "AI-made with Adobe Firefly (trainedAlgorithmicMedia), signed by
        Adobe Inc.: valid"."""
        made = "AI-made" if self.ai_made else "made"
        tool = self.software_agent or self.claim_generator
        parts = [f"{made} with {tool}" if tool else made]
        if self.digital_source_type:
            parts.append(f"({self.digital_source_type})")
        signed = f", signed by {self.signer}" if self.signer else ""
        return f"{' '.join(parts)}{signed}: {self.state}"


def _short(term: str | None) -> str | None:
    """IPTC digital source types come as URLs; the last path part is the term."""
    return term.rstrip("/").rsplit("/", 1)[-1] if term else None


@lru_cache(maxsize=4)
def _context(trust_anchors: str | None) -> Any:
    import c2pa  # the native reader loads on the first file that carries credentials

    verify: dict[str, Any] = {"verify_trust": True, "remote_manifest_fetch": False, "ocsp_fetch": False}
    settings: dict[str, Any] = {"verify": verify}
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors}
    return c2pa.Context(settings=c2pa.Settings.from_dict(settings))


def read_provenance(data: bytes, image_format: str, trust_anchors: str | None = None) -> Provenance | None:
    """The file's Content Credentials, or None when it has none. Never raises: credentials
    the reader rejects outright come back `invalid`, with the reason in `problems`."""
    mime = _MIME.get(image_format)
    if mime is None or _MARKER not in data:
        return None
    import c2pa

    try:
        with c2pa.Reader(mime, io.BytesIO(data), context=_context(trust_anchors)) as reader:
            manifest = reader.get_active_manifest()
            state = reader.get_validation_state()
            results = reader.get_validation_results() or {}
    except c2pa.C2paError as exc:
        text = str(exc)
        if "ManifestNotFound" in text or "NotSupported" in text or "JumbfNotFound" in text:
            return None
        if text.startswith("Remote"):
            url = text.rsplit(" ", 1)[-1]
            return Provenance(state="remote", problems=[f"credentials linked at {url[:300]}, not fetched"])
        return Provenance(state="invalid", problems=[text[:300]])
    if not manifest:
        return None
    failures = [f.get("code", "") for f in (results.get("activeManifest") or {}).get("failure", [])]
    return _from_manifest(manifest, _state(state, failures), failures)


def _state(state: str | None, failures: list[str]) -> ProvenanceState:
    if any(marker in code for code in failures for marker in _TAMPERED):
        return "tampered"
    if state == "Trusted":
        return "valid"
    if state == "Valid":
        return "untrusted" if "signingCredential.untrusted" in failures else "valid"
    return "invalid"


def _from_manifest(manifest: dict[str, Any], state: ProvenanceState, failures: list[str]) -> Provenance:
    generator = None
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict):
        generator = " ".join(str(info[0][k]) for k in ("name", "version") if info[0].get(k)) or None
    generator = generator or manifest.get("claim_generator")
    actions: list[str] = []
    agent = source = None
    for assertion in manifest.get("assertions") or []:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            name = str(action.get("action", "")).removeprefix("c2pa.")
            if name:
                actions.append(name)
            source = source or _short(action.get("digitalSourceType"))
            software = action.get("softwareAgent")
            if isinstance(software, dict):
                software = software.get("name")
            agent = agent or (str(software) if software else None)
    signature = manifest.get("signature_info") or {}
    signer = signature.get("issuer") or signature.get("common_name")
    ingredients = [str(i.get("title")) for i in manifest.get("ingredients") or [] if i.get("title")]
    return Provenance(
        state=state,
        claim_generator=generator,
        software_agent=agent,
        digital_source_type=source,
        ai_made=source in AI_SOURCE_TYPES,
        actions=list(dict.fromkeys(actions)),
        ingredients=ingredients,
        signer=str(signer) if signer else None,
        title=manifest.get("title"),
        problems=[f for f in failures if f != "signingCredential.untrusted"],
    )


def to_json(provenance: Provenance | None) -> str | None:
    if provenance is None:
        return None
    return json.dumps(asdict(provenance))


def from_json(text: str | None) -> Provenance | None:
    if not text:
        return None
    return Provenance(**json.loads(text))
