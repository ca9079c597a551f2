"""What landplan writes is safe to open (issue 23, items 5 and 10).

A park whose holders, parcel ids, a parcel name and an extra column begin with ``= + - @``
or a tab is evaluated, screened, reported and exported through the command line; every XLSX
written must hold no formula (each such text a text cell with Excel's quote prefix) and every
CSV must escape such text with ``'`` (OWASP), numbers untouched; what landplan reads back
(``idle --since e.csv``, a Shapefile's ``fields.csv``) gets the text back unchanged. Parcel
ids of 300 characters give report files of at most 80 bytes of the id plus a hash, listed in
``index.html`` and ``summary.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from landplan import labels
from landplan.app import transfer
from landplan.cli import main
from landplan.columns import PERSON_TEXT
from landplan.errors import LandplanError
from landplan.evaluate import evaluate, read_evaluation, write_evaluation
from landplan.io.readers import open_source
from landplan.io.writers import csv_unescaped, write_csv
from landplan.report.batch import report_filename
from landplan.rules import load_rules
from landplan.workspace import Workspace

LINK = '=HYPERLINK("http://x","click")'
HOLDER_ID = "340104001001GB00001"   # holder set to LINK with `landplan update`
EQ_ID = "=A1+1"                     # was 340104001004GB00002, supplied, idle_unstarted on 2025-01-01
RESERVE_ID = "-R1"                  # was 340104001002GB00004, reserve, 26.84 mu: screened
CAND_ID = "+C1"                     # was 340104001003GB00003, idle_unstarted: a revitalization candidate
AT_HOLDER = "@SUM(1)"               # holder of 340104001003GB00010
PLUS_NAME = "+86 551 1234"          # parcel_name of 340104001003GB00009
NOTE = "=note"                      # an extra column, "\tTAB" on one parcel
TAB = "\tTAB"
AS_OF = "2025-12-31"
TRIGGERS = tuple("=+-@\t\r")


def _landplan(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "landplan.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def _cli(*args: str) -> None:
    assert main(list(args)) == 0, args


@pytest.fixture(scope="module")
def park(tmp_path_factory) -> Path:
    """The demo park of 30 parcels with hostile text, and every table landplan writes from it."""
    root = tmp_path_factory.mktemp("safe")
    ws_path = root / "ws"
    assert _landplan("demo", "--out", str(ws_path), "--parcels", "30").returncode == 0
    ws = Workspace(ws_path)
    parcels = ws.read("parcels")
    rename = {"340104001004GB00002": EQ_ID, "340104001002GB00004": RESERVE_ID,
              "340104001003GB00003": CAND_ID}
    parcels["parcel_id"] = parcels["parcel_id"].replace(rename)
    parcels.loc[parcels["parcel_id"] == "340104001003GB00010", "holder"] = AT_HOLDER
    parcels.loc[parcels["parcel_id"] == "340104001003GB00009", "parcel_name"] = PLUS_NAME
    parcels[NOTE] = ""
    parcels.loc[parcels["parcel_id"] == EQ_ID, NOTE] = TAB
    ws.write("parcels", parcels)
    ledger = ws.read("ledger")
    ws.write("ledger", ledger.assign(parcel_id=ledger["parcel_id"].replace(rename)))
    # the reserve parcel to be screened lies 0.7 m from a 10 kV line, inside its protection zone
    # (电力设施保护条例 Art. 10): that line goes, so that the parcel is offered and written
    lines = ws.read("powerlines")
    reserve = parcels.loc[parcels["parcel_id"] == RESERVE_ID, "geometry"].iloc[0]
    ws.write("powerlines", lines[lines.distance(reserve) > 25.0])
    done = _landplan("update", HOLDER_ID, "--set", f"holder={LINK}", "--date", "2024-06-01",
                     "--workspace", str(ws_path))
    assert done.returncode == 0, done.stderr
    w = str(ws_path)
    _cli("evaluate", "--workspace", w, "--as-of", "2025-01-01", "--out", str(root / "b.csv"))
    # the idle parcel with the hostile id starts building: revitalized in 2025
    _cli("update", EQ_ID, "--set", "status=under_construction", "--set", "actual_start_date=2025-03-01",
         "--date", "2025-03-01", "--workspace", w)
    for suffix in ("xlsx", "csv"):
        _cli("evaluate", "--workspace", w, "--as-of", AS_OF, "--out", str(root / f"e.{suffix}"))
        _cli("idle", "--workspace", w, "--as-of", AS_OF, "--out", str(root / f"i.{suffix}"))
        _cli("lifecycle", "--workspace", w, "--as-of", AS_OF, "--out", str(root / f"l.{suffix}"))
        _cli("screen", "--workspace", w, "--as-of", AS_OF, "--industry", "39", "--area-mu", "27",
             "--investment-wan", "12000", "--tax-wan", "900", "--out", str(root / f"s.{suffix}"))
        _cli("history", EQ_ID, "--workspace", w, "--out", str(root / f"h.{suffix}"))
    _cli("coverage", "--workspace", w, "--routes", str(root / "r.csv"))
    _cli("report", "--workspace", w, "--as-of", AS_OF, "--all", "--out", str(root / "rep"))
    _cli("export", "parcels", "--workspace", w, "--format", "shp", "--out", str(root / "p.zip"))
    # the app's downloads (landplan.app.transfer, what the data page's buttons serve)
    rules = load_rules(ws)
    table = evaluate(ws, as_of=pd.Timestamp(AS_OF).date(), rules=rules)
    (root / "app-parcels.xlsx").write_bytes(transfer.parcels_download(ws.read("parcels"), "xlsx"))
    (root / "app-evaluation.xlsx").write_bytes(transfer.evaluation_download(table, ".xlsx", rules))
    (root / "app-evaluation.csv").write_bytes(transfer.evaluation_download(table, ".csv", rules))
    return root


# --------------------------------------------------------------------------------------------
# every XLSX: no formula, hostile text as text cells with the quote prefix
# --------------------------------------------------------------------------------------------

EVALUATION_TEXT = {LINK, EQ_ID, RESERVE_ID, CAND_ID, AT_HOLDER, PLUS_NAME, NOTE, TAB}
#: file -> the texts starting with = + - @ tab CR it holds (by hand: the hostile values, no others)
XLSX = {
    "e.xlsx": EVALUATION_TEXT,                        # evaluate --out (and NOTE in 定义与来源)
    "i.xlsx": {CAND_ID},                              # idle --out: the candidates
    "l.xlsx": {EQ_ID, CAND_ID},                       # lifecycle --out: parcels with a gap
    "s.xlsx": {RESERVE_ID},                           # screen --out: the ranked sites
    "h.xlsx": {EQ_ID},                                # history ID --out
    "app-evaluation.xlsx": EVALUATION_TEXT,           # the data page's evaluation download
    "app-parcels.xlsx": EVALUATION_TEXT - {NOTE, TAB},  # its parcels download: canonical columns
}


@pytest.mark.parametrize("name", sorted(XLSX))
def test_no_xlsx_cell_is_a_formula(park, name):
    path = park / name
    with zipfile.ZipFile(path) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for sheet in sheets:
            assert not re.search(rb"<f[ >]", book.read(sheet)), f"{name}!{sheet} holds a formula"
    found = set()
    for sheet in openpyxl.load_workbook(path):
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{name} {sheet.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
                    assert cell.data_type == "s" and cell.quotePrefix, (name, cell.coordinate)
                    found.add(cell.value)
    assert found == XLSX[name]
    # what import and read_evaluation read (openpyxl data_only): the text, not a formula's empty cache
    values = {c for s in openpyxl.load_workbook(path, data_only=True) for r in s.iter_rows(values_only=True)
              for c in r}
    assert XLSX[name] <= values


def test_the_app_parcels_xlsx_reads_back_as_written(park):
    back = pd.read_excel(park / "app-parcels.xlsx", dtype=str)
    assert back.loc[back["宗地号"] == HOLDER_ID, "土地使用权人"].tolist() == [LINK]
    assert set(back["宗地号"]) >= {EQ_ID, RESERVE_ID}


def test_xlsx_refuses_text_it_cannot_hold(park, tmp_path):
    ws_path = tmp_path / "ws"
    shutil.copytree(park / "ws", ws_path)
    done = _landplan("update", HOLDER_ID, "--set", "holder=A\x01B", "--date", "2025-06-01",
                     "--workspace", str(ws_path))
    assert done.returncode == 0, done.stderr
    done = _landplan("evaluate", "--workspace", str(ws_path), "--as-of", AS_OF, "--out", "x.xlsx", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [  # the spreadsheet row: header row 1, the 30th parcel row 31
        "landplan: error: x.xlsx: sheet 评价结果, row 31, field 土地使用权人: text with the control character "
        "'\\x01' cannot be written to an XLSX; write .csv instead"]
    assert not (tmp_path / "x.xlsx").exists()
    assert _landplan("evaluate", "--workspace", str(ws_path), "--as-of", AS_OF, "--out", "x.csv",
                     cwd=tmp_path).returncode == 0
    back = read_evaluation(tmp_path / "x.csv")  # the CSV holds it, on the same row
    assert back["holder"].tolist().index("A\x01B") == 29 and back.loc[29, "parcel_id"] == HOLDER_ID
    long = evaluate(ws_path, as_of=pd.Timestamp(AS_OF).date()).assign(parcel_name="名" * 32768)
    with pytest.raises(LandplanError, match="row 2, field 地块名称: text of 32768 characters "
                                            r"\(an XLSX cell holds 32767\)"):
        write_evaluation(long, tmp_path / "long.xlsx")
    assert not (tmp_path / "long.xlsx").exists()


# --------------------------------------------------------------------------------------------
# every CSV: text starting with = + - @ tab CR escaped with ', numbers not
# --------------------------------------------------------------------------------------------

CSV = {
    "e.csv": EVALUATION_TEXT,                         # evaluate --out
    "b.csv": EVALUATION_TEXT,                         # the same on 2025-01-01 (read back by idle --since)
    "i.csv": {CAND_ID},
    "l.csv": {EQ_ID, CAND_ID},
    "s.csv": {RESERVE_ID},
    "h.csv": {EQ_ID},
    "r.csv": {RESERVE_ID, CAND_ID},                   # coverage --routes: the parcels' routes
    "ws/parcels/changes.csv": {EQ_ID},                # history's copy for people: the changed id
    "rep/summary.csv": {LINK, EQ_ID, RESERVE_ID, CAND_ID, AT_HOLDER, "-R1.html"},  # (+C1: _C1.html)
    "p.zip!p.fields.csv": {NOTE},                     # the Shapefile's field names
    "app-evaluation.csv": EVALUATION_TEXT,            # the data page's CSV download
}


def _csv_text(park: Path, name: str) -> str:
    if "!" in name:
        archive, member = name.split("!")
        with zipfile.ZipFile(park / archive) as book:
            return book.read(member).decode("utf-8-sig")
    with open(park / name, encoding="utf-8-sig", newline="") as f:
        return f.read()


@pytest.mark.parametrize("name", sorted(CSV))
def test_csv_text_cells_are_escaped(park, name):
    escaped = set()
    for row in csv.reader(io.StringIO(_csv_text(park, name), newline="")):
        for cell in row:
            if cell.startswith("'") and cell.lstrip("'").startswith(TRIGGERS):
                escaped.add(cell[1:])
            elif cell.startswith(TRIGGERS):
                float(cell)  # not escaped: a number (-0.6), never text
    assert escaped == CSV[name]


def test_write_csv_escapes_text_and_leaves_numbers(tmp_path):
    frame = pd.DataFrame({"n": [-12.5, 3.0], "t": ["-12.5", "a=b"], "q": ["'=1", "'x"], "@h": ["\tx", "\ry"]})
    write_csv(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == (
        "\ufeffn,t,q,'@h\r\n-12.5,'-12.5,''=1,'\tx\r\n3.0,a=b,'x,\"'\ry\"\r\n".encode())
    back = csv_unescaped(pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig"))
    pd.testing.assert_frame_equal(back, frame)


def test_evaluation_csv_reads_back_unescaped(park, capsys):
    direct = evaluate(park / "ws", as_of=pd.Timestamp(AS_OF).date())
    back = read_evaluation(park / "e.csv")
    # a Chinese table holds each text for people in Chinese only (its English column is left out)
    english = {en for _zh, en in PERSON_TEXT.values()}
    assert list(back.columns) == [c for c in direct.columns if c != "geometry" and c not in english]
    for column in ("parcel_id", "holder", "parcel_name", NOTE):
        assert back[column].fillna("").tolist() == direct[column].fillna("").tolist()
    # idle --since: the parcel "=A1+1" (27.621 mu = 18414 m², idle on 2025-01-01, building since
    # 2025-03-01) is matched by its id in the earlier CSV
    capsys.readouterr()
    _cli("idle", "--workspace", str(park / "ws"), "--as-of", AS_OF, "--since", str(park / "b.csv"))
    assert "本年盘活（2025 年）：27.62 亩（1 宗），自 2025-01-01 起" in capsys.readouterr().out


def test_shapefile_field_names_read_back(park, tmp_path):
    raw = open_source(park / "p.zip", workdir=tmp_path)  # what import reads: names from p.fields.csv
    assert NOTE in raw.frame.columns and "'=note" not in raw.frame.columns
    rows = raw.frame.set_index("parcel_id")
    assert rows.loc[EQ_ID, NOTE] == TAB and rows.loc[HOLDER_ID, "holder"] == LINK


def test_import_rejects_are_escaped(park, tmp_path):
    parcels = Workspace(park / "ws").read("parcels").head(2)[["parcel_id", "status", "geometry"]]
    parcels["parcel_id"] = ["P1", "-P2"]
    parcels["status"] = ["reserve", "=1+1"]  # not a status: the row is rejected
    parcels.to_file(tmp_path / "in.gpkg", driver="GPKG")
    assert main(["import", str(tmp_path / "in.gpkg"), "--layer", "parcels", "--workspace", str(tmp_path / "ws")]) == 1
    with open(tmp_path / "ws/parcels/parcels.rejects.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["parcel_id"], r["status"]) for r in rows] == [("'-P2", "'=1+1")]


# --------------------------------------------------------------------------------------------
# report file names from long ids
# --------------------------------------------------------------------------------------------

LONG_A = "宗地" + "A" * 298        # 300 characters, 304 bytes
LONG_B = "宗地" + "A" * 297 + "B"  # the same first 80 bytes


@pytest.mark.parametrize(("pid", "name"), [
    ("340104001001GB00001", "340104001001GB00001.html"),
    ("a/b:c*d?", "a_b_c_d_.html"),
    ("CON", "_CON.html"),
    ("..", "parcel.html"),
    (LONG_A, "宗地" + "A" * 74 + "-040cca9f.html"),   # 6 + 74 = 80 bytes, SHA-1 of the whole id
    (LONG_B, "宗地" + "A" * 74 + "-cd640e2e.html"),
    ("x" + "é" * 100, "x" + "é" * 39 + "-b5511934.html"),  # not cut inside a character: 79 bytes
])
def test_report_filename(pid, name):
    assert report_filename(pid, "html") == name


def test_report_with_300_character_ids(park, tmp_path):
    ws_path = tmp_path / "ws"
    shutil.copytree(park / "ws", ws_path)
    ws = Workspace(ws_path)
    parcels = ws.read("parcels")
    parcels["parcel_id"] = parcels["parcel_id"].replace({HOLDER_ID: LONG_A, "340104001001GB00002": LONG_B})
    ws.write("parcels", parcels)
    done = _landplan("report", "--workspace", str(ws_path), "--all", "--out", "rep", cwd=tmp_path)  # as of today
    assert done.returncode == 0, done.stderr
    files = {LONG_A: "宗地" + "A" * 74 + "-040cca9f.html", LONG_B: "宗地" + "A" * 74 + "-cd640e2e.html"}
    for name in files.values():
        assert (tmp_path / "rep" / name).is_file() and len(name.encode()) == 94
    with open(tmp_path / "rep/summary.csv", encoding="utf-8-sig", newline="") as f:   # a table for people
        listed = {r[labels.column("parcel_id")]: r[labels.t("report.col.file")] for r in csv.DictReader(f)}
    assert len(listed) == 30 and {k: listed[k] for k in files} == files
    index = (tmp_path / "rep/index.html").read_text(encoding="utf-8")
    for pid, name in files.items():
        assert re.search(f'{pid}</td>.*?<a href="{name}">{name}</a>', index, re.S)
    one = _landplan("report", LONG_B, "--workspace", str(ws_path), "--out", "one", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert [p.name for p in (tmp_path / "one").iterdir()] == [files[LONG_B]]
    assert hashlib.sha1(LONG_B.encode()).hexdigest()[:8] == "cd640e2e"
