//! OSV advisory records (the schema osv.dev, the GitHub Advisory Database and
//! the PyPA database publish) matched to an SBOM's components: by package
//! (ecosystem and name, from the component's package URL) and version (the
//! record's `versions` list, then its `SEMVER`/`ECOSYSTEM` ranges).

use serde_json::Value;
use std::cmp::Ordering;

/// One advisory record, as far as matching and judging need it.
#[derive(Debug)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
    /// `critical`, `high`, `medium`, `low` or `unknown`.
    pub severity: &'static str,
    pub affected: Vec<Affected>,
    /// The file it was read from, relative to the trust repo.
    pub file: String,
}

#[derive(Debug)]
pub struct Affected {
    pub ecosystem: String,
    pub name: String,
    pub versions: Vec<String>,
    /// `(introduced, fixed, last_affected)` events of SEMVER and ECOSYSTEM ranges.
    pub ranges: Vec<Vec<Event>>,
}

#[derive(Debug)]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
}

/// A package as OSV names it: its ecosystem and its name there.
#[derive(Debug, PartialEq, Eq)]
pub struct Package {
    pub ecosystem: &'static str,
    pub name: String,
    pub version: Option<String>,
}

impl Advisory {
    /// Reads one OSV record; `None` when it is not one (no `id`).
    pub fn from_json(doc: &Value, file: &str) -> Option<Advisory> {
        let id = doc["id"].as_str()?.to_string();
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let affected = doc["affected"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|a| Affected {
                ecosystem: a["package"]["ecosystem"].as_str().unwrap_or("").to_string(),
                name: a["package"]["name"].as_str().unwrap_or("").to_string(),
                versions: strings(&a["versions"]),
                ranges: a["ranges"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    // GIT ranges name commits, which an SBOM's versions are not.
                    .filter(|r| matches!(r["type"].as_str(), Some("SEMVER" | "ECOSYSTEM")))
                    .map(|r| events(&r["events"]))
                    .collect(),
            })
            .collect();
        Some(Advisory {
            aliases: strings(&doc["aliases"]),
            summary: doc["summary"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(300)
                .collect(),
            severity: severity_of(doc),
            affected,
            file: file.to_string(),
            id,
        })
    }

    /// Whether this advisory affects `package` at its version.
    pub fn affects(&self, package: &Package) -> bool {
        let Some(version) = &package.version else {
            return false;
        };
        self.affected.iter().any(|a| {
            ecosystem_base(&a.ecosystem) == package.ecosystem
                && normalise(package.ecosystem, &a.name) == package.name
                && (a.versions.iter().any(|v| v == version)
                    || a.ranges.iter().any(|r| in_range(r, version)))
        })
    }

    /// The first fixed version named for `package`, when there is one.
    pub fn fixed_for(&self, package: &Package) -> Option<&str> {
        self.affected
            .iter()
            .filter(|a| normalise(package.ecosystem, &a.name) == package.name)
            .flat_map(|a| a.ranges.iter().flatten())
            .find_map(|e| match e {
                Event::Fixed(v) => Some(v.as_str()),
                _ => None,
            })
    }
}

fn events(v: &Value) -> Vec<Event> {
    v.as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| {
            let text = |k: &str| e[k].as_str().map(String::from);
            text("introduced")
                .map(Event::Introduced)
                .or_else(|| text("fixed").map(Event::Fixed))
                .or_else(|| text("last_affected").map(Event::LastAffected))
        })
        .collect()
}

/// A range's events in order: affected from an `introduced` until the next
/// `fixed` (exclusive) or `last_affected` (inclusive), as the OSV schema's
/// evaluation algorithm says.
fn in_range(events: &[Event], version: &str) -> bool {
    let mut sorted: Vec<(&str, &Event)> = events
        .iter()
        .map(|e| match e {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) => (v.as_str(), e),
        })
        .collect();
    sorted.sort_by(|a, b| compare(a.0, b.0));
    let mut affected = false;
    for (at, event) in sorted {
        let order = compare(version, at);
        match event {
            Event::Introduced(_) if order != Ordering::Less => affected = true,
            Event::Fixed(_) if order != Ordering::Less => affected = false,
            Event::LastAffected(_) if order == Ordering::Greater => affected = false,
            _ => {}
        }
    }
    affected
}

