//! Where tests find their data.
//!
//! - The sample corpus (real DTEs, attack files, the SII's certificates) is
//!   read in place from `../shared/corpus` beside the checkout, or from
//!   `VEREDICTO_CORPUS`. It is never copied into the project.
//! - The SII schemas are fetched by `make schemas` into `schemas/sii/`.
//!
//! A missing folder fails the test that needs it, with the command that
//! brings it: a test that silently skips proves nothing.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared sample corpus.
///
/// # Panics
///
/// When the folder does not exist.
pub fn corpus() -> PathBuf {
    let dir = std::env::var_os("VEREDICTO_CORPUS")
        .map_or_else(|| workspace().join("../shared/corpus"), PathBuf::from);
    assert!(
        dir.is_dir(),
        "the shared corpus is missing at {}",
        dir.display()
    );
    dir
}

/// The files of a corpus folder (e.g. `real/dte`), sorted by name.
///
/// # Panics
///
/// When the folder cannot be read.
pub fn corpus_files(folder: &str) -> Vec<PathBuf> {
    let dir = corpus().join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// The folder of one SII schema generation (`2017`, `2026`).
///
/// # Panics
///
/// When the generation has not been fetched.
pub fn schema_generation(name: &str) -> PathBuf {
    let dir = workspace().join("schemas/sii").join(name);
    assert!(
        dir.is_dir(),
        "{} is missing: run `make schemas`",
        dir.display()
    );
    dir
}
