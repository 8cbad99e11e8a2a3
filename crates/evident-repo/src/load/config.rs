//! `evident.toml`: the organisation, the audit scope, portal settings and SLAs.

use super::{CONFIG_FILE, Cx};
use crate::diagnostic::Diagnostic;
use crate::parse_error;
use crate::schema::{ConfigDoc, SCHEMA_VERSION};
use evident_core::model::{
    Audit, AuditType, Auditor, Config, DisclosureTerms, Escalation, MetricSources, NotApplicable,
    Org, Portal, S3Location, SlaDays, TimestampAuthority, Witness,
};
use evident_core::sample::SampleSizes;
use evident_core::time::Interval;

pub(super) fn load(cx: &mut Cx<'_>) -> Option<Config> {
    let path = cx.root.join(CONFIG_FILE);
    if !path.is_file() {
        cx.diags.push(
            Diagnostic::error(
                CONFIG_FILE,
                1,
                1,
                "",
                format!(
                    "no {CONFIG_FILE}: {} is not a trust repo",
                    cx.root.display()
                ),
            )
            .hint("run `evident init` to scaffold one, or pass the repo with `-C DIR`"),
        );
        return None;
    }
    let src = cx.read(CONFIG_FILE)?;
    let mut doc: ConfigDoc = match toml::from_str(&src.text) {
        Ok(doc) => doc,
        Err(e) => {
            cx.diags.push(parse_error::toml(&src, &e));
            return None;
        }
    };
    let at = |span: std::ops::Range<usize>| src.line_col(span.start);
    let err = |span: std::ops::Range<usize>, field: &str, msg: String| {
        let (l, c) = at(span);
        Diagnostic::error(CONFIG_FILE, l, c, field, msg)
    };

    if *doc.schema.get_ref() != i64::from(SCHEMA_VERSION) {
        cx.diags.push(
            err(
                doc.schema.span(),
                "schema",
                format!(
                    "schema {} is not one this evident reads",
                    doc.schema.get_ref()
                ),
            )
            .hint(format!(
                "set `schema = {SCHEMA_VERSION}`; docs/trust-repo.md describes it"
            )),
        );
    }
    if let Some(db) = &doc.database {
        let url = db.get_ref();
        let known = ["sqlite:", "postgres://", "postgresql://"];
        if !known.iter().any(|p| url.starts_with(p)) || url == "sqlite:" {
            cx.diags.push(
                err(
                    db.span(),
                    "database",
                    format!("`{url}` is not a database evident can use"),
                )
                .hint(
                    "write `sqlite:.evident/ledger.db` (the default) or `postgres://USER@HOST/DB`",
                ),
            );
        }
    }
    let s3 = doc.blobs.s3.map(|spanned| {
        let span = spanned.span();
        let d = spanned.into_inner();
        let location = S3Location {
            endpoint: d.endpoint.trim_end_matches('/').to_string(),
            bucket: d.bucket,
            region: d
                .region
                .unwrap_or_else(|| S3Location::DEFAULT_REGION.into()),
            prefix: d.prefix.unwrap_or_default(),
        };
        if let Some((field, message)) = location.problem() {
            cx.diags.push(
                err(span, &format!("blobs.s3.{field}"), message)
                    .hint("docs/server.md describes S3-compatible storage"),
            );
        }
        location
    });
    for (field, value) in [
        ("org.name", &doc.org.name),
        ("org.security_contact", &doc.org.security_contact),
    ] {
        if value.get_ref().trim().is_empty() {
            cx.diags
                .push(err(value.span(), field, "must not be empty".into()));
        }
    }

    // Values that reach links, sitemap.xml and security.txt: a web address
    // with an allowed scheme, an e-mail address, language tags; never a line
    // break that would add a line of its own.
    let urls = [
        ("org.url", doc.org.url.as_ref()),
        ("portal.base_url", doc.portal.base_url.as_ref()),
        (
            "portal.disclosure_policy",
            doc.portal.disclosure_policy.as_ref(),
        ),
    ];
    let terms = &doc.portal.disclosure;
    let urls = urls.into_iter().chain([
        ("portal.disclosure.bounty", terms.bounty.as_ref()),
        ("portal.disclosure.encryption", terms.encryption.as_ref()),
        (
            "portal.disclosure.acknowledgments",
            terms.acknowledgments.as_ref(),
        ),
    ]);
    for (field, value) in urls.filter_map(|(f, v)| Some((f, v?))) {
        if let Some(why) = web_address_problem(value.get_ref()) {
            cx.diags
                .push(err(value.span(), field, why).hint(
                    "write an absolute https:// address, e.g. https://acme.example/security",
                ));
        }
    }
    if let Some(request) = &doc.portal.report_request {
        let text = request.get_ref();
        let why = match text.strip_prefix("mailto:") {
            Some(rest) => email_problem(rest.split('?').next().unwrap_or("")).or_else(|| {
                (rest.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()))
                    .then(|| format!("`{}` is not one mailto: address", text.escape_debug()))
            }),
            None => web_address_problem(text),
        };
        if let Some(why) = why {
            cx.diags
                .push(err(request.span(), "portal.report_request", why).hint(
                "write mailto:sales@acme.example?subject=SOC%202%20report or an https:// address",
            ));
        }
    }
    for (field, value, longest) in [
        (
            "portal.disclosure.response_time",
            terms.response_time.as_ref(),
            100,
        ),
        (
            "portal.disclosure.safe_harbour",
            terms.safe_harbour.as_ref(),
            2000,
        ),
    ] {
        let Some(value) = value else { continue };
        let text = value.get_ref();
        let why = if text.trim().is_empty() {
            Some("must not be empty".to_string())
        } else if text.chars().any(char::is_control) {
            Some("holds a line break or a control character; write it on one line".to_string())
        } else if text.chars().count() > longest {
            Some(format!("is longer than {longest} characters"))
        } else {
            None
        };
        if let Some(why) = why {
            cx.diags.push(err(value.span(), field, why));
        }
    }
    let mut pages = Vec::new();
    match &doc.portal.pages {
        None => pages = evident_core::model::Page::DEFAULT.to_vec(),
        Some(list) => {
            for name in list.get_ref() {
                match evident_core::model::Page::parse(name.get_ref()) {
                    Some(p) if pages.contains(&p) => cx.diags.push(err(
                        name.span(),
                        "portal.pages",
                        format!("`{}` is listed twice", p.as_str()),
                    )),
                    Some(p) => pages.push(p),
                    None => {
                        let names: Vec<&str> = evident_core::model::Page::ALL
                            .iter()
                            .map(|p| p.as_str())
                            .collect();
                        cx.diags.push(
                            err(
                                name.span(),
                                "portal.pages",
                                format!("`{}` is not a portal page", name.get_ref().escape_debug()),
                            )
                            .hint(format!(
                                "the pages are: {} (the overview is always published)",
                                names.join(", ")
                            )),
                        );
                    }
                }
            }
        }
    }
    let detail = match doc
        .portal
        .detail
        .as_ref()
        .map(|d| (d.get_ref().as_str(), d.span()))
    {
        None | Some(("summary", _)) => evident_core::model::Detail::Summary,
        Some(("full", _)) => evident_core::model::Detail::Full,
        Some((other, span)) => {
            cx.diags.push(
                err(span, "portal.detail", format!("`{}` is not a detail level", other.escape_debug()))
                    .hint("write \"summary\" (state and how long) or \"full\" (what the evidence says too)"),
            );
            evident_core::model::Detail::Summary
        }
    };
    if let Some(why) = email_problem(doc.org.security_contact.get_ref()) {
        cx.diags.push(
            err(doc.org.security_contact.span(), "org.security_contact", why).hint(
                "write one e-mail address, e.g. security@acme.example (security.txt adds mailto:)",
            ),
        );
    }
    for lang in &doc.portal.languages {
        if !language_tag(lang.get_ref()) {
            cx.diags.push(
                err(
                    lang.span(),
                    "portal.languages",
                    format!("`{}` is not a language tag", lang.get_ref().escape_debug()),
                )
                .hint("write tags such as \"en\" or \"de-CH\""),
            );
        }
    }

    let mut categories = vec!["security".to_string()];
    for cat in doc.audit.categories.get_ref() {
        let name = cat.get_ref().to_ascii_lowercase();
        match cx.catalog.category(&name) {
            Some(c) if !categories.contains(&c.id) => categories.push(c.id.clone()),
            Some(_) => {}
            None => {
                let ids: Vec<&str> = cx
                    .catalog
                    .categories
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect();
                let d = err(
                    cat.span(),
                    "audit.categories",
                    format!("unknown category `{}`", cat.get_ref()),
                );
                cx.diags.push(
                    match evident_core::suggest::closest(&name, ids.iter().copied()) {
                        Some(best) => d.hint(format!("did you mean `{best}`?")),
                        None => d.hint(format!("categories: {}", ids.join(", "))),
                    },
                );
            }
        }
    }
    let mut not_applicable = Vec::new();
    let mut declared: Vec<String> = Vec::new();
    for (k, na) in doc.audit.not_applicable.iter().enumerate() {
        let field = format!("audit.not_applicable[{k}]");
        let value = na.get_ref();
        if value.reason.trim().is_empty() {
            cx.diags.push(
                err(na.span(), &format!("{field}.reason"), "give the reason these criteria do not apply".into())
                    .hint("an auditor reads it: e.g. \"we collect no personal information from data subjects\""),
            );
        }
        let mut criteria = Vec::new();
        for id in &value.criteria {
            let problem = match cx.catalog.criterion(id) {
                None => Some(format!("unknown criterion `{id}`")),
                Some(cr) if !categories.contains(&cr.category) => Some(format!(
                    "`{}` is in the {} category, which is not in scope",
                    cr.id, cr.category
                )),
                Some(cr) if declared.contains(&cr.id) => {
                    Some(format!("`{}` is declared not applicable twice", cr.id))
                }
                Some(cr) => {
                    declared.push(cr.id.clone());
                    criteria.push(cr.id.clone());
                    None
                }
            };
            if let Some(message) = problem {
                let d = err(na.span(), &format!("{field}.criteria"), message);
                cx.diags.push(match cx.catalog.closest_criterion(id) {
                    Some(best) if cx.catalog.criterion(id).is_none() => {
                        d.hint(format!("did you mean `{best}`?"))
                    }
                    _ => d.hint("`evident catalog` lists the criteria of each category"),
                });
            }
        }
        not_applicable.push(NotApplicable {
            criteria,
            reason: value.reason.trim().to_string(),
        });
    }
    if let Some(w) = &doc.audit.window {
        if w.get_ref().from > w.get_ref().to {
            cx.diags.push(
                err(
                    w.span(),
                    "audit.window",
                    "window ends before it starts".into(),
                )
                .hint("`from` must be on or before `to`"),
            );
        }
    } else if doc.audit.kind == AuditType::Type2 {
        let (l, c) = at(doc.audit.categories.span());
        cx.diags.push(
            Diagnostic::error(
                CONFIG_FILE,
                l,
                c,
                "audit.window",
                "a Type II audit needs an observation window",
            )
            .hint("add `window = { from = 2026-07-01, to = 2026-12-31 }` under [audit]"),
        );
    }

    let mut sla = [0u32; 3];
    for (slot, (field, days)) in sla.iter_mut().zip([
        ("sla.critical", &doc.sla.critical),
        ("sla.major", &doc.sla.major),
        ("sla.minor", &doc.sla.minor),
    ]) {
        match u32::try_from(*days.get_ref()) {
            Ok(n) if (1..=365).contains(&n) => *slot = n,
            _ => cx.diags.push(
                err(
                    days.span(),
                    field,
                    format!("{} is not a number of days from 1 to 365", days.get_ref()),
                )
                .hint("SLA days are whole days, e.g. critical = 1, major = 14, minor = 30"),
            ),
        }
    }
    // `[metrics]`: CONTROL/ITEM names (that the items exist is the metrics' own report).
    let mut metric_items = |list: Vec<toml::Spanned<String>>, field: &str| -> Vec<String> {
        let mut out = Vec::new();
        for name in list {
            let ok = name
                .get_ref()
                .split_once('/')
                .is_some_and(|(c, i)| !c.is_empty() && !i.is_empty() && !i.contains('/'));
            if ok {
                out.push(name.get_ref().clone());
            } else {
                cx.diags.push(
                    err(
                        name.span(),
                        field,
                        format!("`{}` is not CONTROL/ITEM", name.get_ref()),
                    )
                    .hint("name an evidence item as its control's id, a slash and its id, e.g. \"BCP-1/backup-fresh\""),
                );
            }
        }
        out
    };
    let metrics = MetricSources {
        backups: metric_items(std::mem::take(&mut doc.metrics.backups), "metrics.backups"),
        uptime: metric_items(std::mem::take(&mut doc.metrics.uptime), "metrics.uptime"),
    };
    let mut sample = SampleSizes::default();
    for (slot, field, value) in [
        (&mut sample.annual, "sample.annual", &doc.sample.annual),
        (
            &mut sample.quarterly,
            "sample.quarterly",
            &doc.sample.quarterly,
        ),
        (&mut sample.monthly, "sample.monthly", &doc.sample.monthly),
        (&mut sample.weekly, "sample.weekly", &doc.sample.weekly),
        (&mut sample.daily, "sample.daily", &doc.sample.daily),
        (
            &mut sample.continuous,
            "sample.continuous",
            &doc.sample.continuous,
        ),
    ] {
        let Some(value) = value else { continue };
        match usize::try_from(*value.get_ref()) {
            Ok(n) if (1..=1000).contains(&n) => *slot = n,
            _ => cx.diags.push(
                err(
                    value.span(),
                    field,
                    format!("{} is not a sample size from 1 to 1000", value.get_ref()),
                )
                .hint("sample sizes are counts of periods, e.g. daily = 25, weekly = 5"),
            ),
        }
    }
    for (i, w) in doc.witness.iter().enumerate() {
        let (name, url, key) = (&w.get_ref().name, &w.get_ref().url, &w.get_ref().key);
        // A verifier key is NAME+KEYID+BASE64, and base64 itself may hold `+`.
        let mut parts = key.splitn(3, '+');
        let problem = if parts.next() != Some(name.as_str()) || parts.count() != 2 {
            Some((
                "key",
                format!("`{key}` is not a verifier key of `{name}` (NAME+KEYID+KEY)"),
            ))
        } else if !(url.starts_with("https://") || url.starts_with("http://")) {
            Some(("url", format!("`{url}` is not an http(s) URL")))
        } else {
            None
        };
        if let Some((field, message)) = problem {
            let (l, c) = at(w.span());
            cx.diags.push(
                Diagnostic::error(CONFIG_FILE, l, c, &format!("witness[{i}].{field}"), message)
                    .hint("copy the key and address `evident witness serve` prints"),
            );
        }
    }
    if let Some(t) = &doc.timestamp {
        let (l, c) = at(t.span());
        let ts = t.get_ref();
        let cert = std::path::Path::new(&ts.certificate);
        let inside = !cert.is_absolute()
            && !cert
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir));
        let problem = if !evident_core::model::valid_name(&ts.name) {
            Some((
                "name",
                format!("`{}` is not a key name (no spaces or `+`)", ts.name),
            ))
        } else if !(ts.url.starts_with("https://") || ts.url.starts_with("http://")) {
            Some(("url", format!("`{}` is not an http(s) URL", ts.url)))
        } else if !inside || evident_fsio::regular_inside(cx.root, &ts.certificate).is_err() {
            Some((
                "certificate",
                format!("`{}` is not a file inside the trust repo", ts.certificate),
            ))
        } else {
            None
        };
        if let Some((field, message)) = problem {
            cx.diags.push(
                Diagnostic::error(CONFIG_FILE, l, c, &format!("timestamp.{field}"), message)
                    .hint("e.g. name = \"tsa.example\", url = \"https://tsa.example/tsr\", certificate = \"ledger/tsa.pem\""),
            );
        }
    }
    let defaults = Escalation::default();
    Some(Config {
        schema: SCHEMA_VERSION,
        org: Org {
            name: doc.org.name.into_inner(),
            url: doc.org.url.map(|u| u.into_inner()),
            security_contact: doc.org.security_contact.into_inner(),
        },
        audit: Audit {
            kind: doc.audit.kind,
            categories,
            point_in_time: doc.audit.point_in_time,
            window: doc.audit.window.map(|w| w.into_inner()),
            target: doc.audit.target,
            auditor: Auditor {
                engaged: doc.audit.auditor.engaged,
                firm: doc.audit.auditor.firm,
            },
            proof_grace: doc.audit.proof_grace.unwrap_or(Interval::days(2)),
            not_applicable,
        },
        portal: Portal {
            title: doc.portal.title.unwrap_or_else(|| "Trust center".into()),
            base_url: doc.portal.base_url.map(|u| u.into_inner()),
            languages: if doc.portal.languages.is_empty() {
                vec!["en".into()]
            } else {
                doc.portal
                    .languages
                    .into_iter()
                    .map(|l| l.into_inner())
                    .collect()
            },
            disclosure_policy: doc.portal.disclosure_policy.map(|u| u.into_inner()),
            pages,
            detail,
            report_request: doc.portal.report_request.map(|u| u.into_inner()),
            disclosure: DisclosureTerms {
                response_time: doc.portal.disclosure.response_time.map(|u| u.into_inner()),
                safe_harbour: doc.portal.disclosure.safe_harbour.map(|u| u.into_inner()),
                bounty: doc.portal.disclosure.bounty.map(|u| u.into_inner()),
                encryption: doc.portal.disclosure.encryption.map(|u| u.into_inner()),
                acknowledgments: doc
                    .portal
                    .disclosure
                    .acknowledgments
                    .map(|u| u.into_inner()),
            },
        },
        sla: SlaDays {
            critical: sla[0].max(1),
            major: sla[1].max(1),
            minor: sla[2].max(1),
        },
        escalation: Escalation {
            minor: doc.escalation.minor.unwrap_or(defaults.minor),
            major: doc.escalation.major.unwrap_or(defaults.major),
            critical: doc.escalation.critical.unwrap_or(defaults.critical),
        },
        sample,
        database: doc.database.map(|d| d.into_inner()),
        s3,
        witnesses: doc
            .witness
            .into_iter()
            .map(|w| {
                let w = w.into_inner();
                Witness {
                    name: w.name,
                    url: w.url,
                    key: w.key,
                }
            })
            .collect(),
        timestamp: doc.timestamp.map(|t| {
            let t = t.into_inner();
            TimestampAuthority {
                name: t.name,
                url: t.url,
                certificate: t.certificate,
            }
        }),
        metrics,
    })
}

