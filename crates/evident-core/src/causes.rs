//! Errors told with their causes, for the messages users read.

/// An error and every cause under it, joined by `: `. Clients' own messages
/// alone say little (reqwest's is "error sending request"); the cause says
/// "connection refused".
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_every_cause() {
        let inner = std::io::Error::other("connection refused");
        assert_eq!(
            super::chain(&Wrapped(inner)),
            "error sending request: connection refused"
        );
    }

    #[derive(Debug)]
    struct Wrapped(std::io::Error);
    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("error sending request")
        }
    }
    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
