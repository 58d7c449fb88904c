//! Rendering a plan as text or JSON. Renderers read the `Plan`; they compute nothing.
