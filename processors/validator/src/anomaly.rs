//! Anomaly scores for the DTEs of one input, counted as verdicts count them.
//!
//! `veredicto check` and the streaming anomaly processor both score through
//! [`score`], so a document gets the same score offline and on Kafka when
//! its issuer's documents come in the same order.

use veredicto_anomaly::Scorer;
use veredicto_xml::Limits;

use crate::{AnomalyOutcome, DocumentId, document_id, dtes_of};

/// The anomaly result of one DTE of an input.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoring {
    pub document: DocumentId,
    /// Position of the DTE in its envelope, as in [`crate::Source`].
    pub index: usize,
    /// `None` when the DTE's fields could not be read well enough to score.
    pub anomaly: Option<AnomalyOutcome>,
    /// Why there is no score.
    pub note: Option<String>,
}

/// Scores every DTE of an input in order, updating its issuer's state.
/// Input that cannot be read, and DTEs that name no document, yield
/// nothing: there is no verdict to attach a score to.
pub fn score(scorer: &mut Scorer, bytes: &[u8], limits: &Limits) -> Vec<Scoring> {
    let Ok((document, _)) = veredicto_xml::parse(bytes, limits) else {
        return Vec::new();
    };
    dtes_of(document.root())
        .into_iter()
        .enumerate()
        .filter_map(|(index, dte)| {
            let document = document_id(dte)?;
            let scored = scorer.score_dte(dte, index);
            let (anomaly, note) = match &scored.outcome {
                Ok(outcome) => (Some(AnomalyOutcome::from(outcome)), None),
                Err(why) => (None, Some(why.to_string())),
            };
            Some(Scoring {
                document,
                index,
                anomaly,
                note,
            })
        })
        .collect()
}
