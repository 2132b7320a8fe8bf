//! Listing jobs: filters and cursor pagination.

use std::collections::BTreeSet;

use offload_core::{JobId, StateName};

use super::support::*;
use crate::{JobFilter, Store};

fn labelled(word: &str, queue: &str, team: &str) -> offload_core::JobSpec {
    let mut spec = in_queue(word, queue);
    spec.labels.insert("team".into(), team.into());
    spec
}

async fn listed<S: Store>(store: &S, filter: JobFilter) -> Vec<JobId> {
    let page = store.job_list(&filter).await.unwrap();
    page.jobs.into_iter().map(|j| j.id).collect()
}

/// States, queue and label filters each narrow the listing, and combine.
pub async fn filters_by_state_queue_and_label<S: Store>(store: &S) {
    let specs = vec![
        labelled("a", "q1", "red"),
        labelled("b", "q1", "blue"),
        labelled("c", "q2", "red"),
        in_queue("d", "q2"),
    ];
    let ids = insert_at(store, specs, T0).await;
    store.job_cancel(ids[2], at(1)).await.unwrap();
    let all = listed(store, JobFilter::default()).await;
    assert_eq!(all, vec![ids[3], ids[2], ids[1], ids[0]], "newest first");
    let queued = JobFilter {
        states: vec![StateName::Queued],
        ..JobFilter::default()
    };
    assert_eq!(listed(store, queued).await, vec![ids[3], ids[1], ids[0]]);
    let two_states = JobFilter {
        states: vec![StateName::Cancelled, StateName::Running],
        ..JobFilter::default()
    };
    assert_eq!(listed(store, two_states).await, vec![ids[2]]);
    let q2 = JobFilter {
        queue: Some(queue_name("q2")),
        ..JobFilter::default()
    };
    assert_eq!(listed(store, q2).await, vec![ids[3], ids[2]]);
    let red = JobFilter {
        label: Some(("team".into(), "red".into())),
        ..JobFilter::default()
    };
    assert_eq!(listed(store, red.clone()).await, vec![ids[2], ids[0]]);
    let red_q1 = JobFilter {
        queue: Some(queue_name("q1")),
        ..red
    };
    assert_eq!(listed(store, red_q1).await, vec![ids[0]]);
    let none = JobFilter {
        label: Some(("team".into(), "green".into())),
        ..JobFilter::default()
    };
    assert!(listed(store, none).await.is_empty());
}

/// Following `next` cursors visits every matching job exactly once, in order.
pub async fn pagination_is_complete_and_disjoint<S: Store>(store: &S) {
    let specs = (0..23).map(|i| spec(&i.to_string())).collect();
    let mut ids = insert_at(store, specs, T0).await;
    ids.reverse();
    let mut seen = Vec::new();
    let mut filter = JobFilter {
        limit: 5,
        ..JobFilter::default()
    };
    let mut pages = 0;
    loop {
        let page = store.job_list(&filter).await.unwrap();
        assert!(page.jobs.len() <= 5);
        seen.extend(page.jobs.iter().map(|j| j.id));
        pages += 1;
        assert!(pages <= 10, "pagination must end");
        match page.next {
            Some(cursor) => filter.before = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 23);
}
