"""The import's notes in the reader's language: real 界址点 files imported through the command
line under a Chinese and an English locale (landplan/io/notes.py, labels/import_notes.yaml)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from wordcheck import cjk_in, codes_in

from landplan.io.importer import ImportReport
from landplan.io.notes import Note

DATA = Path(__file__).parent / "data" / "polygon-txt"
#: a real file whose parcel header line has no 地块编号: the id comes from the file name
REAL = DATA / "00测试数据" / "44120000669_44120001725_44120002171.txt"
#: three words of English in a row: a sentence a Chinese reader should not get
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[\s,;:'()\-]+[A-Za-z]{2,}){2,}")


def _headless(tmp_path: Path) -> Path:
    """The real file 44120000326.txt without 坐标系, 几度分带 and 带号, written as GBK (the real
    files' usual encoding): the reader assumes CGCS2000, takes the zone from the eastings'
    prefix and its width from the zone number, and says so."""
    text = (DATA / "00测试数据" / "44120000326.txt").read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith(("坐标系=", "几度分带=", "带号="))]
    assert len(kept) == len(text.splitlines()) - 3
    path = tmp_path / "无带号.txt"
    path.write_bytes("\r\n".join(kept).encode("gbk"))
    return path


def _import(tmp_path: Path, sources: list[Path], *args: str, lang_env: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"LC_ALL", "LC_MESSAGES", "LANDPLAN_LANG"}}
    env["LANG"] = lang_env
    done = subprocess.run(
        [sys.executable, "-m", "landplan.cli", "import", *map(str, sources), "--layer", "parcels",
         "--workspace", str(tmp_path / f"ws-{lang_env}-{len(args)}"), *args],
        capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_real_files_notes_read_chinese_under_a_chinese_locale(tmp_path):
    headless = _headless(tmp_path)
    out = _import(tmp_path, [REAL, headless], lang_env="zh_CN.UTF-8")
    notes = [line.strip().removeprefix("说明：") for line in out.splitlines() if line.strip().startswith("说明：")]
    assert len(notes) == 5, out  # an id from each file name, and the three header assumptions
    for note in notes:
        prose = note.replace(REAL.stem, "").replace(headless.stem, "")
        assert not ENGLISH.search(prose), note
        assert not codes_in(prose), note
    assert f"第 10 行：没有地块编号，取文件名 '{REAL.stem}'" in notes
    assert "[属性描述] 中没有坐标系，按 2000国家大地坐标系（CGCS2000）处理" in notes
    assert "[属性描述] 中没有带号，按东坐标的带号前缀取第 38 带" in notes
    assert "[属性描述] 中没有几度分带，第 38 带按 3 度分带处理" in notes
    crs_line = next(line for line in out.splitlines() if line.strip().startswith("坐标系："))
    assert crs_line.strip() == ("坐标系：CGCS2000 / 3° 分带高斯-克吕格投影 第 38 带 (EPSG:4526)"
                                "（取自 文件头（坐标系/带号））")


def test_real_files_notes_read_english_under_an_english_locale(tmp_path):
    headless = _headless(tmp_path)
    data = {str(REAL), str(headless), "地块编号", "坐标系", "带号", "几度分带", "属性描述",
            "地块名称", "图幅号", "地类编码", "面积(公顷)", "公顷", "图形属性", "地块用途"}
    for args, lang_env in [((), "en_US.UTF-8"), (("--lang", "en"), "zh_CN.UTF-8")]:
        out = _import(tmp_path, [REAL, headless], *args, lang_env=lang_env)
        assert cjk_in(out, data=data) == [], out
        assert f"note: line 10: no 地块编号; used '{REAL.stem}' from the file name" in out
        assert "note: no 带号 in [属性描述]; zone 38 taken from the easting prefix" in out
        assert "CRS: CGCS2000 / 3-degree Gauss-Kruger zone 38 (EPSG:4526) (from file header (坐标系/带号))" in out


def test_a_note_is_its_english_text_and_a_report_renders_it_per_language():
    note = Note("title_row", row=2)
    report = ImportReport("ledger", notes=[note, "a script's own note"],
                          crs="EPSG:4527", crs_source=[Note("crs_by_prefix", missing=Note("no_prj"))])
    assert note == "row 2 skipped as a title row" and "title row" in note  # scripts keep working
    assert "  说明：第 2 行是标题行，已跳过" in report.lines("zh")
    assert "  说明：a script's own note" in report.lines("zh")  # a plain string stays as written
    assert "  坐标系：EPSG:4527（取自 东坐标的带号前缀（没有 .prj 文件））" in report.lines("zh")
    assert "  note: row 2 skipped as a title row" in report.lines("en")


def test_the_data_page_shows_the_notes_in_the_apps_language(tmp_path, monkeypatch):
    from test_app import run_app

    (tmp_path / "ws").mkdir()
    at = run_app(tmp_path / "ws", monkeypatch, page="data")
    at.file_uploader(key="data_upload").upload(REAL.name, REAL.read_bytes(), "text/plain")
    at.run()
    at.button(key="data_run_import").click().run()
    assert not at.exception and not at.error
    report = at.code[0].value
    assert f"说明：第 10 行：没有地块编号，取文件名 '{REAL.stem}'" in report
    read = [line for line in report.splitlines() if line.strip().startswith(("说明", "坐标系"))]
    assert len(read) == 2 and not any(ENGLISH.search(line.replace(REAL.stem, "")) for line in read), report
