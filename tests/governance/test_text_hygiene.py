"""Issue 16: no control or invisible characters in, none printed raw out, every text bounded.

Every entry path (the accounts CSV, the CLI, the app's form through the same parsers) refuses
ESC, NUL, DEL, C0/C1 controls, bidi overrides and isolates, zero-width characters and line or
paragraph separators, naming FILE:LINE: FIELD, and leaves the store byte for byte as it was.
What an older version may already have stored is printed escaped, never raw.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from audits.service import AuditService
from governance.accounts_csv import read_account_rows
from governance.errors import FieldError, ImportRefused
from governance.fields import parse_people
from governance.model import Department
from governance.register import Register
from governance.store import Store, put_account, put_department
from governance.text_safety import INVISIBLE_LETTERS, UNSAFE, check_text, visible
from tests.conftest import CliResult

HEADER = (
    "platform,handle,department,purpose,visibility,closed_reason,project,project_end,"
    "editors,url,platform_id,status,audience"
)
COLUMNS = HEADER.split(",")
GOOD = {
    "platform": "facebook",
    "handle": "kultur",
    "department": "Kulturförvaltningen",
    "purpose": "Program och nyheter",
    "visibility": "open",
    "editors": "Anna Berg <anna.berg@helsingborg.se>|Bo Ek <bo.ek@helsingborg.se>",
    "url": "https://www.facebook.com/kultur",
}
#: One of each kind the issue names: ESC, NUL, DEL, a C1 control (CSI), bidi override and
#: isolate, LRM/RLM, zero-width space and joiner, word joiner, BOM, line/paragraph separators.
HOSTILE = [
    "\x1b",
    "\x00",
    "\x7f",
    "\x9b",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u2028",
    "\u2029",
]


def snapshot(data_dir: Path) -> dict[str, bytes]:
    """Every file of the store and its bytes (the lock file's content is not the store's)."""
    if not data_dir.exists():
        return {}
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    lines = [HEADER] + [",".join(quote(row.get(c, "")) for c in COLUMNS) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    return path


def import_file(store: Store, path: Path) -> None:
    """The CLI's import path, in process: parse the file, then import all or nothing."""
    Register(store, user="tester").import_rows(read_account_rows(path), str(path))


# --- the refused characters ------------------------------------------------------------------


def test_the_refused_class_is_exactly_the_unicode_control_and_format_categories() -> None:
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    wanted = {ch for ch in everything if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"}}
    assert set(UNSAFE.findall(everything)) == wanted | set(INVISIBLE_LETTERS)


@pytest.mark.parametrize("char", HOSTILE)
@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("handle", "kul{}tur"),
        ("department", "Kultur{}förvaltningen"),
        ("purpose", "Pro{}gram"),
        ("closed_reason", "In{}tern"),
        ("project", "Kultur{}natten"),
        ("platform_id", "12{}3"),
        ("url", "https://example.se/{}x"),
        ("editors", "Anna{} Berg <anna.berg@helsingborg.se>"),
        ("editors", "Anna Berg <anna.b{}erg@helsingborg.se>"),
    ],
)
def test_the_csv_import_refuses_hostile_characters_naming_file_line_and_field(
    tmp_path: Path, store: Store, data_dir: Path, column: str, cell: str, char: str
) -> None:
    Register(store, user="tester").add_department("Kulturförvaltningen")
    before = snapshot(data_dir)
    bad = {**GOOD, "handle": "b", column: cell.format(char)}
    path = write_csv(tmp_path / "konton.csv", [GOOD, bad])
    with pytest.raises(ImportRefused) as caught:
        import_file(store, path)
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, column)]
    message = str(caught.value)
    assert f"{path}:3: {column}: " in message
    assert char not in message and "styrtecken" in message
    assert snapshot(data_dir) == before


def test_long_free_text_keeps_line_feeds_and_tabs_and_turns_crlf_into_lf(
    tmp_path: Path, store: Store
) -> None:
    row = {**GOOD, "purpose": "Två\r\nrader\tmed tabb", "closed_reason": "Ett\nskäl"}
    import_file(store, write_csv(tmp_path / "konton.csv", [row]))
    account = Register(store, user="tester").account("facebook:kultur")
    assert account.purpose == "Två\nrader\tmed tabb"
    assert account.closed_reason == "Ett\nskäl"


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("purpose", "a lone\rcarriage return"),
        ("department", "Kultur\nförvaltningen"),
        ("project", "Kultur\tnatten"),
        ("handle", "kul\ttur"),
    ],
)
def test_one_line_fields_refuse_line_breaks_and_a_lone_cr_is_refused_everywhere(
    tmp_path: Path, store: Store, data_dir: Path, column: str, cell: str
) -> None:
    with pytest.raises(ImportRefused) as caught:
        import_file(store, write_csv(tmp_path / "k.csv", [{**GOOD, column: cell}]))
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, column)]
    assert snapshot(data_dir) == {}


