//! The vocabulary of forged documents: Chilean company and person names,
//! lines of business (giros) with their activity codes, comunas and cities,
//! street names, and the goods and services each kind of business sells.
//!
//! Names carry the accents and signs of real ones (á, ñ, °, ², &) because
//! those are what make the ISO-8859-1 encoding, the escaping and the TED's
//! byte-exact signature matter. Every character here is in ISO-8859-1.

use crate::rng::Rng;

pub const SURNAMES: &[&str] = &[
    "González",
    "Muñoz",
    "Rojas",
    "Díaz",
    "Pérez",
    "Soto",
    "Contreras",
    "Silva",
    "Martínez",
    "Sepúlveda",
    "Morales",
    "Rodríguez",
    "López",
    "Fuentes",
    "Hernández",
    "Torres",
    "Araya",
    "Flores",
    "Espinoza",
    "Valenzuela",
    "Castillo",
    "Tapia",
    "Reyes",
    "Gutiérrez",
    "Castro",
    "Pizarro",
    "Álvarez",
    "Vásquez",
    "Sánchez",
    "Fernández",
    "Ramírez",
    "Carrasco",
    "Gómez",
    "Cortés",
    "Herrera",
    "Núñez",
    "Jara",
    "Vergara",
    "Rivera",
    "Figueroa",
    "Riquelme",
    "García",
    "Miranda",
    "Bravo",
    "Vera",
    "Molina",
    "Vega",
    "Campos",
    "Sandoval",
    "Orellana",
    "Zúñiga",
    "Olivares",
    "Alarcón",
    "Gallardo",
    "Ortiz",
    "Garrido",
    "Salazar",
    "Guzmán",
    "Henríquez",
    "Saavedra",
    "Navarro",
    "Aguilera",
    "Parra",
    "Romero",
    "Aravena",
    "Cáceres",
    "Yáñez",
    "Leiva",
    "Escobar",
    "Valdés",
    "Vidal",
    "Salinas",
    "Peña",
    "Ibáñez",
    "Acuña",
    "Toledo",
    "Órdenes",
    "Larraín",
    "Echeverría",
    "Undurraga",
    "Errázuriz",
    "Montt",
];

pub const FIRST_NAMES: &[&str] = &[
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jorge",
    "Francisco",
    "Patricio",
    "Cristián",
    "Sebastián",
    "Matías",
    "Andrés",
    "Rodrigo",
    "Felipe",
    "Ignacio",
    "Tomás",
    "Benjamín",
    "María",
    "Ana",
    "Carolina",
    "Francisca",
    "Camila",
    "Valentina",
    "Javiera",
    "Constanza",
    "Daniela",
    "Catalina",
    "Fernanda",
    "Macarena",
    "Paulina",
    "Verónica",
    "Sofía",
    "Inés",
    "Ramón",
    "Héctor",
    "Óscar",
    "Iván",
    "Martín",
    "Begoña",
    "Mónica",
    "Raúl",
    "Álvaro",
    "Germán",
    "Joaquín",
    "Agustín",
    "Ximena",
    "Pía",
    "Maite",
    "Rocío",
];

