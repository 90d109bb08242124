//! The reader on arbitrary bytes: it must answer with a tree or an error,
//! never panic, hang or grow without bound.

#![no_main]

use libfuzzer_sys::fuzz_target;
use veredicto_xml::Limits;

fuzz_target!(|data: &[u8]| {
    if let Ok((document, _)) = veredicto_xml::parse(data, &Limits::default()) {
        // Walk everything the tree offers, as the checks do.
        for element in document.root().descendants() {
            let _ = element.text();
            let _ = element.position();
            for attribute in element.attributes() {
                let _ = (attribute.namespace(), attribute.value());
            }
        }
    }
});
