"""The demo register: Helsingborg's departments, the city-wide accounts and ~60 departmental ones.

Handles, purposes and editors are plausible but fictional. The content is deterministic for a
given build date, and includes accounts that break each rule the audit checks: no editors, a single
editor, no purpose, a running and an ended project, a closed account without a reason, dormant and
never-used accounts, slow replies, and platforms without API access (no stats). Kontaktcenter is a
department of its own (with a contact), which answers direct messages on the city-wide accounts and,
by agreement, the comments of a few (``kc_handles_comments``), so some findings are its. The demo
defines no users: the first user would end single-user mode and lock out every login but the
builder's. It lives in its own store under ``DATA_DIR/demo/`` and never touches the real register.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from governance.demo_registered import backdate_registration
from governance.fields import REQUEST_STATUSES
from governance.lifecycle import Lifecycle
from governance.model import Person, utc_now
from governance.register import AccountRow, Register
from governance.store import Store

DEMO_DIRNAME = "demo"

DEPARTMENTS = (
    "Stadsledningsförvaltningen",
    "Skol- och fritidsförvaltningen",
    "Socialförvaltningen",
    "Vård- och omsorgsförvaltningen",
    "Arbetsmarknadsförvaltningen",
    "Kulturförvaltningen",
    "Stadsbyggnadsförvaltningen",
    "Miljöförvaltningen",
    "Fastighetsförvaltningen",
    "Överförmyndarförvaltningen",
)
#: Kontaktcenter: a department of the register that owns no account but answers on some
#: (``[kc] department`` in settings.toml names it; this is its default).
KONTAKTCENTER = "Kontaktcenter"

_FIRST = (
    "Anna",
    "Erik",
    "Maria",
    "Johan",
    "Sara",
    "Lars",
    "Emma",
    "Karin",
    "Oskar",
    "Lena",
    "Ahmed",
    "Fatima",
    "Nils",
    "Elin",
    "Mikael",
    "Sofia",
    "Jonas",
    "Ida",
    "Peter",
    "Hanna",
    "Amir",
    "Linnea",
    "Gustav",
    "Maja",
    "Ali",
    "Ebba",
    "Henrik",
    "Klara",
    "Viktor",
    "Nora",
)
_LAST = (
    "Andersson",
    "Berg",
    "Lindqvist",
    "Nilsson",
    "Persson",
    "Holm",
    "Svensson",
    "Ek",
    "Jönsson",
    "Lund",
    "Sandberg",
    "Håkansson",
    "Ström",
    "Olsson",
    "Axelsson",
    "Malm",
    "Nyberg",
    "Wallin",
    "Karimi",
    "Sjöberg",
    "Falk",
    "Dahl",
    "Engström",
    "Mattsson",
)


@dataclass(frozen=True)
class DemoAccount:
    """One demo account: its register fields, how many editors, and how active it is."""

    platform: str
    handle: str
    department: str
    purpose: str
    audience: str = ""
    goals: tuple[str, ...] = ("informera",)
    editors: int = 2
    visibility: str = "open"
    closed_reason: str = ""
    project: str = ""
    project_end_days: int | None = None  # relative to the build date
    status: str = "active"
    shared: bool = False
    kc: bool = False
    activity: str = "active"  # active | quiet | dormant | never | slow-replies
    confirmed: bool = True  # whether the lead has confirmed the editor list this quarter


SLF, SKOL, SOC, VO, AMF, KULT, SBF, MF, FF, OFF = DEPARTMENTS

# fmt: off
CATALOGUE: tuple[DemoAccount, ...] = (
    # The city-wide accounts that every department books (AKN runs them; KC answers messages).
    DemoAccount("facebook", "helsingborgsstad", SLF, "Stadens gemensamma kanal för nyheter, service och dialog med invånarna.", "Invånare och besökare", ("informera", "aktivera", "engagera"), 4, shared=True, kc=True),
    DemoAccount("instagram", "helsingborgsstad", SLF, "Bygga varumärket Helsingborg med bilder och berättelser från staden.", "Invånare 18–45 år", ("informera", "engagera"), 3, shared=True, kc=True),
    DemoAccount("linkedin", "helsingborgs-stad", SLF, "Stärka Helsingborgs stad som arbetsgivare och berätta om stadens utveckling.", "Yrkesverksamma och framtida medarbetare", ("informera", "aktivera"), 3, shared=True),
    DemoAccount("x", "helsingborg", SLF, "Pressmeddelanden publiceras automatiskt.", "Media och opinionsbildare", ("informera",), 2, shared=True, activity="quiet"),
    DemoAccount("youtube", "helsingborgsstad", SLF, "Filmer om stadens verksamheter och direktsända kommunfullmäktige.", "Invånare", ("informera",), 2),
    DemoAccount("facebook", "hbgkrisinfo", SLF, "Krisinformation och viktiga meddelanden vid störningar.", "Alla som bor och vistas i Helsingborg", ("informera",), 1),
    DemoAccount("linkedin", "helsingborg-business", SLF, "Näringslivsnyheter och etableringar i Helsingborg.", "Företagare och investerare", ("informera", "aktivera"), 2),
    # Skol- och fritidsförvaltningen
    DemoAccount("instagram", "fritidhelsingborg", SKOL, "Tips om fritidsaktiviteter för barn och unga.", "Unga 13–19 år", ("informera", "aktivera"), 3),
    DemoAccount("facebook", "fritidsgardarnahbg", SKOL, "Information om fritidsgårdarnas program och öppettider.", "Unga och vårdnadshavare", ("informera",), 2, confirmed=False),
    DemoAccount("instagram", "olympiaskolan", SKOL, "Visa elevernas vardag och skolans profil.", "Blivande elever och vårdnadshavare", ("engagera",), 2),
    DemoAccount("instagram", "filbornaskolan", SKOL, "", "Elever och vårdnadshavare", ("informera",), 1),
    DemoAccount("facebook", "tagaborgsskolan", SKOL, "Nyheter från skolan till vårdnadshavare.", "Vårdnadshavare", ("informera",), 2, visibility="closed", closed_reason="Gruppen innehåller information om enskilda klasser."),
    DemoAccount("tiktok", "ungihelsingborg", SKOL, "Nå unga med information om sommarjobb och fritid.", "Unga 15–20 år", ("aktivera",), 2),
    DemoAccount("instagram", "sommarlov.hbg", SKOL, "Sommarlovsaktiviteter för barn och unga.", "Barn och unga", ("aktivera",), 2, project="Sommarlov 2026", project_end_days=-120),
    DemoAccount("youtube", "larande-hbg", SKOL, "Filmer för pedagoger om digitalt lärande.", "Pedagoger", ("informera",), 2, activity="dormant"),
    DemoAccount("facebook", "vuxenutbildning.hbg", SKOL, "Information om kurser och ansökan till vuxenutbildningen.", "Vuxna som vill studera", ("informera", "aktivera"), 3),
    DemoAccount("instagram", "nyhamnsskolan", SKOL, "Berätta om skolans arbete och evenemang.", "Elever och vårdnadshavare", ("engagera",), 0),
    # Socialförvaltningen
    DemoAccount("facebook", "familjecentral.hbg", SOC, "Stöd och träffpunkter för småbarnsfamiljer.", "Föräldrar med barn 0–6 år", ("informera", "aktivera"), 2),
    DemoAccount("instagram", "ungdomsmottagningen.hbg", SOC, "Information om sex, hälsa och relationer.", "Unga 13–23 år", ("informera",), 2, activity="slow-replies"),
    DemoAccount("facebook", "fosterhem.helsingborg", SOC, "Rekrytera familjehem och kontaktpersoner.", "Vuxna som kan bli familjehem", ("aktivera",), 2),
    DemoAccount("facebook", "stodgruppen.hbg", SOC, "Slutet forum för deltagare i stödgrupper.", "Deltagare i stödgrupper", ("engagera",), 2, visibility="closed"),
    DemoAccount("linkedin", "socialtjansten-hbg", SOC, "Rekrytera socionomer.", "Socionomer och studenter", ("aktivera",), 1),
    DemoAccount("instagram", "fältassistenterna.hbg", SOC, "Synas för unga där de är och sprida trygghetsinformation.", "Unga 12–18 år", ("informera", "engagera"), 3),
    # Vård- och omsorgsförvaltningen
    DemoAccount("facebook", "vardochomsorg.hbg", VO, "Nyheter om äldreomsorg och stöd för anhöriga.", "Äldre och anhöriga", ("informera",), 2),
    DemoAccount("instagram", "jobbaivarden.hbg", VO, "Visa yrken inom vård och omsorg för att rekrytera.", "Undersköterskor och studenter", ("aktivera", "engagera"), 2),
    DemoAccount("facebook", "seniorsurf.hbg", VO, "Digitala träffar för seniorer.", "Seniorer", ("aktivera",), 1, project="Seniorsurf 2025", project_end_days=-400, activity="dormant"),
    DemoAccount("youtube", "anhorigstod-hbg", VO, "Korta filmer med råd till anhöriga.", "Anhöriga", ("informera",), 2, activity="never"),
    DemoAccount("facebook", "traffpunkter.hbg", VO, "Program för stadens träffpunkter.", "Seniorer", ("informera", "aktivera"), 2, confirmed=False),
    DemoAccount("instagram", "vardhunden.chili", VO, "Berätta om vårdhundarnas arbete.", "Invånare", ("engagera",), 2, status="retired"),
    # Arbetsmarknadsförvaltningen
    DemoAccount("facebook", "jobbhelsingborg", AMF, "Lediga jobb och vägar till arbete.", "Arbetssökande", ("informera", "aktivera"), 3),
    DemoAccount("linkedin", "jobb-helsingborg", AMF, "Matcha arbetsgivare med arbetssökande.", "Arbetsgivare", ("aktivera",), 2),
    DemoAccount("instagram", "sommarjobb.hbg", AMF, "Sommarjobb för unga.", "Unga 16–19 år", ("aktivera",), 2, project="Sommarjobb 2027", project_end_days=250),
    # By agreement with AMF, KC answers the course page's comments: its slow replies are KC's.
    DemoAccount("facebook", "svenskaforalla.hbg", AMF, "Information om språkkurser.", "Nyanlända", ("informera",), 1, kc=True, activity="slow-replies"),
    DemoAccount("instagram", "ungkraft.hbg", AMF, "Stöd till unga utan arbete eller studier.", "Unga 16–29 år", ("aktivera",), 2),
    # Kulturförvaltningen
    DemoAccount("facebook", "hbgbibliotek", KULT, "Evenemang, tips och service från stadens bibliotek.", "Låntagare och besökare", ("informera", "aktivera", "engagera"), 3),
    DemoAccount("instagram", "hbgbibliotek", KULT, "Boktips och bibliotekets vardag.", "Bokintresserade", ("engagera",), 2),
    DemoAccount("instagram", "fredriksdal.museum", KULT, "Locka besökare till friluftsmuseet.", "Familjer och turister", ("aktivera", "engagera"), 2),
    DemoAccount("facebook", "kulturmagasinet.hbg", KULT, "Utställningar och visningar.", "Kulturintresserade", ("informera", "aktivera"), 2),
    DemoAccount("instagram", "kulturnatten.hbg", KULT, "Program för Kulturnatten.", "Invånare och besökare", ("aktivera",), 2, project="Kulturnatten 2025", project_end_days=-430, activity="dormant"),
    DemoAccount("youtube", "konserthuset-hbg", KULT, "Filmade konserter och intervjuer.", "Musikintresserade", ("engagera",), 2),
    DemoAccount("tiktok", "bibblan.hbg", KULT, "Boktips för unga.", "Unga 12–18 år", ("engagera",), 2),
    DemoAccount("facebook", "sofiero.slott", KULT, "Evenemang och säsongsnyheter på Sofiero.", "Besökare", ("informera", "aktivera"), 2),
    DemoAccount("x", "hbgkultur", KULT, "Kulturnyheter.", "Media", ("informera",), 1, activity="never"),
    DemoAccount("other", "hbgkultur.mastodon", KULT, "Testa Mastodon som kanal för kulturnyheter.", "", (), 1),  # no audience, no goals
    # Stadsbyggnadsförvaltningen
    DemoAccount("facebook", "stadsbyggnad.hbg", SBF, "Information om detaljplaner och samråd.", "Invånare och fastighetsägare", ("informera", "engagera"), 2),
    DemoAccount("instagram", "h22.helsingborg", SBF, "Berätta om stadens innovationsarbete.", "Invånare och samarbetspartner", ("engagera",), 2, project="H22 efterarbete", project_end_days=None),
    DemoAccount("linkedin", "stadsbyggnad-helsingborg", SBF, "Rekrytera arkitekter och planerare.", "Arkitekter och planerare", ("aktivera",), 1),
    DemoAccount("facebook", "trafik.hbg", SBF, "Trafikinformation och vägarbeten.", "Trafikanter", ("informera",), 3),
    DemoAccount("youtube", "oceanhamnen-hbg", SBF, "", "Invånare", ("informera",), 2, activity="quiet"),
    # Miljöförvaltningen
    DemoAccount("facebook", "miljo.hbg", MF, "Miljötips och information om tillsyn.", "Invånare och företag", ("informera",), 2),
    DemoAccount("instagram", "hallbarthbg", MF, "Inspirera till hållbar livsstil.", "Invånare 20–40 år", ("engagera",), 2, visibility="closed"),
    DemoAccount("facebook", "livsmedel.hbg", MF, "Råd till livsmedelsföretag.", "Livsmedelsföretagare", ("informera",), 1, activity="dormant"),
    DemoAccount("instagram", "naturskolan.hbg", MF, "Visa naturskolans aktiviteter.", "Pedagoger och barn", ("engagera",), 2),
    # Fastighetsförvaltningen
    DemoAccount("facebook", "parker.hbg", FF, "Information om parker, lekplatser och stränder.", "Invånare och besökare", ("informera", "engagera"), 2),
    DemoAccount("instagram", "lekplatser.hbg", FF, "Tips om lekplatser.", "Barnfamiljer", ("informera",), 2),
    DemoAccount("linkedin", "fastighet-helsingborg", FF, "Rekrytera tekniker och förvaltare.", "Tekniker", ("aktivera",), 1),
    DemoAccount("facebook", "stranderna.hbg", FF, "Badvattenprover och strandinformation.", "Badgäster", ("informera",), 2, activity="quiet"),
    DemoAccount("instagram", "hamnen.hbg", FF, "Gästhamnens säsong.", "Båtgäster", ("informera",), 0, status="retired"),
    # Överförmyndarförvaltningen
    DemoAccount("facebook", "godman.hbg", OFF, "Rekrytera gode män och förvaltare.", "Vuxna som kan bli gode män", ("aktivera",), 2),
    DemoAccount("linkedin", "overformyndare-helsingborg", OFF, "Berätta om förvaltningens uppdrag.", "Yrkesverksamma", ("informera",), 0),
    # An account's life (governance.lifecycle): a request waiting for AKN, a rejected project
    # request, and an account retired with items of its closing checklist still open.
    DemoAccount("tiktok", "stadsodling.hbg", MF, "Inspirera till odling i staden, kopplat till miljöprogrammets mål.", "Invånare 25–45 år", ("engagera",), 2, status="requested", confirmed=False),
    DemoAccount("tiktok", "sommarkollo.hbg", SKOL, "Sommarkollots anmälan och program.", "Barn 8–12 år och vårdnadshavare", ("aktivera",), 2, project="Sommarkollo 2027", project_end_days=270, status="rejected", confirmed=False),
    DemoAccount("facebook", "julmarknaden.hbg", KULT, "Program för julmarknaden på Stortorget.", "Besökare", ("informera",), 2),
)
# fmt: on

#: Departments' communications contacts (fictional), who appoint the editors.
CONTACT_COUNT = 2
#: Miljöförvaltningen's own goals, and which of its accounts serve them; livsmedel.hbg links
#: none (``purpose-unlinked``).
DEMO_GOALS = (MF, ("Fler invånare gör hållbara val i vardagen", "Företagen följer miljöreglerna"))
DEMO_GOAL_LINKS = {"facebook:miljo.hbg": ("g1", "g2"), "instagram:hallbarthbg": ("g1",),
                   "instagram:naturskolan.hbg": ("g1",)}  # fmt: skip


def demo_dir(data_dir: Path) -> Path:
    """Where the demo register lives inside a data directory."""
    return data_dir / DEMO_DIRNAME


#: Accounts whose identity on the platform changed after they were registered, as the demo's
#: emulated platforms serve them: one renamed there (the audit's handle-changed; ``accounts
#: rename`` takes the new name) and one deleted and re-created under the same handle
#: (identity-mismatch: the sync stores no figures until ``accounts accept-identity``).
DEMO_RENAMED: dict[str, str] = {"facebook:kulturmagasinet.hbg": "kulturmagasinethelsingborg"}
DEMO_RECREATED: frozenset[str] = frozenset({"facebook:stranderna.hbg"})


def demo_activity() -> dict[str, str]:
    """``PLATFORM:HANDLE`` -> activity level, for the platform emulation."""
    return {f"{a.platform}:{a.handle}": a.activity for a in CATALOGUE}


def _people(rng: random.Random, count: int, used: set[str]) -> list[tuple[str, str]]:
    people: list[tuple[str, str]] = []
    while len(people) < count:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first}.{last}@helsingborg.se".lower()
        for swedish, plain in (("ö", "o"), ("ä", "a"), ("å", "a"), ("é", "e")):
            email = email.replace(swedish, plain)
        if email in used:
            continue
        used.add(email)
        people.append((f"{first} {last}", email))
    return people


#: How many digits each platform's numeric ids have (from, to), so demo ids look real.
_ID_DIGITS = {"facebook": (14, 15), "instagram": (14, 15), "linkedin": (6, 8), "x": (17, 18)}


def _platform_id(rng: random.Random, platform: str) -> str:
    if platform in _ID_DIGITS:
        low, high = _ID_DIGITS[platform]
        return str(rng.randrange(10**low, 10**high))
    if platform == "youtube":
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
        return "UC" + "".join(rng.choice(alphabet) for _ in range(22))
    return ""


_URLS = {
    "facebook": "https://www.facebook.com/{h}",
    "instagram": "https://www.instagram.com/{h}/",
    "linkedin": "https://www.linkedin.com/company/{h}/",
    "x": "https://x.com/{h}",
    "youtube": "https://www.youtube.com/@{h}",
    "tiktok": "https://www.tiktok.com/@{h}",
    "other": "https://mastodon.social/@{h}",
}


def demo_rows(today: date) -> list[AccountRow]:
    """The demo accounts as import rows (deterministic for a given ``today``)."""
    rng = random.Random(2035)  # Helsingborg's vision year
    used: set[str] = set()
    rows = []
    for line, spec in enumerate(CATALOGUE, start=2):
        project_end = (
            today + timedelta(days=spec.project_end_days)
            if spec.project_end_days is not None
            else None
        )
        values: dict[str, Any] = {
            "platform": spec.platform,
            "handle": spec.handle,
            "department": spec.department,
            "purpose": spec.purpose,
            "visibility": spec.visibility,
            "closed_reason": spec.closed_reason,
            "project": spec.project,
            "project_end": project_end,
            "url": _URLS[spec.platform].format(h=spec.handle),
            "platform_id": _platform_id(rng, spec.platform),
            "status": spec.status,
            "shared": spec.shared,
            "goals": spec.goals,
            "audience": spec.audience,
            "kc_handles_comments": spec.kc,
        }
        rows.append(AccountRow(line=line, values=values, editors=_people(rng, spec.editors, used)))
    return rows


def build_demo(data_dir: Path, *, now: datetime | None = None, rebuild: bool = False) -> Path:
    """Create the demo register under ``data_dir/demo`` unless it exists; return its directory.

    This builds the register in place; ``kontokoll.demo_setup.prepare_demo`` builds the whole
    demo (stats and audits too) in a folder of its own and moves it into place when complete.
    """
    directory = demo_dir(data_dir)
    if rebuild and directory.is_dir():
        shutil.rmtree(directory)  # only ever the demo's own folder
    fill_demo_register(directory, now or utc_now())
    return directory


def fill_demo_register(directory: Path, now: datetime) -> None:
    """Import the demo accounts, confirm their editor lists and add the departments' contacts
    into the store at ``directory``; nothing if it already holds accounts."""
    store = Store(directory)
    try:
        ids = random.Random(48)

        def token(n: int) -> str:
            return f"{ids.getrandbits(8 * n):0{2 * n}x}"

        register = Register(store, clock=lambda: now, id_token=token)
        if register.accounts():
            return
        rows = demo_rows(now.date())
        running = [r for r in rows if r.values["status"] not in REQUEST_STATUSES]
        register.import_rows(running, "<demo>")  # requests are filed below, as people file them
        backdate_registration(store, now)  # (registered before the history the demo shows)
        unconfirmed = {f"{a.platform}:{a.handle}" for a in CATALOGUE if not a.confirmed}
        for account in register.accounts():
            if account.editors and account.ref not in unconfirmed:
                register.confirm_editors(account.id)
        rng = random.Random(1624)  # Helsingborg's town charter... close enough for a seed
        used = {e.email for a in register.accounts() for e in a.editors}
        for name in DEPARTMENTS:
            contacts = [Person(n, e) for n, e in _people(rng, CONTACT_COUNT, used)]
            register.add_department(name, contacts)
        register.add_department(KONTAKTCENTER, [Person(*_people(rng, 1, used)[0])])
        _demo_goals(store, register, now)
        _demo_lifecycle(store, now, rows, token)
        from governance.moderation.demo import seed_demo_moderation

        seed_demo_moderation(store, now, {a.ref for a in register.accounts()})
    finally:
        store.close()


def _demo_goals(store: Store, register: Register, now: datetime) -> None:
    """Give one department goals of its own, and link most of its accounts to them."""
    from governance.department_goals import DepartmentGoals

    goals = DepartmentGoals(store, clock=lambda: now)
    for text in DEMO_GOALS[1]:
        goals.add(DEMO_GOALS[0], text)
    for ref, links in DEMO_GOAL_LINKS.items():
        register.update_account(ref, department_goals=links)


#: The demo's closed-down account, and its checklist: told, archived, but admin rights still left.
DEMO_RETIRED = ("facebook:julmarknaden.hbg", {"announced": "ja", "followers_to": "facebook:hbgbibliotek", "archived_at": "Kulturförvaltningens arkiv", "disposal": "vilande", "disposal_on": ""})  # fmt: skip
DEMO_LONG_SERVING = ("facebook:trafik.hbg", "Ulla Lind <ulla.lind@helsingborg.se>", 400)
DEMO_REJECTION = "Tidsbegränsade projekt bör inte starta egna konton: använd fritidhelsingborg."


def _demo_lifecycle(
    store: Store, now: datetime, rows: list[AccountRow], token: Callable[[int], str]
) -> None:
    """File the demo's requests (one then rejected) and retire its closed-down account."""

    def life(days_ago: int) -> Lifecycle:
        moment = now - timedelta(days=days_ago)
        return Lifecycle(store, clock=lambda: moment, id_token=token)

    for row in rows:
        values, status = row.values, row.values["status"]
        if status not in REQUEST_STATUSES:
            continue
        ref = f"{values['platform']}:{values['handle']}"
        end = values["project_end"]
        life(40 if status == "rejected" else 18).request(
            ref,
            department=values["department"],
            purpose=values["purpose"],
            audience=values["audience"],
            goals=list(values["goals"]),
            editors=[f"{name} <{email}>" for name, email in row.editors or ()],
            project=values["project"],
            project_end=end.isoformat() if end else "",
        )
        if status == "rejected":
            life(35).reject(ref, DEMO_REJECTION)
    ref, answers = DEMO_RETIRED
    life(20).retire(ref, {**answers, "disposal_on": (now - timedelta(days=20)).date().isoformat()})
    # An editor appointed long before the guideline's last revision, who has not acknowledged it
    # (revision-unacknowledged; the others were appointed when the demo was built).
    ref, person, days = DEMO_LONG_SERVING
    life(0).add_editor(ref, person, appointed=(now - timedelta(days=days)).date())
