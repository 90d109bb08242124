//! Small DTEs built for the tests, valid unless a test changes them.
//!
//! [`Fixture::new`] gives a minimal document of a type whose totals are
//! computed here, with arithmetic of its own (not the crate's), from its lines;
//! a test then breaks one thing and looks for the finding.

#![allow(dead_code)] // each test module uses a different part

use veredicto_rules::{Context, Finding, Severity, check_dte};
use veredicto_xml::{Limits, parse};

pub const SII_NS: &str = "http://www.sii.cl/SiiDte";
pub const EMISOR: &str = "76354771-K";
pub const RECEPTOR: &str = "96790240-3";

/// Parses `xml` and runs every DTE rule on its root.
pub fn check(xml: &str) -> Vec<Finding> {
    check_with(xml, &Context::default())
}

pub fn check_with(xml: &str, ctx: &Context) -> Vec<Finding> {
    let (doc, _) = parse(xml.as_bytes(), &Limits::default()).expect("fixture is well-formed XML");
    check_dte(doc.root(), ctx)
}

pub fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code).collect()
}

/// Asserts the document gives no finding at all.
#[track_caller]
pub fn assert_clean(xml: &str) {
    let findings = check(xml);
    assert!(
        findings.is_empty(),
        "expected no findings, got {findings:#?}\n{xml}"
    );
}

/// Asserts the document gives exactly the findings `expected`, by code, in
/// any order, and returns them.
#[track_caller]
pub fn assert_codes(xml: &str, expected: &[&str]) -> Vec<Finding> {
    let findings = check(xml);
    let mut got = codes(&findings);
    got.sort_unstable();
    let mut want = expected.to_vec();
    want.sort_unstable();
    assert_eq!(got, want, "findings: {findings:#?}\n{xml}");
    findings
}

/// The single finding with `code`.
#[track_caller]
pub fn only<'a>(findings: &'a [Finding], code: &str) -> &'a Finding {
    let matching: Vec<_> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(matching.len(), 1, "expected one {code}: {findings:#?}");
    matching[0]
}

pub fn severity_of(findings: &[Finding], code: &str) -> Severity {
    only(findings, code).severity
}

/// A decimal as `units / 10^scale`, for the fixtures' own arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed {
    pub units: i128,
    pub scale: u32,
}

impl Fixed {
    pub fn parse(text: &str) -> Fixed {
        Fixed::try_parse(text).unwrap_or_else(|| panic!("fixture number {text:?}"))
    }

    /// `None` for text that is not a plain decimal (tests write such on purpose).
    pub fn try_parse(text: &str) -> Option<Fixed> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = format!("{whole}{fraction}");
        Some(Fixed {
            units: digits.parse().ok()?,
            scale: fraction.len() as u32,
        })
    }

    pub fn mul(self, other: Fixed) -> Fixed {
        Fixed {
            units: self.units * other.units,
            scale: self.scale + other.scale,
        }
    }

    /// Rounded to whole units, half away from zero.
    pub fn round(self) -> i128 {
        if self.units < 0 {
            return -Fixed {
                units: -self.units,
                scale: self.scale,
            }
            .round();
        }
        let factor = 10i128.pow(self.scale);
        (self.units * 2 + factor) / (2 * factor)
    }
}

/// `round(value × pct / 100)` for whole values and a percentage with decimals.
pub fn round_percent(value: i128, pct: &str) -> i128 {
    Fixed {
        units: value,
        scale: 0,
    }
    .mul(Fixed::parse(pct))
    .mul(Fixed { units: 1, scale: 2 })
    .round()
}

/// One `Detalle` line.
#[derive(Debug, Clone)]
pub struct Line {
    pub name: String,
    pub ind_exe: Option<String>,
    pub qty: Option<String>,
    pub price: Option<String>,
    pub extra: Vec<(&'static str, String)>,
    pub monto: Option<String>,
}

impl Line {
    /// A taxed line of `qty` × `price`, its MontoItem computed.
    pub fn new(name: &str, qty: &str, price: &str) -> Line {
        Line {
            name: name.to_owned(),
            ind_exe: None,
            qty: Some(qty.to_owned()),
            price: Some(price.to_owned()),
            extra: Vec::new(),
            monto: None,
        }
    }

