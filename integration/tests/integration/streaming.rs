//! The pipeline end to end on the real broker and database: every document
//! gets exactly one final verdict, the one `veredicto check` gives, in
//! `dte.verdicts` and in the database, whatever is thrown at it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::pipeline::{Kind, Pipeline, by_key, check, forge, issuer_of};
use crate::util::next;

/// Inputs no document can be attributed to, which must end as dead
/// letters: the attack files, bytes that are not XML, a 20 MB message.
fn hostile() -> Vec<(String, Vec<u8>)> {
    let mut inputs: Vec<(String, Vec<u8>)> = veredicto_testkit::corpus_files("attacks")
        .into_iter()
        .map(|path| ("attacker".to_owned(), std::fs::read(path).unwrap()))
        .collect();
    let mut seed = 7_u64;
    let random: Vec<u8> = (0..4096).map(|_| next(&mut seed) as u8).collect();
    inputs.push(("random".into(), random));
    let mut huge =
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<DTE version=\"1.0\">".to_vec();
    huge.resize(20 * 1024 * 1024, b' ');
    huge.extend_from_slice(b"</DTE>");
    inputs.push(("76354771-K".into(), huge));
    inputs
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_documents_get_one_verdict_each_equal_to_check() {
    let _heavy = crate::pipeline::heavy().await;
    const DOCUMENTS: u64 = 10_000;
    let corpus = forge(DOCUMENTS, 11);
    let trust = corpus.dir.join("trust");
    let mut pipeline = Pipeline::new(3, &trust);

    // A real DTE published under another issuer's key.
    let wrong_key_path =
        veredicto_testkit::corpus().join("real/dte/DTE--76354771-K--33--170--cleaned.xml");
    let wrong_key_bytes = std::fs::read(&wrong_key_path).unwrap();
    assert_eq!(issuer_of(&wrong_key_bytes), "76354771-K");

    let hostile = hostile();
    let mut records: Vec<(String, Vec<u8>)> = Vec::new();
    let half = corpus.files.len() / 2;
    records.extend(hostile[..2].iter().cloned());
    for (key, path) in &corpus.files[..half] {
        records.push((key.clone(), std::fs::read(path).unwrap()));
    }
    records.extend(hostile[2..].iter().cloned());
    records.push(("99999999-9".into(), wrong_key_bytes));
    for (key, path) in &corpus.files[half..] {
        records.push((key.clone(), std::fs::read(path).unwrap()));
    }

    pipeline.serve_metrics();
    pipeline.start_all();
    let publish = {
        let records = records.clone();
        let suffix = pipeline.suffix.clone();
        tokio::task::spawn_blocking(move || crate::pipeline::publish_to(&suffix, &records))
    };
    publish.await.unwrap();
    let expected = DOCUMENTS as usize + 1;
    let verdicts = {
        let pipeline = &pipeline;
        tokio::task::block_in_place(|| pipeline.verdicts(expected, Duration::from_secs(400)))
    };
    let dead = tokio::task::block_in_place(|| {
        pipeline.read(
            veredicto_topics::DLQ,
            hostile.len(),
            Duration::from_secs(60),
        )
    });

    // The processors count what they did.
    let counter = |kind: Kind, name: &str| -> f64 {
        let metrics = pipeline.metrics(kind).expect("metrics served");
        let series = format!("{name}{{processor=\"{}\"}}", kind.name());
        *metrics
            .get(&series)
            .unwrap_or_else(|| panic!("no {series} in {metrics:?}"))
    };
    // Records are counted again when a batch is read again after an abort.
    assert!(counter(Kind::Validator, "veredicto_records_consumed_total") >= records.len() as f64);
    assert!(counter(Kind::Validator, "veredicto_dead_letters_total") >= hostile.len() as f64);
    assert!(counter(Kind::Joiner, "veredicto_records_produced_total") >= expected as f64);
    assert_eq!(counter(Kind::Joiner, "veredicto_pending_joins"), 0.0);
    for kind in Kind::ALL {
        assert_eq!(counter(kind, "veredicto_ready"), 1.0, "{kind:?} ready");
    }

    // Every process is still running and stops cleanly.
    pipeline.stop_all();

    assert_eq!(verdicts.len(), expected, "one verdict per document");
    assert!(verdicts.iter().all(|v| !v.partial && v.revision == 1));
    assert!(
        verdicts.iter().all(|v| v.anomaly.is_some()),
        "every verdict scored"
    );
    let mut streamed = by_key(&verdicts);

    let mismatch = streamed
        .values()
        .find(|v| v.findings.iter().any(|f| f.code == "KEY-MISMATCH"))
        .cloned()
        .expect("the wrongly keyed document is reported");
    let mismatch_key = veredicto_stream::events::verdict_key(mismatch.document.as_ref().unwrap());
    assert_eq!(mismatch.document.as_ref().unwrap().rut_emisor, "76354771-K");
    streamed.remove(&mismatch_key);

    // The same files through `veredicto check`, in the order published.
    let oracle = by_key(&check(&corpus, &trust));
    assert_eq!(oracle.len(), DOCUMENTS as usize);
    let statuses: BTreeSet<&str> = oracle.values().map(|v| v.status.as_str()).collect();
    assert!(
        statuses.len() >= 2,
        "valid and invalid documents: {statuses:?}"
    );
    for (key, expected) in &oracle {
        let got = streamed
            .get(key)
            .unwrap_or_else(|| panic!("no verdict for {key}"));
        assert_eq!(got, expected, "verdict of {key}");
    }

    assert_eq!(
        dead.len(),
        hostile.len(),
        "one dead letter per hostile input"
    );

    // The database holds the same verdicts.
    let (rows, by_day) = pipeline.rows().await;
    assert_eq!(rows.len(), expected);
    assert_eq!(by_day, expected);
    let statuses: BTreeMap<String, &str> = verdicts
        .iter()
        .map(|v| {
            let key = veredicto_stream::events::verdict_key(v.document.as_ref().unwrap());
            (key, v.status.as_str())
        })
        .collect();
    for (key, status, revision, partial) in &rows {
        assert_eq!(
            statuses.get(key).copied(),
            Some(status.as_str()),
            "row {key}"
        );
        assert_eq!(*revision, 1);
        assert!(!partial);
    }
    std::fs::remove_dir_all(&corpus.dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_and_rescaled_processors_lose_and_duplicate_nothing() {
    let _heavy = crate::pipeline::heavy().await;
    const DOCUMENTS: u64 = 50_000;
    let corpus = forge(DOCUMENTS, 12);
    let trust = corpus.dir.join("trust");
    let mut pipeline = Pipeline::new(6, &trust);
    let records = corpus.records();

    pipeline.start_all();
    let publish = {
        let suffix = pipeline.suffix.clone();
        tokio::task::spawn_blocking(move || crate::pipeline::publish_to(&suffix, &records))
    };

    // While the backlog is worked through: SIGKILL a random process every
    // second or two and restart it, and scale each processor to three
    // instances and back.
    let mut seed = 0x5eed_u64;
    let mut running: BTreeSet<(Kind, u32)> = Kind::ALL.iter().map(|&k| (k, 0)).collect();
    for round in 0..24 {
        tokio::time::sleep(Duration::from_millis(700 + next(&mut seed) % 1_300)).await;
        let kind = Kind::ALL[(next(&mut seed) % 3) as usize];
        match round % 4 {
            // Kill an instance and bring it back.
            0 | 1 => {
                let instance = (next(&mut seed) % 3) as u32;
                if running.contains(&(kind, instance)) {
                    pipeline.kill(kind, instance);
                    pipeline.start(kind, instance);
                }
            }
            // Scale out.
            2 => {
                for instance in 1..3 {
                    if running.insert((kind, instance)) {
                        pipeline.start(kind, instance);
                    }
                }
            }
            // Scale in, politely or not.
            _ => {
                for instance in 1..3 {
                    if running.remove(&(kind, instance)) {
                        if next(&mut seed) % 2 == 0 {
                            pipeline.stop(kind, instance);
                        } else {
                            pipeline.kill(kind, instance);
                        }
                    }
                }
            }
        }
    }
    publish.await.unwrap();

    let verdicts = tokio::task::block_in_place(|| {
        pipeline.verdicts(DOCUMENTS as usize, Duration::from_secs(600))
    });
    pipeline.stop_all();

    crate::pipeline::assert_each_once(&verdicts, DOCUMENTS as usize);
    assert!(verdicts.iter().all(|v| !v.partial && v.revision == 1));

    // The restored issuer profiles scored exactly as an uninterrupted run.
    let oracle = by_key(&check(&corpus, &trust));
    let streamed = by_key(&verdicts);
    assert_eq!(streamed, oracle);

    let (rows, _) = pipeline.rows().await;
    assert_eq!(rows.len(), DOCUMENTS as usize, "database rows");
    std::fs::remove_dir_all(&corpus.dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replay_issues_new_revisions_that_win_in_the_database() {
    let _heavy = crate::pipeline::heavy().await;
    const DOCUMENTS: u64 = 400;
    let corpus = forge(DOCUMENTS, 14);
    let trust = corpus.dir.join("trust");
    let mut pipeline = Pipeline::new(3, &trust);
    pipeline.start_all();
    let records = corpus.records();
    let suffix = pipeline.suffix.clone();
    tokio::task::spawn_blocking(move || crate::pipeline::publish_to(&suffix, &records))
        .await
        .unwrap();
    let live = tokio::task::block_in_place(|| {
        pipeline.verdicts(DOCUMENTS as usize, Duration::from_secs(120))
    });
    pipeline.stop_all();
    assert_eq!(live.len(), DOCUMENTS as usize);

    // The whole topic again, in a group of its own.
    let output = tokio::task::block_in_place(|| {
        std::process::Command::new(crate::pipeline::binary())
            .args(["replay", "--from", "1970-01-01", "--warmup-days", "0"])
            .arg("--trust")
            .arg(&trust)
            .env(
                "VEREDICTO_KAFKA_BOOTSTRAP",
                crate::util::kafka().bootstrap_servers,
            )
            .env("VEREDICTO_CQL", crate::util::cql_contact_points())
            .env("VEREDICTO_KEYSPACE", &pipeline.keyspace)
            .env("VEREDICTO_TOPIC_SUFFIX", &pipeline.suffix)
            .current_dir(veredicto_testkit::workspace())
            .output()
            .unwrap()
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "replayed {DOCUMENTS} records into {DOCUMENTS} verdicts"
        )),
        "{stderr}"
    );

    let all = tokio::task::block_in_place(|| {
        pipeline.verdicts(2 * DOCUMENTS as usize, Duration::from_secs(60))
    });
    assert_eq!(all.len(), 2 * DOCUMENTS as usize);
    let replayed: Vec<_> = all.iter().filter(|v| v.revision > 2).cloned().collect();
    assert_eq!(replayed.len(), DOCUMENTS as usize);
    let revision = replayed[0].revision;
    assert!(
        replayed
            .iter()
            .all(|v| v.revision == revision && !v.partial)
    );

    // Same model, same order per issuer: the same verdicts, in a new revision.
    let mut again = by_key(&replayed);
    for verdict in again.values_mut() {
        verdict.revision = 1;
    }
    assert_eq!(again, by_key(&live));

    // The database keeps the newest revision of every document.
    let (rows, _) = pipeline.rows().await;
    assert_eq!(rows.len(), DOCUMENTS as usize);
    assert!(rows.iter().all(|(_, _, r, _)| *r == i64::from(revision)));
    std::fs::remove_dir_all(&corpus.dir).ok();
}
