//! The fields of one DTE that scoring reads, found once per document.
//!
//! Time comes from inside the document only: the signature time `TmstFirma`,
//! else the TED's `TSTED`, else noon of `FchEmis`. Nothing depends on when or
//! how the document arrived, so offline and streaming scores agree.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use veredicto_xml::Element;

use crate::time;

/// Why a DTE gets no score: a field that scoring needs is missing or cannot be
/// read. Deterministic, so the caller reports it and moves on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", content = "field", rename_all = "snake_case")]
pub enum NotScorable {
    /// The element holds no `Documento`, `Liquidacion` or `Exportaciones`.
    #[error("no Documento, Liquidacion or Exportaciones element to score")]
    NoDocument,
    /// A field scoring needs is absent.
    #[error("{0} is missing, so the document cannot be scored")]
    Missing(String),
    /// A field scoring needs does not read as a value.
    #[error("{0} cannot be read, so the document cannot be scored")]
    Unreadable(String),
}

/// Where the document's time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeSource {
    TmstFirma,
    Tsted,
    FchEmis,
}

/// The fields of a DTE that the features read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fields {
    pub rut_emisor: String,
    pub tipo: u16,
    pub folio: u64,
    /// Signature time, seconds since 1970-01-01 (see [`TimeSource`]).
    pub signed: i64,
    pub time_source: TimeSource,
    /// `FchEmis`, days since 1970-01-01.
    pub fch_emis: Option<i64>,
    /// Hash of `RUTRecep`.
    pub receptor: Option<u64>,
    pub rut_recep: Option<String>,
    pub neto: Option<f64>,
    pub iva: Option<f64>,
    pub tasa_iva: Option<f64>,
    pub total: f64,
    /// `Detalle` lines.
    pub lines: u32,
    /// Leading-digit counts (index 1 to 9) over line amounts and totals.
    pub first_digits: [u8; 10],
    /// Identical non-zero digits ending MntTotal (`1,489,999` has 3).
    pub repeat_run: u8,
    /// Leading digit of MntTotal.
    pub total_first: Option<usize>,
    /// The most trailing zeros of `MntNeto` or `MntTotal` (whole pesos).
    pub round_zeros: u8,
}

/// What identifies a DTE, read as far as it can be, for results that carry no
/// score.
pub(crate) fn identity(dte: Element<'_>) -> (String, String, String) {
    let Some(doc) = document_element(dte) else {
        return Default::default();
    };
    let text = |path: &[&str]| {
        doc.find_text(path)
            .map(|t| t.trim_ascii().to_owned())
            .unwrap_or_default()
    };
    (
        text(&["Encabezado", "Emisor", "RUTEmisor"]),
        text(&["Encabezado", "IdDoc", "TipoDTE"]),
        text(&["Encabezado", "IdDoc", "Folio"]),
    )
}

fn document_element(dte: Element<'_>) -> Option<Element<'_>> {
    let is_doc = |e: &Element<'_>| {
        matches!(
            e.local_name(),
            "Documento" | "Liquidacion" | "Exportaciones"
        )
    };
    if is_doc(&dte) {
        return Some(dte);
    }
    dte.elements().find(is_doc)
}

fn trimmed<'a>(text: &'a Cow<'a, str>) -> &'a str {
    text.trim_ascii()
}

/// A money amount; exports may carry decimals.
fn amount(text: &str) -> Option<f64> {
    let text = text.trim_ascii();
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Leading digit of a positive amount, 1 to 9.
fn leading_digit(value: f64) -> Option<usize> {
    if value < 1.0 || !value.is_finite() {
        return None;
    }
    let mut v = value;
    while v >= 10.0 {
        v /= 10.0;
    }
    Some((v as usize).clamp(1, 9))
}

/// Trailing zeros of a whole amount (0 for zero or fractional amounts).
fn trailing_zeros(value: f64) -> u8 {
    if value < 1.0 || value.fract() != 0.0 || value > 1e15 {
        return 0;
    }
    let mut v = value as u64;
    let mut zeros = 0;
    while v % 10 == 0 && v > 0 {
        v /= 10;
        zeros += 1;
    }
    zeros
}

/// Identical non-zero digits at the end of a whole amount.
fn repeat_run(value: f64) -> u8 {
    if value < 1.0 || value.fract() != 0.0 || value > 1e15 {
        return 0;
    }
    let mut v = value as u64;
    let last = v % 10;
    if last == 0 {
        return 0;
    }
    let mut run = 0;
    while v > 0 && v % 10 == last {
        v /= 10;
        run += 1;
    }
    run
}

/// [`repeat_run`] for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn tests_repeat_run(value: f64) -> u8 {
    repeat_run(value)
}

