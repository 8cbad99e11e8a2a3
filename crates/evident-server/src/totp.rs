//! TOTP (RFC 6238): 30-second steps, six digits, HMAC-SHA1, one step of
//! clock skew either way, as every authenticator app reads an `otpauth://` URI.
//! A code is accepted once: the step it matched is remembered per account.

use totp_rs::{Algorithm, Builder, Secret, Totp};

/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "evident";

/// A new 160-bit secret (RFC 4226's recommended length), base32 as stored.
pub fn new_secret() -> String {
    Secret::new(crate::secrets::random_bytes(20).into_boxed_slice()).to_base32()
}

fn totp(secret: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The `otpauth://totp/...` URI an authenticator app enrols from.
pub fn uri(secret: &str, account: &str) -> String {
    totp(secret, account)
        .and_then(|t| t.to_url().ok())
        .unwrap_or_default()
}

/// The step `code` matches at `unix` time, if it is one after `last_step`.
pub fn check(secret: &str, code: &str, unix: u64, last_step: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let step = totp(secret, "-")?.check(&code, unix)?;
    (step > last_step).then_some(step)
}

/// An SVG QR code of `text` for the enrolment page (dark modules only, so
/// the page's colours apply).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890" at T = 59 s
    /// gives 94287082 with eight digits; with six, the last six: 287082.
    #[test]
    fn codes_match_rfc_6238_and_are_used_once() {
        let secret = Secret::new(b"12345678901234567890".to_vec().into_boxed_slice()).to_base32();
        let step = check(&secret, "287082", 59, 0).expect("the RFC's code");
        assert_eq!(step, 1);
        assert_eq!(check(&secret, "287 082", 59, 0), Some(1));
        assert_eq!(check(&secret, "287082", 59, 1), None, "a code works once");
        assert_eq!(check(&secret, "287083", 59, 0), None);
        let u = uri(&secret, "ana@example.com");
        assert!(
            u.starts_with("otpauth://totp/evident:ana%40example.com?"),
            "{u}"
        );
        assert!(qr_svg(&u).contains("<svg"));
    }
}
