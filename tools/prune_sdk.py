#!/usr/bin/env python3
"""Prune an AWS SDK for Rust crate to the operations aws-ir calls (#23).

A service crate of aws-sdk-rust holds every operation of its service: aws-sdk-ec2 1.274 is 811
operations and 1.2 million lines, and compiling it was 30% of the CPU of `make package` (656 of
2,174 unit-seconds) and the longest single step, for the 43 operations aws-ir calls. smithy-rs
generates each operation, shape and error as its own module, referred to by full path
(`crate::types::Instance`, `crate::protocol_serde::shape_instance`), so a crate can be cut to a
set of operations without understanding Rust: drop the other operations' modules, then keep the
types, (de)serializers and helper functions still reachable from what is left.

The output is the same generated code, byte for byte, less whole modules and items; nothing is
rewritten. `make check` regenerates every pruned crate from the registry's copy of the version
Cargo.lock names and fails on any difference, so what is committed under vendor/ is exactly this
script's output (tools/sdk_ops.py chooses the operations).

    prune_sdk.py SRC_CRATE_DIR OUT_DIR op_snake_name...
"""

import os
import re
import shutil
import sys


# --- a Rust tokenizer just good enough to split generated code into top-level items ---------


def split_items(text):
    """Split Rust source into top-level items, each with the comments and attributes before it.

    An item ends at a `;` or `}` at brace depth 0 outside parentheses and brackets; strings,
    raw strings, chars, lifetimes and comments are skipped so their braces do not count."""
    items, start, i, n = [], 0, 0, len(text)
    brace = paren = 0
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "/" and text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            continue
        m = re.compile(r'b?r(#*)"').match(text, i)
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find('"' + m.group(1), m.end())
            i = end + 1 + len(m.group(1))
            continue
        if c == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if c == "'":
            if text[i + 1] == "\\":
                i = text.index("'", i + 3) + 1
                continue
            if i + 2 < n and text[i + 2] == "'":
                i += 3
                continue
            i += 1  # a lifetime
            continue
        if c in "([":
            paren += 1
        elif c in ")]":
            paren -= 1
        elif c == "{":
            brace += 1
        elif c == "}":
            brace -= 1
            if brace == 0 and paren == 0:
                items.append(text[start : i + 1])
                start = i + 1
        elif c == ";" and brace == 0 and paren == 0:
            items.append(text[start : i + 1])
            start = i + 1
        i += 1
    tail = text[start:]
    return items, tail


def code_of(text):
    """The text without comments, so doc links keep nothing alive."""
    return re.sub(r"//[^\n]*", "", text)


# --- the crate as modules ------------------------------------------------------------------


def module_path(rel):
    """src/types/_instance.rs -> crate::types::_instance; src/lib.rs -> crate."""
    rel = rel[len("src/") :][: -len(".rs")]
    if rel in ("lib",):
        return "crate"
    return "crate::" + rel.replace("/", "::")


MOD_DECL = re.compile(r"(?m)^\s*(?:pub(?:\([a-z]+\))?\s+)?mod [a-z0-9_]+;")
REF = re.compile(r"crate::((?:[a-z_][a-z0-9_]*::)*)([A-Za-z_][A-Za-z0-9_]*)")


