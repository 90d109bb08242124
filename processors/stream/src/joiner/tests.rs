use std::cell::Cell;

use veredicto_validator::{AnomalyOutcome, DocumentId, Source};

use super::*;

thread_local! {
    static NOW: Cell<i64> = const { Cell::new(1_000_000) };
}

fn now() -> i64 {
    NOW.with(Cell::get)
}

fn advance(ms: i64) {
    NOW.with(|n| n.set(n.get() + ms));
}

fn joiner() -> JoinerTransform {
    let mut joiner = JoinerTransform::new(
        Topics::default(),
        "pending".into(),
        Deadlines {
            partial_after: Duration::from_secs(30),
            keep_for: Duration::from_secs(600),
        },
    );
    joiner.clock = now;
    joiner
}

fn document(folio: u32) -> DocumentId {
    DocumentId {
        rut_emisor: "76354771-K".into(),
        tipo_dte: "33".into(),
        folio: folio.to_string(),
        digest: "ab".repeat(32),
    }
}

fn source(offset: u32) -> Source {
    Source {
        file: format!("dte.ingest/3/{offset}"),
        index: 0,
        ingested_ms: Some(5),
    }
}

fn validation(folio: u32) -> Vec<u8> {
    serde_json::to_vec(&Verdict {
        document: Some(document(folio)),
        source: source(folio),
        status: Status::Accepted,
        schema: None,
        signature: None,
        findings: Vec::new(),
        anomaly: None,
        revision: 1,
        partial: true,
        decided_ms: None,
    })
    .unwrap()
}

fn anomaly(folio: u32) -> Vec<u8> {
    serde_json::to_vec(&AnomalyHalf {
        document: document(folio),
        source: source(folio),
        anomaly: Some(AnomalyOutcome {
            score: 0.25,
            flagged: false,
            threshold: 0.8,
            model: "m/1".into(),
            reasons: Vec::new(),
        }),
        note: None,
    })
    .unwrap()
}

/// Hands the joiner one half, from partition 3.
fn give(joiner: &mut JoinerTransform, topic: &str, payload: &[u8], out: &mut Vec<OutputRecord>) {
    let record = InputRecord {
        topic,
        partition: 3,
        offset: 0,
        key: Some(b"76354771-K"),
        payload: Some(payload),
        headers: Vec::new(),
        timestamp_ms: None,
    };
    joiner.transform(&record, out);
}

/// One half as a batch of its own.
fn feed(joiner: &mut JoinerTransform, topic: &str, payload: &[u8]) -> Vec<OutputRecord> {
    let mut out = Vec::new();
    give(joiner, topic, payload, &mut out);
    joiner.flush(&mut out);
    out
}

fn verdicts(out: &[OutputRecord]) -> Vec<Verdict> {
    out.iter()
        .filter(|o| o.topic == Topics::default().verdicts)
        .map(|o| serde_json::from_slice(o.payload.as_deref().unwrap()).unwrap())
        .collect()
}

#[test]
fn halves_in_either_order_make_one_complete_verdict() {
    let topics = Topics::default();
    for validation_first in [true, false] {
        let mut joiner = joiner();
        let (first, second) = if validation_first {
            (
                (&topics.validation, validation(7)),
                (&topics.anomaly, anomaly(7)),
            )
        } else {
            (
                (&topics.anomaly, anomaly(7)),
                (&topics.validation, validation(7)),
            )
        };
        let out = feed(&mut joiner, first.0, &first.1);
        assert!(verdicts(&out).is_empty());
        assert_eq!(joiner.pending(), 1);
        // The pending half goes to the changelog, on its input's partition.
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].topic, "pending");
        assert_eq!(out[0].partition, Some(3));
        assert!(out[0].payload.is_some());

        let out = feed(&mut joiner, second.0, &second.1);
        let issued = verdicts(&out);
        assert_eq!(issued.len(), 1);
        let verdict = &issued[0];
        assert!(!verdict.partial);
        assert_eq!(verdict.revision, 1);
        assert_eq!(verdict.anomaly.as_ref().unwrap().score, 0.25);
        assert_eq!(verdict.status, Status::Accepted);
        // The entry is gone, and the changelog gets its tombstone.
        assert_eq!(joiner.pending(), 0);
        let tombstone = out.iter().find(|o| o.topic == "pending").unwrap();
        assert_eq!(tombstone.payload, None);
        let issued = out.iter().find(|o| o.topic == topics.verdicts).unwrap();
        let key = String::from_utf8(issued.key.clone()).unwrap();
        assert_eq!(key, format!("76354771-K/33/7/{}", "ab".repeat(32)));
    }
}

