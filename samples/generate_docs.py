#!/usr/bin/env python3
"""Generate the document samples in samples/docs/ (and the XLSX, DOCX, PDF and
ZIP files of samples/find/, whose content generate.py defines).

The identities come from generate.py (Skatteverket test numbers, generated
Danish CPR numbers, PTS fictional phone numbers, example domains, documentation
IP ranges, decoys); this script only puts them into documents, in the places
that are hard for an extractor: numeric spreadsheet cells, hidden sheets, far
cells, runs split by formatting, headers, footers, comments, speaker notes,
PDF footers, MIME parts, attachments, archive members and nested archives.
It also writes corrupt and encrypted files on purpose.

The committed files are what the tests use. Regenerating them needs Python 3
(3.11.7 was used) and these packages (the versions used for the committed files):

    pip install openpyxl==3.1.5 python-docx==1.2.0 python-pptx==1.0.2 \\
        odfpy==1.4.1 reportlab==5.1.0 pyzipper==0.4.0 \\
        msoffcrypto-tool==6.1.0 xlwt==1.3.0

(they pull in lxml 6.1.3, cryptography 48.0.0, pycryptodomex 3.24.2 and
olefile 0.47; zlib was 1.2.13). rapport_ttf.pdf embeds DejaVuSans.ttf from the
Debian package fonts-dejavu-core (2.37). Usage, from the repository root:

    python3 samples/generate_docs.py            # rewrite samples/docs/ and
                                                # find/'s documents
    python3 samples/generate_docs.py --check    # build in memory, compare with
                                                # the committed files
    python3 samples/generate_docs.py --list     # print the planted values as a
                                                # Markdown table (README)

Deterministic: all timestamps, ids, salts and orderings are fixed, so two runs
give byte-identical files, whatever the clock, time zone or PYTHONHASHSEED.
Where a library takes randomness or the current time, it is replaced for the
one call: reportlab runs in invariant mode (fixed dates, document id and
encryption key material), msoffcrypto-tool's salts/keys and compound-file
timestamps and pyzipper's AES salt come from a SHA-256 counter (fake_random).
ZIP members are rewritten with fixed timestamps (repack_zip). Compressed data
depends on the zlib version, so another zlib build may give other bytes for
the same content; --check tells.
"""

import datetime
import gzip
import hashlib
import io
import os
import struct
import sys
import tarfile
import zipfile
import zlib
from base64 import b64encode
from contextlib import contextmanager

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "docs")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no samples/__pycache__ for snoka to scan

import generate  # noqa: E402  (samples/generate.py: picks and check digits)
from generate import (  # noqa: E402
    PINS, COORDS, CPR, CVR, short, dash6, dash8, cpr_dash,
)

P, C, K = PINS, COORDS, CPR
ORGNR = "556826-3387"      # decoy: organisation number (generate.py DECOYS)
ORDERNR = "4471902"        # decoy: order number (generate.py DECOYS)
BAD_LUHN = generate.DECOY_BAD_LUHN[0]   # decoy: check digit changed

# Fixed times. Documents say they were written on 14 March 2023; archive
# members carry 2024-01-01 00:00:00 (the earliest a ZIP can hold is 1980).
DOC_TIME = datetime.datetime(2023, 3, 14, 9, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
TAR_MTIME = int(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
                .timestamp())

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PASSWORD = "hemligt"

# ---------------------------------------------------------------------------
# Planted values: every generator records what it puts where, so that the
# README table can be printed with --list and checked against snoka's output.
# ---------------------------------------------------------------------------

PLANTED = []


def plant(path, where, kind, value):
    PLANTED.append((path, where, kind, value))
    return value


def phone(n):
    """PTS fictional mobile 070-174 06 NN (NN 05-99). The documents use 70-89."""
    assert 5 <= n <= 99
    return "070-174 06 %02d" % n


# ---------------------------------------------------------------------------
# Determinism helpers
# ---------------------------------------------------------------------------


@contextmanager
def patched(obj, name, value):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


class FixedDatetime(datetime.datetime):
    """datetime.datetime whose now()/utcnow() return DOC_TIME."""

    @classmethod
    def now(cls, tz=None):
        d = cls(*DOC_TIME.timetuple()[:6])
        return d.replace(tzinfo=tz) if tz else d

    @classmethod
    def utcnow(cls):
        return cls(*DOC_TIME.timetuple()[:6])


class FixedDatetimeModule:
    """Stand-in for the datetime module inside a library."""
    timezone = datetime.timezone
    timedelta = datetime.timedelta
    date = datetime.date
    datetime = FixedDatetime


def fake_random(label):
    """Deterministic stand-in for os.urandom/secrets.token_bytes: SHA-256 in
    counter mode over a label, so every call gets fresh but fixed bytes."""
    state = {"n": 0}

    def read(size):
        out = b""
        while len(out) < size:
            out += hashlib.sha256(("%s/%d" % (label, state["n"])).encode()).digest()
            state["n"] += 1
        return out[:size]
    return read


def repack_zip(data):
    """Rewrite a ZIP (OOXML, ODF) with fixed member timestamps and attributes,
    keeping member order and compression methods (ODF needs 'mimetype' first
    and stored)."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = info.compress_type
            zi.create_system = 0
            zi.external_attr = 0
            zout.writestr(zi, zin.read(info.filename), compresslevel=6)
    return out.getvalue()


def zip_bytes(members):
    """A ZIP with fixed timestamps from (name, bytes) pairs, in order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o100644 << 16
            z.writestr(zi, data, compresslevel=6)
    return out.getvalue()


def gzip_bytes(data, name=""):
    out = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=out, mtime=0,
                       compresslevel=9) as g:
        g.write(data)
    return out.getvalue()


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


# ---------------------------------------------------------------------------
# Spreadsheets
# ---------------------------------------------------------------------------


def kunder_xlsx():
    import openpyxl
    import openpyxl.writer.excel
    f = "docs/kunder.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Kunder"
    ws.append(["Namn", "Personnummer", "Telefon", "E-post"])
    rows = [
        ("Anna Lindgren", plant(f, "Kunder!B2 (text)", "personnummer", dash6(P["anna"])),
         plant(f, "Kunder!C2", "phone", phone(70)),
         plant(f, "Kunder!D2", "email", "anna.lindgren@exempel.se")),
        ("Mikael Ström",
         int(plant(f, "Kunder!B3 (NUMERIC cell, 12 digits)", "personnummer", P["mikael"])),
         plant(f, "Kunder!C3", "phone", "+46 70 174 06 71"),
         plant(f, "Kunder!D3", "email", "mikael.strom@exempel.se")),
        ("Johan Ek",
         int(plant(f, "Kunder!B4 (NUMERIC cell, 10 digits)", "personnummer", short(P["johan"]))),
         plant(f, "Kunder!C4", "phone", phone(72)),
         plant(f, "Kunder!D4", "email", "johan.ek@exempel.se")),
        ("Åsa Öberg-Ängström", plant(f, "Kunder!B5", "personnummer", dash6(P["marta"])),
         plant(f, "Kunder!C5", "phone", phone(73)),
         plant(f, "Kunder!D5", "email", "asa.oberg-angstrom@exempel.se")),
        ("Maria Santos", plant(f, "Kunder!B6", "samordningsnummer", dash6(C["maria"])),
         None, plant(f, "Kunder!D6", "email", "maria.santos@exempel.se")),
    ]
    for r in rows:
        ws.append(list(r))
    ws["A8"] = "Exempelbolaget Norr AB, org.nr " + plant(f, "Kunder!A8", "decoy (org.nr)", ORGNR)
    ws["A9"] = "Senaste ordernummer: " + plant(f, "Kunder!A9", "decoy (order number)", ORDERNR)
    ws["AB5000"] = "Pnr " + plant(f, "Kunder!AB5000 (far cell)", "personnummer",
                                  dash6(P["goran"])) + " (Göran Holm, flyttad)"
    for col, width in zip("ABCD", (22, 16, 18, 32)):
        ws.column_dimensions[col].width = width

    arkiv = wb.create_sheet("Arkiv")
    arkiv.sheet_state = "hidden"
    arkiv.append(["Namn", "Personnummer"])
    arkiv.append(["Lena Ek", plant(f, "Arkiv!B2 (hidden sheet)", "personnummer", dash8(P["lena"]))])

    props = wb.properties
    props.creator = "Karin Berg"
    props.lastModifiedBy = "Karin Berg"
    props.title = "Kundregister"
    props.created = DOC_TIME
    props.modified = DOC_TIME
    out = io.BytesIO()
    with patched(openpyxl.writer.excel, "datetime", FixedDatetimeModule):
        wb.save(out)
    return repack_zip(out.getvalue())


