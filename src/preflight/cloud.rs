//! The calls the checks make, as a trait (so that their logic is tested against an
//! in-memory fake), and what a failed call means: the cloud's verdict on the step, a check
//! this endpoint does not offer, or a check that could not run.

use std::future::Future;

use crate::api::ops::{ClusterCheck, GrowCheck, ShrinkCheckItem};
use crate::api::wire::{NodeType, QuotaResource};
use crate::api::{ApiError, Client};

/// The side-effect-free calls of the checks before apply. A read-only client may make every
/// one of them ([`crate::api::error::Call::is_mutating`]).
pub trait Checks {
    /// `GET /v1.0/{project_id}/quotas`.
    fn quotas(&self) -> impl Future<Output = Result<Vec<QuotaResource>, ApiError>>;
    /// `GET /v2/{project_id}/node-types` (`cluster_management/querying_flavor_information.rst`).
    fn node_types(&self) -> impl Future<Output = Result<Vec<NodeType>, ApiError>>;
    /// `POST /v2/{project_id}/cluster-precheck`
    /// (`cluster_management/performing_a_check_before_cluster_creation.rst`).
    fn precheck(&self, cluster: &ClusterCheck) -> impl Future<Output = Result<(), ApiError>>;
    /// `POST /v2/{project_id}/clusters/{cluster_id}/grow-check`
    /// (`node_change/performing_a_scale-out_check.rst`).
    fn grow_check(&self, id: &str, count: u32)
        -> impl Future<Output = Result<GrowCheck, ApiError>>;
    /// `GET /v1/{project_id}/clusters/{cluster_id}/shrink-check`
    /// (`node_change/performing_a_scale-in_check.rst`): whether the item passes.
    fn shrink_check(
        &self,
        id: &str,
        item: ShrinkCheckItem,
        count: u32,
    ) -> impl Future<Output = Result<bool, ApiError>>;
}

impl Checks for Client {
    async fn quotas(&self) -> Result<Vec<QuotaResource>, ApiError> {
        Client::quotas(self).await
    }

    async fn node_types(&self) -> Result<Vec<NodeType>, ApiError> {
        self.node_types_v2().await
    }

    async fn precheck(&self, cluster: &ClusterCheck) -> Result<(), ApiError> {
        self.precheck_cluster(cluster).await
    }

    async fn grow_check(&self, id: &str, count: u32) -> Result<GrowCheck, ApiError> {
        Client::grow_check(self, id, count).await
    }

    async fn shrink_check(
        &self,
        id: &str,
        item: ShrinkCheckItem,
        count: u32,
    ) -> Result<bool, ApiError> {
        Client::shrink_check(self, id, item, count).await
    }
}

/// What a failed check call means.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The cloud refused the request as it would refuse the operation (a 4xx about the
    /// request: 400, 409, 412, 422, or a 404 with a DWS code such as an unknown subnet):
    /// `reason` is its code and message, escaped, as one line.
    Refused {
        code: Option<String>,
        reason: String,
    },
    /// The endpoint has no such route (404 without a code, or the gateway's `APIGW.*` 404):
    /// some clouds do not offer every check (the quota listing is not in the OTC reference).
    NotOffered,
    /// Anything else (unreachable, timeouts, 5xx, 401, 403, 429, an undecodable answer): the
    /// check did not run, and nothing is known about the step.
    CouldNotRun,
}

/// The longest cloud reason a blocked step quotes (a reason is one sentence or two).
const REASON_MAX: usize = 400;

pub fn classify(err: &ApiError) -> Failure {
    let ApiError::Status {
        status,
        code,
        message,
        ..
    } = err
    else {
        return Failure::CouldNotRun;
    };
    let gateway = code.as_deref().is_some_and(|c| c.starts_with("APIGW"));
    match *status {
        404 if code.is_none() || gateway => Failure::NotOffered,
        400 | 404 | 409 | 412 | 422 => {
            let text = match (code, message) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.clone(),
                (None, Some(message)) => message.clone(),
                (None, None) => format!("HTTP {status}"),
            };
            Failure::Refused {
                code: code.clone(),
                reason: quote(&text),
            }
        }
        _ => Failure::CouldNotRun,
    }
}

/// A reason from the cloud as a plan quotes it: one line, every unsafe character escaped,
/// at most [`REASON_MAX`] characters.
pub fn quote(text: &str) -> String {
    let escaped = crate::term::escape(text.trim());
    if escaped.chars().count() <= REASON_MAX {
        return escaped.into_owned();
    }
    let mut cut: String = escaped.chars().take(REASON_MAX).collect();
    cut.push('…');
    cut
}
