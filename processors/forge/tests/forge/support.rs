//! Helpers the forge's tests share: scratch folders, libxml2's `xmllint`,
//! the project's validator and signature verifier, set up once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use veredicto_forge::{Forge, ForgeConfig, ForgedDte};
use veredicto_schema::Generation;
use veredicto_signature::TrustStore;
use veredicto_validator::{Validator, Verdict};
use veredicto_xml::Limits;

/// The seed of every test that checks with the shared validator: the test
/// SII's key, and so the trusted certificate, follows from it.
pub const SEED: u64 = 20_250_303;

/// The folder of the newest SII schema generation in the repository.
pub fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/sii/2026")
}

/// A fresh, empty scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("veredicto-forge-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A forge with the shared seed and otherwise `config`.
pub fn forge(config: ForgeConfig) -> Forge {
    Forge::new(ForgeConfig {
        seed: SEED,
        ..config
    })
    .unwrap()
}

/// The trust store for forges of [`SEED`].
pub fn trust() -> &'static TrustStore {
    static TRUST: OnceLock<TrustStore> = OnceLock::new();
    TRUST.get_or_init(|| {
        let mut store = TrustStore::empty();
        let forge = forge(ForgeConfig::default());
        store
            .insert_certificate("100", forge.trust_certificate())
            .unwrap();
        store
    })
}

/// The project's validator, 2026 schemas, trusting the SII of [`SEED`].
pub fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let generation = Generation::load(&schema_dir()).unwrap();
        Validator::new(generation).with_trust(trust().clone())
    })
}

/// The verdicts of one file's bytes.
pub fn check(bytes: &[u8], name: &str) -> Vec<Verdict> {
    validator().check(bytes, name)
}

/// The codes of a verdict's findings.
pub fn codes(verdict: &Verdict) -> Vec<String> {
    verdict.findings.iter().map(|f| f.code.clone()).collect()
}

/// Reads forged bytes as the validator does.
pub fn parse(bytes: &[u8]) -> veredicto_xml::Document {
    veredicto_xml::parse(bytes, &Limits::default()).unwrap().0
}

/// Runs `xmllint --schema` on `files`; the files that fail, with the tool's
/// complaint.
pub fn xmllint(schema: &str, files: &[PathBuf]) -> Vec<(PathBuf, String)> {
    if files.is_empty() {
        return Vec::new();
    }
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema_dir().join(schema))
        .args(files)
        .output()
        .expect("xmllint is installed (libxml2-utils)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    files
        .iter()
        .filter(|f| {
            let name = f.display().to_string();
            !stderr.contains(&format!("{name} validates"))
        })
        .map(|f| {
            let name = f.display().to_string();
            let complaint = stderr
                .lines()
                .filter(|l| l.starts_with(&name))
                .collect::<Vec<_>>()
                .join("\n");
            (f.clone(), complaint)
        })
        .collect()
}

/// Writes a DTE alone into `dir` as `name` and returns its path.
pub fn write(dir: &Path, name: &str, dte: &ForgedDte) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, dte.to_bytes().unwrap()).unwrap();
    path
}
