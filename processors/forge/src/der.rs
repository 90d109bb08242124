//! A small DER writer and the X.509 v3 certificates the forge needs: the
//! self-signed certificate of each signer (in `X509Certificate`) and the test
//! SII's certificate for CAF signatures (`trust/100.cer`).
//!
//! Only the encodings these structures use are here: SEQUENCE, SET, INTEGER,
//! OID, NULL, OCTET STRING, BIT STRING, the string types, UTCTime, BOOLEAN and
//! context tags.

use crate::calendar::Timestamp;
use crate::rsa::{Hash, PrivateKey, PublicKey};

/// Builds DER bytes; nested structures are written through closures so their
/// lengths are known when the header is written.
#[derive(Debug, Default)]
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    fn header(&mut self, tag: u8, len: usize) {
        self.out.push(tag);
        if len < 0x80 {
            self.out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            self.out.push(0x80 | (bytes.len() - skip) as u8);
            self.out.extend_from_slice(&bytes[skip..]);
        }
    }

    /// A primitive element.
    pub fn primitive(&mut self, tag: u8, content: &[u8]) {
        self.header(tag, content.len());
        self.out.extend_from_slice(content);
    }

    /// A constructed element whose content `inner` writes.
    pub fn constructed(&mut self, tag: u8, inner: impl FnOnce(&mut Writer)) {
        let mut nested = Writer::new();
        inner(&mut nested);
        self.primitive(tag, &nested.out);
    }

    /// `SEQUENCE`.
    pub fn sequence(&mut self, inner: impl FnOnce(&mut Writer)) {
        self.constructed(0x30, inner);
    }

    /// `SET OF`.
    pub fn set(&mut self, inner: impl FnOnce(&mut Writer)) {
        self.constructed(0x31, inner);
    }

    /// `[n] EXPLICIT`.
    pub fn explicit(&mut self, n: u8, inner: impl FnOnce(&mut Writer)) {
        self.constructed(0xA0 | n, inner);
    }

    /// A non-negative INTEGER from big-endian magnitude bytes.
    pub fn unsigned(&mut self, magnitude: &[u8]) {
        let skip = magnitude.iter().take_while(|&&b| b == 0).count();
        let trimmed = &magnitude[skip..];
        let mut content = Vec::with_capacity(trimmed.len() + 1);
        // A set top bit would read as negative: a zero byte goes first.
        if trimmed.first().is_none_or(|&b| b & 0x80 != 0) {
            content.push(0);
        }
        content.extend_from_slice(trimmed);
        self.primitive(0x02, &content);
    }

    /// An INTEGER from a machine number.
    pub fn small_integer(&mut self, value: u64) {
        self.unsigned(&value.to_be_bytes());
    }

    /// BOOLEAN.
    pub fn boolean(&mut self, value: bool) {
        self.primitive(0x01, &[if value { 0xFF } else { 0 }]);
    }

    /// NULL, the parameters of the RSA algorithm identifiers.
    pub fn null(&mut self) {
        self.primitive(0x05, &[]);
    }

    /// An OBJECT IDENTIFIER from its arcs.
    pub fn oid(&mut self, arcs: &[u64]) {
        let mut content = Vec::with_capacity(arcs.len() + 4);
        if let [first, second, rest @ ..] = arcs {
            base128(first * 40 + second, &mut content);
            for &arc in rest {
                base128(arc, &mut content);
            }
        }
        self.primitive(0x06, &content);
    }

    /// OCTET STRING.
    pub fn octet_string(&mut self, bytes: &[u8]) {
        self.primitive(0x04, bytes);
    }

    /// A BIT STRING with no unused bits.
    pub fn bit_string(&mut self, bytes: &[u8]) {
        let mut content = Vec::with_capacity(bytes.len() + 1);
        content.push(0);
        content.extend_from_slice(bytes);
        self.primitive(0x03, &content);
    }

    /// UTF8String, for names with accents.
    pub fn utf8_string(&mut self, text: &str) {
        self.primitive(0x0C, text.as_bytes());
    }

    /// PrintableString, for the country code.
    pub fn printable_string(&mut self, text: &str) {
        self.primitive(0x13, text.as_bytes());
    }

    /// IA5String, for e-mail addresses and RUTs.
    pub fn ia5_string(&mut self, text: &str) {
        self.primitive(0x16, text.as_bytes());
    }

    /// UTCTime.
    pub fn utc_time(&mut self, at: Timestamp) {
        self.primitive(0x17, at.utc_time().as_bytes());
    }
}

/// Writes `value` in base 128, most significant group first, high bit set on
/// all groups but the last.
fn base128(value: u64, out: &mut Vec<u8>) {
    let mut groups = [0u8; 10];
    let mut n = 0;
    let mut rest = value;
    loop {
        groups[n] = (rest & 0x7F) as u8;
        n += 1;
        rest >>= 7;
        if rest == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(groups[i] | if i > 0 { 0x80 } else { 0 });
    }
}

const RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113_549, 1, 1, 1];
const SHA256_WITH_RSA: &[u64] = &[1, 2, 840, 113_549, 1, 1, 11];
const COUNTRY: &[u64] = &[2, 5, 4, 6];
const ORGANISATION: &[u64] = &[2, 5, 4, 10];
const ORGANISATIONAL_UNIT: &[u64] = &[2, 5, 4, 11];
const COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const EMAIL: &[u64] = &[1, 2, 840, 113_549, 1, 9, 1];
const BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
const KEY_USAGE: &[u64] = &[2, 5, 29, 15];
const SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];
const SUBJECT_KEY_ID: &[u64] = &[2, 5, 29, 14];
/// The otherName type Chilean certification authorities use to bind a
/// certificate to the holder's RUT.
const CHILEAN_RUT: &[u64] = &[1, 3, 6, 1, 4, 1, 8321, 1];