/// Orders versions segment by segment: numbers as numbers; a pre-release tag
/// (`a`, `b`, `rc`, `alpha`, `beta`, `dev`, `pre`, or SemVer's `-…`) before the
/// release it precedes, and a post-release (`post`, or another word) after.
/// `"0"` (OSV's "since the first version") precedes everything.
pub fn compare(a: &str, b: &str) -> Ordering {
    if a == "0" || b == "0" {
        return match (a == "0", b == "0") {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            _ => Ordering::Greater,
        };
    }
    let (ta, tb) = (tokens(a), tokens(b));
    for i in 0..ta.len().max(tb.len()) {
        let order = match (ta.get(i), tb.get(i)) {
            (Some(x), Some(y)) => x.cmp(y),
            // 1.0 is 1.0.0: a missing number is a zero.
            (Some(Token::Number(0)), None) | (None, Some(Token::Number(0))) => Ordering::Equal,
            (Some(x), None) => x.cmp(&Token::End),
            (None, Some(y)) => Token::End.cmp(y),
            (None, None) => Ordering::Equal,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// One segment of a version. The order of variants is the order of versions:
/// a pre-release sorts before the end of the release, numbers and
/// post-releases after it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Pre(String),
    End,
    Post(String),
    Number(u64),
}

fn tokens(version: &str) -> Vec<Token> {
    // Build metadata (`+…`) does not order versions; a leading `v` is a tag's.
    let version = version.split('+').next().unwrap_or("");
    let version = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let mut out = Vec::new();
    let mut chars = version.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            out.push(Token::Number(n.parse().unwrap_or(u64::MAX)));
        } else if c.is_ascii_alphabetic() {
            let mut w = String::new();
            while let Some(l) = chars.peek().filter(|l| l.is_ascii_alphabetic()) {
                w.push(l.to_ascii_lowercase());
                chars.next();
            }
            let pre = [
                "a", "b", "c", "rc", "alpha", "beta", "dev", "pre", "preview",
            ];
            out.push(if pre.contains(&w.as_str()) {
                Token::Pre(w)
            } else {
                Token::Post(w)
            });
        } else {
            // SemVer's `1.0.0-rc.1`: a hyphen before a word starts a pre-release.
            chars.next();
            if c == '-' && chars.peek().is_some_and(|l| l.is_ascii_alphabetic()) {
                let mut w = String::new();
                while let Some(l) = chars.peek().filter(|l| l.is_ascii_alphanumeric()) {
                    w.push(l.to_ascii_lowercase());
                    chars.next();
                }
                if w.starts_with("post") {
                    out.push(Token::Post(w));
                } else {
                    out.push(Token::Pre(w));
                }
            }
        }
    }
    out
}

/// The severity of a record: GitHub's `database_specific.severity`, else the
/// worst CVSS vector it gives, else `unknown`.
fn severity_of(doc: &Value) -> &'static str {
    if let Some(s) = doc["database_specific"]["severity"].as_str()
        && let Some(named) = named_severity(s)
    {
        return named;
    }
    let scores = doc["severity"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    scores
        .iter()
        .filter_map(|s| s["score"].as_str()?.parse::<cvss::Cvss>().ok())
        .map(|c| c.severity().as_str())
        .filter_map(named_severity)
        .min_by_key(|s| rank(s))
        .unwrap_or("unknown")
}

/// A severity word as evident names it (GitHub's `MODERATE` is `medium`).
pub fn named_severity(word: &str) -> Option<&'static str> {
    match word.to_ascii_lowercase().as_str() {
        "critical" => Some("critical"),
        "high" => Some("high"),
        "moderate" | "medium" => Some("medium"),
        "low" => Some("low"),
        "unknown" => Some("unknown"),
        _ => None,
    }
}

/// Worst first: critical 0 … unknown 4.
pub fn rank(severity: &str) -> usize {
    ["critical", "high", "medium", "low", "unknown"]
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(4)
}

