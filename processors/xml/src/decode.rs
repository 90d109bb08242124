//! From raw bytes to UTF-8 text with normalised line ends.

use crate::{Limits, ReadError};

/// The encoding an input says it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredEncoding {
    /// `encoding="UTF-8"`, or no declaration at all (XML's default).
    Utf8,
    /// `encoding="ISO-8859-1"` or one of its aliases: what the SII expects.
    Latin1,
    /// `encoding="windows-1252"`: Latin-1 with printable characters where
    /// ISO-8859-1 has C1 controls. Some real signers declare it.
    Windows1252,
    /// `encoding="US-ASCII"`: a subset of both.
    Ascii,
}

impl DeclaredEncoding {
    pub fn name(self) -> &'static str {
        match self {
            DeclaredEncoding::Utf8 => "UTF-8",
            DeclaredEncoding::Latin1 => "ISO-8859-1",
            DeclaredEncoding::Windows1252 => "windows-1252",
            DeclaredEncoding::Ascii => "US-ASCII",
        }
    }
}

/// Something about the encoding worth reporting that did not stop reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodingNote {
    /// Declared ISO-8859-1, but the bytes are UTF-8 (first multi-byte sequence
    /// at `offset`). Read as declared, so accented letters come out garbled.
    Utf8UnderLatin1 { offset: usize },
    /// A UTF-8 byte order mark, which the SII's own tools do not write.
    ByteOrderMark,
}

/// The input as text.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// UTF-8, line ends normalised to `\n`, without a byte order mark.
    pub text: String,
    pub declared: DeclaredEncoding,
    pub notes: Vec<EncodingNote>,
}

/// Decodes raw XML bytes as their declaration says.
///
/// # Errors
///
/// When the input is empty or over [`Limits::max_bytes`], declares an encoding
/// other than UTF-8, ISO-8859-1 or US-ASCII, or has bytes invalid in the
/// encoding it declares.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let mut notes = Vec::new();
    let bytes = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => {
            notes.push(EncodingNote::ByteOrderMark);
            rest
        }
        [0xFE, 0xFF, ..] | [0xFF, 0xFE, ..] => {
            return Err(ReadError::UnsupportedEncoding("UTF-16".into()));
        }
        _ => bytes,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }

    let declared = declared_encoding(bytes)?;
    let text = match declared {
        DeclaredEncoding::Latin1 => {
            if let Some(offset) = utf8_multibyte_start(bytes) {
                notes.push(EncodingNote::Utf8UnderLatin1 { offset });
            }
            latin1_to_utf8(bytes)
        }
        DeclaredEncoding::Windows1252 => {
            if let Some(offset) = utf8_multibyte_start(bytes) {
                notes.push(EncodingNote::Utf8UnderLatin1 { offset });
            }
            let mut text = String::with_capacity(bytes.len());
            for (offset, &b) in bytes.iter().enumerate() {
                text.push(windows_1252(b).ok_or(ReadError::InvalidEncoding {
                    declared: "windows-1252",
                    offset,
                })?);
            }
            text
        }
        DeclaredEncoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(error) => {
                return Err(ReadError::InvalidEncoding {
                    declared: "UTF-8",
                    offset: error.valid_up_to(),
                });
            }
        },
        DeclaredEncoding::Ascii => match bytes.iter().position(|b| !b.is_ascii()) {
            None => String::from_utf8_lossy(bytes).into_owned(),
            Some(offset) => {
                return Err(ReadError::InvalidEncoding {
                    declared: "US-ASCII",
                    offset,
                });
            }
        },
    };
    Ok(Decoded {
        text: normalise_line_ends(text),
        declared,
        notes,
    })
}

/// The encoding named by the XML declaration, if there is one.
fn declared_encoding(bytes: &[u8]) -> Result<DeclaredEncoding, ReadError> {
    if !bytes.starts_with(b"<?xml") {
        return Ok(DeclaredEncoding::Utf8);
    }
    let head = &bytes[..bytes.len().min(256)];
    let Some(end) = head.windows(2).position(|w| w == b"?>") else {
        return Ok(DeclaredEncoding::Utf8); // the parser reports the broken declaration
    };
    let declaration = String::from_utf8_lossy(&head[..end]);
    let Some(at) = declaration.find("encoding") else {
        return Ok(DeclaredEncoding::Utf8);
    };
    let rest = declaration[at + "encoding".len()..].trim_start();
    let Some(rest) = rest.strip_prefix('=') else {
        return Ok(DeclaredEncoding::Utf8);
    };
    let rest = rest.trim_start();
    let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Ok(DeclaredEncoding::Utf8);
    };
    let name = rest[1..].split(quote).next().unwrap_or_default();
    match name.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" => Ok(DeclaredEncoding::Utf8),
        "ISO-8859-1" | "ISO8859-1" | "ISO_8859-1" | "LATIN1" | "LATIN-1" | "L1" | "ISO-IR-100"
        | "CP819" | "IBM819" => Ok(DeclaredEncoding::Latin1),
        "WINDOWS-1252" | "CP1252" => Ok(DeclaredEncoding::Windows1252),
        "US-ASCII" | "ASCII" => Ok(DeclaredEncoding::Ascii),
        _ => Err(ReadError::UnsupportedEncoding(name.to_owned())),
    }
}

