#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Fails when the files given call each other in a cycle.

A file calls another when its object uses a symbol the other defines (nm:
U against T/D/B/R). Reads the objects, not the sources, so macros and
comments cannot hide or invent a call. Usage: calls.py OBJ...
Prints each cycle as a chain of files with the symbols that close it."""
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True, text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind in "TDBRG":
            defined.add(name)
    return defined, used


def cycles(graph):
    """Tarjan's strongly connected components of more than one file."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main(objs):
    if not objs:
        sys.exit("usage: calls.py OBJ...")
    syms = {os.path.basename(o)[:-2]: symbols(o) for o in objs}
    owner = {}
    for f, (defined, _) in syms.items():
        for s in defined:
            owner[s] = f
    graph = {f: set() for f in syms}
    why = {}
    for f, (_, used) in syms.items():
        for s in used:
            g = owner.get(s)
            if g is not None and g != f:
                graph[f].add(g)
                why.setdefault((f, g), []).append(s)
    bad = cycles(graph)
    for comp in bad:
        print("calls.py: these files call each other in a cycle: " + ", ".join(comp))
        for f in comp:
            for g in sorted(graph[f] & set(comp)):
                print("  %s -> %s (%s)" % (f, g, ", ".join(sorted(why[(f, g)]))))
    print("%d files, %d calls between them, %d cycles" %
          (len(graph), sum(len(v) for v in graph.values()), len(bad)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
