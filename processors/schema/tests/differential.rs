//! Differential test: the schema validator and libxml2 (`xmllint --schema`)
//! reach the same valid/invalid decision on mutants of the real samples.
//!
//! Each mutant is one real, valid DTE changed in one way a broken generator or
//! a hand edit would change it. xmllint is the oracle; it runs once over all
//! mutants of a generation.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use veredicto_schema::Generation;
use veredicto_testkit::{corpus_files, schema_generation};
use veredicto_xml::{Element, Limits};

/// A small seeded generator, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const KINDS: usize = 17;

fn pick<'d>(rng: &mut Rng, from: &[Element<'d>]) -> Element<'d> {
    from[rng.below(from.len())]
}

/// Applies mutation `kind` to `text` at a place chosen by `rng`.
fn mutate(text: &str, kind: usize, rng: &mut Rng) -> String {
    let (document, _) = veredicto_xml::parse(
        &text.chars().map(|c| c as u8).collect::<Vec<u8>>(),
        &Limits::default(),
    )
    .unwrap();
    let root = document.root();
    let all: Vec<Element<'_>> = root.descendants().skip(1).collect();
    let leaves: Vec<Element<'_>> = all
        .iter()
        .copied()
        .filter(|e| e.elements().next().is_none() && !e.text().trim().is_empty())
        .collect();
    let containers: Vec<Element<'_>> = all
        .iter()
        .copied()
        .filter(|e| e.elements().next().is_some())
        .collect();
    let splice = |range: std::ops::Range<usize>, with: &str| {
        format!("{}{}{}", &text[..range.start], with, &text[range.end..])
    };
    let text_range = |e: Element<'_>| {
        let span = e.span();
        let inner_start = span.start + text[span.clone()].find('>').unwrap() + 1;
        let inner_end = span.start + text[span.clone()].rfind("</").unwrap();
        inner_start..inner_end
    };
    let start_tag_end = |e: Element<'_>| {
        let span = e.span();
        let close = text[span.clone()].find('>').unwrap();
        let self_closing = text[..span.start + close].ends_with('/');
        span.start + close - usize::from(self_closing)
    };
    match kind {
        0 => splice(pick(rng, &all).span(), ""),
        1 => {
            let e = pick(rng, &all);
            let copy = text[e.span()].to_owned();
            splice(e.span().end..e.span().end, &copy)
        }
        2 => {
            let parent = pick(rng, &containers);
            let children: Vec<Element<'_>> = parent.elements().collect();
            if children.len() < 2 {
                return splice(parent.span(), "");
            }
            let i = rng.below(children.len() - 1);
            let (a, b) = (children[i], children[i + 1]);
            format!(
                "{}{}{}{}{}",
                &text[..a.span().start],
                &text[b.span()],
                &text[a.span().end..b.span().start],
                &text[a.span()],
                &text[b.span().end..]
            )
        }
        3 => {
            let e = pick(rng, &leaves);
            let name = e.qualified_name();
            let inner = &text[text_range(e)];
            splice(e.span(), &format!("<{name}X>{inner}</{name}X>"))
        }
        4 => splice(text_range(pick(rng, &leaves)), "abc"),
        5 => splice(text_range(pick(rng, &leaves)), &"9".repeat(200)),
        6 => splice(text_range(pick(rng, &leaves)), ""),
        7 => splice(text_range(pick(rng, &leaves)), "-5"),
        8 => splice(text_range(pick(rng, &leaves)), "2019-13-45"),
        9 => {
            let e = pick(rng, &all);
            let at = start_tag_end(e);
            splice(at..at, " extra=\"1\"")
        }
        10 => {
            let with_attributes: Vec<Element<'_>> = all
                .iter()
                .copied()
                .filter(|e| e.attributes().any(|a| !a.is_namespace_declaration()))
                .collect();
            let e = pick(rng, &with_attributes);
            let tag = &text[e.span().start..start_tag_end(e)];
            let attribute = e
                .attributes()
                .find(|a| !a.is_namespace_declaration())
                .unwrap();
            let written = format!(" {}=\"{}\"", attribute.qualified_name(), attribute.value());
            let removed = tag.replacen(&written, "", 1);
            splice(e.span().start..start_tag_end(e), &removed)
        }
        11 => text.replacen("version=\"1.0\"", "version=\"2.0\"", 1),
        12 => {
            let e = pick(rng, &leaves);
            let inner = text[text_range(e)].to_owned();
            splice(text_range(e), &format!("  {inner}\n "))
        }
        13 => {
            let e = pick(rng, &containers);
            let at = text_range(e).start;
            splice(at..at, "stray text")
        }
        14 => {
            let e = pick(rng, &leaves);
            let inner = text[text_range(e)].to_owned();
            splice(text_range(e), &format!("000{inner}"))
        }
        15 => text.replacen("http://www.sii.cl/SiiDte", "http://www.sii.cl/OtroDte", 1),
        _ => splice(text_range(pick(rng, &leaves)), "1.5"),
    }
}

