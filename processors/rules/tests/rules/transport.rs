//! Guías de despacho: IndTraslado and, for exports, CdgTraslado.

use veredicto_rules::Severity;

use crate::fixtures::{Fixture, assert_clean, assert_codes, only};

#[test]
fn a_guia_needs_ind_traslado() {
    for code in 1..=7 {
        assert_clean(
            &Fixture::new(52)
                .id_doc("IndTraslado", &code.to_string())
                .build(),
        );
    }
    let findings = assert_codes(
        &Fixture::new(52).without_id_doc("IndTraslado").build(),
        &["TRN-INDTRASLADO"],
    );
    let finding = only(&findings, "TRN-INDTRASLADO");
    assert_eq!(finding.severity, Severity::Rechazo);
    assert_eq!(finding.path, "/DTE/Documento/Encabezado/IdDoc/IndTraslado");
    for bad in ["0", "10", "venta"] {
        assert_codes(
            &Fixture::new(52).id_doc("IndTraslado", bad).build(),
            &["TRN-INDTRASLADO"],
        );
    }
    // Other types do not need it.
    assert_clean(&Fixture::new(33).build());
}

#[test]
fn export_guias_name_who_moves_the_goods() {
    let with_code = Fixture::new(52)
        .id_doc("IndTraslado", "8")
        .emisor("GuiaExport", "<CdgTraslado>1</CdgTraslado>");
    assert_clean(&with_code.build());
    let findings = assert_codes(
        &Fixture::new(52).id_doc("IndTraslado", "9").build(),
        &["TRN-CDGTRASLADO"],
    );
    let finding = only(&findings, "TRN-CDGTRASLADO");
    assert_eq!(finding.severity, Severity::Aviso);
    assert_eq!(
        finding.path,
        "/DTE/Documento/Encabezado/Emisor/GuiaExport/CdgTraslado"
    );
}
