//! Which files a PATH stands for: the one listing used by events, ledger and
//! UI inputs.
//!
//! - A file named on the command line is read whatever its name (its bytes say
//!   what it is); a `.zip` bundle (by name or by its bytes: a zip that is no
//!   workbook) stands for its entries.
//! - A folder is read **recursively**, in sorted path order. Excel owner files
//!   (`~$book.xlsx`), hidden files and folders (`.`-prefixed), files whose name
//!   is no export, and folders given to another option (`--ledger` inside the
//!   events folder) are skipped and **listed** in [`Expanded::skipped`].
//! - A zip bundle is bounded ([`MAX_ENTRIES`], [`MAX_TOTAL_BYTES`],
//!   [`MAX_ENTRY_BYTES`]); an entry path with `..` or an absolute one is an
//!   error naming the bundle. Entries are named `bundle.zip!path/in/zip.xlsx`.
//! - A PATH with no readable export (an empty folder, one with only owner or
//!   hidden files, an empty bundle) is an error naming it.

use super::IngestError;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// At most this many entries in one bundle.
pub const MAX_ENTRIES: usize = 10_000;
/// At most this many bytes in one bundle, all entries uncompressed.
pub const MAX_TOTAL_BYTES: u64 = 2 << 30;
/// At most this many bytes in one entry, uncompressed.
pub const MAX_ENTRY_BYTES: u64 = 512 << 20;

/// Names of exports read from a folder or a bundle.
pub const EXPORT_EXTENSIONS: [&str; 10] = [
    "csv", "tsv", "txt", "xlsx", "xlsm", "xls", "xlsb", "ods", "xml", "parquet",
];

/// One input: a file, or an entry of a zip bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// As shown in reports: the path, or `bundle.zip!entry/path.xlsx`.
    pub name: String,
    /// The file, or the bundle holding the entry.
    pub path: PathBuf,
    /// The entry's index in the bundle and its uncompressed size.
    pub entry: Option<(usize, u64)>,
}

impl InputFile {
    /// The name as a path (its file name and stem are the entry's own).
    pub fn display_path(&self) -> PathBuf {
        PathBuf::from(&self.name)
    }

    /// Its size in bytes (uncompressed for an entry).
    pub fn size(&self) -> u64 {
        match self.entry {
            Some((_, size)) => size,
            None => std::fs::metadata(&self.path).map_or(0, |m| m.len()),
        }
    }

    /// The bytes of a bundle entry (`None` for a plain file), reading no more
    /// than [`MAX_ENTRY_BYTES`] whatever the bundle claims.
    pub fn entry_bytes(&self) -> Option<Result<Vec<u8>, IngestError>> {
        let (index, size) = self.entry?;
        Some(
            read_entry(&self.path, index, size).map_err(|message| IngestError::File {
                path: self.name.clone(),
                message,
            }),
        )
    }
}

