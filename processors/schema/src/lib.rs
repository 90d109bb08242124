//! The SII's XML schemas, compiled once and checked against parsed documents,
//! without libxml2.
//!
//! - [`model`]: the compiled form: element and attribute declarations, content
//!   models, simple types with their facets per derivation step.
//! - [`compile`]: reading the XSD files of one generation into that form.
//! - [`simple`]: the built-in types the SII uses and their facets, in value space.
//! - [`validate`]: walking a [`veredicto_xml::Document`] against a declaration.
//!
//! The SII's schemas use a small part of XSD (see `schemas/sii/NOTES.md`):
//! sequences of elements with at most one choice of elements inside, simple
//! content extended by attributes, and restrictions of built-in types. The
//! compiler refuses anything outside that part with a clear error instead of
//! validating it wrongly.

pub mod compile;
pub mod model;
pub mod simple;
pub mod validate;

use std::path::{Path, PathBuf};

pub use compile::CompileError;
pub use validate::Violation;

use crate::model::Schema;

/// The root files a generation is compiled from, in the order tried.
const ROOT_FILES: [&str; 2] = ["EnvioDTE_v10.xsd", "EnvioBOLETA_v11.xsd"];

/// One generation of the SII schemas (e.g. `2017`, `2026`), compiled.
#[derive(Debug)]
pub struct Generation {
    name: String,
    /// `EnvioDTE_v10.xsd` and what it includes: also declares `DTE`.
    envio_dte: Schema,
    /// `EnvioBOLETA_v11.xsd`, present from 2019 on: boletas 39 and 41.
    envio_boleta: Option<Schema>,
}

/// The outcome of checking one document against a generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaReport {
    pub generation: String,
    pub violations: Vec<Violation>,
}

impl SchemaReport {
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

impl Generation {
    /// Compiles the generation whose XSD files are in `dir` (named after it).
    ///
    /// # Errors
    ///
    /// When a root file is missing or unreadable, or uses XSD the compiler
    /// does not support.
    pub fn load(dir: &Path) -> Result<Self, CompileError> {
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let envio_dte = compile::compile(&dir.join(ROOT_FILES[0]))?;
        let boleta_path = dir.join(ROOT_FILES[1]);
        let envio_boleta = if boleta_path.exists() {
            Some(compile::compile(&boleta_path)?)
        } else {
            None
        };
        Ok(Self {
            name,
            envio_dte,
            envio_boleta,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks a whole document: a `DTE`, `EnvioDTE` or `EnvioBOLETA`.
    pub fn validate(&self, document: &veredicto_xml::Document) -> SchemaReport {
        self.validate_element(document.root())
    }

    /// Checks one element as if it were the root of a document: a `DTE`
    /// (boletas against `EnvioBOLETA`'s own copy of the structure), an
    /// `EnvioDTE` or an `EnvioBOLETA`.
    pub fn validate_element(&self, root: veredicto_xml::Element<'_>) -> SchemaReport {
        let (schema, decl) = match self.declaration_for(root) {
            Ok(found) => found,
            Err(message) => {
                return SchemaReport {
                    generation: self.name.clone(),
                    violations: vec![Violation::at(root, message)],
                };
            }
        };
        SchemaReport {
            generation: self.name.clone(),
            violations: validate::validate(schema, decl, root),
        }
    }

    fn declaration_for(
        &self,
        root: veredicto_xml::Element<'_>,
    ) -> Result<(&Schema, model::ElementId), String> {
        let namespace = root.namespace();
        let local = root.local_name();
        let boleta = self.envio_boleta.as_ref();
        let found = match local {
            "EnvioBOLETA" => boleta.and_then(|s| Some((s, s.global_element(namespace, local)?))),
            "DTE" if is_boleta(root) => {
                boleta.and_then(|s| Some((s, s.local_element_of(namespace, "SetDTE", "DTE")?)))
            }
            _ => self
                .envio_dte
                .global_element(namespace, local)
                .map(|decl| (&self.envio_dte, decl)),
        };
        found.ok_or_else(|| {
            let shown = if namespace.is_empty() {
                format!("'{local}' (in no namespace)")
            } else {
                format!("'{{{namespace}}}{local}'")
            };
            format!(
                "no declaration for the root element {shown} in schema generation {}: \
                 expected DTE, EnvioDTE or EnvioBOLETA in http://www.sii.cl/SiiDte",
                self.name
            )
        })
    }
}

/// Boletas (39, 41) are declared only in `EnvioBOLETA`.
fn is_boleta(dte: veredicto_xml::Element<'_>) -> bool {
    dte.find_text(&["Documento", "Encabezado", "IdDoc", "TipoDTE"])
        .is_some_and(|t| matches!(t.trim(), "39" | "41"))
}

/// Where the SII schemas are: `VEREDICTO_SCHEMAS`, else `schemas/sii` under
/// the current folder or one of its parents.
pub fn default_schema_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VEREDICTO_SCHEMAS") {
        return PathBuf::from(dir);
    }
    let start = std::env::current_dir().unwrap_or_default();
    start
        .ancestors()
        .map(|a| a.join("schemas").join("sii"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| PathBuf::from("schemas/sii"))
}

/// The newest generation found in a schema folder (names sort by year).
pub fn newest_generation(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(ROOT_FILES[0]).is_file())
        .collect();
    found.sort();
    found.pop()
}
