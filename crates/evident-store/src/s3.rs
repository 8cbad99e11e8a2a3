//! Evidence content in an S3-compatible bucket: path-style requests
//! (`ENDPOINT/BUCKET/PREFIXhash`) signed with AWS Signature Version 4, so any
//! endpoint serves (AWS, MinIO, Ceph, Garage, R2, `rclone serve s3`).
//!
//! Objects are named by the content's SHA-256, which is also the signed
//! payload hash: the store refuses a body that was changed on the way. Reads
//! are bounded while they are read and re-hashed, like the file store's.

use evident_core::causes::chain;
use evident_core::model::S3Location;
use evident_ledger::blobs::{BlobStore, altered, sha256};
use evident_ledger::hex;
use evident_ledger::merkle::Hash;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};
use std::io;
use std::time::Duration;

/// The most of one object read: content larger than this was never stored
/// through evident (the server takes 64 MiB, a bundle member 256 MiB).
pub const MAX_BLOB: usize = 256 << 20;

/// How many times a request is sent before its failure is reported.
const ATTEMPTS: u32 = 4;

/// The most of an error answer read for its code and message.
const MAX_ERROR_BODY: usize = 16 << 10;

/// An access key and its secret, from the environment (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, and `AWS_SESSION_TOKEN` for temporary ones).
pub struct Credentials {
    pub access_key: String,
    pub secret_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ***)", self.access_key)
    }
}

pub struct S3Blobs {
    location: S3Location,
    credentials: Credentials,
    client: reqwest::Client,
    /// What the `Host` header carries and the signature covers.
    host: String,
    /// The endpoint's scheme and authority, without a trailing slash.
    origin: String,
    /// The endpoint's own path, the bucket and the prefix, encoded.
    base_path: String,
}

impl S3Blobs {
    /// A client for `location` (already checked: [`S3Location::problem`]).
    /// Nothing is sent until [`S3Blobs::probe`] or the first blob.
    pub fn new(location: S3Location, credentials: Credentials) -> Result<S3Blobs, String> {
        let url = reqwest::Url::parse(&location.endpoint)
            .map_err(|e| format!("endpoint `{}`: {e}", location.endpoint))?;
        let host_name = url
            .host_str()
            .ok_or_else(|| format!("endpoint `{}` names no host", location.endpoint))?;
        let host = match url.port() {
            Some(port) => format!("{host_name}:{port}"),
            None => host_name.to_string(),
        };
        let origin = format!("{}://{host}", url.scheme());
        let mut base_path = String::new();
        for segment in url.path().split('/').filter(|s| !s.is_empty()) {
            base_path.push('/');
            base_path.push_str(&uri_encode(segment));
        }
        base_path.push('/');
        base_path.push_str(&location.bucket);
        base_path.push('/');
        for (i, segment) in location.prefix.split('/').enumerate() {
            if i > 0 {
                base_path.push('/');
            }
            base_path.push_str(&uri_encode(segment));
        }
        // https endpoints need a rustls provider; `ring` (no C++ or CMake
        // build), unless another part of the process installed one first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(S3Blobs {
            location,
            credentials,
            client,
            host,
            origin,
            base_path,
        })
    }

    /// For messages: where the blobs are, without credentials.
    pub fn describe(&self) -> String {
        format!(
            "s3 {}{} (bucket {})",
            self.origin, self.base_path, self.location.bucket
        )
    }

    /// Writes and reads back the empty blob, so a wrong endpoint, bucket or
    /// key is said before anything depends on the store.
    pub async fn probe(&self) -> Result<(), String> {
        let hash = self
            .put(b"")
            .await
            .map_err(|e| format!("cannot write: {e}"))?;
        self.get(&hash)
            .await
            .map_err(|e| format!("cannot read: {e}"))?;
        Ok(())
    }

    /// Sends the request, and again after a pause while the store answers a
    /// server error or cannot be reached (a store may refuse two writers of one
    /// object at once): both requests evident makes are idempotent, since an
    /// object's name is its content's hash.
    async fn send(
        &self,
        method: Method,
        hash: &Hash,
        body: Option<&[u8]>,
    ) -> io::Result<reqwest::Response> {
        let mut pause = Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            let outcome = self
                .send_once(method.clone(), hash, body.map(<[u8]>::to_vec))
                .await;
            let transient = match &outcome {
                Ok(response) => response.status().is_server_error(),
                Err(_) => true,
            };
            if !transient || attempt == ATTEMPTS {
                return outcome;
            }
            tokio::time::sleep(pause).await;
            pause *= 4;
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        method: Method,
        hash: &Hash,
        body: Option<Vec<u8>>,
    ) -> io::Result<reqwest::Response> {
        let path = format!("{}{}", self.base_path, hex::encode(hash));
        let payload = match &body {
            Some(_) => hex::encode(hash),
            None => hex::encode(&sha256(b"")),
        };
        let date = amz_date(std::time::SystemTime::now());
        let mut headers = vec![
            ("host", self.host.clone()),
            ("x-amz-content-sha256", payload.clone()),
            ("x-amz-date", date.clone()),
        ];
        if let Some(token) = &self.credentials.session_token {
            headers.push(("x-amz-security-token", token.clone()));
        }
        let authorization = authorization(&Signing {
            credentials: &self.credentials,
            region: &self.location.region,
            date: &date,
            method: method.as_str(),
            path: &path,
            headers: &headers,
            payload: &payload,
        });
        let url = format!("{}{path}", self.origin);
        let mut request = self.client.request(method.clone(), &url);
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        request = request.header("authorization", authorization);
        if let Some(body) = body {
            // Stated even when 0: some stores refuse a PUT without it.
            request = request.header("content-length", body.len()).body(body);
        }
        request
            .send()
            .await
            .map_err(|e| io::Error::other(format!("{method} {url}: {}", chain(&e))))
    }
}

