//! Text bound for a terminal. A trust repo, a ledger entry or a check's output
//! may hold control characters: an escape sequence that clears the screen or
//! rewrites what was printed, a carriage return that overwrites a line. Every
//! user-written value is shown with them escaped, never sent as they are.

/// `text` with every control character escaped (`\u{1b}`, `\r`, `\n`).
pub fn inert(text: &str) -> String {
    escape(text, |_| false)
}

/// `text` with every control character escaped but line breaks and tabs:
/// for a whole message that is several lines by design.
pub fn inert_lines(text: &str) -> String {
    escape(text, |c| c == '\n' || c == '\t')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> String {
    if !text.chars().any(|c| c.is_control() && !keep(c)) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && !keep(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(inert("ok\u{1b}[2Jdone\r"), "ok\\u{1b}[2Jdone\\r");
        assert_eq!(inert("a\nb"), "a\\nb");
        assert_eq!(inert_lines("a\nb\u{7}\u{9b}"), "a\nb\\u{7}\\u{9b}");
        assert_eq!(inert("plain — ✓"), "plain — ✓");
    }
}
