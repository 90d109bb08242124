//! Just enough DER to find the RSA key in an X.509 certificate.
//!
//! The SII's CAF certificates declare X.509 version 4, which strict parsers
//! refuse. Walking the structure by position sidesteps that: skip the optional
//! version, five fields, and the sixth is `SubjectPublicKeyInfo`.

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OBJECT_IDENTIFIER: u8 = 0x06;
/// `[0] EXPLICIT Version` at the head of `TBSCertificate`.
const VERSION_TAG: u8 = 0xA0;
/// 1.2.840.113549.1.1.1, rsaEncryption.
const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];

/// Where the walk through the DER failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    #[error("the data ends inside an element")]
    Truncated,
    #[error("expected tag 0x{expected:02X}, found 0x{found:02X}")]
    UnexpectedTag { expected: u8, found: u8 },
    #[error("unsupported length encoding")]
    Length,
    #[error("trailing bytes after the certificate")]
    Trailing,
}

/// A cursor over DER elements.
#[derive(Debug, Clone, Copy)]
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// The next element's tag and content.
    fn next(&mut self) -> Result<(u8, &'a [u8]), DerError> {
        let [tag, first, rest @ ..] = self.data else {
            return Err(DerError::Truncated);
        };
        let (length, rest) = if first & 0x80 == 0 {
            (usize::from(*first), rest)
        } else {
            // Long form: up to four length bytes; 0x80 alone would be BER's
            // indefinite length, which DER forbids.
            let count = usize::from(first & 0x7F);
            if count == 0 || count > 4 || rest.len() < count {
                return Err(DerError::Length);
            }
            let length = rest[..count]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (length, &rest[count..])
        };
        if rest.len() < length {
            return Err(DerError::Truncated);
        }
        self.data = &rest[length..];
        Ok((*tag, &rest[..length]))
    }

    fn expect(&mut self, expected: u8) -> Result<&'a [u8], DerError> {
        let (found, content) = self.next()?;
        if found == expected {
            Ok(content)
        } else {
            Err(DerError::UnexpectedTag { expected, found })
        }
    }
}

/// An RSA public key as DER holds it: big-endian integers, possibly with a
/// leading zero byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RsaComponents<'a> {
    pub modulus: &'a [u8],
    pub exponent: &'a [u8],
}

/// The RSA key of a certificate; `None` when the key is of another kind.
///
/// # Errors
///
/// A [`DerError`] when the certificate cannot be walked.
pub fn certificate_rsa_key(der: &[u8]) -> Result<Option<RsaComponents<'_>>, DerError> {
    let mut outer = Reader::new(der);
    let certificate = outer.expect(SEQUENCE)?;
    if !outer.is_empty() {
        return Err(DerError::Trailing);
    }
    let mut certificate = Reader::new(certificate);
    let mut tbs = Reader::new(certificate.expect(SEQUENCE)?);
    if tbs.peek_tag() == Some(VERSION_TAG) {
        tbs.next()?;
    }
    // serialNumber, signature, issuer, validity, subject.
    tbs.expect(INTEGER)?;
    for _ in 0..4 {
        tbs.expect(SEQUENCE)?;
    }
    spki_rsa_key(tbs.expect(SEQUENCE)?)
}

/// The RSA key inside the content of a `SubjectPublicKeyInfo`.
fn spki_rsa_key(spki: &[u8]) -> Result<Option<RsaComponents<'_>>, DerError> {
    let mut spki = Reader::new(spki);
    let mut algorithm = Reader::new(spki.expect(SEQUENCE)?);
    if algorithm.expect(OBJECT_IDENTIFIER)? != RSA_ENCRYPTION {
        return Ok(None);
    }
    let bits = spki.expect(BIT_STRING)?;
    let [0, key @ ..] = bits else {
        // A key is a whole number of bytes: no unused bits.
        return Err(DerError::Length);
    };
    let mut key = Reader::new(Reader::new(key).expect(SEQUENCE)?);
    let modulus = key.expect(INTEGER)?;
    let exponent = key.expect(INTEGER)?;
    Ok(Some(RsaComponents { modulus, exponent }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wraps `content` in a DER element.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if content.len() < 0x80 {
            out.push(content.len() as u8);
        } else {
            out.push(0x82);
            out.extend_from_slice(&(content.len() as u16).to_be_bytes());
        }
        out.extend_from_slice(content);
        out
    }

    fn certificate(version: Option<u8>, oid: &[u8]) -> Vec<u8> {
        let key = tlv(
            SEQUENCE,
            &[tlv(INTEGER, &[0, 0xC5, 0x01]), tlv(INTEGER, &[3])].concat(),
        );
        let mut bits = vec![0];
        bits.extend_from_slice(&key);
        let spki = tlv(
            SEQUENCE,
            &[
                tlv(
                    SEQUENCE,
                    &[tlv(OBJECT_IDENTIFIER, oid), vec![5, 0]].concat(),
                ),
                tlv(BIT_STRING, &bits),
            ]
            .concat(),
        );
        let mut tbs = Vec::new();
        if let Some(v) = version {
            tbs.extend(tlv(VERSION_TAG, &tlv(INTEGER, &[v])));
        }
        tbs.extend(tlv(INTEGER, &[1, 44]));
        for _ in 0..4 {
            tbs.extend(tlv(SEQUENCE, &[0x31, 0]));
        }
        tbs.extend(spki);
        tlv(
            SEQUENCE,
            &[
                tlv(SEQUENCE, &tbs),
                tlv(SEQUENCE, &[]),
                tlv(BIT_STRING, &[0]),
            ]
            .concat(),
        )
    }

    #[test]
    fn any_version_number_is_skipped() {
        for version in [None, Some(2), Some(3), Some(200)] {
            let der = certificate(version, RSA_ENCRYPTION);
            let key = certificate_rsa_key(&der).unwrap().unwrap();
            assert_eq!(key.modulus, [0, 0xC5, 0x01]);
            assert_eq!(key.exponent, [3]);
        }
    }

    #[test]
    fn other_key_kinds_and_broken_input() {
        let ec = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
        assert_eq!(certificate_rsa_key(&certificate(None, &ec)), Ok(None));
        let der = certificate(Some(2), RSA_ENCRYPTION);
        assert_eq!(
            certificate_rsa_key(&der[..der.len() - 3]),
            Err(DerError::Truncated)
        );
        assert!(certificate_rsa_key(b"abc").is_err());
        assert!(certificate_rsa_key(&[0x30, 0x80, 0, 0]).is_err());
    }
}
