#!/usr/bin/env python3
"""Generate the synthetic sample corpus in samples/.

Standard library only and deterministic: every identifier is either a fixed
pick (Swedish numbers from Skatteverket's published test lists) or the result
of a fixed, ordered search (Danish CPR and CVR numbers). Running the script
rewrites exactly the files that are committed next to it:

    python3 samples/generate.py                  # from the repository root
    python3 samples/generate.py --check          # verify the picks and compare
                                                 # with the committed files
    python3 samples/generate.py --list-subjects  # CSV subject,path,kind,form of
                                                 # the `snoka find` subjects

It also holds the three subjects of samples/find/ (SUBJECTS) and the content of
find/'s office, PDF and ZIP files, which generate_docs.py lays out.

If ../shared/testdata/personnummer/ (personnummer/meta testdata, relative to the
repository root) is present, the script also checks that every Swedish pick is
in allPins.json / allCoords.json. The committed files do not need it.
"""

import csv
import datetime
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TESTDATA = os.path.join(REPO, "..", "shared", "testdata", "personnummer")

# The research date of the design notes; used for "not in the future" checks so
# that the output does not depend on the day the script is run.
TODAY = datetime.date(2026, 11, 22)

# ---------------------------------------------------------------------------
# Check digit rules
# ---------------------------------------------------------------------------


def luhn_ok(ten):
    """Luhn over 10 digits, weights 2,1,2,1,... from the left."""
    total = 0
    for i, ch in enumerate(ten):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def se_valid(ten):
    """Swedish personnummer/samordningsnummer shape check used to keep the
    Danish samples unambiguous: Luhn, month 01-12, day 01-31 or 61-91."""
    mm, dd = int(ten[2:4]), int(ten[4:6])
    return (luhn_ok(ten) and 1 <= mm <= 12
            and (1 <= dd <= 31 or 61 <= dd <= 91))


def se_birth_date(twelve):
    """Real birth date of a 12-digit personnummer/samordningsnummer."""
    y, m, d = int(twelve[:4]), int(twelve[4:6]), int(twelve[6:8])
    if d > 60:
        d -= 60
    return datetime.date(y, m, d)


def cpr_mod11_ok(ten):
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(c) * w for c, w in zip(ten, weights)) % 11 == 0


def cpr_year(yy, d7):
    """python-stdnum dk.cpr century rule; None when the combination is invalid."""
    if d7 <= 3:
        return 1900 + yy
    if d7 in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    # 5-8
    if yy >= 58:
        return 1800 + yy
    if yy <= 36:
        return 2000 + yy
    return None


def cpr_date(ten):
    """Birth date of a CPR number read as DDMMYY-SSSS, or None."""
    dd, mm, yy, d7 = int(ten[0:2]), int(ten[2:4]), int(ten[4:6]), int(ten[6])
    year = cpr_year(yy, d7)
    if year is None:
        return None
    try:
        d = datetime.date(year, mm, dd)
    except ValueError:
        return None
    return d if d <= TODAY else None


def cvr_ok(eight):
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(c) * w for c, w in zip(eight, weights)) % 11 == 0


# ---------------------------------------------------------------------------
# Swedish picks (Skatteverket test numbers, personnummer/meta allPins.json and
# allCoords.json). Birth years 1930-2015 except OLD, who is written with "+".
# Every pick written in a 10-digit form has YY >= 32, so the same digits can
# never be read as a real Danish DDMMYY date.
# ---------------------------------------------------------------------------

PINS = {
    "anna":    "194607054725",  # f, 1946-07-05
    "bengt":   "195801263053",  # m, 1958-01-26
    "karin":   "196308142782",  # f, 1963-08-14
    "goran":   "197110021834",  # m, 1971-10-02
    "lena":    "197704192389",  # f, 1977-04-19
    "mikael":  "198402042397",  # m, 1984-02-04
    "johan":   "198905042399",  # m, 1989-05-04
    "osten":   "199401222394",  # m, 1994-01-22 (personalakt)
    "marta":   "199904212389",  # f, 1999-04-21
    "elias":   "200411172398",  # m, 2004-11-17 (12-digit only)
    "wilma":   "201107232389",  # f, 2011-07-23 (12-digit only)
    "old":     "189607279818",  # m, 1896-07-27 -> written 960727+9818
    # Subjects for `snoka find` (samples/find/, samples/subjects.csv).
    "lindqvist":  "198606142381",  # f, 1986-06-14, subject 1 (Anna Maria Lindqvist)
    "lindqvist2": "197207139283",  # f, 1972-07-13, another Anna Lindqvist (trap)
    "akerlund":   "197807102392",  # m, 1978-07-10, subject 2 (Östen Åkerlund)
}
COORDS = {
    "ahmed":   "196210662398",  # m, 1962-10-06 (day 66)
    "maria":   "197504812384",  # f, 1975-04-21 (day 81)
    "tomas":   "198807742393",  # m, 1988-07-14 (day 74)
    # Subject 2's earlier samordningsnummer: same birth date as his personnummer.
    "akerlund": "197807702399",  # m, 1978-07-10 (day 70)
}
# One number that is BOTH a Skatteverket test personnummer (2012-02-26) and a
# valid Danish CPR number with modulus 11 (12 Feb 1926, 7th digit 2).
AMBIGUOUS = "201202262380"


def short(twelve):
    return twelve[2:]


def dash6(twelve, sep="-"):
    """YYMMDD-NNNC"""
    return twelve[2:8] + sep + twelve[8:]


def dash8(twelve):
    """YYYYMMDD-NNNC"""
    return twelve[:8] + "-" + twelve[8:]


def luhn_broken(twelve):
    """Same number with the check digit changed (+1 mod 10): never Luhn-valid."""
    c = (int(twelve[-1]) + 1) % 10
    return twelve[:-1] + str(c)


# ---------------------------------------------------------------------------
# Danish CPR: fixed dates, serial found by an ordered search.
# ---------------------------------------------------------------------------


def make_cpr(ddmmyy, start, male, d7_allowed, mod11=True):
    """First serial >= start whose 7th digit is in d7_allowed, whose sex digit
    matches, that passes (or, with mod11=False, fails) modulus 11 and that is
    NOT a valid Swedish number when read as YYMMDD-NNNC."""
    for serial in range(start, 10000):
        s = "%04d" % serial
        if int(s[0]) not in d7_allowed:
            continue
        if (int(s[3]) % 2 == 1) != male:
            continue
        ten = ddmmyy + s
        if cpr_mod11_ok(ten) != mod11:
            continue
        if cpr_date(ten) is None or se_valid(ten):
            continue
        return ten
    raise SystemExit("no serial found for " + ddmmyy)


