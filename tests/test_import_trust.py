"""Importing real files (issue 17, items 3–9): an explicit choice (--field, --crs, --encoding)
wins over a guess, an unclear input is refused in one line saying what to do, an import that
keeps nothing writes nothing, and the exit status tells all kept (0), written with rejects (1)
and nothing written (2) apart.

Every hostile file is built here with GDAL (pyogrio) or by hand, and imported through the
command line: in a fresh process where the exit status is the point, else through ``main``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from capped import landplan_cmd
from shapely.geometry import box

from landplan import Workspace
from landplan.cli import main

E38, E39, E40, N0 = 38_420_000.0, 39_500_000.0, 40_500_000.0, 3_500_000.0
HEFEI = (117.2, 31.8)  # longitude, latitude of a park in zone 39
URUMQI = (87.6, 43.8)  # a park in zone 29: swapped, it is still a valid lon/lat (in the Arctic)


def squares(x0: float, y0: float, n: int, size: float = 100.0) -> list:
    return [box(x0 + i * 2 * size, y0, x0 + i * 2 * size + size, y0 + size) for i in range(n)]


def cli(*args: str) -> subprocess.CompletedProcess:
    """``landplan ARGS`` in a fresh process."""
    return subprocess.run(landplan_cmd(*args), capture_output=True, text=True, timeout=120)


def import_args(src: Path, ws: Path, *more: str, layer: str = "parcels") -> list[str]:
    return ["import", str(src), "--layer", layer, "--workspace", str(ws), *more]


def written(ws: Path) -> list[str]:
    """What a workspace folder holds besides its lock file (taken before a layer is read)."""
    return sorted(str(p.relative_to(ws)) for p in ws.rglob("*") if p.name != ".landplan.lock")


def error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("landplan: error: ") and "Traceback" not in stderr
    return lines[0]


# ------------------------------------------------------------------ item 4: encoding judged

def dbf_without_cpg(tmp_path: Path, holders: list[str], encoding: str) -> Path:
    """A Shapefile whose .dbf holds ``holders`` in ``encoding``, language byte 0x57 (the
    system's ANSI code page: GBK on a Chinese Windows, CP1252 on a Western one), no .cpg."""
    frame = gpd.GeoDataFrame({"ZDDM": [f"P{i}" for i in range(len(holders))], "QLR": holders},
                             geometry=squares(E38, N0, len(holders)), crs="EPSG:4526")
    path = tmp_path / "lotes.shp"
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    (tmp_path / "lotes.cpg").unlink()
    dbf = bytearray((tmp_path / "lotes.dbf").read_bytes())
    dbf[29] = 0x57
    (tmp_path / "lotes.dbf").write_bytes(bytes(dbf))
    return path


def test_latin1_dbf_is_not_read_as_gbk(tmp_path, capsys):
    holders = ["Alto da Nação", "Nações Unidas Ltda", "São Paulo Têxtil"]
    path = dbf_without_cpg(tmp_path, holders, "cp1252")
    raw = (tmp_path / "lotes.dbf").read_bytes()
    assert b"Alto da Na\xe7\xe3o" in raw
    assert [h.encode("cp1252").decode("gb18030") for h in holders][0] == "Alto da Na玢o"  # GBK reads it
    assert main(import_args(path, tmp_path / "ws")) == 0
    out = capsys.readouterr().out
    assert "  encoding: CP1252" in out
    assert ("lotes.shp: encoding detected as CP1252 (no .cpg; language byte 0x57; as GBK it reads "
            "'S鉶 Paulo T陎til', implausible as Chinese: give --encoding gbk if it is Chinese)") in out
    assert Workspace(tmp_path / "ws").read("parcels")["holder"].tolist() == holders
    # the explicit choice wins over the judgement
    assert main(import_args(path, tmp_path / "ws2", "--encoding", "gbk")) == 0
    assert Workspace(tmp_path / "ws2").read("parcels")["holder"].iloc[0] == "Alto da Na玢o"


@pytest.mark.parametrize(("holders", "note"), [
    (["合肥甲科技有限公司", "安徽乙新材料股份有限公司"], "(no .cpg; language byte 0x57; --encoding changes it)"),
    # both readings plausible: GBK kept, the other named with the option that picks it
    (["A区", "B区"], "(no .cpg; language byte 0x57; it also reads as CP1252 ('AÇø' instead of "
                    "'A区'): give --encoding cp1252 if that is right)"),
])
def test_gbk_dbf_without_cpg_stays_gbk(tmp_path, capsys, holders, note):
    path = dbf_without_cpg(tmp_path, holders, "GBK")
    assert main(import_args(path, tmp_path / "ws")) == 0
    out = capsys.readouterr().out
    assert f"lotes.shp: encoding detected as GBK {note}" in out
    assert Workspace(tmp_path / "ws").read("parcels")["holder"].tolist() == holders


def test_latin1_csv_is_not_read_as_gbk(tmp_path, capsys):
    assert main(import_args(_gpkg_parcels(tmp_path, ["P0", "P1"]), tmp_path / "ws")) == 0
    table = tmp_path / "titulares.csv"
    table.write_bytes("parcel_id,holder\nP0,Alto da Nação\nP1,Indústria Têxtil\n".encode("cp1252"))
    assert table.read_bytes().decode("gb18030").endswith("P1,Ind鷖tria T陎til\n")  # GBK reads it
    capsys.readouterr()
    assert main(import_args(table, tmp_path / "ws")) == 0
    assert ("titulares.csv: encoding detected as CP1252 (not UTF-8; as GBK it reads "
            "'P1,Ind鷖tria T陎til', implausible as Chinese: give --encoding gbk if it is Chinese)"
            ) in capsys.readouterr().out
    holders = Workspace(tmp_path / "ws").read("parcels").set_index("parcel_id")["holder"]
    assert holders.to_dict() == {"P0": "Alto da Nação", "P1": "Indústria Têxtil"}


def _gpkg_parcels(tmp_path: Path, ids: list[str], crs: str = "EPSG:4527", x0: float = E39) -> Path:
    path = tmp_path / f"parcels-{len(ids)}-{crs[5:]}.gpkg"
    gpd.GeoDataFrame({"宗地代码": ids}, geometry=squares(x0, N0, len(ids)), crs=crs).to_file(path)
    return path


# ------------------------------------------------------------------ item 5: .prj against numbers

def test_prj_contradicting_the_coordinates_is_refused_naming_the_zone(tmp_path):
    frame = gpd.GeoDataFrame({"宗地号": ["A", "B"]}, geometry=squares(E38, N0, 2), crs="EPSG:4326")
    path = tmp_path / "宗地.shp"
    pyogrio.write_dataframe(frame, path, encoding="UTF-8")
    assert "WGS_1984" in (tmp_path / "宗地.prj").read_text()
    done = cli(*import_args(path, tmp_path / "ws"))
    assert done.returncode == 2, done.stderr
    line = error_line(done.stderr)
    assert re.search(r"宗地\.shp, field geometry: the coordinates \(x 38,420,150, y 3,500,000\) lie "
                     r"outside the area of use of WGS 84 \(from \.prj; .*\); they fit EPSG:4526 "
                     r"CGCS2000 / 3-degree Gauss-Kruger zone 38 \(the eastings carry the zone prefix "
                     r"38\): give --crs EPSG:4526$", line), line
    assert not (tmp_path / "ws").exists()
    # the explicit --crs wins over the .prj
    done = cli(*import_args(path, tmp_path / "ws", "--crs", "EPSG:4526"))
    assert done.returncode == 0, done.stderr
    assert "CRS: EPSG:4526 CGCS2000 / 3-degree Gauss-Kruger zone 38 (from --crs (the file says WGS 84))" \
        in done.stdout
    assert Workspace(tmp_path / "ws").read("parcels").total_bounds[0] == pytest.approx(E38)


@pytest.mark.parametrize(("crs", "geoms", "fit"), [
    ("EPSG:4527", squares(*HEFEI, 2, size=0.001),  # degrees under a Gauss-Krüger .prj
     r"\(x 117\.2.*, y 31\.8.*\) .* of CGCS2000 / 3-degree Gauss-Kruger zone 39 .*they fit "
     r"longitude/latitude in degrees: give --crs EPSG:4490 \(CGCS2000\) or --crs EPSG:4326"),
    ("EPSG:4490", squares(500_000, N0, 2),  # eastings without their zone under a geographic one
     r"they fit a transverse Mercator zone without prefix .*give --crs with the zone"),
])
def test_coordinates_in_other_units_name_what_they_fit(tmp_path, capsys, crs, geoms, fit):
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"宗地号": ["A", "B"]}, geometry=geoms, crs=crs).to_file(path)
    assert main(import_args(path, tmp_path / "ws")) == 2
    assert re.search(fit, error_line(capsys.readouterr().err))


