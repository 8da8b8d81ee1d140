"""Checks an fcngc HTML page (`fcngc report`, `fcngc diff --html`) strictly, with Python's
standard html.parser, and prints what it found as JSON for the tests to compare with the plan.

Checks: every non-void element is closed in order; no external reference of any kind (no
http(s)/protocol-relative URL anywhere, no src= attribute, no <link>, no @import, no url()
other than url(#...)); ids are unique; every href="#x" points at an id on the page.

    python3 Scripts/check_report_html.py PAGE.html   ->  {"problems": [...], "steps": [...], ...}
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Inline SVG elements Graphviz writes self-closed (<path .../>); html.parser reports them as startend.


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.ids, self.hrefs = [], [], {}, []
        self.steps, self.totals, self.peak, self.crops, self.fusion = {}, {}, None, {}, 0
        self.svgs, self.marked_rows, self.marked_nodes, self.peak_buffers = 0, {}, 0, []
        self.aligned = []
        self._table, self._row = None, None

    def handle_starttag(self, tag, attrs):
        self._element(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> closes nothing")
            return
        open_tag, pos = self.stack.pop()
        if open_tag != tag:
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> closes <{open_tag}> opened at line {pos[0]}")
        if tag == "table":
            self._table = None

    def _element(self, tag, attrs):
        a = dict(attrs)
        if tag == "link":
            self.problems.append(f"line {self.getpos()[0]}: <link> element")
        if "src" in a:
            self.problems.append(f"line {self.getpos()[0]}: src= attribute on <{tag}>")
        for k, v in attrs:
            if k in ("href", "xlink:href") and v is not None and not v.startswith("#"):
                self.problems.append(f"line {self.getpos()[0]}: {k}={v!r} is not an in-page link")
        if "id" in a:
            if a["id"] in self.ids:
                self.problems.append(f"line {self.getpos()[0]}: duplicate id {a['id']!r}")
            self.ids[a["id"]] = True
        if "href" in a and a["href"] and a["href"].startswith("#"):
            self.hrefs.append(a["href"][1:])
        if tag == "svg":
            self.svgs += 1
        if tag == "table":
            self._table = a.get("id")
        if tag == "tr":
            self._row = a
            if "data-step" in a and self._table and self._table.endswith("steps-table"):
                self.steps.setdefault(self._table, []).append({"index": int(a["data-step"]), "class": a.get("class", "")})
            if self._table == "aligned-steps":
                self.aligned.append({"class": a.get("class", ""), "key": a.get("data-key", "")})
            if self._table and self._table.endswith("peak-buffers") and "data-value" in a:
                self.peak_buffers.append({"value": int(a["data-value"])})
            if self._table == "fusion-table" and a.get("class") in ("fused", "not-fused"):
                self.fusion += 1
        if tag == "td" and self._table and self._table.endswith("steps-table") and self.steps.get(self._table):
            row = self.steps[self._table][-1]
            if "data-macs" in a:
                row["macs"] = int(a["data-macs"])
            if "data-bytes" in a:
                row["bytes"] = int(a["data-bytes"])
        if tag == "td" and self._table and self._table.endswith("peak-buffers") and "data-bytes" in a:
            self.peak_buffers[-1]["bytes"] = int(a["data-bytes"])
        if tag == "dd" and "data-total" in a:
            self.totals[a["data-total"]] = int(a["data-value"])
        if "data-peak-bytes" in a:
            self.peak = {"step": int(a["data-peak-step"]), "bytes": int(a["data-peak-bytes"])}
        if tag == "div" and a.get("class") == "crop":
            self.crops[a["id"]] = [int(x) for x in a["data-offset"].split(",")]
        if tag == "g" and a.get("class") == "node" and "id" in a:
            pass
        if tag in ("path", "polygon", "ellipse") and a.get("stroke") in ("#188038", "#d93025", "#e37400") and a.get("stroke-width") == "2.5":
            self.marked_nodes += 1


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_report_html.py PAGE.html")
    text = open(sys.argv[1], encoding="utf-8").read()
    page = Page()
    page.feed(text)
    page.close()
    problems = list(page.problems)
    for tag, pos in page.stack:
        problems.append(f"line {pos[0]}: <{tag}> never closed")
    for m in re.finditer(r"(https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\((?!#))", text, re.I):
        line = text.count("\n", 0, m.start()) + 1
        problems.append(f"line {line}: external reference {m.group(0)!r}")
    for target in sorted(set(page.hrefs)):
        if target not in page.ids:
            problems.append(f"link to #{target}, which is not on the page")
    if not text.startswith("<!DOCTYPE html>"):
        problems.append("no <!DOCTYPE html>")
    print(json.dumps({"problems": problems, "steps": page.steps, "totals": page.totals, "peak": page.peak,
                      "peak_buffers": page.peak_buffers, "crops": page.crops, "fusion_rows": page.fusion,
                      "svgs": page.svgs, "marked_nodes": page.marked_nodes, "aligned": page.aligned,
                      "ids": len(page.ids)}, sort_keys=True))


main()
