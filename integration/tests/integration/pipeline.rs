//! The three processors as a user runs them: the `veredicto` binary for the
//! validator, the anomaly scorer and the joiner, on topics and a keyspace of
//! the test's own, fed forged documents the way an ERP publishes them.
//!
//! A [`Pipeline`] creates the topics from the declarations and the tables
//! from `schemas/cql/`, starts and kills processes, publishes, and reads
//! back what a `read_committed` consumer of `dte.verdicts` and the database
//! hold. `veredicto check` over the same files, in the same order, is the
//! oracle the verdicts are compared with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Message, Offset, TopicPartitionList};
use veredicto_stream::events::verdict_key;
use veredicto_validator::Verdict;

use crate::util::{cql_contact_points, kafka, unique};

/// The `veredicto` binary of this build (`make test-integration` builds it).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("veredicto");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p veredicto`",
        path.display()
    );
    path
}

/// Which processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Validator,
    Anomaly,
    Joiner,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Validator, Kind::Anomaly, Kind::Joiner];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Validator => "validator",
            Kind::Anomaly => "anomaly",
            Kind::Joiner => "joiner",
        }
    }
}

/// Forged documents on disk, in the order they are published.
pub struct Corpus {
    pub dir: PathBuf,
    /// Key (RUTEmisor) and path of every file, in order.
    pub files: Vec<(String, PathBuf)>,
}

impl Corpus {
    /// Key and bytes of every file, in order, ready to publish.
    pub fn records(&self) -> Vec<(String, Vec<u8>)> {
        self.files
            .iter()
            .map(|(key, path)| (key.clone(), std::fs::read(path).unwrap()))
            .collect()
    }
}

/// Forges `count` lone DTEs from several issuers, some with defects.
pub fn forge(count: u64, seed: u64) -> Corpus {
    let dir = std::env::temp_dir().join(unique("veredicto_pipeline"));
    let config = veredicto_forge::ForgeConfig {
        seed,
        issuers: 40,
        defect_rate: 0.05,
        ..veredicto_forge::ForgeConfig::default()
    };
    veredicto_forge::corpus::write(&dir, config, count).unwrap();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    paths.sort();
    let files = paths
        .into_iter()
        .map(|path| (issuer_of(&std::fs::read(&path).unwrap()), path))
        .collect();
    Corpus { dir, files }
}

/// The RUTEmisor of a document, as a producer keys it.
pub fn issuer_of(bytes: &[u8]) -> String {
    let (document, _) = veredicto_xml::parse(bytes, &veredicto_xml::Limits::default()).unwrap();
    let dtes = veredicto_validator::dtes_of(document.root());
    veredicto_validator::document_id(dtes[0])
        .unwrap()
        .rut_emisor
}

/// Topics, keyspace and processes of one test.
pub struct Pipeline {
    pub suffix: String,
    pub keyspace: String,
    trust: PathBuf,
    processes: BTreeMap<(Kind, u32), Child>,
    /// Most records per transaction; small batches mean more transactions
    /// for crashes to fall in.
    pub max_batch: usize,
    /// Set by `serve_metrics`: instance 0 of the processors serves `/metrics`
    /// on this port (validator), the next (anomaly) and the one after (joiner).
    metrics_port: Option<u16>,
}

