//! Writing a [`Document`] as its document element (`Documento`,
//! `Liquidacion` or `Exportaciones`), in the element order of DTE_v10.xsd, or
//! of EnvioBOLETA_v11.xsd for boletas. The TED comes ready-made: it is
//! signed over its own bytes and must not be written twice differently.

use crate::decimal::Dec;
use crate::model::{Document, Line, Party, Totals, money};
use crate::tipo::{Family, TipoDte};
use crate::xml::Writer;

/// The document element of `doc` with `ted` (a `<TED>` element) inside.
pub fn document(doc: &Document, ted: &str) -> String {
    let element = doc.tipo.family().element();
    let mut w = Writer::with_capacity(4096 + doc.lines.len() * 300 + ted.len());
    w.open_with(element, &[("ID", &doc.id())]);
    header(&mut w, doc);
    for (number, line) in doc.lines.iter().enumerate() {
        detail(&mut w, doc.tipo, number + 1, line);
    }
    globals(&mut w, doc);
    references(&mut w, doc);
    commissions(&mut w, doc);
    w.raw(ted);
    w.leaf_display("TmstFirma", doc.signed_at);
    w.close(element);
    w.finish()
}

fn header(w: &mut Writer, doc: &Document) {
    w.open("Encabezado");
    id_doc(w, doc);
    if doc.tipo.is_boleta() {
        boleta_emisor(w, &doc.emisor);
        boleta_receptor(w, doc);
    } else {
        emisor(w, doc);
        receptor(w, doc);
    }
    transport(w, doc);
    totals(w, doc.tipo, &doc.totals);
    if let (Some((pesos, rate)), true) = (doc.totals.pesos, doc.tipo.is_export()) {
        w.open("OtraMoneda");
        w.leaf("TpoMoneda", "PESO CL");
        w.leaf_display("TpoCambio", rate);
        w.leaf_display("MntExeOtrMnda", pesos);
        w.leaf_display("MntTotOtrMnda", pesos);
        w.close("OtraMoneda");
    }
    w.close("Encabezado");
}

fn id_doc(w: &mut Writer, doc: &Document) {
    w.open("IdDoc");
    w.leaf_display("TipoDTE", doc.tipo.code());
    w.leaf_display("Folio", doc.folio);
    w.leaf("FchEmis", &doc.fch_emis);
    if doc.tipo.is_boleta() {
        w.leaf_display("IndServicio", doc.ind_servicio.unwrap_or(3));
        if let Some(venc) = doc.fch_venc {
            w.leaf_display("FchVenc", venc);
        }
        w.close("IdDoc");
        return;
    }
    if let Some(ind) = doc.ind_traslado {
        w.leaf_display("IndTraslado", ind);
    }
    if let Some(ind) = doc.ind_servicio {
        w.leaf_display("IndServicio", ind);
    }
    if let Some(fma) = doc.fma_pago {
        w.leaf_display("FmaPago", fma);
        if fma == 2 {
            w.leaf("TermPagoGlosa", "Crédito");
        }
    }
    if let Some(venc) = doc.fch_venc {
        w.leaf_display("FchVenc", venc);
    }
    w.close("IdDoc");
}

fn emisor(w: &mut Writer, doc: &Document) {
    let e = &doc.emisor;
    w.open("Emisor");
    w.leaf("RUTEmisor", &e.rut);
    w.leaf("RznSoc", &e.name);
    w.leaf("GiroEmis", &e.giro);
    w.leaf_opt("Telefono", e.phone.as_deref());
    w.leaf_opt("CorreoEmisor", e.email.as_deref());
    w.leaf_display("Acteco", e.acteco.unwrap_or(1));
    if let Some((name, code)) = &e.branch {
        w.leaf("Sucursal", name);
        w.leaf_display("CdgSIISucur", code);
    }
    w.leaf("DirOrigen", &e.address);
    w.leaf("CmnaOrigen", &e.comuna);
    w.leaf("CiudadOrigen", &e.city);
    w.close("Emisor");
}

