//! Safe reading of DTE XML.
//!
//! Every document veredicto looks at comes through here first:
//!
//! - [`decode`] turns the raw bytes into UTF-8 text. DTEs are usually declared
//!   ISO-8859-1; some generators write UTF-8 bytes under that declaration,
//!   which is reported as a [`EncodingNote`] and never crashes anything. Line
//!   ends are normalised to `\n` here, as XML requires.
//! - [`parse`] builds a compact, read-only [`Document`] tree with the source
//!   offset of every node. It refuses DTDs (so no entity is ever expanded and
//!   nothing is fetched) and caps size, depth, element and attribute counts.
//!
//! Schema validation, rules, canonicalisation and signatures all read the same
//! tree, so a document is parsed once.

mod decode;
mod tree;

pub use decode::{DeclaredEncoding, Decoded, EncodingNote, decode};
pub use tree::{Attribute, Child, Document, Element, NodeId, NodeKind, parse, parse_text};

/// Caps that keep hostile input cheap to refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes. An EnvioDTE may hold 2,000 DTEs.
    pub max_bytes: usize,
    /// Deepest element nesting. DTEs nest about ten levels.
    pub max_depth: usize,
    /// Most elements in one input.
    pub max_elements: usize,
    /// Most attributes on one element, namespace declarations included.
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            max_depth: 64,
            max_elements: 2_000_000,
            max_attributes: 32,
        }
    }
}

/// Why an input could not be read as XML. Each is deterministic: the same
/// bytes always fail the same way, so the caller reports it and moves on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("input is {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("input is empty")]
    Empty,
    #[error("unsupported encoding {0:?}: DTEs are ISO-8859-1 or UTF-8")]
    UnsupportedEncoding(String),
    #[error("input declared {declared} is not valid {declared} at byte {offset}")]
    InvalidEncoding {
        declared: &'static str,
        offset: usize,
    },
    #[error("document type declarations are not allowed (line {line})")]
    Doctype { line: usize },
    #[error("elements nest deeper than {limit} (line {line})")]
    TooDeep { limit: usize, line: usize },
    #[error("more than {limit} elements")]
    TooManyElements { limit: usize },
    #[error("more than {limit} attributes on one element (line {line})")]
    TooManyAttributes { limit: usize, line: usize },
    #[error("undefined entity &{name}; (line {line}): only the five XML entities exist here")]
    UndefinedEntity { name: String, line: usize },
    #[error("prefix {prefix:?} is not bound to a namespace (line {line})")]
    UnboundPrefix { prefix: String, line: usize },
    #[error("not well-formed XML at line {line}, column {column}: {message}")]
    Malformed {
        line: usize,
        column: usize,
        message: String,
    },
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    // Offsets reported by the parser may fall inside a multi-byte character.
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text.as_bytes()[..offset];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = 1 + text[line_start..offset].chars().count();
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let text = "ab\ncañ<x";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, text.find('<').unwrap()), (2, 4));
        assert_eq!(line_column(text, text.find('ñ').unwrap() + 1), (2, 3));
    }

    /// Found by fuzzing: a second byte order mark inside the text made the
    /// parser report an offset within a character.
    #[test]
    fn errors_inside_multibyte_characters_are_located() {
        let input = b"\xef\xbb\xbf\xef\xbb\xbf\n<P/";
        assert!(matches!(
            parse(input, &Limits::default()),
            Err(ReadError::Malformed { line: 1, .. })
        ));
    }
}