CPR = {
    "mette":  make_cpr("070361", 1386, male=False, d7_allowed=(0, 1, 2, 3)),
    "soren":  make_cpr("230478", 1571, male=True, d7_allowed=(0, 1, 2, 3)),
    "freja":  make_cpr("150892", 2417, male=False, d7_allowed=(0, 1, 2, 3)),
    "niels":  make_cpr("311255", 2763, male=True, d7_allowed=(0, 1, 2, 3)),
    "ida":    make_cpr("020409", 4192, male=False, d7_allowed=(4,)),
    # 1 January 1990: on cpr.dk's list of dates with numbers issued WITHOUT
    # modulus 11 control (since 2007). Deliberately fails modulus 11.
    "jens":   make_cpr("010190", 1853, male=True, d7_allowed=(0, 1, 2, 3),
                       mod11=False),
    "karen":  make_cpr("180583", 2635, male=False, d7_allowed=(0, 1, 2, 3)),
    # Subject 3 of samples/find/ (Søren Kjærgaard Holm) has two CPR numbers
    # with the same date: one with modulus 11, and one that deliberately FAILS
    # modulus 11 on an ordinary date (14 March, not 1 January), so a scanner
    # rates it low; `snoka find` must still find it.
    "holm":     make_cpr("140372", 2201, male=True, d7_allowed=(0, 1, 2, 3)),
    "holm_old": make_cpr("140372", 3101, male=True, d7_allowed=(0, 1, 2, 3),
                         mod11=False),
}
# The CPR picks that deliberately fail modulus 11.
CPR_NO_MOD11 = ("jens", "holm_old")


def cpr_dash(ten):
    return ten[:6] + "-" + ten[6:]


def make_cvr(start):
    for n in range(start, 100000000):
        s = "%08d" % n
        if cvr_ok(s):
            return s
    raise SystemExit("no CVR")


CVR = make_cvr(31250000)


# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------


def verify(out=None):
    """Check the picks; the note goes to `out` (stdout by default)."""
    out = out or sys.stdout
    for name, p in list(PINS.items()) + list(COORDS.items()):
        ten = short(p)
        assert luhn_ok(ten), name
        se_birth_date(p)  # raises on an impossible date
        if name != "old":
            assert 1930 <= int(p[:4]) <= 2015, name
        # A 10-digit form of a Swedish pick must not be a Danish date.
        if name not in ("elias", "wilma"):
            assert cpr_date(ten) is None, (name, ten)
    assert int(PINS["old"][:4]) <= 1920
    for name, p in COORDS.items():
        assert 61 <= int(p[6:8]) <= 91 and 1 <= int(p[4:6]) <= 12, name
    # Ambiguous: valid Swedish AND valid Danish (with modulus 11).
    a = short(AMBIGUOUS)
    assert se_valid(a) and cpr_date(a) is not None and cpr_mod11_ok(a)
    # CPR picks: valid Danish date, not Swedish, mod 11 as intended.
    for name, c in CPR.items():
        assert cpr_date(c) is not None, name
        assert not se_valid(c), name
        assert cpr_mod11_ok(c) == (name not in CPR_NO_MOD11), name
    assert CPR["jens"].startswith("0101")
    assert not CPR["holm_old"].startswith("0101")
    # Decoys
    for d in DECOY_BAD_LUHN + [FIND_NEAR_MISS]:
        assert not luhn_ok(short(d))
        assert cpr_date(short(d)) is None
    assert cvr_ok(CVR)
    for org in ("5568263387", "8020051952"):
        assert luhn_ok(org) and int(org[2:4]) >= 20
    # Optional: membership in the Skatteverket lists.
    pins_path = os.path.join(TESTDATA, "allPins.json")
    coords_path = os.path.join(TESTDATA, "allCoords.json")
    if os.path.exists(pins_path) and os.path.exists(coords_path):
        with open(pins_path, encoding="utf-8") as f:
            all_pins = set(json.load(f))
        with open(coords_path, encoding="utf-8") as f:
            all_coords = set(json.load(f))
        for name, p in PINS.items():
            assert p in all_pins, name
        assert AMBIGUOUS in all_pins
        for name, p in COORDS.items():
            assert p in all_coords, name
        for d in DECOY_BAD_LUHN + [FIND_NEAR_MISS]:
            assert d not in all_pins
        print("picks verified against", os.path.normpath(TESTDATA), file=out)
    else:
        print("note: ../shared/testdata not found; skipped list membership", file=out)


# Decoy: Luhn-invalid variants of test numbers (check digit changed).
DECOY_BAD_LUHN = [luhn_broken(PINS["karin"]), luhn_broken(PINS["goran"])]
# Near miss for `snoka find`: subject 1's personnummer with the check digit
# changed (samples/find/inbetalningar.txt). Must never match subject 1.
FIND_NEAR_MISS = luhn_broken(PINS["lindqvist"])
# Decoy: a valid test personnummer buried inside a longer digit run.
DECOY_LONG_RUN = "99" + short(PINS["lena"]) + "0042"

# ---------------------------------------------------------------------------
# File contents
# ---------------------------------------------------------------------------

P, C, K = PINS, COORDS, CPR
EN_DASH = "\u2013"

KUNDREGISTER = f"""Kundregister – Exempelbolaget Norr (utdrag)
Exporterat 2023-03-14 av kundtjänst. Endast för internt bruk.
==============================================================

Kund 1
  Namn:          Anna Lindgren
  Personnummer:  {dash6(P["anna"])}
  E-post:        anna.lindgren@exempel.se
  Mobil:         070-174 06 05
  Adress:        Storgatan 12, 903 26 Umeå

Kund 2
  Namn:          Bengt Karlsson
  Personnummer:  {dash8(P["bengt"])}
  E-post:        bengt.karlsson@exempel.se
  Telefon:       +46 70 174 06 10

Kund 3
  Namn:          Göran Holm
  Pnr:           {P["goran"]}
  Telefon:       0046 70 174 06 20
  Anteckning:    Vill bli kontaktad via sms.

Kund 4
  Namn:          Åsa Öberg
  E-post:        åsa.öberg@exempel.se
  Mobil:         +46 (0)70-174 06 30
  Personnummer:  {short(P["lena"])}

Kund 5
  Namn:          Mikael Ström
  Personnummer:  {dash6(P["mikael"], EN_DASH)}
  (inklistrat från Word, därav tankstrecket)

Kund 6
  Namn:          Ahmed Yilmaz
  Samordningsnummer: {dash6(C["ahmed"])}
  E-post:        ahmed.yilmaz@exempel.se

Kund 7
  Namn:          Sven Åkesson (född 1896, dödsboet sköts av dottern)
  Personnummer:  {dash6(P["old"], "+")}
  Kontaktperson: dottern, ring 070-174 06 35

Frågor om registret: info@exempel.se
"""