/// (comuna, city); comunas fit the schema's 20 characters.
pub const PLACES: &[(&str, &str)] = &[
    ("Santiago", "Santiago"),
    ("Providencia", "Santiago"),
    ("Las Condes", "Santiago"),
    ("Ñuñoa", "Santiago"),
    ("Maipú", "Santiago"),
    ("La Florida", "Santiago"),
    ("Puente Alto", "Santiago"),
    ("Vitacura", "Santiago"),
    ("Lo Barnechea", "Santiago"),
    ("Estación Central", "Santiago"),
    ("Quilicura", "Santiago"),
    ("Pudahuel", "Santiago"),
    ("San Miguel", "Santiago"),
    ("Recoleta", "Santiago"),
    ("Huechuraba", "Santiago"),
    ("Peñalolén", "Santiago"),
    ("San Bernardo", "Santiago"),
    ("Valparaíso", "Valparaíso"),
    ("Viña del Mar", "Viña del Mar"),
    ("Quilpué", "Quilpué"),
    ("Concón", "Concón"),
    ("Concepción", "Concepción"),
    ("Talcahuano", "Talcahuano"),
    ("San Pedro de la Paz", "Concepción"),
    ("Temuco", "Temuco"),
    ("Antofagasta", "Antofagasta"),
    ("Calama", "Calama"),
    ("La Serena", "La Serena"),
    ("Coquimbo", "Coquimbo"),
    ("Rancagua", "Rancagua"),
    ("Talca", "Talca"),
    ("Chillán", "Chillán"),
    ("Los Ángeles", "Los Ángeles"),
    ("Puerto Montt", "Puerto Montt"),
    ("Osorno", "Osorno"),
    ("Valdivia", "Valdivia"),
    ("Punta Arenas", "Punta Arenas"),
    ("Iquique", "Iquique"),
    ("Copiapó", "Copiapó"),
    ("Curicó", "Curicó"),
    ("Coyhaique", "Coyhaique"),
];

pub const STREETS: &[&str] = &[
    "Av. Libertador Bernardo O'Higgins",
    "Av. Providencia",
    "Av. Apoquindo",
    "Av. Vicuña Mackenna",
    "Huérfanos",
    "Av. Grecia",
    "Los Carrera",
    "Av. Alemania",
    "Av. Pedro de Valdivia",
    "Camino a Melipilla",
    "Av. Américo Vespucio",
    "Av. Irarrázaval",
    "Moneda",
    "Av. Matta",
    "San Martín",
    "Av. Colón",
    "Freire",
    "Balmaceda",
    "Arturo Prat",
    "Av. Brasil",
    "Av. España",
    "21 de Mayo",
    "Chacabuco",
    "Av. Los Leones",
    "General Velásquez",
    "Av. Departamental",
    "Los Aromos",
    "Pasaje Las Acacias",
    "Camino Lo Echevers",
];

/// One good or service a business sells.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub name: &'static str,
    /// `UnmdItem`, at most 4 characters.
    pub unit: &'static str,
    /// Net unit price range in pesos (or in the export currency).
    pub low: u32,
    pub high: u32,
    /// Whether quantities come in fractions (kilos, hours, metres).
    pub fractional: bool,
}

const fn item(
    name: &'static str,
    unit: &'static str,
    low: u32,
    high: u32,
    fractional: bool,
) -> Item {
    Item {
        name,
        unit,
        low,
        high,
        fractional,
    }
}

/// A kind of business: how companies of that kind are named, their giro and
/// activity code, and what they sell.
#[derive(Debug, Clone, Copy)]
pub struct Sector {
    /// Name patterns; `{S}` is a surname, `{P}` a place.
    pub patterns: &'static [&'static str],
    /// `GiroEmis`, at most 80 characters.
    pub giro: &'static str,
    /// `GiroRecep`, at most 40 characters.
    pub giro_short: &'static str,
    /// `Acteco`, the SII's activity code.
    pub acteco: u32,
    pub items: &'static [Item],
}

