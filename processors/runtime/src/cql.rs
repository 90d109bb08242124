//! Sessions on the CQL database.
//!
//! Production runs ScyllaDB; development and CI run Apache Cassandra, which
//! speaks the same protocol to the same driver. Nothing here uses a feature
//! only one of them has.

use std::time::Duration;

use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;

/// The node the local stack (`make up`) listens on.
pub const DEFAULT_CONTACT_POINT: &str = "127.0.0.1:9042";

/// Why a session could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the CQL database at {contact_points}: {source}")]
pub struct ConnectError {
    contact_points: String,
    #[source]
    source: scylla::errors::NewSessionError,
}

/// Opens a session on the given `host:port` contact points (comma-separated).
///
/// # Errors
///
/// When no contact point answers within the timeout.
pub async fn connect(contact_points: &str, timeout: Duration) -> Result<Session, ConnectError> {
    let mut builder = SessionBuilder::new().connection_timeout(timeout);
    for point in contact_points
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        builder = builder.known_node(point);
    }
    builder.build().await.map_err(|source| ConnectError {
        contact_points: contact_points.to_owned(),
        source,
    })
}
