//! Markdown documents with a YAML front matter block: splitting and sections.

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// A document split at its front matter.
pub struct Split<'a> {
    pub front_matter: &'a str,
    /// Lines before the YAML starts (the opening `---`), to turn YAML lines into file lines.
    pub yaml_line_offset: u32,
    pub body: &'a str,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
}

/// Splits `---\n<yaml>\n---\n<markdown>`. The closing fence may also be `...`.
pub fn split(src: &SourceFile) -> Result<Split<'_>, Diagnostic> {
    let text = src.text.strip_prefix('\u{feff}').unwrap_or(&src.text);
    let bom = src.text.len() - text.len();
    if text.trim().is_empty() {
        return Err(Diagnostic::error(&src.rel, 1, 1, "", "file is empty")
            .hint("start with a front matter block: a line `---`, the YAML fields, a line `---`"));
    }
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_line_end].trim_end() != "---" {
        return Err(Diagnostic::error(
            &src.rel,
            1,
            1,
            "",
            "no front matter: the first line must be `---`",
        )
        .hint("open the file with `---`, the YAML fields (id, title, ...), then a closing `---`"));
    }
    let mut pos = first_line_end;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let line = text[pos..end].trim_end();
        if line == "---" || line == "..." {
            return Ok(Split {
                front_matter: &text[first_line_end..pos],
                yaml_line_offset: 1,
                body: &text[end..],
                body_offset: bom + end,
            });
        }
        pos = end;
    }
    Err(
        Diagnostic::error(&src.rel, 1, 1, "", "front matter is never closed")
            .hint("add a line `---` after the last YAML field"),
    )
}

/// The YAML of a front matter block, when `text` opens with one.
pub fn front_matter(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut pos = 0;
    while pos < rest.len() {
        let end = rest[pos..].find('\n').map_or(rest.len(), |i| pos + i + 1);
        if matches!(rest[pos..end].trim_end(), "---" | "...") {
            return Some(&rest[..pos]);
        }
        pos = end;
    }
    None
}

/// A `## Heading` section of a Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    /// 1-based line of the heading in the file.
    pub line: u32,
    /// The Markdown between this heading and the next heading of level 1 or 2.
    pub markdown: String,
}

/// The level-2 sections of `split.body`, in order.
pub fn sections(src: &SourceFile, split: &Split<'_>) -> Vec<Section> {
    let body = split.body;
    let mut heads: Vec<(String, usize, usize, bool)> = Vec::new(); // title, start, end, level 2?
    let mut current: Option<(String, usize, bool)> = None;
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H2 => {
                current = Some((String::new(), range.start, level == HeadingLevel::H2));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((title, _, _)) = current.as_mut() {
                    title.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((title, start, is_h2)) = current.take() {
                    heads.push((title.trim().to_string(), start, range.end, is_h2));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, (title, start, end, is_h2)) in heads.iter().enumerate() {
        if !is_h2 {
            continue;
        }
        let next = heads.get(i + 1).map_or(body.len(), |h| h.1);
        let (line, _) = src.line_col(split.body_offset + start);
        out.push(Section {
            title: title.clone(),
            line,
            markdown: body[*end..next.max(*end)].trim().to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_finds_sections() {
        let text = "---\nid: A\n---\n# Title\n\n## Statement\n\nWe do X.\n\n## Implementation\n\nLike `this`.\n### Detail\nmore\n";
        let src = SourceFile::new("c.md", text.to_string());
        let s = split(&src).unwrap();
        assert_eq!(s.front_matter, "id: A\n");
        let secs = sections(&src, &s);
        assert_eq!(secs.len(), 2);
        assert_eq!(secs[0].title, "Statement");
        assert_eq!(secs[0].line, 6);
        assert_eq!(secs[0].markdown, "We do X.");
        assert_eq!(secs[1].title, "Implementation");
        assert!(secs[1].markdown.contains("### Detail"));
    }

    #[test]
    fn rejects_missing_or_unclosed_front_matter() {
        for text in ["", "  \n", "# no front matter\n", "---\nid: A\n"] {
            assert!(
                split(&SourceFile::new("c.md", text.to_string())).is_err(),
                "{text:?}"
            );
        }
    }
}
