#!/usr/bin/env python3
"""Draws the field app's icons (icon-192.png, icon-512.png) once; the PNGs are committed and
embedded in the binary. A white ballot box with a tick on the brand red, with a wide margin so
Android's round mask ("maskable") never cuts it. Run: python3 assets/lapangan/make_icons.py"""
import os
import struct
import zlib

RED = (0x8A, 0x1C, 0x1C)
WHITE = (0xFF, 0xFF, 0xFF)


def pixel(x, y):
    """Colour at (x, y) in a unit square (0..1)."""
    # Ballot box body.
    if 0.28 <= x <= 0.72 and 0.42 <= y <= 0.74:
        # The tick, drawn in red on the box.
        def near(ax, ay, bx, by, w):
            dx, dy = bx - ax, by - ay
            t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
            px, py = ax + t * dx, ay + t * dy
            return (x - px) ** 2 + (y - py) ** 2 <= w * w
        if near(0.38, 0.58, 0.47, 0.66, 0.025) or near(0.47, 0.66, 0.63, 0.50, 0.025):
            return RED
        return WHITE
    # The slot's lid and a ballot going in.
    if 0.24 <= x <= 0.76 and 0.36 <= y <= 0.41:
        return WHITE
    if 0.42 <= x <= 0.58 and 0.24 <= y <= 0.35:
        return WHITE
    return RED


def png(size):
    rows = bytearray()
    for j in range(size):
        rows.append(0)
        for i in range(size):
            rows.extend(pixel((i + 0.5) / size, (j + 0.5) / size))

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


here = os.path.dirname(os.path.abspath(__file__))
for size in (192, 512):
    with open(os.path.join(here, f"icon-{size}.png"), "wb") as f:
        f.write(png(size))
