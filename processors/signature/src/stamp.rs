//! The signature scheme the TED (`FRMT` over `DD`) and the CAF (`FRMA` over
//! `DA`) share: SHA1withRSA, PKCS#1 v1.5, over the element as written in the
//! source with the whitespace between tags removed, encoded ISO-8859-1.
//!
//! "As written" matters: unlike XMLDSig there is no canonicalisation, so the
//! bytes come from the element's span in the decoded text, not from the tree.

use std::collections::HashMap;

use veredicto_xml::Element;

use crate::crypto::{self, Digested, KeyError, RsaKey};

/// The only algorithm the SII uses for these signatures.
pub const SHA1_WITH_RSA: &str = "SHA1withRSA";

/// Why a TED or CAF signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("unsupported algorithm {0:?}, only SHA1withRSA is defined")]
    UnsupportedAlgorithm(String),
    #[error(
        "{element} contains {character:?} (U+{code:04X}), which ISO-8859-1 cannot encode, so it \
         cannot have been signed",
        code = u32::from(*character)
    )]
    NotLatin1 {
        element: &'static str,
        character: char,
    },
    #[error("{0} is not valid base64")]
    Base64(&'static str),
    #[error("the public key is unusable: {0}")]
    Key(KeyError),
    #[error("the signature does not match the content")]
    Mismatch,
}

/// How many verified signatures a [`Verified`] remembers before starting over.
const VERIFIED_CAPACITY: usize = 1024;

/// Signatures already found good. Every document stamped from one CAF carries
/// the same `DA` and `FRMA`, so the SII's signature on it is checked once.
#[derive(Debug, Default)]
pub(crate) struct Verified {
    /// Digest and signature value, with the key that verified them.
    entries: HashMap<([u8; 20], Vec<u8>), RsaKey>,
}

/// Verifies `signature` (the `FRMT` or `FRMA` element) over `signed` (the
/// `DD` or `DA` element) with `key`. With `verified`, a signature this key
/// has already verified is not verified again, and a good one is remembered.
///
/// # Errors
///
/// A [`StampError`] saying why the signature does not hold.
pub(crate) fn verify(
    signed: Element<'_>,
    signed_name: &'static str,
    signature: Element<'_>,
    signature_name: &'static str,
    key: &RsaKey,
    verified: Option<&mut Verified>,
) -> Result<(), StampError> {
    match signature.attribute("algoritmo") {
        None | Some(SHA1_WITH_RSA) => {}
        Some(other) => return Err(StampError::UnsupportedAlgorithm(other.to_owned())),
    }
    let value =
        crypto::decode_base64(&signature.text()).ok_or(StampError::Base64(signature_name))?;

    let written = &signed.document().text()[signed.span()];
    let digest = crypto::latin1_compact_sha1(written).map_err(|e| StampError::NotLatin1 {
        element: signed_name,
        character: e.character,
    })?;
    let Some(verified) = verified else {
        return if key.verify(&Digested::Sha1(digest), &value) {
            Ok(())
        } else {
            Err(StampError::Mismatch)
        };
    };
    let id = (digest, value);
    if verified.entries.get(&id) == Some(key) {
        return Ok(());
    }
    if !key.verify(&Digested::Sha1(digest), &id.1) {
        return Err(StampError::Mismatch);
    }
    if verified.entries.len() >= VERIFIED_CAPACITY {
        verified.entries.clear();
    }
    verified.entries.insert(id, key.clone());
    Ok(())
}
