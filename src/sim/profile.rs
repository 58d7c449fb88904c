//! Which cloud the simulator plays: OTC (the default, as the vendor API reference documents
//! it) or Huawei Cloud, which answers differently in these places (README, "Profiles: OTC and
//! Huawei"; found in terraform-provider-huaweicloud and the Huawei SDK):
//!
//! - an unknown cluster is 401 DWS.0047, or 403 DWS.0015 on the detail GET, and one that
//!   existed and was deleted 404 DWS.3027; deleting an already deleted
//!   snapshot is 400 DWS.0001, reading an unknown one 400 DWS.5149;
//! - those not-found bodies are base64-encoded, as in the regions terraform-provider-huaweicloud
//!   PR #5226 describes ("when the cluster ID does not exist, the response body is in base64
//!   format"); the simulator does it everywhere, the stricter choice;
//! - the newer APIs (here: scale-in) answer a refusal as HTTP 200 with a non-`DWS.0000`
//!   `error_code` when the cluster is busy, and as HTTP 417 for other refusals
//!   (modifying_cluster_description.rst);
//! - `UNAVAILABLE` reads `FAILED` and `CREATION FAILED` reads `CREATE_FAILED` (the Huawei SDK's
//!   status list),
//!   a failed delete `DELETE_FAILED`;
//! - the create call ignores `tags` (TF-HW PR #2660).

use std::str::FromStr;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::reply::ApiErr;

/// The cloud the simulator answers as (`--profile`, `--sim-profile`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Open Telekom Cloud, as its API reference documents it.
    #[default]
    Otc,
    /// Huawei Cloud, where it differs (README, "Profiles: OTC and Huawei").
    Huawei,
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "otc" => Ok(Profile::Otc),
            "huawei" => Ok(Profile::Huawei),
            other => Err(format!(
                "unknown simulator profile {other:?}: use otc or huawei"
            )),
        }
    }
}

impl Profile {
    /// The name `--profile` takes.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Otc => "otc",
            Profile::Huawei => "huawei",
        }
    }
}

/// How a cluster lookup missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// No cluster ever had this id.
    Never,
    /// A cluster had it and was deleted.
    Deleted,
}

impl Profile {
    /// The cluster `status` as this cloud spells it.
    pub fn cluster_status(self, status: &str) -> &str {
        match (self, status) {
            (Profile::Huawei, "UNAVAILABLE") => "FAILED",
            (Profile::Huawei, "CREATION FAILED") => "CREATE_FAILED",
            _ => status,
        }
    }

    /// The status a cluster whose deletion failed shows: OTC has no such value and documents
    /// `UNAVAILABLE` for a faulty cluster; Huawei has `DELETE_FAILED`.
    pub fn delete_failed_status(self) -> &'static str {
        match self {
            Profile::Otc => "UNAVAILABLE",
            Profile::Huawei => "DELETE_FAILED",
        }
    }

    /// The answer for a well-formed cluster id that names no cluster; `detail` is the GET of
    /// one cluster.
    pub fn cluster_not_found(self, missing: Missing, detail: bool) -> ApiErr {
        const GONE: &str = "Cluster does not exist or has been deleted.";
        match (self, missing, detail) {
            (Profile::Otc, _, _) => ApiErr::dws(StatusCode::NOT_FOUND, "DWS.0047", GONE),
            (Profile::Huawei, Missing::Deleted, _) => ApiErr::dws(
                StatusCode::NOT_FOUND,
                "DWS.3027",
                "The cluster has been deleted.",
            )
            .base64(),
            (Profile::Huawei, Missing::Never, true) => ApiErr::dws(
                StatusCode::FORBIDDEN,
                "DWS.0015",
                "Resource not found or permission denied.",
            )
            .base64(),
            (Profile::Huawei, Missing::Never, false) => {
                ApiErr::dws(StatusCode::UNAUTHORIZED, "DWS.0047", GONE).base64()
            }
        }
    }

    /// The answer for a well-formed snapshot id that names no snapshot; `delete` is the
    /// DELETE of one.
    pub fn snapshot_not_found(self, delete: bool) -> ApiErr {
        const INVALID: &str =
            "The snapshot ID is invalid. The snapshot does not exist or has been deleted.";
        match (self, delete) {
            (Profile::Otc, _) => ApiErr::dws(StatusCode::NOT_FOUND, "DWS.5149", INVALID),
            (Profile::Huawei, true) => ApiErr::bad_param("The snapshot does not exist."),
            (Profile::Huawei, false) => ApiErr::dws(StatusCode::BAD_REQUEST, "DWS.5149", INVALID),
        }
    }

    /// A refusal by one of the newer APIs (`{"error_code", "error_msg"}` answers).
    pub fn newer_api_refusal(self, err: ApiErr) -> Response {
        if self == Profile::Otc {
            return err.into_response();
        }
        let code = err.body.code().unwrap_or("DWS.9999").to_owned();
        let msg = err.body.message().unwrap_or_default().to_owned();
        let status = if code == "DWS.7023" {
            StatusCode::OK
        } else {
            StatusCode::EXPECTATION_FAILED
        };
        let body = serde_json::json!({ "error_code": code, "error_msg": msg });
        (status, axum::Json(body)).into_response()
    }

    /// Whether the create call keeps the `tags` of its body.
    pub fn create_keeps_tags(self) -> bool {
        self == Profile::Otc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_and_spell_statuses() {
        assert_eq!("otc".parse::<Profile>(), Ok(Profile::Otc));
        assert_eq!("huawei".parse::<Profile>(), Ok(Profile::Huawei));
        assert!("aws".parse::<Profile>().is_err());
        assert_eq!(Profile::Huawei.cluster_status("UNAVAILABLE"), "FAILED");
        assert_eq!(Profile::Otc.cluster_status("UNAVAILABLE"), "UNAVAILABLE");
        assert_eq!(Profile::Huawei.cluster_status("AVAILABLE"), "AVAILABLE");
    }
}
