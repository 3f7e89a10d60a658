#!/usr/bin/env python3
"""Lists the Rust functions longer than 120 lines (from the `fn` line to its closing brace).

Usage: python3 scripts/long-functions.py src contract-tests/src simulator/src
Prints one tuple (lines, file, line, name) per function over the limit, then the longest.
"""
import re, sys, os
def fns(path):
    lines = open(path).read().split('\n')
    out = []
    i = 0
    while i < len(lines):
        l = lines[i]
        m = re.match(r'^(\s*)(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)', l)
        if m:
            indent = len(m.group(1)); name = m.group(7)
            # find the opening brace line then matching close at same indent
            j = i
            while j < len(lines) and '{' not in lines[j] and not lines[j].rstrip().endswith(';'):
                j += 1
            if j < len(lines) and lines[j].rstrip().endswith(';') and '{' not in lines[j]:
                i += 1; continue
            k = j + 1
            while k < len(lines):
                if lines[k].startswith(' ' * indent + '}') and (len(lines[k]) - len(lines[k].lstrip())) == indent:
                    break
                k += 1
            out.append((k - i + 1, name, i + 1))
        i += 1
    return out
res = []
for root in sys.argv[1:]:
    for dp, dn, fnames in os.walk(root):
        for f in fnames:
            if f.endswith('.rs'):
                p = os.path.join(dp, f)
                for n, name, line in fns(p):
                    res.append((n, p, line, name))
res.sort(reverse=True)
for r in res:
    if r[0] > 120: print(r)
print("max", res[0] if res else None)
