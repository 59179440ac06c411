#!/usr/bin/env python3
"""Make the compact outlines Sinergi embeds from the shared boundary GeoJSON.

    python3 data/boundaries/compact.py /work/shared/data/boundaries

Input   SRC/{provinces,regencies}.geojson, SRC/{districts,villages}.subset.geojson
        (one feature per line, properties `code` and `name`; see README.md here).
Output  data/boundaries/{provinces,regencies,districts,villages}.bin, read by
        `platform::map::Outlines::decode` (src/platform/map.rs).

Why it is smaller (0.9 MB for what is 16.9 MB of GeoJSON): an outline is only ever
drawn as the children of the region on screen, at most ~1,500 px wide (a
projector). Each feature is simplified (Douglas-Peucker, per ring) at 1/3000 of the
extent of the region it is drawn inside: provinces at 1/3000 of Indonesia, a regency
at 1/3000 of its province, a kecamatan of its regency, a desa of its kecamatan, i.e.
half a pixel at the widest screen, so nothing visible is lost and the gaps that
simplifying neighbours one by one can open stay under a pixel. Coordinates are then
whole multiples of a quantum (below), stored as zigzag varint differences. Names are
not stored: the service names places from idn-area-data, as the README asks.

Format (little-endian, varints as in protobuf): b"SGB1", quantum in 1e-5 degrees,
feature count; per feature: code length, code bytes, ring count; per ring: point
count, then (dlon, dlat) per point in quanta from the previous point (the first from
0, 0). Rings are not closed (the last point is not the first again); holes and
islands are rings of the same feature, drawn with the even-odd rule.
Deterministic: the same input gives the same bytes.
"""
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Half a pixel of a 1,500 px wide map.
DETAIL = 3000
# (input file, output file, quantum in 1e-5 degrees, the level whose extent sets the tolerance)
LAYERS = [
    ("provinces.geojson", "provinces.bin", 100, None),
    ("regencies.geojson", "regencies.bin", 10, 2),
    ("districts.subset.geojson", "districts.bin", 2, 5),
    ("villages.subset.geojson", "villages.bin", 1, 8),
]


def features(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip().rstrip(",")
            if line.startswith('{"type":"Feature"'):
                feat = json.loads(line)
                yield feat["properties"]["code"], feat["geometry"]


def rings_of(geom):
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    for poly in polys:
        for ring in poly:
            yield [(p[0], p[1]) for p in ring]


def bbox(rings):
    xs = [p[0] for r in rings for p in r]
    ys = [p[1] for r in rings for p in r]
    return min(xs), min(ys), max(xs), max(ys)


def extent(b):
    return max(b[2] - b[0], b[3] - b[1])


def seg_dist2(p, a, b):
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    if dx == 0 and dy == 0:
        return (p[0] - ax) ** 2 + (p[1] - ay) ** 2
    t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)))
    return (p[0] - ax - t * dx) ** 2 + (p[1] - ay - t * dy) ** 2


def simplify(ring, tol):
    """Douglas-Peucker of a closed ring (first point == last), iterative."""
    n = len(ring)
    if n <= 4:
        return ring
    keep = [False] * n
    keep[0] = keep[n - 1] = True
    # Split at the point farthest from the first, so the closed ring has a real chord.
    far = max(range(1, n - 1), key=lambda i: (ring[i][0] - ring[0][0]) ** 2 + (ring[i][1] - ring[0][1]) ** 2)
    keep[far] = True
    stack = [(0, far), (far, n - 1)]
    tol2 = tol * tol
    while stack:
        i, j = stack.pop()
        best, at = -1.0, -1
        for k in range(i + 1, j):
            d = seg_dist2(ring[k], ring[i], ring[j])
            if d > best:
                best, at = d, k
        if at >= 0 and best > tol2:
            keep[at] = True
            stack.append((i, at))
            stack.append((at, j))
    return [p for p, k in zip(ring, keep) if k]


def varint(out, n):
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def main(src):
    # Extents of every region that outlines are drawn inside, by code.
    extents = {"ID": None}
    layers = []
    for name, out, quantum, parent_len in LAYERS:
        feats = [(code, list(rings_of(g))) for code, g in features(os.path.join(src, name))]
        for code, rings in feats:
            extents[code] = extent(bbox(rings))
        layers.append((feats, out, quantum, parent_len))
    extents["ID"] = extent(bbox([r for code, rings in layers[0][0] for r in rings]))
    for feats, out, quantum, parent_len in layers:
        buf = bytearray(b"SGB1")
        varint(buf, quantum)
        varint(buf, len(feats))
        points_in = points_out = 0
        for code, rings in feats:
            parent = "ID" if parent_len is None else code[:parent_len]
            tol = extents[parent] / DETAIL
            kept = []
            for ring in rings:
                points_in += len(ring)
                s = simplify(ring, tol)
                q = []
                for x, y in s[:-1]:
                    p = (round(x * 1e5 / quantum), round(y * 1e5 / quantum))
                    if not q or q[-1] != p:
                        q.append(p)
                if len(q) >= 3:
                    kept.append(q)
            # A feature always keeps its largest ring, however small, so it can be tapped.
            if not kept:
                ring = max(rings, key=lambda r: extent(bbox([r])))
                kept = [[(round(x * 1e5 / quantum), round(y * 1e5 / quantum)) for x, y in ring[:-1]]]
            c = code.encode()
            varint(buf, len(c))
            buf += c
            varint(buf, len(kept))
            px = py = 0
            for q in kept:
                points_out += len(q)
                varint(buf, len(q))
                for x, y in q:
                    varint(buf, zigzag(x - px))
                    varint(buf, zigzag(y - py))
                    px, py = x, y
        with open(os.path.join(HERE, out), "wb") as f:
            f.write(buf)
        print(f"{out}: {len(feats)} features, {points_in} -> {points_out} points, {len(buf)} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/boundaries")
