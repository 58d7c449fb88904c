//! Rendering a plan as text or JSON. Renderers read the `Plan`; they compute nothing.

mod json;
mod text;

pub use json::json;
pub use text::{text, TextOptions};
