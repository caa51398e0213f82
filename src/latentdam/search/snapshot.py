"""One immutable view of what a search needs from the manifest (active spaces, calibrations,
relevance models), parsed once per manifest version instead of read several times a query."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from latentdam.embed.space import Modality, Space
from latentdam.search.calibration import Calibration, calibration_key
from latentdam.search.relevance import RelevanceModel, prior
from latentdam.search.signal import switched_to
from latentdam.store.manifest import Manifest


@dataclass(frozen=True, slots=True)
class Snapshot:
    version: int  # the manifest table's version it was read at
    active: tuple[Space, ...]
    calibrations: Mapping[str, Calibration]
    relevance: Mapping[str, RelevanceModel]

    @classmethod
    def of(cls, manifest: Manifest) -> Snapshot:
        return cls(
            version=manifest.version,
            active=manifest.active,
            calibrations={
                k: Calibration.from_dict(v) for k, v in (manifest.get("calibration") or {}).items()
            },
            relevance={k: RelevanceModel.from_dict(v) for k, v in (manifest.get("relevance") or {}).items()},
        )

    def answering_from(self, space: Space) -> Snapshot:
        """This snapshot with `space` answering in place of the active space of its kind:
        what searches would see after switching to it."""
        return replace(self, active=tuple(switched_to(self.active, space)))

    def calibration(self, space: Space, query: Modality) -> Calibration | None:
        return self.calibrations.get(calibration_key(space, query))

    def relevance_model(self, space: Space) -> RelevanceModel | None:
        """The library's own model for a text space, else the shipped prior (small libraries)."""
        return self.relevance.get(space.name) or prior(space)