def kunder_ods():
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import Table, TableColumn, TableRow, TableCell
    from odf.text import P as TP
    f = "docs/kunder.ods"
    doc = OpenDocumentSpreadsheet()
    set_odf_meta(doc, "Mette Sørensen", "Kundeliste")
    hidden = Style(name="taHidden", family="table")
    hidden.addElement(TableProperties(display="false"))
    doc.automaticstyles.addElement(hidden)

    def text_cell(s):
        c = TableCell(valuetype="string")
        c.addElement(TP(text=s))
        return c

    def row(values):
        r = TableRow()
        for v in values:
            if v is None:
                r.addElement(TableCell())
            elif isinstance(v, int):
                c = TableCell(valuetype="float", value=str(v))
                c.addElement(TP(text=str(v)))
                r.addElement(c)
            else:
                r.addElement(text_cell(v))
        return r

    t = Table(name="Kunder")
    t.addElement(TableColumn(numbercolumnsrepeated="28"))
    t.addElement(row(["Navn", "CPR-nummer", "Telefon", "E-mail"]))
    t.addElement(row([
        "Mette Sørensen", plant(f, "Kunder!B2", "cpr", cpr_dash(K["mette"])),
        plant(f, "Kunder!C2", "phone", "20 12 34 57"),
        plant(f, "Kunder!D2", "email", "mette.sorensen@eksempel.dk")]))
    t.addElement(row([
        "Søren Kjær", int(plant(f, "Kunder!B3 (NUMERIC float cell)", "cpr", K["soren"])),
        plant(f, "Kunder!C3", "phone", "+45 20 12 34 56"),
        plant(f, "Kunder!D3", "email", "soren.kjaer@eksempel.dk")]))
    t.addElement(row([
        "Freja Nielsen", plant(f, "Kunder!B4", "cpr", cpr_dash(K["freja"])), None,
        plant(f, "Kunder!D4", "email", "freja.nielsen@eksempel.dk")]))
    t.addElement(row([
        "Niels Østergaard", plant(f, "Kunder!B5", "cpr", cpr_dash(K["niels"])), None, None]))
    t.addElement(row([]))  # row 6 empty
    t.addElement(row(["Eksempel Cykler ApS, CVR: " + plant(f, "Kunder!A7", "decoy (CVR)", CVR)]))
    # rows 8..4999 empty (one repeated row), row 5000 has AB (column 28)
    t.addElement(TableRow(numberrowsrepeated=str(4999 - 8 + 1)))
    far = TableRow()
    far.addElement(TableCell(numbercolumnsrepeated="27"))
    far.addElement(text_cell("CPR-nr.: " + plant(f, "Kunder!AB5000 (far cell, repeated rows/cells)",
                                                 "cpr", cpr_dash(K["jens"]))))
    t.addElement(far)
    doc.spreadsheet.addElement(t)

    a = Table(name="Arkiv", stylename=hidden)
    a.addElement(TableColumn(numbercolumnsrepeated="2"))
    a.addElement(row(["Navn", "CPR-nummer"]))
    a.addElement(row(["Karen Mortensen",
                      plant(f, "Arkiv!B2 (hidden sheet)", "cpr", cpr_dash(K["karen"]))]))
    doc.spreadsheet.addElement(a)
    return odf_bytes(doc)


