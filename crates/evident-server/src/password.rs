//! Passwords: argon2id with the crate's default parameters (RFC 9106's
//! second recommended option, 19 MiB, two passes), in PHC string form.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;

/// Long enough to resist guessing with throttled sign-ins; the upper bound
/// keeps one sign-in from costing the server more than hashing a page.
pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 256;

/// A hash of no one's password: an unknown account is checked against it, so
/// a sign-in takes as long whether or not the account exists.
static DECOY: LazyLock<String> = LazyLock::new(|| hash("decoy password never issued"));

/// Whether `password` may be set, and why not.
pub fn acceptable(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!(
            "the password has {chars} characters; use at least {MIN_LEN} (a passphrase of a few words is easiest)"
        ));
    }
    if chars > MAX_LEN {
        return Err(format!("the password is longer than {MAX_LEN} characters"));
    }
    Ok(())
}

pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hashes any password of the accepted length")
        .to_string()
}

/// Whether `password` matches `stored`; with no stored hash the decoy is
/// checked (and fails), taking the same time.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let target = stored.unwrap_or(&DECOY);
    let Ok(parsed) = PasswordHash::new(target) else {
        return false;
    };
    let matched = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matched && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_hashes_verify_and_refuse() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify("correct horse battery", Some(&h)));
        assert!(!verify("correct horse batter", Some(&h)));
        assert!(!verify("decoy password never issued", None));
        assert!(acceptable("short").unwrap_err().contains("at least 12"));
        assert!(acceptable("four words make a pass").is_ok());
    }
}
