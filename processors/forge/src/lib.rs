//! The forge: realistic, fully signed DTEs of every type, valid or with a
//! labelled defect, deterministic from a seed.
//!
//! A forge makes its own test SII (a key for IDK 100 and its certificate),
//! issuers with valid RUTs and the certificates of their representatives,
//! and CAFs signed by that SII. Each document is generated, totalled by the
//! SII's amount rules, stamped (TED with `FRMT` over `DD`), signed (XMLDSig
//! over the `Documento` with inclusive C14N) and filed alone or in an
//! envelope that is signed in turn. The same seed gives the same bytes.
//!
//! # Layout
//!
//! - [`forge`]: [`Forge`] and [`ForgeConfig`]: parties, keys, folio books and
//!   CAFs, the clock, and the steps from content to file.
//! - [`corpus`]: a folder of files with `trust/100.cer` and `labels.csv`.
//! - [`stream`]: a time-ordered stream of many issuers' DTEs, each issuer
//!   with its own behaviour, with labelled anomalies, for anomaly detection.
//! - [`defect`]: [`Defect`], what each kind does and what a checker must
//!   report for it ([`Expectation`]).
//! - `generate`: the content of a document (parties, lines, references);
//!   `totals`: its arithmetic; `model`: the document before writing;
//!   `render`: the document element in the schema's order.
//! - `caf`, `ted`, `xmldsig`, `envelope`: the CAF and `FRMA`, the TED and
//!   `FRMT`, the XML signature, the `EnvioDTE` and `EnvioBOLETA`.
//! - `rsa`, `der`, `keys`: seeded RSA keys and PKCS#1 v1.5 signatures, the
//!   DER of X.509 certificates, and the key pool.
//! - `xml`: the writer, escaping, ISO-8859-1; `names`: the vocabulary;
//!   [`rut`], `decimal`, [`calendar`], `rng`: small pieces the rest uses.
//!
//! # Use
//!
//! ```no_run
//! use veredicto_forge::{Defect, Forge, ForgeConfig, TipoDte};
//!
//! let mut forge = Forge::new(ForgeConfig { seed: 7, ..ForgeConfig::default() })?;
//! let valid = forge.forge(TipoDte::Factura, None)?;
//! let bad = forge.forge(TipoDte::NotaCredito, Some(Defect::WrongIva))?;
//! std::fs::write("factura.xml", valid.to_bytes()?)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod caf;
pub mod calendar;
pub mod corpus;
mod decimal;
pub mod defect;
mod der;
mod envelope;
pub mod error;
pub mod forge;
mod generate;
mod keys;
mod model;
mod names;
mod render;
mod rng;
mod rsa;
pub mod rut;
pub mod stream;
mod ted;
pub mod tipo;
mod totals;
mod xml;
mod xmldsig;

pub use corpus::{LABELS_HEADER, Summary};
pub use defect::{Defect, Expectation, Stage, UnknownDefect};
pub use error::ForgeError;
pub use forge::{FileKind, Forge, ForgeConfig, ForgedDte, ForgedFile, Label};
pub use stream::{Anomaly, StreamConfig, StreamSummary, write_stream};
pub use tipo::{TipoDte, UnknownTipo};
