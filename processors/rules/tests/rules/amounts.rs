//! Amounts: lines, MntNeto, MntExe, IVA, MntTotal, and the special cases by
//! document type.

use veredicto_rules::Severity;

use crate::fixtures::{Fixture, Line, assert_clean, assert_codes, check, only};

#[test]
fn negative_amounts_only_on_a_liquidacion() {
    let negative = Line::amount("Devolucion", "-500");
    let xml = Fixture::new(33).line(negative.clone()).build();
    let findings = assert_codes(&xml, &["AMT-NEGATIVE"]);
    assert_eq!(findings[0].path, "/DTE/Documento/Detalle[2]/MontoItem");
    assert_eq!(findings[0].severity, Severity::Rechazo);

    assert_clean(&Fixture::new(43).line(negative).build());
}

#[test]
fn line_amount_is_price_times_quantity_rounded_half_up() {
    // 8942.86 × 1.0 = 8942.86, rounded 8943 (a real sample's line).
    assert_clean(
        &Fixture::new(33)
            .lines(vec![Line::new("Dominio", "1.0", "8942.86")])
            .build(),
    );
    // 10.5 rounds to 11, not to the even 10.
    assert_clean(
        &Fixture::new(33)
            .lines(vec![Line::new("Medio", "1", "10.5")])
            .build(),
    );
    let banker = Fixture::new(33)
        .lines(vec![Line::new("Medio", "1", "10.5").monto("10")])
        .total("MntNeto", "10")
        .total("IVA", "2")
        .total("MntTotal", "12");
    let findings = assert_codes(&banker.build(), &["AMT-LINE"]);
    let finding = only(&findings, "AMT-LINE");
    assert_eq!(finding.severity, Severity::Reparo);
    assert_eq!(finding.path, "/DTE/Documento/Detalle/MontoItem");
    assert_eq!(
        finding.message,
        "MontoItem is 10, expected 11: PrcItem 10.5 × QtyItem 1 = 10.5, rounded 11"
    );
}

#[test]
fn a_wrong_line_amount_is_reported_with_the_lines_total() {
    // MontoItem 1999 instead of 2 × 1000 = 2000; the totals follow the line.
    let xml = Fixture::new(33)
        .lines(vec![Line::new("A", "2", "1000").monto("1999")])
        .build();
    assert_codes(&xml, &["AMT-LINE"]);
}

#[test]
fn line_discounts_and_surcharges() {
    let lines = vec![
        Line::new("Con descuento", "3", "1000").with("DescuentoPct", "10"),
        Line::new("Con descuento en pesos", "1", "999").with("DescuentoMonto", "99"),
        Line::new("Con recargo", "1", "1000").with("RecargoPct", "2.5"),
        Line::new("Ambos", "2", "333.33")
            .with("DescuentoPct", "5")
            .with("DescuentoMonto", "33"),
    ];
    assert_clean(&Fixture::new(33).lines(lines).build());

    // DescuentoMonto 30 does not match 5% of 666.66 (33.333 → 33).
    let line = Line::new("Ambos", "2", "333.33")
        .with("DescuentoPct", "5")
        .with("DescuentoMonto", "30");
    let findings = assert_codes(&Fixture::new(33).lines(vec![line]).build(), &["AMT-LINE"]);
    assert!(
        only(&findings, "AMT-LINE")
            .path
            .ends_with("/DescuentoMonto")
    );

    let line = Line::new("Descuento", "3", "1000")
        .with("DescuentoPct", "10")
        .monto("3000");
    let xml = Fixture::new(33).lines(vec![line]).build();
    assert_codes(&xml, &["AMT-LINE"]);
}

#[test]
fn lines_not_sold_carry_zero() {
    let guia = |monto: &str| {
        Fixture::new(52)
            .id_doc("IndTraslado", "5")
            .lines(vec![Line::amount("Pallet", monto).ind_exe("4")])
            .total("MntNeto", "0")
            .total("IVA", "0")
            .total("MntTotal", "0")
            .build()
    };
    assert_clean(&guia("0"));
    let findings = assert_codes(&guia("1500"), &["AMT-LINE-ZERO"]);
    assert_eq!(only(&findings, "AMT-LINE-ZERO").severity, Severity::Reparo);
}

#[test]
fn mnt_neto_is_the_sum_of_taxed_lines() {
    let two = Fixture::new(33).line(Line::new("B", "1", "500"));
    assert_clean(&two.build());
    // Neto one peso short, with IVA and total consistent with it.
    let xml = two
        .total("MntNeto", "2499")
        .total("IVA", "475")
        .total("MntTotal", "2974")
        .build();
    let findings = assert_codes(&xml, &["AMT-NETO"]);
    let message = &only(&findings, "AMT-NETO").message;
    assert!(
        message == "MntNeto is 2499, expected 2500: the sum of the taxed lines",
        "{message}"
    );
}

