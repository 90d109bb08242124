//! Generating the content of one document: who issues it and to whom, what
//! it sells, how it is paid, what it references, and its totals.
//!
//! Everything is drawn from the forge's [`Rng`], so a seed gives the same
//! documents. Content is valid by construction; defects are applied after.

use crate::calendar::{Date, Timestamp};
use crate::decimal::Dec;
use crate::model::{
    Commission, Customs, Document, Global, Line, Omissions, Party, Reference, Totals, Transport,
};
use crate::names::{self, Item, Sector};
use crate::rng::Rng;
use crate::rut::{self, Rut};
use crate::tipo::TipoDte;
use crate::totals;

/// A business that issues documents: its party data, its trade and who
/// signs for it.
#[derive(Debug, Clone)]
pub struct Issuer {
    pub party: Party,
    pub sector: &'static Sector,
    /// The legal representative who signs: name and RUT.
    pub representative: (String, String),
    /// Index of the representative's key in the pool.
    pub key: usize,
    /// DER of the representative's certificate.
    pub certificate: Vec<u8>,
    /// The SII resolution that authorises the issuer (`FchResol`,
    /// `NroResol`; 0 in certification).
    pub resolution: (Date, u32),
}

/// A document issued earlier, which a note may reference.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub tipo: TipoDte,
    pub folio: u64,
    pub issued: Date,
    pub receptor: Party,
    pub lines: Vec<Line>,
    pub totals: Totals,
}

/// Everything generation reads besides the random stream.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub issuer: &'a Issuer,
    pub receivers: &'a [Party],
    /// The issuer's earlier valid documents, oldest first.
    pub earlier: &'a [Earlier],
    pub signed_at: Timestamp,
    /// Smallest and largest number of lines.
    pub lines: (usize, usize),
}

