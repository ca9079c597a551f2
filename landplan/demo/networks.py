"""The demo park's networks: roads with their names and statuses, pipelines of every kind under
the roads (with deliberate gaps), 10 kV and 110 kV power lines, and the facilities (substations,
water and sewage plants, a gas station, a heat source) at road intersections.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import shapely

from .base import _TILE, _UNSTARTED, _cn_number, _concat, _road_names, _zfill

_ARTERIAL_STEMS = ("繁华", "锦绣", "明珠", "方兴", "翡翠", "紫云", "云谷", "始信", "九龙", "汤口",
                   "玉兰", "丹霞", "天都", "石门", "清潭", "百鸟", "蓬莱", "徽州", "莲花", "芙蓉")
_SECONDARY_STEMS = ("宿松", "望江", "潜山", "黄山", "歙县", "祁门", "休宁", "绩溪", "泾县", "旌德",
                    "青阳", "东至", "石台", "怀宁", "枞阳", "桐城", "舒城", "霍山", "寿县", "凤台",
                    "颍上", "蒙城", "涡阳", "利辛", "萧县", "砀山", "灵璧", "泗县", "五河", "固镇")
_BRANCH_STEMS = ("桃花", "海棠", "香樟", "银杏", "梧桐", "玉屏", "莲塘", "合欢", "百花", "云海",
                 "松林", "枫林", "青龙", "紫蓬", "圣泉", "天门", "桂花", "湖光", "杨林", "秀水",
                 "凤凰", "习友", "耕耘", "创新", "科学", "汤池", "金桂", "翠竹", "兰亭", "荷塘",
                 "柳溪", "青松", "碧波", "朝阳", "春晖", "秋实", "丰乐", "长宁", "永和", "安庆")
# Pipelines: kind → (ID prefix after CJJ 61 codes, offset from the centreline as a share of the
# half width, diameters (mm) on arterial / secondary / branch roads).
_PIPES: dict[str, tuple[str, float, tuple[tuple[int, ...], ...]]] = {
    "water": ("JS", 0.55, ((600, 800, 1000), (300, 400), (200, 300))),
    "sewer": ("WS", -0.3, ((800, 1000, 1200), (500, 600), (400,))),
    "storm": ("YS", 0.2, ((1200, 1500, 1800), (800, 1000), (600, 800))),
    "gas": ("RQ", -0.6, ((300, 400), (200,), (150,))),
    "heat": ("RL", -0.8, ((500, 600), (300, 400), (200,))),
    "telecom": ("TX", 0.75, ((110,), (110,), (110,))),
    "reclaimed": ("ZS", -0.45, ((300, 400), (200,), (200,))),
}
# ------------------------------------------------------------------------------------------
# Networks
# ------------------------------------------------------------------------------------------


def _roads(lay: SimpleNamespace, attrs: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Road segments between junctions, named, with a status from how built-up the land is."""
    nx, ny = lay.nx, lay.ny
    Qn = lay.nquads
    unstarted = np.isin(attrs["_profile"], _UNSTARTED)
    q_n = np.bincount(lay.quad, minlength=Qn).astype(float)
    q_new = np.bincount(lay.quad, unstarted, minlength=Qn)
    q_frac = np.divide(q_new, q_n, out=np.ones(Qn), where=q_n > 0)
    t_n = q_n.reshape(-1, 4).sum(1)
    t_frac = np.divide(q_new.reshape(-1, 4).sum(1), t_n, out=np.ones(lay.ntiles), where=t_n > 0)

    segs: list[dict[str, np.ndarray]] = []

    def add(x0, y0, x1, y1, grade, width, name, fr_a, n_a, fr_b, n_b, tile):
        segs.append({"x0": x0, "y0": y0, "x1": x1, "y1": y1, "grade": np.full(x0.size, grade),
                     "width": width, "name": name, "fa": fr_a, "na": n_a, "fb": fr_b, "nb": n_b,
                     "tile": tile})

    art_ns = _road_names(_ARTERIAL_STEMS, nx + ny + 2, "大道")
    sec_names = _road_names(_SECONDARY_STEMS, nx + ny, "路")
    def tile_at(i, j):  # park tile at grid column i, row j (-1 outside)
        ok = (i >= 0) & (i < nx) & (j >= 0) & (j < ny)
        return np.where(ok, lay.grid[np.clip(j, 0, ny - 1), np.clip(i, 0, nx - 1)], -1)

    def arterials(i, j, ta, tb):  # segments with a park tile on either side
        keep = (ta >= 0) | (tb >= 0)
        i, j, ta, tb = i[keep], j[keep], ta[keep], tb[keep]
        na, nb = np.where(ta >= 0, t_n[ta], 0), np.where(tb >= 0, t_n[tb], 0)
        return i, j, dict(fr_a=t_frac[ta], n_a=na, fr_b=t_frac[tb], n_b=nb,
                          tile=np.where(tb >= 0, tb, ta))

    # Arterials: north-south line i between tiles (i-1, j) and (i, j), then east-west line j.
    i, j = (a.ravel() for a in np.meshgrid(np.arange(nx + 1), np.arange(ny), indexing="ij"))
    i, j, side = arterials(i, j, tile_at(i - 1, j), tile_at(i, j))
    add(i * _TILE, j * _TILE, i * _TILE, (j + 1) * _TILE, "arterial", lay.wa_x[i], art_ns[i],
        **side)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(nx), np.arange(ny + 1), indexing="ij"))
    i, j, side = arterials(i, j, tile_at(i, j - 1), tile_at(i, j))
    add(i * _TILE, j * _TILE, (i + 1) * _TILE, j * _TILE, "arterial", lay.wa_y[j],
        art_ns[nx + 1 + j], **side)
    # Secondaries: two segments per tile each way, between the quadrants they separate.
    t = np.repeat(np.arange(lay.ntiles), 2)
    h = np.tile([0, 1], lay.ntiles)
    ti, tj = lay.tile_i[t], lay.tile_j[t]
    qa, qb = 4 * t + 2 * h, 4 * t + 2 * h + 1  # N-S: quadrants (0, h) and (1, h)
    x = ti * _TILE + _TILE / 2
    add(x, tj * _TILE + h * _TILE / 2, x, tj * _TILE + (h + 1) * _TILE / 2, "secondary",
        lay.ws_x[ti], sec_names[ti], q_frac[qa], q_n[qa], q_frac[qb], q_n[qb], t)
    qa, qb = 4 * t + h, 4 * t + h + 2  # E-W: quadrants (h, 0) and (h, 1)
    y = tj * _TILE + _TILE / 2
    add(ti * _TILE + h * _TILE / 2, y, ti * _TILE + (h + 1) * _TILE / 2, y, "secondary",
        lay.ws_y[tj], sec_names[nx + tj], q_frac[qa], q_n[qa], q_frac[qb], q_n[qb], t)
    # Branch roads: one per split quadrant, from road to road.
    qb_ = np.flatnonzero(lay.q_has_b[:Qn])
    vert = lay.q_b_vert[qb_]
    bx0 = np.where(vert, lay.q_xb[qb_], lay.q_cx0[qb_])
    bx1 = np.where(vert, lay.q_xb[qb_], lay.q_cx1[qb_])
    by0 = np.where(vert, lay.q_cy0[qb_], lay.q_yb[qb_])
    by1 = np.where(vert, lay.q_cy1[qb_], lay.q_yb[qb_])
    add(bx0, by0, bx1, by1, "branch", lay.q_wb[qb_], _road_names(_BRANCH_STEMS, qb_.size, "路"),
        q_frac[qb_], q_n[qb_], q_frac[qb_], q_n[qb_], qb_ // 4)

    seg = {key: np.concatenate([s[key] for s in segs]) for key in segs[0]}
    grade = seg["grade"]
    both_empty = (seg["na"] == 0) & (seg["nb"] == 0)
    newest = np.where(seg["na"] > 0, seg["fa"], 1.0)
    newest = np.minimum(newest, np.where(seg["nb"] > 0, seg["fb"], 1.0))
    status = np.full(grade.size, "built", dtype=object)
    status[newest >= 0.75] = "under_construction"
    branch = grade == "branch"
    status[branch & (newest >= 0.5)] = "under_construction"
    status[branch & (newest >= 0.75)] = "planned"
    status[both_empty] = "planned"
    status[branch & (status == "built") & (rng.random(grade.size) < 0.02)] = "planned"
    for wanted in ("planned", "under_construction"):  # a few of each, whatever the draw
        if not (status == wanted).any():
            cand = np.flatnonzero((status == "built") & (grade != "arterial"))
            if cand.size:
                status[cand[np.argmax(newest[cand])]] = wanted
    x0, y0 = lay.origin
    seg["geometry"] = shapely.linestrings(
        np.stack([np.c_[seg["x0"] + x0, seg["y0"] + y0],
                  np.c_[seg["x1"] + x0, seg["y1"] + y0]], axis=1))
    seg["status"] = status
    seg["road_id"] = _concat("RD", _zfill(np.arange(grade.size) + 1, 6)).astype(object)
    seg["width_m"] = seg.pop("width")
    return seg


def _offset_lines(roads: dict, share: float) -> np.ndarray:
    """Road centrelines shifted sideways by ``share`` of the half width (x for N-S roads)."""
    off = share * roads["width_m"] / 2
    vertical = roads["x0"] == roads["x1"]
    dx, dy = np.where(vertical, off, 0.0), np.where(vertical, 0.0, off)
    x0, y0 = (np.round(v, 2) for v in (roads["x0"] + dx, roads["y0"] + dy))
    x1, y1 = (np.round(v, 2) for v in (roads["x1"] + dx, roads["y1"] + dy))
    return np.stack([np.c_[x0, y0], np.c_[x1, y1]], axis=1)


def _facility_sites(lay: SimpleNamespace, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Arterial intersections (i, j) hosting each kind of facility."""
    nx, ny = lay.nx, lay.ny
    ii, jj = np.meshgrid(np.arange(nx + 1), np.arange(ny + 1), indexing="ij")
    every = np.c_[ii.ravel(), jj.ravel()]
    around = np.zeros((len(every), 4), dtype=bool)  # the four tiles around each intersection
    for c, (di, dj) in enumerate(((-1, -1), (0, -1), (-1, 0), (0, 0))):
        ti, tj = every[:, 0] + di, every[:, 1] + dj
        ok = (ti >= 0) & (ti < nx) & (tj >= 0) & (tj < ny)
        around[ok, c] = lay.grid[tj[ok], ti[ok]] >= 0
    interior = every[around.all(axis=1)]
    every = every[around.any(axis=1)]
    pool = interior if len(interior) >= 3 else every
    subs = pool[(pool[:, 0] % 3 == 1) & (pool[:, 1] % 3 == 1)]
    lattice = len(subs) >= 3
    if not lattice:  # a small park: spread three substations (greedy farthest points)
        chosen = [pool[len(pool) // 2]] if not len(subs) else list(subs)
        while len(chosen) < min(3, len(pool)):
            d = np.min([np.abs(pool - c).sum(1) for c in chosen], axis=0)
            chosen.append(pool[int(np.argmax(d))])
        subs = np.array(chosen)
    count = max(1, lay.ntiles // 100)
    taken = {tuple(s) for s in subs}
    others = np.array([p for p in every if tuple(p) not in taken])
    inner = np.array([p for p in pool if tuple(p) not in taken])
    inner = inner if len(inner) else others
    sites = {"substation": subs}
    for kind in ("water_plant", "sewage_plant", "gas_station", "heat_source"):
        where = inner if kind == "heat_source" else others  # heat mains need the source inside
        sites[kind] = where[rng.choice(len(where), size=min(count, len(where)), replace=False)]
    sites["_lattice"] = np.array(lattice)
    return sites


# corner of the intersection each kind sits in (green belt), as signs (east, north)
_CORNER = {"substation": (1, 1), "water_plant": (-1, -1), "sewage_plant": (1, -1),
           "gas_station": (-1, 1), "heat_source": (1, 1)}


def _site_xy(lay: SimpleNamespace, kind: str, ij: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sx, sy = _CORNER[kind]
    i, j = ij[:, 0], ij[:, 1]
    return (i * _TILE + sx * (lay.wa_x[i] / 2 + 5), j * _TILE + sy * (lay.wa_y[j] / 2 + 5))


def _pipelines(lay: SimpleNamespace, roads: dict, sites: dict, rng: np.random.Generator
               ) -> dict[str, np.ndarray]:
    """Pipes of every kind under the roads, with gaps and planned stretches."""
    grade = roads["grade"]
    g = np.select([grade == "arterial", grade == "secondary"], [0, 1], 2)
    tile = roads["tile"]
    art = g == 0
    tiles = lay.ntiles
    gas_tile = rng.random(tiles) < 0.8
    sewer_tile = rng.random(tiles) < 0.9
    hi, hj = sites["heat_source"][:, 0], sites["heat_source"][:, 1]
    ti, tj = lay.tile_i, lay.tile_j
    heat_tile = ((np.abs(ti[:, None] + 0.5 - hi) <= 1)
                 & (np.abs(tj[:, None] + 0.5 - hj) <= 1)).any(axis=1)  # 2 × 2 tiles around
    p = {  # chance of a pipe along a road (arterial, secondary, branch) where the tile is served
        "water": ((1.0, 1.0, 0.97), np.ones(tiles, bool)),
        "sewer": ((1.0, 1.0, 0.85), sewer_tile),
        "storm": ((1.0, 1.0, 0.9), np.ones(tiles, bool)),
        "gas": ((0.85, 0.9, 0.7), gas_tile),
        "heat": ((1.0, 0.8, 0.0), heat_tile),
        "telecom": ((0.98, 0.98, 0.98), np.ones(tiles, bool)),
        "reclaimed": ((0.5, 0.2, 0.0), np.ones(tiles, bool)),
    }
    out: dict[str, list] = {k: [] for k in ("pipe_id", "kind", "diameter_mm", "status", "geometry")}
    x0, y0 = lay.origin
    for kind, (prefix, off, diam) in _PIPES.items():
        chance, served = p[kind]
        served_here = served[tile] | (art & (kind not in ("heat",)))
        exists = served_here & (rng.random(grade.size) < np.array(chance)[g])
        extra = ~exists & (rng.random(grade.size) < 0.1) & (np.array(chance)[g] > 0)
        status = roads["status"].copy()
        status[exists & (status == "built") & (rng.random(grade.size) < 0.04)] = "planned"
        status[extra] = "planned"
        for wanted, source in (("planned", "built"), ("built", "planned")):
            if not (status[exists | extra] == wanted).any():
                cand = np.flatnonzero((exists | extra) & (status == source))
                if cand.size:
                    status[cand[0]] = wanted
        keep = exists | extra
        k = int(keep.sum())
        table = np.array([[d[c % len(d)] for c in range(3)] for d in diam], dtype=float)
        d = table[g, rng.integers(0, 3, grade.size)][keep]
        coords = _offset_lines(roads, off)[keep] + np.array([x0, y0])
        out["kind"].append(np.full(k, kind, dtype=object))
        out["pipe_id"].append(_concat(prefix, _zfill(np.arange(k) + 1, 6)).astype(object))
        out["diameter_mm"].append(d)
        out["status"].append(status[keep])
        out["geometry"].append(shapely.linestrings(coords))
    return {key: np.concatenate(v) for key, v in out.items()}


def _powerlines(lay: SimpleNamespace, roads: dict, sites: dict, rng: np.random.Generator
                ) -> dict[str, np.ndarray]:
    """10 kV lines along the roads and 110 kV lines between substations along green belts."""
    grade = roads["grade"]
    keep = (grade != "branch") | (rng.random(grade.size) < 0.92)
    status = roads["status"].copy()
    status[(status == "built") & (rng.random(grade.size) < 0.05)] = "planned"
    if not (status[keep] == "planned").any():
        status[np.flatnonzero(keep)[0]] = "planned"
    if not (status[keep] == "built").any():
        status[np.flatnonzero(keep)[-1]] = "built"
    x0, y0 = lay.origin
    lines10 = shapely.linestrings(_offset_lines(roads, 0.9)[keep] + np.array([x0, y0]))
    laying10 = np.where(grade[keep] == "branch", "overhead", "cable")

    subs = sites["substation"]
    sx, sy = _site_xy(lay, "substation", subs)
    if bool(sites["_lattice"]):  # neighbours on the 3 km lattice
        key = {tuple(s): k for k, s in enumerate(subs)}
        pairs = [(key[tuple(s)], key[t]) for s in subs for t in
                 ((s[0] + 3, s[1]), (s[0], s[1] + 3)) if t in key]
    else:
        pairs = [(k, k + 1) for k in range(len(subs) - 1)]
    paths = [[(sx[a], sy[a]), (sx[b], sy[a]), (sx[b], sy[b])] for a, b in pairs]
    paths.append([(-1500.0, sy[0]), (sx[0], sy[0])])  # supply from outside the park
    lines110 = shapely.remove_repeated_points(np.array(
        [shapely.LineString(np.array(pth) + np.array([x0, y0])) for pth in paths], dtype=object))
    k10, k110 = int(keep.sum()), len(paths)
    return {
        "line_id": np.r_[_concat("L010-", _zfill(np.arange(k10) + 1, 6)),
                         _concat("L110-", _zfill(np.arange(k110) + 1, 6))].astype(object),
        "voltage_kv": np.r_[np.full(k10, 10.0), np.full(k110, 110.0)],
        "status": np.r_[status[keep], np.full(k110, "built", dtype=object)],
        "laying": np.r_[laying10, np.full(k110, "overhead")].astype(object),
        "geometry": np.r_[lines10, lines110],
    }


def _facilities(lay: SimpleNamespace, sites: dict) -> dict[str, np.ndarray]:
    """Substations and plants at the corners of arterial intersections."""
    spec = {  # kind: (ID prefix, name, capacities, unit)
        "substation": ("BDZ", "110kV变电站", (80.0, 100.0, 126.0, 150.0, 189.0), "MVA"),
        "water_plant": ("SC", "水厂", (10.0, 20.0, 30.0), "万m³/d"),
        "sewage_plant": ("WSC", "污水处理厂", (5.0, 10.0, 15.0), "万m³/d"),
        "gas_station": ("MZ", "天然气门站", (30.0, 50.0), "万Nm³/d"),
        "heat_source": ("RY", "热电厂", (220.0, 300.0, 480.0), "t/h"),
    }
    rows: dict[str, list] = {k: [] for k in ("facility_id", "name", "kind", "capacity",
                                              "capacity_unit", "status", "geometry")}
    x0, y0 = lay.origin
    places = _road_names(_BRANCH_STEMS[::-1], len(sites["substation"]), "")
    for kind, (prefix, label, caps, unit) in spec.items():
        ij = sites[kind]
        x, y = _site_xy(lay, kind, ij)
        k = len(ij)
        rows["facility_id"].append(_concat(prefix, _zfill(np.arange(k) + 1, 3)))
        if kind == "substation":  # 紫蓬110kV变电站; plants: 经开区水厂, 经开区第二水厂, …
            names = [f"{places[c]}{label}" for c in range(k)]
        else:
            names = [f"经开区{'' if c == 0 else '第' + _cn_number(c + 1)}{label}" for c in range(k)]
        rows["name"].append(np.array(names, dtype=object))
        rows["kind"].append(np.full(k, kind, dtype=object))
        rows["capacity"].append(np.array([caps[(i * 7 + j) % len(caps)] for i, j in ij], float))
        rows["capacity_unit"].append(np.full(k, unit, dtype=object))
        rows["status"].append(np.full(k, "built", dtype=object))
        rows["geometry"].append(shapely.points(x + x0, y + y0))
    return {key: np.concatenate(v) for key, v in rows.items()}


