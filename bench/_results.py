"""Shared by the benchmarks: write one section of ``bench/RESULTS.md``, keeping the others."""

from __future__ import annotations

from pathlib import Path


def replace_section(out: Path, heading: str, section: str) -> None:
    """Put ``section`` (starting with ``heading``) into ``out``, replacing that heading's old section."""
    text = out.read_text(encoding="utf-8") if out.exists() else "# Benchmark results\n"
    if heading + "\n" in text:
        start = text.index(heading + "\n")
        rest = text.find("\n## ", start + len(heading))
        text = text[:start] + section.rstrip() + ("\n\n" + text[rest + 1:] if rest != -1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    out.write_text(text.rstrip() + "\n", encoding="utf-8")


def run_worker(script: str, data: Path, repeat: int) -> dict:
    """Run ``script --worker DATA --repeat N`` in a fresh process (so its peak RSS is its own).

    The worker prints one JSON object as its last line; that object is returned.
    """
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, script, "--worker", str(data), "--repeat", str(repeat)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
