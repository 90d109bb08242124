//! From a planned document to the bytes of a signed DTE, with the forge's
//! keys, parties, generation, stamp and signature. Documents are rendered in
//! arrival order, so the notes of an issuer can reference its earlier
//! facturas, and each issuer's CAFs are requested as its folios need them.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::caf::{self, Caf};
use crate::calendar::Date;
use crate::error::ForgeError;
use crate::forge::{self, SII_NS};
use crate::generate::{self, Earlier, Inputs, Issuer};
use crate::keys::{IDK_CERTIFICATION, KeyPool};
use crate::model::{Document, Party};
use crate::names;
use crate::render;
use crate::rng::Rng;
use crate::ted;
use crate::tipo::TipoDte;
use crate::xml;
use crate::xmldsig::{self, Signer};

use super::Anomaly;
use super::amounts;
use super::plan::{Amount, Plan, Planned};
use super::profile::uniform;

/// How much of each issuer's history notes may reference.
const HISTORY: usize = 64;
/// A CAF is replaced well before the SII's six-month limit.
const CAF_RENEWAL_DAYS: i64 = 120;
/// Size of the signers' and the test SII's keys.
const SIGNER_BITS: u64 = 1024;

/// The CAFs of one issuer and type, newest last, each with its first folio.
type Book = Vec<(u64, Caf)>;

/// Renders the documents of one plan.
#[derive(Debug)]
pub struct Renderer<'p> {
    plan: &'p Plan,
    keys: KeyPool,
    issuers: Vec<Issuer>,
    receivers: Vec<Party>,
    books: HashMap<(usize, TipoDte), Book>,
    history: Vec<VecDeque<Earlier>>,
    rng: Rng,
}

impl<'p> Renderer<'p> {
    /// Generates the keys, the issuers and the receivers of `plan`.
    ///
    /// # Errors
    ///
    /// None in practice; the signature keeps room for the forge's errors.
    pub fn new(plan: &'p Plan) -> Result<Self, ForgeError> {
        let config = plan.config();
        let seed = config.seed;
        let since = config.start.plus_days(-400).at(9 * 3600);
        let keys = KeyPool::generate(&mut Rng::fork(seed, "keys"), SIGNER_BITS, since);
        let mut parties = Rng::fork(seed, "stream-parties");
        let issuers: Vec<Issuer> = (0..config.issuers)
            .map(|i| forge::issuer(&mut parties, i, &keys, since))
            .collect();
        let taken: HashSet<&str> = issuers.iter().map(|i| i.party.rut.as_str()).collect();
        let mut receivers = Vec::with_capacity(plan.receivers);
        while receivers.len() < plan.receivers {
            let sector = parties.pick(names::SECTORS);
            let party = generate::company(&mut parties, sector, false);
            if !taken.contains(party.rut.as_str()) {
                receivers.push(party);
            }
        }
        Ok(Self {
            plan,
            keys,
            history: vec![VecDeque::new(); issuers.len()],
            issuers,
            receivers,
            books: HashMap::new(),
            rng: Rng::fork(seed, "stream-documents"),
        })
    }

    /// DER of the test SII's certificate, which verifies the CAFs.
    pub fn trust_certificate(&self) -> &[u8] {
        &self.keys.sii_certificate
    }

    /// The file's bytes for `planned` and its RUTEmisor.
    ///
    /// # Errors
    ///
    /// Only on a bug in the forge.
    pub fn render(&mut self, planned: &Planned) -> Result<(Vec<u8>, String), ForgeError> {
        let mut doc = self.content(planned);
        doc.folio = planned.folio;
        let caf = self.caf(
            planned.issuer,
            planned.tipo,
            planned.folio,
            planned.signed.date(),
        )?;

        let ted = ted::stamp(
            &doc,
            &caf,
            &self.keys.cafs[caf.key],
            planned.signed,
            ted::Bend::default(),
        )?;
        let issuer = &self.issuers[planned.issuer];
        let head = format!("<DTE xmlns=\"{SII_NS}\" version=\"1.0\">\n");
        let body = render::document(&doc, &ted);
        let unsigned = format!("{head}{body}</DTE>\n");
        let signer = Signer {
            key: &self.keys.signers[issuer.key],
            certificate: &issuer.certificate,
        };
        let signature =
            xmldsig::signature(&unsigned, &doc.id(), signer, &xmldsig::Bend::default())?;
        let text = format!("{}{head}{body}{signature}</DTE>\n", xml::DECLARATION);
        let bytes = xml::latin1(&text)?;

        if planned.anomaly.is_none() {
            self.remember(planned.issuer, &doc);
        }
        Ok((bytes, doc.emisor.rut.clone()))
    }

