"""Where a sync reads from: the real platforms, a proxy, or the in-repo emulation.

One value names it all, so that the sync service takes it whole in its constructor and no caller
repeats the engine's keyword arguments. The default, ``PlatformSource()``, is the real APIs with
the bases and limits of the environment (:func:`~governance.platforms.settings.load_settings`)
and the tokens of the keyring or environment
(:func:`~governance.platforms.tokens.load_tokens`). The demo's source is
:func:`governance.emulation.demo.demo_source`; tests build their own around the emulation.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from governance.platforms.session import Transport
from governance.platforms.settings import Settings, load_settings
from governance.platforms.tokens import load_tokens


@dataclass(frozen=True)
class PlatformSource:
    """The transport, tokens, base URLs and settings the platform clients use.

    ``None`` means "as in production": the network, the keyring/environment tokens, the
    environment's settings. ``base_urls`` are laid over the settings' bases (the emulation's).
    """

    transport: Transport | None = None
    tokens: Mapping[str, str] | None = None
    base_urls: Mapping[str, str] | None = None
    settings: Settings | None = None

    def resolved_settings(self) -> Settings:
        """The settings to use: the given ones (or the environment's), with ``base_urls``."""
        settings = self.settings or load_settings()
        return settings.with_base_urls(self.base_urls) if self.base_urls else settings

    def resolved_tokens(self, platforms: Collection[str]) -> Mapping[str, str]:
        """The tokens of ``platforms``: the given ones, else looked up (only when needed,
        since a keyring lookup may prompt or be slow)."""
        return self.tokens if self.tokens is not None else load_tokens(set(platforms))
