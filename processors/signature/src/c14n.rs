//! Inclusive canonical XML 1.0 without comments
//! (<http://www.w3.org/TR/2001/REC-xml-c14n-20010315>) of one element and its
//! descendants, the document subset an XMLDSig `#ID` reference selects.
//!
//! The tree from `veredicto-xml` already did the parser's share of the work:
//! comments are gone, references are resolved, line ends are `\n` and attribute
//! values are normalised. What is left is the serialisation rules: namespace
//! declarations first, sorted by prefix, then attributes sorted by namespace URI
//! and local name; superfluous declarations dropped; empty elements written as a
//! start and an end tag; the C14N escapes for text and attribute values.
//!
//! The apex element carries every namespace in scope at it. Which ancestors
//! count is the caller's choice, see [`Context`]: the whole document (the
//! specification's reading) or a subtree treated as a document of its own (what a
//! DTE signed alone and then placed into an envelope needs).

use veredicto_xml::{Attribute, Child, Element, NodeId};

/// The algorithm URI of inclusive C14N 1.0 without comments.
pub const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";

/// A namespace binding: prefix (empty for the default namespace) and URI.
type Binding<'d> = (&'d str, &'d str);

/// What lies above the apex element: the namespace bindings in scope at its
/// parent and the `xml:*` attributes it inherits.
#[derive(Debug, Clone, Default)]
pub struct Context<'d> {
    /// Innermost last; a later binding of a prefix hides an earlier one.
    bindings: Vec<Binding<'d>>,
    /// `xml:*` attributes of ancestors, nearest first.
    xml_attributes: Vec<Attribute<'d>>,
}

impl<'d> Context<'d> {
    /// Everything above `apex` in its document, as C14N 1.0 defines a document
    /// subset: all namespace declarations of the ancestors and their `xml:*`
    /// attributes.
    pub fn document(apex: Element<'d>) -> Self {
        let mut context = Self::default();
        let mut ancestors = Vec::new();
        let mut next = apex.parent();
        while let Some(ancestor) = next {
            ancestors.push(ancestor);
            next = ancestor.parent();
        }
        context.collect(&ancestors);
        context
    }

    /// As if `root`, an ancestor-or-self of `apex`, were the document element of
    /// a document of its own, the way a namespace-aware serialiser writes a
    /// subtree out: declarations made above `root` count only where a name
    /// inside `root` uses them, and `xml:*` attributes above `root` are not
    /// inherited.
    ///
    /// This is how a DTE signed on its own and later placed into an `EnvioDTE`
    /// or an AEC has to be read: the envelope's `xmlns:xsi` is in scope there
    /// but was not when the DTE was signed.
    pub fn detached(apex: Element<'d>, root: Element<'d>) -> Self {
        let mut context = Self::default();
        let mut inside = Vec::new();
        let mut next = apex.parent();
        let mut reached_root = apex.id() == root.id();
        while let Some(ancestor) = next {
            if reached_root {
                break;
            }
            reached_root = ancestor.id() == root.id();
            inside.push(ancestor);
            next = ancestor.parent();
        }
        if !reached_root {
            // `root` is not above `apex`: nothing sensible to detach at.
            return Self::document(apex);
        }

        // Bindings from above `root`, outermost first, then kept only when used.
        let mut outside = Vec::new();
        let mut above = root.parent();
        while let Some(ancestor) = above {
            outside.push(ancestor);
            above = ancestor.parent();
        }
        for ancestor in outside.iter().rev() {
            for attribute in ancestor.attributes() {
                if attribute.is_namespace_declaration() {
                    context.bind(attribute);
                }
            }
        }
        context.bindings.retain(|&(prefix, uri)| {
            !uri.is_empty() && is_used(root, prefix, uri) && !declares(root, prefix)
        });

        context.collect(&inside);
        context
    }

    /// Sets the default namespace in scope above the apex, as if the document
    /// element had declared it; an empty `uri` takes it away. A DTE cut out of
    /// its envelope has lost the `xmlns` it inherited there, and a DTE signed
    /// in no namespace may have gained one since: this gives the form it was
    /// signed in without editing the text. A declaration on the apex itself
    /// still wins.
    pub fn with_default_namespace(mut self, uri: &'d str) -> Self {
        self.bindings.retain(|&(prefix, _)| !prefix.is_empty());
        self.bindings.insert(0, ("", uri));
        self
    }