PERSONALAKT = f"""PERSONALAKT – SEKRETESS
Exempelbolaget Norr, personalavdelningen

Anställd:        Östen Ärlig
Personnummer:    {dash8(P["osten"])}
Befattning:      Lagerförman, Växjö
Anställd sedan:  2019-08-01
Tjänstetelefon:  08-123 456 78
Mobil:           070-174 06 41
E-post:          osten.arlig@exempel.se

Närmast anhörig
  Namn:          Märta Ärlig (maka)
  Pnr            {short(P["marta"])}
  Barn:          Elias Ärlig, personnummer {dash8(P["elias"])}

Utrustning
  Bärbar dator LT442, IP-adress: 192.168.1.25
  Passerkort utlämnat 2019-08-01.

Anteckningar
  Östen har önskat byte till dagskift från och med hösten.
  Läkarintyg inlämnat, förvaras i låst skåp på plan två.
"""

INTERN_MEMO = f"""# Internt memo: migrering av kundportalen

**Till:** IT-drift, kundtjänst
**Från:** Karin Berg (karin.berg@exempel.se)
**Datum:** 2023-05-09

## Bakgrund

Vid testmigreringen i fredags kom fyra kundposter med fel. Posterna gäller:

- Karin Berg själv, personnummer {dash6(P["karin"])} (testkonto)
- Maria Santos, samordningsnummer {dash6(C["maria"])}
- Tomas Novak, samordningsnummer {dash8(C["tomas"])}
- Johan Ek, Personnummer: {short(P["johan"])}

## Felsökning

Servern som körde jobbet har IP-adress: 10.0.12.7 och loggar till
`/var/log/kundportal/import.log`. Johan når vi på 070-174 06 52.

## Åtgärd

1. Rensa testposterna innan produktionsflytten.
2. Skicka kvittens till noreply-kön, inte till kunderna.
3. Stäm av med Lena på `lena.ek@exempel.se` när det är klart.
"""

KUNDELISTE = f"""Kundeliste – Eksempel Cykler ApS, Ærøskøbing
Udtræk fra kundesystemet 2023-02-01. Fortroligt.
--------------------------------------------------

Mette Sørensen
  CPR-nr.: {cpr_dash(K["mette"])}
  Adresse: Vestergade 4, 5970 Ærøskøbing, Ærø
  E-mail: mette.sorensen@eksempel.dk
  Tlf. 20 12 34 57

Søren Kjær
  cpr-nummer {K["soren"]}
  E-mail: søren.kjær@eksempel.dk
  Mobil: +45 20 12 34 56

Freja Nielsen
  CPR-nr.: {cpr_dash(K["freja"])}
  E-mail: freja.nielsen@eksempel.dk

Niels Østergaard
  CPR-nr.: {cpr_dash(K["niels"])}
  Bemærkning: ønsker faktura på e-mail.

Ida Østergaard (barn af Niels, født 2009)
  CPR-nr.: {cpr_dash(K["ida"])}

Jens Hansen
  CPR-nr.: {cpr_dash(K["jens"])}
  Bemærkning: født 1. januar, personnummer uden modulus 11-kontrol.

Spørgsmål til listen: info@eksempel.dk
"""

NOTAT_UTF16 = f"""Notat fra borgerservice

Borgeren Karen Mortensen henvendte sig om sit sundhedskort,
som er blevet væk under flytningen til Marstal.
Hendes cpr-nummer er {cpr_dash(K["karen"])}.
Svar sendes til karen.mortensen@eksempel.dk senest fredag.

Næste skridt:
  Nyt sundhedskort bestilles i dag.
  Borgeren får besked, når kortet er afsendt.

Med venlig hilsen
Borgerservice, Ærø Kommune
"""

AMBIGUOUS_TXT = f"""Journalnotat – Borgerservice, Aabenraa Kommune

Henvendelse fra borger (Danmark)
Borgeren, en ældre dame, mødte op i borgerservice i dag.
Hun oplyste sit CPR-nr. {dash6(AMBIGUOUS)} ved henvendelsen.
Sagen vedrører fornyelse af hendes sygesikringsbevis, som er bortkommet.

Aftalt:
- nyt sygesikringsbevis bestilles og sendes til folkeregisteradressen
- borgeren kontaktes, hvis der mangler oplysninger

Sagsbehandler: Birthe
"""

ACCESS_LOG = """81.2.69.142 - - [15/Jan/2023:10:12:01 +0100] "GET / HTTP/1.1" 200 5123 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
81.2.69.142 - - [15/Jan/2023:10:12:02 +0100] "GET /css/site.css HTTP/1.1" 200 20480 "https://www.exempel.se/" "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
185.15.58.224 - - [15/Jan/2023:10:13:44 +0100] "GET /kontakt HTTP/1.1" 200 7311 "-" "curl/8.4.0"
2a00:1450:4001:81b::200e - - [15/Jan/2023:10:14:09 +0100] "GET /robots.txt HTTP/1.1" 404 162 "-" "ExampleBot/2.1"
81.2.69.160 - - [15/Jan/2023:10:15:30 +0100] "POST /login HTTP/1.1" 302 0 "https://www.exempel.se/login" "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
::ffff:185.15.58.77 - - [15/Jan/2023:10:16:02 +0100] "GET /nyhetsbrev?email=lars.jensen%40eksempel.dk HTTP/1.1" 200 981 "-" "curl/8.4.0"
2a00:1450:4001:81b::200e - - [15/Jan/2023:10:17:45 +0100] "GET /sitemap.xml HTTP/1.1" 200 3320 "-" "ExampleBot/2.1"
185.15.58.224 - - [15/Jan/2023:10:18:00 +0100] "GET /favicon.ico HTTP/1.1" 304 0 "-" "curl/8.4.0"
81.2.69.205 - - [15/Jan/2023:10:21:13 +0100] "GET /produkter HTTP/1.1" 200 15872 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
81.2.69.205 - - [15/Jan/2023:10:21:14 +0100] "GET /img/icon@2x.png HTTP/1.1" 200 4410 "https://www.exempel.se/produkter" "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
"""

