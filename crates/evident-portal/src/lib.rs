//! The trust portal: a static site from the same judgement the auditor's package
//! reads, so the two can never disagree.
//!
//! [`build`] is pure: it takes the judgement (the program, its derived status,
//! gaps and history), the latest checkpoint and the templates, renders the trust
//! repo's Markdown itself, and hands each file of the site (path and bytes) to
//! the caller's `put`. Only public things reach the site: private controls,
//! items, gaps and register entries are dropped in `view.rs` before any
//! template sees them, and private controls' Markdown is never rendered.

pub mod charts;
mod markdown;
mod view;

use evident_core::judgement::Judgement;
use evident_core::model::Page;
use markdown::Prose;

pub use markdown::to_safe_html;

/// What the portal is built from.
pub struct Inputs<'a> {
    /// The program judged as of the build.
    pub judgement: &'a Judgement<'a>,
    /// The latest signed checkpoint, as text.
    pub checkpoint: Option<String>,
    /// The ledger's public key file, as text.
    pub public_key: Option<String>,
    /// Templates from the trust repo that replace the built-in ones, by file name.
    pub overrides: Vec<(String, String)>,
}

/// Why a build stopped.
#[derive(Debug)]
pub enum Failed<E> {
    /// A template did not render (one from the trust repo, as a rule).
    Template(String),
    /// The caller's `put` refused a file.
    Put(E),
}

const BUILT_IN: [(&str, &str); 19] = [
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("criteria.html", include_str!("../templates/criteria.html")),
    ("control.html", include_str!("../templates/control.html")),
    ("missing.html", include_str!("../templates/missing.html")),
    (
        "subprocessors.html",
        include_str!("../templates/subprocessors.html"),
    ),
    (
        "disclosure.html",
        include_str!("../templates/disclosure.html"),
    ),
    ("changes.html", include_str!("../templates/changes.html")),
    ("records.html", include_str!("../templates/records.html")),
    ("verify.html", include_str!("../templates/verify.html")),
    ("feed.xml", include_str!("../templates/feed.xml")),
    ("security.txt", include_str!("../templates/security.txt")),
    ("style.css", include_str!("../templates/style.css")),
    (
        "chart-bars.svg",
        include_str!("../templates/chart-bars.svg"),
    ),
    (
        "chart-line.svg",
        include_str!("../templates/chart-line.svg"),
    ),
    (
        "chart-months.svg",
        include_str!("../templates/chart-months.svg"),
    ),
    ("metrics.html", include_str!("../templates/metrics.html")),
    ("sitemap.xml", include_str!("../templates/sitemap.xml")),
];

/// How a template's values are escaped, by its file name: HTML, XML and SVG
/// as HTML; security.txt and the stylesheet not at all (their values are
/// checked where they enter and made one line in `view.rs`).
fn escape_for(name: &str) -> minijinja::AutoEscape {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html" | "xml" | "svg") => minijinja::AutoEscape::Html,
        _ => minijinja::AutoEscape::None,
    }
}

/// Any serialisable value as a template value.
fn v<T: serde::Serialize>(x: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(x))
}

/// The names of the templates a trust repo may override.
pub fn template_names() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().map(|(n, _)| *n)
}

/// A page's context, made when the page is rendered.
type Context<'s> = Box<dyn Fn() -> minijinja::Value + 's>;

/// A page to render: its path, its template, the way back to the site root from
/// it, and its context.
type Job<'s> = (String, &'static str, &'static str, Context<'s>);

/// Where a control's page is, inside the site.
fn control_page(id: &str) -> String {
    format!("controls/{id}.html")
}

/// A page at the site root.
fn page<'s>(path: &str, template: &'static str, context: Context<'s>) -> Job<'s> {
    (path.to_string(), template, "", context)
}

/// The metrics charts alone (the server's dashboard draws the same ones as
/// the portal's metrics page), with the built-in chart template.
pub fn metric_charts(
    metrics: &evident_core::metrics::Metrics,
) -> Result<Vec<charts::MetricChart>, String> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(escape_for);
    let (name, source) = BUILT_IN
        .iter()
        .find(|(n, _)| *n == "chart-months.svg")
        .expect("the chart template is built in");
    env.add_template(name, source).map_err(|e| e.to_string())?;
    charts::metrics(&env, metrics)
}

