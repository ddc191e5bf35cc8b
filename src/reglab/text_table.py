"""Tables that fit the terminal: `reglab runs list`, `runs show`, `compare` and `demo`.

A rich table squeezed into 80 columns shrinks every column until cells read `s…`.
Here the widths are chosen before rich draws anything, in three steps:

1. Columns whose value is the same in every row move to one line under the table
   ("same in every row: status completed"), and dotted config keys are shown by
   their last part when that is unique (`optimizer.lr` → `lr`, explained below
   the table).
2. Every column at its natural width, if that fits; else headers wrap at `/`, `.`,
   `_` and spaces, and text columns (run names) wrap at spaces. Numbers never wrap.
   Columns are two spaces apart, or one when that is what makes the table fit (headers
   then break at every space, so no header line reads across two columns); a name is
   wrapped only when one-space gaps do not make room for it whole.
3. If even that does not fit, the table is transposed: one block per row, its
   identity on the first line and `header value` pairs below, on a grid shared by
   every block so that values line up from row to row.

No cell is ever cut: a value is shown whole, on one line or wrapped over several.
The table is drawn here, not by rich's `Table`: once the widths are decided, drawing
is padding strings, and rich took half a second for the 1,000 rows of a large
store (`reglab runs list` is run dozens of times a day and must start fast).
`console.print(table)` still works: `TextTable` is a rich renderable.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Sequence

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

__all__ = ["Column", "TextTable", "short_names", "shown_names", "render_table", "terminal_width", "wrap_line"]

# Narrowest a wrapping text column (a run name) is made before the table is transposed.
MIN_TEXT_WIDTH = 12
MAX_WORD = 20
# Identity columns whose value speaks for itself on a block's first line.
NAMELESS = {"id", "name", "run"}
HEADER_BREAK = re.compile(r"(?<=[/._ \-])")
# A dotted config key that starts a `key=value` pair of a run name (`compare --vary`
# labels: `optimizer.lr=0.1, regularization.l2=0 | other=1`).
NAMED_KEY = re.compile(r"(?:^|(?<=, )|(?<=\| ))([A-Za-z_]\w*(?:\.\w+)+)(?==)")


@dataclass
class Column:
    """One column: header and one string per row.

    Attributes:
        header: the column title (wraps at `/`, `.`, `_`, `-` and spaces when space is short).
        cells: the formatted values, one per row.
        align: "right" for numbers, "left" for text.
        wrap: the cells may wrap at spaces (names); numbers and ids never wrap.
        identity: shown on the first line of a row's block when the table is transposed.
        optional: moved under the table when its value is the same in every row.
    """

    header: str
    cells: list[str]
    align: str = "right"
    wrap: bool = False
    identity: bool = False
    optional: bool = True


@dataclass
class TextTable:
    """Columns plus a title and lines printed under the table."""

    columns: list[Column]
    title: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.columns[0].cells) if self.columns else 0

    def fits(self, width: int) -> bool:
        """True when the table is drawn as a table at `width` (not one block per row)."""
        columns, _ = _move_constant_columns(self)
        return not columns or _layout(columns, width) is not None

    def __rich_console__(self, console: "Console", options: Any) -> Iterator["Text"]:
        """`console.print(table)` draws it fitted to the console's width."""
        from rich.text import Text

        yield Text(render_table(self, options.max_width))


def terminal_width() -> int:
    """The width tables are fitted to: `$COLUMNS` when set, else the terminal's,
    else 200 (pipes and logs, where nothing wraps)."""
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    from rich.console import Console

    console = Console()
    return console.width if console.is_terminal else 200


def short_names(keys: Sequence[str], taken: Sequence[str] = ()) -> dict[str, str]:
    """Each dotted key by its shortest unique dotted suffix.

    A suffix is unique when no other key ends with it and it is not one of `taken`
    (the other headers of the table).

    Example:
        >>> short_names(["optimizer.lr", "regularization.l2", "model.dropout", "augment.dropout"])
        {'optimizer.lr': 'lr', 'regularization.l2': 'l2', 'model.dropout': 'model.dropout', 'augment.dropout': 'augment.dropout'}
    """
    names = {}
    for key in keys:
        parts = key.split(".")
        for start in range(len(parts) - 1, -1, -1):
            suffix = ".".join(parts[start:])
            clashes = [other for other in keys if other != key and (other == suffix or other.endswith("." + suffix))]
            if not clashes and suffix not in taken:
                names[key] = suffix
                break
        else:
            names[key] = key
    return names


