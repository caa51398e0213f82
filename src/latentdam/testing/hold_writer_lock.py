"""Hold a library's writer lock from another process, as an ingest in a terminal would
(tests of LibraryBusy and of taking over a killed writer's lock):

    python -m latentdam.testing.hold_writer_lock LIBRARY_DIR [OPERATION]

Prints "held" once it holds the lock, then sleeps until killed (at most 10 minutes).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from latentdam.store.lock import FileWriterLock


def main() -> None:
    operation = sys.argv[2] if len(sys.argv) > 2 else "ingest"
    with FileWriterLock(Path(sys.argv[1])).hold(operation):
        print("held", flush=True)
        time.sleep(600)


if __name__ == "__main__":
    main()