/// A party for an issuer or a domestic receiver of `sector`.
pub fn company(rng: &mut Rng, sector: &'static Sector, issuer: bool) -> Party {
    let name = names::company(rng, sector);
    let (comuna, city) = *rng.pick(names::PLACES);
    let email = names::email(rng, &name);
    let branch = if issuer && rng.chance(0.4) {
        Some((
            format!("Sucursal {}", truncate(comuna, 10)),
            rng.between(10_000_000, 99_999_999) as u32,
        ))
    } else {
        None
    };
    Party {
        rut: Rut::company(rng).to_string(),
        giro: if issuer {
            sector.giro.to_owned()
        } else {
            sector.giro_short.to_owned()
        },
        acteco: Some(sector.acteco),
        address: names::address(rng),
        comuna: comuna.to_owned(),
        city: city.to_owned(),
        phone: issuer.then(|| format!("+56 2 2{}", rng.between(1_000_000, 9_999_999))),
        contact: (!issuer && rng.chance(0.5)).then(|| names::person(rng)),
        email: Some(email),
        branch,
        foreign: None,
        name,
    }
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// Generates a valid document of type `tipo`. Folio and TED come later.
pub fn document(rng: &mut Rng, tipo: TipoDte, input: &Inputs<'_>) -> Document {
    let signed = input.signed_at.date();
    let issued = if tipo.is_boleta() || rng.chance(0.8) {
        signed
    } else {
        signed.plus_days(-(rng.between(1, 2) as i64))
    };
    // A note modifies an earlier document of the same receiver.
    let target = if tipo.is_note() {
        note_target(rng, tipo, input)
    } else {
        None
    };
    let receptor = match target {
        Some(e) => e.receptor.clone(),
        None => receiver(rng, tipo, input),
    };

    let mut doc = Document {
        tipo,
        folio: 0,
        fch_emis: issued.to_string(),
        issued,
        fch_venc: None,
        fma_pago: None,
        ind_traslado: None,
        ind_servicio: None,
        emisor: input.issuer.party.clone(),
        receptor,
        transport: None,
        lines: Vec::new(),
        globals: Vec::new(),
        references: Vec::new(),
        commissions: Vec::new(),
        totals: Totals::default(),
        signed_at: input.signed_at,
        omit: Omissions::default(),
    };

    if tipo.is_boleta() {
        doc.ind_servicio = Some(3);
    } else if tipo != TipoDte::Guia {
        let credit = rng.chance(0.6);
        doc.fma_pago = Some(if credit { 2 } else { 1 });
        if credit {
            doc.fch_venc = Some(issued.plus_days(*rng.pick(&[30, 45, 60, 90])));
        }
    }
    if tipo.is_export() {
        export_terms(rng, &mut doc, target);
    }

    let count = rng.between(input.lines.0 as u64, input.lines.1 as u64) as usize;
    if tipo.is_note() {
        note(rng, &mut doc, input.issuer.sector, target, count);
    } else {
        for _ in 0..count {
            let line = new_line(rng, &doc, input.issuer.sector);
            doc.lines.push(line);
        }
        ensure_taxed_first(&mut doc);
    }

    match tipo {
        TipoDte::Factura if rng.chance(0.25) => {
            doc.references.push(purchase_order(rng, issued));
        }
        TipoDte::Guia => guide(rng, &mut doc),
        TipoDte::Liquidacion => {
            for line in &mut doc.lines {
                line.tpo_doc_liq = Some(if rng.chance(0.8) { "33" } else { "39" });
            }
        }
        _ => {}
    }

    // Line amounts first: a global discount and a liquidación's commission
    // are on their net sum.
    for line in &mut doc.lines {
        totals::price_line(tipo, line);
    }
    let taxed = doc
        .lines
        .iter()
        .filter(|l| !totals::is_exempt_line(tipo, l))
        .fold(Dec::ZERO, |sum, l| sum.add(l.amount));
    if tipo == TipoDte::Factura && rng.chance(0.1) && taxed.round_int() > 20_000 {
        doc.globals.push(global_discount(rng, taxed.round_int()));
    }
    if tipo == TipoDte::Liquidacion {
        let rate = *rng.pick(&[Dec::new(35, 1), Dec::int(5), Dec::new(85, 1), Dec::int(10)]);
        let (value, iva) = totals::commission(taxed, rate);
        doc.commissions.push(Commission {
            glosa: "Comisión por venta en consignación".to_owned(),
            rate,
            neto: value,
            exe: Dec::ZERO,
            iva,
        });
    }
    totals::compute(&mut doc);
    if let Some(customs) = doc.transport.as_mut().and_then(|t| t.customs.as_mut()) {
        customs.clause_total = doc.totals.total;
    }
    doc
}

/// The earlier document a note modifies, mostly a recent one; `None` when
/// the issuer has none (the note then references one issued before the
/// forge's history).
fn note_target<'a>(rng: &mut Rng, tipo: TipoDte, input: &Inputs<'a>) -> Option<&'a Earlier> {
    let targets: Vec<&Earlier> = input
        .earlier
        .iter()
        .filter(|e| note_may_reference(tipo, e.tipo))
        .collect();
    if targets.is_empty() || rng.chance(0.1) {
        return None;
    }
    let from = targets.len().saturating_sub(20);
    Some(targets[from + rng.index(targets.len() - from)])
}

/// The receiver: a company for most types, a consumer for boletas, a
/// foreign buyer for exports, a person who sells for a factura de compra.
fn receiver(rng: &mut Rng, tipo: TipoDte, input: &Inputs<'_>) -> Party {
    if tipo.is_boleta() {
        let (rut, name) = if rng.chance(0.75) {
            (
                rut::GENERIC_BOLETA_RECEIVER.to_owned(),
                "Consumidor final".to_owned(),
            )
        } else {
            (Rut::person(rng).to_string(), names::person(rng))
        };
        return Party {
            rut,
            name,
            giro: String::new(),
            acteco: None,
            address: String::new(),
            comuna: String::new(),
            city: String::new(),
            email: None,
            phone: None,
            contact: None,
            branch: None,
            foreign: None,
        };
    }
    if tipo.is_export() {
        let (name, country, city) = *rng.pick(names::FOREIGN_BUYERS);
        return Party {
            rut: rut::FOREIGN_RECEIVER.to_owned(),
            name: name.to_owned(),
            giro: "Importador y distribuidor".to_owned(),
            acteco: None,
            address: format!("{} Harbour Street", rng.between(10, 2_500)),
            comuna: String::new(),
            city: city.to_owned(),
            email: None,
            phone: None,
            contact: Some(names::person(rng)),
            branch: None,
            foreign: Some((
                format!("TAX-{}", rng.between(10_000_000, 99_999_999)),
                country,
            )),
        };
    }
    if tipo == TipoDte::FacturaCompra {
        let (comuna, city) = *rng.pick(names::PLACES);
        return Party {
            rut: Rut::person(rng).to_string(),
            name: names::person(rng),
            giro: "Productor agrícola".to_owned(),
            acteco: None,
            address: names::address(rng),
            comuna: comuna.to_owned(),
            city: city.to_owned(),
            email: None,
            phone: None,
            contact: None,
            branch: None,
            foreign: None,
        };
    }
    loop {
        let candidate = rng.pick(input.receivers);
        if candidate.rut != input.issuer.party.rut {
            return candidate.clone();
        }
    }
}

