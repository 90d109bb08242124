//! The enveloped XML signature of a DTE (over `#<Documento ID>`) or of an
//! envelope (over `#SetDoc`): inclusive C14N 1.0 through
//! `veredicto_signature::c14n`, SHA-1 digest, RSA-SHA1 over the canonical
//! `SignedInfo`, and a `KeyInfo` with the key and the signer's certificate,
//! base64 wrapped at 76 columns as signing software writes it.
//!
//! The signed element is canonicalised as its signature's owner sees it: the
//! owner (the `DTE`, or the envelope's root) taken as a document of its own,
//! which is the form a verifier reads it in.

use sha1::{Digest, Sha1};
use veredicto_signature::c14n::{self, Context};
use veredicto_xml::{Element, Limits};

use crate::error::ForgeError;
use crate::rsa::{Hash, PrivateKey, PublicKey};
use crate::xml::{self, Writer};

const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const SHA1_DIGEST: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

/// Who signs: a private key and the certificate that names its holder.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub key: &'a PrivateKey,
    /// DER of the signer's certificate.
    pub certificate: &'a [u8],
}

/// How a defect bends a signature; all false for a genuine one.
#[derive(Debug, Clone, Default)]
pub struct Bend {
    /// `SignatureValue` does not verify.
    pub broken_value: bool,
    /// `KeyValue` carries another key than the certificate.
    pub key_value: Option<PublicKey>,
}

/// Limits for reading back what the forge wrote: an envelope of 2,000 large
/// DTEs must fit.
fn limits() -> Limits {
    Limits {
        max_bytes: 1 << 30,
        ..Limits::default()
    }
}

/// The `<Signature>` element for the element with `ID` `id` in `owner_xml`,
/// the owner's text without its signature (`<DTE>...</DTE>` or the whole
/// envelope). The caller puts it before the owner's end tag.
///
/// # Errors
///
/// [`ForgeError::Reread`] when the text cannot be read back,
/// [`ForgeError::MissingId`] when no child of the owner has that ID.
pub fn signature(
    owner_xml: &str,
    id: &str,
    signer: Signer<'_>,
    bend: &Bend,
) -> Result<String, ForgeError> {
    let digest = digest_of(owner_xml, id)?;

    let mut signed_info = Writer::with_capacity(512);
    signed_info.open("SignedInfo");
    signed_info.empty_with("CanonicalizationMethod", &[("Algorithm", c14n::C14N_10)]);
    signed_info.empty_with("SignatureMethod", &[("Algorithm", RSA_SHA1)]);
    signed_info.open_with("Reference", &[("URI", &format!("#{id}"))]);
    signed_info.empty_with("DigestMethod", &[("Algorithm", SHA1_DIGEST)]);
    signed_info.leaf("DigestValue", &xml::base64(&digest));
    signed_info.close("Reference");
    signed_info.close("SignedInfo");
    let signed_info = signed_info.finish();

    let canonical = canonical_signed_info(owner_xml, &signed_info)?;
    let mut value = signer.key.sign(Hash::Sha1, &canonical);
    if bend.broken_value {
        if let Some(first) = value.get_mut(8) {
            *first ^= 0x40;
        }
    }

    let (modulus, exponent) = match &bend.key_value {
        Some(other) => (other.modulus(), other.exponent()),
        None => (signer.key.modulus(), signer.key.exponent()),
    };
    let mut out = Writer::with_capacity(signed_info.len() + 4096);
    out.open_with("Signature", &[("xmlns", DSIG_NS)]);
    out.raw(&signed_info);
    out.base64_block("SignatureValue", &value);
    out.open("KeyInfo");
    out.open("KeyValue");
    out.open("RSAKeyValue");
    out.base64_block("Modulus", &modulus);
    out.leaf("Exponent", &xml::base64(&exponent));
    out.close("RSAKeyValue");
    out.close("KeyValue");
    out.open("X509Data");
    out.base64_block("X509Certificate", signer.certificate);
    out.close("X509Data");
    out.close("KeyInfo");
    out.close("Signature");
    Ok(out.finish())
}

/// SHA-1 of the canonical form of the owner's child with `ID` `id`, the owner
/// taken as a document of its own.
fn digest_of(owner_xml: &str, id: &str) -> Result<[u8; 20], ForgeError> {
    let doc = veredicto_xml::parse_text(owner_xml.to_owned(), &limits())?;
    let root = doc.root();
    let target = root
        .elements()
        .find(|e| e.attribute("ID") == Some(id))
        .ok_or_else(|| ForgeError::MissingId(id.to_owned()))?;
    Ok(canonical_digest(target, root))
}

fn canonical_digest(target: Element<'_>, owner: Element<'_>) -> [u8; 20] {
    let mut canonical = Vec::with_capacity(target.span().len() + 64);
    c14n::canonicalize_into(
        target,
        &Context::detached(target, owner),
        None,
        &mut canonical,
    );
    Sha1::digest(&canonical).into()
}

/// The canonical `SignedInfo` as it will read in place: inside a
/// `Signature` that declares the XMLDSig namespace, inside the owner, whose
/// start tag may declare more (an envelope's `xmlns:xsi`, which inclusive
/// C14N carries onto `SignedInfo`). Only those two start tags matter, so a
/// small skeleton made of them is read instead of the whole document.
fn canonical_signed_info(owner_xml: &str, signed_info: &str) -> Result<Vec<u8>, ForgeError> {
    let start_tag_end = owner_xml.find('>').map_or(0, |i| i + 1);
    let start_tag = &owner_xml[..start_tag_end];
    let name: String = start_tag
        .trim_start_matches('<')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>')
        .collect();
    let skeleton =
        format!("{start_tag}<Signature xmlns=\"{DSIG_NS}\">{signed_info}</Signature></{name}>");
    let doc = veredicto_xml::parse_text(skeleton, &limits())?;
    let root = doc.root();
    let info = root
        .elements()
        .flat_map(|signature| signature.elements())
        .find(|e| e.local_name() == "SignedInfo")
        .ok_or_else(|| ForgeError::MissingId("SignedInfo".to_owned()))?;
    let mut canonical = Vec::with_capacity(signed_info.len() + 128);
    c14n::canonicalize_into(info, &Context::detached(info, root), None, &mut canonical);
    Ok(canonical)
}
