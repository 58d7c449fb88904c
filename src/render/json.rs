//! The plan as versioned JSON: exactly the [`Plan`] value, so that `plan --json`, `plan --out`
//! and `apply PLAN` share one format. Secrets appear only as references.

use crate::plan::Plan;

/// Pretty-printed JSON with a trailing newline.
pub fn json(plan: &Plan) -> String {
    match serde_json::to_string_pretty(plan) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // A `Plan` holds only strings, numbers, lists and string-keyed maps, which always
        // serialize; this arm exists so that no input can make the renderer panic.
        Err(err) => format!("{{\"error\": {:?}}}\n", err.to_string()),
    }
}
