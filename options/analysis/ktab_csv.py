"""
KTAB's CSV scenario files (examples/smp/doc/*.csv in KAPSARC/KTAB), read as KTAB's
SMPModel::csvRead reads them (examples/smp/libsrc/smpread.cpp, with minicsv), and written so
that KTAB reads them back:

    line 1: scenario name, description, number of actors, number of dimensions[, …]
    line 2: a header: Actor, Description, Power, then a position and a salience name per
            dimension (the dimension is named by its position's column)[, …]
    then one line per actor: name, description, capability, then position and salience on
            each dimension, both on the 0–100 scale[, …]

Fields are split at commas as minicsv splits them: a field that starts with a double quote runs
to the next double quote, commas included; double quotes at either end of a field are dropped,
`&quot;` stands for a double quote and `$$` for a comma; spaces are kept (KTAB keeps them in the
names). Anything after the fields a line needs is ignored, as KTAB does (KTAB's files end their
lines with a comma), and so are blank lines after the last actor.

KTAB's own limits are checked: 3 to 250 actors, at least one dimension, names of 1 to 25
characters, capabilities within [0, 1e8], positions and saliences within [0, 100] and an actor's
saliences adding up to at most 100. Where KTAB would read a number out of a field that has
more (`12abc`), this reader stops instead: every error is a ValueError naming the line.

Nothing here imports Django.
"""

import io
import re
from pathlib import Path

from options.analysis.smp import SMPInput

MIN_ACTORS, MAX_ACTORS = 3, 250  # Model::minNumActor, Model::maxNumActor
MAX_ACTOR_NAME = 25  # Model::maxActNameLen
MAX_ACTOR_DESCRIPTION = 256  # Model::maxActDescLen
MAX_SCENARIO_TEXT = 512  # Model::maxScenNameLen, maxScenDescLen
MAX_DIMENSION_NAME = 256  # SMPModel::maxDimDescLen
MAX_CAPABILITY = 1e8

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"\+?\d+")


def split_fields(line: str) -> list[str]:
    """minicsv's get_delimited_str, field after field, with KTAB's settings (delimiter ',',
    escape '$$', double quotes trimmed): a comma ends a field unless a double quote opened at
    the field's start is still open; a carriage return ends it anyway."""
    fields, field, quoted = [], [], False
    for pos, ch in enumerate(line):
        if ch == '"':
            if not quoted and not field and (pos == 0 or line[pos - 1] == ","):
                quoted = True
            elif quoted:
                quoted = False
        if (ch == "," and not quoted) or ch in "\r\n":
            fields.append("".join(field))
            field, quoted = [], False
        else:
            field.append(ch)
    fields.append("".join(field))
    return [f.replace("$$", ",").strip('"').replace("&quot;", '"') for f in fields]


def _blank(line: str) -> bool:
    """A line with nothing in its fields (as spreadsheets write after the last row)."""
    return not any(field.strip() for field in split_fields(line))


def _number(text: str, what: str, line: int) -> float:
    if not _NUMBER.fullmatch(text.strip()):
        raise ValueError(f"Line {line}: {what} must be a number, not {text.strip()!r}.")
    return float(text)


def _integer(text: str, what: str, line: int) -> int:
    if not _INTEGER.fullmatch(text.strip()):
        raise ValueError(f"Line {line}: {what} must be a whole number, not {text.strip()!r}.")
    return int(text)


def _fields(lines: list[str], line: int, count: int, what: str) -> list[str]:
    """The first `count` fields of a line (1-based), or ValueError."""
    if line > len(lines):
        raise ValueError(f"Line {line}: the file ends here, but {what} is missing.")
    if _blank(lines[line - 1]):
        raise ValueError(f"Line {line}: blank, but {what} is expected here.")
    fields = split_fields(lines[line - 1])
    if len(fields) < count:
        raise ValueError(
            f"Line {line}: {what} needs {count} fields separated by commas, found {len(fields)}."
        )
    return fields[:count]


def _length(text: str, low: int, high: int, what: str, line: int) -> str:
    if not low <= len(text) <= high:
        raise ValueError(f"Line {line}: {what} must have {low} to {high} characters: {text!r}.")
    return text


