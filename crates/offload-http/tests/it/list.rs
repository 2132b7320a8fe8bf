//! Listing jobs with filters and pages.

use std::collections::BTreeSet;

use serde_json::json;

use crate::fixture::{Fixture, Setup};

/// Five queued jobs: three in queue `a` labelled team=x, two in `b`.
async fn five_jobs(fx: &Fixture) -> Vec<i64> {
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            fx.submit(json!({"command": ["true"], "queue": "a", "labels": {"team": "x"}}))
                .await,
        );
    }
    for _ in 0..2 {
        ids.push(fx.submit(json!({"command": ["true"], "queue": "b"})).await);
    }
    ids
}

fn ids_of(page: &serde_json::Value) -> Vec<i64> {
    page["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn filters_select_by_queue_label_and_state() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let ids = five_jobs(&fx).await;
    let list = |q: &'static str| {
        let fx = &fx;
        async move { ids_of(&fx.call("GET", &format!("/v1/jobs?{q}"), None).await.json()) }
    };
    assert_eq!(list("queue=a").await, vec![ids[2], ids[1], ids[0]]);
    assert_eq!(list("label=team=x").await, vec![ids[2], ids[1], ids[0]]);
    assert_eq!(list("state=queued").await.len(), 5);
    assert_eq!(list("state=failed,cancelled").await, Vec::<i64>::new());
    assert_eq!(list("queue=b&state=queued").await, vec![ids[4], ids[3]]);
}

#[tokio::test]
async fn pages_are_newest_first_and_cover_every_job_once() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let ids = five_jobs(&fx).await;
    let mut seen = Vec::new();
    let mut path = "/v1/jobs?limit=2".to_owned();
    loop {
        let page = fx.call("GET", &path, None).await.json();
        let page_ids = ids_of(&page);
        assert!(page_ids.len() <= 2);
        assert!(
            page_ids.windows(2).all(|w| w[0] > w[1]),
            "not newest first: {page_ids:?}"
        );
        seen.extend(page_ids);
        match page["next"].as_i64() {
            Some(next) => path = format!("/v1/jobs?limit=2&before={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), ids.len(), "{seen:?}");
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>(),
        ids.iter().collect::<BTreeSet<_>>()
    );
}
