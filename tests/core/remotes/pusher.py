"""A push in a process of its own, for the tests that need real concurrency or a kill.

    python pusher.py REPO [--slow-union SECONDS] [--barrier DIR] [--lock] [--hold-after BYTES]

``--slow-union`` sleeps between reading the remote lineage and swapping it (so two pushers
overlap); ``--barrier DIR`` makes the first swap attempt wait there, after reading the
remote lineage, until two pushers have read it (so both swap against the same state and one must lose); ``--lock``
forces the lock-object mode; ``--hold-after BYTES`` sends small packs, prints
``checkpoint PACKS BYTES`` each time a pack is complete on the remote (its index written),
and once BYTES of packs are complete stops every sending thread after the pack it is on
(the process stays alive, mid-transfer, for the test to kill it).  Prints the report as
JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

from mgit_lab.api import Repository
from mgit_lab.core.remotes import lineage_slot, packs, push, transport


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--slow-union", type=float, default=0.0)
    parser.add_argument("--barrier", type=Path, default=None)
    parser.add_argument("--lock", action="store_true")
    parser.add_argument("--hold-after", type=int, default=0)
    args = parser.parse_args()
    if args.slow_union or args.barrier:
        real_update = lineage_slot.LineageSlot.update
        waited: list[bool] = []

        def slow_update(self, change):  # type: ignore[no-untyped-def]
            def slow_change(current):  # type: ignore[no-untyped-def]
                # called with the lineage just read, before the swap
                time.sleep(args.slow_union)
                if args.barrier and not waited:
                    waited.append(True)
                    (args.barrier / str(os.getpid())).touch()
                    deadline = time.monotonic() + 60
                    while len(list(args.barrier.iterdir())) < 2 and time.monotonic() < deadline:
                        time.sleep(0.01)
                return change(current)

            return real_update(self, slow_change)

        lineage_slot.LineageSlot.update = slow_update
    if args.lock:
        real_init = lineage_slot.LineageSlot.__init__

        def locked(self, rfs):  # type: ignore[no-untyped-def]
            real_init(self, rfs)
            self.mode = "lock"

        lineage_slot.LineageSlot.__init__ = locked
    if args.hold_after:
        packs.PACK_TARGET = 32 << 10
        real_put = transport.RemoteFS.put
        done = [0, 0]  # packs, bytes
        sizes: dict[str, int] = {}
        count_lock = threading.Lock()
        never = threading.Event()

        def holding_put(self, rel, data):  # type: ignore[no-untyped-def]
            real_put(self, rel, data)
            if rel.endswith(packs.PACK_SUFFIX):
                with count_lock:
                    sizes[rel[: -len(packs.PACK_SUFFIX)]] = len(data)
            if rel.endswith(packs.INDEX_SUFFIX):  # a pack is complete on the remote
                with count_lock:
                    done[0] += 1
                    done[1] += sizes[rel[: -len(packs.INDEX_SUFFIX)]]
                    print(f"checkpoint {done[0]} {done[1]}", flush=True)
                    hold = done[1] >= args.hold_after
                if hold:
                    never.wait()  # until the test kills this process

        transport.RemoteFS.put = holding_put
    report = push.push(Repository.open(args.repo))
    print(json.dumps({**report.to_json(), "attempts": report.lineage_attempts}))


if __name__ == "__main__":
    main()
