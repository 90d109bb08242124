//! The whole check (schema, rules, signatures) on arbitrary bytes. Seed the
//! corpus with real DTEs so the fuzzer starts from documents that go deep:
//! `cargo +nightly fuzz run check fuzz/corpus/check ../shared/corpus/real/dte`.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use veredicto_schema::Generation;
use veredicto_validator::Validator;

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schemas = veredicto_schema::default_schema_dir();
        let newest = veredicto_schema::newest_generation(&schemas)
            .expect("run `make schemas` before fuzzing the check");
        Validator::new(Generation::load(&newest).expect("the SII schemas compile"))
    })
}

fuzz_target!(|data: &[u8]| {
    let verdicts = validator().check(data, "fuzz");
    assert!(!verdicts.is_empty(), "every input gets at least one verdict");
});
