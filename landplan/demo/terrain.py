"""The demo park's terrain: a gentle regional slope down to the south-east, one hill under the
newest land (so some unsold parcels need levelling), and the float32 DEM over the park.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import affine
import numpy as np

from .base import _PROFILE, _TILE


def _hills(lay: SimpleNamespace, profile: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hills (x, y, height m, sigma m) in park coordinates: one under the reserve land, plus one
    per 400 tiles in big parks."""
    reserve = profile == _PROFILE["reserve"]
    cx = (lay.u0 + lay.u1) / 2
    cv = (lay.rv0 + lay.rv1) / 2
    px, py = np.where(lay.u_is_x, cx, cv), np.where(lay.u_is_x, cv, cx)
    i = np.flatnonzero(reserve) if reserve.any() else np.array([lay.n - 1])
    near = i[np.argmin((px[i] - px[i].mean()) ** 2 + (py[i] - py[i].mean()) ** 2)]
    extra = min(49, lay.ntiles // 400)
    tiles = rng.integers(0, lay.ntiles, extra)
    xs = np.r_[px[near], (lay.tile_i[tiles] + rng.uniform(0.2, 0.8, extra)) * _TILE]
    ys = np.r_[py[near], (lay.tile_j[tiles] + rng.uniform(0.2, 0.8, extra)) * _TILE]
    heights = np.r_[20.0, rng.uniform(8, 25, extra)]
    sigmas = np.r_[300.0, rng.uniform(200, 400, extra)]
    return np.c_[xs, ys, heights, sigmas]


def _elevation(lay: SimpleNamespace, x: np.ndarray, y: np.ndarray, hills: np.ndarray) -> np.ndarray:
    """Ground elevation (m) at park coordinates: regional slope down to the south-east, gentle
    ripples, Gaussian hills."""
    cx, cy = lay.nx * _TILE / 2, lay.ny * _TILE / 2
    z = 32.0 + 12.0 * np.tanh(((cx - x) * 0.6 + (y - cy) * 0.8) / 9000.0)
    z = z + 0.35 * np.sin(2 * np.pi * x / 730 + 1.3) * np.sin(2 * np.pi * y / 910 + 0.4)
    z = z + 0.2 * np.sin(2 * np.pi * (x + y) / 1370 + 2.1)
    for hx, hy, h, s in hills:
        near = (np.abs(x - hx) < 4 * s) & (np.abs(y - hy) < 4 * s)
        if np.ndim(z) and near.any():
            z[near] += h * np.exp(-((x[near] - hx) ** 2 + (y[near] - hy) ** 2) / (2 * s * s))
    return z


# ------------------------------------------------------------------------------------------
# Terrain and frames
# ------------------------------------------------------------------------------------------


def _dem(lay: SimpleNamespace, hills: np.ndarray) -> tuple[np.ndarray, affine.Affine]:
    """The DEM over the park plus a 300 m margin: 10 m cells, coarser when it would exceed
    4000 cells a side."""
    margin = 300.0
    w, h = lay.nx * _TILE + 2 * margin, lay.ny * _TILE + 2 * margin
    cell = float(max(10, math.ceil(max(w, h) / 4000)))
    cols, rows = math.ceil(w / cell), math.ceil(h / cell)
    x = -margin + (np.arange(cols) + 0.5) * cell
    y = lay.ny * _TILE + margin - (np.arange(rows) + 0.5) * cell
    z = _elevation(lay, x[None, :], y[:, None], np.empty((0, 4)))
    for hx, hy, height, s in hills:  # each hill on its window only
        c0, c1 = np.searchsorted(x, [hx - 4 * s, hx + 4 * s])
        r0, r1 = np.searchsorted(-y, [-(hy + 4 * s), -(hy - 4 * s)])
        if c1 > c0 and r1 > r0:
            dx = x[None, c0:c1] - hx
            dy = y[r0:r1, None] - hy
            z[r0:r1, c0:c1] += height * np.exp(-(dx * dx + dy * dy) / (2 * s * s))
    x0, y0 = lay.origin
    transform = affine.Affine(cell, 0.0, x0 - margin, 0.0, -cell, y0 + lay.ny * _TILE + margin)
    return z.astype(np.float32), transform


