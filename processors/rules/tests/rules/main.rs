//! The rule catalogue checked on small documents built by [`fixtures`], one
//! module per rule family, plus the real samples and property tests.

// Helpers outside `#[test]` functions unwrap too: there a failed unwrap is a
// failed test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod amounts;
mod catalogue;
mod corpus;
mod envelope;
mod fixtures;
mod identity;
mod limits;
mod properties;
mod references;
mod rut;
mod transport;
