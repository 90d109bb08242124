//! Envelopes: `EnvioDTE` (EnvioDTE_v10.xsd) and `EnvioBOLETA`
//! (EnvioBOLETA_v11.xsd), each a `SetDTE` with its `Caratula` and the signed
//! DTEs as they are, and the sender's signature over `#SetDoc`.

use std::collections::BTreeMap;

use crate::calendar::{Date, Timestamp};
use crate::error::ForgeError;
use crate::forge::{FileKind, ForgedDte, SII_NS};
use crate::rut;
use crate::xml::Writer;
use crate::xmldsig::{self, Signer};

const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// What the `Caratula` says besides the counts.
#[derive(Debug, Clone, Copy)]
pub struct Caratula<'a> {
    pub rut_emisor: &'a str,
    /// The person who sends, and signs the envelope.
    pub rut_envia: &'a str,
    /// `FchResol` and `NroResol` of the issuer's authorisation.
    pub resolution: (Date, u32),
    /// `TmstFirmaEnv`.
    pub signed_at: Timestamp,
}

/// The envelope's text, without an XML declaration.
///
/// # Errors
///
/// As [`xmldsig::signature`].
pub fn seal(
    kind: FileKind,
    caratula: &Caratula<'_>,
    dtes: &[ForgedDte],
    signer: Signer<'_>,
) -> Result<String, ForgeError> {
    let (root, schema) = match kind {
        FileKind::EnvioBoleta => ("EnvioBOLETA", "EnvioBOLETA_v11.xsd"),
        _ => ("EnvioDTE", "EnvioDTE_v10.xsd"),
    };
    let location = format!("{SII_NS} {schema}");

    let size: usize = dtes.iter().map(|d| d.xml.len()).sum();
    let mut w = Writer::with_capacity(size + 8192);
    w.open_with(
        root,
        &[
            ("xmlns", SII_NS),
            ("xmlns:xsi", XSI_NS),
            ("xsi:schemaLocation", &location),
            ("version", "1.0"),
        ],
    );
    w.open_with("SetDTE", &[("ID", "SetDoc")]);
    w.open_with("Caratula", &[("version", "1.0")]);
    w.leaf("RutEmisor", caratula.rut_emisor);
    w.leaf("RutEnvia", caratula.rut_envia);
    w.leaf("RutReceptor", rut::SII);
    w.leaf_display("FchResol", caratula.resolution.0);
    w.leaf_display("NroResol", caratula.resolution.1);
    w.leaf_display("TmstFirmaEnv", caratula.signed_at);
    let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
    for dte in dtes {
        *counts.entry(dte.tipo.code()).or_default() += 1;
    }
    for (tipo, count) in counts {
        w.open("SubTotDTE");
        w.leaf_display("TpoDTE", tipo);
        w.leaf_display("NroDTE", count);
        w.close("SubTotDTE");
    }
    w.close("Caratula");
    for dte in dtes {
        w.raw(&dte.xml);
    }
    w.close("SetDTE");
    w.close(root);
    let unsigned = w.finish();

    let signature = xmldsig::signature(&unsigned, "SetDoc", signer, &xmldsig::Bend::default())?;
    let end = format!("</{root}>\n");
    let body = unsigned.strip_suffix(&end).unwrap_or(&unsigned);
    Ok(format!("{body}{signature}{end}"))
}
