//! What the CLI test files share: a temporary folder with an agreement secret in which the
//! real `pupilmatch` binary runs.
#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary folder holding `agreement.key`, where commands run.
pub struct Workspace {
    /// The folder (removed when dropped).
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// A fresh folder with a new secret for `agreement`, epoch 1, in `agreement.key`.
    pub fn with_agreement(agreement: &str) -> Workspace {
        let workspace = Workspace {
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        let keygen = workspace.run(&[
            "keygen",
            "--agreement",
            agreement,
            "--epoch",
            "1",
            "--output",
            "agreement.key",
        ]);
        assert!(keygen.status.success(), "{}", stderr(&keygen));
        workspace
    }

    /// A file in the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file in the folder.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write input");
        path
    }

    /// Runs `pupilmatch ARGS` in the folder.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    /// Runs `pupilmatch ARGS` in the folder with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.run_in(self.dir.path(), args, env)
    }

    /// Runs `pupilmatch ARGS` in `dir` (another folder of the same machine) with extra
    /// environment variables, as authority 383 offline, with the configuration directory (its
    /// workspace) under the folder's `config/`.
    pub fn run_in(&self, dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_pupilmatch"))
            .args(args)
            .current_dir(dir)
            .env("PUPILMATCH_LOG", "warn")
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("PUPILMATCH_AUTHORITY", "383")
            .env_remove("PUPILMATCH_API_KEY")
            .env_remove("PUPILMATCH_WORKSPACE")
            .env_remove("PUPILMATCH_LOCAL_KEY")
            .envs(env.iter().copied())
            .output()
            .expect("run pupilmatch")
    }
}

/// A command's standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
