//! Reading the XSD files of one schema set into a [`Schema`].
//!
//! Files are read with the same safe reader as documents. Names are resolved
//! lazily: a named type is compiled the first time a declaration uses it, and
//! then shared. Constructs outside the part of XSD the SII uses are refused
//! by name, so a future schema that needs more fails loudly at start-up.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use veredicto_xml::{Document, Element, Limits};

use crate::model::{
    AttributeDecl, ComplexId, ComplexType, Content, ElementDecl, ElementId, Particle, Schema,
    SimpleId, Term, TypeRef,
};
use crate::simple::{Builtin, Facets, SimpleType};

const XSD: &str = "http://www.w3.org/2001/XMLSchema";

/// Why a schema set could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("cannot read schema file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("schema file {path} is not well-formed: {source}")]
    Xml {
        path: PathBuf,
        #[source]
        source: veredicto_xml::ReadError,
    },
    #[error("{path}, line {line}: {message}")]
    Schema {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Compiles the schema set rooted at one file.
///
/// # Errors
///
/// See [`CompileError`].
pub fn compile(root: &Path) -> Result<Schema, CompileError> {
    let mut sources = Sources::default();
    sources.load(root, None)?;
    let mut compiler = Compiler {
        sources: &sources,
        schema: Schema::default(),
        builtins: HashMap::new(),
        named_simple: HashMap::new(),
        named_complex: HashMap::new(),
    };
    for (key, &(doc, node)) in &sources.elements {
        let element = sources.element(doc, node);
        let id = compiler.element(element, doc, true)?;
        compiler.schema.globals.insert(key.clone(), id);
    }
    Ok(compiler.schema)
}

struct SourceDoc {
    path: PathBuf,
    document: Document,
    target_namespace: String,
    qualified_elements: bool,
}

type Key = (String, String);

#[derive(Default)]
struct Sources {
    docs: Vec<SourceDoc>,
    elements: HashMap<Key, (usize, veredicto_xml::NodeId)>,
    simple_types: HashMap<Key, (usize, veredicto_xml::NodeId)>,
    complex_types: HashMap<Key, (usize, veredicto_xml::NodeId)>,
}

impl Sources {
    fn element(&self, doc: usize, node: veredicto_xml::NodeId) -> Element<'_> {
        self.docs[doc]
            .document
            .element(node)
            .unwrap_or_else(|| self.docs[doc].document.root())
    }

    /// Reads a file and, recursively, what it includes and imports.
    /// `chameleon` is the includer's namespace, adopted by an included file
    /// that declares none.
    fn load(&mut self, path: &Path, chameleon: Option<&str>) -> Result<(), CompileError> {
        let path = path.to_path_buf();
        if self.docs.iter().any(|d| d.path == path) {
            return Ok(());
        }
        let bytes = std::fs::read(&path).map_err(|source| CompileError::Io {
            path: path.clone(),
            source,
        })?;
        let (document, _) = veredicto_xml::parse(&bytes, &Limits::default()).map_err(|source| {
            CompileError::Xml {
                path: path.clone(),
                source,
            }
        })?;
        let root = document.root();
        let target_namespace = root
            .attribute("targetNamespace")
            .map(str::to_owned)
            .or_else(|| chameleon.map(str::to_owned))
            .unwrap_or_default();
        let qualified_elements = root.attribute("elementFormDefault") == Some("qualified");

        let index = self.docs.len();
        let mut children = Vec::new();
        for child in root.elements().filter(|e| e.namespace() == XSD) {
            let name = child.attribute("name").map(str::to_owned);
            let key = |name: String| (target_namespace.clone(), name);
            match (child.local_name(), name) {
                ("element", Some(name)) => {
                    self.elements.insert(key(name), (index, child.id()));
                }
                ("simpleType", Some(name)) => {
                    self.simple_types.insert(key(name), (index, child.id()));
                }
                ("complexType", Some(name)) => {
                    self.complex_types.insert(key(name), (index, child.id()));
                }
                ("include" | "import", _) => {
                    if let Some(location) = child.attribute("schemaLocation") {
                        let next = path.parent().unwrap_or(Path::new(".")).join(location);
                        let adopt =
                            (child.local_name() == "include").then(|| target_namespace.clone());
                        children.push((next, adopt));
                    }
                }
                // Global attributes matter only through `ref`, which the
                // compiler refuses where it appears.
                ("annotation" | "attribute", _) => {}
                (other, _) => {
                    return Err(CompileError::Schema {
                        path: path.clone(),
                        line: child.position().0,
                        message: format!("unsupported top-level schema component <xs:{other}>"),
                    });
                }
            }
        }
        self.docs.push(SourceDoc {
            path,
            document,
            target_namespace,
            qualified_elements,
        });
        for (next, adopt) in children {
            self.load(&next, adopt.as_deref())?;
        }
        Ok(())
    }
}

