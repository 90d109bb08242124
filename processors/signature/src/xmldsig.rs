//! XMLDSig verification of the enveloped signatures the SII uses: one
//! `ds:Signature` next to the element it signs, a same-document `#ID`
//! reference, inclusive C14N 1.0, SHA-1 (or SHA-256) and RSA.
//!
//! A signature belongs to an *owner*: the `DTE` for a document's signature, the
//! envelope's root for the envelope's. Both SignedInfo and the signed element
//! are canonicalised as if the owner were a document of its own (see
//! [`Context::detached`]), which is the form they had when signed: a DTE is
//! signed alone and only then put into an envelope that may declare more
//! namespaces. For an envelope's own signature the owner is the document root,
//! so that is plain C14N.

use veredicto_xml::Element;

use crate::c14n::{self, C14N_10, Context};
use crate::crypto::{self, Digested, HashAlgorithm, KeyCache, KeyError, RawKey, RsaKey};
use crate::finding::Finding;
use crate::stamp::Verified;

/// The XMLDSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// The result of checking one XML signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmldsigOutcome {
    /// The digest matches and the signature value verifies.
    Valid,
    /// The signed content is not what was signed, or the reference cannot be
    /// followed to it.
    InvalidDigest(XmldsigError),
    /// `SignatureValue` does not verify over `SignedInfo`, or cannot be checked.
    /// Checked before the digest: when it fails, `DigestValue` itself is not
    /// trustworthy.
    InvalidSignature(XmldsigError),
    /// There is no signature.
    Absent,
}

impl XmldsigOutcome {
    pub fn is_valid(&self) -> bool {
        matches!(self, XmldsigOutcome::Valid)
    }

    /// Why the signature does not hold, for the invalid outcomes.
    pub fn reason(&self) -> Option<&XmldsigError> {
        match self {
            XmldsigOutcome::InvalidDigest(e) | XmldsigOutcome::InvalidSignature(e) => Some(e),
            XmldsigOutcome::Valid | XmldsigOutcome::Absent => None,
        }
    }
}

/// Which `KeyInfo` entry a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    KeyValue,
    Certificate,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeySource::KeyValue => "KeyValue key",
            KeySource::Certificate => "X509Certificate",
        })
    }
}

/// A hint on why a digest or signature value does not match, found by trying
/// the usual mistakes once the form the SII reads has failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MismatchHint {
    /// It matches once the enclosing document's namespace declarations are
    /// included: the DTE was signed in place inside its envelope, not alone.
    SignedInsideEnvelope,
    /// It matches once the SII namespace is taken away: the document was
    /// signed in no namespace and the declaration was added afterwards.
    SignedWithoutNamespace,
}

/// Why an XML signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmldsigError {
    #[error("ds:{0} is missing")]
    Missing(&'static str),
    #[error("unsupported {what} {uri:?}")]
    UnsupportedAlgorithm { what: &'static str, uri: String },
    #[error("unsupported reference URI {0:?}: only same-document \"#ID\" references are accepted")]
    UnsupportedUri(String),
    #[error("no element has ID {0:?}")]
    ReferenceNotFound(String),
    #[error("more than one element has ID {0:?}")]
    DuplicateId(String),
    #[error("the reference {0:?} points at an element that is not a sibling of the signature")]
    ReferenceElsewhere(String),
    #[error("ds:{0} is not valid base64")]
    Base64(&'static str),
    #[error("no usable key in KeyInfo: {0}")]
    Key(KeyError),
    #[error("SignatureValue does not verify with the {key}{}", hint_text(*.hint))]
    ValueMismatch {
        key: KeySource,
        hint: Option<MismatchHint>,
    },
    #[error("the digest of {uri:?} does not match DigestValue{}", hint_text(*.hint))]
    DigestMismatch {
        uri: String,
        hint: Option<MismatchHint>,
    },
}

fn hint_text(hint: Option<MismatchHint>) -> &'static str {
    match hint {
        None => "",
        Some(MismatchHint::SignedInsideEnvelope) => {
            " (it matches with the envelope's namespace declarations included: the DTE was \
             signed inside its envelope, not on its own)"
        }
        Some(MismatchHint::SignedWithoutNamespace) => {
            " (it matches without the SII namespace: the document was signed in no namespace \
             and the declaration was added afterwards)"
        }
    }
}

/// The first child of `parent` with this local name in the XMLDSig namespace.
fn ds_child<'d>(parent: Element<'d>, name: &str) -> Option<Element<'d>> {
    parent
        .elements()
        .find(|e| e.local_name() == name && e.namespace() == DSIG_NS)
}

