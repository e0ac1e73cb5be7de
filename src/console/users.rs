//! Named staff accounts: `users.json` in the workspace, one argon2 password hash per person.
//! Every decision the console sends to the hub records the signed-in staff member.

use std::path::{Path, PathBuf};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

use super::i18n::{t, tr};
use super::ConsoleError;

/// The staff accounts file inside a workspace.
pub const USERS_FILE: &str = "users.json";

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The path of the staff accounts file of the workspace in `dir`.
pub fn users_path(dir: &Path) -> PathBuf {
    dir.join(USERS_FILE)
}

/// A staff member's name as they sign in and as decisions record it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StaffName(String);

impl StaffName {
    /// A name: 1–100 characters, no control characters, trimmed.
    pub fn parse(text: &str) -> Result<StaffName, ConsoleError> {
        let name = text.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(ConsoleError::BadInput(t("staff-name-refused")));
        }
        Ok(StaffName(name.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Account {
    name: StaffName,
    password_hash: String,
}

/// The staff accounts of a workspace.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Users {
    accounts: Vec<Account>,
}

impl Users {
    /// Reads the accounts file (none yet is no accounts).
    pub fn load(path: &Path) -> Result<Users, ConsoleError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| ConsoleError::Config {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Users::default()),
            Err(source) => Err(ConsoleError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Writes the accounts file (replacing it whole, readable by its owner only).
    pub fn save(&self, path: &Path) -> Result<(), ConsoleError> {
        let io = |source| ConsoleError::Io {
            path: path.to_path_buf(),
            source,
        };
        let json = serde_json::to_vec_pretty(self).map_err(|e| io(e.into()))?;
        crate::keyfile::replace_private_file(path, &json).map_err(io)
    }

    /// Whether no account exists yet (the first-run page then creates one).
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Adds an account; refuses a duplicate name or a short password.
    pub fn add(&mut self, name: StaffName, password: &str) -> Result<(), ConsoleError> {
        if self.accounts.iter().any(|a| a.name == name) {
            return Err(ConsoleError::BadInput(tr!(
                "staff-name-taken",
                name = name.as_str()
            )));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(ConsoleError::BadInput(tr!(
                "password-too-short",
                n = MIN_PASSWORD_CHARS
            )));
        }
        let salt = SaltString::generate(&mut OsRng);
        let password_hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| ConsoleError::BadInput(tr!("password-unhashable", cause = e.to_string())))?
            .to_string();
        self.accounts.push(Account {
            name,
            password_hash,
        });
        Ok(())
    }

    /// The account named `name` (as a reverse proxy names it), if there is one.
    pub fn named(&self, name: &str) -> Option<StaffName> {
        self.accounts
            .iter()
            .find(|a| a.name.as_str() == name.trim())
            .map(|a| a.name.clone())
    }

    /// The account `name` if `password` is its password.
    pub fn verify(&self, name: &str, password: &str) -> Option<StaffName> {
        let account = self
            .accounts
            .iter()
            .find(|a| a.name.as_str() == name.trim())?;
        let hash = PasswordHash::new(&account.password_hash).ok()?;
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .ok()
            .map(|()| account.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staff_member_signs_in_with_their_password_and_not_with_another() {
        let mut users = Users::default();
        users
            .add(
                StaffName::parse("Ann Clark").unwrap(),
                "correct horse battery",
            )
            .unwrap();
        assert_eq!(
            users.verify("Ann Clark", "correct horse battery"),
            Some(StaffName::parse("Ann Clark").unwrap())
        );
        assert_eq!(users.verify("Ann Clark", "wrong password!"), None);
        assert_eq!(users.verify("Bob", "correct horse battery"), None);
    }

    #[test]
    fn accounts_survive_a_save_and_load_and_keep_only_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let path = users_path(dir.path());
        let mut users = Users::load(&path).unwrap();
        assert!(users.is_empty());
        users
            .add(StaffName::parse("Ann").unwrap(), "a long enough secret")
            .unwrap();
        users.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("a long enough secret"), "{text}");
        assert!(text.contains("$argon2"), "{text}");
        let again = Users::load(&path).unwrap();
        assert!(again.verify("Ann", "a long enough secret").is_some());
    }

    #[test]
    fn a_duplicate_name_or_a_short_password_is_refused() {
        let mut users = Users::default();
        let ann = StaffName::parse("Ann").unwrap();
        assert!(users.add(ann.clone(), "short").is_err());
        users.add(ann.clone(), "long enough password").unwrap();
        assert!(users.add(ann, "another long password").is_err());
        assert!(StaffName::parse("  ").is_err());
    }
}