SUPPORT_TICKET = f"""Ticket #48213 - Cannot log in after password reset
Status: Open            Priority: Normal
Created: 2023-04-03 09:41 CET

From: John Smith <john.smith@example.com>
To: support@example.com

Hi,

since the password reset yesterday I cannot log in to the customer portal.
My account is registered under my Swedish personal identity number
{P["wilma"]} (I opened it for my daughter). You can call me on
+46 70 174 06 66 during office hours.

The portal showed "access denied" and my client address as ::ffff:81.2.69.160.

Thanks,
John

-- Automatic reply --------------------------------------------------
This message was sent from noreply@example.com. Please do not reply.
"""

DECOYS = f"""Decoys: nothing in this file is personal data
=============================================

Organisationsnummer
  Exempelbolaget AB, org.nr 556826-3387
  Stiftelsen (AP-fond), organisationsnummer 802005-1952

Nummer som liknar personnummer men har fel kontrollsiffra
  {dash6(DECOY_BAD_LUHN[0])}
  {dash8(DECOY_BAD_LUHN[1])}

Datum
  Leveransdatum 2023-01-15, bokfört 20230115, betalt 15.01.2023

Order- och fakturanummer
  Ordernummer 4471902
  Fakturanummer F2023-1187

Versioner och tekniska värden
  Installerad version 1.2.3.4 av agenten.
  OID 1.3.6.1.4.1.311 (Microsoft enterprise arc)
  netmask 255.255.255.0
  Sessions-id c9bf9e57-1685-4c89-bafb-ff5af830be8a
  Bild: assets/icon@2x.png
  Klona med git clone git@github.com:org/repo.git

Dansk virksomhed
  Eksempel Cykler ApS, CVR: {CVR}

Lång sifferserie (transaktions-id)
  Transaktion {DECOY_LONG_RUN} bokförd.
"""


# ---------------------------------------------------------------------------
# Subjects for `snoka find` (samples/find/, samples/subjects.csv)
#
# Three recurring synthetic people, written in many forms across formats, plus
# traps: another person with subject 1's name, a near miss of subject 1's
# personnummer and a file about nobody. generate.py writes the text-like files;
# the office, PDF and ZIP files are laid out by generate_docs.py from the
# FIND_XLSX, FIND_DOCX, FIND_PDFS and FIND_ZIP specs below, so every planted
# value, and the list printed by --list-subjects, is defined here.
# ---------------------------------------------------------------------------

S1_PIN = P["lindqvist"]      # Anna Maria Lindqvist
S2_PIN = P["akerlund"]       # Östen Åkerlund, personnummer ...
S2_COORD = C["akerlund"]     # ... and his earlier samordningsnummer
S3_CPR = K["holm"]           # Søren Kjærgaard Holm, modulus 11 ...
S3_CPR_OLD = K["holm_old"]   # ... and one that fails modulus 11 (not 1 January)
S1_MOBILE, S2_MOBILE = 90, 91   # 070-174 06 90 and 91
OTHER_ANNA_MOBILE = 92          # the other Anna Lindqvist (trap)
DK_PHONE_S3 = "20123458"        # made-up Danish number, 20 12 34 58

SUBJECTS = [
    {"id": "1", "name": "Anna Maria Lindqvist",
     "personnummer": [dash8(S1_PIN)], "cpr": [],
     "email": ["anna.lindqvist@exempel.se", "anna.m.l@example.com"],
     "phone": ["070-174 06 %02d" % S1_MOBILE]},
    {"id": "2", "name": "Östen Åkerlund",
     "personnummer": [dash8(S2_COORD), dash8(S2_PIN)], "cpr": [],
     "email": ["osten.akerlund@exempel.se"],
     "phone": ["070-174 06 %02d" % S2_MOBILE]},
    {"id": "3", "name": "Søren Kjærgaard Holm",
     "personnummer": [], "cpr": [cpr_dash(S3_CPR), cpr_dash(S3_CPR_OLD)],
     "email": ["soren.holm@eksempel.dk"],
     "phone": ["+45 20 12 34 58"]},
]
SUBJECT_FIELDS = ("id", "name", "personnummer", "cpr", "email", "phone")
FIND_KINDS = ("personnummer", "samordningsnummer", "cpr", "email", "phone", "name",
              "name-fuzzy", "name-only", "near-miss", "none")

# (subject, path under samples/, kind, form, value, text to look for in the file)
FIND_PLANTED = []


def fp(subject, path, kind, form, value, written=None):
    """Record that `value` is planted in samples/<path> for `subject`, in the
    written form described by `form` (the list never prints the value).
    `written` is the text as it stands in the file when that differs (an
    encoded-word header). Returns the text as written."""
    assert kind in FIND_KINDS, kind
    written = value if written is None else written
    FIND_PLANTED.append((subject, path, kind, form, value, written))
    return written


def pnr_written(twelve, shape):
    return {
        "YYYYMMDD-NNNN": dash8(twelve),
        "YYYYMMDDNNNN": twelve,
        "YYMMDD-NNNN": dash6(twelve),
        "YYMMDDNNNN": short(twelve),
        "YYMMDD NNNN": dash6(twelve, " "),
        "YYMMDD\u2013NNNN": dash6(twelve, EN_DASH),
    }[shape]


def fpin(subject, path, kind, twelve, shape, where=""):
    """A personnummer or samordningsnummer in the written form `shape`."""
    form = shape + (" (en dash)" if EN_DASH in shape else "") + (", " + where if where else "")
    return fp(subject, path, kind, form, pnr_written(twelve, shape))


def fcpr(subject, path, ten, shape, where=""):
    value = {"DDMMYY-SSSS": cpr_dash(ten), "DDMMYYSSSS": ten}[shape]
    mod = "modulus 11" if cpr_mod11_ok(ten) else "fails modulus 11"
    return fp(subject, path, "cpr", "%s (%s)%s" % (shape, mod, ", " + where if where else ""),
              value)


def fmob(subject, path, nn, shape, where=""):
    """A PTS mobile 070-174 06 NN written as `shape`, e.g. '+46701740 6xx'."""
    return fp(subject, path, "phone", shape + (", " + where if where else ""),
              shape.replace("xx", "%02d" % nn))


