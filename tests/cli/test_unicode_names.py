"""Text from people is stored in Unicode's composed form (NFC), whoever typed or pasted it.

A name pasted on a Mac arrives decomposed (NFD: "o" and a combining diaeresis): it looks like
the name typed on Windows but was another department, handle or editor.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

from governance.accounts_csv import ALL_COLUMNS
from governance.register import Register
from governance.store import Store
from tests.conftest import CliResult

NAME = "Kulturförvaltningen"
NFD = unicodedata.normalize("NFD", NAME)
HEADER = ",".join(ALL_COLUMNS[:12])


def test_a_decomposed_name_is_the_same_department_handle_and_editor(
    cli: Callable[..., CliResult], tmp_path: Path, data_dir: Path
) -> None:
    assert NFD != NAME
    assert cli("departments", "add", NFD).code == 0
    assert cli("departments", "add", NAME).code == 0
    source = tmp_path / "in.csv"
    handle, person = (unicodedata.normalize("NFD", s) for s in ("hbgmöten", "Åsa Öberg"))
    row = f"instagram,{handle},{NFD},Möten,open,,,,{person} <asa@hbg.se>,,,active"
    source.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    assert cli("accounts", "import", str(source)).code == 0
    store = Store(data_dir)
    try:
        register = Register(store)
        assert [d.name for d in register.departments()] == [NAME]  # one, composed
        [account] = register.accounts()
        assert (account.department, account.handle) == (NAME, "hbgmöten")
        assert account.editors[0].name == "Åsa Öberg"
    finally:
        store.close()
    listed = cli("accounts", "list", "--department", NAME)
    assert listed.code == 0 and "hbgmöten" in listed.out