pub const SECTORS: &[Sector] = &[
    Sector {
        patterns: &[
            "Ferretería {S} Hermanos Ltda.",
            "Comercial {S} y Cía. Ltda.",
            "Materiales de Construcción {P} SpA",
        ],
        giro: "Venta al por mayor de materiales de construcción, ferretería y gasfitería",
        giro_short: "Ferretería y materiales de construcción",
        acteco: 466_300,
        items: &[
            item("Cemento Polpaico especial 25 kg", "UN", 4_200, 6_500, false),
            item(
                "Fierro estriado A630 10 mm x 6 m",
                "UN",
                5_800,
                8_900,
                false,
            ),
            item("Clavo corriente 3\" a granel", "KG", 1_490, 2_490, true),
            item(
                "Pintura látex blanco invierno 1 galón",
                "GL",
                12_990,
                21_990,
                false,
            ),
            item(
                "Tornillo autoperforante punta broca 8x1\"",
                "CJ",
                3_990,
                6_990,
                false,
            ),
            item(
                "Plancha OSB 9,5 mm 1,22 x 2,44 m",
                "UN",
                9_990,
                14_990,
                false,
            ),
            item(
                "Cañería cobre tipo L ½\" x 6 m",
                "UN",
                24_990,
                39_990,
                false,
            ),
            item("Malla Acma C-92 2,6 x 5 m", "UN", 21_990, 29_990, false),
        ],
    },
    Sector {
        patterns: &[
            "Distribuidora de Alimentos {P} S.A.",
            "Comercializadora {S} & {S} Ltda.",
            "Almacenes {S} SpA",
        ],
        giro: "Venta al por mayor de alimentos, bebidas y productos de consumo masivo",
        giro_short: "Distribución de alimentos y bebidas",
        acteco: 463_000,
        items: &[
            item(
                "Harina sin polvos de hornear 25 kg",
                "UN",
                11_500,
                16_900,
                false,
            ),
            item("Azúcar granulada 1 kg", "UN", 890, 1_390, false),
            item("Aceite de maravilla 5 L", "UN", 6_990, 10_990, false),
            item("Arroz grado 1 grano largo 1 kg", "UN", 1_050, 1_790, false),
            item("Té en bolsitas caja 100 un.", "CJ", 2_490, 4_290, false),
            item("Café de grano tostado", "KG", 12_900, 24_900, true),
            item("Queso gauda laminado", "KG", 7_990, 11_490, true),
            item("Jamón de pierna acaramelado", "KG", 8_990, 13_990, true),
        ],
    },
    Sector {
        patterns: &[
            "Servicios Informáticos {S} SpA",
            "Soluciones Tecnológicas {P} Ltda.",
            "Consultora Digital Araucanía SpA",
        ],
        giro: "Actividades de programación informática, consultoría y soporte técnico",
        giro_short: "Servicios informáticos",
        acteco: 620_100,
        items: &[
            item(
                "Desarrollo de módulo de facturación electrónica",
                "SRV",
                450_000,
                2_800_000,
                false,
            ),
            item("Soporte técnico en terreno", "HR", 18_000, 42_000, true),
            item(
                "Licencia anual de software contable",
                "UN",
                89_000,
                390_000,
                false,
            ),
            item(
                "Notebook 14\" 16 GB RAM 512 GB SSD",
                "UN",
                549_990,
                899_990,
                false,
            ),
            item("Monitor 27\" IPS QHD", "UN", 169_990, 289_990, false),
            item(
                "Migración de servidores a la nube",
                "SRV",
                850_000,
                3_500_000,
                false,
            ),
            item("Capacitación en ciberseguridad", "HR", 35_000, 80_000, true),
        ],
    },
    Sector {
        patterns: &[
            "Transportes {S} e Hijos Ltda.",
            "Logística y Fletes {P} SpA",
            "Camiones del Sur {S} Ltda.",
        ],
        giro: "Transporte de carga por carretera, bodegaje y servicios logísticos",
        giro_short: "Transporte de carga",
        acteco: 492_300,
        items: &[
            item(
                "Flete Santiago - Valparaíso",
                "SRV",
                180_000,
                320_000,
                false,
            ),
            item(
                "Flete Santiago - Concepción camión 3/4",
                "SRV",
                420_000,
                690_000,
                false,
            ),
            item(
                "Arriendo de grúa horquilla por día",
                "DIA",
                65_000,
                120_000,
                false,
            ),
            item("Bodegaje mensual por m²", "M2", 3_200, 6_500, true),
            item("Servicio de carga y descarga", "HR", 12_000, 25_000, true),
            item("Peaje y pesaje de ruta", "UN", 2_500, 9_800, false),
        ],
    },
    Sector {
        patterns: &[
            "Sociedad Agrícola {P} Ltda.",
            "Frutícola {S} S.A.",
            "Exportadora de Frutas del Maule SpA",
        ],
        giro: "Cultivo, embalaje y comercialización de frutas frescas",
        giro_short: "Agricultura y fruticultura",
        acteco: 12_400,
        items: &[
            item(
                "Uva de mesa Thompson Seedless caja 8,2 kg",
                "CJ",
                6_500,
                12_500,
                false,
            ),
            item("Cerezas Lapins calibre XL", "KG", 2_900, 6_900, true),
            item("Manzanas Fuji a granel", "KG", 390, 890, true),
            item("Paltas Hass calibre 20", "KG", 1_800, 3_900, true),
            item(
                "Arándanos orgánicos bandeja 125 g",
                "UN",
                1_190,
                2_290,
                false,
            ),
            item("Servicio de packing por caja", "CJ", 450, 990, false),
        ],
    },
    Sector {
        patterns: &[
            "Constructora {S} y Asociados S.A.",
            "Ingeniería y Construcción {P} SpA",
            "Obras Civiles {S} Ltda.",
        ],
        giro: "Construcción de edificios, obras de ingeniería civil y especialidades",
        giro_short: "Construcción",
        acteco: 410_010,
        items: &[
            item(
                "Estado de pago N° 3 obra gruesa",
                "SRV",
                8_500_000,
                45_000_000,
                false,
            ),
            item("Hormigón premezclado H-30", "M3", 78_000, 112_000, true),
            item(
                "Arriendo de andamios certificados (mes)",
                "MES",
                180_000,
                420_000,
                false,
            ),
            item(
                "Excavación y retiro de escombros",
                "M3",
                9_500,
                16_500,
                true,
            ),
            item(
                "Instalación de ventanas termopanel",
                "M2",
                65_000,
                98_000,
                true,
            ),
        ],
    },
    Sector {
        patterns: &[
            "{S} Asesores Contables Ltda.",
            "Auditores {S} & Asociados SpA",
            "Consultores Tributarios {P} Ltda.",
        ],
        giro: "Actividades de contabilidad, auditoría y asesoría tributaria",
        giro_short: "Asesorías contables y tributarias",
        acteco: 692_000,
        items: &[
            item("Asesoría contable mensual", "MES", 180_000, 650_000, false),
            item(
                "Auditoría de estados financieros",
                "SRV",
                1_200_000,
                6_500_000,
                false,
            ),
            item(
                "Declaración anual de renta (F22)",
                "SRV",
                90_000,
                350_000,
                false,
            ),
            item(
                "Honorarios por gestión de remuneraciones",
                "MES",
                120_000,
                480_000,
                false,
            ),
            item(
                "Revisión de cumplimiento tributario",
                "HR",
                45_000,
                95_000,
                true,
            ),
        ],
    },
    Sector {
        patterns: &[
            "Librería y Papelería {S} Ltda.",
            "Comercial Escolar {P} SpA",
            "Distribuidora de Útiles Ñandú Ltda.",
        ],
        giro: "Venta al por mayor y menor de artículos de librería, oficina y papelería",
        giro_short: "Librería y artículos de oficina",
        acteco: 476_101,
        items: &[
            item(
                "Resma papel carta 75 g 500 hojas",
                "UN",
                3_490,
                5_490,
                false,
            ),
            item("Cuaderno universitario 100 hojas", "UN", 990, 2_190, false),
            item("Lápiz pasta azul caja 50 un.", "CJ", 4_990, 8_990, false),
            item("Archivador palanca lomo ancho", "UN", 1_890, 3_290, false),
            item(
                "Tóner láser negro alto rendimiento",
                "UN",
                39_990,
                79_990,
                false,
            ),
            item("Carpeta con acoclip", "UN", 290, 690, false),
        ],
    },
    Sector {
        patterns: &[
            "Viña {P} S.A.",
            "Viñedos y Bodegas {S} Ltda.",
            "Sociedad Vitivinícola del Valle de Colchagua S.A.",
        ],
        giro: "Elaboración, embotellado y exportación de vinos",
        giro_short: "Elaboración de vinos",
        acteco: 110_200,
        items: &[
            item(
                "Vino Carménère Reserva 750 ml caja 12",
                "CJ",
                38_000,
                72_000,
                false,
            ),
            item(
                "Cabernet Sauvignon Gran Reserva caja 6",
                "CJ",
                45_000,
                98_000,
                false,
            ),
            item(
                "Sauvignon Blanc Valle de Casablanca caja 12",
                "CJ",
                32_000,
                58_000,
                false,
            ),
            item("Vino a granel tinto", "LT", 650, 1_250, true),
        ],
    },
    Sector {
        patterns: &[
            "Pesquera {P} S.A.",
            "Salmones {S} SpA",
            "Acuícola Chiloé Ltda.",
        ],
        giro: "Cultivo, procesamiento y exportación de salmónidos y productos del mar",
        giro_short: "Acuicultura y pesca",
        acteco: 32_200,
        items: &[
            item(
                "Filete de salmón Atlántico congelado",
                "KG",
                6_900,
                11_900,
                true,
            ),
            item("Trucha arcoíris entera fresca", "KG", 4_200, 7_800, true),
            item("Choritos cocidos congelados", "KG", 1_900, 3_400, true),
            item("Harina de pescado", "TON", 980_000, 1_650_000, true),
        ],
    },
];

