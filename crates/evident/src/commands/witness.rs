//! `evident witness serve`: an independent witness of ledgers' checkpoints.

use crate::cli::WitnessCommand;
use crate::failure::{Failure, VerbResult};
use evident_witness::server::{self, Clock};
use evident_witness::state::WitnessState;
use std::io::Write;
use std::sync::Arc;

pub fn run(command: WitnessCommand) -> VerbResult {
    let WitnessCommand::Serve {
        state,
        name,
        listen,
        trust,
    } = command;
    let witness = WitnessState::open(&state, name.as_deref(), &trust)
        .map_err(|e| Failure::input(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::unmet(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| Failure::input(format!("--listen {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::unmet(e.to_string()))?;
        let vkey = witness.vkey().to_vkey();
        // Whoever started it reads the address, and may then close the pipe:
        // a witness keeps serving whether or not anyone reads its output.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "witness listening on http://{addr}");
        let _ = writeln!(
            out,
            "its key (list it under [[witness]] in evident.toml): {vkey}"
        );
        let _ = writeln!(out, "logs it witnesses: {}", witness.trusted().len());
        let _ = out.flush();
        // The witness's own clock, which its cosignatures vouch for;
        // EVIDENT_NOW fixes it for tests, as everywhere else.
        let clock: Clock = Arc::new(|| super::instant().unix().max(0) as u64);
        axum::serve(listener, server::router(Arc::new(witness), clock))
            .await
            .map_err(|e| Failure::unmet(format!("the witness stopped: {e}")))
    })
}