/// The character of a windows-1252 byte; `None` for the five unassigned ones.
fn windows_1252(byte: u8) -> Option<char> {
    const HIGH: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    match byte {
        0x80..=0x9F => match HIGH[usize::from(byte - 0x80)] {
            0 => None,
            code => char::from_u32(u32::from(code)),
        },
        _ => Some(char::from(byte)),
    }
}

/// ISO-8859-1 maps each byte to the code point of the same value, which in
/// UTF-8 is one byte below 0x80 and two bytes above.
fn latin1_to_utf8(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&b| b >= 0x80) {
        out.extend_from_slice(&rest[..at]);
        let b = rest[at];
        out.extend_from_slice(&[0xC0 | (b >> 6), 0x80 | (b & 0x3F)]);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    // Always valid: every byte was mapped to a whole character above.
    String::from_utf8(out).unwrap_or_default()
}

/// Offset of the first multi-byte UTF-8 sequence, when the whole input is
/// valid UTF-8 and has one: the sign of UTF-8 written under a Latin-1 label.
/// ASCII is valid UTF-8, so only the span from the first to the last
/// non-ASCII byte needs checking.
fn utf8_multibyte_start(bytes: &[u8]) -> Option<usize> {
    let first = bytes.iter().position(|b| !b.is_ascii())?;
    let last = bytes.iter().rposition(|b| !b.is_ascii())?;
    std::str::from_utf8(&bytes[first..=last])
        .ok()
        .map(|_| first)
}

/// XML 1.0 section 2.11: `\r\n` and lone `\r` become `\n` before parsing.
fn normalise_line_ends(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> Result<Decoded, ReadError> {
        decode(bytes, &Limits::default())
    }

    #[test]
    fn latin1_bytes_become_utf8() {
        let decoded =
            run(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Pe\xf1a</a>").unwrap();
        assert!(decoded.text.ends_with("<a>Peña</a>"));
        assert_eq!(decoded.declared, DeclaredEncoding::Latin1);
        assert!(decoded.notes.is_empty());
    }

    #[test]
    fn utf8_under_a_latin1_label_is_noted_and_read_as_declared() {
        let bytes = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Peña</a>".as_bytes();
        let decoded = run(bytes).unwrap();
        assert_eq!(decoded.notes.len(), 1);
        assert!(
            matches!(decoded.notes[0], EncodingNote::Utf8UnderLatin1 { offset } if offset > 40)
        );
        assert!(decoded.text.contains("PeÃ±a"));
    }

    #[test]
    fn latin1_bytes_under_a_utf8_label_are_refused() {
        let error = run(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>Pe\xf1a</a>").unwrap_err();
        assert!(matches!(
            error,
            ReadError::InvalidEncoding {
                declared: "UTF-8",
                ..
            }
        ));
        let error = run(b"<a>Pe\xf1a</a>").unwrap_err();
        assert!(matches!(error, ReadError::InvalidEncoding { .. }));
    }

    #[test]
    fn other_encodings_and_empty_input_are_refused() {
        let error = run(b"<?xml version='1.0' encoding='Shift_JIS'?><a/>").unwrap_err();
        assert_eq!(error, ReadError::UnsupportedEncoding("Shift_JIS".into()));
        assert_eq!(run(b"  \n").unwrap_err(), ReadError::Empty);
        assert!(matches!(
            run(&[0xFF, 0xFE, b'<', 0]),
            Err(ReadError::UnsupportedEncoding(_))
        ));
    }

    #[test]
    fn windows_1252_maps_its_own_characters() {
        let decoded =
            run(b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x80 \xf1</a>").unwrap();
        assert!(decoded.text.ends_with("<a>\u{20AC} \u{F1}</a>"));
        let error =
            run(b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x81</a>").unwrap_err();
        assert!(matches!(
            error,
            ReadError::InvalidEncoding {
                declared: "windows-1252",
                ..
            }
        ));
    }

    #[test]
    fn size_is_capped_before_anything_else() {
        let limits = Limits {
            max_bytes: 4,
            ..Limits::default()
        };
        assert!(matches!(
            decode(b"<a></a>", &limits),
            Err(ReadError::TooLarge { size: 7, .. })
        ));
    }

    #[test]
    fn line_ends_are_normalised_and_bom_noted() {
        let decoded = run(b"\xEF\xBB\xBF<a>\r\nx\ry</a>").unwrap();
        assert_eq!(decoded.text, "<a>\nx\ny</a>");
        assert_eq!(decoded.notes, [EncodingNote::ByteOrderMark]);
    }
}
