//! `evident ledger checkpoint | verify | prove | consistency | verify-proof`.

use super::ledger_access::{self, store_failure, with_ledger};
use crate::cli::LedgerCommand;
use crate::failure::{Failure, VerbResult};
use crate::output::print_json;
use evident_core::catalog::Catalog;
use evident_ledger::checkpoint::Checkpoint;
use evident_ledger::keys::PUBLIC_KEY_FILE;
use evident_ledger::merkle;
use evident_ledger::proof::ProofFile;
use serde_json::json;
use std::path::Path;

pub fn run(repo: &Path, command: LedgerCommand) -> VerbResult {
    match command {
        // Offline: needs no trust repo, only the proof and the key.
        // Paths are taken from the `-C` directory, as git does.
        LedgerCommand::VerifyProof { proof, key, json } => {
            verify_proof(&repo.join(proof), &repo.join(key), json)
        }
        LedgerCommand::VerifyBundle { bundle, key, json } => super::bundle::verify_bundle(
            &repo.join(bundle),
            key.map(|k| repo.join(k)).as_deref(),
            json,
        ),
        LedgerCommand::Checkpoint { json } => checkpoint(repo, json),
        LedgerCommand::Vkey => {
            let program = super::load_program(repo, &Catalog::tsc())?;
            let key = ledger_access::public_key(&repo.join(PUBLIC_KEY_FILE))?;
            say!("{}", ledger_access::log_vkey(&program, &key).to_vkey());
            Ok(())
        }
        LedgerCommand::Verify { json } => verify(repo, json),
        LedgerCommand::Prove { entry, json } => prove(repo, &entry, json),
        LedgerCommand::Consistency { from, json } => consistency(repo, &repo.join(from), json),
    }
}

fn checkpoint(repo: &Path, json: bool) -> VerbResult {
    let program = super::load_program(repo, &Catalog::tsc())?;
    let key = ledger_access::signing_key(repo)?;
    let (id, cp) = with_ledger(repo, &program, async |ledger| {
        ledger_access::sign_checkpoint(repo, ledger, &program, &key).await
    })?;
    if json {
        print_json(&checkpoint_json(id, &cp));
    } else {
        // The checkpoint alone on stdout, so `> FILE` saves exactly it.
        print!("{}", cp.to_text());
        say_err!("stored as checkpoint {id}");
    }
    Ok(())
}

fn checkpoint_json(id: i64, cp: &Checkpoint) -> serde_json::Value {
    json!({
        "id": id,
        "origin": cp.head.origin,
        "size": cp.head.size,
        "root": merkle::hex(&cp.head.root),
        "time": cp.head.time,
        "text": cp.to_text(),
    })
}

fn verify(repo: &Path, json: bool) -> VerbResult {
    let program = super::load_program(repo, &Catalog::tsc())?;
    let trusted = ledger_access::public_key(&repo.join(PUBLIC_KEY_FILE))?;
    let committed = ledger_access::committed_checkpoint(repo, &trusted)?;
    let witnesses = ledger_access::witnesses(&program)?;
    let tsa = ledger_access::timestamp_authority(repo, &program)?;
    let verified = with_ledger(repo, &program, async |ledger| {
        let mut verified = ledger
            .verify(&trusted, committed.as_ref())
            .await
            .map_err(store_failure)?;
        // Every cosignature by a listed witness must verify.
        let keys: Vec<_> = witnesses.iter().map(|(_, k)| k.clone()).collect();
        for stored in ledger.store.checkpoints().await.map_err(store_failure)? {
            let Ok(cp) = Checkpoint::parse(&stored.text) else {
                continue;
            };
            let stamps = tsa.as_ref().map(|t| ledger_access::stamps_of(&cp, t));
            for e in [cp.witnessed_by(&keys).err(), stamps.and_then(Result::err)]
                .into_iter()
                .flatten()
            {
                verified.problems.push(evident_ledger::log::Problem {
                    subject: format!("checkpoint {}", stored.id),
                    message: e,
                });
            }
        }
        Ok(verified)
    })?;
    let ok = verified.problems.is_empty();
    if json {
        print_json(&json!({
            "version": 1,
            "ok": ok,
            "entries": verified.entries,
            "checkpoints": verified.checkpoints,
            "root": verified.root_hex(),
            "problems": verified.problems,
        }));
    } else if ok {
        say!(
            "ledger verified: {} entries, {} checkpoint(s), every leaf, node, blob, signature, time and stored column checked; root {}",
            verified.entries,
            verified.checkpoints,
            verified.root_hex()
        );
        match &committed {
            Some(cp) => say!(
                "it extends the checkpoint committed in the trust repo ({}: {} entries, signed {})",
                ledger_access::COMMITTED_CHECKPOINT,
                cp.head.size,
                cp.head.time
            ),
            None => say!(
                "no {} in the trust repo yet: run `evident ledger checkpoint` and commit it, so a ledger emptied or rolled back is caught",
                ledger_access::COMMITTED_CHECKPOINT
            ),
        }
    } else {
        for p in &verified.problems {
            say!("{p}");
        }
    }
    if ok {
        Ok(())
    } else {
        Err(Failure::unmet(format!(
            "the ledger does not verify: {} problem(s)",
            verified.problems.len()
        )))
    }
}

