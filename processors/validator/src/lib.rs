//! One verdict per DTE.
//!
//! [`Validator::check`] takes the bytes of a DTE or an envelope and returns a
//! [`Verdict`] for each DTE in it:
//!
//! 1. safe reading ([`veredicto_xml`]): encoding, limits, no DTDs;
//! 2. the SII schema of the configured generation ([`veredicto_schema`]),
//!    checked once over the whole input, each violation given to the DTE that
//!    contains it (violations in the envelope itself go to every DTE);
//! 3. the SII rules ([`veredicto_rules`]) per DTE and per envelope;
//! 4. the XML signature, the TED and the CAF ([`veredicto_signature`]).
//!
//! Input that cannot be read still gets a verdict: `rejected`, no document,
//! and a finding that says why. Nothing here does I/O.

pub mod anomaly;
pub mod verdict;

use std::cell::RefCell;

use sha2::{Digest, Sha256};
use veredicto_rules::Context;
use veredicto_schema::{Generation, Violation};
use veredicto_signature::{CafOutcome, TedOutcome, TrustStore, Verifier, XmldsigOutcome};
use veredicto_xml::{Element, EncodingNote, Limits, ReadError};

pub use crate::verdict::{
    AnomalyOutcome, AnomalyReason, CafStatus, DocumentId, Finding, SchemaError, SchemaOutcome,
    Severity, SignatureOutcome, Source, Status, TedStatus, Verdict, XmldsigStatus,
};

thread_local! {
    /// The signature verifier keeps buffers and prepared keys between
    /// documents; one per thread keeps `check` callable through `&self`.
    static VERIFIER: RefCell<Verifier> = RefCell::new(Verifier::new());
}

/// Everything a check needs, loaded once.
#[derive(Debug)]
pub struct Validator {
    generation: Generation,
    trust: TrustStore,
    limits: Limits,
    context: Context,
}

impl Validator {
    pub fn new(generation: Generation) -> Self {
        Self {
            generation,
            trust: TrustStore::empty(),
            limits: Limits::default(),
            context: Context::default(),
        }
    }

    /// The SII certificates CAFs are checked against; without any, every CAF
    /// is `untrusted`.
    pub fn with_trust(mut self, trust: TrustStore) -> Self {
        self.trust = trust;
        self
    }

    /// Replaces the reading limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Replaces the rules' context (e.g. today's date for the future-date rule).
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    pub fn generation(&self) -> &Generation {
        &self.generation
    }

    /// Checks one input; see the crate docs. `file` names it in the verdicts.
    pub fn check(&self, bytes: &[u8], file: &str) -> Vec<Verdict> {
        let (document, decoded) = match veredicto_xml::parse(bytes, &self.limits) {
            Ok(parsed) => parsed,
            Err(error) => return vec![unreadable(file, &error)],
        };
        let encoding: Vec<Finding> = decoded.notes.iter().map(encoding_finding).collect();

        let root = document.root();
        let dtes = dtes_of(root);

        let report = self.generation.validate(&document);
        if dtes.is_empty() {
            return vec![self.without_dtes(root, file, report.violations, encoding)];
        }

        // Violations and findings of the envelope itself concern every DTE in it.
        let in_dte = |v: &Violation| dtes.iter().position(|d| d.span().contains(&v.offset));
        let shared_errors: Vec<SchemaError> = report
            .violations
            .iter()
            .filter(|v| in_dte(v).is_none())
            .map(schema_error)
            .collect();
        let mut shared_findings = encoding;
        let mut per_dte: Vec<Vec<Finding>> = if root.local_name() == "DTE" {
            vec![
                veredicto_rules::check_dte(root, &self.context)
                    .into_iter()
                    .map(Finding::from)
                    .collect(),
            ]
        } else {
            shared_findings.extend(
                veredicto_rules::check_envelope(root)
                    .into_iter()
                    .map(Finding::from),
            );
            veredicto_rules::check_envelope_dtes(root, &self.context)
                .into_iter()
                .map(|(_, findings)| findings.into_iter().map(Finding::from).collect())
                .collect()
        };
        per_dte.resize_with(dtes.len(), Vec::new);
        if root.local_name() != "DTE" {
            let envelope = VERIFIER.with(|v| v.borrow_mut().verify_envelope(root));
            shared_findings.extend(
                envelope
                    .findings
                    .into_iter()
                    .map(|f| signature_finding(&f, "/")),
            );
        }

        dtes.iter()
            .enumerate()
            .map(|(index, &dte)| {
                let mut errors = shared_errors.clone();
                errors.extend(
                    report
                        .violations
                        .iter()
                        .filter(|v| in_dte(v) == Some(index))
                        .map(schema_error),
                );
                let schema = SchemaOutcome {
                    valid: errors.is_empty(),
                    generation: report.generation.clone(),
                    errors,
                };
                let mut findings = shared_findings.clone();
                findings.append(&mut per_dte[index]);
                let report = VERIFIER.with(|v| v.borrow_mut().verify_dte(dte, &self.trust));
                let dte_path = format!("/{}", dte.local_name());
                findings.extend(
                    report
                        .findings
                        .iter()
                        .map(|f| signature_finding(f, &dte_path)),
                );
                let signature = signature_outcome(&report);
                let status = Verdict::decide(Some(&schema), Some(&signature), &findings);
                Verdict {
                    document: document_id(dte),
                    source: Source {
                        file: file.to_owned(),
                        index,
                        ingested_ms: None,
                    },
                    status,
                    schema: Some(schema),
                    signature: Some(signature),
                    findings,
                    anomaly: None,
                    revision: 1,
                    partial: false,
                    decided_ms: None,
                }
            })
            .collect()
    }

