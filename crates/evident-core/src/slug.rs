//! Slugs: text made into a lower-case, dash-separated name for a domain, a
//! file or an HTML anchor (`Acme "Cloud"` → `acme-cloud`).

/// `text` in lower case with every run of other characters made one `-`;
/// ASCII letters and digits only, so it is safe in a host name and a URL.
pub fn slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_plain() {
        assert_eq!(super::slug("Acme \"Cloud\" O'Brien"), "acme-cloud-o-brien");
        assert_eq!(super::slug("Key management"), "key-management");
        assert_eq!(super::slug("—"), "");
    }
}
