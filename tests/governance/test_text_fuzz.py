"""Fuzzing the accounts-CSV import with hostile cells (issue 16), with a fixed seed.

Hundreds of files, each with cells holding control characters, bidi and zero-width characters,
overlong values or raw random bytes, go through the import path the CLI uses. Whatever the file,
the import either succeeds with clean text or is refused with Kontokoll's own error, naming
FILE:LINE: FIELD for every bad cell, and a refusal leaves every store file byte for byte as it was.
"""

from __future__ import annotations

import random
from pathlib import Path

from governance.accounts_csv import read_account_rows
from governance.errors import ImportRefused, InputError
from governance.register import Register
from governance.store import Store
from governance.text_safety import UNSAFE
from tests.governance.test_text_hygiene import COLUMNS, GOOD, HEADER, HOSTILE, quote, snapshot

SEED = 16
CASES = 300
MULTILINE = ("purpose", "closed_reason", "audience")


def _hostile_char(rng: random.Random) -> str:
    """A character the import must refuse: a named one, or any C0/C1 control or format mark."""
    pick = rng.random()
    if pick < 0.5:
        return rng.choice(HOSTILE)
    if pick < 0.8:
        return chr(rng.choice([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]))
    return rng.choice("\u061c\u180e\u200c\u200e\u202a\u202b\u202c\u202d\u2067\u2069\U000e0001")


def _hostile_cell(rng: random.Random, column: str) -> str:
    base = GOOD.get(column) or "text"
    kind = rng.random()
    if kind < 0.7:  # a hostile character somewhere inside (not at the ends, which are trimmed)
        at = rng.randrange(1, max(2, len(base)))
        return base[:at] + _hostile_char(rng) + base[at:]
    # far longer than any limit
    return base + rng.choice("xyzåäö") * rng.choice([201, 255, 2001, 5000])


def _file_bytes(rng: random.Random, rows: list[dict[str, str]]) -> bytes:
    lines = [HEADER] + [",".join(quote(row.get(c, "")) for c in COLUMNS) for row in rows]
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    if rng.random() < 0.15:  # raw random bytes spliced into a data line
        at = rng.randrange(len(HEADER) + 1, len(data))
        data = data[:at] + rng.randbytes(rng.randrange(1, 8)) + data[at:]
    return data


def _case(rng: random.Random, number: int) -> list[dict[str, str]]:
    rows = []
    for index in range(rng.randrange(1, 4)):
        rows.append({**GOOD, "handle": f"konto{number}x{index}"})
    victim = rng.choice(rows)
    for column in rng.sample([c for c in COLUMNS if c not in ("visibility", "status")], 2):
        victim[column] = _hostile_cell(rng, column)
    return rows


def _assert_clean(store: Store) -> None:
    """What an import let through holds no unsafe character (LF and TAB only in long text)."""
    for account in Register(store, user="tester").accounts():
        for name in ("handle", "department", "purpose", "closed_reason", "project", "url"):
            value = str(getattr(account, name))
            if name in MULTILINE:
                value = value.replace("\n", "").replace("\t", "")
            assert not UNSAFE.search(value), (name, value)
        for editor in account.editors:
            assert not UNSAFE.search(editor.name + editor.email)


def test_hostile_csv_files_never_crash_always_name_file_line_field_and_change_nothing(
    tmp_path: Path, store: Store, data_dir: Path
) -> None:
    rng = random.Random(SEED)
    register = Register(store, user="tester")
    baseline = tmp_path / "baseline.csv"
    baseline.write_bytes(_file_bytes(random.Random(0), [GOOD]))
    register.import_rows(read_account_rows(baseline), str(baseline))
    assert snapshot(data_dir)  # refusals below are checked against a real store
    refused = 0
    for number in range(CASES):
        path = tmp_path / f"fuzz-{number}.csv"
        path.write_bytes(_file_bytes(rng, _case(rng, number)))
        before = snapshot(data_dir)
        try:
            register.import_rows(read_account_rows(path), str(path))
        except ImportRefused as error:
            message = str(error)
            assert error.problems, message
            for problem in error.problems:
                assert problem.field and problem.line >= 1, message
                assert f"{path}:{problem.line}: {problem.field}: " in message
        except InputError as error:  # not UTF-8, unreadable CSV: named by file and line
            assert f"{path}:" in str(error), str(error)
        else:
            _assert_clean(store)
            continue
        refused += 1
        assert snapshot(data_dir) == before, path.name
    assert refused > CASES * 0.9  # the cases really are hostile
