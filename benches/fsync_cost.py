#!/usr/bin/env python3
"""What one `fdatasync` of a quote-log batch costs on this filesystem, appended to a growing file
(as the quote log does) against written into space zeroed beforehand (what preallocating
segments would do). Run from the folder whose filesystem you want to measure:
    python3 benches/fsync_cost.py [BATCHES] [BYTES]
"""
import os
import sys
import time

BATCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
BYTES = int(sys.argv[2]) if len(sys.argv) > 2 else 20000  # about 10 records of 1.9 KB


def run(mode):
    path = "fsync_cost.tmp"
    if os.path.exists(path):
        os.remove(path)
    flags = os.O_CREAT | os.O_RDWR | (os.O_APPEND if mode == "append" else 0)
    fd = os.open(path, flags)
    if mode == "prezeroed":
        os.write(fd, b"\0" * (BATCHES * BYTES))
        os.fsync(fd)
    data = os.urandom(BYTES)
    started = time.perf_counter()
    for i in range(BATCHES):
        if mode == "append":
            os.write(fd, data)
        else:
            os.pwrite(fd, data, i * BYTES)
        os.fdatasync(fd)
    elapsed = time.perf_counter() - started
    os.close(fd)
    os.remove(path)
    print(f"{mode:10} {elapsed / BATCHES * 1e6:7.0f} µs per write + fdatasync of {BYTES} bytes")


for mode in ["append", "prezeroed", "append", "prezeroed"]:
    run(mode)
