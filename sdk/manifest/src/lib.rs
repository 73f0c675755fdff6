//! Plugin manifests (`manifests/<id>.toml`): parsing and validation.
//!
//! Pure policy, no I/O beyond reading the file: every refusal names the file,
//! the field and the reason, so an operator can fix a manifest without
//! reading kernel code. The kernel says which plugin API versions it hosts
//! and their interfaces ([`HostedApi`], from its one table); this crate has
//! no plugin host in it, so it builds fast enough to be fuzzed.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Largest memory a manifest may request; the operator's maximum may be lower.
pub const MAX_MEMORY_MB: u32 = 4096;
/// Longest time per event a manifest may request.
pub const MAX_TIME_PER_EVENT_MS: u32 = 60_000;
/// Where a panel may appear: `csr` in the console's session view,
/// `console` as a page of its own in the console's navigation (outside any
/// session), `customer` on the customer's page, `admin` on the site admin's
/// pages; since plugin API 0.2 also `public`, a page anyone may open
/// without signing in (at `/{path}/{site}/{page}`), and `csr-menu`, a menu
/// entry beside the session's commands in the console.
pub const LOCATIONS: &[&str] = &["csr", "console", "customer", "admin", "public", "csr-menu"];
/// Locations plugin API 0.1 does not have: its plugins cannot ask for them.
pub const SINCE_V0_2_LOCATIONS: &[&str] = &["public", "csr-menu"];
/// A panel's `location` for a public page.
pub const PUBLIC_LOCATION: &str = "public";
/// Longest `path` of a public panel.
pub const MAX_PUBLIC_PATH: usize = 16;
/// First segments of the kernel's own addresses: a public page's `path`
/// cannot be one of them.
pub const RESERVED_PATHS: &[&str] = &[
    "join",
    "admin",
    "assets",
    "download",
    "plugin-ui",
    "healthz",
    "api",
    "ws",
];
/// Longest consent text, so a prompt stays readable.
pub const MAX_CONSENT_TEXT: usize = 300;

/// A plugin API version a kernel hosts, with the names of its interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedApi<'a> {
    pub version: &'a str,
    pub interfaces: Vec<&'a str>,
}

/// A manifest that parsed and passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub id: String,
    pub name: String,
    pub version: semver::Version,
    pub api_version: String,
    /// The component file, relative to the plugin artifacts directory.
    pub wasm: PathBuf,
    pub description: String,
    pub imports: BTreeSet<String>,
    pub capabilities: Vec<DeclaredCapability>,
    pub panels: Vec<Panel>,
    pub limits: RequestedLimits,
    /// JSON schema of the plugin's per-site settings.
    pub settings_schema: serde_json::Value,
    /// Console commands that change the site for everyone (the script
    /// categories): each one that succeeds outside a session leaves a
    /// line in the site's audit log, with who sent it and its payload.
    pub audited_commands: BTreeSet<String>,
}

/// An agent capability the plugin may call, with what the customer is told.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredCapability {
    pub name: String,
    /// Shown to the customer, e.g. "{csr} wants to view your system information".
    pub consent: String,
    /// The consent text in other languages, by language code; the
    /// customer's page shows the one for its language.
    #[serde(default, rename = "consent-texts")]
    pub consent_texts: std::collections::BTreeMap<String, String>,
    /// For a capability after which the computer is gone for a while (a
    /// restart): what the customer is told instead of `consent` when their
    /// host agent cannot come back to the session by itself, so a prompt
    /// never promises a return that will not happen.
    #[serde(default, rename = "consent-rejoin-with-link")]
    pub consent_rejoin_with_link: Option<String>,
    /// `consent-rejoin-with-link` in the languages of `consent-texts`.
    #[serde(default, rename = "consent-rejoin-with-link-texts")]
    pub consent_rejoin_with_link_texts: std::collections::BTreeMap<String, String>,
    /// Why the plugin needs it, shown to operators.
    pub reason: String,
}

impl DeclaredCapability {
    /// The consent text and its translations for a customer whose agent
    /// comes back by itself after a restart (`rejoins_by_itself`) or not.
    pub fn consent_for(
        &self,
        rejoins_by_itself: bool,
    ) -> (&str, &std::collections::BTreeMap<String, String>) {
        match &self.consent_rejoin_with_link {
            Some(text) if !rejoins_by_itself => (text, &self.consent_rejoin_with_link_texts),
            _ => (&self.consent, &self.consent_texts),
        }
    }
}

