"""Keeping the cyclic garbage collector off the objects a bulk read leaves behind.

A register of 10,000 accounts is read into a few hundred thousand small objects, all at once and
all kept. Reading them, :func:`governance.storage.format.bulk_allocation` pauses the collector;
but when it resumes, every one of them is young, and the collector walks them all in its next
young-generation pass, again in the middle generation's, and once more on their way to the
oldest: about twice the time the read itself took, for objects without a single cycle among
them. :func:`settle_survivors` moves them straight to the oldest generation instead.
"""

from __future__ import annotations

import gc


def settle_survivors() -> None:
    """Move every object the collector tracks into its oldest generation.

    ``gc.freeze`` moves them out of every generation at once and ``gc.unfreeze`` puts them back
    into the oldest: nothing is walked, and nothing is kept from the collector for good (a cycle
    among them is still found, by the next full pass). A process that froze its heap on purpose
    (the app does once it has drawn the register) keeps it frozen: nothing happens then.
    """
    if gc.get_freeze_count():
        return
    gc.freeze()
    gc.unfreeze()
