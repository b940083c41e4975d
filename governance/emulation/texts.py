"""Comment texts for the emulated accounts: questions that need a reply, and the rest.

Written for the emulation (no real person's words): what people ask or say under a city's posts,
mostly in Swedish, some in English. Each text is labelled, so that tests can tell how many of an
account's comments are questions without asking the classifier they test.
"""

from __future__ import annotations

import random

#: Direct, concrete questions and requests (they need a reply under the guideline).
QUESTIONS: tuple[str, ...] = (
    "När öppnar badet igen efter renoveringen?",
    "Hur ansöker man om plats i förskolan?",
    "Var kan jag parkera under marknaden?",
    "Vilka tider har återvinningscentralen i helgen?",
    "Kan ni skicka länken till anmälan?",
    "Finns det lediga tider för simskola i vår?",
    "Får man grilla i Slottshagen?",
    "Varför är cykelbanan på Drottninggatan avstängd?",
    "Går det att boka lokalen för ett föreningsmöte?",
    "Jag undrar om biblioteket har öppet på lördag",
    "Vem ska jag kontakta om en trasig gatlykta?",
    "Hur lång är kön till äldreboendet just nu",
    "Ring mig gärna om bygglovet, jag har inte fått svar",
    "Kostar det något att gå på konserten?",
    "Vad gäller för hundar på stranden i sommar?",
    "When does the ferry terminal open?",
    "Where can I find the new bus timetable?",
    "Is the event free for children?",
)
#: Opinions, praise, thanks, tags and emoji: nothing asked (no reply is owed).
OTHERS: tuple[str, ...] = (
    "Så fint det blev!",
    "Tack för en härlig dag i parken",
    "Äntligen, det har vi väntat på länge",
    "Bästa staden ❤️",
    "😍😍😍",
    "@Anna kolla här",
    "Helt onödigt slöseri med skattepengar",
    "Så trevligt med fler träd på torget",
    "Det var bättre förr.",
    "Grattis till alla som tog examen",
    "Härligt initiativ 👏",
    "Vi var där i går, jättekul för barnen",
    "Tråkigt att det blev inställt",
    "Great photo!",
    "Thanks for organising this",
    "👍",
)


def pick(rng: random.Random, question_share: float = 0.4) -> tuple[str, bool]:
    """A comment text, and whether it is a question."""
    if rng.random() < question_share:
        return rng.choice(QUESTIONS), True
    return rng.choice(OTHERS), False
