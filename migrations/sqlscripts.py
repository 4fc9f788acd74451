"""Run a revision's SQL from the `.sql` file beside it, one statement at a time.

Each revision's SQL lives in `versions/<revision file>.sql` (and `<revision file>_downgrade.sql` when it can
be undone), so that it reads, diffs and highlights as SQL; the `.py` file keeps alembic's ids and the why.

asyncpg prepares every statement it is given, and a prepared statement is one command ("cannot insert
multiple commands into a prepared statement"), so a script is split on the semicolons that end statements:
not those inside quotes, dollar-quoted bodies (`$$ ... $$`, `$fn$ ... $fn$`) or comments. Each statement then
goes through `op.execute`, as the revisions did when their SQL was Python strings, so offline mode (`--sql`)
still prints it. `env.py` puts this folder on `sys.path` so that revisions can import this module.

Tables that only grow are made append-only by the SQL function `make_append_only(regclass)` (migration 0016):
`SELECT make_append_only('table');` in a revision's SQL.
"""

from __future__ import annotations

import re
from pathlib import Path

from alembic import op

# One token the splitter must step over whole; anything else is scanned a character at a time.
_QUOTED = re.compile(
    r"""
      '(?:[^']|'')*'                        # a string ('' is a quote inside it)
    | "(?:[^"]|"")*"                        # a quoted identifier
    | --[^\n]*                              # a line comment
    | /\*.*?\*/                             # a block comment (not nested: none of ours are)
    | (?P<tag>\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$).*?(?P=tag)   # a dollar-quoted body
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD_CHAR = re.compile(r"[A-Za-z0-9_]")


def statements(script: str) -> list[str]:
    """The statements of `script`, in order, each without its terminating semicolon; comments kept."""
    found: list[str] = []
    start = i = 0
    while i < len(script):
        char = script[i]
        if char == ";":
            found.append(script[start:i])
            start = i = i + 1
            continue
        quoted = _QUOTED.match(script, i) if char in "'\"-/$" else None
        if quoted and not (char == "$" and i > 0 and _WORD_CHAR.match(script[i - 1])):
            i = quoted.end()
        elif char in "'\"$" and not (char == "$" and _is_plain_dollar(script, i)):
            raise ValueError(f"unterminated quote at offset {i}: {script[i : i + 40]!r}")
        else:
            i += 1
    found.append(script[start:])
    return [statement.strip() for statement in found if _has_code(statement)]


def _is_plain_dollar(script: str, i: int) -> bool:
    """A `$` that opens no quote: `$1`, or inside a word such as `a$b`."""
    after = script[i + 1 : i + 2]
    return (i > 0 and bool(_WORD_CHAR.match(script[i - 1]))) or after.isdigit()


def _has_code(statement: str) -> bool:
    """False for what is only whitespace and comments (the tail after the last semicolon)."""
    return bool(
        _QUOTED.sub(lambda m: " " if m.group(0)[:2] in ("--", "/*") else m.group(0), statement).strip()
    )


def script_path(revision_file: str, direction: str = "upgrade") -> Path:
    """`0004_money.py` -> `0004_money.sql`, or `0004_money_downgrade.sql` for the way back."""
    revision = Path(revision_file)
    suffix = "" if direction == "upgrade" else f"_{direction}"
    return revision.with_name(f"{revision.stem}{suffix}.sql")


def run_script(revision_file: str, direction: str = "upgrade") -> None:
    """Execute the SQL file of `revision_file` (pass `__file__`), statement by statement."""
    for statement in statements(script_path(revision_file, direction).read_text(encoding="utf-8")):
        op.execute(statement)
