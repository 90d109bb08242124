//! Creating the declared topics on a broker, and describing what it has.
//!
//! `apply` is idempotent: a topic that is missing is created, one whose
//! settings drifted is brought back to the declaration (keeping any other
//! setting an operator gave it), and one that already matches is left alone.
//! A partition count that differs is never changed: for keyed, co-partitioned
//! topics that would send an issuer's documents to another partition.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{
    AdminClient, AdminOptions, AlterConfig, ConfigSource, NewTopic, ResourceSpecifier,
    TopicReplication,
};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use veredicto_topics::TopicSpec;

use crate::kafka::KafkaSettings;

/// Why talking to the broker about topics failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("cannot reach the Kafka brokers: {0}")]
    Client(#[from] KafkaError),
    #[error("the broker refused to {action} topic {topic}: {code}")]
    Refused {
        action: &'static str,
        topic: String,
        code: RDKafkaErrorCode,
    },
    #[error("a blocking metadata call did not finish: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// What `apply` did to one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Created,
    /// Settings brought back to the declaration: `(name, from, to)`.
    Updated(Vec<(String, Option<String>, String)>),
    Unchanged,
    /// The broker's partition count differs; left as it is.
    PartitionsDiffer {
        declared: i32,
        actual: i32,
    },
}

/// One topic as the broker has it.
#[derive(Debug, Clone)]
pub struct Described {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    /// Settings given to the topic itself rather than inherited from the broker.
    pub configs: BTreeMap<String, String>,
}

/// An admin client with the timeouts the CLI and the tests want.
pub struct TopicAdmin {
    admin: Arc<AdminClient<DefaultClientContext>>,
    timeout: Duration,
}