def kunder_xls():
    import xlwt
    f = "docs/kunder.xls"
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Kunder")
    data = [
        ("Namn", "Personnummer", "Telefon"),
        ("Bengt Karlsson",
         int(plant(f, "Kunder!B2 (NUMBER record, 12 digits)", "personnummer", P["bengt"])),
         plant(f, "Kunder!C2", "phone", phone(74))),
        ("Karin Berg", plant(f, "Kunder!B3 (text)", "personnummer", dash6(P["karin"])),
         plant(f, "Kunder!C3", "phone", "+46 70 174 06 75")),
        ("Exempelbolaget Norr AB", plant(f, "Kunder!B4", "decoy (org.nr)", ORGNR), None),
    ]
    for r, values in enumerate(data):
        for c, v in enumerate(values):
            if v is not None:
                ws.write(r, c, v)
    arkiv = wb.add_sheet("Arkiv")
    arkiv.visibility = 1  # hidden
    arkiv.write(0, 0, "Samordningsnummer")
    arkiv.write(1, 0, plant(f, "Arkiv!A2 (hidden sheet)", "samordningsnummer", dash8(C["tomas"])))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def kunder_csv():
    f = "docs/kunder.csv"
    lines = [
        "Namn;Personnummer;Telefon",
        "Östen Ärlig;%s;%s" % (plant(f, "row 2, column Personnummer", "personnummer", dash8(P["osten"])),
                              plant(f, "row 2, column Telefon", "phone", phone(76))),
        '"Öberg-Ängström; Åsa";%s;%s' % (
            plant(f, "row 3, column Personnummer (after a quoted field with ';')",
                  "personnummer", short(P["lena"])),
            plant(f, "row 3, column Telefon", "phone", "+46 70 174 06 77")),
        "Göran Holm;%s;" % plant(f, "row 4, column Personnummer", "personnummer", dash6(P["goran"])),
        "Ahmed Yilmaz;%s;%s" % (plant(f, "row 5, column Personnummer", "samordningsnummer", dash6(C["ahmed"])),
                               plant(f, "row 5, column Telefon", "phone", "0046 70 174 06 78")),
        "Exempelbolaget AB;%s;" % plant(f, "row 6, column Personnummer", "decoy (org.nr)", ORGNR),
        "Felregistrerad;%s;" % plant(f, "row 7, column Personnummer", "decoy (bad Luhn)", dash6(BAD_LUHN)),
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def medlemmer_tsv():
    f = "docs/medlemmer.tsv"
    lines = [
        "Navn\tCPR-nummer\tE-mail",
        "Mette Sørensen\t%s\t%s" % (plant(f, "row 2, column CPR-nummer", "cpr", K["mette"]),
                                    plant(f, "row 2, column E-mail", "email", "mette.sorensen@eksempel.dk")),
        "Søren Kjær\t%s\t%s" % (plant(f, "row 3, column CPR-nummer", "cpr", cpr_dash(K["soren"])),
                                plant(f, "row 3, column E-mail", "email", "søren.kjær@eksempel.dk")),
        "Ida Østergaard\t%s\t" % plant(f, "row 4, column CPR-nummer", "cpr", cpr_dash(K["ida"])),
        "Jens Hansen\t%s\t%s" % (plant(f, "row 5, column CPR-nummer", "cpr", cpr_dash(K["jens"])),
                                 plant(f, "row 5, column E-mail", "email", "jens.hansen@eksempel.dk")),
        "Eksempel Cykler ApS\t%s\t" % plant(f, "row 6, column CPR-nummer", "decoy (CVR)", CVR),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------
# Word processing and presentations
# ---------------------------------------------------------------------------


def set_ooxml_core(cp, author, title):
    cp.author = author
    cp.last_modified_by = author
    cp.title = title
    cp.created = DOC_TIME
    cp.modified = DOC_TIME
    cp.revision = 3


def personalakt_docx():
    import docx
    import docx.comments
    from docx.shared import Pt
    f = "docs/personalakt.docx"
    d = docx.Document()
    set_ooxml_core(d.core_properties, "Karin Berg", "Personalakt")
    section = d.sections[0]
    section.header.paragraphs[0].text = (
        "Exempelbolaget Norr AB · Personalavdelningen · Handläggare: "
        + plant(f, "header, paragraph 1", "email", "karin.berg@exempel.se"))
    section.footer.paragraphs[0].text = (
        "Sekretess enligt personalpolicyn · Telefon: "
        + plant(f, "footer, paragraph 1", "phone", phone(79)))

    d.add_heading("Personalakt – sekretess", level=1)           # paragraph 1
    d.add_paragraph("Anställd: Östen Ärlig, lagerförman i Växjö")  # 2
    p = d.add_paragraph()                                        # 3
    pn = plant(f, "paragraph 3, split across runs: 'Personnummer: 9401' + bold '22-2394'",
               "personnummer", dash6(P["osten"]))
    p.add_run("Personnummer: " + pn[:4])
    bold = p.add_run(pn[4:])
    bold.bold = True
    bold.font.size = Pt(12)
    d.add_paragraph("Arbetsgivare: Exempelbolaget Norr AB, Org.nr "             # 4
                    + plant(f, "paragraph 4", "decoy (org.nr)", ORGNR))
    d.add_paragraph("E-post: " + plant(f, "paragraph 5", "email", "osten.arlig@exempel.se")
                    + ", Mobil: " + plant(f, "paragraph 5", "phone", phone(80)))  # 5
    d.add_paragraph("Närmast anhöriga:")                         # 6
    table = d.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    cells = [
        ("Namn", "Personnummer", "Relation"),
        ("Märta Ärlig", plant(f, "table row 2, cell 2", "personnummer", dash6(P["marta"])), "maka"),
        ("Elias Ärlig", plant(f, "table row 3, cell 2", "personnummer", dash8(P["elias"])), "son"),
    ]
    for r, values in enumerate(cells):
        for c, v in enumerate(values):
            table.cell(r, c).text = v
    d.add_paragraph("Skyddsskor beställda, ordernummer "
                    + plant(f, "paragraph after the table", "decoy (order number)", ORDERNR) + ".")
    p = d.add_paragraph()
    anchor = p.add_run("Läkarintyg inlämnat 2023-02-01, förvaras i låst skåp.")
    with patched(docx.comments, "dt", FixedDatetimeModule):
        d.add_comment(anchor, author="Karin Berg", initials="KB", text=(
            "Intyget gäller även dottern Wilma, personnummer "
            + plant(f, "comments, paragraph 1", "personnummer", dash8(P["wilma"])) + "."))
    out = io.BytesIO()
    d.save(out)
    return repack_zip(out.getvalue())


def presentation_pptx():
    from pptx import Presentation
    from pptx.util import Inches
    f = "docs/presentation.pptx"
    prs = Presentation()
    set_ooxml_core(prs.core_properties, "Karin Berg", "Kundmöte")
    s1 = prs.slides.add_slide(prs.slide_layouts[0])
    s1.shapes.title.text = "Kundmöte Q1 2023"
    s1.placeholders[1].text = "Exempelbolaget Norr AB"
    s1.notes_slide.notes_text_frame.text = (
        "Ring Bengt Karlsson före mötet: " + plant(f, "slide 1, notes", "phone", phone(81))
        + ".\nHans personnummer är "
        + plant(f, "slide 1, notes", "personnummer", dash6(P["bengt"])) + ".")
    s2 = prs.slides.add_slide(prs.slide_layouts[1])
    s2.shapes.title.text = "Kontaktuppgifter"
    body = s2.placeholders[1].text_frame
    body.text = "Kontakt: Anna Lindgren"
    for line in ("Personnummer: " + plant(f, "slide 2", "personnummer", dash8(P["anna"])),
                 "E-post: " + plant(f, "slide 2", "email", "anna.lindgren@exempel.se")):
        body.add_paragraph().text = line
    box = s2.shapes.add_textbox(Inches(1), Inches(6.3), Inches(8), Inches(0.5))
    box.text_frame.text = "Exempelbolaget Norr AB, org.nr " + plant(f, "slide 2 (text box)",
                                                                    "decoy (org.nr)", ORGNR)
    out = io.BytesIO()
    prs.save(out)
    return repack_zip(out.getvalue())


def set_odf_meta(doc, creator, title):
    from odf import dc, meta
    doc.meta.addElement(dc.Title(text=title))
    doc.meta.addElement(dc.Creator(text=creator))
    doc.meta.addElement(meta.InitialCreator(text=creator))
    doc.meta.addElement(meta.CreationDate(text=DOC_TIME.isoformat()))
    doc.meta.addElement(dc.Date(text=DOC_TIME.isoformat()))


def odf_bytes(doc):
    out = io.BytesIO()
    doc.write(out)
    return repack_zip(out.getvalue())


def rapport_odt():
    from odf.opendocument import OpenDocumentText
    from odf.style import (Footer, Header, MasterPage, PageLayout,
                           PageLayoutProperties, Style, TextProperties)
    from odf.text import H, P as TP, Span
    f = "docs/rapport.odt"
    doc = OpenDocumentText()
    set_odf_meta(doc, "Birthe Ærø", "Rapport")
    layout = PageLayout(name="pm1")
    layout.addElement(PageLayoutProperties(pagewidth="21cm", pageheight="29.7cm",
                                           margin="2cm", printorientation="portrait"))
    doc.automaticstyles.addElement(layout)
    bold = Style(name="T1", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header = Header()
    header.addElement(TP(text="Eksempel Cykler ApS – fortroligt – CVR "
                         + plant(f, "header", "decoy (CVR)", CVR)))
    master.addElement(header)
    footer = Footer()
    footer.addElement(TP(text="Kontakt: " + plant(f, "footer", "email", "freja.nielsen@eksempel.dk")
                         + " · Tlf. " + plant(f, "footer", "phone", "20 12 34 57")))
    master.addElement(footer)
    doc.masterstyles.addElement(master)

    doc.text.addElement(H(outlinelevel=1, text="Rapport om kundeklage"))         # 1
    doc.text.addElement(TP(text="Kunden Bjørn Ærø Ødegård, CPR-nr.: "            # 2
                           + plant(f, "paragraph 2", "cpr", cpr_dash(K["soren"]))
                           + ", har klaget over en cykel købt i Ærøskøbing."))
    doc.text.addElement(TP(text="Svar sendes til "                               # 3
                           + plant(f, "paragraph 3", "email", "bjorn.odegard@eksempel.dk")
                           + " senest fredag."))
    cpr = plant(f, "paragraph 4, split across spans: 'CPR-nr.: 1508' + bold span",
                "cpr", cpr_dash(K["freja"]))
    p = TP(text="Medunderskriver Freja Nielsen, CPR-nr.: " + cpr[:4])             # 4
    p.addElement(Span(stylename=bold, text=cpr[4:]))
    doc.text.addElement(p)
    doc.text.addElement(TP(text="Sagen afsluttes, når kunden har fået svar."))   # 5
    return odf_bytes(doc)


def presentation_odp():
    from odf.draw import Frame, Page, TextBox
    from odf.namespaces import PRESENTATIONNS
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout, PageLayoutProperties
    from odf.text import P as TP
    f = "docs/presentation.odp"
    doc = OpenDocumentPresentation()
    set_odf_meta(doc, "Mette Sørensen", "Møde")
    layout = PageLayout(name="PM1")
    layout.addElement(PageLayoutProperties(margin="0cm", pagewidth="28cm", pageheight="21cm",
                                           printorientation="landscape"))
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    doc.masterstyles.addElement(master)

    def text_frame(lines, cls=None, y="2cm"):
        fr = Frame(width="24cm", height="10cm", x="2cm", y=y)
        if cls:
            fr.setAttrNS(PRESENTATIONNS, "class", cls)
        tb = TextBox()
        for line in lines:
            tb.addElement(TP(text=line))
        fr.addElement(tb)
        return fr

    s1 = Page(name="Slide1", masterpagename=master)
    s1.addElement(text_frame(["Kundemøde, Eksempel Cykler ApS",
                              "Kontakt: Mette Sørensen, E-mail: "
                              + plant(f, "slide 1", "email", "mette.sorensen@eksempel.dk")]))
    notes = Notes()
    notes.addElement(text_frame(["Husk: Mettes CPR-nr. er "
                                 + plant(f, "slide 1, notes", "cpr", cpr_dash(K["mette"]))],
                                cls="notes"))
    s1.addElement(notes)
    doc.presentation.addElement(s1)
    s2 = Page(name="Slide2", masterpagename=master)
    s2.addElement(text_frame(["Ny kunde: Ida Østergaard",
                              "CPR-nr.: " + plant(f, "slide 2", "cpr", cpr_dash(K["ida"])),
                              "Mobil: " + plant(f, "slide 2", "phone", "+45 20 12 34 56")]))
    doc.presentation.addElement(s2)
    return odf_bytes(doc)


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def reportlab_canvas(buf, **kw):
    from reportlab import rl_config
    rl_config.invariant = 1  # fixed dates and document id (also seeds pdfencrypt)
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, **kw)
    c.setAuthor("Åsa Öberg")
    c.setCreator("Exempelbolaget Norr AB")
    return c


def rapport_pdf(encrypt=None):
    f = "docs/rapport.pdf"
    plant = globals()["plant"] if encrypt is None else (lambda f, w, k, v: v)
    buf = io.BytesIO()
    c = reportlab_canvas(buf, encrypt=encrypt)
    c.setTitle("Rapport kundärende 2023-117")
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, 770, "Rapport – kundärende 2023-117")
    c.setFont("Helvetica", 11)
    lines = [
        "Handläggare: Åsa Öberg-Ängström, Exempelbolaget Norr AB",
        "E-post: " + plant(f, "page 1, body", "email", "asa.oberg@exempel.se"),
        "",
        "Kunden hörde av sig angående en felaktig faktura. Ärendet är utrett",
        "och kunden har fått en kreditnota. Inga ytterligare åtgärder krävs.",
        "Exempelbolaget Norr AB, org.nr " + plant(f, "page 1, body", "decoy (org.nr)", ORGNR),
    ]
    y = 740
    for line in lines:
        c.drawString(72, y, line)
        y -= 16
    # A form-like line: label and value are separate text objects.
    y -= 8
    c.drawString(72, y, "Samordningsnummer:")
    c.drawString(200, y, plant(f, "page 1, label and value drawn separately", "samordningsnummer",
                               dash6(C["ahmed"])))
    c.showPage()
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 770, "Bilaga: kontaktuppgifter")
    c.setFont("Helvetica", 11)
    c.drawString(72, 745, "Kontaktuppgifterna finns i sidfoten enligt mallen.")
    c.setFont("Helvetica", 8)
    c.drawString(72, 30, "Kund: Mikael Ström · Personnummer "
                 + plant(f, "page 2, footer line (y = 30 pt)", "personnummer", dash6(P["mikael"]))
                 + " · Telefon " + plant(f, "page 2, footer line (y = 30 pt)", "phone", phone(82))
                 + " · sida 2 av 2")
    c.showPage()
    c.save()
    return buf.getvalue()


