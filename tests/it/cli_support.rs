//! The one way the integration tests run the `dwsctl` binary: a cleared environment (only
//! what the test sets, plus a fixed `HOME`, `TMPDIR`, `COLUMNS=100` and `NO_COLOR=1`), no
//! stdin, the repository root as working directory unless the test names another, and a
//! deadline on every run so a hang fails its test instead of the suite. It also starts
//! `dwsctl sim serve` on a free port ([`Dwsctl::serve`]) and turns a finished run into one
//! normalised transcript (command, exit code, stdout, stderr) for an insta snapshot, after
//! checking that no secret the test passed in shows up in it.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dwsctl::sim;

use super::cli_normalise::{group_by_step, normalise};

/// Far above what any run needs on a loaded machine; only a hang reaches it.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// `DWSCTL_NOW` in every run: a Wednesday.
pub const FIXED_NOW: &str = "2026-12-02T23:00:00Z";

/// Environment variables whose values are secrets: none may appear in a transcript.
const SECRET_NAMES: [&str; 4] = ["PASSWORD", "SECRET", "TOKEN", "PASSWD"];

/// A `dwsctl` command line to run: what the test sets, nothing from the test's environment.
#[derive(Clone, Debug)]
pub struct Dwsctl {
    args: Vec<OsString>,
    envs: BTreeMap<String, OsString>,
    dir: PathBuf,
}

