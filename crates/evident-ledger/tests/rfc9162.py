#!/usr/bin/env python3
"""An independent RFC 9162 section 2.1 implementation, written straight from the RFC's
recursive definitions with nothing but hashlib. The Rust tests compare against it.

Usage: rfc9162.py MAX_SIZE SEED   -> JSON on stdout
Leaves are the bytes b"leaf-<i>". For every size 1..=MAX_SIZE it gives the root, every
inclusion proof PATH(m, D[n]) and every consistency proof PROOF(m, D[n]); then a few
larger random sizes with random m.
"""
import hashlib, json, random, sys
from functools import lru_cache

def H(b):
    return hashlib.sha256(b).digest()

LEAVES = []

def k_of(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k

@lru_cache(maxsize=None)
def mth(start, end):
    n = end - start
    if n == 0:
        return H(b"")
    if n == 1:
        return H(b"\x00" + LEAVES[start])
    k = k_of(n)
    return H(b"\x01" + mth(start, start + k) + mth(start + k, end))

def path(m, start, end):
    n = end - start
    if n == 1:
        return []
    k = k_of(n)
    if m < k:
        return path(m, start, start + k) + [mth(start + k, end)]
    return path(m - k, start + k, end) + [mth(start, start + k)]

def subproof(m, start, end, b):
    n = end - start
    if m == n:
        return [] if b else [mth(start, end)]
    k = k_of(n)
    if m <= k:
        return subproof(m, start, start + k, b) + [mth(start + k, end)]
    return subproof(m - k, start + k, end, False) + [mth(start, start + k)]

def hexes(hs):
    return [h.hex() for h in hs]

def main():
    max_size, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    large = sorted(rng.sample(range(max_size + 1, 20000), 4))
    LEAVES.extend(b"leaf-%d" % i for i in range(max(large)))
    out = []
    for n in list(range(1, max_size + 1)) + large:
        ms = range(n) if n <= max_size else sorted(rng.sample(range(n), 16))
        out.append({
            "size": n,
            "root": mth(0, n).hex(),
            "inclusion": {str(m): hexes(path(m, 0, n)) for m in ms},
            "consistency": {str(m + 1): hexes(subproof(m + 1, 0, n, True)) for m in ms},
        })
    json.dump(out, sys.stdout)

if __name__ == "__main__":
    main()
