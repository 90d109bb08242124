//! The parts of veredicto that talk to the outside world.
//!
//! - [`kafka`]: client settings shared by every consumer, producer and admin
//!   client, with the partitioner fixed so all producers agree on key placement.
//! - [`topics`]: creating the declared topics on a broker and describing what a
//!   broker has.
//! - [`processor`]: the transactional consume-transform-produce loop.
//! - [`cql`]: sessions on the CQL database (ScyllaDB, or Cassandra in
//!   development), and applying the CQL files of `schemas/cql/`.
//! - [`metrics`]: Prometheus metrics and the health endpoints.
//!
//! The pure libraries (parsing, validation, scoring) know nothing of this crate.

pub mod cql;
pub mod kafka;
pub mod metrics;
pub mod processor;
pub mod topics;
