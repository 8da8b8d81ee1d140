#!/usr/bin/env bash
# Renders an fcngc HTML page (`fcngc report`, `fcngc diff --html`) to a PNG with headless
# Chromium, offline (every host name resolves to nothing, so a page that needed the network
# would show it). Installs Debian's `chromium` package first if it is missing; the README's
# set-up does not, because only reviewers who want pictures need a browser.
#
#   Scripts/render-report.sh PAGE.html OUT.png [WIDTHxHEIGHT] [#section]
#
# WIDTHxHEIGHT is the window (default 1400x1800); the screenshot is that window. With #section
# (e.g. '#memory', '#crops') only the page's header and that section are shown: the script
# renders a temporary copy with one extra style rule; the page itself is not changed.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 4 ]; then
    echo "usage: $0 PAGE.html OUT.png [WIDTHxHEIGHT] [#section]" >&2
    exit 2
fi
page=$1 out=$2 size=${3:-1400x1800} section=${4:-}
if [ ! -f "$page" ]; then echo "$0: error: no such file '$page'" >&2; exit 1; fi
if ! [[ $size =~ ^[0-9]+x[0-9]+$ ]]; then echo "$0: error: size must be WIDTHxHEIGHT, not '$size'" >&2; exit 2; fi
if [ -n "$section" ] && ! [[ $section =~ ^#[A-Za-z0-9_-]+$ ]]; then echo "$0: error: section must look like #name, not '$section'" >&2; exit 2; fi

browser=$(command -v chromium || true)
if [ -z "$browser" ]; then
    echo "render-report: installing Debian's chromium package" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2
    browser=$(command -v chromium)
fi

abs=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
if [ -n "$section" ]; then
    grep -q "<section id=\"${section#\#}\"" "$abs" || { echo "$0: error: '$page' has no section '$section'" >&2; exit 1; }
    sed "s|</head>|<style>body > section:not($section) { display: none; }</style></head>|" "$abs" > "$profile/page.html"
    abs="$profile/page.html"
fi
# The PNG is written only if Chromium succeeds; a half-written picture never replaces a good one.
tmp_png="$profile/shot.png"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$profile" --host-resolver-rules="MAP * ~NOTFOUND" \
    --window-size="${size/x/,}" --screenshot="$tmp_png" "file://$abs" >/dev/null 2>"$profile/log" || {
    echo "$0: error: chromium failed:" >&2; cat "$profile/log" >&2; exit 1; }
if [ ! -s "$tmp_png" ]; then echo "$0: error: chromium wrote no picture" >&2; cat "$profile/log" >&2; exit 1; fi
mv "$tmp_png" "$out_abs"
echo "render-report: wrote $out ($size${section:+, at $section})"
