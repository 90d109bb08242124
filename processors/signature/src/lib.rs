//! Verification of the three signatures a DTE carries.
//!
//! Layout:
//!
//! - [`c14n`]: inclusive canonical XML 1.0 of an element, into a reusable buffer.
//! - [`xmldsig`]: the XML signature (`ds:Signature`) of a DTE or an envelope.
//! - [`ted`]: the TED's `FRMT`, made with the CAF's key, and the `DD` fields
//!   held against the document.
//! - [`caf`]: the CAF's `FRMA`, made by the SII, and the CAF held against the
//!   document (issuer, type, folio range, age).
//! - `stamp`: the scheme TED and CAF share (SHA1withRSA over the element as
//!   written, whitespace between tags removed, ISO-8859-1).
//! - `trust`: the SII's CAF-signing keys by `IDK` ([`TrustStore`]).
//! - `crypto`, `montgomery`, `der`: RSA keys and PKCS#1 v1.5 verification,
//!   digests, base64, and the DER walk that reads a key out of certificates
//!   strict parsers refuse.
//! - `node`: tree accessors that stay safe on `xml:*` names.
//! - `finding`: [`Finding`], [`Severity`] and the stable codes.
//!
//! Everything reads the tree `veredicto-xml` built, so a document is parsed
//! once; the only I/O is [`TrustStore::from_dir`].

pub mod c14n;
pub mod caf;
mod crypto;
mod der;
mod finding;
mod montgomery;
mod stamp;
pub mod ted;
mod trust;
pub mod xmldsig;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

use veredicto_xml::Element;

pub use caf::{CafField, CafOutcome, Date};
pub use crypto::{KeyError, RsaKey};
pub use der::DerError;
pub use finding::{Finding, Severity};
pub use stamp::StampError;
pub use ted::{DdField, TedOutcome};
pub use trust::{TrustError, TrustStore};
pub use xmldsig::{KeySource, MismatchHint, XmldsigError, XmldsigOutcome};

/// The SII's namespace for DTEs and their envelopes.
pub const SII_NS: &str = "http://www.sii.cl/SiiDte";

/// Local names of the element a `DTE` wraps, by document family.
const DOCUMENT_ELEMENTS: [&str; 3] = ["Documento", "Liquidacion", "Exportaciones"];

/// Everything found about one DTE's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureReport {
    pub xmldsig: XmldsigOutcome,
    pub ted: TedOutcome,
    pub caf: CafOutcome,
    /// Every problem, the outcomes' own included, in a stable order: XML
    /// signature, TED, CAF.
    pub findings: Vec<Finding>,
}

/// Everything found about an envelope's own signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeReport {
    pub xmldsig: XmldsigOutcome,
    pub findings: Vec<Finding>,
}

/// Verifies signatures, keeping its canonicalisation buffer and the RSA keys
/// it has prepared between documents. One per thread.
#[derive(Debug, Default)]
pub struct Verifier {
    scratch: xmldsig::Scratch,
}

impl Verifier {
    pub fn new() -> Self {
        Self {
            scratch: xmldsig::Scratch {
                buffer: Vec::with_capacity(16 * 1024),
                ..Default::default()
            },
        }
    }

    /// Verifies the XML signature, the TED and the CAF of `dte`, a `DTE`
    /// element: a file's root, or one inside an `EnvioDTE` or an AEC.
    ///
    /// The XML signature is checked on the DTE as a document of its own, the
    /// form it was signed in; see [`c14n::Context::detached`].
    pub fn verify_dte(&mut self, dte: Element<'_>, trust: &TrustStore) -> SignatureReport {
        let mut findings = Vec::new();
        let xmldsig = match xmldsig::signature_of(dte) {
            None => XmldsigOutcome::Absent,
            Some(signature) => {
                let request = xmldsig::Request {
                    signature,
                    owner: dte,
                    assumed_namespace: Some(SII_NS),
                };
                xmldsig::verify(&request, &mut self.scratch, &mut findings)
            }
        };
        push_outcome_finding(&xmldsig, 0, &mut findings);

        let document = dte
            .elements()
            .find(|e| DOCUMENT_ELEMENTS.contains(&e.local_name()));
        let Some(document) = document else {
            findings.push(Finding::TedAbsent);
            return SignatureReport {
                xmldsig,
                ted: TedOutcome::Absent,
                caf: CafOutcome::Absent,
                findings,
            };
        };
        let (ted, dd) = ted::check(document, &mut self.scratch.keys, &mut findings);
        let caf = match dd {
            Some(dd) => caf::check(document, dd, trust, &mut self.scratch.stamps, &mut findings),
            None => CafOutcome::Absent,
        };
        SignatureReport {
            xmldsig,
            ted,
            caf,
            findings,
        }
    }

    /// Verifies the signature an envelope (`EnvioDTE`, `EnvioBOLETA`, an AEC)
    /// carries as a child of its root, over `#SetDoc` or the like.
    pub fn verify_envelope(&mut self, root: Element<'_>) -> EnvelopeReport {
        let mut findings = Vec::new();
        let xmldsig = match xmldsig::signature_of(root) {
            None => XmldsigOutcome::Absent,
            Some(signature) => {
                let request = xmldsig::Request {
                    signature,
                    owner: root,
                    assumed_namespace: None,
                };
                xmldsig::verify(&request, &mut self.scratch, &mut findings)
            }
        };
        push_outcome_finding(&xmldsig, 0, &mut findings);
        EnvelopeReport { xmldsig, findings }
    }
}

/// Puts the finding an XML signature outcome implies at `at`, before the key
/// findings it explains.
fn push_outcome_finding(outcome: &XmldsigOutcome, at: usize, findings: &mut Vec<Finding>) {
    let finding = match outcome {
        XmldsigOutcome::Valid => return,
        XmldsigOutcome::Absent => Finding::SignatureAbsent,
        XmldsigOutcome::InvalidDigest(e) => Finding::SignatureDigest(e.clone()),
        XmldsigOutcome::InvalidSignature(e) => Finding::SignatureValue(e.clone()),
    };
    findings.insert(at, finding);
}

/// [`Verifier::verify_dte`] with a buffer of its own.
pub fn verify_dte(dte: Element<'_>, trust: &TrustStore) -> SignatureReport {
    Verifier::new().verify_dte(dte, trust)
}

/// The outcome of [`Verifier::verify_envelope`], with a buffer of its own.
pub fn verify_envelope_signature(root: Element<'_>) -> XmldsigOutcome {
    Verifier::new().verify_envelope(root).xmldsig
}