def prune(src, out, keep_ops):
    ops_dir = os.path.join(src, "src", "operation")
    all_ops = sorted(f[:-3] for f in os.listdir(ops_dir) if f.endswith(".rs"))
    unknown = sorted(set(keep_ops) - set(all_ops))
    if unknown:
        raise SystemExit(f"prune_sdk: {src}: no such operation(s): {', '.join(unknown)}")
    dropped = set(all_ops) - set(keep_ops)

    files = {}
    for root, _, names in os.walk(os.path.join(src, "src")):
        for name in names:
            path = os.path.join(root, name)
            files[os.path.relpath(path, src)] = open(path, encoding="utf-8").read()

    def dead_file(rel):
        parts = rel.split("/")
        if len(parts) >= 3 and parts[1] in ("operation", "client"):
            name = parts[2][:-3] if parts[2].endswith(".rs") else parts[2]
            return name in dropped
        return False

    live = {rel: text for rel, text in files.items() if not dead_file(rel)}
    dead_modules = {module_path(rel) for rel in files if rel.endswith(".rs") and dead_file(rel)}
    dead_modules |= {f"crate::operation::{op}" for op in dropped}

    # Waiters and other glue that names a dropped operation go with it (to a fixed point).
    changed = True
    while changed:
        changed = False
        for rel in sorted(live):
            if not rel.endswith(".rs"):
                continue
            if rel.startswith("src/waiters/") and refers_to(live[rel], dead_modules):
                del live[rel]
                dead_modules.add(module_path(rel))
                changed = True
        for rel in sorted(live):
            text = live[rel]
            if rel.endswith(".rs") and (MOD_DECL.search(text) or refers_to(text, dead_modules)):
                new = drop_items(text, rel, dead_modules)
                if new != live[rel]:
                    live[rel] = new
                    changed = True

    # Types, shapes ((de)serializers) and serde helpers: keep what the rest still reaches.
    def kind(rel):
        if re.match(r"src/types/(error/)?_[a-z0-9_]+\.rs$", rel):
            return "type"
        if re.match(r"src/protocol_serde/shape_[a-z0-9_]+\.rs$", rel):
            return "shape"
        return None

    aggregators = {"src/types.rs", "src/types/builders.rs", "src/types/error.rs",
                   "src/types/error/builders.rs", "src/protocol_serde.rs", "src/serde_util.rs"}
    # Re-exported names (crate::types::Instance) lead to the module that defines them.
    alias = {}
    for rel in aggregators & set(live):
        for m in re.finditer(r"pub use (crate::[a-z0-9_:]+)::([A-Za-z0-9_]+);", live[rel]):
            alias[module_path(rel) + "::" + m.group(2)] = m.group(1)
    util_items = {}
    if "src/serde_util.rs" in live:
        items, _ = split_items(live["src/serde_util.rs"])
        for item in items:
            m = re.search(r"fn ([a-z0-9_]+)", item)
            if m:
                util_items[m.group(1)] = item

    reached_modules, reached_utils = set(), set()
    todo = [text for rel, text in live.items() if rel.endswith(".rs") and not kind(rel) and rel not in aggregators]
    by_module = {module_path(rel): rel for rel in live if rel.endswith(".rs")}
    while todo:
        code = code_of(todo.pop())
        for m in REF.finditer(code):
            full = "crate::" + m.group(1) + m.group(2)
            path = "crate::" + m.group(1).rstrip(":")
            if full.startswith("crate::serde_util::"):
                name = m.group(2)
                if name in util_items and name not in reached_utils:
                    reached_utils.add(name)
                    todo.append(util_items[name])
                continue
            target = alias.get(full) or (full if full in by_module else path)
            rel = by_module.get(target)
            if rel and kind(rel) and target not in reached_modules:
                reached_modules.add(target)
                todo.append(live[rel])

    for rel in list(live):
        if kind(rel) and module_path(rel) not in reached_modules:
            del live[rel]
    unreached = {module_path(rel) for rel in files if kind(rel)} - reached_modules
    for rel in aggregators & set(live):
        if rel == "src/serde_util.rs":
            items, tail = split_items(live[rel])
            keep = [it for it in items if not re.search(r"fn ([a-z0-9_]+)", it)
                    or re.search(r"fn ([a-z0-9_]+)", it).group(1) in reached_utils]
            live[rel] = "".join(keep) + tail
        else:
            live[rel] = drop_items(live[rel], rel, unreached)

    if os.path.exists(out):
        shutil.rmtree(out)
    for rel, text in live.items():
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    for name in ("LICENSE", "README.md"):
        if os.path.exists(os.path.join(src, name)):
            shutil.copy(os.path.join(src, name), os.path.join(out, name))
    with open(os.path.join(src, "Cargo.toml"), encoding="utf-8") as f:
        manifest = f.read()
    with open(os.path.join(out, "Cargo.toml"), "w", encoding="utf-8") as f:
        f.write(lean_manifest(manifest))
    return len(all_ops), len(keep_ops)


def refers_to(text, dead_modules):
    """Whether the code names a module in `dead_modules` (or anything inside one)."""
    for m in REF.finditer(code_of(text)):
        path = "crate"
        for segment in (m.group(1) + m.group(2)).split("::"):
            path += "::" + segment
            if path in dead_modules:
                return True
    return False


def drop_items(text, rel, dead_modules):
    """Drop the items of a file that declare or name a dead module, at any impl/trait depth."""
    items, tail = split_items(text)
    here = module_path(rel) if not rel.endswith(("lib.rs", "mod.rs")) else "crate"
    out = []
    for item in items:
        code = code_of(item).strip()
        m = re.match(r"(?:#\[[^\]]*\]\s*)*(?:pub(?:\([a-z]+\))?\s+)?mod ([a-z0-9_]+);$", code)
        if m and f"{here}::{m.group(1)}" in dead_modules:
            continue
        block = re.match(r"(?s)(.*?\b(?:impl|trait)\b[^{]*\{)(.*)\}$", item)
        if block and re.search(r"\b(impl|trait)\b", code.split("{")[0]):
            head, body = block.group(1), block.group(2)
            if not refers_to(head, dead_modules):
                inner, inner_tail = split_items(body)
                kept = [it for it in inner if not refers_to(it, dead_modules)]
                if len(kept) != len(inner):
                    out.append(head + "".join(kept) + inner_tail + "}")
                    continue
                out.append(item)
                continue
        if refers_to(item, dead_modules):
            continue
        out.append(item)
    return "".join(out) + tail


def lean_manifest(manifest):
    """The crate's manifest without its tests and dev-dependencies (never built as a dependency)."""
    sections = re.split(r"(?m)^(?=\[)", manifest)
    keep = [s for s in sections if not re.match(r"\[\[test\]\]|\[\[bench\]\]|\[dev-dependencies", s)]
    # What pruning leaves unused (a deserializer of a shape only the dropped operations read)
    # is dead code; the full crate's warnings are capped by cargo as a registry crate's are.
    return "".join(keep).rstrip("\n") + "\n\n[lints.rust]\ndead_code = \"allow\"\n"


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    total, kept = prune(sys.argv[1], sys.argv[2], sys.argv[3:])
    print(f"prune_sdk: {os.path.basename(sys.argv[1].rstrip('/'))}: {kept} of {total} operations")
