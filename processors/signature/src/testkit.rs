//! Fixtures for the unit tests: fixed RSA keys and signed DTEs built from a
//! template, so the tests need nothing from outside the crate.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, Pkcs1v15Sign, PrivateKey};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use veredicto_xml::{Document, Element, Limits};

use crate::c14n::{self, Context};
use crate::crypto::RsaKey;
use crate::trust::TrustStore;

/// Test keys, generated once for these tests; they protect nothing.
pub(crate) struct Keys {
    pub signer: PrivateKey,
    pub sii: PrivateKey,
    pub caf: PrivateKey,
}

const P1024: &str = "f3c16ade3b7cb4c7879f681b67515b56a5af0dcc7e1025c0fdfbc7fd38c3bfff83a388c1af6e22ec38d613ddb5c56cb709a173bb86f22af238ea055d50169c45";
const Q1024: &str = "d29d3a12c5f70400e62e615017b2c932d5077a8c668c5b74f5c6470657507e59625ec01ebd033ea1af76b692833fd11764d61de587dedd26e2815e1315a39949";
const P512: &str = "ebd1d54af26c01b2227be9da7140b825de4d31fe04cbe283c9161adaf62410d7";
const Q512: &str = "d630295b8dedb152b200cacbd0e31715c79d3464f6ef43c779365c1d2b03315d";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn private_key(p: &str, q: &str, e: u64) -> PrivateKey {
    let bits = (p.len() * 4) as u32;
    let p = BoxedUint::from_be_slice(&hex(p), bits).unwrap();
    let q = BoxedUint::from_be_slice(&hex(q), bits).unwrap();
    PrivateKey::from_p_q(p, q, BoxedUint::from(e)).unwrap()
}

pub(crate) static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    signer: private_key(P1024, Q1024, 65537),
    // The SII's and the CAF holders' keys use exponent 3, as the real ones do.
    sii: private_key(P1024, Q1024, 3),
    caf: private_key(P512, Q512, 3),
});

pub(crate) fn modulus(key: &PrivateKey) -> Vec<u8> {
    key.n().to_be_bytes_trimmed_vartime().into_vec()
}

pub(crate) fn exponent(key: &PrivateKey) -> Vec<u8> {
    key.e().to_be_bytes_trimmed_vartime().into_vec()
}

pub(crate) fn public(key: &PrivateKey) -> RsaKey {
    RsaKey::from_components(&modulus(key), &exponent(key)).unwrap()
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Base64 wrapped at 76 characters, as signers write it.
pub(crate) fn b64_wrapped(bytes: &[u8]) -> String {
    let flat = b64(bytes);
    let lines: Vec<&str> = flat
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!("\n{}\n", lines.join("\n"))
}

pub(crate) fn sign_sha1(key: &PrivateKey, data: &[u8]) -> Vec<u8> {
    key.sign(Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(data))
        .unwrap()
}

/// A trust store holding the test SII key as IDK 300.
pub(crate) fn trust() -> TrustStore {
    let mut trust = TrustStore::empty();
    trust.insert_key("300", public(&KEYS.sii));
    trust
}

/// Removes whitespace between tags and encodes ISO-8859-1, as the TED and CAF
/// signatures are computed.
fn compact_latin1(xml: &str) -> Vec<u8> {
    let mut out = String::new();
    for piece in xml.split('<') {
        if out.is_empty() && piece.trim().is_empty() {
            continue;
        }
        let (tag, text) = piece.split_once('>').unwrap();
        out.push('<');
        out.push_str(tag);
        out.push('>');
        if !text.trim().is_empty() {
            out.push_str(text);
        }
    }
    out.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

/// A minimal X.509-shaped certificate around `key`, enough for the DER walk.
pub(crate) fn certificate(key: &PrivateKey) -> Vec<u8> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(content);
        out
    }
    let mut n = vec![0];
    n.extend(modulus(key));
    let rsa_key = tlv(0x30, &[tlv(0x02, &n), tlv(0x02, &exponent(key))].concat());
    let mut bits = vec![0];
    bits.extend(rsa_key);
    let oid = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
    let spki = tlv(
        0x30,
        &[
            tlv(0x30, &[tlv(0x06, &oid), vec![5, 0]].concat()),
            tlv(0x03, &bits),
        ]
        .concat(),
    );
    let mut tbs = tlv(0xA0, &tlv(0x02, &[2]));
    tbs.extend(tlv(0x02, &[7]));
    for _ in 0..4 {
        tbs.extend(tlv(0x30, &[]));
    }
    tbs.extend(spki);
    tlv(
        0x30,
        &[tlv(0x30, &tbs), tlv(0x30, &[]), tlv(0x03, &[0])].concat(),
    )
}