/// `dwsctl ARGS` from the repository root with only the fixed variables set.
pub fn dwsctl<S: Into<OsString>>(args: impl IntoIterator<Item = S>) -> Dwsctl {
    let home = fixed_home();
    let mut envs = BTreeMap::new();
    envs.insert("HOME".to_owned(), home.clone().into_os_string());
    envs.insert("TMPDIR".to_owned(), home.into_os_string());
    envs.insert("COLUMNS".to_owned(), "100".into());
    envs.insert("NO_COLOR".to_owned(), "1".into());
    // A fixed time for maintenance windows: Wednesday 23:00 UTC, inside every simulated
    // cluster's default window (Wed 22:00-02:00), so scaling runs and plans read the same
    // every day of the week.
    envs.insert(dwsctl::cli::timing::NOW_VAR.to_owned(), FIXED_NOW.into());
    Dwsctl {
        args: args.into_iter().map(Into::into).collect(),
        envs,
        dir: repo_root(),
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// An empty directory for `HOME` and `TMPDIR`, under Cargo's directory for test files:
/// dwsctl writes nothing there, and a `clouds.yaml` in the developer's home is never read.
fn fixed_home() -> PathBuf {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dwsctl-home");
    std::fs::create_dir_all(&home).expect("create the fixed HOME");
    home
}

impl Dwsctl {
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<S: Into<OsString>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.envs.insert(name.to_owned(), value.into());
        self
    }

    pub fn envs<K: AsRef<str>, V: Into<OsString>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        for (name, value) in vars {
            self.envs.insert(name.as_ref().to_owned(), value.into());
        }
        self
    }

    pub fn env_remove(mut self, name: &str) -> Self {
        self.envs.remove(name);
        self
    }

    /// Runs in `dir` instead of the repository root.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.dir = dir.to_owned();
        self
    }

    /// Leaves `NO_COLOR` unset, for the tests of colour itself.
    pub fn colour_allowed(self) -> Self {
        self.env_remove("NO_COLOR")
    }

    /// The embedded simulator with its state in `dir/sim-state.json`, at time scale `scale`.
    pub fn embedded_sim(self, dir: &Path, scale: &str) -> Self {
        let state = dir.join("sim-state.json");
        let mut sim = OsString::from("--sim=");
        sim.push(state.as_os_str());
        let mut args = vec![sim];
        args.extend(self.args.iter().cloned());
        Dwsctl { args, ..self }
            .env("DWSCTL_SIM_TIME_SCALE", scale)
            .current_dir(dir)
    }

    /// AK/SK credentials of the simulator's default account, DWS at `base`.
    pub fn ak_sk(self, base: &str) -> Self {
        self.env("DWS_ENDPOINT", base)
            .env("OS_ACCESS_KEY", sim::DEFAULT_ACCESS_KEY)
            .env("OS_SECRET_KEY", sim::DEFAULT_SECRET_KEY)
            .env("OS_PROJECT_ID", sim::DEFAULT_PROJECT_ID)
    }

    /// The simulator's default password account, IAM and DWS both at `base` (what the
    /// export block of `sim serve` sets).
    pub fn password_auth(self, base: &str) -> Self {
        self.env("OS_AUTH_URL", format!("{base}/v3"))
            .env("OS_USERNAME", sim::DEFAULT_USER)
            .env("OS_PASSWORD", sim::DEFAULT_PASSWORD)
            .env("OS_USER_DOMAIN_NAME", sim::DEFAULT_DOMAIN)
            .env("OS_PROJECT_NAME", sim::DEFAULT_PROJECT_NAME)
            .env("DWS_ENDPOINT", base)
    }

    /// The `std` command this describes: environment cleared, then only these variables.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dwsctl"));
        cmd.args(&self.args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(&self.envs)
            .stdin(Stdio::null());
        cmd
    }

    /// Starts the process with stdout and stderr captured (and drained, so it never blocks).
    pub fn spawn(&self) -> Running {
        let mut child = self
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dwsctl");
        let stdout = child.stdout.take().expect("piped stdout");
        let stdout = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = BufReader::new(stdout).read_to_end(&mut bytes);
            bytes
        });
        let (tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut all = Vec::new();
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                let _ = tx.send(String::from_utf8_lossy(&line).trim_end().to_owned());
                all.append(&mut line);
            }
            all
        });
        Running {
            child,
            stdout: Some(stdout),
            stderr: Some(stderr),
            lines,
            context: self.context(),
        }
    }

    /// Runs to the end (at most [`DEADLINE`]) on this thread.
    pub fn output(&self) -> Run {
        self.spawn().wait()
    }

    /// Runs to the end (at most [`DEADLINE`]) off the async runtime's threads.
    pub async fn run(self) -> Run {
        tokio::task::spawn_blocking(move || self.output())
            .await
            .expect("join")
    }

    /// Starts `dwsctl ARGS` as a simulator (`sim serve --listen 127.0.0.1:0` plus these
    /// arguments) and waits until its banner is printed, which it does once it listens.
    pub fn serve(self) -> SimServe {
        let mut args: Vec<OsString> = ["sim", "serve", "--listen", "127.0.0.1:0"]
            .map(OsString::from)
            .into();
        args.extend(self.args.iter().cloned());
        let mut running = Dwsctl { args, ..self }.spawn();
        let Some(first) = running.next_line(DEADLINE) else {
            let run = running.wait_within(Duration::from_secs(5));
            panic!("sim serve printed no banner:\n{}", run.text());
        };
        let base = first
            .rsplit(' ')
            .next()
            .filter(|url| url.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_owned();
        let mut banner = vec![first];
        while let Some(line) = running.next_line(DEADLINE) {
            let last = line.contains("Ctrl-C");
            banner.push(line);
            if last {
                break;
            }
        }
        SimServe {
            running: Some(running),
            base,
            banner,
        }
    }

    fn context(&self) -> Context {
        let secrets = self
            .envs
            .iter()
            .filter(|(name, _)| SECRET_NAMES.iter().any(|s| name.contains(s)))
            .filter_map(|(_, value)| value.to_str())
            .filter(|value| value.len() >= 4)
            .map(str::to_owned)
            .collect();
        let mut paths = Vec::new();
        if self.dir != repo_root() {
            paths.push((self.dir.clone(), "[DIR]"));
        }
        if let Some(home) = self.envs.get("HOME") {
            paths.push((PathBuf::from(home), "[HOME]"));
        }
        paths.push((repo_root(), "[REPO]"));
        Context {
            command: shown_command(&self.args),
            secrets,
            paths,
        }
    }
}

/// `$ dwsctl ARGS` as the transcript's first line.
fn shown_command(args: &[OsString]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    format!("$ dwsctl {}", args.join(" "))
}

/// What a transcript is normalised with and checked against.
#[derive(Clone, Debug)]
struct Context {
    command: String,
    secrets: Vec<String>,
    paths: Vec<(PathBuf, &'static str)>,
}

/// A started `dwsctl`.
pub struct Running {
    child: Child,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    lines: Receiver<String>,
    context: Context,
}

impl Running {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The next line of stderr, or `None` once stderr is closed or after `patience`.
    pub fn next_line(&mut self, patience: Duration) -> Option<String> {
        self.lines.recv_timeout(patience).ok()
    }

    /// Waits (at most [`DEADLINE`]) for a stderr line holding `needle`; false if none came.
    pub fn wait_for_line(&mut self, needle: &str) -> bool {
        let since = Instant::now();
        while let Some(left) = DEADLINE.checked_sub(since.elapsed()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    }

    /// Sends `signal` (`-INT`, `-KILL`) through kill(1): the crate forbids unsafe code.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} {}", self.child.id());
    }

