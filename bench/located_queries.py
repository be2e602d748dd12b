"""Located queries: do judged searches with a place find the right care nearby? Through a running API.

    python -m caremap run                      # the national directory, in another terminal
    python -m bench.located_queries corpus/judgments/safety-heldout-*.yaml [--base http://127.0.0.1:8000]

For every in-scope judgment with ``near:``, one search at the default 25 km radius. It passes when the place
resolves (HTTP 200), a procedure graded 3 comes first (or the query names a specialty and the API reads it as
one), and at least one provider is listed within 25 km. Prints the share per file and overall, and every miss
with why. Asserts nothing (issue 15's target: 90% of held-out located queries).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx

from caremap.corpus.load import load_judgments

RADIUS_KM = 25.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("judgments", nargs="+", type=Path)
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the API's base URL")
    args = parser.parse_args()
    passed_all = total_all = 0
    with httpx.Client(base_url=args.base, timeout=60) as client:
        for path in args.judgments:
            located = [j for j in load_judgments(path) if j.near and j.kind in (None, "in_scope")]
            passed, misses = 0, []
            for judgment in located:
                response = client.get("/v1/search", params={"q": judgment.query, "near": judgment.near,
                                                            "radius_km": RADIUS_KM})
                if response.status_code != 200:
                    misses.append(f"  HTTP {response.status_code} near {judgment.near!r}: {judgment.query}")
                    continue
                body = response.json()
                first = next((p["slug"] for p in body["interpretation"]["procedures"]), None)
                right = (first is not None and judgment.procedures.get(first) == 3) or (
                    judgment.intent == "specialty" and body["intent"]["type"] == "specialty")
                nearby = [p for p in body["providers"] if p["distance_km"] <= RADIUS_KM]
                if right and nearby:
                    passed += 1
                    continue
                why = [] if right else [f"first procedure {first or 'none'}"]
                why += [] if nearby else ["no provider within 25 km" + (" (emergency)" if body.get("urgent") else "")]
                misses.append(f"  {'; '.join(why)} at {body['location']['label']!r}: {judgment.query}")
            print(f"{path}: {passed}/{len(located)} located queries pass")
            for miss in misses:
                print(miss)
            passed_all, total_all = passed_all + passed, total_all + len(located)
    print(f"overall {passed_all}/{total_all} = {passed_all / max(total_all, 1):.2f}")


if __name__ == "__main__":
    main()
