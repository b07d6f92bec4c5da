#!/usr/bin/env python3
"""The example CDS Hooks calls and docs/ehr.md: ``python scripts/render_ehr_docs.py [--check]``.

For each ``examples/cds-hooks/<name>-request.json`` the service (in process,
bundled model) answers; the response is written beside it as
``<name>-response.json``, with the service's address as ``ddx serve`` prints
it, the charts read on :data:`READ_ON`, and each card's random ``uuid``
replaced by one derived from the request's ``hookInstance``, so that the file
changes only when the answer does.
The requests and responses are also copied into docs/ehr.md, between its
``<!-- name -->`` markers, with the code tables of ``model/codes.yaml`` (as
docs/knowledge-base.md shows them). ``--check`` exits 1 when a committed file differs.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))

EXAMPLES = ROOT / "examples" / "cds-hooks"
BASE_URL = "http://127.0.0.1:8000"
#: The day the example charts are read on (ages are reckoned on it).
READ_ON = date(2026, 12, 3)


def responses() -> dict[Path, str]:
    """Each example request's response file and its text."""
    from fastapi.testclient import TestClient

    import ddx
    from ddx.service.app import create_app
    from ddx.service.cds import SERVICE_ID

    client = TestClient(create_app(ddx.load(), today=lambda: READ_ON), base_url=BASE_URL)
    out = {}
    for request in sorted(EXAMPLES.glob("*-request.json")):
        body = json.loads(request.read_text(encoding="utf-8"))
        answer: dict[str, Any] = client.post(f"/cds-services/{SERVICE_ID}", json=body).raise_for_status().json()
        for i, card in enumerate(answer["cards"]):
            card["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{body['hookInstance']}/{i}"))
        name = request.name.replace("-request.json", "-response.json")
        out[request.with_name(name)] = json.dumps(answer, indent=2, ensure_ascii=False) + "\n"
    return out


DOC = ROOT / "docs" / "ehr.md"


def fill(text: str, name: str, body: str, lang: str = "json") -> str:
    """``text`` with the block between ``<!-- name -->`` and ``<!-- /name -->`` replaced by ``body``, fenced."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    head, found, rest = text.partition(start)
    if not found or end not in rest:
        raise SystemExit(f"{DOC.relative_to(ROOT)} has no block {start} ... {end}")
    return f"{head}{start}\n```{lang}\n{body.rstrip()}\n```\n{end}{rest.split(end, 1)[1]}"


def document(files: dict[Path, str]) -> str:
    """docs/ehr.md with the example requests and responses, and the code tables, filled in."""
    import ddx
    from ddx.pictures.codes_table import codes_section

    text = DOC.read_text(encoding="utf-8")
    tables = "\n".join(codes_section(ddx.load().kb, level=3)[2:])  # without its heading: docs/ehr.md has its own
    start, end = "<!-- codes -->", "<!-- /codes -->"
    head, _, rest = text.partition(start)
    text = f"{head}{start}\n{tables.strip()}\n{end}{rest.split(end, 1)[1]}" if end in rest else text
    for name in ("sciatica", "emergency"):
        text = fill(text, f"{name}-request", (EXAMPLES / f"{name}-request.json").read_text(encoding="utf-8"))
        text = fill(text, f"{name}-response", files[EXAMPLES / f"{name}-response.json"])
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if a response file is stale")
    args = parser.parse_args(argv)
    stale = []
    files = responses()
    files[DOC] = document(files)
    for path, text in files.items():
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} is stale: run python scripts/render_ehr_docs.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