/// Every child of `parent` with this local name in the XMLDSig namespace.
fn ds_children<'d>(parent: Element<'d>, name: &'d str) -> impl Iterator<Item = Element<'d>> + 'd {
    parent
        .elements()
        .filter(move |e| e.local_name() == name && e.namespace() == DSIG_NS)
}

/// The `ds:Signature` child of `owner`, if there is one.
pub fn signature_of(owner: Element<'_>) -> Option<Element<'_>> {
    ds_child(owner, "Signature")
}

/// What [`verify`] needs besides the signature.
pub(crate) struct Request<'d> {
    pub signature: Element<'d>,
    /// The element treated as the document root when canonicalising.
    pub owner: Element<'d>,
    /// A default namespace to assume when the owner has none; see
    /// [`Finding::SignatureNamespaceAssumed`].
    pub assumed_namespace: Option<&'static str>,
}

/// Reusable state: the buffer canonical forms are written to, the keys
/// already prepared and the CAF signatures already verified.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub buffer: Vec<u8>,
    pub keys: KeyCache,
    /// CAF signatures already verified.
    pub stamps: Verified,
}

/// Verifies one signature. Findings beyond the outcome (key problems, an
/// assumed namespace) are pushed to `findings`; the outcome's own finding is
/// the caller's to add.
pub(crate) fn verify(
    request: &Request<'_>,
    scratch: &mut Scratch,
    findings: &mut Vec<Finding>,
) -> XmldsigOutcome {
    match check_value(request, scratch, findings) {
        Ok(signed_info) => {
            match check_references(request, signed_info, &mut scratch.buffer, findings) {
                Ok(()) => XmldsigOutcome::Valid,
                Err(e) => XmldsigOutcome::InvalidDigest(e),
            }
        }
        Err(e) => XmldsigOutcome::InvalidSignature(e),
    }
}

/// Verifies `SignatureValue` over the canonical `SignedInfo`, which it returns.
fn check_value<'d>(
    request: &Request<'d>,
    scratch: &mut Scratch,
    findings: &mut Vec<Finding>,
) -> Result<Element<'d>, XmldsigError> {
    let signature = request.signature;
    let signed_info =
        ds_child(signature, "SignedInfo").ok_or(XmldsigError::Missing("SignedInfo"))?;
    let method = algorithm(signed_info, "CanonicalizationMethod")?;
    if method != C14N_10 {
        return Err(XmldsigError::UnsupportedAlgorithm {
            what: "canonicalization method",
            uri: method.to_owned(),
        });
    }
    let hash = match algorithm(signed_info, "SignatureMethod")? {
        RSA_SHA1 => HashAlgorithm::Sha1,
        RSA_SHA256 => HashAlgorithm::Sha256,
        other => {
            return Err(XmldsigError::UnsupportedAlgorithm {
                what: "signature method",
                uri: other.to_owned(),
            });
        }
    };
    let value =
        ds_child(signature, "SignatureValue").ok_or(XmldsigError::Missing("SignatureValue"))?;
    let value =
        crypto::decode_base64(&value.text()).ok_or(XmldsigError::Base64("SignatureValue"))?;
    let (key, source) = signer_key(signature, &mut scratch.keys, findings)?;
    let buffer = &mut scratch.buffer;

    let context = Context::detached(signed_info, request.owner);
    if key.verify(
        &digest_of(signed_info, &context, None, hash, buffer),
        &value,
    ) {
        return Ok(signed_info);
    }
    let mut hint = None;
    if request.owner.parent().is_some() {
        let whole = Context::document(signed_info);
        if key.verify(&digest_of(signed_info, &whole, None, hash, buffer), &value) {
            hint = Some(MismatchHint::SignedInsideEnvelope);
        }
    }
    Err(XmldsigError::ValueMismatch { key: source, hint })
}

