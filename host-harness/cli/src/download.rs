//! `s1-harness download`: a downloaded file written to disk whole, and what is printed about it.

use anyhow::Context as _;
use host_harness::DownloadedFile;
use sha2::Digest as _;
use std::path::{Path, PathBuf};

/// Writes the file's bytes to `path` through a temporary file beside it (so a failed or
/// interrupted write never leaves a partial file under the final name) and returns what the
/// command prints: where it went, its name, type, origin, size and sha256 (never the bytes).
pub fn save(file: &DownloadedFile, path: &Path) -> anyhow::Result<serde_json::Value> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    if let Err(e) = std::fs::write(&tmp, &file.bytes).and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    let sha256: String = sha2::Sha256::digest(&file.bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok(serde_json::json!({
        "output": path.display().to_string(),
        "name": file.name,
        "contentType": file.content_type,
        "origin": file.origin,
        "bytes": file.bytes.len(),
        "sha256": sha256,
    }))
}
