//! The cryptographic primitives every check shares: RSA public keys, PKCS#1
//! v1.5 verification with SHA-1 or SHA-256, base64 as the SII writes it, and the
//! byte form the TED and CAF signatures are computed over.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};
use sha2::Sha256;

use crate::der;
use crate::montgomery::Modulus;

/// Smallest modulus accepted. CAF keys (`RSAPK`) are 512 bits, which is weak
/// but is what the SII issues; refusing them would make every TED unreadable.
const MIN_MODULUS_BITS: usize = 512;
const MAX_MODULUS_BITS: usize = 8192;
/// Public exponents above 2^33 are refused, as common RSA libraries do: a huge
/// exponent is a cheap way to make verification slow.
const MAX_EXPONENT_BITS: usize = 33;

/// `DigestInfo` up to the digest itself (RFC 8017, section 9.2, note 1).
const SHA1_PREFIX: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14,
];
const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
/// The same without the NULL parameters, which RFC 8017 lets verifiers accept
/// and some older signers write.
const SHA1_PREFIX_NO_NULL: &[u8] = &[
    0x30, 0x1F, 0x30, 0x07, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x04, 0x14,
];
const SHA256_PREFIX_NO_NULL: &[u8] = &[
    0x30, 0x2F, 0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04,
    0x20,
];

/// A hash function a signature may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha1,
    Sha256,
}

impl HashAlgorithm {
    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Digested {
        match self {
            HashAlgorithm::Sha1 => Digested::Sha1(Sha1::digest(data).into()),
            HashAlgorithm::Sha256 => Digested::Sha256(Sha256::digest(data).into()),
        }
    }

    /// The `DigestInfo` prefixes a PKCS#1 v1.5 signature may carry.
    fn prefixes(self) -> [&'static [u8]; 2] {
        match self {
            HashAlgorithm::Sha1 => [SHA1_PREFIX, SHA1_PREFIX_NO_NULL],
            HashAlgorithm::Sha256 => [SHA256_PREFIX, SHA256_PREFIX_NO_NULL],
        }
    }
}

/// A digest value, kept on the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digested {
    Sha1([u8; 20]),
    Sha256([u8; 32]),
}

impl Digested {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Digested::Sha1(d) => d,
            Digested::Sha256(d) => d,
        }
    }

    pub fn algorithm(&self) -> HashAlgorithm {
        match self {
            Digested::Sha1(_) => HashAlgorithm::Sha1,
            Digested::Sha256(_) => HashAlgorithm::Sha256,
        }
    }
}

/// Why a public key could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("{0} is not valid base64")]
    Base64(&'static str),
    #[error("the modulus is not an odd number of {MIN_MODULUS_BITS} to {MAX_MODULUS_BITS} bits")]
    Modulus,
    #[error("the public exponent is not an odd number from 3 to 2^{MAX_EXPONENT_BITS}")]
    Exponent,
    #[error("the certificate is not readable DER: {0}")]
    Der(#[from] der::DerError),
    #[error("the certificate's key is not an RSA key")]
    NotRsa,
}

/// An RSA public key ready to verify PKCS#1 v1.5 signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaKey {
    modulus: Modulus,
    /// Big-endian, without leading zeros.
    exponent: Vec<u8>,
}

impl RsaKey {
    /// A key from its big-endian modulus and exponent.
    ///
    /// # Errors
    ///
    /// [`KeyError::Modulus`] when the modulus is even, smaller than 512 bits or
    /// larger than 8192; [`KeyError::Exponent`] when the exponent is even, below
    /// 3 or above 2^33.
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<Self, KeyError> {
        let modulus = Modulus::new(modulus)
            .filter(|m| (MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&m.bits()))
            .ok_or(KeyError::Modulus)?;
        let exponent = strip_leading_zeros(exponent);
        let exponent_bits = exponent
            .first()
            .map_or(0, |&b| 8 * exponent.len() - b.leading_zeros() as usize);
        let odd = exponent.last().is_some_and(|b| b & 1 == 1);
        if !odd || exponent == [1] || exponent_bits > MAX_EXPONENT_BITS {
            return Err(KeyError::Exponent);
        }
        Ok(Self {
            modulus,
            exponent: exponent.to_vec(),
        })
    }