    /// A verdict for XML that holds no DTE: a wrong root, or an empty envelope.
    fn without_dtes(
        &self,
        root: Element<'_>,
        file: &str,
        violations: Vec<Violation>,
        mut findings: Vec<Finding>,
    ) -> Verdict {
        findings.push(Finding {
            code: "XML-NO-DTE".into(),
            sii_code: None,
            severity: Severity::Rechazo,
            path: format!("/{}", root.local_name()),
            message: format!(
                "the input holds no DTE: its root is <{}>, and a DTE, EnvioDTE or EnvioBOLETA \
                 with at least one DTE was expected",
                root.local_name()
            ),
        });
        let errors: Vec<SchemaError> = violations.iter().map(schema_error).collect();
        let schema = SchemaOutcome {
            valid: errors.is_empty(),
            generation: self.generation.name().to_owned(),
            errors,
        };
        rejected_without_document(file, Some(schema), findings)
    }
}

fn signature_outcome(report: &veredicto_signature::SignatureReport) -> SignatureOutcome {
    SignatureOutcome {
        xmldsig: match report.xmldsig {
            XmldsigOutcome::Valid => XmldsigStatus::Valid,
            XmldsigOutcome::InvalidDigest(_) => XmldsigStatus::InvalidDigest,
            XmldsigOutcome::InvalidSignature(_) => XmldsigStatus::InvalidSignature,
            XmldsigOutcome::Absent => XmldsigStatus::Absent,
        },
        ted: match report.ted {
            TedOutcome::Valid => TedStatus::Valid,
            TedOutcome::Invalid(_) => TedStatus::Invalid,
            TedOutcome::Absent => TedStatus::Absent,
        },
        caf: match report.caf {
            CafOutcome::Valid => CafStatus::Valid,
            CafOutcome::Invalid(_) => CafStatus::Invalid,
            CafOutcome::Untrusted { .. } => CafStatus::Untrusted,
            CafOutcome::Absent => CafStatus::Absent,
        },
    }
}

/// A signature finding, placed at the part of the DTE it concerns.
fn signature_finding(finding: &veredicto_signature::Finding, dte_path: &str) -> Finding {
    let code = finding.code();
    let part = if code.starts_with("TED") {
        "/Documento/TED"
    } else if code.starts_with("CAF") {
        "/Documento/TED/DD/CAF"
    } else {
        "/Signature"
    };
    Finding {
        code: code.to_owned(),
        sii_code: finding.sii_code().map(str::to_owned),
        severity: finding.severity(),
        path: format!("{}{part}", dte_path.trim_end_matches('/')),
        message: finding.to_string(),
    }
}