    /// Adds the declarations and `xml:*` attributes of `ancestors`, given
    /// nearest first.
    fn collect(&mut self, ancestors: &[Element<'d>]) {
        for ancestor in ancestors.iter().rev() {
            for attribute in ancestor.attributes() {
                if attribute.is_namespace_declaration() {
                    self.bind(attribute);
                }
            }
        }
        self.collect_xml_attributes(ancestors);
    }

    fn collect_xml_attributes(&mut self, ancestors: &[Element<'d>]) {
        for ancestor in ancestors {
            for attribute in ancestor.attributes() {
                let inherited = attribute.prefix() == "xml"
                    && !self
                        .xml_attributes
                        .iter()
                        .any(|a| a.local_name() == attribute.local_name());
                if inherited {
                    self.xml_attributes.push(attribute);
                }
            }
        }
    }

    fn bind(&mut self, declaration: Attribute<'d>) {
        let prefix = declaration_prefix(&declaration);
        self.bindings.retain(|&(p, _)| p != prefix);
        self.bindings.push((prefix, declaration.value()));
    }
}

/// Whether an element or attribute inside `root` is named with `prefix` bound
/// to `uri`.
fn is_used(root: Element<'_>, prefix: &str, uri: &str) -> bool {
    root.descendants().any(|element| {
        (element.prefix() == prefix && element.namespace() == uri)
            || (!prefix.is_empty()
                && element.attributes().any(|a| {
                    !a.is_namespace_declaration() && a.prefix() == prefix && a.namespace() == uri
                }))
    })
}

/// Whether `element` itself declares `prefix`.
fn declares(element: Element<'_>, prefix: &str) -> bool {
    element
        .attributes()
        .any(|a| a.is_namespace_declaration() && declaration_prefix(&a) == prefix)
}

/// The prefix a namespace declaration binds: empty for `xmlns`.
fn declaration_prefix<'d>(declaration: &Attribute<'d>) -> &'d str {
    match declaration.qualified_name().split_once(':') {
        Some((_, prefix)) => prefix,
        None => "",
    }
}

/// Canonical form of `element` with the whole document as context, in UTF-8.
pub fn canonicalize(element: Element<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(element.span().len() + 64);
    canonicalize_into(element, &Context::document(element), None, &mut out);
    out
}

/// Appends the canonical form of `apex` to `out`, so one buffer can serve any
/// number of documents.
///
/// `context` says what lies above `apex` (see [`Context`]); `exclude`, when
/// given, is left out with its subtree, which is what the enveloped-signature
/// transform asks for.
pub fn canonicalize_into<'d>(
    apex: Element<'d>,
    context: &Context<'d>,
    exclude: Option<NodeId>,
    out: &mut Vec<u8>,
) {
    let mut writer = Writer {
        scope: Vec::with_capacity(8),
        exclude,
        out,
        namespaces: Vec::with_capacity(4),
        attributes: Vec::with_capacity(8),
    };
    writer.element(apex, Some(context));
}

struct Writer<'d, 'o> {
    /// Namespace bindings in scope as rendered, innermost last.
    scope: Vec<Binding<'d>>,
    exclude: Option<NodeId>,
    out: &'o mut Vec<u8>,
    /// Scratch for one start tag; reused because a start tag is complete
    /// before the children are visited.
    namespaces: Vec<Binding<'d>>,
    attributes: Vec<(&'d str, Attribute<'d>)>,
}

