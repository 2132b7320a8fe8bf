//! The OpenAPI document covers exactly the routes the router serves.

use std::collections::BTreeSet;

use offload_http::{Access, routes};

use crate::fixture::{Fixture, Setup};

#[tokio::test]
async fn every_route_is_in_the_document_and_nothing_else() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let doc = fx.call("GET", "/v1/openapi.json", None).await.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();

    let served: BTreeSet<(String, String)> = routes()
        .iter()
        .map(|r| (r.path.to_owned(), r.verb.as_str().to_owned()))
        .collect();
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let verbs = item.as_object().unwrap().keys().filter(|k| is_verb(k));
            verbs.map(move |v| (path.clone(), v.clone()))
        })
        .collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(
        extra.is_empty(),
        "documented routes the router does not serve: {extra:?}"
    );
}

fn is_verb(key: &str) -> bool {
    matches!(
        key,
        "get" | "post" | "put" | "delete" | "patch" | "head" | "options"
    )
}

#[tokio::test]
async fn only_public_routes_are_documented_without_security() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let doc = fx.call("GET", "/v1/openapi.json", None).await.json();
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    for route in routes() {
        let op = &doc["paths"][route.path][route.verb.as_str()];
        let open = op["security"]
            .as_array()
            .is_some_and(|s| s.iter().all(|r| r == &serde_json::json!({})));
        assert_eq!(
            open,
            route.access == Access::Public,
            "{} {}",
            route.verb.as_str(),
            route.path
        );
    }
}

#[tokio::test]
async fn every_route_in_the_table_is_served() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    for route in routes() {
        let path = route
            .path
            .replace("{id}", "1")
            .replace("{stream}", "stdout")
            .replace("{name}", "q")
            .replace("/wait", "/wait?timeout=0");
        let method = route.verb.as_str().to_uppercase();
        let reply = fx.call(&method, &path, None).await;
        let code = serde_json::from_slice::<serde_json::Value>(&reply.bytes)
            .map(|v| v["code"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        assert!(
            code != "no_route" && code != "method_not_allowed",
            "{method} {path} is not served: {}",
            reply.status
        );
    }
}