    /// A key from base64 modulus and exponent, as `RSAKeyValue` and the CAF's
    /// `RSAPK` carry them (line breaks allowed).
    ///
    /// # Errors
    ///
    /// [`KeyError::Base64`] naming the bad field, or as [`Self::from_components`].
    pub fn from_base64(modulus: &str, exponent: &str) -> Result<Self, KeyError> {
        let modulus = decode_base64(modulus).ok_or(KeyError::Base64("the modulus"))?;
        let exponent = decode_base64(exponent).ok_or(KeyError::Base64("the exponent"))?;
        Self::from_components(&modulus, &exponent)
    }

    /// The key of an X.509 certificate in DER.
    ///
    /// Only the path to `SubjectPublicKeyInfo` is read, so certificates a strict
    /// parser refuses (the SII's CAF certificates have version 4, which X.509 does
    /// not define) still give their key.
    ///
    /// # Errors
    ///
    /// [`KeyError::Der`] when the structure cannot be walked, [`KeyError::NotRsa`]
    /// for another kind of key, or as [`Self::from_components`].
    pub fn from_certificate(der: &[u8]) -> Result<Self, KeyError> {
        let key = der::certificate_rsa_key(der)?.ok_or(KeyError::NotRsa)?;
        Self::from_components(key.modulus, key.exponent)
    }

    /// Size of the modulus in bytes.
    pub fn size(&self) -> usize {
        self.modulus.byte_len()
    }

    /// Size of the modulus in bits.
    pub fn bits(&self) -> usize {
        self.modulus.bits()
    }

    /// Whether `signature` is a PKCS#1 v1.5 signature of `digest` by this key.
    ///
    /// The decrypted block is compared whole with the one expected, rather than
    /// parsed, which leaves no room for lenient-parsing forgeries. A signature
    /// shorter than the modulus counts as having leading zeros: some signers
    /// drop them, and the number is the same.
    pub fn verify(&self, digest: &Digested, signature: &[u8]) -> bool {
        let size = self.size();
        if signature.len() > size {
            return false;
        }
        let Some(block) = self.modulus.pow(signature, &self.exponent) else {
            return false;
        };
        let hash = digest.as_bytes();
        digest.algorithm().prefixes().iter().any(|prefix| {
            let info = prefix.len() + hash.len();
            // 0x00 0x01, at least eight 0xFF, 0x00, DigestInfo.
            if size < info + 11 {
                return false;
            }
            let padding = size - info - 3;
            block[0] == 0
                && block[1] == 1
                && block[2..2 + padding].iter().all(|&b| b == 0xFF)
                && block[2 + padding] == 0
                && &block[3 + padding..3 + padding + prefix.len()] == *prefix
                && &block[size - hash.len()..] == hash
        })
    }
}

/// How many prepared keys a [`KeyCache`] holds before it starts over.
const KEY_CACHE_CAPACITY: usize = 512;

/// Keys already prepared, by their components. An issuer signs every document
/// with the same certificate and one CAF serves many folios, while preparing
/// a key costs about half a verification; so each key is prepared once.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    keys: HashMap<Vec<u8>, RsaKey>,
}

impl KeyCache {
    /// The key with these big-endian components, prepared on first use.
    ///
    /// # Errors
    ///
    /// As [`RsaKey::from_components`]; a failure is not remembered.
    pub fn get(&mut self, modulus: &[u8], exponent: &[u8]) -> Result<&RsaKey, KeyError> {
        let (modulus, exponent) = (strip_leading_zeros(modulus), strip_leading_zeros(exponent));
        // Exponents are at most five bytes here, so one length byte delimits them.
        let Ok(exponent_len) = u8::try_from(exponent.len()) else {
            return Err(KeyError::Exponent);
        };
        let mut id = Vec::with_capacity(1 + exponent.len() + modulus.len());
        id.push(exponent_len);
        id.extend_from_slice(exponent);
        id.extend_from_slice(modulus);

        if self.keys.len() >= KEY_CACHE_CAPACITY && !self.keys.contains_key(&id) {
            self.keys.clear();
        }
        match self.keys.entry(id) {
            Entry::Occupied(entry) => Ok(entry.into_mut()),
            Entry::Vacant(entry) => Ok(entry.insert(RsaKey::from_components(modulus, exponent)?)),
        }
    }
}

/// The components of an RSA key before it is prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawKey {
    pub modulus: Vec<u8>,
    pub exponent: Vec<u8>,
}

