//! Markdown from the trust repo to HTML that is safe to publish: rendered with
//! pulldown-cmark, then cleaned by ammonia, so a `<script>`, an event handler or
//! a `javascript:` link written in a control page renders inert, and relative
//! links (which would point into the trust repo, not the site) are dropped.

use evident_core::model::{TrustProgram, Visibility};
use std::collections::HashMap;

/// The trust repo's Markdown that the site shows, already made safe: each
/// public control's sections (Statement, Implementation and any other, in
/// order), the hardening journal and the disclosure policy.
/// It depends on the trust repo alone, so a build renders it on one core while
/// the other groups the ledger's history and derives the status (work that
/// cannot be split, and would otherwise leave that core idle).
pub struct Prose {
    /// Each public control's sections, in order: (title, HTML).
    controls: HashMap<String, Vec<(String, String)>>,
    journal: Option<String>,
    disclosure: Option<String>,
}

impl Prose {
    /// Renders the prose of `program`'s public controls (private ones are
    /// never rendered, so none of their text can reach the site).
    pub fn render(program: &TrustProgram) -> Prose {
        let controls = program
            .controls
            .iter()
            .filter(|c| c.visibility == Visibility::Public)
            .map(|c| {
                let html = c
                    .sections
                    .iter()
                    .map(|s| (s.title.clone(), to_safe_html(&s.markdown)))
                    .collect();
                (c.id.clone(), html)
            })
            .collect();
        Prose {
            controls,
            journal: program.journal.as_deref().map(to_safe_html),
            disclosure: program.disclosure.as_deref().map(to_safe_html),
        }
    }

    /// A public control's sections, in order, as (title, HTML).
    pub(crate) fn control(&self, id: &str) -> Option<&Vec<(String, String)>> {
        self.controls.get(id)
    }

    pub(crate) fn journal(&self) -> Option<&str> {
        self.journal.as_deref()
    }

    /// DISCLOSURE.md, the company's own disclosure policy.
    pub(crate) fn disclosure(&self) -> Option<&str> {
        self.disclosure.as_deref()
    }
}

pub fn to_safe_html(markdown: &str) -> String {
    let markdown = limit_nesting(markdown);
    let parser = pulldown_cmark::Parser::new_ext(
        &markdown,
        pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH,
    );
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    CLEANER.clean(&html).to_string()
}

/// How deep quotes and lists may nest on one line. Rendering and cleaning
/// cost grows with depth times length (a 2 MB body of nested list markers
/// took 15 s); no page needs more than a few levels.
const MAX_NESTING: usize = 8;

/// `markdown` with every quote or list marker past [`MAX_NESTING`] on a line
/// escaped, so it reads as text instead of opening one more level.
fn limit_nesting(markdown: &str) -> std::borrow::Cow<'_, str> {
    let deep = |line: &str| container_markers(line).nth(MAX_NESTING);
    if !markdown.lines().any(|l| deep(l).is_some()) {
        return std::borrow::Cow::Borrowed(markdown);
    }
    let mut out = String::with_capacity(markdown.len() + 64);
    for line in markdown.split_inclusive('\n') {
        match deep(line) {
            Some(at) => {
                out.push_str(&line[..at]);
                out.push('\\');
                out.push_str(&line[at..]);
            }
            None => out.push_str(line),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Byte offsets of the block quote and list markers that open a line.
fn container_markers(line: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = line.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let mut i = at;
        // Up to three spaces of indentation before a marker.
        while i < bytes.len() && i - at < 3 && bytes[i] == b' ' {
            i += 1;
        }
        let start = i;
        let spaced =
            |j: usize| j >= bytes.len() || matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r');
        match bytes.get(i)? {
            b'>' => i += 1,
            b'-' | b'*' | b'+' if spaced(i + 1) => i += 1,
            b'0'..=b'9' => {
                let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                let after = i + digits;
                if digits > 9
                    || !matches!(bytes.get(after), Some(b'.' | b')'))
                    || !spaced(after + 1)
                {
                    return None;
                }
                i = after + 1;
            }
            _ => return None,
        }
        if i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        at = i;
        Some(start)
    })
}

/// The sanitiser, set up once: its sets of tags and attributes cost more to
/// build than a control page costs to clean.
static CLEANER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
    let mut cleaner = ammonia::Builder::default();
    cleaner
        .url_schemes(["http", "https", "mailto"].into())
        // No `rel` on links: a link whose URL was dropped must stay a valid bare <a>.
        .link_rel(None)
        // Images are left out: a source that was dropped would leave an invalid
        // <img>, and pictures of evidence belong in the ledger, not on the page.
        .rm_tags(["img"])
        // Relative links in a trust repo point into the repo, not the site: drop
        // them rather than publish links that lead nowhere.
        .url_relative(ammonia::UrlRelative::Deny);
    cleaner
});

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn nesting_stops_at_its_limit_and_the_rest_reads_as_text() {
        let html = to_safe_html(&format!("{}x\n", "> - ".repeat(40)));
        let opened = html.matches("<blockquote>").count() + html.matches("<ul>").count();
        assert_eq!(opened, super::MAX_NESTING, "{html}");
        assert!(html.contains("&gt; - &gt; - "), "the rest is text: {html}");
        // Ordinary nesting is left as written.
        let html = to_safe_html("- a\n  - b\n\n> quoted\n> > twice\n\n1. one\n2) two\n");
        assert_eq!(html.matches("<ul>").count(), 2, "{html}");
        assert_eq!(html.matches("<blockquote>").count(), 2, "{html}");
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = to_safe_html(
            "Hi <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("Hi"));
    }
}
