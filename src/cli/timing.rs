//! When steps may start: `--deadline DURATION` read from the command line, and the maintenance
//! windows read after the diff and marked on the plan (`plan::window`), for `plan` and
//! `apply` alike.

use std::collections::BTreeMap;
use std::time::Duration;

use time::OffsetDateTime;

use super::error::{CmdError, ErrorKind};
use crate::api::client::Client;
use crate::api::live::Reads;
use crate::api::Live;
use crate::plan::{window, Plan};

/// Names the time maintenance windows are read against instead of the cloud's clock.
pub const NOW_VAR: &str = "DWSCTL_NOW";

/// `DWSCTL_NOW` is not a time.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{NOW_VAR}={0:?} is not an RFC 3339 time")]
#[diagnostic(
    code(dwsctl::timing::now),
    help("write it like 2026-12-02T23:00:00Z, or unset it to use the cloud's clock")
)]
pub struct BadNow(String);

/// The time maintenance windows are read against: `DWSCTL_NOW` if set (to see what a plan
/// would do at another time; the CLI tests fix it), else the cloud's clock.
pub fn now(client: &Client) -> Result<OffsetDateTime, CmdError> {
    let Some(text) = std::env::var(NOW_VAR).ok().filter(|t| !t.trim().is_empty()) else {
        return Ok(client.cloud_now());
    };
    let format = time::format_description::well_known::Rfc3339;
    OffsetDateTime::parse(text.trim(), &format).map_err(|_| {
        // Bounded: the value is echoed in the error.
        let shown: String = text.chars().take(64).collect();
        CmdError::new(ErrorKind::Usage, BadNow(shown))
    })
}

/// The longest `--deadline`: a week, far beyond any CI job.
const MAX_DEADLINE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Reads the maintenance windows of the clusters that have disruptive steps (one detail GET
/// each, none for a cluster the observation read already, none at all for a plan without a
/// disruptive step) and marks those steps, deferred where the window is closed now by the
/// cloud's clock.
pub async fn mark_windows(
    client: &Client,
    live: &mut Live,
    plan: &mut Plan,
) -> Result<(), CmdError> {
    let names = window::clusters_to_read(plan);
    if names.is_empty() {
        return Ok(());
    }
    let reads = Reads {
        details: names.iter().cloned().collect(),
        ..Reads::default()
    };
    client.observe_more(live, &reads).await?;
    let windows: BTreeMap<String, _> = names
        .into_iter()
        .filter_map(|name| {
            let shown = live.extras.details.get(&name)?.maintain_window.clone()?;
            Some((name, shown))
        })
        .collect();
    window::mark(plan, &windows, now(client)?);
    Ok(())
}

/// `--deadline`: whole numbers with a unit, `h`, `m` or `s`, in that order and each at most
/// once (`50m`, `1h30m`, `90s`), more than zero and at most a week.
pub fn parse_deadline(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration such as 50m, 1h30m or 90s");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut units = ['h', 'm', 's'].as_slice();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let value: u64 = rest[..digits].parse().map_err(|_| bad())?;
        let unit = rest[digits..].chars().next().ok_or_else(bad)?;
        let at = units.iter().position(|u| *u == unit).ok_or_else(bad)?;
        let secs = [3600, 60, 1][3 - units.len() + at];
        units = &units[at + 1..];
        total = value
            .checked_mul(secs)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        rest = &rest[digits + unit.len_utf8()..];
    }
    let deadline = Duration::from_secs(total);
    if deadline.is_zero() || deadline > MAX_DEADLINE {
        return Err(format!("{text:?} must be more than 0 and at most a week"));
    }
    Ok(deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_combine_hours_minutes_and_seconds_in_order() {
        assert_eq!(parse_deadline("50m"), Ok(Duration::from_secs(3000)));
        assert_eq!(parse_deadline("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_deadline("2h5s"), Ok(Duration::from_secs(7205)));
        assert_eq!(parse_deadline(" 90s "), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn a_deadline_without_a_unit_out_of_order_or_out_of_range_is_refused() {
        for bad in [
            "",
            "50",
            "m",
            "5x",
            "30m1h",
            "1m1m",
            "-5m",
            "1.5h",
            "0m",
            "8d",
            "169h",
            "99999999999999999999h",
            "5m ",
            "5 m",
        ] {
            let trimmed_ok = bad == "5m ";
            assert_eq!(
                parse_deadline(bad).is_ok(),
                trimmed_ok,
                "{bad:?}: {:?}",
                parse_deadline(bad)
            );
        }
        assert!(matches!(parse_deadline("5x"), Err(e) if e.contains("such as 50m, 1h30m or 90s")));
    }
}
