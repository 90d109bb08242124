//! `veredicto forge` as a user runs it, and `veredicto check` on what it
//! writes: the forged corpus is accepted where its labels say "none" and
//! flagged where they name a defect.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn veredicto() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_veredicto"));
    command.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    command
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("veredicto-cli-forge")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_forged_corpus_is_judged_as_labelled() {
    let out = scratch("judged");
    let output = veredicto()
        .args(["forge", "--seed", "3", "--count", "60", "--envelopes", "4"])
        .args(["--defect-rate", "0.2", "--lines", "1..30", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = String::from_utf8(output.stdout).unwrap();
    assert!(summary.starts_with("forged 60 DTEs ("), "{summary}");
    assert_eq!(summary.lines().count(), 1);
    assert!(out.join("trust/100.cer").is_file());

    let labels = std::fs::read_to_string(out.join("labels.csv")).unwrap();
    let labels: HashMap<(String, u64), String> = labels
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let file = out.join(cells[0]).display().to_string();
            ((file, cells[1].parse().unwrap()), cells[5].to_owned())
        })
        .collect();
    assert_eq!(labels.len(), 60);

    let output = veredicto()
        .args(["check", "--format", "json", "--trust"])
        .arg(out.join("trust"))
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut judged = 0;
    for line in stdout.lines() {
        let verdict: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = verdict["source"]["file"].as_str().unwrap().to_owned();
        let index = verdict["source"]["index"].as_u64().unwrap();
        let label = &labels[&(file.clone(), index)];
        let status = verdict["status"].as_str().unwrap();
        let findings = verdict["findings"].as_array().unwrap();
        if label == "none" {
            assert_eq!(status, "accepted", "{file}#{index}: {findings:?}");
            assert!(findings.is_empty(), "{file}#{index}: {findings:?}");
        } else {
            assert_ne!(status, "accepted", "{file}#{index} labelled {label}");
        }
        judged += 1;
    }
    assert_eq!(judged, 60);
}

#[test]
fn bad_flags_are_refused_with_a_reason() {
    let out = scratch("refused");
    for (flag, value, expected) in [
        ("--types", "33,99", "not a DTE type"),
        ("--defects", "wrong-iva,nonsense", "not a defect kind"),
        ("--lines", "0..70", "lines must be MIN..MAX"),
    ] {
        let output = veredicto()
            .args(["forge", flag, value, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{flag} {value}: {stderr}");
    }
}