#[test]
fn halves_meeting_within_one_batch_leave_the_changelog_alone() {
    let topics = Topics::default();
    let mut joiner = joiner();
    let mut out = Vec::new();
    give(&mut joiner, &topics.validation, &validation(5), &mut out);
    give(&mut joiner, &topics.anomaly, &anomaly(5), &mut out);
    joiner.flush(&mut out);
    assert_eq!(verdicts(&out).len(), 1);
    assert!(
        out.iter().all(|o| o.topic != "pending"),
        "nothing to record and nothing to delete: {out:?}"
    );
}

#[test]
fn a_lone_half_becomes_partial_at_the_deadline_and_is_corrected_later() {
    let topics = Topics::default();
    let mut joiner = joiner();
    feed(&mut joiner, &topics.validation, &validation(9));

    let mut out = Vec::new();
    advance(29_000);
    joiner.tick(now(), &mut out);
    assert!(out.is_empty(), "not due yet");

    advance(2_000);
    joiner.tick(now(), &mut out);
    joiner.flush(&mut out);
    let partial = verdicts(&out);
    assert_eq!(partial.len(), 1);
    assert!(partial[0].partial);
    assert_eq!(partial[0].revision, 1);
    assert!(partial[0].anomaly.is_none());
    // Issued once, not at every tick.
    let mut again = Vec::new();
    advance(1_000);
    joiner.tick(now(), &mut again);
    assert!(verdicts(&again).is_empty());

    let out = feed(&mut joiner, &topics.anomaly, &anomaly(9));
    let corrected = verdicts(&out);
    assert_eq!(corrected.len(), 1);
    assert!(!corrected[0].partial);
    assert_eq!(corrected[0].revision, 2);
}

#[test]
fn a_missing_validation_gives_a_rejected_partial_verdict() {
    let topics = Topics::default();
    let mut joiner = joiner();
    feed(&mut joiner, &topics.anomaly, &anomaly(4));
    advance(31_000);
    let mut out = Vec::new();
    joiner.tick(now(), &mut out);
    let partial = verdicts(&out);
    assert_eq!(partial.len(), 1);
    assert_eq!(partial[0].status, Status::Rejected);
    assert!(partial[0].partial);
    assert_eq!(partial[0].findings[0].code, "VERDICT-NO-VALIDATION");
}

#[test]
fn entries_are_dropped_after_they_are_kept_for_long_enough() {
    let topics = Topics::default();
    let mut joiner = joiner();
    feed(&mut joiner, &topics.anomaly, &anomaly(4));
    advance(31_000);
    joiner.tick(now(), &mut Vec::new());
    assert_eq!(joiner.pending(), 1);
    advance(600_000);
    let mut out = Vec::new();
    joiner.tick(now(), &mut out);
    joiner.flush(&mut out);
    assert_eq!(joiner.pending(), 0);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].payload, None);
}

#[test]
fn state_restored_from_the_changelog_completes_the_join() {
    let topics = Topics::default();
    let mut first = joiner();
    let out = feed(&mut first, &topics.validation, &validation(11));

    let mut second = joiner();
    for record in &out {
        second.restore(3, &record.key, record.payload.as_deref());
    }
    assert_eq!(second.pending(), 1);
    let issued = verdicts(&feed(&mut second, &topics.anomaly, &anomaly(11)));
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].revision, 1);

    // A tombstone in the changelog deletes.
    second.reset();
    second.restore(3, &out[0].key, out[0].payload.as_deref());
    second.restore(3, &out[0].key, None);
    assert_eq!(second.pending(), 0);
}

#[test]
fn unreadable_halves_are_dead_lettered_with_their_bytes() {
    let topics = Topics::default();
    let mut joiner = joiner();
    let out = feed(&mut joiner, &topics.anomaly, b"{not json");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].topic, topics.dlq);
    assert_eq!(out[0].payload.as_deref(), Some(&b"{not json"[..]));
    assert!(
        out[0]
            .headers
            .iter()
            .any(|(k, v)| k == "dlq-error-kind" && v == b"JOIN-UNREADABLE-HALF")
    );
    assert_eq!(joiner.pending(), 0);
}
