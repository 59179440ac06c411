//! Evidence files: what they are is read from their first bytes, never from the name or the
//! type the browser claims, so an executable renamed `foto.jpg` is refused.

use crate::platform::i18n::Text;
use crate::tr;
use sha2::{Digest, Sha256};

/// 10 MB per file (the intake's limit).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Files per report.
pub const MAX_FILES: i64 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFile {
    pub name: String,
    pub content_type: &'static str,
    pub sha256: String,
}

/// Checks one upload; the error names the file and says why.
pub fn check(name: &str, bytes: &[u8]) -> Result<CheckedFile, Text> {
    let name: String = name.chars().filter(|c| !c.is_control() && !crate::platform::text::is_bidi_control(*c) && *c != '/' && *c != '\\').take(200).collect();
    let name = if name.trim().is_empty() { "bukti".to_string() } else { name };
    if bytes.is_empty() {
        return Err(tr!("{name}: berkas kosong", "{name}: the file is empty"));
    }
    if bytes.len() > MAX_BYTES {
        let n = bytes.len();
        return Err(tr!("{name}: {n} bita melebihi batas 10 MB", "{name}: {n} bytes is over the 10 MB limit"));
    }
    // The accepted kinds (images and PDF) are what the blob store serves, told by content.
    let content_type = crate::platform::blob::content_type(bytes)
        .ok_or_else(|| tr!("{name}: isinya bukan gambar (JPEG, PNG, WebP, GIF) atau PDF, apa pun nama berkasnya", "{name}: not an image (JPEG, PNG, WebP, GIF) or a PDF by its content, whatever its name says"))?;
    Ok(CheckedFile { name, content_type, sha256: hex::encode(Sha256::digest(bytes)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(check("a.pdf", b"%PDF-1.7\n...").map(|f| f.content_type), Ok("application/pdf"));
        assert_eq!(check("foto.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).map(|f| f.content_type), Ok("image/jpeg"));
        assert!(check("foto.jpg", b"MZ\x90\x00 this is an exe").is_err());
        assert!(check("x.png", b"").is_err());
        let big = vec![b'%'; MAX_BYTES + 1];
        let refused = check("big.pdf", &big).map(|f| f.content_type);
        assert!(refused.as_ref().is_err_and(|m| m.id().contains("melebihi batas 10 MB") && m.en().contains("over the 10 MB limit")), "{refused:?}");
    }

    #[test]
    fn the_hash_is_sha256_of_the_bytes() {
        let f = check("a.pdf", b"%PDF-").expect("pdf");
        assert_eq!(f.sha256, "38523c087796e5d5dd1cf9bad1fb026781a838dd9dd2cf8af58b9f6502a46778");
        assert_eq!(check("../../etc/passwd.pdf", b"%PDF-").map(|f| f.name), Ok("....etcpasswd.pdf".to_string()));
    }
}
