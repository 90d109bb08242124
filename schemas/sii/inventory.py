#!/usr/bin/env python3
"""Inventory of the XSD constructs used by the SII schema generations.

Prints Markdown: per generation the files (namespace, includes, imports,
encoding), counts of every XSD construct, occurrence bounds, built-in types and
facets; then, for files present in two generations, which components and
element paths were added, removed or changed. INVENTORY.md is its output;
NOTES.md is written from it.

Usage: python3 schemas/sii/inventory.py [GENERATION_DIR ...] > schemas/sii/INVENTORY.md
       (default: every generation folder next to this script)
       python3 schemas/sii/inventory.py --paths GENERATION_DIR FILE.xsd
       (every element and attribute path of one file, with type and bounds)

Only the Python standard library is used. Run schemas/fetch-sii.sh first.
"""

import collections
import os
import re
import signal
import sys
import xml.etree.ElementTree as ET

XS_NS = "http://www.w3.org/2001/XMLSchema"
XS = "{%s}" % XS_NS
HERE = os.path.dirname(os.path.abspath(__file__))

# Every XSD element kind a validator might meet, listed even when unused so
# that a zero in the table is an explicit "not used".
CONSTRUCTS = [
    "element", "attribute", "complexType", "simpleType", "sequence", "choice",
    "all", "group", "attributeGroup", "any", "anyAttribute", "complexContent",
    "simpleContent", "extension", "restriction", "list", "union", "include",
    "import", "redefine", "notation", "key", "keyref", "unique", "annotation",
    "documentation", "appinfo",
]
FACETS = [
    "pattern", "enumeration", "length", "minLength", "maxLength", "totalDigits",
    "fractionDigits", "minInclusive", "maxInclusive", "minExclusive",
    "maxExclusive", "whiteSpace",
]
# Attributes of XSD elements whose values matter to a validator.
FLAGS = [
    "mixed", "nillable", "abstract", "substitutionGroup", "default", "fixed",
    "block", "final", "blockDefault", "finalDefault", "form", "use",
    "processContents", "namespace",
]
TYPE_ATTRS = ("type", "base", "itemType", "memberTypes")


