"""The demo park's parcels: the road grid layout, parcel shapes, profiles, dates and attributes.

Tiles of 1 km are laid in square shells from the south-west corner, cut by secondary and branch
roads into blocks whose rows are cut into strips of 10-300 mu (:func:`_layout`); a few shapes
are made irregular (:func:`_parcel_geometries`). Each parcel gets a profile (its idle-land case),
dates built around :data:`~landplan.demo.DEMO_AS_OF`, buildings and money that follow its status
(:func:`_parcel_attributes`).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import shapely

from ..units import M2_PER_MU
from .base import (
    _AS_OF,
    _CENTRE,
    _DAYS_PER_YEAR,
    _GREEN,
    _HEAVY,
    _INDUSTRIES,
    _MU_HI,
    _MU_LO,
    _NUISANCE,
    _PRODUCING,
    _PROFILE,
    _PROFILES,
    _TILE,
    _UNSTARTED,
    _at_least,
    _concat,
    _days,
    _pick,
    _zfill,
)
from .terrain import _elevation

# ------------------------------------------------------------------------------------------
# Layout: tiles → quadrants → blocks → rows → strips (all in park coordinates, origin SW)
# ------------------------------------------------------------------------------------------


def _layout(n: int, rng: np.random.Generator) -> SimpleNamespace:
    """Draw the road grid and the parcel rectangles, keeping the first ``n`` parcels.

    Tiles are numbered in square shells from the south-west corner (shell k: the east column
    bottom to top, then the north row east to west), and parcels tile by tile, so the first
    ``n`` parcels make a near-square park growing outwards; its last tile may be partly empty.
    ``tile`` and ``quad`` (= 4 tile + quadrant) use this order; ``tile_i``/``tile_j`` give a
    tile's column and row.
    """
    size = max(1, math.ceil(math.sqrt(1.3 * n / 25.0))) + 1
    while True:
        lay = _draw_grid(size, rng)
        if lay.total >= n:
            break
        size += 2
    keep = slice(0, n)
    for key in ("tile", "quad", "row", "m", "k", "u0", "u1"):
        setattr(lay, key, getattr(lay, key)[keep])
    lay.n = n
    lay.ntiles = int(lay.tile[-1]) + 1  # tiles of the park, in shell order
    lay.tile_i, lay.tile_j = lay.tile_i[: lay.ntiles], lay.tile_j[: lay.ntiles]
    lay.nx, lay.ny = int(lay.tile_i.max()) + 1, int(lay.tile_j.max()) + 1
    lay.nquads = 4 * lay.ntiles
    lay.grid = np.full((lay.ny, lay.nx), -1)  # tile at (row j, column i), -1 outside the park
    lay.grid[lay.tile_j, lay.tile_i] = np.arange(lay.ntiles)
    lay.origin = (round(_CENTRE[0] - lay.nx * _TILE / 2, -1),
                  round(_CENTRE[1] - lay.ny * _TILE / 2, -1))
    r = lay.row
    lay.rv0, lay.rv1 = lay.row_v0[r], lay.row_v1[r]
    lay.depth = lay.rv1 - lay.rv0
    lay.u_is_x, lay.flip, lay.single = lay.row_u_is_x[r], lay.row_flip[r], lay.row_single[r]
    lay.width = lay.u1 - lay.u0
    return lay


def _draw_grid(size: int, rng: np.random.Generator) -> SimpleNamespace:
    """Roads and parcel strips over a ``size`` × ``size`` grid of tiles, in shell order."""
    T = size * size
    wa_x = _pick(rng, [40.0, 42.0, 45.0, 50.0], size + 1)
    wa_y = _pick(rng, [40.0, 42.0, 45.0, 50.0], size + 1)
    ws_x = _pick(rng, [24.0, 26.0, 28.0, 30.0], size)
    ws_y = _pick(rng, [24.0, 26.0, 28.0, 30.0], size)
    ga, gs = _GREEN["arterial"], _GREEN["secondary"]
    gi, gj = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    gi, gj = gi.ravel(), gj.ravel()
    shell = np.maximum(gi, gj)
    order = np.lexsort((np.where(gi == shell, gj, 2 * shell - gi), shell))
    tile_i, tile_j = gi[order], gj[order]

    # Quadrants: 4 per tile, q = qx + 2 qy.
    Q = 4 * T
    tile = np.arange(Q) // 4
    q = np.arange(Q) % 4
    qx, qy = q % 2, q // 2
    ti, tj = tile_i[tile], tile_j[tile]

    def edges(t, qa, wa, ws):
        a0 = _TILE * t
        s = a0 + _TILE / 2
        lo = np.where(qa == 0, a0 + wa[t] / 2 + ga, s + ws[t] / 2 + gs)
        hi = np.where(qa == 0, s - ws[t] / 2 - gs, a0 + _TILE - wa[t + 1] / 2 - ga)
        return lo, hi, np.where(qa == 0, a0, s), np.where(qa == 0, s, a0 + _TILE)

    xl, xr, cx0, cx1 = edges(ti, qx, wa_x, ws_x)
    yl, yr, cy0, cy1 = edges(tj, qy, wa_y, ws_y)
    has_b = rng.random(Q) < 0.65
    b_vert = rng.random(Q) < 0.5
    wb = _pick(rng, [12.0, 14.0, 16.0], Q)
    b_off = rng.uniform(-25, 25, Q)
    xb = np.round(((xl + xr) / 2 + b_off) * 2) / 2
    yb = np.round(((yl + yr) / 2 + b_off) * 2) / 2

    # Blocks: one per quadrant, two where a branch road splits it.
    nb = 1 + has_b
    bq = np.repeat(np.arange(Q), nb)
    bsub = np.arange(bq.size) - np.repeat(np.cumsum(nb) - nb, nb)
    bx0, bx1, by0, by1 = xl[bq].copy(), xr[bq].copy(), yl[bq].copy(), yr[bq].copy()
    hb, vb = has_b[bq], b_vert[bq]
    half = wb[bq] / 2
    m = hb & vb & (bsub == 0)
    bx1[m] = xb[bq][m] - half[m]
    m = hb & vb & (bsub == 1)
    bx0[m] = xb[bq][m] + half[m]
    m = hb & ~vb & (bsub == 0)
    by1[m] = yb[bq][m] - half[m]
    m = hb & ~vb & (bsub == 1)
    by0[m] = yb[bq][m] + half[m]
    B = bq.size
    W, H = bx1 - bx0, by1 - by0
    square = np.abs(W - H) < 0.1 * np.maximum(W, H)
    u_is_x = np.where(square, rng.random(B) < 0.5, W >= H)
    S = np.where(u_is_x, H, W)
    target = np.clip(np.exp(rng.normal(np.log(65.0), 0.8, B)), 12.0, 280.0)  # mu
    # Deep blocks get two rows back to back, except for a few big plants; small plots need
    # shallow rows (a strip is at most 3.5 times deeper than wide).
    nrows = np.where(((S > 300) & (target < 110)) | ((target < 25) & (S > 180)), 2, 1)
    split = 0.5 + rng.uniform(-0.08, 0.08, B)

    # Rows: the first row of a two-row block fronts the road at its low side, the second is
    # flipped so that its front (v' = 0) is the road at its high side.
    rb = np.repeat(np.arange(B), nrows)
    rsub = np.arange(rb.size) - np.repeat(np.cumsum(nrows) - nrows, nrows)
    v0b = np.where(u_is_x, by0, bx0)[rb]
    v1b = np.where(u_is_x, by1, bx1)[rb]
    u0r = np.where(u_is_x, bx0, by0)[rb]
    u1r = np.where(u_is_x, bx1, by1)[rb]
    two = nrows[rb] == 2
    vmid = np.round(v0b + (v1b - v0b) * split[rb], 2)
    rv0 = np.where(two & (rsub == 1), vmid, v0b)
    rv1 = np.where(two & (rsub == 0), vmid, v1b)
    row_area = (u1r - u0r) * (rv1 - rv0) / M2_PER_MU
    k_lo = np.ceil(row_area / _MU_HI)
    k_hi = np.floor(row_area / _MU_LO)
    depth = rv1 - rv0
    k_hi = np.minimum(k_hi, np.floor((u1r - u0r) / (depth / 3.5)))
    k = np.clip(np.rint(row_area / target[rb]), k_lo, np.maximum(k_hi, k_lo)).astype(np.int64)
    k = np.maximum(k, 1)

    # Strips: Dirichlet shares, redrawn where a strip would fall outside the size bounds.
    R = rb.size
    pr = np.repeat(np.arange(R), k)
    first = np.cumsum(k) - k
    mi = np.arange(pr.size) - first[pr]
    g = rng.gamma(3.0, size=pr.size)
    min_width = (depth / 4.5)[pr]
    for attempt in range(9):
        share = g / np.bincount(pr, g, minlength=R)[pr]
        size = share * row_area[pr]
        bad = (size < _MU_LO) | (size > _MU_HI) | (share * (u1r - u0r)[pr] < min_width)
        bad_row = np.bincount(pr, bad, minlength=R) > 0
        if not bad_row.any():
            break
        redo = bad_row[pr]
        if attempt == 8:  # equal strips always fit
            share[redo] = 1.0 / k[pr][redo]
        else:
            g[redo] = rng.gamma(3.0, size=int(redo.sum()))
    cum = np.cumsum(share)
    before = cum - share - (cum[first] - share[first])[pr]
    length = (u1r - u0r)[pr]
    u0 = np.where(mi == 0, u0r[pr], np.round(u0r[pr] + length * before, 2))
    u1 = np.empty_like(u0)
    u1[:-1] = u0[1:]
    last = mi == k[pr] - 1
    u1[last] = u1r[pr][last]

    tile_of_row = bq[rb] // 4
    return SimpleNamespace(
        tile_i=tile_i, tile_j=tile_j, total=int(pr.size),
        wa_x=wa_x, wa_y=wa_y, ws_x=ws_x, ws_y=ws_y,
        q_has_b=has_b, q_b_vert=b_vert, q_wb=wb, q_xb=xb, q_yb=yb,
        q_cx0=cx0, q_cx1=cx1, q_cy0=cy0, q_cy1=cy1,
        tile=tile_of_row[pr], quad=bq[rb][pr], row=pr, m=mi, k=k[pr], u0=u0, u1=u1,
        row_v0=rv0, row_v1=rv1, row_u_is_x=u_is_x[rb], row_flip=two & (rsub == 1),
        row_single=~two,
    )


def _to_xy(lay: SimpleNamespace, idx, u, v) -> tuple[np.ndarray, np.ndarray]:
    """Park coordinates of local (u along the row, v' from the row's front) of parcels ``idx``."""
    v = np.where(lay.flip[idx], lay.rv1[idx] - v, lay.rv0[idx] + v)
    ux = lay.u_is_x[idx]
    return np.where(ux, u, v), np.where(ux, v, u)


def _parcel_geometries(lay: SimpleNamespace, rng: np.random.Generator) -> np.ndarray:
    """Parcel polygons: rectangles, some with cut corners, L-shapes, a hole or two parts."""
    n = lay.n
    a, b, D = lay.u0, lay.u1, lay.depth
    z = np.zeros(n)
    corners = np.stack([np.c_[a, z], np.c_[b, z], np.c_[b, D], np.c_[a, D]], axis=1)
    slots = np.repeat(corners[:, :, None, :], 3, axis=2)  # (n, 4 corners SW SE NE NW, 3, 2)

    # Cut corners (切角) where a parcel corner is a block corner at an intersection.
    first, last = lay.m == 0, lay.m == lay.k - 1
    cand = np.stack([first, last, last & lay.single, first & lay.single], axis=1)
    cand &= (lay.width >= 40)[:, None] & (D >= 40)[:, None]
    cut = cand & (rng.random((n, 4)) < 0.45)
    c = np.round(rng.uniform(5, 12, (n, 4)) * 2) / 2
    for corner, (p0, p1) in enumerate((
        ((a, c[:, 0]), (a + c[:, 0], z)),
        ((b - c[:, 1], z), (b, c[:, 1])),
        ((b, D - c[:, 2]), (b - c[:, 2], D)),
        ((a + c[:, 3], D), (a, D - c[:, 3])),
    )):
        sel = cut[:, corner]
        slots[sel, corner, 0] = np.c_[p0[0], p0[1]][sel]
        slots[sel, corner, 1:] = np.c_[p1[0], p1[1]][sel][:, None, :]

    # L-shapes: parcel i takes a notch from the back of its right neighbour i + 1.
    nxt = np.r_[np.arange(1, n), n - 1]
    pair = (lay.m < lay.k - 1) & (lay.width >= 60) & (lay.width[nxt] >= 60)
    pair[-1] = False  # the park's last parcel may end a truncated row
    r = rng.uniform(0.35, 0.6, n)
    vm = np.round(D * (1 - r), 2)
    d = np.round(lay.width[nxt] * rng.uniform(0.25, 0.5, n), 2)
    moved = d * (D - vm) / M2_PER_MU
    area = lay.width * D / M2_PER_MU
    pair &= (area + moved <= _MU_HI) & (area[nxt] - moved >= _MU_LO + 0.5)
    chosen = pair & (rng.random(n) < 0.03)
    chosen = _at_least(pair, chosen, 1, rng)
    chosen &= ~np.r_[False, chosen[:-1]]  # no chains: a parcel gives or takes one notch
    i = np.flatnonzero(chosen)
    j = i + 1
    bi = b[i]
    slots[i, 1, 0] = np.c_[bi, z[i]]
    slots[i, 1, 1] = np.c_[bi, vm[i]]
    slots[i, 1, 2] = np.c_[bi + d[i], vm[i]]
    slots[i, 2, :] = np.c_[bi + d[i], D[i]][:, None, :]
    slots[j, 3, 0] = np.c_[bi + d[i], D[j]]
    slots[j, 3, 1] = np.c_[bi + d[i], vm[i]]
    slots[j, 3, 2] = np.c_[bi, vm[i]]

    ring = slots.reshape(n, 12, 2)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    idx = np.repeat(np.arange(n)[:, None], 13, axis=1)
    x, y = _to_xy(lay, idx, ring[..., 0], ring[..., 1])
    x0, y0 = lay.origin
    geoms = shapely.polygons(np.stack([x + x0, y + y0], axis=-1))
    geoms = shapely.remove_repeated_points(geoms)

    # A hole (a retained tower base) or two parts (a drainage ditch) in a few plain parcels.
    plain = ~cut.any(axis=1) & ~chosen & ~np.r_[False, chosen[:-1]]
    roomy = plain & (area >= 30) & (lay.width >= 120) & (D >= 100)
    pick = rng.random(n)
    hole = _at_least(roomy, roomy & (pick < 0.006), 2, rng)
    split = _at_least(roomy & ~hole, roomy & ~hole & (pick > 0.994), 2, rng)
    i = np.flatnonzero(hole)
    s = np.round(rng.uniform(20, 35, i.size), 1)
    uc = np.round(a[i] + lay.width[i] * rng.uniform(0.35, 0.65, i.size), 2)
    vc = np.round(D[i] * rng.uniform(0.35, 0.65, i.size), 2)
    hx, hy = _to_xy(lay, i, uc, vc)
    boxes = shapely.box(hx + x0 - s / 2, hy + y0 - s / 2, hx + x0 + s / 2, hy + y0 + s / 2)
    geoms[i] = shapely.difference(geoms[i], boxes)
    i = np.flatnonzero(split)
    wd = np.round(rng.uniform(8, 12, i.size), 1)
    um = np.round(a[i] + lay.width[i] * rng.uniform(0.4, 0.6, i.size), 2)
    parts = []
    for lo, hi in ((a[i], um - wd / 2), (um + wd / 2, b[i])):
        px0, py0 = _to_xy(lay, i, lo, np.zeros(i.size))
        px1, py1 = _to_xy(lay, i, hi, D[i])
        parts.append(shapely.box(np.minimum(px0, px1) + x0, np.minimum(py0, py1) + y0,
                                 np.maximum(px0, px1) + x0, np.maximum(py0, py1) + y0))
    geoms[i] = shapely.multipolygons(np.stack(parts, axis=1))
    geoms = shapely.orient_polygons(geoms)

    area = shapely.area(geoms) / M2_PER_MU
    if not ((area >= 10.0) & (area <= 300.0)).all():  # pragma: no cover - a bug, not bad input
        raise AssertionError("demo parcel outside 10-300 mu")
    lay.shape = np.select([chosen | np.r_[False, chosen[:-1]], hole, split, cut.any(axis=1)],
                          ["l_shape", "hole", "two_parts", "cut_corner"], "rectangle")
    return geoms


# ------------------------------------------------------------------------------------------
# Parcel attributes
# ------------------------------------------------------------------------------------------


def _assign_profiles(lay: SimpleNamespace, rng: np.random.Generator) -> np.ndarray:
    """Profile index per parcel: older profiles to the south-west, newer to the north-east."""
    n = lay.n
    weights = np.array([p[2] for p in _PROFILES])
    mins = np.array([p[3] for p in _PROFILES])
    counts = np.maximum(np.rint(weights * n).astype(int), mins)
    rest = n - counts.sum()
    main = _PROFILE["in_production"]
    if rest >= 0:
        counts[main] = rest
    else:  # a tiny park: shares only
        share = weights.copy()
        share[main] = max(0.0, 1.0 - weights.sum())
        counts = np.floor(share * n).astype(int)
        counts[main] += n - counts.sum()
    # Reserve land is the newest, at the frontier; the others mix, older ones more to the
    # south-west.
    reserve = _PROFILE["reserve"]
    frontier = np.argsort(lay.tile + rng.uniform(0, 1.5, n), kind="stable")
    profile = np.empty(n, dtype=np.int64)
    k = counts[reserve]
    profile[frontier[n - k:]] = reserve
    rest = frontier[: n - k]
    age = lay.tile[rest] / max(lay.ntiles - 1, 1) + rng.uniform(0, 1.2, rest.size)
    others = np.delete(np.arange(len(_PROFILES)), reserve)
    profile[rest[np.argsort(age, kind="stable")]] = np.repeat(others, np.delete(counts, reserve))
    return profile


def _parcel_dates(profile: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Supply, agreed start/completion, actual start, production start and halt dates (days
    relative to DEMO_AS_OF, NaN when empty) per profile."""
    n = profile.size
    Y = _DAYS_PER_YEAR
    S, G, C, T, P, H = (np.full(n, np.nan) for _ in range(6))

    def sel(name):
        m = profile == _PROFILE[name]
        return m, int(m.sum())

    def u(lo, hi, k):
        return rng.uniform(lo, hi, k)

    # Started: supplied (years ago), agreed start, actual start, production start.
    started = {"in_production": (4.6, 19.0, 240), "halted_built_long": (7, 16, 240),
               "halted_built_recent": (7, 16, 240), "completed": (3.2, 5.5, 200),
               "halted_low_developed": (4, 7, 200), "halted_low_invested": (4, 7, 200),
               "halted_not_due": (3, 5, 240), "under_construction": (1.5, 3.5, 120)}
    for name, (lo, hi, late) in started.items():
        m, k = sel(name)
        S[m] = -u(lo, hi, k) * Y
        G[m] = S[m] + u(90, 365, k)
        T[m] = G[m] + u(-30, late, k)
        P[m] = T[m] + u(365, 900, k)
    m, k = sel("old_no_agreed_start")  # old contracts without a recorded start date
    S[m] = -u(19, 23, k) * Y
    T[m] = S[m] + u(120, 500, k)
    P[m] = T[m] + u(365, 800, k)
    m, k = sel("completed")  # completed (竣工) 1-2 years after the start, before DEMO_AS_OF
    P[m] = T[m] + 400 + u(0, 1, k) * (np.minimum(800, -30 - T[m]) - 400)
    m, k = sel("halted_built_long")
    H[m] = -(400 + u(0, 1, k) * (np.minimum(1000, -(P[m] + 365)) - 400))
    m, k = sel("halted_built_recent")
    H[m] = -u(30, 330, k)
    for name in ("halted_low_developed", "halted_low_invested"):
        m, k = sel(name)
        H[m] = -(400 + u(0, 1, k) * (np.minimum(900, -T[m] - 60) - 400))
        P[m] = np.nan
    m, k = sel("halted_not_due")
    H[m] = -u(30, 330, k)
    P[m] = np.nan
    m, _ = sel("under_construction")
    P[m] = np.nan

    # Not started: agreed start relative to DEMO_AS_OF, supply a few months before it.
    unstarted = {"unstarted_recover": (-4.5 * Y, -2 * Y - 20),
                 "unstarted_idle_fee": (-2 * Y + 20, -Y - 20),
                 "unstarted_government": (-4 * Y, -1.2 * Y),
                 "unstarted_force_majeure": (-3 * Y, -1.2 * Y),
                 "supplied_not_due": (-Y + 20, -20),
                 "supplied_future_start": (30, 300)}
    for name, (lo, hi) in unstarted.items():
        m, k = sel(name)
        G[m] = u(lo, hi, k)
        S[m] = np.minimum(G[m], -30) - u(90, 365, k)
    m, k = sel("unstarted_leap_day")
    G[m] = float((np.datetime64("2024-02-29") - _AS_OF).astype(int))
    S[m] = G[m] - 150
    m, k = sel("supplied_no_agreed_start")  # 划拨 decision without a start date
    S[m] = -u(200, 900, k)
    C = np.where(np.isnan(G), np.nan, G + rng.uniform(540, 1095, n))
    return {"supply": S, "agreed_start": G, "agreed_completion": C, "actual_start": T,
            "production": P, "halted": H}


