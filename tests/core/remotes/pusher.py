"""A push in a process of its own, for the tests that need real concurrency or a kill.

    python pusher.py REPO [--slow-union SECONDS] [--barrier DIR] [--lock] [--slow-packs SECONDS]

``--slow-union`` sleeps between reading the remote lineage and swapping it (so two pushers
overlap); ``--barrier DIR`` makes the first combine wait there until two pushers have read
the remote lineage (so both swap against the same state and one must lose); ``--lock``
forces the lock-object mode, ``--slow-packs`` sends small packs slowly
(so the test can kill the process mid-transfer).  Prints the report as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from mgit_lab.api import Repository
from mgit_lab.core.remotes import lineage_slot, packs, push, transport, union


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--slow-union", type=float, default=0.0)
    parser.add_argument("--barrier", type=Path, default=None)
    parser.add_argument("--lock", action="store_true")
    parser.add_argument("--slow-packs", type=float, default=0.0)
    args = parser.parse_args()
    if args.slow_union or args.barrier:
        real = union.union
        waited: list[bool] = []

        def slow(*a, **k):  # type: ignore[no-untyped-def]
            time.sleep(args.slow_union)
            if args.barrier and not waited:
                waited.append(True)
                (args.barrier / str(os.getpid())).touch()
                deadline = time.monotonic() + 60
                while len(list(args.barrier.iterdir())) < 2 and time.monotonic() < deadline:
                    time.sleep(0.01)
            return real(*a, **k)

        push.union = slow
    if args.lock:
        real_init = lineage_slot.LineageSlot.__init__

        def locked(self, rfs):  # type: ignore[no-untyped-def]
            real_init(self, rfs)
            self.mode = "lock"

        lineage_slot.LineageSlot.__init__ = locked
    if args.slow_packs:
        packs.PACK_TARGET = 32 << 10
        real_put = transport.RemoteFS.put

        def slow_put(self, rel, data):  # type: ignore[no-untyped-def]
            real_put(self, rel, data)
            if rel.endswith(packs.INDEX_SUFFIX):
                time.sleep(args.slow_packs)

        transport.RemoteFS.put = slow_put
    report = push.push(Repository.open(args.repo))
    print(json.dumps({**report.to_json(), "attempts": report.lineage_attempts}))


if __name__ == "__main__":
    main()