class Schema:
    """One XSD file: its tree and the prefix map needed to resolve QNames."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        # The SII files declare every prefix once, on xs:schema, so one map
        # per file is enough to resolve QNames in attribute values.
        self.prefixes = {}
        for _, (prefix, uri) in ET.iterparse(path, events=("start-ns",)):
            self.prefixes.setdefault(prefix, uri)
        self.root = ET.parse(path).getroot()
        self.tns = self.root.get("targetNamespace")
        with open(path, "rb") as f:
            self.raw = f.read()

    def resolve(self, qname):
        prefix, _, local = qname.rpartition(":")
        return self.prefixes.get(prefix, "?" + prefix), local

    def xs_children(self, el):
        return [c for c in el if c.tag.startswith(XS)]

    def encoding_note(self):
        declared = re.search(rb'encoding="([^"]+)"', self.raw[:100])
        declared = declared.group(1).decode() if declared else "UTF-8 (default)"
        if all(b < 128 for b in self.raw):
            return f"{declared}, ASCII only"
        try:
            self.raw.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
        if declared.upper() in ("ISO-8859-1", "LATIN1") and utf8:
            return f"{declared} declared, bytes are UTF-8"
        return declared


def local(tag):
    return tag.split("}", 1)[1] if "}" in tag else tag


def load_generation(folder):
    return [Schema(os.path.join(folder, n)) for n in sorted(os.listdir(folder)) if n.endswith(".xsd")]


def parents(root):
    return {child: parent for parent in root.iter() for child in parent}


def inventory(schemas):
    """Counts over all files of one generation."""
    inv = collections.defaultdict(collections.Counter)
    for s in schemas:
        parent_of = parents(s.root)
        for el in s.root.iter():
            if not el.tag.startswith(XS):
                continue
            kind = local(el.tag)
            inv["construct"][kind] += 1
            if kind in FACETS:
                inv["facet"][kind] += 1
                if kind == "pattern":
                    inv["pattern value"][el.get("value")] += 1
            if kind == "element":
                if el.get("ref"):
                    inv["element decl"]["reference (ref=)"] += 1
                elif parent_of.get(el) is s.root:
                    inv["element decl"]["global"] += 1
                else:
                    inv["element decl"]["local"] += 1
                anonymous = el.find(XS + "complexType") is not None or el.find(XS + "simpleType") is not None
                inv["element typing"]["type= attribute" if el.get("type") else
                                      "ref=" if el.get("ref") else
                                      "anonymous type" if anonymous else
                                      "no type (anyType)"] += 1
            if kind == "attribute":
                inv["attribute typing"]["type= attribute" if el.get("type") else
                                        "ref=" if el.get("ref") else
                                        "anonymous simpleType" if el.find(XS + "simpleType") is not None
                                        else "no type (anySimpleType)"] += 1
            if kind in ("complexType", "simpleType"):
                scope = "named" if el.get("name") else "anonymous"
                inv["type decl"][f"{kind} {scope}"] += 1
            if kind in ("extension", "restriction"):
                base_ns, base = s.resolve(el.get("base", ""))
                inv["derivation"][f"{kind} in {local(parent_of[el].tag)} of " +
                                  ("xs:" + base if base_ns == XS_NS else "an SII type")] += 1
                if kind == "restriction":
                    enums = sum(1 for c in el if c.tag == XS + "enumeration")
                    if enums:
                        inv["enumeration base"][("xs:" if base_ns == XS_NS else "SII:") + base] += enums
            if el.get("fixed") is not None and kind in ("attribute", "element"):
                inv["fixed value"][f"{kind} {el.get('name') or el.get('ref')} = {el.get('fixed')[:60]}"] += 1
            if kind == "choice":
                owner = parent_of[el]
                while owner is not s.root and not (local(owner.tag) in ("element", "complexType")
                                                   and owner.get("name")):
                    owner = parent_of[owner]
                inv["choice"][f"{s.name}: in {local(owner.tag)} {owner.get('name')}: " + ", ".join(
                    c.get("name") or c.get("ref") or local(c.tag) for c in s.xs_children(el))] += 1
            if kind in ("element", "sequence", "choice", "all", "any", "group"):
                inv["minOccurs"][f"{el.get('minOccurs', '1 (default)')}"] += 1
                inv["maxOccurs"][f"{el.get('maxOccurs', '1 (default)')}"] += 1
            for flag in FLAGS:
                if el.get(flag) is not None:
                    inv["flag"][f"{kind}/@{flag}={el.get(flag)}"
                                if flag in ("mixed", "nillable", "abstract", "use", "form",
                                            "processContents", "namespace")
                                else f"{kind}/@{flag}"] += 1
            for attr in TYPE_ATTRS:
                for qname in (el.get(attr) or "").split():
                    ns, name = s.resolve(qname)
                    if ns == XS_NS:
                        inv["builtin"][f"xs:{name}"] += 1
                        inv["builtin use"][f"xs:{name} as {kind}/@{attr}"] += 1
            if el.get("ref") and kind == "element":
                ns, name = s.resolve(el.get("ref"))
                inv["element ref"][f"{{{ns}}}{name}"] += 1
        root = s.root
        for attr in ("elementFormDefault", "attributeFormDefault"):
            inv[attr][root.get(attr, "(absent: unqualified)")] += 1
    return inv


def non_ascii_outside_docs(s):
    """Non-ASCII characters in anything but annotations: those would reach
    enumeration values or patterns, where an encoding slip changes meaning."""
    hits = []
    docs = {d for a in s.root.iter(XS + "annotation") for d in a.iter()}
    for el in s.root.iter():
        if el in docs:
            continue
        for k, v in el.attrib.items():
            if any(ord(c) > 127 for c in v):
                hits.append(f"{local(el.tag)}/@{k}={v!r}")
    return hits


# ---- Structural diff between generations -----------------------------------

def strip_docs(el):
    """Copy of el without annotations, comments or whitespace, for comparing."""
    copy = ET.Element(el.tag, dict(sorted(el.attrib.items())))
    for child in el:
        if not isinstance(child.tag, str) or child.tag == XS + "annotation":
            continue
        copy.append(strip_docs(child))
    return copy


def canon(el):
    return ET.tostring(strip_docs(el), encoding="unicode")


def components(s):
    """Top-level named components of one file: (kind, name) -> canonical XML."""
    return {(local(c.tag), c.get("name")): canon(c)
            for c in s.root if isinstance(c.tag, str) and c.get("name")}


def closure(root_schema, schemas):
    """The file plus everything it includes or imports, transitively: the set
    a validator loads for that root. Files are separate sets: several of them
    define the same type names (RUTType, DTEType, ...) differently."""
    by_name = {s.name: s for s in schemas}
    todo, seen = [root_schema], []
    while todo:
        s = todo.pop()
        if s in seen:
            continue
        seen.append(s)
        for tag in ("include", "import"):
            for el in s.root.findall(XS + tag):
                target = by_name.get(el.get("schemaLocation"))
                if target is not None:
                    todo.append(target)
    return seen


class Resolver:
    """Named components of one schema set, to follow type= and ref=."""

    def __init__(self, schemas):
        self.named = {}
        for s in schemas:
            # Files without targetNamespace are included into the including
            # file's namespace (chameleon include); all SII ones that do this
            # are included into SiiDte or SiiLce, so index them under both.
            spaces = [s.tns] if s.tns else ["http://www.sii.cl/SiiDte", "http://www.sii.cl/SiiLce"]
            for c in s.root:
                if isinstance(c.tag, str) and c.get("name"):
                    for ns in spaces:
                        self.named.setdefault((local(c.tag), ns, c.get("name")), (s, c))

    def get(self, kind, s, qname):
        ns, name = s.resolve(qname)
        return self.named.get((kind, ns, name))


def describe_simple(st):
    """An inline simple type as 'base facet=value ... enum{a,b}'."""
    r = st.find(XS + "restriction")
    if r is None:
        return "inline " + " ".join(local(c.tag) for c in st if isinstance(c.tag, str))
    parts = [r.get("base", "?").split(":")[-1]]
    facets = [c for c in r if isinstance(c.tag, str) and local(c.tag) in FACETS]
    parts += [f"{local(f.tag)}={f.get('value')}" for f in facets if local(f.tag) != "enumeration"]
    enums = [f.get("value") for f in facets if local(f.tag) == "enumeration"]
    if enums:
        parts.append("enum{" + ",".join(enums) + "}")
    return " ".join(parts)


def element_paths(s, resolver):
    """Every element and attribute path reachable from the file's global
    elements: path -> short signature (type, occurs, inline simple type)."""
    out = {}

    def simple_sig(owner, el):
        if el.get("type"):
            return el.get("type").split(":")[-1]
        st = el.find(XS + "simpleType")
        return describe_simple(st) if st is not None else ""

    def walk_particles(owner, node, path, context, seen):
        for child in owner.xs_children(node):
            kind = local(child.tag)
            if kind == "element":
                occurs = f"{child.get('minOccurs', '1')}..{child.get('maxOccurs', '1')}"
                if child.get("ref"):
                    name = child.get("ref")
                    out[f"{path}/{name}"] = f"ref {occurs}{context}"
                    continue
                name = child.get("name")
                out[f"{path}/{name}"] = f"{simple_sig(owner, child)} {occurs}{context}".strip()
                walk_element(owner, child, f"{path}/{name}", seen)
            elif kind in ("sequence", "choice", "all"):
                occurs = f"{child.get('minOccurs', '1')}..{child.get('maxOccurs', '1')}"
                inner = context if kind == "sequence" and occurs == "1..1" else f"{context} in {kind} {occurs}"
                walk_particles(owner, child, path, inner, seen)
            elif kind == "attribute":
                sig = f"{simple_sig(owner, child)} use={child.get('use', 'optional')}"
                for flag in ("fixed", "default"):
                    if child.get(flag) is not None:
                        sig += f" {flag}={child.get(flag)}"
                out[f"{path}/@{child.get('name') or child.get('ref')}"] = sig
            elif kind in ("complexContent", "simpleContent", "extension", "restriction"):
                if kind == "extension" and child.get("base"):
                    found = resolver.get("complexType", owner, child.get("base"))
                    if found:
                        walk_type(found[0], found[1], path, seen)
                walk_particles(owner, child, path, context, seen)
            elif kind in ("group", "attributeGroup") and child.get("ref"):
                found = resolver.get(kind, owner, child.get("ref"))
                if found:
                    walk_particles(found[0], found[1], path, context, seen)

    def walk_type(owner, ctype, path, seen):
        key = (owner.name, ctype.get("name"))
        if ctype.get("name") and key in seen:
            return  # recursive type: stop here
        walk_particles(owner, ctype, path, "", seen | {key})

    def walk_element(owner, el, path, seen):
        ct = el.find(XS + "complexType")
        if ct is not None:
            walk_type(owner, ct, path, seen)
        elif el.get("type"):
            found = resolver.get("complexType", owner, el.get("type"))
            if found:
                walk_type(found[0], found[1], path, seen)

    for el in s.root.findall(XS + "element"):
        out[el.get("name")] = simple_sig(s, el)
        walk_element(s, el, el.get("name"), frozenset())
    return out


# ---- Output ----------------------------------------------------------------

def table(rows, headers):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def counter_table(name, invs, keys=None, skip_zero=True):
    gens = list(invs)
    keys = keys or sorted({k for inv in invs.values() for k in inv[name]}, key=str)
    rows = [[f"`{k}`"] + [invs[g][name][k] for g in gens] for k in keys]
    if skip_zero:
        rows = [r for r in rows if any(r[1:])]
    return table(rows, [name] + gens)


def print_files(gen, schemas):
    print(f"## Generation {gen}: files\n")
    rows = []
    for s in schemas:
        incs = ", ".join(e.get("schemaLocation") for e in s.root.findall(XS + "include")) or "-"
        imps = ", ".join(e.get("schemaLocation") for e in s.root.findall(XS + "import")) or "-"
        globals_ = ", ".join(e.get("name") for e in s.root.findall(XS + "element")) or "-"
        rows.append([s.name, len(s.raw), s.tns or "(none: chameleon)", incs, imps,
                     globals_, s.encoding_note()])
    print(table(rows, ["file", "bytes", "targetNamespace", "includes", "imports",
                       "global elements", "encoding"]))
    print()
    for s in schemas:
        for p, u in s.prefixes.items():
            if (p == "ds" and u == XS_NS) or (p == "xs" and u != XS_NS):
                print(f"- `{s.name}` binds prefix `{p}:` to `{u}`.")
        for hit in non_ascii_outside_docs(s):
            print(f"- `{s.name}`: non-ASCII outside annotations: `{hit}`")
    print()


def print_inventory(gens):
    invs = {g: inventory(s) for g, s in gens.items()}
    print("## Constructs (all files of a generation)\n")
    print(counter_table("construct", invs, CONSTRUCTS, skip_zero=False))
    for name in ("element decl", "element typing", "attribute typing", "type decl",
                 "derivation", "elementFormDefault", "attributeFormDefault",
                 "minOccurs", "maxOccurs", "flag", "fixed value", "element ref", "choice"):
        print(f"\n### {name}\n")
        print(counter_table(name, invs))
    print("\n## Built-in types\n")
    print(counter_table("builtin", invs))
    print("\n### Built-in types by place of use\n")
    print(counter_table("builtin use", invs))
    print("\n## Facets\n")
    print(counter_table("facet", invs, FACETS, skip_zero=False))
    print("\n### Enumeration facets by restriction base\n")
    print(counter_table("enumeration base", invs))
    print("\n### Patterns\n")
    print(counter_table("pattern value", invs))


def print_duplicates(gen, schemas):
    owners = collections.defaultdict(list)
    for s in schemas:
        for c in s.root:
            if isinstance(c.tag, str) and c.get("name"):
                owners[(local(c.tag), s.tns or "(none)", c.get("name"))].append((s, canon(c)))
    rows = []
    for (kind, tns, name), defs in sorted(owners.items()):
        if len(defs) > 1:
            rows.append([f"{kind} `{name}`", tns, ", ".join(s.name for s, _ in defs),
                         len({d for _, d in defs})])
    if rows:
        print(f"\n### Generation {gen}: same name and namespace defined in more than one file\n")
        print(table(rows, ["component", "namespace", "files", "distinct definitions"]))


DTE_ROOTS = ("EnvioDTE_v10.xsd", "EnvioBOLETA_v11.xsd")


def print_dte_set(gens):
    """The same counts restricted to what a DTE validator loads: the closure
    of EnvioDTE (which includes DTE_v10) and EnvioBOLETA."""
    invs, members = {}, {}
    for gen, schemas in gens.items():
        chosen = []
        for s in schemas:
            if s.name in DTE_ROOTS:
                chosen += [c for c in closure(s, schemas) if c not in chosen]
        invs[gen] = inventory(chosen)
        members[gen] = ", ".join(sorted(c.name for c in chosen))
    print("\n## The DTE set only\n")
    for gen in gens:
        print(f"- {gen}: {members[gen]}")
    for name in ("builtin", "facet", "enumeration base", "maxOccurs",
                 "element typing", "attribute typing", "fixed value"):
        print(f"\n### DTE set: {name}\n")
        print(counter_table(name, invs))


def print_nesting(gens):
    """Local element names that mean different things in different places
    force a validator to keep per-context declarations, not a name lookup."""
    print("\n## Element names and nesting per file with global elements\n")
    rows = []
    for gen, schemas in gens.items():
        for s in schemas:
            if not s.root.findall(XS + "element"):
                continue
            resolver = Resolver(closure(s, schemas))
            paths = {p: sig for p, sig in element_paths(s, resolver).items() if "/@" not in p}
            by_name = collections.defaultdict(set)
            for p, sig in paths.items():
                by_name[p.rsplit("/", 1)[-1]].add(sig.split(" in ")[0])
            reused = sorted(n for n, sigs in by_name.items() if len(sigs) > 1)
            rows.append([gen, s.name, len(paths), max(p.count("/") + 1 for p in paths),
                         len(reused), ", ".join(reused[:8]) + (" ..." if len(reused) > 8 else "")])
    print(table(rows, ["generation", "file", "element paths", "max depth",
                       "names with >1 definition", "examples"]))


def print_diff(old, new, old_schemas, new_schemas):
    print(f"\n## Differences {old} -> {new}\n")
    old_by = {s.name: s for s in old_schemas}
    new_by = {s.name: s for s in new_schemas}
    print(f"- files only in {old}: {', '.join(sorted(set(old_by) - set(new_by))) or 'none'}")
    print(f"- files only in {new}: {', '.join(sorted(set(new_by) - set(old_by))) or 'none'}")
    detailed = []
    for name in sorted(set(old_by) & set(new_by)):
        a, b = old_by[name], new_by[name]
        if a.raw == b.raw:
            print(f"- `{name}`: identical bytes")
        elif components(a) == components(b):
            print(f"- `{name}`: same components; differs only in comments, "
                  "annotations, encoding or layout")
        else:
            print(f"- `{name}`: structural changes, below")
            detailed.append(name)
    for name in detailed:
        a, b = old_by[name], new_by[name]
        old_res, new_res = Resolver(closure(a, old_schemas)), Resolver(closure(b, new_schemas))
        ca, cb = components(a), components(b)
        print(f"\n### `{name}`\n")
        for label, keys in (("components added", sorted(set(cb) - set(ca))),
                            ("components removed", sorted(set(ca) - set(cb))),
                            ("components changed", sorted(k for k in set(ca) & set(cb)
                                                          if ca[k] != cb[k]))):
            if keys:
                print(f"- {label}: " + ", ".join(f"{k} `{n}`" for k, n in keys))
        for kind, type_name in sorted(set(ca) | set(cb)):
            if kind != "simpleType" or ca.get((kind, type_name)) == cb.get((kind, type_name)):
                continue
            before = [describe_simple(c) for c in a.root.findall(XS + kind) if c.get("name") == type_name]
            after = [describe_simple(c) for c in b.root.findall(XS + kind) if c.get("name") == type_name]
            print(f"  - simpleType `{type_name}`: {(before or ['(absent)'])[0]} -> "
                  f"{(after or ['(absent)'])[0]}")
        pa, pb = element_paths(a, old_res), element_paths(b, new_res)
        for label, paths, sigs in (("paths added", sorted(set(pb) - set(pa)), pb),
                                   ("paths removed", sorted(set(pa) - set(pb)), pa)):
            if paths:
                print(f"\n{label} ({len(paths)}):\n")
                for p in paths:
                    print(f"- `{p}` ({sigs[p]})")
        changed = sorted(p for p in set(pa) & set(pb) if pa[p] != pb[p])
        if changed:
            print(f"\npaths changed ({len(changed)}):\n")
            for p in changed:
                print(f"- `{p}`: {pa[p]} -> {pb[p]}")


def report(folders):
    gens = {os.path.basename(os.path.normpath(f)): load_generation(f) for f in folders}
    print("# Inventory of SII XSD constructs\n")
    print("Generated by `python3 schemas/sii/inventory.py > schemas/sii/INVENTORY.md`"
          " from the folders `bash schemas/fetch-sii.sh` extracts. Do not edit by hand.\n")
    for gen, schemas in gens.items():
        print_files(gen, schemas)
    print_inventory(gens)
    print_dte_set(gens)
    print_nesting(gens)
    for gen, schemas in gens.items():
        print_duplicates(gen, schemas)
    names = list(gens)
    for old, new in zip(names, names[1:]):
        print_diff(old, new, gens[old], gens[new])


def print_paths(folder, name):
    """Every element/attribute path of one file, for writing validator tables."""
    schemas = load_generation(folder)
    target = next(s for s in schemas if s.name == name)
    for path, sig in element_paths(target, Resolver(closure(target, schemas))).items():
        print(f"{path}\t{sig}")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet exit when piped into head
    args = sys.argv[1:]
    if args[:1] == ["--paths"]:
        if len(args) != 3:
            sys.exit("usage: inventory.py --paths GENERATION_DIR FILE.xsd")
        print_paths(args[1], args[2])
        sys.exit(0)
    if not args:
        args = sorted(os.path.join(HERE, d) for d in os.listdir(HERE)
                      if not d.startswith(".") and os.path.isdir(os.path.join(HERE, d))
                      and any(n.endswith(".xsd") for n in os.listdir(os.path.join(HERE, d))))
    if not args:
        sys.exit("no generation folders found; run: bash schemas/fetch-sii.sh")
    report(args)
