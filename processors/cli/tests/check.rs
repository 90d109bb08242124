//! `veredicto check` as a user runs it: output formats and exit status.

#![allow(clippy::unwrap_used)]

use std::io::Write;

use std::path::Path;
use std::process::{Command, Stdio};
use veredicto_testkit::corpus;

fn veredicto() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_veredicto"));
    command.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    command
}

#[test]
fn an_accepted_document_exits_zero_with_one_json_line() {
    let file = corpus().join("real/dte/DTE--76354771-K--33--170--cleaned.xml");
    let output = veredicto()
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1);
    let verdict: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(verdict["status"], "accepted");
    assert_eq!(verdict["document"]["folio"], "170");
}

#[test]
fn a_folder_is_walked_in_order_and_any_rejection_exits_one() {
    let output = veredicto()
        .args(["check", "--format", "json"])
        .arg(corpus().join("attacks"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let files: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| v["source"]["file"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert_eq!(files.len(), 4);
}

#[test]
fn standard_input_and_usage_errors() {
    let mut child = veredicto()
        .args(["check", "--format", "table", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"not xml at all")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("XML-MALFORMED"), "{table}");
    assert!(table.contains("1 documents: 0 accepted"), "{table}");

    let missing = veredicto()
        .args(["check", "/no/such/file.xml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let no_args = veredicto().arg("check").output().unwrap();
    assert_eq!(no_args.status.code(), Some(2));
}
