//! `veredicto topics apply` against the real broker: it creates what is
//! missing, repairs drifted settings, and a second run changes nothing.

use std::time::Duration;

use veredicto_runtime::topics::{Applied, TopicAdmin};
use veredicto_topics::{CleanupPolicy, TopicSpec};

use crate::util::{kafka, unique};

fn admin() -> TopicAdmin {
    TopicAdmin::new(&kafka(), Duration::from_secs(15)).unwrap()
}

/// The declarations under names of this test's own, so it never touches the
/// real topics of a running stack.
fn renamed_declarations() -> Vec<TopicSpec> {
    let run = unique("it_topics");
    veredicto_topics::declared()
        .unwrap()
        .into_iter()
        .map(|spec| TopicSpec {
            name: format!("{run}-{}", spec.name.replace('.', "_")),
            ..spec
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_creates_then_changes_nothing() {
    let admin = admin();
    let specs = renamed_declarations();

    let first = admin.apply(&specs).await.unwrap();
    assert!(
        first.iter().all(|(_, a)| *a == Applied::Created),
        "{first:?}"
    );
    let second = admin.apply(&specs).await.unwrap();
    assert!(
        second.iter().all(|(_, a)| *a == Applied::Unchanged),
        "{second:?}"
    );

    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let described = admin.describe(&names).await.unwrap();
    assert_eq!(described.len(), specs.len());
    for (spec, found) in specs.iter().zip(&described) {
        assert_eq!(found.partitions, spec.partitions, "{}", spec.name);
        for (key, value) in spec.configs() {
            assert_eq!(found.configs.get(key), Some(&value), "{} {key}", spec.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_repairs_drift_and_refuses_to_repartition() {
    let admin = admin();
    let mut specs = renamed_declarations();
    specs.truncate(2);
    specs[0].retention_ms = Some(3_600_000);
    specs[0].cleanup_policy = CleanupPolicy::Delete;
    admin.apply(&specs).await.unwrap();

    let mut drifted = specs.clone();
    drifted[0].retention_ms = Some(7_200_000);
    drifted[1].partitions += 2;
    let report = admin.apply(&drifted).await.unwrap();

    assert_eq!(
        report[0].1,
        Applied::Updated(vec![(
            "retention.ms".into(),
            Some("3600000".into()),
            "7200000".into()
        )])
    );
    assert_eq!(
        report[1].1,
        Applied::PartitionsDiffer {
            declared: specs[1].partitions + 2,
            actual: specs[1].partitions
        }
    );
}
