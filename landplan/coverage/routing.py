"""Routing along roads: the noded road graph, its multi-source Dijkstra from a network
(``scipy.sparse.csgraph``) and the routed extension of every gap parcel
(:func:`landplan.coverage.extension_routes` gives the model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from ..ruleset import RuleSet
from .lines import NETWORK_TYPES, _from_wkb, _wkb
from .nearest import _nearest

if TYPE_CHECKING:
    from .networks import Networks


NODE_DECIMALS = 3
"""Road vertices are merged into one graph node when equal after rounding to this many decimals (mm)."""

_EPS_M = 1e-9
"""Added to the zero-length stubs of the routing graph (scipy sparse graphs drop zero weights)."""




class _RoadGraph:
    """Noded road centrelines as a weighted undirected graph of straight segments."""

    def __init__(self, road_geoms: np.ndarray) -> None:
        road_geoms = road_geoms[~shapely.is_missing(road_geoms)]
        road_geoms = road_geoms[~shapely.is_empty(road_geoms)]
        self.empty = len(road_geoms) == 0
        if self.empty:
            self.seg_uv = np.zeros((0, 2), dtype=np.int64)
            self.nodes_xy = np.zeros((0, 2))
            return
        noded = shapely.node(shapely.GeometryCollection(list(road_geoms)))  # splits at crossings
        parts = shapely.get_parts(noded)
        coords, which = shapely.get_coordinates(parts, return_index=True)
        same = which[:-1] == which[1:]
        a, b = coords[:-1][same], coords[1:][same]
        keep = np.any(a != b, axis=1)
        a, b = a[keep], b[keep]
        key = np.round(np.vstack([a, b]), NODE_DECIMALS)
        # unique (x, y) pairs in lexicographic order, through a complex view (one 1-D sort; the
        # same order as np.unique(axis=0), several times faster)
        keys, inv = np.unique(key[:, 0] + 1j * key[:, 1], return_inverse=True)
        self.nodes_xy = np.c_[keys.real, keys.imag]
        inv = inv.ravel()
        u, v = inv[: len(a)], inv[len(a) :]
        self.seg_uv = np.c_[u, v]
        self.seg_len = np.hypot(*(b - a).T)
        self.segments = shapely.linestrings(np.stack([a, b], axis=1))
        self.tree = shapely.STRtree(self.segments)
        self.points = shapely.points(self.nodes_xy)
        # both directions; of parallel segments between two nodes the shortest is the edge
        eu, ev, ew = np.r_[u, v], np.r_[v, u], np.r_[self.seg_len, self.seg_len]
        order = np.lexsort((ew, ev, eu))
        eu, ev, ew = eu[order], ev[order], ew[order]
        first = np.r_[True, (eu[1:] != eu[:-1]) | (ev[1:] != ev[:-1])]
        self.edges = (eu[first], ev[first], ew[first])

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for name in ("segments", "points"):
            if name in state:
                state[name] = _wkb(state[name])
        state.pop("tree", None)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for name in ("segments", "points"):
            if name in state:
                state[name] = _from_wkb(state[name])
        if "segments" in state:
            state["tree"] = shapely.STRtree(state["segments"])
        self.__dict__.update(state)

    def from_network(self, net: np.ndarray, tolerance: float, *, paths: bool):
        """Multi-source Dijkstra from the road nodes within ``tolerance`` of the network lines.

        A source node starts at its distance to the network (the straight stub from the network
        to the road). Returns (distance per node (inf when unreachable), paths or None, index of
        the nearest network line per source node).
        """
        dist = np.full(len(self.nodes_xy), np.inf)
        if self.empty or len(net) == 0:
            return dist, None, {}
        near_idx, near_d = _nearest(net, self.points, tolerance, beyond=False)
        cand = np.flatnonzero(near_idx >= 0)
        if len(cand) == 0:
            return dist, None, {}
        near_idx, near_d = near_idx[cand], near_d[cand]
        # one Dijkstra from a virtual source joined to every source node by its stub (scipy's
        # sparse graphs drop zero weights, so stubs carry _EPS_M, taken off afterwards)
        n = len(self.nodes_xy)
        eu, ev, ew = self.edges
        graph = csr_matrix((np.r_[ew, near_d + _EPS_M], (np.r_[eu, np.full(len(cand), n)], np.r_[ev, cand])),
                           shape=(n + 1, n + 1))
        if paths:
            lengths, pred = dijkstra(graph, directed=True, indices=n, return_predecessors=True)
        else:
            lengths, pred = dijkstra(graph, directed=True, indices=n), None
        dist = lengths[:n] - _EPS_M
        return dist, pred, dict(zip(cand.tolist(), near_idx.tolist(), strict=True))

    def path(self, pred: np.ndarray, node: int) -> list[int]:
        """Road nodes from the first one after the network to ``node`` (Dijkstra predecessors)."""
        out = [int(node)]
        source = len(self.nodes_xy)
        while pred[out[-1]] != source:
            out.append(int(pred[out[-1]]))
        return out[::-1]


def _route_all(
    metric: gpd.GeoDataFrame,
    nets: Networks,
    near: dict[str, tuple[np.ndarray, np.ndarray]],
    rules: RuleSet,
    *,
    geometry: bool,
) -> dict[str, dict[str, np.ndarray]]:
    """Routed extension for every gap parcel of every type (see :func:`extension_routes`)."""
    cov = rules.coverage
    geoms = np.asarray(metric.geometry.array, dtype=object)
    n = len(geoms)
    graph = nets.graph
    max_service = max(float(cov.service_distance_m[t]) for t in NETWORK_TYPES)
    seg_idx = seg_d = None
    out: dict[str, dict[str, np.ndarray]] = {}
    for t in NETWORK_TYPES:
        line_idx, dist = near[t]
        service = float(cov.service_distance_m[t])
        gap = ~(dist <= service) & ~np.isnan(dist)
        length = dist.copy()
        routed = np.zeros(n, dtype=bool)
        geom_out = np.full(n, None, dtype=object)
        net = nets.lines[t]
        if gap.any() and not graph.empty:
            node_d, paths, src_line = nets.sources[t]
            if seg_idx is None:  # the parcel's nearest road segment, if within some service distance
                seg_idx, seg_d = _nearest(graph.segments, geoms, max_service, beyond=False, tree=graph.tree)
            g = np.flatnonzero(gap & (seg_idx >= 0) & (seg_d <= service))
            s = seg_idx[g]
            shortest = shapely.shortest_line(geoms[g], graph.segments[s])  # parcel → road
            road_pt = shapely.get_coordinates(shapely.get_point(shortest, 1))
            u, v = graph.seg_uv[s, 0], graph.seg_uv[s, 1]
            du = node_d[u] + np.hypot(*(road_pt - graph.nodes_xy[u]).T)
            dv = node_d[v] + np.hypot(*(road_pt - graph.nodes_xy[v]).T)
            best = np.minimum(du, dv)
            ok = np.isfinite(best)
            total = np.maximum(best + seg_d[g], dist[g])  # ≥ straight: guard against rounding
            length[g[ok]] = total[ok]
            routed[g[ok]] = True
            if geometry:
                via = np.where(du <= dv, u, v)
                for k in np.flatnonzero(ok):  # one geometry per routed gap: output building only
                    node_path = graph.path(paths, int(via[k]))
                    first = node_path[0]
                    net_line = net[src_line[first]]
                    start = shapely.shortest_line(graph.points[first], net_line)
                    pts = [shapely.get_coordinates(start)[1]]
                    pts.extend(graph.nodes_xy[node_path])
                    pts.append(road_pt[k])
                    pts.append(shapely.get_coordinates(shortest[k])[0])
                    geom_out[g[k]] = _dedupe_line(np.asarray(pts))
        if geometry:
            straight = np.flatnonzero(gap & ~routed)
            if len(straight):
                # network → parcel, straight
                sl = shapely.shortest_line(net[line_idx[straight]], geoms[straight])
                geom_out[straight] = sl
        out[t] = {"gap": gap, "length": length, "routed": routed, "geometry": geom_out}
    return out


def _dedupe_line(pts: np.ndarray) -> shapely.LineString:
    keep = np.r_[True, np.any(np.abs(np.diff(pts, axis=0)) > 0, axis=1)]
    pts = pts[keep]
    if len(pts) == 1:
        pts = np.vstack([pts, pts])
    return shapely.LineString(pts)