#[test]
fn decisions_match_libxml2_on_mutants_of_real_documents() {
    let generations = ["2017", "2026"];
    let bases: Vec<String> = corpus_files("real/dte")
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with("--cleaned.xml"))
        .map(|p| {
            std::fs::read(p)
                .unwrap()
                .iter()
                .map(|&b| char::from(b))
                .collect()
        })
        .collect();
    assert!(bases.len() >= 4);

    let out = std::env::temp_dir().join(format!("veredicto-differential-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let mut rng = Rng(0x5eed_cafe_f00d);
    let mut files = Vec::new();
    for (b, base) in bases.iter().enumerate() {
        let path = out.join(format!("base-{b}.xml"));
        std::fs::write(&path, base.chars().map(|c| c as u8).collect::<Vec<u8>>()).unwrap();
        files.push(path);
        for n in 0..KINDS * 60 {
            let kind = n % KINDS;
            let mutant = mutate(base, kind, &mut rng);
            let path = out.join(format!("m-{b}-{n:03}-k{kind}.xml"));
            std::fs::write(&path, mutant.chars().map(|c| c as u8).collect::<Vec<u8>>()).unwrap();
            files.push(path);
        }
    }

    let mut disagreements = Vec::new();
    let mut invalid_seen = 0;
    for name in generations {
        let dir = schema_generation(name);
        let generation = Generation::load(&dir).unwrap();
        let oracle = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(dir.join("EnvioDTE_v10.xsd"))
            .args(&files)
            .output()
            .expect("xmllint is needed (Debian package libxml2-utils)");
        let report = String::from_utf8_lossy(&oracle.stderr);
        for file in &files {
            let shown = file.display().to_string();
            let libxml2_valid = report.lines().any(|l| l == format!("{shown} validates"));
            let libxml2_invalid = report
                .lines()
                .any(|l| l == format!("{shown} fails to validate"));
            let ours = match veredicto_xml::parse(&std::fs::read(file).unwrap(), &Limits::default())
            {
                Ok((document, _)) => generation.validate(&document),
                Err(_) => {
                    // Not well-formed: libxml2 reports a parser error instead.
                    if libxml2_valid {
                        disagreements.push(format!(
                            "{name} {shown}: we refuse to read it, libxml2 validates it"
                        ));
                    }
                    invalid_seen += 1;
                    continue;
                }
            };
            if !ours.is_valid() {
                invalid_seen += 1;
            }
            if ours.is_valid() != libxml2_valid
                || (!libxml2_valid && !libxml2_invalid && ours.is_valid())
            {
                disagreements.push(format!(
                    "{name} {shown}: ours valid={} libxml2 valid={libxml2_valid}: {:?}",
                    ours.is_valid(),
                    ours.violations.first()
                ));
            }
        }
    }
    if disagreements.is_empty() {
        std::fs::remove_dir_all(&out).ok();
    }
    assert!(
        invalid_seen > files.len(),
        "too few mutants were invalid: {invalid_seen}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