impl std::fmt::Debug for TopicAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicAdmin")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TopicAdmin {
    /// # Errors
    ///
    /// When the client cannot be created from the settings.
    pub fn new(settings: &KafkaSettings, timeout: Duration) -> Result<Self, AdminError> {
        let admin = settings.client().create()?;
        Ok(Self {
            admin: Arc::new(admin),
            timeout,
        })
    }

    fn options(&self) -> AdminOptions {
        AdminOptions::new()
            .request_timeout(Some(self.timeout))
            .operation_timeout(Some(self.timeout))
    }

    /// Topic names and partition counts known to the broker, optionally only
    /// the one named. Metadata calls block, so they run off the executor.
    async fn partitions(
        &self,
        topic: Option<&str>,
    ) -> Result<BTreeMap<String, (i32, i32)>, AdminError> {
        let admin = Arc::clone(&self.admin);
        let topic = topic.map(str::to_owned);
        let timeout = self.timeout;
        let metadata = tokio::task::spawn_blocking(move || {
            admin.inner().fetch_metadata(topic.as_deref(), timeout)
        })
        .await??;
        Ok(metadata
            .topics()
            .iter()
            .filter(|t| t.error().is_none() && !t.partitions().is_empty())
            .map(|t| {
                let replicas = t.partitions().first().map_or(0, |p| p.replicas().len());
                (
                    t.name().to_owned(),
                    (t.partitions().len() as i32, replicas as i32),
                )
            })
            .collect())
    }

    /// The settings given to a topic itself (not inherited defaults).
    async fn topic_configs(&self, topic: &str) -> Result<BTreeMap<String, String>, AdminError> {
        let results = self
            .admin
            .describe_configs(&[ResourceSpecifier::Topic(topic)], &self.options())
            .await?;
        let mut configs = BTreeMap::new();
        for result in results {
            let resource = result.map_err(|code| AdminError::Refused {
                action: "describe",
                topic: topic.to_owned(),
                code,
            })?;
            for entry in resource.entries {
                if entry.source == ConfigSource::DynamicTopic
                    && let Some(value) = entry.value
                {
                    configs.insert(entry.name, value);
                }
            }
        }
        Ok(configs)
    }

    /// Brings the broker in line with the declarations; see the module docs.
    ///
    /// # Errors
    ///
    /// When the broker cannot be reached or refuses a change.
    pub async fn apply(&self, specs: &[TopicSpec]) -> Result<Vec<(String, Applied)>, AdminError> {
        let existing = self.partitions(None).await?;
        let mut report = Vec::with_capacity(specs.len());
        for spec in specs {
            let mut actual = existing.get(&spec.name).map(|&(p, _)| p);
            if actual.is_none() {
                if self.create(spec).await? {
                    report.push((spec.name.clone(), Applied::Created));
                    continue;
                }
                // It exists after all: the broker's metadata lagged behind.
                actual = self
                    .partitions(Some(&spec.name))
                    .await?
                    .get(&spec.name)
                    .map(|&(p, _)| p);
            }
            let applied = match actual {
                Some(actual) if actual != spec.partitions => Applied::PartitionsDiffer {
                    declared: spec.partitions,
                    actual,
                },
                _ => self.reconcile(spec).await?,
            };
            report.push((spec.name.clone(), applied));
        }
        let created: Vec<&str> = report
            .iter()
            .filter(|(_, a)| *a == Applied::Created)
            .map(|(name, _)| name.as_str())
            .collect();
        self.wait_visible(&created).await?;
        Ok(report)
    }

    /// Waits until the broker's metadata lists every named topic, so that a
    /// `describe` or a producer right after `apply` finds them.
    async fn wait_visible(&self, names: &[&str]) -> Result<(), AdminError> {
        let deadline = std::time::Instant::now() + self.timeout;
        loop {
            let known = self.partitions(None).await?;
            if names.iter().all(|n| known.contains_key(*n)) || std::time::Instant::now() > deadline
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Creates a topic; `false` when it already existed.
    async fn create(&self, spec: &TopicSpec) -> Result<bool, AdminError> {
        let configs = spec.configs();
        let mut topic = NewTopic::new(
            &spec.name,
            spec.partitions,
            TopicReplication::Fixed(spec.replication_factor),
        );
        for (key, value) in &configs {
            topic = topic.set(key, value);
        }
        for result in self.admin.create_topics([&topic], &self.options()).await? {
            match result {
                Ok(_) => {}
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => return Ok(false),
                Err((_, code)) => {
                    return Err(AdminError::Refused {
                        action: "create",
                        topic: spec.name.clone(),
                        code,
                    });
                }
            }
        }
        Ok(true)
    }

    async fn reconcile(&self, spec: &TopicSpec) -> Result<Applied, AdminError> {
        let current = self.topic_configs(&spec.name).await?;
        let changes: Vec<(String, Option<String>, String)> = spec
            .configs()
            .into_iter()
            .filter(|(key, value)| current.get(*key) != Some(value))
            .map(|(key, value)| (key.to_owned(), current.get(key).cloned(), value))
            .collect();
        if changes.is_empty() {
            return Ok(Applied::Unchanged);
        }

        // AlterConfigs replaces the topic's whole set, so carry over the
        // settings it already has and overlay the declared ones.
        let mut wanted = current.clone();
        for (key, _, value) in &changes {
            wanted.insert(key.clone(), value.clone());
        }
        let mut alter = AlterConfig::new(ResourceSpecifier::Topic(&spec.name));
        for (key, value) in &wanted {
            alter = alter.set(key, value);
        }
        for result in self.admin.alter_configs([&alter], &self.options()).await? {
            result.map_err(|(_, code)| AdminError::Refused {
                action: "alter",
                topic: spec.name.clone(),
                code,
            })?;
        }
        Ok(Applied::Updated(changes))
    }

    /// The named topics as the broker has them; missing ones are left out.
    ///
    /// # Errors
    ///
    /// When the broker cannot be reached.
    pub async fn describe(&self, names: &[&str]) -> Result<Vec<Described>, AdminError> {
        let existing = self.partitions(None).await?;
        let mut described = Vec::new();
        for name in names {
            if let Some(&(partitions, replication_factor)) = existing.get(*name) {
                described.push(Described {
                    name: (*name).to_owned(),
                    partitions,
                    replication_factor,
                    configs: self.topic_configs(name).await?,
                });
            }
        }
        Ok(described)
    }
}
