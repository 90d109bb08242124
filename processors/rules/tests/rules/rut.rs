//! RUT fields: format and check digit, on every field that holds a RUT.

use proptest::prelude::*;
use veredicto_rules::Severity;
use veredicto_rules::rut::{RutError, check_digit, validate};

use crate::fixtures::{Fixture, assert_clean, assert_codes, only};

const TRANSPORTE: &str = "<Transporte><Patente>AB1234</Patente>\
    <RUTTrans>60803000-K</RUTTrans><Chofer><RUTChofer>55555555-5</RUTChofer>\
    <NombreChofer>Juan</NombreChofer></Chofer></Transporte>";

#[test]
fn every_rut_field_with_a_right_check_digit_passes() {
    let xml = Fixture::new(52)
        .encabezado_xml("<RUTSolicita>66666666-6</RUTSolicita>")
        .encabezado_xml(TRANSPORTE)
        .build();
    assert_clean(&xml);
}

#[test]
fn a_wrong_issuer_check_digit_is_a_rejection() {
    let findings = assert_codes(
        &Fixture::new(33).emisor("RUTEmisor", "76354771-1").build(),
        &["RUT-DV-EMISOR"],
    );
    let finding = only(&findings, "RUT-DV-EMISOR");
    assert_eq!(finding.severity, Severity::Rechazo);
    assert_eq!(finding.path, "/DTE/Documento/Encabezado/Emisor/RUTEmisor");
    assert!(
        finding.message.contains("76354771-K"),
        "{}",
        finding.message
    );
}

#[test]
fn a_wrong_check_digit_elsewhere_is_a_reparo() {
    let findings = assert_codes(
        &Fixture::new(33).receptor("RUTRecep", "96790240-4").build(),
        &["RUT-DV"],
    );
    assert_eq!(only(&findings, "RUT-DV").severity, Severity::Reparo);

    let transporte = TRANSPORTE.replace("55555555-5", "55555555-6");
    let findings = assert_codes(
        &Fixture::new(52).encabezado_xml(&transporte).build(),
        &["RUT-DV"],
    );
    assert_eq!(
        only(&findings, "RUT-DV").path,
        "/DTE/Documento/Encabezado/Transporte/Chofer/RUTChofer"
    );
}

#[test]
fn a_rut_written_with_dots_or_a_lowercase_k_is_a_format_error() {
    let findings = assert_codes(
        &Fixture::new(33)
            .receptor("RUTRecep", "96.790.240-3")
            .build(),
        &["RUT-FORMAT"],
    );
    assert!(
        only(&findings, "RUT-FORMAT")
            .message
            .contains("without dots")
    );
    let findings = assert_codes(
        &Fixture::new(33).emisor("RUTEmisor", "76354771-k").build(),
        &["RUT-FORMAT"],
    );
    assert_eq!(only(&findings, "RUT-FORMAT").severity, Severity::Rechazo);
    assert_codes(
        &Fixture::new(33)
            .receptor("RUTRecep", "12345678901-K")
            .build(),
        &["RUT-FORMAT"],
    );
}

#[test]
fn documents_without_namespace_are_checked_the_same() {
    assert_codes(
        &Fixture::new(33)
            .no_namespace()
            .emisor("RUTEmisor", "76354771-1")
            .build(),
        &["RUT-DV-EMISOR"],
    );
}

/// Replaces the digit at `index` of `body` by `digit`.
fn with_digit(body: &str, index: usize, digit: u8) -> String {
    let mut bytes = body.as_bytes().to_vec();
    bytes[index] = b'0' + digit;
    String::from_utf8(bytes).unwrap()
}

proptest! {
    /// A body with its computed check digit always validates.
    #[test]
    fn computed_check_digits_validate(body in 1u32..100_000_000) {
        let body = body.to_string();
        let dv = check_digit(&body).unwrap();
        prop_assert_eq!(validate(&format!("{body}-{dv}")), Ok(()));
    }

    /// Changing any single digit of the body always invalidates the RUT: the
    /// sum changes by weight × difference, a weight is 2..7 and a difference
    /// 1..9, and 11 is prime, so the sum mod 11 (hence the DV) always changes.
    #[test]
    fn any_single_digit_change_is_detected(
        body in 1u32..100_000_000,
        index in any::<prop::sample::Index>(),
        digit in 0u8..10,
    ) {
        let body = body.to_string();
        let dv = check_digit(&body).unwrap();
        let i = index.index(body.len());
        prop_assume!(body.as_bytes()[i] != b'0' + digit);
        let changed = with_digit(&body, i, digit);
        let result = validate(&format!("{changed}-{dv}"));
        prop_assert!(
            matches!(result, Err(RutError::CheckDigit { .. }) | Err(RutError::Format)),
            "{changed}-{dv} validated"
        );
    }

    /// Swapping two adjacent, different digits is always detected too: the sum
    /// changes by (a − b) × (difference of adjacent weights, 1 or 5).
    #[test]
    fn adjacent_transpositions_are_detected(
        body in 10u32..100_000_000,
        index in any::<prop::sample::Index>(),
    ) {
        let body = body.to_string();
        let i = index.index(body.len() - 1);
        let bytes = body.as_bytes();
        prop_assume!(bytes[i] != bytes[i + 1]);
        let mut swapped = bytes.to_vec();
        swapped.swap(i, i + 1);
        let swapped = String::from_utf8(swapped).unwrap();
        prop_assert_ne!(check_digit(&swapped), check_digit(&body));
    }

    /// What the check digit cannot see: leading zeros add nothing to the sum.
    #[test]
    fn leading_zeros_do_not_change_the_check_digit(body in 1u32..10_000_000) {
        let body = body.to_string();
        prop_assert_eq!(check_digit(&format!("0{body}")), check_digit(&body));
    }
}

/// Two changed digits can cancel out: the DV detects every single error, not
/// every double one.
#[test]
fn two_changes_can_go_unseen() {
    // The last digit has weight 2 and the one before weight 3: raising them by
    // 4 and 1 adds 8 + 3 = 11 to the sum, which mod 11 is nothing.
    assert_eq!(check_digit("76354731"), check_digit("76354745"));
}