fn read_entry(bundle: &Path, index: usize, size: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(bundle).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("the bundle cannot be read: {e}"))?;
    let entry = zip
        .by_index(index)
        .map_err(|e| format!("the entry cannot be read: {e}"))?;
    let mut bytes = Vec::with_capacity(size.min(MAX_ENTRY_BYTES) as usize);
    entry
        .take(MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("the entry cannot be read: {e}"))?;
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        return Err(format!(
            "the entry is larger than {} MiB uncompressed (the bound for one entry)",
            MAX_ENTRY_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// The files of some PATHs and what was skipped on the way.
#[derive(Debug, Default)]
pub struct Expanded {
    pub files: Vec<InputFile>,
    /// One line per skipped file or folder: `path: reason` (a message, in
    /// the language it is shown in).
    pub skipped: Vec<crate::text::Text>,
}

fn io_error(path: &Path, e: std::io::Error) -> IngestError {
    IngestError::Io {
        path: path.display().to_string(),
        source: e,
    }
}

fn error(path: &Path, message: impl Into<String>) -> IngestError {
    IngestError::File {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// Why a name found in a folder or bundle is not read, if it is not.
fn skip_reason(name: &str) -> Option<crate::text::Msg> {
    if name.starts_with("~$") {
        Some(crate::text::Msg::skip_owner_file)
    } else if name.starts_with('.') {
        Some(crate::text::Msg::skip_hidden)
    } else {
        None
    }
}

/// `path: skipped (reason)`.
fn skipped(path: impl std::fmt::Display, reason: impl Into<crate::text::Arg>) -> crate::text::Text {
    crate::text!(skipped_entry, path.to_string(), reason.into())
}

fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// A zip that is no workbook (an xlsx, ods or xlsb is a zip too).
fn is_bundle(path: &Path) -> bool {
    let mut head = [0u8; 4];
    let zip_magic = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && (&head == b"PK\x03\x04" || &head == b"PK\x05\x06");
    if !zip_magic {
        return false;
    }
    if extension(&path.to_string_lossy()) == "zip" {
        return true;
    }
    // A workbook lists its parts by these names.
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let Ok(zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return false;
    };
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let workbook = names.iter().any(|n| {
        n == "[Content_Types].xml" || n == "mimetype" || n == "content.xml" || n.starts_with("xl/")
    });
    !workbook
}

/// Expands PATHs into input files. `exclude` are folders given to another
/// option (with that option, e.g. `--ledger`): met inside a folder, they are
/// skipped and listed.
pub fn expand_inputs(
    paths: &[PathBuf],
    exclude: &[(PathBuf, String)],
) -> Result<Expanded, IngestError> {
    let exclude: Vec<(PathBuf, String)> = exclude
        .iter()
        .filter_map(|(p, o)| std::fs::canonicalize(p).ok().map(|c| (c, o.clone())))
        .collect();
    let mut out = Expanded::default();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| io_error(p, e))?;
        if !meta.is_dir() && !meta.is_file() {
            return Err(error(
                p,
                "is not a regular file (a FIFO, socket or device): medrecon reads only regular files and folders",
            ));
        }
        let before = out.files.len();
        if meta.is_dir() {
            walk(p, &exclude, &mut out)?;
        } else if is_bundle(p) {
            bundle(p, &mut out)?;
        } else {
            out.files.push(InputFile {
                name: p.display().to_string(),
                path: p.clone(),
                entry: None,
            });
        }
        if out.files.len() == before {
            let what = if meta.is_dir() { "folder" } else { "bundle" };
            return Err(error(
                p,
                format!(
                    "no readable export in this {what} (csv, tsv, txt, xlsx, xlsm, xls, xlsb, ods, xml, parquet or zip; owner `~$` and hidden files are skipped)"
                ),
            ));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, exclude: &[(PathBuf, String)], out: &mut Expanded) -> Result<(), IngestError> {
    let mut entries: Vec<(PathBuf, String, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Follows symlinks, as a named PATH does.
        let meta = std::fs::metadata(&path).map_err(|e| io_error(&path, e))?;
        if !meta.is_dir() && !meta.is_file() {
            // A FIFO would block forever, a device never end: passed over.
            out.skipped
                .push(skipped(path.display(), crate::text::Msg::skip_not_regular));
            continue;
        }
        entries.push((path, name, meta.is_dir()));
    }
    entries.sort();
    for (path, name, is_dir) in entries {
        if let Some(reason) = skip_reason(&name) {
            out.skipped.push(skipped(path.display(), reason));
            continue;
        }
        if is_dir {
            let canonical = std::fs::canonicalize(&path).ok();
            let given_elsewhere = exclude.iter().find(|(c, _)| Some(c) == canonical.as_ref());
            if let Some((_, option)) = given_elsewhere {
                out.skipped.push(skipped(
                    path.display(),
                    crate::text!(skip_folder_given, option.as_str()),
                ));
            } else {
                walk(&path, exclude, out)?;
            }
            continue;
        }
        let ext = extension(&name);
        if ext == "zip" {
            bundle(&path, out)?;
        } else if EXPORT_EXTENSIONS.contains(&ext.as_str()) {
            out.files.push(InputFile {
                name: path.display().to_string(),
                path,
                entry: None,
            });
        } else {
            out.skipped
                .push(skipped(path.display(), crate::text::Msg::skip_not_export));
        }
    }
    Ok(())
}

/// An entry name as text: UTF-8, else GB18030 (Chinese zip tools), else lossy.
fn entry_name(raw: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(raw) {
        return s.to_string();
    }
    let (text, _, bad) = encoding_rs::GB18030.decode(raw);
    if bad {
        String::from_utf8_lossy(raw).into_owned()
    } else {
        text.into_owned()
    }
}

/// An entry path that stays inside the bundle: relative, no `..`.
fn enclosed(name: &str) -> bool {
    let unix = name.replace('\\', "/");
    if unix.starts_with('/') || name.contains('\0') || unix.get(1..2) == Some(":") {
        return false;
    }
    Path::new(&unix)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn bundle(path: &Path, out: &mut Expanded) -> Result<(), IngestError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| error(path, format!("is not a readable zip bundle: {e}")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(error(
            path,
            format!(
                "the bundle has {} entries, more than the bound of {MAX_ENTRIES}",
                zip.len()
            ),
        ));
    }
    let mut found: Vec<(String, InputFile)> = Vec::new();
    let mut total = 0u64;
    for index in 0..zip.len() {
        let entry = zip
            .by_index_raw(index)
            .map_err(|e| error(path, format!("entry {index} cannot be read: {e}")))?;
        let name = entry_name(entry.name_raw());
        if !enclosed(&name) {
            return Err(error(
                path,
                format!(
                    "entry `{name}` points outside the bundle (an absolute path or `..`): the bundle is refused"
                ),
            ));
        }
        if entry.is_dir() {
            continue;
        }
        let size = entry.size();
        if size > MAX_ENTRY_BYTES {
            return Err(error(
                path,
                format!(
                    "entry `{name}` is {size} bytes uncompressed, more than the bound of {} MiB for one entry",
                    MAX_ENTRY_BYTES >> 20
                ),
            ));
        }
        total += size;
        if total > MAX_TOTAL_BYTES {
            return Err(error(
                path,
                format!(
                    "the entries total more than the bound of {} GiB uncompressed",
                    MAX_TOTAL_BYTES >> 30
                ),
            ));
        }
        let display = format!("{}!{name}", path.display());
        let hidden = name.split(['/', '\\']).find_map(skip_reason);
        if let Some(reason) = hidden {
            out.skipped.push(skipped(&display, reason));
            continue;
        }
        let ext = extension(&name);
        if ext == "zip" {
            out.skipped
                .push(skipped(&display, crate::text::Msg::skip_nested_bundle));
        } else if EXPORT_EXTENSIONS.contains(&ext.as_str()) {
            found.push((
                name,
                InputFile {
                    name: display,
                    path: path.to_path_buf(),
                    entry: Some((index, size)),
                },
            ));
        } else {
            out.skipped
                .push(skipped(&display, crate::text::Msg::skip_not_export));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    out.files.extend(found.into_iter().map(|(_, f)| f));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_inside_the_bundle() {
        assert!(enclosed("a/b.csv"));
        assert!(enclosed("./b.csv"));
        assert!(!enclosed("../evil.csv"));
        assert!(!enclosed("a/../../evil.csv"));
        assert!(!enclosed("a\\..\\evil.csv"));
        assert!(!enclosed("/etc/passwd"));
        assert!(!enclosed("C:/x.csv"));
    }

    #[test]
    fn a_bundle_over_the_entry_bound_is_refused_naming_it_and_the_bound() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.zip");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..=MAX_ENTRIES {
            z.start_file(format!("e{i}.csv"), opts).unwrap();
            z.write_all(b"x").unwrap();
        }
        z.finish().unwrap();
        let e = expand_inputs(std::slice::from_ref(&path), &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("many.zip") && e.contains("10001 entries") && e.contains("10000"),
            "{e}"
        );
        // An empty bundle is a PATH with nothing readable.
        let empty = dir.path().join("empty.zip");
        zip::ZipWriter::new(std::fs::File::create(&empty).unwrap())
            .finish()
            .unwrap();
        let e = expand_inputs(std::slice::from_ref(&empty), &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("empty.zip") && e.contains("no readable export in this bundle"),
            "{e}"
        );
    }

    #[test]
    fn owner_and_hidden_names() {
        assert!(skip_reason("~$x.xlsx").is_some());
        assert!(skip_reason(".DS_Store").is_some());
        assert!(skip_reason("x.xlsx").is_none());
    }
}
