#!/usr/bin/env python3
"""Generate the synthetic sample corpus in samples/.

Standard library only and deterministic: every identifier is either a fixed
pick (Swedish numbers from Skatteverket's published test lists) or the result
of a fixed, ordered search (Danish CPR and CVR numbers). Running the script
rewrites exactly the files that are committed next to it:

    python3 samples/generate.py            # from the repository root
    python3 samples/generate.py --check    # only verify the picks, write nothing

If ../shared/testdata/personnummer/ (personnummer/meta testdata, relative to the
repository root) is present, the script also checks that every Swedish pick is
in allPins.json / allCoords.json. The committed files do not need it.
"""

import datetime
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
}
COORDS = {
    "ahmed":   "196210662398",  # m, 1962-10-06 (day 66)
    "maria":   "197504812384",  # f, 1975-04-21 (day 81)
    "tomas":   "198807742393",  # m, 1988-07-14 (day 74)
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
}


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


def verify():
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
        assert cpr_mod11_ok(c) == (name != "jens"), name
    assert CPR["jens"].startswith("0101")
    # Decoys
    for d in DECOY_BAD_LUHN:
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
        for d in DECOY_BAD_LUHN:
            assert d not in all_pins
        print("picks verified against", os.path.normpath(TESTDATA))
    else:
        print("note: ../shared/testdata not found; skipped list membership")


# Decoy: Luhn-invalid variants of test numbers (check digit changed).
DECOY_BAD_LUHN = [luhn_broken(PINS["karin"]), luhn_broken(PINS["goran"])]
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
    }


def main():
    verify()
    if "--check" in sys.argv[1:]:
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