    /// A line with an amount only.
    pub fn amount(name: &str, monto: &str) -> Line {
        Line {
            name: name.to_owned(),
            ind_exe: None,
            qty: None,
            price: None,
            extra: Vec::new(),
            monto: Some(monto.to_owned()),
        }
    }

    pub fn ind_exe(mut self, code: &str) -> Line {
        self.ind_exe = Some(code.to_owned());
        self
    }

    pub fn exempt(self) -> Line {
        self.ind_exe("1")
    }

    /// Adds `DescuentoPct`, `DescuentoMonto`, `RecargoPct` or `RecargoMonto`.
    pub fn with(mut self, name: &'static str, value: &str) -> Line {
        self.extra.push((name, value.to_owned()));
        self
    }

    /// Writes this MontoItem instead of the computed one.
    pub fn monto(mut self, value: &str) -> Line {
        self.monto = Some(value.to_owned());
        self
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// MontoItem as written, or computed: round(P×Q) − discount + surcharge.
    pub fn monto_value(&self) -> String {
        if let Some(monto) = &self.monto {
            return monto.clone();
        }
        let (Some(qty), Some(price)) = (&self.qty, &self.price) else {
            return "0".to_owned();
        };
        let exact = Fixed::parse(price).mul(Fixed::parse(qty));
        let mut value = exact.round();
        let percent_of = |pct: &str| {
            exact
                .mul(Fixed::parse(pct))
                .mul(Fixed { units: 1, scale: 2 })
                .round()
        };
        if let Some(d) = self.field("DescuentoMonto") {
            value -= Fixed::parse(d).round();
        } else if let Some(p) = self.field("DescuentoPct") {
            value -= percent_of(p);
        }
        if let Some(r) = self.field("RecargoMonto") {
            value += Fixed::parse(r).round();
        } else if let Some(p) = self.field("RecargoPct") {
            value += percent_of(p);
        }
        value.to_string()
    }

    fn is_exempt(&self) -> bool {
        self.ind_exe.as_deref() == Some("1")
    }

    fn counts(&self) -> bool {
        matches!(self.ind_exe.as_deref(), None | Some("1"))
    }

    fn render(&self, number: usize, out: &mut String) {
        out.push_str("<Detalle>");
        tag(out, "NroLinDet", &number.to_string());
        if let Some(code) = &self.ind_exe {
            tag(out, "IndExe", code);
        }
        tag(out, "NmbItem", &self.name);
        if let Some(qty) = &self.qty {
            tag(out, "QtyItem", qty);
        }
        if let Some(price) = &self.price {
            tag(out, "PrcItem", price);
        }
        for name in [
            "DescuentoPct",
            "DescuentoMonto",
            "RecargoPct",
            "RecargoMonto",
        ] {
            if let Some(value) = self.field(name) {
                tag(out, name, value);
            }
        }
        tag(out, "MontoItem", &self.monto_value());
        out.push_str("</Detalle>");
    }
}

fn tag(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(value);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Ordered `(name, inner XML)` fields of one header part.
#[derive(Debug, Clone, Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    fn set(&mut self, name: &str, value: &str) {
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value.to_owned(),
            None => self.0.push((name.to_owned(), value.to_owned())),
        }
    }

    fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_owned(), value.to_owned()));
    }

    fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| n != name);
    }

    fn render(&self, out: &mut String) {
        for (name, value) in &self.0 {
            tag(out, name, value);
        }
    }
}

/// A DTE being built.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub tipo: u16,
    namespace: bool,
    id_doc: Fields,
    emisor: Fields,
    receptor: Fields,
    encabezado_extra: String,
    lines: Vec<Line>,
    globals: Vec<String>,
    references: Vec<String>,
    total_overrides: Vec<(String, Option<String>)>,
    total_extra: Vec<(String, String)>,
    tmst_firma: Option<String>,
}