/// 64-bit FNV-1a with a final mix; stable across builds and platforms.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// Reads the fields of one DTE (a `<DTE>` or a bare document element).
pub(crate) fn fields(dte: Element<'_>) -> Result<Fields, NotScorable> {
    let doc = document_element(dte).ok_or(NotScorable::NoDocument)?;
    let encabezado = doc
        .child("Encabezado")
        .ok_or_else(|| NotScorable::Missing("Encabezado".into()))?;
    let id_doc = encabezado
        .child("IdDoc")
        .ok_or_else(|| NotScorable::Missing("IdDoc".into()))?;
    let required = |parent: Element<'_>, name: &str| -> Result<String, NotScorable> {
        let element = parent
            .child(name)
            .ok_or_else(|| NotScorable::Missing(name.into()))?;
        let text = element.text();
        let value = trimmed(&text);
        if value.is_empty() {
            return Err(NotScorable::Missing(name.into()));
        }
        Ok(value.to_owned())
    };

    let rut_emisor = required(
        encabezado
            .child("Emisor")
            .ok_or_else(|| NotScorable::Missing("Emisor".into()))?,
        "RUTEmisor",
    )?;
    let tipo = required(id_doc, "TipoDTE")?
        .parse::<u16>()
        .map_err(|_| NotScorable::Unreadable("TipoDTE".into()))?;
    let folio = required(id_doc, "Folio")?
        .parse::<u64>()
        .map_err(|_| NotScorable::Unreadable("Folio".into()))?;
    let totales = encabezado
        .child("Totales")
        .ok_or_else(|| NotScorable::Missing("Totales".into()))?;
    let total = amount(&required(totales, "MntTotal")?)
        .ok_or_else(|| NotScorable::Unreadable("MntTotal".into()))?;

    let fch_emis = id_doc
        .child("FchEmis")
        .and_then(|e| time::parse_date(&e.text()));
    let tmst = doc
        .child("TmstFirma")
        .and_then(|e| time::parse_timestamp(&e.text()));
    let tsted = doc
        .child("TED")
        .and_then(|t| t.find_text(&["DD", "TSTED"]))
        .and_then(|t| time::parse_timestamp(&t));
    let (signed, time_source) = match (tmst, tsted, fch_emis) {
        (Some(t), _, _) => (t, TimeSource::TmstFirma),
        (None, Some(t), _) => (t, TimeSource::Tsted),
        (None, None, Some(d)) => (d * time::DAY + 12 * 3600, TimeSource::FchEmis),
        (None, None, None) => return Err(NotScorable::Missing("TmstFirma".into())),
    };

    let rut_recep = encabezado
        .child("Receptor")
        .and_then(|r| r.child("RUTRecep"))
        .map(|e| e.text().trim_ascii().to_owned())
        .filter(|r| !r.is_empty());
    let total_field = |name: &str| totales.child(name).and_then(|e| amount(&e.text()));
    let neto = total_field("MntNeto");
    let iva = total_field("IVA");
    let tasa_iva = total_field("TasaIVA");

    let mut lines = 0u32;
    let mut first_digits = [0u8; 10];
    for detalle in doc.elements().filter(|e| e.local_name() == "Detalle") {
        lines += 1;
        if let Some(monto) = detalle.child("MontoItem").and_then(|e| amount(&e.text())) {
            if let Some(d) = leading_digit(monto) {
                first_digits[d] = first_digits[d].saturating_add(1);
            }
        }
    }
    for value in [Some(total), neto] {
        if let Some(d) = value.and_then(leading_digit) {
            first_digits[d] = first_digits[d].saturating_add(1);
        }
    }
    let round_zeros = trailing_zeros(total).max(neto.map_or(0, trailing_zeros));

    Ok(Fields {
        receptor: rut_recep.as_deref().map(|r| hash(r.as_bytes())),
        rut_recep,
        rut_emisor,
        tipo,
        folio,
        signed,
        time_source,
        fch_emis,
        neto,
        iva,
        tasa_iva,
        total,
        lines,
        first_digits,
        repeat_run: repeat_run(total),
        total_first: leading_digit(total),
        round_zeros,
    })
}

#[cfg(test)]
mod tests {
    use veredicto_xml::{Limits, parse};

    use super::*;

    const DTE: &str = r#"<DTE version="1.0"><Documento ID="F1"><Encabezado>
      <IdDoc><TipoDTE>33</TipoDTE><Folio>170</Folio><FchEmis>2024-05-02</FchEmis></IdDoc>
      <Emisor><RUTEmisor>76354771-K</RUTEmisor></Emisor>
      <Receptor><RUTRecep>96790240-3</RUTRecep></Receptor>
      <Totales><MntNeto>10000</MntNeto><TasaIVA>19</TasaIVA><IVA>1900</IVA>
        <MntTotal>11900</MntTotal></Totales></Encabezado>
      <Detalle><NroLinDet>1</NroLinDet><MontoItem>10000</MontoItem></Detalle>
      <TmstFirma>2024-05-02T10:15:00</TmstFirma></Documento></DTE>"#;

    #[test]
    fn reads_the_fields() {
        let (doc, _) = parse(DTE.as_bytes(), &Limits::default()).unwrap();
        let f = fields(doc.root()).unwrap();
        assert_eq!(f.rut_emisor, "76354771-K");
        assert_eq!((f.tipo, f.folio, f.lines), (33, 170, 1));
        assert_eq!(f.total, 11_900.0);
        assert_eq!(f.round_zeros, 4);
        assert_eq!(f.repeat_run, 0);
        assert_eq!(f.time_source, TimeSource::TmstFirma);
        assert_eq!(time::hour(f.signed), 10);
        assert_eq!(f.first_digits[1], 3);
    }

    #[test]
    fn unreadable_fields_are_reported() {
        let broken = DTE.replace("<Folio>170</Folio>", "<Folio>F-170</Folio>");
        let (doc, _) = parse(broken.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(
            fields(doc.root()),
            Err(NotScorable::Unreadable("Folio".into()))
        );
        let (doc, _) = parse(b"<DTE><Other/></DTE>", &Limits::default()).unwrap();
        assert_eq!(fields(doc.root()), Err(NotScorable::NoDocument));
    }

    #[test]
    fn trailing_zeros_count_whole_pesos() {
        assert_eq!(trailing_zeros(5_000_000.0), 6);
        assert_eq!(trailing_zeros(11_901.0), 0);
        assert_eq!(trailing_zeros(10.5), 0);
        assert_eq!(repeat_run(1_489_999.0), 4);
        assert_eq!(repeat_run(1_395_777.0), 3);
        assert_eq!(repeat_run(5_000.0), 0);
    }
}
