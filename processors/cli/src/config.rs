//! The processors' configuration: a TOML file, then the environment, then
//! flags, each overriding the one before. With no configuration at all the
//! processors talk to the local stack of `make up`.
//!
//! ```toml
//! [kafka]
//! bootstrap = "broker-1:9092,broker-2:9092"
//! topic_suffix = "staging"          # dte.ingest becomes dte.ingest-staging
//! [kafka.librdkafka]                # passed through to librdkafka as is
//! "security.protocol" = "SASL_SSL"
//! "sasl.password" = "..."           # never logged
//! [cql]
//! contact_points = "scylla-1:9042"
//! keyspace = "veredicto"
//! [processor]
//! instance = "0"                    # stable per instance: the transactional id
//! max_batch = 200                   # most records in one transaction
//! max_wait_ms = 20                  # longest a batch collects records
//! [validator]
//! trust = "/etc/veredicto/trust"
//! [anomaly]
//! model = "/etc/veredicto/models/veredicto-anomaly/1.1.0"
//! [joiner]
//! partial_after_secs = 30
//! keep_for_secs = 3600
//! [http]
//! listen = "0.0.0.0:9464"           # /metrics, /healthz, /readyz; "" for none
//! ```
//!
//! Unknown keys are errors, so a misspelt setting never passes silently.
//! librdkafka settings also come from `VEREDICTO_RDKAFKA_<KEY>` variables,
//! the key upper-cased with dots as underscores
//! (`VEREDICTO_RDKAFKA_SASL_PASSWORD` sets `sasl.password`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// Everything a processor can be told.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub kafka: KafkaConfig,
    pub cql: CqlConfig,
    pub processor: ProcessorConfig,
    pub validator: ValidatorConfig,
    pub anomaly: AnomalyConfig,
    pub joiner: JoinerConfig,
    pub http: HttpConfig,
}

#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    pub bootstrap: String,
    pub topic_suffix: Option<String>,
    /// Raw librdkafka settings, applied last.
    pub librdkafka: BTreeMap<String, String>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            bootstrap: veredicto_runtime::kafka::DEFAULT_BOOTSTRAP.to_owned(),
            topic_suffix: None,
            librdkafka: BTreeMap::new(),
        }
    }
}

/// Secrets in librdkafka settings are shown as `***`.
impl fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: BTreeMap<&str, &str> = self
            .librdkafka
            .iter()
            .map(|(k, v)| (k.as_str(), if is_secret(k) { "***" } else { v.as_str() }))
            .collect();
        f.debug_struct("KafkaConfig")
            .field("bootstrap", &self.bootstrap)
            .field("topic_suffix", &self.topic_suffix)
            .field("librdkafka", &shown)
            .finish()
    }
}

