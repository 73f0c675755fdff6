//! The script library in the plugin's site-scoped store:
//! `script/<id>` (the record), `file/<id>/script` and `file/<id>/input`
//! (the files' bytes) and `categories` (the site admin's list).
//!
//! A name is unique among the scripts its author can see (the published
//! ones and their own): checking against anyone's unpublished script would
//! tell other CSRs that it exists.

use base64::Engine;
use serde::Deserialize;
use tether_sdk::prelude::*;

use crate::model::{self, FileInfo, Invalid, Script};
use crate::name_lock;

const CATEGORIES_KEY: &str = "categories";

/// An uploaded file: its name and its bytes in base64.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    pub file_name: String,
    pub content: String,
}

impl Upload {
    fn decode(&self, field: &'static str, errors: &mut Invalid) -> Option<Vec<u8>> {
        match base64::engine::general_purpose::STANDARD.decode(self.content.as_bytes()) {
            Ok(bytes) => {
                model::check_file(field, &self.file_name, bytes.len(), errors);
                Some(bytes)
            }
            Err(_) => {
                errors.add(field, "the file's content is not valid base64");
                None
            }
        }
    }
}

fn invalid(errors: Invalid) -> PluginError {
    PluginError::InvalidInput(errors.message())
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn new_id(name: &str) -> String {
    use std::hash::BuildHasher;
    let salt = std::collections::hash_map::RandomState::new().hash_one(name);
    format!("{:x}-{:08x}", now_millis(), salt as u32)
}

pub fn categories() -> Result<Vec<String>, PluginError> {
    Ok(host::store::get_json::<Vec<String>>(CATEGORIES_KEY)?.unwrap_or_default())
}

/// The site admin replaces the list of categories.
pub fn set_categories(account: &Account, list: Vec<String>) -> Result<Vec<String>, PluginError> {
    if !account.site_admin {
        return Err(PluginError::Denied(
            "only a site admin manages the script categories".into(),
        ));
    }
    let mut cleaned: Vec<String> = Vec::new();
    for category in list {
        let category = category.trim().to_owned();
        if category.is_empty() || category.chars().count() > 60 {
            return Err(PluginError::InvalidInput(
                "categories: each is 1 to 60 characters".into(),
            ));
        }
        if cleaned.iter().any(|c| c.eq_ignore_ascii_case(&category)) {
            return Err(PluginError::InvalidInput(format!(
                "categories: `{category}` is listed twice"
            )));
        }
        cleaned.push(category);
    }
    host::store::set_json(CATEGORIES_KEY, &cleaned)?;
    Ok(cleaned)
}

fn load(id: &str) -> Result<Option<Script>, PluginError> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Ok(None);
    }
    host::store::get_json::<Script>(&format!("script/{id}"))
}

/// A script the CSR may see (unpublished ones only by their author).
pub fn visible(account_user: &str, id: &str) -> Result<Script, PluginError> {
    load(id)?
        .filter(|s| model::visible_to(s, account_user))
        .ok_or_else(|| PluginError::InvalidInput(format!("no script {id} in the library")))
}

/// A script the CSR may change: their own.
fn owned(account: &Account, id: &str) -> Result<Script, PluginError> {
    let script = visible(&account.username, id)?;
    if script.author != account.username {
        return Err(PluginError::Denied(format!(
            "only its author ({}) can change `{}`",
            script.author_name, script.name
        )));
    }
    Ok(script)
}

/// The store key of a script's `script` or `input` file.
pub fn file_key(id: &str, which: &str) -> String {
    format!("file/{id}/{which}")
}