/// A UI panel the plugin contributes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub id: String,
    pub title: String,
    /// The title in other languages, by language code (`da`, `fr`, `ja`).
    #[serde(default)]
    pub titles: std::collections::BTreeMap<String, String>,
    /// Where it appears: one of [`LOCATIONS`].
    pub location: String,
    /// The panel's HTML entry, relative to the plugin's UI directory.
    pub entry: String,
    /// For a `public` panel (and only for one): the first segment of its
    /// address, `/{path}/{site}/{page}`; 1 to [`MAX_PUBLIC_PATH`]
    /// characters `a-z`, `0-9` and `-`, not one of [`RESERVED_PATHS`].
    #[serde(default)]
    pub path: Option<String>,
}

/// Why `path` cannot be a public page's path, if it cannot.
pub fn check_public_path(path: &str) -> Result<(), String> {
    let shaped = (1..=MAX_PUBLIC_PATH).contains(&path.len())
        && path
            .chars()
            .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'));
    if !shaped {
        return Err(format!(
            "`{path}` is not a page path: 1 to {MAX_PUBLIC_PATH} lowercase letters, digits and dashes"
        ));
    }
    if RESERVED_PATHS.contains(&path) {
        return Err(format!(
            "`{path}` is one of the kernel's own addresses ({})",
            RESERVED_PATHS.join(", ")
        ));
    }
    Ok(())
}

/// Limits the plugin asks for; the kernel grants the smaller of these and the
/// operator's maxima.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequestedLimits {
    pub memory_mb: u32,
    pub time_per_event_ms: u32,
}

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: field `{field}`: {reason}", file.display())]
pub struct ManifestError {
    pub file: PathBuf,
    pub field: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawManifest {
    id: String,
    name: String,
    version: String,
    api_version: String,
    wasm: String,
    description: String,
    #[serde(default)]
    imports: Vec<String>,
    #[serde(default)]
    capabilities: Vec<DeclaredCapability>,
    #[serde(default)]
    panels: Vec<Panel>,
    limits: RequestedLimits,
    #[serde(default)]
    settings_schema: Option<String>,
    #[serde(default)]
    audited_commands: Vec<String>,
}

/// Translations by language code: codes like `da` or `ja`, no empty text.
fn check_translations(texts: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    for (language, text) in texts {
        let code_ok =
            (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_lowercase());
        if !code_ok {
            return Err(format!(
                "`{language}` is not a language code such as `da` or `ja`"
            ));
        }
        if text.trim().is_empty() {
            return Err(format!("the `{language}` text must not be empty"));
        }
    }
    Ok(())
}

/// A consent text and its translations: 1 to [`MAX_CONSENT_TEXT`] bytes
/// each. The error names the field (`consent` or `consent-texts`).
fn check_consent(
    text: &str,
    texts: &std::collections::BTreeMap<String, String>,
) -> Result<(), (&'static str, String)> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_CONSENT_TEXT {
        return Err((
            "consent",
            format!("the text shown to the customer must be 1 to {MAX_CONSENT_TEXT} characters"),
        ));
    }
    check_translations(texts).map_err(|reason| ("consent-texts", reason))?;
    if let Some((language, _)) = texts.iter().find(|(_, text)| text.len() > MAX_CONSENT_TEXT) {
        return Err((
            "consent-texts",
            format!("the `{language}` text is longer than {MAX_CONSENT_TEXT} characters"),
        ));
    }
    Ok(())
}

