//! What a rule reports: [`Finding`], its [`Severity`], and the [`Rule`] it
//! comes from.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use veredicto_xml::Element;

/// What the SII does with a document that breaks a rule (DOMAIN.md, "Severity").
///
/// Ordered by weight, so the worst of several findings is their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informative: the SII accepts the document and says nothing, but a person
    /// should look.
    Aviso,
    /// Accepted with objection: a content error such as a wrong IVA, corrected
    /// afterwards with a credit or debit note. A strong anomaly signal.
    Reparo,
    /// The SII rejects the document: schema errors, missing mandatory header
    /// fields, a bad issuer RUT, and the like.
    Rechazo,
}

impl Severity {
    /// The lowercase name used in serialised findings.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Aviso => "aviso",
            Severity::Reparo => "reparo",
            Severity::Rechazo => "rechazo",
        }
    }
}

/// One rule of the catalogue: a stable code and what breaking it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Our own stable code, e.g. `AMT-IVA`. Never reused for another meaning.
    pub code: &'static str,
    /// The SII's detail code, where DOMAIN.md records one.
    pub sii_code: Option<&'static str>,
    pub severity: Severity,
    /// One line saying what the rule checks.
    pub summary: &'static str,
}

/// A rule broken at one place of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The [`Rule::code`] of the rule broken.
    pub code: &'static str,
    /// The SII's detail code, when known.
    pub sii_code: Option<&'static str>,
    pub severity: Severity,
    /// Element path from the root by local names, with a 1-based index where
    /// siblings share a name, e.g. `/DTE/Documento/Detalle[2]/MontoItem`. For a
    /// missing element, the path it should have had.
    pub path: String,
    /// Line of the element (or, for a missing one, of its parent) in the
    /// decoded text.
    pub line: Option<usize>,
    /// What was found and what was expected, with the numbers.
    pub message: String,
}

impl Rule {
    /// A finding of this rule at `element`.
    pub(crate) fn at(&self, element: Element<'_>, message: String) -> Located {
        self.located(path_of(element), element, message)
    }

    /// A finding of this rule for a child `name` missing from `parent`.
    pub(crate) fn missing(&self, parent: Element<'_>, name: &str, message: String) -> Located {
        let mut path = path_of(parent);
        path.push('/');
        path.push_str(name);
        self.located(path, parent, message)
    }

    fn located(&self, path: String, element: Element<'_>, message: String) -> Located {
        Located {
            finding: Finding {
                code: self.code,
                sii_code: self.sii_code,
                severity: self.severity,
                path,
                line: None,
                message,
            },
            offset: element.span().start,
        }
    }
}

/// A finding whose line is still to be counted, at the byte `offset` of the
/// element it points at.
#[derive(Debug)]
pub(crate) struct Located {
    finding: Finding,
    offset: usize,
}

/// The findings of one check. Lines are counted once at the end, in one pass
/// of a [`LineCounter`], instead of once per finding from the start of the
/// text: in an envelope of 2,000 DTEs that is the difference between reading
/// the text once and reading it 2,000 times.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    items: Vec<Located>,
}

impl Findings {
    pub(crate) fn push(&mut self, located: Located) {
        self.items.push(located);
    }

    /// The findings in the order they were pushed, with their lines.
    pub(crate) fn finish(self, lines: &mut LineCounter<'_>) -> Vec<Finding> {
        self.items
            .into_iter()
            .map(
                |Located {
                     mut finding,
                     offset,
                 }| {
                    finding.line = Some(lines.line_at(offset));
                    finding
                },
            )
            .collect()
    }
}

/// Line numbers of byte offsets in one text, counted from the last offset
/// asked for: asking in document order reads the text once.
#[derive(Debug, Clone)]
pub(crate) struct LineCounter<'d> {
    text: &'d [u8],
    offset: usize,
    line: usize,
}

impl<'d> LineCounter<'d> {
    pub(crate) fn new(text: &'d str) -> LineCounter<'d> {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of `offset`.
    pub(crate) fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        let newlines =
            |from: usize, to: usize| self.text[from..to].iter().filter(|&&b| b == b'\n').count();
        if offset >= self.offset {
            self.line += newlines(self.offset, offset);
        } else {
            self.line -= newlines(offset, self.offset);
        }
        self.offset = offset;
        self.line
    }
}

/// The element path of `element`, see [`Finding::path`].
pub(crate) fn path_of(element: Element<'_>) -> String {
    // Documents nest about ten levels; the limit in veredicto-xml is 64.
    let mut chain = Vec::with_capacity(12);
    let mut current = Some(element);
    while let Some(e) = current {
        chain.push(e);
        current = e.parent();
    }

    let mut path = String::with_capacity(chain.len() * 12);
    for e in chain.iter().rev() {
        path.push('/');
        path.push_str(e.local_name());
        if let Some(parent) = e.parent() {
            let name = e.local_name();
            let mut same = parent.elements().filter(|s| s.local_name() == name);
            let index = same.by_ref().position(|s| s.id() == e.id()).unwrap_or(0) + 1;
            if index > 1 || same.next().is_some() {
                let _ = write!(path, "[{index}]");
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use veredicto_xml::{Limits, parse_text};

    use super::*;

    #[test]
    fn paths_index_repeated_siblings_only() {
        let doc = parse_text(
            "<DTE><Documento><Detalle><M/></Detalle><Detalle><M/></Detalle><T/></Documento></DTE>"
                .into(),
            &Limits::default(),
        )
        .unwrap();
        let documento = doc.root().child("Documento").unwrap();
        let second = documento.elements().nth(1).unwrap();
        assert_eq!(
            path_of(second.child("M").unwrap()),
            "/DTE/Documento/Detalle[2]/M"
        );
        let first = documento.child("Detalle").unwrap();
        assert_eq!(path_of(first), "/DTE/Documento/Detalle[1]");
        assert_eq!(path_of(documento.child("T").unwrap()), "/DTE/Documento/T");
    }

    #[test]
    fn line_counter_goes_both_ways() {
        let text = "a\nb\nc\nd";
        let mut lines = LineCounter::new(text);
        assert_eq!(lines.line_at(6), 4);
        assert_eq!(lines.line_at(2), 2);
        assert_eq!(lines.line_at(0), 1);
        assert_eq!(lines.line_at(99), 4);
        for offset in 0..text.len() {
            assert_eq!(
                lines.line_at(offset),
                veredicto_xml::line_column(text, offset).0
            );
        }
    }

    #[test]
    fn severity_serialises_lowercase_and_orders_by_weight() {
        assert_eq!(
            serde_json::to_string(&Severity::Rechazo).unwrap(),
            "\"rechazo\""
        );
        assert_eq!(
            serde_json::to_string(&Severity::Aviso).unwrap(),
            "\"aviso\""
        );
        assert!(Severity::Rechazo > Severity::Reparo && Severity::Reparo > Severity::Aviso);
    }
}