/// How the XML signature's canonical forms are taken when signing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signing {
    /// The DTE as a document of its own: what the SII expects.
    Alone,
    /// Inside whatever document the DTE sits in, envelope namespaces included.
    InPlace,
}

/// The variable parts of a test DTE.
#[derive(Clone)]
pub(crate) struct Fixture {
    pub id: String,
    pub rut_emisor: String,
    pub tipo: u32,
    pub folio: u64,
    pub fecha: String,
    pub rut_recep: String,
    pub razon_recep: String,
    pub monto: u64,
    pub item: String,
    pub caf_re: String,
    pub caf_from: u64,
    pub caf_to: u64,
    pub caf_fa: String,
    pub tmst: String,
    /// Applied to the `DD` text before it is signed.
    pub dd_edit: Option<fn(String) -> String>,
    /// Write `KeyValue` with this key instead of the signer's.
    pub key_value: Option<&'static PrivateKey>,
    pub with_certificate: bool,
    /// RSA-SHA256 and a SHA-256 digest instead of SHA-1.
    pub sha256: bool,
}

impl Default for Fixture {
    fn default() -> Self {
        Self {
            id: "F17T33".into(),
            rut_emisor: "76192083-9".into(),
            tipo: 33,
            folio: 17,
            fecha: "2024-03-01".into(),
            rut_recep: "60803000-K".into(),
            razon_recep: "Servicio de Impuestos Internos & Cía.".into(),
            monto: 119_000,
            item: "Asesoría técnica de integración con el SII, marzo".into(),
            caf_re: "76192083-9".into(),
            caf_from: 1,
            caf_to: 100,
            caf_fa: "2024-01-15".into(),
            tmst: "2024-03-01T10:00:00".into(),
            dd_edit: None,
            key_value: None,
            with_certificate: true,
            sha256: false,
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

fn first40(text: &str) -> String {
    text.chars().take(40).collect()
}

impl Fixture {
    /// The `Documento` element's text, with a signed TED.
    pub fn documento(&self) -> String {
        let keys = &*KEYS;
        let da = format!(
            "<DA><RE>{re}</RE><RS>EMPRESA DE PRUEBA</RS><TD>{td}</TD><RNG><D>{d}</D><H>{h}</H></RNG>\
             <FA>{fa}</FA><RSAPK><M>{m}</M><E>{e}</E></RSAPK><IDK>300</IDK></DA>",
            re = self.caf_re,
            td = self.tipo,
            d = self.caf_from,
            h = self.caf_to,
            fa = self.caf_fa,
            m = b64(&modulus(&keys.caf)),
            e = b64(&exponent(&keys.caf)),
        );
        let frma = b64(&sign_sha1(&keys.sii, &compact_latin1(&da)));
        // The DD is written over several lines on purpose: the signature is over
        // the compact form.
        let dd = format!(
            "<DD>\n<RE>{re}</RE>\n<TD>{td}</TD>\n<F>{f}</F>\n<FE>{fe}</FE>\n<RR>{rr}</RR>\n\
             <RSR>{rsr}</RSR>\n<MNT>{mnt}</MNT>\n<IT1>{it1}</IT1>\n\
             <CAF version=\"1.0\">{da}<FRMA algoritmo=\"SHA1withRSA\">{frma}</FRMA></CAF>\n\
             <TSTED>{tsted}</TSTED>\n</DD>",
            re = self.rut_emisor,
            td = self.tipo,
            f = self.folio,
            fe = self.fecha,
            rr = self.rut_recep,
            rsr = escape(&first40(&self.razon_recep)),
            mnt = self.monto,
            it1 = escape(&first40(&self.item)),
            tsted = self.tmst,
        );
        let dd = match self.dd_edit {
            Some(edit) => edit(dd),
            None => dd,
        };
        let frmt = b64(&sign_sha1(&keys.caf, &compact_latin1(&dd)));
        let neto = self.monto * 100 / 119;
        format!(
            "<Documento ID=\"{id}\">\n  <Encabezado>\n    <IdDoc>\n      <TipoDTE>{td}</TipoDTE>\n      \
             <Folio>{folio}</Folio>\n      <FchEmis>{fecha}</FchEmis>\n    </IdDoc>\n    <Emisor>\n      \
             <RUTEmisor>{re}</RUTEmisor>\n      <RznSoc>EMPRESA DE PRUEBA</RznSoc>\n    </Emisor>\n    \
             <Receptor>\n      <RUTRecep>{rr}</RUTRecep>\n      <RznSocRecep>{rsr}</RznSocRecep>\n    \
             </Receptor>\n    <Totales>\n      <MntNeto>{neto}</MntNeto>\n      <TasaIVA>19</TasaIVA>\n      \
             <IVA>{iva}</IVA>\n      <MntTotal>{monto}</MntTotal>\n    </Totales>\n  </Encabezado>\n  \
             <Detalle>\n    <NroLinDet>1</NroLinDet>\n    <NmbItem>{item}</NmbItem>\n    <QtyItem>1</QtyItem>\n    \
             <PrcItem>{neto}</PrcItem>\n    <MontoItem>{neto}</MontoItem>\n  </Detalle>\n  \
             <TED version=\"1.0\">{dd}<FRMT algoritmo=\"SHA1withRSA\">{frmt}</FRMT></TED>\n  \
             <TmstFirma>{tmst}</TmstFirma>\n</Documento>",
            id = self.id,
            td = self.tipo,
            folio = self.folio,
            fecha = self.fecha,
            re = self.rut_emisor,
            rr = self.rut_recep,
            rsr = escape(&self.razon_recep),
            iva = self.monto - neto,
            monto = self.monto,
            item = escape(&self.item),
            tmst = self.tmst,
        )
    }

    /// The unsigned `ds:Signature` skeleton for a reference to `#id`.
    pub fn signature_template(&self, id: &str) -> String {
        let keys = &*KEYS;
        let key_value = self.key_value.unwrap_or(&keys.signer);
        let certificate = if self.with_certificate {
            format!(
                "<X509Data>\n<X509Certificate>{}</X509Certificate>\n</X509Data>\n",
                b64_wrapped(&certificate(&keys.signer))
            )
        } else {
            String::new()
        };
        let (signature_method, digest_method) = if self.sha256 {
            (
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "http://www.w3.org/2001/04/xmlenc#sha256",
            )
        } else {
            (
                "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                "http://www.w3.org/2000/09/xmldsig#sha1",
            )
        };
        format!(
            "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">\n<SignedInfo>\n\
             <CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>\n\
             <SignatureMethod Algorithm=\"{signature_method}\"/>\n\
             <Reference URI=\"#{id}\">\n<Transforms>\n\
             <Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\n\
             </Transforms>\n\
             <DigestMethod Algorithm=\"{digest_method}\"/>\n\
             <DigestValue>@DIGEST@</DigestValue>\n</Reference>\n</SignedInfo>\n\
             <SignatureValue>@VALUE@</SignatureValue>\n<KeyInfo>\n<KeyValue>\n<RSAKeyValue>\n\
             <Modulus>{m}</Modulus>\n<Exponent>{e}</Exponent>\n</RSAKeyValue>\n</KeyValue>\n\
             {certificate}</KeyInfo>\n</Signature>",
            m = b64_wrapped(&modulus(key_value)),
            e = b64(&exponent(key_value)),
        )
    }

    /// A signed DTE with the SII namespace, as a file holds it.
    pub fn dte(&self) -> String {
        let unsigned = format!(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n\
             <DTE xmlns=\"http://www.sii.cl/SiiDte\" version=\"1.0\">\n{}\n{}</DTE>\n",
            self.documento(),
            self.signature_template(&self.id)
        );
        sign(&unsigned, &self.id, Signing::Alone)
    }
}

pub(crate) fn parse(text: &str) -> Document {
    veredicto_xml::parse_text(text.to_owned(), &Limits::default()).unwrap()
}

/// The element with `ID` = `id`.
pub(crate) fn by_id<'d>(document: &'d Document, id: &str) -> Element<'d> {
    document
        .root()
        .descendants()
        .find(|e| e.attribute("ID") == Some(id))
        .unwrap()
}

/// The signature whose reference names `#id`: the first `Signature` after the
/// element with that ID among its siblings.
fn signature_for<'d>(target: Element<'d>) -> Element<'d> {
    target
        .parent()
        .unwrap()
        .elements()
        .find(|e| e.local_name() == "Signature")
        .unwrap()
}

