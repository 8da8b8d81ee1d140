#!/usr/bin/env bash
# Regenerates Sources/FCNCaffe/Generated/caffe-subset.pb.swift from
# Sources/FCNCaffe/Proto/caffe-subset.proto with protoc (Debian's protobuf-compiler) and
# protoc-gen-swift built from swift-protobuf at the version the package depends on.
#
#   Scripts/gen-caffe-proto.sh                 # builds the plugin if needed (~10 min on 2 cores)
#   PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift Scripts/gen-caffe-proto.sh
#
# Environment:
#   SWIFT_PROTOBUF_VERSION  tag to build the plugin from (default 1.39.0; keep it equal to the
#                           swift-protobuf version in Package.resolved so the generated code
#                           matches the runtime library)
#   SWIFT_PROTOBUF_REPO     where to clone it from (default: the local mirror if present,
#                           else https://github.com/apple/swift-protobuf.git)
#   PLUGIN_DIR              where to keep the plugin build (default /tmp/fcngc-protoc-gen-swift)
set -euo pipefail
cd "$(dirname "$0")/.."

version="${SWIFT_PROTOBUF_VERSION:-1.39.0}"
plugin_dir="${PLUGIN_DIR:-/tmp/fcngc-protoc-gen-swift}"
if [ -z "${SWIFT_PROTOBUF_REPO:-}" ]; then
    if [ -d /opt/swift-packages/apple/swift-protobuf.git ]; then
        SWIFT_PROTOBUF_REPO=/opt/swift-packages/apple/swift-protobuf.git
    else
        SWIFT_PROTOBUF_REPO=https://github.com/apple/swift-protobuf.git
    fi
fi

command -v protoc >/dev/null || { echo "gen-caffe-proto: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }

plugin="${PROTOC_GEN_SWIFT:-}"
if [ -z "$plugin" ]; then
    src="$plugin_dir/swift-protobuf-$version"
    if [ ! -d "$src" ]; then
        echo "gen-caffe-proto: cloning swift-protobuf $version from $SWIFT_PROTOBUF_REPO"
        mkdir -p "$plugin_dir"
        git clone -q --branch "$version" --depth 1 "$SWIFT_PROTOBUF_REPO" "$src" 2>/dev/null \
            || { git clone -q "$SWIFT_PROTOBUF_REPO" "$src" && git -C "$src" checkout -q "$version"; }
    fi
    plugin="$src/.build/release/protoc-gen-swift"
    if [ ! -x "$plugin" ]; then
        echo "gen-caffe-proto: building protoc-gen-swift (release; this takes a while)"
        (cd "$src" && swift build -c release --product protoc-gen-swift)
    fi
fi
echo "gen-caffe-proto: $(protoc --version), $("$plugin" --version 2>/dev/null || echo "$plugin")"

out=Sources/FCNCaffe/Generated
mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" \
       --proto_path=Sources/FCNCaffe/Proto \
       --swift_out="$out" \
       --swift_opt=Visibility=Public \
       --swift_opt=FileNaming=DropPath \
       caffe-subset.proto
echo "gen-caffe-proto: wrote $out/caffe-subset.pb.swift"