impl RawKey {
    /// From base64 modulus and exponent, as `RSAKeyValue` and `RSAPK` hold them.
    ///
    /// # Errors
    ///
    /// [`KeyError::Base64`] naming the bad field.
    pub fn from_base64(modulus: &str, exponent: &str) -> Result<Self, KeyError> {
        Ok(Self {
            modulus: decode_base64(modulus).ok_or(KeyError::Base64("the modulus"))?,
            exponent: decode_base64(exponent).ok_or(KeyError::Base64("the exponent"))?,
        })
    }

    /// From a base64 X.509 certificate, as `X509Certificate` holds it.
    ///
    /// # Errors
    ///
    /// [`KeyError::Base64`], [`KeyError::Der`] or [`KeyError::NotRsa`].
    pub fn from_certificate_base64(certificate: &str) -> Result<Self, KeyError> {
        let der = decode_base64(certificate).ok_or(KeyError::Base64("X509Certificate"))?;
        let key = der::certificate_rsa_key(&der)?.ok_or(KeyError::NotRsa)?;
        Ok(Self {
            modulus: key.modulus.to_vec(),
            exponent: key.exponent.to_vec(),
        })
    }

    /// Whether both name the same key, leading zeros aside.
    pub fn same_key(&self, other: &RawKey) -> bool {
        strip_leading_zeros(&self.modulus) == strip_leading_zeros(&other.modulus)
            && strip_leading_zeros(&self.exponent) == strip_leading_zeros(&other.exponent)
    }

    pub fn prepare<'c>(&self, cache: &'c mut KeyCache) -> Result<&'c RsaKey, KeyError> {
        cache.get(&self.modulus, &self.exponent)
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// Decodes base64 that may be wrapped over several lines, as XMLDSig values
/// and certificates are. `None` when it is not base64.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_ascii();
    if !text.bytes().any(|b| b.is_ascii_whitespace()) {
        return STANDARD.decode(text).ok();
    }
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

/// A character that ISO-8859-1 cannot encode, found in signed content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotLatin1 {
    pub character: char,
    /// Byte offset within the element's text.
    pub offset: usize,
}

