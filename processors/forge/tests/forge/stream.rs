//! Streams: a seed gives the same bytes, documents come in arrival order and
//! split at the warm-up, labels say what the files hold, every kind is
//! injected at a realistic rate, folios run in sequence except where a label
//! says otherwise, and the documents, anomalous ones included, pass the
//! project's validator.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use veredicto_forge::calendar::{Date, Timestamp};
use veredicto_forge::stream::{Anomaly, Phase, Plan, StreamConfig};
use veredicto_forge::{TipoDte, write_stream};
use veredicto_schema::Generation;
use veredicto_signature::TrustStore;
use veredicto_validator::{CafStatus, Status, TedStatus, Validator, XmldsigStatus};
use veredicto_xml::Element;

use crate::support::{self, parse};

/// A stream small enough for a debug build, long enough for every kind.
fn small() -> StreamConfig {
    StreamConfig {
        seed: 11,
        issuers: 40,
        days: 70,
        warmup_days: 35,
        ..StreamConfig::default()
    }
}

/// One row of `labels.csv`.
#[derive(Debug, Clone)]
struct Row {
    seq: usize,
    file: String,
    phase: String,
    arrival: String,
    rut: String,
    tipo: String,
    folio: u64,
    kind: String,
    held_out: bool,
}

fn rows(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("seq,file,phase,arrival,rut_emisor,tipo_dte,folio,kind,held_out")
    );
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 9, "{l}");
            Row {
                seq: c[0].parse().unwrap(),
                file: c[1].to_owned(),
                phase: c[2].to_owned(),
                arrival: c[3].to_owned(),
                rut: c[4].to_owned(),
                tipo: c[5].to_owned(),
                folio: c[6].parse().unwrap(),
                kind: c[7].to_owned(),
                held_out: match c[8] {
                    "true" => true,
                    "false" => false,
                    other => panic!("held_out {other:?}"),
                },
            }
        })
        .collect()
}

/// The small stream, written once for the tests that read it.
fn stream() -> &'static (PathBuf, Vec<Row>) {
    static STREAM: OnceLock<(PathBuf, Vec<Row>)> = OnceLock::new();
    STREAM.get_or_init(|| {
        let dir = support::scratch("stream");
        let summary = write_stream(&dir, &small()).unwrap();
        let rows = rows(&dir);
        assert_eq!(rows.len(), summary.total());
        (dir, rows)
    })
}

/// The default configuration's plan, made once.
fn default_plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| Plan::new(&StreamConfig::default()).unwrap())
}

fn text(element: Element<'_>, path: &[&str]) -> String {
    element
        .find_text(path)
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

fn timestamp(text: &str) -> Timestamp {
    let (date, time) = text.split_once('T').unwrap();
    let parts: Vec<i64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    Date::parse(date)
        .unwrap()
        .at(parts[0] * 3600 + parts[1] * 60 + parts[2])
}

/// Two runs of one seed write identical folders; another seed does not.
#[test]
fn a_seed_writes_the_same_stream() {
    let config = StreamConfig {
        seed: 5,
        issuers: 12,
        days: 12,
        warmup_days: 6,
        ..StreamConfig::default()
    };
    let read = |dir: &Path| {
        let mut out = BTreeMap::new();
        for sub in ["", "trust", "warmup", "test"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() && !path.ends_with("STREAM.md") {
                    let name = path.strip_prefix(dir).unwrap().display().to_string();
                    out.insert(name, std::fs::read(&path).unwrap());
                }
            }
        }
        out
    };
    let a = support::scratch("stream-seed-a");
    let b = support::scratch("stream-seed-b");
    let c = support::scratch("stream-seed-c");
    write_stream(&a, &config).unwrap();
    write_stream(&b, &config).unwrap();
    write_stream(&c, &StreamConfig { seed: 6, ..config }).unwrap();
    let (a, b, c) = (read(&a), read(&b), read(&c));
    assert!(a.len() > 20, "{}", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between two runs");
    }
    assert_ne!(a["labels.csv"], c["labels.csv"]);
    assert_ne!(a["trust/100.cer"], c["trust/100.cer"]);
}

