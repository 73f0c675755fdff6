//! The library's records and the rules for them (pure, unit-tested).

use serde::{Deserialize, Serialize};

/// Largest execution or input file: 1 MB (1,048,576 bytes).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// A script as the library lists it (its files are stored apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub id: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub published: bool,
    /// The author's user name (ownership) and display name (the list).
    pub author: String,
    pub author_name: String,
    /// Unix milliseconds.
    pub updated: u64,
    pub script_file: FileInfo,
    pub input_file: Option<FileInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    pub file_name: String,
    pub size: usize,
}

/// Field errors, each naming its field, so the form can be corrected.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<(&'static str, String)>);

impl Invalid {
    pub fn add(&mut self, field: &'static str, reason: impl Into<String>) {
        self.0.push((field, reason.into()));
    }

    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn message(&self) -> String {
        self.0
            .iter()
            .map(|(field, reason)| format!("{field}: {reason}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub fn check_name(name: &str, errors: &mut Invalid) {
    let chars = name.trim().chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        errors.add("name", format!("1 to {MAX_NAME_CHARS} characters"));
    }
}

pub fn check_description(description: &str, errors: &mut Invalid) {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.add(
            "description",
            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
        );
    }
}

pub fn check_category(category: &str, categories: &[String], errors: &mut Invalid) {
    if category.trim().is_empty() {
        errors.add("category", "choose a category");
    } else if !categories.iter().any(|c| c == category) {
        errors.add(
            "category",
            format!("`{category}` is not one of the site's categories"),
        );
    }
}

/// Checks an uploaded file's name and size.
pub fn check_file(field: &'static str, file_name: &str, size: usize, errors: &mut Invalid) {
    let chars = file_name.chars().count();
    if chars == 0 || chars > MAX_FILE_NAME_CHARS || file_name.chars().any(char::is_control) {
        errors.add(
            field,
            format!("the file name must be 1 to {MAX_FILE_NAME_CHARS} characters"),
        );
    }
    if size == 0 {
        errors.add(field, "the file is empty");
    } else if size > MAX_FILE_BYTES {
        errors.add(
            field,
            format!("the file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes (1 MB)"),
        );
    }
}

/// Whether two names are the same to people: case and surrounding space
/// do not count.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Who may see a script: everyone on the site when published, else only
/// its author.
pub fn visible_to(script: &Script, username: &str) -> bool {
    script.published || script.author == username
}

/// Sorting the list by a column.
pub fn sort(scripts: &mut [Script], column: &str, descending: bool) -> Result<(), String> {
    let key = |s: &Script| -> (String, String) {
        let primary = match column {
            "name" => s.name.to_lowercase(),
            "category" => s.category.to_lowercase(),
            "author" => s.author_name.to_lowercase(),
            "description" => s.description.to_lowercase(),
            "published" => (s.published as u8).to_string(),
            "updated" => format!("{:020}", s.updated),
            _ => String::new(),
        };
        (primary, s.name.to_lowercase())
    };
    if ![
        "name",
        "category",
        "author",
        "description",
        "published",
        "updated",
    ]
    .contains(&column)
    {
        return Err(format!(
            "cannot sort by `{column}`: use name, category, author, description, published or updated"
        ));
    }
    scripts.sort_by_key(key);
    if descending {
        scripts.reverse();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_up_to_exactly_one_mb() {
        let mut errors = Invalid::default();
        check_file("script", "fix.sh", MAX_FILE_BYTES, &mut errors);
        assert!(errors.0.is_empty());
        check_file("script", "fix.sh", MAX_FILE_BYTES + 1, &mut errors);
        assert_eq!(
            errors.message(),
            "script: the file is 1048577 bytes; the limit is 1048576 bytes (1 MB)"
        );
    }

    #[test]
    fn names_are_the_same_regardless_of_case() {
        assert!(same_name(" Backup ", "BACKUP"));
        assert!(!same_name("Backup", "Backup 2"));
    }
}
