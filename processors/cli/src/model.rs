//! Where the anomaly model comes from when none is named.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use veredicto_anomaly::Model;

/// The model family shipped in `models/`.
pub const DEFAULT_MODEL: &str = "veredicto-anomaly";

/// `$VEREDICTO_MODEL`, or the newest version of `models/veredicto-anomaly/`
/// in the checkout the command runs in.
pub fn default_model_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("VEREDICTO_MODEL") {
        return Some(PathBuf::from(dir));
    }
    let start = std::env::current_dir().ok()?;
    let family = start
        .ancestors()
        .map(|a| a.join("models").join(DEFAULT_MODEL))
        .find(|p| p.is_dir())?;
    newest_version(&family)
}

/// The version folder with the highest dotted number (`1.10.0` after `1.9.2`).
fn newest_version(family: &Path) -> Option<PathBuf> {
    let key = |p: &PathBuf| -> Vec<u64> {
        p.file_name()
            .map(|n| {
                n.to_string_lossy()
                    .split('.')
                    .map(|part| part.parse().unwrap_or(0))
                    .collect()
            })
            .unwrap_or_default()
    };
    std::fs::read_dir(family)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(veredicto_anomaly::MODEL_FILE).is_file())
        .max_by_key(key)
}

/// Loads the model in `dir`, or the default one.
///
/// # Errors
///
/// When there is no model, or it cannot be read.
pub fn load(dir: Option<&Path>) -> anyhow::Result<Arc<Model>> {
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => default_model_dir().context(
            "no anomaly model: pass --model DIR, or run from a checkout with \
             models/veredicto-anomaly/",
        )?,
    };
    let model =
        Model::load(&dir).with_context(|| format!("loading the model in {}", dir.display()))?;
    Ok(Arc::new(model))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_newest_version_is_chosen_by_number() {
        let dir = std::env::temp_dir().join(format!("veredicto-models-{}", std::process::id()));
        for version in ["1.9.2", "1.10.0", "1.2.0"] {
            let d = dir.join(version);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(veredicto_anomaly::MODEL_FILE), "{}").unwrap();
        }
        std::fs::create_dir_all(dir.join("9.9.9")).unwrap(); // no model file
        assert_eq!(newest_version(&dir).unwrap(), dir.join("1.10.0"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
