//! Reading spec files: size-bounded, UTF-8 only, never binary.
//!
//! A spec is a short, hand-written file; anything much larger, binary or not UTF-8 is a
//! mistake (or hostile) and is refused before the YAML parser sees it.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::error::{FileId, Problem, SourceFile, Span};

/// The largest spec file accepted: far beyond any hand-written spec, small enough that
/// parsing it stays well under a second.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads one spec file. On failure the problem is recorded and the [`SourceFile`] has no
/// text (or the readable prefix, for position reporting).
pub fn read(id: FileId, path: &Path, problems: &mut Vec<Problem>) -> SourceFile {
    let name = path.display().to_string();
    let mut file = SourceFile {
        name: name.clone(),
        text: None,
        redact: Vec::new(),
    };
    let bytes = match read_bounded(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            problems.push(
                Problem::new(
                    "file_too_large",
                    Span::file_start(id),
                    format!("`{name}` is larger than {} KiB", MAX_FILE_BYTES / 1024),
                )
                .help("a spec is a short hand-written file; split it or check that this is the right file"),
            );
            return file;
        }
        Err(err) => {
            problems.push(
                Problem::new(
                    "unreadable_file",
                    Span::file_start(id),
                    format!("cannot read `{name}`: {err}"),
                )
                .help(
                    "check the path given with -f (default: dwsctl.yaml in the current directory)",
                ),
            );
            return file;
        }
    };
    match decode(id, &name, bytes) {
        Ok(text) => file.text = Some(Arc::from(text)),
        Err(boxed) => {
            let (shown, problem) = *boxed;
            file.text = Some(Arc::from(shown));
            problems.push(problem);
        }
    }
    file
}

/// Reads at most [`MAX_FILE_BYTES`]; `None` when the file is larger.
fn read_bounded(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// Decodes UTF-8 text; on failure returns the readable prefix (for the snippet) and the
/// problem located at the first bad byte.
pub fn decode(id: FileId, name: &str, bytes: Vec<u8>) -> Result<String, Box<(String, Problem)>> {
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let shown = String::from_utf8_lossy(bytes.get(..pos).unwrap_or(&[])).into_owned();
        let problem = Problem::new(
            "binary_file",
            Span::new(id, shown.len(), 0),
            format!("`{name}` is a binary file, not YAML text"),
        )
        .label("NUL byte here")
        .help("pass the YAML spec file with -f");
        return Err(Box::new((shown, problem)));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text)),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let shown = String::from_utf8_lossy(bytes.get(..valid).unwrap_or(&[])).into_owned();
            let problem = Problem::new(
                "not_utf8",
                Span::new(id, valid, 0),
                format!("`{name}` is not valid UTF-8"),
            )
            .label("invalid byte sequence here")
            .help("save the file as UTF-8");
            Err(Box::new((shown, problem)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located_at_the_first_bad_byte() {
        let err = decode(0, "x.yaml", b"a: 1\nb: \xff\xfe\n".to_vec()).expect_err("bad");
        assert_eq!(err.0, "a: 1\nb: ");
        assert_eq!(err.1.rule, "not_utf8");
        assert_eq!(err.1.span.start, 8);
    }

    #[test]
    fn nul_bytes_mean_binary() {
        let err = decode(0, "x.yaml", b"ab\0cd".to_vec()).expect_err("binary");
        assert_eq!(err.1.rule, "binary_file");
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let text = decode(0, "x.yaml", "\u{feff}a: 1".as_bytes().to_vec()).expect("utf8");
        assert_eq!(text, "a: 1");
    }
}
