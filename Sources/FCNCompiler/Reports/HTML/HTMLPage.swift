// Building blocks of the self-contained HTML review pages (`fcngc report`, `fcngc diff --html`):
// escaping, anchors, and the page shell with its inline CSS and the one inline script
// (click a table header to sort). Nothing is loaded from anywhere: no external script,
// font, style sheet or image, so a page opens from disk offline and prints as it looks.
// Output is deterministic (no timestamps, no absolute paths beyond what the user typed).

public enum HTML {
    /// Text and attribute values, escaped for HTML.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            if let entity = entities[ch] { out += entity } else { out.append(ch) }
        }
        return out
    }

    static let entities: [Character: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]

    /// An id usable in `href="#..."`: letters, digits, '-' and '_'; everything else as '_'.
    public static func anchor(_ parts: String...) -> String {
        String(parts.joined(separator: "-").map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    /// The anchor of step `index` in the table of the plan drawn with `prefix` ("" for a report page).
    public static func stepAnchor(_ prefix: String, _ index: Int) -> String { anchor(prefix + "step", String(index)) }

    /// The anchor of a spec line: `file:line:col` -> its line in the embedded source listing.
    public static func sourceAnchor(file: String, line: Int) -> String { anchor("src", file, "L\(line)") }

    /// Splits a SourceRef location `path:line:col` into its file and line (nil when generated).
    public static func splitLocation(_ location: String) -> (file: String, line: Int)? {
        let parts = location.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let line = Int(parts[parts.count - 2]), Int(parts[parts.count - 1]) != nil, line > 0 else { return nil }
        return (parts.dropLast(2).joined(separator: ":"), line)
    }

    /// A table cell whose sort key is `key` (numbers sort numerically).
    static func cell(_ text: String, sort key: String? = nil, cls: String? = nil, raw: Bool = false) -> String {
        var attrs = ""
        if let key { attrs += " data-sort=\"\(escape(key))\"" }
        if let cls { attrs += " class=\"\(cls)\"" }
        return "<td\(attrs)>\(raw ? text : escape(text))</td>"
    }

    /// The whole page: title, a navigation bar, the sections, the CSS and the sort script.
    static func page(title: String, nav: [(anchor: String, label: String)], body: String) -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>\(escape(title))</title>\n<style>\n\(css)</style>\n</head>\n<body>\n"
        out += "<nav>" + nav.map { "<a href=\"#\($0.anchor)\">\(escape($0.label))</a>" }.joined(separator: " · ") + "</nav>\n"
        out += body
        out += "<script>\n\(sortScript)</script>\n</body>\n</html>\n"
        return out
    }

    static let css = """
    body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.5em; color: #202124; }
    h1 { font-size: 20px; margin: 0 0 .2em; } h2 { font-size: 16px; margin: 1.6em 0 .4em; border-bottom: 1px solid #dadce0; }
    h3 { font-size: 14px; margin: 1em 0 .3em; }
    nav { position: sticky; top: 0; background: #fff; padding: .3em 0; border-bottom: 1px solid #dadce0; z-index: 2; }
    nav a { color: #1a73e8; text-decoration: none; }
    a { color: #1a73e8; }
    table { border-collapse: collapse; margin: .4em 0; }
    th, td { border: 1px solid #dadce0; padding: 2px 6px; text-align: left; vertical-align: top; }
    th { background: #f1f3f4; }
    table.sortable th { cursor: pointer; } table.sortable th:after { content: " \\2195"; color: #9aa0a6; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    code, pre, td.mono { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
    dl.totals { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; }
    dl.totals dt { font-weight: 600; } dl.totals dd { margin: 0; font-variant-numeric: tabular-nums; }
    .figure { overflow: auto; border: 1px solid #dadce0; padding: 4px; margin: .4em 0; }
    .graph svg { display: block; margin: 0 auto; }
    .legend span { display: inline-block; margin-right: 1.2em; }
    .sw { display: inline-block; width: 1.6em; height: .8em; vertical-align: middle; margin-right: .3em; border: 1px solid #5f6368; }
    tr.added td { background: #e6f4ea; } tr.removed td { background: #fce8e6; } tr.changed td { background: #fef7e0; }
    .side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; align-items: start; }
    .side > div { min-width: 0; }
    .peak { color: #d93025; font-weight: 600; }
    .src { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
    .src td { border: none; padding: 0 6px; white-space: pre; } .src td.ln { color: #9aa0a6; text-align: right; user-select: none; }
    .note { color: #5f6368; }
    .src tr.used { background: #f1f8ff; }
    tr:target, .src tr:target { background: #fff3b0; }
    @media print { nav { display: none; } svg { max-width: 100%; height: auto; } .figure { overflow: visible; border: none; } .side { grid-template-columns: 1fr; }
      table.sortable th:after { content: ""; } h2 { break-after: avoid; } tr { break-inside: avoid; } }

    """

    /// Sorting is the only thing that needs JavaScript; without it the tables read in plan order.
    static let sortScript = """
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("th").forEach(function (th, col) {
        th.addEventListener("click", function () {
          var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
          var dir = th.getAttribute("data-dir") === "asc" ? -1 : 1;
          th.setAttribute("data-dir", dir === 1 ? "asc" : "desc");
          function key(r) { var c = r.cells[col]; return c.hasAttribute("data-sort") ? c.getAttribute("data-sort") : c.textContent; }
          rows.sort(function (a, b) {
            var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
            if (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y) { return (nx - ny) * dir; }
            return x < y ? -dir : x > y ? dir : 0;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });

    """
}
