"""One writer per library, across processes.

Ingest, reembed, refresh and dropping a space each take the library's writer lock; a second
writer gets `LibraryBusy` naming the holder ("ingest by PID 4121 on studio-1 since 10:42").
Readers never take it: LanceDB commits are atomic and searches read committed versions.

On a local library the lock is an advisory `flock` on a file in the library directory, so
the kernel releases it the moment its holder dies, SIGKILL included: a lock left by a killed
process is taken over by the next writer, which logs whose it was. The file also holds who
has the lock, for the message. An object-store library needs a lease kept in the bucket
instead (a conditional put with an expiry); `writer_lock` is where that backend plugs in.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Protocol

from latentdam.errors import LibraryBusy, StoreError
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


def writer_lock(uri: str) -> WriterLock:
    """The writer lock for a library location."""
    if is_local(uri):
        return FileWriterLock(local_path(uri))
    return ProcessWriterLock(uri)


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


class ProcessWriterLock(_ReentrantLock):
    """Until object stores get their lease: one writer per process for an object-store library
    (threads of one server are kept apart; other processes are not)."""

    _held: ClassVar[dict[str, LockHolder]] = {}
    _registry: ClassVar[threading.Lock] = threading.Lock()

    def _acquire(self, me: LockHolder) -> None:
        with self._registry:
            held = self._held.get(self.location)
            if held is not None:
                raise LibraryBusy(held, self.location)
            self._held[self.location] = me

    def _release(self) -> None:
        with self._registry:
            self._held.pop(self.location, None)

    def _current(self) -> LockHolder | None:
        with self._registry:
            return self._held.get(self.location)

    def holder(self) -> LockHolder | None:
        return self._current()