/// Things a small shop sells over the counter, for boletas (gross prices).
pub const SHOP_ITEMS: &[Item] = &[
    item("Menú ejecutivo del día", "UN", 5_900, 9_900, false),
    item("Café cortado", "UN", 1_800, 2_900, false),
    item("Empanada de pino", "UN", 1_900, 2_900, false),
    item("Completo italiano", "UN", 2_200, 3_500, false),
    item("Bebida 500 ml", "UN", 1_200, 1_900, false),
    item("Sándwich barros luco", "UN", 4_900, 7_500, false),
    item("Pan amasado", "KG", 1_990, 2_990, true),
    item("Paracetamol 500 mg 16 comp.", "CJ", 990, 2_490, false),
    item("Cuaderno college 80 hojas", "UN", 1_290, 2_490, false),
    item("Helado artesanal 1 L", "UN", 5_990, 8_990, false),
    item("Torta tres leches 15 personas", "UN", 18_990, 29_990, false),
];

/// Exempt services a business may bill next to taxed goods (`IndExe` 1).
pub const EXEMPT_ITEMS: &[Item] = &[
    item(
        "Seguro de transporte de carga",
        "SRV",
        15_000,
        90_000,
        false,
    ),
    item(
        "Curso de capacitación SENCE",
        "SRV",
        120_000,
        650_000,
        false,
    ),
    item(
        "Transporte internacional de mercaderías",
        "SRV",
        80_000,
        450_000,
        false,
    ),
    item("Intereses por financiamiento", "SRV", 5_000, 60_000, false),
];