impl Pipeline {
    /// Creates the declared topics with a suffix of the test's own, and the
    /// tables in a keyspace of its own.
    pub fn new(partitions: i32, trust: &Path) -> Pipeline {
        let suffix = unique("pipe");
        let keyspace = suffix.to_lowercase();
        let run = |args: &[&str]| {
            let output = Command::new(binary())
                .args(args)
                .env("VEREDICTO_KAFKA_BOOTSTRAP", kafka().bootstrap_servers)
                .env("VEREDICTO_CQL", cql_contact_points())
                .current_dir(veredicto_testkit::workspace())
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        run(&[
            "topics",
            "apply",
            "--topic-suffix",
            &suffix,
            "--partitions",
            &partitions.to_string(),
        ]);
        run(&["db", "apply", "--keyspace", &keyspace]);
        Pipeline {
            suffix,
            keyspace,
            trust: trust.to_path_buf(),
            processes: BTreeMap::new(),
            max_batch: 100,
            metrics_port: None,
        }
    }

    pub fn topic(&self, base: &str) -> String {
        format!("{base}-{}", self.suffix)
    }

    /// Starts instance `instance` of a processor (restarting it if it runs).
    pub fn start(&mut self, kind: Kind, instance: u32) {
        self.kill(kind, instance);
        let workspace = veredicto_testkit::workspace();
        let http = match self.metrics_address(kind) {
            Some(address) if instance == 0 => address,
            _ => String::new(),
        };
        let child = Command::new(binary())
            .args(["run", kind.name(), "--http", &http])
            .args(["--max-batch", &self.max_batch.to_string()])
            .current_dir(&workspace)
            .env("VEREDICTO_KAFKA_BOOTSTRAP", kafka().bootstrap_servers)
            .env("VEREDICTO_CQL", cql_contact_points())
            .env("VEREDICTO_KEYSPACE", &self.keyspace)
            .env("VEREDICTO_TOPIC_SUFFIX", &self.suffix)
            .env(
                "VEREDICTO_GROUP",
                format!("{}-{}", kind.name(), self.suffix),
            )
            .env("VEREDICTO_INSTANCE", instance.to_string())
            .env("VEREDICTO_SCHEMAS", workspace.join("schemas/sii"))
            .env("VEREDICTO_TRUST", &self.trust)
            // No partial verdicts in these tests: every document's halves
            // meet, however long a crash holds one up.
            .env("VEREDICTO_PARTIAL_AFTER", "3600")
            .env("VEREDICTO_LOG", "warn")
            // A member that left without a word (SIGKILL, or a static member
            // scaled in) gives its partitions up after 10 s, not 45.
            .env("VEREDICTO_RDKAFKA_SESSION_TIMEOUT_MS", "10000")
            .stdout(Stdio::null())
            .stderr(self.log(kind, instance))
            .spawn()
            .unwrap();
        self.processes.insert((kind, instance), child);
    }

    /// Has instance 0 of each processor started from now on serve its
    /// metrics, on three free ports in a row.
    pub fn serve_metrics(&mut self) {
        let free = |port: u16| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        let mut seed = u64::from(std::process::id());
        let base = (0..1000)
            .map(|_| 20_000 + (crate::util::next(&mut seed) % 20_000) as u16)
            .find(|&base| (base..base + 3).all(free))
            .expect("three free ports in a row");
        self.metrics_port = Some(base);
    }

    fn metrics_address(&self, kind: Kind) -> Option<String> {
        let index = Kind::ALL.iter().position(|&k| k == kind)?;
        let port = self.metrics_port? + u16::try_from(index).ok()?;
        Some(format!("127.0.0.1:{port}"))
    }

    /// The metrics of instance 0 of `kind`, series (name with labels, as
    /// `/metrics` writes it) to value, when it serves them.
    pub fn metrics(&self, kind: Kind) -> Option<BTreeMap<String, f64>> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(self.metrics_address(kind)?).ok()?;
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let (_, text) = response.split_once("\r\n\r\n")?;
        Some(
            text.lines()
                .filter(|line| !line.starts_with('#'))
                .filter_map(|line| {
                    let (name, value) = line.rsplit_once(' ')?;
                    Some((name.to_owned(), value.parse().ok()?))
                })
                .collect(),
        )
    }

    /// The log a process writes, kept for when a test fails:
    /// `target/pipeline-logs/<suffix>/<processor>-<instance>.log`.
    fn log(&self, kind: Kind, instance: u32) -> std::fs::File {
        let dir = veredicto_testkit::workspace()
            .join("target/pipeline-logs")
            .join(&self.suffix);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{}-{instance}.log", kind.name())))
            .unwrap()
    }

