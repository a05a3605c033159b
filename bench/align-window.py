#!/usr/bin/env python3
"""Waits until the wall clock is just past a multiple of N seconds (default 10).

Nexmark's event time starts at the wall clock when the source opens, and a table without a
WATERMARK clause has a watermark of processing time minus 1 s. So a 10 s tumbling window is
closed somewhere between 1 and 11 s after the start, depending on where in the 10 s the run
began; rows after that are dropped as late. q7 at 100 M events/s puts a whole run in one window:
started at a random moment, a run keeps anything from a tenth to all of its bids in state, and
its CPU time varies by 2-4x with the clock, not with the engine. Started just past a boundary,
a run that ends within ~10 s of wall time keeps every bid.
    bench/align-window.py [N]
"""
import sys
import time

period = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
# Past the boundary by 0.05-0.5 s: the CLI's start-up (~0.5 s) comes before the source opens.
while not 0.05 <= (phase := time.time() % period) <= 0.5:
    # Short steps near the boundary (just before it, or just after it but not yet 0.05 s past).
    time.sleep(0.01 if phase < 0.05 or period - phase < 0.3 else period - phase - 0.2)
