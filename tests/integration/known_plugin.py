#!/usr/bin/env python3
"""known_plugin.py UPDATE_EVERY — a netdata external plugin (plugins.d protocol) that
writes known values, for test_plugins.sh.

Two charts, known.c0 and known.c1, of three dims each. Update k (counted across runs,
from 1) sets dim d of chart c to value(c, d, k): big (2^52 + k for c0.d1), negative
(d2) and ordinary ones, all whole numbers a float64 holds exactly. Each update is
written at 0.3 s past a multiple of UPDATE_EVERY seconds and logged to $KNOWN_STATE as
"k seconds.micros" (the wall clock when written), so the test knows what arrived when.
Every run also writes a few malformed lines, which mxpd must count and survive, a
VARIABLE and a chart label.

A run exits with status 0 after $KNOWN_RUN_UPDATES updates (mxpd starts it again);
after $KNOWN_TOTAL updates in all it writes DISABLE (mxpd must not start it again).
"""
import os
import sys
import time

UE = int(sys.argv[-1])
STATE = os.environ["KNOWN_STATE"]
PER_RUN = int(os.environ.get("KNOWN_RUN_UPDATES", "4"))
TOTAL = int(os.environ.get("KNOWN_TOTAL", "10"))


def value(c, d, k):
    if c == 0 and d == 1:
        return 2**52 + k
    v = (c * 10 + d + 1) * 1_000_000_000 + k
    return -v if d == 2 else v


def done_so_far():
    try:
        with open(STATE) as f:
            return sum(1 for line in f if line.strip())
    except FileNotFoundError:
        return 0


out = sys.stdout
out.write("CHART known.c0 '' 'Known values zero' 'things' known known.values line 1000 %d\n" % UE)
for d in range(3):
    out.write("DIMENSION d%d '' absolute 1 1\n" % d)
out.write("CHART 'known.c1' 'one' \"Known values one\" 'things' known known.values line 1001 %d\n" % UE)
out.write("CLABEL 'source' 'known_plugin' 1\nCLABEL_COMMIT\n")
for d in range(3):
    out.write("DIMENSION 'd%d' '' 'absolute' '1' '1' ''\n" % d)
out.write("VARIABLE HOST known_limit = 100.5\n")
out.write("BOGUS line that is no command\n")
out.write("SET d0 = 12abc\n")
out.flush()

k = done_so_far()
last = None
for _ in range(PER_RUN):
    if k >= TOTAL:
        break
    now = time.time()
    target = (int(now) // UE + 1) * UE + 0.3
    time.sleep(max(0.0, target - now))
    k += 1
    t = time.time()
    usec = "" if last is None else " %d" % int(round((t - last) * 1e6))
    lines = []
    for c in range(2):
        lines.append("BEGIN known.c%d%s\n" % (c, usec))
        for d in range(3):
            lines.append("SET d%d = %d\n" % (d, value(c, d, k)))
        lines.append("END\n")
    out.write("".join(lines))
    out.flush()
    last = t
    with open(STATE, "a") as f:
        f.write("%d %.6f\n" % (k, t))

if k >= TOTAL:
    out.write("DISABLE\n")
    out.flush()
sys.exit(0)
