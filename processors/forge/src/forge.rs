//! The forge itself: its configuration, its parties and keys, the folio
//! books and CAFs of each issuer, the clock that orders emissions, and the
//! steps that turn generated content into a signed DTE and DTEs into files.

use std::collections::{HashMap, VecDeque};

use crate::caf::{self, Caf};
use crate::calendar::{Date, Timestamp};
use crate::defect::{self, Defect, Stage};
use crate::der::{self, Role, Subject};
use crate::envelope;
use crate::error::ForgeError;
use crate::generate::{self, Earlier, Inputs, Issuer};
use crate::keys::{IDK_CERTIFICATION, KeyPool};
use crate::model::Party;
use crate::names;
use crate::render;
use crate::rng::Rng;
use crate::rut::Rut;
use crate::ted;
use crate::tipo::TipoDte;
use crate::xml;
use crate::xmldsig::{self, Signer};

/// The SII's namespace, declared on every `DTE` and envelope.
pub const SII_NS: &str = "http://www.sii.cl/SiiDte";

/// How much history of each issuer notes may reference.
const HISTORY: usize = 64;
/// A CAF is replaced before it gets close to the SII's six-month limit.
const CAF_RENEWAL_DAYS: i64 = 120;
/// Folios that defects take from, far above any range the books reach, so
/// that they never collide with a folio issued normally.
const OUTSIDE_FOLIOS: u64 = 900_000_000;

/// What to forge.
#[derive(Debug, Clone, PartialEq)]
pub struct ForgeConfig {
    /// Everything follows from the seed: keys, parties, documents, defects.
    pub seed: u64,
    /// The types to draw from, uniformly.
    pub types: Vec<TipoDte>,
    /// Smallest and largest number of `Detalle` lines, within 1..=60.
    pub lines: (usize, usize),
    /// DTEs per envelope; 0 writes each DTE as a file of its own.
    pub per_envelope: usize,
    /// The share of documents that get a defect, in `[0, 1]`.
    pub defect_rate: f64,
    /// The defects to draw from; empty means all.
    pub defects: Vec<Defect>,
    /// The day the first document is signed.
    pub start: Date,
    /// Size of the SII's and the signers' RSA keys.
    pub signer_bits: u64,
    /// How many businesses issue documents.
    pub issuers: usize,
}

impl Default for ForgeConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            types: TipoDte::ALL.to_vec(),
            lines: (1, 10),
            per_envelope: 0,
            defect_rate: 0.0,
            defects: Vec::new(),
            start: Date::from_civil(2025, 3, 3),
            signer_bits: 1024,
            issuers: 12,
        }
    }
}

impl ForgeConfig {
    fn validate(&self) -> Result<(), ForgeError> {
        let problem = if self.types.is_empty() {
            Some("no document types to forge".to_owned())
        } else if self.lines.0 == 0 || self.lines.0 > self.lines.1 || self.lines.1 > 60 {
            Some(format!(
                "lines must be MIN..MAX within 1..60, not {}..{}",
                self.lines.0, self.lines.1
            ))
        } else if !(0.0..=1.0).contains(&self.defect_rate) {
            Some(format!(
                "the defect rate {} is not within 0..1",
                self.defect_rate
            ))
        } else if self.per_envelope > 500 {
            Some(format!(
                "{} DTEs per envelope is more than an EnvioBOLETA may hold (500)",
                self.per_envelope
            ))
        } else if !(512..=4096).contains(&self.signer_bits) || self.signer_bits % 64 != 0 {
            Some(format!("{} is not a usable key size", self.signer_bits))
        } else if self.issuers == 0 {
            Some("at least one issuer is needed".to_owned())
        } else if self.start.year() < 2004 || self.start.year() > 2049 {
            Some("the start date must lie between 2004 and 2049".to_owned())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(ForgeError::Config(problem)),
            None => Ok(()),
        }
    }
}

/// One signed DTE, before it is filed alone or in an envelope.
#[derive(Debug, Clone)]
pub struct ForgedDte {
    /// `TipoDTE`.
    pub tipo: TipoDte,
    /// `Folio`.
    pub folio: u64,
    /// `RUTEmisor`.
    pub rut_emisor: String,
    /// The defect it carries, `None` for a valid document.
    pub defect: Option<Defect>,
    /// `TmstFirma`.
    pub signed_at: Timestamp,
    /// The `<DTE>` element, without an XML declaration.
    pub xml: String,
    issuer: usize,
}

