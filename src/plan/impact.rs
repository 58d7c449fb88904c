//! Writes each step of a plan with its impact class.
//!
//! The class is derived from the action ([`Action::impact`](super::Action::impact)) rather
//! than stored in [`Step`]: a plan file cannot carry a class that disagrees with its action
//! (apply reads the action), and a new step field added by anyone still reaches the JSON
//! through `Step`'s own derive. `impact` is written last in each step and ignored on reading.

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::model::{Impact, Step};

/// A step as written: its own fields, then `impact`.
#[derive(Serialize)]
struct Written<'a> {
    #[serde(flatten)]
    step: &'a Step,
    impact: Impact,
}

/// `Plan::steps` with each step's `impact`.
pub(crate) fn serialize_steps<S: Serializer>(
    steps: &[Step],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(steps.len()))?;
    for step in steps {
        seq.serialize_element(&Written {
            step,
            impact: step.action.impact(),
        })?;
    }
    seq.end()
}
