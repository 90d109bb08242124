#![allow(clippy::unwrap_used)]

//! Tests against the real services of `make up`: an Apache Kafka broker and a
//! CQL database. Endpoints come from `VEREDICTO_KAFKA_BOOTSTRAP` and
//! `VEREDICTO_CQL`, with the local stack's loopback addresses as defaults.
//! Every test uses topics, groups and keyspaces of its own.

mod cql;
mod crash;
mod kafka;
mod pipeline;
mod streaming;
mod topics;
mod util;
mod validator;