impl<'d> Writer<'d, '_> {
    /// The URI bound to `prefix` in the rendered scope, if any.
    fn lookup(&self, prefix: &str) -> Option<&'d str> {
        self.scope
            .iter()
            .rev()
            .find(|&&(p, _)| p == prefix)
            .map(|&(_, uri)| uri)
    }

    fn element(&mut self, element: Element<'d>, apex: Option<&Context<'d>>) {
        let mark = self.scope.len();
        let mut namespaces = std::mem::take(&mut self.namespaces);
        let mut attributes = std::mem::take(&mut self.attributes);
        namespaces.clear();
        attributes.clear();

        // Namespace nodes to render: on the apex every binding in scope, below
        // it only those that change what the parent had.
        match apex {
            Some(context) => {
                self.scope.extend_from_slice(&context.bindings);
                for attribute in element.attributes() {
                    if attribute.is_namespace_declaration() {
                        let prefix = declaration_prefix(&attribute);
                        self.scope.retain(|&(p, _)| p != prefix);
                        self.scope.push((prefix, attribute.value()));
                    }
                }
                // An empty default namespace is no namespace node at all.
                namespaces.extend(self.scope.iter().filter(|(_, uri)| !uri.is_empty()));
                for attribute in &context.xml_attributes {
                    let overridden = element
                        .attributes()
                        .any(|a| a.prefix() == "xml" && a.local_name() == attribute.local_name());
                    if !overridden {
                        attributes.push((attribute.namespace(), *attribute));
                    }
                }
            }
            None => {
                for attribute in element.attributes() {
                    if !attribute.is_namespace_declaration() {
                        continue;
                    }
                    let prefix = declaration_prefix(&attribute);
                    let uri = attribute.value();
                    if self.lookup(prefix).unwrap_or("") != uri {
                        namespaces.push((prefix, uri));
                    }
                    self.scope.push((prefix, uri));
                }
            }
        }
        for attribute in element.attributes() {
            if !attribute.is_namespace_declaration() {
                attributes.push((attribute.namespace(), attribute));
            }
        }
        namespaces.sort_unstable_by(|a, b| a.0.cmp(b.0));
        attributes.sort_unstable_by(|a, b| (a.0, a.1.local_name()).cmp(&(b.0, b.1.local_name())));

        // Start tag.
        let name = element.qualified_name();
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        for &(prefix, uri) in &namespaces {
            if prefix.is_empty() {
                self.out.extend_from_slice(b" xmlns=\"");
            } else {
                self.out.extend_from_slice(b" xmlns:");
                self.out.extend_from_slice(prefix.as_bytes());
                self.out.extend_from_slice(b"=\"");
            }
            escape_attribute(uri, self.out);
            self.out.push(b'"');
        }
        for (_, attribute) in &attributes {
            self.out.push(b' ');
            self.out
                .extend_from_slice(attribute.qualified_name().as_bytes());
            self.out.extend_from_slice(b"=\"");
            escape_attribute(attribute.value(), self.out);
            self.out.push(b'"');
        }
        self.out.push(b'>');
        self.namespaces = namespaces;
        self.attributes = attributes;

        // Content, then the end tag even for an empty element.
        for child in element.children() {
            match child {
                Child::Element(child) => {
                    if Some(child.id()) != self.exclude {
                        self.element(child, None);
                    }
                }
                Child::Text(text) => escape_text(text, self.out),
                Child::ProcessingInstruction(pi) => write_pi(pi, self.out),
            }
        }
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
        self.scope.truncate(mark);
    }
}

/// `<?target data?>` with a single space between target and data.
fn write_pi(pi: &str, out: &mut Vec<u8>) {
    let (target, data) = match pi.find(|c: char| c.is_ascii_whitespace()) {
        Some(at) => (
            &pi[..at],
            pi[at..].trim_start_matches(|c: char| c.is_ascii_whitespace()),
        ),
        None => (pi, ""),
    };
    out.extend_from_slice(b"<?");
    out.extend_from_slice(target.as_bytes());
    if !data.is_empty() {
        out.push(b' ');
        out.extend_from_slice(data.as_bytes());
    }
    out.extend_from_slice(b"?>");
}

