//! What can go wrong while forging: a configuration that cannot be met, a
//! defect asked of a document it cannot apply to, forged text the XML
//! reader refuses (a bug here, reported rather than hidden), or the disk.

use std::path::PathBuf;

use crate::defect::Defect;
use crate::tipo::TipoDte;
use crate::xml::NotLatin1;

/// Why forging failed.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error("invalid forge configuration: {0}")]
    Config(String),
    #[error("the defect {defect} cannot apply to a document of type {tipo}")]
    DefectNotApplicable { defect: Defect, tipo: TipoDte },
    #[error("the forged XML could not be read back to canonicalise it: {0}")]
    Reread(#[from] veredicto_xml::ReadError),
    #[error("the forged XML has no element with ID {0:?} to sign")]
    MissingId(String),
    #[error("a forged text cannot be encoded: {0}")]
    Encoding(#[from] NotLatin1),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}
