"""The PostGIS workspace backend (issue 9): every layer round-trips; a failed write changes nothing."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest
import shapely
from sqlalchemy import create_engine, text

from landplan.cli import main
from landplan.errors import WorkspaceError
from landplan.pgworkspace import PostGISWorkspace
from landplan.schema import VECTOR_LAYERS
from landplan.workspace import Workspace


@pytest.fixture(scope="module")
def url(postgis) -> str:
    engine = create_engine(postgis.url)
    with engine.begin() as con:
        con.execute(text("DROP SCHEMA IF EXISTS lp CASCADE"))
    engine.dispose()
    return postgis.url.replace("postgresql+psycopg://", "postgresql://") + "?schema=lp"


def frames_equal(a, b, name):
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry", errors="ignore")).reset_index(drop=True),
                                  pd.DataFrame(b.drop(columns="geometry", errors="ignore")).reset_index(drop=True),
                                  obj=name)
    if "geometry" in a:
        assert a.crs.equals(b.crs)
        assert shapely.equals_exact(a.geometry.values, b.geometry.values, tolerance=1e-6).all(), name


def test_every_layer_round_trips(url, demo_workspace):
    folder = Workspace(demo_workspace)
    db = Workspace(url)
    assert isinstance(db, PostGISWorkspace) and "password" not in repr(db)
    for name in (*VECTOR_LAYERS, "ledger"):
        db.write(name, folder.read(name))
    assert set(db.layers()) == {*VECTOR_LAYERS, "ledger"}
    assert db.crs.equals(folder.crs)
    for name in (*VECTOR_LAYERS, "ledger"):
        frames_equal(db.read(name), folder.read(name), name)
    with create_engine(url.replace("postgresql://", "postgresql+psycopg://").split("?")[0]).connect() as con:
        gist = con.execute(text("SELECT count(*) FROM pg_indexes WHERE schemaname = 'lp' AND indexdef ILIKE '%gist%'")).scalar()
    assert gist == len(VECTOR_LAYERS)


def test_evaluate_and_import_on_a_database_workspace(url, demo_workspace, tmp_path):
    from landplan.evaluate import evaluate

    folder = Workspace(demo_workspace)
    db = Workspace(url)
    for name in (*VECTOR_LAYERS, "ledger"):
        db.write(name, folder.read(name))
    import dataclasses
    import datetime as dt

    from landplan.rules import load_ruleset

    rules = load_ruleset(demo_workspace)  # the folder's rules.yaml; a database keeps none
    with_earthworks = evaluate(folder, as_of=dt.date(2026, 6, 30), rules=rules)
    # no DEM in a database workspace, so no earthworks cost there: compare without it
    rules = dataclasses.replace(rules, economics=dataclasses.replace(rules.economics, earthwork_yuan_per_m3=None))
    a = evaluate(db, as_of=dt.date(2026, 6, 30), rules=rules)
    b = evaluate(folder, as_of=dt.date(2026, 6, 30), rules=rules)
    assert a["static_payback_years"].notna().any()  # the demo's economics inputs were used
    terrain = [c for c in b.columns if c not in a.columns]  # no DEM in a database workspace
    assert set(terrain) >= {"cut_m3", "relief_m"}
    assert (with_earthworks["cost_wan_per_mu"] >= b["cost_wan_per_mu"]).all()
    assert (with_earthworks["cost_wan_per_mu"] > b["cost_wan_per_mu"]).any()
    cols = [c for c in a.columns if c not in ("geometry", "readiness", "missing", "leveled")
            and not c.startswith(("revitalization", "priority", "candidate"))]
    pd.testing.assert_frame_equal(pd.DataFrame(a[cols]), pd.DataFrame(b[cols]), check_dtype=False)
    # the command line takes the URL as --workspace
    out = tmp_path / "roads.geojson"
    assert main(["export", "roads", "--workspace", url, "--format", "geojson", "--out", str(out)]) == 0
    assert main(["import", str(out), "--layer", "roads", "--workspace", url]) == 0
    assert len(db.read("roads")) == len(folder.read("roads"))


def test_a_write_killed_midway_changes_nothing(url, postgis):
    """The writing session is terminated from another connection in the middle of its
    transaction (it has dropped and re-created the table and is copying rows in): the old table
    is still there, unchanged (drop, create and copy were one transaction)."""
    from landplan.demo import make_demo

    db = Workspace(url)
    old = make_demo(parcels=300, seed=1).parcels
    db.write("parcels", old)
    big = make_demo(parcels=60_000, seed=2).parcels
    admin = create_engine(postgis.url)
    killed = []

    def killer():
        deadline = time.time() + 60
        with admin.connect() as con:
            while time.time() < deadline and not killed:
                # the writer: the one session holding a transaction id (it has dropped the table)
                pids = con.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")).scalars().all()
                for pid in pids:
                    con.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                    killed.append(pid)
                con.rollback()  # pg_stat_activity is a snapshot per transaction: take a new one
                time.sleep(0.005)

    thread = threading.Thread(target=killer)
    thread.start()
    with pytest.raises(WorkspaceError, match="nothing changed"):
        db.write("parcels", big)
    thread.join()
    admin.dispose()
    assert killed
    db.engine.dispose()
    frames_equal(Workspace(url).read("parcels"), db.read("parcels"), "parcels")
    assert len(Workspace(url).read("parcels")) == 300


def test_unreachable_database_is_one_line_exit_2(capsys):
    code = main(["evaluate", "--workspace", "postgresql://nobody@127.0.0.1:1/none", "--out", "x.csv"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot connect" in err[0] and "127.0.0.1:1/none" in err[0]
