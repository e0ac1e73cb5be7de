//! The chain against a thief with write access to the database: what the keyed links catch
//! on their own, and what only anchors kept outside the database catch.

use sqlx::Executor;

use super::{Anchor, AnchorMismatch, AuditEvent, ChainBreak, ChainKey, GENESIS};
use crate::store::{Store, StoreError};

async fn keyed_store(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("hub.db").display());
    Store::connect(&url)
        .await
        .unwrap()
        .with_audit_key(ChainKey::from_bytes(&[0x42; 32]))
}

async fn append(store: &Store, n: usize) {
    let events = (0..n)
        .map(|i| {
            AuditEvent::new("authority:383", "candidates.list", &format!("page-{i}"))
                .with_parties(&["S12000049"])
        })
        .collect();
    store.audit_all(events).await.unwrap();
}

/// Runs `sql` as a thief would, with the append-only triggers out of the way.
async fn tamper(store: &Store, sql: &str) {
    store
        .pool
        .execute("drop trigger if exists audit_events_no_update; drop trigger if exists audit_events_no_delete;")
        .await
        .unwrap();
    store.pool.execute(sql).await.unwrap();
}

#[tokio::test]
async fn a_store_without_the_chain_key_refuses_to_audit() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("hub.db").display());
    let store = Store::connect(&url).await.unwrap();
    let refused = store
        .audit(AuditEvent::new("admin", "key.issue", "1"))
        .await;
    assert!(
        matches!(refused, Err(StoreError::NoAuditKey)),
        "{refused:?}"
    );
    assert_eq!(store.count_rows("audit_events").await.unwrap(), 0);
}

#[tokio::test]
async fn truncating_the_last_100_events_is_caught_only_against_an_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let store = keyed_store(&dir).await;
    append(&store, 120).await;
    let head = store.audit_chain_head().await.unwrap();
    assert_eq!(head.n_events, 120);
    let anchor = Anchor {
        n_events: head.n_events,
        head: head.head.clone(),
    };
    assert!(store
        .verify_audit_chain_with(std::slice::from_ref(&anchor))
        .await
        .unwrap()
        .intact());

    tamper(
        &store,
        "delete from audit_parties where event_id > 20; delete from audit_events where id > 20",
    )
    .await;
    assert!(
        store.verify_audit_chain().await.unwrap().intact(),
        "links alone hold"
    );
    let report = store
        .verify_audit_chain_with(std::slice::from_ref(&anchor))
        .await
        .unwrap();
    assert!(!report.intact());
    assert_eq!(
        report.anchor_mismatches,
        vec![AnchorMismatch::Shorter {
            anchor,
            n_events: 20
        }]
    );
}

#[tokio::test]
async fn a_chain_rewritten_from_an_anchor_on_disagrees_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = keyed_store(&dir).await;
    append(&store, 3).await;
    let head = store.audit_chain_head().await.unwrap();
    let anchor = Anchor {
        n_events: 3,
        head: head.head,
    };
    let empty = Anchor {
        n_events: 0,
        head: GENESIS.to_string(),
    };
    tamper(
        &store,
        &format!(
            "update audit_events set hash = '{}' where id = 3",
            "cd".repeat(32)
        ),
    )
    .await;
    let report = store
        .verify_audit_chain_with(&[empty, anchor])
        .await
        .unwrap();
    assert_eq!(report.first_broken, Some(3));
    assert!(matches!(
        report.anchor_mismatches.as_slice(),
        [AnchorMismatch::Differs { id: 3, .. }]
    ));
}

#[tokio::test]
async fn changing_an_events_parties_breaks_its_link() {
    let dir = tempfile::tempdir().unwrap();
    let store = keyed_store(&dir).await;
    append(&store, 3).await;
    tamper(
        &store,
        "delete from audit_parties where event_id = 2 and authority_code = 'S12000049'",
    )
    .await;
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(
        (report.first_broken, report.why),
        (Some(2), Some(ChainBreak::Link))
    );
}

#[tokio::test]
async fn legacy_links_verify_only_before_the_first_keyed_link() {
    let dir = tempfile::tempdir().unwrap();
    let store = keyed_store(&dir).await;
    append(&store, 4).await;
    // Events 1 and 2 as a database from before keyed links holds them.
    let rows: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "select id, at, actor, action, subject, detail from audit_events order by id",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    let legacy = |prev: &str, row: &(i64, String, String, String, String, String)| {
        super::link::legacy_link(
            prev,
            &super::link::LinkInput {
                at: &row.1,
                actor: &row.2,
                action: &row.3,
                subject: &row.4,
                detail: &row.5,
                parties: &[],
            },
        )
    };
    let first = legacy(GENESIS, &rows[0]);
    let second = legacy(&first, &rows[1]);
    let sql = format!(
        "update audit_events set hash = '{first}', scheme = 1 where id = 1; \
         update audit_events set prev_hash = '{first}', hash = '{second}', scheme = 1 where id = 2;"
    );
    tamper(&store, &sql).await;
    // Event 3's keyed link was made after event 2's old link: re-link the rest as the hub would.
    tamper(
        &store,
        "delete from audit_parties where event_id > 2; delete from audit_events where id > 2",
    )
    .await;
    append(&store, 2).await;
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!((report.n_events, report.n_legacy), (4, 2));

    // A keyed event passed off as legacy after keyed ones is refused whatever its link.
    tamper(
        &store,
        "update audit_events set scheme = 1 where id = (select max(id) from audit_events)",
    )
    .await;
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(report.why, Some(ChainBreak::LegacyAfterKeyed));
}