impl Manifest {
    /// Reads and validates the manifest at `path` for a kernel hosting
    /// `hosted`.
    pub fn load(path: &Path, hosted: &[HostedApi<'_>]) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|error| ManifestError {
            file: path.to_owned(),
            field: "(file)".to_owned(),
            reason: format!("cannot read: {error}"),
        })?;
        Manifest::parse(path, &text, hosted)
    }

    /// Parses and validates manifest `text` for a kernel hosting `hosted`;
    /// `file` is only used in errors.
    pub fn parse(
        file: &Path,
        text: &str,
        hosted: &[HostedApi<'_>],
    ) -> Result<Manifest, ManifestError> {
        let fail = |field: &str, reason: String| ManifestError {
            file: file.to_owned(),
            field: field.to_owned(),
            reason,
        };
        let deserializer = toml::Deserializer::parse(text)
            .map_err(|error| fail("(syntax)", error.message().to_owned()))?;
        let raw: RawManifest = serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let message = inner.message().to_owned();
            // A missing field is reported at its parent; name the field itself.
            let field = match message.strip_prefix("missing field `") {
                Some(rest) => {
                    let name = rest.trim_end_matches('`');
                    if path == "." {
                        name.to_owned()
                    } else {
                        format!("{path}.{name}")
                    }
                }
                None => path,
            };
            // Found by fuzzing: a key with no name (`"" = 1`) leaves no path.
            let field = if field.is_empty() {
                "(a key with no name)".to_owned()
            } else {
                field
            };
            fail(&field, message)
        })?;
        validate(raw, hosted).map_err(|(field, reason)| fail(&field, reason))
    }

    /// The capability named `name`, if the manifest declares it.
    pub fn capability(&self, name: &str) -> Option<&DeclaredCapability> {
        self.capabilities.iter().find(|c| c.name == name)
    }

    /// The `public` panels, each with its path.
    pub fn public_panels(&self) -> impl Iterator<Item = (&str, &Panel)> {
        self.panels
            .iter()
            .filter(|panel| panel.location == PUBLIC_LOCATION)
            .filter_map(|panel| Some((panel.path.as_deref()?, panel)))
    }
}

fn is_identifier(text: &str, max: usize) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('a'..='z'))
        && text.len() <= max
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
        && !text.ends_with('-')
}

type FieldError = (String, String);