    /// Starts one instance of each processor.
    pub fn start_all(&mut self) {
        for kind in Kind::ALL {
            self.start(kind, 0);
        }
    }

    /// SIGKILL, no goodbye.
    pub fn kill(&mut self, kind: Kind, instance: u32) {
        if let Some(mut child) = self.processes.remove(&(kind, instance)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, and the process must exit cleanly by itself.
    pub fn stop(&mut self, kind: Kind, instance: u32) {
        if let Some(mut child) = self.processes.remove(&(kind, instance)) {
            let pid = child.id().to_string();
            Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            let status = child.wait().unwrap();
            assert!(
                status.success(),
                "{kind:?} {instance} stopped with {status}"
            );
        }
    }

    /// Stops every running process with SIGTERM.
    pub fn stop_all(&mut self) {
        let running: Vec<(Kind, u32)> = self.processes.keys().copied().collect();
        for (kind, instance) in running {
            self.stop(kind, instance);
        }
    }

    /// Every record a `read_committed` reader finds on a topic, once at
    /// least `expected` came and nothing more arrived for a while.
    pub fn read(&self, base: &str, expected: usize, within: Duration) -> Vec<(Vec<u8>, Vec<u8>)> {
        let consumer: BaseConsumer = kafka().consumer(&unique("pipe_read")).create().unwrap();
        consumer.subscribe(&[&self.topic(base)]).unwrap();
        let mut records = Vec::new();
        let deadline = Instant::now() + within;
        let mut last_growth = Instant::now();
        while Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(message)) => {
                    records.push((
                        message.key().unwrap_or_default().to_vec(),
                        message.payload().unwrap_or_default().to_vec(),
                    ));
                    last_growth = Instant::now();
                }
                Some(Err(KafkaError::PartitionEOF(_))) | None => {
                    if records.len() >= expected && last_growth.elapsed() > Duration::from_secs(5) {
                        break;
                    }
                }
                Some(Err(error)) => panic!("{error}"),
            }
        }
        records
    }

    /// The verdicts on `dte.verdicts`; when fewer than `expected` came,
    /// where the records stopped is printed first.
    pub fn verdicts(&self, expected: usize, within: Duration) -> Vec<Verdict> {
        let records = self.read(veredicto_topics::VERDICTS, expected, within);
        if records.len() < expected {
            eprintln!("{} of {expected} verdicts came", records.len());
            self.explain();
        }
        records
            .into_iter()
            .map(|(key, payload)| {
                let verdict: Verdict = serde_json::from_slice(&payload).unwrap();
                let document = verdict.document.as_ref().unwrap();
                assert_eq!(String::from_utf8(key).unwrap(), verdict_key(document));
                verdict
            })
            .collect()
    }

    /// Where records stopped, for a failing test: the end offset of every
    /// topic, each processor group's committed input offsets, and the last
    /// lines every process logged itself.
    pub fn explain(&self) {
        use veredicto_topics::{ANOMALY, DLQ, INGEST, JOINER_PENDING, VALIDATION, VERDICTS};
        let timeout = Duration::from_secs(10);
        let partitions = |consumer: &BaseConsumer, topic: &str| -> Vec<i32> {
            consumer
                .fetch_metadata(Some(topic), timeout)
                .map(|m| m.topics()[0].partitions().iter().map(|p| p.id()).collect())
                .unwrap_or_default()
        };
        let probe: BaseConsumer = kafka().consumer(&unique("pipe_explain")).create().unwrap();
        for base in [INGEST, VALIDATION, ANOMALY, VERDICTS, DLQ, JOINER_PENDING] {
            let topic = self.topic(base);
            let ends: Vec<String> = partitions(&probe, &topic)
                .into_iter()
                .map(|p| match probe.fetch_watermarks(&topic, p, timeout) {
                    Ok((low, high)) => format!("{p}:{low}..{high}"),
                    Err(error) => format!("{p}:{error}"),
                })
                .collect();
            eprintln!("{base}: {}", ends.join(" "));
        }
        for (kind, inputs) in [
            (Kind::Validator, vec![INGEST]),
            (Kind::Anomaly, vec![INGEST]),
            (Kind::Joiner, vec![VALIDATION, ANOMALY]),
        ] {
            let group = format!("{}-{}", kind.name(), self.suffix);
            let consumer: BaseConsumer = kafka().consumer(&group).create().unwrap();
            let mut list = TopicPartitionList::new();
            for base in inputs {
                let topic = self.topic(base);
                for partition in partitions(&consumer, &topic) {
                    list.add_partition(&topic, partition);
                }
            }
            let committed = match consumer.committed_offsets(list, timeout) {
                Ok(committed) => committed
                    .elements()
                    .iter()
                    .map(|e| match e.offset() {
                        Offset::Offset(o) => format!("{}/{}:{o}", e.topic(), e.partition()),
                        other => format!("{}/{}:{other:?}", e.topic(), e.partition()),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                Err(error) => error.to_string(),
            };
            eprintln!("group {group} committed: {committed}");
        }
        let dir = veredicto_testkit::workspace()
            .join("target/pipeline-logs")
            .join(&self.suffix);
        let mut logs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        logs.sort();
        for log in logs {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            // The processors' own lines: the clients' connection retries
            // would bury them.
            let lines: Vec<&str> = text.lines().filter(|l| l.contains(" veredicto")).collect();
            eprintln!("--- last lines of {}", log.display());
            for line in &lines[lines.len().saturating_sub(30)..] {
                eprintln!("{line}");
            }
        }
    }

    /// `(verdict key, status, revision, partial)` of every row of
    /// `verdicts_by_document`, and the number of rows of `verdicts_by_day`.
    pub async fn rows(&self) -> (Vec<(String, String, i64, bool)>, usize) {
        let session =
            veredicto_runtime::cql::connect(&cql_contact_points(), Duration::from_secs(10))
                .await
                .unwrap();
        let by_document = session
            .query_iter(
                format!(
                    "SELECT rut_emisor, tipo_dte, folio, digest, status, revision, partial \
                     FROM {}.verdicts_by_document",
                    self.keyspace
                ),
                (),
            )
            .await
            .unwrap()
            .rows_stream::<(String, String, String, String, String, i64, bool)>()
            .unwrap();
        use futures::TryStreamExt;
        let rows: Vec<_> = by_document.try_collect().await.unwrap();
        let rows = rows
            .into_iter()
            .map(|(rut, tipo, folio, digest, status, revision, partial)| {
                (
                    format!("{rut}/{tipo}/{folio}/{digest}"),
                    status,
                    revision,
                    partial,
                )
            })
            .collect();
        let by_day = session
            .query_iter(
                format!("SELECT folio FROM {}.verdicts_by_day", self.keyspace),
                (),
            )
            .await
            .unwrap()
            .rows_stream::<(String,)>()
            .unwrap();
        let days: Vec<_> = by_day.try_collect().await.unwrap();
        (rows, days.len())
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        for (_, mut child) in std::mem::take(&mut self.processes) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Publishes records to the `dte.ingest` of a pipeline's suffix, keyed and
/// in order, as an ERP would.
pub fn publish_to(suffix: &str, records: &[(String, Vec<u8>)]) {
    publish_paced(suffix, records, 0);
}

/// Publishes at about `per_second` records a second (0: as fast as it goes).
///
/// The input must reach the topic exactly once whatever the broker does, or
/// the test would be measuring its publisher: records go in transactions of
/// a tenth of a second's worth, and a transaction that fails or stalls is
/// aborted and published again by a new producer with the same
/// transactional id, which fences the old one.
pub fn publish_paced(suffix: &str, records: &[(String, Vec<u8>)], per_second: usize) {
    let topic = format!("{}-{suffix}", veredicto_topics::INGEST);
    let transactional_id = unique("publisher");
    let mut producer = publisher(&transactional_id);
    let started = Instant::now();
    let chunk = if per_second == 0 {
        500
    } else {
        (per_second / 10).max(1)
    };
    for (i, chunk) in records.chunks(chunk).enumerate() {
        let mut attempt = 0;
        while let Err(error) = publish_once(&producer, &topic, chunk) {
            attempt += 1;
            assert!(attempt < 10, "publishing failed {attempt} times: {error}");
            eprintln!("publishing: {error}; publishing again with a new producer");
            let _ = producer.abort_transaction(Duration::from_secs(5));
            drop(producer);
            producer = publisher(&transactional_id);
        }
        if per_second > 0 {
            let due = Duration::from_millis(100 * (i as u64 + 1));
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
}

fn publisher(transactional_id: &str) -> BaseProducer {
    let producer: BaseProducer = kafka()
        .transactional_producer(transactional_id)
        .set("message.max.bytes", "33554432")
        .set("linger.ms", "5")
        .create()
        .unwrap();
    // Fences an earlier producer with this id and aborts what it left open;
    // retried while the broker comes back.
    let deadline = Instant::now() + Duration::from_secs(120);
    while let Err(error) = producer.init_transactions(Duration::from_secs(30)) {
        assert!(Instant::now() < deadline, "publisher: {error}");
        std::thread::sleep(Duration::from_secs(1));
    }
    producer
}

/// One chunk in one transaction.
fn publish_once(
    producer: &BaseProducer,
    topic: &str,
    chunk: &[(String, Vec<u8>)],
) -> Result<(), KafkaError> {
    producer.begin_transaction()?;
    for (key, bytes) in chunk {
        let mut record = BaseRecord::to(topic).key(key).payload(bytes);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(5));
                }
                Err((error, _)) => return Err(error),
            }
        }
    }
    producer.commit_transaction(Duration::from_secs(20))
}

/// Held by tests that load the whole machine, so they run one at a time.
pub async fn heavy() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
}

