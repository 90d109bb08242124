#!/usr/bin/env python3
"""Schema validation beside veredicto, on the same files, in the same run.

Measures libxml2 (through lxml: parse, then validate against the schema loaded
once) and Python's xmlschema, each on one core, in documents per CPU-second,
and compares their valid/invalid decisions with veredicto's. Reads veredicto's
own figures (the JSON printed by the `validate` bench) and writes a Markdown
report with the ratios.

usage: validate.py CORPUS SCHEMA_DIR VEREDICTO_JSON REPORT
"""

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import lxml
import xmlschema
from lxml import etree

ROUNDS_SECONDS = float(os.environ.get("VEREDICTO_BENCH_SECONDS", "3"))
# xmlschema is about 25 times slower than libxml2; a sample keeps the run short.
XMLSCHEMA_SAMPLE = int(os.environ.get("VEREDICTO_BENCH_XMLSCHEMA_SAMPLE", "300"))


def rounds(documents, work):
    """Median documents per CPU-second over rounds lasting the budget."""
    rates, invalid = [], []
    started = time.process_time()
    while len(rates) < 3 or time.process_time() - started < ROUNDS_SECONDS:
        invalid = []
        before = time.process_time()
        for name, data in documents:
            if not work(data):
                invalid.append(name)
        rates.append(len(documents) / (time.process_time() - before))
    return statistics.median(rates), invalid


def main():
    corpus, schema_dir, ours_path, report_path = (Path(a) for a in sys.argv[1:5])
    ours = json.loads(ours_path.read_text())
    files = sorted(p for p in corpus.rglob("*.xml"))
    documents = [(str(p), p.read_bytes()) for p in files]
    boleta = [d for d in documents if b"<EnvioBOLETA" in d[1][:4096]]
    if boleta:
        sys.exit("this bench covers DTE and EnvioDTE files; boleta envelopes need their own schema")

    before = time.process_time()
    schema = etree.XMLSchema(etree.parse(str(schema_dir / "EnvioDTE_v10.xsd")))
    compile_ms = (time.process_time() - before) * 1e3
    parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def libxml2(data):
        try:
            return schema.validate(etree.fromstring(data, parser))
        except etree.XMLSyntaxError:
            return False

    libxml2_rate, libxml2_invalid = rounds(documents, libxml2)

    sample = documents[:XMLSCHEMA_SAMPLE]
    xs = xmlschema.XMLSchema10(str(schema_dir / "EnvioDTE_v10.xsd"))

    def with_xmlschema(data):
        try:
            return xs.is_valid(etree.fromstring(data, parser))
        except Exception:  # a parse error is a decision too
            return False

    xmlschema_rate, xmlschema_invalid = rounds(sample, with_xmlschema)

    ours_invalid = set(ours["schema_invalid"])
    disagree_libxml2 = sorted(ours_invalid.symmetric_difference(libxml2_invalid))
    sample_names = {name for name, _ in sample}
    disagree_xmlschema = sorted(
        (ours_invalid & sample_names).symmetric_difference(xmlschema_invalid)
    )

    schema_rate = ours["schema_docs_per_cpu_second"]
    full_rate = ours["full_docs_per_cpu_second"]
    lines = [
        "# Validation benchmark",
        "",
        f"Corpus: {len(documents)} documents, {ours['bytes'] / len(documents) / 1024:.1f} KiB on "
        f"average, from `{corpus}`; schema generation {ours['schema_generation']}. "
        f"One core each, documents per CPU-second, median of rounds of at least "
        f"{ROUNDS_SECONDS:g} s. Machine: {platform.machine()}, {os.cpu_count()} cores.",
        "",
        "| engine | what | docs/s per core | x libxml2 | invalid | disagreements with veredicto |",
        "|---|---|---:|---:|---:|---:|",
        f"| veredicto | parse only | {ours['parse_docs_per_cpu_second']:,.0f} | "
        f"{ours['parse_docs_per_cpu_second'] / libxml2_rate:.2f} | - | - |",
        f"| veredicto | parse + schema | {schema_rate:,.0f} | {schema_rate / libxml2_rate:.2f} | "
        f"{len(ours_invalid)} | - |",
        f"| veredicto | full check (schema, rules, signatures) | {full_rate:,.0f} | "
        f"{full_rate / libxml2_rate:.2f} | {ours['full_rejected']} rejected | - |",
        f"| libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))} (lxml {lxml.__version__}) | "
        f"parse + schema | {libxml2_rate:,.0f} | 1.00 | {len(libxml2_invalid)} | "
        f"{len(disagree_libxml2)} |",
        f"| xmlschema {xmlschema.__version__} (first {len(sample)} documents) | parse + schema | "
        f"{xmlschema_rate:,.0f} | {xmlschema_rate / libxml2_rate:.2f} | {len(xmlschema_invalid)} | "
        f"{len(disagree_xmlschema)} |",
        "",
        f"Schema compilation: veredicto {ours['schema_compile_ms']:.1f} ms, libxml2 {compile_ms:.1f} ms. "
        f"veredicto peak memory: {ours['peak_rss_kib'] / 1024:.1f} MiB.",
    ]
    for label, names in (("libxml2", disagree_libxml2), ("xmlschema", disagree_xmlschema)):
        if names:
            lines += ["", f"Files where {label} decided otherwise:", ""]
            lines += [f"- `{n}`" for n in names[:50]]
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
