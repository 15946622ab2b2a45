#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the fixtures and writes the dictionaries fuzz/dict/*.dict.

Run once to (re)seed, then fuzz and shrink with `fuzz/run.sh --merge TARGET`: the kept corpus is
what -merge=1 keeps. Seeds are small (documents truncated to SEED_MAX bytes).
"""
import hashlib
import pathlib
import tomllib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
FUZZ = ROOT / "fuzz"
SEED_MAX = 4096
DOCX_PARTS = ["word/document.xml", "word/header1.xml", "word/footer1.xml",
              "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"]


def put(target, data, name=None):
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()
    (d / name).write_bytes(data)


def rule_strings():
    """Every rule's examples, terms, keywords and context words."""
    out = []
    for f in sorted((ROOT / "rules").glob("*.toml")):
        doc = tomllib.loads(f.read_text())

        def walk(v):
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
            elif isinstance(v, dict):
                for k, x in v.items():
                    if k in ("hold", "warn", "none", "keywords", "words", "terms", "markers",
                             "exceptions", "allow") or isinstance(x, (dict, list)):
                        walk(x)
        walk(doc)
    return out


def docs(pattern, n):
    return sorted(FIX.glob(pattern))[:n]


def main():
    strings = rule_strings()
    examples = set()
    for f in sorted((ROOT / "rules").glob("*.toml")):
        for r in tomllib.loads(f.read_text()).get("rule", []):
            ex = r.get("examples", {})
            for k in ("hold", "warn", "none"):
                examples.update(ex.get(k, []))

    # scan: rule examples and a few whole documents.
    for s in sorted(examples):
        put("scan", s.encode())
    for p in docs("docs/hold_*.txt", 6) + docs("docs/approve_*.txt", 4) + docs("docs/b_*.txt", 4):
        put("scan", p.read_bytes()[:SEED_MAX])

    # text: every encoding the detector knows, refused formats, and a page.
    for p in sorted((FIX / "formats").glob("*.txt")) + [FIX / "formats/hostile/broken_gbk.txt",
                                                      FIX / "formats/hostile/scanned.pdf",
                                                      FIX / "formats/approve_gbk_page.html",
                                                      FIX / "formats/hold_gbk_page_marking.html"]:
        put("text", p.read_bytes())
    put("text", (FIX / "formats/hostile/binary_garbage.bin").read_bytes()[:256])
    for p in docs("docs/hold_*.txt", 2):
        put("text", p.read_bytes()[:SEED_MAX])

    # html: every page fixture, and the start of the deeply nested one.
    for p in sorted((FIX / "formats").glob("*.html")):
        put("html", p.read_bytes())
    put("html", (FIX / "formats/hostile/deep_nesting.html").read_bytes()[:SEED_MAX])

    # docx: the archives themselves (small hostile ones included) and their parts, NUL-separated.
    small_hostile = ["billion_laughs.docx", "corrupt_deflate.docx", "deep_xml.docx",
                     "truncated.docx", "not_a_docx.zip"]
    for p in sorted((FIX / "formats").glob("*.docx")) + [FIX / "formats/hostile" / n for n in small_hostile]:
        data = p.read_bytes()
        put("docx", data)
        try:
            z = zipfile.ZipFile(p)
            names = set(z.namelist())
            parts = [z.read(n) if n in names else b"" for n in DOCX_PARTS]
        except Exception:
            continue
        while parts and not parts[-1]:
            parts.pop()
        put("docx", b"\0".join(parts))

    # pdf: the small fixture PDFs whole, and content streams (with a ToUnicode CMap after a NUL)
    # for the target's one-page wrapper.
    for p in sorted((FIX / "formats/pdf").glob("*.pdf")):
        if p.stat().st_size <= 8 * SEED_MAX:
            put("pdf", p.read_bytes())
    cmap = (b"begincmap 1 begincodespacerange <0000> <FFFF> endcodespacerange "
            b"1 beginbfchar <0001> <5185> endbfchar 1 beginbfrange <0002> <0003> [<90E8> <8D44>] "
            b"endbfrange endcmap")
    for content in [b"BT /F1 12 Tf 72 700 Td <000100020003> Tj ET",
                    b"BT /F2 12 Tf 1 0 0 1 72 700 Tm <51859 0E8> Tj T* [<8D44> -3000 <6599>] TJ ET",
                    b"BT /F3 12 Tf 72 700 Td <C4DAB2BF> Tj 0 -20 Td (110101199003077774) Tj ET",
                    b"q 1 0 0 1 0 0 cm BT /F4 10 Tf 12 TL (A\\222B) ' ET /X1 Do Q BI /W 1 ID \x00 EI"]:
        put("pdf", content + b"\0" + cmap)

    # Dictionaries (libFuzzer format, non-ASCII bytes escaped).
    def esc(s):
        b = s.encode() if isinstance(s, str) else s
        return "".join(chr(c) if 0x20 <= c < 0x7F and c not in (0x22, 0x5C) else "\\x%02X" % c for c in b)

    def write_dict(name, entries):
        seen, lines = set(), []
        for e in entries:
            if e and e not in seen and len(e.encode() if isinstance(e, str) else e) <= 64:
                seen.add(e)
                lines.append('"%s"' % esc(e))
        (FUZZ / "dict").mkdir(exist_ok=True)
        (FUZZ / "dict" / name).write_text("# Generated by fuzz/seed.py.\n" + "\n".join(lines) + "\n")

    terms = [s for s in strings if not s.startswith("@") and len(s) <= 16]
    extra = ["★", "☆", "：", "（", "）", "\n", "\r\n", "\u3000", "身份证", "手机", "110101",
             "19900307", "1380000", "X", "＊＊", "**", "内部", "不得外传", "密级", "第", "页"]
    write_dict("scan.dict", terms + extra)
    html = ["<html>", "<head>", "<body>", "</body>", "<meta charset=\"gbk\">", "<script>",
            "</script>", "<style>", "</style>", "<!--", "-->", "<![CDATA[", "]]>", "<table>",
            "<tr>", "<td>", "</td>", "<br>", "<p>", "</p>", "<div hidden>", "style=\"display:none\"",
            "<img alt=\"", "<title>", "<noscript>", "<template>", "<textarea>", "<pre>", "<iframe",
            "srcdoc=\"", "<a href=\"", "tel:", "mailto:", "data-id=\"", "&#", "&#x", "&amp;",
            "&nbsp;", "&lt;", "&ZeroWidthSpace;", "&shy;", "<span>", "</span>", "<svg>", "<math>",
            "<select>", "<option>", "content:\"", "<input value=\""]
    write_dict("html.dict", html + terms[:200])
    pdf = ["BT", "ET", "Tf", "Tj", "TJ", "Td", "TD", "Tm", "T*", "TL", "Tc", "Tw", "Tz", "Ts", "'",
           "\"", "q", "Q", "cm", "Do", "BI", "ID", "EI", "/F1", "/F2", "/F3", "/F4", "/X1", "<<",
           ">>", "[", "]", "(", ")", "<", ">", "\\(", "\\222", "-3000", "beginbfchar",
           "endbfchar", "beginbfrange", "endbfrange", "begincodespacerange", "endcodespacerange",
           "<0000>", "<FFFF>", "<5185>", "<D840DC00>", "obj", "endobj", "stream", "endstream",
           "xref", "trailer", "startxref", "/Root", "/Pages", "/Kids", "/Type /Page", "/Contents",
           "/Resources", "/Font", "/Encrypt", "/ObjStm", "/XRef", "/FlateDecode", "/Length",
           "/ToUnicode", "/Identity-H", "/UniGB-UCS2-H", "/GBK-EUC-H", "/Annots", "/AcroForm",
           "/Fields", "/V", "/Info", "/Metadata", "0 R", "1 0 R"]
    write_dict("pdf.dict", pdf)
    docx = ["<w:t>", "</w:t>", "<w:t xml:space=\"preserve\">", "<w:p>", "</w:p>", "<w:r>", "</w:r>",
            "<w:tab/>", "<w:br/>", "<w:cr/>", "<w:vanish/>", "<w:ins w:id=\"1\">", "</w:ins>",
            "<w:del w:id=\"2\">", "</w:del>", "<w:delText>", "</w:delText>", "<w:moveTo>",
            "<w:moveFrom>", "<w:rPrChange>", "<w:pPrChange>", "<w:instrText>", "<mc:AlternateContent>",
            "<mc:Choice>", "<mc:Fallback>", "<w:txbxContent>", "<w:tbl>", "<w:tr>", "<w:tc>",
            "<w:comment w:id=\"0\">", "<w:footnote>", "<w:endnote>", "<w:body>", "<w:document>",
            "<?xml version=\"1.0\"?>", "<!DOCTYPE", "<!ENTITY", "&amp;", "&#x", "<![CDATA[", "]]>",
            "\x00", "PK\x03\x04", "PK\x01\x02", "PK\x05\x06", "word/document.xml"]
    write_dict("docx.dict", docx + terms[:100])
    write_dict("text.dict", ["\xEF\xBB\xBF".encode("latin-1"), b"\xFF\xFE", b"\xFE\xFF", "<!DOCTYPE html>",
                             "<html", "<meta charset=\"gbk\">", "<meta charset=\"big5\">",
                             "charset=gb18030", "%PDF-", "{\\rtf", "PK\x03\x04"] + terms[:100])


if __name__ == "__main__":
    main()
