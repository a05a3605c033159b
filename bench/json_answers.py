#!/usr/bin/env python3
"""Compares the engine's answer (JSON lines, or a debezium changelog folded to its final rows)
with DuckDB's (CSV), as multisets of rows; prints "<label> answer equal (N rows)" or how they differ.
usage: json_answers.py LABEL ENGINE_OUT DUCKDB_CSV   (LABEL: query name, optionally -suffix)"""
import csv, json, sys
from collections import Counter

label, engine_path, duck_path = sys.argv[1:4]

def value(v):
    if isinstance(v, dict):  # a window struct: its start
        v = v["start"]
    try:
        return int(v)
    except (TypeError, ValueError):
        return v

def row(obj):
    return tuple(value(v) for v in obj.values())

engine = Counter()
with open(engine_path) as f:
    for line in f:
        if not line.strip():
            continue
        obj = json.loads(line)
        if "op" in obj and ("after" in obj or "before" in obj):
            if obj.get("before") is not None:
                engine[row(obj["before"])] -= 1
            if obj.get("after") is not None:
                engine[row(obj["after"])] += 1
        else:
            engine[row(obj)] += 1
engine = +engine  # drop retracted rows
with open(duck_path, newline="") as f:
    duck = Counter(tuple(value(v) for v in r) for r in csv.reader(f))
if engine == duck:
    print(f"{label} answer equal ({sum(duck.values())} rows)")
else:
    only_engine = list((engine - duck).items())[:2]
    only_duck = list((duck - engine).items())[:2]
    print(f"{label} answer DIFFER (engine {sum(engine.values())} rows, DuckDB {sum(duck.values())}; only engine {only_engine}; only DuckDB {only_duck})")
