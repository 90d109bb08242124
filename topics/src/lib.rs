//! The Kafka topics of veredicto.
//!
//! `topics.toml`, beside this crate's manifest, declares every topic: its
//! partitions, cleanup policy, retention, the contract of its key and value, and
//! which processor owns it. The constants below are the only way the code names
//! a topic; a test checks that they and the declarations agree, and that no
//! other `dte.*` name appears in the workspace's sources.

use std::collections::BTreeMap;

use serde::Deserialize;

/// DTE and envelope XML as issued, keyed by RUTEmisor.
pub const INGEST: &str = "dte.ingest";
/// One validation result per document, keyed by RUTEmisor.
pub const VALIDATION: &str = "dte.validation";
/// One anomaly result per document, keyed by RUTEmisor.
pub const ANOMALY: &str = "dte.anomaly";
/// The current verdict per document, compacted, keyed by document id and digest.
pub const VERDICTS: &str = "dte.verdicts";
/// Input that cannot be attributed to a document, with the reason in headers.
pub const DLQ: &str = "dte.dlq";
/// Changelog of the anomaly scorer's issuer profiles.
pub const ANOMALY_PROFILES: &str = "dte.anomaly.profiles";
/// Changelog of the joiner's pending halves.
pub const JOINER_PENDING: &str = "dte.joiner.pending";

/// Every topic name the code uses.
pub const ALL: [&str; 7] = [
    INGEST,
    VALIDATION,
    ANOMALY,
    VERDICTS,
    DLQ,
    ANOMALY_PROFILES,
    JOINER_PENDING,
];

/// The declarations, as committed.
pub const DECLARATIONS: &str = include_str!("../topics.toml");

/// What can be wrong with a set of declarations.
#[derive(Debug, thiserror::Error)]
pub enum DeclarationError {
    #[error("topics.toml does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("topic {0} is declared twice")]
    Duplicate(String),
    #[error("co-partitioned topics disagree on partitions: {0}")]
    CoPartitioning(String),
    #[error("topic {name}: {problem}")]
    Invalid { name: String, problem: String },
}

/// How Kafka disposes of old records of a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CleanupPolicy {
    /// Records older than the retention are deleted.
    Delete,
    /// Only the latest record per key is kept.
    Compact,
}

impl CleanupPolicy {
    /// The value of the broker's `cleanup.policy` setting.
    pub fn as_kafka(self) -> &'static str {
        match self {
            CleanupPolicy::Delete => "delete",
            CleanupPolicy::Compact => "compact",
        }
    }
}

/// One declared topic, with the defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    pub cleanup_policy: CleanupPolicy,
    pub retention_ms: Option<i64>,
    pub min_compaction_lag_ms: Option<i64>,
    pub max_message_bytes: Option<i64>,
    pub key: String,
    pub value: String,
    pub owner: String,
    /// Keyed like `dte.ingest`; must keep its partition count.
    pub co_partitioned: bool,
}

impl TopicSpec {
    /// The broker settings this declaration fixes, by their Kafka names.
    pub fn configs(&self) -> BTreeMap<&'static str, String> {
        let mut configs = BTreeMap::new();
        configs.insert("cleanup.policy", self.cleanup_policy.as_kafka().to_owned());
        if let Some(ms) = self.retention_ms {
            configs.insert("retention.ms", ms.to_string());
        }
        if let Some(ms) = self.min_compaction_lag_ms {
            configs.insert("min.compaction.lag.ms", ms.to_string());
        }
        if let Some(bytes) = self.max_message_bytes {
            configs.insert("max.message.bytes", bytes.to_string());
        }
        configs
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    defaults: Defaults,
    topic: Vec<RawTopic>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    partitions: i32,
    replication_factor: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    name: String,
    partitions: Option<i32>,
    replication_factor: Option<i32>,
    cleanup_policy: CleanupPolicy,
    retention_ms: Option<i64>,
    min_compaction_lag_ms: Option<i64>,
    max_message_bytes: Option<i64>,
    key: String,
    value: String,
    owner: String,
    #[serde(default)]
    co_partitioned: bool,
}

/// The committed declarations, checked.
///
/// # Errors
///
/// When `topics.toml` does not parse or breaks one of its own rules.
pub fn declared() -> Result<Vec<TopicSpec>, DeclarationError> {
    parse(DECLARATIONS)
}

