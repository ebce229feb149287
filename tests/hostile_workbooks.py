"""
Workbooks built to hurt the import, for its tests and ``bench/hostile_uploads.py``:
small files whose parts are huge once unpacked, yet compress only so well (random
attribute values and texts) that a compression-ratio check alone lets them through.
"""

from __future__ import annotations

import io
import random
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def rezip(
    data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """The same zip with some members replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = (replace or {}).get(item.filename, source.read(item.filename))
            target.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
        for name, body in (add or {}).items():
            target.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def styles_xml(size: int, *, seed: int = 1) -> bytes:
    """A valid stylesheet of about ``size`` bytes: cell formats, each with its own alignment."""
    rng = random.Random(seed)
    head = (
        f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
        '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
        '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
        '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
        'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    )
    formats = []
    length = len(head)
    while length < size:
        xf = (
            f'<xf numFmtId="{rng.randrange(50)}" fontId="0" fillId="0" borderId="0" xfId="0" '
            f'applyAlignment="1"><alignment indent="{rng.randrange(250)}" '
            f'textRotation="{rng.randrange(180)}"/></xf>'
        )
        formats.append(xf)
        length += len(xf)
    return (
        f'{head}<cellXfs count="{len(formats)}">{"".join(formats)}</cellXfs></styleSheet>'
    ).encode()


def shared_strings_xml(size: int, *, seed: int = 2, letters: int = 12) -> bytes:
    """
    Shared strings of about ``size`` bytes, each its own entry: a number and
    ``letters`` random letters (fewer letters compress better: 12 give 3 to 1,
    2 give about 10 to 1).
    """
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    items = []
    length = 0
    while length < size:
        item = f"<si><t>{len(items)}{''.join(rng.choices(alphabet, k=letters))}</t></si>"
        items.append(item)
        length += len(item)
    return (
        f'<sst xmlns="{MAIN}" count="{len(items)}" uniqueCount="{len(items)}">'
        f"{''.join(items)}</sst>"
    ).encode()


def with_styles(data: bytes, size: int) -> bytes:
    """The workbook with its styles.xml swapped for one of ``size`` bytes."""
    return rezip(data, replace={"xl/styles.xml": styles_xml(size)})


def with_shared_strings(
    data: bytes, size: int, *, part: str = "xl/sharedStrings.xml", letters: int = 12
) -> bytes:
    """
    The workbook with a shared strings part of ``size`` bytes, named ``part``
    (any name: the content types and the workbook's relationships say where it is).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    types = types.replace(
        "</Types>",
        f'<Override PartName="/{part}" ContentType="{SHARED_STRINGS_TYPE}"/></Types>',
    )
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdStrings" Target="/{part}" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    return rezip(
        data,
        replace={
            "[Content_Types].xml": types.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
        },
        add={part: shared_strings_xml(size, letters=letters)},
    )
