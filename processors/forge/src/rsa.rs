//! RSA test keys: seeded generation and PKCS#1 v1.5 signatures (SHA-1 for the
//! SII's schemes, SHA-256 for certificates).
//!
//! Generation draws every candidate from the forge's [`Rng`], so a seed gives
//! the same keys every time. Signing is deterministic by nature (PKCS#1 v1.5
//! has no salt) and uses the Chinese remainder theorem for speed. These keys
//! are for forged test documents: nothing here tries to resist side channels.

use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::der;
use crate::rng::Rng;

/// Small primes that rule out most candidates before a Miller-Rabin test.
const SMALL_PRIMES: [u32; 53] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251,
];

/// Miller-Rabin rounds per candidate: a composite passes each with
/// probability below 1/4, and these keys only sign test data.
const ROUNDS: usize = 16;

/// The digest a signature is made over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
}

impl Hash {
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => Sha1::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
        }
    }

    /// The algorithm identifier's OID inside PKCS#1's `DigestInfo`.
    fn oid(self) -> &'static [u64] {
        match self {
            Hash::Sha1 => &[1, 3, 14, 3, 2, 26],
            Hash::Sha256 => &[2, 16, 840, 1, 101, 3, 4, 2, 1],
        }
    }
}

/// An RSA private key with its CRT parameters.
#[derive(Debug, Clone)]
pub struct PrivateKey {
    n: BigUint,
    e: BigUint,
    p: BigUint,
    q: BigUint,
    dp: BigUint,
    dq: BigUint,
    q_inv: BigUint,
    /// Length of the modulus in bytes, the length of every signature.
    size: usize,
}

impl PrivateKey {
    /// A key with a modulus of exactly `bits` bits and public exponent `e`
    /// (65537 for signers; the SII's CAF keys use 3).
    pub fn generate(rng: &mut Rng, bits: u64, e: u32) -> Self {
        let e_big = BigUint::from(e);
        let half = bits / 2;
        loop {
            let p = prime(rng, half, e);
            let q = prime(rng, bits - half, e);
            if p == q {
                continue;
            }
            let n = &p * &q;
            if n.bits() != bits {
                continue;
            }
            let one = BigUint::one();
            let p1 = &p - &one;
            let q1 = &q - &one;
            let lambda = p1.lcm(&q1);
            let Some(d) = e_big.modinv(&lambda) else {
                continue;
            };
            let Some(q_inv) = q.modinv(&p) else {
                continue;
            };
            let size = bits.div_ceil(8) as usize;
            return Self {
                dp: &d % &p1,
                dq: &d % &q1,
                n,
                e: e_big,
                p,
                q,
                q_inv,
                size,
            };
        }
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            n: self.n.clone(),
            e: self.e.clone(),
        }
    }

    /// The modulus, big-endian without leading zeros.
    pub fn modulus(&self) -> Vec<u8> {
        self.n.to_bytes_be()
    }

    /// The public exponent, big-endian without leading zeros.
    pub fn exponent(&self) -> Vec<u8> {
        self.e.to_bytes_be()
    }

    /// The PKCS#1 v1.5 signature of `data` with `hash`, `size` bytes long.
    pub fn sign(&self, hash: Hash, data: &[u8]) -> Vec<u8> {
        let digest = hash.digest(data);
        self.sign_digest(hash, &digest)
    }

    fn sign_digest(&self, hash: Hash, digest: &[u8]) -> Vec<u8> {
        // EM = 00 01 FF..FF 00 DigestInfo, as long as the modulus.
        let mut info = der::Writer::new();
        info.sequence(|w| {
            w.sequence(|w| {
                w.oid(hash.oid());
                w.null();
            });
            w.octet_string(digest);
        });
        let info = info.finish();
        let mut em = vec![0xFFu8; self.size];
        em[0] = 0;
        em[1] = 1;
        let start = self.size - info.len();
        em[start - 1] = 0;
        em[start..].copy_from_slice(&info);

        // m^d mod n through the two primes.
        let m = BigUint::from_bytes_be(&em);
        let m1 = (&m % &self.p).modpow(&self.dp, &self.p);
        let m2 = (&m % &self.q).modpow(&self.dq, &self.q);
        let diff = if m1 >= (&m2 % &self.p) {
            &m1 - (&m2 % &self.p)
        } else {
            &m1 + &self.p - (&m2 % &self.p)
        };
        let h = (&self.q_inv * diff) % &self.p;
        let s = m2 + h * &self.q;
        left_pad(&s.to_bytes_be(), self.size)
    }
}

/// An RSA public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    n: BigUint,
    e: BigUint,
}

impl PublicKey {
    /// The modulus, big-endian without leading zeros.
    pub fn modulus(&self) -> Vec<u8> {
        self.n.to_bytes_be()
    }

