#!/usr/bin/env bash
# Shared by Scripts/gen-onnx-proto.sh and Scripts/gen-caffe-proto.sh: regenerates
# Sources/MODULE/Generated/NAME.pb.swift from Sources/MODULE/Proto/NAME.proto with protoc
# (Debian's protobuf-compiler) and protoc-gen-swift built from swift-protobuf at the version
# the package depends on (cloned from the local package mirror when there is one; built once
# into PLUGIN_DIR, default /tmp/fcngc-protoc-gen-swift; PROTOC_GEN_SWIFT names a plugin to use).
#
# Usage: Scripts/Tools/gen-swift-proto.sh TOOL-NAME MODULE FILE.proto
set -euo pipefail
cd "$(dirname "$0")/../.."

name="$1"        # tool name for messages, e.g. gen-onnx-proto
module="$2"      # Sources/<module>/Proto -> Sources/<module>/Generated
proto="$3"       # the .proto file name in Proto/

version="${SWIFT_PROTOBUF_VERSION:-1.39.0}"
plugin_dir="${PLUGIN_DIR:-/tmp/fcngc-protoc-gen-swift}"
if [ -z "${SWIFT_PROTOBUF_REPO:-}" ]; then
    if [ -d /opt/swift-packages/apple/swift-protobuf.git ]; then
        SWIFT_PROTOBUF_REPO=/opt/swift-packages/apple/swift-protobuf.git
    else
        SWIFT_PROTOBUF_REPO=https://github.com/apple/swift-protobuf.git
    fi
fi

command -v protoc >/dev/null || { echo "$name: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }

plugin="${PROTOC_GEN_SWIFT:-}"
if [ -z "$plugin" ]; then
    src="$plugin_dir/swift-protobuf-$version"
    if [ ! -d "$src" ]; then
        echo "$name: cloning swift-protobuf $version from $SWIFT_PROTOBUF_REPO"
        mkdir -p "$plugin_dir"
        git clone -q --branch "$version" --depth 1 "$SWIFT_PROTOBUF_REPO" "$src" 2>/dev/null \
            || { git clone -q "$SWIFT_PROTOBUF_REPO" "$src" && git -C "$src" checkout -q "$version"; }
    fi
    plugin="$src/.build/release/protoc-gen-swift"
    if [ ! -x "$plugin" ]; then
        echo "$name: building protoc-gen-swift (release; this takes a while)"
        (cd "$src" && swift build -c release --product protoc-gen-swift)
    fi
fi
echo "$name: $(protoc --version), $("$plugin" --version 2>/dev/null || echo "$plugin")"

out=Sources/$module/Generated
mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" \
       --proto_path=Sources/$module/Proto \
       --swift_out="$out" \
       --swift_opt=Visibility=Public \
       --swift_opt=FileNaming=DropPath \
       "$proto"
echo "$name: wrote $out/${proto%.proto}.pb.swift"