/// Fills in `@DIGEST@` and `@VALUE@` of the signature that signs `#id`.
pub(crate) fn sign(text: &str, id: &str, signing: Signing) -> String {
    let doc = parse(text);
    let target = by_id(&doc, id);
    let signature = signature_for(target);
    let owner = signature.parent().unwrap();
    let context = |apex| match signing {
        Signing::Alone => Context::detached(apex, owner),
        Signing::InPlace => Context::document(apex),
    };
    let mut canonical = Vec::new();
    c14n::canonicalize_into(
        target,
        &context(target),
        Some(signature.id()),
        &mut canonical,
    );
    // The template says which hash; SHA-256 when it names RSA-SHA256.
    let sha256 = text.contains("xmldsig-more#rsa-sha256");
    let digest = if sha256 {
        b64(&Sha256::digest(&canonical))
    } else {
        b64(&Sha1::digest(&canonical))
    };
    // Only the first placeholder: other signatures in the text are done later.
    let text = text.replacen("@DIGEST@", &digest, 1);

    let doc = parse(&text);
    let signature = signature_for(by_id(&doc, id));
    let signed_info = signature.child("SignedInfo").unwrap();
    let owner = signature.parent().unwrap();
    let context = match signing {
        Signing::Alone => Context::detached(signed_info, owner),
        Signing::InPlace => Context::document(signed_info),
    };
    canonical.clear();
    c14n::canonicalize_into(signed_info, &context, None, &mut canonical);
    let value = if sha256 {
        let digest = Sha256::digest(&canonical);
        KEYS.signer
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .unwrap()
    } else {
        sign_sha1(&KEYS.signer, &canonical)
    };
    let value = b64_wrapped(&value);
    text.replacen("@VALUE@", &value, 1)
}