impl Fixture {
    /// A valid document of type `tipo` with one taxed line (exempt on exempt
    /// types), dated 2024-05-02, signed the same day.
    pub fn new(tipo: u16) -> Fixture {
        let boleta = matches!(tipo, 39 | 41);
        let mut id_doc = Fields::default();
        id_doc.push("TipoDTE", &tipo.to_string());
        id_doc.push("Folio", "170");
        id_doc.push("FchEmis", "2024-05-02");
        if boleta {
            id_doc.push("IndServicio", "3");
        }
        if tipo == 52 {
            id_doc.push("IndTraslado", "1");
        }

        let mut emisor = Fields::default();
        emisor.push("RUTEmisor", EMISOR);
        if boleta {
            emisor.push("RznSocEmisor", "INGENIERIA ENACON SPA");
            emisor.push("GiroEmisor", "Ingenieria y Construccion");
        } else {
            emisor.push("RznSoc", "INGENIERIA ENACON SPA");
            emisor.push("GiroEmis", "Ingenieria y Construccion");
            emisor.push("Acteco", "421000");
        }
        let mut receptor = Fields::default();
        receptor.push("RUTRecep", if boleta { "66666666-6" } else { RECEPTOR });
        receptor.push("RznSocRecep", "MINERA LOS PELAMBRES");

        let mut fixture = Fixture {
            tipo,
            namespace: true,
            id_doc,
            emisor,
            receptor,
            encabezado_extra: String::new(),
            lines: Vec::new(),
            globals: Vec::new(),
            references: Vec::new(),
            total_overrides: Vec::new(),
            total_extra: Vec::new(),
            tmst_firma: Some("2024-05-02T10:15:00".to_owned()),
        };
        let line = Line::new("Tablero electrico", "2", "1000");
        let exempt_only = matches!(tipo, 34 | 41 | 110..=112);
        fixture.lines.push(if exempt_only && !matches!(tipo, 41) {
            line.exempt()
        } else {
            line
        });
        if matches!(tipo, 56 | 61 | 111 | 112) {
            fixture = fixture.reference(&[
                ("TpoDocRef", "33"),
                ("FolioRef", "150"),
                ("FchRef", "2024-04-30"),
                ("CodRef", "3"),
                ("RazonRef", "Corrige montos"),
            ]);
        }
        fixture
    }

    pub fn no_namespace(mut self) -> Fixture {
        self.namespace = false;
        self
    }

    pub fn id_doc(mut self, name: &str, value: &str) -> Fixture {
        self.id_doc.set(name, value);
        self
    }

    pub fn without_id_doc(mut self, name: &str) -> Fixture {
        self.id_doc.remove(name);
        self
    }

    pub fn emisor(mut self, name: &str, value: &str) -> Fixture {
        self.emisor.set(name, value);
        self
    }

    /// Adds another field to Emisor even if one of that name exists.
    pub fn push_emisor(mut self, name: &str, value: &str) -> Fixture {
        self.emisor.push(name, value);
        self
    }

    pub fn without_emisor(mut self, name: &str) -> Fixture {
        self.emisor.remove(name);
        self
    }

    pub fn receptor(mut self, name: &str, value: &str) -> Fixture {
        self.receptor.set(name, value);
        self
    }

    pub fn without_receptor(mut self, name: &str) -> Fixture {
        self.receptor.remove(name);
        self
    }

    /// Raw XML placed in Encabezado after Receptor and before Totales, e.g.
    /// `<RUTSolicita>..</RUTSolicita>` or a `<Transporte>`.
    pub fn encabezado_xml(mut self, xml: &str) -> Fixture {
        self.encabezado_extra.push_str(xml);
        self
    }

    /// Replaces the lines.
    pub fn lines(mut self, lines: Vec<Line>) -> Fixture {
        self.lines = lines;
        self
    }