/// Why `text` is not an absolute http(s) address evident will link to.
fn web_address_problem(text: &str) -> Option<String> {
    let shown = text.escape_debug();
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    let Some(rest) = rest else {
        return Some(format!("`{shown}` is not an http(s) address"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Some(format!("`{shown}` names no host"));
    }
    let unsafe_char = |c: char| c.is_control() || c.is_whitespace() || "\"<>\\^`{|}".contains(c);
    if text.chars().any(unsafe_char) {
        return Some(format!(
            "`{shown}` holds a space, a line break or a character an address cannot"
        ));
    }
    None
}

/// Why `text` is not one plain e-mail address.
fn email_problem(text: &str) -> Option<String> {
    let shown = text.escape_debug();
    if text.trim().is_empty() {
        return None; // reported as empty above
    }
    let bad = |c: char| c.is_control() || c.is_whitespace() || "\"<>(),;:\\[]".contains(c);
    match text.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !text.chars().any(bad) =>
        {
            None
        }
        _ => Some(format!("`{shown}` is not one e-mail address")),
    }
}

/// A BCP 47-shaped language tag: letters, then dash-separated letters or digits.
fn language_tag(text: &str) -> bool {
    let mut parts = text.split('-');
    let first = parts.next().unwrap_or("");
    let ok = |p: &str, letters: bool| {
        (1..=8).contains(&p.len())
            && p.chars().all(|c| {
                if letters {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric()
                }
            })
    };
    ok(first, true) && parts.all(|p| ok(p, false))
}
