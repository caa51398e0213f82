"""One writer per library, across processes.

Ingest, reembed, refresh and dropping a space each take the library's writer lock; a second
writer gets `LibraryBusy` naming the holder ("ingest by PID 4121 on studio-1 since 10:42").
Readers never take it: LanceDB commits are atomic and searches read committed versions.

On a local library the lock is an advisory `flock` on a file in the library directory, so
the kernel releases it the moment its holder dies, SIGKILL included: a lock left by a killed
process is taken over by the next writer, which logs whose it was. The file also holds who
has the lock, for the message.

On an object-store library (s3://bucket/prefix) the lock is a lease: an object beside the
tables, created only if absent (a conditional put), naming its holder and when the lease
ends, renewed by its holder every LEASE_SECONDS / 3 (a put conditional on the version it
last wrote). A writer on any host that finds a live lease gets LibraryBusy; one that finds an
expired lease (its holder died or lost the network) takes it over by a put conditional on
the version it read, so two takers cannot both win. A library at `s3+ddb://bucket/prefix?
ddbTableName=T` has its lease in the bucket alike; Lance then records each table commit in
DynamoDB table T, the commit path for S3 stores without conditional puts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from latentdam.errors import LibraryBusy, StoreError
from latentdam.store.bucket import object_store
from latentdam.store.store import is_local, local_path

log = logging.getLogger(__name__)

LOCK_FILE = ".latentdam-writer.lock"


@dataclass(frozen=True, slots=True)
class LockHolder:
    operation: str  # "ingest", "reembed", ...
    pid: int
    host: str
    since: str  # ISO 8601, local time of the holder

    def describe(self) -> str:
        started = datetime.fromisoformat(self.since)
        return f"{self.operation} by PID {self.pid} on {self.host} since {started:%H:%M}"

    @classmethod
    def me(cls, operation: str) -> LockHolder:
        return cls(operation, os.getpid(), socket.gethostname(), datetime.now().isoformat(timespec="seconds"))


class WriterLock(Protocol):
    def hold(self, operation: str) -> AbstractContextManager[LockHolder]:
        """Hold the lock for an operation, or raise LibraryBusy naming who holds it."""

    def holder(self) -> LockHolder | None:
        """Who holds the lock now, if anyone."""


def writer_lock(uri: str, storage_options: Mapping[str, str] | None = None) -> WriterLock:
    """The writer lock for a library location: a file lock on this machine's disk, a lease
    in the bucket for an object store (`storage_options`: as the store's tables get them)."""
    if is_local(uri):
        return FileWriterLock(local_path(uri))
    return LeaseWriterLock(uri, storage_options or {})


class _ReentrantLock(ABC):
    """What every backend shares: re-entrant within one holder (a `Library`: an ingest that
    refits the relevance model does not lock itself out), refused to anyone else. A backend
    says how to take (`_acquire`, LibraryBusy when it can't), give back and name the holder."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._depth = 0
        self._owner: int | None = None  # the thread holding it
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, operation: str) -> Iterator[LockHolder]:
        me = LockHolder.me(operation)
        with self._guard:
            if self._depth and self._owner != threading.get_ident():
                raise LibraryBusy(self._current() or me, self.location)
            if not self._depth:
                self._acquire(me)
                self._owner = threading.get_ident()
            self._depth += 1
        try:
            yield me
        finally:
            with self._guard:
                self._depth -= 1
                if not self._depth:
                    self._release()
                    self._owner = None

    @abstractmethod
    def _acquire(self, me: LockHolder) -> None:
        """Take the lock for `me`, or raise LibraryBusy naming who has it."""

    @abstractmethod
    def _release(self) -> None:
        """Give the lock back."""

    @abstractmethod
    def _current(self) -> LockHolder | None:
        """Who holds the lock now, as far as this backend can tell."""


class FileWriterLock(_ReentrantLock):
    """The writer lock of a library directory: an flock'd file in it."""

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory))
        self.path = directory / LOCK_FILE
        self._fd: int | None = None

    def holder(self) -> LockHolder | None:
        """Who holds the lock now, if anyone (a file left by a dead holder is not a holder)."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._read()
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def _acquire(self, me: LockHolder) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot create the writer lock {self.path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LibraryBusy(self._read() or me, self.location) from None
        left = self._read()
        if left is not None:  # the kernel released it: its holder died without cleaning up
            log.warning("took over the writer lock left by %s (no longer running)", left.describe())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def _release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)  # an empty file: released cleanly
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def _current(self) -> LockHolder | None:
        return self._read()

    def _read(self) -> LockHolder | None:
        try:
            text = self.path.read_text()
            return LockHolder(**json.loads(text)) if text.strip() else None
        except (OSError, ValueError, TypeError):
            return None


# A lease lasts this long unless renewed; its holder renews it every third of it.
LEASE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class _Lease:
    holder: LockHolder
    expires: float  # UNIX time
    e_tag: str | None  # the version read or written, for a conditional put


class LeaseWriterLock(_ReentrantLock):
    """The writer lock of an object-store library: a lease object in the bucket (see above),
    through obstore, the Python binding of the object_store crate LanceDB writes with (so the
    same storage options and AWS_* variables configure both)."""

    def __init__(self, uri: str, storage_options: Mapping[str, str]) -> None:
        super().__init__(uri)
        self._store = object_store(uri, storage_options)
        self._lease: _Lease | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def holder(self) -> LockHolder | None:
        lease = self._read()
        return lease.holder if lease is not None and lease.expires > time.time() else None

    def _body(self, me: LockHolder) -> bytes:
        return json.dumps({**asdict(me), "expires": time.time() + LEASE_SECONDS}).encode()

    def _acquire(self, me: LockHolder) -> None:
        import obstore

        try:
            written = obstore.put(self._store, LOCK_FILE, self._body(me), mode="create")
        except obstore.exceptions.AlreadyExistsError:
            found = self._read()
            if found is not None and found.expires > time.time():
                raise LibraryBusy(found.holder, self.location) from None
            try:  # expired: take it over, unless another writer just did
                mode: Any = {"e_tag": found.e_tag} if found is not None else "create"
                written = obstore.put(self._store, LOCK_FILE, self._body(me), mode=mode)
            except (obstore.exceptions.PreconditionError, obstore.exceptions.AlreadyExistsError):
                raise LibraryBusy(self.holder() or me, self.location) from None
            if found is not None:
                log.warning("took over the writer lease left by %s (it expired)", found.holder.describe())
        except Exception as exc:
            raise StoreError(f"cannot take the writer lease {self.location}/{LOCK_FILE}: {exc}") from exc
        self._lease = _Lease(me, time.time() + LEASE_SECONDS, written["e_tag"])
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, daemon=True, name="latentdam-lease")
        self._renewer.start()

    def _renew(self) -> None:
        import obstore

        while not self._stop.wait(LEASE_SECONDS / 3):
            lease = self._lease
            if lease is None:
                return
            try:
                mode: Any = {"e_tag": lease.e_tag}
                written = obstore.put(self._store, LOCK_FILE, self._body(lease.holder), mode=mode)
            except obstore.exceptions.PreconditionError:
                log.error("the writer lease of %s was taken by another writer", self.location)
                return
            except Exception as exc:  # the network: try again at the next renewal
                log.warning("could not renew the writer lease of %s: %s", self.location, exc)
                continue
            self._lease = _Lease(lease.holder, time.time() + LEASE_SECONDS, written["e_tag"])

    def _release(self) -> None:
        import obstore

        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=10)
        lease, self._lease = self._lease, None
        found = self._read()
        # still ours (no one took over an expired lease meanwhile): give it back
        if lease is not None and found is not None and found.e_tag == lease.e_tag:
            with contextlib.suppress(Exception):
                obstore.delete(self._store, LOCK_FILE)

    def _current(self) -> LockHolder | None:
        return self.holder()

    def _read(self) -> _Lease | None:
        import obstore

        try:
            result = obstore.get(self._store, LOCK_FILE)
        except FileNotFoundError:
            return None
        e_tag = result.meta["e_tag"]
        try:
            data = json.loads(bytes(result.bytes()))
            expires = float(data.pop("expires"))
            return _Lease(LockHolder(**data), expires, e_tag)
        except (ValueError, TypeError, KeyError, AttributeError):  # not a lease: as good as expired
            return _Lease(LockHolder("unknown", 0, "unknown", datetime.now().isoformat()), 0.0, e_tag)