impl BlobStore for S3Blobs {
    async fn put(&self, bytes: &[u8]) -> io::Result<Hash> {
        let hash = sha256(bytes);
        // Content-addressed: content already there is not sent again (what is
        // there is re-hashed whenever it is read).
        let there = self.send(Method::HEAD, &hash, None).await?;
        if there.status().is_success() {
            return Ok(hash);
        }
        let response = self.send(Method::PUT, &hash, Some(bytes)).await?;
        if !response.status().is_success() {
            return Err(refused("PUT", response).await);
        }
        Ok(hash)
    }

    async fn get(&self, hash: &Hash) -> io::Result<Vec<u8>> {
        let mut response = self.send(Method::GET, hash, None).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("blob {} is not in the bucket", hex::encode(hash)),
            ));
        }
        if !response.status().is_success() {
            return Err(refused("GET", response).await);
        }
        let bytes = read_bounded(&mut response, MAX_BLOB)
            .await?
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("blob {} is larger than {MAX_BLOB} bytes", hex::encode(hash)),
                )
            })?;
        if sha256(&bytes) != *hash {
            return Err(altered(hash));
        }
        Ok(bytes)
    }
}

/// The body, or `None` once it passes `max` bytes (reading stops there).
async fn read_bounded(response: &mut reqwest::Response, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| io::Error::other(chain(&e)))?
    {
        if out.len() + chunk.len() > max {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out))
}

/// A refusal with the store's own code and message (`<Code>`, `<Message>`).
async fn refused(method: &str, mut response: reqwest::Response) -> io::Error {
    let status = response.status();
    let body = read_bounded(&mut response, MAX_ERROR_BODY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&body);
    let field = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find("</")? + start;
        Some(
            body[start..end]
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>(),
        )
    };
    let detail = match (field("Code"), field("Message")) {
        (Some(code), Some(message)) => format!(": {code}: {message}"),
        (Some(code), None) => format!(": {code}"),
        _ => String::new(),
    };
    let kind = match status {
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, format!("{method} refused with {status}{detail}"))
}

/// `YYYYMMDDTHHMMSSZ`, the form SigV4 dates take.
fn amz_date(now: std::time::SystemTime) -> String {
    let seconds = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    evident_core::time::Instant::from_unix(seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
        .replace(['-', ':'], "")
}

/// What a request's signature covers.
struct Signing<'a> {
    credentials: &'a Credentials,
    region: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    date: &'a str,
    method: &'a str,
    /// Already URI-encoded, as sent.
    path: &'a str,
    /// Lower-case names; all are signed.
    headers: &'a [(&'a str, String)],
    /// The payload's SHA-256, hex.
    payload: &'a str,
}

/// The `Authorization` header of AWS Signature Version 4 (no query string:
/// evident only puts and gets objects by name).
fn authorization(s: &Signing) -> String {
    let mut headers: Vec<(&str, &str)> = s.headers.iter().map(|(n, v)| (*n, v.trim())).collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    let signed = signed.join(";");
    let canonical = format!(
        "{}\n{}\n\n{canonical_headers}\n{signed}\n{}",
        s.method, s.path, s.payload
    );
    let day = &s.date[..s.date.len().min(8)];
    let scope = format!("{day}/{}/s3/aws4_request", s.region);
    let digest: [u8; 32] = Sha256::digest(canonical.as_bytes()).into();
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        s.date,
        hex::encode(&digest)
    );
    let mut key = hmac(format!("AWS4{}", s.credentials.secret_key).as_bytes(), day);
    for part in [s.region, "s3", "aws4_request"] {
        key = hmac(&key, part);
    }
    let signature = hex::encode(&hmac(&key, &to_sign));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        s.credentials.access_key
    )
}

fn hmac(key: &[u8], message: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().into()
}

/// SigV4's URI encoding of one path segment: everything but the unreserved
/// characters, byte by byte.
fn uri_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "GET Object" example of Amazon's Signature Version 4 documentation
    /// for S3 ("Examples: Signature Calculations in AWS Signature Version 4").
    #[test]
    fn signs_as_amazons_worked_example() {
        let credentials = Credentials {
            access_key: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let header = authorization(&Signing {
            credentials: &credentials,
            region: "us-east-1",
            date: "20130524T000000Z",
            method: "GET",
            path: "/test.txt",
            headers: &[
                ("host", "examplebucket.s3.amazonaws.com".into()),
                ("range", "bytes=0-9".into()),
                ("x-amz-content-sha256", empty.into()),
                ("x-amz-date", "20130524T000000Z".into()),
            ],
            payload: empty,
        });
        assert_eq!(
            header,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn dates_and_paths_take_sigv4_forms() {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_369_353_600);
        assert_eq!(amz_date(t), "20130524T000000Z");
        assert_eq!(uri_encode("a b/ü~"), "a%20b%2F%C3%BC~");
        let blobs = S3Blobs::new(
            S3Location {
                endpoint: "http://127.0.0.1:9000/store".into(),
                bucket: "evidence".into(),
                region: "us-east-1".into(),
                prefix: "acme/blobs/".into(),
            },
            Credentials {
                access_key: "a".into(),
                secret_key: "s3cr3t".into(),
                session_token: None,
            },
        )
        .unwrap();
        assert_eq!(blobs.host, "127.0.0.1:9000");
        assert_eq!(blobs.base_path, "/store/evidence/acme/blobs/");
        assert!(!format!("{:?}", blobs.credentials).contains("s3cr3t"));
    }
}
