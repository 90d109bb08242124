//! What the signature checks report: one [`Finding`] per problem, each with a
//! stable code, a severity and, where the SII's own code is known, that code.

use std::fmt;

use crate::caf::{CafField, Date};
use crate::crypto::KeyError;
use crate::stamp::StampError;
use crate::ted::DdField;
use crate::xmldsig::{KeySource, XmldsigError};

pub use veredicto_rules::Severity;

/// One problem found in a document's signatures. [`Finding::code`] is stable;
/// the `Display` form is the message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The DTE has no `ds:Signature`.
    SignatureAbsent,
    /// The signed element's digest differs from `DigestValue`, or the reference
    /// cannot be followed.
    SignatureDigest(XmldsigError),
    /// `SignatureValue` does not verify, or cannot be checked.
    SignatureValue(XmldsigError),
    /// `KeyValue` and the certificate carry different keys; the certificate's
    /// was used.
    SignatureKeyMismatch,
    /// One of the two keys in `KeyInfo` cannot be read; the other was used.
    SignatureKeyUnreadable { key: KeySource, error: KeyError },
    /// The DTE is in no namespace (it was cut out of an envelope that declared
    /// the SII's); its digest matched once that namespace was put back.
    SignatureNamespaceAssumed { namespace: &'static str },
    /// The document has no `TED`.
    TedAbsent,
    /// `FRMT` does not verify with the CAF's key, or cannot be checked.
    TedSignature(StampError),
    /// A `TED/DD` field disagrees with the document.
    TedMismatch {
        field: DdField,
        ted: String,
        document: String,
    },
    /// The TED has no `CAF`.
    CafAbsent,
    /// `FRMA` does not verify with the SII's certificate, or cannot be checked.
    CafSignature(StampError),
    /// No SII certificate is known for the CAF's key id, so `FRMA` is unchecked.
    CafUntrusted { idk: String },
    /// The folio lies outside the range the CAF authorises.
    CafFolioOutOfRange { folio: u64, from: u64, to: u64 },
    /// The CAF was issued to another issuer or for another document type.
    CafMismatch {
        field: CafField,
        caf: String,
        document: String,
    },
    /// The CAF was older than the SII allows for this document type when the
    /// document was signed.
    CafExpired {
        authorised: Date,
        signed: Date,
        months: u32,
    },
    /// The CAF was more than two years old when the document was signed.
    CafOld {
        authorised: Date,
        signed: Date,
        months: u32,
    },
    /// The document was signed before its CAF was authorised.
    CafNotYetAuthorised { authorised: Date, signed: Date },
}

impl Finding {
    /// A stable identifier, e.g. `SIG-DIGEST` or `TED-MISMATCH-MNT`.
    pub fn code(&self) -> &'static str {
        match self {
            Finding::SignatureAbsent => "SIG-ABSENT",
            Finding::SignatureDigest(_) => "SIG-DIGEST",
            Finding::SignatureValue(_) => "SIG-VALUE",
            Finding::SignatureKeyMismatch => "SIG-KEY-MISMATCH",
            Finding::SignatureKeyUnreadable { .. } => "SIG-KEY-UNREADABLE",
            Finding::SignatureNamespaceAssumed { .. } => "SIG-NAMESPACE-ASSUMED",
            Finding::TedAbsent => "TED-ABSENT",
            Finding::TedSignature(_) => "TED-FRMT",
            Finding::TedMismatch { field, .. } => field.mismatch_code(),
            Finding::CafAbsent => "CAF-ABSENT",
            Finding::CafSignature(_) => "CAF-FRMA",
            Finding::CafUntrusted { .. } => "CAF-UNTRUSTED",
            Finding::CafFolioOutOfRange { .. } => "CAF-FOLIO-RANGE",
            Finding::CafMismatch { field, .. } => field.mismatch_code(),
            Finding::CafExpired { .. } => "CAF-EXPIRED",
            Finding::CafOld { .. } => "CAF-OLD",
            Finding::CafNotYetAuthorised { .. } => "CAF-NOT-YET-AUTHORISED",
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            Finding::SignatureNamespaceAssumed { .. } | Finding::CafUntrusted { .. } => {
                Severity::Aviso
            }
            // Names are truncated and re-encoded by every generator in its own
            // way; a difference there is no sign of a forged stamp.
            Finding::TedMismatch { field, .. } if !field.identifies_document() => Severity::Reparo,
            Finding::CafOld { .. } => Severity::Reparo,
            _ => Severity::Rechazo,
        }
    }

    /// The SII's detail code, where field reports name one.
    pub fn sii_code(&self) -> Option<&'static str> {
        match self {
            Finding::SignatureAbsent | Finding::SignatureDigest(_) | Finding::SignatureValue(_) => {
                Some("DTE-3-505")
            }
            Finding::CafExpired { .. } => Some("CAF-3-517"),
            _ => None,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::SignatureAbsent => write!(f, "the DTE has no XML signature"),
            Finding::SignatureDigest(e) => write!(f, "XML signature reference: {e}"),
            Finding::SignatureValue(e) => write!(f, "XML signature value: {e}"),
            Finding::SignatureKeyMismatch => write!(
                f,
                "KeyValue and X509Certificate carry different keys; the certificate's key was used"
            ),
            Finding::SignatureKeyUnreadable { key, error } => {
                write!(
                    f,
                    "the {key} cannot be read ({error}); the other key was used"
                )
            }
            Finding::SignatureNamespaceAssumed { namespace } => write!(
                f,
                "the DTE is in no namespace; its signature verifies with {namespace} as the \
                 default namespace, as it was when signed"
            ),
            Finding::TedAbsent => write!(f, "the document has no TED (timbre electrónico)"),
            Finding::TedSignature(e) => write!(f, "TED signature FRMT: {e}"),
            Finding::TedMismatch {
                field,
                ted,
                document,
            } => write!(
                f,
                "TED field {} is {ted:?} but the document's {} is {document:?}",
                field.name(),
                field.document_field()
            ),
            Finding::CafAbsent => write!(f, "the TED has no CAF"),
            Finding::CafSignature(e) => write!(f, "CAF signature FRMA: {e}"),
            Finding::CafUntrusted { idk } => write!(
                f,
                "no SII certificate for CAF key id (IDK) {idk}; FRMA was not checked"
            ),
            Finding::CafFolioOutOfRange { folio, from, to } => {
                write!(f, "folio {folio} is outside the CAF's range {from}..{to}")
            }
            Finding::CafMismatch {
                field,
                caf,
                document,
            } => write!(
                f,
                "CAF field {} is {caf:?} but the document's {} is {document:?}",
                field.name(),
                field.document_field()
            ),
            Finding::CafExpired {
                authorised,
                signed,
                months,
            } => write!(
                f,
                "the CAF authorised on {authorised} was more than {months} months old when the \
                 document was signed on {signed}"
            ),
            Finding::CafOld {
                authorised,
                signed,
                months,
            } => write!(
                f,
                "the CAF authorised on {authorised} was more than {months} months old when the \
                 document was signed on {signed}"
            ),
            Finding::CafNotYetAuthorised { authorised, signed } => write!(
                f,
                "the document was signed on {signed}, before its CAF was authorised on {authorised}"
            ),
        }
    }
}
