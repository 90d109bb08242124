//! A compact, read-only XML tree over the decoded text.
//!
//! Nodes live in one vector and point at each other by index; names and most
//! values are byte ranges into the text, so building the tree allocates little.
//! Comments are dropped (canonical XML without comments drops them too);
//! processing instructions are kept because canonical XML keeps them.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::{Limits, ReadError, decode, line_column};

const NONE: u32 = u32::MAX;
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Index of a node in its [`Document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Element,
    /// A run of character data: text, references and CDATA sections together.
    Text,
    ProcessingInstruction,
}

/// A value that is either a range of the text or, when references had to be
/// resolved, a string of its own.
#[derive(Debug, Clone, Copy)]
enum Value {
    Span(u32, u32),
    Owned(u32),
}

#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    parent: u32,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
    /// Element: qualified name. PI: target and data.
    name: (u32, u32),
    /// Bytes of the prefix within `name` (0 when unprefixed).
    prefix_len: u32,
    /// Index into `namespaces`; 0 is "no namespace".
    namespace: u32,
    attributes: (u32, u32),
    /// Text: its value.
    value: Value,
    /// Source range: from `<` of the start tag to after `>` of the end tag.
    span: (u32, u32),
}

#[derive(Debug, Clone)]
struct RawAttribute {
    name: (u32, u32),
    prefix_len: u32,
    namespace: u32,
    value: Value,
    /// `xmlns` or `xmlns:p`.
    is_namespace_declaration: bool,
}

/// A parsed document. Cheap to query; see [`Element`].
#[derive(Debug, Clone)]
pub struct Document {
    text: String,
    nodes: Vec<Node>,
    attributes: Vec<RawAttribute>,
    namespaces: Vec<String>,
    owned: Vec<String>,
    root: u32,
}

/// Decodes and parses raw bytes; see [`crate::decode`] and [`parse_text`].
///
/// # Errors
///
/// Any [`ReadError`]: a bad encoding, a DTD, a limit passed, or XML that is not
/// well-formed.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<(Document, crate::Decoded), ReadError> {
    let mut decoded = decode(bytes, limits)?;
    let text = std::mem::take(&mut decoded.text);
    let document = parse_text(text, limits)?;
    Ok((document, decoded))
}

/// Parses decoded text (UTF-8, line ends already normalised).
///
/// # Errors
///
/// As [`parse`], less the encoding errors.
pub fn parse_text(text: String, limits: &Limits) -> Result<Document, ReadError> {
    check_characters(&text)?;
    let mut builder = Builder {
        doc: Document {
            nodes: Vec::with_capacity(text.len() / 40),
            attributes: Vec::new(),
            // Index 0 is "no namespace"; the `xml` prefix is bound everywhere.
            namespaces: vec![String::new(), XML_NS.to_owned()],
            owned: Vec::new(),
            root: NONE,
            text: String::new(),
        },
        base: text.as_ptr() as usize,
        text: &text,
        scopes: Vec::new(),
        open: Vec::new(),
        pending_text: None,
        limits,
        elements: 0,
    };
    builder.run()?;
    let mut doc = builder.doc;
    doc.text = text;
    Ok(doc)
}

/// XML 1.0 forbids most control characters anywhere in a document, and the
/// non-characters U+FFFE and U+FFFF. A byte scan finds both: the controls are
/// single bytes, and the two non-characters are `EF BF BE` and `EF BF BF`.
fn check_characters(text: &str) -> Result<(), ReadError> {
    let bytes = text.as_bytes();
    let bad = bytes.iter().enumerate().position(|(i, &b)| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
            || (b == 0xEF
                && bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)))
    });
    match bad {
        None => Ok(()),
        Some(offset) => {
            let c = text[offset..].chars().next().unwrap_or_default();
            Err(malformed(
                text,
                offset,
                format!("character U+{:04X} is not allowed in XML", u32::from(c)),
            ))
        }
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

fn malformed(text: &str, offset: usize, message: String) -> ReadError {
    let (line, column) = line_column(text, offset);
    ReadError::Malformed {
        line,
        column,
        message,
    }
}

/// A run of character data being collected for the open element.
struct PendingText {
    start: u32,
    end: u32,
    /// Set once a reference or CDATA section makes the run differ from its source.
    owned: Option<String>,
}

struct Builder<'a> {
    doc: Document,
    base: usize,
    text: &'a str,
    /// Namespace bindings in scope: (prefix, namespace index), innermost last.
    scopes: Vec<(&'a str, u32)>,
    /// Open elements and how many bindings each pushed.
    open: Vec<(u32, usize)>,
    pending_text: Option<PendingText>,
    limits: &'a Limits,
    elements: usize,
}

impl<'a> Builder<'a> {
    /// Offset in the text of a slice the reader borrowed from it.
    fn offset_of<S: AsRef<[u8]> + ?Sized>(&self, slice: &S) -> u32 {
        (slice.as_ref().as_ptr() as usize - self.base) as u32
    }

    fn line(&self, offset: usize) -> usize {
        line_column(self.text, offset).0
    }

    fn run(&mut self) -> Result<(), ReadError> {
        let mut reader = Reader::from_str(self.text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        config.trim_text(false);

        loop {
            let start = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    let at = reader.error_position() as usize;
                    return Err(malformed(self.text, at, error.to_string()));
                }
            };
            let end = reader.buffer_position() as usize;
            match event {
                Event::Decl(_) => {
                    if start != 0 {
                        return Err(malformed(
                            self.text,
                            start,
                            "XML declaration not at the start".into(),
                        ));
                    }
                }
                Event::DocType(_) => {
                    return Err(ReadError::Doctype {
                        line: self.line(start),
                    });
                }
                Event::Start(tag) => self.open_element(&tag, start, end, false)?,
                Event::Empty(tag) => self.open_element(&tag, start, end, true)?,
                Event::End(_) => self.close_element(end),
                Event::Text(text) => {
                    let content = text.into_inner();
                    let slice = content.as_bytes();
                    let from = self.offset_of(slice);
                    self.push_text(from, from + slice.len() as u32, None, start)?;
                }
                Event::CData(cdata) => {
                    let content = cdata.into_inner();
                    let value = content.to_string();
                    self.push_text(start as u32, end as u32, Some(&value), start)?;
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => c.to_string(),
                        Ok(Some(c)) => {
                            return Err(malformed(
                                self.text,
                                start,
                                format!("character reference to U+{:04X}", u32::from(c)),
                            ));
                        }
                        Ok(None) => {
                            let name = reference.into_inner();
                            match predefined_entity(&name) {
                                Some(c) => c.to_string(),
                                None => {
                                    return Err(ReadError::UndefinedEntity {
                                        name: name.into_owned(),
                                        line: self.line(start),
                                    });
                                }
                            }
                        }
                        Err(error) => return Err(malformed(self.text, start, error.to_string())),
                    };
                    self.push_text(start as u32, end as u32, Some(&resolved), start)?;
                }
                Event::Comment(_) => {}
                Event::PI(pi) => {
                    if self.open.is_empty() {
                        continue; // outside the root: not part of any signed content
                    }
                    self.flush_text();
                    let content = pi.into_inner();
                    let from = self.offset_of(content.as_bytes());
                    let node = self.new_node(NodeKind::ProcessingInstruction, start, end);
                    self.doc.nodes[node as usize].name = (from, from + content.len() as u32);
                }
                Event::Eof => break,
            }
        }

        if let Some(&(open, _)) = self.open.last() {
            let at = self.doc.nodes[open as usize].span.0 as usize;
            return Err(malformed(
                self.text,
                self.text.len(),
                format!(
                    "document ends inside element opened on line {}",
                    self.line(at)
                ),
            ));
        }
        if self.doc.root == NONE {
            return Err(malformed(self.text, 0, "no root element".into()));
        }
        Ok(())
    }

    fn new_node(&mut self, kind: NodeKind, start: usize, end: usize) -> u32 {
        let id = self.doc.nodes.len() as u32;
        let parent = self.open.last().map_or(NONE, |&(p, _)| p);
        self.doc.nodes.push(Node {
            kind,
            parent,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
            name: (0, 0),
            prefix_len: 0,
            namespace: 0,
            attributes: (0, 0),
            value: Value::Span(0, 0),
            span: (start as u32, end as u32),
        });
        if parent != NONE {
            let last = self.doc.nodes[parent as usize].last_child;
            if last == NONE {
                self.doc.nodes[parent as usize].first_child = id;
            } else {
                self.doc.nodes[last as usize].next_sibling = id;
            }
            self.doc.nodes[parent as usize].last_child = id;
        }
        id
    }

    fn push_text(
        &mut self,
        from: u32,
        to: u32,
        replacement: Option<&str>,
        at: usize,
    ) -> Result<(), ReadError> {
        if self.open.is_empty() {
            let source = &self.text[from as usize..to as usize];
            if replacement.is_some() || !source.trim_ascii().is_empty() {
                return Err(malformed(
                    self.text,
                    at,
                    "content outside the root element".into(),
                ));
            }
            return Ok(());
        }
        match &mut self.pending_text {
            None => {
                self.pending_text = Some(PendingText {
                    start: from,
                    end: to,
                    owned: replacement.map(str::to_owned),
                });
            }
            Some(pending) => {
                let owned = pending.owned.get_or_insert_with(|| {
                    self.text[pending.start as usize..pending.end as usize].to_owned()
                });
                owned.push_str(replacement.unwrap_or(&self.text[from as usize..to as usize]));
                pending.end = to;
            }
        }
        Ok(())
    }

    fn flush_text(&mut self) {
        let Some(pending) = self.pending_text.take() else {
            return;
        };
        let node = self.new_node(NodeKind::Text, pending.start as usize, pending.end as usize);
        self.doc.nodes[node as usize].value = match pending.owned {
            None => Value::Span(pending.start, pending.end),
            Some(owned) => {
                self.doc.owned.push(owned);
                Value::Owned(self.doc.owned.len() as u32 - 1)
            }
        };
    }

    fn intern_namespace(&mut self, uri: &str) -> u32 {
        match self.doc.namespaces.iter().position(|n| n == uri) {
            Some(i) => i as u32,
            None => {
                self.doc.namespaces.push(uri.to_owned());
                self.doc.namespaces.len() as u32 - 1
            }
        }
    }

    fn resolve(&self, prefix: &str, at: usize) -> Result<u32, ReadError> {
        if prefix == "xml" {
            return Ok(1);
        }
        // Most names have no prefix: a length test settles those without a
        // byte comparison.
        for &(bound, namespace) in self.scopes.iter().rev() {
            if bound.len() == prefix.len() && (prefix.is_empty() || bound == prefix) {
                return Ok(namespace);
            }
        }
        if prefix.is_empty() {
            return Ok(0);
        }
        Err(ReadError::UnboundPrefix {
            prefix: prefix.to_owned(),
            line: self.line(at),
        })
    }

    fn open_element(
        &mut self,
        tag: &BytesStart<'a>,
        start: usize,
        end: usize,
        empty: bool,
    ) -> Result<(), ReadError> {
        self.flush_text();
        if self.open.is_empty() && self.doc.root != NONE {
            return Err(malformed(self.text, start, "a second root element".into()));
        }
        if self.open.len() >= self.limits.max_depth {
            return Err(ReadError::TooDeep {
                limit: self.limits.max_depth,
                line: self.line(start),
            });
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(ReadError::TooManyElements {
                limit: self.limits.max_elements,
            });
        }

        let name = tag.name();
        let name_bytes = name.as_ref();
        let name_text = &self.text[self.offset_of(name_bytes) as usize..][..name_bytes.len()];
        check_name(name_text).map_err(|m| malformed(self.text, start, m))?;

        // Attributes first: namespace declarations apply to the element itself.
        let first_attribute = self.doc.attributes.len() as u32;
        let scopes_before = self.scopes.len();
        let mut count = 0;
        for attribute in tag.attributes().with_checks(true) {
            let attribute = attribute.map_err(|e| malformed(self.text, start, e.to_string()))?;
            count += 1;
            if count > self.limits.max_attributes {
                return Err(ReadError::TooManyAttributes {
                    limit: self.limits.max_attributes,
                    line: self.line(start),
                });
            }
            let key = attribute.key.as_ref();
            let key_from = self.offset_of(key);
            let key_text = &self.text[key_from as usize..][..key.len()];
            check_name(key_text).map_err(|m| malformed(self.text, start, m))?;
            let raw = attribute.value.as_ref();
            let raw_from = self.offset_of(raw);
            let raw_text = &self.text[raw_from as usize..][..raw.len()];
            let value = match attribute_value(raw_text).map_err(|e| match e {
                AttrValueError::Entity(name) => ReadError::UndefinedEntity {
                    name,
                    line: self.line(start),
                },
                AttrValueError::Other(m) => malformed(self.text, start, m),
            })? {
                None => Value::Span(raw_from, raw_from + raw.len() as u32),
                Some(owned) => {
                    self.doc.owned.push(owned);
                    Value::Owned(self.doc.owned.len() as u32 - 1)
                }
            };
            let (prefix, is_declaration) = match key_text.split_once(':') {
                Some(("xmlns", bound)) => {
                    let uri = self.value_str(value).to_owned();
                    let namespace = self.intern_namespace(&uri);
                    self.scopes.push((bound, namespace));
                    ("xmlns", true)
                }
                Some((prefix, _)) => (prefix, false),
                None if key_text == "xmlns" => {
                    let uri = self.value_str(value).to_owned();
                    let namespace = self.intern_namespace(&uri);
                    self.scopes.push(("", namespace));
                    ("", true)
                }
                None => ("", false),
            };
            self.doc.attributes.push(RawAttribute {
                name: (key_from, key_from + key.len() as u32),
                prefix_len: prefix.len() as u32,
                namespace: 0,
                value,
                is_namespace_declaration: is_declaration,
            });
        }

        // Resolve prefixes now that this element's declarations are in scope.
        let last_attribute = self.doc.attributes.len() as u32;
        for index in first_attribute..last_attribute {
            let attribute = &self.doc.attributes[index as usize];
            let namespace = if attribute.is_namespace_declaration {
                self.intern_namespace(XMLNS_NS)
            } else if attribute.prefix_len == 0 {
                0
            } else {
                let from = attribute.name.0 as usize;
                let prefix = &self.text[from..from + attribute.prefix_len as usize];
                self.resolve(prefix, start)?
            };
            self.doc.attributes[index as usize].namespace = namespace;
        }
        let (prefix, _) = name_text.split_once(':').unwrap_or(("", name_text));
        let namespace = self.resolve(prefix, start)?;

        let node = self.new_node(NodeKind::Element, start, end);
        let name_from = self.offset_of(name_bytes);
        let entry = &mut self.doc.nodes[node as usize];
        entry.name = (name_from, name_from + name_bytes.len() as u32);
        entry.prefix_len = prefix.len() as u32;
        entry.namespace = namespace;
        entry.attributes = (first_attribute, last_attribute);
        if self.doc.root == NONE {
            self.doc.root = node;
        }

        let pushed = self.scopes.len() - scopes_before;
        if empty {
            self.scopes.truncate(scopes_before);
        } else {
            self.open.push((node, pushed));
        }
        Ok(())
    }

    fn close_element(&mut self, end: usize) {
        self.flush_text();
        if let Some((node, pushed)) = self.open.pop() {
            self.doc.nodes[node as usize].span.1 = end as u32;
            self.scopes.truncate(self.scopes.len() - pushed);
        }
    }

    fn value_str(&self, value: Value) -> &str {
        match value {
            Value::Span(from, to) => &self.text[from as usize..to as usize],
            Value::Owned(i) => &self.doc.owned[i as usize],
        }
    }
}

fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

/// XML names: a letter, `_` or `:` first, then letters, digits, `.`, `-`, `_`,
/// `:`. Non-ASCII letters are accepted without checking their class.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':' || !c.is_ascii());
    let rest_ok =
        chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':') || !c.is_ascii());
    if first_ok && rest_ok && name.matches(':').count() <= 1 {
        Ok(())
    } else {
        Err(format!("{name:?} is not a valid XML name"))
    }
}

enum AttrValueError {
    Entity(String),
    Other(String),
}

/// Attribute-value normalisation (XML 1.0 section 3.3.3): references resolved,
/// tabs and newlines become spaces. `None` when the raw text is already the value.
fn attribute_value(raw: &str) -> Result<Option<String>, AttrValueError> {
    if raw.contains('<') {
        return Err(AttrValueError::Other("'<' in an attribute value".into()));
    }
    if !raw.contains(['&', '\t', '\n']) {
        return Ok(None);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\t', '\n']) {
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'&' {
            let Some(semi) = rest[i..].find(';') else {
                return Err(AttrValueError::Other(
                    "'&' without ';' in an attribute value".into(),
                ));
            };
            let name = &rest[i + 1..i + semi];
            let c = if let Some(number) = name.strip_prefix('#') {
                let code = match number.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => number.parse(),
                };
                code.ok()
                    .and_then(char::from_u32)
                    .filter(|c| is_xml_char(*c))
                    .ok_or_else(|| {
                        AttrValueError::Other(format!("bad character reference &{name};"))
                    })?
            } else {
                predefined_entity(name).ok_or_else(|| AttrValueError::Entity(name.to_owned()))?
            };
            out.push(c);
            rest = &rest[i + semi + 1..];
        } else {
            out.push(' ');
            rest = &rest[i + 1..];
        }
    }
    out.push_str(rest);
    Ok(Some(out))
}

impl Document {
    /// The decoded text the tree points into.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The root element.
    pub fn root(&self) -> Element<'_> {
        Element {
            doc: self,
            id: self.root,
        }
    }

    /// The element with this id, if the id names an element.
    pub fn element(&self, id: NodeId) -> Option<Element<'_>> {
        (self.nodes.get(id.0 as usize)?.kind == NodeKind::Element).then_some(Element {
            doc: self,
            id: id.0,
        })
    }

    /// Every node in document order, with its kind.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree has no nodes (never true for a parsed document).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn str(&self, range: (u32, u32)) -> &str {
        &self.text[range.0 as usize..range.1 as usize]
    }

    fn value(&self, value: Value) -> &str {
        match value {
            Value::Span(from, to) => &self.text[from as usize..to as usize],
            Value::Owned(i) => &self.owned[i as usize],
        }
    }
}

/// An element of a [`Document`].
#[derive(Debug, Clone, Copy)]
pub struct Element<'d> {
    doc: &'d Document,
    id: u32,
}

/// A child of an element: an element, a text run or a processing instruction.
#[derive(Debug, Clone, Copy)]
pub enum Child<'d> {
    Element(Element<'d>),
    Text(&'d str),
    /// Target and data as written, e.g. `xml-stylesheet href="a"`.
    ProcessingInstruction(&'d str),
}

impl<'d> Element<'d> {
    fn node(&self) -> &'d Node {
        &self.doc.nodes[self.id as usize]
    }

    pub fn id(&self) -> NodeId {
        NodeId(self.id)
    }

    pub fn document(&self) -> &'d Document {
        self.doc
    }

    /// The name as written, prefix included.
    pub fn qualified_name(&self) -> &'d str {
        self.doc.str(self.node().name)
    }

    pub fn prefix(&self) -> &'d str {
        let (from, _) = self.node().name;
        &self.doc.text[from as usize..(from + self.node().prefix_len) as usize]
    }

    pub fn local_name(&self) -> &'d str {
        let name = self.qualified_name();
        match self.node().prefix_len {
            0 => name,
            n => &name[n as usize + 1..],
        }
    }

    /// The namespace URI, empty when the element is in no namespace.
    pub fn namespace(&self) -> &'d str {
        &self.doc.namespaces[self.node().namespace as usize]
    }

    /// Byte range of the whole element in [`Document::text`].
    pub fn span(&self) -> Range<usize> {
        let (from, to) = self.node().span;
        from as usize..to as usize
    }

    /// 1-based line and column of the start tag.
    pub fn position(&self) -> (usize, usize) {
        line_column(&self.doc.text, self.node().span.0 as usize)
    }

    pub fn parent(&self) -> Option<Element<'d>> {
        let parent = self.node().parent;
        (parent != NONE).then_some(Element {
            doc: self.doc,
            id: parent,
        })
    }

    /// Every child in order.
    pub fn children(&self) -> impl Iterator<Item = Child<'d>> + use<'d> {
        let doc = self.doc;
        let mut next = self.node().first_child;
        std::iter::from_fn(move || {
            if next == NONE {
                return None;
            }
            let node = &doc.nodes[next as usize];
            let child = match node.kind {
                NodeKind::Element => Child::Element(Element { doc, id: next }),
                NodeKind::Text => Child::Text(doc.value(node.value)),
                NodeKind::ProcessingInstruction => Child::ProcessingInstruction(doc.str(node.name)),
            };
            next = node.next_sibling;
            Some(child)
        })
    }

    /// Child elements in order.
    pub fn elements(&self) -> impl Iterator<Item = Element<'d>> + use<'d> {
        self.children().filter_map(|c| match c {
            Child::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, local_name: &str) -> Option<Element<'d>> {
        self.elements().find(|e| e.local_name() == local_name)
    }

    /// Follows a path of local names, e.g. `["Encabezado", "IdDoc", "Folio"]`.
    pub fn find(&self, path: &[&str]) -> Option<Element<'d>> {
        path.iter().try_fold(*self, |e, name| e.child(name))
    }

    /// Text of a descendant reached by `path`, see [`Element::find`].
    pub fn find_text(&self, path: &[&str]) -> Option<Cow<'d, str>> {
        self.find(path).map(|e| e.text())
    }

    /// The character data directly inside this element, concatenated.
    pub fn text(&self) -> Cow<'d, str> {
        let mut texts = self.children().filter_map(|c| match c {
            Child::Text(t) => Some(t),
            _ => None,
        });
        let Some(first) = texts.next() else {
            return Cow::Borrowed("");
        };
        match texts.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut all = format!("{first}{second}");
                texts.for_each(|t| all.push_str(t));
                Cow::Owned(all)
            }
        }
    }

    /// Attributes in document order, namespace declarations included.
    pub fn attributes(&self) -> impl Iterator<Item = Attribute<'d>> + use<'d> {
        let (from, to) = self.node().attributes;
        let doc = self.doc;
        (from..to).map(move |i| Attribute {
            doc,
            raw: &doc.attributes[i as usize],
        })
    }

    /// Value of the unprefixed attribute with this name.
    pub fn attribute(&self, name: &str) -> Option<&'d str> {
        self.attributes()
            .find(|a| {
                !a.is_namespace_declaration() && a.namespace().is_empty() && a.local_name() == name
            })
            .map(|a| a.value())
    }

    /// Descendant elements in document order, this one first.
    pub fn descendants(&self) -> impl Iterator<Item = Element<'d>> + use<'d> {
        let doc = self.doc;
        let stop = self.node().span.1;
        let first = self.id;
        (first..doc.nodes.len() as u32)
            .take_while(move |&i| doc.nodes[i as usize].span.0 < stop || i == first)
            .filter(move |&i| doc.nodes[i as usize].kind == NodeKind::Element)
            .map(move |id| Element { doc, id })
    }
}

/// An attribute of an [`Element`].
#[derive(Debug, Clone, Copy)]
pub struct Attribute<'d> {
    doc: &'d Document,
    raw: &'d RawAttribute,
}

impl<'d> Attribute<'d> {
    pub fn qualified_name(&self) -> &'d str {
        self.doc.str(self.raw.name)
    }

    pub fn prefix(&self) -> &'d str {
        &self.qualified_name()[..self.raw.prefix_len as usize]
    }

    pub fn local_name(&self) -> &'d str {
        let name = self.qualified_name();
        match self.raw.prefix_len {
            0 => name,
            n => &name[n as usize + 1..],
        }
    }

    pub fn namespace(&self) -> &'d str {
        &self.doc.namespaces[self.raw.namespace as usize]
    }

    /// The normalised value (references resolved).
    pub fn value(&self) -> &'d str {
        self.doc.value(self.raw.value)
    }

    /// `xmlns="..."` or `xmlns:p="..."`.
    pub fn is_namespace_declaration(&self) -> bool {
        self.raw.is_namespace_declaration
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Result<Document, ReadError> {
        parse_text(text.to_owned(), &Limits::default())
    }

    #[test]
    fn names_namespaces_and_text() {
        let d = doc(r#"<DTE xmlns="http://www.sii.cl/SiiDte" version="1.0"><Documento ID="F1"><Folio>17</Folio><RznSoc>A &amp; B</RznSoc></Documento><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></DTE>"#).unwrap();
        let root = d.root();
        assert_eq!(root.local_name(), "DTE");
        assert_eq!(root.namespace(), "http://www.sii.cl/SiiDte");
        assert_eq!(root.attribute("version"), Some("1.0"));
        let documento = root.child("Documento").unwrap();
        assert_eq!(documento.attribute("ID"), Some("F1"));
        assert_eq!(root.find_text(&["Documento", "Folio"]).unwrap(), "17");
        assert_eq!(root.find_text(&["Documento", "RznSoc"]).unwrap(), "A & B");
        let signature = root.child("Signature").unwrap();
        assert_eq!(signature.prefix(), "ds");
        assert_eq!(signature.namespace(), "http://www.w3.org/2000/09/xmldsig#");
        assert_eq!(&d.text()[documento.span()][..15], "<Documento ID=\"");
        assert!(d.text()[documento.span()].ends_with("</Documento>"));
        assert_eq!(root.descendants().count(), 5);
        assert_eq!(documento.descendants().count(), 3);
    }

    #[test]
    fn the_xml_prefix_is_always_bound() {
        let d = doc("<a xml:lang='es'><b xml:space='preserve'/></a>").unwrap();
        let lang = d.root().attributes().next().unwrap();
        assert_eq!(lang.namespace(), XML_NS);
        assert_eq!(d.root().attribute("lang"), None);
    }

    #[test]
    fn doctype_and_entities_are_refused() {
        let laughs =
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">]><lolz>&lol;</lolz>";
        assert!(matches!(doc(laughs), Err(ReadError::Doctype { .. })));
        assert!(matches!(
            doc("<a>&lol;</a>"),
            Err(ReadError::UndefinedEntity { .. })
        ));
        assert!(matches!(
            doc("<a b='&lol;'/>"),
            Err(ReadError::UndefinedEntity { .. })
        ));
    }

    #[test]
    fn references_cdata_and_attribute_normalisation() {
        let d = doc("<a x='1&#x9;2\n3'>&#233;t&lt;<![CDATA[<b>]]></a>").unwrap();
        assert_eq!(d.root().text(), "ét<<b>");
        assert_eq!(d.root().attribute("x"), Some("1\t2 3"));
    }

    #[test]
    fn limits_hold() {
        let limits = Limits {
            max_depth: 3,
            max_elements: 5,
            max_attributes: 2,
            ..Limits::default()
        };
        let deep = "<a><b><c><d/></c></b></a>";
        assert!(matches!(
            parse_text(deep.into(), &limits),
            Err(ReadError::TooDeep { .. })
        ));
        let many = "<a><b/><b/><b/><b/><b/></a>";
        assert!(matches!(
            parse_text(many.into(), &limits),
            Err(ReadError::TooManyElements { .. })
        ));
        let attrs = "<a x='1' y='2' z='3'/>";
        assert!(matches!(
            parse_text(attrs.into(), &limits),
            Err(ReadError::TooManyAttributes { .. })
        ));
    }

    #[test]
    fn malformed_input_is_refused_with_a_position() {
        for bad in [
            "<a><b></a>",
            "<a>",
            "<a></a><b/>",
            "text<a/>",
            "<a x='1' x='2'/>",
            "<p:a/>",
            "<a>\u{1}</a>",
            "<a>\u{FFFE}</a>",
            "<a>&#1;</a>",
            "<1a/>",
            "",
        ] {
            assert!(doc(bad).is_err(), "{bad:?} was accepted");
        }
        match doc("<a>\n<b></c></a>") {
            Err(ReadError::Malformed { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
    }
}