fn validate(raw: RawManifest, hosted: &[HostedApi<'_>]) -> Result<Manifest, FieldError> {
    fn err<T>(field: &str, reason: String) -> Result<T, FieldError> {
        Err((field.to_owned(), reason))
    }

    if !is_identifier(&raw.id, 32) {
        return err(
            "id",
            format!(
                "`{}` is not a plugin id: 1 to 32 lowercase letters, digits and dashes, starting with a letter",
                raw.id
            ),
        );
    }
    if raw.name.trim().is_empty() || raw.name.len() > 80 {
        return err("name", "must be 1 to 80 characters".to_owned());
    }
    let version = semver::Version::parse(&raw.version).or_else(|error| {
        err(
            "version",
            format!("`{}` is not a semantic version: {error}", raw.version),
        )
    })?;
    let Some(interfaces) = hosted
        .iter()
        .find(|api| api.version == raw.api_version)
        .map(|api| &api.interfaces)
    else {
        let versions: Vec<&str> = hosted.iter().map(|api| api.version).collect();
        return err(
            "api-version",
            format!(
                "`{}` is not supported; this kernel hosts {}",
                raw.api_version,
                versions.join(", ")
            ),
        );
    };
    let wasm = PathBuf::from(&raw.wasm);
    if raw.wasm.is_empty()
        || wasm.is_absolute()
        || wasm
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        || wasm.extension().is_none_or(|ext| ext != "wasm")
    {
        return err(
            "wasm",
            format!(
                "`{}` must be a relative path to a .wasm file inside the artifacts directory",
                raw.wasm
            ),
        );
    }
    if raw.description.trim().is_empty() {
        return err("description", "must not be empty".to_owned());
    }

    let mut imports = BTreeSet::new();
    for (index, name) in raw.imports.iter().enumerate() {
        let field = format!("imports[{index}]");
        if !interfaces.contains(&name.as_str()) {
            let known = interfaces;
            return err(
                &field,
                format!("unknown interface `{name}`; known: {}", known.join(", ")),
            );
        }
        if !imports.insert(name.clone()) {
            return err(&field, format!("`{name}` is listed twice"));
        }
    }

    let mut capability_names = BTreeSet::new();
    for (index, capability) in raw.capabilities.iter().enumerate() {
        let field = |name: &str| format!("capabilities[{index}].{name}");
        // Only capabilities the host agent has can be declared.
        if let Err(unknown) = capability.name.parse::<tether_protocol::Capability>() {
            return err(&field("name"), unknown.to_string());
        }
        if !capability_names.insert(capability.name.clone()) {
            return err(
                &field("name"),
                format!("`{}` is declared twice", capability.name),
            );
        }
        check_consent(&capability.consent, &capability.consent_texts)
            .map_err(|(name, reason)| (field(name), reason))?;
        if capability.reason.trim().is_empty() {
            return err(
                &field("reason"),
                "must say why the plugin needs the capability".to_owned(),
            );
        }
        match &capability.consent_rejoin_with_link {
            Some(text) => {
                check_consent(text, &capability.consent_rejoin_with_link_texts).map_err(
                    |(name, reason)| {
                        (
                            field(&name.replace("consent", "consent-rejoin-with-link")),
                            reason,
                        )
                    },
                )?;
                // Both cases in every language: a customer must not read
                // one of them in English only.
                let languages = |texts: &std::collections::BTreeMap<String, String>| {
                    texts.keys().cloned().collect::<Vec<_>>()
                };
                if languages(&capability.consent_texts)
                    != languages(&capability.consent_rejoin_with_link_texts)
                {
                    return err(
                        &field("consent-rejoin-with-link-texts"),
                        format!(
                            "must translate into the languages of `consent-texts` ({})",
                            languages(&capability.consent_texts).join(", ")
                        ),
                    );
                }
            }
            None if !capability.consent_rejoin_with_link_texts.is_empty() => {
                return err(
                    &field("consent-rejoin-with-link-texts"),
                    "translates `consent-rejoin-with-link`, which is missing".to_owned(),
                );
            }
            None => {}
        }
    }
    if !raw.capabilities.is_empty() {
        for needed in ["consent", "agent"] {
            if !imports.contains(needed) {
                return err(
                    "imports",
                    format!("a plugin with capabilities must import `{needed}`"),
                );
            }
        }
    }

    let mut panel_ids = BTreeSet::new();
    let mut public_paths = BTreeSet::new();
    for (index, panel) in raw.panels.iter().enumerate() {
        let field = |name: &str| format!("panels[{index}].{name}");
        if !is_identifier(&panel.id, 32) {
            return err(&field("id"), format!("`{}` is not a panel id", panel.id));
        }
        if !panel_ids.insert(panel.id.clone()) {
            return err(&field("id"), format!("`{}` is declared twice", panel.id));
        }
        if panel.title.trim().is_empty() {
            return err(&field("title"), "must not be empty".to_owned());
        }
        if let Err(reason) = check_translations(&panel.titles) {
            return err(&field("titles"), reason);
        }
        if !LOCATIONS.contains(&panel.location.as_str()) {
            return err(
                &field("location"),
                format!(
                    "`{}` is not one of {}",
                    panel.location,
                    LOCATIONS.join(", ")
                ),
            );
        }
        if raw.api_version == "0.1" && SINCE_V0_2_LOCATIONS.contains(&panel.location.as_str()) {
            return err(
                &field("location"),
                format!(
                    "`{}` panels need plugin API 0.2 or later (this manifest has api-version 0.1)",
                    panel.location
                ),
            );
        }
        match (&panel.path, panel.location == PUBLIC_LOCATION) {
            (None, true) => {
                return err(
                    &field("path"),
                    "a `public` panel needs the path of its address (`/{path}/{site}/{page}`)"
                        .to_owned(),
                );
            }
            (Some(_), false) => {
                return err(
                    &field("path"),
                    "only a `public` panel has a path".to_owned(),
                );
            }
            (Some(path), true) => {
                check_public_path(path).or_else(|reason| err(&field("path"), reason))?;
                if !public_paths.insert(path.clone()) {
                    return err(&field("path"), format!("`{path}` is used twice"));
                }
            }
            (None, false) => {}
        }
        let entry = Path::new(&panel.entry);
        if panel.entry.is_empty()
            || entry.is_absolute()
            || entry
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return err(
                &field("entry"),
                format!("`{}` must be a relative path", panel.entry),
            );
        }
    }

    if !(1..=MAX_MEMORY_MB).contains(&raw.limits.memory_mb) {
        return err(
            "limits.memory-mb",
            format!(
                "must be between 1 and {MAX_MEMORY_MB} (got {})",
                raw.limits.memory_mb
            ),
        );
    }
    if !(1..=MAX_TIME_PER_EVENT_MS).contains(&raw.limits.time_per_event_ms) {
        return err(
            "limits.time-per-event-ms",
            format!(
                "must be between 1 and {MAX_TIME_PER_EVENT_MS} (got {})",
                raw.limits.time_per_event_ms
            ),
        );
    }

    let settings_schema = match raw.settings_schema {
        None => {
            serde_json::json!({ "type": "object", "properties": {}, "additionalProperties": false })
        }
        Some(text) => {
            let schema: serde_json::Value = serde_json::from_str(&text)
                .or_else(|error| err("settings-schema", format!("is not JSON: {error}")))?;
            if schema.get("type").and_then(|t| t.as_str()) != Some("object") {
                return err(
                    "settings-schema",
                    "must be a JSON schema whose `type` is `object`".to_owned(),
                );
            }
            schema
        }
    };

    let mut audited_commands = BTreeSet::new();
    for name in raw.audited_commands {
        if name.is_empty() || name.len() > 64 {
            return err(
                "audited-commands",
                format!("`{name}`: command names are 1 to 64 characters"),
            );
        }
        if !audited_commands.insert(name.clone()) {
            return err("audited-commands", format!("`{name}` is listed twice"));
        }
    }

    Ok(Manifest {
        id: raw.id,
        name: raw.name,
        version,
        api_version: raw.api_version,
        wasm,
        description: raw.description,
        imports,
        capabilities: raw.capabilities,
        panels: raw.panels,
        limits: raw.limits,
        settings_schema,
        audited_commands,
    })
}

