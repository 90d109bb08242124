//! CAFs (Código de Autorización de Folios) as the test SII issues them: a
//! folio range for one issuer and type, the public half of a CAF key, and
//! `FRMA`, the SII's SHA1withRSA signature over the whitespace-stripped `DA`.
//!
//! A CAF's XML is written once when it is issued and copied into every TED
//! stamped under it, as issuers copy the file the SII gives them.

use crate::calendar::Date;
use crate::error::ForgeError;
use crate::rsa::{Hash, PrivateKey};
use crate::tipo::TipoDte;
use crate::xml::{self, Writer};

/// One folio authorisation.
#[derive(Debug, Clone)]
pub struct Caf {
    /// The last folio it authorises (`RNG/H`).
    pub to: u64,
    /// Authorisation date (`FA`).
    pub authorised: Date,
    /// Index of its key in the pool's CAF keys.
    pub key: usize,
    /// The `<CAF>` element, ready to be copied into a `DD`.
    pub xml: String,
}

/// What the SII writes into a CAF besides the range.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub rut: &'a str,
    /// The issuer's name as the SII's registry has it (`RS`).
    pub name: &'a str,
    pub tipo: TipoDte,
    pub from: u64,
    pub to: u64,
    pub authorised: Date,
    pub idk: u32,
}

/// Issues a CAF for `request` with the CAF key `key` (index `key_index` in
/// the pool), signed by `signer`: the test SII's key for a genuine CAF, any
/// other key for a forged one.
///
/// # Errors
///
/// [`ForgeError::Encoding`] if the name cannot be written in ISO-8859-1.
pub fn issue(
    request: &Request<'_>,
    key: &PrivateKey,
    key_index: usize,
    signer: &PrivateKey,
) -> Result<Caf, ForgeError> {
    let mut da = Writer::with_capacity(512);
    da.open("DA");
    da.leaf("RE", request.rut);
    da.leaf("RS", &registry_name(request.name));
    da.leaf_display("TD", request.tipo.code());
    da.open("RNG");
    da.leaf_display("D", request.from);
    da.leaf_display("H", request.to);
    da.close("RNG");
    da.leaf_display("FA", request.authorised);
    da.open("RSAPK");
    da.leaf("M", &xml::base64(&key.modulus()));
    da.leaf("E", &xml::base64(&key.exponent()));
    da.close("RSAPK");
    da.leaf_display("IDK", request.idk);
    da.close("DA");
    let da = da.finish();

    let signed = xml::latin1(&xml::compact(&da))?;
    let frma = signer.sign(Hash::Sha1, &signed);

    let mut caf = Writer::with_capacity(da.len() + 256);
    caf.open_with("CAF", &[("version", "1.0")]);
    caf.raw(&da);
    caf.leaf_with("FRMA", &[("algoritmo", "SHA1withRSA")], &xml::base64(&frma));
    caf.close("CAF");
    Ok(Caf {
        to: request.to,
        authorised: request.authorised,
        key: key_index,
        xml: caf.finish(),
    })
}

/// The name as the SII's registry writes it in `RS`: upper case, at most 40
/// characters. Letters whose capital is outside ISO-8859-1 stay as they are.
pub fn registry_name(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) if u32::from(u) <= 0xFF => u,
                _ => c,
            }
        })
        .take(40)
        .collect();
    upper.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn registry_names_are_upper_case_latin1_and_short() {
        assert_eq!(registry_name("Pérez & Cía. Ñuñoa"), "PÉREZ & CÍA. ÑUÑOA");
        assert_eq!(registry_name("ÿ µ"), "ÿ µ");
        assert_eq!(registry_name(&"a".repeat(50)).len(), 40);
    }

    #[test]
    fn frma_verifies_over_the_compact_da() {
        let mut rng = Rng::new(2);
        let key = PrivateKey::generate(&mut rng, 512, 3);
        let sii = PrivateKey::generate(&mut rng, 512, 65_537);
        let request = Request {
            rut: "76354771-K",
            name: "Comercial Peñalolén Ltda.",
            tipo: TipoDte::Factura,
            from: 1,
            to: 100,
            authorised: Date::ymd(2025, 1, 2).unwrap(),
            idk: 100,
        };
        let caf = issue(&request, &key, 0, &sii).unwrap();
        let da_start = caf.xml.find("<DA>").unwrap();
        let da_end = caf.xml.find("</DA>").unwrap() + 5;
        let da = xml::compact(&caf.xml[da_start..da_end]);
        let frma_b64 = caf
            .xml
            .split("<FRMA algoritmo=\"SHA1withRSA\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap();
        use base64::Engine;
        let frma = base64::engine::general_purpose::STANDARD
            .decode(frma_b64)
            .unwrap();
        let latin = xml::latin1(&da).unwrap();
        assert!(sii.public().verify(Hash::Sha1, &latin, &frma));
        assert!(caf.xml.contains("<RS>COMERCIAL PEÑALOLÉN LTDA.</RS>"));
    }
}
