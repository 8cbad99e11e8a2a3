use evident_store::StoreError;

/// Why the server, or one of its commands, could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The request or command is wrong as given: the message says how to fix it.
    #[error("{0}")]
    Input(String),
    /// The server cannot start as configured.
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A stored row this build cannot read.
    #[error("{0}")]
    Damaged(String),
    /// The trust repo could not be loaded or rendered.
    #[error("{0}")]
    Load(String),
}

impl From<sqlx::Error> for ServerError {
    fn from(e: sqlx::Error) -> ServerError {
        ServerError::Store(StoreError::from(e))
    }
}
