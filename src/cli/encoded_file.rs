//! Encoded JSONL files (protocol.md §6.1): a header line, then one encoded record per line.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::encode::{EncodedHeader, EncodedRecord};

/// Writes a file atomically: lines (JSON, or CSV rows) go to a temporary file beside the
/// target, which is renamed over it only by [`AtomicJsonl::commit`]. Dropping without
/// committing removes it.
pub struct AtomicJsonl {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicJsonl {
    /// Creates the temporary file.
    pub fn create(target: &Path) -> anyhow::Result<Self> {
        Self::create_with(target, |path| File::create(path))
    }

    /// Creates the temporary file readable and writable by its owner only, for files that hold
    /// raw values or record ids (the problem report, the reference map).
    pub fn create_private(target: &Path) -> anyhow::Result<Self> {
        Self::create_with(target, create_private_file)
    }

    fn create_with(
        target: &Path,
        open: impl FnOnce(&Path) -> std::io::Result<File>,
    ) -> anyhow::Result<Self> {
        let name = target
            .file_name()
            .context("output path has no file name")?
            .to_string_lossy();
        let temp = target.with_file_name(format!(".{name}.partial"));
        let file = open(&temp).with_context(|| format!("creating {}", temp.display()))?;
        Ok(AtomicJsonl {
            target: target.to_path_buf(),
            temp,
            writer: Some(BufWriter::new(file)),
        })
    }

    /// Appends one JSON line.
    pub fn write<T: serde::Serialize>(&mut self, value: &T) -> anyhow::Result<()> {
        let writer = self.writer.as_mut().context("file already committed")?;
        serde_json::to_writer(&mut *writer, value)?;
        writer.write_all(b"\n")?;
        Ok(())
    }

    /// Appends one CSV row, quoted as needed (for the local reference map beside an encoding).
    pub fn write_csv(&mut self, fields: &[&str]) -> anyhow::Result<()> {
        let writer = self.writer.as_mut().context("file already committed")?;
        let mut row = csv::Writer::from_writer(Vec::new());
        row.write_record(fields)?;
        writer.write_all(&row.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
        Ok(())
    }

    /// Flushes, syncs and renames over the target.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let writer = self.writer.take().context("file already committed")?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&self.temp, &self.target)
            .with_context(|| format!("renaming into {}", self.target.display()))?;
        Ok(())
    }
}

impl Drop for AtomicJsonl {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Creates (or truncates) a file that only its owner may read or write (mode 0600 on Unix): it
/// holds personal data or what links encodings back to children.
pub fn create_private_file(path: &Path) -> std::io::Result<File> {
    crate::keyfile::private_file_options()
        .create(true)
        .truncate(true)
        .open(path)
}

/// Reads a whole encoded file, checking its header.
pub fn read_encoded(path: &Path) -> anyhow::Result<(EncodedHeader, Vec<EncodedRecord>)> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut lines = BufReader::new(file).lines();
    let header_line = lines
        .next()
        .transpose()?
        .with_context(|| format!("{} is empty", path.display()))?;
    let header: EncodedHeader = serde_json::from_str(&header_line)
        .with_context(|| format!("{} line 1: not an encoded-file header", path.display()))?;
    if header.format != EncodedHeader::FORMAT {
        bail!("{} line 1: format is `{}`", path.display(), header.format);
    }
    if header.protocol != crate::encode::encoded::PROTOCOL_VERSION {
        bail!(
            "{} line 1: protocol version {} is not supported (this build speaks {})",
            path.display(),
            header.protocol,
            crate::encode::encoded::PROTOCOL_VERSION
        );
    }
    let mut records = Vec::new();
    for (i, line) in lines.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: EncodedRecord = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}: not an encoded record", path.display(), i + 2))?;
        records.push(record);
    }
    Ok((header, records))
}
