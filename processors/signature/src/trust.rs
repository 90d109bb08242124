//! The SII's CAF-signing keys, by key id (`IDK`): 100 signs certification CAFs,
//! 300 production ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::crypto::{self, KeyError, RsaKey};

/// Why a trust store could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no usable certificate: {source}")]
    Certificate { path: PathBuf, source: KeyError },
}

/// The SII keys CAF signatures are checked with.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    keys: HashMap<String, RsaKey>,
}

impl TrustStore {
    /// A store that trusts nothing: every CAF comes out
    /// [`crate::CafOutcome::Untrusted`].
    pub fn empty() -> Self {
        Self::default()
    }

    /// Loads every `<IDK>.cer` in `dir` (DER or PEM); other files are ignored.
    ///
    /// # Errors
    ///
    /// [`TrustError::Io`] when the folder or a file cannot be read,
    /// [`TrustError::Certificate`] when a `.cer` file holds no RSA key.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, TrustError> {
        let dir = dir.as_ref();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TrustError::Io { path, source }
        };
        let mut store = Self::empty();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            let is_certificate = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("cer"));
            let Some(idk) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !is_certificate {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            let idk = idk.to_owned();
            store
                .insert_certificate(idk, &bytes)
                .map_err(|source| TrustError::Certificate {
                    path: path.clone(),
                    source,
                })?;
        }
        Ok(store)
    }

    /// Trusts the key of `certificate` (DER or PEM) for CAFs naming `idk`.
    ///
    /// # Errors
    ///
    /// A [`KeyError`] when no RSA key can be read from it.
    pub fn insert_certificate(
        &mut self,
        idk: impl Into<String>,
        certificate: &[u8],
    ) -> Result<(), KeyError> {
        let key = match pem_body(certificate) {
            Some(body) => {
                let der = crypto::decode_base64(body).ok_or(KeyError::Base64("the PEM body"))?;
                RsaKey::from_certificate(&der)?
            }
            None => RsaKey::from_certificate(certificate)?,
        };
        self.keys.insert(idk.into(), key);
        Ok(())
    }

    /// Trusts `key` for CAFs naming `idk`.
    pub fn insert_key(&mut self, idk: impl Into<String>, key: RsaKey) {
        self.keys.insert(idk.into(), key);
    }

    /// The key for `idk`, if trusted.
    pub fn key(&self, idk: &str) -> Option<&RsaKey> {
        self.keys.get(idk)
    }

    /// How many key ids are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The base64 between `-----BEGIN ...-----` and `-----END ...-----`, when the
/// bytes are PEM.
fn pem_body(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?.trim_start();
    let rest = text.strip_prefix("-----BEGIN ")?;
    let body_start = rest.find('\n')? + 1;
    let body = &rest[body_start..];
    let end = body.find("-----END ")?;
    Some(&body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_body_is_found() {
        let pem = b"-----BEGIN CERTIFICATE-----\nQUJD\nREVG\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_body(pem), Some("QUJD\nREVG\n"));
        assert_eq!(pem_body(b"\x30\x82\x01"), None);
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let error = TrustStore::from_dir("/nonexistent/veredicto/certs").unwrap_err();
        assert!(matches!(error, TrustError::Io { .. }));
        assert!(TrustStore::empty().key("300").is_none());
    }
}
