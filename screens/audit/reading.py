"""What the audit tab's read needs in its worker thread, taken on the thread that draws when the
read begins: the services, and the app's event loop to post the result through.

The app that starts on the audit tab reads the worklist as the tab is being built, so the read
may be done before the view is mounted; and ``post_message`` from another thread finds the loop
through the app, which a view not mounted yet cannot reach (Textual 8.2.8)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from screens.services import Services


@dataclass(frozen=True)
class Reading:
    """The services to read from and the loop that delivers what was read."""

    services: Services
    loop: asyncio.AbstractEventLoop

    @classmethod
    def here(cls, services: Services) -> Reading:
        """The reading for ``services``, taken on the thread that runs the app's loop."""
        return cls(services, asyncio.get_running_loop())

    def post(self, target: MessagePump, message: Message) -> None:
        """Post ``message`` to ``target`` from the worker (mounted or not yet)."""
        self.loop.call_soon_threadsafe(target.post_message, message)
