"""The two commands, end to end through the CLI: generate files, ingest them, fail cleanly on a bad header."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from caremap.cli import app


def test_generate_then_ingest_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    generated = runner.invoke(app, ["generate-nppes", "--count", "200", "--out", str(tmp_path), "--bad-every", "20"])
    assert generated.exit_code == 0, generated.output
    files = json.loads(generated.stdout)
    out = tmp_path / "providers.jsonl"
    result = runner.invoke(app, ["ingest", "nppes", "--npi", files["npi"], "--utilization", files["utilization"],
                                 "--locations", files["locations"], "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["written"] == len(out.read_text().splitlines()) > 100
    assert sum(summary["rejected"].values()) >= 5
    assert "rejected: line " in result.stderr


def test_a_bad_header_exits_1_with_the_missing_columns_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "not-nppes.csv"
    source.write_text("a,b\n1,2\n")
    out = tmp_path / "providers.jsonl"
    result = CliRunner().invoke(app, ["ingest", "nppes", "--npi", str(source), "--out", str(out)])
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr and "'NPI'" in result.stderr
    assert not out.exists()