def _parcel_attributes(lay: SimpleNamespace, geoms: np.ndarray, profile: np.ndarray,
                       hills: np.ndarray, rng: np.random.Generator) -> dict[str, object]:
    """Every parcel column except holder (set with the ledger) and geometry."""
    n = lay.n
    names = np.array([p[0] for p in _PROFILES])[profile]
    status = np.array([p[1] for p in _PROFILES])[profile]
    is_ = {name: names == name for name in _PROFILE}
    reserve = is_["reserve"]
    area = shapely.area(geoms)
    mu = area / M2_PER_MU
    dates = _parcel_dates(profile, rng)
    supply_year = 2026.5 + dates["supply"] / _DAYS_PER_YEAR

    # Identifiers: 宗地代码 = county + 地籍区 + 地籍子区 + GB + serial within the quadrant.
    qfirst = np.r_[0, np.flatnonzero(np.diff(lay.quad)) + 1]
    serial = np.arange(n) - np.repeat(qfirst, np.diff(np.r_[qfirst, n])) + 1
    jjq = lay.tile // 200 + 1
    jjzq = (lay.tile % 200) * 4 + lay.quad % 4 + 1
    parcel_id = _concat("340104", _zfill(jjq, 3), _zfill(jjzq, 3), "GB", _zfill(serial, 5))

    # Industry, land use.
    codes = np.array([c for c, *_ in _INDUSTRIES])
    industry = _pick(rng, codes, n, p=[w for _c, w, *_ in _INDUSTRIES]).astype(object)
    land_use = np.select([np.isin(industry, list(_HEAVY)), np.isin(industry, list(_NUISANCE))],
                         ["100103", "100102"], "100101").astype(object)
    land_use[rng.random(n) < 0.06] = "1101"
    land_use[is_["old_no_agreed_start"] & (rng.random(n) < 0.3)] = "1001"
    land_use[reserve] = _pick(rng, ["100101", "100102", "1101"], int(reserve.sum()), p=[6, 3, 1])
    industry[reserve] = None

    # Money (万元): land price by year of sale, agreed investment by 投资强度, investment made.
    price = np.where(reserve, np.nan, mu * (6.0 + (supply_year - 2003)) * rng.uniform(0.85, 1.2, n))
    intensity = np.where(supply_year < 2012, rng.uniform(150, 300, n),
                         rng.uniform(250, 600, n) * (1 + 0.02 * (supply_year - 2012)))
    agreed = np.where(reserve, np.nan, mu * intensity)
    agreed[is_["old_no_agreed_start"] & (rng.random(n) < 0.5)] = np.nan
    built = np.isin(names, [*_PRODUCING, "completed"])

    def shares(ranges: dict[str, tuple[float, float]]) -> np.ndarray:
        out = np.zeros(n)
        for name, (lo, hi) in ranges.items():
            out[is_[name]] = rng.uniform(lo, hi, int(is_[name].sum()))
        return out

    # Shares of the agreed investment made and of the land developed (halted: below or above
    # the idle-land thresholds of 25 % and 1/3).
    full = dict.fromkeys(_PRODUCING, (0.85, 1.25))
    frac = shares({**full, "completed": (0.85, 1.1), "under_construction": (0.2, 0.8),
                   "halted_low_developed": (0.3, 0.6), "halted_low_invested": (0.05, 0.2),
                   "halted_not_due": (0.1, 0.4)})
    low = np.isin(names, ["in_production", "old_no_agreed_start"]) & (rng.random(n) < 0.08)
    frac[low] = rng.uniform(0.4, 0.7, int(low.sum()))  # under-invested factories
    invested = np.where(np.isnan(agreed), mu * rng.uniform(150, 400, n), agreed) * frac
    invested[reserve] = np.nan
    dev = shares({**dict.fromkeys([*_PRODUCING, "completed"], (1.0, 1.0)),  # built: all of it
                  "under_construction": (0.3, 0.95), "halted_low_developed": (0.05, 0.28),
                  "halted_low_invested": (0.4, 0.8), "halted_not_due": (0.05, 0.25)})

    # Buildings: floor-area ratio and coverage pass the 2008 indicators, except a few.
    far_min = pd.Series({c: f for c, _w, _name, f in _INDUSTRIES})
    fmin = pd.Series(industry).map(far_min).fillna(0.7).to_numpy()
    far = rng.uniform(np.maximum(0.6, fmin * 1.05), 2.0)
    fails = rng.random((n, 4)) < 0.06
    far[fails[:, 0]] = (fmin * rng.uniform(0.5, 0.9, n))[fails[:, 0]]
    cover = np.where(fails[:, 1], rng.uniform(0.18, 0.28, n), rng.uniform(0.32, 0.6, n))
    cover = np.minimum(cover, far)
    green = np.where(fails[:, 2], rng.uniform(0.21, 0.3, n), rng.uniform(0.06, 0.18, n))
    admin = np.where(fails[:, 3], rng.uniform(0.075, 0.12, n), rng.uniform(0.02, 0.065, n))
    progress = np.where(built, 1.0, dev * shares({  # share of the planned buildings standing
        "under_construction": (0.3, 0.9), "halted_low_developed": (0.3, 0.7),
        "halted_low_invested": (0.3, 0.7), "halted_not_due": (0.3, 0.7)}))
    green_share = np.where(built, 1.0, 0.0)

    # Levelled: started sites are; unstarted ones where the terrain varies by ≤ 2 m.
    unstarted = np.isin(names, _UNSTARTED)
    leveled = np.ones(n, dtype=bool)
    i = np.flatnonzero(unstarted)
    if i.size:
        gu = lay.u0[i, None] + (lay.width[i, None] - 10) * np.array([0.0, 0.5, 1.0]) + 5
        gv = (lay.depth[i, None] - 10) * np.array([0.0, 0.5, 1.0]) + 5
        uu = np.repeat(gu, 3, axis=1)
        vv = np.tile(gv, 3)
        x, y = _to_xy(lay, np.repeat(i[:, None], 9, axis=1), uu, vv)
        z = _elevation(lay, x.ravel(), y.ravel(), hills).reshape(-1, 9)
        leveled[i] = np.ptp(z, axis=1) <= 2.0

    idle_cause = np.full(n, None, dtype=object)
    enterprise = np.isin(names, ["unstarted_recover", "unstarted_idle_fee", "unstarted_leap_day",
                                 "halted_low_developed", "halted_low_invested"])
    idle_cause[enterprise & (rng.random(n) < 0.5)] = "enterprise"  # empty means enterprise too
    idle_cause[is_["unstarted_government"]] = "government"
    idle_cause[is_["unstarted_force_majeure"]] = "force_majeure"

    syear = np.where(np.isnan(supply_year), 0, np.floor(supply_year)).astype(int)
    order = pd.Series(parcel_id).groupby(syear).cumcount().to_numpy() + 1
    parcel_name = np.where(reserve, _concat("CB-", _zfill(np.cumsum(reserve), 4)),
                           _concat("JK", syear.astype(str), "-", _zfill(order, 3)))
    cx, cy = shapely.get_coordinates(shapely.centroid(geoms)).T
    map_sheet = _concat(np.floor(cy / 1000).astype(np.int64).astype(str), ".0-",
                        np.floor(cx / 1000).astype(np.int64).astype(str), ".0")

    def m2(share):
        return np.round(area * share, 2)

    declared = built & (rng.random(n) < 0.6)
    return {
        "parcel_id": parcel_id.astype(object),
        "parcel_name": parcel_name.astype(object),
        "holder": None,
        "land_use": land_use,
        "area_declared_m2": np.round(area * (1 + rng.normal(0, 0.002, n)), 2),
        "industry_code": industry,
        "status": status.astype(object),
        "supply_date": _days(dates["supply"]),
        "agreed_start_date": _days(dates["agreed_start"]),
        "agreed_completion_date": _days(dates["agreed_completion"]),
        "actual_start_date": _days(dates["actual_start"]),
        "halted_since": _days(dates["halted"]),
        "idle_cause": idle_cause,
        "land_price_wan": np.round(price, 2),
        "agreed_investment_wan": np.round(agreed, 2),
        "invested_wan": np.round(invested, 2),
        "developed_area_m2": m2(dev),
        "floor_area_m2": m2(far * progress),
        "footprint_area_m2": m2(cover * progress),
        "green_area_m2": m2(green * green_share),
        "admin_area_m2": m2(admin * progress),
        "site_leveled": leveled,
        "floor_area_ratio_declared": np.where(declared, np.round(far, 2), np.nan),
        "building_density_pct_declared": np.where(declared, np.round(100 * cover, 1), np.nan),
        "map_sheet": map_sheet.astype(object),
        # for the ledger, not columns:
        "_profile": names,
        "_mu": mu,
        "_dates": dates,
    }