def parse_ktab_csv(text: str) -> SMPInput:
    """A scenario from the text of a KTAB CSV file, or ValueError naming the line."""
    lines = text.removeprefix("\ufeff").split("\n")
    name, description, n_text, m_text = _fields(lines, 1, 4, "the scenario line")
    _length(name, 0, MAX_SCENARIO_TEXT, "the scenario name", 1)
    _length(description, 0, MAX_SCENARIO_TEXT, "the scenario description", 1)
    n = _integer(n_text, "the number of actors (field 3)", 1)
    m = _integer(m_text, "the number of dimensions (field 4)", 1)
    if not MIN_ACTORS <= n <= MAX_ACTORS:
        raise ValueError(f"Line 1: KTAB takes {MIN_ACTORS} to {MAX_ACTORS} actors, not {n}.")
    if m < 1:
        raise ValueError("Line 1: there must be at least one dimension.")

    header = _fields(lines, 2, 3 + 2 * m, f"the header (3 fields and 2 for each of {m} dims)")
    dimensions = [
        _length(header[3 + 2 * k], 0, MAX_DIMENSION_NAME, "a dimension name", 2) for k in range(m)
    ]

    actors, descriptions, capabilities, positions, saliences = [], [], [], [], []
    for i in range(n):
        line = 3 + i
        row = _fields(lines, line, 3 + 2 * m, f"actor {i + 1} of {n} (3 fields and 2 per dim)")
        actors.append(_length(row[0], 1, MAX_ACTOR_NAME, "an actor's name", line))
        descriptions.append(_length(row[1], 0, MAX_ACTOR_DESCRIPTION, "a description", line))
        capability = _number(row[2], "the capability (field 3)", line)
        if not 0 <= capability <= MAX_CAPABILITY:
            raise ValueError(f"Line {line}: the capability must be within [0, 1e8].")
        capabilities.append(capability)
        pos, sal, total = [], [], 0.0
        for k in range(m):
            column = 4 + 2 * k
            x = _number(row[3 + 2 * k], f"the position on {dimensions[k]!r} (field {column})", line)
            s = _number(
                row[4 + 2 * k], f"the salience on {dimensions[k]!r} (field {column + 1})", line
            )
            if not 0 <= x <= 100:
                raise ValueError(f"Line {line}: the position in field {column} is not in [0, 100].")
            if not 0 <= s <= 100:
                raise ValueError(
                    f"Line {line}: the salience in field {column + 1} is not in [0, 100]."
                )
            total = total + s
            if total > 100:
                raise ValueError(f"Line {line}: the saliences add up to more than 100.")
            pos.append(x)
            sal.append(s)
        positions.append(pos)
        saliences.append(sal)
    for line in range(3 + n, len(lines) + 1):
        if not _blank(lines[line - 1]):
            raise ValueError(
                f"Line {line}: line 1 declares {n} actors, but more lines follow the last one."
            )
    return SMPInput(
        actors=actors,
        dimensions=dimensions,
        capabilities=capabilities,
        positions=positions,
        saliences=saliences,
        name=name,
        description=description,
        actor_descriptions=descriptions,
    )


def read_ktab_csv(path: str | Path) -> SMPInput:
    """A scenario from a KTAB CSV file, or ValueError (OSError if it cannot be read)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason}).") from None
    return parse_ktab_csv(text)


def _escape(text: str) -> str:
    text = text.replace('"', "&quot;")
    return f'"{text}"' if "," in text else text


def format_ktab_csv(scenario: SMPInput) -> str:
    """The text of a KTAB CSV file for the scenario, which `parse_ktab_csv` reads back as it
    was (numbers in Python's shortest exact form)."""
    out = io.StringIO()
    n, m = len(scenario.actors), len(scenario.dimensions)
    descriptions = scenario.actor_descriptions or ("",) * n
    out.write(f"{_escape(scenario.name)},{_escape(scenario.description)},{n},{m},\n")
    header = ["Actor", "Description", "Power"]
    for k, dimension in enumerate(scenario.dimensions):
        header += [_escape(dimension), f"Salience {k + 1}"]
    out.write(",".join(header) + ",\n")
    for i, actor in enumerate(scenario.actors):
        row = [_escape(actor), _escape(descriptions[i]), repr(float(scenario.capabilities[i]))]
        for k in range(m):
            row += [repr(float(scenario.positions[i][k])), repr(float(scenario.saliences[i][k]))]
        out.write(",".join(row) + ",\n")
    return out.getvalue()


def write_ktab_csv(scenario: SMPInput, path: str | Path) -> None:
    Path(path).write_text(format_ktab_csv(scenario), encoding="utf-8")