def rapport_ttf_pdf():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    f = "docs/rapport_ttf.pdf"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", DEJAVU))
    buf = io.BytesIO()
    c = reportlab_canvas(buf)
    c.setTitle("Journalnotat")
    c.setFont("DejaVuSans", 14)
    c.drawString(72, 770, "Journalnotat – Ærø Kommune")
    c.setFont("DejaVuSans", 11)
    lines = [
        "Borger: Bjørn Ærø Ødegård",
        "CPR-nr.: " + plant(f, "page 1 (embedded TrueType subset, ToUnicode)", "cpr",
                            cpr_dash(K["niels"])),
        "E-mail: " + plant(f, "page 1", "email", "bjorn.odegard@eksempel.dk"),
        "Tlf. " + plant(f, "page 1", "phone", "20 12 34 56"),
        "Status: ✓ afsluttet → arkiveret",
    ]
    y = 740
    for line in lines:
        c.drawString(72, y, line)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def krypterad_pdf():
    from reportlab.lib.pdfencrypt import StandardEncryption
    enc = StandardEncryption(PASSWORD, ownerPassword="agare-" + PASSWORD, strength=128)
    plant("docs/krypterad.pdf", "the pages of rapport.pdf, encrypted (user password 'hemligt')",
          "(encrypted)", "-")
    return rapport_pdf(encrypt=enc)


# ---------------------------------------------------------------------------
# Mail
# ---------------------------------------------------------------------------


def b64_lines(data):
    s = b64encode(data).decode("ascii")
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def meddelande_eml():
    f = "docs/meddelande.eml"
    pn = plant(f, "body 1 (text/plain, quoted-printable ISO-8859-1, a soft line break "
               "inside the number), line 3; again in body 2 (text/html, base64)",
               "personnummer", dash6(P["goran"]))
    mob = plant(f, "body 1, line 3; again in body 2", "phone", phone(83))
    plant(f, "header From (display name =?ISO-8859-1?Q?...)", "email", "asa.oberg@exempel.se")
    plant(f, "header To (display name =?UTF-8?Q?...)", "email", "bjorn.odegard@eksempel.dk")
    plant(f, "header Cc", "email", "karin.berg@exempel.se")
    cpr = plant(f, "attachment Förteckning.csv (RFC 2231 filename*), row 2", "cpr",
                cpr_dash(K["karen"]))
    plant(f, "attachment Förteckning.csv, row 2", "email", "karen.mortensen@eksempel.dk")
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n'
        "<p>Hej Bjørn!</p>\n"
        "<p>Här kommer uppgifterna om Göran Holm som du bad om. Hans personnummer "
        "är %s och han nås på mobil %s.</p>\n"
        "<p>Med vänlig hälsning<br>\nÅsa Öberg<br>\nExempelbolaget Norr AB</p>\n"
        "</body></html>\n" % (pn, mob))
    attachment = ("Navn;CPR-nr.;E-mail\r\nKaren Mortensen;%s;karen.mortensen@eksempel.dk\r\n"
                  % cpr).encode("utf-8")
    # Hand-written quoted-printable: a soft line break ("=" at the end of a
    # line) splits the personnummer, as encoders do at 76 characters.
    qp = (
        "Hej Bj=F8rn!\n"
        "\n"
        "H=E4r kommer uppgifterna om G=F6ran Holm som du bad om. Hans personnummer =\n"
        "=E4r %s=\n"
        "%s och han n=E5s p=E5 mobil %s.\n"
        "\n"
        "Med v=E4nlig h=E4lsning\n"
        "=C5sa =D6berg\n"
        "Exempelbolaget Norr AB\n" % (pn[:7], pn[7:], mob))
    msg = (
        "From: =?ISO-8859-1?Q?=C5sa_=D6berg?= <asa.oberg@exempel.se>\n"
        "To: =?UTF-8?Q?Bj=C3=B8rn_=C3=98deg=C3=A5rd?= <bjorn.odegard@eksempel.dk>\n"
        "Cc: Karin Berg <karin.berg@exempel.se>\n"
        "Subject: =?ISO-8859-1?Q?Uppgifter_till_f=F6rs=E4kringen?=\n"
        "Date: Tue, 14 Mar 2023 09:41:00 +0100\n"
        "Message-ID: <20230314094100.4471@exempel.se>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="=_yttre_0001"\n'
        "\n"
        "This is a multi-part message in MIME format.\n"
        "\n"
        "--=_yttre_0001\n"
        'Content-Type: multipart/alternative; boundary="=_inre_0002"\n'
        "\n"
        "--=_inre_0002\n"
        "Content-Type: text/plain; charset=ISO-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        + qp +
        "\n"
        "--=_inre_0002\n"
        "Content-Type: text/html; charset=UTF-8\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        + b64_lines(html.encode("utf-8")) + "\n"
        "\n"
        "--=_inre_0002--\n"
        "\n"
        "--=_yttre_0001\n"
        'Content-Type: text/csv; charset=UTF-8; name="=?UTF-8?Q?F=C3=B6rteckning.csv?="\n'
        "Content-Disposition: attachment; filename*=UTF-8''F%C3%B6rteckning.csv\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        + b64_lines(attachment) + "\n"
        "\n"
        "--=_yttre_0001--\n")
    return crlf(msg).encode("ascii")