struct Compiler<'s> {
    sources: &'s Sources,
    schema: Schema,
    builtins: HashMap<String, SimpleId>,
    named_simple: HashMap<Key, SimpleId>,
    named_complex: HashMap<Key, ComplexId>,
}

impl<'s> Compiler<'s> {
    fn error(&self, doc: usize, at: Element<'_>, message: impl Into<String>) -> CompileError {
        CompileError::Schema {
            path: self.sources.docs[doc].path.clone(),
            line: at.position().0,
            message: message.into(),
        }
    }

    /// Resolves `prefix:name` through the namespace declarations in scope.
    fn qname(&self, doc: usize, at: Element<'_>, value: &str) -> Result<Key, CompileError> {
        let (prefix, local) = value.split_once(':').unwrap_or(("", value));
        let mut scope = Some(at);
        while let Some(element) = scope {
            for attribute in element
                .attributes()
                .filter(|a| a.is_namespace_declaration())
            {
                let bound = attribute
                    .qualified_name()
                    .strip_prefix("xmlns")
                    .unwrap_or_default();
                let bound = bound.strip_prefix(':').unwrap_or(bound);
                if bound == prefix {
                    return Ok((attribute.value().to_owned(), local.to_owned()));
                }
            }
            scope = element.parent();
        }
        if prefix.is_empty() {
            return Ok((String::new(), local.to_owned()));
        }
        Err(self.error(
            doc,
            at,
            format!("prefix '{prefix}' of '{value}' is not declared"),
        ))
    }