impl ForgedDte {
    /// The file's bytes for this DTE alone: the ISO-8859-1 declaration and
    /// the DTE, in ISO-8859-1 (or UTF-8, for that defect).
    ///
    /// # Errors
    ///
    /// [`ForgeError::Encoding`] if a character has no ISO-8859-1 byte.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ForgeError> {
        encode(&format!("{}{}", xml::DECLARATION, self.xml), self.defect)
    }
}

/// The bytes of a file's text: ISO-8859-1 as declared, or the UTF-8 bytes a
/// careless generator writes under that declaration.
fn encode(text: &str, defect: Option<Defect>) -> Result<Vec<u8>, ForgeError> {
    if defect == Some(Defect::Utf8UnderLatin1) {
        Ok(text.as_bytes().to_vec())
    } else {
        Ok(xml::latin1(text)?)
    }
}

/// One row of `labels.csv`: a DTE, where it is, and its defect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file's name in the corpus folder.
    pub file: String,
    /// Position in the envelope, 0 for a DTE alone.
    pub index: usize,
    pub tipo: TipoDte,
    pub folio: u64,
    pub rut_emisor: String,
    /// `None` is written `none`.
    pub defect: Option<Defect>,
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// One `DTE`.
    Dte,
    /// An `EnvioDTE` of one issuer's DTEs.
    EnvioDte,
    /// An `EnvioBOLETA` of one issuer's boletas.
    EnvioBoleta,
}

/// A forged file: its name, its bytes and a label per DTE in it.
#[derive(Debug, Clone)]
pub struct ForgedFile {
    /// Names sort in emission order.
    pub name: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    pub labels: Vec<Label>,
}

/// The folios of one issuer and type: the CAF in use and the next folio.
#[derive(Debug)]
struct Book {
    caf: Caf,
    next: u64,
}

/// An envelope being filled: the DTEs so far and when the first was forged.
#[derive(Debug)]
struct Open {
    dtes: Vec<ForgedDte>,
    opened: u64,
}

/// Forges DTEs and the files that carry them. See the crate documentation.
#[derive(Debug)]
pub struct Forge {
    config: ForgeConfig,
    rng: Rng,
    keys: KeyPool,
    issuers: Vec<Issuer>,
    receivers: Vec<Party>,
    clock: Timestamp,
    books: HashMap<(usize, TipoDte), Book>,
    /// Folios for defects that need one outside every range, per issuer.
    outside: Vec<u64>,
    history: Vec<VecDeque<Earlier>>,
    /// Envelopes being filled, by issuer and whether they carry boletas.
    open: HashMap<(usize, bool), Open>,
    /// Files ready to hand out, in emission order.
    ready: VecDeque<ForgedFile>,
    forged: u64,
    files: u64,
}

impl Forge {
    /// Generates the keys, the test SII's certificate and the parties.
    ///
    /// # Errors
    ///
    /// [`ForgeError::Config`] when the configuration cannot be met.
    pub fn new(config: ForgeConfig) -> Result<Self, ForgeError> {
        config.validate()?;
        let seed = config.seed;
        let start = config.start.at(8 * 3600);
        let certificates_from = config.start.plus_days(-400).at(9 * 3600);
        let keys = KeyPool::generate(
            &mut Rng::fork(seed, "keys"),
            config.signer_bits,
            certificates_from,
        );

        let mut parties = Rng::fork(seed, "parties");
        let issuers = (0..config.issuers)
            .map(|i| issuer(&mut parties, i, &keys, certificates_from))
            .collect();
        let receivers = (0..60)
            .map(|_| {
                let sector = parties.pick(names::SECTORS);
                generate::company(&mut parties, sector, false)
            })
            .collect();

        Ok(Self {
            rng: Rng::fork(seed, "documents"),
            outside: vec![OUTSIDE_FOLIOS; config.issuers],
            history: vec![VecDeque::new(); config.issuers],
            config,
            keys,
            issuers,
            receivers,
            clock: start,
            books: HashMap::new(),
            open: HashMap::new(),
            ready: VecDeque::new(),
            forged: 0,
            files: 0,
        })
    }