fn receptor(w: &mut Writer, doc: &Document) {
    let r = &doc.receptor;
    w.open("Receptor");
    if !doc.omit.rut_recep {
        w.leaf("RUTRecep", &r.rut);
    }
    w.leaf("RznSocRecep", &r.name);
    if let Some((id, country)) = &r.foreign {
        w.open("Extranjero");
        w.leaf("NumId", id);
        w.leaf_display("Nacionalidad", country);
        w.close("Extranjero");
    }
    w.leaf("GiroRecep", &r.giro);
    w.leaf_opt("Contacto", r.contact.as_deref());
    w.leaf_opt("CorreoRecep", r.email.as_deref());
    w.leaf("DirRecep", &r.address);
    if !r.comuna.is_empty() {
        w.leaf("CmnaRecep", &r.comuna);
    }
    w.leaf("CiudadRecep", &r.city);
    w.close("Receptor");
}

fn boleta_emisor(w: &mut Writer, e: &Party) {
    w.open("Emisor");
    w.leaf("RUTEmisor", &e.rut);
    w.leaf("RznSocEmisor", &e.name);
    w.leaf("GiroEmisor", &e.giro);
    if let Some((_, code)) = &e.branch {
        w.leaf_display("CdgSIISucur", code);
    }
    w.leaf("DirOrigen", &e.address);
    w.leaf("CmnaOrigen", &e.comuna);
    w.leaf("CiudadOrigen", &e.city);
    w.close("Emisor");
}

fn boleta_receptor(w: &mut Writer, doc: &Document) {
    let r = &doc.receptor;
    w.open("Receptor");
    if !doc.omit.rut_recep {
        w.leaf("RUTRecep", &r.rut);
    }
    w.leaf("RznSocRecep", &r.name);
    w.leaf_opt("CorreoRecep", r.email.as_deref());
    w.close("Receptor");
}

fn transport(w: &mut Writer, doc: &Document) {
    let Some(t) = &doc.transport else {
        return;
    };
    w.open("Transporte");
    w.leaf_opt("Patente", t.plate.as_deref());
    w.leaf_opt("RUTTrans", t.carrier_rut.as_deref());
    if let Some((rut, name)) = &t.driver {
        w.open("Chofer");
        w.leaf("RUTChofer", rut);
        w.leaf("NombreChofer", name);
        w.close("Chofer");
    }
    if let Some((address, comuna, city)) = &t.destination {
        w.leaf("DirDest", address);
        w.leaf("CmnaDest", comuna);
        w.leaf("CiudadDest", city);
    }
    if let Some(c) = &t.customs {
        w.open("Aduana");
        w.leaf_display("CodModVenta", c.sale_mode);
        w.leaf_display("CodClauVenta", c.sale_clause);
        // Dec16_2Type starts at 0.01: a note of amount 0 leaves it out.
        if !c.clause_total.is_zero() {
            w.leaf_display("TotClauVenta", c.clause_total.fixed(2));
        }
        w.leaf_display("CodViaTransp", c.via);
        w.leaf("NombreTransp", &c.carrier);
        w.leaf_display("CodPtoEmbarque", c.port_out);
        w.leaf_display("CodPtoDesemb", c.port_in);
        w.leaf_display("CodPaisRecep", c.country_receiver);
        w.leaf_display("CodPaisDestin", c.country_destination);
        w.close("Aduana");
    }
    w.close("Transporte");
}