    /// The content of `planned`: generated, dated, brought to its amount.
    fn content(&mut self, planned: &Planned) -> Document {
        let issuer = &self.issuers[planned.issuer];
        let receivers = std::slice::from_ref(&self.receivers[planned.receptor]);
        let history = self.history[planned.issuer].make_contiguous();
        let inputs = Inputs {
            issuer,
            receivers,
            earlier: history,
            signed_at: planned.signed,
            lines: (planned.lines.max(1), planned.lines.max(1)),
        };
        let forced_note = planned.tipo.is_note() && planned.amount != Amount::Keep;
        let mut doc = generate::document(&mut self.rng, planned.tipo, &inputs);
        if forced_note {
            // A note of a given size corrects amounts (CodRef 3) on priced
            // lines; a few draws find one.
            for _ in 0..16 {
                if doc.cod_ref() == Some(3) && doc.lines.iter().any(|l| l.price.is_some()) {
                    break;
                }
                doc = generate::document(&mut self.rng, planned.tipo, &inputs);
            }
            if doc.cod_ref() != Some(3) || !doc.lines.iter().any(|l| l.price.is_some()) {
                let line = generate::new_line(&mut self.rng, &doc, issuer.sector);
                doc.lines = vec![line];
                if let Some(reference) = doc.references.first_mut() {
                    reference.cod_ref = Some(3);
                    reference.razon = Some((*self.rng.pick(names::AMOUNT_REASONS)).to_owned());
                }
            }
        }
        set_issued(&mut doc, planned.issued);
        doc.signed_at = planned.signed;

        let amount = match planned.amount {
            Amount::Keep if planned.tipo.is_note() && !references_history(&doc, history) => {
                // A note about a document from before the stream: sized as
                // the issuer's notes are.
                let median = self
                    .plan
                    .median(planned.issuer, planned.tipo, planned.signed.date());
                Amount::Approx((median * uniform(&mut self.rng, 0.1, 1.2)).round() as i64)
            }
            other => other,
        };
        match amount {
            Amount::Keep => crate::totals::compute(&mut doc),
            Amount::Approx(total) => amounts::approximate(&mut doc, total),
            Amount::Base(base) => amounts::exact_base(&mut doc, base),
            Amount::Total(total) => amounts::exact_total(&mut doc, total),
        }
        if planned.anomaly == Some(Anomaly::IvaMismatch) {
            amounts::wrong_iva(&mut doc, &mut self.rng);
        }
        doc
    }

    /// Keeps `doc` as one a later note may reference.
    fn remember(&mut self, issuer: usize, doc: &Document) {
        if !matches!(
            doc.tipo,
            TipoDte::Factura | TipoDte::FacturaExenta | TipoDte::NotaCredito
        ) {
            return;
        }
        let history = &mut self.history[issuer];
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(Earlier {
            tipo: doc.tipo,
            folio: doc.folio,
            issued: doc.issued,
            receptor: doc.receptor.clone(),
            lines: doc.lines.clone(),
            totals: doc.totals.clone(),
        });
    }

    /// A CAF of the issuer for `tipo` that covers `folio` and is young
    /// enough on `today`, requested when none is.
    fn caf(
        &mut self,
        issuer: usize,
        tipo: TipoDte,
        folio: u64,
        today: Date,
    ) -> Result<Caf, ForgeError> {
        let book = self.books.entry((issuer, tipo)).or_default();
        let usable = book.iter().rev().find(|(from, caf)| {
            (*from..=caf.to).contains(&folio)
                && caf.authorised <= today
                && today.days_since(caf.authorised) <= CAF_RENEWAL_DAYS
        });
        if let Some((_, caf)) = usable {
            return Ok(caf.clone());
        }
        // A first CAF may have been in use before the stream began.
        let from = if book.is_empty() {
            folio - self.rng.between(0, (folio - 1).min(40))
        } else {
            folio
        };
        let profile = &self.plan.profiles[issuer];
        let per_month = profile.rate * 30.0;
        let size = *[50u64, 100, 200, 500, 1_000, 2_000, 5_000]
            .iter()
            .find(|&&s| s as f64 >= per_month * uniform(&mut self.rng, 0.5, 2.0))
            .unwrap_or(&5_000);
        let authorised = today.plus_days(-(self.rng.between(0, 20) as i64));
        let key = self.rng.index(self.keys.cafs.len());
        let party = &self.issuers[issuer].party;
        let request = caf::Request {
            rut: &party.rut,
            name: &party.name,
            tipo,
            from,
            to: from + size - 1,
            authorised,
            idk: IDK_CERTIFICATION,
        };
        let caf = caf::issue(&request, &self.keys.cafs[key], key, &self.keys.sii)?;
        self.books
            .entry((issuer, tipo))
            .or_default()
            .push((from, caf.clone()));
        Ok(caf)
    }
}

/// Whether the note `doc` references a document of `history`.
fn references_history(doc: &Document, history: &[Earlier]) -> bool {
    doc.references.first().is_some_and(|r| {
        history.iter().any(|e| {
            e.folio.to_string() == r.folio_ref && e.tipo.code().to_string() == r.tpo_doc_ref
        })
    })
}

/// Gives `doc` the FchEmis `issued`: its due date moves with it, a purchase
/// order's date too; a note keeps the date of what it modifies, which is
/// never after its own.
fn set_issued(doc: &mut Document, issued: Date) {
    let delta = issued.days_since(doc.issued);
    doc.issued = issued;
    doc.fch_emis = issued.to_string();
    doc.fch_venc = doc.fch_venc.map(|d| d.plus_days(delta));
    for reference in &mut doc.references {
        if reference.cod_ref.is_none() {
            reference.fch_ref = reference.fch_ref.plus_days(delta);
        }
        reference.fch_ref = reference.fch_ref.min(issued);
    }
}
