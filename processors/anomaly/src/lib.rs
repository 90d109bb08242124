//! Anomaly scoring of DTEs against their issuer's own history, as a pure
//! library: no Kafka, no database, no clock.
//!
//! A [`Scorer`] reads an issuer's profile, computes the document's features,
//! judges them with a fitted [`Model`], then records the document in the
//! profile, one DTE at a time in arrival order. Scores depend only on the
//! document's bytes and the issuer's state (time comes from `TmstFirma`,
//! `TSTED` or `FchEmis`), so `veredicto check` and the streaming processor
//! give the same scores, bit for bit.
//!
//! # Layers
//!
//! 1. Facts decide outright: a folio used twice, an IVA that is not the rate
//!    of MntNeto beyond rounding, amounts that do not add up, an FchEmis
//!    after the signature.
//! 2. Every other feature is measured against the issuer's own history
//!    (robust median and MAD in log space, histograms, rates), shrunk towards
//!    population priors while the history is short, and turned into a tail
//!    probability calibrated on the warm-up, with an exponential tail beyond
//!    the largest values seen in training.
//! 3. An isolation forest over the feature vector catches combinations no
//!    single feature explains.
//! 4. The smallest tail probability, corrected for the number looked at, is
//!    the evidence; its own warm-up calibration gives the score in [0, 1],
//!    compared with a threshold per document type. Every flagged document
//!    carries the [`Reason`]s that drove it.
//!
//! # Layout
//!
//! - `extract`: the fields of a DTE that scoring reads; [`NotScorable`].
//! - [`profile`]: [`IssuerProfile`], fixed-size issuer state.
//! - `state`: [`Issuers`], the bounded store, least recently seen evicted.
//! - [`features`]: [`Feature`], [`Priors`], the features and the update.
//! - [`stats`]: rings with median and MAD, calibrated [`Tail`]s.
//! - [`forest`]: the isolation forest on `ndarray`.
//! - `detector`: the layers combined; `reasons`: the words.
//! - [`model`]: [`Model`], saved as `model.json`.
//! - [`scorer`]: [`Scorer`], [`Scored`], [`Outcome`].
//! - [`training`]: fitting a model on a warm-up; [`metrics`]: evaluation.

mod detector;
mod error;
mod extract;
pub mod features;
pub mod forest;
pub mod metrics;
pub mod model;
pub mod profile;
mod reasons;
pub mod scorer;
mod state;
pub mod stats;
mod time;
pub mod training;

pub use error::AnomalyError;
pub use extract::NotScorable;
pub use features::{Feature, NF, Priors};
pub use model::{MODEL_FILE, Model, Thresholds, Training};
pub use profile::IssuerProfile;
pub use reasons::{Reason, amount, tipo_name};
pub use scorer::{FeatureRow, Outcome, Scored, Scorer, judge_row, matrix};
pub use state::Issuers;
pub use stats::Tail;
