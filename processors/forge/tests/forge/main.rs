//! The forge's integration tests, one binary: what it writes is valid for
//! libxml2's `xmllint` and for the project's own checks, its signatures
//! verify, its defects are reported as labelled, and a seed gives the same
//! bytes.
#![allow(clippy::unwrap_used)]

mod corpus;
mod defects;
mod determinism;
mod realism;
mod schema;
mod signatures;
mod stream;
mod support;
mod verdicts;
