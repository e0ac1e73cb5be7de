//! The privacy boundary as a test: the hub side — `hub`, `store`, `matcher`, `wire` — and the
//! hub's typed `client` are built only from what the hub may see. None of them may name the
//! authority-side modules that hold raw records, their validation, the encoding keys and the
//! authority's own files (`encode`, `input`, `local`), nor the applications built on top
//! (`cli`, `console`) or the lab (`synth`, `evaluate`).
//!
//! Unit tests inside those modules may encode records to make fixtures, so a file is read only
//! up to its `#[cfg(test)]` module.

use std::path::{Path, PathBuf};

/// The hub-side modules and what each may not name.
const RULES: &[(&str, &[&str])] = &[
    ("hub", AUTHORITY_SIDE),
    ("store", AUTHORITY_SIDE),
    ("matcher", AUTHORITY_SIDE),
    ("wire", AUTHORITY_SIDE),
    ("checkpoint", AUTHORITY_SIDE),
    ("client", AUTHORITY_SIDE),
];

const AUTHORITY_SIDE: &[&str] = &[
    "encode", "input", "local", "cli", "console", "synth", "evaluate",
];

/// One forbidden path found in a module.
#[derive(Debug, PartialEq, Eq)]
struct Reach {
    file: String,
    line: usize,
    path: String,
}

/// Every `crate::<forbidden>` path in `source` before its test module.
fn forbidden_paths(file: &str, source: &str, forbidden: &[&str]) -> Vec<Reach> {
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let root: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // A grouped `crate::{…}` could hide a forbidden root across lines: refused, so that
            // every path stays readable here.
            if rest.starts_with('{') || forbidden.contains(&root.as_str()) {
                found.push(Reach {
                    file: file.to_string(),
                    line: n + 1,
                    path: if root.is_empty() {
                        "crate::{…} (write one path per `use`)".to_string()
                    } else {
                        format!("crate::{root}")
                    },
                });
            }
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_hub_side_never_names_raw_records_keys_or_the_authoritys_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut reaches = Vec::new();
    let mut files_read = 0;
    for (module, forbidden) in RULES {
        let dir = src.join(module);
        let files = if dir.is_dir() {
            rust_files(&dir)
        } else {
            vec![src.join(format!("{module}.rs"))]
        };
        for file in files {
            let source = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let name = file
                .strip_prefix(&src)
                .unwrap_or(&file)
                .display()
                .to_string();
            reaches.extend(forbidden_paths(&name, &source, forbidden));
            files_read += 1;
        }
    }
    assert!(
        files_read > 40,
        "read only {files_read} files: is src/ laid out as expected?"
    );
    let listing: Vec<String> = reaches
        .iter()
        .map(|r| format!("src/{}:{} names {}", r.file, r.line, r.path))
        .collect();
    assert!(
        reaches.is_empty(),
        "the hub side reaches authority-side code:\n{}",
        listing.join("\n")
    );
}

#[test]
fn a_forbidden_import_is_caught_and_a_test_fixture_is_not() {
    let source = "use crate::wire::EncodedRecord;\n\
                  use crate::encode::Encoder; // the authority's encoder\n\
                  fn f() { let _ = crate::input::RawRecord::default(); }\n\
                  // crate::local is only mentioned in a comment\n\
                  use crate::{wire, input};\n\
                  #[cfg(test)]\n\
                  mod tests { use crate::encode::PupilRecord; }\n";
    let found = forbidden_paths("hub/example.rs", source, AUTHORITY_SIDE);
    assert_eq!(
        found,
        vec![
            Reach {
                file: "hub/example.rs".into(),
                line: 2,
                path: "crate::encode".into()
            },
            Reach {
                file: "hub/example.rs".into(),
                line: 3,
                path: "crate::input".into()
            },
            Reach {
                file: "hub/example.rs".into(),
                line: 5,
                path: "crate::{…} (write one path per `use`)".into()
            },
        ]
    );
}