    pub fn line(mut self, line: Line) -> Fixture {
        self.lines.push(line);
        self
    }

    /// A DscRcgGlobal given by its fields, e.g. `[("TpoMov", "D"), ...]`.
    pub fn global(mut self, fields: &[(&str, &str)]) -> Fixture {
        let mut xml = String::from("<DscRcgGlobal>");
        tag(&mut xml, "NroLinDR", &(self.globals.len() + 1).to_string());
        for (name, value) in fields {
            tag(&mut xml, name, value);
        }
        xml.push_str("</DscRcgGlobal>");
        self.globals.push(xml);
        self
    }

    /// A Referencia given by its fields (NroLinRef is added).
    pub fn reference(mut self, fields: &[(&str, &str)]) -> Fixture {
        let mut xml = String::from("<Referencia>");
        tag(
            &mut xml,
            "NroLinRef",
            &(self.references.len() + 1).to_string(),
        );
        for (name, value) in fields {
            tag(&mut xml, name, value);
        }
        xml.push_str("</Referencia>");
        self.references.push(xml);
        self
    }

    pub fn without_references(mut self) -> Fixture {
        self.references.clear();
        self
    }

    /// Writes `value` for the total `name` instead of the computed one.
    pub fn total(mut self, name: &str, value: &str) -> Fixture {
        self.total_overrides
            .push((name.to_owned(), Some(value.to_owned())));
        self
    }

    pub fn without_total(mut self, name: &str) -> Fixture {
        self.total_overrides.push((name.to_owned(), None));
        self
    }

    /// Adds a Totales child before MntTotal (e.g. ImptoReten, GrntDep); the
    /// computed MntTotal does not include it.
    pub fn total_xml(mut self, name: &str, inner: &str) -> Fixture {
        self.total_extra.push((name.to_owned(), inner.to_owned()));
        self
    }

    pub fn tmst_firma(mut self, value: &str) -> Fixture {
        self.tmst_firma = Some(value.to_owned());
        self
    }

    fn exempt_only(&self) -> bool {
        matches!(self.tipo, 34 | 41 | 110..=112)
    }

    /// The totals as the SII's formulas give them for the lines and globals.
    pub fn computed_totals(&self) -> Vec<(String, String)> {
        let mut taxed: i128 = 0;
        let mut exempt: i128 = 0;
        for line in self.lines.iter().filter(|l| l.counts()) {
            let Some(value) = Fixed::try_parse(&line.monto_value()) else {
                continue; // an unreadable amount written on purpose
            };
            if matches!(self.tipo, 110..=112) {
                // exports: keep the written decimals, summed exactly below
                continue;
            }
            let value = value.round();
            if line.is_exempt() || self.exempt_only() {
                exempt += value;
            } else {
                taxed += value;
            }
        }
        // Percentages apply to the lines, not to earlier globals.
        let base = taxed;
        for global in &self.globals {
            taxed += global_amount(global, base);
        }

        let s = |v: i128| v.to_string();
        match self.tipo {
            110..=112 => {
                let units: i128 = self
                    .lines
                    .iter()
                    .filter_map(|l| Fixed::try_parse(&l.monto_value()))
                    .map(|f| f.units * 10i128.pow(4 - f.scale))
                    .sum();
                let value = format!("{}.{:04}", units / 10_000, units % 10_000);
                vec![
                    ("TpoMoneda".into(), "DOLAR USA".into()),
                    ("MntExe".into(), value.clone()),
                    ("MntTotal".into(), value),
                ]
            }
            39 => {
                let total = taxed + exempt;
                // round(taxed / 1.19) = round(taxed × 100 / 119), half up
                let neto = (taxed * 200 + 119) / 238;
                let mut totals = vec![("MntNeto".into(), s(neto))];
                if exempt > 0 {
                    totals.push(("MntExe".into(), s(exempt)));
                }
                totals.push(("IVA".into(), s(taxed - neto)));
                totals.push(("MntTotal".into(), s(total)));
                totals
            }
            34 | 41 => vec![("MntExe".into(), s(exempt)), ("MntTotal".into(), s(exempt))],
            _ => {
                let iva = round_percent(taxed, "19");
                let mut totals = Vec::new();
                if taxed != 0 || exempt == 0 {
                    totals.push(("MntNeto".into(), s(taxed)));
                }
                if exempt != 0 {
                    totals.push(("MntExe".into(), s(exempt)));
                }
                if taxed != 0 || exempt == 0 {
                    totals.push(("TasaIVA".into(), "19".into()));
                    totals.push(("IVA".into(), s(iva)));
                }
                totals.push(("MntTotal".into(), s(taxed + exempt + iva)));
                totals
            }
        }
    }