/// Files are numbered in arrival order across phases, the warm-up holds
/// exactly the arrivals before the test period, and the folders hold exactly
/// the files the labels name.
#[test]
fn documents_arrive_in_order_and_split_at_the_warmup() {
    let (dir, rows) = stream();
    let test_start = small().test_start().at(0);
    let mut last = None;
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.seq, i + 1);
        assert_eq!(row.file, format!("{}/{:08}.xml", row.phase, row.seq));
        let arrival = timestamp(&row.arrival);
        assert!(
            last.is_none_or(|l| l <= arrival),
            "seq {} out of order",
            row.seq
        );
        last = Some(arrival);
        let expected = if arrival < test_start {
            "warmup"
        } else {
            "test"
        };
        assert_eq!(row.phase, expected, "seq {}", row.seq);
    }
    let warmup = rows.iter().filter(|r| r.phase == "warmup").count();
    assert!(warmup > 0 && warmup < rows.len());
    for (phase, count) in [("warmup", warmup), ("test", rows.len() - warmup)] {
        assert_eq!(std::fs::read_dir(dir.join(phase)).unwrap().count(), count);
    }
    assert!(dir.join("trust/100.cer").is_file());
    let report = std::fs::read_to_string(dir.join("STREAM.md")).unwrap();
    for kind in Anomaly::all() {
        assert!(report.contains(&format!("`{}`", kind.name())), "{kind}");
    }
}

/// Every file is the document its label names: issuer, type and folio read
/// back from the XML; signed a little before it arrived; labelled with a
/// known kind, held out exactly when the kind is.
#[test]
fn labels_match_the_documents() {
    let (dir, rows) = stream();
    for row in rows {
        let bytes = std::fs::read(dir.join(&row.file)).unwrap();
        let doc = parse(&bytes);
        let documento = doc.root().child("Documento").unwrap();
        let id = ["Encabezado", "IdDoc"];
        assert_eq!(
            text(documento, &["Encabezado", "Emisor", "RUTEmisor"]),
            row.rut
        );
        assert_eq!(text(documento, &[id[0], id[1], "TipoDTE"]), row.tipo);
        assert_eq!(
            text(documento, &[id[0], id[1], "Folio"]),
            row.folio.to_string()
        );
        let signed = timestamp(&text(documento, &["TmstFirma"]));
        let waited = timestamp(&row.arrival).seconds_since(signed);
        assert!((1..=2 * 3600).contains(&waited), "{}: {waited} s", row.file);
        if row.kind.is_empty() {
            assert!(!row.held_out);
        } else {
            let kind = Anomaly::from_name(&row.kind).unwrap();
            assert_eq!(kind.held_out(), row.held_out, "{}", row.kind);
        }
    }
}

/// Per issuer and type, in arrival order, each folio follows the one
/// before, except a labelled duplicate (which reuses one) and a labelled
/// jump (after which the sequence continues).
fn assert_sequential<'a>(docs: impl Iterator<Item = (String, u64, &'a str)>) -> usize {
    let mut last: HashMap<String, u64> = HashMap::new();
    let mut checked = 0;
    for (key, folio, kind) in docs {
        match (last.get(&key).copied(), kind) {
            (_, "duplicate_folio") => {}
            (Some(before), "folio_jump") => {
                assert!(folio > before + 100, "{key}: jump from {before} to {folio}");
                last.insert(key, folio);
            }
            (Some(before), _) => {
                assert_eq!(folio, before + 1, "{key}: {before} then {folio} ({kind})");
                last.insert(key, folio);
                checked += 1;
            }
            (None, _) => {
                last.insert(key, folio);
            }
        }
    }
    checked
}