pub fn list(account: &Account, sort: &str, descending: bool) -> Result<Vec<Script>, PluginError> {
    let mut scripts = Vec::new();
    for key in host::store::list_keys("script/")? {
        if let Some(script) = host::store::get_json::<Script>(&key)?
            && model::visible_to(&script, &account.username)
        {
            scripts.push(script);
        }
    }
    model::sort(&mut scripts, sort, descending).map_err(PluginError::InvalidInput)?;
    Ok(scripts)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewScript {
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub published: bool,
    pub script: Upload,
    #[serde(default)]
    pub input: Option<Upload>,
}

/// Checks that no script `author` can see, other than `except`, has the
/// name already.
fn check_name_free(
    name: &str,
    author: &str,
    except: Option<&str>,
    errors: &mut Invalid,
) -> Result<(), PluginError> {
    for key in host::store::list_keys("script/")? {
        let Some(script) = host::store::get_json::<Script>(&key)? else {
            continue;
        };
        if Some(script.id.as_str()) != except
            && model::visible_to(&script, author)
            && model::same_name(&script.name, name)
        {
            errors.add(
                "name",
                format!(
                    "a script named `{}` already exists on this site",
                    name.trim()
                ),
            );
            break;
        }
    }
    Ok(())
}

pub fn add(account: &Account, new: NewScript) -> Result<Script, PluginError> {
    let mut errors = Invalid::default();
    model::check_name(&new.name, &mut errors);
    // Held until the record is written (or this fails): nobody else
    // checks and takes the same name meanwhile.
    let _name = name_lock::take(&new.name, now_millis())?;
    check_name_free(&new.name, &account.username, None, &mut errors)?;
    model::check_category(&new.category, &categories()?, &mut errors);
    model::check_description(&new.description, &mut errors);
    let script_bytes = new.script.decode("script", &mut errors);
    let input_bytes = new
        .input
        .as_ref()
        .and_then(|upload| upload.decode("input", &mut errors));
    errors.into_result().map_err(invalid)?;
    let (Some(script_bytes), input_upload) = (script_bytes, new.input) else {
        return Err(PluginError::InvalidInput(
            "script: the file is missing".into(),
        ));
    };
    let id = new_id(&new.name);
    let script = Script {
        id: id.clone(),
        name: new.name.trim().to_owned(),
        category: new.category,
        description: new.description,
        published: new.published,
        author: account.username.clone(),
        author_name: account.display_name.clone(),
        updated: now_millis(),
        script_file: FileInfo {
            file_name: new.script.file_name,
            size: script_bytes.len(),
        },
        input_file: input_upload
            .as_ref()
            .zip(input_bytes.as_ref())
            .map(|(upload, bytes)| FileInfo {
                file_name: upload.file_name.clone(),
                size: bytes.len(),
            }),
    };
    // Files first, the record last: a failure leaves no listed script
    // without its files.
    host::store::set(&file_key(&id, "script"), &script_bytes)?;
    if let Some(bytes) = &input_bytes {
        host::store::set(&file_key(&id, "input"), bytes)?;
    }
    host::store::set_json(&format!("script/{id}"), &script)?;
    Ok(script)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub published: Option<bool>,
    #[serde(default)]
    pub script: Option<Upload>,
    #[serde(default)]
    pub input: Option<Upload>,
    /// Removes the input file.
    #[serde(default)]
    pub remove_input: bool,
}

pub fn update(account: &Account, changes: Changes) -> Result<Script, PluginError> {
    let mut script = owned(account, &changes.id)?;
    let mut errors = Invalid::default();
    let mut _name = None;
    if let Some(name) = &changes.name {
        model::check_name(name, &mut errors);
        _name = Some(name_lock::take(name, now_millis())?);
        check_name_free(name, &account.username, Some(&script.id), &mut errors)?;
    }
    if let Some(category) = &changes.category {
        model::check_category(category, &categories()?, &mut errors);
    }
    if let Some(description) = &changes.description {
        model::check_description(description, &mut errors);
    }
    let script_bytes = changes
        .script
        .as_ref()
        .and_then(|upload| upload.decode("script", &mut errors));
    let input_bytes = changes
        .input
        .as_ref()
        .and_then(|upload| upload.decode("input", &mut errors));
    if changes.remove_input && changes.input.is_some() {
        errors.add(
            "input",
            "either replace the input file or remove it, not both",
        );
    }
    errors.into_result().map_err(invalid)?;

    let id = script.id.clone();
    if let (Some(upload), Some(bytes)) = (&changes.script, &script_bytes) {
        host::store::set(&file_key(&id, "script"), bytes)?;
        script.script_file = FileInfo {
            file_name: upload.file_name.clone(),
            size: bytes.len(),
        };
    }
    if let (Some(upload), Some(bytes)) = (&changes.input, &input_bytes) {
        host::store::set(&file_key(&id, "input"), bytes)?;
        script.input_file = Some(FileInfo {
            file_name: upload.file_name.clone(),
            size: bytes.len(),
        });
    }
    if changes.remove_input {
        host::store::delete(&file_key(&id, "input"))?;
        script.input_file = None;
    }
    if let Some(name) = changes.name {
        script.name = name.trim().to_owned();
    }
    if let Some(category) = changes.category {
        script.category = category;
    }
    if let Some(description) = changes.description {
        script.description = description;
    }
    if let Some(published) = changes.published {
        script.published = published;
    }
    script.updated = now_millis();
    host::store::set_json(&format!("script/{id}"), &script)?;
    Ok(script)
}

pub fn delete(account: &Account, id: &str, confirmed: bool) -> Result<(), PluginError> {
    let script = owned(account, id)?;
    if !confirmed {
        return Err(PluginError::InvalidInput(format!(
            "confirm: deleting `{}` needs \"confirm\": true",
            script.name
        )));
    }
    host::store::delete(&format!("script/{id}"))?;
    host::store::delete(&file_key(id, "script"))?;
    host::store::delete(&file_key(id, "input"))?;
    Ok(())
}
