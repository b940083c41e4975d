"""Bindings in the current language.

Bindings are declared once per class, at import time, before the user picks a language. So their
``description`` and ``tooltip`` hold catalogue keys (``tui.key.*``, ``tui.tip.*``), and every node
that declares bindings calls :func:`localize_bindings` in ``__init__`` (and again after a language
switch) to replace its own copy of the map with the texts of the current language.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from governance.i18n import t

#: Textual's own bindings whose texts we translate, by action.
_BUILTIN_ACTIONS = {"command_palette": "tui.key.palette", "quit": "tui.key.quit"}


def _text(text: str) -> str:
    return t(text) if text.startswith(("tui.", "action.", "col.")) else text


def localized(binding: Binding) -> Binding:
    """A copy of ``binding`` with its description and tooltip in the current language."""
    description = _text(binding.description)
    if binding.action in _BUILTIN_ACTIONS:
        description = t(_BUILTIN_ACTIONS[binding.action])
    return replace(binding, description=description, tooltip=_text(binding.tooltip))


def localize_bindings(node: DOMNode) -> None:
    """Give ``node`` its class's bindings with texts in the current language."""
    keys: dict[str, list[Binding]] = {}
    for key, bindings in node._bindings.key_to_bindings.items():
        keys[key] = [localized(_original(node, b)) for b in bindings]
    node._bindings = BindingsMap.from_keys(keys)


def _original(node: DOMNode, binding: Binding) -> Binding:
    """The class-declared binding (with catalogue keys) behind a possibly localized one."""
    merged = type(node)._merged_bindings
    if merged is None:
        return binding
    for candidate in merged.key_to_bindings.get(binding.key, []):
        if candidate.action == binding.action:
            return candidate
    return binding