def fdk(subject, path, shape, where=""):
    """Subject 3's Danish number written as `shape`, e.g. '+45 NN NN NN NN'."""
    d = iter(DK_PHONE_S3)
    return fp(subject, path, "phone", shape + (", " + where if where else ""),
              "".join(next(d) if ch == "N" else ch for ch in shape))


def fname(subject, path, written, form=None, kind="name"):
    return fp(subject, path, kind, form or written, written)


def fmail(subject, path, address, where=""):
    """An e-mail address; the form says its case and where it stands."""
    form = "lower case" if address == address.lower() else "mixed case"
    if address.lower() not in SUBJECTS[int(subject) - 1]["email"][:1]:
        form = "old address, " + form
    return fp(subject, path, "email", form + (", " + where if where else ""), address)


# --- Subject 1: the file whose name names her -------------------------------

F = "find/lonespec_anna_lindqvist.txt"
fp("1", F, "name", "file name (anna_lindqvist)", "anna_lindqvist")
FIND_LONESPEC = f"""Lönespecifikation mars 2023
Exempelbolaget Norr AB, löneavdelningen
=======================================

Anställd:        {fname("1", F, "Lindqvist, Anna")}
Personnummer:    {fpin("1", F, "personnummer", S1_PIN, "YYMMDD-NNNN")}
Befattning:      Ekonomiassistent
Kostnadsställe:  Ekonomi, Umeå

Månadslön              32 500,00 kr
Semesterersättning        412,50 kr
Preliminärskatt        -9 540,00 kr
Att utbetala           23 372,50 kr

Utbetalas den 24 mars till det konto som finns registrerat.
"""

# --- All three subjects in one contact list ---------------------------------

F = "find/kontakter.csv"
FIND_KONTAKTER = f"""Namn;Personnummer;Telefon;E-post;Ort
{fname("1", F, "Anna Lindqvist")};{fpin("1", F, "personnummer", S1_PIN, "YYYYMMDDNNNN", "column Personnummer")};\
{fmob("1", F, S1_MOBILE, "+46 70 174 06 xx")};\
{fmail("1", F, "Anna.Lindqvist@Exempel.SE", "column E-post")};Umeå
{fname("2", F, "Östen Åkerlund")};\
{fpin("2", F, "samordningsnummer", S2_COORD, "YYYYMMDD-NNNN", "column Personnummer")};\
{fmob("2", F, S2_MOBILE, "0046 70 174 06 xx")};\
{fmail("2", F, "osten.akerlund@exempel.se", "column E-post")};Luleå
{fname("3", F, "Søren Kjærgaard Holm")};{fcpr("3", F, S3_CPR, "DDMMYY-SSSS", "column Personnummer")};\
{fdk("3", F, "+45 NN NN NN NN")};{fmail("3", F, "soren.holm@eksempel.dk", "column E-post")};København
"""

# --- Subject 3: Danish case note with both CPR numbers ----------------------

F = "find/sagsnotat.txt"
FIND_SAGSNOTAT = f"""Sagsnotat – Borgerservice, Eksempel Kommune
Sag nr. 412/2023, oprettet den 2. marts

Borger:             {fname("3", F, "Holm, Søren")}
CPR-nr.:            {fcpr("3", F, S3_CPR, "DDMMYYSSSS")}
Tidligere CPR-nr.:  {fcpr("3", F, S3_CPR_OLD, "DDMMYY-SSSS")} (tildelt uden modulus 11-kontrol)
Tlf.:               {fdk("3", F, "NNNNNNNN")}
E-mail:             {fmail("3", F, "soren.holm@eksempel.dk")}

Borgeren har bedt om indsigt i de oplysninger, kommunen behandler om ham
(databeskyttelsesforordningens artikel 15). Svar sendes senest den 1. april.
"""

# --- Subjects 1 and 2 on an association's web page --------------------------

F = "find/styrelse.html"
FIND_STYRELSE = f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<title>Styrelsen – Exempelföreningen Norr</title>
</head>
<body>
<h1>Styrelsen 2023</h1>
<h2>Ordförande</h2>
<p>{fname("1", F, "Anna Lindqvists", "Anna Lindqvists (Swedish genitive)")} mandatperiod som ordförande löper till årsmötet 2024.<br>
Personnummer (för firmateckningen): {fpin("1", F, "personnummer", S1_PIN, "YYMMDD NNNN")}<br>
Telefon: {fmob("1", F, S1_MOBILE, "+4670174 06xx")}<br>
<a href="mailto:{fmail("1", F, "anna.m.l@example.com", "only in a mailto: href")}">Skicka e-post till ordföranden</a></p>
<h2>Kassör</h2>
<p>{fname("2", F, "Åkerlund, Östen")}<br>
E-post: {fmail("2", F, "osten.akerlund@exempel.se", "in the text")}<br>
Telefon: {fmob("2", F, S2_MOBILE, "+46701740 6xx")}</p>
</body>
</html>
"""

# --- Subject 1: her access request by e-mail --------------------------------

F = "find/begaran_registerutdrag.eml"
FIND_BEGARAN = f"""From: {fname("1", F, "Anna Lindqvist", "Anna Lindqvist (From display name)")} <{fmail("1", F, "anna.lindqvist@exempel.se", "header From")}>
To: Personalavdelningen <personal@exempel.se>
Subject: =?UTF-8?Q?Beg=C3=A4ran_om_registerutdrag?=
Date: Wed, 15 Mar 2023 08:12:00 +0100
Message-ID: <20230315081200.77@exempel.se>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Hej!

Jag vill ta del av de personuppgifter som ni behandlar om mig
(artikel 15 i dataskyddsförordningen).

Personnummer: {fpin("1", F, "personnummer", S1_PIN, "YYMMDDNNNN", "body")}
Mobil: {fmob("1", F, S1_MOBILE, "070-174 06 xx", "body")}
Tidigare e-postadress: {fmail("1", F, "anna.m.l@example.com", "body")}

Med vänliga hälsningar
{fname("1", F, "Anna Maria Lindqvist", "Anna Maria Lindqvist (full name, signature)")}
"""

# --- Subject 3: his access request by e-mail (encoded-word display name) ----

F = "find/henvendelse.eml"
FIND_HENVENDELSE = f"""From: {fp("3", F, "name", "Søren Kjærgaard Holm (From display name, =?UTF-8?Q? encoded-word)",
          "Søren Kjærgaard Holm", "=?UTF-8?Q?S=C3=B8ren_Kj=C3=A6rgaard_Holm?=")} <{fmail("3", F, "soren.holm@eksempel.dk", "header From")}>