/// Currency, exchange rate and customs data of an export; a note keeps
/// those of the document it modifies.
fn export_terms(rng: &mut Rng, doc: &mut Document, target: Option<&Earlier>) {
    let country = doc.receptor.foreign.as_ref().map_or(225, |f| f.1);
    let (currency, rate) = if matches!(country, 563 | 510) {
        ("EURO", Dec::new(rng.between(98_000, 108_000) as i128, 2))
    } else {
        (
            "DOLAR USA",
            Dec::new(rng.between(88_000, 99_000) as i128, 2),
        )
    };
    let (currency, rate) = match target.and_then(|e| e.totals.currency.zip(e.totals.pesos)) {
        Some((currency, (_, rate))) => (currency, rate),
        None => (currency, rate),
    };
    doc.totals.currency = Some(currency);
    doc.totals.pesos = Some((Dec::ZERO, rate));
    doc.transport = Some(Transport {
        plate: None,
        carrier_rut: None,
        driver: None,
        destination: None,
        customs: Some(Customs {
            sale_mode: 1,
            sale_clause: *rng.pick(&[1, 2, 5]),
            clause_total: Dec::ZERO,
            via: *rng.pick(&[1, 4]),
            carrier: (*rng.pick(&["MAERSK LINE", "HAPAG-LLOYD", "LATAM CARGO", "CMA CGM"]))
                .to_owned(),
            port_out: *rng.pick(&[906, 907, 914]),
            port_in: rng.between(100, 999) as u32,
            country_receiver: country,
            country_destination: country,
        }),
    });
}

/// The prices of a line as the document writes them: net pesos, gross
/// pesos on boletas, or the export currency.
pub(crate) fn new_line(rng: &mut Rng, doc: &Document, sector: &'static Sector) -> Line {
    let tipo = doc.tipo;
    let exempt = !tipo.is_exempt_only()
        && !matches!(tipo, TipoDte::FacturaCompra | TipoDte::Liquidacion)
        && rng.chance(0.08);
    let item: Item = if exempt {
        *rng.pick(names::EXEMPT_ITEMS)
    } else if tipo.is_boleta() {
        // Over the counter a business sells its cheaper goods; one that has
        // none sells what shops do.
        let counter: Vec<Item> = sector
            .items
            .iter()
            .copied()
            .filter(|i| i.high <= 60_000)
            .collect();
        if counter.is_empty() {
            *rng.pick(names::SHOP_ITEMS)
        } else {
            *rng.pick(&counter)
        }
    } else {
        *rng.pick(sector.items)
    };
    line_for(rng, doc, item, exempt)
}

