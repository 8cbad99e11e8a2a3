//! RFC 3161 time-stamps: a second way to prove *when* a checkpoint existed.
//! A time-stamping authority (TSA) stamps the SHA-256 of a checkpoint's note
//! text; the token is kept in the checkpoint as a signature line named after
//! the TSA, with the first four bytes of the SHA-256 of its certificate as
//! key ID. Checking a token against the TSA certificate the trust repo names: the imprint is the checkpoint's, the CMS
//! signature over the signed attributes verifies with the certificate's key,
//! and the signed `messageDigest` is the hash of the TSTInfo that carries the
//! time. (`openssl ts -verify` checks the same token independently.)
//!
//! Only the few DER structures a token needs are walked, with a small reader;
//! the certificate is parsed by x509-parser and signatures verified by ring.

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use sha2::{Digest, Sha256};

const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];

/// A `TimeStampReq` for SHA-256 `hash`, asking for the TSA's certificate.
pub fn request(hash: &[u8; 32], nonce: u64) -> Vec<u8> {
    let mut imprint = tlv(0x30, &[tlv(0x06, SHA256), vec![0x05, 0x00]].concat());
    imprint = tlv(0x30, &[imprint, tlv(0x04, hash)].concat());
    // A positive INTEGER in DER's minimal form: no leading zero byte unless
    // the next byte's top bit is set (TSAs reject any other encoding).
    let mut n: Vec<u8> = nonce
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    if n.first().is_none_or(|b| b & 0x80 != 0) {
        n.insert(0, 0);
    }
    let body = [tlv(0x02, &[1]), imprint, tlv(0x02, &n), tlv(0x01, &[0xff])].concat();
    tlv(0x30, &body)
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// One DER element: its tag, its content, and the whole encoding.
#[derive(Clone, Copy)]
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
    whole: &'a [u8],
}

/// Reads the next element of `input`; returns it and what follows.
fn next(input: &[u8]) -> Result<(Element<'_>, &[u8]), String> {
    let bad = || "the token is not valid DER".to_string();
    let (&tag, rest) = input.split_first().ok_or_else(bad)?;
    let (&first, rest) = rest.split_first().ok_or_else(bad)?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad());
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(bad());
    }
    let header = input.len() - rest.len();
    Ok((
        Element {
            tag,
            content: &rest[..len],
            whole: &input[..header + len],
        },
        &rest[len..],
    ))
}

/// The elements inside a constructed element, in order.
fn children(content: &[u8]) -> Result<Vec<Element<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (e, r) = next(rest)?;
        out.push(e);
        rest = r;
    }
    Ok(out)
}

fn expect<'a>(e: Option<&Element<'a>>, tag: u8, what: &str) -> Result<Element<'a>, String> {
    match e {
        Some(e) if e.tag == tag => Ok(*e),
        _ => Err(format!("the token has no {what} where RFC 3161 puts it")),
    }
}

/// The token (a CMS `ContentInfo`) inside a `TimeStampResp`, if granted.
pub fn token_of_reply(reply: &[u8]) -> Result<Vec<u8>, String> {
    let (resp, _) = next(reply)?;
    let parts = children(resp.content)?;
    let status = expect(parts.first(), 0x30, "status")?;
    let code = children(status.content)?
        .first()
        .filter(|e| e.tag == 0x02)
        .map(|e| e.content.iter().fold(0u32, |a, b| (a << 8) | *b as u32))
        .ok_or("the reply has no status")?;
    if code > 1 {
        return Err(format!("the TSA refused the request (PKIStatus {code})"));
    }
    Ok(expect(parts.get(1), 0x30, "token")?.whole.to_vec())
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    /// `genTime`, seconds since 1970.
    pub time: i64,
}