#[test]
fn mnt_exe_is_the_sum_of_exempt_lines() {
    let mixed = Fixture::new(33).line(Line::new("Exento", "1", "300").exempt());
    assert_clean(&mixed.build());
    let xml = mixed
        .total("MntExe", "301")
        .total("MntTotal", "2681")
        .build();
    assert_codes(&xml, &["AMT-EXE"]);
    // An exempt line and no MntExe at all.
    let xml = Fixture::new(33)
        .line(Line::new("Exento", "1", "300").exempt())
        .without_total("MntExe");
    let findings = assert_codes(&xml.total("MntTotal", "2380").build(), &["AMT-EXE"]);
    assert!(
        only(&findings, "AMT-EXE")
            .message
            .contains("MntExe is missing")
    );
}

#[test]
fn iva_is_rounded_half_up_from_mnt_neto() {
    // 8943 × 19% = 1699.17 → 1699.
    let xml = Fixture::new(33).lines(vec![Line::new("Dominio", "1.0", "8942.86")]);
    assert_clean(&xml.build());
    let findings = assert_codes(
        &xml.clone()
            .total("IVA", "1700")
            .total("MntTotal", "10643")
            .build(),
        &["AMT-IVA"],
    );
    let finding = only(&findings, "AMT-IVA");
    assert_eq!(finding.severity, Severity::Reparo);
    assert_eq!(finding.path, "/DTE/Documento/Encabezado/Totales/IVA");
    assert!(
        finding
            .message
            .contains("MntNeto 8943 × TasaIVA 19% = 1699.17"),
        "{}",
        finding.message
    );
    // 50 × 19% = 9.5 → 10, half up.
    let half = Fixture::new(33).lines(vec![Line::amount("Medio", "50")]);
    assert_clean(
        &half
            .clone()
            .total("IVA", "10")
            .total("MntTotal", "60")
            .build(),
    );
    assert_codes(
        &half.total("IVA", "9").total("MntTotal", "59").build(),
        &["AMT-IVA"],
    );
}

#[test]
fn mnt_total_adds_up_its_components() {
    assert_codes(
        &Fixture::new(33).total("MntTotal", "2381").build(),
        &["AMT-TOTAL"],
    );

    // 2000 net + 380 IVA + Impuesto Art. 42 a) 630 (licores) = 3010.
    let licores = Fixture::new(33).total_xml(
        "ImptoReten",
        "<TipoImp>24</TipoImp><TasaImp>31.5</TasaImp><MontoImp>630</MontoImp>",
    );
    assert_clean(&licores.clone().total("MntTotal", "3010").build());
    let findings = assert_codes(&licores.total("MntTotal", "2380").build(), &["AMT-TOTAL"]);
    assert!(
        only(&findings, "AMT-TOTAL")
            .message
            .contains("ImptoReten (TipoImp 24) 630")
    );

    // Factura de compra with IVA retenido total (15): the total excludes IVA.
    let compra = Fixture::new(46).total_xml(
        "ImptoReten",
        "<TipoImp>15</TipoImp><MontoImp>380</MontoImp>",
    );
    assert_clean(&compra.clone().total("MntTotal", "2000").build());
    assert_codes(&compra.total("MntTotal", "2380").build(), &["AMT-TOTAL"]);

    // Deposit guarantee adds, CredEC and commissions subtract.
    let otros = Fixture::new(33)
        .total_xml("CredEC", "247")
        .total_xml("GrntDep", "100")
        .total_xml(
            "Comisiones",
            "<ValComNeto>50</ValComNeto><ValComIVA>10</ValComIVA>",
        );
    assert_clean(&otros.clone().total("MntTotal", "2173").build());
    assert_codes(&otros.total("MntTotal", "2380").build(), &["AMT-TOTAL"]);
}

#[test]
fn a_tax_of_unknown_kind_leaves_the_total_alone() {
    // TipoImp 14 (IVA margen de comercialización) is not classified: no claim.
    let xml = Fixture::new(33)
        .total_xml("ImptoReten", "<TipoImp>14</TipoImp><MontoImp>99</MontoImp>")
        .total("MntTotal", "1")
        .build();
    assert_clean(&xml);
}

#[test]
fn gross_lines_with_mnt_bruto() {
    // Lines of 11900 gross: neto 10000, IVA 1900, total 11900.
    let bruto = Fixture::new(33)
        .id_doc("MntBruto", "1")
        .lines(vec![Line::new("Bruto", "1", "11900")])
        .total("MntNeto", "10000")
        .total("IVA", "1900")
        .total("MntTotal", "11900");
    assert_clean(&bruto.build());
    assert_codes(
        &bruto
            .total("MntNeto", "11900")
            .total("IVA", "2261")
            .total("MntTotal", "14161")
            .build(),
        &["AMT-NETO"],
    );
}

