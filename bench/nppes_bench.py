"""Benchmark: NPPES ingest throughput (parse + map + write) and peak memory, on generated files.

    python -m bench.nppes_bench                              # 100k and 1M rows
    python -m bench.nppes_bench --sizes 100000 --keep /tmp/nppes-bench

For each size it generates format-faithful files (the full 330-column V2 header, every value quoted, plus a
Medicare utilisation file) with ``caremap.registry.generator``, then measures in the same run, each in a
fresh process so that peak RSS (VmHWM) is the measured step's own:

- floor ``lines``: reading and decoding the file line by line (no parsing at all);
- floor ``csv.reader``: the csv module's C reader over every row, nothing else (the previous reader's basis);
- floor ``blocks``: the same reader as the ingest (``caremap.registry.csvblocks``: whole-record blocks parsed
  by pyarrow into the columns NPPES needs), no rules, no records;
- ``reader``: caremap's NPPES reader (blocks, the listing rules, ZIP placement), no records;
- ``ingest``: the whole command's work: utilisation join indexed on disk, records built, JSON Lines written.

Rows/s are NPPES data rows over the measured step's wall time and over its CPU time (user + system; the
ingest's includes loading the corpus, the ZIP table and the utilisation file). On a shared machine wall time
depends on the other load; CPU time much less so, and the ratio to the csv.reader floor (per CPU-second)
is the comparison to quote. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from caremap.settings import PROJECT_ROOT

_STEP = r"""
import csv, json, resource, sys, time
from pathlib import Path
step, npi, util, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
started = time.perf_counter()
cpu_started = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
rows = 0
if step == "lines":
    with npi.open(encoding="utf-8", newline="") as f:
        rows = sum(1 for _ in f) - 1
elif step == "csv.reader":
    with npi.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f); next(reader)
        for _ in reader:
            rows += 1
elif step == "blocks":
    from caremap.registry.csvblocks import CsvBlocks, read_header
    from caremap.registry.layouts import NPPES
    with npi.open("rb") as f:
        header = read_header(f)
        for block in CsvBlocks(f, header=header, wanted=NPPES.resolve(header, file=npi).values()):
            rows += block.rows
elif step == "reader":
    from caremap.registry.nppes import NppesReader
    from caremap.registry.zips import ZipTable
    zips = ZipTable.load()
    started = time.perf_counter()
    cpu_started = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    with npi.open("rb") as f:
        reader = NppesReader(f, file=npi, zips=zips)
        for _ in reader:
            pass
        rows = reader.rows
else:
    from caremap.corpus.load import Corpus
    from caremap.registry.ingest import IngestFiles, ingest_nppes
    from caremap.settings import PROJECT_ROOT
    report = ingest_nppes(IngestFiles(npi=npi, out=out, utilization=util), Corpus.load(PROJECT_ROOT / "corpus"),
                          progress=False)
    rows = report.rows
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu_started
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"rows": rows, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": hwm / 1024}))
"""

STEPS = ("lines", "csv.reader", "blocks", "reader", "ingest")


def measure(step: str, npi: Path, util: Path, out: Path) -> dict[str, float]:
    result = subprocess.run([sys.executable, "-c", _STEP, step, str(npi), str(util), str(out)], check=True,
                            capture_output=True, text=True, cwd=PROJECT_ROOT)
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def generate(count: int, folder: Path) -> tuple[Path, Path, float]:
    """The files for ``count`` rows (reused when an earlier ``--keep`` run left them); seconds generating."""
    npi, util = folder / "npidata_pfile_20050523-20260309.csv", folder / "MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv"
    if npi.is_file() and util.is_file():
        return npi, util, 0.0
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "caremap", "generate-nppes", "--count", str(count), "--out", str(folder),
                    "--bad-every", "1000"], check=True, capture_output=True, cwd=PROJECT_ROOT)
    return npi, util, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--keep", type=Path, default=None,
                        help="Folder to keep the generated files in (and reuse them from on later runs)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="nppes-bench-"))
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f} (shared machine: figures are noisy)")
    try:
        for size in args.sizes:
            folder = root / f"n{size}"
            npi, util, gen_s = generate(size, folder)
            print(f"\n{size:,} rows: {npi.stat().st_size / 1e6:,.0f} MB NPPES, "
                  f"{util.stat().st_size / 1e6:,.1f} MB utilisation, "
                  + (f"generated in {gen_s:.0f} s" if gen_s else "reused"))
            floors: dict[str, float] = {}
            for step in STEPS:
                figures = measure(step, npi, util, folder / "providers.jsonl")
                rate = figures["rows"] / figures["seconds"]
                per_cpu = figures["rows"] / figures["cpu_seconds"]
                floors[step] = per_cpu
                ratio = f"{per_cpu / floors['csv.reader']:.2f}x csv.reader" if "csv.reader" in floors else ""
                print(f"  {step:<11} {rate:>9,.0f} rows/s wall ({figures['seconds']:>6.1f} s)  "
                      f"{per_cpu:>9,.0f} rows/CPU-s  peak RSS {figures['peak_rss_mb']:>5,.0f} MB  {ratio}")
            if args.keep is None:
                shutil.rmtree(folder)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