To: Borgerservice <borgerservice@eksempel.dk>
Subject: =?UTF-8?Q?Anmodning_om_indsigt?=
Date: Thu, 16 Mar 2023 19:40:00 +0100
Message-ID: <20230316194000.12@eksempel.dk>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Kære Borgerservice

Jeg vil gerne have indsigt i de oplysninger, I har registreret om mig.
Mit CPR-nr. er {fcpr("3", F, S3_CPR, "DDMMYY-SSSS", "body")}, og I kan ringe til mig på {fdk("3", F, "NN NN NN NN", "body")}.

Venlig hilsen
Søren
"""

# --- Subject 2, ASCII-folded: only found with --fuzzy-names -----------------

F = "find/gammal_export.csv"
FIND_GAMMAL_EXPORT = f"""namn,ort,medlem_sedan,kommentar
{fname("2", F, "Osten Akerlund", "Osten Akerlund (ASCII-folded, no diacritics)", "name-fuzzy")},Lulea,1994,kassor
Eva Sandberg,Pitea,2001,
Karl Nyberg,Boden,2008,
"""

F = "find/medlemmar_1998.txt"
FIND_MEDLEMMAR_1998 = f"""MEDLEMSFOERTECKNING 1998 - EXEMPELFOERENINGEN NORR
(överförd från det gamla registret, som skrev aa, ae och oe för å, ä och ö)

  {fname("2", F, "Oesten Aakerlund", "Oesten Aakerlund (aa/ae/oe transliteration)", "name-fuzzy")}    Luleaa     inbetalt i februari
  Eva Sandberg        Pitea      inbetalt i mars
"""

# --- Traps -------------------------------------------------------------------

# Another woman called Anna Lindqvist: a find for subject 1 reports only `name`.
F = "find/hyresavtal.txt"
FIND_HYRESAVTAL = f"""Hyresavtal för bostadslägenhet (utdrag)
Hyresvärd:     Exempel Fastigheter AB
Hyresgäst:     {fname("1", F, "Anna Lindqvist", "Anna Lindqvist (another person: other personnummer, phone, e-mail)", "name-only")}
Personnummer:  {dash6(P["lindqvist2"])}
Telefon:       070-174 06 {OTHER_ANNA_MOBILE:02d}
E-post:        lindqvist.a@example.com
Lägenhet:      nr 1102, Storgatan 8, Luleå
Tillträde den 1 april, hyran betalas månadsvis i förskott.
"""

# Subject 1's personnummer with the check digit changed: must not match.
F = "find/inbetalningar.txt"
FIND_INBETALNINGAR = f"""Inbetalningar mars 2023 – Exempelföreningen Norr

Medlemsavgift 250 kr, inbetald den 6 mars
  Avsändarens personnummer: {fp("1", F, "near-miss", "YYMMDD-NNNN with the check digit changed (Luhn-invalid)", dash6(FIND_NEAR_MISS))}
  OBS: kontrollsiffran stämmer inte, stäm av mot medlemsregistret.

Medlemsavgift 250 kr, inbetald den 9 mars
  Avsändare okänd, pengarna hålls inne tills vidare.
