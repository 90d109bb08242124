//! A seed gives the same bytes: keys, parties, documents, signatures,
//! defects, file names and labels.

use std::collections::BTreeMap;
use std::path::Path;

use veredicto_forge::{Forge, ForgeConfig, corpus};

use crate::support::scratch;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.insert(name, std::fs::read(&path).unwrap());
        }
    }
    out.insert(
        "trust/100.cer".to_owned(),
        std::fs::read(dir.join("trust/100.cer")).unwrap(),
    );
    out
}

fn config(seed: u64) -> ForgeConfig {
    ForgeConfig {
        seed,
        per_envelope: 4,
        defect_rate: 0.2,
        issuers: 3,
        ..ForgeConfig::default()
    }
}

/// Two runs with the same seed and configuration write identical folders,
/// signatures and all.
#[test]
fn the_same_seed_writes_the_same_bytes() {
    let a = scratch("same-seed-a");
    let b = scratch("same-seed-b");
    corpus::write(&a, config(99), 80).unwrap();
    corpus::write(&b, config(99), 80).unwrap();
    let (a, b) = (files(&a), files(&b));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "{name} differs between two runs of one seed"
        );
    }
}

/// Another seed gives other keys and other documents.
#[test]
fn another_seed_writes_other_documents() {
    let a = scratch("other-seed-a");
    let b = scratch("other-seed-b");
    corpus::write(&a, config(1), 20).unwrap();
    corpus::write(&b, config(2), 20).unwrap();
    let (a, b) = (files(&a), files(&b));
    assert_ne!(a["trust/100.cer"], b["trust/100.cer"]);
    assert_ne!(a["labels.csv"], b["labels.csv"]);
}

/// A longer run begins with the files of a shorter one: what is forged does
/// not depend on how much will be.
#[test]
fn a_longer_run_extends_a_shorter_one() {
    let config = ForgeConfig {
        seed: 5,
        defect_rate: 0.3,
        ..ForgeConfig::default()
    };
    let mut short = Forge::new(config.clone()).unwrap();
    let mut long = Forge::new(config).unwrap();
    let mut shorter = Vec::new();
    while let Some(file) = short.next_file(15).unwrap() {
        shorter.push(file);
    }
    for file in shorter {
        let other = long.next_file(40).unwrap().unwrap();
        assert_eq!(file.name, other.name);
        assert!(file.bytes == other.bytes, "{}", file.name);
    }
}
