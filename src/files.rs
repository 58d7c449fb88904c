//! Reading the small local files dwsctl is pointed at (secret files, `--ca-file`, saved plans,
//! clouds.yaml): regular files only, never more than a limit per kind, and never blocking.
//!
//! A spec can name any path in `from_file`, and a reviewer may run `plan` on a spec from a pull
//! request: `/dev/zero` or a 1 GB file must not grow the process, and a FIFO must not hang it
//! (opening a FIFO for reading waits for a writer). So the path is checked before it is
//! opened, it is opened non-blocking in case it was swapped meanwhile, the opened handle is
//! checked again, and at most `limit` bytes are read. Spec files have their own reader
//! (`spec::source`), which may read a pipe (`-f <(decrypt spec.yaml)`) but is bounded too.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// A secret file holds one password (DWS allows at most 32 characters).
pub const SECRET_LIMIT: u64 = 64 * 1024;
/// A PEM bundle: the whole Mozilla root store is about 220 KiB.
pub const CA_LIMIT: u64 = 4 * 1024 * 1024;
/// A clouds.yaml of many profiles.
pub const CLOUDS_LIMIT: u64 = 1024 * 1024;
/// A saved plan: made from list answers of at most 64 MiB each and specs of at most 1 MiB
/// each, and a step is never larger than the objects it is planned from.
pub const PLAN_LIMIT: u64 = 256 * 1024 * 1024;

/// Reads the regular file at `path`, refusing anything else and anything over `limit`
/// bytes. The errors say what the path is, for the caller to name the file.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    check(&std::fs::metadata(path)?, limit)?;
    let file = open_nonblocking(path)?;
    check(&file.metadata()?, limit)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    // The file grew after the check, or reports no size (files under /proc).
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// [`read_regular`], as UTF-8 text.
pub fn read_regular_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

fn check(meta: &Metadata, limit: u64) -> io::Result<()> {
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind(meta)),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(limit));
    }
    Ok(())
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "it is larger than {}, the limit for this kind of file",
            size(usize::try_from(limit).unwrap_or(usize::MAX))
        ),
    )
}

/// Appends `bytes` to the file at `path`, creating it if it does not exist; anything but a
/// regular file is refused, and a FIFO is opened without waiting for its reader.
pub fn append_regular(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    if let Ok(meta) = std::fs::metadata(path) {
        check(&meta, u64::MAX)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut file = options.open(path)?;
    check(&file.metadata()?, u64::MAX)?;
    file.write_all(bytes)
}

/// `64 MiB`, `64 KiB`, `100 bytes`.
pub fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(unix)]
fn kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let file_type = meta.file_type();
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a named pipe (FIFO)"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn kind(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Opens for reading without waiting for a FIFO's writer (`O_NONBLOCK` has no effect on
/// reading a regular file).
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn error(path: &Path, limit: u64) -> String {
        read_regular(path, limit).expect_err("refused").to_string()
    }

    #[test]
    fn devices_directories_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            error(Path::new("/dev/zero"), 10),
            "it is a character device, not a regular file"
        );
        assert_eq!(
            error(dir.path(), 10),
            "it is a directory, not a regular file"
        );
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        // Would block forever if opened: nobody writes to it.
        assert_eq!(
            error(&fifo, 10),
            "it is a named pipe (FIFO), not a regular file"
        );
    }

    #[test]
    fn files_over_the_limit_are_refused_and_others_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, "x".repeat(2048)).expect("write");
        assert_eq!(
            error(&path, 1024),
            "it is larger than 1 KiB, the limit for this kind of file"
        );
        assert_eq!(read_regular(&path, 2048).expect("read").len(), 2048);
    }

    #[test]
    fn a_file_that_reports_no_size_is_still_bounded() {
        // /proc files have length 0 but content.
        let err = error(Path::new("/proc/self/maps"), 8);
        assert!(err.contains("larger than 8 bytes"), "{err}");
    }
}
