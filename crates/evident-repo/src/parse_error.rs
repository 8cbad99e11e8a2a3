//! Turns YAML and TOML parser errors into diagnostics with a field and a hint.

use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, to_u32};
use evident_core::suggest;

/// A serde-saphyr error in front matter that starts at `line_offset` lines into `src`.
pub fn yaml(src: &SourceFile, line_offset: u32, err: &serde_saphyr::Error) -> Diagnostic {
    let (line, column) = err
        .location()
        .map(|l| (to_u32(l.line() as usize), to_u32(l.column() as usize)))
        .unwrap_or((1, 1));
    let line = line.max(1) + line_offset;
    let raw = err.without_snippet().to_string();
    // The parser appends its own position; ours already says where.
    let message = match raw.rfind(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw,
    };
    finish(src, line, column, message)
}

/// A toml error, located by its byte span in `src`.
pub fn toml(src: &SourceFile, err: &toml::de::Error) -> Diagnostic {
    let (line, column) = err.span().map_or((1, 1), |s| src.line_col(s.start));
    finish(src, line, column, err.message().trim().to_string())
}

fn finish(src: &SourceFile, line: u32, column: u32, message: String) -> Diagnostic {
    let named = quoted(&message);
    let field = match &named {
        Some(name)
            if message.starts_with("unknown field") || message.starts_with("missing field") =>
        {
            name.clone()
        }
        _ => src.key_on_line(line),
    };
    let hint = hint_for(&message, named.as_deref());
    let d = Diagnostic::error(&src.rel, line, column, &field, message);
    match hint {
        Some(h) => d.hint(h),
        None => d,
    }
}

fn hint_for(message: &str, named: Option<&str>) -> Option<String> {
    let expected = message.split_once("expected ").map(|(_, rest)| rest);
    if let (Some(name), Some(list)) = (named, expected)
        && (message.starts_with("unknown field") || message.starts_with("unknown variant"))
    {
        let choices: Vec<&str> = list
            .trim_start_matches("one of ")
            .split([',', ' '])
            .map(|c| c.trim_matches(['`', ' ']))
            .filter(|c| !c.is_empty() && *c != "or")
            .collect();
        return Some(match suggest::closest(name, choices.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("allowed here: {}", choices.join(", ")),
        });
    }
    if message.starts_with("missing field") {
        return named.map(|n| format!("add `{n}:`; docs/trust-repo.md lists every field"));
    }
    if message.contains("duplicate mapping key") {
        return Some("each key may appear once; remove or merge the repeated one".into());
    }
    if message.contains("recursion limit") {
        return Some(
            "the document nests too deeply; trust-repo files are a few levels deep".into(),
        );
    }
    if message.contains("expected a sequence") || message.contains("expected sequence") {
        return Some("write a list, e.g. [CC6.1, CC6.2]".into());
    }
    None
}

/// The first `backticked` word of a message.
fn quoted(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_gets_did_you_mean() {
        let h = hint_for(
            "unknown field `ownr`, expected one of id, owner, title",
            Some("ownr"),
        );
        assert_eq!(h.as_deref(), Some("did you mean `owner`?"));
        let h = hint_for("unknown field `xy`, expected `name` or `x`", Some("xy"));
        assert_eq!(h.as_deref(), Some("did you mean `x`?"));
        let h = hint_for(
            "unknown field `zzzzzz`, expected `name` or `x`",
            Some("zzzzzz"),
        );
        assert_eq!(h.as_deref(), Some("allowed here: name, x"));
    }
}
