//! Property tests: documents whose totals follow the SII's formulas pass; a
//! total moved by one peso is reported; no input makes a rule panic.
//!
//! The expected totals come from the fixtures' own arithmetic
//! ([`crate::fixtures::Fixed`]), not from the crate's.

use proptest::prelude::*;
use veredicto_rules::{Context, check_dte, check_envelope};
use veredicto_xml::{Limits, parse};

use crate::fixtures::{Fixture, Line, check, codes};

/// `units / 10^scale` written as a decimal.
fn decimal(units: u64, scale: u32) -> String {
    let factor = 10u64.pow(scale);
    if scale == 0 {
        units.to_string()
    } else {
        format!(
            "{}.{:0width$}",
            units / factor,
            units % factor,
            width = scale as usize
        )
    }
}

prop_compose! {
    /// A line with up to 2 decimals of quantity, up to 6 of price, maybe a
    /// percentage discount or surcharge, maybe exempt.
    fn line()(
        qty in 1u64..50_000,
        qty_scale in 0u32..3,
        price in 1u64..2_000_000_000,
        price_scale in 0u32..7,
        discount in proptest::option::of(1u64..5_000),
        surcharge in proptest::option::of(1u64..5_000),
        exempt in proptest::bool::weighted(0.2),
    ) -> Line {
        let mut line = Line::new("Item", &decimal(qty, qty_scale), &decimal(price, price_scale));
        if let Some(pct) = discount {
            line = line.with("DescuentoPct", &decimal(pct, 2));
        }
        if let Some(pct) = surcharge {
            line = line.with("RecargoPct", &decimal(pct, 2));
        }
        if exempt { line.exempt() } else { line }
    }
}

fn total(fixture: &Fixture, name: &str) -> Option<i128> {
    fixture
        .computed_totals()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.parse().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random invoices whose totals follow the formulas give no finding; IVA
    /// moved by one peso gives AMT-IVA, plus AMT-TOTAL unless MntTotal moves
    /// with it.
    #[test]
    fn invoice_sums(
        first in line(),
        rest in proptest::collection::vec(line(), 0..12),
        delta in prop_oneof![Just(1i128), Just(-1i128)],
        tipo in prop_oneof![Just(33u16), Just(46), Just(56), Just(61)],
    ) {
        let mut lines = vec![Line { ind_exe: None, ..first }];
        lines.extend(rest);
        let fixture = Fixture::new(tipo).lines(lines);
        let clean = check(&fixture.build());
        prop_assert!(clean.is_empty(), "{clean:#?}\n{}", fixture.build());

        let iva = total(&fixture, "IVA").unwrap();
        let mnt_total = total(&fixture, "MntTotal").unwrap();
        let delta = if iva + delta < 0 { 1 } else { delta };
        let moved = fixture.clone().total("IVA", &(iva + delta).to_string());
        prop_assert_eq!(codes(&check(&moved.build())), ["AMT-IVA", "AMT-TOTAL"]);
        let both = moved.total("MntTotal", &(mnt_total + delta).to_string());
        prop_assert_eq!(codes(&check(&both.build())), ["AMT-IVA"]);
    }

    /// Moving one line's MontoItem by one peso is reported on the line and on
    /// the sum it belongs to.
    #[test]
    fn line_sums(
        lines in proptest::collection::vec(line(), 1..10),
        which in any::<prop::sample::Index>(),
    ) {
        let fixture = Fixture::new(33).lines(lines.clone());
        let i = which.index(lines.len());
        let mut moved = lines;
        let sum = if moved[i].ind_exe.is_some() { "AMT-EXE" } else { "AMT-NETO" };
        let monto: i128 = moved[i].monto_value().parse().unwrap();
        moved[i] = moved[i].clone().monto(&(monto + 1).to_string());
        let mut broken = fixture.clone().lines(moved);
        for (name, value) in fixture.computed_totals() {
            broken = broken.total(&name, &value);
        }
        prop_assert_eq!(codes(&check(&broken.build())), ["AMT-LINE", sum]);
    }

    /// Boletas: gross lines, MntNeto = round(gross / 1.19), IVA = gross − neto.
    #[test]
    fn boleta_sums(
        amounts in proptest::collection::vec(1u64..5_000_000, 1..30),
        delta in prop_oneof![Just(1i128), Just(-1i128)],
    ) {
        let lines = amounts.iter().map(|a| Line::amount("Venta", &a.to_string())).collect();
        let fixture = Fixture::new(39).lines(lines);
        prop_assert!(check(&fixture.build()).is_empty());
        let iva = total(&fixture, "IVA").unwrap();
        let delta = if iva + delta < 0 { 1 } else { delta };
        let moved = fixture.total("IVA", &(iva + delta).to_string());
        prop_assert_eq!(codes(&check(&moved.build())), ["AMT-IVA"]);
    }

    /// Any text in any leaf of any type of document: the rules answer, never
    /// panic.
    #[test]
    fn no_text_makes_a_rule_panic(
        tipo in prop::sample::select(vec![33u16, 34, 39, 41, 43, 46, 52, 56, 61, 110, 111, 112]),
        which in any::<prop::sample::Index>(),
        text in prop_oneof![
            any::<String>(),
            Just(String::new()),
            Just("-1".to_owned()),
            Just("99999999999999999999999999999999999999999".to_owned()),
            Just("0.0000000000000000001".to_owned()),
            Just("1e9".to_owned()),
            Just(" 12 ".to_owned()),
            Just("-".to_owned()),
            Just("K".to_owned()),
            Just("2019-02-29".to_owned()),
            "[0-9.-]{0,40}",
        ],
        remove in any::<bool>(),
    ) {
        let xml = Fixture::new(tipo)
            .total_xml("ImptoReten", "<TipoImp>24</TipoImp><MontoImp>1</MontoImp>")
            .global(&[("TpoMov", "D"), ("TpoValor", "%"), ("ValorDR", "10")])
            .build();
        let leaves = leaf_texts(&xml);
        let (start, end) = leaves[which.index(leaves.len())];
        let mutated = if remove {
            // Drop the whole leaf element, tags included.
            let open = xml[..start].rfind('<').unwrap();
            let close = end + xml[end..].find('>').unwrap() + 1;
            format!("{}{}", &xml[..open], &xml[close..])
        } else {
            format!("{}{}{}", &xml[..start], escape(&text), &xml[end..])
        };
        if let Ok((doc, _)) = parse(mutated.as_bytes(), &Limits::default()) {
            let _ = check_dte(doc.root(), &Context::default());
            let _ = check_envelope(doc.root());
        }
    }

    /// Arbitrary bytes: whatever parses is checked without panicking.
    #[test]
    fn no_bytes_make_a_rule_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok((doc, _)) = parse(&bytes, &Limits::default()) {
            let _ = check_dte(doc.root(), &Context::default());
            let _ = check_envelope(doc.root());
        }
    }
}

/// Byte ranges of the text of every leaf element (`>text</`).
fn leaf_texts(xml: &str) -> Vec<(usize, usize)> {
    xml.match_indices("</")
        .filter_map(|(end, _)| {
            let start = xml[..end].rfind('>')? + 1;
            // A leaf's text holds no tag; the space between two closing tags
            // is not a leaf.
            let opened = xml[..start].rfind('<')?;
            (xml.as_bytes()[opened + 1] != b'/').then_some((start, end))
        })
        .collect()
}

/// The text made safe for XML content: markup escaped, characters XML
/// forbids dropped.
fn escape(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
                || c >= '\u{10000}'
        })
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '&' => "&amp;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}