    /// The configuration the forge was made with.
    pub fn config(&self) -> &ForgeConfig {
        &self.config
    }

    /// DER of the test SII's certificate for IDK 100, which verifies the
    /// forged CAFs; write it as `100.cer` in a trust folder.
    pub fn trust_certificate(&self) -> &[u8] {
        &self.keys.sii_certificate
    }

    /// The next DTE: a random type of the configured ones and, at the
    /// configured rate, a random defect that applies to it.
    ///
    /// # Errors
    ///
    /// See [`Forge::forge`].
    pub fn next_dte(&mut self) -> Result<ForgedDte, ForgeError> {
        let tipo = *self.rng.pick(&self.config.types);
        let wants_defect =
            self.config.defect_rate > 0.0 && self.rng.chance(self.config.defect_rate);
        self.forge_inner(tipo, DefectChoice::Random(wants_defect))
    }

    /// A DTE of type `tipo`, valid or with `defect`.
    ///
    /// # Errors
    ///
    /// [`ForgeError::DefectNotApplicable`] when `defect` cannot apply to this
    /// type; the others only on a bug in the forge.
    pub fn forge(
        &mut self,
        tipo: TipoDte,
        defect: Option<Defect>,
    ) -> Result<ForgedDte, ForgeError> {
        match defect {
            Some(d) => self.forge_inner(tipo, DefectChoice::This(d)),
            None => self.forge_inner(tipo, DefectChoice::Random(false)),
        }
    }

    fn forge_inner(
        &mut self,
        tipo: TipoDte,
        choice: DefectChoice,
    ) -> Result<ForgedDte, ForgeError> {
        // The clock moves at least 20 seconds per document, so an envelope
        // sealed a few seconds after its last DTE comes before the next one.
        self.clock = self.clock.plus_seconds(self.rng.between(20, 240) as i64);
        let signed_at = self.clock;
        let issuer_index = self.rng.index(self.issuers.len());

        let (mut doc, defect) = self.content(tipo, issuer_index, signed_at, choice)?;
        if let Some(d) = defect.filter(|d| d.stage() == Stage::Content) {
            d.bend_content(&mut doc, &mut self.rng);
        }

        // CAFs are authorised before the documents they stamp are issued.
        let caf = self.folio(issuer_index, tipo, defect, doc.issued.min(signed_at.date()))?;
        doc.folio = match defect {
            Some(Defect::FolioOutsideCaf) => self.take_outside(issuer_index),
            _ => caf.1,
        };
        let caf = caf.0;

        let stamp_bend = ted::Bend {
            mnt_differs: defect == Some(Defect::DdMismatch),
            broken_frmt: defect == Some(Defect::FrmtMismatch),
        };
        let caf_key = &self.keys.cafs[caf.key];
        let ted = ted::stamp(&doc, &caf, caf_key, signed_at, stamp_bend)?;

        let issuer = &self.issuers[issuer_index];
        let head = format!("<DTE xmlns=\"{SII_NS}\" version=\"1.0\">\n");
        let body = render::document(&doc, &ted);
        let unsigned = format!("{head}{body}</DTE>\n");
        let signature_bend = xmldsig::Bend {
            broken_value: defect == Some(Defect::WrongSignatureValue),
            key_value: (defect == Some(Defect::KeyInfoMismatch)).then(|| {
                let other = (issuer.key + 1) % self.keys.signers.len();
                self.keys.signers[other].public()
            }),
        };
        let signer = Signer {
            key: &self.keys.signers[issuer.key],
            certificate: &issuer.certificate,
        };
        let signature = xmldsig::signature(&unsigned, &doc.id(), signer, &signature_bend)?;

        let body = if defect == Some(Defect::TamperedAfterSigning) {
            let mut tampered = doc.clone();
            defect::retag(&mut tampered);
            render::document(&tampered, &ted)
        } else {
            body
        };
        let xml = format!("{head}{body}{signature}</DTE>\n");

        if defect.is_none() {
            let history = &mut self.history[issuer_index];
            if history.len() == HISTORY {
                history.pop_front();
            }
            history.push_back(Earlier {
                tipo,
                folio: doc.folio,
                issued: doc.issued,
                receptor: doc.receptor.clone(),
                lines: doc.lines.clone(),
                totals: doc.totals.clone(),
            });
        }
        self.forged += 1;
        Ok(ForgedDte {
            tipo,
            folio: doc.folio,
            rut_emisor: doc.emisor.rut.clone(),
            defect,
            signed_at,
            xml,
            issuer: issuer_index,
        })
    }

