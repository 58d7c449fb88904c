//! Writing an [`Export`] as a spec file: YAML with comments, in a fixed order, with every
//! string from the source quoted so that it stays one scalar.
//!
//! The strings come from the network or a state file, so they are hostile until proven
//! otherwise: a cluster name such as `x: {adopt: true}`, a tag value with a newline and a
//! forged key, or an escape sequence that rewrites the reviewer's terminal. A string is
//! written plain only when it cannot be anything but that string (a letter first, then
//! letters, digits, `.`, `-`, `_`, `/`; not a YAML 1.1 boolean or null word); every other one
//! is double-quoted with `\`, `"`, every control character and every invisible format
//! character ([`crate::term::is_unsafe`]) escaped. Comments that mention a value quote it the
//! same way and are escaped again as a whole, so nothing from outside ends a comment line.

use std::fmt::Write as _;

use super::model::{Export, ExportCluster, ExportPolicy};

/// The schema reference editors read (`dwsctl schema > dwsctl.schema.json` writes the file).
pub const SCHEMA_LINE: &str = "# yaml-language-server: $schema=dwsctl.schema.json";

/// Comment lines are wrapped at this width (values are never split inside).
const WIDTH: usize = 96;

/// The spec text of `export`.
pub fn render(export: &Export) -> String {
    let mut out = String::new();
    out.push_str(SCHEMA_LINE);
    out.push_str("\n#\n");
    for line in &export.origin {
        comment(&mut out, 0, line);
        out.push_str("#\n");
    }
    comment(
        &mut out,
        0,
        "Review it, then `dwsctl plan -f` it: a plan of this file tags the clusters marked \
         `adopt: true` as managed by dwsctl and changes nothing else. `dwsctl schema > \
         dwsctl.schema.json` writes the schema named on the first line.",
    );
    out.push_str("#\n");
    comment(
        &mut out,
        0,
        "Passwords cannot be read back: each `password` names an environment variable that \
         dwsctl reads only to create the cluster again or to reset its password (a change of \
         `password_version`).",
    );
    section(&mut out, "Not exported:", &export.skipped);
    section(
        &mut out,
        "Exported as found, but the spec's rules refuse (fix before use):",
        &export.warnings,
    );
    out.push_str("version: 1\n\n");
    if export.clusters.is_empty() {
        out.push_str("clusters: {}\n");
        return out;
    }
    out.push_str("clusters:\n");
    for (i, cluster) in export.clusters.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        write_cluster(&mut out, cluster);
    }
    out
}

fn section(out: &mut String, title: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    out.push_str("#\n");
    comment(out, 0, title);
    for line in lines {
        comment(out, 0, &format!("- {line}"));
    }
}