fn line_for(rng: &mut Rng, doc: &Document, item: Item, exempt: bool) -> Line {
    let tipo = doc.tipo;
    let pesos = rng.between(u64::from(item.low), u64::from(item.high)) as i128;

    // Net prices derived from gross ones carry two decimals, as 8942.86 does;
    // exports convert at the document's rate.
    let price = if let Some((_, rate)) = doc.totals.pesos {
        let converted = Dec::int(pesos as i64).div_round(rate, 2);
        if converted.is_zero() {
            Dec::new(1, 2)
        } else {
            converted
        }
    } else if !tipo.is_boleta() && rng.chance(0.25) {
        Dec::int(pesos as i64).div_round(Dec::new(119, 2), 2)
    } else {
        Dec::int(pesos as i64)
    };

    // Hours and areas come in halves; weights and volumes to the gram or
    // the millilitre.
    let qty = if item.fractional && matches!(item.unit, "HR" | "M2" | "M3") {
        Dec::new(rng.between(1, 160) as i128 * 5, 1).trimmed()
    } else if item.fractional {
        Dec::new(rng.between(100, 800_000) as i128, 3).trimmed()
    } else if item.high > 500_000 {
        Dec::int(rng.between(1, 3) as i64)
    } else if item.high > 20_000 {
        Dec::int(rng.between(1, 24) as i64)
    } else {
        Dec::int(rng.between(1, 240) as i64)
    };
    // Over the counter people buy a few of a thing.
    let qty = match (tipo.is_boleta(), item.fractional) {
        (true, true) => Dec::new(rng.between(100, 5_000) as i128, 3).trimmed(),
        (true, false) => Dec::int(rng.between(1, 6) as i64),
        _ => qty,
    };

    let mut line = Line {
        ind_exe: exempt.then_some(1),
        code: rng
            .chance(0.5)
            .then(|| format!("SKU-{:05}", rng.between(1, 99_999))),
        tpo_doc_liq: None,
        name: item.name.to_owned(),
        description: rng.chance(0.15).then(|| {
            (*rng.pick(&[
                "Según cotización aprobada",
                "Despacho incluido a bodega del cliente",
                "Garantía de 6 meses",
                "Producto nacional",
            ]))
            .to_owned()
        }),
        qty: Some(qty),
        unit: Some(item.unit),
        price: Some(price),
        discount_pct: None,
        discount: None,
        surcharge: None,
        amount: Dec::ZERO,
    };

    // Discounts: a percentage, or now and then a fixed amount; never on a
    // liquidación-factura, whose lines have no discount fields.
    if tipo != TipoDte::Liquidacion && rng.chance(0.15) {
        let pct = *rng.pick(&[
            Dec::int(2),
            Dec::int(5),
            Dec::new(75, 1),
            Dec::int(10),
            Dec::new(125, 1),
            Dec::int(15),
        ]);
        let exact = price.mul(qty);
        // DescuentoMonto must be at least 1 peso where it is written.
        if tipo.is_export() || exact.percent(pct).round_int() >= 1 {
            line.discount_pct = Some(pct);
        }
    } else if tipo != TipoDte::Liquidacion && !tipo.is_export() && rng.chance(0.05) {
        let gross = price.mul(qty).round_int();
        if gross >= 20 {
            line.discount = Some(Dec::int(rng.between(1, (gross / 10) as u64) as i64));
        }
    }
    line
}

/// Taxed documents start with a taxed line, as they do in practice, so that
/// MntNeto and IVA are there.
fn ensure_taxed_first(doc: &mut Document) {
    if doc.tipo.is_exempt_only() {
        return;
    }
    if let Some(first) = doc.lines.first_mut() {
        if first.ind_exe.is_some() {
            first.ind_exe = None;
        }
    }
}

fn purchase_order(rng: &mut Rng, issued: Date) -> Reference {
    Reference {
        tpo_doc_ref: "801".to_owned(),
        folio_ref: format!("OC-{}", rng.between(1_000, 999_999)),
        fch_ref: issued.plus_days(-(rng.between(1, 20) as i64)),
        cod_ref: None,
        razon: Some("Orden de compra".to_owned()),
    }
}

/// A discount on the taxed lines, `taxed` pesos: a percentage or a round
/// amount well below them.
fn global_discount(rng: &mut Rng, taxed: i64) -> Global {
    let percent = rng.chance(0.6);
    Global {
        surcharge: false,
        percent,
        value: if percent {
            *rng.pick(&[Dec::new(25, 1), Dec::int(5), Dec::int(10)])
        } else {
            Dec::int(rng.between(1, (taxed / 2_000).max(1) as u64) as i64 * 100)
        },
        glosa: "Descuento por pronto pago".to_owned(),
    }
}

/// Why the goods travel, and the truck that carries them.
fn guide(rng: &mut Rng, doc: &mut Document) {
    doc.ind_traslado = Some(*rng.pick(&[1, 1, 1, 2, 3, 5, 6]));
    let letters = ["BB", "CD", "FH", "GK", "HJ", "JK", "KX", "LP"];
    let plate = format!(
        "{}{}{}",
        rng.pick(&letters),
        rng.pick(&letters),
        rng.between(10, 99)
    );
    doc.transport = Some(Transport {
        plate: Some(plate),
        carrier_rut: Some(Rut::company(rng).to_string()),
        driver: Some((
            Rut::person(rng).to_string(),
            truncate(&names::person(rng), 30),
        )),
        destination: Some((
            doc.receptor.address.clone(),
            doc.receptor.comuna.clone(),
            doc.receptor.city.clone(),
        )),
        customs: None,
    });
}

