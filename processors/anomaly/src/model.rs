//! The fitted model: population priors, the calibrated tail of each feature,
//! the isolation forest, the calibration of the combined evidence and the
//! thresholds per document type. Serialised as `model.json`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::AnomalyError;
use crate::features::{Feature, Priors};
use crate::forest::Forest;
use crate::stats::Tail;

/// The file a model is stored in, inside its folder.
pub const MODEL_FILE: &str = "model.json";

/// Score thresholds: a document is flagged when its score reaches the
/// threshold of its TipoDTE, or the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// For types without their own.
    pub default: f64,
    /// Per TipoDTE.
    pub per_tipo: BTreeMap<String, f64>,
}

impl Thresholds {
    /// The threshold for `tipo`.
    pub fn of(&self, tipo: &str) -> f64 {
        self.per_tipo.get(tipo).copied().unwrap_or(self.default)
    }
}

/// What the model was trained on, for its card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// The stream folder, as given.
    pub stream: String,
    /// Warm-up documents read.
    pub documents: u64,
    /// Documents whose features were used to fit tails and the forest.
    pub fitted_on: u64,
    /// Issuers seen.
    pub issuers: u64,
    /// How the thresholds were chosen.
    pub thresholds: String,
}

/// A fitted anomaly model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Model name, e.g. `veredicto-anomaly`.
    pub name: String,
    /// Model version, e.g. `1.0.0`.
    pub version: String,
    /// Feature names in vector order; checked against this build on load.
    pub features: Vec<String>,
    /// Population priors for issuers with little history.
    pub priors: Priors,
    /// Tail of each feature under normal traffic (facts need none).
    pub tails: Vec<Tail>,
    /// The multivariate layer, when fitted.
    pub forest: Option<Forest>,
    /// Tail of the forest's score.
    pub forest_tail: Tail,
    /// Tail of the combined evidence, which makes the final score.
    pub evidence_tail: Tail,
    /// Thresholds on the score.
    pub thresholds: Thresholds,
    /// Most issuers held in memory by a scorer.
    pub capacity: usize,
    /// What it was trained on.
    pub training: Training,
    #[serde(skip)]
    stamp: String,
}

/// The feature names this build computes.
pub fn feature_names() -> Vec<String> {
    Feature::ALL.iter().map(|f| f.name().to_owned()).collect()
}

impl Model {
    /// A model with default priors and uncalibrated tails: what training
    /// starts from, and enough for tests.
    pub fn untrained(name: &str, version: &str) -> Model {
        let mut model = Model {
            name: name.to_owned(),
            version: version.to_owned(),
            features: feature_names(),
            priors: Priors::default(),
            tails: vec![Tail::default(); Feature::ALL.len()],
            forest: None,
            forest_tail: Tail::default(),
            evidence_tail: Tail::default(),
            thresholds: Thresholds {
                default: 0.999,
                per_tipo: BTreeMap::new(),
            },
            capacity: 1_000_000,
            training: Training::default(),
            stamp: String::new(),
        };
        model.stamp();
        model
    }

    fn stamp(&mut self) {
        self.stamp = format!("{}/{}", self.name, self.version);
    }

    /// `<name>/<version>`, the stamp every score carries.
    #[allow(clippy::misnamed_getters)]
    pub fn version(&self) -> &str {
        &self.stamp
    }

    /// Sets name and version (and so the stamp).
    pub fn rename(&mut self, name: &str, version: &str) {
        self.name = name.to_owned();
        self.version = version.to_owned();
        self.stamp();
    }

    /// Loads `dir/model.json`.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, is not a model, or was fitted on other
    /// features than this build computes.
    pub fn load(dir: impl AsRef<Path>) -> Result<Model, AnomalyError> {
        let path = dir.as_ref().join(MODEL_FILE);
        let bytes = std::fs::read(&path).map_err(|source| AnomalyError::Io {
            path: path.clone(),
            source,
        })?;
        let mut model: Model =
            serde_json::from_slice(&bytes).map_err(|source| AnomalyError::Format {
                path: path.clone(),
                source,
            })?;
        if model.features != feature_names() || model.tails.len() != model.features.len() {
            return Err(AnomalyError::Features {
                path,
                found: model.features,
                expected: feature_names(),
            });
        }
        model.stamp();
        Ok(model)
    }

    /// Writes `dir/model.json`, creating `dir`.
    ///
    /// # Errors
    ///
    /// When the folder or file cannot be written.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), AnomalyError> {
        let dir = dir.as_ref();
        let io = |source| AnomalyError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let text = serde_json::to_string(self).map_err(|source| AnomalyError::Format {
            path: dir.join(MODEL_FILE),
            source,
        })?;
        std::fs::write(dir.join(MODEL_FILE), text).map_err(io)
    }
}