/// SHA-1 of an element written as the TED and CAF signatures expect: the text
/// as written, whitespace between tags removed, encoded ISO-8859-1.
///
/// # Errors
///
/// [`NotLatin1`] for the first character outside ISO-8859-1: such an element
/// cannot have been signed in that encoding.
pub fn latin1_compact_sha1(written: &str) -> Result<[u8; 20], NotLatin1> {
    let mut hasher = Sha1::new();
    let mut chunk = [0u8; 512];
    let mut len = 0;
    let mut push = |byte: u8| {
        chunk[len] = byte;
        len += 1;
        if len == chunk.len() {
            hasher.update(&chunk[..]);
            len = 0;
        }
    };

    // Every character that steers this is ASCII, and UTF-8 never uses ASCII
    // values inside a multi-byte character, so the walk is over bytes.
    let bytes = written.as_bytes();
    let mut in_tag = false;
    let mut quote = 0u8;
    // Whether the previous byte kept was the `>` closing a tag.
    let mut after_tag = false;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if in_tag {
            match byte {
                b'"' | b'\'' if quote == 0 => quote = byte,
                _ if byte == quote => quote = 0,
                b'>' if quote == 0 => {
                    in_tag = false;
                    after_tag = true;
                }
                _ => {}
            }
        } else if byte == b'<' {
            in_tag = true;
        } else if after_tag && byte.is_ascii_whitespace() {
            // Whitespace after a tag: left out if only whitespace reaches the next tag.
            let run_end = bytes[at..]
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .map_or(bytes.len(), |p| at + p);
            if run_end == bytes.len() || bytes[run_end] == b'<' {
                at = run_end;
                continue;
            }
            after_tag = false;
        } else {
            after_tag = false;
        }

        // ASCII passes through; U+0080..U+00FF is two UTF-8 bytes led by 0xC2
        // or 0xC3 and becomes the one byte of the same value.
        match byte {
            0x00..=0x7F => push(byte),
            0xC2 | 0xC3 => {
                let next = bytes.get(at + 1).copied().unwrap_or_default();
                push((byte & 0x03) << 6 | (next & 0x3F));
                at += 1;
            }
            _ => {
                let character = written[at..].chars().next().unwrap_or_default();
                return Err(NotLatin1 {
                    character,
                    offset: at,
                });
            }
        }
        at += 1;
    }
    hasher.update(&chunk[..len]);
    Ok(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `written` hashes as `compact`, which is ASCII.
    fn compacts_to(written: &str, compact: &str) -> bool {
        latin1_compact_sha1(written).unwrap() == Sha1::digest(compact).as_slice()
    }

    #[test]
    fn whitespace_between_tags_goes_but_text_keeps_its_spaces() {
        assert!(compacts_to(
            "<DD>\n  <RE>1-9</RE>\n  <RSR>A  B </RSR>\r\n</DD>",
            "<DD><RE>1-9</RE><RSR>A  B </RSR></DD>"
        ));
        assert!(compacts_to("<a x='> '> <b/> </a>", "<a x='> '><b/></a>"));
        assert!(compacts_to("<a> x </a>", "<a> x </a>"));
        assert!(compacts_to("<a>b> </a>", "<a>b> </a>"));
        assert!(compacts_to("<a>\n</a>\n", "<a></a>"));
    }

    #[test]
    fn characters_outside_latin1_are_refused() {
        assert!(latin1_compact_sha1("<a>peña</a>").is_ok());
        let error = latin1_compact_sha1("<a>€</a>").unwrap_err();
        assert_eq!(error.character, '€');
        assert_eq!(error.offset, 3);
        let error = latin1_compact_sha1("<a>Ā</a>").unwrap_err();
        assert_eq!(error.character, 'Ā');
        assert!(latin1_compact_sha1("<a>\u{1F600}</a>").is_err());
    }

    #[test]
    fn latin1_hash_is_over_single_bytes() {
        let expected = Sha1::digest(b"<a>pe\xf1a \xc0\xff\x80</a>");
        assert_eq!(
            latin1_compact_sha1("<a>peña À\u{FF}\u{80}</a>").unwrap(),
            expected.as_slice()
        );
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Signatures made by OpenSSL: an independent implementation, key sizes
    /// that are and are not multiples of 64 bits, exponents 3 and 65537.
    #[test]
    fn openssl_signatures_verify_and_altered_ones_do_not() {
        let message = b"veredicto test vector";
        let vectors = include_str!("testdata/openssl-pkcs1.txt");
        let mut count = 0;
        for line in vectors.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split(' ').collect();
            let [bits, exponent, modulus, sha1_signature, sha256_signature] = fields[..] else {
                panic!("bad line {line:?}");
            };
            let exponent: u32 = exponent.parse().unwrap();
            let key = RsaKey::from_components(&hex(modulus), &exponent.to_be_bytes()).unwrap();
            assert_eq!(key.bits().to_string(), bits);

            for (algorithm, signature) in [
                (HashAlgorithm::Sha1, sha1_signature),
                (HashAlgorithm::Sha256, sha256_signature),
            ] {
                let signature = hex(signature);
                let digest = algorithm.digest(message);
                assert!(
                    key.verify(&digest, &signature),
                    "{bits} bits, {algorithm:?}"
                );
                assert!(!key.verify(&algorithm.digest(b"another message"), &signature));
                let mut altered = signature.clone();
                altered[signature.len() / 2] ^= 0x01;
                assert!(!key.verify(&digest, &altered));
                count += 1;
            }
            // A SHA-1 signature is not a SHA-256 one of the same message.
            let sha1 = hex(sha1_signature);
            assert!(!key.verify(&HashAlgorithm::Sha256.digest(message), &sha1));
        }
        assert_eq!(count, 6);
    }

    #[test]
    fn keys_outside_the_accepted_range_are_refused() {
        let mut modulus = vec![0xFF; 64];
        assert!(RsaKey::from_components(&modulus, &[3]).is_ok());
        assert_eq!(
            RsaKey::from_components(&modulus[1..], &[3]),
            Err(KeyError::Modulus)
        );
        modulus[63] = 0xFE;
        assert_eq!(
            RsaKey::from_components(&modulus, &[3]),
            Err(KeyError::Modulus)
        );
        modulus[63] = 0xFF;
        for exponent in [&[1u8][..], &[4], &[], &[0x04, 0, 0, 0, 1]] {
            assert_eq!(
                RsaKey::from_components(&modulus, exponent),
                Err(KeyError::Exponent),
                "{exponent:?}"
            );
        }
    }

    #[test]
    fn wrapped_base64_decodes() {
        assert_eq!(decode_base64(" QUJD\nREVG\r\n").unwrap(), b"ABCDEF");
        assert!(decode_base64("abc").is_none());
    }
}