    /// The public exponent, big-endian without leading zeros.
    pub fn exponent(&self) -> Vec<u8> {
        self.e.to_bytes_be()
    }

    /// Whether `signature` is the PKCS#1 v1.5 signature of `data`. The forge
    /// checks what it signs with this in its own tests.
    #[cfg(test)]
    pub fn verify(&self, hash: Hash, data: &[u8], signature: &[u8]) -> bool {
        let size = self.n.bits().div_ceil(8) as usize;
        if signature.len() != size {
            return false;
        }
        let s = BigUint::from_bytes_be(signature);
        if s >= self.n {
            return false;
        }
        let em = left_pad(&s.modpow(&self.e, &self.n).to_bytes_be(), size);
        let mut info = der::Writer::new();
        info.sequence(|w| {
            w.sequence(|w| {
                w.oid(hash.oid());
                w.null();
            });
            w.octet_string(&hash.digest(data));
        });
        let info = info.finish();
        let Some(start) = size.checked_sub(info.len()) else {
            return false;
        };
        start >= 11
            && em[0] == 0
            && em[1] == 1
            && em[2..start - 1].iter().all(|&b| b == 0xFF)
            && em[start - 1] == 0
            && em[start..] == info[..]
    }
}

fn left_pad(bytes: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size.saturating_sub(bytes.len())];
    out.extend_from_slice(bytes);
    out
}

/// A probable prime of exactly `bits` bits whose `p - 1` is coprime with `e`.
/// The top two bits are set so that the product of two such primes has
/// exactly twice as many bits.
fn prime(rng: &mut Rng, bits: u64, e: u32) -> BigUint {
    let bytes = bits.div_ceil(8) as usize;
    let mut buffer = vec![0u8; bytes];
    loop {
        rng.fill(&mut buffer);
        let mut candidate = BigUint::from_bytes_be(&buffer);
        // Keep exactly `bits` bits, the top two and the lowest set.
        let excess = bytes as u64 * 8 - bits;
        candidate >>= excess;
        candidate.set_bit(bits - 1, true);
        candidate.set_bit(bits - 2, true);
        candidate.set_bit(0, true);

        // Step through odd numbers from the candidate until one passes; the
        // small-prime test is cheap, Miller-Rabin is not.
        for _ in 0..2048 {
            if candidate.bits() != bits {
                break;
            }
            if passes_small_primes(&candidate)
                && (&candidate - 1u32) % e != BigUint::zero()
                && miller_rabin(&candidate, rng)
            {
                return candidate;
            }
            candidate += 2u32;
        }
    }
}

fn passes_small_primes(n: &BigUint) -> bool {
    SMALL_PRIMES.iter().all(|&p| {
        let r = n % p;
        !r.is_zero() || *n == BigUint::from(p)
    })
}

/// Miller-Rabin with random bases drawn from `rng`.
fn miller_rabin(n: &BigUint, rng: &mut Rng) -> bool {
    let one = BigUint::one();
    let two = BigUint::from(2u32);
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    let bytes = n.bits().div_ceil(8) as usize;
    let mut buffer = vec![0u8; bytes];

    'rounds: for _ in 0..ROUNDS {
        rng.fill(&mut buffer);
        // A base in 2..=n-2.
        let a = BigUint::from_bytes_be(&buffer) % (n - 3u32) + &two;
        let mut x = a.modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = x.modpow(&two, n);
            if x == n1 {
                continue 'rounds;
            }
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_sign_and_verify_deterministically() {
        let mut rng = Rng::new(11);
        let key = PrivateKey::generate(&mut rng, 512, 3);
        assert_eq!(key.modulus().len(), 64);
        assert_eq!(key.exponent(), vec![3]);
        let signature = key.sign(Hash::Sha1, b"<DD>x</DD>");
        assert_eq!(signature.len(), 64);
        assert!(key.public().verify(Hash::Sha1, b"<DD>x</DD>", &signature));
        assert!(!key.public().verify(Hash::Sha1, b"<DD>y</DD>", &signature));
        assert_eq!(signature, key.sign(Hash::Sha1, b"<DD>x</DD>"));

        let again = PrivateKey::generate(&mut Rng::new(11), 512, 3);
        assert_eq!(again.modulus(), key.modulus());
    }

    #[test]
    fn small_primes_and_composites_are_told_apart() {
        let mut rng = Rng::new(5);
        let prime = BigUint::from(1_000_000_007u64);
        assert!(miller_rabin(&prime, &mut rng));
        let composite = BigUint::from(1_000_000_007u64 * 998_244_353u64);
        assert!(!miller_rabin(&composite, &mut rng));
    }
}
