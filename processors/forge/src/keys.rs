//! The keys a forge signs with, generated once from the seed and shared:
//! the test SII's key (IDK 100) with its certificate, a few signer keys that
//! issuers' representatives share, and a few CAF keys that CAFs share.
//!
//! Real CAF keys are 512-bit RSA with exponent 3 and signer keys are usually
//! 2048-bit; the signer size is configurable because generating 2048-bit keys
//! is slow and 1024 bits are enough for test data.

use crate::calendar::Timestamp;
use crate::der::{self, Role, Subject};
use crate::rng::Rng;
use crate::rsa::PrivateKey;

/// The SII's key id on certification CAFs.
pub const IDK_CERTIFICATION: u32 = 100;

/// How many keys of each kind are generated.
const SIGNER_KEYS: usize = 3;
const CAF_KEYS: usize = 4;
const CAF_KEY_BITS: u64 = 512;
const CAF_EXPONENT: u32 = 3;
const SIGNER_EXPONENT: u32 = 65_537;

/// Every key of one forge.
#[derive(Debug, Clone)]
pub struct KeyPool {
    pub sii: PrivateKey,
    /// DER of the test SII's self-signed certificate.
    pub sii_certificate: Vec<u8>,
    pub signers: Vec<PrivateKey>,
    pub cafs: Vec<PrivateKey>,
}

impl KeyPool {
    /// Generates the pool from `rng`; `signer_bits` sizes the SII's and the
    /// signers' keys.
    pub fn generate(rng: &mut Rng, signer_bits: u64, issued: Timestamp) -> Self {
        let sii = PrivateKey::generate(rng, signer_bits, SIGNER_EXPONENT);
        let subject = Subject {
            common_name: "Servicio de Impuestos Internos - Certificación",
            organisation: "Servicio de Impuestos Internos",
            unit: Some("Autorización de Folios (pruebas)"),
            email: None,
            rut: Some(crate::rut::SII),
        };
        let sii_certificate = der::self_signed_certificate(
            &sii,
            &subject,
            u64::from(IDK_CERTIFICATION),
            issued,
            20 * 365,
            Role::Authority,
        );
        let signers = (0..SIGNER_KEYS)
            .map(|_| PrivateKey::generate(rng, signer_bits, SIGNER_EXPONENT))
            .collect();
        let cafs = (0..CAF_KEYS)
            .map(|_| PrivateKey::generate(rng, CAF_KEY_BITS, CAF_EXPONENT))
            .collect();
        Self {
            sii,
            sii_certificate,
            signers,
            cafs,
        }
    }
}