/// A credit or debit note: what it modifies (`target`, or a document from
/// before the forge's history), how (CodRef), and its lines.
fn note(
    rng: &mut Rng,
    doc: &mut Document,
    sector: &'static Sector,
    target: Option<&Earlier>,
    count: usize,
) {
    let tipo = doc.tipo;
    let cod_ref = *rng.pick(&[1u8, 1, 2, 3, 3, 3]);
    let (tpo, folio, fch_ref) = match target {
        Some(e) => (e.tipo.code().to_string(), e.folio.to_string(), e.issued),
        None => {
            let tpo = if tipo.is_export() { "110" } else { "33" };
            let days = rng.between(3, 90) as i64;
            (
                tpo.to_owned(),
                rng.between(1, 40_000).to_string(),
                doc.issued.plus_days(-days),
            )
        }
    };
    let fch_ref = fch_ref.min(doc.issued);

    match (cod_ref, target) {
        // An annulment repeats the annulled document's lines.
        (1, Some(e)) => doc.lines = annulled_lines(tipo, e),
        (2, _) => doc.lines.push(Line {
            ind_exe: None,
            code: None,
            tpo_doc_liq: None,
            name: (*rng.pick(names::TEXT_REASONS)).to_owned(),
            description: None,
            qty: None,
            unit: None,
            price: None,
            discount_pct: None,
            discount: None,
            surcharge: None,
            amount: Dec::ZERO,
        }),
        // A credit note returns part of what was sold.
        (3, Some(e)) if tipo == TipoDte::NotaCredito || tipo.is_export() => {
            doc.lines = partial_lines(rng, tipo, e);
        }
        _ => {}
    }
    if doc.lines.is_empty() {
        let fresh = if cod_ref == 1 { count } else { count.min(3) };
        for _ in 0..fresh.max(1) {
            let line = new_line(rng, doc, sector);
            doc.lines.push(line);
        }
        ensure_taxed_first(doc);
    }

    let razon = match cod_ref {
        1 => (*rng.pick(names::ANNUL_REASONS)).to_owned(),
        2 => doc.lines[0].name.clone(),
        _ => (*rng.pick(names::AMOUNT_REASONS)).to_owned(),
    };
    doc.references.push(Reference {
        tpo_doc_ref: tpo,
        folio_ref: folio,
        fch_ref,
        cod_ref: Some(cod_ref),
        razon: Some(razon),
    });
}

/// Which earlier types a note of type `note` modifies here.
fn note_may_reference(note: TipoDte, earlier: TipoDte) -> bool {
    match note {
        TipoDte::NotaCredito => matches!(earlier, TipoDte::Factura | TipoDte::FacturaExenta),
        TipoDte::NotaDebito => matches!(
            earlier,
            TipoDte::Factura | TipoDte::FacturaExenta | TipoDte::NotaCredito
        ),
        TipoDte::NotaCreditoExportacion | TipoDte::NotaDebitoExportacion => {
            earlier == TipoDte::FacturaExportacion
        }
        _ => false,
    }
}

/// The lines of an annulled document, marked exempt where that document was
/// exempt as a whole.
fn annulled_lines(note: TipoDte, earlier: &Earlier) -> Vec<Line> {
    earlier
        .lines
        .iter()
        .map(|l| {
            let mut line = l.clone();
            if earlier.tipo.is_exempt_only() && !note.is_exempt_only() {
                line.ind_exe = Some(1);
            }
            line
        })
        .collect()
}

/// Some of an earlier document's lines, with smaller quantities: a partial
/// return.
fn partial_lines(rng: &mut Rng, note: TipoDte, earlier: &Earlier) -> Vec<Line> {
    let mut lines = annulled_lines(note, earlier);
    lines.retain(|l| l.price.is_some());
    let keep = rng.between(1, lines.len().min(3) as u64) as usize;
    lines.truncate(keep);
    for line in &mut lines {
        if let Some(qty) = line.qty {
            let whole = qty.round_int();
            if qty.scale() == 0 && whole > 1 {
                line.qty = Some(Dec::int(rng.between(1, whole as u64 - 1) as i64));
            }
        }
        if let Some(pct) = line.discount_pct {
            // A smaller quantity can round a percentage discount to nothing.
            if let (Some(p), Some(q)) = (line.price, line.qty) {
                if !note.is_export() && p.mul(q).percent(pct).round_int() < 1 {
                    line.discount_pct = None;
                    line.discount = None;
                }
            }
        } else if line.discount.is_some() {
            // A fixed discount of the original quantity may exceed the rest.
            line.discount = None;
        }
    }
    lines
}