/// The OSV ecosystem of a package URL's type, and its name there.
pub fn package_of(purl: &str) -> Option<Package> {
    let rest = purl.strip_prefix("pkg:")?;
    let rest = rest.split(['?', '#']).next()?;
    let (path, version) = match rest.rsplit_once('@') {
        Some((p, v)) if !p.is_empty() => (p, Some(decode(v))),
        _ => (rest, None),
    };
    let (kind, name) = path.split_once('/')?;
    let ecosystem = match kind.to_ascii_lowercase().as_str() {
        "pypi" => "PyPI",
        "npm" => "npm",
        "cargo" => "crates.io",
        "golang" => "Go",
        "maven" => "Maven",
        "gem" => "RubyGems",
        "nuget" => "NuGet",
        "composer" => "Packagist",
        "hex" => "Hex",
        "pub" => "Pub",
        "swift" => "SwiftURL",
        _ => return None,
    };
    let name = decode(name);
    // Maven's group and artifact are `group:artifact` in OSV.
    let name = if ecosystem == "Maven" {
        name.replacen('/', ":", 1)
    } else {
        name
    };
    Some(Package {
        ecosystem,
        name: normalise(ecosystem, &name),
        version,
    })
}

/// `Debian:12` is Debian's; a record's ecosystem without its release.
fn ecosystem_base(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

/// Names as the ecosystem compares them: PyPI's are case-insensitive with
/// `-`, `_` and `.` alike (PEP 503); the rest compare as written.
fn normalise(ecosystem: &str, name: &str) -> String {
    if ecosystem == "PyPI" {
        name.to_ascii_lowercase().replace(['_', '.'], "-")
    } else {
        name.to_string()
    }
}

/// Percent-decoding of a package URL's parts.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_versions_as_pep440_and_semver_do() {
        let ascending = [
            "0.9",
            "1.0.0a1",
            "1.0.0b2",
            "1.0.0rc1",
            "1.0.0",
            "1.0.0.post1",
            "1.0.1",
            "1.10",
            "23.2.1",
            "23.3",
            "65.5.0",
            "65.5.1",
            "70.0.0",
        ];
        for pair in ascending.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Ordering::Less, "{pair:?}");
            assert_eq!(compare(pair[1], pair[0]), Ordering::Greater, "{pair:?}");
        }
        assert_eq!(compare("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(compare("2.0.0-rc.1", "2.0.0"), Ordering::Less);
        assert_eq!(compare("v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(compare("1.2.3+build.7", "1.2.3"), Ordering::Equal);
        assert_eq!(compare("0", "0.0.1"), Ordering::Less);
    }

    #[test]
    fn ranges_follow_the_osv_algorithm() {
        let range = vec![
            Event::Introduced("1.2".into()),
            Event::Fixed("1.4".into()),
            Event::Introduced("2.0".into()),
            Event::LastAffected("2.1".into()),
        ];
        for (v, affected) in [
            ("1.1", false),
            ("1.2", true),
            ("1.3.9", true),
            ("1.4", false),
            ("1.9", false),
            ("2.0", true),
            ("2.1", true),
            ("2.1.1", false),
        ] {
            assert_eq!(in_range(&range, v), affected, "{v}");
        }
    }

    #[test]
    fn package_urls_name_osv_packages() {
        let p = package_of("pkg:pypi/Foo.Bar_baz@1.0?extra=x").unwrap();
        assert_eq!(
            (p.ecosystem, p.name.as_str(), p.version.as_deref()),
            ("PyPI", "foo-bar-baz", Some("1.0"))
        );
        let p = package_of("pkg:npm/%40scope/name@2.0.0").unwrap();
        assert_eq!(p.name, "@scope/name");
        let p = package_of("pkg:maven/org.example/lib@3").unwrap();
        assert_eq!(p.name, "org.example:lib");
        assert_eq!(package_of("pkg:cargo/serde").unwrap().version, None);
        assert!(package_of("pkg:unknown/x@1").is_none());
        assert!(package_of("not a purl").is_none());
    }
}
