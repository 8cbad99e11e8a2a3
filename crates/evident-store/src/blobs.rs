//! Where evidence content is kept: the checkout's `.evident/blobs/` by
//! default, or an S3-compatible bucket (`EVIDENT_S3_*` in the environment,
//! else evident.toml's `[blobs] s3`), so several servers share it.

use crate::StoreError;
use crate::s3::{Credentials, S3Blobs};
use evident_core::model::S3Location;
use evident_ledger::blobs::{BlobStore, FsBlobs};
use evident_ledger::merkle::Hash;
use std::io;
use std::path::Path;

/// The embedded default, relative to the trust repo.
pub const DEFAULT_BLOB_DIR: &str = ".evident/blobs";

pub enum Blobs {
    Files(FsBlobs),
    S3(Box<S3Blobs>),
}

impl Blobs {
    /// The environment's choice (`EVIDENT_S3_ENDPOINT` and its companions),
    /// then the trust repo's, then `.evident/blobs/`. `env` reads a variable.
    pub fn choose(
        env: impl Fn(&str) -> Option<String>,
        configured: Option<&S3Location>,
        repo: &Path,
    ) -> Result<Blobs, StoreError> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let (location, origin) = match (env("EVIDENT_S3_ENDPOINT"), configured) {
            (Some(endpoint), _) => {
                let bucket = env("EVIDENT_S3_BUCKET").ok_or_else(|| {
                    StoreError::Request(
                        "EVIDENT_S3_ENDPOINT is set but EVIDENT_S3_BUCKET is not: name the bucket evidence content goes to".into(),
                    )
                })?;
                let location = S3Location {
                    endpoint: endpoint.trim_end_matches('/').to_string(),
                    bucket,
                    region: env("EVIDENT_S3_REGION")
                        .unwrap_or_else(|| S3Location::DEFAULT_REGION.into()),
                    prefix: env("EVIDENT_S3_PREFIX").unwrap_or_default(),
                };
                if let Some((field, message)) = location.problem() {
                    return Err(StoreError::Request(format!(
                        "EVIDENT_S3_{}: {message}",
                        field.to_uppercase()
                    )));
                }
                (location, "EVIDENT_S3_ENDPOINT")
            }
            (None, Some(location)) => (location.clone(), "evident.toml [blobs] s3"),
            (None, None) => return Ok(Blobs::Files(FsBlobs::new(repo.join(DEFAULT_BLOB_DIR)))),
        };
        let (Some(access_key), Some(secret_key)) =
            (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(StoreError::Request(format!(
                "evidence content is kept in S3 ({origin}) but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set: export the bucket's access key and secret"
            )));
        };
        let credentials = Credentials {
            access_key,
            secret_key,
            session_token: env("AWS_SESSION_TOKEN"),
        };
        S3Blobs::new(location, credentials)
            .map(|s3| Blobs::S3(Box::new(s3)))
            .map_err(|e| StoreError::Request(format!("{origin}: {e}")))
    }

    /// For messages: the folder, or the bucket without credentials.
    pub fn describe(&self) -> String {
        match self {
            Blobs::Files(fs) => fs.root().display().to_string(),
            Blobs::S3(s3) => s3.describe(),
        }
    }

    /// Reaches the store once (S3: writes and reads back the empty blob), so a
    /// wrong endpoint, bucket or key is said before anything is recorded.
    pub async fn probe(&self) -> Result<(), StoreError> {
        match self {
            Blobs::Files(_) => Ok(()),
            Blobs::S3(s3) => s3.probe().await.map_err(StoreError::Request),
        }
    }
}

impl BlobStore for Blobs {
    async fn put(&self, bytes: &[u8]) -> io::Result<Hash> {
        match self {
            Blobs::Files(fs) => fs.put(bytes).await,
            Blobs::S3(s3) => s3.put(bytes).await,
        }
    }

    async fn get(&self, hash: &Hash) -> io::Result<Vec<u8>> {
        match self {
            Blobs::Files(fs) => fs.get(hash).await,
            Blobs::S3(s3) => s3.get(hash).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn choose(vars: &[(&str, &str)], configured: Option<&S3Location>) -> Result<Blobs, StoreError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Blobs::choose(|k| vars.get(k).cloned(), configured, Path::new("/repo"))
    }

    fn message(r: Result<Blobs, StoreError>) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(b) => panic!("expected a refusal, got {}", b.describe()),
        }
    }

    #[test]
    fn the_environment_then_the_trust_repo_then_the_checkout() {
        assert_eq!(
            choose(&[], None).unwrap().describe(),
            "/repo/.evident/blobs"
        );
        let keys = [("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "s")];
        let configured = S3Location {
            endpoint: "https://s3.example.com".into(),
            bucket: "from-toml".into(),
            region: "us-east-1".into(),
            prefix: String::new(),
        };
        let chosen = choose(&keys, Some(&configured)).unwrap().describe();
        assert!(chosen.contains("from-toml"), "{chosen}");
        let mut vars = keys.to_vec();
        vars.extend([
            ("EVIDENT_S3_ENDPOINT", "http://127.0.0.1:9000/"),
            ("EVIDENT_S3_BUCKET", "from-env"),
        ]);
        let chosen = choose(&vars, Some(&configured)).unwrap().describe();
        assert_eq!(
            chosen,
            "s3 http://127.0.0.1:9000/from-env/ (bucket from-env)"
        );
    }

    #[test]
    fn incomplete_settings_are_named() {
        let m = message(choose(&[("EVIDENT_S3_ENDPOINT", "http://h")], None));
        assert!(m.contains("EVIDENT_S3_BUCKET"), "{m}");
        let m = message(choose(
            &[
                ("EVIDENT_S3_ENDPOINT", "ftp://h"),
                ("EVIDENT_S3_BUCKET", "b-1"),
            ],
            None,
        ));
        assert!(m.starts_with("EVIDENT_S3_ENDPOINT:"), "{m}");
        let m = message(choose(
            &[
                ("EVIDENT_S3_ENDPOINT", "http://h"),
                ("EVIDENT_S3_BUCKET", "Bad_Bucket"),
            ],
            None,
        ));
        assert!(m.starts_with("EVIDENT_S3_BUCKET:"), "{m}");
        let m = message(choose(
            &[
                ("EVIDENT_S3_ENDPOINT", "http://h"),
                ("EVIDENT_S3_BUCKET", "bucket"),
                ("AWS_ACCESS_KEY_ID", "k"),
            ],
            None,
        ));
        assert!(m.contains("AWS_SECRET_ACCESS_KEY"), "{m}");
    }
}