    /// Generates content, drawing again until the defect asked for applies.
    fn content(
        &mut self,
        tipo: TipoDte,
        issuer: usize,
        signed_at: Timestamp,
        choice: DefectChoice,
    ) -> Result<(crate::model::Document, Option<Defect>), ForgeError> {
        // The deque made contiguous lends the history as a slice, without a
        // copy per document.
        let history = self.history[issuer].make_contiguous();
        let inputs = Inputs {
            issuer: &self.issuers[issuer],
            receivers: &self.receivers,
            earlier: history,
            signed_at,
            lines: self.config.lines,
        };
        match choice {
            DefectChoice::Random(false) => {
                Ok((generate::document(&mut self.rng, tipo, &inputs), None))
            }
            DefectChoice::Random(true) => {
                let doc = generate::document(&mut self.rng, tipo, &inputs);
                let pool: &[Defect] = if self.config.defects.is_empty() {
                    &Defect::ALL
                } else {
                    &self.config.defects
                };
                let applicable: Vec<Defect> = pool
                    .iter()
                    .copied()
                    .filter(|d| d.applies_to(&doc))
                    .collect();
                let defect = if applicable.is_empty() {
                    None
                } else {
                    Some(*self.rng.pick(&applicable))
                };
                Ok((doc, defect))
            }
            DefectChoice::This(defect) => {
                // Some defects need content of a kind (a priced line, an IVA);
                // a few draws find it when the type allows it at all.
                for _ in 0..32 {
                    let doc = generate::document(&mut self.rng, tipo, &inputs);
                    if defect.applies_to(&doc) {
                        return Ok((doc, Some(defect)));
                    }
                }
                Err(ForgeError::DefectNotApplicable { defect, tipo })
            }
        }
    }

    /// The CAF a document is stamped under and its folio. A defect of the
    /// CAF stage gets a CAF of its own: older than allowed, for another type,
    /// or not signed by the SII.
    fn folio(
        &mut self,
        issuer: usize,
        tipo: TipoDte,
        defect: Option<Defect>,
        today: Date,
    ) -> Result<(Caf, u64), ForgeError> {
        match defect {
            Some(Defect::ExpiredCaf) => {
                let months = self.rng.between(7, 20) as u32;
                let authorised = today.minus_months(months).plus_days(-1);
                self.special_caf(issuer, tipo, authorised, true)
            }
            Some(Defect::CafForOtherType) => {
                let other = tipo.sibling().unwrap_or(tipo);
                let authorised = today.plus_days(-(self.rng.between(1, 30) as i64));
                self.special_caf(issuer, other, authorised, true)
            }
            Some(Defect::ForgedCafSignature) => {
                let authorised = today.plus_days(-(self.rng.between(1, 30) as i64));
                self.special_caf(issuer, tipo, authorised, false)
            }
            _ => self.book_folio(issuer, tipo, today),
        }
    }

    /// The next folio of the issuer's book for `tipo`, under a new CAF when
    /// the current one is used up or getting old.
    fn book_folio(
        &mut self,
        issuer: usize,
        tipo: TipoDte,
        today: Date,
    ) -> Result<(Caf, u64), ForgeError> {
        // A new CAF continues after the old one's range; folios an aging CAF
        // leaves unused are skipped, as issuers let them lapse.
        let renew = match self.books.get(&(issuer, tipo)) {
            None => Some(self.rng.between(1, 4_000)),
            Some(book) if book.next > book.caf.to => Some(book.caf.to + 1),
            Some(book) if today.days_since(book.caf.authorised) > CAF_RENEWAL_DAYS => {
                Some(book.caf.to + 1)
            }
            Some(_) => None,
        };
        if let Some(from) = renew {
            let size = *self.rng.pick(&[50u64, 100, 200, 500]);
            let authorised = today.plus_days(-(self.rng.between(0, 20) as i64));
            let key = self.rng.index(self.keys.cafs.len());
            let caf = self.issue_caf(issuer, tipo, from, from + size - 1, authorised, key, true)?;
            self.books.insert((issuer, tipo), Book { caf, next: from });
        }
        let book = self
            .books
            .get_mut(&(issuer, tipo))
            .ok_or_else(|| ForgeError::Config("no folio book".to_owned()))?;
        let folio = book.next;
        book.next += 1;
        Ok((book.caf.clone(), folio))
    }

