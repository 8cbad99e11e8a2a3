//! The one rule that decides every request: which route, who asks (nobody, a
//! signed-in person in a role, or an API token with a role and perhaps a set
//! of controls), and for uploads which control. Every handler asks
//! [`authorize`] before it does anything; the matrix test below holds the
//! whole table.

use crate::roles::Role;

/// Every route of the server, as the authorisation rule knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// The public trust portal (`/`).
    Portal,
    /// `GET /api/v1/openapi.json`.
    OpenApi,
    /// The sign-in page and form, and `POST /api/v1/session`.
    SignIn,
    /// An invitation's enrolment page and form.
    Enrol,
    SignOut,
    /// `/app/`: readiness, findings, metrics, recent changes.
    Dashboard,
    /// `GET /api/v1/status`, `/gaps`, `/remediation`.
    Reports,
    /// `GET /api/v1/evidence/{entry}`: an entry and its content, private evidence included.
    EvidenceRead,
    /// `POST /api/v1/evidence`.
    EvidenceAdd,
    /// The tokens page: list, create, revoke.
    Tokens,
    /// The people page: list, invite, remove.
    Users,
    /// The audit log page and `GET /api/v1/audit-log`.
    AuditLog,
    /// `POST /api/v1/repo/refresh` (a git host's webhook).
    RepoRefresh,
}

impl Route {
    pub const ALL: [Route; 13] = [
        Route::Portal,
        Route::OpenApi,
        Route::SignIn,
        Route::Enrol,
        Route::SignOut,
        Route::Dashboard,
        Route::Reports,
        Route::EvidenceRead,
        Route::EvidenceAdd,
        Route::Tokens,
        Route::Users,
        Route::AuditLog,
        Route::RepoRefresh,
    ];
}

/// Who makes a request.
#[derive(Clone, Copy, Debug)]
pub enum Who<'a> {
    Anonymous,
    Person(Role),
    Token { role: Role, controls: &'a [String] },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// 401: sign in, or send a token.
    Unauthenticated,
    /// 403: signed in, but not allowed.
    Forbidden,
}

/// Where a request may come from.
enum Via {
    Anyone,
    /// The browser pages: a session only (a token is for machines).
    Session,
    /// Reads: a session or a token.
    Either,
    /// Writes through the API: a token only, so no cross-site form can ride
    /// on a browser's cookie.
    Token,
}

/// Which roles a route admits, and how it may be reached.
fn rule(route: Route) -> (Via, &'static [Role]) {
    use Role::*;
    const EVERYONE: &[Role] = &Role::ALL;
    match route {
        Route::Portal | Route::OpenApi | Route::SignIn | Route::Enrol => (Via::Anyone, EVERYONE),
        Route::SignOut | Route::Dashboard => (Via::Session, EVERYONE),
        Route::Reports => (Via::Either, EVERYONE),
        // A viewer sees the dashboard's judgement, not the evidence behind it.
        Route::EvidenceRead => (Via::Either, &[Owner, Admin, Editor, Auditor]),
        Route::EvidenceAdd => (Via::Token, &[Owner, Admin, Editor]),
        Route::Tokens | Route::Users => (Via::Session, &[Owner, Admin]),
        Route::AuditLog => (Via::Either, &[Owner, Admin]),
        Route::RepoRefresh => (Via::Token, &[Owner, Admin]),
    }
}

/// The rule. `control` is the control an upload is for.
pub fn authorize(route: Route, who: Who<'_>, control: Option<&str>) -> Decision {
    let (via, roles) = rule(route);
    if matches!(via, Via::Anyone) {
        return Decision::Allow;
    }
    let (role, controls) = match (who, via) {
        (Who::Anonymous, _) => return Decision::Unauthenticated,
        (Who::Person(_), Via::Token) | (Who::Token { .. }, Via::Session) => {
            return Decision::Forbidden;
        }
        (Who::Person(role), _) => (role, None),
        (Who::Token { role, controls }, _) => (role, Some(controls)),
    };
    if !roles.contains(&role) {
        return Decision::Forbidden;
    }
    // A token limited to some controls writes only to them.
    if let (Some(scope), Some(control)) = (controls, control)
        && !scope.is_empty()
        && !scope.iter().any(|c| c == control)
    {
        return Decision::Forbidden;
    }
    Decision::Allow
}