/// Foreign buyers of exports: (name, country code of the SII's table, city).
pub const FOREIGN_BUYERS: &[(&str, u32, &str)] = &[
    ("Pacific Seafood Importers Inc.", 225, "Seattle"),
    ("Andes Fine Wines LLC", 225, "Miami"),
    ("Weinhandel Müller GmbH", 563, "Hamburg"),
    ("Tokyo Fresh Trading Co., Ltd.", 331, "Tokio"),
    ("Shanghai Golden Fruit Co.", 336, "Shanghái"),
    ("Distribuidora Rioplatense S.R.L.", 224, "Buenos Aires"),
    ("Comercial Limeña S.A.C.", 219, "Lima"),
    ("Britannia Cellars Ltd.", 510, "Londres"),
    ("Importadora Azteca S.A. de C.V.", 216, "Ciudad de México"),
    ("Maple Leaf Foods Import Ltd.", 226, "Toronto"),
];

/// Reasons written on notes, by CodRef.
pub const ANNUL_REASONS: &[&str] = &[
    "Anula documento por error en la emisión",
    "Anulación por devolución total de mercadería",
    "Anula factura emitida a receptor equivocado",
];
pub const TEXT_REASONS: &[&str] = &[
    "Corrige giro del receptor",
    "Corrige dirección de despacho",
    "Corrige razón social del receptor",
];
pub const AMOUNT_REASONS: &[&str] = &[
    "Devolución parcial de mercadería",
    "Descuento comercial por volumen acordado",
    "Diferencia de precio según orden de compra",
    "Cobro de intereses por pago fuera de plazo",
];

