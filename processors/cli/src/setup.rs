//! The validator every subcommand builds the same way: the SII schemas of a
//! folder and the trusted CAF certificates.

use std::path::Path;

use anyhow::Context;
use veredicto_schema::Generation;
use veredicto_signature::TrustStore;
use veredicto_validator::Validator;

/// A validator with the schema generation `name` (the newest by default) of
/// `schemas` (`make schemas`'s folder by default) and the certificates in
/// `trust` (none by default: every CAF is then reported untrusted).
///
/// # Errors
///
/// When there are no schemas, or they or the certificates cannot be read.
pub fn validator(
    schemas: Option<&Path>,
    generation: Option<&str>,
    trust: Option<&Path>,
) -> anyhow::Result<Validator> {
    let schemas = schemas.map_or_else(veredicto_schema::default_schema_dir, Path::to_path_buf);
    let dir = match generation {
        Some(name) => schemas.join(name),
        None => veredicto_schema::newest_generation(&schemas).with_context(|| {
            format!(
                "no SII schemas under {} (run `make schemas`)",
                schemas.display()
            )
        })?,
    };
    let generation = Generation::load(&dir)
        .with_context(|| format!("loading the schemas in {}", dir.display()))?;
    let trust = match trust {
        Some(dir) => TrustStore::from_dir(dir)
            .with_context(|| format!("loading trusted certificates from {}", dir.display()))?,
        None => TrustStore::empty(),
    };
    Ok(Validator::new(generation).with_trust(trust))
}
