//! Zip archives for the simulator's downloads (agent uploads, threat samples, script output), built
//! in memory with the `zip` crate.
//!
//! Entries are stored (no compression) and dated 2026-03-01 12:00:00 (the seed's reference day), so
//! an archive's entries are deterministic. With a password every entry is encrypted with
//! traditional PKWARE encryption ("ZipCrypto"), which is what the console's password-protected
//! zips use and what every unzip tool opens; its 12-byte encryption headers are random, so the
//! bytes of an encrypted archive differ between builds while its entries do not.

use std::io::{Cursor, Write};
use zip::unstable::write::FileOptionsExt;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// One archive entry: its name inside the zip and its bytes.
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Entry {
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Entry {
        Entry { name: name.into(), bytes: bytes.into() }
    }
}

/// The zip holding `entries` in order, each encrypted with `password` when one is given (it must
/// not be empty).
pub fn build(entries: &[Entry], password: Option<&str>) -> zip::result::ZipResult<Vec<u8>> {
    let when = DateTime::from_date_and_time(2026, 3, 1, 12, 0, 0)?;
    let plain = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).last_modified_time(when);
    let options = match password {
        Some(password) => plain.with_deprecated_encryption(password.as_bytes())?,
        None => plain,
    };
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for entry in entries {
        writer.start_file(entry.name.as_str(), options)?;
        writer.write_all(&entry.bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// An entry of a zip, decrypted with `password` when given (for tests).
#[cfg(test)]
pub fn read(zip: &[u8], name: &str, password: Option<&str>) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))?;
    let mut file = match password {
        Some(p) => archive.by_name_decrypt(name, p.as_bytes())?,
        None => archive.by_name(name)?,
    };
    let mut out = Vec::new();
    file.read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_protected_archive_opens_only_with_its_password() {
        let zip = build(&[Entry::new("a.txt", "alpha"), Entry::new("dir/b.txt", "beta")], Some("Str0ng!Passw0rd")).unwrap();
        assert_eq!(read(&zip, "dir/b.txt", Some("Str0ng!Passw0rd")).unwrap(), b"beta");
        assert!(read(&zip, "a.txt", Some("wrong-password")).is_err());
        assert!(read(&zip, "a.txt", None).is_err());
    }

    #[test]
    fn an_archive_without_password_opens_as_is() {
        let zip = build(&[Entry::new("output.txt", "done\n")], None).unwrap();
        assert_eq!(read(&zip, "output.txt", None).unwrap(), b"done\n");
    }

    #[test]
    fn an_empty_password_is_refused() {
        assert!(build(&[Entry::new("a", "b")], Some("")).is_err());
    }
}
