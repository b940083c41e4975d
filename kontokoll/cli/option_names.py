"""Errors about a field the user typed as an option name the option, not the field.

The services name the fields of the model (``disposal_on``, ``project_end``), which is what the
accounts CSV calls its columns; on the command line the same value was typed as ``--on`` or
``--project-end``, and that is the name the message should give.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from governance.errors import FieldError


def option_of(field: str) -> str:
    """The option named after a field: ``project_end`` -> ``--project-end``."""
    return "--" + field.replace("_", "-")


@contextmanager
def options_named(options: Mapping[str, str]) -> Iterator[None]:
    """A FieldError raised inside, about a field in ``options`` (field -> option), names the
    option instead; any other error passes unchanged."""
    try:
        yield
    except FieldError as error:
        error.field = options.get(error.field, error.field)
        raise
