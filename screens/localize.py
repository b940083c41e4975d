"""Bindings in the current language, translated where Textual hands them out for display.

Bindings are declared once per class, at import time, before the user picks a language (and the
user may switch language while the app runs). So their ``description`` and ``tooltip`` hold
catalogue keys (``tui.key.*``, ``tui.tip.*``), and the texts are looked up where the footer and the
key panel read them: :attr:`textual.screen.Screen.active_bindings`, a public property that every
screen of the app overrides through :class:`LocalizedScreen` or :class:`LocalizedModalScreen`.

Nothing rewrites a node's binding map: keys are dispatched exactly as declared (so keymaps and
``id`` remapping keep working), and a language switch only has to call ``refresh_bindings()`` for
the footer to redraw in the new language.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from textual.binding import ActiveBinding, Binding
from textual.screen import ModalScreen, Screen, ScreenResultType

from governance.i18n import current_language, t

#: Textual's own bindings whose texts we translate, by action.
_BUILTIN_ACTIONS = {"command_palette": "tui.key.palette", "quit": "tui.key.quit"}


def _text(text: str) -> str:
    return t(text) if text.startswith(("tui.", "worklist.", "action.", "col.")) else text


@lru_cache(maxsize=256)
def localized(binding: Binding, language: str) -> Binding:
    """A copy of ``binding`` with its description and tooltip in ``language``.

    ``language`` is only the cache key: ``t`` renders in the current language, which is the
    language asked for whenever this is called through :func:`localize_active`.
    """
    del language
    description = _text(binding.description)
    if binding.action in _BUILTIN_ACTIONS:
        description = t(_BUILTIN_ACTIONS[binding.action])
    return replace(binding, description=description, tooltip=_text(binding.tooltip))


def localize_active(bindings: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """The active bindings of a screen with their texts in the current language."""
    language = current_language()
    return {
        key: active._replace(
            binding=localized(active.binding, language), tooltip=_text(active.tooltip)
        )
        for key, active in bindings.items()
    }


class LocalizedScreen(Screen[ScreenResultType]):
    """A screen whose footer shows its bindings in the current language."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's active bindings, with descriptions and tooltips translated."""
        return localize_active(super().active_bindings)


class LocalizedModalScreen(ModalScreen[ScreenResultType]):
    """A modal screen whose footer (if any) shows its bindings in the current language."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's active bindings, with descriptions and tooltips translated."""
        return localize_active(super().active_bindings)
