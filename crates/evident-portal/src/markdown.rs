//! Markdown from the trust repo to HTML that is safe to publish: rendered with
//! pulldown-cmark, then cleaned by ammonia, so a `<script>`, an event handler or
//! a `javascript:` link written in a control page renders inert, and relative
//! links (which would point into the trust repo, not the site) are dropped.

use evident_core::model::{TrustProgram, Visibility};
use std::collections::HashMap;

/// The trust repo's Markdown that the site shows, already made safe: each
/// public control's sections (Statement, Implementation and any other, in
/// order), and the hardening journal.
/// It depends on the trust repo alone, so a build renders it on one core while
/// the other groups the ledger's history and derives the status (work that
/// cannot be split, and would otherwise leave that core idle).
pub struct Prose {
    /// Each public control's sections, in order: (title, HTML).
    controls: HashMap<String, Vec<(String, String)>>,
    journal: Option<String>,
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
        }
    }

    /// A public control's sections, in order, as (title, HTML).
    pub(crate) fn control(&self, id: &str) -> Option<&Vec<(String, String)>> {
        self.controls.get(id)
    }

    pub(crate) fn journal(&self) -> Option<&str> {
        self.journal.as_deref()
    }
}

pub fn to_safe_html(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(
        markdown,
        pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH,
    );
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    CLEANER.clean(&html).to_string()
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
