//! Shared helpers: endpoints and unique names.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use veredicto_runtime::kafka::{DEFAULT_BOOTSTRAP, KafkaSettings};

pub fn kafka() -> KafkaSettings {
    KafkaSettings::new(
        std::env::var("VEREDICTO_KAFKA_BOOTSTRAP").unwrap_or_else(|_| DEFAULT_BOOTSTRAP.into()),
    )
}

pub fn cql_contact_points() -> String {
    std::env::var("VEREDICTO_CQL")
        .unwrap_or_else(|_| veredicto_runtime::cql::DEFAULT_CONTACT_POINT.into())
}

/// A name no other test or earlier run has used, safe for topics, groups
/// and (with `_` separators) keyspaces.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// A small seeded generator (xorshift) for kill times and choices.
pub fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

pub async fn create_topic(name: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = kafka().client().create().unwrap();
    let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(15)));
    for result in admin.create_topics([&topic], &options).await.unwrap() {
        result.unwrap();
    }
}
