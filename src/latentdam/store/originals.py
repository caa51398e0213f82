"""The originals of a library in a bucket, kept beside its tables and content-addressed:
`originals/ab/abcdef…` is the file whose SHA-256 (the asset's id) is abcdef…. Any host that
serves the library can then serve an asset's file, wherever it was ingested from; the same
bytes ingested twice, or by two hosts, are one object."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from latentdam.errors import StoreError
from latentdam.extract.file import hash_bytes
from latentdam.store.bucket import bucket_url, object_store

FOLDER = "originals"


class Originals:
    def __init__(self, uri: str, storage_options: Mapping[str, str]) -> None:
        self.location = f"{bucket_url(uri)}/{FOLDER}"
        self._store = object_store(uri, storage_options, under=FOLDER)

    @staticmethod
    def key(asset_id: str) -> str:
        return f"{asset_id[:2]}/{asset_id}"

    def put(self, asset_id: str, path: Path) -> bool:
        """Copy the file in, unless the bucket has it already. False when the file no longer
        holds those bytes (changed since it was read): the next ingest sees it anew."""
        import obstore

        try:
            data = path.read_bytes()
        except OSError:
            return False
        if hash_bytes(data) != asset_id:
            return False
        try:
            obstore.put(self._store, self.key(asset_id), data, mode="create")
        except obstore.exceptions.AlreadyExistsError:
            pass  # content-addressed: what is there is these bytes
        except Exception as exc:
            raise StoreError(f"cannot copy {path} into {self.location}: {exc}") from exc
        return True

    def get(self, asset_id: str) -> bytes | None:
        """The original's bytes, or None when the bucket has no copy."""
        import obstore

        try:
            return bytes(obstore.get(self._store, self.key(asset_id)).bytes())
        except FileNotFoundError:
            return None
