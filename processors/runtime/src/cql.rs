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

/// The keyspace the CQL files of `schemas/cql/` create.
pub const DEFAULT_KEYSPACE: &str = "veredicto";

/// Why the schema could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: statement {index} failed: {source}")]
    Statement {
        path: String,
        index: usize,
        #[source]
        source: Box<scylla::errors::ExecutionError>,
    },
}

/// The statements of a CQL file, without comments, with the keyspace
/// renamed from [`DEFAULT_KEYSPACE`] to `keyspace`.
pub fn statements(cql: &str, keyspace: &str) -> Vec<String> {
    let text: String = cql
        .lines()
        .map(|line| line.split_once("--").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n");
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.replace(
                &format!("EXISTS {DEFAULT_KEYSPACE}\n"),
                &format!("EXISTS {keyspace}\n"),
            )
            .replace(&format!("{DEFAULT_KEYSPACE}."), &format!("{keyspace}."))
        })
        .collect()
}

/// Runs every `.cql` file of `dir` in name order; returns the files applied.
/// The statements are idempotent, so applying twice changes nothing.
///
/// # Errors
///
/// When a file cannot be read or a statement fails.
pub async fn apply(
    session: &Session,
    dir: &std::path::Path,
    keyspace: &str,
) -> Result<Vec<String>, ApplyError> {
    let read = |path: &std::path::Path, source| ApplyError::Read {
        path: path.display().to_string(),
        source,
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| read(dir, e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "cql"))
        .collect();
    files.sort();
    let mut applied = Vec::new();
    for path in files {
        let cql = std::fs::read_to_string(&path).map_err(|e| read(&path, e))?;
        for (index, statement) in statements(&cql, keyspace).into_iter().enumerate() {
            session
                .query_unpaged(statement, ())
                .await
                .map_err(|source| ApplyError::Statement {
                    path: path.display().to_string(),
                    index: index + 1,
                    source: Box::new(source),
                })?;
        }
        applied.push(path.display().to_string());
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_drop_comments_and_rename_the_keyspace() {
        let cql = "-- a comment\nCREATE KEYSPACE IF NOT EXISTS veredicto\n  WITH x;\n\
                   CREATE TABLE IF NOT EXISTS veredicto.t (a int PRIMARY KEY); -- end\n";
        assert_eq!(
            statements(cql, "it_1"),
            vec![
                "CREATE KEYSPACE IF NOT EXISTS it_1\n  WITH x".to_owned(),
                "CREATE TABLE IF NOT EXISTS it_1.t (a int PRIMARY KEY)".to_owned(),
            ]
        );
    }
}