/// `veredicto check` over a corpus folder, its files in the order they are
/// published: the oracle.
pub fn check(corpus: &Corpus, trust: &Path) -> Vec<Verdict> {
    let output = Command::new(binary())
        .arg("check")
        .arg(&corpus.dir)
        .args(["--format", "json", "--trust"])
        .arg(trust)
        .current_dir(veredicto_testkit::workspace())
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some_and(|c| c < 2),
        "check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect()
}

/// A verdict without what differs between a file and a Kafka record: where
/// it came from and when it was decided.
pub fn comparable(verdict: &Verdict) -> Verdict {
    let mut verdict = verdict.clone();
    verdict.source.file = String::new();
    verdict.source.ingested_ms = None;
    verdict.decided_ms = None;
    verdict
}

/// Asserts one verdict for each of `documents` documents: none lost, none twice.
pub fn assert_each_once(verdicts: &[Verdict], documents: usize) {
    let keys: std::collections::BTreeSet<String> = verdicts
        .iter()
        .map(|v| verdict_key(v.document.as_ref().unwrap()))
        .collect();
    assert_eq!(keys.len(), documents, "lost verdicts");
    assert_eq!(verdicts.len(), documents, "duplicated verdicts");
}

/// Verdicts by their key; panics on a duplicate.
pub fn by_key(verdicts: &[Verdict]) -> BTreeMap<String, Verdict> {
    let mut map = BTreeMap::new();
    for verdict in verdicts {
        let key = verdict_key(verdict.document.as_ref().unwrap());
        assert!(
            map.insert(key.clone(), comparable(verdict)).is_none(),
            "two verdicts for {key}"
        );
    }
    map
}