fn prove(repo: &Path, entry: &str, json: bool) -> VerbResult {
    let seq: u64 = entry.parse().map_err(|_| {
        Failure::input(format!(
            "ENTRY `{entry}` is not an entry number; `evident evidence list` shows them in the # column"
        ))
    })?;
    let program = super::load_program(repo, &Catalog::tsc())?;
    let proof = with_ledger(repo, &program, async |ledger| {
        ledger.prove(seq).await.map_err(store_failure)
    })?;
    let trusted = ledger_access::public_key(&repo.join(PUBLIC_KEY_FILE))?;
    show_proof(&proof, &trusted, json)
}

fn consistency(repo: &Path, from: &Path, json: bool) -> VerbResult {
    // A checkpoint is a few lines and its signatures.
    let text = evident_fsio::read_text(from, 64 << 10)
        .map_err(|e| Failure::input(format!("{}: {e}", from.display())))?;
    let old =
        Checkpoint::parse(&text).map_err(|e| Failure::input(format!("{}: {e}", from.display())))?;
    let trusted = ledger_access::public_key(&repo.join(PUBLIC_KEY_FILE))?;
    old.verify(&trusted).map_err(|e| {
        Failure::unmet(format!(
            "{}: {e}; it is not a checkpoint of this ledger",
            from.display()
        ))
    })?;
    let program = super::load_program(repo, &Catalog::tsc())?;
    let proof = with_ledger(repo, &program, async |ledger| {
        ledger.consistency(&old).await.map_err(store_failure)
    })?;
    show_proof(&proof, &trusted, json)
}

/// Prints a freshly made proof, checked first the way an auditor will check it.
fn show_proof(proof: &ProofFile, trusted: &ed25519_dalek::VerifyingKey, json: bool) -> VerbResult {
    let said = proof.verify(trusted).map_err(|e| {
        Failure::unmet(format!(
            "the ledger produced a proof that does not verify ({e}); run `evident ledger verify`"
        ))
    })?;
    if json {
        print_json(proof);
    } else {
        say!("{said}");
        say!(
            "(print the proof file with --json and check it anywhere with `evident ledger verify-proof FILE --key {PUBLIC_KEY_FILE}`)"
        );
    }
    Ok(())
}

fn verify_proof(path: &Path, key: &Path, json: bool) -> VerbResult {
    let trusted = ledger_access::public_key(key)?;
    // A proof holds an entry (its summary capped), a checkpoint and a few dozen hashes.
    let text = evident_fsio::read_text(path, 16 << 20)
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    let proof = ProofFile::parse(&text).map_err(|e| {
        Failure::input(format!(
            "{}: not an evident proof file: {e}",
            path.display()
        ))
    })?;
    let outcome = proof.verify(&trusted);
    if json {
        print_json(&match &outcome {
            Ok(said) => json!({ "ok": true, "proven": said }),
            Err(problem) => json!({ "ok": false, "problem": problem.to_string() }),
        });
    }
    match outcome {
        Ok(said) => {
            if !json {
                say!("verified: {said}");
            }
            Ok(())
        }
        Err(problem) => Err(Failure::unmet(format!("{}: {problem}", path.display()))),
    }
}
