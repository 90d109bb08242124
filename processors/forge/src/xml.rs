//! Writing XML the way SII signing software does: one element per line, no
//! indentation, the escapes text and attribute values need, and the
//! whitespace-stripped form the TED and CAF signatures are computed over.
//!
//! Text is kept as a Rust string (UTF-8) until a file is written; then
//! [`latin1`] turns it into the ISO-8859-1 bytes the declaration announces.

use std::fmt::Write as _;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The declaration every forged file starts with.
pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n";

/// Appends XML to a string, one element per line.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// A writer that expects about `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
        }
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }

    /// `<name a="v" ...` without the closing bracket.
    fn start_tag(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_attribute(value, &mut self.out);
            self.out.push('"');
        }
    }

    /// `<name a="v" ...>` and a line end.
    pub fn open_with(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.out.push_str(">\n");
    }

    /// `<name>` and a line end.
    pub fn open(&mut self, name: &str) {
        self.open_with(name, &[]);
    }

    /// `</name>` and a line end.
    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name>text</name>` on a line.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    /// `<name a="v">text</name>` on a line.
    pub fn leaf_with(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.start_tag(name, attributes);
        self.out.push('>');
        escape_text(text, &mut self.out);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// A leaf whose text is a number or another value written with `Display`.
    pub fn leaf_display(&mut self, name: &str, value: impl std::fmt::Display) {
        let _ = writeln!(self.out, "<{name}>{value}</{name}>");
    }

    /// A leaf when there is a value.
    pub fn leaf_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// An empty element written as `<name a="v"/>`, as signing software
    /// writes the algorithm elements of a signature.
    pub fn empty_with(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.out.push_str("/>\n");
    }

    /// Base64 of `bytes` as its own block, wrapped at 76 columns between a
    /// line end after the start tag and one before the end tag.
    pub fn base64_block(&mut self, name: &str, bytes: &[u8]) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        wrap76(&STANDARD.encode(bytes), &mut self.out);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// Text that is already XML.
    pub fn raw(&mut self, xml: &str) {
        self.out.push_str(xml);
    }
}

/// Base64 on one line, as the CAF and TED carry it.
pub fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Appends `encoded` in lines of 76 characters, each ended by a line end.
fn wrap76(encoded: &str, out: &mut String) {
    let bytes = encoded.as_bytes();
    for chunk in bytes.chunks(76) {
        // Base64 is ASCII, so any byte boundary is a character boundary.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
}

/// `&`, `<` and `>` in text.
pub fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

fn escape_attribute(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The element as the TED and CAF signatures see it: whitespace-only runs
/// between a `>` and the next `<` removed, nothing else touched.
pub fn compact(xml: &str) -> String {
    let bytes = xml.as_bytes();
    let mut out = String::with_capacity(xml.len());
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'>' {
            let run = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            let next = i + 1 + run;
            if run > 0 && (next == bytes.len() || bytes[next] == b'<') {
                out.push_str(&xml[start..=i]);
                start = next;
                i = next;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&xml[start..]);
    out
}

/// A character the ISO-8859-1 encoding cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} (U+{code:04X}) cannot be written in ISO-8859-1", code = u32::from(*.0))]
pub struct NotLatin1(pub char);

/// The ISO-8859-1 bytes of `text`.
///
/// # Errors
///
/// [`NotLatin1`] for the first character above U+00FF.
pub fn latin1(text: &str) -> Result<Vec<u8>, NotLatin1> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let code = u32::from(c);
        if code > 0xFF {
            return Err(NotLatin1(c));
        }
        out.push(code as u8);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_one_per_line_and_escaped() {
        let mut w = Writer::default();
        w.open_with("CAF", &[("version", "1.0")]);
        w.leaf("RS", "PÉREZ & CÍA <LTDA>");
        w.empty_with("M", &[("Algorithm", "a\"b")]);
        w.close("CAF");
        assert_eq!(
            w.finish(),
            "<CAF version=\"1.0\">\n<RS>PÉREZ &amp; CÍA &lt;LTDA&gt;</RS>\n<M Algorithm=\"a&quot;b\"/>\n</CAF>\n"
        );
    }

    #[test]
    fn compact_removes_only_whitespace_between_tags() {
        assert_eq!(
            compact("<DD>\n<RE>1-9</RE>\n  <RSR>A  B</RSR>\n</DD>\n"),
            "<DD><RE>1-9</RE><RSR>A  B</RSR></DD>"
        );
        assert_eq!(compact("<a> x </a>"), "<a> x </a>");
    }

    #[test]
    fn base64_blocks_wrap_at_76() {
        let mut w = Writer::default();
        w.base64_block("V", &[0u8; 100]);
        let text = w.finish();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1].len(), 76);
        assert_eq!(lines.len(), 4);
        assert_eq!(latin1("ñ").ok(), Some(vec![0xF1]));
        assert!(latin1("\u{2013}").is_err());
    }
}