def test_a_park_beyond_china_in_its_prj_zone_is_confirmed_with_crs(tmp_path, capsys):
    # Vientiane (102.6°E, 17.97°N) surveyed in CGCS2000 zone 35: 4.5° south of the zone's area
    path = tmp_path / "万象园区.gpkg"
    gpd.GeoDataFrame({"宗地号": ["A", "B"]}, geometry=squares(35_245_724.0, 1_989_305.0, 2),
                     crs="EPSG:4523").to_file(path)
    assert main(import_args(path, tmp_path / "ws")) == 2
    line = error_line(capsys.readouterr().err)
    assert re.search(r"万象园区\.gpkg, field geometry: the coordinates \(x 35,245,874, y 1,989,305\) "
                     r"lie outside the area of use of CGCS2000 / 3-degree Gauss-Kruger zone 35 \(from "
                     r"the file; longitude 103\.5…106\.51°, latitude 22\.5…42\.21°\); if the data "
                     r"really lies there \(beyond China\), confirm it with --crs EPSG:4523$", line), line
    assert main(import_args(path, tmp_path / "ws", "--crs", "EPSG:4523")) == 0
    assert Workspace(tmp_path / "ws").crs.to_epsg() == 4523


# ------------------------------------------------------------------ item 6: swapped lon/lat

