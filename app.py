"""园区土地规划 landplan — ``streamlit run app.py -- --workspace DIR`` in a source checkout.

The app's script is :mod:`landplan.app.main` (shipped in the package; ``landplan app`` runs
it); this shim only gives it the checkout's demo park ``data/`` as the default workspace.
"""

from pathlib import Path

from landplan.app.main import run

run(default_workspace=Path(__file__).resolve().parent / "data")
