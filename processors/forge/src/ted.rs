//! The TED (timbre electrónico): `DD` repeats the document's identity and
//! carries the CAF; `FRMT` is SHA1withRSA with the CAF's private key over the
//! `DD` element as written, whitespace between tags removed, in ISO-8859-1.

use crate::caf::Caf;
use crate::calendar::Timestamp;
use crate::error::ForgeError;
use crate::model::Document;
use crate::rsa::{Hash, PrivateKey};
use crate::xml::{self, Writer};

/// How a defect bends the stamp; `None` of both for a genuine one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bend {
    /// `MNT` differs from `MntTotal` (the stamp is still properly signed).
    pub mnt_differs: bool,
    /// `FRMT` does not verify.
    pub broken_frmt: bool,
}

/// The first 40 characters, as `RSR` and `IT1` hold them; a space the cut
/// leaves at the end is dropped, as generators do.
pub fn first_40(text: &str) -> String {
    let cut: String = text.chars().take(40).collect();
    cut.trim_end().to_owned()
}

/// The `<TED>` element of `doc`, stamped at `stamped` under `caf` with the
/// CAF's private key `key`.
///
/// # Errors
///
/// [`ForgeError::Encoding`] when a field cannot be written in ISO-8859-1.
pub fn stamp(
    doc: &Document,
    caf: &Caf,
    key: &PrivateKey,
    stamped: Timestamp,
    bend: Bend,
) -> Result<String, ForgeError> {
    let mnt = if bend.mnt_differs {
        let step = if doc.tipo.is_export() {
            crate::decimal::Dec::new(100, 2)
        } else {
            crate::decimal::Dec::int(1)
        };
        crate::model::money(doc.tipo, doc.totals.total.add(step))
    } else {
        doc.total_text()
    };
    let first_item = doc.lines.first().map(|l| l.name.as_str()).unwrap_or("-");

    let mut dd = Writer::with_capacity(caf.xml.len() + 512);
    dd.open("DD");
    dd.leaf("RE", &doc.emisor.rut);
    dd.leaf_display("TD", doc.tipo.code());
    dd.leaf_display("F", doc.folio);
    dd.leaf("FE", &doc.fch_emis);
    dd.leaf("RR", &doc.receptor.rut);
    dd.leaf("RSR", &first_40(&doc.receptor.name));
    dd.leaf("MNT", &mnt);
    dd.leaf("IT1", &first_40(first_item));
    dd.raw(&caf.xml);
    dd.leaf_display("TSTED", stamped);
    dd.close("DD");
    let dd = dd.finish();

    let mut frmt = key.sign(Hash::Sha1, &xml::latin1(&xml::compact(&dd))?);
    if bend.broken_frmt {
        // One flipped bit: still base64 of the right length, but no longer
        // the signature of this DD.
        if let Some(last) = frmt.last_mut() {
            *last ^= 0x01;
        }
    }

    let mut ted = Writer::with_capacity(dd.len() + 256);
    ted.open_with("TED", &[("version", "1.0")]);
    ted.raw(&dd);
    ted.leaf_with("FRMT", &[("algoritmo", "SHA1withRSA")], &xml::base64(&frmt));
    ted.close("TED");
    Ok(ted.finish())
}