/// Reads and checks a set of declarations in the format of `topics.toml`.
///
/// # Errors
///
/// When the text does not parse, names a topic twice, declares a count below
/// one, or gives co-partitioned topics different partition counts.
pub fn parse(text: &str) -> Result<Vec<TopicSpec>, DeclarationError> {
    let file: File = toml::from_str(text)?;
    let mut specs: Vec<TopicSpec> = Vec::with_capacity(file.topic.len());
    for raw in file.topic {
        if specs.iter().any(|s| s.name == raw.name) {
            return Err(DeclarationError::Duplicate(raw.name));
        }
        let spec = TopicSpec {
            partitions: raw.partitions.unwrap_or(file.defaults.partitions),
            replication_factor: raw
                .replication_factor
                .unwrap_or(file.defaults.replication_factor),
            name: raw.name,
            cleanup_policy: raw.cleanup_policy,
            retention_ms: raw.retention_ms,
            min_compaction_lag_ms: raw.min_compaction_lag_ms,
            max_message_bytes: raw.max_message_bytes,
            key: raw.key,
            value: raw.value,
            owner: raw.owner,
            co_partitioned: raw.co_partitioned,
        };
        if spec.partitions < 1 || spec.replication_factor < 1 {
            return Err(DeclarationError::Invalid {
                name: spec.name,
                problem: "partitions and replication_factor must be at least 1".into(),
            });
        }
        specs.push(spec);
    }

    let counts: Vec<String> = specs
        .iter()
        .filter(|s| s.co_partitioned)
        .map(|s| format!("{}={}", s.name, s.partitions))
        .collect();
    let mut partition_counts = specs
        .iter()
        .filter(|s| s.co_partitioned)
        .map(|s| s.partitions);
    if let Some(first) = partition_counts.next()
        && partition_counts.any(|p| p != first)
    {
        return Err(DeclarationError::CoPartitioning(counts.join(", ")));
    }
    Ok(specs)
}

/// The declarations with every partition count replaced, for a deployment that
/// runs more (or fewer) instances than the default.
pub fn with_partitions(specs: &[TopicSpec], partitions: i32) -> Vec<TopicSpec> {
    specs
        .iter()
        .map(|s| TopicSpec {
            partitions,
            ..s.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    #[test]
    fn code_and_declarations_name_the_same_topics() {
        let declared: BTreeSet<String> = declared().unwrap().into_iter().map(|s| s.name).collect();
        let in_code: BTreeSet<String> = ALL.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(declared, in_code);
    }

    /// Any string literal that looks like one of our topics, anywhere in the
    /// workspace's Rust sources, must be declared. This file is left out: it
    /// defines the constants, and its tests quote made-up names on purpose.
    #[test]
    fn sources_name_no_undeclared_topic() {
        let declared: BTreeSet<String> = declared().unwrap().into_iter().map(|s| s.name).collect();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut undeclared = Vec::new();
        for dir in ["processors", "topics", "integration"] {
            scan(&root.join(dir), &declared, &mut undeclared);
        }
        assert!(
            undeclared.is_empty(),
            "undeclared topic names: {undeclared:?}"
        );
    }

    fn scan(dir: &Path, declared: &BTreeSet<String>, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                scan(&path, declared, found);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with(file!()) {
                let text = std::fs::read_to_string(&path).unwrap();
                for name in topic_literals(&text) {
                    if !declared.contains(&name) {
                        found.push(format!("{}: {name}", path.display()));
                    }
                }
            }
        }
    }

    /// `"dte.something"` literals, the shape every topic name has.
    fn topic_literals(text: &str) -> Vec<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                s.starts_with("dte.")
                    && s.len() > 4
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
            })
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn literal_scanner_finds_topic_names() {
        let text = r#"let a = "dte.ingest"; let b = "other"; let c = "dte.unknown.topic";"#;
        assert_eq!(topic_literals(text), ["dte.ingest", "dte.unknown.topic"]);
    }

    #[test]
    fn co_partitioned_topics_must_agree() {
        let text = r#"
            [defaults]
            partitions = 6
            replication_factor = 1
            [[topic]]
            name = "a"
            cleanup_policy = "delete"
            key = "k"
            value = "v"
            owner = "o"
            co_partitioned = true
            [[topic]]
            name = "b"
            partitions = 3
            cleanup_policy = "delete"
            key = "k"
            value = "v"
            owner = "o"
            co_partitioned = true
        "#;
        assert!(matches!(
            parse(text),
            Err(DeclarationError::CoPartitioning(_))
        ));
    }

    #[test]
    fn unknown_keys_and_duplicates_are_refused() {
        let base = "[defaults]\npartitions = 1\nreplication_factor = 1\n";
        let topic = "[[topic]]\nname = \"a\"\ncleanup_policy = \"delete\"\n\
                     key = \"k\"\nvalue = \"v\"\nowner = \"o\"\n";
        let typo = format!("{base}{topic}retension_ms = 5\n");
        assert!(matches!(parse(&typo), Err(DeclarationError::Parse(_))));
        let twice = format!("{base}{topic}{topic}");
        assert!(matches!(parse(&twice), Err(DeclarationError::Duplicate(_))));
    }

    #[test]
    fn configs_follow_the_declaration() {
        let specs = declared().unwrap();
        let verdicts = specs.iter().find(|s| s.name == VERDICTS).unwrap();
        assert_eq!(verdicts.configs()["cleanup.policy"], "compact");
        let ingest = specs.iter().find(|s| s.name == INGEST).unwrap();
        assert_eq!(ingest.configs()["cleanup.policy"], "delete");
        assert!(ingest.configs().contains_key("retention.ms"));
    }
}