fn totals(w: &mut Writer, tipo: TipoDte, t: &Totals) {
    w.open("Totales");
    if tipo.is_export() {
        w.leaf("TpoMoneda", t.currency.unwrap_or("DOLAR USA"));
        w.leaf("MntExe", &money(tipo, t.exe.unwrap_or(Dec::ZERO)));
        w.leaf("MntTotal", &money(tipo, t.total));
        w.close("Totales");
        return;
    }
    if let Some(neto) = t.neto {
        w.leaf("MntNeto", &money(tipo, neto));
    }
    if let Some(exe) = t.exe {
        w.leaf("MntExe", &money(tipo, exe));
    }
    if let (Some(tasa), false) = (t.tasa_iva, tipo.is_boleta()) {
        w.leaf_display("TasaIVA", tasa);
    }
    if let Some(iva) = t.iva {
        w.leaf("IVA", &money(tipo, iva));
    }
    if let Some((code, rate, amount)) = t.retained {
        w.open("ImptoReten");
        w.leaf("TipoImp", code);
        w.leaf_display("TasaImp", rate);
        w.leaf("MontoImp", &money(tipo, amount));
        w.close("ImptoReten");
    }
    if let Some((neto, exe, iva)) = t.commissions {
        w.open("Comisiones");
        w.leaf("ValComNeto", &money(tipo, neto));
        w.leaf("ValComExe", &money(tipo, exe));
        w.leaf("ValComIVA", &money(tipo, iva));
        w.close("Comisiones");
    }
    w.leaf("MntTotal", &money(tipo, t.total));
    w.close("Totales");
}

fn detail(w: &mut Writer, tipo: TipoDte, number: usize, line: &Line) {
    w.open("Detalle");
    w.leaf_display("NroLinDet", number);
    if let Some(code) = &line.code {
        w.open("CdgItem");
        w.leaf("TpoCodigo", "INT1");
        w.leaf("VlrCodigo", code);
        w.close("CdgItem");
    }
    if tipo.family() == Family::Liquidacion {
        w.leaf("TpoDocLiq", line.tpo_doc_liq.unwrap_or("33"));
    }
    if let Some(ind) = line.ind_exe {
        w.leaf_display("IndExe", ind);
    }
    w.leaf("NmbItem", &line.name);
    w.leaf_opt("DscItem", line.description.as_deref());
    if let Some(qty) = line.qty {
        w.leaf_display("QtyItem", qty.trimmed());
    }
    if let Some(unit) = line.unit {
        w.leaf("UnmdItem", unit);
    }
    if let Some(price) = line.price {
        w.leaf_display("PrcItem", price.trimmed());
    }
    if let Some(pct) = line.discount_pct {
        w.leaf_display("DescuentoPct", pct.trimmed());
    }
    if let Some(discount) = line.discount {
        w.leaf("DescuentoMonto", &money(tipo, discount));
    }
    if let Some(surcharge) = line.surcharge {
        w.leaf("RecargoMonto", &money(tipo, surcharge));
    }
    w.leaf("MontoItem", &money(tipo, line.amount));
    w.close("Detalle");
}

fn globals(w: &mut Writer, doc: &Document) {
    for (number, global) in doc.globals.iter().enumerate() {
        w.open("DscRcgGlobal");
        w.leaf_display("NroLinDR", number + 1);
        w.leaf("TpoMov", if global.surcharge { "R" } else { "D" });
        w.leaf("GlosaDR", &global.glosa);
        w.leaf("TpoValor", if global.percent { "%" } else { "$" });
        w.leaf_display("ValorDR", global.value.trimmed());
        w.close("DscRcgGlobal");
    }
}

fn references(w: &mut Writer, doc: &Document) {
    for (number, r) in doc.references.iter().enumerate() {
        w.open("Referencia");
        w.leaf_display("NroLinRef", number + 1);
        w.leaf("TpoDocRef", &r.tpo_doc_ref);
        w.leaf("FolioRef", &r.folio_ref);
        w.leaf_display("FchRef", r.fch_ref);
        if let Some(code) = r.cod_ref {
            w.leaf_display("CodRef", code);
        }
        w.leaf_opt("RazonRef", r.razon.as_deref());
        w.close("Referencia");
    }
}

fn commissions(w: &mut Writer, doc: &Document) {
    for (number, c) in doc.commissions.iter().enumerate() {
        w.open("Comisiones");
        w.leaf_display("NroLinCom", number + 1);
        w.leaf("TipoMovim", "C");
        w.leaf("Glosa", &c.glosa);
        w.leaf_display("TasaComision", c.rate.trimmed());
        w.leaf("ValComNeto", &money(doc.tipo, c.neto));
        w.leaf("ValComExe", &money(doc.tipo, c.exe));
        w.leaf("ValComIVA", &money(doc.tipo, c.iva));
        w.close("Comisiones");
    }
}
