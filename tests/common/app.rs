//! The service's router in process, on a given store, under the shipped rule set.

use baomi::http::{router, AppState, Limits};
use baomi::service::Service;
use baomi::store::DecisionStore;
use std::sync::Arc;

pub fn app(store: Arc<dyn DecisionStore>) -> axum::Router {
    let rules = Arc::new(baomi::rules::default_ruleset(baomi::today()));
    router(AppState {
        service: Arc::new(Service::new(store, rules)),
        limits: Limits::default(),
        time_zone: baomi::http::DEFAULT_TIME_ZONE.into(),
    })
}
