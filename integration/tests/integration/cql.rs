//! The CQL database keeps the newest write by timestamp, which is what lets
//! verdict upserts use the revision as their write timestamp.

use std::time::Duration;

use scylla::client::session::Session;

use crate::util::{cql_contact_points, unique};

async fn session() -> Session {
    veredicto_runtime::cql::connect(&cql_contact_points(), Duration::from_secs(10))
        .await
        .unwrap()
}

async fn revision_of(session: &Session, table: &str, id: &str) -> (i32, String) {
    let result = session
        .query_unpaged(
            format!("SELECT revision, status FROM {table} WHERE id = ?"),
            (id,),
        )
        .await
        .unwrap()
        .into_rows_result()
        .unwrap();
    result.single_row::<(i32, String)>().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_write_timestamp_never_overwrites_a_newer_one() {
    let session = session().await;
    let keyspace = unique("it_ks").to_lowercase();
    session
        .query_unpaged(
            format!(
                "CREATE KEYSPACE {keyspace} WITH replication = \
                 {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
            ),
            (),
        )
        .await
        .unwrap();
    let table = format!("{keyspace}.verdicts");
    session
        .query_unpaged(
            format!("CREATE TABLE {table} (id text PRIMARY KEY, revision int, status text)"),
            (),
        )
        .await
        .unwrap();
    let upsert = session
        .prepare(format!(
            "INSERT INTO {table} (id, revision, status) VALUES (?, ?, ?) USING TIMESTAMP ?"
        ))
        .await
        .unwrap();
    let id = "76354771-K/33/170";

    session
        .execute_unpaged(&upsert, (id, 2, "rejected", 2_i64))
        .await
        .unwrap();
    assert_eq!(
        revision_of(&session, &table, id).await,
        (2, "rejected".into())
    );

    // A replay delivers revision 1 late: it loses.
    session
        .execute_unpaged(&upsert, (id, 1, "accepted", 1_i64))
        .await
        .unwrap();
    assert_eq!(
        revision_of(&session, &table, id).await,
        (2, "rejected".into())
    );

    // Revision 3 wins, and writing it twice changes nothing.
    for _ in 0..2 {
        session
            .execute_unpaged(&upsert, (id, 3, "accepted", 3_i64))
            .await
            .unwrap();
    }
    assert_eq!(
        revision_of(&session, &table, id).await,
        (3, "accepted".into())
    );

    session
        .query_unpaged(format!("DROP KEYSPACE {keyspace}"), ())
        .await
        .unwrap();
}