fn schema_error(v: &Violation) -> SchemaError {
    SchemaError {
        path: v.path.clone(),
        line: v.line,
        column: v.column,
        message: v.message.clone(),
    }
}

/// The DTEs an input holds, in order: the root itself, or those of an
/// envelope. Every verdict and every anomaly score counts DTEs this way.
pub fn dtes_of(root: Element<'_>) -> Vec<Element<'_>> {
    match root.local_name() {
        "DTE" => vec![root],
        "EnvioDTE" | "EnvioBOLETA" => veredicto_rules::envelope_dtes(root).collect(),
        _ => Vec::new(),
    }
}

/// The id of a DTE from its header; parts that are missing stay empty (the
/// rules report them). `None` when RUTEmisor, TipoDTE and Folio are all
/// missing: nothing names the document, so no verdict can be attributed.
pub fn document_id(dte: Element<'_>) -> Option<DocumentId> {
    let body = dte.elements().find(|e| {
        matches!(
            e.local_name(),
            "Documento" | "Liquidacion" | "Exportaciones"
        )
    });
    let field = |path: &[&str]| {
        body.and_then(|b| b.find_text(path))
            .map(|t| t.trim().to_owned())
            .unwrap_or_default()
    };
    let text = dte.document().text();
    let id = DocumentId {
        rut_emisor: field(&["Encabezado", "Emisor", "RUTEmisor"]),
        tipo_dte: field(&["Encabezado", "IdDoc", "TipoDTE"]),
        folio: field(&["Encabezado", "IdDoc", "Folio"]),
        digest: hex(&Sha256::digest(text[dte.span()].as_bytes())),
    };
    let anonymous = id.rut_emisor.is_empty() && id.tipo_dte.is_empty() && id.folio.is_empty();
    (!anonymous).then_some(id)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn encoding_finding(note: &EncodingNote) -> Finding {
    let (code, severity, message) = match note {
        EncodingNote::Utf8UnderLatin1 { offset } => (
            "ENC-UTF8-AS-LATIN1",
            Severity::Reparo,
            format!(
                "the document declares ISO-8859-1 but its bytes are UTF-8 (from byte {offset}): \
                 read as declared, accented letters come out garbled; the issuer should declare \
                 the encoding it writes"
            ),
        ),
        EncodingNote::ByteOrderMark => (
            "ENC-BOM",
            Severity::Aviso,
            "the document starts with a UTF-8 byte order mark, which SII tools do not write"
                .to_owned(),
        ),
    };
    Finding {
        code: code.into(),
        sii_code: None,
        severity,
        path: "/".into(),
        message,
    }
}

/// The verdict for input that is not readable XML.
fn unreadable(file: &str, error: &ReadError) -> Verdict {
    let code = match error {
        ReadError::TooLarge { .. }
        | ReadError::TooDeep { .. }
        | ReadError::TooManyElements { .. }
        | ReadError::TooManyAttributes { .. } => "XML-LIMIT",
        ReadError::Empty => "XML-EMPTY",
        ReadError::UnsupportedEncoding(_) | ReadError::InvalidEncoding { .. } => "XML-ENCODING",
        ReadError::Doctype { .. } | ReadError::UndefinedEntity { .. } => "XML-DTD",
        ReadError::UnboundPrefix { .. } | ReadError::Malformed { .. } => "XML-MALFORMED",
    };
    let finding = Finding {
        code: code.into(),
        sii_code: None,
        severity: Severity::Rechazo,
        path: "/".into(),
        message: format!("the input is not a readable XML document: {error}"),
    };
    rejected_without_document(file, None, vec![finding])
}

/// A rejection that cannot name a document.
fn rejected_without_document(
    file: &str,
    schema: Option<SchemaOutcome>,
    findings: Vec<Finding>,
) -> Verdict {
    Verdict {
        document: None,
        source: Source {
            file: file.to_owned(),
            index: 0,
            ingested_ms: None,
        },
        status: Status::Rejected,
        schema,
        signature: None,
        findings,
        anomaly: None,
        revision: 1,
        partial: false,
        decided_ms: None,
    }
}