#[test]
fn boletas_carry_gross_lines() {
    // 2 × 1000 gross: neto round(2000 / 1.19) = 1681, IVA 319.
    let boleta = Fixture::new(39);
    assert_clean(&boleta.build());
    assert_codes(&boleta.clone().total("IVA", "320").build(), &["AMT-IVA"]);
    assert_codes(
        &boleta.clone().total("MntNeto", "1680").build(),
        &["AMT-NETO", "AMT-IVA"],
    );
    assert_codes(
        &boleta.clone().total("MntTotal", "2001").build(),
        &["AMT-TOTAL", "AMT-NETO", "AMT-IVA"],
    );
    // Without MntNeto and IVA, which boletas may leave out.
    assert_clean(&boleta.without_total("MntNeto").without_total("IVA").build());
    // A boleta with net lines (IndMntNeto 2) adds up like an invoice.
    let net = Fixture::new(39)
        .id_doc("IndMntNeto", "2")
        .total("MntNeto", "2000")
        .total("IVA", "380")
        .total("MntTotal", "2380");
    assert_clean(&net.build());
}

#[test]
fn exempt_documents_have_no_taxed_amounts() {
    assert_clean(&Fixture::new(34).build());
    assert_clean(&Fixture::new(41).build());
    let findings = assert_codes(
        &Fixture::new(34)
            .total("IVA", "380")
            .total("MntTotal", "2380")
            .build(),
        &["AMT-EXENTA"],
    );
    assert_eq!(only(&findings, "AMT-EXENTA").severity, Severity::Reparo);
    assert_codes(
        &Fixture::new(34).without_total("MntExe").build(),
        &["AMT-EXENTA", "AMT-TOTAL"],
    );
    assert_codes(
        &Fixture::new(34).total("TasaIVA", "19").build(),
        &["AMT-EXENTA"],
    );
    assert_codes(
        &Fixture::new(41).total("MntNeto", "1681").build(),
        &["AMT-EXENTA"],
    );
}

#[test]
fn exports_add_up_in_their_currency() {
    let lines = vec![
        Line::new("Cobre", "2.5", "1200.1234").monto("3000.3085"),
        Line::new("Flete", "1", "10.25").monto("10.25"),
    ];
    let export = Fixture::new(110).lines(lines.into_iter().map(Line::exempt).collect());
    assert_clean(&export.build());
    // Written with two decimals, MntExe must be the exact sum rounded to two.
    assert_codes(
        &export.clone().total("MntExe", "3010.56").build(),
        &["AMT-TOTAL"],
    );
    let findings = assert_codes(
        &export.clone().total("MntExe", "3010.55").build(),
        &["AMT-EXE", "AMT-TOTAL"],
    );
    assert!(only(&findings, "AMT-EXE").message.contains("3010.5585"));
    assert_codes(&export.total("MntTotal", "3010.0").build(), &["AMT-TOTAL"]);
}

#[test]
fn global_discounts_and_surcharges() {
    // 2000 taxed − 10% = 1800; + 50 = 1850.
    let discounted = Fixture::new(33)
        .global(&[("TpoMov", "D"), ("TpoValor", "%"), ("ValorDR", "10")])
        .global(&[("TpoMov", "R"), ("TpoValor", "$"), ("ValorDR", "50")]);
    assert_clean(&discounted.build());
    let findings = check(
        &discounted
            .total("MntNeto", "2000")
            .total("IVA", "380")
            .total("MntTotal", "2380")
            .build(),
    );
    assert_eq!(crate::fixtures::codes(&findings), ["AMT-NETO"]);
    assert!(
        findings[0]
            .message
            .contains("with global discounts and surcharges")
    );

    // An exempt global discount applies to MntExe.
    let exempt = Fixture::new(33)
        .line(Line::new("Exento", "1", "1000").exempt())
        .global(&[
            ("TpoMov", "D"),
            ("TpoValor", "$"),
            ("ValorDR", "100"),
            ("IndExeDR", "1"),
        ])
        .total("MntExe", "900")
        .total("MntTotal", "3280");
    assert_clean(&exempt.build());
}

#[test]
fn guias_that_are_not_sales_may_list_prices_with_zero_totals() {
    let traslado = Fixture::new(52)
        .id_doc("IndTraslado", "5")
        .total("MntNeto", "0")
        .total("IVA", "0")
        .total("MntTotal", "0");
    assert_clean(&traslado.build());
    // As a sale, the same totals are wrong.
    assert_codes(&traslado.id_doc("IndTraslado", "1").build(), &["AMT-NETO"]);
}

#[test]
fn unreadable_amounts_are_left_to_the_schema() {
    for bad in [
        "abc",
        "",
        "1e3",
        "12.5.1",
        "99999999999999999999999999999999999999999",
    ] {
        let xml = Fixture::new(33)
            .lines(vec![Line::new("X", "2", "1000").monto(bad)])
            .build();
        let findings = check(&xml);
        assert!(
            findings.iter().all(|f| !f.code.starts_with("AMT-LINE")),
            "{bad}: {findings:#?}"
        );
        assert!(
            findings.iter().all(|f| f.code != "AMT-NETO"),
            "{bad}: {findings:#?}"
        );
    }
    let xml = Fixture::new(33).total("IVA", "mucho").build();
    assert!(check(&xml).is_empty());
}