/// A person's full name: first name and two surnames.
pub fn person(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick(FIRST_NAMES),
        rng.pick(SURNAMES),
        rng.pick(SURNAMES)
    )
}

/// A company name for `sector`.
pub fn company(rng: &mut Rng, sector: &Sector) -> String {
    let pattern = *rng.pick(sector.patterns);
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let token = &rest[at..];
        if token.starts_with("{S}") {
            let surname: &&str = rng.pick(SURNAMES);
            out.push_str(surname);
        } else if token.starts_with("{P}") {
            out.push_str(rng.pick(PLACES).0);
        } else {
            out.push('{');
            rest = &rest[at + 1..];
            continue;
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// A street address: street and number, sometimes an office.
pub fn address(rng: &mut Rng) -> String {
    let street = rng.pick(STREETS);
    let number = rng.between(10, 9_800);
    if rng.chance(0.3) {
        format!("{street} {number}, of. {}", rng.between(101, 2_304))
    } else {
        format!("{street} {number}")
    }
}

/// An e-mail address at a domain made from the company's name.
pub fn email(rng: &mut Rng, company: &str) -> String {
    let domain: String = company
        .split_whitespace()
        .find(|w| w.chars().count() > 3)
        .unwrap_or("empresa")
        .chars()
        .filter_map(|c| match c {
            'á' | 'Á' => Some('a'),
            'é' | 'É' => Some('e'),
            'í' | 'Í' => Some('i'),
            'ó' | 'Ó' => Some('o'),
            'ú' | 'Ú' | 'ü' => Some('u'),
            'ñ' | 'Ñ' => Some('n'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let user = *rng.pick(&["facturacion", "contabilidad", "dte", "finanzas", "ventas"]);
    format!("{user}@{domain}.cl")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latin1(text: &str) -> bool {
        text.chars().all(|c| u32::from(c) <= 0xFF)
    }

    #[test]
    fn every_name_fits_latin1_and_the_schema_lengths() {
        for s in SURNAMES.iter().chain(FIRST_NAMES).chain(STREETS) {
            assert!(latin1(s), "{s}");
        }
        for (comuna, city) in PLACES {
            assert!(latin1(comuna) && comuna.chars().count() <= 20, "{comuna}");
            assert!(city.chars().count() <= 20, "{city}");
        }
        for sector in SECTORS {
            assert!(sector.giro.chars().count() <= 80, "{}", sector.giro);
            assert!(
                sector.giro_short.chars().count() <= 40,
                "{}",
                sector.giro_short
            );
            assert!(sector.acteco <= 999_999);
            for item in sector.items.iter().chain(SHOP_ITEMS).chain(EXEMPT_ITEMS) {
                assert!(latin1(item.name) && item.name.chars().count() <= 80);
                assert!(item.unit.len() <= 4 && item.low <= item.high);
            }
        }
    }

    #[test]
    fn company_names_fill_their_patterns() {
        let mut rng = Rng::new(9);
        for sector in SECTORS {
            let name = company(&mut rng, sector);
            assert!(!name.contains('{') && name.chars().count() <= 100, "{name}");
            assert!(email(&mut rng, &name).ends_with(".cl"));
        }
    }
}
