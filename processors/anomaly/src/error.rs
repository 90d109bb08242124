//! Errors of the anomaly library: only loading and saving a model can fail;
//! scoring never does (a document that cannot be read is a result, see
//! [`crate::NotScorable`]).

use std::path::PathBuf;

/// Why a model could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum AnomalyError {
    /// The model file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The model file is not a model.
    #[error("{path}: not a model: {source}")]
    Format {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The model was fitted on other features than this build computes.
    #[error("{path}: fitted on features {found:?}, this build computes {expected:?}")]
    Features {
        path: PathBuf,
        found: Vec<String>,
        expected: Vec<String>,
    },
}
