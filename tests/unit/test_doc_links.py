"""Every documentation reference in the repository resolves: a newcomer who follows one finds the page.

Checked: relative Markdown links in docs/*.md, README.md, strategy/README.md and
bitget/sim/README.md (file, and anchor when given); every ``docs/<file>.md`` mention in those
files and in any *.py file, with its
``§N`` section or ``#anchor`` when given; bare ``§N`` references inside a docs page (its own
sections). A *.py file may not cite a bare ``§N``: it must say which page. And nothing may point
outside the repository at notes a clone does not have.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve()
SKIPPED_DIRS = {".git", "__pycache__", "venv", ".venv", "node_modules", "data", ".pytest_cache", ".ruff_cache"}
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".ini", ".pine", ".example", ".sh"}
TEXT_NAMES = {"Dockerfile", "run", ".gitignore"}
# Built from parts so this file does not name them itself.
OUTSIDE_REFERENCES = ("DESIGN" + ".md", "../" + "shared", "/work/" + "shared")

DOC_REF = re.compile(r"(?<![\w/.-])docs/([\w.-]+\.md)(?:#([\w-]+)|[ \t]*§[ \t]*(\d+(?:\.\d+)*))?")
MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SECTION_REF = re.compile(r"§[ \t]*(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
SECTION_NUMBER = re.compile(r"^§?(\d+(?:\.\d+)*)[.)]?(?:\s|$)")
FENCE = re.compile(r"^\s*(```|~~~)")


def _walk(root: Path):
    for path in sorted(root.iterdir()):
        if path.is_dir():
            if path.name in SKIPPED_DIRS or (path.name.startswith(".") and path.name != ".ci"):
                continue
            yield from _walk(path)
        elif path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES:
            yield path


def _markdown_files() -> list[Path]:
    pages = sorted((ROOT / "docs").glob("*.md")) if (ROOT / "docs").is_dir() else []
    return [*pages, ROOT / "README.md", ROOT / "strategy" / "README.md", ROOT / "bitget" / "sim" / "README.md"]


def _python_files() -> list[Path]:
    return [p for p in _walk(ROOT) if p.suffix == ".py" and p.resolve() != THIS_FILE]


def _prose(text: str) -> str:
    """Markdown text without fenced code blocks (examples there are not references)."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        kept.append("" if fenced else line)
    return "\n".join(kept)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_~]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(page: Path) -> tuple[set[str], set[str]]:
    """(anchors, section numbers) of a Markdown page."""
    anchors: set[str] = set()
    sections: set[str] = set()
    seen: dict[str, int] = {}
    for line in _prose(page.read_text(encoding="utf-8")).splitlines():
        match = HEADING.match(line)
        if not match:
            continue
        title = match.group(2)
        base = slug(title)
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchors.add(base if count == 0 else f"{base}-{count}")
        number = SECTION_NUMBER.match(title)
        if number:
            sections.add(number.group(1))
    return anchors, sections


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _check_doc_ref(name: str, anchor: str | None, section: str | None, where: str) -> list[str]:
    page = ROOT / "docs" / name
    if not page.is_file():
        return [f"{where}: docs/{name} does not exist"]
    anchors, sections = headings(page)
    if anchor and anchor not in anchors:
        return [f"{where}: docs/{name} has no heading with anchor #{anchor}"]
    if section and section not in sections:
        return [f"{where}: docs/{name} has no section §{section}"]
    return []


