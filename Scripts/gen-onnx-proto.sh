#!/usr/bin/env bash
# Regenerates Sources/FCNONNX/Generated/onnx-subset.pb.swift from
# Sources/FCNONNX/Proto/onnx-subset.proto with protoc (Debian's protobuf-compiler) and
# protoc-gen-swift built from swift-protobuf at the version the package depends on.
#
#   Scripts/gen-onnx-proto.sh                  # builds the plugin if needed (~10 min on 2 cores)
#   PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift Scripts/gen-onnx-proto.sh
#
# Environment:
#   SWIFT_PROTOBUF_VERSION  tag to build the plugin from (default 1.39.0; keep it equal to the
#                           swift-protobuf version in Package.resolved so the generated code
#                           matches the runtime library)
#   SWIFT_PROTOBUF_REPO     where to clone it from (default: the local mirror if present,
#                           else https://github.com/apple/swift-protobuf.git)
#   PLUGIN_DIR              where to keep the plugin build (default /tmp/fcngc-protoc-gen-swift)
set -euo pipefail
exec bash "$(dirname "$0")/Tools/gen-swift-proto.sh" gen-onnx-proto FCNONNX onnx-subset.proto
