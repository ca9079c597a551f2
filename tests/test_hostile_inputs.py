"""Hostile input files (issue 23): refused in one line before memory or time grows, from the
command line and through the app's upload path alike; formula cells without a saved value are
evaluated or refused by address; unrecognised columns stay out of the layer unless asked.

Measured before the fix: the 3 MB zip bomb below took 6.3 GB in the CLI (members were read
whole); the .dbf announcing 4,294,967,295 records of 0 bytes looped in encoding detection
for hours; the CSV of 1,000,000 columns ran past 30 s inserting columns one by one.
"""

from __future__ import annotations

import re
import struct
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from capped import landplan_cmd, run_capped
from shapely.geometry import box

from landplan import Workspace, import_layer
from landplan.cli import main
from landplan.errors import InputFileError
from landplan.io.readers import open_source

#: Peak memory and time of a refused file in a fresh process (Python, pandas, GDAL and
#: landplan imported take ~200 MB and ~1 s of that here).
MEMORY_CAP_MB = 500
TIME_CAP_S = 10
BOMB_BYTES = 3 * 1024**3
E0, N0 = 39_500_000.0, 3_500_000.0


# ------------------------------------------------------------------ hostile files, built here

@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A 3 MB zip holding one 3 GiB member of zeros, streamed in (never 3 GiB in memory)."""
    path = tmp_path_factory.mktemp("bomb") / "宗地.zip"
    zeros = bytes(16 * 1024**2)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("宗地.shp", "w", force_zip64=True) as member:
        for _ in range(BOMB_BYTES // len(zeros)):
            member.write(zeros)
    assert path.stat().st_size < 4 * 1024**2
    return path


def bomb_message(bomb: Path) -> str:
    info = zipfile.ZipFile(bomb).infolist()[0]
    ratio = info.file_size / info.compress_size
    assert ratio > 1000  # zeros deflate ~1,030:1
    return (f"zip member '宗地.shp' unpacks to 3.0 GB from {info.compress_size / 1024**2:.1f} MB "
            f"packed ({ratio:,.0f}:1); the limit is 100:1 (MAX_RATIO)")


def shapefile_with_dbf_header(folder: Path, nrec: int, rec_len: int, *, fields: int = 0) -> Path:
    """A real one-parcel Shapefile whose .dbf is replaced by a bare header: ``nrec`` records of
    ``rec_len`` bytes announced, ``fields`` C(10) fields, no record written."""
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / "宗地.shp"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"ZDDM": ["P1"]}, geometry=[box(E0, N0, E0 + 100, N0 + 100)],
                                             crs="EPSG:4527"), shp)
    header = bytearray(32)
    header[0] = 3
    struct.pack_into("<IHH", header, 4, nrec, 32 + 32 * fields + 1, rec_len)
    descriptors = b"".join(f"F{i}".encode().ljust(11, b"\0") + b"C" + bytes(4) + bytes([10]) + bytes(15)
                           for i in range(fields))
    shp.with_suffix(".dbf").write_bytes(bytes(header) + descriptors + b"\x0d")
    return shp


def wide_csv(path: Path, columns: int) -> Path:
    """One header line of ``columns`` distinct names (base-36 numbers), one short data row."""
    names = ",".join(np.base_repr(i, 36) for i in range(columns))
    path.write_text(f"{names}\n1,2,3\n", encoding="utf-8")
    return path


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr[-2000:]
    assert lines[0].startswith("landplan: error: ")
    return lines[0]


# ------------------------------------------------------------------ item 2: zip bomb

def test_zip_bomb_is_refused_in_one_line_before_memory_grows(bomb, tmp_path):
    ws = tmp_path / "ws"
    run = run_capped(landplan_cmd("import", str(bomb), "--layer", "parcels", "--workspace", str(ws)),
                     timeout_s=60, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    line = one_line(run.stderr)
    assert f"{bomb}, field 宗地.shp: {bomb_message(bomb)}" in line
    assert run.peak_mb < MEMORY_CAP_MB, run.peak_mb
    assert run.seconds < TIME_CAP_S, run.seconds
    assert not (ws / "parcels.gpkg").exists()


def test_zip_bomb_upload_is_refused_the_same_way(bomb, tmp_path):
    """The app's upload path (transfer.import_upload, as the data page calls it), in a fresh
    process so that its peak memory is its own."""
    code = (
        "import sys; from pathlib import Path\n"
        "from landplan.app.transfer import import_upload\n"
        "from landplan.errors import LandplanError\n"
        "data = Path(sys.argv[1]).read_bytes()\n"
        "try:\n"
        "    import_upload([('宗地.zip', data)], 'parcels', workspace=Path(sys.argv[2]))\n"
        "except LandplanError as exc:\n"
        "    print(exc.message); sys.exit(2)\n"
    )
    run = run_capped([sys.executable, "-c", code, str(bomb), str(tmp_path / "ws")], timeout_s=60)
    assert run.returncode == 2, run.stderr
    assert run.stdout.strip().startswith(bomb_message(bomb))
    assert run.peak_mb < MEMORY_CAP_MB, run.peak_mb


def test_a_big_member_within_the_caps_is_streamed_not_read_whole(tmp_path):
    """512 MiB packing ~67:1 (one random byte in 192): under every cap, so it is unpacked, and
    the import gets as far as GDAL; before, the member was read whole (peak 1.28 GB)."""
    archive = tmp_path / "dem.zip"
    block = bytearray(16 * 1024**2)
    block[::192] = np.random.default_rng(0).bytes(len(block[::192]))
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out, \
            out.open("dem.tif", "w", force_zip64=True) as member:
        for _ in range(32):
            member.write(block)
    info = zipfile.ZipFile(archive).infolist()[0]
    assert info.file_size == 512 * 1024**2 and 30 < info.file_size / info.compress_size < 100
    run = run_capped(landplan_cmd("import", str(archive), "--layer", "terrain", "--workspace",
                                  str(tmp_path / "ws")), timeout_s=60, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert f"{archive}!dem.tif: not a readable GeoTIFF" in one_line(run.stderr)
    assert run.peak_mb < MEMORY_CAP_MB, run.peak_mb


def forged_zip(path: Path, sizes: list[int]) -> Path:
    """Stored members whose central directory declares ``sizes`` (packed = unpacked, 1:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(len(sizes)):
            archive.writestr(f"m{i}.gpkg", b"0123456789abcdef")
    data = bytearray(path.read_bytes())
    pos = 0
    for size in sizes:
        pos = data.index(b"PK\x01\x02", pos)
        struct.pack_into("<II", data, pos + 20, size, size)  # compressed, uncompressed size
        pos += 4
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("sizes, message", [
    ([int(2.5 * 1024**3)], r"zip member 'm0\.gpkg' unpacks to 2\.5 GB; members are limited to "
                           r"2\.0 GB \(MAX_MEMBER_BYTES\)"),
    ([int(1.5 * 1024**3)] * 3, r"the archive unpacks to 4\.5 GB; archives are limited to 4\.0 GB "
                               r"\(MAX_UNZIPPED_BYTES\)"),
])
def test_size_caps_hold_on_the_declared_sizes_before_unpacking(tmp_path, sizes, message):
    archive = forged_zip(tmp_path / "big.zip", sizes)
    with pytest.raises(InputFileError, match=message):
        open_source(archive, workdir=tmp_path / "work")
    assert not (tmp_path / "work").exists()  # refused before anything was unpacked


def test_a_real_zip_within_the_caps_is_unpacked_and_read(tmp_path):
    """A member of 20 MiB packing 1,000:1 next to the layer: over the floor, so refused by
    ratio; the same layer zipped alone is read (the caps do not touch ordinary archives)."""
    shp = tmp_path / "src" / "p.shp"
    shp.parent.mkdir()
    pyogrio.write_dataframe(gpd.GeoDataFrame({"ZDDM": ["P1", "P2"]}, crs="EPSG:4527", geometry=[
        box(E0, N0, E0 + 100, N0 + 100), box(E0 + 200, N0, E0 + 300, N0 + 100)]), shp)
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in shp.parent.iterdir():
            archive.write(part, part.name)
    raw = open_source(plain, workdir=tmp_path / "w1")
    assert list(raw.frame["ZDDM"]) == ["P1", "P2"]
    padded = tmp_path / "padded.zip"
    with zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in shp.parent.iterdir():
            archive.write(part, part.name)
        archive.writestr("readme.bin", bytes(20 * 1024**2))
    with pytest.raises(InputFileError, match=r"zip member 'readme\.bin' unpacks to 20\.0 MB .*MAX_RATIO"):
        open_source(padded, workdir=tmp_path / "w2")


# ------------------------------------------------------------------ item 3: .dbf header

def test_dbf_announcing_4294967295_empty_records_is_refused_within_10_s(tmp_path):
    shp = shapefile_with_dbf_header(tmp_path / "src", 4_294_967_295, 0)
    run = run_capped(landplan_cmd("import", str(shp), "--layer", "parcels", "--workspace",
                                  str(tmp_path / "ws")), timeout_s=TIME_CAP_S, cwd=tmp_path)
    assert not run.timed_out, "still reading records after 10 s"
    assert run.returncode == 2, run.stderr
    line = one_line(run.stderr)
    assert line.endswith(f"{shp}: the .dbf header is damaged: it announces 4,294,967,295 records "
                         "of 0 bytes, but its 0 fields and the deletion flag need 1 byte a record; "
                         "not a usable attribute table")
    assert run.peak_mb < MEMORY_CAP_MB, run.peak_mb


@pytest.mark.parametrize("nrec, rec_len, fields, message", [
    (4_294_967_295, 5, 2, r"announces 4,294,967,295 records of 5 bytes, but its 2 fields and the "
                          r"deletion flag need 21 bytes a record"),
    (4_294_967_295, 11, 1, r"the \.dbf is truncated: its header announces 4,294,967,295 records "
                           r"\(47,244,640,310 bytes\), the file has 65 bytes"),
    (0, 11, 1, r"the \.dbf has 0 records but the \.shp/\.shx 1 features"),
])
def test_dbf_header_is_checked_against_file_size_and_shx(tmp_path, nrec, rec_len, fields, message):
    shp = shapefile_with_dbf_header(tmp_path, nrec, rec_len, fields=fields)
    with pytest.raises(InputFileError, match=message):
        open_source(shp, workdir=tmp_path / "work")


# ------------------------------------------------------------------ item 7: wide tables

def test_csv_of_a_million_columns_is_refused_in_one_line(tmp_path):
    csv = wide_csv(tmp_path / "宽表.csv", 1_000_000)
    run = run_capped(landplan_cmd("import", str(csv), "--layer", "parcels", "--workspace",
                                  str(tmp_path / "ws")), timeout_s=20, cwd=tmp_path)
    assert not run.timed_out
    assert run.returncode == 2, run.stderr
    assert one_line(run.stderr).endswith(
        f"{csv}, row 1: the table has 1,000,000 columns; landplan reads at most 500 (MAX_COLUMNS); "
        "delete the columns the park does not need and save it again")
    assert run.seconds < TIME_CAP_S, run.seconds
    assert run.peak_mb < MEMORY_CAP_MB, run.peak_mb


def test_wide_xlsx_and_geopackage_are_refused_too(tmp_path):
    book = openpyxl.Workbook()
    book.active.append([f"c{i}" for i in range(501)])
    book.active.append(list(range(501)))
    book.save(tmp_path / "wide.xlsx")
    with pytest.raises(InputFileError, match=r"^.*wide\.xlsx, row 1: the table has 501 columns"):
        open_source(tmp_path / "wide.xlsx", workdir=tmp_path)
    frame = gpd.GeoDataFrame({f"c{i}": [i] for i in range(501)}, geometry=[box(E0, N0, E0 + 1, N0 + 1)],
                             crs="EPSG:4527")
    pyogrio.write_dataframe(frame, tmp_path / "wide.gpkg")
    with pytest.raises(InputFileError, match=r"wide\.gpkg: the table has 501 columns"):
        open_source(tmp_path / "wide.gpkg", workdir=tmp_path)
    frame[[f"c{i}" for i in range(500)] + ["geometry"]].to_file(tmp_path / "ok.gpkg")
    assert open_source(tmp_path / "ok.gpkg", workdir=tmp_path).frame.shape == (1, 501)


@pytest.mark.parametrize("name, build, expected", [
    ("宗地.zip", None, "bomb"),
    ("宽表.csv", lambda d: wide_csv(d / "宽表.csv", 1_000_000), "the table has 1,000,000 columns"),
])
def test_upload_path_refuses_like_the_cli(bomb, tmp_path, name, build, expected):
    from landplan.app.transfer import import_upload

    source = bomb if build is None else build(tmp_path)
    with pytest.raises(InputFileError) as caught:
        import_upload([(name, source.read_bytes())], "parcels", workspace=tmp_path / "ws")
    assert caught.value.message.startswith(bomb_message(bomb) if expected == "bomb" else expected)


def test_upload_of_shapefile_parts_with_a_hostile_dbf_is_refused(tmp_path):
    from landplan.app.transfer import import_upload

    shp = shapefile_with_dbf_header(tmp_path / "src", 4_294_967_295, 0)
    parts = [(p.name, p.read_bytes()) for p in sorted(shp.parent.iterdir())]
    with pytest.raises(InputFileError, match=r"announces 4,294,967,295 records of 0 bytes"):
        import_upload(parts, "parcels", workspace=tmp_path / "ws")


# ------------------------------------------------------------------ --keep-extra

def parcels_with_extras(path: Path, extras: dict[str, list]) -> Path:
    frame = gpd.GeoDataFrame({"宗地代码": ["P1", "P2"], "权利人": ["甲公司", "乙公司"], **extras},
                             geometry=[box(E0, N0, E0 + 100, N0 + 100), box(E0 + 200, N0, E0 + 300, N0 + 100)],
                             crs="EPSG:4527")
    pyogrio.write_dataframe(frame, path)
    return path


def test_unrecognised_columns_are_listed_not_imported(tmp_path, capsys):
    src = parcels_with_extras(tmp_path / "p.gpkg", {"备注": ["a", "b"], "联系人": ["x", "y"], "X_1": [1, 2]})
    ws = tmp_path / "ws"
    assert main(["import", str(src), "--layer", "parcels", "--workspace", str(ws), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "  3 columns not recognised and not imported: 备注, 联系人, X_1; keeping unrecognised columns keeps them" in out
    layer = Workspace(ws).read("parcels")
    assert not {"备注", "联系人", "X_1"} & set(layer.columns)
    assert list(layer["holder"]) == ["甲公司", "乙公司"]

    assert main(["import", str(src), "--layer", "parcels", "--workspace", str(ws), "--keep-extra", "--lang", "en"]) == 0
    assert "  kept unchanged (not recognised, unrecognised columns kept as asked): 备注, 联系人, X_1" in capsys.readouterr().out
    layer = Workspace(ws).read("parcels")
    assert list(layer["备注"]) == ["a", "b"] and list(layer["X_1"]) == [1, 2]


def test_four_hundred_unknown_columns_leave_the_layer_canonical(tmp_path):
    extras = {f"未知{i}": [i, i + 1] for i in range(400)}
    src = parcels_with_extras(tmp_path / "p.gpkg", extras)
    report = import_layer(src, "parcels", workspace=tmp_path / "ws")
    layer = Workspace(tmp_path / "ws").read("parcels")
    assert not any(str(c).startswith("未知") for c in layer.columns)
    assert report.unmapped == list(extras)
    line = next(x for x in report.lines() if "not recognised" in x)
    assert line.startswith("  400 columns not recognised and not imported: 未知0, 未知1, ")


def test_import_ledger_takes_keep_extra(tmp_path, capsys):
    ws = tmp_path / "ws"
    main(["import", str(parcels_with_extras(tmp_path / "p.gpkg", {})), "--layer", "parcels",
          "--workspace", str(ws), "--lang", "en"])
    pd.DataFrame({"统一社会信用代码": ["E1"], "宗地代码": ["P1"], "年份": [2023], "园区评级": ["甲"]}) \
        .to_csv(tmp_path / "台账.csv", index=False)
    assert main(["import-ledger", str(tmp_path / "台账.csv"), "--workspace", str(ws), "--lang", "en"]) == 0
    assert "  1 column not recognised and not imported: 园区评级; keeping unrecognised columns keeps it" in capsys.readouterr().out
    assert "园区评级" not in Workspace(ws).read("ledger").columns
    assert main(["import-ledger", str(tmp_path / "台账.csv"), "--workspace", str(ws), "--keep-extra", "--lang", "en"]) == 0
    assert list(Workspace(ws).read("ledger")["园区评级"]) == ["甲"]


# ------------------------------------------------------------------ item 6: formula cells

def ledger_book(path: Path, tax: list, *, sheet: str = "台账") -> Path:
    """Ledger rows for parcels P1, P2…, written by openpyxl: formulas without saved values."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["统一社会信用代码", "宗地代码", "年份", "税收"])
    for i, value in enumerate(tax, start=1):
        ws.append([f"E{i}", f"P{i}", 2023, value])
    book.save(path)
    return path


def rewrite_sheet(path: Path, replace: dict[str, str]) -> None:
    """Edit the sheet XML of ``path`` as Excel would have saved it (cached values, shared formulas)."""
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for old, new in replace.items():
        assert old in xml, old
        xml = xml.replace(old, new)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.fixture
def two_parcels(tmp_path) -> Path:
    ws = tmp_path / "ws"
    import_layer(parcels_with_extras(tmp_path / "p.gpkg", {}), "parcels", workspace=ws)
    return ws


def test_plain_arithmetic_formulas_are_evaluated_and_counted(tmp_path, two_parcels):
    book = ledger_book(tmp_path / "台账.xlsx", ["=300+26.23", "=-(2+3)*4/8"])
    report = import_layer(book, "ledger", workspace=two_parcels)
    ledger = Workspace(two_parcels).read("ledger").set_index("parcel_id")
    assert ledger.loc["P1", "tax_wan"] == pytest.approx(326.23, abs=1e-9)
    assert ledger.loc["P2", "tax_wan"] == pytest.approx(-2.5, abs=1e-12)
    assert ("formula cells without a saved value, evaluated as plain arithmetic: 2 "
            "(D2 =300+26.23 → 326.23, D3 =-(2+3)*4/8 → -2.5)") in report.notes


def test_a_formula_without_saved_value_is_refused_by_cell_address(tmp_path, two_parcels):
    book = ledger_book(tmp_path / "税收.xlsx", [12.5, 3, 4, 5, 6, "=SUM(A1:A3)", "=D2*2"])
    run = run_capped(landplan_cmd("import-ledger", str(book), "--workspace", str(two_parcels)),
                     timeout_s=60, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert one_line(run.stderr) == (
        f"landplan: error: {book}, sheet 台账, cell D7, field 税收: formula =SUM(A1:A3) has no saved "
        "value; open the file in Excel or WPS and save it, or type the value (and 1 more formula "
        "cell without a value)")
    assert not Workspace(two_parcels).has("ledger")


def test_saved_values_win_and_shared_formulas_are_named_in_their_own_cell(tmp_path, two_parcels):
    book = ledger_book(tmp_path / "台账.xlsx", ["=SUM(A1:A3)", "=300+26.23"])
    # Excel saved D2's value; D3 is the dependent cell of a shared formula with no value
    rewrite_sheet(book, {'<c r="D2"><f>SUM(A1:A3)</f><v /></c>': '<c r="D2"><f>SUM(A1:A3)</f><v>99.5</v></c>'})
    report = import_layer(book, "ledger", workspace=two_parcels)
    ledger = Workspace(two_parcels).read("ledger").set_index("parcel_id")
    assert ledger.loc["P1", "tax_wan"] == 99.5 and ledger.loc["P2", "tax_wan"] == pytest.approx(326.23)
    assert ("formula cells without a saved value, evaluated as plain arithmetic: 1 "
            "(D3 =300+26.23 → 326.23)") in report.notes  # D2's saved value was taken

    shared = ledger_book(tmp_path / "shared.xlsx", ["=C2*2", "=C3*2"])
    rewrite_sheet(shared, {'<c r="D2"><f>C2*2</f><v /></c>':
                           '<c r="D2"><f t="shared" ref="D2:D3" si="0">C2*2</f><v>4046</v></c>',
                           '<c r="D3"><f>C3*2</f><v /></c>': '<c r="D3"><f t="shared" si="0"/></c>'})
    with pytest.raises(InputFileError, match=r"sheet 台账, cell D3, field 税收: formula =C3\*2 has no saved value"):
        open_source(shared, workdir=tmp_path)


def test_a_formula_whose_saved_value_is_empty_text_is_not_refused(tmp_path):
    book = ledger_book(tmp_path / "台账.xlsx", ['=IF(1>2,"x","")', 7])
    rewrite_sheet(book, {'<c r="D2"><f>IF(1&gt;2,"x","")</f><v /></c>':
                         '<c r="D2" t="str"><f>IF(1&gt;2,"x","")</f><v></v></c>'})
    raw = open_source(book, workdir=tmp_path)
    assert raw.frame["税收"].tolist() == [None, 7]
    assert not any("formula" in n for n in raw.notes)


def test_evaluate_arithmetic_takes_only_plain_arithmetic():
    from landplan.io.formulas import evaluate_arithmetic

    assert evaluate_arithmetic("=300+26.23") == 326.23
    assert evaluate_arithmetic("= 1.5E3 - (2 + 3) * -4 / 8") == 1502.5
    for refused in ("=SUM(A1:A3)", "=A1+1", "=2^3", "=2**3", "=1/0", "=3%", "=1_000",
                    "=__import__('os')", "=1e999", "=" + "(" * 300 + "1" + ")" * 300, "="):
        assert evaluate_arithmetic(refused) is None, refused


def test_formula_cells_are_found_in_a_sheet_written_with_a_namespace_prefix(tmp_path):
    """Some writers (the .NET Open XML SDK) spell every tag <x:c>, <x:f>, <x:v>."""
    book = ledger_book(tmp_path / "台账.xlsx", ["=300+26.23", "=SUM(A1:A2)"])
    with zipfile.ZipFile(book) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    rewrite_sheet(book, {xml: re.sub(r"<(/?)(\w+)", r"<\1x:\2", xml).replace('xmlns="', 'xmlns:x="')})
    with pytest.raises(InputFileError, match=r"sheet 台账, cell D3, field 税收: formula =SUM\(A1:A2\) "):
        open_source(book, workdir=tmp_path)