/// Checks `token` stamps SHA-256 `hash` and is signed by `certificate_der`'s key.
pub fn verify(token: &[u8], hash: &[u8; 32], certificate_der: &[u8]) -> Result<Stamped, String> {
    let (info, _) = next(token)?;
    let info = children(info.content)?;
    let signed = expect(info.get(1), 0xa0, "signed data")?;
    let signed = children(signed.content)?;
    let signed = children(expect(signed.first(), 0x30, "SignedData")?.content)?;
    let encap = children(expect(signed.get(2), 0x30, "encapsulated content")?.content)?;
    if expect(encap.first(), 0x06, "content type")?.content != TST_INFO {
        return Err("the token does not carry a TSTInfo".into());
    }
    let wrapped = children(expect(encap.get(1), 0xa0, "TSTInfo")?.content)?;
    let tst_der = expect(wrapped.first(), 0x04, "TSTInfo")?.content;
    let signer_infos = signed
        .iter()
        .rev()
        .find(|e| e.tag == 0x31)
        .ok_or("the token has no signer")?;
    let signer = children(signer_infos.content)?;
    let signer = children(expect(signer.first(), 0x30, "SignerInfo")?.content)?;
    let digest_alg = children(expect(signer.get(2), 0x30, "digest algorithm")?.content)?;
    let digest_oid = expect(digest_alg.first(), 0x06, "digest algorithm")?.content;
    let attrs = expect(signer.get(3), 0xa0, "signed attributes")?;
    let signature = signer
        .iter()
        .skip(4)
        .find(|e| e.tag == 0x04)
        .ok_or("the token has no signature")?
        .content;

    // The TSTInfo names our hash, and its time.
    let tst = children(next(tst_der)?.0.content)?;
    let imprint = children(expect(tst.get(2), 0x30, "message imprint")?.content)?;
    if expect(imprint.get(1), 0x04, "hashed message")?.content != hash {
        return Err("the token stamps another message than this checkpoint".into());
    }
    let gen_time = expect(tst.get(4), 0x18, "genTime")?.content;
    let time = generalized_time(gen_time)?;

    // The signed attributes carry the TSTInfo's digest...
    let digest = |bytes: &[u8]| -> Result<Vec<u8>, String> {
        Ok(match digest_oid {
            d if d == SHA256 => Sha256::digest(bytes).to_vec(),
            d if d == SHA384 => sha2::Sha384::digest(bytes).to_vec(),
            d if d == SHA512 => sha2::Sha512::digest(bytes).to_vec(),
            _ => return Err("the token uses a digest other than SHA-2".into()),
        })
    };
    let message_digest = children(attrs.content)?
        .into_iter()
        .filter_map(|a| children(a.content).ok())
        .find(|a| {
            a.first()
                .is_some_and(|o| o.tag == 0x06 && o.content == MESSAGE_DIGEST)
        })
        .and_then(|a| a.get(1).and_then(|set| children(set.content).ok()))
        .and_then(|v| v.first().map(|d| d.content.to_vec()))
        .ok_or("the token's signed attributes have no message digest")?;
    if message_digest != digest(tst_der)? {
        return Err("the token's TSTInfo was altered: its digest is not the signed one".into());
    }
    // ...and are signed, as a SET, by the TSA's key.
    let mut signed_attrs = attrs.whole.to_vec();
    signed_attrs[0] = 0x31;
    let (_, cert) = x509_parser::parse_x509_certificate(certificate_der)
        .map_err(|e| format!("the TSA certificate cannot be read: {e}"))?;
    let spki = cert.public_key();
    let key_alg = spki.algorithm.algorithm.as_bytes();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.as_bytes().to_vec())
        .unwrap_or_default();
    let alg: &dyn VerificationAlgorithm = match (key_alg, digest_oid, curve.as_slice()) {
        (k, d, _) if k == RSA && d == SHA256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        (k, d, _) if k == RSA && d == SHA384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        (k, d, _) if k == RSA && d == SHA512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        (k, d, c) if k == EC && d == SHA256 && c == P256 => &signature::ECDSA_P256_SHA256_ASN1,
        (k, d, c) if k == EC && d == SHA384 && c == P384 => &signature::ECDSA_P384_SHA384_ASN1,
        _ => return Err("the TSA's key or digest is not one evident checks (RSA, or ECDSA P-256/P-384, with SHA-2)".into()),
    };
    UnparsedPublicKey::new(alg, &spki.subject_public_key.data)
        .verify(&signed_attrs, signature)
        .map_err(|_| {
            "the token's signature does not verify with the TSA certificate".to_string()
        })?;
    Ok(Stamped { time })
}

