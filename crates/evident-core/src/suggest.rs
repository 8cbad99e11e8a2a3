//! "Did you mean ...?" for mistyped ids and field names.

/// The candidate closest to `typo`, if any is close enough to be a plausible typo.
pub fn closest<'a>(typo: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Allow roughly one edit per four characters, and always at least two.
    let limit = (typo.chars().count() / 4).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(typo, c), c))
        .filter(|(d, c)| *d <= limit && *d < typo.chars().count().max(c.chars().count()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_near_misses_only() {
        let fields = ["owner", "title", "criteria", "frequency"];
        assert_eq!(super::closest("ownr", fields), Some("owner"));
        assert_eq!(super::closest("critera", fields), Some("criteria"));
        assert_eq!(super::closest("banana", fields), None);
    }
}
