//! The compiled form of a schema set: arenas of declarations that point at
//! each other by index, so a content model is walked without lookups by name.

use std::collections::HashMap;

use crate::simple::SimpleType;

/// Index of an element declaration in a [`Schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ElementId(pub(crate) u32);

/// Index of a simple type in a [`Schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SimpleId(pub(crate) u32);

/// Index of a complex type in a [`Schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ComplexId(pub(crate) u32);

/// The type of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeRef {
    Simple(SimpleId),
    Complex(ComplexId),
}

/// An element declaration, global or local.
#[derive(Debug, Clone)]
pub struct ElementDecl {
    pub namespace: String,
    pub name: String,
    pub ty: TypeRef,
    pub fixed: Option<String>,
}

/// An attribute declaration. The SII's attributes are all unqualified.
#[derive(Debug, Clone)]
pub struct AttributeDecl {
    pub name: String,
    pub ty: SimpleId,
    pub required: bool,
    pub fixed: Option<String>,
}

/// What a complex type allows inside its element.
#[derive(Debug, Clone)]
pub enum Content {
    /// No children and no text.
    Empty,
    /// Text of a simple type (and the type's attributes).
    Simple(SimpleId),
    /// A sequence of particles; whitespace between them is ignored.
    Elements(Vec<Particle>),
}

/// A complex type: attributes and content.
#[derive(Debug, Clone)]
pub struct ComplexType {
    pub attributes: Vec<AttributeDecl>,
    pub content: Content,
}

/// Occurrence bounds and what occurs.
#[derive(Debug, Clone)]
pub struct Particle {
    pub min: u32,
    /// `u32::MAX` for `unbounded`.
    pub max: u32,
    pub term: Term,
}

/// What a particle matches.
#[derive(Debug, Clone)]
pub enum Term {
    Element(ElementId),
    /// One of several element particles.
    Choice(Vec<Particle>),
}

impl Particle {
    /// Whether an element with this name may start this particle.
    pub fn admits(&self, schema: &Schema, namespace: &str, name: &str) -> Option<usize> {
        match &self.term {
            Term::Element(id) => schema.element(*id).matches(namespace, name).then_some(0),
            Term::Choice(options) => options
                .iter()
                .position(|o| o.admits(schema, namespace, name).is_some()),
        }
    }

    /// The names this particle may start with, for messages.
    pub fn names(&self, schema: &Schema, out: &mut Vec<String>) {
        match &self.term {
            Term::Element(id) => out.push(schema.element(*id).name.clone()),
            Term::Choice(options) => options.iter().for_each(|o| o.names(schema, out)),
        }
    }
}

impl ElementDecl {
    pub fn matches(&self, namespace: &str, name: &str) -> bool {
        self.name == name && self.namespace == namespace
    }
}

/// One compiled schema set: a root file and everything it includes and imports.
#[derive(Debug, Default)]
pub struct Schema {
    pub(crate) elements: Vec<ElementDecl>,
    pub(crate) simple_types: Vec<SimpleType>,
    pub(crate) complex_types: Vec<ComplexType>,
    /// Global element declarations by (namespace, name).
    pub(crate) globals: HashMap<(String, String), ElementId>,
}

impl Schema {
    pub fn element(&self, id: ElementId) -> &ElementDecl {
        &self.elements[id.0 as usize]
    }

    pub fn simple(&self, id: SimpleId) -> &SimpleType {
        &self.simple_types[id.0 as usize]
    }

    pub fn complex(&self, id: ComplexId) -> &ComplexType {
        &self.complex_types[id.0 as usize]
    }

    /// The global element declaration with this name.
    pub fn global_element(&self, namespace: &str, name: &str) -> Option<ElementId> {
        self.globals
            .get(&(namespace.to_owned(), name.to_owned()))
            .copied()
    }

    /// The declaration of `child` inside any element declared as `parent`,
    /// e.g. the `DTE` inside `SetDTE` of `EnvioBOLETA`.
    pub fn local_element_of(
        &self,
        namespace: &str,
        parent: &str,
        child: &str,
    ) -> Option<ElementId> {
        self.elements
            .iter()
            .filter(|e| e.name == parent && e.namespace == namespace)
            .find_map(|e| match e.ty {
                TypeRef::Complex(c) => match &self.complex(c).content {
                    Content::Elements(particles) => particles.iter().find_map(|p| match p.term {
                        Term::Element(id) if self.element(id).name == child => Some(id),
                        _ => None,
                    }),
                    _ => None,
                },
                TypeRef::Simple(_) => None,
            })
    }
}