def swapped_geojson(tmp_path: Path, lon: float, lat: float) -> Path:
    """Two parcels of a park at (lon, lat) written with the latitude in x."""
    path = tmp_path / f"swapped-{lon:g}.geojson"
    gpd.GeoDataFrame({"宗地号": ["A", "B"]}, geometry=squares(lat, lon, 2, size=0.001),
                     crs="EPSG:4326").to_file(path)
    return path


def test_swapped_latitude_longitude_is_refused(tmp_path, capsys):
    path = swapped_geojson(tmp_path, *HEFEI)
    assert main(import_args(path, tmp_path / "ws")) == 2
    line = error_line(capsys.readouterr().err)
    assert re.search(r"swapped-117\.2\.geojson, field geometry: the coordinates \(x 31\.8015, y 117\.2\) "
                     r"lie outside the area of use of WGS 84 .*; x holds latitudes and y longitudes "
                     r"\(latitude and longitude swapped\): swap x and y in the source \(longitude "
                     r"first\) and import again$", line), line
    assert not (tmp_path / "ws").exists()  # no layer in UTM 35N/36N to project the next import into


def test_swapped_park_that_lands_in_the_arctic_is_refused(tmp_path, capsys):
    path = swapped_geojson(tmp_path, *URUMQI)  # x 43.8, y 87.6: a valid point in the Arctic Ocean
    assert main(import_args(path, tmp_path / "ws")) == 2
    line = error_line(capsys.readouterr().err)
    assert "put the data at latitude 87.6° in the Arctic; read as latitude, longitude they lie in " \
           "China: x holds latitudes and y longitudes (swapped)" in line
    # an explicit --crs is the user's word that the data is where it says
    assert main(import_args(path, tmp_path / "ws", "--crs", "EPSG:4326")) == 0
    assert Workspace(tmp_path / "ws").crs.to_epsg() == 32638  # UTM 38N, as asked