impl fmt::Display for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.id, self.version, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "sysinfo"
name = "System information"
version = "0.1.0"
api-version = "0.1"
wasm = "sysinfo.wasm"
description = "Shows the customer's computer in categories."
imports = ["log", "session", "consent", "agent"]

[[capabilities]]
name = "sysinfo.collect"
consent = "{csr} wants to view your system information"
reason = "Collects the categories shown to the CSR."

[[panels]]
id = "main"
title = "System information"
location = "csr"
entry = "index.html"

[limits]
memory-mb = 32
time-per-event-ms = 2000
"#;

    #[test]
    fn a_key_with_no_name_is_refused_with_a_field_to_point_at() {
        for text in ["\"\"=\"=\"", "\"\" =\"==\"", "\"\"=\"\"\"\"\"\""] {
            let error = parse(text).expect_err("refused");
            assert!(!error.field.is_empty(), "{text}: {error}");
        }
    }

    /// What a kernel of plugin API 0.1 hosts.
    fn hosted() -> Vec<HostedApi<'static>> {
        vec![HostedApi {
            version: "0.1",
            interfaces: vec!["log", "store", "session", "consent", "agent"],
        }]
    }

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(Path::new("manifests/sysinfo.toml"), text, &hosted())
    }

    #[test]
    fn a_complete_manifest_is_accepted() {
        let manifest = parse(GOOD).expect("valid");
        assert_eq!(manifest.id, "sysinfo");
        assert_eq!(manifest.version, semver::Version::new(0, 1, 0));
        assert!(manifest.imports.contains("agent"));
        assert_eq!(
            manifest
                .capability("sysinfo.collect")
                .map(|c| c.consent.as_str()),
            Some("{csr} wants to view your system information")
        );
        assert_eq!(manifest.limits.memory_mb, 32);
        assert_eq!(manifest.settings_schema["type"], "object");
        assert!(manifest.audited_commands.is_empty());
        let audited = parse(&GOOD.replace(
            "imports = [",
            "audited-commands = [\"categories.set\"]\nimports = [",
        ))
        .expect("valid");
        assert!(audited.audited_commands.contains("categories.set"));
        let titled = parse(&GOOD.replace(
            "entry = \"index.html\"",
            "entry = \"index.html\"\ntitles = { ja = \"システム情報\" }",
        ))
        .expect("valid with titles");
        assert_eq!(titled.panels[0].titles["ja"], "システム情報");
    }

    /// Each bad case: (what to replace, replacement, expected field, expected
    /// words in the reason).
    const BAD: &[(&str, &str, &str, &str)] = &[
        (
            "id = \"sysinfo\"",
            "id = \"Sys Info\"",
            "id",
            "is not a plugin id",
        ),
        ("id = \"sysinfo\"\n", "", "id", "missing field `id`"),
        (
            "version = \"0.1.0\"",
            "version = \"one\"",
            "version",
            "not a semantic version",
        ),
        (
            "api-version = \"0.1\"",
            "api-version = \"9.0\"",
            "api-version",
            "not supported",
        ),
        (
            "wasm = \"sysinfo.wasm\"",
            "wasm = \"../../etc/passwd.wasm\"",
            "wasm",
            "relative path",
        ),
        (
            "wasm = \"sysinfo.wasm\"",
            "wasm = \"sysinfo.so\"",
            "wasm",
            ".wasm file",
        ),
        (
            "imports = [\"log\", \"session\", \"consent\", \"agent\"]",
            "imports = [\"log\", \"network\", \"consent\", \"agent\"]",
            "imports[1]",
            "unknown interface `network`",
        ),
        (
            "imports = [\"log\", \"session\", \"consent\", \"agent\"]",
            "imports = [\"log\", \"log\", \"consent\", \"agent\"]",
            "imports[1]",
            "listed twice",
        ),
        (
            "imports = [\"log\", \"session\", \"consent\", \"agent\"]",
            "imports = [\"log\", \"consent\"]",
            "imports",
            "must import `agent`",
        ),
        (
            "name = \"sysinfo.collect\"",
            "name = \"collect-everything\"",
            "capabilities[0].name",
            "`collect-everything` is not a capability; the capabilities are",
        ),
        (
            "consent = \"{csr} wants to view your system information\"",
            "consent = \"  \"",
            "capabilities[0].consent",
            "shown to the customer",
        ),
        (
            "reason = \"Collects the categories shown to the CSR.\"",
            "reason = \"\"",
            "capabilities[0].reason",
            "must say why",
        ),
        (
            "location = \"csr\"",
            "location = \"desktop\"",
            "panels[0].location",
            "not one of",
        ),
        (
            "entry = \"index.html\"",
            "entry = \"index.html\"\ntitles = { Danish = \"Systemoplysninger\" }",
            "panels[0].titles",
            "not a language code",
        ),
        (
            "entry = \"index.html\"",
            "entry = \"index.html\"\ntitles = { ja = \" \" }",
            "panels[0].titles",
            "must not be empty",
        ),
        (
            "reason = \"Collects the categories shown to the CSR.\"",
            "reason = \"Collects the categories shown to the CSR.\"\nconsent-texts = { JA = \"x\" }",
            "capabilities[0].consent-texts",
            "not a language code",
        ),
        (
            "memory-mb = 32",
            "memory-mb = 0",
            "limits.memory-mb",
            "between 1 and 4096",
        ),
        (
            "time-per-event-ms = 2000",
            "time-per-event-ms = 600000",
            "limits.time-per-event-ms",
            "between 1 and 60000",
        ),
        (
            "memory-mb = 32",
            "memory-mb = \"lots\"",
            "limits.memory-mb",
            "invalid type",
        ),
        (
            "id = \"sysinfo\"",
            "colour = \"blue\"\nid = \"sysinfo\"",
            "colour",
            "unknown field `colour`",
        ),
        (
            "location = \"csr\"",
            "location = \"csr\"\ncolour = \"blue\"",
            "panels[0].colour",
            "unknown field `colour`",
        ),
        (
            "description = \"Shows the customer's computer in categories.\"",
            "description = \"Shows\"\nsettings-schema = '{\"type\": \"array\"}'",
            "settings-schema",
            "`type` is `object`",
        ),
        ("[limits]", "[limits\n", "(syntax)", ""),
        (
            "reason = \"Collects the categories shown to the CSR.\"",
            "reason = \"Collects the categories shown to the CSR.\"\nconsent-rejoin-with-link = \" \"",
            "capabilities[0].consent-rejoin-with-link",
            "shown to the customer",
        ),
        (
            "reason = \"Collects the categories shown to the CSR.\"",
            "reason = \"Collects the categories shown to the CSR.\"\nconsent-rejoin-with-link-texts = { da = \"x\" }",
            "capabilities[0].consent-rejoin-with-link-texts",
            "`consent-rejoin-with-link`, which is missing",
        ),
        (
            "reason = \"Collects the categories shown to the CSR.\"",
            "reason = \"Collects the categories shown to the CSR.\"\nconsent-texts = { da = \"a\", ja = \"b\" }\nconsent-rejoin-with-link = \"c\"\nconsent-rejoin-with-link-texts = { da = \"d\" }",
            "capabilities[0].consent-rejoin-with-link-texts",
            "the languages of `consent-texts` (da, ja)",
        ),
        (
            "reason = \"Collects the categories shown to the CSR.\"",
            "reason = \"Collects the categories shown to the CSR.\"\nconsent-rejoin-with-link = \"c\"\nconsent-rejoin-with-link-texts = { Danish = \"d\" }",
            "capabilities[0].consent-rejoin-with-link-texts",
            "not a language code",
        ),
        (
            "imports = [",
            "audited-commands = [\"a\", \"a\"]\nimports = [",
            "audited-commands",
            "`a` is listed twice",
        ),
        (
            "imports = [",
            "audited-commands = [\"\"]\nimports = [",
            "audited-commands",
            "1 to 64 characters",
        ),
    ];

    #[test]
    fn bad_manifests_are_refused_naming_file_field_and_reason() {
        for (from, to, field, words) in BAD {
            assert!(GOOD.contains(from), "test case does not apply: {from}");
            let text = GOOD.replacen(from, to, 1);
            let error = parse(&text).expect_err(&format!("should refuse: {to}"));
            assert_eq!(error.file, Path::new("manifests/sysinfo.toml"));
            assert_eq!(&error.field, field, "field for case {to:?}: {error}");
            assert!(
                error.reason.contains(words),
                "reason for case {to:?} should mention {words:?}: {error}"
            );
            let shown = error.to_string();
            assert!(
                shown.starts_with("manifests/sysinfo.toml: field `"),
                "{shown}"
            );
        }
    }

    /// A plugin API 0.2 manifest with a public page and a session menu.
    const DESK: &str = r#"
