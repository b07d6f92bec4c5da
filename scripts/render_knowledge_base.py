"""Render the knowledge base (model/ and priors/) as Markdown: docs/knowledge-base.md.

python scripts/render_knowledge_base.py             # write docs/knowledge-base.md
python scripts/render_knowledge_base.py --check     # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))

from ddx.knowledge.load import load_knowledge  # noqa: E402
from ddx.pictures.report import render_markdown  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=ROOT / "docs" / "knowledge-base.md",
        help="where to write the Markdown (default: docs/knowledge-base.md)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="folder holding model/ and priors/")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the output file is missing or stale"
    )
    args = parser.parse_args(argv)
    text = render_markdown(load_knowledge(args.root))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
        if current != text:
            print(f"{args.output} is stale: run python scripts/render_knowledge_base.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