#[test]
fn folios_run_in_sequence_except_where_labelled() {
    let (_, rows) = stream();
    let checked = assert_sequential(
        rows.iter()
            .map(|r| (format!("{}/{}", r.rut, r.tipo), r.folio, r.kind.as_str())),
    );
    assert!(checked > rows.len() / 2);

    let plan = default_plan();
    let checked = assert_sequential(plan.documents().iter().map(|d| {
        (
            format!("{}/{}", d.issuer, d.tipo),
            d.folio,
            d.anomaly.map_or("", Anomaly::name),
        )
    }));
    assert!(checked > plan.len() * 9 / 10);
}

/// On the default configuration (planned, not rendered): 50,000 to 90,000
/// documents, every kind between 0.1% and 2% of them, each in both phases
/// and mostly in the test period.
#[test]
fn each_kind_is_injected_at_a_realistic_rate() {
    let plan = default_plan();
    assert!((50_000..=90_000).contains(&plan.len()), "{}", plan.len());
    let total = plan.len() as f64;
    for kind in Anomaly::all() {
        let of_kind: Vec<_> = plan
            .documents()
            .iter()
            .filter(|d| d.anomaly == Some(kind))
            .collect();
        let rate = of_kind.len() as f64 / total;
        assert!(
            (0.001..=0.02).contains(&rate),
            "{kind}: {:.3}%",
            100.0 * rate
        );
        let warmup = of_kind
            .iter()
            .filter(|d| plan.phase(d) == Phase::Warmup)
            .count();
        assert!(warmup > 0, "{kind}: none in the warm-up");
        assert!(
            of_kind.len() - warmup > 2 * warmup,
            "{kind}: {warmup} in the warm-up"
        );
    }
    let types: HashMap<TipoDte, usize> = plan.type_counts().into_iter().collect();
    assert!(types[&TipoDte::Factura] as f64 > 0.6 * total);
    for tipo in [
        TipoDte::FacturaExenta,
        TipoDte::Guia,
        TipoDte::NotaDebito,
        TipoDte::NotaCredito,
    ] {
        assert!(types[&tipo] > 50, "{tipo}");
    }
}

/// What the kinds promise about time, on the default plan: odd hours only
/// from office issuers and never otherwise from them; backdating 20 to 300
/// days, and usual documents signed at most a few days after FchEmis; bursts
/// of at least ten within the hour.
#[test]
fn the_kinds_keep_their_promises_about_time() {
    let plan = default_plan();
    let odd = |d: &veredicto_forge::stream::Planned| {
        let hour = d.signed.seconds_of_day() / 3600;
        (1..5).contains(&hour) || d.signed.date().weekday() == 6
    };
    let mut bursts: HashMap<usize, Vec<Timestamp>> = HashMap::new();
    for d in plan.documents() {
        let lag = d.signed.date().days_since(d.issued);
        match d.anomaly {
            Some(Anomaly::OddHour) => {
                assert!(plan.office(d.issuer) && odd(d), "{d:?}");
            }
            Some(Anomaly::Backdated) => assert!((20..=300).contains(&lag), "{d:?}"),
            Some(Anomaly::Burst) => bursts.entry(d.issuer).or_default().push(d.signed),
            None => {
                assert!((0..=4).contains(&lag), "{d:?}");
                assert!(!(plan.office(d.issuer) && odd(d)), "{d:?}");
            }
            _ => {}
        }
    }
    assert!(!bursts.is_empty());
    for times in bursts.values() {
        // Each issuer's burst documents form runs of ten or more within an
        // hour.
        let mut run = vec![times[0]];
        for &t in &times[1..] {
            if t.seconds_since(run[0]) < 3_600 {
                run.push(t);
            } else {
                assert!(run.len() >= 10, "{run:?}");
                run = vec![t];
            }
        }
        assert!(run.len() >= 10, "{run:?}");
    }
}

/// The validator of the 2026 schemas, trusting the stream's SII.
fn validator(dir: &Path) -> Validator {
    let mut trust = TrustStore::empty();
    let certificate = std::fs::read(dir.join("trust/100.cer")).unwrap();
    trust.insert_certificate("100", &certificate).unwrap();
    Validator::new(Generation::load(&support::schema_dir()).unwrap()).with_trust(trust)
}