fn write_cluster(out: &mut String, c: &ExportCluster) {
    let _ = writeln!(out, "  {}:", scalar(&c.name));
    for note in &c.notes {
        comment(out, 4, note);
    }
    if c.adopt {
        comment(
            out,
            4,
            "No `managed-by: dwsctl` tag: dwsctl takes the cluster over (tags it) on the next \
             apply.",
        );
        field(out, 4, "adopt", Some("true".to_owned()));
    }
    field(out, 4, "node_type", c.node_type.as_deref().map(scalar));
    field(
        out,
        4,
        "number_of_node",
        c.number_of_node.map(|n| n.to_string()),
    );
    field(out, 4, "vpc_id", c.vpc_id.as_deref().map(scalar));
    field(out, 4, "subnet_id", c.subnet_id.as_deref().map(scalar));
    field(
        out,
        4,
        "security_group_id",
        c.security_group_id.as_deref().map(scalar),
    );
    field(
        out,
        4,
        "availability_zone",
        c.availability_zone.as_deref().map(scalar),
    );
    field(out, 4, "port", c.port.map(|n| n.to_string()));
    field(
        out,
        4,
        "enterprise_project_id",
        c.enterprise_project_id.as_deref().map(scalar),
    );
    field(out, 4, "user_name", c.user_name.as_deref().map(scalar));
    // The variable name is built from letters, digits and `_` only (`model::password_env`).
    field(
        out,
        4,
        "password",
        Some(format!("{{from_env: {}}}", c.password_env)),
    );
    field(
        out,
        4,
        "password_version",
        c.password_version.as_deref().map(scalar),
    );
    if let Some(ip) = &c.public_ip {
        out.push_str("    public_ip:\n");
        field(
            out,
            6,
            "public_bind_type",
            Some(scalar(&ip.public_bind_type)),
        );
        field(out, 6, "eip_id", ip.eip_id.as_deref().map(scalar));
    }
    field(
        out,
        4,
        "number_of_cn",
        c.number_of_cn.map(|n| n.to_string()),
    );
    // Only `stopped` is written: no `power` (the default) leaves a running cluster as it is,
    // where `running` would have dwsctl start it whenever someone stops it, a decision (and a
    // bill) the export cannot make for the operator (`model::ExportCluster::stopped`).
    field(out, 4, "power", c.stopped.then(|| "stopped".to_owned()));
    field(out, 4, "description", c.description.as_deref().map(quoted));
    if !c.tags.is_empty() {
        out.push_str("    tags:\n");
        for (key, value) in &c.tags {
            let _ = writeln!(out, "      {}: {}", scalar(key), scalar(value));
        }
    }
    if let Some(policy) = &c.automated_snapshots {
        write_policy(out, policy);
    }
    if !c.snapshots.is_empty() {
        out.push_str("    snapshots:\n");
        for s in &c.snapshots {
            let description = s.description.as_deref().map_or("null".to_owned(), quoted);
            let _ = writeln!(out, "      {}: {description}", scalar(&s.name));
        }
    }
}

fn write_policy(out: &mut String, policy: &ExportPolicy) {
    out.push_str("    automated_snapshots:\n");
    field(out, 6, "enabled", policy.enabled.map(|b| b.to_string()));
    field(out, 6, "keep_days", policy.keep_days.map(|n| n.to_string()));
    if policy.policies.is_empty() {
        return;
    }
    out.push_str("      policies:\n");
    for (name, schedule, kind) in &policy.policies {
        let _ = writeln!(out, "        {}:", scalar(name));
        field(out, 10, "schedule", Some(quoted(schedule)));
        field(out, 10, "type", Some(scalar(kind)));
    }
}

/// `key: value` at `indent`, when there is a value. Keys are dwsctl's own.
fn field(out: &mut String, indent: usize, key: &str, value: Option<String>) {
    if let Some(value) = value {
        let _ = writeln!(out, "{:indent$}{key}: {value}", "");
    }
}

/// A comment of dwsctl's own words (values in it already [`quoted`]), escaped again as a
/// whole and wrapped at [`WIDTH`]; the lines after the first of a list item (`- ...`) are
/// indented under its text.
fn comment(out: &mut String, indent: usize, text: &str) {
    let text = crate::term::escape(text);
    let hang = if text.starts_with("- ") { "  " } else { "" };
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.trim_start().is_empty() && indent + 2 + line.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(out, "{:indent$}# {line}", "");
            line.clear();
            line.push_str(hang);
        }
        if !line.trim_start().is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    let _ = writeln!(out, "{:indent$}# {line}", "");
}

/// `text` as one YAML scalar: plain when that cannot be read as anything else, else
/// [`quoted`].
pub fn scalar(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_owned()
    } else {
        quoted(text)
    }
}

/// Words YAML 1.1 reads as booleans or null when plain (YAML 1.2 readers take fewer).
const SPECIAL_WORDS: [&str; 11] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
];

fn is_plain_safe(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
        && !SPECIAL_WORDS.contains(&text.to_ascii_lowercase().as_str())
}

/// `text` double-quoted: `\` and `"` escaped, and every control or invisible format character
/// as a `\x`, `\u` or `\U` escape, so the scalar is one line of visible characters.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if crate::term::is_unsafe(c) || c.is_control() => {
                let code = u32::from(c);
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02X}"),
                    0x100..=0xffff => write!(out, "\\u{code:04X}"),
                    _ => write!(out, "\\U{code:08X}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