    /// A CAF of ten folios for one defective document, taken from the
    /// issuer's range outside every book so no folio is ever issued twice.
    fn special_caf(
        &mut self,
        issuer: usize,
        caf_tipo: TipoDte,
        authorised: Date,
        genuine: bool,
    ) -> Result<(Caf, u64), ForgeError> {
        let from = self.take_outside(issuer);
        self.outside[issuer] += 9;
        let key = self.rng.index(self.keys.cafs.len());
        let caf = self.issue_caf(issuer, caf_tipo, from, from + 9, authorised, key, genuine)?;
        Ok((caf, from))
    }

    fn take_outside(&mut self, issuer: usize) -> u64 {
        let folio = self.outside[issuer];
        self.outside[issuer] += 1;
        folio
    }

    #[allow(clippy::too_many_arguments)]
    fn issue_caf(
        &self,
        issuer: usize,
        tipo: TipoDte,
        from: u64,
        to: u64,
        authorised: Date,
        key: usize,
        genuine: bool,
    ) -> Result<Caf, ForgeError> {
        let party = &self.issuers[issuer].party;
        let request = caf::Request {
            rut: &party.rut,
            name: &party.name,
            tipo,
            from,
            to,
            authorised,
            idk: IDK_CERTIFICATION,
        };
        // A forged CAF claims the SII's key id but is signed with a key that
        // is not the SII's: a signer's.
        let signer = if genuine {
            &self.keys.sii
        } else {
            &self.keys.signers[0]
        };
        caf::issue(&request, &self.keys.cafs[key], key, signer)
    }

    /// Puts `dtes`, all of one issuer, into one envelope signed by the
    /// issuer's representative: `EnvioBOLETA` for boletas, `EnvioDTE` for the
    /// rest.
    ///
    /// # Errors
    ///
    /// [`ForgeError::Config`] when `dtes` is empty, mixes issuers or mixes
    /// boletas with other types; the others only on a bug in the forge.
    pub fn seal(&mut self, dtes: Vec<ForgedDte>) -> Result<ForgedFile, ForgeError> {
        let Some(first) = dtes.first() else {
            return Err(ForgeError::Config(
                "an envelope needs at least one DTE".to_owned(),
            ));
        };
        let issuer_index = first.issuer;
        let boletas = first.tipo.is_boleta();
        if dtes
            .iter()
            .any(|d| d.issuer != issuer_index || d.tipo.is_boleta() != boletas)
        {
            return Err(ForgeError::Config(
                "an envelope carries the DTEs of one issuer, boletas apart".to_owned(),
            ));
        }
        if dtes
            .iter()
            .any(|d| d.defect == Some(Defect::Utf8UnderLatin1))
        {
            return Err(ForgeError::Config(
                "a DTE written as UTF-8 is filed alone: its encoding is its file's".to_owned(),
            ));
        }
        self.clock = self.clock.plus_seconds(self.rng.between(1, 15) as i64);
        let issuer = &self.issuers[issuer_index];
        let caratula = envelope::Caratula {
            rut_emisor: &issuer.party.rut,
            rut_envia: &issuer.representative.1,
            resolution: issuer.resolution,
            signed_at: self.clock,
        };
        let signer = Signer {
            key: &self.keys.signers[issuer.key],
            certificate: &issuer.certificate,
        };
        let kind = if boletas {
            FileKind::EnvioBoleta
        } else {
            FileKind::EnvioDte
        };
        let text = envelope::seal(kind, &caratula, &dtes, signer)?;
        let bytes = encode(&format!("{}{}", xml::DECLARATION, text), None)?;

        let name = self.file_name(&format!(
            "{}-{}-{}dte",
            if boletas { "EnvioBOLETA" } else { "EnvioDTE" },
            issuer.party.rut,
            dtes.len()
        ));
        let labels = dtes
            .iter()
            .enumerate()
            .map(|(index, d)| label(&name, index, d))
            .collect();
        Ok(ForgedFile {
            name,
            kind,
            bytes,
            labels,
        })
    }