    fn xsd_children(at: Element<'s>) -> impl Iterator<Item = Element<'s>> {
        at.elements()
            .filter(|e| e.namespace() == XSD && e.local_name() != "annotation")
    }

    fn element(
        &mut self,
        at: Element<'s>,
        doc: usize,
        global: bool,
    ) -> Result<ElementId, CompileError> {
        if let Some(reference) = at.attribute("ref") {
            let key = self.qname(doc, at, reference)?;
            if let Some(&id) = self.schema.globals.get(&key) {
                return Ok(id);
            }
            let &(ref_doc, node) =
                self.sources.elements.get(&key).ok_or_else(|| {
                    self.error(doc, at, format!("no global element '{reference}'"))
                })?;
            let id = self.element(self.sources.element(ref_doc, node), ref_doc, true)?;
            self.schema.globals.insert(key, id);
            return Ok(id);
        }
        if global {
            let key = (
                self.sources.docs[doc].target_namespace.clone(),
                at.attribute("name").unwrap_or_default().to_owned(),
            );
            if let Some(&id) = self.schema.globals.get(&key) {
                return Ok(id);
            }
        }
        for unsupported in [
            "substitutionGroup",
            "abstract",
            "nillable",
            "default",
            "block",
        ] {
            if at.attribute(unsupported).is_some() {
                return Err(self.error(
                    doc,
                    at,
                    format!("unsupported element attribute '{unsupported}'"),
                ));
            }
        }
        let name = at
            .attribute("name")
            .ok_or_else(|| self.error(doc, at, "element without name or ref"))?
            .to_owned();
        let source = &self.sources.docs[doc];
        let qualified = global
            || match at.attribute("form") {
                Some(form) => form == "qualified",
                None => source.qualified_elements,
            };
        let namespace = if qualified {
            source.target_namespace.clone()
        } else {
            String::new()
        };

        let ty = if let Some(type_name) = at.attribute("type") {
            self.type_ref(doc, at, type_name)?
        } else if let Some(inline) = Self::xsd_children(at).find(|e| e.local_name() == "simpleType")
        {
            TypeRef::Simple(self.simple_type(inline, doc, &name)?)
        } else if let Some(inline) =
            Self::xsd_children(at).find(|e| e.local_name() == "complexType")
        {
            TypeRef::Complex(self.complex_type(inline, doc, None)?)
        } else {
            return Err(self.error(
                doc,
                at,
                format!("element '{name}' has no type (xs:anyType is not supported)"),
            ));
        };

        let id = ElementId(self.schema.elements.len() as u32);
        self.schema.elements.push(ElementDecl {
            namespace,
            name,
            ty,
            fixed: at.attribute("fixed").map(str::to_owned),
        });
        if global {
            let decl = &self.schema.elements[id.0 as usize];
            self.schema
                .globals
                .insert((decl.namespace.clone(), decl.name.clone()), id);
        }
        Ok(id)
    }

    fn type_ref(
        &mut self,
        doc: usize,
        at: Element<'s>,
        name: &str,
    ) -> Result<TypeRef, CompileError> {
        let key = self.qname(doc, at, name)?;
        if key.0 == XSD {
            return self.builtin(doc, at, &key.1).map(TypeRef::Simple);
        }
        if let Some(&id) = self.named_simple.get(&key) {
            return Ok(TypeRef::Simple(id));
        }
        if let Some(&id) = self.named_complex.get(&key) {
            return Ok(TypeRef::Complex(id));
        }
        if let Some(&(type_doc, node)) = self.sources.simple_types.get(&key) {
            let label = key.1.clone();
            let id = self.simple_type(self.sources.element(type_doc, node), type_doc, &label)?;
            self.named_simple.insert(key, id);
            return Ok(TypeRef::Simple(id));
        }
        if let Some(&(type_doc, node)) = self.sources.complex_types.get(&key) {
            let id = self.complex_type(
                self.sources.element(type_doc, node),
                type_doc,
                Some(key.clone()),
            )?;
            return Ok(TypeRef::Complex(id));
        }
        Err(self.error(doc, at, format!("no type named '{name}'")))
    }

    fn builtin(
        &mut self,
        doc: usize,
        at: Element<'s>,
        name: &str,
    ) -> Result<SimpleId, CompileError> {
        let builtin = Builtin::from_name(name)
            .ok_or_else(|| self.error(doc, at, format!("unsupported built-in type xs:{name}")))?;
        if let Some(&id) = self.builtins.get(name) {
            return Ok(id);
        }
        let id = SimpleId(self.schema.simple_types.len() as u32);
        self.schema
            .simple_types
            .push(SimpleType::builtin(builtin, &format!("xs:{name}")));
        self.builtins.insert(name.to_owned(), id);
        Ok(id)
    }

    fn simple_type(
        &mut self,
        at: Element<'s>,
        doc: usize,
        label: &str,
    ) -> Result<SimpleId, CompileError> {
        let Some(restriction) = Self::xsd_children(at).find(|e| e.local_name() == "restriction")
        else {
            let what = Self::xsd_children(at)
                .next()
                .map_or("nothing", |e| e.local_name());
            return Err(self.error(
                doc,
                at,
                format!("unsupported simple type derivation <xs:{what}>"),
            ));
        };
        let base = if let Some(base) = restriction.attribute("base") {
            match self.type_ref(doc, restriction, base)? {
                TypeRef::Simple(id) => id,
                TypeRef::Complex(_) => {
                    return Err(self.error(
                        doc,
                        restriction,
                        "a simple type cannot restrict a complex type",
                    ));
                }
            }
        } else if let Some(inline) =
            Self::xsd_children(restriction).find(|e| e.local_name() == "simpleType")
        {
            self.simple_type(inline, doc, label)?
        } else {
            return Err(self.error(doc, restriction, "restriction without a base"));
        };
        let facets = self.facets(restriction, doc)?;
        let base = self.schema.simple(base).clone();
        let mut steps = base.steps;
        steps.push(facets);
        let id = SimpleId(self.schema.simple_types.len() as u32);
        self.schema.simple_types.push(SimpleType {
            builtin: base.builtin,
            steps,
            label: label.to_owned(),
        });
        Ok(id)
    }

    fn facets(&self, restriction: Element<'s>, doc: usize) -> Result<Facets, CompileError> {
        let mut facets = Facets::default();
        for facet in Self::xsd_children(restriction) {
            let value = facet.attribute("value").unwrap_or_default();
            let number = || {
                value.trim().parse::<usize>().map_err(|_| {
                    self.error(
                        doc,
                        facet,
                        format!("facet {} needs a whole number", facet.local_name()),
                    )
                })
            };
            match facet.local_name() {
                "length" => facets.length = Some(number()?),
                "minLength" => facets.min_length = Some(number()?),
                "maxLength" => facets.max_length = Some(number()?),
                "totalDigits" => facets.total_digits = Some(number()?),
                "fractionDigits" => facets.fraction_digits = Some(number()?),
                "minInclusive" => facets.min_inclusive = Some(value.to_owned()),
                "maxInclusive" => facets.max_inclusive = Some(value.to_owned()),
                "minExclusive" => facets.min_exclusive = Some(value.to_owned()),
                "maxExclusive" => facets.max_exclusive = Some(value.to_owned()),
                "enumeration" => facets.enumeration.push(value.to_owned()),
                "pattern" => facets.patterns.push(self.pattern(value, doc, facet)?),
                "simpleType" => {}
                other => {
                    return Err(self.error(doc, facet, format!("unsupported facet <xs:{other}>")));
                }
            }
        }
        Ok(facets)
    }

    /// XSD patterns are anchored at both ends. The regex dialect the SII uses
    /// (classes, groups, alternation, quantifiers) means the same in both;
    /// XSD's own escapes and class subtraction do not, so they are refused.
    fn pattern(&self, value: &str, doc: usize, at: Element<'s>) -> Result<Regex, CompileError> {
        if value.contains("\\i") || value.contains("\\c") || value.contains("-[") {
            return Err(self.error(
                doc,
                at,
                format!("unsupported XSD regular expression '{value}'"),
            ));
        }
        Regex::new(&format!("^(?:{value})$"))
            .map_err(|e| self.error(doc, at, format!("bad pattern '{value}': {e}")))
    }

    fn complex_type(
        &mut self,
        at: Element<'s>,
        doc: usize,
        name: Option<Key>,
    ) -> Result<ComplexId, CompileError> {
        if at.attribute("mixed") == Some("true") {
            return Err(self.error(doc, at, "mixed content is not supported"));
        }
        // Reserve the slot first so that a type may refer to itself.
        let id = ComplexId(self.schema.complex_types.len() as u32);
        self.schema.complex_types.push(ComplexType {
            attributes: Vec::new(),
            content: Content::Empty,
        });
        if let Some(name) = name {
            self.named_complex.insert(name, id);
        }

        let mut attributes = Vec::new();
        let mut content = Content::Empty;
        for child in Self::xsd_children(at) {
            match child.local_name() {
                "sequence" => content = Content::Elements(self.sequence(child, doc)?),
                "choice" => content = Content::Elements(vec![self.choice(child, doc)?]),
                "attribute" => attributes.extend(self.attribute(child, doc)?),
                "simpleContent" => {
                    let extension = Self::xsd_children(child)
                        .find(|e| e.local_name() == "extension")
                        .ok_or_else(|| {
                            self.error(doc, child, "only simpleContent extension is supported")
                        })?;
                    let base = extension.attribute("base").unwrap_or_default();
                    match self.type_ref(doc, extension, base)? {
                        TypeRef::Simple(simple) => content = Content::Simple(simple),
                        TypeRef::Complex(_) => {
                            return Err(self.error(
                                doc,
                                extension,
                                "simpleContent extending a complex type",
                            ));
                        }
                    }
                    for attribute in
                        Self::xsd_children(extension).filter(|e| e.local_name() == "attribute")
                    {
                        attributes.extend(self.attribute(attribute, doc)?);
                    }
                }
                other => {
                    return Err(self.error(
                        doc,
                        child,
                        format!("unsupported content <xs:{other}>"),
                    ));
                }
            }
        }
        self.schema.complex_types[id.0 as usize] = ComplexType {
            attributes,
            content,
        };
        Ok(id)
    }

    fn occurs(&self, at: Element<'s>, doc: usize) -> Result<(u32, u32), CompileError> {
        let parse = |name: &str, default: u32| -> Result<u32, CompileError> {
            match at.attribute(name) {
                None => Ok(default),
                Some("unbounded") => Ok(u32::MAX),
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| self.error(doc, at, format!("bad {name} '{v}'"))),
            }
        };
        Ok((parse("minOccurs", 1)?, parse("maxOccurs", 1)?))
    }