def inkorg_mbox():
    f = "docs/inkorg.mbox"
    m1 = (
        "From karin.berg@exempel.se Mon Mar 13 08:15:00 2023\n"
        "From: Karin Berg <%s>\n"
        "To: %s\n"
        "Subject: Ny kund\n"
        "Date: Mon, 13 Mar 2023 08:15:00 +0100\n"
        "Message-ID: <20230313081500.1@exempel.se>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "Hej!\n"
        "\n"
        "Lägg in Tomas Novak i kundregistret, samordningsnummer %s.\n"
        ">From och med måndag gäller de nya rutinerna för nya kunder.\n"
        "\n"
        "/Karin\n"
        "\n" % (plant(f, "message 1, header From", "email", "karin.berg@exempel.se"),
                plant(f, "message 1, header To", "email (role address)", "kundtjanst@exempel.se"),
                plant(f, "message 1, body line 3", "samordningsnummer", dash6(C["tomas"]))))
    m2 = (
        "From mette.sorensen@eksempel.dk Tue Mar 14 11:02:00 2023\n"
        "From: =?UTF-8?Q?Mette_S=C3=B8rensen?= <%s>\n"
        "To: %s\n"
        "Subject: =?UTF-8?Q?Indmeldelse_af_mit_barn?=\n"
        "Date: Tue, 14 Mar 2023 11:02:00 +0100\n"
        "Message-ID: <20230314110200.2@eksempel.dk>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "Hej,\n"
        "\n"
        "min datter Ida Østergaard skal meldes ind i klubben.\n"
        "Hendes CPR-nr. er %s.\n"
        "Ring gerne på %s.\n"
        "\n"
        "Venlig hilsen\n"
        "Mette\n"
        "\n" % (plant(f, "message 2, header From", "email", "mette.sorensen@eksempel.dk"),
                plant(f, "message 2, header To", "email (role address)", "info@eksempel.dk"),
                plant(f, "message 2, body line 4", "cpr", cpr_dash(K["ida"])),
                plant(f, "message 2, body line 5", "phone", "+45 20 12 34 56")))
    return (m1 + m2).encode("utf-8")


# ---------------------------------------------------------------------------
# Markup
# ---------------------------------------------------------------------------


def sida_html():
    f = "docs/sida.html"
    ph = plant(f, "text, '&nbsp;' between the groups", "phone", phone(84))
    html = (
        "<!DOCTYPE html>\n"
        '<html lang="sv">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        "<title>Kontakta oss – Exempelbolaget Norr</title>\n"
        "<script>var ordernummer = \"%s\";</script>\n"
        "</head>\n"
        "<body>\n"
        "<h1>Kontakta oss</h1>\n"
        "<p>Kundansvarig: &Aring;sa &Ouml;berg-&Auml;ngstr&ouml;m, telefon %s.</p>\n"
        "<p>Ärendet gäller Bengt Karlsson, personnummer %s.</p>\n"
        '<p><a href="mailto:%s">Skriv till kundtjänst</a></p>\n'
        "<table>\n"
        "<tr><th>Namn</th><th>Personnummer</th></tr>\n"
        "<tr><td>Anna Lindgren</td><td>%s<b>%s</b></td></tr>\n"
        "</table>\n"
        "<!-- publicerad från %s -->\n"
        "<p>Exempelbolaget Norr AB, org.nr %s</p>\n"
        "</body>\n"
        "</html>\n" % (
            plant(f, "<script>", "decoy (order number)", ORDERNR),
            ph.replace(" ", "&nbsp;"),
            plant(f, "text", "personnummer", dash6(P["bengt"])),
            plant(f, "only in a mailto: href", "email", "kundtjanst.norr@exempel.se"),
            *split_at(plant(f, "table cell next to the header 'Personnummer', split by <b>",
                            "personnummer", dash8(P["anna"])), 9),
            plant(f, "HTML comment", "ip", "81.2.69.33"),
            plant(f, "text", "decoy (org.nr)", ORGNR)))
    return html.encode("utf-8")


def split_at(s, i):
    return s[:i], s[i:]


def export_xml():
    f = "docs/export.xml"
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<kundexport system="Kundportalen" exporterad="2023-03-14T09:00:00" server="%s">\n'
        '  <kund id="1" personnummer="%s">\n'
        "    <namn>Lena Ek</namn>\n"
        "    <epost>%s</epost>\n"
        '    <telefon typ="mobil">%s</telefon>\n'
        "  </kund>\n"
        '  <kund id="2">\n'
        "    <namn>Søren Kj&#230;r</namn>\n"
        "    <cpr>%s</cpr>\n"
        '    <kontakt email="%s"/>\n'
        "  </kund>\n"
        '  <kund id="3">\n'
        "    <namn>Märta Ärlig</namn>\n"
        "    <anteckning><![CDATA[Pnr %s enligt blankett & kopia]]></anteckning>\n"
        "  </kund>\n"
        '  <order nummer="%s" organisationsnummer="%s"/>\n'
        "</kundexport>\n" % (
            plant(f, "attribute server of <kundexport>", "ip", "185.15.58.12"),
            plant(f, "attribute personnummer of <kund id=1>", "personnummer", dash8(P["lena"])),
            plant(f, "element <epost>", "email", "lena.ek@exempel.se"),
            plant(f, "element <telefon>", "phone", phone(85)),
            plant(f, "element <cpr>", "cpr", K["soren"]),
            plant(f, "attribute email of <kontakt>", "email", "soren.kjaer@eksempel.dk"),
            plant(f, "CDATA in <anteckning>", "personnummer", P["marta"]),
            plant(f, "attribute nummer of <order>", "decoy (order number)", ORDERNR),
            plant(f, "attribute organisationsnummer of <order>", "decoy (org.nr)", ORGNR)))
    return xml.encode("iso-8859-1")


# ---------------------------------------------------------------------------
# Archives
# ---------------------------------------------------------------------------


def arkiv_zip(eml):
    f = "docs/arkiv.zip"
    kontakter = (
        "Kontaktlista, Exempelbolaget Norr\n"
        "Johan Ek, personnummer %s, mobil %s\n" % (
            plant(f, "member kontakter.txt, line 2", "personnummer", dash6(P["johan"])),
            plant(f, "member kontakter.txt, line 2", "phone", phone(86))))
    atgard = (
        "Åtgärdslista\n"
        "1. Ring Maria Santos (samordningsnummer %s).\n" % plant(
            f, "member Åtgärdslista.txt (UTF-8 name), line 2", "samordningsnummer",
            dash8(C["maria"])))
    inre = zip_bytes([
        ("anteckning.txt", (
            "Notat\nNiels Østergaard, CPR-nr.: %s\n" % plant(
                f, "member inre.zip -> anteckning.txt, line 2 (nested zip)", "cpr",
                cpr_dash(K["niels"]))).encode("utf-8")),
    ])
    plant(f, "member mejl/meddelande.eml (a copy of meddelande.eml)",
          "(all values of meddelande.eml)", "-")
    return zip_bytes([
        ("kontakter.txt", kontakter.encode("utf-8")),
        ("Åtgärdslista.txt", atgard.encode("utf-8")),
        ("mejl/meddelande.eml", eml),
        ("inre.zip", inre),
    ])