/// The DER of the first certificate in PEM text.
pub fn certificate_from_pem(pem: &[u8]) -> Result<Vec<u8>, String> {
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(pem).map_err(|e| format!("not a PEM certificate: {e}"))?;
    x509_parser::parse_x509_certificate(&pem.contents)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    Ok(pem.contents)
}

/// The key ID a time-stamp's signature line carries: the first four bytes
/// of the SHA-256 of the TSA certificate.
pub fn key_id(certificate_der: &[u8]) -> [u8; 4] {
    let d = Sha256::digest(certificate_der);
    [d[0], d[1], d[2], d[3]]
}

/// The times of the time-stamps in `cp` by the TSA named `name` with this
/// certificate, each verified; an invalid one is an error naming it.
pub fn stamps_in(
    cp: &crate::checkpoint::Checkpoint,
    name: &str,
    certificate_der: &[u8],
) -> Result<Vec<i64>, String> {
    let id = key_id(certificate_der);
    let hash = crate::blobs::sha256(cp.head.note_text().as_bytes());
    cp.others
        .iter()
        .filter(|l| l.name == name && l.key_id == id)
        .map(|l| {
            verify(&l.signature, &hash, certificate_der)
                .map(|s| s.time)
                .map_err(|e| format!("the time-stamp by {name}: {e}"))
        })
        .collect()
}

/// `YYYYMMDDHHMMSS[.fff]Z` as seconds since 1970.
fn generalized_time(text: &[u8]) -> Result<i64, String> {
    let text = std::str::from_utf8(text).map_err(|_| "genTime is not text")?;
    let bad = || format!("genTime `{text}` is not a UTC time");
    let digits = text.strip_suffix('Z').ok_or_else(bad)?;
    let digits = digits.split('.').next().ok_or_else(bad)?;
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<i64>().map_err(|_| bad());
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (hh, mm, ss) = (n(8..10)?, n(10..12)?, n(12..14)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return Err(bad());
    }
    // Days from civil (proleptic Gregorian), as in Howard Hinnant's algorithm.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_the_der_rfc_3161_describes() {
        let req = request(&[7; 32], 5);
        // SEQUENCE { INTEGER 1, MessageImprint, INTEGER nonce, BOOLEAN TRUE }
        assert_eq!(&req[..5], &[0x30, 0x3c, 0x02, 0x01, 0x01]);
        assert_eq!(&req[req.len() - 6..req.len() - 3], &[0x02, 0x01, 0x05]);
        // Minimal: a zero byte only where the top bit is set.
        let high = request(&[7; 32], 0x80 << 56);
        assert_eq!(
            &high[high.len() - 14..high.len() - 3],
            &[0x02, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(&req[req.len() - 3..], &[0x01, 0x01, 0xff]);
        let parts = children(next(&req).unwrap().0.content).unwrap();
        assert_eq!(parts.len(), 4);
    }

    #[test]
    fn generalized_times_read_as_unix_seconds() {
        assert_eq!(generalized_time(b"19700101000000Z").unwrap(), 0);
        assert_eq!(
            generalized_time(b"20261203120000.123Z").unwrap(),
            1_796_299_200
        );
        assert!(generalized_time(b"20261303120000Z").is_err());
        assert!(generalized_time(b"2026120312Z").is_err());
    }
}
