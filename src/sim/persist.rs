//! The state file: the world plus the virtual time and wall time it was saved at, written
//! atomically (temporary file, then rename) after every mutation.
//!
//! Reloading continues virtual time from the saved instant plus the wall time that passed,
//! scaled, so operations keep progressing while the simulator is down, as in the real cloud.
//! A file that exists but cannot be read or parsed is an error naming it, never a fresh start;
//! only a regular file of at most [`STATE_LIMIT`] bytes is read.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files;

use super::clock::{unix_now, Clock};
use super::state::{State, STATE_FORMAT};
use super::SimError;

/// The largest state file read back: a world of tens of thousands of clusters and snapshots
/// is a few tens of MiB, so this only stops a wrong `--state` (`/dev/zero`, a FIFO, a huge
/// file) from growing or hanging the simulator.
pub const STATE_LIMIT: u64 = 256 * 1024 * 1024;

#[derive(Deserialize)]
struct StateFile {
    format: u32,
    virtual_now: f64,
    saved_at_unix: f64,
    world: State,
}

/// The same shape, borrowed for writing.
#[derive(Serialize)]
struct StateFileRef<'a> {
    format: u32,
    virtual_now: f64,
    saved_at_unix: f64,
    world: &'a State,
}

/// Loads `path`, or creates an empty world (with `seed`) when it does not exist. Returns the
/// world and the virtual time to start the clock at.
pub fn load_or_create(path: &Path, seed: u64, time_scale: f64) -> Result<(State, f64), SimError> {
    let text = match files::read_regular(path, STATE_LIMIT) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| SimError::WriteState {
                    path: path.to_owned(),
                    source,
                })?;
            }
            return Ok((State::new(seed), 0.0));
        }
        Err(source) => {
            return Err(SimError::ReadState {
                path: path.to_owned(),
                source,
            })
        }
    };
    let file: StateFile =
        serde_json::from_slice(&text).map_err(|source| SimError::CorruptState {
            path: path.to_owned(),
            source,
        })?;
    if file.format != STATE_FORMAT || file.world.format != STATE_FORMAT {
        return Err(SimError::CorruptState {
            path: path.to_owned(),
            source: serde::de::Error::custom(format!(
                "format {} is not the supported format {STATE_FORMAT}",
                file.format
            )),
        });
    }
    let away = (unix_now() - file.saved_at_unix).max(0.0);
    Ok((file.world, file.virtual_now + away * time_scale))
}

/// Writes the world atomically: a sibling temporary file, then renamed over `path`.
pub fn save(path: &Path, world: &State, clock: &Clock) -> io::Result<()> {
    let file = StateFileRef {
        format: STATE_FORMAT,
        virtual_now: clock.now(),
        saved_at_unix: unix_now(),
        world,
    };
    let bytes = serde_json::to_vec(&file).map_err(io::Error::other)?;
    let tmp = temp_path(path);
    {
        // The state holds password hashes and lists the project's clusters: owner-only.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(&tmp)?;
        // No fsync: the rename makes the replacement atomic for every reader, and a
        // simulator need not survive a power cut; an fsync per change would add
        // latency to every mutating call on a loaded machine.
        out.write_all(&bytes)?;
    }
    std::fs::rename(&tmp, path)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp{}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_path_that_is_not_a_regular_file_is_an_error_naming_it_not_an_endless_read() {
        let err = load_or_create(Path::new("/dev/zero"), 7, 1.0).expect_err("a device");
        assert!(
            matches!(&err, SimError::ReadState { path, .. } if path == Path::new("/dev/zero")),
            "{err}"
        );
    }

    #[test]
    fn a_missing_state_file_starts_a_fresh_world() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (world, now) =
            load_or_create(&dir.path().join("sub/state.json"), 7, 1.0).expect("fresh");
        assert_eq!(now, 0.0);
        assert_eq!(world.format, STATE_FORMAT);
    }
}
