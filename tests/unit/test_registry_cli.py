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


def test_weekly_increments_are_applied_to_a_base_file_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    monthly, weekly = tmp_path / "monthly", tmp_path / "weekly"
    for folder, count, seed in ((monthly, 60, 1), (weekly, 30, 2)):
        generated = runner.invoke(app, ["generate-nppes", "--count", str(count), "--seed", str(seed),
                                        "--out", str(folder)])
        assert generated.exit_code == 0, generated.output
    out = tmp_path / "providers.jsonl"
    first = runner.invoke(app, ["ingest", "nppes", "--npi", str(next(monthly.glob("npidata_*"))), "--out", str(out),
                                "--no-progress"])
    assert first.exit_code == 0, first.output
    result = runner.invoke(app, ["ingest", "nppes", "--base", str(out), "--npi", str(next(weekly.glob("npidata_*"))),
                                 "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    merge = json.loads(result.stdout)["base_records"]
    assert merge["replaced"] > 0 and merge["kept"] > 0  # the generator numbers NPIs from 1: weeks overlap months
    assert json.loads(result.stdout)["written"] == len(out.read_text().splitlines())