/// Whether a librdkafka setting holds a secret.
fn is_secret(key: &str) -> bool {
    [
        "password",
        "secret",
        "sasl.oauthbearer.config",
        "ssl.key.pem",
        "ssl_key",
        "ssl.keystore",
    ]
    .iter()
    .any(|s| key.contains(s))
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CqlConfig {
    pub contact_points: String,
    pub keyspace: String,
}

impl Default for CqlConfig {
    fn default() -> Self {
        Self {
            contact_points: veredicto_runtime::cql::DEFAULT_CONTACT_POINT.to_owned(),
            keyspace: veredicto_runtime::cql::DEFAULT_KEYSPACE.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessorConfig {
    pub instance: String,
    pub group: Option<String>,
    pub max_batch: usize,
    pub max_wait_ms: u64,
}

impl Default for ProcessorConfig {
    fn default() -> Self {
        Self {
            instance: "0".into(),
            group: None,
            max_batch: 500,
            max_wait_ms: 20,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ValidatorConfig {
    pub trust: Option<PathBuf>,
    pub schemas: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AnomalyConfig {
    pub model: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JoinerConfig {
    pub partial_after_secs: u64,
    pub keep_for_secs: u64,
}

impl Default for JoinerConfig {
    fn default() -> Self {
        Self {
            partial_after_secs: 30,
            keep_for_secs: 3600,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Where `/metrics`, `/healthz` and `/readyz` listen; empty turns them
    /// off. By default 127.0.0.1 on 9464 (validator), 9465 (anomaly) or
    /// 9466 (joiner).
    pub listen: Option<String>,
}

impl Config {
    /// Reads a TOML file.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, is not TOML, or names an unknown key.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration {}", path.display()))?;
        Self::from_toml(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses TOML text.
    ///
    /// # Errors
    ///
    /// When it is not TOML or names an unknown key.
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        Ok(toml::from_str(text)?)
    }

    /// Adds librdkafka settings from `VEREDICTO_RDKAFKA_*` variables.
    pub fn with_environment(mut self, vars: impl Iterator<Item = (String, String)>) -> Self {
        for (name, value) in vars {
            if let Some(key) = name.strip_prefix("VEREDICTO_RDKAFKA_") {
                let key = key.to_ascii_lowercase().replace('_', ".");
                self.kafka.librdkafka.insert(key, value);
            }
        }
        self
    }

    /// The name a topic has in this deployment.
    pub fn topic(&self, base: &str) -> String {
        veredicto_stream::suffixed(base, self.kafka.topic_suffix.as_deref())
    }

    /// The consumer group of processor `name`: the configured one, or
    /// `veredicto-<name>` with the topic suffix, so that deployments sharing
    /// a cluster never share a group.
    pub fn group(&self, name: &str) -> String {
        self.processor
            .group
            .clone()
            .unwrap_or_else(|| self.topic(&format!("veredicto-{name}")))
    }

    /// The transactional id of this instance, also its static member id.
    /// Transactional ids are cluster-wide and a new producer fences any other
    /// with its id, so the id carries the group, not only the instance.
    pub fn transactional_id(&self, name: &str) -> String {
        format!("{}-{}", self.group(name), self.processor.instance)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn nothing_configured_means_the_local_stack() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.kafka.bootstrap, "127.0.0.1:9092");
        assert_eq!(config.cql.contact_points, "127.0.0.1:9042");
        assert_eq!(config.topic("dte.ingest"), "dte.ingest");
    }

    #[test]
    fn a_file_sets_what_it_names_and_nothing_else() {
        let config = Config::from_toml(
            "[kafka]\nbootstrap = \"b:1\"\ntopic_suffix = \"x\"\n\
             [joiner]\npartial_after_secs = 5\n",
        )
        .unwrap();
        assert_eq!(config.kafka.bootstrap, "b:1");
        assert_eq!(config.topic("dte.ingest"), "dte.ingest-x");
        assert_eq!(config.joiner.partial_after_secs, 5);
        assert_eq!(config.joiner.keep_for_secs, 3600);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let error = Config::from_toml("[kafka]\nbootstrapp = \"b:1\"\n").unwrap_err();
        assert!(format!("{error:#}").contains("bootstrapp"), "{error:#}");
        assert!(Config::from_toml("[kakfa]\n").is_err());
    }

    #[test]
    fn librdkafka_settings_come_from_the_environment_and_secrets_are_never_shown() {
        let config = Config::from_toml("[kafka.librdkafka]\n\"sasl.username\" = \"svc\"\n")
            .unwrap()
            .with_environment(
                [
                    (
                        "VEREDICTO_RDKAFKA_SASL_PASSWORD".to_owned(),
                        "hunter2".to_owned(),
                    ),
                    ("HOME".to_owned(), "/root".to_owned()),
                ]
                .into_iter(),
            );
        assert_eq!(config.kafka.librdkafka["sasl.password"], "hunter2");
        assert_eq!(config.kafka.librdkafka.len(), 2);
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("svc"), "{shown}");
    }

    #[test]
    fn deployments_sharing_a_cluster_never_share_a_transactional_id() {
        let plain = Config::default();
        assert_eq!(plain.group("validator"), "veredicto-validator");
        assert_eq!(plain.transactional_id("validator"), "veredicto-validator-0");

        let mut staging = Config::default();
        staging.kafka.topic_suffix = Some("staging".into());
        assert_eq!(
            staging.transactional_id("validator"),
            "veredicto-validator-staging-0"
        );

        let mut named = Config::default();
        named.processor.group = Some("billing".into());
        named.processor.instance = "2".into();
        assert_eq!(named.transactional_id("joiner"), "billing-2");
    }
}