    /// Waits at most `patience`; kills the process if it is still running then (its exit
    /// code is then `None`). The run's `took` is the time waited.
    pub fn wait_within(mut self, patience: Duration) -> Run {
        let since = Instant::now();
        let mut killed = false;
        while self.child.try_wait().expect("try_wait").is_none() {
            if since.elapsed() > patience {
                let _ = self.child.kill();
                killed = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut run = self.finish();
        run.took = since.elapsed();
        run.killed = killed;
        run
    }

    /// Waits for the end; a run still going after [`DEADLINE`] is killed and fails the test.
    pub fn wait(self) -> Run {
        let run = self.wait_within(DEADLINE);
        assert!(
            !run.killed,
            "dwsctl still running after {DEADLINE:?}: it hangs\n{}",
            run.text()
        );
        run
    }

    /// Reaps the process and collects what it printed.
    fn finish(mut self) -> Run {
        let status = self.child.wait().expect("wait for dwsctl");
        let join = |h: Option<JoinHandle<Vec<u8>>>| h.map(|h| h.join().unwrap_or_default());
        let stdout = join(self.stdout.take()).unwrap_or_default();
        let stderr = join(self.stderr.take()).unwrap_or_default();
        Run {
            out: Output {
                status,
                stdout,
                stderr,
            },
            context: self.context.clone(),
            took: Duration::ZERO,
            killed: false,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A finished run. It dereferences to its [`Output`] (`run.status`, `run.stdout`).
#[derive(Debug)]
pub struct Run {
    pub out: Output,
    context: Context,
    /// How long the wait for it took (set by [`Running::wait_within`] and [`Running::wait`]).
    pub took: Duration,
    /// Whether it was killed for running past its patience.
    pub killed: bool,
}

impl std::ops::Deref for Run {
    type Target = Output;
    fn deref(&self) -> &Output {
        &self.out
    }
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.out.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    /// Command, exit code, stdout and stderr as they were (for failure messages).
    pub fn text(&self) -> String {
        format!(
            "{}\nexit: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.context.command,
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }

    /// Asserts the exit code, showing the whole run when it differs.
    #[track_caller]
    pub fn assert_exit(&self, code: i32) -> &Self {
        assert_eq!(self.code(), Some(code), "{}", self.text());
        self
    }

    /// Asserts that no secret the test passed in (a variable named like a password, secret
    /// key or token) appears in stdout or stderr.
    #[track_caller]
    pub fn assert_no_secrets(&self) -> &Self {
        let text = self.text();
        for secret in &self.context.secrets {
            assert!(!text.contains(secret.as_str()), "a secret leaked:\n{text}");
        }
        self
    }

    /// The run for a snapshot: [`Run::text`] with the run's paths and the named filters of
    /// `cli_normalise` replaced by their names; fails first if a secret shows.
    #[track_caller]
    pub fn transcript(&self) -> String {
        self.assert_no_secrets();
        normalise(&self.text(), &self.context.paths)
    }

    /// [`Run::transcript`] for a run whose steps run at the same time: the order in which
    /// their progress lines interleave is the machine's, so each step's lines are shown
    /// together (in step order), each in the order it printed them.
    #[track_caller]
    pub fn transcript_by_step(&self) -> String {
        group_by_step(&self.transcript())
    }
}

/// A running `dwsctl sim serve`; stopped with Ctrl-C when dropped.
pub struct SimServe {
    running: Option<Running>,
    pub base: String,
    /// The lines it printed up to and including "Press Ctrl-C to stop.".
    pub banner: Vec<String>,
}

impl SimServe {
    /// `  export NAME='VALUE'` lines of the banner, as a shell would read them.
    pub fn exports(&self) -> Vec<(String, String)> {
        self.banner
            .iter()
            .filter_map(|line| line.trim().strip_prefix("export "))
            .filter_map(|assignment| assignment.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.trim_matches('\'').to_owned()))
            .collect()
    }

    /// Ctrl-C, then the whole run (banner included) once it has exited.
    pub fn stop(mut self) -> Run {
        let running = self.running.take().expect("running until stopped");
        running.signal("-INT");
        running.wait()
    }
}

impl Drop for SimServe {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = Command::new("kill")
                .args(["-INT", &running.id().to_string()])
                .status();
            drop(running.wait_within(Duration::from_secs(10)));
        }
    }
}
