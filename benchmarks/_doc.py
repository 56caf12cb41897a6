"""Writing a benchmark's section of docs/benchmarks.md (between its markers)."""

from __future__ import annotations

from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    """The start and end comments of benchmark ``name``'s section."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def update_section(doc: Path, name: str, heading: str, body: str) -> None:
    """Replace ``name``'s section of ``doc`` with ``body``; add it (under
    ``heading``) at the end when the markers are absent. The file is replaced
    atomically."""
    from behavert.io.atomic import atomic_path

    start, end = markers(name)
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n{block}\n"
    with atomic_path(doc) as tmp:
        tmp.write_text(text, encoding="utf-8")