/// Renders the whole site, handing each file to `put` (a path relative to the
/// site root, and its bytes).
pub fn build<E>(
    inputs: &Inputs<'_>,
    mut put: impl FnMut(&str, &[u8]) -> Result<(), E>,
) -> Result<(), Failed<E>> {
    let mut env = minijinja::Environment::new();
    // security.txt must end every line, the last one too, with a newline (RFC 9116).
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| Failed::Template(e.to_string()))?;
    env.set_syntax(syntax);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Every value is escaped for the format it lands in.
    env.set_auto_escape_callback(escape_for);
    // The same marks `evident status` prints beside each status word.
    env.add_filter("symbol", |word: &str| evident_core::status::symbol(word));
    for (name, source) in BUILT_IN {
        let source = inputs
            .overrides
            .iter()
            .find(|(n, _)| n == name)
            .map_or(source.to_string(), |(_, s)| s.clone());
        env.add_template_owned(name.to_string(), source)
            .map_err(|e| Failed::Template(format!("template {name}: {e}")))?;
    }
    let prose = Prose::render(inputs.judgement.program);
    let site = view::Site::new(inputs, &prose);
    let charts = charts::render(&env, inputs).map_err(Failed::Template)?;
    // Made once: every page's context shares them.
    let (meta, charts) = (v(&site.meta), v(&charts));
    let render = |name: &str, root: &str, extra: minijinja::Value| -> Result<Vec<u8>, String> {
        let ctx = minijinja::context! { site => meta.clone(), root => minijinja::Value::from_safe_string(root.to_string()), charts => charts.clone(), ..extra };
        env.get_template(name)
            .and_then(|t| t.render(ctx))
            .map(String::into_bytes)
            .map_err(|e| format!("template {name}: {e:#}"))
    };
    // Every page as a job: (path, template, link root, its own context, made
    // when rendered).
    let published = |p: Page| inputs.judgement.program.config.portal.pages.contains(&p);
    let metric_charts = if published(Page::Metrics) {
        charts::metrics(&env, &inputs.judgement.metrics).map_err(Failed::Template)?
    } else {
        Vec::new()
    };
    let mut jobs: Vec<Job<'_>> = vec![page(
        "index.html",
        "index.html",
        Box::new(|| {
            minijinja::context! {
                statement => v(&site.statement),
                categories => v(&site.categories),
            }
        }),
    )];
    if published(Page::Criteria) {
        jobs.push(page(
            "criteria.html",
            "criteria.html",
            Box::new(|| minijinja::context! { criteria => v(&site.criteria) }),
        ));
    }
    if published(Page::Changes) {
        let context = || minijinja::context! { changes => v(&site.changes), withdrawn => v(&site.withdrawn), journal => v(&site.journal), feed_id => v(&site.feed_id) };
        jobs.push(page("changes.html", "changes.html", Box::new(context)));
        jobs.push(page("feed.xml", "feed.xml", Box::new(context)));
    }
    if published(Page::Controls) {
        for c in &site.controls {
            jobs.push((
                control_page(&c.id),
                "control.html",
                "../",
                Box::new(move || minijinja::context! { control => v(c) }),
            ));
        }
    }
    let more: [(Page, &str, Context<'_>); 5] = [
        (
            Page::Missing,
            "missing.html",
            Box::new(
                || minijinja::context! { findings => v(&site.findings), statement => v(&site.statement) },
            ),
        ),
        (
            Page::Subprocessors,
            "subprocessors.html",
            Box::new(|| minijinja::context! { subprocessors => v(&site.subprocessors) }),
        ),
        (
            Page::Records,
            "records.html",
            Box::new(|| minijinja::context! { records => v(&site.records) }),
        ),
        (
            Page::Disclosure,
            "disclosure.html",
            Box::new(|| minijinja::context! { disclosure => v(&site.disclosure) }),
        ),
        (
            Page::Verify,
            "verify.html",
            Box::new(|| {
                minijinja::context! {
                    checkpoint => v(&site.checkpoint),
                    public_key => v(&inputs.public_key),
                }
            }),
        ),
    ];
    if published(Page::Metrics) {
        jobs.push(page(
            "metrics.html",
            "metrics.html",
            Box::new(|| {
                minijinja::context! {
                    metric_charts => v(&metric_charts),
                    metrics_window => v(&inputs.judgement.metrics.window),
                }
            }),
        ));
    }
    for (p, name, context) in more {
        if published(p) {
            jobs.push(page(name, name, context));
        }
    }
    jobs.extend([
        page(
            ".well-known/security.txt",
            "security.txt",
            Box::new(|| minijinja::context! { expires => v(&site.security_txt_expires), canonical => v(&site.security_txt_canonical), disclosure => v(&site.disclosure) }),
        ),
        page("style.css", "style.css", Box::new(|| minijinja::context! {})),
    ]);
    for (path, template, root, context) in &jobs {
        let bytes = render(template, root, context()).map_err(Failed::Template)?;
        put(path, &bytes).map_err(Failed::Put)?;
    }
    // What the "How to verify" page tells a reader to download.
    if published(Page::Verify) {
        let files = [
            ("ledger.pub", &inputs.public_key),
            ("checkpoint.txt", &inputs.checkpoint),
        ];
        for (path, text) in files {
            if let Some(text) = text {
                put(path, text.as_bytes()).map_err(Failed::Put)?;
            }
        }
    }
    if site.meta.base_url.is_some() {
        let paths: Vec<&str> = jobs
            .iter()
            .map(|(path, ..)| path.as_str())
            .filter(|p| p.ends_with(".html"))
            .collect();
        let sitemap = render(
            "sitemap.xml",
            "",
            minijinja::context! { paths => v(&paths) },
        )
        .map_err(Failed::Template)?;
        put("sitemap.xml", &sitemap).map_err(Failed::Put)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Values that are already safe HTML: rendered and cleaned Markdown, and
    /// the charts this crate draws from numbers and escaped templates.
    const SAFE_HTML: [&str; 5] = [
        "charts.by_category",
        "charts.over_time",
        "s.html",
        "journal",
        "disclosure.policy_html",
    ];

    /// What security.txt may print: each is checked where it enters (no line
    /// break, an address or a tag) and made one line in `view.rs`.
    const ONE_LINE: [&str; 10] = [
        "site.security_contact",
        "expires",
        "canonical",
        "site.disclosure_policy",
        "site.base_url",
        "site.languages | join(\", \")",
        "disclosure.encryption",
        "disclosure.acknowledgments",
        "disclosure.response_time",
        "disclosure.safe_harbour",
    ];

    /// Walks every `{{ ... }}` of every built-in template: in HTML, XML and SVG
    /// each is escaped unless it is a known safe value; security.txt prints
    /// only one-line values; the stylesheet prints none.
    #[test]
    fn every_template_variable_is_escaped_for_its_format() {
        let mut env = minijinja::Environment::new();
        let mut walked = 0;
        for (name, source) in super::BUILT_IN {
            let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
            for expr in source.split("{{").skip(1) {
                let expr = expr.split("}}").next().unwrap().trim();
                walked += 1;
                match ext {
                    "html" | "xml" | "svg" => {
                        if let Some(value) = expr.strip_suffix("| safe") {
                            assert!(
                                SAFE_HTML.contains(&value.trim()),
                                "{name}: `{expr}` is printed unescaped"
                            );
                        }
                    }
                    "txt" => assert!(
                        ONE_LINE.contains(&expr),
                        "{name}: `{expr}` is not a checked one-line value"
                    ),
                    _ => panic!("{name}: `{expr}` in a file with no escaping"),
                }
            }
        }
        // And the build escapes what the walk expects it to.
        env.set_auto_escape_callback(super::escape_for);
        assert!(walked > 100, "only {walked} template expressions walked");
        env.add_template("t.svg", "{{ v }}").unwrap();
        let out = env
            .get_template("t.svg")
            .unwrap()
            .render(minijinja::context! { v => "<script>" })
            .unwrap();
        assert_eq!(out, "&lt;script&gt;");
    }
}