    /// The file for one DTE alone.
    ///
    /// # Errors
    ///
    /// [`ForgeError::Encoding`] if a character has no ISO-8859-1 byte.
    pub fn file_alone(&mut self, dte: ForgedDte) -> Result<ForgedFile, ForgeError> {
        let name = self.file_name(&format!(
            "DTE-{}-{}-{}",
            dte.rut_emisor,
            dte.tipo.code(),
            dte.folio
        ));
        Ok(ForgedFile {
            bytes: dte.to_bytes()?,
            labels: vec![label(&name, 0, &dte)],
            kind: FileKind::Dte,
            name,
        })
    }

    /// `NNNNNNN-what.xml`: the number keeps lexical order equal to emission
    /// order.
    fn file_name(&mut self, what: &str) -> String {
        self.files += 1;
        format!("{:07}-{what}.xml", self.files)
    }

    /// The next file of a run of `count` DTEs (counted from the forge's
    /// start), filed as the configuration says; `None` when the run is done
    /// and every envelope sealed.
    ///
    /// A DTE with the UTF-8 defect is always filed alone: its encoding is the
    /// file's, and would otherwise spill onto its neighbours.
    ///
    /// # Errors
    ///
    /// As [`Forge::next_dte`] and [`Forge::seal`].
    pub fn next_file(&mut self, count: u64) -> Result<Option<ForgedFile>, ForgeError> {
        while self.ready.is_empty() && self.forged < count {
            let dte = self.next_dte()?;
            let alone =
                self.config.per_envelope == 0 || dte.defect == Some(Defect::Utf8UnderLatin1);
            if alone {
                let file = self.file_alone(dte)?;
                self.ready.push_back(file);
                continue;
            }
            let key = (dte.issuer, dte.tipo.is_boleta());
            let opened = self.forged;
            let envelope = self.open.entry(key).or_insert_with(|| Open {
                dtes: Vec::new(),
                opened,
            });
            envelope.dtes.push(dte);
            if envelope.dtes.len() >= self.config.per_envelope {
                if let Some(full) = self.open.remove(&key) {
                    let file = self.seal(full.dtes)?;
                    self.ready.push_back(file);
                }
            }
        }
        if self.ready.is_empty() && !self.open.is_empty() {
            // The run is over: seal what is left, oldest envelope first.
            let mut left: Vec<((usize, bool), u64)> =
                self.open.iter().map(|(k, o)| (*k, o.opened)).collect();
            left.sort_by_key(|&(_, opened)| opened);
            for (key, _) in left {
                if let Some(open) = self.open.remove(&key) {
                    let file = self.seal(open.dtes)?;
                    self.ready.push_back(file);
                }
            }
        }
        Ok(self.ready.pop_front())
    }
}

fn label(file: &str, index: usize, dte: &ForgedDte) -> Label {
    Label {
        file: file.to_owned(),
        index,
        tipo: dte.tipo,
        folio: dte.folio,
        rut_emisor: dte.rut_emisor.clone(),
        defect: dte.defect,
    }
}

/// Whether the defect is drawn or given.
#[derive(Debug, Clone, Copy)]
enum DefectChoice {
    /// Draw one at random when `true`.
    Random(bool),
    This(Defect),
}

/// A business, its representative and the representative's certificate.
pub(crate) fn issuer(rng: &mut Rng, index: usize, keys: &KeyPool, since: Timestamp) -> Issuer {
    let sector = &names::SECTORS[index % names::SECTORS.len()];
    let party = generate::company(rng, sector, true);
    let person = names::person(rng);
    let person_rut = Rut::person(rng).to_string();
    let key = index % keys.signers.len();
    let email = names::email(rng, &party.name);
    let subject = Subject {
        common_name: &person,
        organisation: &party.name,
        unit: Some("Firma Electrónica Avanzada (pruebas)"),
        email: Some(&email),
        rut: Some(&person_rut),
    };
    let certificate = der::self_signed_certificate(
        &keys.signers[key],
        &subject,
        rng.between(1, u64::from(u32::MAX)),
        since,
        3 * 365,
        Role::Signer,
    );
    let resolution_date = since.date().plus_days(-(rng.between(30, 900) as i64));
    Issuer {
        party,
        sector,
        representative: (person, person_rut),
        key,
        certificate,
        resolution: (resolution_date, 0),
    }
}
