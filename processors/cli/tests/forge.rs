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

/// Runs a command that must succeed; its standard output.
fn succeed(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `veredicto check` on a folder of a forged corpus or stream, as JSON.
fn check(trust: &Path, dir: &Path) -> Vec<serde_json::Value> {
    let output = veredicto()
        .args(["check", "--format", "json", "--trust"])
        .arg(trust)
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
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
    let summary = succeed(
        veredicto()
            .args(["forge", "--seed", "3", "--count", "60", "--envelopes", "4"])
            .args(["--defect-rate", "0.2", "--lines", "1..30", "--out"])
            .arg(&out),
    );
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

    let verdicts = check(&out.join("trust"), &out);
    let mut judged = 0;
    for verdict in &verdicts {
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

#[test]
fn a_stream_is_written_with_its_layout() {
    let out = scratch("stream");
    let summary = succeed(
        veredicto()
            .args(["forge", "--stream", "--seed", "3", "--issuers", "15"])
            .args([
                "--days",
                "14",
                "--warmup-days",
                "7",
                "--start",
                "2026-03-02",
                "--out",
            ])
            .arg(&out),
    );
    assert!(summary.starts_with("forged a stream of "), "{summary}");
    assert!(out.join("trust/100.cer").is_file());
    let report = std::fs::read_to_string(out.join("STREAM.md")).unwrap();
    assert!(report.contains("--seed 3 --issuers 15 --days 14 --warmup-days 7"));

    let labels = std::fs::read_to_string(out.join("labels.csv")).unwrap();
    let mut lines = labels.lines();
    assert_eq!(
        lines.next(),
        Some("seq,file,phase,arrival,rut_emisor,tipo_dte,folio,kind,held_out")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(!rows.is_empty());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], (i + 1).to_string());
        assert_eq!(row[1], format!("{}/{:08}.xml", row[2], i + 1));
        assert!(out.join(row[1]).is_file(), "{}", row[1]);
    }
    assert!(rows.iter().any(|r| r[2] == "warmup"));
    assert!(rows.iter().any(|r| r[2] == "test"));

    // The documents are accepted by `check`, but for a wrong IVA.
    let verdicts = check(&out.join("trust"), &out.join("test"));
    let kinds: HashMap<String, String> = rows
        .iter()
        .map(|r| (out.join(r[1]).display().to_string(), r[7].to_owned()))
        .collect();
    let mut judged = 0;
    for verdict in &verdicts {
        let file = verdict["source"]["file"].as_str().unwrap();
        let status = verdict["status"].as_str().unwrap();
        if kinds[file] == "iva_mismatch" {
            assert_eq!(status, "accepted_with_objections", "{file}");
        } else {
            assert_eq!(status, "accepted", "{file}: {}", verdict["findings"]);
        }
        judged += 1;
    }
    assert_eq!(judged, rows.iter().filter(|r| r[2] == "test").count());

    // A second stream into the same folder is refused.
    let output = veredicto()
        .args(["forge", "--stream", "--issuers", "3", "--days", "4"])
        .args(["--warmup-days", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already holds"));
}

#[test]
fn stream_flags_need_a_stream() {
    let out = scratch("stream-flags");
    let output = veredicto()
        .args(["forge", "--days", "30", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let output = veredicto()
        .args([
            "forge",
            "--stream",
            "--days",
            "10",
            "--warmup-days",
            "10",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("warm-up"));
}