"""

# Nobody's file: another person's record.
F = "find/reserakning.txt"
fp("-", F, "none", "no subject (another person's record)", "")
FIND_RESERAKNING = f"""Reseräkning – Exempelbolaget Norr AB
Anställd:      Johan Ek
Personnummer:  {dash6(P["johan"])}
Mobil:         070-174 06 52
E-post:        johan.ek@exempel.se
Resa:          Umeå–Stockholm med tåg, 6–8 mars, kundbesök
Belopp:        1 240 kr
"""

# --- Specs for generate_docs.py ----------------------------------------------

F = "find/personal.xlsx"
FIND_XLSX = {
    "path": F,
    "sheet": "Personal",
    "rows": [
        ["Namn", "Personnummer", "Telefon", "E-post"],
        [fname("1", F, "ANNA LINDQVIST", "ANNA LINDQVIST (upper case), Personal!A2"),
         int(fp("1", F, "personnummer", "NUMERIC cell, 12 digits, Personal!B2", S1_PIN)),
         fmob("1", F, S1_MOBILE, "0046 70 174 06 xx", "Personal!C2"),
         fmail("1", F, "anna.lindqvist@exempel.se", "Personal!D2")],
        [fname("2", F, "ÖSTEN ÅKERLUND", "ÖSTEN ÅKERLUND (upper case), Personal!A3"),
         fpin("2", F, "personnummer", S2_PIN, "YYMMDD-NNNN", "text cell Personal!B3"),
         fmob("2", F, S2_MOBILE, "+46 70 174 06 xx", "Personal!C3"),
         fmail("2", F, "osten.akerlund@exempel.se", "Personal!D3")],
        [fname("3", F, "Søren Holm", "Søren Holm (no middle name), Personal!A4"),
         fcpr("3", F, S3_CPR, "DDMMYY-SSSS", "text cell Personal!B4"),
         fdk("3", F, "0045 NN NN NN NN", "Personal!C4"),
         fmail("3", F, "Soren.Holm@Eksempel.DK", "Personal!D4")],
    ],
}

F = "find/anstallningsbevis.docx"
FIND_DOCX = {
    "path": F,
    "header": "Exempelbolaget Norr AB · Personalavdelningen",
    "heading": "Anställningsbevis",
    "paragraphs": [
        "Arbetstagare: " + fname("1", F, "Anna M. Lindqvist", "Anna M. Lindqvist (middle initial), paragraph 2"),
        "Personnummer: " + fpin("1", F, "personnummer", S1_PIN, "YYYYMMDD-NNNN", "paragraph 3"),
        "Mobil: " + fmob("1", F, S1_MOBILE, "+46 (0)70 174 06 xx", "paragraph 4"),
        "E-post: " + fmail("1", F, "anna.lindqvist@exempel.se", "paragraph 5"),
        "Befattning: ekonomiassistent, tillsvidareanställning från och med den 1 september.",
        "Arbetstid: heltid. Uppsägningstid enligt kollektivavtalet.",
    ],
}

F = "find/beslut.pdf"
F2 = "find/journal.pdf"
FIND_PDFS = [
    {"path": F, "title": "Beslut om bidrag",
     "heading": "Beslut om bidrag – Exempelkommunen",
     "lines": [
         "Sökande: " + fname("2", F, "Östen Åkerlund", "Östen Åkerlund, page 1"),
         "Personnummer: " + fpin("2", F, "personnummer", S2_PIN, "YYMMDD\u2013NNNN", "page 1"),
         "Tidigare samordningsnummer: " + fpin("2", F, "samordningsnummer", S2_COORD,
                                               "YYMMDD-NNNN", "page 1"),
         "E-post: " + fmail("2", F, "osten.akerlund@exempel.se", "page 1"),
         "Telefon: " + fmob("2", F, S2_MOBILE, "070-174 06 xx", "page 1"),
         "",
         "Ansökan om bidrag till föreningens ungdomsverksamhet beviljas.",
         "Beslutet kan överklagas inom tre veckor.",
     ]},
    {"path": F2, "title": "Journalnotat",
     "heading": "Journalnotat – Eksempel Kommune",
     "lines": [
         "Borger: " + fname("3", F2, "SØREN KJÆRGAARD HOLM", "SØREN KJÆRGAARD HOLM (upper case), page 1"),
         "CPR-nr.: " + fcpr("3", F2, S3_CPR, "DDMMYY-SSSS", "page 1"),
         "Tlf. " + fdk("3", F2, "+45 NN NN NN NN", "page 1"),
         "E-mail: " + fmail("3", F2, "soren.holm@eksempel.dk", "page 1"),
         "",
         "Borgeren har fået svar på sin anmodning om indsigt.",
     ]},
]

F = "find/arkiv_2021.zip"
FIND_ZIP = {
    "path": F,
    "members": [
        ("lon/lonespec_2021-12.txt",
         "Lönespecifikation december 2021\n"
         "Anställd: " + fname("1", F, "Anna Lindqvist", "Anna Lindqvist, member lon/lonespec_2021-12.txt") + "\n"
         "Personnummer: " + fpin("1", F, "personnummer", S1_PIN, "YYMMDD\u2013NNNN",
                                 "member lon/lonespec_2021-12.txt") + "\n"
         "Att utbetala 22 904,00 kr\n"),
        ("styrelsen/kassor.txt",
         "Kassörens kontaktuppgifter\n"
         + fname("2", F, "Östen Åkerlunds", "Östen Åkerlunds (Swedish genitive), member styrelsen/kassor.txt")
         + " uppgifter, inlämnade vid årsmötet:\n"
         "Personnummer: " + fpin("2", F, "personnummer", S2_PIN, "YYMMDD NNNN",
                                 "member styrelsen/kassor.txt") + "\n"
         "Samordningsnummer (före folkbokföringen): " + fpin(
             "2", F, "samordningsnummer", S2_COORD, "YYMMDDNNNN", "member styrelsen/kassor.txt") + "\n"
         "Mobil: " + fmob("2", F, S2_MOBILE, "+46 (0)70-174 06 xx", "member styrelsen/kassor.txt") + "\n"
         "E-post: " + fmail("2", F, "osten.akerlund@exempel.se", "member styrelsen/kassor.txt") + "\n"),
        ("dk/kundekort.txt",
         "Kundekort\n"
         "Navn: " + fname("3", F, "Søren K. Holm", "Søren K. Holm (middle initial), member dk/kundekort.txt") + "\n"
         "CPR-nr.: " + fcpr("3", F, S3_CPR_OLD, "DDMMYYSSSS", "member dk/kundekort.txt") + "\n"
         "Tlf. " + fdk("3", F, "NN NN NN NN", "member dk/kundekort.txt") + "\n"),
    ],
}
del F, F2


def find_doc_text(spec):
    """Every string in a generate_docs.py spec, for the checks below."""
    if isinstance(spec, str):
        return spec + "\n"
    if isinstance(spec, int):
        return str(spec) + "\n"
    if isinstance(spec, dict):
        return "".join(find_doc_text(v) for v in spec.values())
    return "".join(find_doc_text(v) for v in spec)


def subjects_csv():
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(SUBJECT_FIELDS)
    for s in SUBJECTS:
        w.writerow([s[k] if isinstance(s[k], str) else ";".join(s[k]) for k in SUBJECT_FIELDS])
    return out.getvalue()


def subject_toml(s):
    def q(v):
        assert '"' not in v and "\\" not in v
        return '"%s"' % v
    lines = ["# Subject %s of samples/subjects.csv, as TOML. Synthetic; written by"
             " samples/generate.py." % s["id"]]
    for k in SUBJECT_FIELDS:
        v = s[k]
        if isinstance(v, str):
            lines.append("%s = %s" % (k, q(v)))
        elif len(v) == 1:
            lines.append("%s = %s" % (k, q(v[0])))
        elif v:
            lines.append("%s = [%s]" % (k, ", ".join(q(x) for x in v)))
    return "\n".join(lines) + "\n"


def list_subjects():
    """CSV subject,path,kind,form: where each subject is planted, without the
    values. Subject '-' with kind 'none' is a file about nobody."""
    order = {s["id"]: i for i, s in enumerate(SUBJECTS)}
    rows = sorted(FIND_PLANTED, key=lambda r: order.get(r[0], len(order)))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["subject", "path", "kind", "form"])
    for subject, path, kind, form, _value, _written in rows:
        w.writerow([subject, "samples/" + path, kind, form])
    return out.getvalue()


def digits(s):
    return "".join(ch for ch in s if ch.isdigit())


def phone_key(s):
    """National significant number of a Swedish or Danish phone number."""
    s = s.strip()
    d = digits(s)
    if s.startswith("+"):
        d = d[2:]
    elif d.startswith("00"):
        d = d[4:]
    if "(0)" in s:
        d = d[1:]
    return d[1:] if d.startswith("0") else d


def verify_find(texts):
    """Every planted value is a written form of its subject's identifier and
    stands in its file. texts: {path under samples/: decoded text}."""
    by_id = {s["id"]: s for s in SUBJECTS}
    for s in SUBJECTS:
        assert sorted(s) == sorted(SUBJECT_FIELDS), s
    pins = {"1": [S1_PIN], "2": [S2_PIN]}
    coords = {"2": [S2_COORD]}
    docs = {spec["path"]: find_doc_text(spec)
            for spec in [FIND_XLSX, FIND_DOCX, FIND_ZIP] + FIND_PDFS}
    formats = {}
    for subject, path, kind, form, value, written in FIND_PLANTED:
        where = (subject, path, kind, form)
        if kind == "none":
            assert value == "" and path in texts, where
            continue
        s = by_id[subject]
        if kind == "name" and form.startswith("file name"):
            assert value in path, where
            continue
        text = texts.get(path, docs.get(path))
        assert text is not None, where
        assert written in text, where
        if kind in ("personnummer", "samordningsnummer"):
            twelve = (pins if kind == "personnummer" else coords)[subject]
            assert digits(value) in [t if len(digits(value)) == 12 else short(t)
                                     for t in twelve], where
        elif kind == "cpr":
            assert digits(value) in [digits(c) for c in s["cpr"]], where
        elif kind == "email":
            assert value.lower() in s["email"], where
        elif kind == "phone":
            assert phone_key(value) in [phone_key(p) for p in s["phone"]], where
        elif kind == "near-miss":
            assert digits(value) == short(FIND_NEAR_MISS) and not luhn_ok(digits(value)), where
        elif kind == "name-only":
            assert value in text and "Maria" not in text, where
        if kind in ("personnummer", "samordningsnummer", "cpr", "email", "phone", "name"):
            formats.setdefault(subject, set()).add(os.path.splitext(path)[1])
    for s in SUBJECTS:
        assert len(formats[s["id"]]) >= 5, (s["id"], formats[s["id"]])
    # Subject 3's second CPR fails modulus 11 on an ordinary date and is not
    # a Swedish number either.
    assert not cpr_mod11_ok(S3_CPR_OLD) and not S3_CPR_OLD.startswith("0101")
    assert not se_valid(S3_CPR_OLD) and not se_valid(S3_CPR)
    # The other Anna Lindqvist is someone else; the ASCII-folded files carry
    # nothing else of subject 2.
    assert P["lindqvist2"] != S1_PIN
    for path in ("find/gammal_export.csv", "find/medlemmar_1998.txt"):
        t = texts[path]
        assert "Östen" not in t and "Åkerlund" not in t and digits(S2_PIN)[2:6] not in t
    # The traps and the fuzzy files hold no value of any subject.
    values = [v for s in SUBJECTS for k in ("personnummer", "cpr", "email", "phone")
              for v in s[k]]
    for path in ("find/hyresavtal.txt", "find/inbetalningar.txt", "find/reserakning.txt",
                 "find/gammal_export.csv", "find/medlemmar_1998.txt"):
        t = texts[path]
        for v in values:
            assert digits(v)[-8:] not in digits(t) if digits(v) else v not in t, (path, v)
            assert v.split("@")[0] not in t.lower() if "@" in v else True, (path, v)


def binary_blob():
    """Small binary file: NUL bytes first, then a personnummer-looking string."""
    head = bytes([0x00, 0x00, 0x00, 0x01, 0x53, 0x4E, 0x4B, 0x00])  # ..SNK.
    body = bytes((i * 37 + 11) % 256 for i in range(96))
    text = ("Personnummer: " + dash6(PINS["anna"])).encode("ascii")
    tail = bytes(range(0, 64))
    return head + body + b"\x00" + text + b"\x00" + tail


def files():
    crlf = lambda s: s.replace("\n", "\r\n")
    return {
        "sv/kundregister.txt": KUNDREGISTER.encode("utf-8"),
        "sv/personalakt_latin1.txt": crlf(PERSONALAKT).encode("cp1252"),
        "sv/intern_memo.md": INTERN_MEMO.encode("utf-8"),
        "da/kundeliste.txt": KUNDELISTE.encode("utf-8"),
        "da/notat_utf16.txt": b"\xff\xfe" + crlf(NOTAT_UTF16).encode("utf-16-le"),
        "en/access.log": ACCESS_LOG.encode("utf-8"),
        "en/support_ticket.txt": SUPPORT_TICKET.encode("utf-8"),
        "decoys/decoys.txt": DECOYS.encode("utf-8"),
        "decoys/binary.bin": binary_blob(),
        "mixed/ambiguous.txt": AMBIGUOUS_TXT.encode("utf-8"),
        **{rel: encode_find(text, enc, eol) for rel, (text, enc, eol) in find_texts().items()},
        "subjects.csv": subjects_csv().encode("utf-8"),
        "subject-1.toml": subject_toml(SUBJECTS[0]).encode("utf-8"),
    }


def find_texts():
    """The text-like files of samples/find/: {path: (text, encoding, line end)}."""
    return {
        "find/lonespec_anna_lindqvist.txt": (FIND_LONESPEC, "utf-8", "\n"),
        "find/kontakter.csv": (FIND_KONTAKTER, "utf-8", "\n"),
        "find/sagsnotat.txt": (FIND_SAGSNOTAT, "utf-8", "\n"),
        "find/styrelse.html": (FIND_STYRELSE, "utf-8", "\n"),
        "find/begaran_registerutdrag.eml": (FIND_BEGARAN, "utf-8", "\r\n"),
        "find/henvendelse.eml": (FIND_HENVENDELSE, "utf-8", "\r\n"),
        "find/gammal_export.csv": (FIND_GAMMAL_EXPORT, "ascii", "\n"),
        "find/medlemmar_1998.txt": (FIND_MEDLEMMAR_1998, "cp1252", "\r\n"),
        "find/hyresavtal.txt": (FIND_HYRESAVTAL, "utf-8", "\n"),
        "find/inbetalningar.txt": (FIND_INBETALNINGAR, "utf-8", "\n"),
        "find/reserakning.txt": (FIND_RESERAKNING, "utf-8", "\n"),
    }


def encode_find(text, encoding, eol):
    return text.replace("\n", eol).encode(encoding)


def main():
    args = sys.argv[1:]
    # --list-subjects writes only CSV to stdout.
    verify(sys.stderr if "--list-subjects" in args else sys.stdout)
    verify_find({rel: text for rel, (text, _, _) in find_texts().items()})
    if "--list-subjects" in args:
        sys.stdout.write(list_subjects())
        return
    if "--check" in args:
        bad = []
        for rel, data in files().items():
            path = os.path.join(HERE, rel)
            if not os.path.exists(path):
                bad.append(rel + " (missing)")
                continue
            with open(path, "rb") as f:
                if f.read() != data:
                    bad.append(rel)
        if bad:
            print("differs from the committed files:", ", ".join(bad))
            sys.exit(1)
        print("all %d generated files match" % len(files()))
        return
    for rel, data in files().items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        print("wrote", os.path.join("samples", rel), len(data), "bytes")
    print("CPR picks:", {k: cpr_dash(v) for k, v in CPR.items()})
    print("CVR decoy:", CVR)
    print("Luhn-broken decoys:", DECOY_BAD_LUHN, "long run:", DECOY_LONG_RUN)


if __name__ == "__main__":
    main()
