//! The scorer end to end on a small forged stream: determinism, injected
//! anomalies above normal documents, documents that cannot be scored, and
//! serde round trips of the model and of issuer profiles.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use veredicto_anomaly::training::{self, ForestOptions};
use veredicto_anomaly::{IssuerProfile, Model, NotScorable, Scorer, judge_row};
use veredicto_forge::{StreamConfig, write_stream};
use veredicto_xml::{Document, Limits, parse};

struct Row {
    test: bool,
    kind: String,
    document: Document,
}

/// A small stream, forged once per test into its own folder.
fn stream(name: &str) -> Vec<Row> {
    let dir = std::env::temp_dir().join(format!("veredicto-anomaly-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = StreamConfig {
        seed: 11,
        issuers: 60,
        days: 40,
        warmup_days: 20,
        ..StreamConfig::default()
    };
    write_stream(&dir, &config).unwrap();
    let rows = read(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    rows
}

fn read(dir: &Path) -> Vec<Row> {
    let labels = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    labels
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let bytes = std::fs::read(dir.join(cols[1])).unwrap();
            Row {
                test: cols[2] == "test",
                kind: cols[7].to_owned(),
                document: parse(&bytes, &Limits::default()).unwrap().0,
            }
        })
        .collect()
}

/// A model fitted on the warm-up, as `veredicto train` does.
fn fitted(rows: &[Row]) -> Model {
    let mut model = Model::untrained("test", "0.0.1");
    let mut scorer = Scorer::new(Arc::new(model.clone()));
    let mut features = Vec::new();
    for row in rows.iter().filter(|r| !r.test) {
        features.extend(scorer.features(&row.document).into_iter().flatten());
    }
    model.priors = training::learn_priors(&features, scorer.issuers().profiles());
    let values: Vec<_> = features.iter().map(|f| f.values).collect();
    let options = ForestOptions {
        trees: 20,
        ..ForestOptions::default()
    };
    training::fit(&mut model, &values, options);
    model
}

fn scores(model: &Arc<Model>, rows: &[Row]) -> Vec<(f64, bool, String)> {
    let mut scorer = Scorer::new(Arc::clone(model));
    let mut out = Vec::new();
    for row in rows {
        for scored in scorer.score(&row.document) {
            let outcome = scored.outcome.unwrap();
            if row.test {
                out.push((outcome.score, outcome.flagged, row.kind.clone()));
            }
        }
    }
    out
}

/// Anomalies score above normal documents, facts are flagged with reasons,
/// and the same stream scores the same, bit for bit.
#[test]
fn injected_anomalies_score_above_normal_documents() {
    let rows = stream("rank");
    let model = Arc::new(fitted(&rows));
    let judged = scores(&model, &rows);

    let mean = |anomalous: bool| {
        let s: Vec<f64> = judged
            .iter()
            .filter(|j| j.2.is_empty() != anomalous)
            .map(|j| j.0)
            .collect();
        s.iter().sum::<f64>() / s.len() as f64
    };
    assert!(
        mean(true) > mean(false) + 0.1,
        "{} vs {}",
        mean(true),
        mean(false)
    );
    for fact in ["iva_mismatch", "duplicate_folio"] {
        assert!(
            judged.iter().filter(|j| j.2 == fact).all(|j| j.1),
            "every {fact} is flagged"
        );
    }

    let again = scores(&model, &rows);
    assert!(
        judged
            .iter()
            .zip(&again)
            .all(|(a, b)| a.0.to_bits() == b.0.to_bits())
    );
}

/// A flagged document says why, with the model's version.
#[test]
fn flagged_documents_carry_reasons() {
    let rows = stream("reasons");
    let model = Arc::new(fitted(&rows));
    let mut scorer = Scorer::new(Arc::clone(&model));
    let mut seen = 0;
    for row in &rows {
        for scored in scorer.score(&row.document) {
            let outcome = scored.outcome.unwrap();
            assert_eq!(outcome.model, "test/0.0.1");
            if outcome.flagged {
                assert!(!outcome.reasons.is_empty());
                assert!(outcome.reasons.iter().all(|r| !r.message.is_empty()));
                seen += 1;
            }
        }
    }
    assert!(seen > 0);
}

/// A DTE without a readable folio gets an explicit reason, not a score.
#[test]
fn unreadable_documents_are_not_scored() {
    let xml = r#"<DTE version="1.0"><Documento ID="F1"><Encabezado>
      <IdDoc><TipoDTE>33</TipoDTE><Folio>abc</Folio><FchEmis>2024-05-02</FchEmis></IdDoc>
      <Emisor><RUTEmisor>76354771-K</RUTEmisor></Emisor>
      <Totales><MntTotal>100</MntTotal></Totales></Encabezado></Documento></DTE>"#;
    let (doc, _) = parse(xml.as_bytes(), &Limits::default()).unwrap();
    let mut scorer = Scorer::new(Arc::new(Model::untrained("test", "0")));
    let scored = scorer.score(&doc);
    assert_eq!(scored.len(), 1);
    assert_eq!(scored[0].rut_emisor, "76354771-K");
    assert_eq!(
        scored[0].outcome,
        Err(NotScorable::Unreadable("Folio".into()))
    );
    assert!(scorer.profile("76354771-K").is_none());
}

/// Models and profiles survive JSON, and a restored profile scores as the
/// original did.
#[test]
fn model_and_profiles_round_trip() {
    let rows = stream("serde");
    let model = fitted(&rows);
    let dir = std::env::temp_dir().join(format!("veredicto-anomaly-model-{}", std::process::id()));
    model.save(&dir).unwrap();
    let loaded = Model::load(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(loaded, model);
    assert_eq!(loaded.version(), "test/0.0.1");

    let model = Arc::new(loaded);
    let (warmup, test): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| !r.test);
    let mut scorer = Scorer::new(Arc::clone(&model));
    for row in &warmup {
        scorer.score(&row.document);
    }
    let first = test[0].document.root();
    let rut = first
        .find_text(&["Documento", "Encabezado", "Emisor", "RUTEmisor"])
        .unwrap()
        .into_owned();
    let profile = scorer.profile(&rut).unwrap().clone();
    let json = serde_json::to_string(&profile).unwrap();
    let back: IssuerProfile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, profile);

    let mut restored = Scorer::new(Arc::clone(&model));
    restored.restore(&rut, back);
    let a = scorer.score(&test[0].document);
    let b = restored.score(&test[0].document);
    assert_eq!(a, b);
    let _ = judge_row;
}
