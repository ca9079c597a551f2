"""Importing real files (issue 17, items 3–9): an explicit choice (--field, --crs, --encoding)
wins over a guess, an unclear input is refused in one line saying what to do, an import that
keeps nothing writes nothing, and the exit status tells all kept (0), written with rejects (1)
and nothing written (2) apart.

Every hostile file is built here with GDAL (pyogrio) or by hand, and imported through the
command line: in a fresh process where the exit status is the point, else through ``main``.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from capped import landplan_cmd
from shapely.geometry import LineString, Point, box

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
    return ["import", str(src), "--layer", layer, "--workspace", str(ws), "--lang", "en", *more]


def written(ws: Path) -> list[str]:
    """What a workspace folder holds besides its lock file (taken before a layer is read)."""
    return sorted(str(p.relative_to(ws)) for p in ws.rglob("*") if p.name != ".landplan.lock")


def refused(capsys, *args: str) -> str:
    """The one error line of ``landplan ARGS`` run through ``main``, which must exit 2."""
    capsys.readouterr()
    assert main(list(args)) == 2
    return error_line(capsys.readouterr().err)


def error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("landplan: error: ") and "Traceback" not in stderr
    return lines[0]


# ------------------------------------------------------------------ item 3: --field wins

def shapefile_with_two_ids(tmp_path: Path) -> Path:
    """A census-style Shapefile whose ``ID`` the aliases take for parcel_id."""
    frame = gpd.GeoDataFrame({"ID": ["1", "2", "3"], "CD_GEOCODI": ["3550308A", "3550308B", "3550308C"]},
                             geometry=squares(E38, N0, 3), crs="EPSG:4526")
    path = tmp_path / "setores.shp"
    pyogrio.write_dataframe(frame, path, encoding="UTF-8")
    return path


def test_field_mapping_wins_over_the_alias_table(tmp_path, capsys):
    path = shapefile_with_two_ids(tmp_path)
    ws = tmp_path / "ws"
    assert main(import_args(path, ws, "--field", "CD_GEOCODI=parcel_id")) == 0
    out = capsys.readouterr().out
    assert "field CD_GEOCODI -> parcel_id (--field)" in out
    assert "column ID also matches parcel_id; --field CD_GEOCODI=parcel_id wins, ID is kept " \
           "under its own name" in out
    parcels = Workspace(ws).read("parcels").sort_values("parcel_id")
    assert parcels["parcel_id"].tolist() == ["3550308A", "3550308B", "3550308C"]
    assert parcels["ID"].tolist() == ["1", "2", "3"]  # the column the alias took, not lost


def test_field_naming_no_column_or_one_column_twice_is_refused(tmp_path, capsys):
    path = shapefile_with_two_ids(tmp_path)
    ws = tmp_path / "ws"
    line = refused(capsys, *import_args(path, ws, "--field", "CD_GEOCOD=parcel_id"))
    assert re.search(r"setores\.shp, field CD_GEOCOD: --field CD_GEOCOD=parcel_id: no column "
                     r"'CD_GEOCOD'; the columns are: ID, CD_GEOCODI$", line), line
    line = refused(capsys, *import_args(path, ws, "--field", "ID=parcel_id", "--field", "CD_GEOCODI=parcel_id"))
    assert "--field ID=parcel_id and --field CD_GEOCODI=parcel_id both map onto parcel_id" in line
    assert not (ws / "parcels").exists()


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
    assert "CRS: CGCS2000 / 3-degree Gauss-Kruger zone 38 (EPSG:4526) (from --crs (the file says WGS 84))" \
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
    assert re.search(fit, refused(capsys, *import_args(path, tmp_path / "ws")))


def test_a_park_beyond_china_in_its_prj_zone_is_confirmed_with_crs(tmp_path, capsys):
    # Vientiane (102.6°E, 17.97°N) surveyed in CGCS2000 zone 35: 4.5° south of the zone's area
    path = tmp_path / "万象园区.gpkg"
    gpd.GeoDataFrame({"宗地号": ["A", "B"]}, geometry=squares(35_245_724.0, 1_989_305.0, 2),
                     crs="EPSG:4523").to_file(path)
    line = refused(capsys, *import_args(path, tmp_path / "ws"))
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
    line = refused(capsys, *import_args(path, tmp_path / "ws"))
    assert re.search(r"swapped-117\.2\.geojson, field geometry: the coordinates \(x 31\.8015, y 117\.2\) "
                     r"lie outside the area of use of WGS 84 .*; x holds latitudes and y longitudes "
                     r"\(latitude and longitude swapped\): swap x and y in the source \(longitude "
                     r"first\) and import again$", line), line
    assert not (tmp_path / "ws").exists()  # no layer in UTM 35N/36N to project the next import into


def test_swapped_park_that_lands_in_the_arctic_is_refused(tmp_path, capsys):
    path = swapped_geojson(tmp_path, *URUMQI)  # x 43.8, y 87.6: a valid point in the Arctic Ocean
    line = refused(capsys, *import_args(path, tmp_path / "ws"))
    assert "put the data at latitude 87.6° in the Arctic; read as latitude, longitude they lie in " \
           "China: x holds latitudes and y longitudes (swapped)" in line
    # an explicit --crs is the user's word that the data is where it says
    assert main(import_args(path, tmp_path / "ws", "--crs", "EPSG:4326")) == 0
    assert Workspace(tmp_path / "ws").crs.to_epsg() == 32638  # UTM 38N, as asked


# ------------------------------------------------------------------ item 7: wrong geometry, once

@pytest.mark.parametrize(("geoms", "message"), [
    ([LineString([(E39, N0 + i * 50), (E39 + 300, N0 + i * 50)]) for i in range(30)],
     "holds LineString features; parcels need 面 (polygon) geometry — import it as --layer roads "
     "(or pipelines, powerlines)?"),
    ([Point(E39 + i * 50, N0) for i in range(30)],
     "holds Point features; parcels need 面 (polygon) geometry — import it as --layer facilities?"),
])
def test_a_file_of_the_wrong_geometry_is_said_once(tmp_path, geoms, message):
    frame = gpd.GeoDataFrame({"道路名称": [f"经{i}路" for i in range(30)]}, geometry=geoms,
                             crs="EPSG:4527")
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    done = cli(*import_args(path, tmp_path / "ws"))
    assert done.returncode == 2
    assert error_line(done.stderr).endswith(f"p.shp, field geometry: {message}")
    assert not (tmp_path / "ws").exists()


def test_rejected_features_are_listed_up_to_twenty(tmp_path):
    status = ["已投产"] * 5 + ["施工中"] * 25
    frame = gpd.GeoDataFrame({"宗地代码": [f"P{i:02d}" for i in range(30)], "状态": status},
                             geometry=squares(E39, N0, 30), crs="EPSG:4527")
    path = tmp_path / "p.gpkg"
    frame.to_file(path)
    done = cli(*import_args(path, tmp_path / "ws"))
    assert done.returncode == 1, done.stderr  # item 9: written, some rejected
    assert "read: 30  imported: 5  repaired: 0  rejected: 25" in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 21
    assert re.search(r"p\.gpkg, feature 6, field 状态: unknown value '施工中' \(expected one of: "
                     r".*reserve 储备/未供, .*in_production 投产, halted 停工/停产\)$", lines[0]), lines[0]
    assert lines[19].endswith("p.gpkg, feature 25, field 状态: " + lines[0].split("状态: ")[1])
    rejects = tmp_path / "ws" / "parcels" / "parcels.rejects.csv"
    assert lines[20] == f"landplan: rejected: … and 5 more in {rejects}"
    assert len(pd.read_csv(rejects, encoding="utf-8-sig")) == 25
    assert len(Workspace(tmp_path / "ws").read("parcels")) == 5


# ------------------------------------------------------------------ item 8: nothing kept, nothing written

def test_an_import_that_keeps_nothing_writes_nothing(tmp_path):
    ws = tmp_path / "ws"
    bad = tmp_path / "bad.geojson"  # in degrees near Hefei: a written layer would fix zone 39
    gpd.GeoDataFrame({"宗地代码": ["A", "B", None], "状态": ["施工中", "已投产", "已投产"],
                      "宗地面积": [100.0, -5.0, 100.0]},
                     geometry=squares(*HEFEI, 3, size=0.001), crs="EPSG:4490").to_file(bad)
    done = cli(*import_args(bad, ws))
    assert done.returncode == 2
    *rejected, last = done.stderr.strip().splitlines()
    assert re.search(r"bad\.geojson: none of its 3 features can be kept, so nothing was written; "
                     r"the first: feature 1, field 状态: unknown value '施工中' \(expected one of: .*\)$",
                     last), last
    assert [re.sub(r"^landplan: rejected: .*bad\.geojson, ", "", r) for r in rejected] == [
        rejected[0].split("bad.geojson, ")[1],
        "feature 2, field 宗地面积: negative value -5 (must be ≥ 0)",
        "feature 3, field 宗地代码: empty parcel_id (宗地号)"]
    assert not ws.exists()  # not even the folder or its lock file
    # the next good import is not projected into a CRS guessed from the bad one
    good = _gpkg_parcels(tmp_path, ["P0", "P1"], crs="EPSG:4528", x0=E40)
    assert cli(*import_args(good, ws)).returncode == 0
    assert Workspace(ws).crs.to_epsg() == 4528


def test_one_reason_for_every_feature_is_said_once_and_the_layer_kept(tmp_path):
    ws = tmp_path / "ws"
    assert cli(*import_args(_gpkg_parcels(tmp_path, ["P0", "P1"]), ws)).returncode == 0
    before = {p.name: p.read_bytes() for p in (ws / "parcels").iterdir()}
    bad = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"宗地代码": ["Q0", "Q1", "Q2"], "状态": ["施工中"] * 3},
                     geometry=squares(E39, N0, 3), crs="EPSG:4527").to_file(bad)
    done = cli(*import_args(bad, ws))
    assert done.returncode == 2
    assert re.search(r"bad\.gpkg, field 状态: unknown value '施工中' \(expected one of: .*halted "
                     r"停工/停产\) \(all 3 features\); nothing written$", error_line(done.stderr))
    after = {p.name: p.read_bytes() for p in (ws / "parcels").iterdir()}
    assert after == before  # layer, history and change log untouched, no rejects file
    assert Workspace(ws).read("parcels")["parcel_id"].tolist() == ["P0", "P1"]


def test_a_ledger_that_keeps_no_row_writes_nothing(tmp_path):
    ledger = tmp_path / "台账.csv"
    ledger.write_text("统一社会信用代码,企业名称,宗地号,年度,税收（万元）\nE1,甲,P1,2024,10\nE2,乙,P2,2024,20\n",
                      encoding="utf-8")
    done = cli("import-ledger", str(ledger), "--workspace", str(tmp_path / "ws"))
    assert done.returncode == 2
    assert error_line(done.stderr).endswith(
        "台账.csv, field 宗地号: the workspace has no parcels layer to join the ledger to "
        "(all 2 rows); nothing written")
    assert written(tmp_path / "ws") == []


# ------------------------------------------------------------------ item 9: exit status documented

@pytest.mark.parametrize("command", ["import", "import-ledger"])
def test_help_documents_the_exit_status(command):
    # help follows the locale (Chinese for C or none; tests/test_cli_help.py): read the English one
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANDPLAN_LANG")}
    done = subprocess.run(landplan_cmd(command, "--help"), capture_output=True, text=True, timeout=120,
                          env={**env, "LANG": "en_US.UTF-8"})
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    thing = "feature" if command == "import" else "row"
    assert (f"exit status: 0 every {thing} imported; 1 written, but some {thing}s rejected (one line "
            f"each on stderr, all in") in text
    assert "2 nothing written: bad input or option, or no " + thing + " could be kept" in text