/// Who a certificate names.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub common_name: &'a str,
    pub organisation: &'a str,
    pub unit: Option<&'a str>,
    pub email: Option<&'a str>,
    /// The holder's RUT, written in the subject alternative name.
    pub rut: Option<&'a str>,
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Signs documents (digital signature, non-repudiation).
    Signer,
    /// Signs other things on an authority's behalf (the test SII's CAF key).
    Authority,
}

/// A self-signed X.509 v3 certificate for `key`, valid from `not_before` for
/// `days` days, signed with SHA-256 and RSA.
pub fn self_signed_certificate(
    key: &PrivateKey,
    subject: &Subject<'_>,
    serial: u64,
    not_before: Timestamp,
    days: i64,
    role: Role,
) -> Vec<u8> {
    let public = key.public();
    let mut tbs = Writer::new();
    tbs.sequence(|w| {
        w.explicit(0, |w| w.small_integer(2));
        w.small_integer(serial);
        algorithm(w, SHA256_WITH_RSA);
        name(w, subject);
        w.sequence(|w| {
            w.utc_time(not_before);
            w.utc_time(not_before.plus_seconds(days * 86_400));
        });
        name(w, subject);
        public_key_info(w, &public);
        w.explicit(3, |w| extensions(w, subject, &public, role));
    });
    let tbs = tbs.finish();
    let signature = key.sign(Hash::Sha256, &tbs);

    let mut certificate = Writer::new();
    certificate.sequence(|w| {
        w.out.extend_from_slice(&tbs);
        algorithm(w, SHA256_WITH_RSA);
        w.bit_string(&signature);
    });
    certificate.finish()
}

fn algorithm(w: &mut Writer, oid: &[u64]) {
    w.sequence(|w| {
        w.oid(oid);
        w.null();
    });
}

fn attribute(w: &mut Writer, oid: &[u64], value: impl FnOnce(&mut Writer)) {
    w.set(|w| {
        w.sequence(|w| {
            w.oid(oid);
            value(w);
        });
    });
}

fn name(w: &mut Writer, subject: &Subject<'_>) {
    w.sequence(|w| {
        attribute(w, COUNTRY, |w| w.printable_string("CL"));
        attribute(w, ORGANISATION, |w| w.utf8_string(subject.organisation));
        if let Some(unit) = subject.unit {
            attribute(w, ORGANISATIONAL_UNIT, |w| w.utf8_string(unit));
        }
        attribute(w, COMMON_NAME, |w| w.utf8_string(subject.common_name));
        if let Some(email) = subject.email {
            attribute(w, EMAIL, |w| w.ia5_string(email));
        }
    });
}

/// `SubjectPublicKeyInfo` holding PKCS#1's `RSAPublicKey`.
fn public_key_info(w: &mut Writer, key: &PublicKey) {
    let mut rsa = Writer::new();
    rsa.sequence(|w| {
        w.unsigned(&key.modulus());
        w.unsigned(&key.exponent());
    });
    let rsa = rsa.finish();
    w.sequence(|w| {
        algorithm(w, RSA_ENCRYPTION);
        w.bit_string(&rsa);
    });
}

fn extensions(w: &mut Writer, subject: &Subject<'_>, key: &PublicKey, role: Role) {
    w.sequence(|w| {
        extension(w, BASIC_CONSTRAINTS, true, |w| {
            w.sequence(|w| {
                if role == Role::Authority {
                    w.boolean(true);
                }
            });
        });
        extension(w, KEY_USAGE, true, |w| {
            // Bit 0 digitalSignature and bit 1 nonRepudiation for a signer;
            // bits 5 keyCertSign and 0 for the authority. The first content
            // byte counts the unused bits of the last one.
            let (bits, unused) = match role {
                Role::Signer => (0b1100_0000, 6),
                Role::Authority => (0b1000_0100, 2),
            };
            w.primitive(0x03, &[unused, bits]);
        });
        extension(w, SUBJECT_KEY_ID, false, |w| {
            use sha1::{Digest, Sha1};
            w.octet_string(&Sha1::digest(key.modulus()));
        });
        if let Some(rut) = subject.rut {
            extension(w, SUBJECT_ALT_NAME, false, |w| {
                w.sequence(|w| {
                    // otherName [0] { type-id, [0] EXPLICIT value }
                    w.constructed(0xA0, |w| {
                        w.oid(CHILEAN_RUT);
                        w.explicit(0, |w| w.ia5_string(rut));
                    });
                });
            });
        }
    });
}

fn extension(w: &mut Writer, oid: &[u64], critical: bool, value: impl FnOnce(&mut Writer)) {
    let mut inner = Writer::new();
    value(&mut inner);
    let inner = inner.finish();
    w.sequence(|w| {
        w.oid(oid);
        if critical {
            w.boolean(true);
        }
        w.octet_string(&inner);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_integers_and_oids_encode_as_der() {
        let mut w = Writer::new();
        w.octet_string(&[0u8; 200]);
        assert_eq!(&w.finish()[..3], &[0x04, 0x81, 200]);

        let mut w = Writer::new();
        w.unsigned(&[0x00, 0x80]);
        w.small_integer(0);
        w.oid(&[1, 2, 840, 113_549, 1, 1, 1]);
        assert_eq!(
            w.finish(),
            [
                0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x00, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7,
                0x0D, 0x01, 0x01, 0x01
            ]
        );
    }
}