/// Whether `granter` may give an account or a token `role`: never more than
/// its own, and only an owner makes owners.
pub fn may_grant(granter: Role, role: Role) -> bool {
    match granter {
        Role::Owner => true,
        Role::Admin => role != Role::Owner,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected table, written out by hand: for each route, who is
    /// allowed. `anon`, the five roles signed in (`o a e v u`, u for auditor),
    /// and the five roles as tokens (upper case). Everything not listed is denied.
    const TABLE: [(Route, &str); 13] = [
        (Route::Portal, "anon o a e v u O A E V U"),
        (Route::OpenApi, "anon o a e v u O A E V U"),
        (Route::SignIn, "anon o a e v u O A E V U"),
        (Route::Enrol, "anon o a e v u O A E V U"),
        (Route::SignOut, "o a e v u"),
        (Route::Dashboard, "o a e v u"),
        (Route::Reports, "o a e v u O A E V U"),
        (Route::EvidenceRead, "o a e u O A E U"),
        (Route::EvidenceAdd, "O A E"),
        (Route::Tokens, "o a"),
        (Route::Users, "o a"),
        (Route::AuditLog, "o a O A"),
        (Route::RepoRefresh, "O A"),
    ];

    fn letter(role: Role) -> char {
        match role {
            Role::Owner => 'o',
            Role::Admin => 'a',
            Role::Editor => 'e',
            Role::Viewer => 'v',
            Role::Auditor => 'u',
        }
    }

    #[test]
    fn every_route_for_everyone_matches_the_table() {
        let none: Vec<String> = Vec::new();
        let mut unexpected = Vec::new();
        for (route, allowed) in TABLE {
            let allowed: Vec<&str> = allowed.split(' ').collect();
            let mut askers: Vec<(String, Who<'_>)> = vec![("anon".into(), Who::Anonymous)];
            for role in Role::ALL {
                askers.push((letter(role).to_string(), Who::Person(role)));
                askers.push((
                    letter(role).to_ascii_uppercase().to_string(),
                    Who::Token {
                        role,
                        controls: &none,
                    },
                ));
            }
            for (name, who) in askers {
                let got = authorize(route, who, Some("AUTH")) == Decision::Allow;
                let want = allowed.contains(&name.as_str());
                if got != want {
                    unexpected.push(format!(
                        "{route:?} for {name}: allowed {got}, expected {want}"
                    ));
                }
            }
        }
        assert_eq!(unexpected, Vec::<String>::new());
        assert_eq!(Route::ALL.len(), TABLE.len(), "every route is in the table");
    }

    #[test]
    fn a_token_scoped_to_controls_writes_only_to_them() {
        let scope = vec!["BACKUP".to_string()];
        let token = Who::Token {
            role: Role::Editor,
            controls: &scope,
        };
        assert_eq!(
            authorize(Route::EvidenceAdd, token, Some("BACKUP")),
            Decision::Allow
        );
        assert_eq!(
            authorize(Route::EvidenceAdd, token, Some("AUTH")),
            Decision::Forbidden
        );
        // Scoped reads still read: the scope limits what it may write.
        assert_eq!(authorize(Route::Reports, token, None), Decision::Allow);
        assert_eq!(
            authorize(Route::Dashboard, Who::Anonymous, None),
            Decision::Unauthenticated
        );
    }

    #[test]
    fn nobody_grants_more_than_they_have() {
        assert!(may_grant(Role::Owner, Role::Owner));
        assert!(!may_grant(Role::Admin, Role::Owner));
        assert!(may_grant(Role::Admin, Role::Auditor));
        for r in Role::ALL {
            assert!(
                !may_grant(Role::Editor, r)
                    && !may_grant(Role::Viewer, r)
                    && !may_grant(Role::Auditor, r)
            );
        }
    }
}