/// An `EnvioDTE` around `dtes` (each a DTE file's text), signed over `#SetDoc`.
/// When `signing` is [`Signing::InPlace`] the DTEs' own signatures are made
/// inside the envelope as well, which is the mistake the tests look for.
pub(crate) fn envelope(fixtures: &[Fixture], signing: Signing) -> String {
    let mut body = String::new();
    for fixture in fixtures {
        let dte = match signing {
            Signing::Alone => fixture.dte(),
            Signing::InPlace => format!(
                "<DTE version=\"1.0\">\n{}\n{}</DTE>",
                fixture.documento(),
                fixture.signature_template(&fixture.id)
            ),
        };
        let dte = dte.trim_start_matches("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n");
        body.push_str(dte);
        body.push('\n');
    }
    let signature = Fixture::default().signature_template("SetDoc");
    let mut text = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n\
         <EnvioDTE xmlns=\"http://www.sii.cl/SiiDte\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"1.0\" \
         xsi:schemaLocation=\"http://www.sii.cl/SiiDte EnvioDTE_v10.xsd\">\n\
         <SetDTE ID=\"SetDoc\">\n<Caratula version=\"1.0\"><RutEmisor>76192083-9</RutEmisor>\
         </Caratula>\n{body}</SetDTE>{signature}</EnvioDTE>\n"
    );
    if signing == Signing::InPlace {
        for fixture in fixtures {
            text = sign(&text, &fixture.id, Signing::InPlace);
        }
    }
    sign(&text, "SetDoc", Signing::InPlace)
}