def markdown_problems(page: Path) -> list[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    rel = page.relative_to(ROOT)
    problems: list[str] = []
    own_anchors, own_sections = headings(page)
    for match in MD_LINK.finditer(text):
        target = match.group(1)
        where = f"{rel}:{_line(text, match.start())}"
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            continue  # http(s), mailto: not checked offline
        path_part, _, anchor = target.partition("#")
        if not path_part:
            if anchor not in own_anchors:
                problems.append(f"{where}: no heading with anchor #{anchor} in this page")
            continue
        resolved = (page.parent / path_part).resolve()
        if not resolved.exists():
            problems.append(f"{where}: link target {target} does not exist")
        elif anchor and resolved.suffix == ".md" and anchor not in headings(resolved)[0]:
            problems.append(f"{where}: {path_part} has no heading with anchor #{anchor}")
    doc_spans = []
    for match in DOC_REF.finditer(text):
        doc_spans.append(match.span())
        problems += _check_doc_ref(*match.groups(), where=f"{rel}:{_line(text, match.start())}")
    if page.parent == ROOT / "docs":
        for match in SECTION_REF.finditer(text):
            if any(start <= match.start() < end for start, end in doc_spans):
                continue
            if match.group(1) not in own_sections:
                problems.append(f"{rel}:{_line(text, match.start())}: no section §{match.group(1)} in this page")
    return problems


def python_problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT)
    problems: list[str] = []
    doc_spans = []
    for match in DOC_REF.finditer(text):
        doc_spans.append(match.span())
        problems += _check_doc_ref(*match.groups(), where=f"{rel}:{_line(text, match.start())}")
    for match in SECTION_REF.finditer(text):
        if not any(start <= match.start() < end for start, end in doc_spans):
            problems.append(f"{rel}:{_line(text, match.start())}: bare §{match.group(1)}: name the docs/ page it is in")
    return problems


# -------------------------------------------------------------------------- the repository


def test_docs_directory_has_the_pages_the_code_relies_on():
    for name in ("README.md", "architecture.md", "execution.md", "bitget-api-v2.md", "bitget-api-v3-uta.md",
                 "simulator.md"):
        assert (ROOT / "docs" / name).is_file(), f"docs/{name} is missing"


@pytest.mark.parametrize("page", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_links_and_doc_references_resolve(page: Path):
    assert page.is_file(), f"{page.relative_to(ROOT)} is missing"
    assert markdown_problems(page) == []


def test_python_doc_references_resolve():
    problems = [problem for path in _python_files() for problem in python_problems(path)]
    assert problems == []


def test_code_and_docs_cite_the_docs_pages():
    """The pages are not orphans: the code points into them."""
    cited = {m.group(1) for path in _python_files() for m in DOC_REF.finditer(path.read_text(encoding="utf-8"))}
    assert {"bitget-api-v2.md", "bitget-api-v3-uta.md", "execution.md"} <= cited


def test_nothing_points_outside_the_repository():
    offenders = []
    for path in _walk(ROOT):
        if path.resolve() == THIS_FILE:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in OUTSIDE_REFERENCES:
            for match in re.finditer(re.escape(needle), text):
                offenders.append(f"{path.relative_to(ROOT)}:{_line(text, match.start())}: {needle}")
    assert offenders == []


# -------------------------------------------------------------------------- the checker itself


def _page(tmp_path: Path, name: str, text: str) -> Path:
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    return page


def test_headings_give_github_anchors_and_section_numbers(tmp_path: Path):
    page = _page(tmp_path, "p.md", "# Title\n## 4. Private endpoints\n### 3.7 Cancel: `POST /x`\n## Title\n"
                                  "```\n## 9. not a heading\n```\n")
    anchors, sections = headings(page)
    assert {"title", "4-private-endpoints", "37-cancel-post-x", "title-1"} <= anchors
    assert sections == {"4", "3.7"}


# Pages the next test writes into its own temporary docs/, not the project's: one it writes, one it never does.
WRITTEN, NEVER_WRITTEN = "a.md", "z.md"


def test_checker_catches_a_missing_file_anchor_and_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    _page(tmp_path / "docs", WRITTEN, "## 1. One\n## Two\n")
    page = _page(tmp_path / "docs", "b.md",
                 f"[ok]({WRITTEN}#two) [gone](c.md) [bad]({WRITTEN}#three) see docs/{WRITTEN} §1 and"
                 f" docs/{WRITTEN} §2 and §5\n[web](https://example.com) `docs/{WRITTEN}#two`\n")
    problems = markdown_problems(page)
    assert len(problems) == 4, problems
    assert any("c.md does not exist" in p for p in problems)
    assert any("#three" in p for p in problems)
    assert any("§2" in p for p in problems)
    assert any("§5 in this page" in p for p in problems)
    code = _page(tmp_path, "m.py", f'"""See docs/{WRITTEN} §1, docs/{WRITTEN}#two and docs/{NEVER_WRITTEN}."""\n'
                                    "# bare §3\n")
    found = python_problems(code)
    assert len(found) == 2 and f"docs/{NEVER_WRITTEN} does not exist" in found[0] and "bare §3" in found[1]