    fn sequence(&mut self, at: Element<'s>, doc: usize) -> Result<Vec<Particle>, CompileError> {
        if self.occurs(at, doc)? != (1, 1) {
            return Err(self.error(doc, at, "a repeated or optional sequence is not supported"));
        }
        let mut particles = Vec::new();
        for child in Self::xsd_children(at) {
            match child.local_name() {
                "element" => particles.push(self.element_particle(child, doc)?),
                "choice" => particles.push(self.choice(child, doc)?),
                "sequence" => particles.extend(self.sequence(child, doc)?),
                other => {
                    return Err(self.error(
                        doc,
                        child,
                        format!("unsupported particle <xs:{other}>"),
                    ));
                }
            }
        }
        Ok(particles)
    }

    fn choice(&mut self, at: Element<'s>, doc: usize) -> Result<Particle, CompileError> {
        let (min, max) = self.occurs(at, doc)?;
        let mut options = Vec::new();
        for child in Self::xsd_children(at) {
            if child.local_name() != "element" {
                return Err(self.error(doc, child, "a choice may only hold elements here"));
            }
            options.push(self.element_particle(child, doc)?);
        }
        Ok(Particle {
            min,
            max,
            term: Term::Choice(options),
        })
    }

    fn element_particle(&mut self, at: Element<'s>, doc: usize) -> Result<Particle, CompileError> {
        let (min, max) = self.occurs(at, doc)?;
        Ok(Particle {
            min,
            max,
            term: Term::Element(self.element(at, doc, false)?),
        })
    }

    fn attribute(
        &mut self,
        at: Element<'s>,
        doc: usize,
    ) -> Result<Option<AttributeDecl>, CompileError> {
        if at.attribute("ref").is_some() {
            return Err(self.error(doc, at, "attribute references are not supported"));
        }
        let name = at
            .attribute("name")
            .ok_or_else(|| self.error(doc, at, "attribute without a name"))?
            .to_owned();
        let usage = at.attribute("use").unwrap_or("optional");
        if usage == "prohibited" {
            return Ok(None);
        }
        let ty = if let Some(type_name) = at.attribute("type") {
            match self.type_ref(doc, at, type_name)? {
                TypeRef::Simple(id) => id,
                TypeRef::Complex(_) => {
                    return Err(self.error(doc, at, "an attribute cannot have a complex type"));
                }
            }
        } else if let Some(inline) = Self::xsd_children(at).find(|e| e.local_name() == "simpleType")
        {
            self.simple_type(inline, doc, &name)?
        } else {
            self.builtin(doc, at, "anySimpleType")?
        };
        Ok(Some(AttributeDecl {
            name,
            ty,
            required: usage == "required",
            fixed: at.attribute("fixed").map(str::to_owned),
        }))
    }
}
