//! The secrets a plan needs, checked before the plan is shown: can each be read here, and
//! does each password pass the API's rule? (`diff` stays pure; this is the one part of
//! planning that reads the environment and files.)
//!
//! A pull request's plan must show what would make the merge's apply fail. A password that
//! breaks the rule certainly would (the API refuses it in the middle of apply), so its step
//! becomes blocked (`password_policy`, exit 3). A secret that cannot be read here only gets a
//! warning: plans in CI often run without the secrets (a fork's pull request, a plan job
//! without access to them), and apply checks again, before it sends anything.
//! Messages name the variable or file, never the value.

use crate::api::rules::{self, Kind, RuleViolation, PASSWORD_MAX, PASSWORD_MIN_STRICT};
use crate::api::Live;
use crate::plan::model::{Action, Plan, Step, StepId};
use crate::plan::procedure::{self, rule};
use crate::secret::{SecretError, SecretRef};

/// Why a secret a step needs is a problem.
#[derive(Debug)]
pub enum SecretProblem {
    /// It cannot be read here (unset variable, missing or empty file).
    Unreadable { step: StepId, error: SecretError },
    /// It can be read, and the API's password rule refuses it.
    Policy {
        step: StepId,
        source: String,
        violation: RuleViolation,
    },
}

impl SecretProblem {
    /// One line for the terminal: the step, the source, what is wrong; never the value.
    pub fn message(&self) -> String {
        match self {
            SecretProblem::Unreadable { step, error } => format!("{step}: {error}"),
            SecretProblem::Policy {
                step,
                source,
                violation,
            } => format!("{step}: the password from {source} breaks the API's rule: {violation}"),
        }
    }
}

/// Every problem with the secrets of `plan`'s create and reset-password steps. A reset's
/// password is checked against the live cluster's admin user when `live` has it.
pub fn check(plan: &Plan, live: Option<&Live>) -> Vec<SecretProblem> {
    plan.steps
        .iter()
        .filter_map(|step| check_step(step, live))
        .collect()
}

fn check_step(step: &Step, live: Option<&Live>) -> Option<SecretProblem> {
    let (reference, user) = match &step.action {
        Action::CreateCluster(params) => (&params.password, params.user_name.clone()),
        Action::ResetPassword { password, .. } => {
            let user = live
                .and_then(|l| l.cluster(step.target.name()))
                .map(|c| c.user_name.clone())
                .unwrap_or_default();
            (password, user)
        }
        _ => return None,
    };
    let step_id = step.id.clone();
    let secret = match reference.resolve() {
        Ok(secret) => secret,
        Err(error) => {
            return Some(SecretProblem::Unreadable {
                step: step_id,
                error,
            })
        }
    };
    // The strict rule (12–32, the current OTC documentation) rather than the lenient 8–32
    // of older pages: where the sources disagree the stricter wins, since a password it
    // accepts is accepted by every variant of the API.
    let violation = rules::password(secret.expose(), &user, PASSWORD_MIN_STRICT).err()?;
    Some(SecretProblem::Policy {
        step: step_id,
        source: describe(reference),
        violation,
    })
}

/// `environment variable X` / `file Y`: where a secret comes from, for messages.
pub fn describe(reference: &SecretRef) -> String {
    match reference {
        SecretRef::FromEnv(name) => format!("environment variable {name}"),
        SecretRef::FromFile(path) => format!("file {path}"),
    }
}

/// Turns each step whose password breaks the rule into a blocked step (`password_policy`),
/// keeping its id, so that apply refuses the plan and `plan --detailed-exitcode` exits 3.
pub fn block_policy_violations(plan: &mut Plan, problems: &[SecretProblem]) {
    for problem in problems {
        let SecretProblem::Policy {
            step,
            source,
            violation,
        } = problem
        else {
            continue;
        };
        if let Some(target) = plan.steps.iter_mut().find(|s| &s.id == step) {
            let reason = format!("the password from {source} breaks the API's rule: {violation}");
            target.reason = format!("{}, but {reason}", target.reason);
            target.action = Action::Blocked(procedure::blocked(
                rule::PASSWORD_POLICY,
                reason,
                policy_procedure(source, violation),
            ));
        }
    }
}

fn policy_procedure(source: &str, violation: &RuleViolation) -> String {
    let what = match violation.kind {
        Kind::ContainsUserName => "one that does not contain the admin user name or its reverse",
        _ => "one that passes the rule",
    };
    format!(
        "Change the password in {source} to {what}: {PASSWORD_MIN_STRICT}–{PASSWORD_MAX} \
         characters; letters, digits and {specials}; at least three of upper case, lower \
         case, digits and special characters; not containing the admin user name or its \
         reverse. Then plan again.",
        specials = rules::PASSWORD_SPECIALS.trim_end(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testkit::{desired, desired_cluster, live};

    /// The plan to create cluster c1 with its password read from `reference`.
    fn create_plan(reference: SecretRef) -> Plan {
        let mut plan = crate::plan::diff(
            &desired(vec![desired_cluster("c1", 3)]),
            &live(vec![], vec![]),
            "x",
        );
        for step in &mut plan.steps {
            if let Action::CreateCluster(params) = &mut step.action {
                params.password = reference.clone();
            }
        }
        plan
    }

    fn password_file(dir: &tempfile::TempDir, value: &str) -> SecretRef {
        let path = dir.path().join("pw");
        std::fs::write(&path, value).expect("write password file");
        SecretRef::FromFile(path.display().to_string())
    }

    #[test]
    fn an_unset_variable_is_named_and_does_not_block() {
        let reference = SecretRef::FromEnv("DWSCTL_TEST_NEVER_SET_4471".into());
        let mut plan = create_plan(reference);
        let problems = check(&plan, None);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message().contains("DWSCTL_TEST_NEVER_SET_4471"),
            "{}",
            problems[0].message()
        );
        block_policy_violations(&mut plan, &problems);
        assert!(!plan.has_blocked());
    }

    #[test]
    fn a_short_password_blocks_its_step_without_showing_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut plan = create_plan(password_file(&dir, "Sh0rt#Pw9"));
        let problems = check(&plan, None);
        assert!(
            matches!(problems.as_slice(), [SecretProblem::Policy { .. }]),
            "{problems:?}"
        );
        block_policy_violations(&mut plan, &problems);
        let blocked = plan
            .steps
            .iter()
            .find_map(|s| match &s.action {
                Action::Blocked(b) => Some((s.id.to_string(), b.clone())),
                _ => None,
            })
            .expect("a blocked step");
        assert_eq!(blocked.0, "cluster.c1.create");
        assert_eq!(blocked.1.rule, rule::PASSWORD_POLICY);
        assert!(
            blocked.1.reason.contains("9 characters"),
            "{}",
            blocked.1.reason
        );
        let shown = format!("{plan:?}{}", problems[0].message());
        assert!(!shown.contains("Sh0rt#Pw9"), "{shown}");
    }

    #[test]
    fn a_password_with_the_user_name_is_blocked_and_a_good_one_passes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let plan = create_plan(password_file(&dir, "Xdbadmin#2026-long"));
        let problems = check(&plan, None);
        assert!(
            matches!(problems.as_slice(), [SecretProblem::Policy { violation, .. }] if violation.kind == Kind::ContainsUserName),
            "{problems:?}"
        );
        let plan = create_plan(password_file(&dir, "Quickstart-Pass#2026"));
        assert!(check(&plan, None).is_empty());
    }
}
