#!/usr/bin/env python3
"""Checks that Sources/FCNONNX/Proto/onnx-subset.proto is wire-compatible with upstream onnx.proto.

For every message, enum and field of the subset, the upstream definition (the onnx.proto shipped
in the installed `onnx` Python package, or --upstream PATH) must have the same full name, field
number, type, label, packing, oneof membership and (for message/enum fields) type name; every
enum value of the subset must exist upstream with the same number. Both files are compiled with
protoc into descriptor sets, so this compares what protoc sees, not text.

Usage: Scripts/Tools/onnx_proto_compat.py [--subset PATH] [--upstream PATH] [--protoc PATH]
Exit code 0 when compatible, 1 with a list of differences otherwise.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2


def load(protoc, path):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        subprocess.run([protoc, f"--proto_path={os.path.dirname(os.path.abspath(path))}",
                        f"--descriptor_set_out={out}", os.path.basename(path)], check=True)
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            fds.ParseFromString(f.read())
    return fds.file[0]


def index(fd):
    messages, enums = {}, {}

    def walk_enum(prefix, e):
        enums[f"{prefix}.{e.name}"] = {v.name: v.number for v in e.value}

    def walk_msg(prefix, m):
        name = f"{prefix}.{m.name}"
        messages[name] = m
        for n in m.nested_type:
            walk_msg(name, n)
        for e in m.enum_type:
            walk_enum(name, e)

    prefix = "." + fd.package
    for m in fd.message_type:
        walk_msg(prefix, m)
    for e in fd.enum_type:
        walk_enum(prefix, e)
    return fd.syntax or "proto2", messages, enums


def packed(fd_syntax, field):
    if field.label != field.LABEL_REPEATED:
        return False
    scalar = field.type not in (field.TYPE_STRING, field.TYPE_BYTES, field.TYPE_MESSAGE, field.TYPE_GROUP)
    if field.options.HasField("packed"):
        return field.options.packed and scalar
    return scalar and fd_syntax == "proto3"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subset", default=os.path.join(root, "Sources/FCNONNX/Proto/onnx-subset.proto"))
    ap.add_argument("--upstream", default=None)
    ap.add_argument("--protoc", default="protoc")
    a = ap.parse_args()
    if a.upstream is None:
        import onnx
        a.upstream = os.path.join(os.path.dirname(onnx.__file__), "onnx.proto")

    sub_syntax, sub_msgs, sub_enums = index(load(a.protoc, a.subset))
    up_syntax, up_msgs, up_enums = index(load(a.protoc, a.upstream))
    problems = []
    fields_checked = 0
    for name, m in sub_msgs.items():
        if name not in up_msgs:
            problems.append(f"message {name} not upstream")
            continue
        up = {f.number: f for f in up_msgs[name].field}
        for f in m.field:
            u = up.get(f.number)
            where = f"{name}.{f.name} = {f.number}"
            if u is None:
                problems.append(f"{where}: no upstream field with this number")
                continue
            fields_checked += 1
            if u.name != f.name:
                problems.append(f"{where}: upstream calls it {u.name}")
            if u.type != f.type:
                problems.append(f"{where}: type {f.type}, upstream {u.type}")
            if u.label != f.label:
                problems.append(f"{where}: label {f.label}, upstream {u.label}")
            if u.type_name != f.type_name:
                problems.append(f"{where}: type name {f.type_name}, upstream {u.type_name}")
            if packed(sub_syntax, f) != packed(up_syntax, u):
                problems.append(f"{where}: packed {packed(sub_syntax, f)}, upstream {packed(up_syntax, u)}")
            in_oneof = f.HasField("oneof_index")
            if in_oneof != u.HasField("oneof_index"):
                problems.append(f"{where}: oneof membership differs")
            elif in_oneof and m.oneof_decl[f.oneof_index].name != up_msgs[name].oneof_decl[u.oneof_index].name:
                problems.append(f"{where}: in a different oneof")
    for name, values in sub_enums.items():
        if name not in up_enums:
            problems.append(f"enum {name} not upstream")
            continue
        for v, n in values.items():
            if up_enums[name].get(v) != n:
                problems.append(f"enum {name}.{v} = {n}, upstream {up_enums[name].get(v)}")
    if problems:
        print(f"onnx-subset.proto differs from {a.upstream}:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"onnx-subset.proto: {len(sub_msgs)} messages, {fields_checked} fields, "
          f"{sum(len(v) for v in sub_enums.values())} enum values match {a.upstream}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