    /// The document as XML text.
    pub fn build(&self) -> String {
        let mut totals = self.computed_totals();
        let at_total = totals
            .iter()
            .position(|(n, _)| n == "MntTotal")
            .unwrap_or(totals.len());
        for (offset, extra) in self.total_extra.iter().enumerate() {
            totals.insert(at_total + offset, extra.clone());
        }
        for (name, value) in &self.total_overrides {
            let at = totals.iter().position(|(n, _)| n == name);
            match (at, value) {
                (Some(i), Some(v)) => totals[i].1 = v.clone(),
                (Some(i), None) => {
                    totals.remove(i);
                }
                (None, Some(v)) => {
                    let before = totals
                        .iter()
                        .position(|(n, _)| n == "MntTotal")
                        .unwrap_or(totals.len());
                    totals.insert(before, (name.clone(), v.clone()));
                }
                (None, None) => {}
            }
        }

        let container = match self.tipo {
            43 => "Liquidacion",
            110..=112 => "Exportaciones",
            _ => "Documento",
        };
        let mut out = String::with_capacity(2048);
        if self.namespace {
            out.push_str(&format!("<DTE xmlns=\"{SII_NS}\" version=\"1.0\">\n"));
        } else {
            out.push_str("<DTE version=\"1.0\">\n");
        }
        out.push_str(&format!(
            "<{container} ID=\"T{}F170\">\n<Encabezado>\n<IdDoc>",
            self.tipo
        ));
        self.id_doc.render(&mut out);
        out.push_str("</IdDoc>\n<Emisor>");
        self.emisor.render(&mut out);
        out.push_str("</Emisor>\n<Receptor>");
        self.receptor.render(&mut out);
        out.push_str("</Receptor>\n");
        out.push_str(&self.encabezado_extra);
        out.push_str("<Totales>");
        for (name, value) in &totals {
            tag(&mut out, name, value);
        }
        out.push_str("</Totales>\n</Encabezado>\n");
        for (i, line) in self.lines.iter().enumerate() {
            line.render(i + 1, &mut out);
            out.push('\n');
        }
        for global in &self.globals {
            out.push_str(global);
            out.push('\n');
        }
        for reference in &self.references {
            out.push_str(reference);
            out.push('\n');
        }
        if let Some(tmst) = &self.tmst_firma {
            tag(&mut out, "TmstFirma", tmst);
        }
        out.push_str(&format!("\n</{container}>\n</DTE>\n"));
        out
    }
}

/// The signed amount of a taxed DscRcgGlobal on `base` (fixtures use only
/// taxed globals).
fn global_amount(xml: &str, base: i128) -> i128 {
    let field = |name: &str| {
        let open = format!("<{name}>");
        let start = xml.find(&open).map(|i| i + open.len())?;
        let end = xml[start..].find('<')? + start;
        Some(xml[start..end].to_owned())
    };
    if field("IndExeDR").is_some() {
        return 0;
    }
    let value = field("ValorDR").unwrap_or_default();
    let amount = match field("TpoValor").as_deref() {
        Some("%") => round_percent(base, &value),
        _ => Fixed::parse(&value).round(),
    };
    if field("TpoMov").as_deref() == Some("D") {
        -amount
    } else {
        amount
    }
}