id = "webacd"
name = "WebACD"
version = "0.1.0"
api-version = "0.2"
wasm = "webacd.wasm"
description = "Queues."
imports = ["log", "store", "desk"]

[[panels]]
id = "entry"
title = "Queue"
location = "public"
path = "q"
entry = "public.html"

[[panels]]
id = "transfer"
title = "Transfer session"
location = "csr-menu"
entry = "transfer.html"

[limits]
memory-mb = 32
time-per-event-ms = 2000
"#;

    fn hosted_both() -> Vec<HostedApi<'static>> {
        let mut hosted = hosted();
        hosted.push(HostedApi {
            version: "0.2",
            interfaces: vec!["log", "store", "session", "consent", "agent", "desk"],
        });
        hosted
    }

    fn parse_desk(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(Path::new("manifests/webacd.toml"), text, &hosted_both())
    }

    #[test]
    fn a_plugin_api_0_2_manifest_has_public_pages_and_session_menus() {
        let manifest = parse_desk(DESK).expect("valid");
        let public: Vec<(&str, &str)> = manifest
            .public_panels()
            .map(|(path, panel)| (path, panel.entry.as_str()))
            .collect();
        assert_eq!(public, vec![("q", "public.html")]);
        assert_eq!(manifest.panels[1].location, "csr-menu");
        assert_eq!(manifest.panels[1].path, None);
        for path in ["a", "queue-2", "sixteen-chars-ok"] {
            let text = DESK.replace("path = \"q\"", &format!("path = \"{path}\""));
            assert!(parse_desk(&text).is_ok(), "{path}");
        }
    }

    #[test]
    fn public_pages_and_session_menus_are_refused_where_they_cannot_be() {
        // (replace, by, field, words)
        let table: &[(&str, &str, &str, &str)] = &[
            ("path = \"q\"\n", "", "panels[0].path", "needs the path"),
            (
                "path = \"q\"",
                "path = \"\"",
                "panels[0].path",
                "not a page path",
            ),
            (
                "path = \"q\"",
                "path = \"Q\"",
                "panels[0].path",
                "not a page path",
            ),
            (
                "path = \"q\"",
                "path = \"q/x\"",
                "panels[0].path",
                "not a page path",
            ),
            (
                "path = \"q\"",
                "path = \"seventeen-chars-x\"",
                "panels[0].path",
                "1 to 16",
            ),
            (
                "path = \"q\"",
                "path = \"api\"",
                "panels[0].path",
                "kernel's own addresses",
            ),
            (
                "path = \"q\"",
                "path = \"join\"",
                "panels[0].path",
                "kernel's own addresses",
            ),
            (
                "path = \"q\"",
                "path = \"plugin-ui\"",
                "panels[0].path",
                "kernel's own addresses",
            ),
            (
                "location = \"csr-menu\"",
                "location = \"csr-menu\"\npath = \"t\"",
                "panels[1].path",
                "only a `public` panel",
            ),
            (
                "location = \"csr-menu\"\nentry = \"transfer.html\"",
                "location = \"public\"\npath = \"q\"\nentry = \"transfer.html\"",
                "panels[1].path",
                "`q` is used twice",
            ),
            (
                "api-version = \"0.2\"\nwasm = \"webacd.wasm\"\ndescription = \"Queues.\"\nimports = [\"log\", \"store\", \"desk\"]",
                "api-version = \"0.1\"\nwasm = \"webacd.wasm\"\ndescription = \"Queues.\"\nimports = [\"log\", \"store\"]",
                "panels[0].location",
                "need plugin API 0.2",
            ),
        ];
        for (from, to, field, words) in table {
            assert!(DESK.contains(from), "test case does not apply: {from}");
            let error =
                parse_desk(&DESK.replacen(from, to, 1)).expect_err(&format!("should refuse: {to}"));
            assert_eq!(&error.field, field, "{to:?}: {error}");
            assert!(error.reason.contains(words), "{to:?}: {error}");
        }
        // A 0.1 plugin's session menu is refused as its public page is.
        let menu_only = DESK
            .replace("api-version = \"0.2\"", "api-version = \"0.1\"")
            .replace(
                "imports = [\"log\", \"store\", \"desk\"]",
                "imports = [\"log\"]",
            )
            .replace(
                "location = \"public\"\npath = \"q\"",
                "location = \"customer\"",
            );
        let error = parse_desk(&menu_only).expect_err("0.1 with a csr-menu");
        assert_eq!(error.field, "panels[1].location", "{error}");
        // ... and so is a 0.1 manifest importing a 0.2 interface.
        let desk_in_0_1 = menu_only
            .replace("location = \"csr-menu\"", "location = \"csr\"")
            .replace("imports = [\"log\"]", "imports = [\"log\", \"desk\"]");
        let error = parse_desk(&desk_in_0_1).expect_err("0.1 importing desk");
        assert_eq!(error.field, "imports[1]", "{error}");
        assert!(error.reason.contains("unknown interface `desk`"), "{error}");
    }

    #[test]
    fn a_capability_may_say_what_a_customer_who_rejoins_with_the_link_is_told() {
        let manifest = parse(&GOOD.replace(
            "reason = \"Collects the categories shown to the CSR.\"",
            "reason = \"Collects the categories shown to the CSR.\"\n\
             consent-texts = { da = \"automatisk\" }\n\
             consent-rejoin-with-link = \"{csr} restarts; use the link\"\n\
             consent-rejoin-with-link-texts = { da = \"brug linket\" }",
        ))
        .expect("valid");
        let declared = manifest.capability("sysinfo.collect").expect("declared");
        let (text, texts) = declared.consent_for(false);
        assert_eq!(
            (text, texts["da"].as_str()),
            ("{csr} restarts; use the link", "brug linket")
        );
        let (text, texts) = declared.consent_for(true);
        assert_eq!(
            (text, texts["da"].as_str()),
            ("{csr} wants to view your system information", "automatisk")
        );
        // Without the variant, one text for both.
        let plain = parse(GOOD).expect("valid");
        let declared = plain.capability("sysinfo.collect").expect("declared");
        assert_eq!(declared.consent_for(false).0, declared.consent_for(true).0);
    }

    #[test]
    fn a_missing_file_names_the_file() {
        let error =
            Manifest::load(Path::new("/nonexistent/echo.toml"), &hosted()).expect_err("missing");
        assert_eq!(error.field, "(file)");
        assert!(error.to_string().contains("/nonexistent/echo.toml"));
    }

    proptest::proptest! {
        /// Whatever an operator or a plugin author writes, parsing gives a
        /// manifest or an error naming the file; it never panics.
        #[test]
        fn arbitrary_and_mangled_manifests_never_panic(
            text in ".{0,300}",
            position in 0usize..2000,
            insert in "[ -~\\n]{0,12}",
        ) {
            if let Err(error) = parse(&text) {
                proptest::prop_assert!(error.to_string().starts_with("manifests/sysinfo.toml"));
            }
            let at = position.min(GOOD.len());
            if GOOD.is_char_boundary(at) {
                let mangled = format!("{}{}{}", &GOOD[..at], insert, &GOOD[at..]);
                if let Err(error) = parse(&mangled) {
                    proptest::prop_assert!(error.to_string().starts_with("manifests/sysinfo.toml"));
                }
            }
        }
    }
}
