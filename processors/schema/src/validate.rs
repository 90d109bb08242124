//! Walking a parsed document against a compiled declaration.
//!
//! Content models here are deterministic (one sequence, at most one choice of
//! elements inside), so a cursor over the particles and a count of the current
//! one decide every child without backtracking. After a content error in an
//! element, its remaining children are not matched, so one mistake does not
//! cascade into dozens of messages; their own content is still checked where
//! their declaration is known.

use std::collections::HashSet;

use veredicto_xml::{Child, Element};

use crate::model::{Content, ElementId, Particle, Schema, Term, TypeRef};
use crate::simple::Builtin;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Enough to act on; a document with more is broken beyond a list.
const MAX_VIOLATIONS: usize = 100;

/// One way a document breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Element path, with a 1-based index where siblings share a name:
    /// `/DTE/Documento/Detalle[2]/MontoItem`.
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// Byte offset of the element in the document text.
    pub offset: usize,
    pub message: String,
}

impl Violation {
    /// A violation located at an element.
    pub fn at(element: Element<'_>, message: String) -> Self {
        let (line, column) = element.position();
        Self {
            path: path_of(element),
            line,
            column,
            offset: element.span().start,
            message,
        }
    }
}

fn path_of(element: Element<'_>) -> String {
    let mut parts = Vec::new();
    let mut current = Some(element);
    while let Some(e) = current {
        let name = e.local_name();
        let part = match e.parent() {
            Some(parent) => {
                let same: Vec<_> = parent
                    .elements()
                    .filter(|s| s.local_name() == name)
                    .collect();
                if same.len() > 1 {
                    let index = same.iter().position(|s| s.id() == e.id()).unwrap_or(0) + 1;
                    format!("{name}[{index}]")
                } else {
                    name.to_owned()
                }
            }
            None => name.to_owned(),
        };
        parts.push(part);
        current = e.parent();
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// Checks `root` against the element declaration `decl` of `schema`.
pub fn validate(schema: &Schema, decl: ElementId, root: Element<'_>) -> Vec<Violation> {
    let mut walker = Walker {
        schema,
        out: Vec::new(),
        ids: HashSet::new(),
    };
    let declared = schema.element(decl);
    if declared.matches(root.namespace(), root.local_name()) {
        walker.element(root, decl);
    } else {
        walker.report(
            root,
            format!(
                "the root is '{}' but '{}' was expected in namespace {}",
                root.local_name(),
                declared.name,
                declared.namespace
            ),
        );
    }
    walker.out
}

struct Walker<'a, 'd> {
    schema: &'a Schema,
    out: Vec<Violation>,
    /// `xs:ID` values seen so far: they must be unique in a document.
    ids: HashSet<&'d str>,
}

impl<'d> Walker<'_, 'd> {
    fn report(&mut self, element: Element<'_>, message: String) {
        if self.out.len() < MAX_VIOLATIONS {
            self.out.push(Violation::at(element, message));
        }
    }

    fn element(&mut self, element: Element<'d>, decl: ElementId) {
        if self.out.len() >= MAX_VIOLATIONS {
            return;
        }
        let declared = self.schema.element(decl);
        let name = element.local_name();
        match declared.ty {
            TypeRef::Simple(simple) => {
                self.attributes(element, &[]);
                if self.no_child_elements(element, "the type of this element is simple") {
                    let text = element.text();
                    self.value(element, simple, &text, None);
                    if let Some(fixed) = &declared.fixed
                        && !self.schema.simple(simple).same_value(&text, fixed)
                    {
                        self.report(
                            element,
                            format!("'{name}' must be '{fixed}', found '{text}'"),
                        );
                    }
                }
            }
            TypeRef::Complex(complex) => {
                let complex = self.schema.complex(complex);
                self.attributes(element, &complex.attributes);
                match &complex.content {
                    Content::Empty => {
                        if self.no_child_elements(element, "its content must be empty")
                            && !element.text().trim().is_empty()
                        {
                            self.report(element, format!("'{name}' must be empty"));
                        }
                    }
                    Content::Simple(simple) => {
                        if self.no_child_elements(element, "its content is simple") {
                            let text = element.text();
                            self.value(element, *simple, &text, None);
                        }
                    }
                    Content::Elements(particles) => self.sequence(element, particles),
                }
            }
        }
    }

    fn no_child_elements(&mut self, element: Element<'d>, why: &str) -> bool {
        match element.elements().next() {
            None => true,
            Some(child) => {
                self.report(
                    child,
                    format!(
                        "element '{}' is not allowed inside '{}': {why}",
                        child.local_name(),
                        element.local_name()
                    ),
                );
                false
            }
        }
    }

    fn value(
        &mut self,
        element: Element<'d>,
        simple: crate::model::SimpleId,
        text: &str,
        attribute: Option<&str>,
    ) {
        let ty = self.schema.simple(simple);
        let whose = match attribute {
            Some(a) => format!("attribute '{a}' of '{}'", element.local_name()),
            None => format!("'{}'", element.local_name()),
        };
        if let Err(message) = ty.check(text) {
            self.report(element, format!("{whose}: {message}"));
            return;
        }
        if ty.builtin == Builtin::Id {
            let value = text.trim();
            // The value borrows from the document only when it is a span of it.
            let document_text = element.document().text();
            let owned = document_text
                .find(value)
                .map(|at| &document_text[at..at + value.len()]);
            if let Some(value) = owned
                && !self.ids.insert(value)
            {
                self.report(element, format!("{whose}: the ID '{value}' is used twice"));
            }
        }
    }

    fn attributes(&mut self, element: Element<'d>, declared: &[crate::model::AttributeDecl]) {
        let mut seen = Vec::with_capacity(declared.len());
        for attribute in element.attributes() {
            if attribute.is_namespace_declaration() {
                continue;
            }
            let name = attribute.local_name();
            if attribute.namespace() == XSI {
                if !matches!(name, "schemaLocation" | "noNamespaceSchemaLocation") {
                    self.report(
                        element,
                        format!("attribute 'xsi:{name}' is not supported here"),
                    );
                }
                continue;
            }
            let found = attribute
                .namespace()
                .is_empty()
                .then(|| declared.iter().position(|d| d.name == name))
                .flatten();
            let Some(index) = found else {
                self.report(
                    element,
                    format!(
                        "attribute '{}' is not allowed on '{}'",
                        attribute.qualified_name(),
                        element.local_name()
                    ),
                );
                continue;
            };
            seen.push(index);
            let decl = &declared[index];
            let value = attribute.value();
            self.value(element, decl.ty, value, Some(name));
            if let Some(fixed) = &decl.fixed
                && !self.schema.simple(decl.ty).same_value(value, fixed)
            {
                self.report(
                    element,
                    format!(
                        "attribute '{name}' of '{}' must be '{fixed}', found '{value}'",
                        element.local_name()
                    ),
                );
            }
        }
        for (index, decl) in declared.iter().enumerate() {
            if decl.required && !seen.contains(&index) {
                self.report(
                    element,
                    format!(
                        "required attribute '{}' is missing on '{}'",
                        decl.name,
                        element.local_name()
                    ),
                );
            }
        }
    }

    fn sequence(&mut self, element: Element<'d>, particles: &[Particle]) {
        let mut cursor = Cursor::default();
        let mut broken = false;
        for child in element.children() {
            let child = match child {
                Child::Element(e) => e,
                Child::Text(text) => {
                    if !text
                        .trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                        .is_empty()
                    {
                        self.report(
                            element,
                            format!(
                                "'{}' may hold only elements, found text '{}'",
                                element.local_name(),
                                text.trim()
                            ),
                        );
                        broken = true;
                    }
                    continue;
                }
                Child::ProcessingInstruction(_) => continue,
            };
            if broken {
                continue;
            }
            match cursor.advance(
                self.schema,
                particles,
                child.namespace(),
                child.local_name(),
            ) {
                Ok(decl) => self.element(child, decl),
                Err(expected) => {
                    let message = match expected.is_empty() {
                        true => format!(
                            "element '{}' is not expected here: nothing more may follow",
                            child.local_name()
                        ),
                        false => format!(
                            "element '{}' is not expected here; expected {}",
                            child.local_name(),
                            one_of(&expected)
                        ),
                    };
                    self.report(child, message);
                    broken = true;
                }
            }
        }
        if !broken {
            let missing = cursor.missing(self.schema, particles);
            if !missing.is_empty() {
                self.report(
                    element,
                    format!(
                        "'{}' is incomplete: missing {}",
                        element.local_name(),
                        one_of(&missing)
                    ),
                );
            }
        }
    }
}

fn one_of(names: &[String]) -> String {
    match names {
        [one] => format!("'{one}'"),
        _ => format!(
            "one of {}",
            names
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Where matching stands within a sequence of particles.
#[derive(Debug, Default)]
struct Cursor {
    /// Current particle.
    index: usize,
    /// Occurrences of the current particle so far.
    count: u32,
    /// Inside a choice: the option taken in the current occurrence, and its count.
    option: Option<(usize, u32)>,
}

impl Cursor {
    /// Matches the next child; returns its declaration, or the names that
    /// could have come here.
    fn advance(
        &mut self,
        schema: &Schema,
        particles: &[Particle],
        namespace: &str,
        name: &str,
    ) -> Result<ElementId, Vec<String>> {
        let mut expected = Vec::new();
        while let Some(particle) = particles.get(self.index) {
            match &particle.term {
                Term::Element(id) => {
                    if schema.element(*id).matches(namespace, name) && self.count < particle.max {
                        self.count += 1;
                        return Ok(*id);
                    }
                }
                Term::Choice(options) => {
                    // Another occurrence of the option already taken.
                    if let Some((taken, count)) = self.option {
                        let option = &options[taken];
                        if let Term::Element(id) = option.term
                            && schema.element(id).matches(namespace, name)
                            && count < option.max
                        {
                            self.option = Some((taken, count + 1));
                            return Ok(id);
                        }
                    }
                    // A new occurrence of the choice.
                    let option_done = self
                        .option
                        .is_none_or(|(taken, count)| count >= options[taken].min);
                    if self.count < particle.max
                        && option_done
                        && let Some(taken) = particle.admits(schema, namespace, name)
                        && let Term::Element(id) = options[taken].term
                    {
                        self.count += 1;
                        self.option = Some((taken, 1));
                        return Ok(id);
                    }
                }
            }
            particle.names(schema, &mut expected);
            if !self.satisfied(particle) {
                return Err(expected);
            }
            self.index += 1;
            self.count = 0;
            self.option = None;
        }
        Err(expected)
    }

    fn satisfied(&self, particle: &Particle) -> bool {
        let option_ok = match (&particle.term, self.option) {
            (Term::Choice(options), Some((taken, count))) => count >= options[taken].min,
            _ => true,
        };
        self.count >= particle.min && option_ok
    }

    /// Names still required after the last child.
    fn missing(&self, schema: &Schema, particles: &[Particle]) -> Vec<String> {
        let mut missing = Vec::new();
        for (i, particle) in particles.iter().enumerate().skip(self.index) {
            let done = if i == self.index {
                self.satisfied(particle)
            } else {
                particle.min == 0
            };
            if !done {
                particle.names(schema, &mut missing);
                break;
            }
        }
        missing
    }
}