def loggar_tar_gz():
    f = "docs/loggar.tar.gz"
    plant(f, "member loggar/access.log (en/access.log, generate.ACCESS_LOG)", "ip",
          "81.2.69.142, 185.15.58.224, 2a00:1450:4001:81b::200e, 81.2.69.160, "
          "::ffff:185.15.58.77, 81.2.69.205")
    plant(f, "member loggar/access.log, URL-encoded %40", "email", "lars.jensen@eksempel.dk")
    fel = ("2023-01-15 10:16:03 ERROR nyhetsbrev: utskick till %s misslyckades (klient %s)\n" % (
        plant(f, "member loggar/fel.log, line 1", "email", "lars.jensen@eksempel.dk"),
        plant(f, "member loggar/fel.log, line 1", "ip", "185.15.58.77"))).encode("utf-8")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        def add(name, data=None):
            ti = tarfile.TarInfo(name)
            ti.mtime = TAR_MTIME
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            if data is None:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                tar.addfile(ti)
            else:
                ti.mode = 0o644
                ti.size = len(data)
                tar.addfile(ti, io.BytesIO(data))
        add("loggar")
        add("loggar/access.log", generate.ACCESS_LOG.encode("utf-8"))
        add("loggar/fel.log", fel)
    return gzip_bytes(buf.getvalue())


def anteckning_txt_gz():
    f = "docs/anteckning.txt.gz"
    text = (
        "Notat fra borgerservice\n"
        "Freja Nielsen, CPR-nr.: %s, ønsker svar på %s.\n" % (
            plant(f, "line 2 (gzip member name anteckning.txt)", "cpr", cpr_dash(K["freja"])),
            plant(f, "line 2", "email", "freja.nielsen@eksempel.dk")))
    return gzip_bytes(text.encode("utf-8"), name="anteckning.txt")


# ---------------------------------------------------------------------------
# Encrypted containers
# ---------------------------------------------------------------------------


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def zipcrypto(data, password):
    """Traditional PKWARE encryption (APPNOTE 6.1) of data, with a 12-byte
    header whose first 11 bytes are given (normally random) and whose last
    byte is the high byte of the CRC (checked by readers)."""
    k = [0x12345678, 0x23456789, 0x34567890]

    def update(c):
        k[0] = (k[0] >> 8) ^ CRC_TABLE[(k[0] ^ c) & 0xFF]
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = (k[2] >> 8) ^ CRC_TABLE[(k[2] ^ (k[1] >> 24)) & 0xFF]

    for c in password:
        update(c)
    out = bytearray()
    for c in data:
        t = (k[2] | 2) & 0xFFFF
        out.append(c ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        update(c)
    return bytes(out)


def krypterad_zip():
    """ZipCrypto by hand (the standard library reads it but cannot write it)."""
    f = "docs/krypterad.zip"
    members = [
        ("lönelista.txt", (
            "Lönelista mars 2023\nKarin Berg, personnummer %s\n" % plant(
                f, "member lönelista.txt (encrypted, password 'hemligt')", "personnummer",
                dash6(P["karin"]))).encode("utf-8")),
    ]
    dostime = (ZIP_TIME[3] << 11) | (ZIP_TIME[4] << 5) | (ZIP_TIME[5] // 2)
    dosdate = ((ZIP_TIME[0] - 1980) << 9) | (ZIP_TIME[1] << 5) | ZIP_TIME[2]
    local, central = bytearray(), bytearray()
    for i, (name, data) in enumerate(members):
        raw_name = name.encode("utf-8")
        flags = 0x0001 | 0x0800  # encrypted, UTF-8 name
        crc = zlib.crc32(data)
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        comp = co.compress(data) + co.flush()
        header = fake_random("zipcrypto/%d" % i)(11) + bytes([crc >> 24])
        enc = zipcrypto(header + comp, PASSWORD.encode())
        offset = len(local)
        fields = struct.pack("<HHHHHIIIHH", 20, flags, 8, dostime, dosdate, crc, len(enc),
                             len(data), len(raw_name), 0)
        local += b"PK\x03\x04" + fields + raw_name + enc
        central += (b"PK\x01\x02" + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHII", 0, 0, 0, 0, offset) + raw_name)
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members),
                                       len(central), len(local), 0)
    return bytes(local + central + eocd)


def krypterad_aes_zip():
    """WinZip AES-256 (pyzipper); the salt is fixed for determinism."""
    import pyzipper
    import pyzipper.zipfile_aes
    f = "docs/krypterad_aes.zip"
    data = ("Kundeliste\nSøren Kjær, CPR-nr.: %s\n" % plant(
        f, "member kundeliste.txt (AES-256, password 'hemligt')", "cpr",
        cpr_dash(K["soren"]))).encode("utf-8")

    class FixedRandom:
        @staticmethod
        def new():
            return type("R", (), {"read": staticmethod(fake_random("aes-zip"))})()

    buf = io.BytesIO()
    with patched(pyzipper.zipfile_aes, "Random", FixedRandom):
        with pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED,
                                 encryption=pyzipper.WZ_AES) as z:
            z.setpassword(PASSWORD.encode())
            zi = z.zipinfo_cls("kundeliste.txt", date_time=ZIP_TIME)
            zi.compress_type = pyzipper.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o100644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


