"""The command line's parser: the global options after any command too, argparse's own words
through :func:`~governance.i18n.t`.

Every parser of the command line is a :class:`KontokollParser` (a command module's
``add_parser`` and ``add_subparsers`` make parsers of their parent's class), so each takes
``--data-dir`` and ``--lang`` itself: ``kontokoll audit export --format md --lang en`` works as
``kontokoll --lang en audit export --format md``. Below the top they default to "not given"
(argparse.SUPPRESS), so that a command's parser never overwrites what was given before it.

argparse writes its fixed words through the C library's gettext catalogue, set process-wide
(``gettext.textdomain``), which Kontokoll does not install. Instead, the few words a user sees
are replaced where they are shown: the headings and the help option's text when a parser is
made, "usage:" by the formatter, and an error's message, whose English templates (argparse's
``_()`` strings) are matched and said again in the current language; a message no template
matches (a type's own, already translated) is shown as it is.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

from governance.i18n import LANGUAGES, t
from governance.text_safety import visible
from kontokoll.cli.context import data_dir_argument

#: argparse's error templates (Python 3.11's wording) -> the key that says the same.
_TEMPLATES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), key)
    for pattern, key in (
        (r"argument (?P<argument>.+?): (?P<message>.*)", "cli_args.argument"),
        (r"unrecognized arguments: (?P<arguments>.*)", "cli_args.unrecognized"),
        (r"the following arguments are required: (?P<arguments>.*)", "cli_args.required"),
        (r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", "cli_args.choice"),
        (r"expected one argument", "cli_args.one_value"),
        (r"expected at least one argument", "cli_args.some_value"),
        (r"expected at most one argument", "cli_args.at_most_one_value"),
        (r"invalid (?P<type>\S+) value: (?P<value>.*)", "cli_args.bad_value"),
        (r"one of the arguments (?P<arguments>.*) is required", "cli_args.one_of"),
        (r"not allowed with argument (?P<other>.*)", "cli_args.not_with"),
        (r"ambiguous option: (?P<option>.*) could match (?P<matches>.*)", "cli_args.ambiguous"),
    )
)


def translated(message: str) -> str:
    """An argparse error message in the current language (see the module)."""
    for pattern, key in _TEMPLATES:
        found = pattern.fullmatch(message)
        if found is not None:
            params = found.groupdict()
            if "message" in params:  # "argument X: <another template>"
                params["message"] = translated(params["message"])
            return t(key, **params)
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, t("cli_args.usage") if prefix is None else prefix)


class KontokollParser(argparse.ArgumentParser):
    """An argparse parser with the global options and its fixed words in the current language."""

    def __init__(self, *args: Any, top: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False  # added below, with its text translated
        super().__init__(*args, **kwargs)
        self._positionals.title = t("cli_args.positionals")
        self._optionals.title = t("cli_args.options")
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help=t("cli_args.help"))  # fmt: skip
        # Below the top: never overwrite what was given before the command, and not repeated
        # in every command's help (the top's help says they may come after it).
        unset = None if top else argparse.SUPPRESS
        hidden = argparse.SUPPRESS
        data_help = t("cli_args.data_dir_help") if top else hidden
        lang_help = t("cli_args.lang_help") if top else hidden
        self.add_argument("--data-dir", type=data_dir_argument, default=unset, metavar="DIR",
                          help=data_help)
        self.add_argument("--lang", choices=LANGUAGES, default=unset, help=lang_help)

    def error(self, message: str) -> NoReturn:
        """Usage and the message in the current language on standard error; exit status 2."""
        self.print_usage(sys.stderr)
        text = visible(translated(message))  # (what was typed may hold a terminal's escapes)
        self.exit(2, t("cli_args.error", prog=self.prog, message=text) + "\n")