def shown_names(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Run names with each dotted config key of their `key=value` pairs by its shortest
    unique suffix, so a `--vary` grid's names fit a narrow table, and the note that says
    what the short keys stand for (none when nothing was shortened).

    Example:
        >>> shown_names(["optimizer.lr=0.1, regularization.l2=0", "optimizer.lr=0.01, regularization.l2=0"])
        (['lr=0.1, l2=0', 'lr=0.01, l2=0'], ['run names: lr = optimizer.lr, l2 = regularization.l2'])
    """
    keys = list(dict.fromkeys(match.group(1) for name in names for match in NAMED_KEY.finditer(name)))
    short = {key: name for key, name in short_names(keys).items() if name != key}
    if not short:
        return list(names), []
    shown = [NAMED_KEY.sub(lambda match: short.get(match.group(1), match.group(1)), name) for name in names]
    return shown, ["run names: " + ", ".join(f"{name} = {key}" for key, name in short.items())]


def _header_pieces(header: str) -> list[str]:
    return [piece for piece in HEADER_BREAK.split(header) if piece]


def _wrap_header(header: str, width: int, gap: int = 2) -> str:
    """`header` in lines of at most `width`; with one-space gaps every space breaks a line,
    so that a header line never reads as words of two columns ("val acc test acc")."""
    lines: list[str] = []
    for piece in _header_pieces(header):
        if lines and len(lines[-1]) + len(piece) <= width and not (gap == 1 and lines[-1].endswith(" ")):
            lines[-1] += piece
        else:
            lines.append(piece)
    return "\n".join(line.strip() for line in lines)


def _natural_width(column: Column, gap: int = 2) -> int:
    header = max(map(len, column.header.split(" "))) if gap == 1 else len(column.header)
    return max([header, *(len(cell) for cell in column.cells)])


def _min_width(column: Column) -> int:
    header = max(len(piece.strip()) for piece in _header_pieces(column.header)) if column.header else 0
    longest = max((len(cell) for cell in column.cells), default=0)
    if column.wrap:
        # Wrap at spaces, keeping words whole up to MAX_WORD characters.
        word = max((len(part) for cell in column.cells for part in cell.split()), default=0)
        longest = min(longest, max(MIN_TEXT_WIDTH, min(word, MAX_WORD)))
    return max(header, longest, 1)


def _move_constant_columns(table: TextTable) -> tuple[list[Column], list[str]]:
    if table.rows < 2:
        return table.columns, []
    kept, same = [], []
    for column in table.columns:
        if column.optional and len(set(column.cells)) == 1:
            same.append(f"{column.header} {column.cells[0]}")
        else:
            kept.append(column)
    return kept, ([f"same in every row: {', '.join(same)}"] if same else [])


def _cell_lines(text: str, width: int, wrap: bool) -> list[str]:
    """A cell as lines of at most `width`: wrapped at spaces (words longer than the width
    split) for text columns; a number is never wider than its column."""
    if len(text) <= width or not wrap:
        return [text]
    return textwrap.wrap(text, width=width, break_on_hyphens=False) or [text]


def _justify(text: str, width: int, align: str) -> str:
    return text.rjust(width) if align == "right" else text.ljust(width)


def _draw_table(columns: Sequence[Column], widths: Sequence[int], gap: int) -> str:
    """Headers (wrapped, bottom-aligned), a rule, then the rows (cells top-aligned),
    columns `gap` spaces apart, trailing spaces removed."""
    separator = " " * gap
    headers = [_wrap_header(column.header, width, gap).split("\n") for column, width in zip(columns, widths)]
    height = max(len(lines) for lines in headers)
    lines = []
    for level in range(height):
        cells = []
        for column, width, header in zip(columns, widths, headers):
            index = level - (height - len(header))
            cells.append(_justify(header[index] if index >= 0 else "", width, column.align))
        lines.append(separator.join(cells).rstrip())
    lines.append("─" * (sum(widths) + gap * (len(widths) - 1)))
    for row in range(len(columns[0].cells)):
        parts = [_cell_lines(column.cells[row], width, column.wrap) for column, width in zip(columns, widths)]
        for level in range(max(len(part) for part in parts)):
            cells = [_justify(part[level] if level < len(part) else "", width, column.align)
                     for column, width, part in zip(columns, widths, parts)]
            lines.append(separator.join(cells).rstrip())
    return "\n".join(lines)


def _layout(columns: Sequence[Column], width: int) -> tuple[list[int], int] | None:
    """(column widths, gap) that fit `width`, None when the table must be transposed.

    In order of preference: two spaces between columns, then one, with every name on one
    line (headers may wrap); then two and one with names wrapped."""
    for wrap_text in (False, True):
        for gap in (2, 1):
            widths = _fit_widths(columns, width, gap, wrap_text)
            if widths is not None:
                return widths, gap
    return None


def _fit_widths(columns: Sequence[Column], width: int, gap: int = 2, wrap_text: bool = True) -> list[int] | None:
    """Column widths that fit `width` with `gap` spaces between columns (text columns kept
    whole unless `wrap_text`), or None."""
    budget = width - gap * (len(columns) - 1)
    natural = [_natural_width(column, gap) for column in columns]
    if sum(natural) <= budget:
        return natural
    minimum = [_min_width(column) if wrap_text or not column.wrap else max(_min_width(column), *map(len, column.cells))
               for column in columns]
    if sum(minimum) > budget:
        return None
    widths = list(minimum)
    spare = budget - sum(widths)
    # Unwrap the cheapest headers first (most columns back on one line), then give
    # what is left to the text columns, then to the remaining headers.
    for index in sorted(range(len(columns)), key=lambda i: natural[i] - minimum[i]):
        need = natural[index] - widths[index]
        if not columns[index].wrap and need <= spare:
            widths[index] += need
            spare -= need
    for wrap_first in (True, False):
        for index, column in enumerate(columns):
            if column.wrap == wrap_first:
                grant = min(natural[index] - widths[index], spare)
                widths[index] += grant
                spare -= grant
    return widths


def _blocks(columns: Sequence[Column], width: int) -> str:
    """One block per row: identity cells on the first line, `header value` pairs below
    on a grid that is the same for every block, so values line up from run to run."""
    identity = [column for column in columns if column.identity] or list(columns[:1])
    rest = [column for column in columns if column not in identity]
    values = [max(len(cell) for cell in column.cells) for column in rest]
    slots = [len(column.header) + 1 + value for column, value in zip(rest, values)]
    lines_of_slots: list[list[int]] = [[]]
    used = 2
    for index, slot in enumerate(slots):
        if lines_of_slots[-1] and used + 3 + slot > width:
            lines_of_slots.append([])
            used = 2
        used += slot + (3 if lines_of_slots[-1] else 0)
        lines_of_slots[-1].append(index)
    blocks = []
    for row in range(len(columns[0].cells)):
        lines = ["  ".join(column.cells[row] if column.header in NAMELESS else f"{column.header} {column.cells[row]}"
                           for column in identity)]
        for indexes in lines_of_slots:
            pairs = []
            for index in indexes:
                column, cell = rest[index], rest[index].cells[row]
                value = cell.rjust(values[index]) if column.align == "right" else cell.ljust(values[index])
                pairs.append(f"{column.header} {value}")
            if pairs:
                lines.append(("  " + "   ".join(pairs)).rstrip())
        blocks.append("\n".join(wrap_line(line, width) for line in lines))
    return "\n\n".join(blocks)


def render_table(table: TextTable, width: int) -> str:
    """The table as text at most `width` characters wide (see the module docstring).

    Example:
        >>> text = render_table(TextTable([Column("id", ["3f2a"], align="left")], "1 run"), 80)
    """
    lines = [wrap_line(table.title, width)] if table.title else []
    if table.rows == 0:
        return "\n".join([*lines, *(wrap_line(note, width) for note in table.notes)])
    columns, same = _move_constant_columns(table)
    layout = _layout(columns, width) if columns else None
    if columns and layout is not None:
        lines.append(_draw_table(columns, *layout))
    elif columns:
        lines.append(_blocks(columns, width))
    notes = [*same, *table.notes]
    return "\n".join([*lines, *(wrap_line(note, width) for note in notes)])


def wrap_line(line: str, width: int) -> str:
    """A line of prose wrapped at spaces to `width`, continuation lines indented."""
    if len(line) <= width:
        return line
    indent = line[: len(line) - len(line.lstrip())]
    return "\n".join(textwrap.wrap(line, width=width, subsequent_indent=indent + "  ", break_long_words=False,
                                   break_on_hyphens=False)) or line