def encrypt_ooxml(data, label):
    """msoffcrypto-tool ECMA-376 Agile encryption with its salts, keys and the
    compound file's timestamps fixed."""
    import msoffcrypto.method.container.ecma376_encrypted as container
    import msoffcrypto.method.ecma376_agile as agile
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    with patched(agile, "_random_buffer", fake_random("ooxml/" + label)), \
            patched(container, "datetime", FixedDatetime):
        OOXMLFile(io.BytesIO(data)).encrypt(PASSWORD, out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# Compound File Binary (OLE2) writer, for gammal.doc and meddelande.msg.
# Version 3: 512-byte sectors, 64-byte mini sectors, streams under 4096 bytes
# in the mini stream, at most 109 FAT sectors (no DIFAT sectors).
# ---------------------------------------------------------------------------

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def cfb_bytes(tree, root_clsid=b"\0" * 16):
    """tree: dict name -> bytes (stream) or dict (storage)."""
    entries = []

    def add(name, node, kind):
        idx = len(entries)
        e = {"name": name, "type": kind, "left": NOSTREAM, "right": NOSTREAM,
             "child": NOSTREAM, "color": 1, "start": ENDOFCHAIN, "size": 0,
             "data": node if isinstance(node, bytes) else None}
        entries.append(e)
        if isinstance(node, dict):
            kids = [add(n, v, 1 if isinstance(v, dict) else 2) for n, v in node.items()]
            kids.sort(key=lambda i: (len(entries[i]["name"]), entries[i]["name"].upper()))
            e["child"] = balanced(kids)
            if kind == 1:
                e["start"] = 0  # storages have no data
        return idx

    def balanced(ids):
        """Size-balanced tree; nodes on an incomplete bottom level are red,
        which satisfies the red-black rules."""
        depth = {}

        def build(lo, hi, d):
            if lo >= hi:
                return NOSTREAM
            mid = (lo + hi) // 2
            i = ids[mid]
            depth[i] = d
            entries[i]["left"] = build(lo, mid, d + 1)
            entries[i]["right"] = build(mid + 1, hi, d + 1)
            return i
        top = build(0, len(ids), 0)
        if ids:
            h = max(depth.values())
            bottom = [i for i in ids if depth[i] == h]
            if len(bottom) != 2 ** h:
                for i in bottom:
                    entries[i]["color"] = 0
        return top

    add("Root Entry", tree, 5)
    entries[0]["clsid"] = root_clsid

    mini, minifat, big = bytearray(), [], []
    for e in entries:
        data = e["data"]
        if data is None or not data:
            continue
        e["size"] = len(data)
        if len(data) < 4096:
            e["start"] = len(mini) // 64
            n = (len(data) + 63) // 64
            minifat += [len(minifat) + j + 1 for j in range(n - 1)] + [ENDOFCHAIN]
            mini += data + b"\0" * (n * 64 - len(data))
        else:
            big.append(e)

    def sectors(nbytes):
        return (nbytes + 511) // 512

    n_dir = sectors(len(entries) * 128)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(mini))
    n_big = [sectors(e["size"]) for e in big]
    others = n_dir + n_minifat + n_mini + sum(n_big)
    n_fat = 1
    while sectors((n_fat + others) * 4) > n_fat:
        n_fat += 1
    assert n_fat <= 109

    fat = [FATSECT] * n_fat
    body = bytearray()

    def chain(data, count):
        start = len(fat)
        fat.extend(range(start + 1, start + count))
        fat.append(ENDOFCHAIN)
        body.extend(data + b"\0" * (count * 512 - len(data)))
        return start

    dir_start_placeholder = len(fat)
    chain(b"", n_dir)  # directory written below, once starts are known
    minifat_start = chain(b"".join(struct.pack("<I", x) for x in minifat), n_minifat) \
        if n_minifat else ENDOFCHAIN
    if n_mini:
        entries[0]["start"] = chain(bytes(mini), n_mini)
        entries[0]["size"] = len(mini)
    for e, n in zip(big, n_big):
        e["start"] = chain(e["data"], n)

    dirbytes = bytearray()
    for e in entries:
        name = e["name"].encode("utf-16-le") + b"\0\0"
        assert len(name) <= 64
        dirbytes += (name + b"\0" * (64 - len(name))
                     + struct.pack("<HBBIII", len(name), e["type"], e["color"],
                                   e["left"], e["right"], e["child"])
                     + e.get("clsid", b"\0" * 16)
                     + struct.pack("<IQQIQ", 0, 0, 0, e["start"], e["size"]))
    free = b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 48
    while len(dirbytes) < n_dir * 512:
        dirbytes += free
    body[0:n_dir * 512] = dirbytes

    fat += [FREESECT] * (n_fat * 128 - len(fat))
    fatbytes = b"".join(struct.pack("<I", x) for x in fat)
    difat = list(range(n_fat)) + [FREESECT] * (109 - n_fat)
    header = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start_placeholder, 0, 4096,
                            minifat_start, n_minifat, ENDOFCHAIN, 0)
              + b"".join(struct.pack("<I", x) for x in difat))
    assert len(header) == 512
    return bytes(header + fatbytes + body)


def gammal_doc():
    """Not a real Word 97 document: a compound file with a 'WordDocument'
    stream that starts with the FIB magic, enough to be recognised as legacy
    .doc. snoka should report it as unsupported."""
    f = "docs/gammal.doc"
    text = ("Personalakt (gammal mall)\r"
            "Personnummer: %s\r" % plant(
                f, "WordDocument stream (not extractable; expect 'skipped: unsupported format')",
                "personnummer", dash6(P["osten"]))).encode("cp1252")
    fib = struct.pack("<HHHHH", 0xA5EC, 0x00C1, 0, 0x0409, 0) + b"\0" * (0x200 - 10)
    word = fib + text
    word += b"\0" * (4608 - len(word))   # >= 4096: stored in regular sectors
    table = b"\0" * 512                   # < 4096: stored in the mini stream
    word_clsid = bytes.fromhex("0609020000000000C000000000000046")  # {00020906-...}
    return cfb_bytes({"WordDocument": word, "1Table": table}, root_clsid=word_clsid)


def filetime(dt):
    return int((dt - datetime.datetime(1601, 1, 1)).total_seconds()) * 10_000_000


def msg_props(props, header):
    """__properties_version1.0 and the __substg1.0_ streams for props
    [(tag, value)]: str -> PT_UNICODE, bytes -> PT_BINARY, int -> PT_LONG,
    datetime -> PT_SYSTIME (tag's type must match)."""
    streams = {}
    out = bytearray(header)
    for tag, value in sorted(props):
        ptype = tag & 0xFFFF
        if ptype == 0x001F:
            data = value.encode("utf-16-le")
            streams["__substg1.0_%08X" % tag] = data
            out += struct.pack("<IIII", tag, 6, len(data) + 2, 0)
        elif ptype == 0x0102:
            streams["__substg1.0_%08X" % tag] = value
            out += struct.pack("<IIII", tag, 6, len(value), 0)
        elif ptype == 0x0003:
            out += struct.pack("<IIII", tag, 6, value, 0)
        elif ptype == 0x0040:
            out += struct.pack("<IIQ", tag, 6, filetime(value))
        else:
            raise ValueError(hex(tag))
    streams["__properties_version1.0"] = bytes(out)
    return streams


def meddelande_msg():
    """Outlook .msg (MS-OXMSG) written with the CFB writer above."""
    f = "docs/meddelande.msg"
    sender = plant(f, "sender (PR_SENDER_EMAIL_ADDRESS, PR_SENDER_SMTP_ADDRESS)", "email",
                   "bjorn.odegard@eksempel.dk")
    to = plant(f, "recipient 1 (PR_EMAIL_ADDRESS, PR_SMTP_ADDRESS)", "email", "karin.berg@exempel.se")
    body = crlf(
        "Hej Karin!\n"
        "\n"
        "Här är uppgifterna om Wilma som du bad om:\n"
        "Personnummer: %s\n"
        "Mobil (vårdnadshavare): %s\n"
        "\n"
        "Med venlig hilsen\n"
        "Bjørn Ærø Ødegård\n" % (
            plant(f, "body (PR_BODY, UTF-16LE), line 4", "personnummer", dash8(P["wilma"])),
            plant(f, "body, line 5", "phone", phone(87))))
    attachment = crlf("Kundeliste\nJens Hansen, CPR-nr.: %s\n" % plant(
        f, "attachment 'Kundeliste Ærø.txt' (PR_ATTACH_DATA_BIN), line 2", "cpr",
        cpr_dash(K["jens"]))).encode("utf-8")
    when = datetime.datetime(2023, 3, 14, 8, 30, 0)
    top = msg_props([
        (0x001A001F, "IPM.Note"),
        (0x0037001F, "Uppgifter om Wilma"),
        (0x0E1D001F, "Uppgifter om Wilma"),
        (0x1000001F, body),
        (0x0C1A001F, "Bjørn Ærø Ødegård"),
        (0x0C1E001F, "SMTP"),
        (0x0C1F001F, sender),
        (0x5D01001F, sender),
        (0x0E04001F, "Karin Berg"),
        (0x00390040, when),
        (0x0E060040, when),
        (0x0E070003, 1),            # PR_MESSAGE_FLAGS: read
        (0x340D0003, 0x00040000),   # PR_STORE_SUPPORT_MASK: STORE_UNICODE_OK
        (0x3FDE0003, 65001),        # PR_INTERNET_CPID: UTF-8
    ], header=struct.pack("<8xIIII8x", 1, 1, 1, 1))
    recip = msg_props([
        (0x0C150003, 1),            # PR_RECIPIENT_TYPE: To
        (0x30000003, 0),            # PR_ROWID
        (0x3001001F, "Karin Berg"),
        (0x3002001F, "SMTP"),
        (0x3003001F, to),
        (0x39FE001F, to),
    ], header=b"\0" * 8)
    attach = msg_props([
        (0x0E210003, 0),            # PR_ATTACH_NUM
        (0x37050003, 1),            # PR_ATTACH_METHOD: by value
        (0x370B0003, 0xFFFFFFFF),   # PR_RENDERING_POSITION: none
        (0x3001001F, "Kundeliste Ærø.txt"),
        (0x3703001F, ".txt"),
        (0x3704001F, "KUNDEL~1.TXT"),
        (0x3707001F, "Kundeliste Ærø.txt"),
        (0x370E001F, "text/plain"),
        (0x37010102, attachment),
    ], header=b"\0" * 8)
    tree = dict(top)
    tree["__nameid_version1.0"] = {
        "__substg1.0_00020102": b"",
        "__substg1.0_00030102": b"",
        "__substg1.0_00040102": b"",
    }
    tree["__recip_version1.0_#00000000"] = recip
    tree["__attach_version1.0_#00000000"] = attach
    msg_clsid = bytes.fromhex("0B0D020000000000C000000000000046")  # {00020D0B-...}
    return cfb_bytes(tree, root_clsid=msg_clsid)


