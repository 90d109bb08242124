//! The streaming processors, each a thin [`Transform`] over a pure library:
//!
//! - [`validator`]: `dte.ingest` to `dte.validation` (and `dte.dlq`).
//! - [`anomaly`]: `dte.ingest` to `dte.anomaly`, with issuer profiles in a
//!   changelog.
//! - [`joiner`]: `dte.validation` and `dte.anomaly` to `dte.verdicts` and the
//!   database ([`store`]), with its pending halves in a changelog.
//! - [`replay`]: re-judges a time range of `dte.ingest` with another model,
//!   issuing new verdict revisions.
//! - [`events`]: the records they exchange.
//!
//! The transactional loop that runs them is
//! [`veredicto_runtime::processor::run`].
//!
//! [`Transform`]: veredicto_runtime::processor::Transform

pub mod anomaly;
pub mod events;
pub mod joiner;
pub mod replay;
pub mod store;
pub mod validator;

/// The topics a deployment uses; tests give each run topics of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    pub ingest: String,
    pub validation: String,
    pub anomaly: String,
    pub verdicts: String,
    pub dlq: String,
}

impl Default for Topics {
    fn default() -> Self {
        Self {
            ingest: veredicto_topics::INGEST.to_owned(),
            validation: veredicto_topics::VALIDATION.to_owned(),
            anomaly: veredicto_topics::ANOMALY.to_owned(),
            verdicts: veredicto_topics::VERDICTS.to_owned(),
            dlq: veredicto_topics::DLQ.to_owned(),
        }
    }
}

impl Topics {
    /// The topics with `-SUFFIX` appended to every name (none when the
    /// suffix is absent or empty), to run beside another deployment.
    pub fn with_suffix(suffix: Option<&str>) -> Self {
        let base = Self::default();
        Self {
            ingest: suffixed(&base.ingest, suffix),
            validation: suffixed(&base.validation, suffix),
            anomaly: suffixed(&base.anomaly, suffix),
            verdicts: suffixed(&base.verdicts, suffix),
            dlq: suffixed(&base.dlq, suffix),
        }
    }
}

/// `name-SUFFIX`, or `name` when the suffix is absent or empty.
pub fn suffixed(name: &str, suffix: Option<&str>) -> String {
    match suffix.filter(|s| !s.is_empty()) {
        Some(suffix) => format!("{name}-{suffix}"),
        None => name.to_owned(),
    }
}

/// Names this build in dead letters and logs.
pub const PROCESSOR_VERSION: &str = concat!("veredicto/", env!("CARGO_PKG_VERSION"));
