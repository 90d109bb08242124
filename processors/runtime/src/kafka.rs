//! Kafka client settings.
//!
//! Every producer uses librdkafka's `murmur2_random` partitioner, the one the
//! Java client uses: records keyed by RUTEmisor land on the same partition
//! whichever system produced them, which co-partitioning depends on.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

/// The broker the local stack (`make up`) listens on.
pub const DEFAULT_BOOTSTRAP: &str = "127.0.0.1:9092";

/// Where to find the brokers, and any raw librdkafka settings to pass through.
#[derive(Debug, Clone)]
pub struct KafkaSettings {
    /// Comma-separated `host:port` list.
    pub bootstrap_servers: String,
    /// librdkafka's own dotted keys, applied last.
    pub librdkafka: BTreeMap<String, String>,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        Self {
            bootstrap_servers: DEFAULT_BOOTSTRAP.to_owned(),
            librdkafka: BTreeMap::new(),
        }
    }
}

impl KafkaSettings {
    /// Settings for a broker list, with nothing passed through.
    pub fn new(bootstrap_servers: impl Into<String>) -> Self {
        Self {
            bootstrap_servers: bootstrap_servers.into(),
            librdkafka: BTreeMap::new(),
        }
    }

    /// A client configuration with only the common settings.
    pub fn client(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap_servers);
        for (key, value) in &self.librdkafka {
            config.set(key, value);
        }
        config
    }

    /// A producer configuration: idempotent, and partitioning keys like the
    /// Java client. Pass-through keys still win.
    pub fn producer(&self) -> ClientConfig {
        let mut config = self.client();
        config.set("partitioner", "murmur2_random");
        config.set("enable.idempotence", "true");
        self.reapply(&mut config);
        config
    }

    /// A transactional producer with the given stable id: a restarted instance
    /// with the same id fences its predecessor's unfinished transaction.
    pub fn transactional_producer(&self, transactional_id: &str) -> ClientConfig {
        let mut config = self.producer();
        config.set("transactional.id", transactional_id);
        // A transaction begun right after a commit often meets the
        // coordinator still finishing that commit (CONCURRENT_TRANSACTIONS)
        // and is retried after this back-off, which grows exponentially up
        // to `retry.backoff.max.ms`; librdkafka's 100 ms start would sit in
        // the latency of nearly every transaction.
        config.set("retry.backoff.ms", "10");
        self.reapply(&mut config);
        config
    }

    /// A consumer that sees only committed records and commits offsets itself
    /// (through a producer's transaction, or explicitly).
    pub fn consumer(&self, group_id: &str) -> ClientConfig {
        let mut config = self.client();
        config.set("group.id", group_id);
        config.set("isolation.level", "read_committed");
        config.set("enable.auto.commit", "false");
        config.set("auto.offset.reset", "earliest");
        // librdkafka pre-fetches up to 64 MiB per consumer by default; keep
        // memory bounded by what one processor can work through.
        config.set("queued.max.messages.kbytes", "16384");
        // A read_committed fetch can wait out its whole wait time before
        // committed records are returned; every processor hop pays it, so
        // it is kept short (librdkafka's default is 500 ms).
        config.set("fetch.wait.max.ms", "10");
        self.reapply(&mut config);
        config
    }

    fn reapply(&self, config: &mut ClientConfig) {
        for (key, value) in &self.librdkafka {
            config.set(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producers_partition_like_the_java_client() {
        let settings = KafkaSettings::default();
        assert_eq!(
            settings.producer().get("partitioner"),
            Some("murmur2_random")
        );
        let tx = settings.transactional_producer("validator-0");
        assert_eq!(tx.get("transactional.id"), Some("validator-0"));
        assert_eq!(tx.get("partitioner"), Some("murmur2_random"));
    }

    #[test]
    fn consumers_read_committed_and_commit_themselves() {
        let config = KafkaSettings::default().consumer("g");
        assert_eq!(config.get("isolation.level"), Some("read_committed"));
        assert_eq!(config.get("enable.auto.commit"), Some("false"));
    }

    #[test]
    fn pass_through_keys_win() {
        let mut settings = KafkaSettings::new("broker:9092");
        settings
            .librdkafka
            .insert("queued.max.messages.kbytes".into(), "1024".into());
        let config = settings.consumer("g");
        assert_eq!(config.get("queued.max.messages.kbytes"), Some("1024"));
        assert_eq!(config.get("bootstrap.servers"), Some("broker:9092"));
    }
}