/// Text nodes: `&`, `<`, `>` and carriage returns are escaped.
fn escape_text(text: &str, out: &mut Vec<u8>) {
    escape(text, out, |b| match b {
        b'&' => Some(b"&amp;".as_slice()),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

/// Attribute values: `&`, `<`, `"` and the three whitespace characters that
/// normalisation would otherwise turn into spaces.
fn escape_attribute(value: &str, out: &mut Vec<u8>) {
    escape(value, out, |b| match b {
        b'&' => Some(b"&amp;".as_slice()),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

/// Copies `s` to `out`, replacing the ASCII bytes `replacement` names. Runs
/// without special characters are copied in one piece.
fn escape(s: &str, out: &mut Vec<u8>, replacement: impl Fn(u8) -> Option<&'static [u8]>) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(escaped) = replacement(b) {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(escaped);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use veredicto_xml::{Document, Limits};

    use super::*;

    fn parse(text: &str) -> Document {
        veredicto_xml::parse_text(text.to_owned(), &Limits::default()).unwrap()
    }

    fn element<'d>(doc: &'d Document, name: &str) -> Element<'d> {
        doc.root()
            .descendants()
            .find(|e| e.local_name() == name)
            .unwrap()
    }

    fn c14n(doc: &Document, name: &str) -> String {
        String::from_utf8(canonicalize(element(doc, name))).unwrap()
    }

    /// The start-tag example of the C14N 1.0 specification (section 3.3):
    /// empty elements, attribute order, superfluous declarations, `xmlns=""`.
    #[test]
    fn specification_start_tags_example() {
        let doc = parse(
            "<doc>\n   <e1   />\n   <e2   ></e2>\n   <e3   name = \"elem3\"   id=\"elem3\"   />\n   \
             <e4   name=\"elem4\"   id=\"elem4\"   ></e4>\n   \
             <e5 a:attr=\"out\" b:attr=\"sorted\" attr2=\"all\" attr=\"I'm\"\n      \
             xmlns:b=\"http://www.ietf.org\"\n      xmlns:a=\"http://www.w3.org\"\n      \
             xmlns=\"http://example.org\"/>\n   \
             <e6 xmlns=\"\" xmlns:a=\"http://www.w3.org\">\n      <e7 xmlns=\"http://www.ietf.org\">\n         \
             <e8 xmlns=\"\" xmlns:a=\"http://www.w3.org\">\n            \
             <e9 xmlns=\"\" xmlns:a=\"http://www.ietf.org\"/>\n         </e8>\n      </e7>\n   </e6>\n</doc>",
        );
        let expected = "<doc>\n   <e1></e1>\n   <e2></e2>\n   <e3 id=\"elem3\" name=\"elem3\"></e3>\n   \
             <e4 id=\"elem4\" name=\"elem4\"></e4>\n   \
             <e5 xmlns=\"http://example.org\" xmlns:a=\"http://www.w3.org\" \
             xmlns:b=\"http://www.ietf.org\" attr=\"I'm\" attr2=\"all\" b:attr=\"sorted\" \
             a:attr=\"out\"></e5>\n   \
             <e6 xmlns:a=\"http://www.w3.org\">\n      <e7 xmlns=\"http://www.ietf.org\">\n         \
             <e8 xmlns=\"\">\n            <e9 xmlns:a=\"http://www.ietf.org\"></e9>\n         \
             </e8>\n      </e7>\n   </e6>\n</doc>";
        assert_eq!(c14n(&doc, "doc"), expected);
    }

    /// The character example of the specification (section 3.4), less the
    /// parts that need a DTD: references resolved, CDATA unwrapped, the C14N
    /// escapes in text and attributes.
    #[test]
    fn specification_characters_example() {
        let doc = parse(
            "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   \
             <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   \
             <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   \
             <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>",
        );
        let expected = "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   \
             <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   \
             <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; \
             ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>\n   \
             <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n</doc>";
        assert_eq!(c14n(&doc, "doc"), expected);
    }

    #[test]
    fn the_apex_carries_every_namespace_in_scope() {
        let doc = parse(
            "<r xmlns:b=\"http://b\" xmlns:a=\"http://a\">\
             <e z=\"1\" b:y=\"2\" a:x=\"3\" xmlns=\"http://d\" c=\"4\" a:w=\"5\"><f xmlns:a=\"http://a\"/></e></r>",
        );
        assert_eq!(
            c14n(&doc, "e"),
            "<e xmlns=\"http://d\" xmlns:a=\"http://a\" xmlns:b=\"http://b\" c=\"4\" z=\"1\" \
             a:w=\"5\" a:x=\"3\" b:y=\"2\"><f></f></e>"
        );
        assert_eq!(
            c14n(&doc, "r"),
            "<r xmlns:a=\"http://a\" xmlns:b=\"http://b\"><e xmlns=\"http://d\" c=\"4\" z=\"1\" \
             a:w=\"5\" a:x=\"3\" b:y=\"2\"><f></f></e></r>"
        );
    }

    #[test]
    fn an_empty_default_namespace_is_not_rendered_on_the_apex() {
        let doc = parse(
            "<r xmlns=\"http://d\" xmlns:p=\"http://p\"><s xmlns:p=\"http://p\" xmlns:q=\"http://q\">\
             <t xmlns=\"\"><u xmlns=\"\"/></t></s></r>",
        );
        assert_eq!(
            c14n(&doc, "r"),
            "<r xmlns=\"http://d\" xmlns:p=\"http://p\"><s xmlns:q=\"http://q\"><t xmlns=\"\">\
             <u></u></t></s></r>"
        );
        assert_eq!(
            c14n(&doc, "t"),
            "<t xmlns:p=\"http://p\" xmlns:q=\"http://q\"><u></u></t>"
        );
    }

    #[test]
    fn xml_attributes_of_ancestors_are_inherited_by_the_apex() {
        let doc = parse(
            "<r xml:lang=\"es\" xml:space=\"preserve\"><s xml:lang=\"en\"><t a=\"1\"/></s></r>",
        );
        assert_eq!(
            c14n(&doc, "t"),
            "<t a=\"1\" xml:lang=\"en\" xml:space=\"preserve\"></t>"
        );
        // Detached at `s`, what lies above `s` is not there.
        let t = element(&doc, "t");
        let mut out = Vec::new();
        canonicalize_into(t, &Context::detached(t, element(&doc, "s")), None, &mut out);
        assert_eq!(out, b"<t a=\"1\" xml:lang=\"en\"></t>");
    }

    #[test]
    fn detaching_keeps_only_the_namespaces_the_subtree_uses() {
        let doc = parse(
            "<env xmlns=\"http://d\" xmlns:xsi=\"http://xsi\" xmlns:p=\"http://p\" xsi:a=\"1\">\
             <dte><doc ID=\"1\"><x p:y=\"2\"/></doc></dte></env>",
        );
        let target = element(&doc, "doc");
        let mut out = Vec::new();
        canonicalize_into(
            target,
            &Context::detached(target, element(&doc, "dte")),
            None,
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<doc xmlns=\"http://d\" xmlns:p=\"http://p\" ID=\"1\"><x p:y=\"2\"></x></doc>"
        );
        assert_eq!(
            c14n(&doc, "doc"),
            "<doc xmlns=\"http://d\" xmlns:p=\"http://p\" xmlns:xsi=\"http://xsi\" ID=\"1\">\
             <x p:y=\"2\"></x></doc>"
        );
    }

    #[test]
    fn a_default_namespace_can_be_put_back_or_taken_away() {
        let bare = parse("<DTE><Documento ID=\"x\"><a/></Documento></DTE>");
        let target = element(&bare, "Documento");
        let context = Context::detached(target, bare.root()).with_default_namespace("http://d");
        let mut out = Vec::new();
        canonicalize_into(target, &context, None, &mut out);
        assert_eq!(
            out,
            b"<Documento xmlns=\"http://d\" ID=\"x\"><a></a></Documento>"
        );

        let declared = parse("<DTE xmlns=\"http://d\"><Documento ID=\"x\"><a/></Documento></DTE>");
        let target = element(&declared, "Documento");
        let context = Context::detached(target, declared.root()).with_default_namespace("");
        out.clear();
        canonicalize_into(target, &context, None, &mut out);
        assert_eq!(out, b"<Documento ID=\"x\"><a></a></Documento>");
    }

    #[test]
    fn processing_instructions_stay_comments_go_and_exclusion_works() {
        let doc = parse("<a><?pi   data here ?><!-- gone --><b/><c><d/></c>x</a>");
        assert_eq!(
            c14n(&doc, "a"),
            "<a><?pi data here ?><b></b><c><d></d></c>x</a>"
        );
        let a = doc.root();
        let mut out = Vec::new();
        let c = element(&doc, "c");
        canonicalize_into(a, &Context::document(a), Some(c.id()), &mut out);
        assert_eq!(out, b"<a><?pi data here ?><b></b>x</a>");
    }

    #[test]
    fn output_is_utf8_whatever_the_input_encoding() {
        let (doc, _) = veredicto_xml::parse(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a x=\"\xf1\">\xe9&gt;</a>",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(canonicalize(doc.root()), "<a x=\"ñ\">é&gt;</a>".as_bytes());
    }
}