/// Usual documents, and a sample of every kind found in the small stream,
/// are schema valid with valid signatures, stamps and CAFs and no finding;
/// only `iva_mismatch` is reported (AMT-IVA), as it must be.
#[test]
fn documents_and_anomalies_pass_the_validator() {
    let (dir, rows) = stream();
    let validator = validator(dir);
    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen = 0;
    for row in rows {
        let taken = per_kind.entry(row.kind.as_str()).or_default();
        let quota = if row.kind.is_empty() { 400 } else { 6 };
        if *taken >= quota {
            continue;
        }
        *taken += 1;
        seen += 1;
        let bytes = std::fs::read(dir.join(&row.file)).unwrap();
        let verdicts = validator.check(&bytes, &row.file);
        assert_eq!(verdicts.len(), 1);
        let verdict = &verdicts[0];
        let schema = verdict.schema.as_ref().unwrap();
        assert!(
            schema.valid,
            "{} ({}): {:?}",
            row.file, row.kind, schema.errors
        );
        let signature = verdict.signature.unwrap();
        assert_eq!(signature.xmldsig, XmldsigStatus::Valid, "{}", row.file);
        assert_eq!(signature.ted, TedStatus::Valid, "{}", row.file);
        assert_eq!(signature.caf, CafStatus::Valid, "{}", row.file);
        let codes = support::codes(verdict);
        if row.kind == "iva_mismatch" {
            assert_eq!(codes, ["AMT-IVA"], "{}", row.file);
            assert_ne!(verdict.status, Status::Rejected);
        } else {
            assert!(
                codes.is_empty(),
                "{} ({}): {:?}",
                row.file,
                row.kind,
                verdict.findings
            );
            assert_eq!(verdict.status, Status::Accepted, "{}", row.file);
        }
    }
    let kinds: Vec<&str> = per_kind.keys().copied().filter(|k| !k.is_empty()).collect();
    let design = Anomaly::DESIGN.map(Anomaly::name);
    for kind in design {
        assert!(
            kinds.contains(&kind),
            "no {kind} in the small stream: {kinds:?}"
        );
    }
    assert!(kinds.iter().any(|k| !design.contains(k)), "{kinds:?}");
    assert!(seen > 400);
}

/// Amounts keep their promises, read back from the XML: spikes are 20 to
/// 100 times the issuer's median, round amounts are round, IVA mismatches
/// are more than rounding, line counts are high.
#[test]
fn anomalous_amounts_read_back_as_promised() {
    let (dir, rows) = stream();
    let plan = Plan::new(&small()).unwrap();
    assert_eq!(plan.len(), rows.len());
    for (row, planned) in rows.iter().zip(plan.documents()) {
        if row.kind.is_empty() {
            continue;
        }
        let bytes = std::fs::read(dir.join(&row.file)).unwrap();
        let doc = parse(&bytes);
        let documento = doc.root().child("Documento").unwrap();
        let amount = |field: &str| -> i64 {
            text(documento, &["Encabezado", "Totales", field])
                .parse()
                .unwrap_or(0)
        };
        let total = amount("MntTotal");
        let median = plan.median(planned.issuer, planned.tipo, planned.signed.date());
        match row.kind.as_str() {
            "amount_spike" => {
                let ratio = total as f64 / median;
                assert!((15.0..=110.0).contains(&ratio), "{}: {ratio}", row.file);
            }
            "round_amount" => assert_eq!(total % 1_000, 0, "{}: {total}", row.file),
            "iva_mismatch" => {
                let neto = amount("MntNeto");
                let iva = amount("IVA");
                assert!((iva - (neto * 19 + 50) / 100).abs() >= 2, "{}", row.file);
                assert_eq!(total, neto + iva + amount("MntExe"), "{}", row.file);
            }
            "line_count" => {
                let lines = documento
                    .elements()
                    .filter(|e| e.local_name() == "Detalle")
                    .count();
                assert!((25..=60).contains(&lines), "{}: {lines}", row.file);
            }
            _ => {}
        }
    }
}