/// The `Algorithm` attribute of `parent`'s XMLDSig child `name`.
fn algorithm<'d>(parent: Element<'d>, name: &'static str) -> Result<&'d str, XmldsigError> {
    let method = ds_child(parent, name).ok_or(XmldsigError::Missing(name))?;
    method
        .attribute("Algorithm")
        .ok_or(XmldsigError::Missing(name))
}

/// The key to verify with. The certificate's key is preferred: it is the one
/// bound to the signer's identity, while `KeyValue` is whatever the signer
/// chose to write. When both are readable and differ, that is a finding; when
/// one is unreadable, the other is used and that is a finding too.
fn signer_key<'c>(
    signature: Element<'_>,
    keys: &'c mut KeyCache,
    findings: &mut Vec<Finding>,
) -> Result<(&'c RsaKey, KeySource), XmldsigError> {
    let key_info = ds_child(signature, "KeyInfo").ok_or(XmldsigError::Missing("KeyInfo"))?;
    let key_value = ds_child(key_info, "KeyValue")
        .and_then(|kv| ds_child(kv, "RSAKeyValue"))
        .map(|rsa| {
            let modulus = ds_child(rsa, "Modulus")
                .map(|m| m.text())
                .unwrap_or_default();
            let exponent = ds_child(rsa, "Exponent")
                .map(|e| e.text())
                .unwrap_or_default();
            RawKey::from_base64(&modulus, &exponent)
        });
    let certificate = ds_child(key_info, "X509Data")
        .and_then(|data| ds_child(data, "X509Certificate"))
        .map(|c| RawKey::from_certificate_base64(&c.text()));

    // The certificate's key, prepared; a key it holds that cannot be used
    // counts as an unreadable certificate.
    let certificate = certificate.map(|raw| raw.and_then(|raw| raw.prepare(keys).map(|_| raw)));
    let (raw, source) = match (key_value, certificate) {
        (Some(Ok(from_value)), Some(Ok(from_certificate))) => {
            if !from_value.same_key(&from_certificate) {
                findings.push(Finding::SignatureKeyMismatch);
            }
            (from_certificate, KeySource::Certificate)
        }
        (Some(Ok(key)), Some(Err(error))) => {
            findings.push(Finding::SignatureKeyUnreadable {
                key: KeySource::Certificate,
                error,
            });
            (key, KeySource::KeyValue)
        }
        (Some(Err(error)), Some(Ok(key))) => {
            findings.push(Finding::SignatureKeyUnreadable {
                key: KeySource::KeyValue,
                error,
            });
            (key, KeySource::Certificate)
        }
        (None, Some(Ok(key))) => (key, KeySource::Certificate),
        (Some(Ok(key)), None) => (key, KeySource::KeyValue),
        (Some(Err(error)), _) | (None, Some(Err(error))) => return Err(XmldsigError::Key(error)),
        (None, None) => return Err(XmldsigError::Missing("KeyValue or X509Certificate")),
    };
    let key = raw.prepare(keys).map_err(XmldsigError::Key)?;
    Ok((key, source))
}

/// Checks every `Reference` of `SignedInfo`.
fn check_references(
    request: &Request<'_>,
    signed_info: Element<'_>,
    buffer: &mut Vec<u8>,
    findings: &mut Vec<Finding>,
) -> Result<(), XmldsigError> {
    let mut references = ds_children(signed_info, "Reference").peekable();
    if references.peek().is_none() {
        return Err(XmldsigError::Missing("Reference"));
    }
    for reference in references {
        check_reference(request, reference, buffer, findings)?;
    }
    Ok(())
}