# --- length limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "limit", "make"),
    [
        ("purpose", 2000, lambda n: "x" * n),
        ("audience", 2000, lambda n: "x" * n),
        ("closed_reason", 2000, lambda n: "x" * n),
        ("department", 200, lambda n: "K" * n),
        ("project", 200, lambda n: "p" * n),
        ("platform_id", 200, lambda n: "1" * n),
        ("handle", 200, lambda n: "h" * n),
        ("editors", 200, lambda n: "N" * n + " <n@helsingborg.se>"),
        ("editors", 254, lambda n: "N <" + "n" * (n - 15) + "@helsingborg.se>"),
    ],
)
def test_every_text_field_has_a_limit_named_in_the_message(
    tmp_path: Path, store: Store, column: str, limit: int, make: Callable[[int], str]
) -> None:
    # A platform of its own ids' form would refuse 200 digits first: "other" has no fixed form.
    base = {**GOOD, "platform": "other"} if column == "platform_id" else GOOD
    at_limit = write_csv(tmp_path / "ok.csv", [{**base, column: make(limit)}])
    assert read_account_rows(at_limit)  # exactly the limit is fine
    over = write_csv(tmp_path / "over.csv", [{**base, column: make(limit + 1)}])
    with pytest.raises(ImportRefused) as caught:
        read_account_rows(over)
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, column)]
    assert f"{over}:2: {column}: för lång text: {limit + 1} tecken (högst {limit})" in str(
        caught.value
    )


def test_notes_reasons_and_waiver_names_are_bounded_and_refuse_controls(
    store: Store, data_dir: Path
) -> None:
    service = AuditService(store, user="tester")
    with pytest.raises(FieldError, match="högst 2000") as caught:
        service.record_revision(service.today(), note="n" * 2001)
    assert caught.value.field == "note"
    with pytest.raises(FieldError, match="styrtecken") as caught:
        service.record_revision(service.today(), note="klart\x1b[2J")
    assert caught.value.field == "note"
    assert not (data_dir / "audit").exists() or snapshot(data_dir / "audit") == {}


# --- the command line ------------------------------------------------------------------------


def test_departments_add_refuses_what_the_csv_import_refuses(
    cli: Callable[..., CliResult], data_dir: Path
) -> None:
    assert cli("departments", "add", "Kulturförvaltningen").code == 0
    before = snapshot(data_dir)
    cases = [
        (["departments", "add", "Miljö\x1b[2Jförvaltningen"], "department"),
        (["departments", "add", "Miljö\u202eförvaltningen"], "department"),
        (["departments", "add", "Miljö\nförvaltningen"], "department"),
        (["departments", "add", "M" * 201], "department"),
        (["departments", "add", "Miljö", "--contact", "Kim\u200b Ek <kim.ek@hbg.se>"], "contact"),
        (["departments", "add", "Miljö", "--contact", "K" * 201 + " <kim.ek@hbg.se>"], "contact"),
    ]
    for args, field in cases:
        result = cli(*args)
        assert result.code == 2, args
        assert result.err.startswith(f"{field}: "), result.err
        assert "Traceback" not in result.err and "\x1b" not in result.err
        assert "\u202e" not in result.err and "\u200b" not in result.err
        assert snapshot(data_dir) == before


def test_what_an_older_version_stored_is_printed_escaped_never_raw(
    store: Store, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    register = Register(store, user="tester")
    register.add_department("Kulturförvaltningen")
    register.create_account(
        {"platform": "facebook", "handle": "kultur", "department": "Kulturförvaltningen"},
        [("Anna Berg", "anna.berg@helsingborg.se")],
    )
    account = register.account("facebook:kultur")
    # Written below the parsers, as an older Kontokoll could have: ESC, a bidi override, BEL.
    with store.write() as txn:
        put_department(txn, Department("Kultur\x1b[31mförvaltningen\u202e"))
        hostile = account.with_changes(
            department="Kultur\x1b[31mförvaltningen\u202e", purpose="Två\nrader\x1b]0;x\x07"
        )
        put_account(txn, hostile, account)
    store.close()
    exported = tmp_path / "export.csv"
    outputs = [
        cli("accounts", "list"),
        cli("departments", "list"),
        cli("editors", "list", "facebook:kultur"),
        cli("log"),
        cli("accounts", "export", str(exported)),
    ]
    # Its own export shows each such character as an escape, never raw (csvio.escape_cell: no
    # CSV export carries one), and a dry run of that file brings none back.
    assert "Kultur\\x1b[31mförvaltningen\\u202e" in exported.read_text(encoding="utf-8-sig")
    again = cli("accounts", "import", "--dry-run", str(exported))
    for result in [*outputs, again]:
        assert result.code in (0, 2), result.err
        text = result.out + result.err
        for raw in ("\x1b", "\u202e", "\x07"):
            assert raw not in text
    assert "Kultur\\x1b[31mförvaltningen\\u202e" in outputs[0].out
    assert "Kultur\\x1b[31mförvaltningen\\u202e" in outputs[1].out


# --- the helpers themselves ------------------------------------------------------------------


def test_visible_escapes_each_unsafe_character_and_leaves_the_rest() -> None:
    assert visible("Ålö 👍 [red]x[/red]") == "Ålö 👍 [red]x[/red]"
    assert visible("a\x1b[2Jb\u202ec\n\td\U000e0041") == "a\\x1b[2Jb\\u202ec\\n\\td\\U000e0041"
    assert visible("rad 1\nrad\x1b 2", keep_newlines=True) == "rad 1\nrad\\x1b 2"


def test_the_refusal_names_the_character_and_its_position() -> None:
    with pytest.raises(FieldError) as caught:
        check_text("ab\u202ecd", "purpose", limit=10)
    assert str(caught.value) == (
        "purpose: innehåller ett styrtecken eller osynligt tecken (\\u202e, tecken 3); ta bort det"
    )
    assert parse_people("Anna Berg <anna.berg@helsingborg.se>") == [
        ("Anna Berg", "anna.berg@helsingborg.se")
    ]
