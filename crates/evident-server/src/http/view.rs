//! The team pages' templates (HTML auto-escaped: every value users wrote is
//! inert), built once at start.

use minijinja::Environment;

const TEMPLATES: [(&str, &str); 8] = [
    ("base.html", include_str!("../../templates/base.html")),
    ("sign_in.html", include_str!("../../templates/sign_in.html")),
    ("enrol.html", include_str!("../../templates/enrol.html")),
    ("message.html", include_str!("../../templates/message.html")),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    ("tokens.html", include_str!("../../templates/tokens.html")),
    ("users.html", include_str!("../../templates/users.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
];

pub const STYLESHEET: &str = include_str!("../../templates/app.css");

pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn new() -> Pages {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .expect("the built-in templates parse");
        }
        Pages { env }
    }

    pub fn render(&self, name: &str, context: minijinja::Value) -> String {
        self.env
            .get_template(name)
            .and_then(|t| t.render(context))
            .unwrap_or_else(|e| {
                eprintln!("evident serve: template {name}: {e:#}");
                "<!doctype html><title>Error</title><p>This page could not be shown; the server's log says why.</p>".into()
            })
    }
}