# ---------------------------------------------------------------------------
# Corrupt copies
# ---------------------------------------------------------------------------


def truncated(data, fraction):
    return data[:int(len(data) * fraction)]


def bit_flipped(data, member):
    """Invert 16 bytes in the middle of one member's compressed data: the
    ZIP directory stays intact, inflating or the CRC check fails."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo(member)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    b = bytearray(data)
    for i in range(start, start + 16):
        b[i] ^= 0xFF
    return bytes(b)


# ---------------------------------------------------------------------------
# samples/find/: the office, PDF and ZIP files of the `snoka find` subjects.
# Their content (and the --list-subjects table) is defined in generate.py
# (FIND_XLSX, FIND_DOCX, FIND_PDFS, FIND_ZIP); this only lays it out.
# ---------------------------------------------------------------------------


def find_xlsx(spec):
    """One sheet; int values become NUMERIC cells."""
    import openpyxl
    import openpyxl.writer.excel
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = spec["sheet"]
    for r in spec["rows"]:
        ws.append(list(r))
    for col, width in zip("ABCD", (24, 16, 20, 30)):
        ws.column_dimensions[col].width = width
    props = wb.properties
    props.creator = "Karin Berg"
    props.lastModifiedBy = "Karin Berg"
    props.title = "Personal"
    props.created = DOC_TIME
    props.modified = DOC_TIME
    out = io.BytesIO()
    with patched(openpyxl.writer.excel, "datetime", FixedDatetimeModule):
        wb.save(out)
    return repack_zip(out.getvalue())


def find_docx(spec):
    import docx
    d = docx.Document()
    set_ooxml_core(d.core_properties, "Karin Berg", spec["heading"])
    d.sections[0].header.paragraphs[0].text = spec["header"]
    d.add_heading(spec["heading"], level=1)   # paragraph 1
    for text in spec["paragraphs"]:           # paragraphs 2, 3, ...
        d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return repack_zip(out.getvalue())


def find_pdf(spec):
    """One page, Helvetica (WinAnsi: å, ä, ö, æ, ø and the en dash)."""
    buf = io.BytesIO()
    c = reportlab_canvas(buf)
    c.setTitle(spec["title"])
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 770, spec["heading"])
    c.setFont("Helvetica", 11)
    y = 740
    for line in spec["lines"]:
        c.drawString(72, y, line)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def find_zip(spec):
    return zip_bytes([(name, text.encode("utf-8")) for name, text in spec["members"]])


def find_docs():
    """{path under samples/: bytes} for samples/find/'s binary documents."""
    out = {}
    out[generate.FIND_XLSX["path"]] = find_xlsx(generate.FIND_XLSX)
    out[generate.FIND_DOCX["path"]] = find_docx(generate.FIND_DOCX)
    for spec in generate.FIND_PDFS:
        out[spec["path"]] = find_pdf(spec)
    out[generate.FIND_ZIP["path"]] = find_zip(generate.FIND_ZIP)
    return out


# ---------------------------------------------------------------------------


def build():
    """All files, in write order: {relative path under samples/: bytes}."""
    del PLANTED[:]
    from reportlab import rl_config
    rl_config.invariant = 1  # before reportlab.lib.pdfencrypt is imported
    out = {}
    out["docs/kunder.xlsx"] = kunder_xlsx()
    out["docs/kunder.ods"] = kunder_ods()
    out["docs/kunder.xls"] = kunder_xls()
    out["docs/kunder.csv"] = kunder_csv()
    out["docs/medlemmer.tsv"] = medlemmer_tsv()
    out["docs/personalakt.docx"] = personalakt_docx()
    out["docs/presentation.pptx"] = presentation_pptx()
    out["docs/rapport.odt"] = rapport_odt()
    out["docs/presentation.odp"] = presentation_odp()
    out["docs/rapport.pdf"] = rapport_pdf()
    if os.path.exists(DEJAVU):
        out["docs/rapport_ttf.pdf"] = rapport_ttf_pdf()
    else:
        print("note: %s not found; rapport_ttf.pdf not written" % DEJAVU)
    out["docs/meddelande.eml"] = meddelande_eml()
    out["docs/inkorg.mbox"] = inkorg_mbox()
    out["docs/meddelande.msg"] = meddelande_msg()
    out["docs/sida.html"] = sida_html()
    out["docs/export.xml"] = export_xml()
    out["docs/arkiv.zip"] = arkiv_zip(out["docs/meddelande.eml"])
    out["docs/loggar.tar.gz"] = loggar_tar_gz()
    out["docs/anteckning.txt.gz"] = anteckning_txt_gz()
    # Broken on purpose: expected "failed: corrupt ...".
    out["docs/trasig.pdf"] = truncated(out["docs/rapport.pdf"], 0.6)
    out["docs/trasig.docx"] = truncated(out["docs/personalakt.docx"], 0.5)
    out["docs/trasig.xlsx"] = bit_flipped(out["docs/kunder.xlsx"], "xl/worksheets/sheet1.xml")
    out["docs/trasig.zip"] = truncated(out["docs/arkiv.zip"], 0.55)
    # Encrypted on purpose (password "hemligt"): expected "skipped: encrypted".
    out["docs/krypterad.pdf"] = krypterad_pdf()
    out["docs/krypterad.zip"] = krypterad_zip()
    out["docs/krypterad_aes.zip"] = krypterad_aes_zip()
    plant("docs/krypterad.docx", "whole file (Agile encryption of personalakt.docx)",
          "(encrypted)", "-")
    out["docs/krypterad.docx"] = encrypt_ooxml(out["docs/personalakt.docx"], "docx")
    plant("docs/krypterad.xlsx", "whole file (Agile encryption of kunder.xlsx)", "(encrypted)", "-")
    out["docs/krypterad.xlsx"] = encrypt_ooxml(out["docs/kunder.xlsx"], "xlsx")
    # Legacy format: expected "skipped: unsupported format".
    out["docs/gammal.doc"] = gammal_doc()
    # samples/find/ (subjects for `snoka find`; planted values in generate.py).
    out.update(find_docs())
    return out


def markdown_list():
    rows = ["| File | Where | Kind | Value |", "|---|---|---|---|"]
    for path, where, kind, value in PLANTED:
        rows.append("| `%s` | %s | %s | `%s` |" % (
            path[len("docs/"):], where.replace("|", "\\|"), kind, value))
    return "\n".join(rows)


def main():
    generate.verify()
    args = sys.argv[1:]
    files = build()
    if "--list" in args:
        print(markdown_list())
        return
    if "--check" in args:
        bad = []
        for rel, data in files.items():
            path = os.path.join(HERE, rel)
            if not os.path.exists(path):
                bad.append(rel + " (missing)")
                continue
            with open(path, "rb") as fh:
                if fh.read() != data:
                    bad.append(rel)
        if bad:
            print("differs from the committed files:", ", ".join(bad))
            sys.exit(1)
        print("all %d document samples match" % len(files))
        return
    for rel, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(HERE, rel)), exist_ok=True)
        with open(os.path.join(HERE, rel), "wb") as fh:
            fh.write(data)
        print("wrote", os.path.join("samples", rel), len(data), "bytes")


if __name__ == "__main__":
    main()