fn check_reference(
    request: &Request<'_>,
    reference: Element<'_>,
    buffer: &mut Vec<u8>,
    findings: &mut Vec<Finding>,
) -> Result<(), XmldsigError> {
    let uri = reference.attribute("URI").unwrap_or_default();
    let target = resolve(request, uri)?;

    // Only transforms that leave the canonical form as it is are accepted.
    let mut exclude = None;
    if let Some(transforms) = ds_child(reference, "Transforms") {
        for transform in ds_children(transforms, "Transform") {
            match transform.attribute("Algorithm").unwrap_or_default() {
                C14N_10 => {}
                ENVELOPED_SIGNATURE => exclude = Some(request.signature.id()),
                other => {
                    return Err(XmldsigError::UnsupportedAlgorithm {
                        what: "transform",
                        uri: other.to_owned(),
                    });
                }
            }
        }
    }
    let hash = match algorithm(reference, "DigestMethod")? {
        SHA1 => HashAlgorithm::Sha1,
        SHA256 => HashAlgorithm::Sha256,
        other => {
            return Err(XmldsigError::UnsupportedAlgorithm {
                what: "digest method",
                uri: other.to_owned(),
            });
        }
    };
    let expected = ds_child(reference, "DigestValue")
        .ok_or(XmldsigError::Missing("DigestValue"))?
        .text();
    let expected = crypto::decode_base64(&expected).ok_or(XmldsigError::Base64("DigestValue"))?;

    let context = Context::detached(target, request.owner);
    if digest_of(target, &context, exclude, hash, buffer).as_bytes() == expected {
        return Ok(());
    }

    // The usual ways a genuine signature stops matching, tried only on failure.
    //
    // A DTE in no namespace is not something the SII accepts on its own: it
    // was cut out of an envelope that gave it the SII namespace, so that
    // namespace is put back and a match is valid, with an aviso. A DTE that
    // declares the namespace is taken as it stands; if it was signed without
    // one, the mismatch stands and the hint says why.
    let mut hint = None;
    if let Some(namespace) = request.assumed_namespace {
        if request.owner.namespace().is_empty() {
            let assumed = context.clone().with_default_namespace(namespace);
            if digest_of(target, &assumed, exclude, hash, buffer).as_bytes() == expected {
                findings.push(Finding::SignatureNamespaceAssumed { namespace });
                return Ok(());
            }
        } else if target.namespace() == namespace {
            let without = context.clone().with_default_namespace("");
            if digest_of(target, &without, exclude, hash, buffer).as_bytes() == expected {
                hint = Some(MismatchHint::SignedWithoutNamespace);
            }
        }
    }
    if hint.is_none() && request.owner.parent().is_some() {
        let whole = Context::document(target);
        if digest_of(target, &whole, exclude, hash, buffer).as_bytes() == expected {
            hint = Some(MismatchHint::SignedInsideEnvelope);
        }
    }
    Err(XmldsigError::DigestMismatch {
        uri: uri.to_owned(),
        hint,
    })
}

fn digest_of<'d>(
    target: Element<'d>,
    context: &Context<'d>,
    exclude: Option<veredicto_xml::NodeId>,
    hash: HashAlgorithm,
    buffer: &mut Vec<u8>,
) -> Digested {
    buffer.clear();
    c14n::canonicalize_into(target, context, exclude, buffer);
    hash.digest(buffer)
}

/// The element a `#ID` reference names. It must be unique within the owner
/// and a sibling of the signature: a reference to anything else would let a
/// valid signature over one element vouch for another (signature wrapping).
fn resolve<'d>(request: &Request<'d>, uri: &str) -> Result<Element<'d>, XmldsigError> {
    let Some(id) = uri.strip_prefix('#').filter(|id| !id.is_empty()) else {
        return Err(XmldsigError::UnsupportedUri(uri.to_owned()));
    };
    let mut matches = request
        .owner
        .descendants()
        .filter(|e| e.attribute("ID") == Some(id));
    let target = matches
        .next()
        .ok_or_else(|| XmldsigError::ReferenceNotFound(id.to_owned()))?;
    if matches.next().is_some() {
        return Err(XmldsigError::DuplicateId(id.to_owned()));
    }
    let siblings = match (target.parent(), request.signature.parent()) {
        (Some(a), Some(b)) => a.id() == b.id(),
        _ => false,
    };
    if !siblings {
        return Err(XmldsigError::ReferenceElsewhere(uri.to_owned()));
    }
    Ok(target)
}
