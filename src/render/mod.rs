//! Rendering a plan as text, markdown or JSON. Renderers read the `Plan`; they compute nothing.

mod markdown;
mod text;

/// The plan as versioned JSON: the plan file format, which the plan layer owns.
pub use crate::plan::to_json as json;
pub use markdown::{markdown, MarkdownOptions};
pub use text::{text, TextOptions};
