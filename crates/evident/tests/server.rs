//! `evident serve` as a team, its CI and an attacker meet it: a real server
//! process on 127.0.0.1 over a real trust repo and SQLite ledger, driven over
//! HTTP. Accounts made with `evident user add` sign in with codes computed
//! from the printed `otpauth://` URI; tokens from `evident token create`
//! upload evidence; everything the server changed is in the audit log and the
//! ledger still verifies.

mod common;

use common::{run_env, serve, write_fixture};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, SET_COOKIE};
use sha2::Digest;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run_env(dir, &None, None, args)
}

/// `evident user add EMAIL --role ROLE --password-stdin`: its stdout.
fn add_user(dir: &Path, email: &str, role: &str, password: &str) -> String {
    add_user_on(dir, &[], email, role, password)
}

/// [`add_user`] with these environment variables (the database, S3).
fn add_user_on(
    dir: &Path,
    vars: &[(&str, &str)],
    email: &str,
    role: &str,
    password: &str,
) -> String {
    let out = common::evident_with(dir, vars)
        .args(["user", "add", email, "--role", role, "--password-stdin"])
        .write_stdin(format!("{password}\n"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn token(dir: &Path, name: &str, role: &str, controls: &[&str]) -> String {
    token_on(dir, &[], name, role, controls)
}

fn token_on(
    dir: &Path,
    vars: &[(&str, &str)],
    name: &str,
    role: &str,
    controls: &[&str],
) -> String {
    let mut args = vec!["token", "create", "--name", name, "--role", role];
    for c in controls {
        args.extend(["--control", c]);
    }
    let (code, out, err) = common::run_vars(dir, vars, &args);
    assert_eq!(code, 0, "{err}");
    out.trim().to_string()
}

/// The current TOTP code (RFC 6238, SHA-1, 30 s, 6 digits) of an
/// `otpauth://` URI, computed here from the RFC rather than by the server's code.
fn totp_code(uri: &str, steps_ahead: i64) -> String {
    let secret = uri
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .expect("the URI has a secret");
    let key = base32_decode(secret);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let counter = (now / 30 + steps_ahead) as u64;
    let mac = hmac_sha1(&key, &counter.to_be_bytes());
    let offset = (mac[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes(mac[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", bin % 1_000_000)
}

fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u64, Vec::new());
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base32") as u64;
        value = (value << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
        }
    }
    out
}

/// HMAC (RFC 2104) over SHA-1, with the `sha1` of `openssl` as the hash: the
/// test computes codes with a tool other than the server's crate.
fn hmac_sha1(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.resize(64, 0);
    let sha1 = |data: &[u8]| -> Vec<u8> {
        let mut child = std::process::Command::new("openssl")
            .args(["dgst", "-sha1", "-binary"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("openssl runs");
        child.stdin.take().unwrap().write_all(data).unwrap();
        child.wait_with_output().unwrap().stdout
    };
    let inner: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(message.iter().copied())
        .collect();
    let inner = sha1(&inner);
    let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(inner).collect();
    sha1(&outer)
}

fn uri_of(printed: &str) -> String {
    printed
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("otpauth://"))
        .expect("user add prints the otpauth URI")
        .to_string()
}

fn recovery_codes(printed: &str) -> Vec<String> {
    printed
        .lines()
        .skip_while(|l| !l.starts_with("recovery codes"))
        .skip(1)
        .map(|l| l.trim().to_string())
        .filter(|l| l.len() == 11 && l.as_bytes()[5] == b'-')
        .collect()
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("evident_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn sign_in(
    c: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
    code: &str,
    planted: Option<&str>,
) -> (StatusCode, HeaderMap, String) {
    let body = serde_json::json!({ "email": email, "password": password, "totp": code });
    let mut req = c
        .post(format!("{base}/api/v1/session"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(p) = planted {
        req = req.header("cookie", p);
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.text().await.unwrap())
}

async fn upload(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    fields: &[(&str, &str)],
    content: &[u8],
    key: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(content.to_vec()).file_name("report.txt"),
    );
    let mut req = c
        .post(format!("{base}/api/v1/evidence"))
        .bearer_auth(token)
        .multipart(form);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", "frame-ancestors 'none'"),
];

fn assert_security_headers(what: &str, headers: &HeaderMap) {
    for (name, want) in SECURITY_HEADERS {
        let got = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(got.contains(want), "{what}: {name} is `{got}`");
    }
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path());
    evident_ledger::keys::create(dir.path()).unwrap();
    dir
}

/// An upload that must be refused: the token, the fields, the status and the error code.
type Refusal<'a> = (&'a str, &'a [(&'a str, &'a str)], StatusCode, &'a str);

const PASSWORD: &str = "correct horse battery staple";

/// An owner made at the command line signs in with a code from the printed
/// URI; a planted session id is worthless (a new one is made at sign-in); a
/// code works once; a recovery code works once; failures are throttled with
/// one message whether or not the account exists.
#[test]
fn accounts_sign_in_with_a_second_factor_and_are_throttled() {
    let dir = fixture();
    let printed = add_user(dir.path(), "Owner@Fixture.example", "owner", PASSWORD);
    let uri = uri_of(&printed);
    assert!(
        uri.starts_with("otpauth://totp/evident:owner%40fixture.example?"),
        "{uri}"
    );
    let codes = recovery_codes(&printed);
    assert_eq!(codes.len(), 10, "{printed}");
    let server = serve(dir.path());
    let (c, base) = (common::http_client(), server.base.as_str());
    rt().block_on(async {
        // Wrong password and unknown account: the same answer.
        let (s1, _, b1) = sign_in(
            &c,
            base,
            "owner@fixture.example",
            "wrong password!!",
            &totp_code(&uri, 0),
            None,
        )
        .await;
        let (s2, _, b2) = sign_in(
            &c,
            base,
            "nobody@fixture.example",
            "wrong password!!",
            "123456",
            None,
        )
        .await;
        assert_eq!(
            (s1, s2),
            (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
        );
        let message = |b: &str| {
            serde_json::from_str::<serde_json::Value>(b).unwrap()["error"]["message"].clone()
        };
        assert_eq!(message(&b1), message(&b2));
        // Without the second factor: refused.
        let (s, _, _) = sign_in(&c, base, "owner@fixture.example", PASSWORD, "", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // A planted session id is not taken up: sign-in makes a new one.
        let planted = "evident_session=attacker-chosen-id";
        let code = totp_code(&uri, 0);
        let (s, headers, body) = sign_in(
            &c,
            base,
            "owner@fixture.example",
            PASSWORD,
            &code,
            Some(planted),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let cookie_header = headers
            .get(SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
            assert!(cookie_header.contains(attr), "{cookie_header}");
        }
        let cookie = session_cookie(&headers).unwrap();
        assert_ne!(cookie, planted);
        for (cookie, want) in [
            (planted, StatusCode::UNAUTHORIZED),
            (cookie.as_str(), StatusCode::OK),
        ] {
            let res = c
                .get(format!("{base}/api/v1/status"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), want, "{cookie}");
        }
        // The same code again: refused (RFC 6238 §5.2).
        let (s, _, _) = sign_in(&c, base, "owner@fixture.example", PASSWORD, &code, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // A recovery code, once.
        let (s, _, _) = sign_in(&c, base, "owner@fixture.example", PASSWORD, &codes[3], None).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _, _) = sign_in(&c, base, "owner@fixture.example", PASSWORD, &codes[3], None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // Throttled: after five failures the right password waits too, with a clear message.
        for _ in 0..5 {
            sign_in(
                &c,
                base,
                "owner@fixture.example",
                "not the password",
                "000000",
                None,
            )
            .await;
        }
        let (s, _, body) = sign_in(
            &c,
            base,
            "owner@fixture.example",
            PASSWORD,
            &totp_code(&uri, 1),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(
            message(&body).as_str().unwrap().contains("try again in"),
            "{body}"
        );
        // An account that does not exist is throttled the same way.
        for _ in 0..5 {
            sign_in(
                &c,
                base,
                "ghost@fixture.example",
                "not the password",
                "000000",
                None,
            )
            .await;
        }
        let (s, _, _) = sign_in(
            &c,
            base,
            "ghost@fixture.example",
            "not the password",
            "000000",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    });
    drop(server);
    let (code, out, err) = run(dir.path(), &["ledger", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// CI uploads through the API with a scoped token: the period covered is the
/// evidence's date, a retry with the same key is one entry, the key reused
/// for other content is refused, items a check or a file decides refuse
/// uploads, a token scoped to another control is refused; `evidence add
/// --server` does the same in one command; status reads back what was sent;
/// the audit log names every change; the ledger verifies.
#[test]
fn ci_uploads_evidence_with_a_scoped_token() {
    let dir = fixture();
    let printed = add_user(dir.path(), "owner@fixture.example", "owner", PASSWORD);
    let uri = uri_of(&printed);
    let ci = token(dir.path(), "ci-main", "editor", &["BACKUP"]);
    let viewer = token(dir.path(), "dashboard", "viewer", &[]);
    let server = serve(dir.path());
    let (c, base) = (common::http_client(), server.base.as_str());
    let nightly = [
        ("control", "BACKUP"),
        ("item", "nightly"),
        ("covers", "2026-11-01..2026-11-02"),
        ("note", "restore ok"),
    ];
    rt().block_on(async {
        let (s, first) = upload(&c, base, &ci, &nightly, b"backup report", Some("run-41")).await;
        assert_eq!(s, StatusCode::CREATED, "{first}");
        assert_eq!(first["leaf"].as_str().unwrap().len(), 64, "{first}");
        let (s, again) = upload(&c, base, &ci, &nightly, b"backup report", Some("run-41")).await;
        assert_eq!((s, &again), (StatusCode::OK, &first));
        let (s, other) = upload(&c, base, &ci, &nightly, b"another report", Some("run-41")).await;
        assert_eq!(s, StatusCode::CONFLICT, "{other}");

        let refusals: [Refusal<'_>; 5] = [
            (
                ci.as_str(),
                &[("control", "AUTH"), ("item", "mfa-enforced")],
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                viewer.as_str(),
                &nightly,
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                ci.as_str(),
                &[("control", "BACKUP"), ("item", "weekly")],
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-item",
            ),
            (
                ci.as_str(),
                &[
                    ("control", "BACKUP"),
                    ("item", "nightly"),
                    ("covers", "2026-11-01..2099-01-01"),
                ],
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-covers",
            ),
            (
                "evident_nope_nope",
                &nightly,
                StatusCode::UNAUTHORIZED,
                "bad-token",
            ),
        ];
        for (token, fields, status, code) in refusals {
            let (s, body) = upload(&c, base, token, fields, b"x", None).await;
            assert_eq!(
                (s, body["error"]["code"].as_str()),
                (status, Some(code)),
                "{fields:?}: {body}"
            );
        }
    });
    // An item its file decides refuses uploads, for any token.
    let admin = token(dir.path(), "admin", "admin", &[]);
    rt().block_on(async {
        let (s, body) = upload(
            &c,
            base,
            &admin,
            &[("control", "AUTH"), ("item", "password-policy")],
            b"x",
            None,
        )
        .await;
        assert_eq!(
            (s, body["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("not-uploadable")),
            "{body}"
        );
    });

    // The command line, through the server.
    let file = dir.path().join("nightly.txt");
    std::fs::write(&file, "nightly backup ok").unwrap();
    let mut cmd = common::evident();
    let out = cmd
        .arg("-C")
        .arg(dir.path())
        .args([
            "evidence",
            "add",
            "nightly.txt",
            "--control",
            "BACKUP",
            "--item",
            "nightly",
            "--covers",
            "2026-11-03..2026-11-03",
            "--server",
            base,
            "--json",
        ])
        .env("EVIDENT_TOKEN", &ci)
        .env_remove("EVIDENT_NOW")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = added["entry"].as_u64().unwrap();

    rt().block_on(async {
        // Status reads back the upload at once.
        let status: serde_json::Value = c
            .get(format!("{base}/api/v1/status"))
            .bearer_auth(&viewer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let backup = status["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "BACKUP")
            .unwrap();
        let nightly = backup["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "nightly")
            .unwrap();
        assert_eq!(
            nightly["latest"]["entry"].as_u64(),
            Some(entry),
            "{nightly}"
        );
        assert_eq!(nightly["latest"]["covers_to"], "2026-11-03", "{nightly}");
        // The audit log: owners, admins and their tokens only.
        let res = c
            .get(format!("{base}/api/v1/audit-log"))
            .bearer_auth(&viewer)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let (_, headers, _) = sign_in(
            &c,
            base,
            "owner@fixture.example",
            PASSWORD,
            &totp_code(&uri, 0),
            None,
        )
        .await;
        let cookie = session_cookie(&headers).unwrap();
        let log: serde_json::Value = c
            .get(format!("{base}/api/v1/audit-log"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let whats: Vec<&str> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["what"].as_str().unwrap())
            .collect();
        for want in ["user-add", "token-create", "evidence-add", "sign-in"] {
            assert!(whats.contains(&want), "{want} missing from {whats:?}");
        }
        let uploads = whats.iter().filter(|w| **w == "evidence-add").count();
        assert_eq!(uploads, 2, "one per upload, none for the retry: {whats:?}");
    });
    drop(server);
    let (code, out, err) = run(dir.path(), &["ledger", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, list, _) = run(
        dir.path(),
        &["evidence", "list", "--control", "BACKUP", "--json"],
    );
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let covers: Vec<(&str, &str)> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["covers_from"].as_str().unwrap(),
                e["covers_to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        covers,
        [("2026-11-01", "2026-11-02"), ("2026-11-03", "2026-11-03")]
    );
}

/// Every route, for nobody, for each role signed in and for each role's
/// token: the answers match the authorisation table (the same table the rule's
/// own test holds), so no handler skips the rule.
#[test]
fn every_route_answers_as_the_authorisation_table_says() {
    let dir = fixture();
    let mut cookies = Vec::new();
    let mut uris = Vec::new();
    for role in ["owner", "admin", "editor", "viewer", "auditor"] {
        let printed = add_user(
            dir.path(),
            &format!("{role}@fixture.example"),
            role,
            PASSWORD,
        );
        uris.push((
            role,
            printed
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with("otpauth://"))
                .map(String::from),
        ));
    }
    let tokens: Vec<(&str, String)> = ["owner", "admin", "editor", "viewer", "auditor"]
        .into_iter()
        .map(|r| (r, token(dir.path(), r, r, &[])))
        .collect();
    let server = serve(dir.path());
    let (c, base) = (common::http_client(), server.base.as_str());
    rt().block_on(async {
        for (role, uri) in &uris {
            let code = uri.as_deref().map(|u| totp_code(u, 0)).unwrap_or_default();
            let (s, headers, body) = sign_in(
                &c,
                base,
                &format!("{role}@fixture.example"),
                PASSWORD,
                &code,
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{role}: {body}");
            cookies.push((*role, session_cookie(&headers).unwrap()));
        }
        // A piece of evidence to read.
        let editor = &tokens.iter().find(|(r, _)| *r == "editor").unwrap().1;
        let (s, made) = upload(
            &c,
            base,
            editor,
            &[("control", "BACKUP"), ("item", "nightly")],
            b"ok",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{made}");
        let evidence = format!("/api/v1/evidence/{}", made["entry"]);
        // (method, path, who may: letters as in the rule's table).
        let routes: [(&str, &str, &str); 11] = [
            ("GET", "/", "anon o a e v u O A E V U"),
            ("GET", "/api/v1/openapi.json", "anon o a e v u O A E V U"),
            ("GET", "/app/", "o a e v u"),
            ("GET", "/api/v1/status", "o a e v u O A E V U"),
            ("GET", "/api/v1/gaps", "o a e v u O A E V U"),
            ("GET", &evidence, "o a e u O A E U"),
            ("GET", "/api/v1/evidence/0", "o a O A"),
            ("GET", "/app/tokens", "o a"),
            ("GET", "/app/users", "o a"),
            ("GET", "/api/v1/audit-log", "o a O A"),
            ("POST", "/api/v1/repo/refresh", "O A"),
        ];
        let letter = |role: &str| match role {
            "owner" => "o",
            "admin" => "a",
            "editor" => "e",
            "viewer" => "v",
            _ => "u",
        };
        let mut unexpected = Vec::new();
        for (method, path, allowed) in routes {
            let allowed: Vec<&str> = allowed.split(' ').collect();
            let mut askers: Vec<(String, Option<(&str, String)>)> = vec![("anon".into(), None)];
            for (role, cookie) in &cookies {
                askers.push((letter(role).into(), Some(("cookie", cookie.clone()))));
            }
            for (role, t) in &tokens {
                askers.push((
                    letter(role).to_uppercase(),
                    Some(("authorization", format!("Bearer {t}"))),
                ));
            }
            for (name, header) in askers {
                let mut req = c.request(method.parse().unwrap(), format!("{base}{path}"));
                if let Some((h, v)) = header {
                    req = req.header(h, v);
                }
                let s = req.send().await.unwrap().status();
                let got = s.is_success();
                let want = allowed.contains(&name.as_str());
                let refused_well = matches!(s.as_u16(), 401 | 403 | 303);
                if got != want || (!got && !refused_well) {
                    unexpected.push(format!("{method} {path} as {name}: {s}"));
                }
            }
        }
        assert_eq!(unexpected, Vec::<String>::new());
    });
}

/// Forms refuse a missing or foreign CSRF token; what users typed is inert
/// in every page; every response carries the security headers.
#[test]
fn forms_need_their_csrf_token_and_user_text_is_inert() {
    let dir = fixture();
    let printed = add_user(dir.path(), "owner@fixture.example", "owner", PASSWORD);
    let uri = uri_of(&printed);
    let hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
    token(dir.path(), hostile, "viewer", &[]);
    let server = serve(dir.path());
    let (c, base) = (common::http_client(), server.base.as_str());
    rt().block_on(async {
        let (_, headers, _) = sign_in(
            &c,
            base,
            "owner@fixture.example",
            PASSWORD,
            &totp_code(&uri, 0),
            None,
        )
        .await;
        let cookie = session_cookie(&headers).unwrap();
        // A token made without the form's CSRF token: refused, nothing made.
        let res = c
            .post(format!("{base}/app/tokens"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("action=create&name=forged&role=owner")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // The sign-in form without its cookie-bound token: refused.
        let res = c
            .post(format!("{base}/app/sign-in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("email=owner%40fixture.example&password=x&totp=1&csrf=guess")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        for path in [
            "/",
            "/app/",
            "/app/tokens",
            "/app/users",
            "/app/audit-log",
            "/app/sign-in",
            "/api/v1/status",
            "/api/v1/openapi.json",
            "/no-such-page",
        ] {
            let res = c
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_security_headers(path, res.headers());
            let body = res.text().await.unwrap();
            assert!(
                !body.contains("<script>alert"),
                "{path} shows the script as markup"
            );
            assert!(
                !body.contains("<img src=x"),
                "{path} shows the image as markup"
            );
            if path == "/app/tokens" {
                assert!(
                    body.contains("&lt;script&gt;alert(1)&lt;"),
                    "{path}: the name is shown, escaped"
                );
            }
        }
    });
    let (_, list, _) = run(dir.path(), &["token", "list", "--json"]);
    assert!(!list.contains("forged"), "{list}");
}

/// The CSRF token a signed-in page's forms carry.
fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("the page has a form")
        + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

/// Roles change in place, from the command line or the People page, and take
/// effect at once: the account's sessions end, so it signs in again with the
/// second factor its new role needs. The last owner keeps the role; a viewer
/// who enrolled without an authenticator is not raised to a role that needs
/// one. Every change is in the audit log.
#[test]
fn roles_change_in_place_and_end_the_sessions_they_change() {
    let dir = fixture();
    let owner_uri = uri_of(&add_user(
        dir.path(),
        "owner@fixture.example",
        "owner",
        PASSWORD,
    ));
    let editor_uri = uri_of(&add_user(
        dir.path(),
        "editor@fixture.example",
        "editor",
        PASSWORD,
    ));
    add_user(dir.path(), "viewer@fixture.example", "viewer", PASSWORD);

    let (code, _, err) = run(
        dir.path(),
        &["user", "role", "owner@fixture.example", "--role", "admin"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("only owner"), "{err}");
    let (code, _, err) = run(
        dir.path(),
        &["user", "role", "viewer@fixture.example", "--role", "editor"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("enrolled without an authenticator"), "{err}");
    let (code, _, err) = run(
        dir.path(),
        &["user", "role", "nobody@fixture.example", "--role", "editor"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no account nobody@fixture.example"), "{err}");

    let server = serve(dir.path());
    let base = &server.base;
    let c = common::http_client();
    rt().block_on(async {
        let get = async |cookie: &str, path: &str| {
            let res = c
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        };
        let (_, headers, _) = sign_in(
            &c,
            base,
            "editor@fixture.example",
            PASSWORD,
            &totp_code(&editor_uri, 0),
            None,
        )
        .await;
        let editor = session_cookie(&headers).unwrap();
        assert_eq!(get(&editor, "/app/tokens").await.0, StatusCode::FORBIDDEN);
        let (_, headers, _) = sign_in(
            &c,
            base,
            "owner@fixture.example",
            PASSWORD,
            &totp_code(&owner_uri, 0),
            None,
        )
        .await;
        let owner = session_cookie(&headers).unwrap();
        // The People page's "Change role" form, as its signed-in sender.
        let change_role = async |cookie: &str, email: &str, role: &str| {
            let (status, people) = get(cookie, "/app/users").await;
            assert_eq!(status, StatusCode::OK);
            assert!(people.contains("Change role"), "{people}");
            let form = format!(
                "csrf={}&action=role&email={}&role={role}",
                csrf_of(&people),
                email.replace('@', "%40")
            );
            c.post(format!("{base}/app/users"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        };
        let body = change_role(&owner, "editor@fixture.example", "admin").await;
        assert!(
            body.contains("editor@fixture.example is now admin; their sessions ended."),
            "{body}"
        );
        // The editor's session ended with the change; signed in again, the
        // account is an admin.
        let (status, page) = get(&editor, "/app/tokens").await;
        assert!(
            status == StatusCode::SEE_OTHER || page.contains("Sign in"),
            "{status} {page}"
        );
        let (_, headers, _) = sign_in(
            &c,
            base,
            "editor@fixture.example",
            PASSWORD,
            &totp_code(&editor_uri, 1),
            None,
        )
        .await;
        let admin = session_cookie(&headers).unwrap();
        assert_eq!(get(&admin, "/app/tokens").await.0, StatusCode::OK);
        // An admin may not make an owner.
        let body = change_role(&admin, "viewer@fixture.example", "owner").await;
        assert!(
            body.contains("You may not give that account that role."),
            "{body}"
        );
    });
    let (code, out, err) = run(
        dir.path(),
        &["user", "role", "editor@fixture.example", "--role", "viewer"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("editor@fixture.example is now viewer (was admin)"),
        "{out}"
    );
    let (_, list, _) = run(dir.path(), &["user", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let editor = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "editor@fixture.example")
        .unwrap();
    assert_eq!(editor["role"], "viewer");
    let reader = token(dir.path(), "audit-reader", "owner", &[]);
    let log = rt().block_on(async {
        c.get(format!("{base}/api/v1/audit-log"))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    for said in [
        "owner@fixture.example changed editor@fixture.example from editor to admin",
        "changed editor@fixture.example from admin to viewer",
    ] {
        assert!(log.contains(said), "the audit log says {said:?}: {log}");
    }
}

/// schemathesis (PyPI) reads `/api/v1/openapi.json`, generates requests for
/// every operation (with an owner's token, so the handlers run past the
/// authorisation rule) and checks every answer: no server error, and each
/// status code, content type and body as the description says. The ledger
/// the fuzzing wrote into still verifies.
#[test]
fn the_api_keeps_to_its_own_description() {
    let dir = fixture();
    add_user(dir.path(), "owner@fixture.example", "owner", PASSWORD);
    let owner = token(dir.path(), "fuzz", "owner", &[]);
    let server = serve(dir.path());
    let out = std::process::Command::new("schemathesis")
        .args(["run", &format!("{}/api/v1/openapi.json", server.base)])
        .args(["-H", &format!("Authorization: Bearer {owner}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-time",
            "30",
            "--seed",
            "7",
        ])
        .env("NO_COLOR", "1")
        // It keeps a cache of what it found in the folder it runs in.
        .current_dir(dir.path())
        .output()
        .expect("schemathesis runs (scripts/test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Tested: 9"),
        "every operation is tested: {text}"
    );
    drop(server);
    let (code, out, err) = run(dir.path(), &["ledger", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// The server in Debian's headless Chromium (playwright-core from npm; the
/// flow is `tests/browser/server-flow.mjs`): an owner made with `user add`
/// signs in with a code computed from the printed URI, sees the dashboard,
/// invites an editor who enrols a password and an authenticator from the
/// invitation page, makes and revokes a token, and signs out everywhere.
/// Screenshots of the sign-in page and the dashboard at phone and desktop
/// width are real pages of the expected width, not blank.
#[test]
fn the_team_server_in_a_browser() {
    let dir = fixture();
    let printed = add_user(dir.path(), "owner@fixture.example", "owner", PASSWORD);
    let (uri, codes) = (uri_of(&printed), recovery_codes(&printed));
    let server = serve(dir.path());
    let shots = tempfile::tempdir().unwrap();
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let out = std::process::Command::new("node")
        .arg("server-flow.mjs")
        .args([
            &server.base,
            "owner@fixture.example",
            PASSWORD,
            &uri,
            &codes[0],
        ])
        .arg(shots.path())
        .current_dir(&browser_dir)
        .output()
        .expect("node runs (scripts/test installs the browser tests' packages)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let expect = [
        ("anonymous_lands_on", serde_json::json!("/app/sign-in")),
        ("phone_dashboard", serde_json::json!("/app/")),
        ("phone_scrolls_sideways", serde_json::json!(false)),
        ("invitation", serde_json::json!(true)),
        ("after_sign_out", serde_json::json!("/app/sign-in")),
        (
            "after_sign_out_dashboard",
            serde_json::json!("/app/sign-in"),
        ),
        ("enrol_has_qr", serde_json::json!(true)),
        ("enrolled_heading", serde_json::json!("Welcome")),
        ("recovery_codes", serde_json::json!(10)),
        ("editor_dashboard", serde_json::json!("/app/")),
        ("editor_tokens_status", serde_json::json!(403)),
        ("token_shown", serde_json::json!(true)),
        ("token_listed", serde_json::json!(true)),
        ("token_revoked", serde_json::json!(true)),
        ("signed_out_everywhere", serde_json::json!("/app/sign-in")),
    ];
    for (key, want) in expect {
        assert_eq!(seen[key], want, "{key}: {seen}");
    }
    for heading in ["phone_heading", "desktop_heading"] {
        assert!(
            seen[heading].as_str().unwrap().starts_with("Fixture Co: "),
            "{seen}"
        );
    }
    assert!(
        seen["enrol_heading"]
            .as_str()
            .unwrap()
            .contains("new.editor@example.com"),
        "{seen}"
    );
    let sections = seen["dashboard_sections"].to_string();
    for s in [
        "Readiness by category",
        "Open findings",
        "Metrics",
        "Recent changes",
        "Ledger",
    ] {
        assert!(sections.contains(s), "{s}: {sections}");
    }
    for (name, width) in [
        ("sign-in-phone", 390),
        ("dashboard-phone", 390),
        ("sign-in-desktop", 1280),
        ("dashboard-desktop", 1280),
    ] {
        let file = std::fs::File::open(shots.path().join(format!("{name}.png"))).unwrap();
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width, width, "{name}");
        let bytes = &buf[..info.buffer_size()];
        let step = info.color_type.samples();
        let colours: std::collections::HashSet<&[u8]> = bytes.chunks(step).collect();
        assert!(
            colours.len() > 20,
            "{name}: {} colours, a blank page",
            colours.len()
        );
    }
    drop(server);
    let (code, out, err) = run(dir.path(), &["ledger", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Scale-out on real parts: two `evident serve` processes over one
/// PostgreSQL database and one S3-compatible bucket, sharing nothing in
/// memory. Uploads through both at once never fork the log or lose an
/// acknowledged entry (`ledger verify` passes, reading every blob back from
/// the bucket, and every acknowledged entry is there); a session made on one
/// process works on the other; nothing is written to the checkout's blob
/// folder; an object altered in the bucket is reported by `ledger verify`.
#[test]
fn two_servers_on_postgresql_and_s3_serve_one_program() {
    let dir = fixture();
    let url = common::postgres_url("scale_out");
    let s3 = common::S3Server::start("evidence");
    let mut vars = s3.vars("evidence");
    vars.push(("EVIDENT_DATABASE_URL", &url));
    let printed = add_user_on(
        dir.path(),
        &vars,
        "owner@fixture.example",
        "owner",
        PASSWORD,
    );
    let uri = uri_of(&printed);
    let ci = token_on(dir.path(), &vars, "ci", "editor", &[]);
    let (a, b) = (
        common::serve_with(dir.path(), &vars),
        common::serve_with(dir.path(), &vars),
    );
    let c = common::http_client();
    let acknowledged: Vec<u64> = rt().block_on(async {
        let sends = (0..60).map(|i| {
            let (c, ci) = (c.clone(), ci.clone());
            let base = if i % 2 == 0 {
                a.base.clone()
            } else {
                b.base.clone()
            };
            async move {
                let note = format!("upload {i}");
                let fields = [
                    ("control", "BACKUP"),
                    ("item", "nightly"),
                    ("note", note.as_str()),
                ];
                let key = format!("scale-{i}");
                upload(&c, &base, &ci, &fields, note.as_bytes(), Some(&key)).await
            }
        });
        let answers = futures_util::future::join_all(sends).await;
        answers
            .into_iter()
            .map(|(s, body)| {
                assert_eq!(s, StatusCode::CREATED, "{body}");
                body["entry"].as_u64().unwrap()
            })
            .collect()
    });
    let mut unique = acknowledged.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        60,
        "every upload is its own entry: {acknowledged:?}"
    );
    rt().block_on(async {
        // A retry through the other process is the same entry.
        let fields = [
            ("control", "BACKUP"),
            ("item", "nightly"),
            ("note", "upload 0"),
        ];
        let (s, body) = upload(&c, &b.base, &ci, &fields, b"upload 0", Some("scale-0")).await;
        assert_eq!(
            (s, body["entry"].as_u64()),
            (StatusCode::OK, Some(acknowledged[0]))
        );
        // A session made on one process works on the other.
        let (s, headers, body) = sign_in(
            &c,
            &a.base,
            "owner@fixture.example",
            PASSWORD,
            &totp_code(&uri, 0),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let cookie = session_cookie(&headers).unwrap();
        let res = c
            .get(format!("{}/api/v1/audit-log", b.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    });
    drop((a, b));
    let (code, out, err) = common::run_vars(dir.path(), &vars, &["ledger", "verify", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, list, _) = common::run_vars(
        dir.path(),
        &vars,
        &["evidence", "list", "--control", "BACKUP", "--json"],
    );
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let stored: std::collections::HashSet<u64> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"].as_u64().unwrap())
        .collect();
    for entry in &acknowledged {
        assert!(
            stored.contains(entry),
            "acknowledged entry {entry} is missing"
        );
    }
    // Every upload's content is an object of the bucket, named by its hash;
    // none went to the checkout.
    let object = |i: usize| {
        let hash = sha2::Sha256::digest(format!("upload {i}").as_bytes());
        let name: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        s3.root.path().join("evidence").join(name)
    };
    for i in 0..60 {
        assert!(object(i).is_file(), "upload {i} is not in the bucket");
    }
    // The auditor's bundle carries the content, read back from the bucket.
    let bundle = dir.path().join("bundle.zip");
    let bundle = bundle.to_str().unwrap();
    let (code, out, err) =
        common::run_vars(dir.path(), &vars, &["export", "bundle", "--out", bundle]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) =
        common::run_vars(dir.path(), &vars, &["ledger", "verify-bundle", bundle]);
    assert_eq!(code, 0, "{out}{err}");
    let local = dir.path().join(".evident/blobs");
    let files = std::fs::read_dir(&local).map_or(0, |d| d.count());
    assert_eq!(files, 0, "nothing is kept in {}", local.display());
    // An object changed in the bucket is found by the next verification.
    std::fs::write(object(7), b"upload 8").unwrap();
    let (code, out, err) = common::run_vars(dir.path(), &vars, &["ledger", "verify"]);
    assert_ne!(code, 0, "{out}");
    assert!(format!("{out}{err}").contains("was altered"), "{out}{err}");
}

/// What cannot work is said before anything listens, with exit status 2: an
/// address that is not one, a database evident cannot use, a trust repo that
/// does not load.
#[test]
fn configuration_errors_stop_the_server_before_it_listens() {
    let dir = fixture();
    let (code, _, err) = run(dir.path(), &["serve", "--listen", "localhost"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--listen `localhost`: write an address and port"),
        "{err}"
    );
    let (code, _, err) = run_env(dir.path(), &Some("mysql://x/y".into()), None, &["serve"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("EVIDENT_DATABASE_URL"), "{err}");
    let (code, _, err) = run_env(
        dir.path(),
        &Some("postgres://nobody@127.0.0.1:1/none".into()),
        None,
        &["serve"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("postgres://nobody@127.0.0.1:1/none") && err.contains("refused"),
        "{err}"
    );
    // S3 settings that are incomplete, or a bucket that refuses the key.
    let (code, _, err) = common::run_vars(
        dir.path(),
        &[("EVIDENT_S3_ENDPOINT", "http://127.0.0.1:1")],
        &["serve"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("EVIDENT_S3_BUCKET is not"), "{err}");
    let s3 = common::S3Server::start("evidence");
    let mut vars = s3.vars("evidence");
    vars.retain(|(k, _)| *k != "AWS_SECRET_ACCESS_KEY");
    vars.push(("AWS_SECRET_ACCESS_KEY", "not-the-secret"));
    let (code, _, err) = common::run_vars(dir.path(), &vars, &["serve"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("evidence content cannot be kept in s3 http://127.0.0.1:")
            && err.contains("cannot write: PUT refused with 403"),
        "{err}"
    );
    std::fs::write(dir.path().join("controls/broken.md"), "---\nid: [\n---\n").unwrap();
    let (code, _, err) = run(dir.path(), &["serve"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("controls/broken.md"), "{err}");
}
