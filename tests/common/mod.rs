//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::Path;

/// The `snoka` binary built for these tests.
pub fn snoka() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("snoka").expect("binary builds")
}

/// Copies the tree at `from` to `to` (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
